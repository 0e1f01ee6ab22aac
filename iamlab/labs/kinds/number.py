"""``number``: a fact with a number (a quota, a session duration), with its unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import register
from .base import Found, Graded, Kind, Variant, VariantError, not_an_answer


class Number(Kind):
    name = "number"
    rank = 50
    template = "labs/kinds/number.html"

    def check(self, data: Mapping[str, Any]) -> list[Found]:
        answer = data.get("answer")
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            # Nothing else can be checked without it: no variant can be made.
            raise VariantError("answer is the number", ("answer",))
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
            (),
            False,
            answer=(str(data["answer"]),),
            unit=str(data.get("unit", "")),
            explanation=explanation,
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        text = (answer[0] if answer else "").strip().replace(",", "")
        try:
            given = float(text)
        except ValueError:
            return not_an_answer("Give a number first: that try was not counted.")
        if float(variant.answer[0]) == given:
            return Graded(True, "Right.")
        side = "more" if float(variant.answer[0]) > given else "less"
        unit = f" {variant.unit}" if variant.unit else ""
        return Graded(False, f"Not {text}{unit}: the answer is {side} than that.")

    def labels(self, variant: Variant, values: list[str] | tuple[str, ...]) -> list[str]:
        if variant.unit:
            return [f"{values[0]} {variant.unit}"]
        return [str(v) for v in values]

    def copied(self, variant: Variant) -> list[list[str]] | None:
        # The number without its unit: the unit is the field's label.
        return [[variant.labels(variant.answer)[0].removesuffix(f" {variant.unit}")]]


register(Number())
