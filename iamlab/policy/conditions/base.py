"""What every condition operator family knows, and the one shape it is asked in.

Each family (String, Numeric, Date, Bool, Binary, IP address, ARN, Null) is one object in its
own module. The evaluator, the validator, the explanation and the access graph all ask it the
same five questions, so they cannot disagree about what a value means:

* ``compile``: a policy value, as the operator compares against it (None: it can match nothing);
* ``tester``: the operator on one request value against the compiled policy values;
* ``check``: what is wrong with a policy value, in words, for the validator (None: nothing);
* ``requirement``: what the condition asks of the request, in a learner's words;
* ``satisfying``: a request value that makes the condition hold, for the access graph.

Sources: reference_policies_elements_condition_operators (each family's section).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ..wildcards import Piece

__all__ = ["Family", "OperatorFamily", "OperatorSpec", "Tester", "join_or"]


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


# The operator on one request value against the compiled policy values: OR across the policy
# values, NOR for a negated operator.
Tester = Callable[[str, tuple[Any, ...]], bool]


def join_or(values: Sequence[str], quote: bool = False) -> str:
    shown = [f'"{v}"' if quote else v for v in values]
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


class OperatorFamily:
    """One family of operators. Subclasses define the family's operators and rules."""

    family: Family
    operators: tuple[OperatorSpec, ...] = ()
    # What a valid value of the family looks like, for messages ("an integer or a decimal").
    value_words: str = ""

    def compile(self, spec: OperatorSpec, pieces: tuple[Piece, ...]) -> Any:
        """The policy value as the operator compares against it; None if it matches nothing."""
        return self.parse_policy("".join(text for text, _ in pieces))

    def parse_policy(self, text: str) -> Any:
        raise NotImplementedError

    def parse_request(self, value: str) -> Any:
        """A request value read as the family's type; None if it cannot be (C3). String-like
        families accept every value and return it unchanged."""
        return value

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        """One request value against one compiled, non-None policy value (not negated)."""
        raise NotImplementedError

    def tester(self, spec: OperatorSpec) -> Tester:
        matches = self.matches
        if spec.negated:

            def negated(value: str, policy_values: tuple[Any, ...]) -> bool:
                return not any(p is not None and matches(spec, value, p) for p in policy_values)

            return negated

        def plain(value: str, policy_values: tuple[Any, ...]) -> bool:
            return any(p is not None and matches(spec, value, p) for p in policy_values)

        return plain

    def check(self, spec: OperatorSpec, text: str) -> str | None:
        """What is wrong with a policy value (no variables in it), or None."""
        if text == "":
            # C2: an empty request value counts as no value, so nothing can equal "".
            return (
                f"an empty value never matches: a request whose key is empty counts as not "
                f"having the key, so {spec.name} is never true for it (use Null to test for "
                f"a missing key)"
            )
        if self.parse_policy(text) is None:
            return (
                f'"{text}" is not a valid {self.family.value} value ({self.value_words}), '
                f"so {spec.name} never matches it"
            )
        return None

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        """What the operator asks of the key's value, after "must": "be in 10.0.0.0/8"."""
        raise NotImplementedError

    def satisfying(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        """A request value that makes the (non-negated) operator true for the first value;
        raises ValueError when none can be made up."""
        if not values:
            raise ValueError("no values")
        return values[0]


_COMPARE_WORDS = {
    "lt": "less than",
    "le": "at most",
    "gt": "greater than",
    "ge": "at least",
}


def compare_words(
    spec: OperatorSpec, values: Sequence[str], words: dict[str, str] = _COMPARE_WORDS
) -> str:
    """ "be less than 1000", "be 5 or 6", "not be 5": a comparison, after "must"."""
    if spec.test == "eq":
        return negatable("be", spec.negated, values)
    return "be " + join_or([f"{words[spec.test]} {v}" for v in values])


def negatable(verb: str, negated: bool, values: Sequence[str]) -> str:
    """ "be X", "be X or Y", "not be X", "be none of X, Y" (after "must")."""
    if not negated:
        return f"{verb} {join_or(values)}"
    if len(values) == 1:
        return f"not {verb} {values[0]}"
    return f"{verb} none of {', '.join(values)}"
