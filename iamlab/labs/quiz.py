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
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from iamlab.policy import (
    Evaluation,
    Policy,
    PolicyError,
    PolicySet,
    PolicyType,
    Request,
    RequestError,
)

from .scenario import TOPICS
from .yamlsource import Problem, Source, dotted, read_yaml

__all__ = ["Graded", "Question", "QuizSpec", "Variant", "loaded", "read_quiz"]

KINDS = ("choice", "decision", "statement", "number")
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
    answer: tuple[str, ...] = ()  # the right option values, or the number
    unit: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class Graded:
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    data: Mapping[str, Any]
    hints: tuple[str, ...]

    def variant(self, seed: int) -> Variant:
        values = _choose(self.data.get("vary", {}), seed)
        prompt = _fill(str(self.data["prompt"]), values)
        explanation = _fill(str(self.data.get("explain", "")), values)
        if self.kind == "choice":
            options = [
                (str(i), _fill(str(o["text"]), values)) for i, o in enumerate(self.data["options"])
            ]
            random.Random(seed).shuffle(options)  # noqa: S311 - the order of a variant
            right = tuple(str(i) for i, o in enumerate(self.data["options"]) if o.get("right"))
            return Variant(
                prompt, tuple(options), len(right) > 1, answer=right, explanation=explanation
            )
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
        explanation = (explanation + " " if explanation else "") + evaluation.reason
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
            )
        return Variant(
            prompt,
            tuple(DECISIONS.items()),
            False,
            policies=policies,
            request=request,
            answer=(evaluation.decision,),
            explanation=explanation,
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded | None:
        """The grade of ``answer``; None when it is not an answer at all (nothing chosen, not
        a number): that costs no attempt."""
        if self.kind == "number":
            text = (answer[0] if answer else "").strip().replace(",", "")
            try:
                given = float(text)
            except ValueError:
                return None
            right = float(variant.answer[0]) == given
        else:
            chosen = sorted(a for a in answer if a in dict(variant.options))
            if not chosen:
                return None
            right = chosen == sorted(variant.answer)
        return Graded(right, "Right." if right else "Not quite.")


@dataclass(frozen=True)
class QuizSpec:
    slug: str
    title: str
    topic: str
    questions: tuple[Question, ...]
    text: str  # the file as written


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
        hints = entry.get("hints", [])
        if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
            problem((*path, "hints"), "hints is a list of sentences (quote one with ': ' in it)")
            hints = []
        question = Question(qid, kind, entry, tuple(hints))
        for message, where in _check(question) if variants else ():
            problem((*path, *where), message)
        questions.append(question)
    if problems:
        raise QuizInvalid(problems)
    return QuizSpec(slug, str(title), str(topic), tuple(questions), text)


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
    elif question.kind == "number":
        answer = data.get("answer")
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            out.append(("answer is the number", ("answer",)))
    # Every variant must come out whole: all placeholders filled, every policy valid, and the
    # engine able to decide.
    count = 1
    for values in vary.values():
        count *= len(values)
    for seed in range(min(count * 3, 60)):
        try:
            variant = question.variant(seed)
        except _VariantError as exc:
            out.append((str(exc), exc.where))
            break
        missing = _PLACEHOLDER.findall(variant.prompt)
        if missing:
            out.append((f"no values for {{{missing[0]}}} in vary", ("prompt",)))
            break
    return out


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


_LAYERS = {
    "identity": PolicyType.IDENTITY,
    "boundary": PolicyType.BOUNDARY,
    "scp": PolicyType.SCP,
    "resource": PolicyType.RESOURCE,
    "trust": PolicyType.TRUST,  # a role's trust policy: the resource-based policy of AssumeRole
}


def _decision(
    data: Mapping[str, Any], values: Mapping[str, str]
) -> tuple[tuple[tuple[str, str], ...], dict[str, Any], Evaluation, list[str]]:
    """The policies (as shown), the request, the engine's evaluation of it, and the Sids of
    every statement of the policies, in order."""
    policies = data.get("policies")
    if not isinstance(policies, dict) or "identity" not in policies:
        raise _VariantError("policies needs at least identity (a list of documents)", ("policies",))
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
        for i, document in enumerate(documents):
            text = json.dumps(_fill_json(document, values), indent=2)
            try:
                policy = Policy.parse(text, _LAYERS[layer], name=f"{layer} policy {i + 1}")
            except PolicyError as exc:
                raise _VariantError(str(exc.findings[0].message), ("policies", layer, i)) from exc
            parsed.setdefault(layer, []).append(policy)
            sids.extend(st.sid or "" for st in policy.statements)
            label = {
                "identity": "Identity-based policy",
                "boundary": "Permissions boundary",
                "scp": "SCP",
                "resource": "Resource-based policy",
                "trust": "Trust policy of the role",
            }[layer]
            shown.append((label if len(documents) == 1 else f"{label} {i + 1}", text))
    request = data.get("request")
    if not isinstance(request, dict):
        raise _VariantError(
            "request is required: principal, action, resource, context", ("request",)
        )
    filled = _fill_json(request, values)
    try:
        req = Request(
            str(filled.get("principal", "")),
            str(filled.get("action", "")),
            str(filled.get("resource", "*")),
            filled.get("context") or {},
            # The account that owns the resource, where its ARN has none (an S3 bucket).
            resource_owner=str(filled["owner"]) if filled.get("owner") else None,
        )
    except RequestError as exc:
        raise _VariantError(f"{exc.field}: {exc.message}", ("request",)) from exc
    ps = PolicySet(
        identity=parsed.get("identity", []),
        boundary=parsed["boundary"][0] if "boundary" in parsed else None,
        scps=[parsed["scp"]] if "scp" in parsed else (),
        resource_policy=next(iter(parsed.get("resource") or parsed.get("trust") or ()), None),
    )
    evaluation = ps.evaluate(req)
    if data.get("kind") == "statement" and (
        "" in sids or len(set(sids)) != len(sids) or NONE_DECIDED in sids
    ):
        raise _VariantError(
            "a statement question needs a unique Sid on every statement", ("policies",)
        )
    return tuple(shown), filled, evaluation, sids


@functools.lru_cache(maxsize=64)
def loaded(slug: str, text: str) -> QuizSpec:
    """A bank as stored after loading checked it: parsed once per text, its variants not
    built again (the labs page and a class's dashboard read every bank)."""
    return read_quiz(slug, read_yaml(text, f"{slug}.quiz.yaml"), text, variants=False)
