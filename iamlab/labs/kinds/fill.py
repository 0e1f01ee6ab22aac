"""``fill``: type the answer: an ARN, a condition key, or some text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import register
from .base import Found, Graded, Kind, Variant, VariantError, fill, not_an_answer

if TYPE_CHECKING:
    from ..quiz import Question

# What an answer must look like before it is graded; one that does not look like it costs no
# try (a typo in the shape is not a wrong idea).
FILL_FORMATS = {
    "arn": re.compile(r"arn:[a-z-]+:[a-z0-9-]*:[a-z0-9-]*:[0-9*]*:\S+"),
    "condition-key": re.compile(r"[A-Za-z0-9.-]+:[A-Za-z0-9_./${}*-]+"),
    "text": re.compile(r"\S.*", re.DOTALL),
}
_SHAPES = {
    "arn": "an ARN (arn:partition:service:region:account:resource)",
    "condition-key": "a condition key (prefix:Name, like aws:SourceIp)",
}


class Fill(Kind):
    name = "fill"
    rank = 70
    template = "labs/kinds/fill.html"

    def check(self, data: Mapping[str, Any]) -> list[Found]:
        form, answer = data.get("format", "text"), data.get("answer")
        accepted = answer if isinstance(answer, list) else [answer]
        if form not in FILL_FORMATS:
            raise VariantError(f"format is one of {', '.join(FILL_FORMATS)}", ("format",))
        if not accepted or not all(isinstance(a, str) and a.strip() for a in accepted):
            raise VariantError(
                "answer is the right text, or a list of the accepted ones", ("answer",)
            )
        return []

    def check_variant(
        self, question: Question, variant: Variant, values: Mapping[str, str]
    ) -> list[Found]:
        """Every accepted answer has the question's shape, and is graded right."""
        for i, accepted in enumerate(variant.answer):
            if not FILL_FORMATS[variant.form].fullmatch(accepted):
                where = ("answer", i) if isinstance(question.data["answer"], list) else ("answer",)
                return [(f"not a well-formed {variant.form}: {accepted}", where)]
        return super().check_variant(question, variant, values)

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        accepted = data["answer"]
        accepted = accepted if isinstance(accepted, list) else [accepted]
        return Variant(
            prompt,
            (),
            False,
            answer=tuple(fill(str(a), values) for a in accepted),
            explanation=explanation,
            form=str(data.get("format", "text")),
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        given = (answer[0] if answer else "").strip()
        if not given:
            return not_an_answer("Type an answer first: that try was not counted.")
        if not FILL_FORMATS[variant.form].fullmatch(given):
            shape = _SHAPES.get(variant.form, "an answer")
            return not_an_answer(f"That is not {shape}: that try was not counted.")
        if variant.form == "condition-key":
            # Condition key names are not case-sensitive (reference_policies_elements_condition).
            right = given.lower() in (a.lower() for a in variant.answer)
        else:
            right = given in variant.answer
        if right:
            return Graded(True, "Right.")
        return Graded(False, _why_not(variant, given))

    def copied(self, variant: Variant) -> list[list[str]] | None:
        # "Answer: a; b": any of them is typed.
        return [[text] for text in variant.labels(variant.answer)]


_ARN_PARTS = ("partition", "service", "region", "account", "resource")


def _why_not(variant: Variant, given: str) -> str:
    """Where a typed answer parts from the accepted ones, without typing the answer: the
    first part of an ARN that differs, a condition key's prefix or name, letter case."""
    if variant.form == "arn":
        best = max(
            variant.answer,
            key=lambda a: sum(
                x == y for x, y in zip(a.split(":", 5), given.split(":", 5), strict=False)
            ),
        )
        mine, right = given.split(":", 5)[1:], best.split(":", 5)[1:]
        for name, a, b in zip(_ARN_PARTS, mine, right, strict=False):
            if a != b:
                if a.lower() == b.lower():
                    return f"Not quite: look at the letter case of the ARN's {name} part ({a})."
                return (
                    f"Not quite: the ARN's {name} part ({a or 'empty'}) is not the one this "
                    "asks for"
                    + ("; the parts before it are right." if name != "partition" else ".")
                )
    if variant.form == "condition-key" and ":" in given:
        prefix, _, name = given.partition(":")
        prefixes = {a.split(":", 1)[0].lower() for a in variant.answer}
        if prefix.lower() not in prefixes:
            kind = "a global key (aws:)" if prefix.lower() == "aws" else f"a key of {prefix}"
            return (
                f"Not quite: {given} is {kind}; the key this asks for has another prefix. "
                "Which service, or AWS itself, sets it?"
            )
        return f"Not quite: the prefix {prefix}: is right, but not the key's name ({name})."
    if any(given.lower() == a.lower() for a in variant.answer):
        return "Not quite: look at the letter case; this answer is case-sensitive."
    return f"Not quite: {given} is not it."


register(Fill())
