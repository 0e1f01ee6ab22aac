"""Self-paced quizzes: question banks read from YAML, seeded variants, and grading.

A bank is one file under ``fixtures/quizzes/`` (``docs/scenarios.md`` describes it). Three
kinds of question so far:

* ``choice``: one or several right options, written by the author (concepts the engine cannot
  compute);
* ``decision``: "allowed, explicitly denied or implicitly denied?" for a request against the
  policies given. The policy engine works out the answer: no answer key is written by hand;
* ``statement``: "which statements decided?" for the same kind of request: the statements
  (by Sid) AWS reports as its matched statements, or none when nothing allows it;
* ``number``: a fact with a number (a quota, a session duration), with its unit.

``{name}`` placeholders in a question take one of the values its ``vary`` lists for them. The
values are chosen by a seed, so a variant can be shown again exactly (an instructor can see
the variant a student saw).
"""

from __future__ import annotations

import functools
import itertools
import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from iamlab.policy import (
    Evaluation,
    Policy,
    PolicyError,
    Request,
    RequestError,
    parse_policy,
)
from iamlab.policy.why import statement_place

from .fixing import LAYERS as _LAYERS
from .fixing import FixSpec, Required, grade_fix, layered
from .scenario import TOPICS, Goal
from .yamlsource import Problem, Source, dotted, read_yaml

# Reports a problem at a path under the question: (path, message).
Report = Callable[[tuple[str | int, ...], str], None]

__all__ = ["Graded", "Question", "QuizSpec", "Variant", "loaded", "read_quiz"]

KINDS = (
    "choice",
    "decision",
    "statement",
    "layer",
    "number",
    "order",
    "fill",
    "fix",
    "who",
    "path",
    "build",
)
# Questions about a world: loading builds it in a sandbox and works out each variant's answer
# (iamlab.labs.worldquiz); a build task gives the learner a sandbox of it.
WORLD_KINDS = frozenset({"who", "path", "build"})
MOST_WORLD_VARIANTS = 60
MOST_PATH_STEPS = 8  # the places a path question's form has for the steps of a way
NOBODY = "none"
DEFAULT_POINTS = 4  # a question's worth in a checkpoint, unless it says otherwise
SHOW_ANSWER_AFTER = 3  # wrong tries before the answer may be shown, unless it says otherwise
# What a ``fill`` answer must look like before it is graded; one that does not look like it
# costs no try (a typo in the shape is not a wrong idea).
FILL_FORMATS = {
    "arn": re.compile(r"arn:[a-z-]+:[a-z0-9-]*:[a-z0-9-]*:[0-9*]*:\S+"),
    "condition-key": re.compile(r"[A-Za-z0-9.-]+:[A-Za-z0-9_./${}*-]+"),
    "text": re.compile(r"\S.*", re.DOTALL),
}
NONE_DECIDED = "none"
DECISIONS = {
    "allowed": "Allowed",
    "explicitDeny": "Denied explicitly (a Deny statement applies)",
    "implicitDeny": "Denied implicitly (nothing allows it)",
}
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class Variant:
    """One question as a student sees it: the text with its values filled in, its options,
    and what grading needs."""

    prompt: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    multiple: bool
    policies: tuple[tuple[str, str], ...] = ()  # (label, JSON) shown with a decision question
    request: Mapping[str, Any] = field(default_factory=dict)
    answer: tuple[str, ...] = ()  # the right option values (in order for ``order``), the number
    unit: str = ""
    explanation: str = ""
    form: str = ""  # fill: arn | condition-key | text
    starter: str = ""  # fix: the policy the learner starts from
    fix: FixSpec | None = None  # fix: what grading needs
    ends: tuple[str, str] = ("", "")  # path: from and to (node ids)
    edges: frozenset[tuple[str, str]] = frozenset()  # path: the access graph's steps
    reasons: tuple[tuple[str, str], ...] = ()  # who: the engine's reason, per principal
    goals: tuple[Goal, ...] = ()  # build: what the learner's sandbox must come to
    # A question about a world: each identity or resource, with its policies (label, JSON).
    world: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    picture: str = ""  # path: the access graph in DOT, with a shortest way drawn
    # choice: why each option is right or wrong, by option value (the author's words).
    notes: tuple[tuple[str, str], ...] = ()
    # decision, statement, layer: the engine's evaluation of the request, for feedback.
    evaluation: Evaluation | None = field(default=None, compare=False, repr=False)

    def labels(self, values: list[str] | tuple[str, ...]) -> list[str]:
        """``values`` (an answer given, or the right one) as a person reads them."""
        if self.fix is not None or self.form or not self.options:
            return [str(v) for v in values] if not self.unit else [f"{values[0]} {self.unit}"]
        labels = dict(self.options)
        if self.ends[0]:
            if list(values) == [NOBODY]:
                return ["There is no way"]
            names = [labels.get(self.ends[0], self.ends[0])]
            names += [labels.get(str(v), str(v)) for v in values if v]
            return [" → ".join(names)]
        return [labels.get(str(v), str(v)) for v in values]


@dataclass(frozen=True)
class Graded:
    """A grade; ``counted`` is False for something that is not an answer at all (nothing
    chosen, not a number, a policy that does not parse): that costs no try, and ``feedback``
    says what is wrong with it."""

    correct: bool
    feedback: str
    details: tuple[str, ...] = ()
    counted: bool = True


def _not_an_answer(message: str) -> Graded:
    return Graded(False, message, counted=False)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    data: Mapping[str, Any]
    hints: tuple[str, ...]
    # Per hint: (points it takes off in a checkpoint, wrong tries before it may be opened).
    hint_rules: tuple[tuple[int, int], ...] = ()

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
        return self.variant_of(_choose(self.data.get("vary", {}), seed), seed, facts)

    def variant_of(
        self, values: Mapping[str, str], seed: int = 0, facts: Mapping[str, Any] | None = None
    ) -> Variant:
        """The variant of these placeholder ``values``; ``seed`` only shuffles the options."""
        prompt = _fill(str(self.data["prompt"]), values)
        explanation = _fill(str(self.data.get("explain", "")), values)
        if self.kind in WORLD_KINDS:
            return _world_variant(self, values, prompt, explanation, facts or {})
        if self.kind == "choice":
            options = [
                (str(i), _fill(str(o["text"]), values)) for i, o in enumerate(self.data["options"])
            ]
            random.Random(seed).shuffle(options)  # noqa: S311 - the order of a variant
            right = tuple(str(i) for i, o in enumerate(self.data["options"]) if o.get("right"))
            notes = tuple(
                (str(i), _fill(str(o.get("explain", "")), values))
                for i, o in enumerate(self.data["options"])
            )
            return Variant(
                prompt,
                tuple(options),
                len(right) > 1,
                answer=right,
                explanation=explanation,
                notes=notes,
            )
        if self.kind == "order":
            steps = [(str(i), _fill(str(t), values)) for i, t in enumerate(self.data["steps"])]
            shuffled = list(steps)
            random.Random(seed).shuffle(shuffled)  # noqa: S311 - the order of a variant
            return Variant(
                prompt,
                tuple(shuffled),
                False,
                answer=tuple(v for v, _ in steps),
                explanation=explanation,
            )
        if self.kind == "fill":
            accepted = self.data["answer"]
            accepted = accepted if isinstance(accepted, list) else [accepted]
            return Variant(
                prompt,
                (),
                False,
                answer=tuple(_fill(str(a), values) for a in accepted),
                explanation=explanation,
                form=str(self.data.get("format", "text")),
            )
        if self.kind == "fix":
            return _fix_variant(self.data, values, prompt, explanation)
        if self.kind == "number":
            return Variant(
                prompt,
                (),
                False,
                answer=(str(self.data["answer"]),),
                unit=str(self.data.get("unit", "")),
                explanation=explanation,
            )
        policies, request, evaluation, sids = _decision(self.data, values)
        # The answer line names the decision already; the reason says why.
        explanation = (explanation + " " if explanation else "") + evaluation.because
        if self.kind == "statement":
            matched = tuple(sorted(m.statement.sid or "" for m in evaluation.matched))
            options = [(sid, f"Statement {sid}") for sid in sids]
            options.append((NONE_DECIDED, "None: no statement allows it (implicit deny)"))
            return Variant(
                prompt,
                tuple(options),
                True,
                policies=policies,
                request=request,
                answer=matched or (NONE_DECIDED,),
                explanation=explanation,
                evaluation=evaluation,
            )
        if self.kind == "layer":
            return _layer_variant(self.data, prompt, explanation, policies, request, evaluation)
        return Variant(
            prompt,
            tuple(DECISIONS.items()),
            False,
            policies=policies,
            request=request,
            answer=(evaluation.decision,),
            explanation=explanation,
            evaluation=evaluation,
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        """The grade of ``answer`` (see :class:`Graded` for what is not counted)."""
        if self.kind == "number":
            text = (answer[0] if answer else "").strip().replace(",", "")
            try:
                given = float(text)
            except ValueError:
                return _not_an_answer("Give a number first: that try was not counted.")
            right = float(variant.answer[0]) == given
            if not right:
                side = "more" if float(variant.answer[0]) > given else "less"
                unit = f" {variant.unit}" if variant.unit else ""
                return Graded(False, f"Not {text}{unit}: the answer is {side} than that.")
        elif self.kind == "order":
            return _grade_order(variant, answer)
        elif self.kind == "path":
            return _grade_path(variant, answer)
        elif self.kind == "build":
            raise ValueError("a build task is graded on the learner's sandbox (worldquiz)")
        elif self.kind == "fill":
            return _grade_fill(variant, answer)
        elif self.kind == "fix":
            assert variant.fix is not None
            result = grade_fix(variant.fix, answer[0] if answer else "")
            return Graded(result.correct, result.feedback, result.details, result.counted)
        else:
            chosen = sorted(a for a in answer if a in dict(variant.options))
            if not chosen:
                return _not_an_answer("Choose an answer first: that try was not counted.")
            right = chosen == sorted(variant.answer)
            if not right:
                return _why_wrong(self.kind, variant, chosen)
        return Graded(right, "Right." if right else "Not quite.")


# -- why a wrong answer is wrong -----------------------------------------------------------------
# Each says why the chosen answer is not it, pointing at what it overlooks, without naming the
# answer: the learner may try again, and "Show the answer" gives it in full after a few tries.


def _why_wrong(kind: str, variant: Variant, chosen: list[str]) -> Graded:
    if kind == "choice":
        return _why_not_options(variant, chosen)
    if kind == "who":
        return _why_not_principals(variant, chosen)
    evaluation = variant.evaluation
    if evaluation is None:
        return Graded(False, "Not quite.")
    if kind == "statement":
        return _why_not_statements(variant, evaluation, chosen)
    if kind == "layer":
        return _why_not_layer(variant, evaluation, chosen[0])
    return _why_not_decision(evaluation, chosen[0])


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _why_not_options(variant: Variant, chosen: list[str]) -> Graded:
    """A choice question: the author's explanation of each wrong option chosen."""
    labels, notes = dict(variant.options), dict(variant.notes)
    wrong = [c for c in chosen if c not in variant.answer]
    missed = len(set(variant.answer) - set(chosen))
    if not wrong:
        more = _plural(missed, "more answer is", "more answers are")
        return Graded(False, f"Each answer you chose is right, but {more} right too.")
    if not variant.multiple:
        return Graded(False, f"Not quite. {notes.get(wrong[0], '')}".strip())
    head = "Not quite: " + _plural(len(wrong), "answer you chose is", "answers you chose are")
    head += " wrong" + (
        f", and {_plural(missed, 'right one', 'right ones')} left out." if missed else "."
    )
    return Graded(False, head, tuple(f"“{labels[c]}”: {notes.get(c, '')}".strip() for c in wrong))


def _why_not_principals(variant: Variant, chosen: list[str]) -> Graded:
    """A who question: the engine's reason for each principal marked wrongly; the ones
    missed only counted (naming them would give the answer)."""
    labels, reasons = dict(variant.options), dict(variant.reasons)
    if NOBODY in chosen:
        if len(chosen) > 1:
            return _not_an_answer(
                "Mark principals, or say nobody may do it, not both: that try was not counted."
            )
        many = _plural(len(variant.answer), "principal here may", "principals here may")
        return Graded(False, f"Not nobody: {many} do it. Read each one's policies again.")
    wrong = [c for c in chosen if c not in variant.answer]
    missed = 0 if variant.answer == (NOBODY,) else len(set(variant.answer) - set(chosen))
    parts = []
    if missed:
        parts.append(_plural(missed, "principal missed", "principals missed"))
    if wrong:
        parts.append(_plural(len(wrong), "principal marked wrongly", "principals marked wrongly"))
    details = tuple(f"{labels.get(c, c)} may not: {reasons[c]}" for c in wrong if c in reasons)
    return Graded(False, "Not quite: " + ", ".join(parts) + ".", details)


_SAID = {
    "allowed": "Allowed",
    "explicitDeny": "Denied explicitly",
    "implicitDeny": "Denied implicitly",
}


def _traces(evaluation: Evaluation) -> list[Any]:
    return [t for layer in evaluation.layers for t in layer.statements]


def _why_not_decision(evaluation: Evaluation, chosen: str) -> Graded:
    """A decision question: what the chosen decision overlooks, from the engine's
    explanation (the statement that matches, the layer that refuses, the Allow that almost
    matches), without naming the decision."""
    said = f"You chose “{_SAID.get(chosen, chosen)}”"
    actual = evaluation.decision
    if chosen == "explicitDeny":
        denies = [t for t in _traces(evaluation) if not t.statement.is_allow]
        if not denies:
            return Graded(
                False,
                f"{said}, but an explicit deny needs a Deny statement that matches the request, "
                "and no policy here has one.",
            )
        return Graded(
            False,
            f"{said}, but no Deny statement here matches this request.",
            tuple(f"{statement_place(t.statement, t.policy_label)}: {t.summary}." for t in denies),
        )
    if actual == "implicitDeny":  # chosen: allowed
        details = tuple(
            f"The closest Allow, {miss.place}, misses: {miss.details}."
            for miss in evaluation.near_misses[:2]
        )
        kind = evaluation.decided_by.partition(":")[0]
        none = any(layer.kind == kind and not layer.policies for layer in evaluation.layers)
        return Graded(
            False,
            f"{said}, but AWS allows a request only when every policy type that applies allows "
            f"it, and one here does not: look again at {_the(evaluation.decided_by_label)}"
            + (": there are none here." if none else "."),
            details,
        )
    if evaluation.matched:  # an Allow or a Deny that matches, which the learner overlooked
        places = " and ".join(
            statement_place(m.statement, m.policy_label) for m in evaluation.matched
        )
        what = (
            "Its Action, Resource and conditions all match"
            if len(evaluation.matched) == 1
            else "The Action, Resource and conditions of each match"
        )
        return Graded(False, f"{said}: look again at {places}. {what} this request.")
    return Graded(False, f"{said}, but {_the(evaluation.decided_by_label)} decides here.")


def _the(label: str) -> str:
    """A policy's label in the middle of a sentence."""
    if label[:3] in ("SCP", "RCP") or label.startswith("An "):
        return label if label.startswith("An ") else f"the {label}"
    return f"the {label[:1].lower()}{label[1:]}"


def _why_not_statements(variant: Variant, evaluation: Evaluation, chosen: list[str]) -> Graded:
    """A statement question: why each statement chosen did not decide; those left out only
    counted."""
    traces = {t.statement.sid: t for t in _traces(evaluation)}
    if NONE_DECIDED in chosen:
        if len(chosen) > 1:
            return _not_an_answer(
                "Choose statements, or say none decides, not both: that try was not counted."
            )
        many = _plural(len(variant.answer), "statement matches", "statements match")
        decide = "decides" if len(variant.answer) == 1 else "decide"
        return Graded(False, f"Not none: {many} this request and {decide} it.")
    wrong = [c for c in chosen if c not in variant.answer]
    missed = 0 if variant.answer == (NONE_DECIDED,) else len(set(variant.answer) - set(chosen))
    details = []
    for sid in wrong:
        trace = traces.get(sid)
        if trace is None:
            continue
        why = trace.summary
        if trace.matched and evaluation.decision == "explicitDeny":
            why = "it allows the request, but a Deny matches too: then only Deny statements decide"
        details.append(f"{statement_place(trace.statement, trace.policy_label)}: {why}.")
    parts = []
    if wrong:
        parts.append(
            _plural(len(wrong), "statement chosen does", "statements chosen do") + " not decide"
        )
    if missed:
        parts.append(
            _plural(missed, "statement that decides is", "statements that decide are") + " left out"
        )
    return Graded(False, "Not quite: " + "; ".join(parts) + ".", tuple(details))


_VERDICTS = {
    "allow": "allows this request",
    "deny": "has a Deny statement that matches this request",
    "no match": "has no statement that matches this request",
    "not applicable": "does not apply to this request",
    "absent": "is not there",
}


def _why_not_layer(variant: Variant, evaluation: Evaluation, chosen: str) -> Graded:
    """A layer question: what the layer chosen says about the request."""
    label = dict(variant.options).get(chosen, chosen)
    kinds = {k for k, v in _DECIDERS.items() if v == chosen}
    verdicts = [layer.verdict for layer in evaluation.layers if layer.kind in kinds]
    if not verdicts:
        return Graded(False, f"Not {_the(label)}.")
    phrase = _VERDICTS.get(verdicts[0], verdicts[0])
    if verdicts[0] == "allow" and not evaluation.allowed:
        phrase += ", so it is not what refuses it"
    elif verdicts[0] == "allow" and chosen in ("boundary", "scp"):
        phrase += ", but it grants nothing by itself: it only sets the most that may be allowed"
    return Graded(False, f"Not {_the(label)}: it {phrase}.")


def variant_key(values: Mapping[str, str]) -> str:
    """The key of a variant's facts: its values, whatever the seed that chose them."""
    return json.dumps(dict(values), sort_keys=True)


def _world_variant(
    question: Question,
    values: Mapping[str, str],
    prompt: str,
    explanation: str,
    facts: Mapping[str, Any],
) -> Variant:
    world = tuple(
        (str(title), tuple((str(a), str(b)) for a, b in docs))
        for title, docs in facts.get("world", ())
    )
    if question.kind == "build":
        goals = tuple(Goal.from_json(g) for g in facts.get("goals", ()))
        return Variant(
            prompt,
            (),
            False,
            answer=tuple(g.says for g in goals),
            explanation=explanation,
            goals=goals,
            world=world,
        )
    worked = facts.get("variants", {}).get(variant_key(values))
    if worked is None:
        raise _VariantError("this variant was not worked out when the bank was loaded", ())
    if question.kind == "who":
        options = tuple((str(a), str(b)) for a, b in facts["options"])
        chosen = tuple(worked["answer"]) or (NOBODY,)
        request = worked["request"]
        return Variant(
            prompt,
            (*options, (NOBODY, "Nobody: no principal here may do it")),
            True,
            request=request,
            answer=chosen,
            explanation=explanation,
            reasons=tuple((str(a), str(b)) for a, b in worked["reasons"]),
            world=world,
        )
    nodes = tuple((str(a), str(b)) for a, b in facts["nodes"])
    return Variant(
        prompt,
        nodes,
        False,
        answer=tuple(worked["example"]) or (NOBODY,),
        explanation=explanation,
        ends=(str(worked["from"]), str(worked["to"])),
        edges=frozenset((str(a), str(b)) for a, b, *_ in facts["edges"]),
        world=world,
        picture=str(worked.get("picture", "")),
    )


def _grade_path(variant: Variant, answer: list[str]) -> Graded:
    """A way through the access graph: any way counts, step by step, from the question's
    start to its end; or "there is none"."""
    chosen = [a for a in answer if a]
    labels = dict(variant.options)
    if NOBODY in chosen:
        if len(chosen) > 1:
            return _not_an_answer(
                "Give a way, or say there is none, not both: that try was not counted."
            )
        right = variant.answer == (NOBODY,)
        return Graded(right, "Right: there is no way." if right else "Not quite: there is a way.")
    if not chosen:
        return _not_an_answer("Choose the first step of the way first: that try was not counted.")
    if not all(c in labels for c in chosen):
        return _not_an_answer("Choose each step from the list: that try was not counted.")
    hops = [variant.ends[0], *chosen]
    for a, b in itertools.pairwise(hops):
        if (a, b) not in variant.edges:
            return Graded(
                False,
                f"Not quite: the access graph has no step from {labels.get(a, a)} to "
                f"{labels.get(b, b)}.",
            )
    if hops[-1] != variant.ends[1]:
        end = labels.get(variant.ends[1], variant.ends[1])
        return Graded(False, f"Not quite: your way stops at {labels[hops[-1]]}, not at {end}.")
    return Graded(True, "Right: every step of your way is in the access graph.")


def _grade_order(variant: Variant, answer: list[str]) -> Graded:
    """Steps in order: ``answer`` holds the step chosen for each place, first place first."""
    known = dict(variant.options)
    if len(answer) != len(variant.answer) or not all(a in known for a in answer):
        return _not_an_answer("Choose a step for every place first: that try was not counted.")
    if len(set(answer)) != len(answer):
        return _not_an_answer(
            "Each step goes in one place only; one is chosen twice: that try was not counted."
        )
    placed = sum(a == b for a, b in zip(answer, variant.answer, strict=True))
    if placed == len(answer):
        return Graded(True, "Right.")
    return Graded(False, f"Not quite: {placed} of {len(answer)} steps are in their place.")


def _grade_fill(variant: Variant, answer: list[str]) -> Graded:
    given = (answer[0] if answer else "").strip()
    if not given:
        return _not_an_answer("Type an answer first: that try was not counted.")
    if not FILL_FORMATS[variant.form].fullmatch(given):
        shape = {
            "arn": "an ARN (arn:partition:service:region:account:resource)",
            "condition-key": "a condition key (prefix:Name, like aws:SourceIp)",
        }.get(variant.form, "an answer")
        return _not_an_answer(f"That is not {shape}: that try was not counted.")
    if variant.form == "condition-key":
        # Condition key names are not case-sensitive (reference_policies_elements_condition).
        right = given.lower() in (a.lower() for a in variant.answer)
    else:
        right = given in variant.answer
    return Graded(right, "Right." if right else "Not quite.")


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
        if kind not in KINDS:
            problem((*path, "kind"), f"kind is one of {', '.join(KINDS)}")
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
    data = question.data
    out: list[tuple[str, tuple[str | int, ...]]] = []
    if not isinstance(data.get("prompt"), str):
        return [("prompt is required", ("prompt",))]
    vary = data.get("vary", {})
    if not isinstance(vary, dict) or not all(
        isinstance(v, list) and v and all(isinstance(x, str | int) for x in v)
        for v in vary.values()
    ):
        return [("vary maps each placeholder to a list of values", ("vary",))]
    if question.kind == "choice":
        options = data.get("options")
        if (
            not isinstance(options, list)
            or len(options) < 2
            or not all(isinstance(o, dict) and isinstance(o.get("text"), str) for o in options)
        ):
            return [
                (
                    "options is a list of at least two mappings with text (and right: true)",
                    ("options",),
                )
            ]
        if not any(o.get("right") is True for o in options):
            out.append(("at least one option has right: true", ("options",)))
        for i, option in enumerate(options):
            if not isinstance(option.get("explain"), str) or not option["explain"].strip():
                out.append(
                    (
                        "explain is required: why this option is right or wrong, shown to a "
                        "learner who chooses it",
                        ("options", i, "explain"),
                    )
                )
    elif question.kind == "number":
        answer = data.get("answer")
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            out.append(("answer is the number", ("answer",)))
    elif question.kind == "order":
        steps = data.get("steps")
        if (
            not isinstance(steps, list)
            or len(steps) < 3
            or not all(isinstance(t, str) for t in steps)
        ):
            return [("steps is a list of at least three steps, in the right order", ("steps",))]
        if len(set(steps)) != len(steps):
            out.append(("two steps have the same text", ("steps",)))
    elif question.kind == "fill":
        form, answer = data.get("format", "text"), data.get("answer")
        accepted = answer if isinstance(answer, list) else [answer]
        if form not in FILL_FORMATS:
            return [(f"format is one of {', '.join(FILL_FORMATS)}", ("format",))]
        if not accepted or not all(isinstance(a, str) and a.strip() for a in accepted):
            return [("answer is the right text, or a list of the accepted ones", ("answer",))]
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
    if question.kind in WORLD_KINDS:
        # The world is built and every variant worked out by the loader (worldquiz).
        return out + _check_world_fields(question, count)
    # Every variant must come out whole: all placeholders filled, every policy valid, the
    # engine able to decide, and the answer it shows graded right.
    for seed, values in enumerate(_checked_values(vary, count)):
        try:
            variant = question.variant_of(values, seed)
        except _VariantError as exc:
            out.append((str(exc), exc.where))
            break
        missing = _PLACEHOLDER.findall(variant.prompt)
        if missing:
            out.append((f"no values for {{{missing[0]}}} in vary", ("prompt",)))
            break
        wrong = [
            i
            for i, a in enumerate(variant.answer)
            if variant.form and not FILL_FORMATS[variant.form].fullmatch(a)
        ]
        if wrong:
            where = ("answer", wrong[0]) if isinstance(data["answer"], list) else ("answer",)
            out.append(
                (
                    f"not a well-formed {variant.form}: {variant.answer[wrong[0]]}",
                    where,
                )
            )
            break
        if variant.fix is not None:
            out.extend(_check_fix(question, variant))
            if out:
                break
        elif (refused := refuses_own_answer(question, variant)) is not None:
            out.append((f"{question.id}, {variant_name(values)}: {refused}", ()))
            break
    return out


MOST_CHECKED_VARIANTS = 60


def combinations(vary: Mapping[str, list[Any]]) -> list[dict[str, str]]:
    """Every variant's values: each placeholder with each of its values."""
    names = sorted(vary)
    return [
        dict(zip(names, (str(v) for v in values), strict=True))
        for values in itertools.product(*(vary[n] for n in names))
    ]


def _checked_values(vary: Mapping[str, list[Any]], count: int) -> list[dict[str, str]]:
    """The variants loading checks: all of them, or as many chosen by seed when there are
    more than :data:`MOST_CHECKED_VARIANTS`."""
    if count <= MOST_CHECKED_VARIANTS:
        return combinations(vary)
    return [_choose(vary, seed) for seed in range(MOST_CHECKED_VARIANTS)]


def variant_name(values: Mapping[str, str]) -> str:
    """``variant user=rio``, as a problem names it (``the only variant`` without vary)."""
    if not values:
        return "the only variant"
    return "variant " + ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


def copied_answers(question: Question, variant: Variant) -> list[list[str]] | None:
    """What a learner who copies the answer the page shows submits, worked out from its words
    (:meth:`Variant.labels`) as the quiz page's form takes them: the options whose labels it
    names (a wrong option with the same words is chosen too: no one can tell them apart), the
    steps of a way picked by their labels, each accepted text typed, the number without its
    unit, the reference fix pasted. One submission per accepted text; None for a build task,
    whose answer is the learner's sandbox."""
    if question.kind == "build":
        return None
    if question.kind == "fix":
        return [[variant.answer[0]]]
    if question.kind == "number":
        return [[variant.labels(variant.answer)[0].removesuffix(f" {variant.unit}")]]
    if question.kind == "fill":
        return [[text] for text in variant.labels(variant.answer)]
    by_label: dict[str, list[str]] = {}
    for value, label in variant.options:
        by_label.setdefault(label, []).append(value)
    if question.kind == "path":
        if variant.answer == (NOBODY,):
            return [[""] * MOST_PATH_STEPS + [NOBODY]]
        # The page names each step by its label, joined by arrows; a learner picks each one.
        label_of = dict(variant.options)
        steps = [by_label.get(label_of.get(v, v), []) for v in variant.answer]
        chosen = [found[0] if len(found) == 1 else "" for found in steps]
        return [chosen + [""] * (MOST_PATH_STEPS - len(chosen))]
    shown = variant.labels(variant.answer)
    if question.kind == "order":
        return [[by_label.get(label, [""])[0] for label in shown]]
    return [[value for label in dict.fromkeys(shown) for value in by_label.get(label, [])]]


def refuses_own_answer(question: Question, variant: Variant) -> str | None:
    """Why grading refuses the answer ``variant`` shows, as a learner would copy it
    (:func:`copied_answers`); None when it gives full marks."""
    shown = "; ".join(variant.labels(variant.answer))
    if question.kind == "path":
        steps = [v for v in variant.answer if v != NOBODY]
        if len(steps) > MOST_PATH_STEPS:
            return (
                f"the answer it shows ({shown}) has {len(steps)} steps, and the page has room "
                f"for {MOST_PATH_STEPS}"
            )
    for given in copied_answers(question, variant) or ():
        graded = question.grade(variant, given)
        if not graded.correct:
            why = " ".join((graded.feedback, *graded.details))
            return f"grading the answer it shows ({shown}) refuses it: {why}"
    return None


def _check_world_fields(question: Question, count: int) -> list[tuple[str, tuple[str | int, ...]]]:
    data = question.data
    out: list[tuple[str, tuple[str | int, ...]]] = []
    if not isinstance(data.get("world"), dict):
        out.append(("world is required: a world as in a scenario's world.yaml", ("world",)))
    if count > MOST_WORLD_VARIANTS:
        out.append(
            (f"a question about a world has at most {MOST_WORLD_VARIANTS} variants", ("vary",))
        )
    if question.kind == "who":
        request = data.get("request")
        if not isinstance(request, dict) or not isinstance(request.get("action"), str):
            out.append(("request is required: action, resource, context", ("request",)))
        among = data.get("among", [])
        if not isinstance(among, list) or not all(isinstance(a, str) for a in among):
            out.append(
                ("among lists the principals to choose from (Account/user/name)", ("among",))
            )
    elif question.kind == "path":
        for key in ("from", "to"):
            if not isinstance(data.get(key), str) or not data[key]:
                out.append(
                    (f"{key} is required: Account/user/name, Account/role/name, ...", (key,))
                )
    else:
        if data.get("vary"):
            out.append(("a build task has one world: vary is not for it", ("vary",)))
        if not isinstance(data.get("fixed"), dict):
            out.append(
                (
                    "fixed is required: the world once the task is done (it proves it can be)",
                    ("fixed",),
                )
            )
    return out


def _check_fix(question: Question, variant: Variant) -> list[tuple[str, tuple[str | int, ...]]]:
    """The reference must pass the engine's grading, and the broken policy must not."""
    reference = question.grade(variant, [variant.answer[0]])
    if not reference.correct:
        return [
            ("the reference fails its own task: " + " ".join(reference.details), ("reference",))
        ]
    if question.grade(variant, [variant.starter]).correct:
        return [("the broken policy already does the task: nothing to fix", ("policy",))]
    return []


class _VariantError(Exception):
    def __init__(self, message: str, where: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.where = where


def _choose(vary: Mapping[str, list[Any]], seed: int) -> dict[str, str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible variants, not secrets
    return {name: str(rng.choice(values)) for name, values in sorted(vary.items())}


def _fill(text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _fill_json(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _fill(value, values)
    if isinstance(value, list):
        return [_fill_json(v, values) for v in value]
    if isinstance(value, dict):
        return {_fill(str(k), values): _fill_json(v, values) for k, v in value.items()}
    return value


_LABELS = {
    "identity": "Identity-based policy",
    "boundary": "Permissions boundary",
    "scp": "SCP",
    "resource": "Resource-based policy",
    "trust": "Trust policy of the role",
}


def _layers(
    data: Mapping[str, Any], values: Mapping[str, str], *, need_identity: bool = True
) -> tuple[list[tuple[str, str]], dict[str, list[Policy]], list[str]]:
    """A question's ``policies``: as shown, parsed by layer, and the Sids of every
    statement, in order."""
    policies = data.get("policies", {} if not need_identity else None)
    if not isinstance(policies, dict) or (need_identity and "identity" not in policies):
        raise _VariantError("policies needs at least identity (a list of documents)", ("policies",))
    names = data.get("labels", {})
    if not isinstance(names, dict):
        raise _VariantError("labels maps a layer to the name of each of its policies", ("labels",))
    parsed: dict[str, list[Policy]] = {}
    shown: list[tuple[str, str]] = []
    sids: list[str] = []
    for layer, documents in policies.items():
        if layer not in _LAYERS:
            raise _VariantError(
                f"policies has identity, boundary, scp, resource or trust, not {layer}",
                ("policies", layer),
            )
        if not isinstance(documents, list):
            documents = [documents]
        named = names.get(layer)
        if named is not None and (
            not isinstance(named, list)
            or len(named) != len(documents)
            or not all(isinstance(n, str) and n.strip() for n in named)
        ):
            raise _VariantError(
                f"labels.{layer} names each of the {len(documents)} {layer} policies, in order",
                ("labels", layer),
            )
        for i, document in enumerate(documents):
            label = _LABELS[layer]
            if named is not None:
                label = _fill(named[i], values)
            elif len(documents) > 1:
                label = f"{label} {i + 1}"
            # The engine names the policy as the page shows it: its explanations point there.
            policy, text = _parse(document, values, layer, ("policies", layer, i), label)
            parsed.setdefault(layer, []).append(policy)
            sids.extend(st.sid or "" for st in policy.statements)
            shown.append((label, text))
    return shown, parsed, sids


def _parse(
    document: Any,
    values: Mapping[str, str],
    layer: str,
    where: tuple[str | int, ...],
    name: str = "",
) -> tuple[Policy, str]:
    text = json.dumps(_fill_json(document, values), indent=2)
    try:
        return parse_policy(text, _LAYERS[layer], name=name or f"{layer} policy"), text
    except PolicyError as exc:
        raise _VariantError(str(exc.findings[0].message), where) from exc


def _request(request: Any, values: Mapping[str, str], where: tuple[str | int, ...]) -> Request:
    if not isinstance(request, dict):
        raise _VariantError("a request has principal, action, resource and context", where)
    filled = _fill_json(request, values)
    try:
        return Request(
            str(filled.get("principal", "")),
            str(filled.get("action", "")),
            str(filled.get("resource", "*")),
            filled.get("context") or {},
            # The account that owns the resource, where its ARN has none (an S3 bucket).
            resource_owner=str(filled["owner"]) if filled.get("owner") else None,
        )
    except RequestError as exc:
        raise _VariantError(f"{exc.field}: {exc.message}", where) from exc


def _decision(
    data: Mapping[str, Any], values: Mapping[str, str]
) -> tuple[tuple[tuple[str, str], ...], dict[str, Any], Evaluation, list[str]]:
    """The policies (as shown), the request, the engine's evaluation of it, and the Sids of
    every statement of the policies, in order."""
    shown, parsed, sids = _layers(data, values)
    if not isinstance(data.get("request"), dict):
        raise _VariantError(
            "request is required: principal, action, resource, context", ("request",)
        )
    req = _request(data["request"], values, ("request",))
    evaluation = layered(parsed).evaluate(req)
    if data.get("kind") == "statement" and (
        "" in sids or len(set(sids)) != len(sids) or NONE_DECIDED in sids
    ):
        raise _VariantError(
            "a statement question needs a unique Sid on every statement", ("policies",)
        )
    return tuple(shown), _fill_json(data["request"], values), evaluation, sids


# What the engine names as the decider (Evaluation.decided_by, or the layer of the deciding
# Deny) -> the question's layer key. A trust policy is the role's resource-based policy.
_DECIDERS = {
    "identity": "identity",
    "boundary": "boundary",
    "scp": "scp",
    "resource": "resource",
    "trust": "resource",
}


def _layer_variant(
    data: Mapping[str, Any],
    prompt: str,
    explanation: str,
    policies: tuple[tuple[str, str], ...],
    request: dict[str, Any],
    evaluation: Evaluation,
) -> Variant:
    """ "Which layer decided?": the engine's decider, among the layers the question gives."""
    given = data["policies"]
    present = [k for k in ("identity", "boundary", "scp", "resource") if k in given]
    if "trust" in given and "resource" not in present:
        present.append("resource")
    resource_label = _LABELS["trust"] if "trust" in given else _LABELS["resource"]
    options = tuple((k, resource_label if k == "resource" else _LABELS[k]) for k in present)
    if evaluation.decided_by == "deny" and evaluation.matched:
        kind = evaluation.matched[0].layer
    else:
        kind = evaluation.decided_by.partition(":")[0]
    answer = _DECIDERS.get(kind)
    if answer is None or answer not in present:
        raise _VariantError(
            f"the engine says {evaluation.decided_by_label} decided, which is not one of the "
            "question's layers: ask a decision question instead",
            ("policies",),
        )
    return Variant(
        prompt,
        options,
        False,
        policies=policies,
        request=request,
        answer=(answer,),
        explanation=explanation,
        evaluation=evaluation,
    )


def _fix_variant(
    data: Mapping[str, Any], values: Mapping[str, str], prompt: str, explanation: str
) -> Variant:
    """A "fix this policy" question: the broken policy to start from, the other policies
    (shown, unchanged), and what the engine grades the fix against."""
    layer = data.get("layer", "identity")
    if layer not in _LAYERS:
        raise _VariantError(f"layer is one of {', '.join(_LAYERS)}", ("layer",))
    shown, parsed, _ = _layers(data, values, need_identity=False)
    for key in ("policy", "reference"):
        if not isinstance(data.get(key), dict):
            raise _VariantError(f"{key} is required: a policy document", (key,))
    starter, starter_text = _parse(data["policy"], values, layer, ("policy",))
    reference, reference_text = _parse(data["reference"], values, layer, ("reference",))
    required = []
    for expect, key in (("allowed", "allow"), ("denied", "deny")):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            raise _VariantError(f"{key} is a list of requests", (key,))
        for i, entry in enumerate(entries):
            if isinstance(entry, dict) and "principal" not in entry and "principal" in data:
                entry = {**entry, "principal": data["principal"]}
            required.append(Required(_request(entry, values, (key, i)), expect))
    if not required:
        raise _VariantError("allow or deny lists at least one request the fix is graded on", ())
    spec = FixSpec(
        _LAYERS[layer], {k: tuple(v) for k, v in parsed.items()}, reference, tuple(required)
    )
    return Variant(
        prompt,
        (),
        False,
        policies=tuple(shown),
        answer=(reference_text,),
        explanation=explanation,
        starter=starter_text,
        fix=spec,
    )


@functools.lru_cache(maxsize=64)
def loaded(slug: str, text: str) -> QuizSpec:
    """A bank as stored after loading checked it: parsed once per text, its variants not
    built again (the labs page and a class's dashboard read every bank)."""
    return read_quiz(slug, read_yaml(text, f"{slug}.quiz.yaml"), text, variants=False)
