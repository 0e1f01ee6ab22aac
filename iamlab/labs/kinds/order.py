"""``order``: put the steps in order; they are shown shuffled."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import register
from .base import (
    Found,
    Graded,
    OptionsKind,
    Variant,
    VariantError,
    fill,
    not_an_answer,
    options_by_label,
    shuffled,
)

if TYPE_CHECKING:
    from ..practice import Card


class Order(OptionsKind):
    name = "order"
    rank = 60
    template = "labs/kinds/order.html"
    on_card = frozenset({"slots"})

    def check(self, data: Mapping[str, Any]) -> list[Found]:
        steps = data.get("steps")
        if (
            not isinstance(steps, list)
            or len(steps) < 3
            or not all(isinstance(t, str) for t in steps)
        ):
            raise VariantError(
                "steps is a list of at least three steps, in the right order", ("steps",)
            )
        if len(set(steps)) != len(steps):
            return [("two steps have the same text", ("steps",))]
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
        steps = [(str(i), fill(str(t), values)) for i, t in enumerate(data["steps"])]
        return Variant(
            prompt,
            tuple(shuffled(steps, seed)),
            False,
            answer=tuple(v for v, _ in steps),
            explanation=explanation,
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        """``answer`` holds the step chosen for each place, first place first."""
        known = dict(variant.options)
        if len(answer) != len(variant.answer) or not all(a in known for a in answer):
            return not_an_answer("Choose a step for every place first: that try was not counted.")
        if len(set(answer)) != len(answer):
            return not_an_answer(
                "Each step goes in one place only; one is chosen twice: that try was not counted."
            )
        placed = sum(a == b for a, b in zip(answer, variant.answer, strict=True))
        if placed == len(answer):
            return Graded(True, "Right.")
        # The first place that is wrong, and which way its step belongs: a pointer, not the
        # order itself.
        at = next(i for i, (a, b) in enumerate(zip(answer, variant.answer, strict=True)) if a != b)
        step = known[answer[at]]
        where = "earlier" if variant.answer.index(answer[at]) < at else "later"
        return Graded(
            False,
            f"Not quite: {placed} of {len(answer)} steps are in their place. The first one out "
            f"of place is place {at + 1}: “{step}” comes {where}.",
        )

    def copied(self, variant: Variant) -> list[list[str]] | None:
        # One select per place, first to last, each step picked by its words.
        by_label = options_by_label(variant)
        return [[by_label.get(label, [""])[0] for label in variant.labels(variant.answer)]]

    def slots(self, card: Card) -> list[tuple[int, str]]:
        """Each place, with the step the learner last put there."""
        last = card.current
        return [(i + 1, last[i] if i < len(last) else "") for i in range(len(card.variant.options))]


register(Order())
