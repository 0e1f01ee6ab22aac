"""Properties that must hold for any policies: generated with hypothesis.

* the fast path (``decide``) and the explaining path (``evaluate``) always agree;
* an explicit Deny of everything in an identity policy wins for every IAM principal
  (policy evaluation logic, step 1), except sts:GetCallerIdentity, which nothing can deny;
* SCPs and boundaries only ever take permissions away (they never grant);
* the explanation names deciding statements exactly when the decision needs them.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlab.policy import Request, decide, evaluate, parse_policy
from iamlab.policy.model import ResourceEntry, ResourceSpec

ACCOUNTS = ["111122223333", "444455556666"]
PRINCIPALS = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/dev/bob",
    "arn:aws:sts::111122223333:assumed-role/Admin/alice",
    "arn:aws:sts::444455556666:assumed-role/Auditor/carol",
    "arn:aws:iam::444455556666:user/dave",
    "arn:aws:iam::111122223333:root",
]
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:CreateUser",
    "sts:AssumeRole",
    "kms:Decrypt",
    "ec2:RunInstances",
    "sts:GetCallerIdentity",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/a/b.txt",
    "arn:aws:iam::111122223333:role/Admin",
    "arn:aws:iam::111122223333:user/new",
    "arn:aws:kms:us-east-1:111122223333:key/abcd",
    "arn:aws:s3:::other/x",
]
ACTION_PATTERNS = [
    "*",
    "s3:*",
    "s3:Get*",
    "s3:?utObject",
    "iam:*",
    "sts:AssumeRole",
    "kms:*",
    "ec2:Run*",
]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::${aws:username}/*",
    "arn:aws:iam::*:role/*",
    "arn:aws:kms:*:111122223333:key/*",
]
CONDITIONS = [
    None,
    {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"StringNotEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": "team*"}},
    {"Null": {"aws:SourceIp": "true"}},
]
CONTEXTS = [
    {},
    {"aws:MultiFactorAuthPresent": True, "aws:SourceIp": "203.0.113.5"},
    {"aws:MultiFactorAuthPresent": False, "aws:RequestedRegion": "us-east-1"},
    {"aws:TagKeys": ["team", "cost"], "aws:RequestedRegion": "eu-west-1"},
]


@st.composite
def statements(draw, principal: bool = False):
    out = {
        "Effect": draw(st.sampled_from(["Allow", "Deny"])),
        "Action": draw(
            st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3, unique=True)
        ),
    }
    if principal:
        out["Principal"] = draw(
            st.sampled_from(
                [
                    "*",
                    {"AWS": "111122223333"},
                    {"AWS": "arn:aws:iam::444455556666:root"},
                    {"AWS": "arn:aws:iam::111122223333:user/alice"},
                    {"AWS": "arn:aws:iam::111122223333:role/Admin"},
                    {"AWS": "arn:aws:sts::111122223333:assumed-role/Admin/alice"},
                ]
            )
        )
    out["Resource"] = draw(st.sampled_from(RESOURCE_PATTERNS))
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        out["Condition"] = condition
    return out


def documents(principal: bool = False):
    return st.lists(statements(principal), min_size=1, max_size=4).map(
        lambda s: json.dumps({"Version": "2012-10-17", "Statement": s})
    )


@st.composite
def scenarios(draw):
    identity = [parse_policy(t) for t in draw(st.lists(documents(), max_size=3))]
    resource_policy = None
    if draw(st.booleans()):
        resource_policy = parse_policy(draw(documents(principal=True)), type="resource")
    boundary = parse_policy(draw(documents()), type="boundary") if draw(st.booleans()) else None
    session = [parse_policy(draw(documents()), type="session")] if draw(st.booleans()) else []
    scps = [[parse_policy(t, type="scp")] for t in draw(st.lists(documents(), max_size=2))]
    request = Request(
        draw(st.sampled_from(PRINCIPALS)),
        draw(st.sampled_from(ACTIONS)),
        draw(st.sampled_from(RESOURCES)),
        context=draw(st.sampled_from(CONTEXTS)),
    )
    kwargs = {
        "identity": identity,
        "resource_policy": resource_policy,
        "boundary": boundary,
        "session": session,
        "scps": scps,
    }
    return request, kwargs


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(scenarios())
def test_fast_and_explaining_paths_agree(scenario):
    request, kwargs = scenario
    result = evaluate(request, **kwargs)
    assert decide(request, **kwargs) == result.decision
    assert result.reason
    if result.decision == "explicitDeny":
        assert result.matched
        assert all(not m.statement.is_allow for m in result.matched)
    if result.decision == "implicitDeny":
        assert not result.matched


@SETTINGS
@given(scenarios())
def test_deny_everything_wins(scenario):
    request, kwargs = scenario
    deny_all = parse_policy(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}'
    )
    result = evaluate(request, **{**kwargs, "identity": [*kwargs["identity"], deny_all]})
    if request.action == "sts:GetCallerIdentity":
        assert result.decision == "allowed"
    elif request.caller.kind.value != "root user":
        assert result.decision == "explicitDeny"


@SETTINGS
@given(scenarios())
def test_guardrails_never_grant(scenario):
    request, kwargs = scenario
    without = decide(request, **{**kwargs, "boundary": None, "scps": []})
    with_guardrails = decide(request, **kwargs)
    if without != "allowed":
        assert with_guardrails != "allowed"


# Pieces of Resource entries and of the ARNs asked about: wildcards in every part of the ARN,
# trailing and inner; the literal ${*} and ${?} of a policy with variables; a variable.
ARN_PIECES = ["arn", ":", "aws", "s3", "b", "x/", "/", "-", "\n"]
ENTRY_PIECES = [*ARN_PIECES * 3, "*", "?", "${*}", "${?}", "${aws:username}"]


def entry_pieces():
    """Mostly plain text, half of the time ending in the commonest wildcard, a trailing *."""
    pieces = st.lists(st.sampled_from(ENTRY_PIECES), max_size=7)
    return pieces.flatmap(lambda p: st.sampled_from([p, [*p, "*"]]))


@st.composite
def asked(draw, entries: list[list[str]]) -> str:
    """An ARN to ask about: mostly one an entry could match, a wildcard standing for some
    pieces (or for a colon, or nothing), with a piece sometimes changed, dropped or added."""
    if not entries or draw(st.integers(0, 4)) == 0:
        return "".join(draw(st.lists(st.sampled_from([*ARN_PIECES, "*", "?"]), max_size=10)))
    out = []
    for piece in draw(st.sampled_from(entries)):
        if piece in ("*", "?", "${aws:username}"):
            out.extend(draw(st.lists(st.sampled_from([*ARN_PIECES, "*"]), max_size=3)))
        elif piece in ("${*}", "${?}"):
            out.append(draw(st.sampled_from([piece[2], piece, "b"])))
        else:
            out.append(piece if draw(st.integers(0, 5)) else draw(st.sampled_from(ARN_PIECES)))
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(ARN_PIECES)))
    return "".join(out)


@SETTINGS
@given(
    entries=st.lists(entry_pieces(), max_size=3),
    data=st.data(),
    negated=st.booleans(),
    variables=st.booleans(),
)
def test_a_resource_element_compiled_as_one_test_matches_as_its_entries_do(
    entries, data, negated, variables
):
    """Resource / NotResource compiles its entries into one test (a set of exact ARNs,
    prefixes, one regex): it must answer as matching entry by entry does
    (reference_policies_elements_resource)."""
    built = tuple(ResourceEntry.build("".join(pieces), variables) for pieces in entries)
    spec = ResourceSpec(built, negated)
    arn = data.draw(asked(entries))

    def lookup(key: str) -> str | None:
        return "x/*" if key == "aws:username" else None

    expected = any(entry.matches(arn, lookup) for entry in built) != negated
    assert spec.matches(arn, lookup) == expected


@pytest.mark.parametrize(
    ("entry", "arn", "expected"),
    [
        # ${*} and ${?} are literal characters, never wildcards (reference_policies_variables).
        ("${*}", "*", True),
        ("${*}", "arn:aws:s3:::b", False),
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::b/${*}", "arn:aws:s3:::b/k", False),
        ("arn:aws:s3:::b/${?}", "arn:aws:s3:::b/k", False),
        # A trailing * crosses colons and slashes, in the resource part and before it.
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/k:x/y", True),
        ("arn:aws:s3:*", "arn:aws:s3:us-east-1:111122223333:x", True),
        ("arn:aws:s3:::b", "arn:aws:s3:::b", True),
        ("arn:aws:s3:::b", "arn:aws:s3:::B", False),  # ARNs are case-sensitive
        ("arn:aws:s3:::b/*", "arn:aws:s3:::B/k", False),
        # A wildcard inside an ARN part stays inside it; one ending the part may cross.
        ("arn:aws:ec2:eu-*-1:111122223333:i/*", "arn:aws:ec2:eu-a:b-1:111122223333:i/x", False),
        ("arn:aws:ec2:eu-*-1:111122223333:i/*", "arn:aws:ec2:eu-west-1:111122223333:i/x", True),
        ("arn:aws:ec2:*:111122223333:i/*", "arn:aws:ec2:a:b:111122223333:i/x", True),
        ("arn:aws:s3:::b?", "arn:aws:s3:::bc", True),
        ("arn:aws:s3:::b?", "arn:aws:s3:::b", False),
    ],
)
def test_a_compiled_resource_test_keeps_the_wildcard_rules(entry, arn, expected):
    for variables in (True, False):
        if not variables and "${" in entry:
            continue
        built = ResourceEntry.build(entry, variables)
        for negated in (False, True):
            spec = ResourceSpec((built,), negated)
            assert spec.matches(arn, lambda _key: None) == (expected != negated)
            assert built.matches(arn, lambda _key: None) == expected
