"""One ``operator: {key: values}`` entry of a Condition block: how it evaluates against a
request, and how it explains itself.

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
* C4 (operator names) is in ``registry.py``, C5 (``ArnLike "*"``) in ``arn.py``, C6 (what a
  number is) in ``numeric.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..variables import Template, parse_template
from ..wildcards import Piece
from .base import Family, OperatorFamily, Tester
from .registry import FAMILIES, ParsedOperator, family_of

__all__ = ["Condition", "ConditionTrace", "ContextGet", "ContextValue", "ValueTrace"]

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
    condition: Condition | None = field(default=None, repr=False)

    @property
    def values(self) -> tuple[ValueTrace, ...]:
        return self._detail() if self._detail is not None else ()

    @property
    def written(self) -> tuple[tuple[str, str], ...]:
        """Each policy value as compared, with the text written in the policy when a variable
        made it ("red", "${aws:PrincipalTag/team}"); "" where they are the same."""
        raw = self.condition.values if self.condition is not None else self.policy_values
        return tuple(
            (shown, "" if shown == text else text)
            for shown, text in zip(self.policy_values, raw, strict=False)
        )

    @property
    def rule(self) -> str:
        """What the condition asks, in words: "aws:SourceIp must be in 10.0.0.0/8"."""
        if self.condition is None:
            return f"{self.operator} {self.key} {', '.join(self.policy_values)}"
        return self.condition.rule(self.policy_values)

    @property
    def request_words(self) -> str:
        """What the request carried for the key, in words."""
        if self.request_values is None:
            return f"the request has no {self.key}"
        if len(self.request_values) == 1:
            return f"the request's {self.key} is {self.request_values[0]}"
        return f"the request's {self.key} has the values {', '.join(self.request_values)}"

    @property
    def words(self) -> str:
        """The rule and the request's value side by side: why it held or failed.
        "aws:SourceIp must be in 10.0.0.0/8 (IpAddress), but the request's aws:SourceIp is
        203.0.113.5"."""
        joint = "and" if self.result else "but"
        return f"{self.rule} ({self.operator}), {joint} {self.request_words}"


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
    family: OperatorFamily
    test: Tester
    location: Any = None  # a Location, set by the parser
    # Explanations already given, by the request's value of the key. Without variables the
    # explanation depends on that value only, and requests repeat a few values (a region, an
    # MFA flag) whatever resource they name. Bounded: values past the limit are not kept.
    _explained: dict[ContextValue, ConditionTrace] = field(
        default_factory=dict, init=False, repr=False
    )

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
        family = family_of(spec)
        use_vars = variables_enabled and spec.accepts_variables
        templates = tuple(parse_template(v, use_vars) for v in values)
        has_variables = any(t.has_variables for t in templates)
        compiled = (
            None
            if has_variables
            else _compile_values(family, operator, tuple(t.static_pieces() for t in templates))
        )
        return cls(
            operator,
            key,
            key.lower(),
            tuple(values),
            templates,
            has_variables,
            compiled,
            family,
            family.tester(spec),
            location,
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
        return _compile_values(self.family, self.operator, tuple(resolved))

    def evaluate(self, get: ContextGet) -> bool:
        operator = self.operator
        raw = get(self.key_lower)
        if raw == "" or (raw.__class__ is tuple and _is_null(raw)):
            raw = None  # C2
        if operator.spec.family is Family.NULL:
            assert self.compiled is not None
            return any(expect is (raw is None) for expect in self.compiled if expect is not None)
        if raw is None:
            if operator.if_exists:
                return True
            if operator.set_op == "ForAllValues":
                return True
            if operator.set_op == "ForAnyValue":
                return False
            return operator.spec.negated
        policy_values = self._policy_values(get)
        test = self.test
        if operator.set_op is None:
            if raw.__class__ is tuple:
                return False  # C1
            return test(raw, policy_values)  # type: ignore[arg-type]
        values = raw if isinstance(raw, tuple) else (raw,)
        if operator.set_op == "ForAllValues":
            return all(test(v, policy_values) for v in values)
        return any(test(v, policy_values) for v in values)

    # -- words ----------------------------------------------------------------------------------

    def rule(self, shown: Sequence[str] | None = None) -> str:
        """What the condition asks, in a learner's words ("aws:SourceIp must be in
        10.0.0.0/8"); ``shown``: the policy values after variable substitution."""
        if not self.has_variables:
            return _static_rule(self)
        return self._rule(shown)

    def _rule(self, shown: Sequence[str] | None = None) -> str:
        operator = self.operator
        phrase = self.family.requirement(operator.spec, tuple(shown or self.values))
        if operator.set_op == "ForAllValues":
            text = f"every value of {self.key} must {phrase}"
        elif operator.set_op == "ForAnyValue":
            text = f"at least one value of {self.key} must {phrase}"
        else:
            text = f"{self.key} must {phrase}"
        if operator.if_exists:
            text = f"if present, {text}"
        return text

    def explain(self, get: ContextGet) -> ConditionTrace:
        """How the condition meets the request, in words (what :meth:`evaluate` decides)."""
        if self.has_variables:
            return self._explain(get)
        raw = get(self.key_lower)
        found = self._explained.get(raw)
        if found is None:
            found = self._explain(get)
            if len(self._explained) < _EXPLAINED_LIMIT:
                self._explained[raw] = found
        return found

    def _explain(self, get: ContextGet) -> ConditionTrace:
        operator = self.operator
        spec = operator.spec
        op = operator.written
        raw = get(self.key_lower)
        result = self.evaluate(get)
        if _is_null(raw):
            raw = None
        shown = self._shown_policy_values(get) if self.has_variables else self.values
        if spec.family is Family.NULL:
            present = raw is not None
            reason = (
                f"{self.key} is {'present in' if present else 'absent from'} the request; "
                f'Null "true" asks for an absent key, Null "false" for a present one'
            )
            request_values = None if raw is None else (raw if isinstance(raw, tuple) else (raw,))
            return ConditionTrace(
                op, self.key, shown, request_values, result, reason, False, None, self
            )
        if raw is None:
            return ConditionTrace(
                op, self.key, shown, None, result, _missing_reason(self), True, None, self
            )
        policy_values = self._policy_values(get)
        if operator.set_op is None and isinstance(raw, tuple):
            reason = (
                f"{self.key} has several values in the request; a plain operator does not "
                f"match a multivalued key (use ForAllValues: or ForAnyValue:)"
            )
            return ConditionTrace(op, self.key, shown, raw, result, reason, False, None, self)
        values = raw if isinstance(raw, tuple) else (raw,)

        def detail() -> tuple[ValueTrace, ...]:
            return tuple(self._trace_value(v, policy_values, shown) for v in values)

        reason = _PRESENT_REASONS[operator.set_op or ("negated" if spec.negated else ""), result]
        family = self.family
        if spec.family in _TYPED and any(family.parse_request(v) is None for v in values):
            reason += f" (a value that is not {family.value_words} matches nothing)"
        return ConditionTrace(op, self.key, shown, values, result, reason, False, detail, self)

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
        self, value: str, policy_values: tuple[Any, ...], shown: tuple[str, ...]
    ) -> ValueTrace:
        family = self.family
        spec = self.operator.spec
        result = self.test(value, policy_values)
        if family.parse_request(value) is None:
            return ValueTrace(
                value, (), result, f"'{value}' is not a valid {spec.family.value} value"
            )
        matched = tuple(
            shown[i]
            for i, p in enumerate(policy_values)
            if p is not None and family.matches(spec, value, p)
        )
        return ValueTrace(value, matched, result)


# How many request values a condition keeps the explanation of.
_EXPLAINED_LIMIT = 64

# Why a condition on a key the request carries held or failed: by set operator (or plain,
# or negated plain operator) and result.
_PRESENT_REASONS = {
    ("ForAllValues", True): "every request value satisfies the operator",
    ("ForAllValues", False): "at least one request value does not satisfy the operator",
    ("ForAnyValue", True): "at least one request value satisfies the operator",
    ("ForAnyValue", False): "no request value satisfies the operator",
    ("negated", True): "the request value matches none of the policy values",
    ("negated", False): "the request value matches a policy value",
    ("", True): "the request value matches a policy value",
    ("", False): "the request value matches none of the policy values",
}

# The families that read a request value as their own type (C3: a value that is not one
# matches nothing); for the others every string is a value.
_TYPED = frozenset(
    name
    for name, family in FAMILIES.items()
    if type(family).parse_request is not OperatorFamily.parse_request
)


def _missing_reason(condition: Condition) -> str:
    """Why a condition held or failed on a key the request does not carry."""
    operator = condition.operator
    key = condition.key
    if operator.if_exists:
        return f"{key} is not in the request, and ...IfExists treats that as true"
    if operator.set_op == "ForAllValues":
        return (
            f"{key} is not in the request; ForAllValues is true when there "
            f"are no values (add a Null check to prevent this)"
        )
    if operator.set_op == "ForAnyValue":
        return f"{key} is not in the request; ForAnyValue needs at least one value"
    if operator.spec.negated:
        return (
            f"{key} is not in the request; a negated operator ({operator.spec.name}) "
            f"is true when the key is missing"
        )
    return f"{key} is not in the request, so {operator.spec.name} is false"


@functools.lru_cache(maxsize=8192)
def _static_rule(condition: Condition) -> str:
    """A condition without variables always asks the same thing: its words, written once."""
    return condition._rule()


def _compile_values(
    family: OperatorFamily,
    operator: ParsedOperator,
    pieces_list: tuple[tuple[Piece, ...] | None, ...],
) -> tuple[Any, ...]:
    """Turn policy values into what the operator compares against (None: matches nothing)."""
    spec = operator.spec
    return tuple(None if pieces is None else family.compile(spec, pieces) for pieces in pieces_list)
