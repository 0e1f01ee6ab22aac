"""Condition operators, exactly as the IAM User Guide documents them.

Each operator family is one object in its own module (``string``, ``numeric``, ``date``,
``boolean``, ``binary``, ``ip``, ``arn``, ``null``), found through one registry
(``registry.FAMILIES``, ``family_of``). The evaluator, the validator, the explanation and the
access graph all ask those objects, so what a value means is written once. ``condition.py``
holds one condition's evaluation and its trace, with the numbered choices C1–C3.
"""

from .base import Family, OperatorFamily, OperatorSpec, join_or
from .boolean import parse_bool
from .condition import Condition, ConditionTrace, ContextGet, ContextValue, ValueTrace
from .date import parse_date
from .numeric import parse_number
from .registry import (
    BASE_OPERATORS,
    FAMILIES,
    SET_OPERATORS,
    ParsedOperator,
    family_of,
    parse_operator,
)

__all__ = [
    "BASE_OPERATORS",
    "FAMILIES",
    "SET_OPERATORS",
    "Condition",
    "ConditionTrace",
    "ContextGet",
    "ContextValue",
    "Family",
    "OperatorFamily",
    "OperatorSpec",
    "ParsedOperator",
    "ValueTrace",
    "family_of",
    "join_or",
    "parse_bool",
    "parse_date",
    "parse_number",
    "parse_operator",
]
