"""``choice``: one or several right options, written by the author (concepts the engine cannot
compute), each with the author's word on why it is right or wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import register
from .base import Found, Graded, OptionsKind, Variant, VariantError, fill, plural, shuffled

if TYPE_CHECKING:
    from ..practice import Card


class Choice(OptionsKind):
    name = "choice"
    rank = 10
    template = "labs/kinds/choice.html"
    reshuffles = True  # its options come in another order
    on_card = frozenset({"option_notes"})

    def check(self, data: Mapping[str, Any]) -> list[Found]:
        options = data.get("options")
        if (
            not isinstance(options, list)
            or len(options) < 2
            or not all(isinstance(o, dict) and isinstance(o.get("text"), str) for o in options)
        ):
            raise VariantError(
                "options is a list of at least two mappings with text (and right: true)",
                ("options",),
            )
        out: list[Found] = []
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
        return out

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        options = [(str(i), fill(str(o["text"]), values)) for i, o in enumerate(data["options"])]
        right = tuple(str(i) for i, o in enumerate(data["options"]) if o.get("right"))
        notes = tuple(
            (str(i), fill(str(o.get("explain", "")), values)) for i, o in enumerate(data["options"])
        )
        return Variant(
            prompt,
            tuple(shuffled(options, seed)),
            len(right) > 1,
            answer=right,
            explanation=explanation,
            notes=notes,
        )

    def why_wrong(self, variant: Variant, chosen: list[str]) -> Graded:
        """The author's explanation of each wrong option chosen."""
        labels, notes = dict(variant.options), dict(variant.notes)
        wrong = [c for c in chosen if c not in variant.answer]
        missed = len(set(variant.answer) - set(chosen))
        if not wrong:
            more = plural(missed, "more answer is", "more answers are")
            return Graded(False, f"Each answer you chose is right, but {more} right too.")
        if not variant.multiple:
            return Graded(False, f"Not quite. {notes.get(wrong[0], '')}".strip())
        head = "Not quite: " + plural(len(wrong), "answer you chose is", "answers you chose are")
        head += " wrong" + (
            f", and {plural(missed, 'right one', 'right ones')} left out." if missed else "."
        )
        return Graded(
            False, head, tuple(f"“{labels[c]}”: {notes.get(c, '')}".strip() for c in wrong)
        )

    def option_notes(self, card: Card) -> list[tuple[str, str, bool]]:
        """Once answered or shown: each option (label, why, right)."""
        notes = dict(card.variant.notes)
        return [
            (label, notes.get(v, ""), v in card.variant.answer) for v, label in card.variant.options
        ]


register(Choice())
