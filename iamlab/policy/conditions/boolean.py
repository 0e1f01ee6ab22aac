"""The Bool operator (reference_policies_elements_condition_operators, "Boolean condition
operators"): true or false, in any letter case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Family, OperatorFamily, OperatorSpec, join_or


def parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


class BoolFamily(OperatorFamily):
    family = Family.BOOL
    operators = (OperatorSpec("Bool", Family.BOOL, "bool", False),)
    value_words = '"true" or "false"'

    def parse_policy(self, text: str) -> Any:
        return parse_bool(text)

    def parse_request(self, value: str) -> Any:
        return parse_bool(value)

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        parsed = parse_bool(value)
        return parsed is not None and parsed is policy

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        return "be " + join_or([v.strip().lower() for v in values])
