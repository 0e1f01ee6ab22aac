"""Date operators: DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals)
(reference_policies_elements_condition_operators, "Date condition operators": dates use the
W3C profile of ISO 8601, YYYY, YYYY-MM, YYYY-MM-DD, with hh:mm, hh:mm:ss or hh:mm:ss.s and a
time zone designator, or epoch (UNIX) time)."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from .base import Family, OperatorFamily, OperatorSpec, compare_words

_DATE = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?)?"
)
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")


@functools.lru_cache(maxsize=4096)
def parse_date(value: str) -> int | None:
    """Microseconds since the epoch for a W3C ISO-8601 date or epoch seconds; None if invalid."""
    value = value.strip()
    if _EPOCH.fullmatch(value) and (len(value) != 4 or "." in value):
        try:
            return int(Decimal(value) * 1_000_000)
        except InvalidOperation:
            return None
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    parts = match.groupdict()
    try:
        fraction = (parts["f"] or "0")[:6].ljust(6, "0")
        moment = dt.datetime(
            int(parts["y"]),
            int(parts["mo"] or 1),
            int(parts["d"] or 1),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            int(fraction),
        )
    except ValueError:
        return None
    offset = 0
    tz = parts["tz"]
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    seconds = calendar.timegm(moment.timetuple()) - offset
    return seconds * 1_000_000 + moment.microsecond


def format_date(micros: int) -> str:
    m = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=micros)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


class DateFamily(OperatorFamily):
    family = Family.DATE
    operators = (
        OperatorSpec("DateEquals", Family.DATE, "eq", False),
        OperatorSpec("DateNotEquals", Family.DATE, "eq", True),
        OperatorSpec("DateLessThan", Family.DATE, "lt", False),
        OperatorSpec("DateLessThanEquals", Family.DATE, "le", False),
        OperatorSpec("DateGreaterThan", Family.DATE, "gt", False),
        OperatorSpec("DateGreaterThanEquals", Family.DATE, "ge", False),
    )
    value_words = "an ISO 8601 date or epoch time"

    def parse_policy(self, text: str) -> Any:
        return parse_date(text)

    def parse_request(self, value: str) -> Any:
        return parse_date(value)

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        moment = parse_date(value)
        if moment is None:
            return False
        test = spec.test
        if test == "eq":
            return bool(moment == policy)
        if test == "lt":
            return bool(moment < policy)
        if test == "le":
            return bool(moment <= policy)
        if test == "gt":
            return bool(moment > policy)
        return bool(moment >= policy)

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        words = {"lt": "before", "le": "at or before", "gt": "after", "ge": "at or after"}
        return compare_words(spec, values, words)

    def satisfying(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        first = super().satisfying(spec, values)
        moment = parse_date(first)
        if moment is None:
            raise ValueError(f"{first!r} is not a date")
        step = {"lt": -1_000_000, "gt": 1_000_000}.get(spec.test, 0)
        if step == 0:
            return first
        if _EPOCH.fullmatch(first.strip()):
            return _epoch_text(moment + step)
        try:
            return format_date(moment + step)
        except OverflowError:  # past 9999-12-31 or before year 1: only epoch time says it
            return _epoch_text(moment + step)


def _epoch_text(micros: int) -> str:
    """Epoch seconds that :func:`parse_date` reads back as epoch time: four digits alone
    would be a year, so those get a decimal point."""
    seconds, rest = divmod(micros, 1_000_000)
    text = str(seconds) if rest == 0 else str(Decimal(micros) / 1_000_000)
    return f"{text}.0" if len(text) == 4 and "." not in text else text
