"""A right answer with the wrong reason is a bug: explanations a student review found giving the
wrong cause for a correct decision, and "What would change the answer" saying whether every
change listed is needed or any one would do. Each case names the AWS page its facts come from
(https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from iamlab.policy import Evaluation, Policy, PolicyType, Request, decide, evaluate, parse_policy
from tests.policy.casekit import Doc, allow, aws, doc, grant, stmt

A = "111122223333"
B = "444455556666"
ROOT = f"arn:aws:iam::{A}:root"
BOB = f"arn:aws:iam::{A}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/R"
SESSION = f"arn:aws:sts::{A}:assumed-role/R/s1"
AUDITOR = f"arn:aws:iam::{B}:user/auditor"
OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"

NOTPRINCIPAL = "reference_policies_elements_notprincipal.html"
EVALUATION = "reference_policies_evaluation-logic.html"
BOUNDARIES = "access_policies_boundaries.html"
SESSION_POLICIES = "access_policies.html#policies_session"
CROSS = "reference_policies_evaluation-logic-cross-account.html"
DENYALLOW = "reference_policies_evaluation-logic_policy-eval-denyallow.html"


def not_principal_deny(*arns: str, **extra: Any) -> Doc:
    """The bucket policy of the NotPrincipal page: deny s3:* to everyone but those listed."""
    return doc(stmt("Deny", "s3:*", "*", not_principal=aws(*arns), **extra))


@dataclass
class WhyCase:
    id: str
    source: str  # the AWS page the facts come from
    principal: str
    action: str
    expected: str
    resource: str = OBJECT
    identity: list[Doc] = field(default_factory=list)
    resource_policy: Doc | None = None
    boundary: Doc | None = None
    session: list[Doc] = field(default_factory=list)
    resource_owner: str | None = None
    context: dict[str, str] = field(default_factory=dict)
    reason: tuple[str, ...] = ()  # each must be in the reason
    not_in_reason: tuple[str, ...] = ()  # the wrong reasons it gave
    trace: tuple[str, ...] = ()  # each must be in a statement's line of "How each policy was read"
    not_in_trace: tuple[str, ...] = ()
    changes: tuple[tuple[str, ...], ...] | None = None  # the steps, each its alternatives
    lead: str | None = None  # how the changes go together
    # The policies once the change is made: the request is then allowed.
    fixed: dict[str, Any] | None = None

    def __str__(self) -> str:
        return self.id


def _parse(document: Doc, type_: str) -> Policy:
    return parse_policy(json.dumps(document, indent=2), type=PolicyType(type_))


def _policies(case: WhyCase, **override: Any) -> dict[str, Any]:
    given = {
        "identity": case.identity,
        "resource_policy": case.resource_policy,
        "boundary": case.boundary,
        "session": case.session,
        **override,
    }
    return {
        "identity": [_parse(d, "identity") for d in given["identity"]],
        "resource_policy": None
        if given["resource_policy"] is None
        else _parse(given["resource_policy"], "resource"),
        "boundary": None if given["boundary"] is None else _parse(given["boundary"], "boundary"),
        "session": [_parse(d, "session") for d in given["session"]],
    }


def _request(case: WhyCase) -> Request:
    return Request(
        case.principal,
        case.action,
        case.resource,
        context=case.context,
        resource_owner=case.resource_owner,
    )


def _explain(case: WhyCase) -> Evaluation:
    policies = _policies(case)
    result = evaluate(_request(case), **policies)
    assert result.decision == case.expected, f"{case.id} ({case.source}): {result.reason}"
    assert decide(_request(case), **policies) == result.decision
    return result


CASES = [
    # -- 1. NotPrincipal with Deny -------------------------------------------------------------
    WhyCase(
        "deny-notprincipal-user-without-its-account",
        NOTPRINCIPAL,  # "you must also specify the account ARN ... evaluated for the account too"
        BOB,
        "s3:GetObject",
        "explicitDeny",
        identity=[allow("s3:*")],
        resource_policy=not_principal_deny(BOB),
        reason=(
            "Its NotPrincipal leaves out IAM user bob but not its account "
            f"({ROOT}); AWS evaluates the request for the account too, so the Deny applies to "
            "IAM user bob.",
        ),
        trace=(
            "matches: denies the request — its NotPrincipal leaves out IAM user bob but not its "
            f"account ({ROOT})",
        ),
        not_in_trace=("names the caller directly",),
        changes=(
            (
                f"add {ROOT} to the NotPrincipal of Statement 1 of the resource-based policy, "
                "line 4, so the Deny leaves out IAM user bob",
            ),
        ),
        lead="",
        fixed={"resource_policy": not_principal_deny(BOB, ROOT)},
    ),
    WhyCase(
        "deny-notprincipal-beside-an-allow",
        NOTPRINCIPAL,
        BOB,
        "s3:GetObject",
        "explicitDeny",
        identity=[allow("s3:*")],
        resource_policy=doc(
            stmt("Allow", "s3:GetObject", "*", principal=aws(BOB)),
            stmt("Deny", "s3:*", "*", not_principal=aws(BOB)),
        ),
        reason=("Statement 2 of the resource-based policy", f"but not its account ({ROOT})"),
        changes=(
            (
                f"add {ROOT} to the NotPrincipal of Statement 2 of the resource-based policy, "
                "line 12, so the Deny leaves out IAM user bob",
            ),
        ),
    ),
    WhyCase(
        "deny-notprincipal-role-and-account-but-not-the-session",
        NOTPRINCIPAL,  # "specify the ARN for both the IAM role and the assumed-role session"
        SESSION,
        "s3:GetObject",
        "explicitDeny",
        identity=[allow("s3:*")],
        resource_policy=not_principal_deny(ROLE, ROOT),
        reason=(
            "Its NotPrincipal leaves out account 111122223333 and role R but not session s1 of "
            f"role R itself ({SESSION}); AWS evaluates the request for it too, so the Deny "
            "applies to session s1 of role R.",
        ),
        changes=(
            (
                f"add {SESSION} to the NotPrincipal of Statement 1 of the resource-based "
                "policy, line 4, so the Deny leaves out session s1 of role R",
            ),
        ),
        fixed={"resource_policy": not_principal_deny(ROLE, ROOT, SESSION)},
    ),
    WhyCase(
        "deny-notprincipal-listing-no-identity-of-the-caller",
        NOTPRINCIPAL,
        BOB,
        "s3:GetObject",
        "explicitDeny",
        identity=[allow("s3:*")],
        resource_policy=not_principal_deny(f"arn:aws:iam::{A}:user/sam"),
        reason=("Its NotPrincipal does not list IAM user bob, so the Deny applies to it.",),
    ),
    WhyCase(
        "deny-notprincipal-with-a-permissions-boundary",
        NOTPRINCIPAL,  # "always deny any IAM principal that has a permissions boundary policy"
        BOB,
        "s3:GetObject",
        "explicitDeny",
        identity=[allow("s3:*")],
        boundary=allow("s3:*"),
        resource_policy=not_principal_deny(BOB, ROOT),
        reason=(
            "A Deny with NotPrincipal always applies to a principal that has a permissions "
            "boundary, whatever NotPrincipal lists, and IAM user bob has one.",
        ),
        changes=(
            (
                "replace the NotPrincipal of Statement 1 of the resource-based policy, line 4 "
                'with "Principal": "*" and the condition "ArnNotEquals": {"aws:PrincipalArn": '
                f'"{BOB}"}}: a Deny with NotPrincipal always applies to a principal that has a '
                "permissions boundary",
            ),
        ),
        fixed={
            "resource_policy": doc(
                stmt(
                    "Deny",
                    "s3:*",
                    "*",
                    principal="*",
                    condition={"ArnNotEquals": {"aws:PrincipalArn": BOB}},
                )
            )
        },
    ),
    WhyCase(
        "deny-notprincipal-listing-the-user-and-its-account-leaves-it-out",
        NOTPRINCIPAL,
        BOB,
        "s3:GetObject",
        "allowed",
        identity=[allow("s3:*")],
        resource_policy=not_principal_deny(BOB, ROOT),
        trace=(
            f"NotPrincipal leaves out IAM user bob: it lists every identity AWS evaluates the "
            f"request for ({ROOT}, {BOB})",
        ),
        not_in_trace=("NotPrincipal does not name",),
    ),
    # -- 2. a grant to the role, limited by the session's boundary or session policy ----------
    WhyCase(
        "role-arn-grant-capped-by-the-boundary",
        EVALUATION,  # a resource-based policy naming the role ARN is limited by the boundary
        SESSION,
        "s3:GetObject",
        "implicitDeny",
        resource_policy=grant(aws(ROLE), "s3:GetObject"),
        boundary=allow("ec2:*"),
        reason=(
            "Statement 1 of the resource-based policy, line 4 grants s3:GetObject to role R "
            f"({ROLE}), not to session s1 of role R itself, so the permissions boundary still "
            "limits it — and the permissions boundary does not allow s3:GetObject.",
        ),
        not_in_reason=("identity-based policy allows", "policies of the role allow"),
        trace=(
            "matches: allows the request (the Principal names role R, not the caller itself, so "
            "a permissions boundary or session policy still limits it)",
        ),
        changes=(("add s3:GetObject to the permissions boundary of role R",),),
    ),
    WhyCase(
        "role-arn-grant-capped-by-the-session-policy",
        SESSION_POLICIES,  # a resource-based policy naming the role is limited by it
        SESSION,
        "s3:GetObject",
        "implicitDeny",
        resource_policy=grant(aws(ROLE), "s3:GetObject"),
        session=[allow("ec2:*")],
        reason=(
            "Statement 1 of the resource-based policy, line 4 grants s3:GetObject to role R "
            f"({ROLE}), not to session s1 of role R itself, so the session policy still limits "
            "it — and the session policy does not allow s3:GetObject.",
        ),
        not_in_reason=("identity-based policy allows", "policies of the role allow"),
        changes=(("pass a session policy that also allows s3:GetObject, or none",),),
    ),
    WhyCase(
        "identity-allow-capped-by-the-boundary-keeps-its-reason",
        BOUNDARIES,
        SESSION,
        "s3:GetObject",
        "implicitDeny",
        identity=[allow("s3:*")],
        boundary=allow("ec2:*"),
        reason=("An identity-based policy allows s3:GetObject, but the permissions boundary",),
    ),
    # -- 3. all of these, or any one of them ---------------------------------------------------
    WhyCase(
        "identity-and-boundary-both-needed",
        BOUNDARIES,  # the effective permissions are what both allow
        BOB,
        "iam:CreateUser",
        "implicitDeny",
        resource="*",
        boundary=allow("ec2:*"),
        changes=(
            (
                "add iam:CreateUser on * to an identity-based policy of IAM user bob (directly "
                "or through a group)",
            ),
            ("add iam:CreateUser to the permissions boundary of IAM user bob",),
        ),
        lead="Do all of these; each one is needed:",
        fixed={"identity": [allow("iam:CreateUser")], "boundary": allow("iam:CreateUser")},
    ),
    WhyCase(
        "cross-account-both-sides-needed",
        CROSS,  # both accounts must allow
        AUDITOR,
        "s3:PutObject",
        "implicitDeny",
        resource_owner=A,
        changes=(
            (
                f"add s3:PutObject on {OBJECT} to an identity-based policy of IAM user auditor "
                "(directly or through a group)",
            ),
            (
                f"add a statement to the resource-based policy that allows s3:PutObject on "
                f"{OBJECT} to {AUDITOR} (or its account {B})",
            ),
        ),
        lead="Do all of these; each one is needed:",
        fixed={
            "identity": [allow("s3:PutObject")],
            "resource_policy": grant(aws(AUDITOR), "s3:PutObject"),
        },
    ),
    WhyCase(
        "failing-any-condition-of-a-deny-is-enough",
        DENYALLOW,  # a Deny applies only when all its conditions hold
        BOB,
        "s3:GetObject",
        "explicitDeny",
        identity=[
            doc(
                stmt("Allow", "s3:*", "*"),
                stmt(
                    "Deny",
                    "s3:*",
                    "*",
                    condition={
                        "StringNotEquals": {"aws:RequestedRegion": "us-east-1"},
                        "Bool": {"aws:SecureTransport": "false"},
                    },
                ),
            )
        ],
        context={"aws:RequestedRegion": "eu-west-1", "aws:SecureTransport": "false"},
        changes=(("make the call in us-east-1", "call over HTTPS"),),
        lead="Any one of these would do:",
    ),
    WhyCase(
        "a-deny-to-dodge-and-an-allow-to-add",
        DENYALLOW,  # after the explicit deny, an identity-based policy must still allow
        BOB,
        "s3:GetObject",
        "explicitDeny",
        identity=[
            doc(
                stmt("Allow", "ec2:*", "*"),
                stmt(
                    "Deny",
                    "s3:*",
                    "*",
                    condition={
                        "StringNotEquals": {"aws:RequestedRegion": "us-east-1"},
                        "Bool": {"aws:SecureTransport": "false"},
                    },
                ),
            )
        ],
        context={"aws:RequestedRegion": "eu-west-1", "aws:SecureTransport": "false"},
        changes=(
            ("make the call in us-east-1", "call over HTTPS"),
            (
                f"add s3:GetObject on {OBJECT} to an identity-based policy of IAM user bob "
                "(directly or through a group)",
            ),
        ),
        lead="Do all of these; each one is needed:",
    ),
    WhyCase(
        "naming-the-user-in-the-bucket-policy-needs-nothing-else",
        EVALUATION,  # a resource-based policy naming a user ARN is not limited by a boundary
        BOB,
        "s3:GetObject",
        "implicitDeny",
        resource_policy=grant(aws(f"arn:aws:iam::{A}:user/sam"), "s3:GetObject"),
        boundary=allow("ec2:*"),
        changes=(
            (
                f"add {BOB} to the Principal of Statement 1 of the resource-based policy, line 4 "
                f"(naming account {A} instead would also need an identity-based policy of IAM "
                "user bob that allows s3:GetObject)",
            ),
        ),
        lead="",
        fixed={"resource_policy": grant(aws(BOB), "s3:GetObject")},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_reason_is_the_right_one(case: WhyCase) -> None:
    result = _explain(case)
    for text in case.reason:
        assert text in result.reason, f"{case.id} ({case.source}): {result.reason}"
    for text in case.not_in_reason:
        assert text not in result.reason, f"{case.id} ({case.source}): {result.reason}"
    lines = [t.summary for layer in result.layers for t in layer.statements]
    for text in case.trace:
        assert any(text in line for line in lines), f"{case.id} ({case.source}): {lines}"
    for text in case.not_in_trace:
        assert not any(text in line for line in lines), f"{case.id} ({case.source}): {lines}"
    if case.changes is not None:
        assert result.change_steps == case.changes, f"{case.id} ({case.source})"
        assert result.changes == tuple(c for step in case.changes for c in step)
    if case.lead is not None:
        assert result.changes_lead == case.lead, f"{case.id} ({case.source})"


@pytest.mark.parametrize("case", [c for c in CASES if c.fixed is not None], ids=str)
def test_making_the_changes_allows_the_request(case: WhyCase) -> None:
    assert case.fixed is not None
    assert decide(_request(case), **_policies(case, **case.fixed)) == "allowed", case.id


def _rendered(case_id: str) -> str:
    from django.template.loader import render_to_string

    case = next(c for c in CASES if c.id == case_id)
    return " ".join(render_to_string("policy/_why.html", {"evaluation": _explain(case)}).split())


def test_the_page_says_every_change_is_needed() -> None:
    html = _rendered("identity-and-boundary-both-needed")
    assert (
        '<p class="changes-lead">Do all of these; each one is needed:</p> <ul><li>Add '
        "iam:CreateUser on * to an identity-based policy" in html
    )
    assert "<li>Add iam:CreateUser to the permissions boundary of IAM user bob</li>" in html


def test_the_page_says_any_one_change_would_do() -> None:
    html = _rendered("failing-any-condition-of-a-deny-is-enough")
    assert (
        '<p class="changes-lead">Any one of these would do:</p> <ul><li>Make the call in '
        "us-east-1</li><li>Call over HTTPS</li></ul>" in html
    )


def test_the_page_nests_alternatives_inside_needed_steps() -> None:
    html = _rendered("a-deny-to-dodge-and-an-allow-to-add")
    assert (
        '<p class="changes-lead">Do all of these; each one is needed:</p> <ul><li>Any one of '
        "these:<ul><li>Make the call in us-east-1</li><li>Call over HTTPS</li></ul></li><li>Add "
        "s3:GetObject on" in html
    )


def test_one_change_has_no_lead() -> None:
    html = _rendered("deny-notprincipal-user-without-its-account")
    assert "changes-lead" not in html
    assert f"<li>Add {ROOT} to the NotPrincipal of Statement 1" in html
