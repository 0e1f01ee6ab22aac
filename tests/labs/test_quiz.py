"""Quizzes: banks are checked when loaded, variants come from a seed, the engine answers the
decision questions, and practice mode counts tries, hints and shown answers per learner."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.urls import reverse

from iamlab.labs.loading import LoadFailed, load, read_quizzes
from iamlab.labs.models import Quiz, QuizProgress
from iamlab.labs.quiz import read_quiz
from iamlab.labs.yamlsource import read_yaml

from .conftest import signed_in

BANKS = Path(__file__).resolve().parents[2] / "fixtures" / "quizzes"

pytestmark = pytest.mark.django_db

DECISION = """\
title: Decisions
topic: groups
questions:
  - id: scp-cap
    kind: decision
    prompt: "May {user} call s3:{action}?"
    vary:
      user: [ana, bo]
      action: [GetObject, PutObject]
    policies:
      identity:
        - {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}
      scp:
        - {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:Get*", Resource: "*"}]}
    request:
      principal: "arn:aws:iam::111122223333:user/{user}"
      action: "s3:{action}"
      resource: arn:aws:s3:::bucket/key
"""


def bank(text: str = DECISION):
    return read_quiz("b", read_yaml(text, "b.quiz.yaml"), text)


def test_the_engine_answers_decision_questions_for_each_variant() -> None:
    # reference_policies_evaluation-logic: an SCP that allows only s3:Get* leaves PutObject
    # implicitly denied even though the identity policy allows s3:*.
    question = bank().questions[0]
    answers = {}
    for seed in range(20):
        variant = question.variant(seed)
        answers[variant.request["action"]] = variant.answer
        assert variant.prompt.startswith("May ")
        assert "{" not in variant.prompt
    assert answers == {"s3:GetObject": ("allowed",), "s3:PutObject": ("implicitDeny",)}


def test_a_variant_is_the_same_for_the_same_seed() -> None:
    question = bank().questions[0]
    assert question.variant(7) == question.variant(7)


@pytest.mark.parametrize(
    ("answer", "correct"),
    [(["allowed"], True), (["implicitDeny"], False), ([], None), (["bogus"], None)],
)
def test_grading_and_what_is_not_an_answer(answer: list[str], correct: bool | None) -> None:
    question = bank().questions[0]
    variant = next(v for v in map(question.variant, range(20)) if v.answer == ("allowed",))
    graded = question.grade(variant, answer)
    assert (graded.correct if graded.counted else None) == correct


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('Effect: Allow, Action: "s3:*"', 'Effect: Alow, Action: "s3:*"'),
            "questions[0].policies.identity[0]",
        ),
        (("action: [GetObject, PutObject]", "other: [x]"), "no values for {action} in vary"),
        (
            ("kind: decision", "kind: essay"),
            "questions[0].kind: kind is one of choice, decision, statement, layer, number, order",
        ),
        (("topic: groups", "topic: nope"), "topic: unknown topic"),
    ],
)
def test_a_bank_with_a_problem_is_refused_with_its_place(
    change: tuple[str, str], expected: str
) -> None:
    text = DECISION.replace(*change)
    with pytest.raises(LoadFailed) as caught:
        load({}, quizzes={"b": ("b.quiz.yaml", text)})
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems
    assert not Quiz.objects.exists()


def test_every_shipped_bank_loads() -> None:
    banks = read_quizzes(BANKS)
    assert banks
    assert sorted(load({}, quizzes=banks).quizzes) == sorted(banks)


def test_practice_tries_hints_reveal_and_a_new_variant() -> None:
    load({}, quizzes=read_quizzes(BANKS))
    client, user = signed_in("sam")
    page = client.get(reverse("labs:quiz", args=["groups"])).content.decode()
    assert "0</strong> of 7 answered right" in page
    act = lambda qid, what, **data: client.post(  # noqa: E731
        reverse("labs:quiz_act", args=["groups", qid, what]), data, HTTP_HX_REQUEST="true"
    )
    # Nothing chosen costs no try.
    html = act("groups-per-user", "answer").content.decode()
    assert "that try was not counted" in html
    progress = QuizProgress.objects.get(user=user, question_id="groups-per-user")
    assert progress.attempts == 0
    for _ in range(3):
        html = act("groups-per-user", "answer", answer="5").content.decode()
    assert "You may see the answer now." in html
    html = act("groups-per-user", "reveal").content.decode()
    assert "<strong>Answer:</strong> 10 groups." in html
    html = act("groups-per-user", "answer", answer="10").content.decode()
    assert "Right." in html
    progress.refresh_from_db()
    assert (progress.attempts, progress.wrong, progress.solved) == (4, 3, True)
    assert "1 of 7 right" in client.get(reverse("labs:list")).content.decode()
    # A hint opens on demand; a new variant starts the question afresh.
    html = act("group-as-principal", "hint").content.decode()
    assert "Who signs a request to AWS?" in html
    act("group-as-principal", "new")
    fresh = QuizProgress.objects.get(user=user, question_id="group-as-principal")
    assert (fresh.hints_shown, fresh.attempts) == (0, 0)
    # Another learner starts from nothing.
    other, _ = signed_in("kim")
    assert (
        "0</strong> of 7 answered right"
        in other.get(reverse("labs:quiz", args=["groups"])).content.decode()
    )
    assert (
        client.post(reverse("labs:quiz_act", args=["groups", "nope", "answer"])).status_code == 404
    )
    assert (
        client.post(
            reverse("labs:quiz_act", args=["groups", "groups-per-user", "cheat"])
        ).status_code
        == 404
    )


def test_the_engine_names_the_statements_that_decided() -> None:
    # reference_policies_evaluation-logic: on allow, every matching Allow; on an explicit
    # deny, the Deny statements; on an implicit deny, none.
    load({}, quizzes=read_quizzes(BANKS))
    question = next(
        q for q in Quiz.objects.get(slug="groups").spec().questions if q.kind == "statement"
    )
    answers = {question.variant(s).request["action"]: question.variant(s).answer for s in range(30)}
    assert answers == {
        "s3:GetObject": ("AuditorsRead", "DevelopersReadWrite"),
        "s3:PutObject": ("AuditorsNeverWrite",),
        "s3:DeleteObject": ("none",),
    }


def test_checkpoint_keeps_one_variant_and_takes_points_for_tries_and_hints() -> None:
    load({}, quizzes=read_quizzes(BANKS))
    client, user = signed_in("sam")
    url = reverse("labs:quiz", args=["groups"])

    def act(qid: str, what: str, **data: str) -> str:
        data["mode"] = "checkpoint"
        target = reverse("labs:quiz_act", args=["groups", qid, what])
        return client.post(target, data, HTTP_HX_REQUEST="true").content.decode()

    first = client.get(url + "?mode=checkpoint").content.decode()
    assert 'data-testid="quiz-score">checkpoint not attempted</span> (worth 28 points)' in first
    # No new variant in a checkpoint: the variant is the learner's own and fixed.
    target = reverse("labs:quiz_act", args=["groups", "groups-per-user", "new"])
    assert client.post(target, {"mode": "checkpoint"}).status_code == 404
    act("groups-per-user", "answer", answer="7")
    seed = QuizProgress.objects.get(
        user=user, mode="checkpoint", question_id="groups-per-user"
    ).seed
    act("group-as-principal", "hint")
    html = act("groups-per-user", "answer", answer="10")
    assert "earned 3 points" in html
    progress = QuizProgress.objects.get(user=user, mode="checkpoint", question_id="groups-per-user")
    assert (progress.seed, progress.points) == (seed, 3)
    # Practice progress is separate.
    assert not QuizProgress.objects.filter(user=user, mode="practice", solved=True).exists()
    page = client.get(url + "?mode=checkpoint").content.decode()
    assert 'data-testid="quiz-score">3</strong> of 28 points' in page


def _prompts(page: str) -> list[str]:
    return [p.strip() for p in re.findall(r'class="quiz-prompt">([^<]*)', page)]


@pytest.mark.parametrize("mode", ["practice", "checkpoint"])
def test_opening_a_quiz_records_nothing_and_acting_keeps_the_variant_shown(mode: str) -> None:
    # An untouched quiz must not show as started in the grades: a GET writes nothing.
    load({}, quizzes=read_quizzes(BANKS))
    client, user = signed_in("sam")
    url = reverse("labs:quiz", args=["groups"]) + f"?mode={mode}"
    first = _prompts(client.get(url).content.decode())
    assert len(first) == 7
    assert _prompts(client.get(url).content.decode()) == first  # the same variants again
    assert not QuizProgress.objects.filter(user=user).exists()
    # Acting makes the row, with the variant the learner was looking at.
    quiz = Quiz.objects.get(slug="groups")
    index, question = next(
        (i, q) for i, q in enumerate(quiz.spec().questions) if q.id == "deny-in-one-group"
    )
    client.post(
        reverse("labs:quiz_act", args=["groups", question.id, "hint"]),
        {"mode": mode},
        HTTP_HX_REQUEST="true",
    )
    assert len({question.variant(seed).prompt for seed in range(20)}) > 1
    progress = QuizProgress.objects.get(user=user)
    assert (progress.question_id, progress.mode) == (question.id, mode)
    assert first[index] == html.escape(question.variant(progress.seed).prompt)
    assert _prompts(client.get(url).content.decode()) == first
