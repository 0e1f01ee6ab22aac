"""What the kinds about a world share (who, path, build): the question carries a ``world``
written as a scenario's ``world.yaml`` is; loading builds it in a trial sandbox and works out
what grading needs for every variant (:mod:`iamlab.labs.worldquiz`), kept with the bank as its
facts, so that taking a quiz never rebuilds a world."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .base import Found, Kind, VariantError, variant_key

if TYPE_CHECKING:
    from ..quiz import Question
    from ..worldquiz import Trial

MOST_WORLD_VARIANTS = 60
World = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


class WorldKind(Kind):
    engine = True
    world = True

    def check_variants(
        self, question: Question, vary: Mapping[str, list[Any]], count: int
    ) -> list[Found]:
        """The world is built and every variant worked out by the loader (worldquiz): here,
        only the fields that needs."""
        out: list[Found] = []
        if not isinstance(question.data.get("world"), dict):
            out.append(("world is required: a world as in a scenario's world.yaml", ("world",)))
        if count > MOST_WORLD_VARIANTS:
            out.append(
                (f"a question about a world has at most {MOST_WORLD_VARIANTS} variants", ("vary",))
            )
        return out + self.check_world(question.data)

    def check_world(self, data: Mapping[str, Any]) -> list[Found]:
        """The kind's own fields, besides the world."""
        return []

    def work_out(self, question: Question, trial: Trial) -> dict[str, Any] | None:
        """What grading needs for every variant, worked out in the question's world (built in
        ``trial``); None, with problems reported to ``trial``, when it cannot be."""
        raise NotImplementedError


def shown_world(facts: Mapping[str, Any]) -> World:
    """The world as the question shows it (``worldquiz.summary``, kept in the facts)."""
    return tuple(
        (str(title), tuple((str(a), str(b)) for a, b in docs))
        for title, docs in facts.get("world", ())
    )


def worked(facts: Mapping[str, Any], values: Mapping[str, str]) -> Mapping[str, Any]:
    """What loading worked out for the variant of these ``values``."""
    found = facts.get("variants", {}).get(variant_key(values))
    if found is None:
        raise VariantError("this variant was not worked out when the bank was loaded", ())
    return found  # type: ignore[no-any-return]
