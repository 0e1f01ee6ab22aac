"""Condition operators, exactly as the IAM User Guide documents them.

Sources:
* reference_policies_elements_condition_operators (operator families, ``...IfExists``, ``Null``,
  what happens when the key is missing),
* reference_policies_condition-single-vs-multi-valued-context-keys and
  reference_policies_condition-logic-multiple-context-keys-or-values (``ForAllValues:`` /
  ``ForAnyValue:``, AND across keys and operators, OR across values),
* reference_policies_variables (which operators accept policy variables).

Decisions the docs leave open, and what iamlab does (each is tested):
* **C1. A plain operator on a multivalued request value** (a list) does not match, whether the
  operator is negated or not. AWS's docs only say multivalued keys "require" a set operator;
  iam-simulate implements "no match", confirmed at re:Inforce 2025 (IAM431).
* **C2. A null value** — an empty string, an empty list, or a list of empty strings — counts
  as the key being absent. The operators page: ForAllValues "returns true if there are no
  context keys in the request or if the context key value resolves to a null dataset, such as
  an empty string"; the condition page: Null with "false" checks that the key "exists and its
  value is not null".
* **C3. A value that cannot be read as the operator's type** (a date that is not a date, an IP
  that is not an address) matches nothing. AWS does not document this; it is what iam-simulate
  does, and the explanation reports it.
* **C4. Operator names** are matched case-insensitively, as iam-simulate does; the validator
  reports a spelling that differs from AWS's as an error, because IAM rejects it.
* **C5. ``ArnLike`` with the single pattern ``*``** matches every value (a pattern with fewer
  than six components could otherwise never match an ARN).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from .variables import Template, parse_template
from .wildcards import Piece, arn_like_regex, string_like_regex

__all__ = [
    "Condition",
    "ConditionTrace",
    "Family",
    "OperatorSpec",
    "parse_date",
    "parse_operator",
]


class Family(StrEnum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Boolean"
    BINARY = "Binary"
    IP = "IP address"
    ARN = "ARN"
    NULL = "Null"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    name: str  # AWS's spelling of the base operator, e.g. "StringNotLike"
    family: Family
    test: str  # eq, eq_ci, like, lt, le, gt, ge, arn, ip, bool, bin, null
    negated: bool

    @property
    def accepts_variables(self) -> bool:
        # reference_policies_variables: String and ARN operators, and Bool per the current guide.
        return self.family in (Family.STRING, Family.ARN, Family.BOOL)

    @property
    def accepts_wildcards(self) -> bool:
        return self.test in ("like", "arn")


_BASE_OPERATORS: tuple[OperatorSpec, ...] = (
    OperatorSpec("StringEquals", Family.STRING, "eq", False),
    OperatorSpec("StringNotEquals", Family.STRING, "eq", True),
    OperatorSpec("StringEqualsIgnoreCase", Family.STRING, "eq_ci", False),
    OperatorSpec("StringNotEqualsIgnoreCase", Family.STRING, "eq_ci", True),
    OperatorSpec("StringLike", Family.STRING, "like", False),
    OperatorSpec("StringNotLike", Family.STRING, "like", True),
    OperatorSpec("NumericEquals", Family.NUMERIC, "eq", False),
    OperatorSpec("NumericNotEquals", Family.NUMERIC, "eq", True),
    OperatorSpec("NumericLessThan", Family.NUMERIC, "lt", False),
    OperatorSpec("NumericLessThanEquals", Family.NUMERIC, "le", False),
    OperatorSpec("NumericGreaterThan", Family.NUMERIC, "gt", False),
    OperatorSpec("NumericGreaterThanEquals", Family.NUMERIC, "ge", False),
    OperatorSpec("DateEquals", Family.DATE, "eq", False),
    OperatorSpec("DateNotEquals", Family.DATE, "eq", True),
    OperatorSpec("DateLessThan", Family.DATE, "lt", False),
    OperatorSpec("DateLessThanEquals", Family.DATE, "le", False),
    OperatorSpec("DateGreaterThan", Family.DATE, "gt", False),
    OperatorSpec("DateGreaterThanEquals", Family.DATE, "ge", False),
    OperatorSpec("Bool", Family.BOOL, "bool", False),
    OperatorSpec("BinaryEquals", Family.BINARY, "bin", False),
    OperatorSpec("IpAddress", Family.IP, "ip", False),
    OperatorSpec("NotIpAddress", Family.IP, "ip", True),
    OperatorSpec("ArnEquals", Family.ARN, "arn", False),
    OperatorSpec("ArnLike", Family.ARN, "arn", False),
    OperatorSpec("ArnNotEquals", Family.ARN, "arn", True),
    OperatorSpec("ArnNotLike", Family.ARN, "arn", True),
    OperatorSpec("Null", Family.NULL, "null", False),
)
BASE_OPERATORS = {spec.name.lower(): spec for spec in _BASE_OPERATORS}
SET_OPERATORS = ("ForAllValues", "ForAnyValue")


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
    """Split ``ForAnyValue:StringLikeIfExists`` into its parts; None if AWS has no such operator."""
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


# --- value parsing --------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<y>\d{4})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?)?"
)
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?")


@functools.lru_cache(maxsize=4096)
def parse_date(value: str) -> int | None:
    """Microseconds since the epoch for a W3C ISO-8601 date or epoch seconds; None if invalid.

    Source: reference_policies_elements_condition_operators, "Date condition operators": dates
    use the W3C profile of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, with hh:mm, hh:mm:ss or
    hh:mm:ss.s and a time zone designator) or epoch (UNIX) time.
    """
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


@functools.lru_cache(maxsize=4096)
def _parse_decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@functools.lru_cache(maxsize=4096)
def _parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _parse_bool(value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


def _parse_binary(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


_PARSERS: dict[Family, Callable[[str], Any]] = {
    Family.NUMERIC: _parse_decimal,
    Family.DATE: parse_date,
    Family.BOOL: _parse_bool,
    Family.BINARY: _parse_binary,
    Family.IP: _parse_network,
}
_REQUEST_PARSERS: dict[Family, Callable[[str], Any]] = {
    Family.NUMERIC: _parse_decimal,
    Family.DATE: parse_date,
    Family.BOOL: _parse_bool,
    Family.BINARY: _parse_binary,
    Family.IP: _parse_address,
}

# A context lookup: lower-cased key -> a string, a tuple of strings (multivalued), or None.
ContextValue = str | tuple[str, ...] | None
ContextGet = Callable[[str], ContextValue]


def _scalar_lookup(get: ContextGet) -> Callable[[str], str | None]:
    def lookup(key: str) -> str | None:
        value = get(key)
        return value if isinstance(value, str) else None

    return lookup


@dataclass(slots=True)
class ValueTrace:
    request_value: str
    matched_policy_values: tuple[str, ...]
    result: bool
    note: str = ""


@dataclass(slots=True)
class ConditionTrace:
    """How one condition (one operator and one key) evaluated, for the explanation."""

    operator: str
    key: str
    policy_values: tuple[str, ...]  # after variable substitution ("<no value>" if none)
    request_values: tuple[str, ...] | None  # None: the key is not in the request
    result: bool
    reason: str
    missing: bool
    # Per request value, which policy values it matched: computed only when asked for.
    _detail: Callable[[], tuple[ValueTrace, ...]] | None = field(default=None, repr=False)

    @property
    def values(self) -> tuple[ValueTrace, ...]:
        return self._detail() if self._detail is not None else ()


def _is_null(value: ContextValue) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, tuple) and all(v == "" for v in value)


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """One ``operator: {key: values}`` entry of a Condition block."""

    operator: ParsedOperator
    key: str
    key_lower: str
    values: tuple[str, ...]
    templates: tuple[Template, ...]
    has_variables: bool
    # Pre-compiled policy values when no variable is involved (else None, compiled per request).
    compiled: tuple[Any, ...] | None
    location: Any = None  # a Location, set by the parser

    @classmethod
    def build(
        cls,
        operator: ParsedOperator,
        key: str,
        values: Sequence[str],
        variables_enabled: bool,
        location: Any = None,
    ) -> Condition:
        spec = operator.spec
        use_vars = variables_enabled and spec.accepts_variables
        templates = tuple(parse_template(v, use_vars) for v in values)
        has_variables = any(t.has_variables for t in templates)
        compiled = (
            None
            if has_variables
            else _compile_values(spec, tuple(t.static_pieces() for t in templates))
        )
        return cls(
            operator, key, key.lower(), tuple(values), templates, has_variables, compiled, location
        )

    # -- evaluation ---------------------------------------------------------------------------

    def _policy_values(self, get: ContextGet) -> tuple[Any, ...]:
        if self.compiled is not None:
            return self.compiled
        lookup = _scalar_lookup(get)
        resolved: list[tuple[Piece, ...] | None] = []
        for template in self.templates:
            pieces, _ = template.resolve(lookup)
            resolved.append(pieces)
        return _compile_values(self.operator.spec, tuple(resolved))

    def evaluate(self, get: ContextGet) -> bool:
        spec = self.operator.spec
        raw = get(self.key_lower)
        if raw == "" or (raw.__class__ is tuple and _is_null(raw)):
            raw = None  # C2
        if spec.family is Family.NULL:
            assert self.compiled is not None
            return any(expect is (raw is None) for expect in self.compiled if expect is not None)
        if raw is None:
            if self.operator.if_exists:
                return True
            if self.operator.set_op == "ForAllValues":
                return True
            if self.operator.set_op == "ForAnyValue":
                return False
            return spec.negated
        policy_values = self._policy_values(get)
        if self.operator.set_op is None:
            if isinstance(raw, tuple):
                return False  # C1
            return _test(spec, raw, policy_values)
        values = raw if isinstance(raw, tuple) else (raw,)
        if self.operator.set_op == "ForAllValues":
            return all(_test(spec, v, policy_values) for v in values)
        return any(_test(spec, v, policy_values) for v in values)

    def explain(self, get: ContextGet) -> ConditionTrace:
        spec = self.operator.spec
        op = self.operator.written
        raw = get(self.key_lower)
        result = self.evaluate(get)
        if _is_null(raw):
            raw = None
        shown = self._shown_policy_values(get)
        if spec.family is Family.NULL:
            present = raw is not None
            reason = (
                f"{self.key} is {'present in' if present else 'absent from'} the request; "
                f'Null "true" asks for an absent key, Null "false" for a present one'
            )
            request_values = None if raw is None else (raw if isinstance(raw, tuple) else (raw,))
            return ConditionTrace(
                op, self.key, shown, request_values, result, reason, missing=False
            )
        if raw is None:
            if self.operator.if_exists:
                reason = f"{self.key} is not in the request, and ...IfExists treats that as true"
            elif self.operator.set_op == "ForAllValues":
                reason = (
                    f"{self.key} is not in the request; ForAllValues is true when there "
                    f"are no values (add a Null check to prevent this)"
                )
            elif self.operator.set_op == "ForAnyValue":
                reason = f"{self.key} is not in the request; ForAnyValue needs at least one value"
            elif spec.negated:
                reason = (
                    f"{self.key} is not in the request; a negated operator ({spec.name}) "
                    f"is true when the key is missing"
                )
            else:
                reason = f"{self.key} is not in the request, so {spec.name} is false"
            return ConditionTrace(op, self.key, shown, None, result, reason, missing=True)
        policy_values = self._policy_values(get)
        if self.operator.set_op is None and isinstance(raw, tuple):
            reason = (
                f"{self.key} has several values in the request; a plain operator does not "
                f"match a multivalued key (use ForAllValues: or ForAnyValue:)"
            )
            return ConditionTrace(op, self.key, shown, raw, result, reason, missing=False)
        values = raw if isinstance(raw, tuple) else (raw,)

        def detail() -> tuple[ValueTrace, ...]:
            return tuple(self._trace_value(spec, v, policy_values, shown) for v in values)

        if self.operator.set_op == "ForAllValues":
            reason = (
                "every request value satisfies the operator"
                if result
                else "at least one request value does not satisfy the operator"
            )
        elif self.operator.set_op == "ForAnyValue":
            reason = (
                "at least one request value satisfies the operator"
                if result
                else "no request value satisfies the operator"
            )
        elif spec.negated:
            reason = (
                "the request value matches none of the policy values"
                if result
                else "the request value matches a policy value"
            )
        else:
            reason = (
                "the request value matches a policy value"
                if result
                else "the request value matches none of the policy values"
            )
        return ConditionTrace(op, self.key, shown, values, result, reason, False, detail)

    def _shown_policy_values(self, get: ContextGet) -> tuple[str, ...]:
        if not self.has_variables:
            return self.values
        lookup = _scalar_lookup(get)
        shown: list[str] = []
        for template in self.templates:
            rendered = template.render(lookup)
            shown.append(
                rendered
                if rendered is not None
                else f"{template.text} (no value for {', '.join(template.keys)})"
            )
        return tuple(shown)

    def _trace_value(
        self, spec: OperatorSpec, value: str, policy_values: tuple[Any, ...], shown: tuple[str, ...]
    ) -> ValueTrace:
        parser = _REQUEST_PARSERS.get(spec.family)
        if parser is not None and parser(value) is None:
            return ValueTrace(
                value,
                (),
                _test(spec, value, policy_values),
                f"'{value}' is not a valid {spec.family.value} value",
            )
        matched = tuple(
            shown[i]
            for i, p in enumerate(policy_values)
            if p is not None and _match(spec, value, p)
        )
        return ValueTrace(value, matched, _test(spec, value, policy_values))


def _compile_values(
    spec: OperatorSpec, pieces_list: tuple[tuple[Piece, ...] | None, ...]
) -> tuple[Any, ...]:
    """Turn policy values into what the operator compares against (None: matches nothing)."""
    compiled: list[Any] = []
    for pieces in pieces_list:
        if pieces is None:
            compiled.append(None)
            continue
        text = "".join(t for t, _ in pieces)
        if spec.test == "eq" and spec.family is Family.STRING:
            compiled.append(text)
        elif spec.test == "eq_ci":
            compiled.append(text.lower())
        elif spec.test == "like":
            compiled.append(string_like_regex(pieces))
        elif spec.test == "arn":
            compiled.append(
                _MATCH_ALL if text == "*" and not pieces[0][1] else arn_like_regex(pieces)
            )
        elif spec.family is Family.NULL:
            compiled.append(_parse_bool(text))
        else:
            compiled.append(_PARSERS[spec.family](text))
    return tuple(compiled)


class _MatchAll:
    def fullmatch(self, _value: str) -> bool:
        return True


_MATCH_ALL = _MatchAll()


def _match(spec: OperatorSpec, value: str, policy: Any) -> bool:
    """Does one request value match one (compiled, non-None) policy value?"""
    test = spec.test
    if test == "eq":
        if spec.family is Family.STRING:
            return bool(value == policy)
        parsed = _REQUEST_PARSERS[spec.family](value)
        return parsed is not None and bool(parsed == policy)
    if test == "eq_ci":
        return bool(value.lower() == policy)
    if test in ("like", "arn"):
        return bool(policy.fullmatch(value))
    if test == "bool":
        parsed_bool = _parse_bool(value)
        return parsed_bool is not None and parsed_bool is policy
    if test == "ip":
        address = _parse_address(value)
        return address is not None and address.version == policy.version and address in policy
    if test == "bin":
        return bool(_parse_binary(value) == policy)
    parsed = _REQUEST_PARSERS[spec.family](value)
    if parsed is None:
        return False
    if test == "lt":
        return bool(parsed < policy)
    if test == "le":
        return bool(parsed <= policy)
    if test == "gt":
        return bool(parsed > policy)
    if test == "ge":
        return bool(parsed >= policy)
    raise AssertionError(test)


def _test(spec: OperatorSpec, value: str, policy_values: tuple[Any, ...]) -> bool:
    """The operator on one request value: OR across policy values, NOR for negated operators."""
    if spec.family is Family.STRING and spec.test == "eq":
        hit = value in policy_values
    else:
        hit = any(p is not None and _match(spec, value, p) for p in policy_values)
    return not hit if spec.negated else hit
