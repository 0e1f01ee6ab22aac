"""The BinaryEquals operator (reference_policies_elements_condition_operators, "Binary
condition operators"): the policy value is base64, compared byte for byte."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from .base import Family, OperatorFamily, OperatorSpec, join_or


def parse_binary(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


class BinaryFamily(OperatorFamily):
    family = Family.BINARY
    operators = (OperatorSpec("BinaryEquals", Family.BINARY, "bin", False),)
    value_words = "base64-encoded binary data"

    def parse_policy(self, text: str) -> Any:
        return parse_binary(text)

    def parse_request(self, value: str) -> Any:
        return parse_binary(value)

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        return bool(parse_binary(value) == policy)

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        return f"be the binary value {join_or(values)}"
