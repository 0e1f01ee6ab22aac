"""The one registry of condition operators: each family object, and every operator's parts."""

from __future__ import annotations

from dataclasses import dataclass

from .arn import ArnFamily
from .base import Family, OperatorFamily, OperatorSpec
from .binary import BinaryFamily
from .boolean import BoolFamily
from .date import DateFamily
from .ip import IpFamily
from .null import NullFamily
from .numeric import NumericFamily
from .string import StringFamily

__all__ = [
    "BASE_OPERATORS",
    "FAMILIES",
    "SET_OPERATORS",
    "ParsedOperator",
    "family_of",
    "parse_operator",
]

FAMILIES: dict[Family, OperatorFamily] = {
    f.family: f
    for f in (
        StringFamily(),
        NumericFamily(),
        DateFamily(),
        BoolFamily(),
        BinaryFamily(),
        IpFamily(),
        ArnFamily(),
        NullFamily(),
    )
}
BASE_OPERATORS: dict[str, OperatorSpec] = {
    spec.name.lower(): spec for family in FAMILIES.values() for spec in family.operators
}
SET_OPERATORS = ("ForAllValues", "ForAnyValue")


def family_of(spec: OperatorSpec) -> OperatorFamily:
    return FAMILIES[spec.family]


@dataclass(frozen=True, slots=True)
class ParsedOperator:
    written: str
    spec: OperatorSpec
    set_op: str | None
    if_exists: bool
    canonical: str  # AWS's spelling of the whole operator

    @property
    def spelled_as_aws(self) -> bool:
        return self.written == self.canonical


def parse_operator(written: str) -> ParsedOperator | None:
    """Split ``ForAnyValue:StringLikeIfExists`` into its parts; None if AWS has no such operator.

    C4: operator names are matched case-insensitively, as iam-simulate does; the validator
    reports a spelling that differs from AWS's as an error, because IAM rejects it."""
    rest = written
    set_op: str | None = None
    prefix, sep, tail = written.partition(":")
    if sep:
        matched = [s for s in SET_OPERATORS if s.lower() == prefix.lower()]
        if not matched:
            return None
        set_op, rest = matched[0], tail
    if_exists = False
    spec = BASE_OPERATORS.get(rest.lower())
    if spec is None and rest.lower().endswith("ifexists"):
        spec = BASE_OPERATORS.get(rest[: -len("ifexists")].lower())
        if_exists = True
        if spec is not None and spec.family is Family.NULL:
            return None  # Null has no IfExists form
    if spec is None:
        return None
    canonical = (f"{set_op}:" if set_op else "") + spec.name + ("IfExists" if if_exists else "")
    return ParsedOperator(written, spec, set_op, if_exists, canonical)
