"""ARN operators: ArnEquals, ArnLike, ArnNotEquals, ArnNotLike
(reference_policies_elements_condition_operators, "Amazon Resource Name (ARN) condition
operators"). ArnEquals and ArnLike behave alike: case-sensitive, matched per colon-separated
component, with ``*`` and ``?`` as wildcards inside a component.

* **C5.** ``ArnLike`` with the single pattern ``*`` matches every value (a pattern with fewer
  than six components could otherwise never match an ARN)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..wildcards import Piece, arn_like_regex
from .base import Family, OperatorFamily, OperatorSpec, negatable


class _MatchAll:
    def fullmatch(self, _value: str) -> bool:
        return True


MATCH_ALL = _MatchAll()


class ArnFamily(OperatorFamily):
    family = Family.ARN
    operators = (
        OperatorSpec("ArnEquals", Family.ARN, "arn", False),
        OperatorSpec("ArnLike", Family.ARN, "arn", False),
        OperatorSpec("ArnNotEquals", Family.ARN, "arn", True),
        OperatorSpec("ArnNotLike", Family.ARN, "arn", True),
    )
    value_words = "an ARN"

    def compile(self, spec: OperatorSpec, pieces: tuple[Piece, ...]) -> Any:
        text = "".join(t for t, _ in pieces)
        if text == "*" and not pieces[0][1]:
            return MATCH_ALL  # C5
        return arn_like_regex(pieces)

    def parse_policy(self, text: str) -> Any:
        return text

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        return bool(policy.fullmatch(value))

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        return negatable("match", spec.negated, values)

    def satisfying(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        return super().satisfying(spec, values).replace("*", "x").replace("?", "x")
