"""Properties that must hold for any policies: generated with hypothesis.

* the fast path (``decide``) and the explaining path (``evaluate``) always agree;
* an explicit Deny of everything in an identity policy wins for every IAM principal
  (policy evaluation logic, step 1), except sts:GetCallerIdentity, which nothing can deny;
* SCPs and boundaries only ever take permissions away (they never grant);
* the explanation names deciding statements exactly when the decision needs them.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlab.policy import Request, decide, evaluate, parse_policy

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
