"""AWS Organizations guardrails: service control policies (SCPs) and resource control policies.

Written from the AWS Organizations User Guide (orgs_manage_policies_scps,
orgs_manage_policies_rcps and their evaluation pages) and the IAM User Guide's
"Policy evaluation logic". SCP and RCP levels are given root first, then the OU, then the
account; a level-index ``N`` in ``scp:N`` / ``rcp:N`` counts from the organization root.
"""

from __future__ import annotations

from typing import Any

import pytest

from .casekit import Case, Doc, allow, check, deny, doc, stmt

A = "111122223333"  # a member account
B = "444455556666"  # another account (external unless stated)

ROOT = f"arn:aws:iam::{A}:root"
ALICE = f"arn:aws:iam::{A}:user/alice"
ROLE = f"arn:aws:iam::{A}:role/Dev"
SESSION = f"arn:aws:sts::{A}:assumed-role/Dev/alice"
FED = f"arn:aws:sts::{A}:federated-user/carol"
SLR = (
    f"arn:aws:iam::{A}:role/aws-service-role/elasticmapreduce.amazonaws.com/"
    "AWSServiceRoleForEMRCleanup"
)
SLR_SESSION = f"arn:aws:sts::{A}:assumed-role/AWSServiceRoleForEMRCleanup/cleanup"
SERVICE_ROLE = f"arn:aws:iam::{A}:role/service-role/CodeBuildRole"
EXTERNAL = f"arn:aws:iam::{B}:user/mallory"
EXTERNAL_ROOT = f"arn:aws:iam::{B}:root"

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECT = f"{BUCKET}/report.txt"
QUEUE = f"arn:aws:sqs:us-east-1:{A}:orders"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET = f"arn:aws:secretsmanager:us-east-1:{A}:secret:db-password-AbCdEf"
TARGET = f"arn:aws:iam::{A}:role/Target"
INSTANCE = f"arn:aws:ec2:us-east-1:{A}:instance/i-0123456789abcdef0"

SCPS = "orgs_manage_policies_scps"
SCP_EVAL = "orgs_manage_policies_scps_evaluation"
RCPS = "orgs_manage_policies_rcps"
RCP_EVAL = "orgs_manage_policies_rcps_evaluation"
DENYALLOW = "reference_policies_evaluation-logic_policy-eval-denyallow"
STS_COMPARE = "id_credentials_sts-comparison"


def grant(
    principal: Any, action: Any, resource: Any = "*", effect: str = "Allow", **extra: Any
) -> Doc:
    return doc(stmt(effect, action, resource, principal=principal, **extra))


def trust(principal: Any, action: Any = "sts:AssumeRole") -> Doc:
    return doc(stmt("Allow", action, None, principal=principal))


FULL = doc(stmt("Allow", "*", "*", sid="FullAWSAccess"))  # FullAWSAccess


def full(levels: int = 3) -> list[list[Doc]]:
    """FullAWSAccess attached at every level."""
    return [[FULL] for _ in range(levels)]


def with_scp(level: int, *policies: Doc, levels: int = 3) -> list[list[Doc]]:
    """FullAWSAccess at every level, plus the given policies at one level."""
    out = full(levels)
    out[level] = [FULL, *policies]
    return out


def only_scp(level: int, *policies: Doc, levels: int = 3) -> list[list[Doc]]:
    """FullAWSAccess at every level except one, which has only the given policies."""
    out = full(levels)
    out[level] = list(policies)
    return out


RCP_FULL = doc(stmt("Allow", "*", "*", principal="*"))  # RCPFullAWSAccess


def rcp_full(levels: int = 3) -> list[list[Doc]]:
    return [[RCP_FULL] for _ in range(levels)]


def with_rcp(level: int, *policies: Doc, levels: int = 3) -> list[list[Doc]]:
    out = rcp_full(levels)
    out[level] = [RCP_FULL, *policies]
    return out


def rcp_deny(action: Any, resource: Any = "*", **extra: Any) -> Doc:
    return doc(stmt("Deny", action, resource, principal="*", **extra))


GET = allow("s3:GetObject", f"{BUCKET}/*")
ALL = allow("*")
DENY_ALL = deny("*")
S3_ONLY = allow("s3:*")
REGION_GUARD = deny("*", condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}})

# --- SCPs --------------------------------------------------------------------------------------

SCP_CASES = [
    Case(
        "scp-fullawsaccess-at-every-level-allows",
        SCPS,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        scps=full(),
        decided_by="identity",
    ),
    Case(
        "scp-fullawsaccess-does-not-grant",
        SCPS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        scps=full(),
        decided_by="identity",
    ),
    Case(
        "scp-missing-allow-at-root-denies",
        SCP_EVAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=only_scp(0, allow("ec2:*")),
        decided_by="scp:0",
    ),
    Case(
        "scp-missing-allow-at-ou-denies",
        SCP_EVAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=only_scp(1, allow("ec2:*")),
        decided_by="scp:1",
    ),
    Case(
        "scp-missing-allow-at-account-denies",
        SCP_EVAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=only_scp(2, allow("ec2:*")),
        decided_by="scp:2",
    ),
    Case(
        "scp-allow-list-at-ou-permits-listed-service",
        SCP_EVAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        scps=only_scp(1, S3_ONLY),
        decided_by="identity",
    ),
    Case(
        "scp-allow-list-at-ou-blocks-other-service",
        SCP_EVAL,
        ALICE,
        "ec2:RunInstances",
        "implicitDeny",
        INSTANCE,
        identity=[ALL],
        scps=only_scp(1, S3_ONLY),
        decided_by="scp:1",
    ),
    Case(
        "scp-allow-at-one-level-only-is-not-enough",
        SCP_EVAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=[[FULL], [S3_ONLY], [allow("ec2:*")]],
        decided_by="scp:2",
    ),
    Case(
        "scp-any-policy-at-a-level-can-allow",
        SCP_EVAL,
        ALICE,
        "ec2:DescribeInstances",
        "allowed",
        identity=[ALL],
        scps=only_scp(1, S3_ONLY, allow("ec2:Describe*")),
        decided_by="identity",
    ),
    Case(
        "scp-single-level-without-allow",
        SCPS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=[[allow("ec2:*")]],
        decided_by="scp:0",
    ),
    Case(
        "scp-level-with-only-deny-policies-denies",
        SCP_EVAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=only_scp(1, deny("ec2:*")),
        decided_by="scp:1",
    ),
    Case(
        "scp-deny-at-root-applies",
        SCP_EVAL,
        ALICE,
        "s3:DeleteBucket",
        "explicitDeny",
        BUCKET,
        identity=[ALL],
        scps=with_scp(0, deny("s3:DeleteBucket")),
        decided_by="deny",
    ),
    Case(
        "scp-deny-at-ou-applies",
        SCP_EVAL,
        ALICE,
        "s3:DeleteBucket",
        "explicitDeny",
        BUCKET,
        identity=[ALL],
        scps=with_scp(1, deny("s3:DeleteBucket")),
        decided_by="deny",
    ),
    Case(
        "scp-deny-at-account-applies",
        SCP_EVAL,
        ALICE,
        "s3:DeleteBucket",
        "explicitDeny",
        BUCKET,
        identity=[ALL],
        scps=with_scp(2, deny("s3:DeleteBucket")),
        decided_by="deny",
    ),
    Case(
        "scp-deny-of-other-action-has-no-effect",
        SCP_EVAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        scps=with_scp(1, deny("s3:DeleteBucket")),
        decided_by="identity",
    ),
    Case(
        "scp-region-deny-applies-outside-region",
        SCPS,
        ALICE,
        "ec2:RunInstances",
        "explicitDeny",
        f"arn:aws:ec2:eu-west-1:{A}:instance/i-0123456789abcdef0",
        identity=[ALL],
        scps=with_scp(1, REGION_GUARD),
        context={"aws:RequestedRegion": "eu-west-1"},
        decided_by="deny",
    ),
    Case(
        "scp-region-deny-does-not-apply-inside-region",
        SCPS,
        ALICE,
        "ec2:RunInstances",
        "allowed",
        INSTANCE,
        identity=[ALL],
        scps=with_scp(1, REGION_GUARD),
        context={"aws:RequestedRegion": "us-east-1"},
        decided_by="identity",
    ),
    Case(
        "scp-deny-notaction-blocks-unlisted-service",
        SCPS,
        ALICE,
        "ec2:RunInstances",
        "explicitDeny",
        INSTANCE,
        identity=[ALL],
        scps=with_scp(1, doc(stmt("Deny", None, "*", not_action=["s3:*", "iam:*"]))),
        decided_by="deny",
    ),
    Case(
        "scp-deny-notaction-spares-listed-service",
        SCPS,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        scps=with_scp(1, doc(stmt("Deny", None, "*", not_action=["s3:*", "iam:*"]))),
        decided_by="identity",
    ),
    Case(
        "scp-applies-to-role-session",
        SCPS,
        SESSION,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=only_scp(2, allow("ec2:*")),
        decided_by="scp:2",
    ),
    Case(
        "scp-deny-applies-to-role-session",
        SCPS,
        SESSION,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        identity=[GET],
        scps=with_scp(0, deny("s3:*")),
        decided_by="deny",
    ),
    Case(
        "scp-applies-to-federated-user",
        SCPS,
        FED,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        session=[GET],
        scps=only_scp(1, allow("ec2:*")),
        session_issuer=ALICE,
        decided_by="scp:1",
    ),
    Case(
        "scp-applies-to-service-role-with-service-role-path",
        SCPS,
        SERVICE_ROLE,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        identity=[GET],
        scps=with_scp(0, DENY_ALL),
        decided_by="deny",
    ),
    Case(
        "scp-and-boundary-both-must-allow",
        SCPS,
        ALICE,
        "ec2:RunInstances",
        "implicitDeny",
        INSTANCE,
        identity=[ALL],
        boundary=S3_ONLY,
        scps=full(),
        decided_by="boundary",
    ),
    # the root user of a member account
    Case(
        "scp-fullawsaccess-leaves-member-root-full-access",
        SCPS,
        ROOT,
        "s3:DeleteBucket",
        "allowed",
        BUCKET,
        scps=full(),
        decided_by="root",
    ),
    Case(
        "scp-deny-applies-to-member-root-user",
        SCPS,
        ROOT,
        "s3:DeleteBucket",
        "explicitDeny",
        BUCKET,
        scps=with_scp(1, deny("s3:DeleteBucket")),
        decided_by="deny",
    ),
    Case(
        "scp-without-allow-limits-member-root-user",
        SCPS,
        ROOT,
        "ec2:RunInstances",
        "implicitDeny",
        INSTANCE,
        scps=only_scp(2, S3_ONLY),
        decided_by="scp:2",
    ),
    Case(
        "scp-allow-list-keeps-member-root-within-it",
        SCPS,
        ROOT,
        "s3:GetObject",
        "allowed",
        OBJECT,
        scps=only_scp(2, S3_ONLY),
        decided_by="root",
    ),
    # SCPs never grant and also limit what resource-based policies grant
    Case(
        "scp-limits-bucket-policy-grant-to-user",
        SCPS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        resource_policy=grant({"AWS": ALICE}, "s3:GetObject", f"{BUCKET}/*"),
        scps=only_scp(1, allow("ec2:*")),
        decided_by="scp:1",
    ),
    Case(
        "scp-deny-overrides-bucket-policy-grant",
        SCPS,
        ALICE,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        resource_policy=grant({"AWS": ALICE}, "s3:GetObject", f"{BUCKET}/*"),
        scps=with_scp(0, deny("s3:*")),
        decided_by="deny",
    ),
    Case(
        "scp-fullawsaccess-with-bucket-policy-grant",
        SCPS,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        resource_policy=grant({"AWS": ALICE}, "s3:GetObject", f"{BUCKET}/*"),
        scps=full(),
        decided_by="resource",
    ),
    Case(
        "scp-limits-trust-policy-grant",
        SCPS,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        TARGET,
        resource_policy=trust({"AWS": ALICE}),
        resource_policy_type="trust",
        scps=only_scp(1, S3_ONLY),
        decided_by="scp:1",
    ),
    Case(
        "scp-of-caller-blocks-cross-account-request",
        SCPS,
        ALICE,
        "sqs:SendMessage",
        "implicitDeny",
        f"arn:aws:sqs:us-east-1:{B}:orders",
        identity=[allow("sqs:SendMessage")],
        resource_policy=grant({"AWS": A}, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{B}:orders"),
        scps=only_scp(2, S3_ONLY),
        decided_by="scp:2",
    ),
    Case(
        "scp-allowing-caller-cross-account-request",
        SCPS,
        ALICE,
        "sqs:SendMessage",
        "allowed",
        f"arn:aws:sqs:us-east-1:{B}:orders",
        identity=[allow("sqs:SendMessage")],
        resource_policy=grant({"AWS": A}, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{B}:orders"),
        scps=full(),
        decided_by="cross-account",
    ),
    # who SCPs do not apply to
    Case(
        "scp-does-not-apply-to-service-principal",
        SCPS,
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        "allowed",
        f"{BUCKET}/AWSLogs/x.gz",
        resource_policy=grant(
            {"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject", f"{BUCKET}/AWSLogs/*"
        ),
        scps=with_scp(0, DENY_ALL),
        decided_by="resource",
    ),
    Case(
        "scp-does-not-apply-to-service-linked-role",
        SCPS,
        SLR,
        "ec2:TerminateInstances",
        "allowed",
        INSTANCE,
        identity=[allow("ec2:TerminateInstances")],
        scps=with_scp(0, DENY_ALL),
        decided_by="identity",
    ),
    Case(
        "scp-does-not-apply-to-service-linked-role-session",
        SCPS,
        SLR_SESSION,
        "ec2:TerminateInstances",
        "allowed",
        INSTANCE,
        identity=[allow("ec2:TerminateInstances")],
        scps=only_scp(1, S3_ONLY),
        session_issuer=SLR,
        decided_by="identity",
    ),
    Case(
        "service-linked-role-still-needs-its-permissions-policy",
        SCPS,
        SLR,
        "ec2:TerminateInstances",
        "implicitDeny",
        INSTANCE,
        scps=full(),
        decided_by="identity",
    ),
    Case(
        "scp-deny-does-not-block-getcalleridentity",
        STS_COMPARE,
        ALICE,
        "sts:GetCallerIdentity",
        "allowed",
        scps=with_scp(0, DENY_ALL),
        decided_by="sts",
    ),
]

# --- RCPs --------------------------------------------------------------------------------------

ORG_PERIMETER = rcp_deny(
    "s3:*",
    [BUCKET, f"{BUCKET}/*"],
    condition={
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    },
)
PUBLIC = grant("*", "s3:GetObject", f"{BUCKET}/*")
DENY_S3_RCP = rcp_deny("s3:*")
# A level whose only RCP denies something unrelated: D5, no Allow at that level. (AWS keeps
# RCPFullAWSAccess attached everywhere; the denyallow page still defines the no-Allow case.)
NO_ALLOW = rcp_deny("s3:PutBucketPolicy")

RCP_CASES = [
    Case(
        "rcp-fullawsaccess-at-every-level-allows",
        RCPS,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        rcps=rcp_full(),
        decided_by="identity",
    ),
    Case(
        "rcp-fullawsaccess-does-not-grant",
        RCPS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        rcps=rcp_full(),
        decided_by="identity",
    ),
    Case(
        "rcp-deny-blocks-same-account-user",
        RCP_EVAL,
        ALICE,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        identity=[GET],
        rcps=with_rcp(1, DENY_S3_RCP),
        decided_by="deny",
    ),
    Case(
        "rcp-deny-overrides-bucket-policy-grant",
        RCPS,
        ALICE,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        resource_policy=grant({"AWS": ALICE}, "s3:GetObject", f"{BUCKET}/*"),
        rcps=with_rcp(2, DENY_S3_RCP),
        decided_by="deny",
    ),
    Case(
        "rcp-level-without-allow-denies",
        RCP_EVAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        rcps=[[RCP_FULL], [NO_ALLOW], [RCP_FULL]],
        decided_by="rcp:1",
    ),
    Case(
        "rcp-deny-of-other-action-has-no-effect",
        RCP_EVAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        rcps=with_rcp(0, rcp_deny("s3:DeleteObject")),
        decided_by="identity",
    ),
    Case(
        "rcp-perimeter-blocks-external-caller",
        RCPS,
        EXTERNAL,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        identity=[GET],
        resource_policy=grant({"AWS": B}, "s3:GetObject", f"{BUCKET}/*"),
        rcps=with_rcp(1, ORG_PERIMETER),
        resource_owner=A,
        context={"aws:PrincipalOrgID": "o-zzzzzzzzzz"},
        decided_by="deny",
    ),
    Case(
        "rcp-perimeter-allows-caller-in-organization",
        RCPS,
        EXTERNAL,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        resource_policy=grant({"AWS": B}, "s3:GetObject", f"{BUCKET}/*"),
        rcps=with_rcp(1, ORG_PERIMETER),
        resource_owner=A,
        context={"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        decided_by="cross-account",
    ),
    Case(
        "rcp-perimeter-blocks-external-root-user",
        RCPS,
        EXTERNAL_ROOT,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        resource_policy=grant({"AWS": B}, "s3:GetObject", f"{BUCKET}/*"),
        rcps=with_rcp(2, ORG_PERIMETER),
        resource_owner=A,
        context={"aws:PrincipalOrgID": "o-zzzzzzzzzz"},
        decided_by="deny",
    ),
    Case(
        "rcp-without-allow-blocks-external-caller",
        RCP_EVAL,
        EXTERNAL,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        resource_policy=grant({"AWS": B}, "s3:GetObject", f"{BUCKET}/*"),
        rcps=[[RCP_FULL], [RCP_FULL], [NO_ALLOW]],
        resource_owner=A,
        decided_by="rcp:2",
    ),
    Case(
        "rcp-perimeter-exempts-service-principal",
        RCPS,
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        "allowed",
        f"{BUCKET}/AWSLogs/x.gz",
        resource_policy=grant(
            {"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject", f"{BUCKET}/AWSLogs/*"
        ),
        rcps=with_rcp(1, ORG_PERIMETER),
        decided_by="resource",
    ),
    Case(
        "rcp-deny-without-exemption-applies-to-service-principal",
        RCPS,
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        "explicitDeny",
        f"{BUCKET}/AWSLogs/x.gz",
        resource_policy=grant(
            {"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject", f"{BUCKET}/AWSLogs/*"
        ),
        rcps=with_rcp(1, DENY_S3_RCP),
        decided_by="deny",
    ),
    Case(
        "rcp-deny-applies-to-own-root-user",
        RCPS,
        ROOT,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        rcps=with_rcp(1, DENY_S3_RCP),
        decided_by="deny",
    ),
    Case(
        "rcp-fullawsaccess-leaves-root-full-access",
        RCPS,
        ROOT,
        "s3:GetObject",
        "allowed",
        OBJECT,
        rcps=rcp_full(),
        decided_by="root",
    ),
    Case(
        "rcp-deny-applies-to-anonymous-caller",
        RCPS,
        "*",
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        resource_policy=PUBLIC,
        rcps=with_rcp(
            0, rcp_deny("s3:GetObject", condition={"Bool": {"aws:SecureTransport": "false"}})
        ),
        context={"aws:SecureTransport": False},
        decided_by="deny",
    ),
    Case(
        "rcp-condition-false-leaves-anonymous-grant",
        RCPS,
        "*",
        "s3:GetObject",
        "allowed",
        OBJECT,
        resource_policy=PUBLIC,
        rcps=with_rcp(
            0, rcp_deny("s3:GetObject", condition={"Bool": {"aws:SecureTransport": "false"}})
        ),
        context={"aws:SecureTransport": True},
        decided_by="resource",
    ),
    # services on the RCP list
    Case(
        "rcp-applies-to-sqs",
        RCPS,
        ALICE,
        "sqs:SendMessage",
        "explicitDeny",
        QUEUE,
        identity=[allow("sqs:*")],
        rcps=with_rcp(1, rcp_deny("sqs:*")),
        decided_by="deny",
    ),
    Case(
        "rcp-applies-to-kms",
        RCPS,
        ALICE,
        "kms:Decrypt",
        "explicitDeny",
        KEY,
        identity=[allow("kms:*")],
        resource_policy=grant({"AWS": ROOT}, "kms:*"),
        rcps=with_rcp(1, rcp_deny("kms:Decrypt")),
        decided_by="deny",
    ),
    Case(
        "rcp-applies-to-sts-assumerole",
        RCPS,
        EXTERNAL,
        "sts:AssumeRole",
        "explicitDeny",
        TARGET,
        identity=[allow("sts:AssumeRole")],
        resource_policy=trust({"AWS": B}),
        resource_policy_type="trust",
        rcps=with_rcp(2, rcp_deny("sts:AssumeRole")),
        decided_by="deny",
    ),
    Case(
        "rcp-applies-to-secretsmanager",
        RCPS,
        ALICE,
        "secretsmanager:GetSecretValue",
        "explicitDeny",
        SECRET,
        identity=[allow("secretsmanager:*")],
        rcps=with_rcp(0, rcp_deny("secretsmanager:*")),
        decided_by="deny",
    ),
    Case(
        "rcp-level-without-allow-applies-to-dynamodb",
        RCP_EVAL,
        ALICE,
        "dynamodb:GetItem",
        "implicitDeny",
        f"arn:aws:dynamodb:us-east-1:{A}:table/Books",
        identity=[allow("dynamodb:*")],
        rcps=[[RCP_FULL], [NO_ALLOW]],
        decided_by="rcp:1",
    ),
    # services and callers RCPs do not apply to
    pytest.param(
        Case(
            "rcp-does-not-apply-to-action-without-resource-type",
            RCPS,
            ALICE,
            "s3:ListAllMyBuckets",
            "allowed",
            "*",
            identity=[allow("s3:ListAllMyBuckets")],
            rcps=with_rcp(0, DENY_S3_RCP),
            decided_by="identity",
        ),
        id="rcp-does-not-apply-to-action-without-resource-type",
    ),
    Case(
        "rcp-does-not-apply-to-iam",
        RCPS,
        ALICE,
        "iam:CreateUser",
        "allowed",
        f"arn:aws:iam::{A}:user/eve",
        identity=[allow("iam:CreateUser")],
        rcps=with_rcp(0, rcp_deny("*")),
        decided_by="identity",
    ),
    Case(
        "rcp-does-not-apply-to-ec2",
        RCPS,
        ALICE,
        "ec2:RunInstances",
        "allowed",
        INSTANCE,
        identity=[allow("ec2:*")],
        rcps=with_rcp(0, rcp_deny("*")),
        decided_by="identity",
    ),
    Case(
        "rcp-level-without-allow-ignored-for-ec2",
        RCPS,
        ALICE,
        "ec2:RunInstances",
        "allowed",
        INSTANCE,
        identity=[allow("ec2:*")],
        rcps=[[RCP_FULL], [NO_ALLOW]],
        decided_by="identity",
    ),
    Case(
        "rcp-does-not-apply-to-lambda",
        RCPS,
        ALICE,
        "lambda:InvokeFunction",
        "allowed",
        f"arn:aws:lambda:us-east-1:{A}:function:app",
        identity=[allow("lambda:*")],
        rcps=with_rcp(0, rcp_deny("*")),
        decided_by="identity",
    ),
    Case(
        "rcp-does-not-apply-to-service-linked-role",
        RCPS,
        SLR,
        "s3:DeleteObject",
        "allowed",
        OBJECT,
        identity=[allow("s3:*")],
        rcps=with_rcp(1, DENY_S3_RCP),
        decided_by="identity",
    ),
    Case(
        "rcp-does-not-apply-to-service-linked-role-session",
        RCPS,
        SLR_SESSION,
        "s3:DeleteObject",
        "allowed",
        OBJECT,
        identity=[allow("s3:*")],
        rcps=with_rcp(1, DENY_S3_RCP),
        session_issuer=SLR,
        decided_by="identity",
    ),
    Case(
        "rcp-does-not-apply-to-kms-retiregrant",
        RCPS,
        ALICE,
        "kms:RetireGrant",
        "allowed",
        KEY,
        identity=[allow("kms:*")],
        resource_policy=grant({"AWS": ROOT}, "kms:*"),
        rcps=with_rcp(0, rcp_deny("kms:*")),
        decided_by="identity",
    ),
    # SCPs and RCPs together
    Case(
        "scp-and-rcp-fullawsaccess-allow-identity-grant",
        DENYALLOW,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJECT,
        identity=[GET],
        scps=full(),
        rcps=rcp_full(),
        decided_by="identity",
    ),
    Case(
        "scp-deny-wins-over-rcp-fullawsaccess",
        DENYALLOW,
        ALICE,
        "s3:GetObject",
        "explicitDeny",
        OBJECT,
        identity=[GET],
        scps=with_scp(1, deny("s3:*")),
        rcps=rcp_full(),
        decided_by="deny",
    ),
    Case(
        "rcp-missing-allow-checked-before-scp",
        DENYALLOW,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=only_scp(1, allow("ec2:*")),
        rcps=[[RCP_FULL], [NO_ALLOW]],
        decided_by="rcp:1",
    ),
    Case(
        "rcp-and-scp-both-allowing-still-need-a-grant",
        DENYALLOW,
        ALICE,
        "s3:PutObject",
        "implicitDeny",
        OBJECT,
        identity=[GET],
        scps=full(),
        rcps=rcp_full(),
        decided_by="identity",
    ),
]

CASES = SCP_CASES + RCP_CASES


@pytest.mark.parametrize("case", CASES, ids=str)
def test_organizations(case: Case) -> None:
    check(case)
