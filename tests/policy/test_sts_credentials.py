"""Which credentials may call which STS operation: one rule (iamlab.policy.credentials), which
the evaluator and STS both apply, so they always agree.

Every case names the AWS page it comes from: the STS API Reference
(https://docs.aws.amazon.com/STS/latest/APIReference/<page>.html) for API_* pages, the IAM
User Guide (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>.html) for the others.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest

from iamlab.policy import (
    CallerSpec,
    Policy,
    PolicyType,
    Request,
    RoleSpec,
    StsDenied,
    UserSession,
    assume_role,
    evaluate,
    get_federation_token,
    get_session_token,
    parse_policy,
)
from iamlab.policy.credentials import (
    ASSUMED_ROLE,
    FEDERATED_USER,
    LONG_TERM,
    SESSION_TOKEN,
    refusal,
    refusal_by_arn,
    sts_refusal,
)
from iamlab.policy.request import parse_caller

from .casekit import Doc, allow, aws, trust

A = "111111111111"
ROOT_A = f"arn:aws:iam::{A}:root"
ALICE = f"arn:aws:iam::{A}:user/alice"
DEV_ROLE = f"arn:aws:iam::{A}:role/Dev"
DEV_SESSION = f"arn:aws:sts::{A}:assumed-role/Dev/alice"
FED = f"arn:aws:sts::{A}:federated-user/carol"
ADMIN_ROLE = f"arn:aws:iam::{A}:role/Admin"
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)

ASSUME = "API_AssumeRole"
GST = "API_GetSessionToken"
GFT = "API_GetFederationToken"
COMPARE = "id_credentials_sts-comparison"


def parse(document: Doc, type_: PolicyType = PolicyType.IDENTITY) -> Policy:
    return parse_policy(json.dumps(document), type=type_)


@dataclass
class RuleCase:
    id: str
    source: str
    kind: str
    action: str
    code: str | None  # the refusal's code, None: the policies decide
    root: bool = False
    mfa: bool = False

    def __str__(self) -> str:
        return self.id


RULE_CASES = [
    RuleCase("user-keys-assume-role", ASSUME, LONG_TERM, "sts:AssumeRole", None),
    RuleCase("user-keys-get-session-token", GST, LONG_TERM, "sts:GetSessionToken", None),
    RuleCase("root-keys-assume-role", ASSUME, LONG_TERM, "sts:AssumeRole",
             "root-cannot-assume", root=True),
    RuleCase("root-keys-get-federation-token", GFT, LONG_TERM, "sts:GetFederationToken", None,
             root=True),
    RuleCase("root-session-token-assume-role", ASSUME, SESSION_TOKEN, "sts:AssumeRole",
             "root-cannot-assume", root=True),
    RuleCase("session-token-assume-role", GST, SESSION_TOKEN, "sts:AssumeRole", None),
    RuleCase("session-token-get-session-token", GST, SESSION_TOKEN, "sts:GetSessionToken",
             "session-token-sts"),
    RuleCase("session-token-get-federation-token", GST, SESSION_TOKEN,
             "sts:GetFederationToken", "session-token-sts", mfa=True),
    RuleCase("session-token-decode-message", GST, SESSION_TOKEN,
             "sts:DecodeAuthorizationMessage", "session-token-sts"),
    RuleCase("session-token-get-caller-identity", GST, SESSION_TOKEN, "sts:GetCallerIdentity",
             None),
    RuleCase("session-token-iam-without-mfa", GST, SESSION_TOKEN, "iam:ListUsers",
             "session-token-no-iam"),
    RuleCase("session-token-iam-with-mfa", GST, SESSION_TOKEN, "iam:ListUsers", None, mfa=True),
    RuleCase("role-session-assume-role", ASSUME, ASSUMED_ROLE, "sts:AssumeRole", None),
    RuleCase("role-session-get-session-token", ASSUME, ASSUMED_ROLE, "sts:GetSessionToken",
             "session-no-token"),
    RuleCase("role-session-get-federation-token", ASSUME, ASSUMED_ROLE,
             "sts:GetFederationToken", "session-no-token"),
    RuleCase("federated-assume-role", GFT, FEDERATED_USER, "sts:AssumeRole",
             "federated-no-sts"),
    RuleCase("federated-get-caller-identity", GFT, FEDERATED_USER, "sts:GetCallerIdentity",
             None),
    RuleCase("federated-iam", GFT, FEDERATED_USER, "iam:GetUser", "federated-no-iam"),
    RuleCase("federated-passrole-is-a-permission", "id_roles_use_passrole", FEDERATED_USER,
             "iam:PassRole", None),
    RuleCase("case-of-the-action-does-not-matter", COMPARE, ASSUMED_ROLE,
             "STS:getSessionToken", "session-no-token"),
]  # fmt: skip


@pytest.mark.parametrize("case", RULE_CASES, ids=str)
def test_the_rule(case: RuleCase) -> None:
    found = refusal(case.kind, case.action, root=case.root, mfa=case.mfa)
    assert (found.code if found else None) == case.code, f"{case.id} ({case.source})"
    if found is not None:
        assert found.message


def test_unknown_kind_of_credentials() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        sts_refusal("console", "sts:AssumeRole")


# The evaluator and STS agree: for every caller known by its ARN and every STS operation, the
# engine refuses with the rule's code exactly when STS refuses the caller type.
ARNS = {"root": ROOT_A, "user": ALICE, "role-session": DEV_SESSION, "federated-user": FED}
OPERATIONS = ["sts:AssumeRole", "sts:GetSessionToken", "sts:GetFederationToken"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("who", sorted(ARNS))
def test_evaluator_and_sts_agree(who: str, operation: str) -> None:
    """id_credentials_sts-comparison: the same refusal from evaluate() and from STS."""
    arn = ARNS[who]
    everything = (parse(allow("*")),)
    caller = parse_caller(arn, DEV_ROLE if who == "role-session" else None)
    expected = refusal_by_arn(caller.kind, operation)
    request = Request(
        arn,
        operation,
        ADMIN_ROLE if operation == "sts:AssumeRole" else "*",
        session_issuer=DEV_ROLE if who == "role-session" else None,
    )
    engine = evaluate(request, identity=everything)
    spec = CallerSpec(
        arn,
        identity=everything,
        session_issuer=DEV_ROLE if who == "role-session" else None,
    )
    if operation == "sts:AssumeRole":
        role = RoleSpec(ADMIN_ROLE, parse(trust("*"), PolicyType.TRUST))
        result: object = assume_role(spec, role, "s1", now=NOW)
    elif operation == "sts:GetSessionToken":
        result = get_session_token(spec, now=NOW)
    else:
        result = get_federation_token(spec, "carol", now=NOW)
    if expected is None:
        assert engine.decided_by != "sts"
        assert not (isinstance(result, StsDenied) and result.check == "caller-type")
        return
    assert engine.decided_by == "sts"
    assert engine.decision == "implicitDeny"
    assert isinstance(result, StsDenied)
    assert result.check == "caller-type"
    assert result.message == expected.message
    assert result.aws_error == expected.aws_error(arn, operation)


def test_root_session_token_cannot_assume_a_role() -> None:
    """API_AssumeRole: root user credentials cannot call AssumeRole, and temporary credentials
    from the root user's GetSessionToken are still the root user's (API_GetSessionToken)."""
    root = CallerSpec(ROOT_A)
    token = get_session_token(root, now=NOW)
    assert isinstance(token, UserSession)
    assert token.credential_refusal("sts:AssumeRole") is not None
    role = RoleSpec(ADMIN_ROLE, parse(trust(aws(ROOT_A)), PolicyType.TRUST))
    refused = assume_role(token.as_caller(), role, "s1", now=NOW)
    assert isinstance(refused, StsDenied)
    assert refused.check == "caller-type"
    assert "Roles may not be assumed by root accounts" in refused.aws_error
