"""Questions about a world: who can, give the way, and build-to-spec on a sandbox. Loading
builds the world and works out every variant; grading reads what it worked out."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from iamlab.labs import practice
from iamlab.labs.loading import LoadFailed, load
from iamlab.labs.models import Quiz, QuizProgress
from iamlab.labs.quiz import Question
from iamlab.sandbox.models import Account, IamUser, Sandbox

from .conftest import signed_in

pytestmark = pytest.mark.django_db

WORLD = """\
    world:
      accounts:
        - {name: Ops, id: "333344445555"}
      groups:
        - name: OnCall
          inline:
            Switch:
              Version: "2012-10-17"
              Statement:
                - Effect: Allow
                  Action: sts:AssumeRole
                  Resource: "arn:aws:iam::333344445555:role/Fixer"
      users:
        - {name: priya}
        - {name: tom, groups: [OnCall]}
        - name: ana
          inline:
            Reads:
              Version: "2012-10-17"
              Statement:
                - {Effect: Allow, Action: "s3:Get*", Resource: "arn:aws:s3:::logs/*"}
      roles:
        - name: Fixer
          managed: [ReadOnlyAccess]
          trust:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Principal: {AWS: "arn:aws:iam::333344445555:root"}
                Action: sts:AssumeRole
"""

BANK = (
    """\
title: Worlds
topic: switching-roles
questions:
  - id: who-reads
    kind: who
    prompt: "Mark every principal that may call {action} on an object of the bucket logs."
    vary:
      action: [s3:GetObject, s3:PutObject]
    request:
      action: "{action}"
      resource: arn:aws:s3:::logs/2026/app.log
"""
    + WORLD
    + """\
  - id: way-to-fixer
    kind: path
    prompt: "Can {user} end up with the permissions of the role Fixer? Give the way."
    vary:
      user: [tom, priya]
    from: "Ops/user/{user}"
    to: Ops/role/Fixer
"""
    + WORLD
    + """\
  - id: build-reader
    kind: build
    prompt: Let priya read the objects of the bucket logs, and nothing more.
"""
    + WORLD
    + """\
    fixed:
      accounts:
        - {name: Ops, id: "333344445555"}
      users:
        - name: priya
          inline:
            Reads:
              Version: "2012-10-17"
              Statement:
                - {Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::logs/*"}
    goals:
      - id: priya-reads
        says: Priya may read an object of logs.
        request: {as: Ops/user/priya, action: s3:GetObject, resource: arn:aws:s3:::logs/a.log}
        expect: allowed
      - id: priya-no-write
        says: Priya may not write to logs.
        request: {as: Ops/user/priya, action: s3:PutObject, resource: arn:aws:s3:::logs/a.log}
        expect: denied
"""
)


def loaded() -> Quiz:
    load({}, quizzes={"worlds": ("worlds.quiz.yaml", BANK)})
    return Quiz.objects.get(slug="worlds")


def _question(quiz: Quiz, qid: str) -> Question:
    return next(q for q in quiz.spec().questions if q.id == qid)


def test_who_can_is_worked_out_by_the_sandbox_check_for_each_variant() -> None:
    # reference_policies_evaluation-logic: ana's s3:Get* and Fixer's ReadOnlyAccess allow
    # reading; nothing allows writing, so nobody may.
    quiz = loaded()
    question = _question(quiz, "who-reads")
    answers = {}
    for seed in range(20):
        variant = question.variant(seed, quiz.facts["who-reads"])
        labels = dict(variant.options)
        answers[variant.request["action"]] = [labels[a] for a in variant.answer]
    assert answers == {
        "s3:GetObject": ["IAM user ana (333344445555)", "Role Fixer (333344445555)"],
        "s3:PutObject": ["Nobody: no principal here may do it"],
    }
    variant = next(
        v
        for v in (question.variant(s, quiz.facts["who-reads"]) for s in range(20))
        if v.request["action"] == "s3:GetObject"
    )
    assert question.grade(variant, list(variant.answer)).correct
    outsider = next(v for v, _ in variant.options if v not in variant.answer and v != "none")
    wrong = question.grade(variant, [variant.answer[0], outsider])
    assert not wrong.correct
    assert wrong.feedback == "Not quite: 1 principal missed, 1 principal marked wrongly."
    assert not question.grade(variant, []).counted
    # The world is shown with the question, each identity with its policies.
    titles = [title for title, _ in variant.world]
    assert "IAM user ana (333344445555)" in titles
    assert any("s3:Get*" in text for _, docs in variant.world for _, text in docs)


def test_any_valid_way_counts_and_a_wrong_step_is_named() -> None:
    # id_roles_use_switch-role-console: tom's group allows sts:AssumeRole on Fixer, whose
    # trust policy trusts the account: a way. priya has no policy: none.
    quiz = loaded()
    question = _question(quiz, "way-to-fixer")
    variants = [question.variant(s, quiz.facts["way-to-fixer"]) for s in range(20)]
    tom = next(v for v in variants if "tom" in v.prompt)
    priya = next(v for v in variants if "priya" in v.prompt)
    fixer = tom.ends[1]
    assert question.grade(tom, [fixer]).correct
    assert question.grade(tom, [fixer, ""]).correct  # empty places are skipped
    assert not question.grade(tom, ["none"]).correct
    wrong = question.grade(tom, [priya.ends[0]])
    assert not wrong.correct
    assert "no step from IAM user tom" in wrong.feedback
    assert question.grade(priya, ["none"]).correct
    assert not question.grade(priya, [fixer]).correct
    assert not question.grade(tom, [fixer, "none"]).counted
    assert not question.grade(tom, []).counted
    assert tom.labels(tom.answer) == ["IAM user tom (333344445555) → IAM role Fixer (333344445555)"]


def test_a_build_task_gives_a_sandbox_and_grades_it_by_its_goals() -> None:
    quiz = loaded()
    client, user = signed_in("lee")
    question = _question(quiz, "build-reader")
    act = lambda what: client.post(  # noqa: E731
        reverse("labs:quiz_act", args=["worlds", "build-reader", what]),
        {"mode": "practice"},
        HTTP_HX_REQUEST="true",
    )
    html = act("answer").content.decode()
    assert "Open your sandbox for this task first" in html
    assert QuizProgress.objects.get(user=user, question_id="build-reader").attempts == 0
    html = act("open").content.decode()
    assert "Open my sandbox for this task" in html
    progress = QuizProgress.objects.get(user=user, question_id="build-reader")
    sandbox = progress.sandbox
    assert sandbox is not None
    assert sandbox.owner == user
    assert act("open")
    assert Sandbox.objects.filter(owner=user).count() == 1
    html = act("answer").content.decode()
    assert "Not yet: 1 of 2 goals do not hold" in html
    assert "Priya may read an object of logs." in html
    # The learner gives priya a policy in their sandbox, as the sandbox pages would.
    priya = IamUser.objects.get(sandbox=sandbox, name="priya")
    priya.inline_policies.create(
        sandbox=sandbox,
        name="Reads",
        document='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}]}',
    )
    Sandbox.objects.filter(pk=sandbox.pk).update(version=sandbox.version + 1)
    html = act("answer").content.decode()
    assert "Right: every goal holds in your sandbox." in html
    progress.refresh_from_db()
    assert (progress.attempts, progress.solved) == (2, True)
    assert question.kind == "build"
    # Another learner cannot see or use it.
    other, _ = signed_in("kim")
    assert other.get(sandbox.get_absolute_url()).status_code == 404
    assert Account.objects.filter(sandbox=sandbox).count() == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'from: "Ops/user/{user}"',
            'from: "Ops/user/{user}x"',
            "questions[1].from: Ops/user/tomx names nothing in the world",
        ),
        ("groups: [OnCall]}", "groups: [OnCal]}", "questions[0].world.users[1].groups[0]"),
        (
            "Action: s3:GetObject, Resource",
            "Action: s3:PutObject, Resource",
            "goal priya-reads does not hold in fixed",
        ),
        ("expect: denied", "expect: allowed", "questions[2].goals"),
        (
            "    goals:\n      - id: priya-reads\n",
            "    goals:\n      - id: no-pass-any-role\n        says: Nobody passes every role.\n"
            "        finding: {code: PASS_ROLE_WITH_STAR_IN_RESOURCE}\n      - id: priya-reads\n",
            "questions[2].goals[0]: goal no-pass-any-role: No policy has the finding",
        ),
    ],
)
def test_a_world_question_with_a_problem_is_refused_naming_its_place(
    old: str, new: str, message: str
) -> None:
    text = BANK.replace(old, new, 1)
    assert text != BANK
    with pytest.raises(LoadFailed) as raised:
        load({}, quizzes={"worlds": ("worlds.quiz.yaml", text)})
    assert message in str(raised.value)
    assert not Quiz.objects.filter(slug="worlds").exists()


def test_the_quiz_page_shows_world_questions_and_steps() -> None:
    loaded()
    client, user = signed_in("ola")
    page = client.get(reverse("labs:quiz", args=["worlds"])).content.decode()
    assert 'data-testid="world-who-reads"' in page
    assert "There is no way" in page
    assert "Create my sandbox for this task" in page
    card = practice.card(user, Quiz.objects.get(slug="worlds"), _question(loaded(), "way-to-fixer"))
    assert len(card.path_slots) == 4


def test_a_way_answered_shows_the_access_graph_with_a_shortest_way() -> None:
    quiz = loaded()
    client, user = signed_in("uma")
    card = practice.card(user, quiz, _question(quiz, "way-to-fixer"))
    assert "digraph" in card.variant.picture
    html = client.post(
        reverse("labs:quiz_act", args=["worlds", "way-to-fixer", "answer"]),
        {"mode": "practice", "answer": list(card.variant.answer)},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Right" in html
    assert 'data-testid="graph-way-to-fixer"' in html
    assert "<svg" in html


def test_loading_a_bank_again_changes_nothing_not_even_an_instance_id() -> None:
    # The user-or-role bank asks about an EC2 instance: its id is part of the worked-out way.
    shipped = Path(__file__).resolve().parents[2] / "fixtures" / "quizzes"
    banks = {
        "user-or-role": ("user-or-role.quiz.yaml", (shipped / "user-or-role.quiz.yaml").read_text())
    }
    first = load({}, quizzes=banks)
    facts = Quiz.objects.get(slug="user-or-role").facts
    again = load({}, quizzes=banks)
    assert (first.quizzes, again.quizzes) == (["user-or-role"], [])
    assert Quiz.objects.get(slug="user-or-role").facts == facts
    assert any(node.startswith("arn:aws:ec2:") for node, _ in facts["instance-way"]["nodes"])
