"""Self-paced quizzes: question banks read from YAML, seeded variants, and grading.

A bank is one file under ``fixtures/quizzes/`` (``docs/scenarios.md`` describes it). Each
question has a kind (``choice``, ``decision``, ``path``, ...): one class in its own module of
:mod:`iamlab.labs.kinds`, found through its registry, which checks the question's fields at
load, makes its variants, grades answers and says why a wrong one is wrong. This module reads
a bank, checks what every question has (an id, a prompt, vary, points, hints), and asks each
question's kind for the rest.

``{name}`` placeholders in a question take one of the values its ``vary`` lists for them. The
values are chosen by a seed, so a variant can be shown again exactly (an instructor can see
the variant a student saw).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from . import kinds
from .kinds.base import (
    NOBODY,
    Graded,
    Kind,
    Variant,
    VariantError,
    choose,
    combinations,
    fill,
    variant_key,
    variant_name,
)
from .topics import TOPICS
from .yamlsource import Problem, Source, dotted, read_yaml

# Reports a problem at a path under the question: (path, message).
Report = Callable[[tuple[str | int, ...], str], None]

__all__ = [
    "NOBODY",
    "Graded",
    "Question",
    "QuizSpec",
    "Variant",
    "combinations",
    "copied_answers",
    "loaded",
    "read_quiz",
    "refuses_own_answer",
    "variant_key",
    "variant_name",
]

DEFAULT_POINTS = 4  # a question's worth in a checkpoint, unless it says otherwise
SHOW_ANSWER_AFTER = 3  # wrong tries before the answer may be shown, unless it says otherwise
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    data: Mapping[str, Any]
    hints: tuple[str, ...]
    # Per hint: (points it takes off in a checkpoint, wrong tries before it may be opened).
    hint_rules: tuple[tuple[int, int], ...] = ()

    @property
    def handler(self) -> Kind:
        """Its kind: what its fields are, how it makes a variant and grades an answer."""
        return kinds.get(self.kind)

    def hint_rule(self, index: int) -> tuple[int, int]:
        return self.hint_rules[index] if index < len(self.hint_rules) else (1, 0)

    @property
    def points(self) -> int:
        """What a right answer is worth in a checkpoint, before tries and hints."""
        return int(self.data.get("points", DEFAULT_POINTS))

    @property
    def reveal_after(self) -> int:
        """Wrong tries before the answer may be shown."""
        return int(self.data.get("reveal_after", SHOW_ANSWER_AFTER))

    def variant(self, seed: int, facts: Mapping[str, Any] | None = None) -> Variant:
        """The variant of ``seed``; a question about a world needs the ``facts`` loading
        worked out for it (``Quiz.facts``)."""
        return self.variant_of(choose(self.data.get("vary", {}), seed), seed, facts)

    def variant_of(
        self, values: Mapping[str, str], seed: int = 0, facts: Mapping[str, Any] | None = None
    ) -> Variant:
        """The variant of these placeholder ``values``; ``seed`` only shuffles the options."""
        prompt = fill(str(self.data["prompt"]), values)
        explanation = fill(str(self.data.get("explain", "")), values)
        made = self.handler.variant(self.data, values, seed, facts or {}, prompt, explanation)
        return made if made.kind == self.kind else replace(made, kind=self.kind)

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        """The grade of ``answer`` (see :class:`Graded` for what is not counted)."""
        return self.handler.grade(variant, answer)


def copied_answers(question: Question, variant: Variant) -> list[list[str]] | None:
    """What a learner who copies the answer the page shows submits, worked out from its words
    (:meth:`Variant.labels`) as the quiz page's form takes them: the options whose labels it
    names (a wrong option with the same words is chosen too: no one can tell them apart), the
    steps of a way picked by their labels, each accepted text typed, the number without its
    unit, the reference fix pasted. One submission per accepted text; None for a build task,
    whose answer is the learner's sandbox."""
    return question.handler.copied(variant)


def refuses_own_answer(question: Question, variant: Variant) -> str | None:
    """Why grading refuses the answer ``variant`` shows, as a learner would copy it
    (:func:`copied_answers`); None when it gives full marks."""
    return question.handler.refuses_own_answer(variant)


@dataclass(frozen=True)
class QuizSpec:
    slug: str
    title: str
    topic: str
    questions: tuple[Question, ...]
    text: str  # the file as written

    @property
    def most(self) -> int:
        """The points of a checkpoint with every question right on the first try."""
        return sum(q.points for q in self.questions)


class QuizInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_quiz(slug: str, source: Source, text: str, *, variants: bool = True) -> QuizSpec:
    """Check a bank: every field and, with ``variants``, every variant of every question
    (policies parse, the engine decides each decision question, placeholders are all filled).
    A bank read back from the database was checked when it was loaded: see :func:`loaded`."""
    problems: list[Problem] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(source.file, dotted(path), message, source.line(path)))

    data = source.data
    if not isinstance(data, dict):
        raise QuizInvalid([Problem(source.file, "", "must be a mapping: title, topic, questions")])
    title, topic = data.get("title"), data.get("topic")
    if not isinstance(title, str) or not title.strip():
        problem(("title",), "title is required")
    if topic not in TOPICS:
        problem(("topic",), f"unknown topic; one of: {', '.join(TOPICS)}")
    questions: list[Question] = []
    entries = data.get("questions")
    if not isinstance(entries, list) or not entries:
        problem(("questions",), "questions is required: a list of at least one question")
        entries = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        path: tuple[str | int, ...] = ("questions", i)
        if not isinstance(entry, dict):
            problem(path, "a question is a mapping: id, kind, prompt, ...")
            continue
        qid, kind = str(entry.get("id", "")), entry.get("kind")
        if not _ID.fullmatch(qid):
            problem((*path, "id"), "an id uses lower-case letters, digits and dashes")
        elif qid in seen:
            problem((*path, "id"), f"another question has the id {qid}")
        seen.add(qid)
        if kind not in kinds.names():
            problem((*path, "kind"), f"kind is one of {', '.join(kinds.names())}")
            continue
        hints, rules = _hints(entry.get("hints", []), (*path, "hints"), problem)
        question = Question(qid, kind, entry, hints, rules)
        for message, where in _check(question) if variants else ():
            problem((*path, *where), message)
        questions.append(question)
    if problems:
        raise QuizInvalid(problems)
    return QuizSpec(slug, str(title), str(topic), tuple(questions), text)


def _hints(
    value: Any, path: tuple[str | int, ...], problem: Report
) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """A question's hints: each a sentence, or a mapping with ``text``, ``cost`` (points off
    in a checkpoint, 0 to 4, default 1) and ``after`` (wrong tries before it opens, default
    0)."""
    if not isinstance(value, list):
        problem(path, "hints is a list of sentences (quote one with ': ' in it)")
        return (), ()
    texts: list[str] = []
    rules: list[tuple[int, int]] = []
    for i, hint in enumerate(value):
        if isinstance(hint, str):
            texts.append(hint)
            rules.append((1, 0))
            continue
        if not isinstance(hint, dict) or not isinstance(hint.get("text"), str):
            problem((*path, i), "a hint is a sentence, or a mapping with text, cost and after")
            continue
        cost, after = hint.get("cost", 1), hint.get("after", 0)
        if isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= 4:
            problem((*path, i, "cost"), "cost is a whole number of points from 0 to 4")
            continue
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= 10:
            problem((*path, i, "after"), "after is a number of wrong tries from 0 to 10")
            continue
        texts.append(hint["text"])
        rules.append((cost, after))
    return tuple(texts), tuple(rules)


def _check(question: Question) -> list[tuple[str, tuple[str | int, ...]]]:
    """What every question has, then what its kind says of its fields and its variants."""
    data = question.data
    if not isinstance(data.get("prompt"), str):
        return [("prompt is required", ("prompt",))]
    vary = data.get("vary", {})
    if not isinstance(vary, dict) or not all(
        isinstance(v, list) and v and all(isinstance(x, str | int) for x in v)
        for v in vary.values()
    ):
        return [("vary maps each placeholder to a list of values", ("vary",))]
    try:
        out = question.handler.check(data)
    except VariantError as exc:  # nothing else is worth checking
        return [(str(exc), exc.where)]
    count = 1
    for values in vary.values():
        count *= len(values)
    reveal_after = data.get("reveal_after", SHOW_ANSWER_AFTER)
    if (
        isinstance(reveal_after, bool)
        or not isinstance(reveal_after, int)
        or not 0 <= reveal_after <= 20
    ):
        out.append(("reveal_after is a number of wrong tries from 0 to 20", ("reveal_after",)))
    points = data.get("points", DEFAULT_POINTS)
    if isinstance(points, bool) or not isinstance(points, int) or not 1 <= points <= 20:
        out.append(("points is a whole number from 1 to 20", ("points",)))
    return out + question.handler.check_variants(question, vary, count)


@functools.lru_cache(maxsize=64)
def loaded(slug: str, text: str) -> QuizSpec:
    """A bank as stored after loading checked it: parsed once per text, its variants not
    built again (the labs page and a class's dashboard read every bank)."""
    return read_quiz(slug, read_yaml(text, f"{slug}.quiz.yaml"), text, variants=False)
