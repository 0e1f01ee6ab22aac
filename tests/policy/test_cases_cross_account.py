"""Cross-account evaluation: the principal's account and the resource's account must both allow.

Written from the IAM User Guide ("Cross-account policy evaluation logic", "AWS JSON policy
elements: Principal", the STS AssumeRole reference and the KMS key-policy pages). Account A
(111111111111, as in the guide's Carlos example) holds the callers; account B
(222222222222) holds the resources.
"""

from __future__ import annotations

from typing import Any

import pytest

from .casekit import Case, Doc, allow, aws, check, deny, doc, grant, stmt, trust

A = "111111111111"  # the trusted account: callers
B = "222222222222"  # the trusting account: resources
C = "333333333333"  # a third account

ROOT_A = f"arn:aws:iam::{A}:root"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB = f"arn:aws:iam::{A}:user/bob"
DEMO = f"arn:aws:iam::{A}:role/Demo"
CARLOS = f"arn:aws:sts::{A}:assumed-role/Demo/carlos"
FED = f"arn:aws:sts::{A}:federated-user/carol"

PROD = "arn:aws:s3:::amzn-s3-demo-bucket-production"
LOGS = "arn:aws:s3:::amzn-s3-demo-bucket-production-logs"
QUEUE = f"arn:aws:sqs:us-east-1:{B}:orders"
ROLE_B = f"arn:aws:iam::{B}:role/Auditor"
KEY_B = f"arn:aws:kms:us-east-1:{B}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

CROSS = "reference_policies_evaluation-logic-cross-account"
PRINCIPAL = "reference_policies_elements_principal"
NOTPRINCIPAL = "reference_policies_elements_notprincipal"
DENYALLOW = "reference_policies_evaluation-logic_policy-eval-denyallow"
ASSUME = "API_AssumeRole"
EXTERNAL_ID = "id_roles_create_for-user_externalid"
KMS = "key-policies"
STS_COMPARE = "id_credentials_sts-comparison"


# The guide's example: the Demo role's identity-based policy in account A ...
DEMO_POLICY = doc(
    stmt("Allow", "s3:ListAllMyBuckets", "*", sid="AllowS3ListRead"),
    stmt("Allow", "s3:*Object*", f"{PROD}/*", sid="AllowS3ProductionObjectActions"),
    stmt("Deny", "s3:*", ["arn:aws:s3:::*log*", "arn:aws:s3:::*log*/*"], sid="DenyS3Logs"),
)
# ... and the bucket policy on the production bucket in account B.
PROD_POLICY = grant(
    aws(DEMO),
    ["s3:GetObject*", "s3:PutObject*", "s3:ReplicateObject", "s3:RestoreObject"],
    f"{PROD}/*",
)

OBJ = f"{PROD}/report.csv"
GET = allow("s3:GetObject", f"{PROD}/*")


def bucket(principal: Any, action: Any = "s3:GetObject", effect: str = "Allow") -> Doc:
    return grant(principal, action, f"{PROD}/*", effect=effect)


GUIDE_EXAMPLE = [
    Case(
        "guide-example-both-accounts-allow-putobject",
        CROSS,
        CARLOS,
        "s3:PutObject",
        "allowed",
        OBJ,
        identity=[DEMO_POLICY],
        resource_policy=PROD_POLICY,
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "guide-example-identity-deny-on-log-bucket",
        CROSS,
        CARLOS,
        "s3:PutObject",
        "explicitDeny",
        f"{LOGS}/app.log.gz",
        identity=[DEMO_POLICY],
        resource_owner=B,
        decided_by="deny",
    ),
    Case(
        "guide-example-bucket-policy-does-not-allow-delete",
        CROSS,
        CARLOS,
        "s3:DeleteObject",
        "implicitDeny",
        OBJ,
        identity=[DEMO_POLICY],
        resource_policy=PROD_POLICY,
        resource_owner=B,
        decided_by="resource",
    ),
    Case(
        "guide-example-bucket-policy-does-not-allow-bucket-management",
        CROSS,
        CARLOS,
        "s3:PutBucketPolicy",
        "implicitDeny",
        PROD,
        identity=[allow("s3:*")],
        resource_policy=PROD_POLICY,
        resource_owner=B,
        decided_by="resource",
    ),
]

BOTH_SIDES = [
    Case(
        "cross-account-both-sides-allow-user",
        CROSS,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(ALICE)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-identity-allow-only-is-denied",
        CROSS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        identity=[GET],
        resource_owner=B,
        decided_by="resource",
    ),
    Case(
        "cross-account-resource-allow-only-is-denied",
        CROSS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_policy=bucket(aws(ALICE)),
        resource_owner=B,
        decided_by="identity",
    ),
    Case(
        "cross-account-identity-allow-for-other-resource-is-denied",
        CROSS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        identity=[allow("s3:GetObject", f"{LOGS}/*")],
        resource_policy=bucket(aws(ALICE)),
        resource_owner=B,
        decided_by="identity",
    ),
    Case(
        "cross-account-no-policies-is-denied",
        CROSS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_owner=B,
    ),
    Case(
        "cross-account-resource-policy-naming-account",
        PRINCIPAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(ROOT_A)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-resource-policy-naming-account-id",
        PRINCIPAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(A)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-account-principal-still-needs-identity-allow",
        PRINCIPAL,
        BOB,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_policy=bucket(aws(ROOT_A)),
        resource_owner=B,
        decided_by="identity",
    ),
    Case(
        "cross-account-resource-policy-naming-other-account",
        CROSS,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(f"arn:aws:iam::{C}:root")),
        resource_owner=B,
        decided_by="resource",
    ),
    Case(
        "cross-account-same-user-name-in-other-account-not-named",
        PRINCIPAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(f"arn:aws:iam::{C}:user/alice")),
        resource_owner=B,
        decided_by="resource",
    ),
    Case(
        "cross-account-principal-star-with-identity-allow",
        PRINCIPAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=bucket("*"),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-principal-star-without-identity-allow",
        PRINCIPAL,
        ALICE,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_policy=bucket("*"),
        resource_owner=B,
        decided_by="identity",
    ),
    Case(
        "cross-account-queue-arn-gives-resource-account",
        CROSS,
        ALICE,
        "sqs:SendMessage",
        "allowed",
        QUEUE,
        identity=[allow("sqs:SendMessage", QUEUE)],
        resource_policy=grant(aws(ROOT_A), "sqs:SendMessage", QUEUE),
        decided_by="cross-account",
    ),
    Case(
        "cross-account-queue-without-queue-policy",
        CROSS,
        ALICE,
        "sqs:SendMessage",
        "implicitDeny",
        QUEUE,
        identity=[allow("sqs:SendMessage", QUEUE)],
        decided_by="resource",
    ),
    Case(
        "cross-account-explicit-deny-in-identity-policy",
        CROSS,
        ALICE,
        "s3:GetObject",
        "explicitDeny",
        OBJ,
        identity=[GET, deny("s3:GetObject", f"{PROD}/*")],
        resource_policy=bucket(aws(ALICE)),
        resource_owner=B,
        decided_by="deny",
    ),
    Case(
        "cross-account-explicit-deny-in-resource-policy",
        CROSS,
        ALICE,
        "s3:GetObject",
        "explicitDeny",
        OBJ,
        identity=[GET],
        resource_policy=doc(
            stmt("Allow", "s3:GetObject", f"{PROD}/*", principal=aws(A)),
            stmt("Deny", "s3:GetObject", f"{PROD}/*", principal=aws(ALICE)),
        ),
        resource_owner=B,
        decided_by="deny",
    ),
    Case(
        "cross-account-resource-deny-naming-account-applies",
        CROSS,
        ALICE,
        "s3:GetObject",
        "explicitDeny",
        OBJ,
        identity=[GET],
        resource_policy=doc(
            stmt("Allow", "s3:GetObject", f"{PROD}/*", principal="*"),
            stmt("Deny", "s3:GetObject", f"{PROD}/*", principal=aws(A)),
        ),
        resource_owner=B,
        decided_by="deny",
    ),
]

ROOT_CALLER = [
    Case(
        "cross-account-root-allowed-by-policy-naming-its-account",
        PRINCIPAL,
        ROOT_A,
        "s3:GetObject",
        "allowed",
        OBJ,
        resource_policy=bucket(aws(ROOT_A)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-root-needs-resource-policy",
        CROSS,
        ROOT_A,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_owner=B,
        decided_by="resource",
    ),
    Case(
        "cross-account-root-not-named-by-user-principal",
        PRINCIPAL,
        ROOT_A,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_policy=bucket(aws(ALICE)),
        resource_owner=B,
        decided_by="resource",
    ),
    Case(
        "cross-account-root-stopped-by-resource-deny",
        CROSS,
        ROOT_A,
        "s3:GetObject",
        "explicitDeny",
        OBJ,
        resource_policy=doc(
            stmt("Allow", "s3:GetObject", f"{PROD}/*", principal=aws(A)),
            stmt("Deny", "s3:GetObject", f"{PROD}/*", principal="*"),
        ),
        resource_owner=B,
        decided_by="deny",
    ),
]

SESSIONS = [
    Case(
        "cross-account-resource-policy-naming-role-allows-session",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(DEMO)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-resource-policy-naming-session",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(CARLOS)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-session-arn-grant-still-needs-identity-allow",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_policy=bucket(aws(CARLOS)),
        resource_owner=B,
        decided_by="identity",
    ),
    Case(
        "cross-account-role-grant-still-needs-identity-allow",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        resource_policy=bucket(aws(DEMO)),
        resource_owner=B,
        decided_by="identity",
    ),
    Case(
        "cross-account-boundary-limits-caller-side",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        identity=[GET],
        boundary=allow("ec2:*"),
        resource_policy=bucket(aws(DEMO)),
        resource_owner=B,
        decided_by="boundary",
    ),
    Case(
        "cross-account-boundary-allowing",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        boundary=allow("s3:*"),
        resource_policy=bucket(aws(DEMO)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-session-policy-limits-caller-side",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        identity=[GET],
        session=[allow("ec2:*")],
        resource_policy=bucket(aws(DEMO)),
        resource_owner=B,
        decided_by="session",
    ),
    Case(
        "cross-account-session-policy-allowing",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        session=[allow("s3:GetObject")],
        resource_policy=bucket(aws(CARLOS)),
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-session-policy-deny",
        CROSS,
        CARLOS,
        "s3:GetObject",
        "explicitDeny",
        OBJ,
        identity=[GET],
        session=[doc(stmt("Allow", "*"), stmt("Deny", "s3:*"))],
        resource_policy=bucket(aws(CARLOS)),
        resource_owner=B,
        decided_by="deny",
    ),
    Case(
        "cross-account-federated-user-named-with-session-policy",
        CROSS,
        FED,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        session=[allow("s3:*")],
        resource_policy=bucket(aws(FED)),
        resource_owner=B,
        session_issuer=ALICE,
        decided_by="cross-account",
    ),
    Case(
        "cross-account-federated-user-without-session-policy",
        "API_GetFederationToken",
        FED,
        "s3:GetObject",
        "implicitDeny",
        OBJ,
        identity=[GET],
        resource_policy=bucket(aws(FED)),
        resource_owner=B,
        session_issuer=ALICE,
        decided_by="session",
    ),
]

# --- AssumeRole across accounts ---------------------------------------------------------------

ASSUME_B = allow("sts:AssumeRole", ROLE_B)

ASSUME_ROLE = [
    Case(
        "cross-assume-trust-names-account-and-identity-allows",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "allowed",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=trust(aws(ROOT_A)),
        resource_policy_type="trust",
        decided_by="cross-account",
    ),
    Case(
        "cross-assume-trust-names-user-and-identity-allows",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "allowed",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=trust(aws(ALICE)),
        resource_policy_type="trust",
        decided_by="cross-account",
    ),
    Case(
        "cross-assume-trust-naming-user-is-not-enough-alone",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        resource_policy=trust(aws(ALICE)),
        resource_policy_type="trust",
        decided_by="identity",
    ),
    Case(
        "cross-assume-trust-naming-account-is-not-enough-alone",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        resource_policy=trust(aws(ROOT_A)),
        resource_policy_type="trust",
        decided_by="identity",
    ),
    Case(
        "cross-assume-identity-allow-without-trust-is-denied",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        identity=[ASSUME_B],
        decided_by="resource",
    ),
    Case(
        "cross-assume-trust-naming-other-account-is-denied",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=trust(aws(C)),
        resource_policy_type="trust",
        decided_by="resource",
    ),
    Case(
        "cross-assume-trust-naming-role-allows-chained-session",
        ASSUME,
        CARLOS,
        "sts:AssumeRole",
        "allowed",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=trust(aws(DEMO)),
        resource_policy_type="trust",
        decided_by="cross-account",
    ),
    Case(
        "cross-assume-trust-deny-for-user",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "explicitDeny",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=doc(
            stmt("Allow", "sts:AssumeRole", None, principal=aws(A)),
            stmt("Deny", "sts:AssumeRole", None, principal=aws(ALICE)),
        ),
        resource_policy_type="trust",
        decided_by="deny",
    ),
    Case(
        "cross-assume-identity-deny",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "explicitDeny",
        ROLE_B,
        identity=[ASSUME_B, deny("sts:AssumeRole")],
        resource_policy=trust(aws(ROOT_A)),
        resource_policy_type="trust",
        decided_by="deny",
    ),
    Case(
        "cross-assume-with-matching-external-id",
        EXTERNAL_ID,
        ALICE,
        "sts:AssumeRole",
        "allowed",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=trust(
            aws(A), condition={"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}
        ),
        resource_policy_type="trust",
        context={"sts:ExternalId": "Unique-ID-1234"},
        decided_by="cross-account",
    ),
    Case(
        "cross-assume-without-external-id",
        EXTERNAL_ID,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=trust(
            aws(A), condition={"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}
        ),
        resource_policy_type="trust",
        decided_by="resource",
    ),
    Case(
        "cross-assume-with-wrong-external-id",
        EXTERNAL_ID,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        identity=[ASSUME_B],
        resource_policy=trust(
            aws(A), condition={"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}
        ),
        resource_policy_type="trust",
        context={"sts:ExternalId": "Other-ID"},
        decided_by="resource",
    ),
    Case(
        "cross-assume-root-cannot-assume-roles",
        STS_COMPARE,
        ROOT_A,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        resource_policy=trust(aws(ROOT_A)),
        resource_policy_type="trust",
        decided_by="sts",
    ),
    Case(
        "cross-assume-boundary-without-assumerole",
        ASSUME,
        ALICE,
        "sts:AssumeRole",
        "implicitDeny",
        ROLE_B,
        identity=[ASSUME_B],
        boundary=allow("s3:*"),
        resource_policy=trust(aws(ROOT_A)),
        resource_policy_type="trust",
        decided_by="boundary",
    ),
]

# --- KMS keys in another account ----------------------------------------------------------------

USE_KEY = allow(["kms:Encrypt", "kms:Decrypt"], KEY_B)

KMS_CASES = [
    Case(
        "cross-kms-key-policy-names-account-and-identity-allows",
        KMS,
        ALICE,
        "kms:Decrypt",
        "allowed",
        KEY_B,
        identity=[USE_KEY],
        resource_policy=grant(aws(ROOT_A), ["kms:Encrypt", "kms:Decrypt"]),
        decided_by="cross-account",
    ),
    Case(
        "cross-kms-identity-allow-without-key-policy",
        KMS,
        ALICE,
        "kms:Decrypt",
        "implicitDeny",
        KEY_B,
        identity=[USE_KEY],
        decided_by="resource",
    ),
    Case(
        "cross-kms-key-policy-without-identity-allow",
        KMS,
        ALICE,
        "kms:Decrypt",
        "implicitDeny",
        KEY_B,
        resource_policy=grant(aws(ROOT_A), "kms:Decrypt"),
        decided_by="identity",
    ),
    Case(
        "cross-kms-key-policy-names-role",
        KMS,
        CARLOS,
        "kms:Decrypt",
        "allowed",
        KEY_B,
        identity=[USE_KEY],
        resource_policy=grant(aws(DEMO), "kms:Decrypt"),
        decided_by="cross-account",
    ),
    Case(
        "cross-kms-identity-deny",
        KMS,
        ALICE,
        "kms:Decrypt",
        "explicitDeny",
        KEY_B,
        identity=[USE_KEY, deny("kms:Decrypt")],
        resource_policy=grant(aws(ROOT_A), "kms:Decrypt"),
        decided_by="deny",
    ),
]

# --- NotPrincipal in a resource policy of the other account -----------------------------------

FENCE = doc(
    stmt("Allow", "s3:GetObject", f"{PROD}/*", principal=aws(A)),
    stmt("Deny", "s3:GetObject", f"{PROD}/*", not_principal=aws(ALICE, ROOT_A)),
)

NOT_PRINCIPAL = [
    Case(
        "cross-notprincipal-spares-listed-user",
        NOTPRINCIPAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=FENCE,
        resource_owner=B,
        decided_by="cross-account",
    ),
    Case(
        "cross-notprincipal-denies-other-user-of-account",
        NOTPRINCIPAL,
        BOB,
        "s3:GetObject",
        "explicitDeny",
        OBJ,
        identity=[GET],
        resource_policy=FENCE,
        resource_owner=B,
        decided_by="deny",
    ),
    Case(
        "cross-principalarn-condition-instead-of-notprincipal",
        PRINCIPAL,
        BOB,
        "s3:GetObject",
        "explicitDeny",
        OBJ,
        identity=[GET],
        resource_policy=doc(
            stmt("Allow", "s3:GetObject", f"{PROD}/*", principal=aws(A)),
            stmt(
                "Deny",
                "s3:*",
                [PROD, f"{PROD}/*"],
                principal="*",
                condition={"ArnNotEquals": {"aws:PrincipalArn": ALICE}},
            ),
        ),
        resource_owner=B,
        decided_by="deny",
    ),
    Case(
        "cross-principalarn-condition-spares-named-user",
        PRINCIPAL,
        ALICE,
        "s3:GetObject",
        "allowed",
        OBJ,
        identity=[GET],
        resource_policy=doc(
            stmt("Allow", "s3:GetObject", f"{PROD}/*", principal=aws(A)),
            stmt(
                "Deny",
                "s3:*",
                [PROD, f"{PROD}/*"],
                principal="*",
                condition={"ArnNotEquals": {"aws:PrincipalArn": ALICE}},
            ),
        ),
        resource_owner=B,
        decided_by="cross-account",
    ),
]

CASES = (
    GUIDE_EXAMPLE + BOTH_SIDES + ROOT_CALLER + SESSIONS + ASSUME_ROLE + KMS_CASES + NOT_PRINCIPAL
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_cross_account(case: Case) -> None:
    check(case)
