"""STS rules a first reading of the AWS pages missed: the source identity in role chaining, a
user's permissions boundary under a trust policy naming the user, the one-hour limit for
GetSessionToken credentials, and the reserved ``aws:`` tag prefix.

Every case names the AWS page it comes from: the STS API Reference
(https://docs.aws.amazon.com/STS/latest/APIReference/<page>.html) for API_* pages, the IAM
User Guide (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>.html) for the others, and
the AWS Knowledge Center (https://repost.aws/knowledge-center/<page>) for iam-role-chaining-limit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from iamlab.policy import (
    CallerSpec,
    Policy,
    PolicyType,
    RoleSpec,
    Session,
    StsDenied,
    UserSession,
    assume_role,
    assume_role_with_web_identity,
    get_federation_token,
    get_session_token,
    parse_policy,
)

from .casekit import Doc, allow, aws, trust

A = "111111111111"
B = "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
DEV_ROLE = f"arn:aws:iam::{A}:role/Dev"
DEV_SESSION = f"arn:aws:sts::{A}:assumed-role/Dev/alice"
TARGET_A = f"arn:aws:iam::{A}:role/Target"
TARGET_B = f"arn:aws:iam::{B}:role/Target"
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)

SOURCE_ID = "id_credentials_temp_control-access_monitor"
TRUST_EDIT = "id_roles_update-role-trust-policy"
CHAIN_LIMIT = "iam-role-chaining-limit"
TAG_RULES = "id_tags"
SESSION_TAGS = "id_session-tags"
CHAINING = "id_roles_terms-and-concepts"

CHAIN_TEXT = (
    "ValidationError: The requested DurationSeconds exceeds the 1 hour session limit for roles "
    "assumed by role chaining."
)
ASSUME_AND_SET = ["sts:AssumeRole", "sts:SetSourceIdentity"]


def parse(document: Doc, type_: PolicyType = PolicyType.IDENTITY) -> Policy:
    return parse_policy(json.dumps(document), type=type_)


@dataclass
class Case:
    id: str
    source: str
    expected: str  # "ok" or the StsDenied check
    principal: str = ALICE
    identity: list[Doc] = field(default_factory=lambda: [allow("sts:*")])
    boundary: Doc | None = None
    context: dict[str, Any] = field(default_factory=dict)
    temporary: bool = False
    role_arn: str = TARGET_A
    trust_doc: Doc = field(default_factory=lambda: trust(aws(ALICE)))
    max_session: int = 43200
    kwargs: dict[str, Any] = field(default_factory=dict)
    side: str | None = None
    parameter: str | None = None
    aws_text: str = ""

    def __str__(self) -> str:
        return self.id


# A role session of Dev whose source identity was set earlier in the chain.
CHAINED: dict[str, Any] = {
    "principal": DEV_SESSION,
    "context": {"aws:SourceIdentity": "alice"},
    "temporary": True,
}

CASES = [
    # 1. In role chaining the source identity passes on, so sts:SetSourceIdentity is needed in
    #    the caller's permissions and in the next role's trust policy, even unasked.
    Case("chained-source-identity-needs-set-source-identity-in-trust", SOURCE_ID,
         "source-identity", trust_doc=trust(aws(DEV_ROLE)), side="trust-policy", **CHAINED),
    Case("chained-source-identity-needs-it-in-caller-permissions", SOURCE_ID, "source-identity",
         identity=[allow("sts:AssumeRole")], role_arn=TARGET_B,
         trust_doc=trust(aws(DEV_ROLE), ASSUME_AND_SET), side="caller", **CHAINED),
    Case("chained-source-identity-both-allow", SOURCE_ID, "ok", role_arn=TARGET_B,
         trust_doc=trust(aws(DEV_ROLE), ASSUME_AND_SET), **CHAINED),
    Case("chained-source-identity-trust-checks-its-value", SOURCE_ID, "trust-policy",
         trust_doc=trust(aws(DEV_ROLE), ASSUME_AND_SET,
                         condition={"StringEquals": {"sts:SourceIdentity": "bob"}}),
         side="trust-policy", **CHAINED),
    Case("chained-without-source-identity-needs-no-set-source-identity", CHAINING, "ok",
         principal=DEV_SESSION, temporary=True, trust_doc=trust(aws(DEV_ROLE))),
    # 2. A trust policy naming an IAM user: the user's boundary must allow sts:AssumeRole.
    Case("trust-names-user-boundary-lacks-assume-role", TRUST_EDIT, "caller-permission",
         identity=[], boundary=allow("s3:*"), side="caller"),
    Case("trust-names-user-boundary-allows-assume-role", TRUST_EDIT, "ok", identity=[],
         boundary=allow("sts:AssumeRole")),
    Case("trust-names-user-no-boundary", TRUST_EDIT, "ok", identity=[]),
    # 3. GetSessionToken credentials that assume a role are held to one hour.
    Case("session-token-credentials-two-hours-refused", CHAIN_LIMIT, "duration",
         temporary=True, kwargs={"duration_seconds": 7200}, parameter="durationSeconds",
         aws_text=CHAIN_TEXT),
    Case("session-token-credentials-3601-seconds-refused", CHAIN_LIMIT, "duration",
         temporary=True, kwargs={"duration_seconds": 3601}, aws_text=CHAIN_TEXT),
    Case("session-token-credentials-one-hour", CHAIN_LIMIT, "ok", temporary=True,
         kwargs={"duration_seconds": 3600}),
    Case("long-term-keys-twelve-hours", "API_AssumeRole", "ok",
         kwargs={"duration_seconds": 43200}),
    # 4. Session tags cannot begin with aws: (id_session-tags follows the id_tags rules).
    Case("tag-key-aws-prefix", TAG_RULES, "input", kwargs={"tags": {"aws:team": "red"}},
         parameter="tags.member.key", aws_text="cannot begin with aws:"),
    Case("tag-value-aws-prefix", TAG_RULES, "input", kwargs={"tags": {"team": "aws:red"}},
         parameter="tags.member.value", aws_text="cannot begin with aws:"),
    Case("tag-key-upper-case-aws-prefix", TAG_RULES, "input",
         kwargs={"tags": {"AWS:team": "red"}}, parameter="tags.member.key"),
    Case("tag-key-aws-inside-is-fine", TAG_RULES, "ok",
         trust_doc=trust(aws(ALICE), ["sts:AssumeRole", "sts:TagSession"]),
         kwargs={"tags": {"team:aws": "red"}}),
]  # fmt: skip


def caller_spec(case: Case) -> CallerSpec:
    return CallerSpec(
        case.principal,
        identity=tuple(parse(d) for d in case.identity),
        boundary=parse(case.boundary, PolicyType.BOUNDARY) if case.boundary else None,
        context=case.context,
        session_issuer=DEV_ROLE if case.principal == DEV_SESSION else None,
        temporary=case.temporary,
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_assume_role(case: Case) -> None:
    trust_policy = parse(case.trust_doc, PolicyType.TRUST)
    role = RoleSpec(case.role_arn, trust_policy, max_session_seconds=case.max_session)
    result = assume_role(caller_spec(case), role, "s1", now=NOW, **case.kwargs)
    label = f"{case.id} ({case.source})"
    if case.expected == "ok":
        assert isinstance(result, Session), f"{label}: {getattr(result, 'message', result)}"
        if "aws:SourceIdentity" in case.context:
            assert result.source_identity == case.context["aws:SourceIdentity"]
        return
    assert isinstance(result, StsDenied), f"{label}: expected a refusal"
    assert result.check == case.expected, f"{label}: {result.check}: {result.message}"
    if case.side is not None:
        assert result.side == case.side, label
    if case.parameter is not None:
        assert result.parameter == case.parameter, label
    assert case.aws_text in result.aws_error, result.aws_error
    assert result.message


def test_session_token_then_assume_role_is_held_to_one_hour() -> None:
    """iam-role-chaining-limit: a user who calls GetSessionToken (with MFA, from the CLI) and
    then AssumeRole with those credentials gets at most one hour."""
    user = CallerSpec(ALICE, identity=(parse(allow("sts:AssumeRole")),))
    token = get_session_token(user, now=NOW)
    assert isinstance(token, UserSession)
    role = RoleSpec(TARGET_A, parse(trust(aws(ALICE)), PolicyType.TRUST), 43200)
    refused = assume_role(token.as_caller(), role, "s1", now=NOW, duration_seconds=7200)
    assert isinstance(refused, StsDenied)
    assert refused.check == "duration"
    assert refused.aws_error == CHAIN_TEXT
    assert "GetSessionToken" in refused.message
    session = assume_role(token.as_caller(), role, "s1", now=NOW, duration_seconds=3600)
    assert isinstance(session, Session)
    assert not session.chained  # the caller is the IAM user, not a role session


def test_get_federation_token_refuses_aws_prefixed_tags() -> None:
    """id_session-tags: the tag rules hold for GetFederationToken's session tags too."""
    user = CallerSpec(ALICE, identity=(parse(allow("sts:*")),))
    refused = get_federation_token(user, "carol", now=NOW, tags={"aws:cost": "7"})
    assert isinstance(refused, StsDenied)
    assert refused.check == "input"
    assert refused.parameter == "tags.member.key"


def test_web_identity_token_refuses_aws_prefixed_tags() -> None:
    """id_session-tags: tags in a web identity token follow the same rules."""
    claims = {
        "iss": "https://accounts.google.com",
        "aud": "client-1",
        "sub": "1234567890",
        "exp": int((NOW + dt.timedelta(minutes=10)).timestamp()),
        "https://aws.amazon.com/tags": {"principal_tags": {"aws:team": ["red"]}},
    }
    role = RoleSpec(
        TARGET_A,
        parse(
            trust(
                {"Federated": "accounts.google.com"},
                ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
            ),
            PolicyType.TRUST,
        ),
    )
    refused = assume_role_with_web_identity(
        claims, role, "web", provider="accounts.google.com", now=NOW
    )
    assert isinstance(refused, StsDenied)
    assert refused.check == "input"
    assert refused.parameter == "tags.member.key"
