"""Numeric operators: NumericEquals, NumericNotEquals, NumericLessThan(Equals),
NumericGreaterThan(Equals) (reference_policies_elements_condition_operators, "Numeric
condition operators": they compare a key "to an integer or decimal value").

* **C6. Only integers and decimals are numbers.** ``1e3``, ``Infinity``, ``0x10``, ``+5`` or
  ``.5`` are not written as "an integer or decimal value", so a policy value written that way
  matches nothing (C3), and the validator reports it; a request value written that way is not a
  number either. Evaluator and validator read a number through the same function."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .base import Family, OperatorFamily, OperatorSpec, compare_words

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@functools.lru_cache(maxsize=4096)
def parse_number(value: str) -> Decimal | None:
    """An integer or decimal value (C6); None for anything else."""
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text)


class NumericFamily(OperatorFamily):
    family = Family.NUMERIC
    operators = (
        OperatorSpec("NumericEquals", Family.NUMERIC, "eq", False),
        OperatorSpec("NumericNotEquals", Family.NUMERIC, "eq", True),
        OperatorSpec("NumericLessThan", Family.NUMERIC, "lt", False),
        OperatorSpec("NumericLessThanEquals", Family.NUMERIC, "le", False),
        OperatorSpec("NumericGreaterThan", Family.NUMERIC, "gt", False),
        OperatorSpec("NumericGreaterThanEquals", Family.NUMERIC, "ge", False),
    )
    value_words = "an integer or a decimal number"

    def parse_policy(self, text: str) -> Any:
        return parse_number(text)

    def parse_request(self, value: str) -> Any:
        return parse_number(value)

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        number = parse_number(value)
        if number is None:
            return False
        test = spec.test
        if test == "eq":
            return bool(number == policy)
        if test == "lt":
            return bool(number < policy)
        if test == "le":
            return bool(number <= policy)
        if test == "gt":
            return bool(number > policy)
        return bool(number >= policy)

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        return compare_words(spec, values)

    def satisfying(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        first = super().satisfying(spec, values)
        number = parse_number(first)
        if number is None:
            raise ValueError(f"{first!r} is not a number")
        step = {"lt": -1, "gt": 1}.get(spec.test, 0)
        return str(number + step)
