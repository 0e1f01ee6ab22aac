"""The validator, the evaluator and the access graph read condition values through the same
operator family objects, so they agree: a value the validator calls "never matches" matches
nothing in ``evaluate()``, and a value it accepts is matched by the value the graph would
offer as satisfying it.

Source: reference_policies_elements_condition_operators (each family's value format);
choice C6 (only integers and decimals are numbers) in iamlab/policy/conditions/numeric.py.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.policy import PolicyType, Request, evaluate, parse_policy, policy_findings
from iamlab.policy.conditions import BASE_OPERATORS, family_of

# Values written the right way and the wrong way for every family, and the cases that made
# the validator and the evaluator disagree before they shared a reader.
VALUES = [
    "1000",
    "1e3",
    "-5",
    "0.5",
    ".5",
    "+5",
    "5.",
    "Infinity",
    "NaN",
    "0x10",
    "2026-01-01",
    "2026-01-01T00:00:00-05:00",
    "2026-13-01",
    "1700000000",
    "true",
    "TRUE",
    "yes",
    "10.0.0.0/8",
    "10.0.0.1",
    "2001:db8::/32",
    "999.1.1.1",
    "aGVsbG8=",
    "abc",
    "arn:aws:s3:::bucket/*",
    "*",
    "us-east-1",
    "",
]
OPERATORS = sorted(spec.name for spec in BASE_OPERATORS.values() if spec.name != "Null")
KEY = "aws:RequestTag/probe"  # a string key: no data-type warning gets in the way


def _validator_says_never(operator: str, value: str) -> bool:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {operator: {KEY: value}},
            }
        ],
    }
    _, findings = policy_findings(json.dumps(document), PolicyType.IDENTITY)
    return any(f.code == "INVALID_CONDITION_VALUE" for f in findings)


def _allowed(operator: str, policy_value: str, request_value: str) -> bool:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {operator: {KEY: policy_value}},
                }
            ],
        }
    )
    request = Request(
        principal="arn:aws:iam::111122223333:user/alice",
        action="s3:GetObject",
        resource="arn:aws:s3:::bucket/key",
        context={KEY: request_value},
    )
    return evaluate(request, identity=[policy]).allowed


def _agree(operator: str, value: str) -> None:
    spec = BASE_OPERATORS[operator.lower()]
    family = family_of(spec)
    never = _validator_says_never(operator, value)
    if never:
        # Nothing the request can carry makes a non-negated operator match the value; a
        # negated one matches every request value.
        for request_value in VALUES:
            assert _allowed(operator, value, request_value) is spec.negated, (
                operator,
                value,
                request_value,
            )
        return
    positive = (
        next(s for s in family.operators if s.test == spec.test and not s.negated)
        if spec.negated
        else spec
    )
    satisfying = family.satisfying(positive, [value])
    assert _allowed(positive.name, value, satisfying), (operator, value, satisfying)
    if spec.negated:
        assert not _allowed(operator, value, satisfying), (operator, value, satisfying)


@pytest.mark.parametrize("operator", OPERATORS)
@pytest.mark.parametrize("value", VALUES)
def test_validator_and_evaluator_agree_on_every_operator(operator: str, value: str) -> None:
    _agree(operator, value)


@settings(max_examples=150, deadline=None)
@given(
    operator=st.sampled_from(OPERATORS),
    value=st.text(alphabet="0123456789.-+:/eE*?TZafx ", max_size=20),
)
def test_validator_and_evaluator_agree_on_made_up_values(operator: str, value: str) -> None:
    _agree(operator, value)


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        # Epoch time has no year limit: a satisfying value past 9999 (or before year 1) is
        # written as epoch time, and one of four digits keeps a decimal point (not a year).
        ("DateGreaterThan", "1000000000000"),
        ("DateGreaterThan", "9999-12-31T23:59:59Z"),
        ("DateLessThan", "0001-01-01T00:00:00Z"),
        ("DateLessThan", "1001"),
        ("DateGreaterThan", "998.0"),
        ("DateLessThan", "-1.5"),
    ],
)
def test_a_satisfying_date_matches_at_the_ends_of_time(operator: str, value: str) -> None:
    _agree(operator, value)


@pytest.mark.parametrize(
    ("operator", "value", "never"),
    [
        # C6: "an integer or decimal value"; 1e3 is neither, so it is not read as 1000.
        ("NumericLessThan", "1e3", True),
        ("NumericLessThan", "1000", False),
        ("NumericEquals", "-2.5", False),
        ("NumericEquals", "Infinity", True),
        # Binary: base64 that does not decode (wrong padding) was accepted by the validator.
        ("BinaryEquals", "abc", True),
        ("BinaryEquals", "aGVsbG8=", False),
        ("DateLessThan", "2026-01-01T00:00:00-05:00", False),
        ("DateLessThan", "2026-13-01", True),
        ("IpAddress", "999.1.1.1", True),
        ("Bool", "TRUE", False),
        ("Bool", "yes", True),
    ],
)
def test_what_a_value_means(operator: str, value: str, never: bool) -> None:
    assert _validator_says_never(operator, value) is never


def test_numeric_less_than_1e3_never_allows() -> None:
    # reference_policies_elements_condition_operators: numeric operators compare "to an
    # integer or decimal value"; s3:max-keys 5 is not "less than 1e3" because 1e3 is no number.
    assert not _allowed("NumericLessThan", "1e3", "5")
    assert _allowed("NumericLessThan", "1000", "5")
