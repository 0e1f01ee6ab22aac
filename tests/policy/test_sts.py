"""AWS STS AssumeRole and GetCallerIdentity (iamlab.policy.sts).

Every case names the AWS page it comes from: the STS API Reference
(https://docs.aws.amazon.com/STS/latest/APIReference/<page>.html) for API_* pages, the IAM
User Guide (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>.html) for the others.
Account A (111111111111) holds the callers, account B (222222222222) a role trusted across
accounts.
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
    Request,
    RequestError,
    RoleSpec,
    Session,
    StsDenied,
    assume_role,
    assume_role_for_service,
    evaluate,
    get_caller_identity,
    parse_policy,
)

from .casekit import Doc, allow, aws, deny, doc, stmt, trust

A = "111111111111"
B = "222222222222"
ROOT_A = f"arn:aws:iam::{A}:root"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB = f"arn:aws:iam::{A}:user/bob"
DEV_ROLE = f"arn:aws:iam::{A}:role/Dev"
DEV_SESSION = f"arn:aws:sts::{A}:assumed-role/Dev/alice"
ADMIN_ROLE = f"arn:aws:iam::{A}:role/ops/Admin"  # a role with a path
AUDITOR_B = f"arn:aws:iam::{B}:role/Auditor"
FED = f"arn:aws:sts::{A}:federated-user/carol"
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)

ASSUME = "API_AssumeRole"
CALLER_ID = "API_GetCallerIdentity"
CHAINING = "id_roles_terms-and-concepts"
TAGS = "id_session-tags"
SOURCE_ID = "id_credentials_temp_control-access_monitor"
TEMP_REQUEST = "id_credentials_temp_request"
SESSION_POLICIES = "access_policies"
CROSS = "reference_policies_evaluation-logic-cross-account"
EXTERNAL_ID = "id_roles_create_for-user_externalid"
KEYS = "reference_policies_iam-condition-keys"
MFA = "id_credentials_mfa_configure-api-require"


def parse(document: Doc, type_: PolicyType = PolicyType.IDENTITY, name: str = "") -> Policy:
    return parse_policy(json.dumps(document), type=type_, name=name)


def role(
    arn: str = ADMIN_ROLE,
    trust_doc: Doc | None = None,
    max_session_seconds: int = 3600,
    identity: list[Doc] | None = None,
) -> RoleSpec:
    return RoleSpec(
        arn,
        parse(trust_doc or trust(aws(ALICE)), PolicyType.TRUST, "trust"),
        max_session_seconds,
        identity=tuple(parse(d, name=f"role-{i}") for i, d in enumerate(identity or [])),
    )


def caller(
    principal: str = ALICE,
    identity: list[Doc] | None = None,
    context: dict[str, Any] | None = None,
    scps: list[list[Doc]] | None = None,
) -> CallerSpec:
    return CallerSpec(
        principal,
        identity=tuple(parse(d, name=f"caller-{i}") for i, d in enumerate(identity or [])),
        scps=tuple(
            tuple(parse(d, PolicyType.SCP, f"scp-{n}") for d in level)
            for n, level in enumerate(scps or [])
        ),
        context=context or {},
    )


def denied(result: Session | StsDenied) -> StsDenied:
    assert isinstance(result, StsDenied), f"expected a refusal, got {result}"
    assert result.message
    assert result.aws_error
    return result


def granted(result: Session | StsDenied) -> Session:
    assert isinstance(result, Session), (
        f"expected a session, got {result.check}: {result.message}"
        if isinstance(result, StsDenied)
        else result
    )
    return result


# --- 1. input validation ------------------------------------------------------------------


@dataclass
class InputCase:
    id: str
    source: str
    parameter: str
    aws_text: str  # a phrase of AWS's error
    kwargs: dict[str, Any] = field(default_factory=dict)
    session_name: str = "alice"

    def __str__(self) -> str:
        return self.id


INPUT_CASES = [
    InputCase("session-name-too-short", ASSUME, "roleSessionName", "greater than or equal to 2",
              session_name="a"),
    InputCase("session-name-too-long", ASSUME, "roleSessionName", "less than or equal to 64",
              session_name="a" * 65),
    InputCase("session-name-space", ASSUME, "roleSessionName", r"[\w+=,.@-]*",
              session_name="alice smith"),
    InputCase("session-name-slash", ASSUME, "roleSessionName", "regular expression",
              session_name="alice/ops"),
    InputCase("duration-below-15-minutes", ASSUME, "durationSeconds",
              "greater than or equal to 900", {"duration_seconds": 899}),
    InputCase("duration-above-12-hours", ASSUME, "durationSeconds",
              "less than or equal to 43200", {"duration_seconds": 43201}),
    InputCase("external-id-too-short", ASSUME, "externalId", "greater than or equal to 2",
              {"external_id": "x"}),
    InputCase("external-id-too-long", ASSUME, "externalId", "less than or equal to 1224",
              {"external_id": "x" * 1225}),
    InputCase("external-id-bad-character", ASSUME, "externalId", "regular expression",
              {"external_id": "id with spaces"}),
    InputCase("session-policy-over-2048-characters", ASSUME, "policy",
              "less than or equal to 2048",
              {"session_policy": parse(
                  doc(*[stmt("Allow", "s3:GetObject", f"arn:aws:s3:::bucket-{i}/*")
                        for i in range(40)]),
                  PolicyType.SESSION)}),
    InputCase("eleven-policy-arns", ASSUME, "policyArns", "less than or equal to 10",
              {"policy_arns": [parse(allow("s3:GetObject"))] * 11}),
    InputCase("fifty-one-tags", TAGS, "tags", "less than or equal to 50",
              {"tags": {f"k{i}": "v" for i in range(51)}}),
    InputCase("tag-key-over-128", TAGS, "tags.member.key", "less than or equal to 128",
              {"tags": {"k" * 129: "v"}}),
    InputCase("tag-value-over-256", TAGS, "tags.member.value", "less than or equal to 256",
              {"tags": {"team": "v" * 257}}),
    InputCase("tag-key-bad-character", "API_Tag", "tags.member.key", "regular expression",
              {"tags": {"team!": "v"}}),
    InputCase("source-identity-too-short", ASSUME, "sourceIdentity",
              "greater than or equal to 2", {"source_identity": "a"}),
    InputCase("source-identity-aws-prefix", ASSUME, "sourceIdentity", "aws:",
              {"source_identity": "aws:alice"}),
]  # fmt: skip


@pytest.mark.parametrize("case", INPUT_CASES, ids=str)
def test_input_validation(case: InputCase) -> None:
    result = denied(assume_role(caller(), role(), case.session_name, now=NOW, **case.kwargs))
    assert result.check == "input", f"{case.id} ({case.source}): {result.check}"
    assert result.parameter == case.parameter
    assert case.aws_text in result.aws_error, result.aws_error
    assert result.evaluation is None


def test_valid_edge_values_pass() -> None:
    """API_AssumeRole: 2- and 64-character names, 900 s, a 2-character external ID, 10 ARNs,
    50 tags with unicode letters, and a 64-character source identity are all accepted."""
    result = assume_role(
        caller(),
        role(trust_doc=trust(aws(ALICE), ["sts:AssumeRole", "sts:TagSession",
                                          "sts:SetSourceIdentity"])),
        "al",
        now=NOW,
        duration_seconds=900,
        external_id="x:",
        policy_arns=[parse(allow("s3:GetObject"))] * 10,
        tags={f"équipe-{i}": "Zürich 1" for i in range(50)},
        source_identity="a" * 64,
    )  # fmt: skip
    granted(result)
    assert granted(assume_role(caller(), role(), "a" * 64, now=NOW)).session_name == "a" * 64


# --- 2. duration and role chaining --------------------------------------------------------


@dataclass
class DurationCase:
    id: str
    source: str
    principal: str
    duration: int
    max_session: int
    ok: bool
    aws_text: str = ""

    def __str__(self) -> str:
        return self.id


CHAIN_TEXT = "exceeds the 1 hour session limit for roles assumed by role chaining"
MAX_TEXT = "exceeds the MaxSessionDuration set for this role"
DURATION_CASES = [
    DurationCase("user-default-hour", ASSUME, ALICE, 3600, 3600, True),
    DurationCase("user-twelve-hours-on-12h-role", ASSUME, ALICE, 43200, 43200, True),
    DurationCase("user-above-role-maximum", ASSUME, ALICE, 7200, 3600, False, MAX_TEXT),
    DurationCase("chained-one-hour", CHAINING, DEV_SESSION, 3600, 43200, True),
    DurationCase("chained-two-hours-refused", CHAINING, DEV_SESSION, 7200, 43200, False,
                 CHAIN_TEXT),
    DurationCase("chained-limit-even-below-role-max", "id_roles_use", DEV_SESSION, 3601, 43200,
                 False, CHAIN_TEXT),
]  # fmt: skip


@pytest.mark.parametrize("case", DURATION_CASES, ids=str)
def test_duration(case: DurationCase) -> None:
    target = role(
        trust_doc=trust(aws(case.principal if case.principal == ALICE else DEV_ROLE)),
        max_session_seconds=case.max_session,
    )
    result = assume_role(
        caller(case.principal), target, "s1", now=NOW, duration_seconds=case.duration
    )
    if case.ok:
        session = granted(result)
        assert session.expires_at - session.issued_at == dt.timedelta(seconds=case.duration)
        assert session.chained is (case.principal == DEV_SESSION)
    else:
        refusal = denied(result)
        assert refusal.check == "duration", f"{case.id} ({case.source})"
        assert case.aws_text in refusal.aws_error


def test_chaining_from_a_returned_session() -> None:
    """id_roles_terms-and-concepts: a session used to assume another role is role chaining."""
    dev = RoleSpec(
        DEV_ROLE,
        parse(trust(aws(ALICE)), PolicyType.TRUST),
        max_session_seconds=43200,
        identity=(parse(allow("sts:AssumeRole", AUDITOR_B)),),
    )
    first = granted(assume_role(caller(), dev, "alice", now=NOW, duration_seconds=43200))
    auditor = role(AUDITOR_B, trust(aws(DEV_ROLE)), max_session_seconds=43200)
    too_long = denied(assume_role(first.as_caller(), auditor, "xy", now=NOW, duration_seconds=7200))
    assert too_long.check == "duration"
    second = granted(assume_role(first.as_caller(), auditor, "xy", now=NOW))
    assert second.chained
    assert second.arn == f"arn:aws:sts::{B}:assumed-role/Auditor/xy"
    assert second.caller_arn == first.arn


# --- 3 and 4. who may assume the role -----------------------------------------------------


@dataclass
class PermissionCase:
    id: str
    source: str
    expected: str  # "ok" or the StsDenied check
    principal: str = ALICE
    trust_doc: Doc = field(default_factory=lambda: trust(aws(ALICE)))
    identity: list[Doc] = field(default_factory=list)
    scps: list[list[Doc]] = field(default_factory=list)
    role_arn: str = ADMIN_ROLE
    context: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    side: str | None = None

    def __str__(self) -> str:
        return self.id


ASSUME_ADMIN = allow("sts:AssumeRole", ADMIN_ROLE)
ASSUME_AUDITOR = allow("sts:AssumeRole", AUDITOR_B)
ANY_STS = allow("sts:*", "*")
PERMISSION_CASES = [
    # Same account: a trust policy naming the user is enough on its own.
    PermissionCase("same-account-trust-names-user", "id_roles_use_permissions-to-switch", "ok"),
    PermissionCase("same-account-trust-names-account-needs-identity",
                   "id_roles_use_permissions-to-switch", "caller-permission",
                   trust_doc=trust(aws(ROOT_A)), side="caller"),
    PermissionCase("same-account-trust-names-account-identity-allows",
                   "id_roles_use_permissions-to-switch", "ok", trust_doc=trust(aws(ROOT_A)),
                   identity=[ASSUME_ADMIN]),
    PermissionCase("trust-names-someone-else", "id_roles_use_permissions-to-switch",
                   "trust-policy", trust_doc=trust(aws(BOB)), identity=[ASSUME_ADMIN],
                   side="trust-policy"),
    PermissionCase("identity-alone-is-not-enough", "id_roles_use_permissions-to-switch",
                   "trust-policy", trust_doc=trust(aws(BOB)), identity=[ANY_STS]),
    PermissionCase("explicit-deny-in-trust", ASSUME, "trust-policy",
                   trust_doc=doc(stmt("Allow", "sts:AssumeRole", None, principal=aws(ROOT_A)),
                                 stmt("Deny", "sts:AssumeRole", None, principal=aws(ALICE))),
                   identity=[ASSUME_ADMIN], side="trust-policy"),
    PermissionCase("explicit-deny-in-identity", ASSUME, "caller-permission",
                   identity=[ANY_STS, deny("sts:AssumeRole")], side="caller"),
    PermissionCase("scp-denies-assume-role", "reference_policies_evaluation-logic",
                   "caller-permission", identity=[ASSUME_ADMIN],
                   trust_doc=trust(aws(ROOT_A)),
                   scps=[[allow("*")], [allow("s3:*")]], side="caller"),
    # Cross account: both sides must allow.
    PermissionCase("cross-account-needs-identity", CROSS, "caller-permission",
                   role_arn=AUDITOR_B, trust_doc=trust(aws(ALICE)), side="caller"),
    PermissionCase("cross-account-both-allow", CROSS, "ok", role_arn=AUDITOR_B,
                   trust_doc=trust(aws(ROOT_A)), identity=[ASSUME_AUDITOR]),
    PermissionCase("cross-account-trust-names-other-account", CROSS, "trust-policy",
                   role_arn=AUDITOR_B, trust_doc=trust(aws("333333333333")),
                   identity=[ASSUME_AUDITOR]),
    # Condition keys of the AssumeRole request.
    PermissionCase("external-id-required-and-given", EXTERNAL_ID, "ok", role_arn=AUDITOR_B,
                   trust_doc=trust(aws(ROOT_A),
                                   condition={"StringEquals": {"sts:ExternalId": "Unique1"}}),
                   identity=[ASSUME_AUDITOR], kwargs={"external_id": "Unique1"}),
    PermissionCase("external-id-required-and-missing", EXTERNAL_ID, "trust-policy",
                   role_arn=AUDITOR_B,
                   trust_doc=trust(aws(ROOT_A),
                                   condition={"StringEquals": {"sts:ExternalId": "Unique1"}}),
                   identity=[ASSUME_AUDITOR]),
    PermissionCase("external-id-wrong", EXTERNAL_ID, "trust-policy", role_arn=AUDITOR_B,
                   trust_doc=trust(aws(ROOT_A),
                                   condition={"StringEquals": {"sts:ExternalId": "Unique1"}}),
                   identity=[ASSUME_AUDITOR], kwargs={"external_id": "Other1"}),
    PermissionCase("role-session-name-must-be-user-name", KEYS, "ok",
                   trust_doc=trust(aws(ALICE), condition={
                       "StringEquals": {"sts:RoleSessionName": "${aws:username}"}})),
    PermissionCase("role-session-name-other-than-user-name", KEYS, "trust-policy",
                   trust_doc=trust(aws(ALICE), condition={
                       "StringEquals": {"sts:RoleSessionName": "${aws:username}"}}),
                   kwargs={"session_name": "bob"}),
    PermissionCase("mfa-required-and-present", MFA, "ok",
                   trust_doc=trust(aws(ALICE), condition={
                       "Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                   context={"aws:MultiFactorAuthPresent": True}),
    PermissionCase("mfa-required-and-absent", MFA, "trust-policy",
                   trust_doc=trust(aws(ALICE), condition={
                       "Bool": {"aws:MultiFactorAuthPresent": "true"}})),
    # Session tags need sts:TagSession on both sides.
    PermissionCase("tags-without-tag-session-in-trust", TAGS, "tag-session",
                   kwargs={"tags": {"team": "red"}}, side="trust-policy"),
    PermissionCase("tags-with-tag-session-in-trust", TAGS, "ok",
                   trust_doc=trust(aws(ALICE), ["sts:AssumeRole", "sts:TagSession"]),
                   kwargs={"tags": {"team": "red"}}),
    PermissionCase("cross-account-tags-caller-lacks-tag-session", TAGS, "tag-session",
                   role_arn=AUDITOR_B,
                   trust_doc=trust(aws(ROOT_A), ["sts:AssumeRole", "sts:TagSession"]),
                   identity=[ASSUME_AUDITOR], kwargs={"tags": {"team": "red"}}, side="caller"),
    PermissionCase("trust-requires-request-tag", TAGS, "trust-policy",
                   trust_doc=trust(aws(ALICE), ["sts:AssumeRole", "sts:TagSession"],
                                   condition={"StringEquals": {"aws:RequestTag/team": "red"}}),
                   kwargs={"tags": {"team": "blue"}}),
    PermissionCase("trust-limits-tag-keys", TAGS, "tag-session",
                   trust_doc=doc(
                       stmt("Allow", "sts:AssumeRole", None, principal=aws(ALICE)),
                       stmt("Allow", "sts:TagSession", None, principal=aws(ALICE),
                            condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})),
                   kwargs={"tags": {"team": "red", "cost": "1"}}),
    # Source identity needs sts:SetSourceIdentity.
    PermissionCase("source-identity-without-permission", SOURCE_ID, "source-identity",
                   kwargs={"source_identity": "alice"}, side="trust-policy"),
    PermissionCase("source-identity-required-by-trust", SOURCE_ID, "ok",
                   trust_doc=trust(aws(ALICE), ["sts:AssumeRole", "sts:SetSourceIdentity"],
                                   condition={"StringEquals": {
                                       "sts:SourceIdentity": "${aws:username}"}}),
                   kwargs={"source_identity": "alice"}),
    # 4. Callers that cannot call AssumeRole whatever the policies say.
    PermissionCase("root-cannot-assume", ASSUME, "caller-type", principal=ROOT_A,
                   trust_doc=trust(aws(ROOT_A))),
    PermissionCase("federated-user-cannot-call-sts", TEMP_REQUEST, "caller-type",
                   principal=FED, trust_doc=trust("*"), identity=[ANY_STS]),
    PermissionCase("anonymous-cannot-call", ASSUME, "caller-type", principal="*",
                   trust_doc=trust("*")),
    PermissionCase("service-principal-trusted", "id_roles_create_for-service", "ok",
                   principal="ec2.amazonaws.com",
                   trust_doc=trust({"Service": "ec2.amazonaws.com"})),
]  # fmt: skip


@pytest.mark.parametrize("case", PERMISSION_CASES, ids=str)
def test_permissions(case: PermissionCase) -> None:
    kwargs = dict(case.kwargs)
    session_name = kwargs.pop("session_name", "alice")
    result = assume_role(
        caller(case.principal, case.identity, case.context, case.scps),
        role(case.role_arn, case.trust_doc),
        session_name,
        now=NOW,
        **kwargs,
    )
    label = f"{case.id} ({case.source})"
    if case.expected == "ok":
        assert isinstance(result, Session), f"{label}: {getattr(result, 'message', result)}"
        return
    refusal = denied(result)
    assert refusal.check == case.expected, f"{label}: {refusal.check}: {refusal.message}"
    if case.side is not None:
        assert refusal.side == case.side, label
    if case.expected == "caller-type":
        assert refusal.evaluation is None
    else:
        assert refusal.evaluation is not None
        assert not refusal.evaluation.allowed
        assert refusal.aws_error.startswith("AccessDenied: User: ")


def test_root_answer_is_aws_text() -> None:
    """API_AssumeRole: root user credentials cannot call AssumeRole."""
    refusal = denied(assume_role(caller(ROOT_A), role(trust_doc=trust(aws(ROOT_A))), "rs", now=NOW))
    assert "Roles may not be assumed by root accounts" in refusal.aws_error


def test_request_context_carries_sts_keys() -> None:
    """reference_policies_iam-condition-keys and id_session-tags: the evaluated request has
    sts:RoleSessionName, sts:ExternalId, sts:SourceIdentity, aws:RequestTag/* and aws:TagKeys."""
    refusal = denied(
        assume_role(
            caller(),
            role(trust_doc=trust(aws(BOB))),
            "alice",
            now=NOW,
            external_id="ext-1",
            tags={"team": "red", "cost": "7"},
        )
    )
    assert refusal.evaluation is not None
    request = refusal.evaluation.request
    assert request.action == "sts:AssumeRole"
    assert request.resource == ADMIN_ROLE
    assert request.get("sts:rolesessionname") == "alice"
    assert request.get("sts:externalid") == "ext-1"
    assert request.get("aws:requesttag/team") == "red"
    assert request.get("aws:tagkeys") == ("team", "cost")
    assert request.time == NOW


def test_source_identity_persists_and_cannot_change() -> None:
    """id_credentials_temp_control-access_monitor: the source identity persists across chained
    sessions and cannot be changed."""
    dev = RoleSpec(
        DEV_ROLE,
        parse(trust(aws(ALICE), ["sts:AssumeRole", "sts:SetSourceIdentity"]), PolicyType.TRUST),
        identity=(parse(allow("sts:*", "*")),),
    )
    first = granted(assume_role(caller(), dev, "alice", now=NOW, source_identity="alice"))
    target = role(trust_doc=trust(aws(DEV_ROLE), ["sts:AssumeRole", "sts:SetSourceIdentity"]))
    second = granted(assume_role(first.as_caller(), target, "next", now=NOW))
    assert second.source_identity == "alice"
    assert second.context()["aws:SourceIdentity"] == "alice"
    changed = denied(
        assume_role(first.as_caller(), target, "next", now=NOW, source_identity="mallory")
    )
    assert changed.check == "input"
    assert changed.parameter == "sourceIdentity"


# --- 5. the session -----------------------------------------------------------------------


def test_session_shape() -> None:
    """API_AssumeRole: AssumedRoleUser.Arn is arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    (the role name without its path); temporary access key IDs begin with ASIA
    (reference_identifiers); Expiration is the time of the call plus DurationSeconds."""
    target = role(max_session_seconds=7200)
    session = granted(assume_role(caller(), target, "alice", now=NOW, duration_seconds=5400))
    assert session.arn == f"arn:aws:sts::{A}:assumed-role/Admin/alice"
    assert session.role_arn == ADMIN_ROLE
    assert target.path == "/ops/"
    assert target.name == "Admin"
    assert session.access_key_id.startswith("ASIA")
    assert len(session.access_key_id) == 20
    assert session.access_key_id.isalnum()
    assert session.access_key_id.isupper()
    assert session.issued_at == NOW
    assert session.expires_at == NOW + dt.timedelta(minutes=90)
    assert session.expired(NOW + dt.timedelta(minutes=90))
    assert not session.expired(NOW + dt.timedelta(minutes=89))
    assert not session.chained
    # Deterministic: the same call gives the same key; another time, another key.
    again = granted(assume_role(caller(), target, "alice", now=NOW, duration_seconds=5400))
    assert again.access_key_id == session.access_key_id
    later = granted(assume_role(caller(), target, "alice", now=NOW + dt.timedelta(seconds=1)))
    assert later.access_key_id != session.access_key_id
    # A naive "now" is read as UTC.
    naive = granted(assume_role(caller(), target, "alice", now=NOW.replace(tzinfo=None)))
    assert naive.issued_at == NOW


def test_session_policy_narrows_the_role() -> None:
    """access_policies#policies_session: the session's permissions are the intersection of the
    role's identity-based policies and the session policy."""
    target = role(identity=[allow("s3:*")])
    only_get = parse(allow("s3:GetObject"), PolicyType.SESSION, "session")
    session = granted(assume_role(caller(), target, "alice", now=NOW, session_policy=only_get))
    obj = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"

    inputs = session.engine_inputs()
    get = evaluate(Request(session.arn, "s3:GetObject", obj, session_issuer=ADMIN_ROLE), **inputs)
    put = evaluate(Request(session.arn, "s3:PutObject", obj, session_issuer=ADMIN_ROLE), **inputs)
    assert get.allowed
    assert put.decision == "implicitDeny"
    assert put.decided_by == "session"
    # The convenience wrapper gives the same answers.
    assert session.evaluate("s3:GetObject", obj).allowed
    assert session.evaluate("s3:PutObject", obj).decided_by == "session"
    # Without a session policy the role's own permissions apply in full.
    plain = granted(assume_role(caller(), target, "alice", now=NOW))
    assert plain.evaluate("s3:PutObject", obj).allowed


def test_managed_session_policies_narrow_too() -> None:
    """API_AssumeRole PolicyArns and access_policies#policies_session: managed session policies
    limit the session like an inline one; the role's policies still cap what they allow."""
    target = role(identity=[allow(["s3:GetObject", "s3:PutObject"])])
    managed = [parse(allow(["s3:GetObject", "s3:DeleteObject"]), name="ReadAndDelete")]
    session = granted(assume_role(caller(), target, "alice", now=NOW, policy_arns=managed))
    obj = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
    assert session.evaluate("s3:GetObject", obj).allowed
    assert session.evaluate("s3:PutObject", obj).decided_by == "session"
    assert session.evaluate("s3:DeleteObject", obj).decided_by == "identity"


def test_session_tags_become_principal_tags() -> None:
    """id_session-tags: requests made with the session carry aws:PrincipalTag/<key>."""
    target = role(
        trust_doc=trust(aws(ALICE), ["sts:AssumeRole", "sts:TagSession"]),
        identity=[
            allow(
                "s3:GetObject",
                "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team}/*",
            )
        ],
    )
    session = granted(assume_role(caller(), target, "alice", now=NOW, tags={"team": "red"}))
    assert session.tags == {"team": "red"}
    assert session.evaluate("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/red/a").allowed
    assert not session.evaluate("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/blue/a").allowed
    assert session.context()["aws:TokenIssueTime"] == "2025-03-01T12:00:00Z"


def test_role_spec_checks() -> None:
    """UpdateRole: MaxSessionDuration is 1 to 12 hours; the trust policy is a trust policy."""
    with pytest.raises(RequestError, match="role_arn"):
        RoleSpec(ALICE, parse(trust(aws(ALICE)), PolicyType.TRUST))
    with pytest.raises(RequestError, match="max_session_seconds"):
        RoleSpec(ADMIN_ROLE, parse(trust(aws(ALICE)), PolicyType.TRUST), 900)
    with pytest.raises(RequestError, match="trust"):
        RoleSpec(ADMIN_ROLE, parse(allow("s3:*")))
    spec = RoleSpec(ADMIN_ROLE, parse(trust(aws(ALICE)), PolicyType.TRUST))
    assert spec.unique_id.startswith("AROA")
    assert len(spec.unique_id) == 21
    assert spec.account == A
    assert spec.partition == "aws"


# --- GetCallerIdentity --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "unique_id", "expected"),
    [
        (ROOT_A, None, {"UserId": A, "Account": A, "Arn": ROOT_A}),
        (
            ALICE,
            "AIDASAMPLEUSERID",
            {"UserId": "AIDASAMPLEUSERID", "Account": A, "Arn": ALICE},
        ),
        (
            DEV_SESSION,
            "AROASAMPLEROLEID",
            {"UserId": "AROASAMPLEROLEID:alice", "Account": A, "Arn": DEV_SESSION},
        ),
        (FED, None, {"UserId": f"{A}:carol", "Account": A, "Arn": FED}),
    ],
    ids=["root", "user", "role-session", "federated-user"],
)
def test_get_caller_identity(principal: str, unique_id: str | None, expected: dict[str, str]):
    """API_GetCallerIdentity: the UserId of each kind of caller."""
    assert get_caller_identity(principal, unique_id=unique_id) == expected


def test_get_caller_identity_of_a_session() -> None:
    """API_GetCallerIdentity: a role session's UserId is ROLE-ID:SESSION-NAME, the same role ID
    whether or not the role has a path."""
    session = granted(assume_role(caller(), role(), "alice", now=NOW))
    answer = get_caller_identity(session)
    assert answer["Arn"] == session.arn
    assert answer["Account"] == A
    role_id, _, name = answer["UserId"].partition(":")
    assert name == "alice"
    assert role_id == session.role.unique_id
    assert get_caller_identity(session.arn)["UserId"] == answer["UserId"]
    user = get_caller_identity(ALICE)["UserId"]
    assert user.startswith("AIDA")
    assert len(user) == 21


@pytest.mark.parametrize("principal", [DEV_ROLE, "ec2.amazonaws.com", "*"])
def test_get_caller_identity_needs_credentials(principal: str) -> None:
    """API_GetCallerIdentity is called with credentials: a role, a service or an anonymous
    caller has none of its own."""
    with pytest.raises(RequestError, match="principal"):
        get_caller_identity(principal)


# --- a service assumes a role (service roles, instance profiles) -------------------------------

SERVICE_ROLE = "id_roles_create_for-service"
CONFUSED_DEPUTY = "confused-deputy"
LAMBDA_ARN = f"arn:aws:lambda:us-east-1:{A}:function:orders"


@pytest.mark.parametrize(
    ("trust_doc", "service", "allowed"),
    [
        pytest.param(
            trust({"Service": "ec2.amazonaws.com"}),
            "ec2.amazonaws.com",
            True,
            id=f"{SERVICE_ROLE}: the trusted service gets credentials",
        ),
        pytest.param(
            trust({"Service": "ec2.amazonaws.com"}),
            "lambda.amazonaws.com",
            False,
            id=f"{SERVICE_ROLE}: another service gets none",
        ),
        pytest.param(
            trust(aws(ALICE)),
            "lambda.amazonaws.com",
            False,
            id=f"{SERVICE_ROLE}: a role for people does not trust a service",
        ),
        pytest.param(
            trust(
                {"Service": "lambda.amazonaws.com"},
                condition={"ArnEquals": {"aws:SourceArn": LAMBDA_ARN}},
            ),
            "lambda.amazonaws.com",
            True,
            id=f"{CONFUSED_DEPUTY}: aws:SourceArn names the function acting",
        ),
        pytest.param(
            trust(
                {"Service": "lambda.amazonaws.com"},
                condition={"StringEquals": {"aws:SourceAccount": B}},
            ),
            "lambda.amazonaws.com",
            False,
            id=f"{CONFUSED_DEPUTY}: aws:SourceAccount of another account is refused",
        ),
    ],
)
def test_a_service_assumes_a_role_through_its_trust_policy(trust_doc, service, allowed) -> None:
    spec = role(DEV_ROLE, trust_doc)
    result = assume_role_for_service(
        service, spec, "i-0abc", now=NOW, source_account=A, source_arn=LAMBDA_ARN
    )
    if not allowed:
        assert isinstance(result, StsDenied)
        assert result.check == "trust-policy"
        assert service in result.message
        return
    assert isinstance(result, Session)
    assert result.arn == f"arn:aws:sts::{A}:assumed-role/Dev/i-0abc"
    assert result.caller_arn == service
    assert not result.chained
    assert result.access_key_id.startswith("ASIA")
    assert len(result.access_key_id) == 20
    assert result.expires_at == NOW + dt.timedelta(hours=1)


def test_a_failed_trust_condition_is_said_to_be_a_condition() -> None:
    """id_roles_common-scenarios_third-party: the trust policy names the caller's account and
    asks for sts:ExternalId; a wrong external ID is the cause, and the refusal says so."""
    refusal = denied(
        assume_role(
            caller(ALICE, [ASSUME_AUDITOR]),
            role(
                AUDITOR_B,
                trust(aws(ROOT_A), condition={"StringEquals": {"sts:ExternalId": "Unique1"}}),
            ),
            "alice",
            now=NOW,
            external_id="Other1",
        )
    )
    assert refusal.headline == (
        "The trust policy of role Auditor would let IAM user alice call sts:AssumeRole, but a "
        "condition of it is not met."
    )
    assert "sts:ExternalId must be Unique1 (StringEquals)" in refusal.message
    assert refusal.evaluation is not None
    assert refusal.evaluation.changes == ("pass the external ID the role expects: Unique1",)
