"""String operators: StringEquals, StringNotEquals, the IgnoreCase pair, StringLike and
StringNotLike (reference_policies_elements_condition_operators, "String condition operators").
Equality is exact and case-sensitive; StringLike is a glob where ``*`` matches any run of
characters and ``?`` exactly one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..wildcards import Piece, string_like_regex
from .base import Family, OperatorFamily, OperatorSpec, Tester, negatable


class StringFamily(OperatorFamily):
    family = Family.STRING
    operators = (
        OperatorSpec("StringEquals", Family.STRING, "eq", False),
        OperatorSpec("StringNotEquals", Family.STRING, "eq", True),
        OperatorSpec("StringEqualsIgnoreCase", Family.STRING, "eq_ci", False),
        OperatorSpec("StringNotEqualsIgnoreCase", Family.STRING, "eq_ci", True),
        OperatorSpec("StringLike", Family.STRING, "like", False),
        OperatorSpec("StringNotLike", Family.STRING, "like", True),
    )
    value_words = "a string"

    def compile(self, spec: OperatorSpec, pieces: tuple[Piece, ...]) -> Any:
        if spec.test == "like":
            return string_like_regex(pieces)
        text = "".join(t for t, _ in pieces)
        return text.lower() if spec.test == "eq_ci" else text

    def parse_policy(self, text: str) -> Any:
        return text

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        if spec.test == "eq":
            return bool(value == policy)
        if spec.test == "eq_ci":
            return bool(value.lower() == policy)
        return bool(policy.fullmatch(value))

    def tester(self, spec: OperatorSpec) -> Tester:
        if spec.test != "eq":
            return super().tester(spec)
        # The commonest operator, on the engine's hot path: a membership test.
        if spec.negated:
            return lambda value, policy_values: value not in policy_values
        return lambda value, policy_values: value in policy_values

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        if spec.test == "like":
            return negatable("match", spec.negated, values)
        case = " (ignoring case)" if spec.test == "eq_ci" else ""
        return negatable("be", spec.negated, values) + case

    def satisfying(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        first = super().satisfying(spec, values)
        if spec.test == "like":
            return first.replace("*", "x").replace("?", "x")
        return first
