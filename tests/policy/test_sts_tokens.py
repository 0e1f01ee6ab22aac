"""MFA on AssumeRole, GetSessionToken, GetFederationToken and what every session offers.

Every case names the AWS page it comes from: the STS API Reference
(https://docs.aws.amazon.com/STS/latest/APIReference/<page>.html) for API_* pages, the IAM
User Guide (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>.html) for the others.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from iamlab.policy import (
    CallerSpec,
    FederatedUserSession,
    Policy,
    PolicyType,
    RoleSpec,
    Session,
    StsDenied,
    TemporarySession,
    UserSession,
    assume_role,
    credential_refusal,
    get_caller_identity,
    get_federation_token,
    get_session_token,
    parse_policy,
)

from .casekit import Doc, allow, aws, deny, doc, grant, stmt, trust

A = "111111111111"
ROOT_A = f"arn:aws:iam::{A}:root"
ALICE = f"arn:aws:iam::{A}:user/alice"
DEV_ROLE = f"arn:aws:iam::{A}:role/Dev"
ADMIN_ROLE = f"arn:aws:iam::{A}:role/Admin"
SERIAL = f"arn:aws:iam::{A}:mfa/alice-phone"
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJ = f"{BUCKET}/report.csv"

ASSUME = "API_AssumeRole"
GST = "API_GetSessionToken"
GFT = "API_GetFederationToken"
KEYS = "reference_policies_condition-keys"
COMPARE = "id_credentials_sts-comparison"
TAGS = "id_session-tags"
MFA_API = "id_credentials_mfa_configure-api-require"

MFA_TRUST = trust(aws(ALICE), condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})


def parse(document: Doc, type_: PolicyType = PolicyType.IDENTITY, name: str = "") -> Policy:
    return parse_policy(json.dumps(document), type=type_, name=name)


def caller(
    principal: str = ALICE,
    identity: list[Doc] | None = None,
    devices: dict[str, str] | None = None,
    context: dict[str, Any] | None = None,
    boundary: Doc | None = None,
) -> CallerSpec:
    return CallerSpec(
        principal,
        identity=tuple(parse(d, name=f"caller-{i}") for i, d in enumerate(identity or [])),
        boundary=parse(boundary, PolicyType.BOUNDARY) if boundary else None,
        mfa_devices=devices if devices is not None else {SERIAL: "123456"},
        context=context or {},
    )


def role(arn: str = ADMIN_ROLE, trust_doc: Doc | None = None, **kw: Any) -> RoleSpec:
    return RoleSpec(arn, parse(trust_doc or trust(aws(ALICE)), PolicyType.TRUST), **kw)


def denied(result: object) -> StsDenied:
    assert isinstance(result, StsDenied), f"expected a refusal, got {result}"
    assert result.message
    assert result.aws_error
    return result


def ok[T](result: T | StsDenied) -> T:
    assert not isinstance(result, StsDenied), f"{result.check}: {result.message}"
    return result


# --- 1. MFA on AssumeRole -----------------------------------------------------------------


@dataclass
class MfaCase:
    id: str
    source: str
    expected: str  # "ok" or the StsDenied check
    kwargs: dict[str, Any] = field(default_factory=dict)
    aws_text: str = ""
    parameter: str | None = None
    trust_doc: Doc = field(default_factory=lambda: MFA_TRUST)

    def __str__(self) -> str:
        return self.id


MFA_CASES = [
    MfaCase("valid-code-satisfies-trust", MFA_API, "ok",
            {"serial_number": SERIAL, "token_code": "123456"}),
    MfaCase("no-mfa-trust-requires-it", MFA_API, "trust-policy"),
    MfaCase("wrong-code", "API_AssumeRole TokenCode", "mfa",
            {"serial_number": SERIAL, "token_code": "654321"},
            "invalid MFA one time pass code", "tokenCode"),
    MfaCase("unknown-serial", "API_AssumeRole SerialNumber", "mfa",
            {"serial_number": f"arn:aws:iam::{A}:mfa/bob-phone", "token_code": "123456"},
            "unable to validate MFA code", "serialNumber"),
    MfaCase("serial-too-short", "API_AssumeRole SerialNumber", "input",
            {"serial_number": "GAHT1234", "token_code": "123456"},
            "greater than or equal to 9", "serialNumber"),
    MfaCase("serial-nine-characters-ok-syntax", "API_AssumeRole SerialNumber", "mfa",
            {"serial_number": "GAHT12345", "token_code": "123456"}, "unable to validate"),
    MfaCase("serial-too-long", "API_AssumeRole SerialNumber", "input",
            {"serial_number": "G" * 257, "token_code": "123456"},
            "less than or equal to 256", "serialNumber"),
    MfaCase("serial-bad-character", "API_AssumeRole SerialNumber", "input",
            {"serial_number": "arn:aws:iam::1:mfa/a b", "token_code": "123456"},
            "regular expression", "serialNumber"),
    MfaCase("code-five-digits", "API_AssumeRole TokenCode", "input",
            {"serial_number": SERIAL, "token_code": "12345"}, "greater than or equal to 6",
            "tokenCode"),
    MfaCase("code-seven-digits", "API_AssumeRole TokenCode", "input",
            {"serial_number": SERIAL, "token_code": "1234567"}, "less than or equal to 6",
            "tokenCode"),
    MfaCase("code-not-digits", "API_AssumeRole TokenCode", "input",
            {"serial_number": SERIAL, "token_code": "12a456"}, r"[\d]*", "tokenCode"),
    MfaCase("serial-without-code", "API_AssumeRole (iamlab choice)", "input",
            {"serial_number": SERIAL}, "TokenCode", "tokenCode"),
    MfaCase("code-without-serial", "API_AssumeRole (iamlab choice)", "input",
            {"token_code": "123456"}, "SerialNumber", "serialNumber"),
    MfaCase("mfa-age-limit-met-at-call", KEYS, "ok",
            {"serial_number": SERIAL, "token_code": "123456"},
            trust_doc=trust(aws(ALICE), condition={
                "NumericLessThan": {"aws:MultiFactorAuthAge": "300"}})),
]  # fmt: skip


@pytest.mark.parametrize("case", MFA_CASES, ids=str)
def test_assume_role_mfa(case: MfaCase) -> None:
    result = assume_role(caller(), role(trust_doc=case.trust_doc), "alice", now=NOW, **case.kwargs)
    label = f"{case.id} ({case.source})"
    if case.expected == "ok":
        session = ok(result)
        assert isinstance(session, Session), label
        assert session.mfa
        return
    refusal = denied(result)
    assert refusal.check == case.expected, f"{label}: {refusal.check}: {refusal.message}"
    assert case.aws_text in refusal.aws_error or case.aws_text in refusal.message, label
    if case.parameter is not None:
        assert refusal.parameter == case.parameter, label


def test_mfa_keys_on_the_call_and_the_session() -> None:
    """reference_policies_condition-keys: with MFA the AssumeRole call carries
    aws:MultiFactorAuthPresent=true and aws:MultiFactorAuthAge (0 at the call); requests made
    with the session carry them, the age counted from the MFA check."""
    refused = denied(
        assume_role(
            caller(),
            role(trust_doc=trust(aws(DEV_ROLE))),
            "alice",
            now=NOW,
            serial_number=SERIAL,
            token_code="123456",
        )
    )
    assert refused.evaluation is not None
    request = refused.evaluation.request
    assert request.get("aws:multifactorauthpresent") == "true"
    assert request.get("aws:multifactorauthage") == "0"

    session = ok(
        assume_role(caller(), role(), "alice", now=NOW, serial_number=SERIAL, token_code="123456")
    )
    assert session.mfa_authenticated_at == NOW
    later = NOW + dt.timedelta(minutes=10)
    assert session.context(later)["aws:MultiFactorAuthAge"] == "600"
    req = session.request("s3:GetObject", OBJ, time=later)
    assert req.get("aws:multifactorauthpresent") == "true"
    assert req.get("aws:multifactorauthage") == "600"


def test_temporary_credentials_without_mfa_say_false() -> None:
    """reference_policies_condition-keys: aws:MultiFactorAuthPresent is present for temporary
    credentials from AssumeRole ("false" without MFA) and absent for long-term keys;
    aws:MultiFactorAuthAge is present only if MFA was used."""
    session = ok(assume_role(caller(), role(), "alice", now=NOW))
    assert session.context()["aws:MultiFactorAuthPresent"] == "false"
    assert "aws:MultiFactorAuthAge" not in session.context()
    # The AssumeRole call itself, made with long-term keys, has no MFA key at all.
    refused = denied(assume_role(caller(), role(trust_doc=trust(aws(DEV_ROLE))), "a1", now=NOW))
    assert refused.evaluation is not None
    assert refused.evaluation.request.get("aws:multifactorauthpresent") is None


def test_deny_without_mfa_boolifexists_pattern() -> None:
    """reference_policies_condition-keys, "Recommended Combination": Deny + BoolIfExists false
    denies temporary credentials without MFA but not MFA-authenticated ones."""
    deny_no_mfa = doc(
        stmt("Allow", "s3:*", "*"),
        stmt("Deny", "s3:DeleteObject", "*",
             condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
    )  # fmt: skip
    target = RoleSpec(
        ADMIN_ROLE, parse(trust(aws(ALICE)), PolicyType.TRUST), identity=(parse(deny_no_mfa),)
    )
    plain = ok(assume_role(caller(), target, "alice", now=NOW))
    assert plain.evaluate("s3:DeleteObject", OBJ).decision == "explicitDeny"
    strong = ok(
        assume_role(caller(), target, "alice", now=NOW, serial_number=SERIAL, token_code="123456")
    )
    assert strong.evaluate("s3:DeleteObject", OBJ).allowed


def test_mfa_carries_through_get_session_token_then_assume_role() -> None:
    """id_credentials_sts-comparison: AssumeRole may be called with temporary credentials;
    iamlab's documented choice: MFA from GetSessionToken carries into the role session, aged
    from the original check. Not role chaining: the caller is still the IAM user."""
    token = ok(get_session_token(caller(), now=NOW, serial_number=SERIAL, token_code="123456"))
    later = NOW + dt.timedelta(minutes=5)
    session = ok(assume_role(token.as_caller(), role(trust_doc=MFA_TRUST), "alice", now=later))
    assert not session.chained
    assert session.mfa_authenticated_at == NOW
    assert session.context(later)["aws:MultiFactorAuthAge"] == "300"
    # Without MFA the same trust policy refuses.
    plain = ok(get_session_token(caller(), now=NOW))
    refusal = denied(assume_role(plain.as_caller(), role(trust_doc=MFA_TRUST), "alice", now=NOW))
    assert refusal.check == "trust-policy"


def test_role_session_has_no_mfa_device() -> None:
    """API_AssumeRole SerialNumber: the device is "associated with the user who is making the
    AssumeRole call"; a role session has none."""
    dev = RoleSpec(DEV_ROLE, parse(trust(aws(ALICE)), PolicyType.TRUST),
                   identity=(parse(allow("sts:AssumeRole")),))  # fmt: skip
    first = ok(assume_role(caller(), dev, "alice", now=NOW))
    refusal = denied(
        assume_role(
            first.as_caller(),
            role(trust_doc=trust(aws(DEV_ROLE))),
            "next",
            now=NOW,
            serial_number=SERIAL,
            token_code="123456",
        )
    )
    assert refusal.check == "mfa"


# --- 2. GetSessionToken -------------------------------------------------------------------


@dataclass
class TokenCase:
    id: str
    source: str
    principal: str
    kwargs: dict[str, Any]
    expected: int | str  # the session's duration, or the StsDenied check
    aws_text: str = ""
    temporary: bool = False

    def __str__(self) -> str:
        return self.id


GST_CASES = [
    TokenCase("user-default-12h", GST, ALICE, {}, 43200),
    TokenCase("user-minimum-900", GST, ALICE, {"duration_seconds": 900}, 900),
    TokenCase("user-maximum-36h", GST, ALICE, {"duration_seconds": 129600}, 129600),
    TokenCase("user-below-900", GST, ALICE, {"duration_seconds": 899}, "input",
              "greater than or equal to 900"),
    TokenCase("user-above-36h", GST, ALICE, {"duration_seconds": 129601}, "input",
              "less than or equal to 129600"),
    TokenCase("root-default-1h", GST, ROOT_A, {}, 3600),
    TokenCase("root-max-3600", GST, ROOT_A, {"duration_seconds": 3600}, 3600),
    TokenCase("root-longer-defaults-to-1h", GST, ROOT_A, {"duration_seconds": 7200}, 3600),
    TokenCase("root-900", GST, ROOT_A, {"duration_seconds": 900}, 900),
    TokenCase("role-session-refused", GST, f"arn:aws:sts::{A}:assumed-role/Dev/s", {},
              "caller-type", "Cannot call GetSessionToken with session credentials"),
    TokenCase("session-token-credentials-refused", COMPARE, ALICE, {}, "caller-type",
              "Cannot call GetSessionToken with session credentials", temporary=True),
    TokenCase("federated-user-refused", GFT, f"arn:aws:sts::{A}:federated-user/carol", {},
              "caller-type", "not authorized to perform: sts:GetSessionToken"),
    TokenCase("anonymous-refused", GST, "*", {}, "caller-type", "MissingAuthenticationToken"),
    TokenCase("service-refused", GST, "ec2.amazonaws.com", {}, "caller-type",
              "MissingAuthenticationToken"),
    TokenCase("wrong-code", GST, ALICE, {"serial_number": SERIAL, "token_code": "000000"},
              "mfa", "invalid MFA one time pass code"),
    TokenCase("unknown-serial", GST, ALICE,
              {"serial_number": "GAHT12345678", "token_code": "123456"}, "mfa",
              "unable to validate MFA code"),
]  # fmt: skip


@pytest.mark.parametrize("case", GST_CASES, ids=str)
def test_get_session_token(case: TokenCase) -> None:
    spec = CallerSpec(case.principal, mfa_devices={SERIAL: "123456"}, temporary=case.temporary)
    result = get_session_token(spec, now=NOW, **case.kwargs)
    label = f"{case.id} ({case.source})"
    if isinstance(case.expected, int):
        session = ok(result)
        assert isinstance(session, UserSession), label
        assert session.duration_seconds == case.expected, label
        assert session.expires_at == NOW + dt.timedelta(seconds=case.expected)
        return
    refusal = denied(result)
    assert refusal.check == case.expected, f"{label}: {refusal.message}"
    assert case.aws_text in refusal.aws_error, f"{label}: {refusal.aws_error}"


def test_session_token_shape_and_permissions() -> None:
    """API_GetSessionToken: the credentials "have the same permissions as the IAM user"; the
    principal is the user's own ARN; access key IDs of temporary credentials begin with ASIA."""
    spec = caller(identity=[allow("s3:GetObject"), allow("iam:ListUsers")])
    token = ok(get_session_token(spec, now=NOW))
    assert token.kind == "session-token"
    assert token.arn == ALICE
    assert token.access_key_id.startswith("ASIA")
    assert len(token.access_key_id) == 20
    assert not token.mfa
    assert token.evaluate("s3:GetObject", OBJ).allowed
    assert not token.evaluate("s3:PutObject", OBJ).allowed
    assert token.context()["aws:MultiFactorAuthPresent"] == "false"
    assert get_caller_identity(token) == get_caller_identity(ALICE)


@dataclass
class RefusalCase:
    id: str
    source: str
    kind: str
    action: str
    refused: bool
    mfa: bool = False

    def __str__(self) -> str:
        return self.id


REFUSAL_CASES = [
    RefusalCase("token-iam-without-mfa", GST, "session-token", "iam:ListUsers", True),
    RefusalCase("token-iam-with-mfa", GST, "session-token", "iam:ListUsers", False, mfa=True),
    RefusalCase("token-passrole-is-not-an-api-call", "id_roles_use_passrole", "session-token",
                "iam:PassRole", False),
    RefusalCase("token-assume-role", GST, "session-token", "sts:AssumeRole", False),
    RefusalCase("token-get-caller-identity", GST, "session-token", "sts:GetCallerIdentity",
                False),
    RefusalCase("token-get-federation-token", GST, "session-token", "sts:GetFederationToken",
                True, mfa=True),
    RefusalCase("token-decode-message", GST, "session-token",
                "sts:DecodeAuthorizationMessage", True),
    RefusalCase("token-other-service", GST, "session-token", "ec2:StopInstances", False),
    RefusalCase("federated-iam", GFT, "federated-user", "iam:GetUser", True),
    RefusalCase("federated-sts-assume", GFT, "federated-user", "sts:AssumeRole", True),
    RefusalCase("federated-get-caller-identity", GFT, "federated-user",
                "sts:GetCallerIdentity", False),
    RefusalCase("federated-s3", GFT, "federated-user", "s3:GetObject", False),
    RefusalCase("role-get-session-token", ASSUME, "assumed-role", "sts:GetSessionToken", True),
    RefusalCase("role-get-federation-token", ASSUME, "assumed-role", "sts:GetFederationToken",
                True),
    RefusalCase("role-assume-role", ASSUME, "assumed-role", "sts:AssumeRole", False),
    RefusalCase("role-iam", ASSUME, "assumed-role", "iam:CreateUser", False),
]  # fmt: skip


@pytest.mark.parametrize("case", REFUSAL_CASES, ids=str)
def test_credential_refusal(case: RefusalCase) -> None:
    message = credential_refusal(case.kind, case.action, mfa=case.mfa)
    assert (message is not None) is case.refused, f"{case.id} ({case.source}): {message}"


def test_credential_refusal_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        credential_refusal("console", "s3:GetObject")


def test_session_token_evaluate_applies_the_refusal() -> None:
    """API_GetSessionToken: "You cannot call any IAM API operations unless MFA authentication
    information is included in the request" - even when the user's policies allow them; an
    explicit Deny is still reported as such."""
    spec = caller(identity=[allow("iam:*"), deny("iam:DeleteUser")])
    plain = ok(get_session_token(spec, now=NOW))
    refused = plain.evaluate("iam:ListUsers")
    assert refused.decision == "implicitDeny"
    assert refused.decided_by == "sts"
    assert "MFA" in refused.reason
    assert plain.evaluate("iam:DeleteUser").decision == "explicitDeny"
    strong = ok(get_session_token(spec, now=NOW, serial_number=SERIAL, token_code="123456"))
    assert strong.evaluate("iam:ListUsers").allowed
    assert strong.mfa_serial == SERIAL


def test_root_session_token_keeps_root_access() -> None:
    """API_GetSessionToken: "If GetSessionToken is called using root user credentials, the
    temporary credentials have root user permissions"."""
    token = ok(get_session_token(CallerSpec(ROOT_A), now=NOW))
    assert token.root
    assert token.evaluate("s3:DeleteBucket", BUCKET).allowed
    assert get_caller_identity(token)["UserId"] == A


# --- 3. GetFederationToken ----------------------------------------------------------------


FED_ARN = f"arn:aws:sts::{A}:federated-user/carol"
ALLOW_GFT = allow("sts:GetFederationToken", f"arn:aws:sts::{A}:federated-user/*")
ALLOW_TAG = allow("sts:TagSession", f"arn:aws:sts::{A}:federated-user/*")
SESSION_S3 = parse(allow("s3:GetObject"), PolicyType.SESSION, "session")


@dataclass
class FedCase:
    id: str
    source: str
    expected: int | str  # duration or the StsDenied check
    principal: str = ALICE
    identity: list[Doc] = field(default_factory=lambda: [ALLOW_GFT])
    name: str = "carol"
    kwargs: dict[str, Any] = field(default_factory=dict)
    aws_text: str = ""
    temporary: bool = False

    def __str__(self) -> str:
        return self.id


FED_CASES = [
    FedCase("user-default-12h", GFT, 43200),
    FedCase("user-max-36h", GFT, 129600, kwargs={"duration_seconds": 129600}),
    FedCase("user-above-36h", GFT, "input", kwargs={"duration_seconds": 129601},
            aws_text="less than or equal to 129600"),
    FedCase("below-900", GFT, "input", kwargs={"duration_seconds": 600},
            aws_text="greater than or equal to 900"),
    FedCase("root-default-1h", GFT, 3600, principal=ROOT_A, identity=[]),
    FedCase("root-longer-defaults-to-1h", GFT, 3600, principal=ROOT_A, identity=[],
            kwargs={"duration_seconds": 43200}),
    FedCase("name-two-characters", GFT, 43200, name="cb"),
    FedCase("name-32-characters", GFT, 43200, name="c" * 32),
    FedCase("name-one-character", GFT, "input", name="c",
            aws_text="greater than or equal to 2"),
    FedCase("name-33-characters", GFT, "input", name="c" * 33,
            aws_text="less than or equal to 32"),
    FedCase("name-with-slash", GFT, "input", name="carol/x", aws_text="regular expression"),
    FedCase("no-permission", GFT, "caller-permission", identity=[],
            aws_text="not authorized to perform: sts:GetFederationToken"),
    FedCase("explicit-deny", GFT, "caller-permission",
            identity=[ALLOW_GFT, deny("sts:GetFederationToken")], aws_text="explicit deny"),
    FedCase("permission-limited-to-other-names", GFT, "caller-permission",
            identity=[allow("sts:GetFederationToken",
                            f"arn:aws:sts::{A}:federated-user/app-*")]),
    FedCase("tags-need-tag-session", TAGS, "tag-session", kwargs={"tags": {"team": "red"}},
            aws_text="sts:TagSession"),
    FedCase("tags-with-tag-session", TAGS, 43200, identity=[ALLOW_GFT, ALLOW_TAG],
            kwargs={"tags": {"team": "red"}}),
    FedCase("eleven-policy-arns", GFT, "input",
            kwargs={"policy_arns": [parse(allow("s3:GetObject"))] * 11},
            aws_text="less than or equal to 10"),
    FedCase("role-session-cannot-call", "API_AssumeRole", "caller-type",
            principal=f"arn:aws:sts::{A}:assumed-role/Dev/s",
            aws_text="Cannot call GetFederationToken with session credentials"),
    FedCase("session-token-credentials-cannot-call", GST, "caller-type", temporary=True,
            aws_text="Cannot call GetFederationToken with session credentials"),
    FedCase("federated-user-cannot-call", GFT, "caller-type", principal=FED_ARN),
]  # fmt: skip


@pytest.mark.parametrize("case", FED_CASES, ids=str)
def test_get_federation_token(case: FedCase) -> None:
    spec = CallerSpec(
        case.principal,
        identity=tuple(parse(d) for d in case.identity),
        temporary=case.temporary,
    )
    result = get_federation_token(spec, case.name, now=NOW, **case.kwargs)
    label = f"{case.id} ({case.source})"
    if isinstance(case.expected, int):
        session = ok(result)
        assert isinstance(session, FederatedUserSession), label
        assert session.duration_seconds == case.expected, label
        assert session.arn == f"arn:aws:sts::{A}:federated-user/{case.name}"
        return
    refusal = denied(result)
    assert refusal.check == case.expected, f"{label}: {refusal.check}: {refusal.message}"
    assert case.aws_text in refusal.aws_error, f"{label}: {refusal.aws_error}"


def test_federated_user_permissions_are_the_intersection() -> None:
    """API_GetFederationToken: "the session permissions are the intersection of the IAM user
    policies and the session policies"; without a session policy the session "has no
    permissions", except what resource policies naming the federated user grant."""
    spec = caller(identity=[ALLOW_GFT, allow(["s3:GetObject", "s3:PutObject"])])
    fed = ok(get_federation_token(spec, "carol", now=NOW, session_policy=SESSION_S3))
    assert fed.kind == "federated-user"
    assert fed.issuer_arn == ALICE
    assert fed.evaluate("s3:GetObject", OBJ).allowed
    assert fed.evaluate("s3:PutObject", OBJ).decided_by == "session"
    bare = ok(get_federation_token(spec, "carol", now=NOW))
    assert not bare.evaluate("s3:GetObject", OBJ).allowed
    bucket_policy = parse(grant(aws(FED_ARN), "s3:GetObject", f"{BUCKET}/*"), PolicyType.RESOURCE)
    assert bare.evaluate("s3:GetObject", OBJ, resource_policy=bucket_policy).allowed
    assert get_caller_identity(bare) == {"UserId": f"{A}:carol", "Account": A, "Arn": FED_ARN}


def test_federated_user_keeps_the_boundary() -> None:
    """access_policies_boundaries: the user's permissions boundary still limits the session."""
    spec = caller(identity=[ALLOW_GFT, allow("s3:*")], boundary=allow("sts:*"))
    wide = parse(allow("s3:*"), PolicyType.SESSION)
    fed = ok(get_federation_token(spec, "carol", now=NOW, session_policy=wide))
    assert fed.evaluate("s3:GetObject", OBJ).decided_by == "boundary"


def test_federated_user_credential_refusals() -> None:
    """API_GetFederationToken: no IAM operations through the API, no STS operation except
    GetCallerIdentity, whatever the policies say."""
    spec = caller(identity=[ALLOW_GFT, allow("*")])
    fed = ok(
        get_federation_token(
            spec, "carol", now=NOW, session_policy=parse(allow("*"), PolicyType.SESSION)
        )
    )
    iam = fed.evaluate("iam:ListUsers")
    assert iam.decided_by == "sts"
    assert not iam.allowed
    assert fed.evaluate("sts:AssumeRole", ADMIN_ROLE).decided_by == "sts"
    assert fed.evaluate("sts:GetCallerIdentity").allowed
    assert fed.evaluate("s3:GetObject", OBJ).allowed
    refusal = denied(assume_role(fed.as_caller(), role(trust_doc=trust("*")), "x1", now=NOW))
    assert refusal.check == "caller-type"


def test_federated_user_tags_override_user_tags() -> None:
    """id_session-tags and API_GetFederationToken: the principal tags are the user's tags and
    the session tags; a session tag replaces the user tag of the same key whatever its case.
    The tags cannot be transitive (the API has no TransitiveTagKeys)."""
    spec = caller(
        identity=[ALLOW_GFT, ALLOW_TAG],
        context={"aws:PrincipalTag/Department": "Marketing", "aws:PrincipalTag/site": "lyon"},
    )
    fed = ok(get_federation_token(spec, "carol", now=NOW, tags={"department": "engineering"}))
    assert fed.principal_tags == {"site": "lyon", "department": "engineering"}
    context = fed.context()
    assert context["aws:PrincipalTag/department"] == "engineering"
    assert "aws:PrincipalTag/Department" not in context
    assert "aws:MultiFactorAuthPresent" not in context  # KEYS: not for federated identities


def test_root_federation_token_is_root_access_limited_by_session_policy() -> None:
    """API_GetFederationToken allows root credentials (not recommended); iamlab evaluates the
    root user's full access intersected with the session policies (documented choice)."""
    fed = ok(get_federation_token(CallerSpec(ROOT_A), "ops", now=NOW, session_policy=SESSION_S3))
    assert fed.evaluate("s3:GetObject", OBJ).allowed
    assert fed.evaluate("s3:DeleteObject", OBJ).decided_by == "session"


def test_get_federation_token_request_context() -> None:
    """id_session-tags: sts:TagSession is checked with aws:RequestTag/* and aws:TagKeys."""
    limited = allow(
        "sts:TagSession",
        "*",
        condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
    )
    spec = caller(identity=[ALLOW_GFT, limited])
    ok(get_federation_token(spec, "carol", now=NOW, tags={"team": "red"}))
    refusal = denied(
        get_federation_token(spec, "carol", now=NOW, tags={"team": "red", "cost": "1"})
    )
    assert refusal.check == "tag-session"
    assert refusal.evaluation is not None
    assert refusal.evaluation.request.resource == FED_ARN


# --- 4. transitive tags and the common interface ------------------------------------------


def test_transitive_tags_pass_through_chaining() -> None:
    """id_session-tags, "Chaining roles with session tags": transitive tags persist into the
    next session and stay transitive; other session tags do not."""
    dev = RoleSpec(
        DEV_ROLE,
        parse(trust(aws(ALICE), ["sts:AssumeRole", "sts:TagSession"]), PolicyType.TRUST),
        identity=(parse(allow("sts:*")),),
    )
    first = ok(
        assume_role(
            caller(),
            dev,
            "alice",
            now=NOW,
            tags={"Star": "1", "Sun": "2"},
            transitive_tag_keys=["Star"],
        )
    )
    target = role(trust_doc=trust(aws(DEV_ROLE), ["sts:AssumeRole", "sts:TagSession"]))
    second = ok(assume_role(first.as_caller(), target, "next", now=NOW))
    assert second.tags == {"Star": "1"}
    assert second.transitive_tag_keys == ("Star",)
    clash = denied(assume_role(first.as_caller(), target, "next", now=NOW, tags={"star": "9"}))
    assert clash.check == "input"
    bad = denied(
        assume_role(caller(), dev, "alice", now=NOW, tags={"a": "1"}, transitive_tag_keys=["b"])
    )
    assert bad.parameter == "transitiveTagKeys"


def test_transitive_tag_keys_reach_the_trust_policy() -> None:
    """id_session-tags: sts:TransitiveTagKeys limits which tags may be made transitive."""
    trust_doc = doc(
        stmt("Allow", "sts:AssumeRole", None, principal=aws(ALICE)),
        stmt("Allow", "sts:TagSession", None, principal=aws(ALICE),
             condition={"ForAllValues:StringEquals": {"sts:TransitiveTagKeys": ["Project"]}}),
    )  # fmt: skip
    target = role(trust_doc=trust_doc)
    tags = {"Project": "x", "Cost": "1"}
    ok(assume_role(caller(), target, "alice", now=NOW, tags=tags, transitive_tag_keys=["Project"]))
    refusal = denied(
        assume_role(caller(), target, "alice", now=NOW, tags=tags, transitive_tag_keys=["Cost"])
    )
    assert refusal.check == "tag-session"


def test_every_session_kind_has_the_common_interface() -> None:
    """The TemporarySession protocol: kind, arn, keys, times, context, request, evaluate."""
    spec = caller(identity=[ALLOW_GFT, allow("s3:GetObject")])
    sessions: list[TemporarySession] = [
        ok(assume_role(caller(), role(identity=(parse(allow("s3:GetObject")),)), "al", now=NOW)),
        ok(get_session_token(spec, now=NOW)),
        ok(get_federation_token(spec, "carol", now=NOW, session_policy=SESSION_S3)),
    ]
    kinds = []
    for session in sessions:
        assert isinstance(session, TemporarySession)
        kinds.append(session.kind)
        assert session.access_key_id.startswith("ASIA")
        assert session.issued_at == NOW
        assert session.expired(session.expires_at)
        assert not session.expired(session.expires_at - dt.timedelta(seconds=1))
        assert session.context()["aws:TokenIssueTime"] == "2025-03-01T12:00:00Z"
        assert session.request("s3:GetObject", OBJ).principal == session.arn
        assert session.evaluate("s3:GetObject", OBJ).allowed
        assert set(session.engine_inputs()) == {"identity", "boundary", "session", "scps"}
        assert session.credential_refusal("s3:GetObject") is None
        assert get_caller_identity(session)["Arn"] == session.arn
        assert isinstance(session.as_caller(), CallerSpec)
    assert kinds == ["assumed-role", "session-token", "federated-user"]


def test_assumed_role_evaluate_refuses_token_calls() -> None:
    """API_AssumeRole: role credentials cannot call GetFederationToken or GetSessionToken."""
    session = ok(assume_role(caller(), role(identity=(parse(allow("sts:*")),)), "al", now=NOW))
    evaluation = session.evaluate("sts:GetSessionToken")
    assert evaluation.decided_by == "sts"
    assert not evaluation.allowed
