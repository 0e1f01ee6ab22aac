"""The Null operator (reference_policies_elements_condition_operators, "Condition operator to
check existence of condition keys"): "true" asks for the key to be absent, "false" for it to be
present with a value that is not null. It has no ...IfExists form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Family, OperatorFamily, OperatorSpec
from .boolean import parse_bool


class NullFamily(OperatorFamily):
    family = Family.NULL
    operators = (OperatorSpec("Null", Family.NULL, "null", False),)
    value_words = '"true" (the key is absent) or "false" (the key is present)'

    def parse_policy(self, text: str) -> Any:
        return parse_bool(text)

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        raise AssertionError("Null is evaluated on the key's presence, not on its value")

    def check(self, spec: OperatorSpec, text: str) -> str | None:
        if parse_bool(text) is None:
            return f'Null takes {self.value_words}, not "{text}"'
        return None

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        wants = {parse_bool(v) for v in values}
        if wants >= {True, False}:
            return "be present or absent"
        return "be absent" if True in wants else "be present"
