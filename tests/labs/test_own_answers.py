"""A grader never refuses its own answer: for every shipped bank, question and variant, what a
learner who copies the answer the page shows submits gets full marks, and the loader refuses a
bank where it would not (naming the file, the question and the variant).

The learner here reads the page as it is rendered (``Card.answer_labels``, the options'
labels, the places of a way) and fills the form from those words alone, as someone who saw
the answer and types or chooses it would; nothing reads the answer's hidden values.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from iamlab.labs import practice
from iamlab.labs.loading import LoadFailed, load, read_quizzes
from iamlab.labs.models import Quiz, QuizProgress
from iamlab.labs.quiz import NOBODY, Question, combinations
from iamlab.labs.trials import scratch_sandbox
from iamlab.labs.world import build_world
from iamlab.labs.worldquiz import grade_build
from iamlab.labs.yamlsource import read_yaml, within

from .conftest import signed_in
from .test_content import QUIZZES

pytestmark = pytest.mark.django_db


def _value_of(card: practice.Card, label: str) -> str:
    """The option a learner picks for the words ``label``: there must be exactly one."""
    found = [value for value, shown in card.variant.options if shown == label]
    assert len(found) == 1, f"{len(found)} options read {label!r}"
    return found[0]


def learner_copies(card: practice.Card) -> list[list[str]]:
    """What the quiz form sends for a learner who copies the answer shown: one submission per
    accepted text of a fill question, else one."""
    kind, shown = card.question.kind, card.answer_labels
    if kind == "fix":  # "A right fix" is shown in full, pasted into the textarea
        return [[shown[0]]]
    if kind == "number":  # "3600 seconds": the number is typed, its unit is the field's label
        return [[shown[0].split(" ")[0]]]
    if kind == "fill":  # "Answer: a; b": any of them is typed
        return [[text] for text in shown]
    if kind == "path":  # "Answer: rio → ada → OpsAutomation", or "There is no way"
        (way,) = shown
        places = len(card.path_slots)
        if way == "There is no way":
            return [[""] * places + [NOBODY]]
        names = way.split(" → ")
        assert names[0] == card.start_label
        steps = [_value_of(card, name) for name in names[1:]]
        assert len(steps) <= places, f"{len(steps)} steps, the form has {places} places"
        return [steps + [""] * (places - len(steps))]
    if kind == "order":  # one select per place, first to last
        return [[_value_of(card, label) for label in shown]]
    # Radio buttons or checkboxes: every option whose words the answer shows.
    chosen = [value for value, label in card.variant.options if label in shown]
    assert card.variant.multiple or len(chosen) == 1, f"one radio button for {shown}"
    return [chosen]


def _variants(quiz: Quiz, question: Question) -> list[tuple[dict[str, str], practice.Card]]:
    user = User.objects.get_or_create(username="copier")[0]
    facts = quiz.facts.get(question.id)
    out = []
    for seed, values in enumerate(combinations(question.data.get("vary", {}))):
        progress = QuizProgress(user=user, quiz=quiz, question_id=question.id, seed=seed)
        out.append(
            (values, practice.Card(question, question.variant_of(values, seed, facts), progress))
        )
    return out


def _build_graded(quiz: Quiz, question: Question, card: practice.Card) -> bool:
    """A build task's answer is the world it asks for: its ``fixed`` world, built in a
    sandbox, graded as a learner's sandbox is."""
    index = next(i for i, q in enumerate(quiz.spec().questions) if q.id == question.id)
    source = read_yaml(quiz.text, f"{quiz.slug}.quiz.yaml")
    with transaction.atomic():
        sandbox = scratch_sandbox(question.id)
        prefix = ("questions", index, "fixed")
        build_world(sandbox, within(source, prefix, question.data["fixed"]))
        graded = grade_build(sandbox, card.variant.goals)
        transaction.set_rollback(True)
    return graded.correct


def test_every_shipped_bank_grades_the_answer_it_shows_right() -> None:
    banks = read_quizzes(QUIZZES)
    assert len(banks) >= 17
    load({}, quizzes=banks)
    checked = 0
    for quiz in Quiz.objects.order_by("slug"):
        for question in quiz.spec().questions:
            for values, card in _variants(quiz, question):
                where = f"{quiz.slug}: {question.id} {values}"
                if question.kind == "build":
                    assert _build_graded(quiz, question, card), where
                    checked += 1
                    continue
                for given in learner_copies(card):
                    graded = question.grade(card.variant, given)
                    assert graded.correct, f"{where}: {graded.feedback} {graded.details}"
                    checked += 1
    assert checked > 150  # every variant of every question of 17 banks


def test_rio_reaches_ops_automation_through_ada_an_admin() -> None:
    # The access graph draws no edge from an admin to its account's roles: they are implied
    # (an admin can rewrite any trust policy). The shortest way the answer shows goes through
    # ada, an admin, and the grader counts the same implied step.
    load({}, quizzes=read_quizzes(QUIZZES / "privilege-escalation.quiz.yaml"))
    quiz = Quiz.objects.get(slug="privilege-escalation")
    question = next(q for q in quiz.spec().questions if q.id == "way-to-admin")
    variant = question.variant_of({"user": "rio"}, facts=quiz.facts["way-to-admin"])
    ada, ops = "arn:aws:iam::131313131313:user/ada", "arn:aws:iam::131313131313:role/OpsAutomation"
    assert variant.answer == (ada, ops)
    assert variant.labels(variant.answer) == [
        "IAM user rio (131313131313) → IAM user ada (131313131313) → IAM role OpsAutomation "
        "(131313131313)"
    ]
    graded = question.grade(variant, [ada, ops])
    assert graded.correct, graded.feedback
    # A step that is not there is still refused: rio is no admin, so has no implied step.
    refused = question.grade(variant, [ops])
    assert not refused.correct
    assert "no step from IAM user rio (131313131313) to IAM role OpsAutomation" in refused.feedback

    # The same answer through the quiz page, as rio's variant is shown to a learner.
    client, user = signed_in("lea")
    seed = next(
        s for s in range(100) if question.variant(s, quiz.facts[question.id]).answer[0] == ada
    )
    QuizProgress.objects.create(
        user=user, quiz=quiz, question_id=question.id, mode="practice", seed=seed
    )
    response = client.post(
        reverse("labs:quiz_act", args=[quiz.slug, question.id, "answer"]),
        {"mode": "practice", "answer": [ada, ops, "", ""]},
        follow=True,
    )
    progress = QuizProgress.objects.get(user=user, quiz=quiz, question_id=question.id)
    assert progress.solved
    assert "no step from" not in response.content.decode()


CHOICE_BANK = """\
title: Twins
topic: groups
questions:
  - id: twins
    kind: choice
    prompt: "Which may hold {what}?"
    vary:
      what: [users, policies]
    options:
      - {text: "A group", right: true, explain: "A group holds users and policies."}
      - {text: "{what}", explain: "Not {what} itself."}
      - {text: "A group", explain: "A group holds no groups."}
"""


def test_the_loader_refuses_a_choice_whose_answer_reads_like_a_wrong_option() -> None:
    # Two options read "A group", one right and one wrong: whoever copies the answer cannot
    # tell them apart.
    with pytest.raises(LoadFailed) as failed:
        load({}, quizzes={"twins": ("twins.quiz.yaml", CHOICE_BANK)})
    (problem,) = failed.value.problems
    assert (problem.file, problem.field) == ("twins.quiz.yaml", "questions[0]")
    assert problem.message.startswith("twins, variant what=users: grading the answer it shows")
    assert "(A group)" in problem.message
    assert not Quiz.objects.filter(slug="twins").exists()


def _chain(length: int) -> str:
    """A world where dev reaches Step<length> only role after role."""
    roles = []
    for n in range(1, length + 1):
        before = "user/dev" if n == 1 else f"role/Step{n - 1}"
        roles.append(
            f"""\
        - name: Step{n}
          inline:
            Hop:
              Version: "2012-10-17"
              Statement:
                - {{Effect: Allow, Action: sts:AssumeRole, Resource: "*"}}
          trust:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Principal: {{AWS: "arn:aws:iam::444455556666:{before}"}}
                Action: sts:AssumeRole
"""
        )
    return f"""\
title: Long way
topic: switching-roles
questions:
  - id: long-way
    kind: path
    prompt: Can dev end up with the permissions of Step{length}?
    from: Dev/user/dev
    to: Dev/role/Step{length}
    world:
      accounts:
        - {{name: Dev, id: "444455556666"}}
      users:
        - name: dev
          inline:
            Hop:
              Version: "2012-10-17"
              Statement:
                - {{Effect: Allow, Action: sts:AssumeRole, Resource: "*"}}
      roles:
{"".join(roles)}"""


def test_the_loader_refuses_a_way_longer_than_the_form_has_places_for() -> None:
    load({}, quizzes={"long-way": ("long-way.quiz.yaml", _chain(8))})
    with pytest.raises(LoadFailed) as failed:
        load({}, quizzes={"long-way": ("long-way.quiz.yaml", _chain(9))})
    (problem,) = failed.value.problems
    assert (problem.file, problem.field, problem.line) == (
        "long-way.quiz.yaml",
        "questions[0]",
        4,
    )
    assert re.fullmatch(
        r"long-way, the only variant: the answer it shows \(IAM user dev .*IAM role Step9 "
        r"\(444455556666\)\) has 9 steps, and the page has room for 8",
        problem.message,
    )
