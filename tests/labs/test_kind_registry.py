"""Question kinds as a registry: each kind is one class in its own module of
``iamlab.labs.kinds``, and the quiz, its pages and the loader only ask the registry. A kind
added in one place (here, in this test) works end to end: loading checks it, it makes a
variant, grades answers, and the quiz page renders it with its own template."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import get_template
from django.urls import reverse

from iamlab.labs import kinds
from iamlab.labs.kinds.base import Found, Graded, Kind, Variant, VariantError, not_an_answer
from iamlab.labs.loading import LoadFailed, load
from iamlab.labs.models import Quiz, QuizProgress

from .conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("task", "form", "answer", "attempt")


def test_the_registry_lists_every_kind_the_bank_format_documents() -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text()
    banks = docs[docs.index("## Quiz banks") :]
    documented = re.findall(r"^\s+kind: ([a-z-]+)", banks, re.MULTILINE)
    assert kinds.names() == list(dict.fromkeys(documented))
    for kind in kinds.kinds():
        for part in PARTS:  # each kind's template has every partial the pages include
            get_template(f"{kind.template}#{part}")


def test_no_caller_names_a_kind() -> None:
    # Only the kinds' own modules and templates know one kind from another.
    callers = [
        "iamlab/labs/quiz.py",
        "iamlab/labs/practice.py",
        "iamlab/labs/worldquiz.py",
        "iamlab/labs/views.py",
        "templates/labs/quiz.html",
        "templates/labs/class_quiz.html",
    ]
    for path in callers:
        text = (ROOT / path).read_text()
        for name in kinds.names() if path != "iamlab/labs/views.py" else ():  # POST "path"
            assert f'"{name}"' not in text, f"{path} names the kind {name}"
        assert not re.search(r"question\.kind (==|in)", text), path


class Truth(Kind):
    """True or false? The author says which, and why; a wrong answer gets the why."""

    name = "truth"
    template = "test_kinds/truth.html"
    on_card = frozenset({"verdicts"})

    def check(self, data: Mapping[str, Any]) -> list[Found]:
        if not isinstance(data.get("holds"), bool):  # no variant can be made without it
            raise VariantError("holds is required: whether the claim is true", ("holds",))
        if not isinstance(data.get("why"), str):
            return [("why is required: shown to a learner who answers wrong", ("why",))]
        return []

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        return Variant(
            prompt,
            (("yes", "True"), ("no", "False")),
            False,
            answer=("yes" if data["holds"] else "no",),
            explanation=explanation,
            notes=(("why", str(data["why"])),),
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        if answer not in (["yes"], ["no"]):
            return not_an_answer("Say true or false first: that try was not counted.")
        if answer[0] == variant.answer[0]:
            return Graded(True, "Right.")
        return Graded(False, f"Not so. {dict(variant.notes)['why']}")

    def labels(self, variant: Variant, values: list[str] | tuple[str, ...]) -> list[str]:
        return [dict(variant.options)[v] for v in values]

    def copied(self, variant: Variant) -> list[list[str]] | None:
        by_label = {label: value for value, label in variant.options}
        return [[by_label[label] for label in variant.labels(variant.answer)]]

    def verdicts(self, card: Any) -> list[tuple[str, str, bool]]:
        return [(v, label, v in card.current) for v, label in card.variant.options]


TEMPLATE = """\
{% partialdef task %}<p data-testid="truth-task">Read the claim.</p>{% endpartialdef task %}
{% partialdef form %}{% for value, label, chosen in card.verdicts %}<label>\
<input type="radio" name="answer" value="{{ value }}"{% if chosen %} checked{% endif %}> \
{{ label }}</label>{% endfor %}{% endpartialdef form %}
{% partialdef answer %}<strong>It is {{ card.answer_labels.0 }}.</strong>{% endpartialdef answer %}
{% partialdef attempt %}<p data-testid="truth-attempt">{{ a.given_labels|join:", " }}</p>\
{% endpartialdef attempt %}
"""

BANK = """\
title: Roles, true or false
topic: switching-roles
questions:
  - id: root-means-account
    kind: truth
    prompt: "In a trust policy, arn:aws:iam::111122223333:root means the account's root user."
    holds: false
    why: It means the account, whose administrators then decide who may assume the role.
  - id: group-principal
    kind: choice
    prompt: Can a trust policy name a group as its Principal?
    options:
      - {text: "No", right: true, explain: A group is not a principal.}
      - {text: "Yes", explain: A group never signs a request.}
"""


@pytest.fixture
def truth(settings: Any, tmp_path: Path) -> Iterator[Kind]:
    (tmp_path / "test_kinds").mkdir()
    (tmp_path / "test_kinds" / "truth.html").write_text(TEMPLATE)
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path]}]
    kind = kinds.register(Truth())
    try:
        yield kind
    finally:
        kinds.unregister(kind.name)


@pytest.mark.django_db
def test_a_kind_added_in_its_own_module_works_end_to_end(truth: Kind) -> None:
    assert kinds.names()[-1] == "truth"

    # Loading asks the kind about its fields, naming the file and the field.
    with pytest.raises(LoadFailed) as failed:
        load({}, quizzes={"truths": ("truths.quiz.yaml", BANK.replace("holds: false", "holds: 3"))})
    (problem,) = failed.value.problems
    assert (problem.file, problem.field) == ("truths.quiz.yaml", "questions[0].holds")
    load({}, quizzes={"truths": ("truths.quiz.yaml", BANK)})
    quiz = Quiz.objects.get(slug="truths")
    question = quiz.spec().questions[0]
    assert question.handler is truth

    # A variant, its answer as the page shows it, and grading.
    variant = question.variant(0)
    assert (variant.kind, variant.labels(variant.answer)) == ("truth", ["False"])
    assert question.grade(variant, ["no"]).correct
    assert not question.grade(variant, []).counted

    # The quiz page renders the kind's own partials, and a wrong answer says why.
    client, user = signed_in("tia")
    url = reverse("labs:quiz", args=["truths"])
    page = client.get(url).content.decode()
    assert 'data-testid="truth-task"' in page
    assert 'name="answer" value="yes"' in page
    assert 'data-testid="answer-shown-root-means-account"' not in page
    act = reverse("labs:quiz_act", args=["truths", "root-means-account", "answer"])
    wrong = client.post(act, {"mode": "practice", "answer": "yes"}, HTTP_HX_REQUEST="true")
    assert "Not so. It means the account" in wrong.content.decode()
    right = client.post(act, {"mode": "practice", "answer": "no"}, HTTP_HX_REQUEST="true")
    assert "<strong>It is False.</strong>" in right.content.decode()
    progress = QuizProgress.objects.get(user=user, question_id="root-means-account")
    assert (progress.solved, progress.attempts) == (True, 2)


def test_a_number_question_without_its_answer_is_refused_not_crashed() -> None:
    # Every input a user can upload is validated: a problem, never an exception.
    from iamlab.labs.loading import LoadFailed, load

    bank = (
        "title: Quotas\ntopic: groups\nquestions:\n"
        "  - id: how-many\n    kind: number\n    prompt: How many groups at most?\n"
    )
    with pytest.raises(LoadFailed) as caught:
        load({}, quizzes={"quotas": ("quotas.quiz.yaml", bank)})
    assert any(
        p.field.endswith("answer") and "answer is the number" in p.message
        for p in caught.value.problems
    )
