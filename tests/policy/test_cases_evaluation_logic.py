"""Evaluation logic within one account, across policy types, as the AWS documentation states it.

Each case names the AWS page it comes from (see ``casekit.DOCS`` for the IAM User Guide base;
``key-policies`` is in the KMS Developer Guide and ``API_*`` pages in the STS API Reference).
The cases were written from the documentation text, not from another project's tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from .casekit import Case, Doc, check, doc, stmt

A = "111122223333"  # the account everything below lives in
C = "777788889999"  # an unrelated account

ROOT = f"arn:aws:iam::{A}:root"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB = f"arn:aws:iam::{A}:user/bob"
ROLE = f"arn:aws:iam::{A}:role/Dev"
SESSION = f"arn:aws:sts::{A}:assumed-role/Dev/alice"
OTHER_SESSION = f"arn:aws:sts::{A}:assumed-role/Dev/mallory"
FED = f"arn:aws:sts::{A}:federated-user/carol"
TARGET = f"arn:aws:iam::{A}:role/Target"
SAML = f"arn:aws:iam::{A}:saml-provider/Corp"

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECT = f"{BUCKET}/report.txt"
OTHER_OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket2/report.txt"
KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

DENYALLOW = "reference_policies_evaluation-logic_policy-eval-denyallow"
BOUNDARIES = "access_policies_boundaries"
SESSIONS = "access_policies"
PRINCIPAL = "reference_policies_elements_principal"
NOTPRINCIPAL = "reference_policies_elements_notprincipal"
NOTACTION = "reference_policies_elements_notaction"
NOTRESOURCE = "reference_policies_elements_notresource"
ACTION = "reference_policies_elements_action"
RESOURCE = "reference_policies_elements_resource"
TRUST = "id_roles_compare-resource-policies"
ASSUME = "API_AssumeRole"
FEDERATION = "API_GetFederationToken"
STS_COMPARE = "id_credentials_sts-comparison"
KMS = "key-policies"
ROOT_PAGE = "id_root-user"


def allow(action: Any, resource: Any = "*", **extra: Any) -> Doc:
    return doc(stmt("Allow", action, resource, **extra))


def deny(action: Any, resource: Any = "*", **extra: Any) -> Doc:
    return doc(stmt("Deny", action, resource, **extra))


def aws(*arns: str) -> dict[str, Any]:
    return {"AWS": arns[0] if len(arns) == 1 else list(arns)}


def grant(principal: Any, action: Any, resource: Any = "*", effect: str = "Allow",
          **extra: Any) -> Doc:
    """A resource-based policy with one statement."""
    return doc(stmt(effect, action, resource, principal=principal, **extra))


def trust(principal: Any, action: Any = "sts:AssumeRole", effect: str = "Allow",
          **extra: Any) -> Doc:
    """A role trust policy with one statement (no Resource element)."""
    return doc(stmt(effect, action, None, principal=principal, **extra))


GET = allow("s3:GetObject", f"{BUCKET}/*")
ASSUME_TARGET = allow("sts:AssumeRole", TARGET)

# --- identity-based policies -------------------------------------------------------------------

IDENTITY = [
    Case("identity-allow-grants-user", DENYALLOW, ALICE, "s3:GetObject", "allowed", OBJECT,
         identity=[GET], decided_by="identity"),
    Case("no-policy-is-implicit-deny", DENYALLOW, ALICE, "s3:GetObject", "implicitDeny",
         OBJECT, decided_by="identity"),
    Case("identity-allow-other-action-implicit-deny", DENYALLOW, ALICE, "s3:PutObject",
         "implicitDeny", OBJECT, identity=[GET], decided_by="identity"),
    Case("identity-allow-other-resource-implicit-deny", DENYALLOW, ALICE, "s3:GetObject",
         "implicitDeny", OTHER_OBJECT, identity=[GET], decided_by="identity"),
    Case("identity-deny-overrides-allow-in-same-policy", DENYALLOW, ALICE, "s3:DeleteObject",
         "explicitDeny", OBJECT,
         identity=[doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:DeleteObject", f"{BUCKET}/*"))],
         decided_by="deny"),
    Case("identity-deny-of-other-action-keeps-allow", DENYALLOW, ALICE, "s3:GetObject",
         "allowed", OBJECT,
         identity=[doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:DeleteObject", f"{BUCKET}/*"))],
         decided_by="identity"),
    Case("identity-deny-alone-is-explicit-deny", DENYALLOW, ALICE, "s3:GetObject",
         "explicitDeny", OBJECT, identity=[deny("s3:*")], decided_by="deny"),
    Case("identity-allow-grants-role-session", DENYALLOW, SESSION, "ec2:DescribeInstances",
         "allowed", identity=[allow("ec2:Describe*")], decided_by="identity"),
    Case("identity-allow-grants-role-given-as-role-arn", DENYALLOW, ROLE,
         "ec2:DescribeInstances", "allowed", identity=[allow("ec2:Describe*")],
         decided_by="identity"),
    Case("role-session-without-policies-implicit-deny", DENYALLOW, SESSION,
         "ec2:DescribeInstances", "implicitDeny", decided_by="identity"),
    Case("deny-with-true-condition-applies", "reference_policies_evaluation-logic",
         ALICE, "s3:GetObject", "explicitDeny", OBJECT,
         identity=[GET, deny("s3:*", condition={"Bool": {"aws:SecureTransport": "false"}})],
         context={"aws:SecureTransport": False}, decided_by="deny"),
    Case("deny-with-false-condition-does-not-apply", "reference_policies_evaluation-logic",
         ALICE, "s3:GetObject", "allowed", OBJECT,
         identity=[GET, deny("s3:*", condition={"Bool": {"aws:SecureTransport": "false"}})],
         context={"aws:SecureTransport": True}, decided_by="identity"),
    Case("allow-with-false-condition-does-not-grant", "reference_policies_evaluation-logic",
         ALICE, "s3:GetObject", "implicitDeny", OBJECT,
         identity=[allow("s3:GetObject", condition={"IpAddress": {
             "aws:SourceIp": "203.0.113.0/24"}})],
         context={"aws:SourceIp": "198.51.100.7"}, decided_by="identity"),
]

# --- several identity-based policies: the user's own and its groups' ------------------------

USER_POLICY = allow("ec2:Describe*")
GROUP_POLICY = allow("s3:GetObject", f"{BUCKET}/*")

MULTIPLE = [
    Case("group-policy-allow-grants-user", DENYALLOW, ALICE, "s3:GetObject", "allowed", OBJECT,
         identity=[USER_POLICY, GROUP_POLICY], decided_by="identity"),
    Case("user-policy-allow-grants-beside-group-policy", DENYALLOW, ALICE,
         "ec2:DescribeInstances", "allowed", identity=[USER_POLICY, GROUP_POLICY],
         decided_by="identity"),
    Case("no-policy-of-user-or-groups-allows", DENYALLOW, ALICE, "iam:CreateUser",
         "implicitDeny", f"arn:aws:iam::{A}:user/eve", identity=[USER_POLICY, GROUP_POLICY],
         decided_by="identity"),
    Case("group-policy-deny-overrides-user-policy-allow", DENYALLOW, ALICE, "s3:GetObject",
         "explicitDeny", OBJECT, identity=[allow("s3:*"), deny("s3:GetObject", f"{BUCKET}/*")],
         decided_by="deny"),
    Case("user-policy-deny-overrides-group-policy-allow", DENYALLOW, ALICE,
         "ec2:TerminateInstances", "explicitDeny",
         identity=[deny("ec2:TerminateInstances"), allow("ec2:*")], decided_by="deny"),
    Case("third-of-three-policies-allows", DENYALLOW, ALICE, "sqs:SendMessage", "allowed",
         f"arn:aws:sqs:us-east-1:{A}:orders",
         identity=[USER_POLICY, GROUP_POLICY, allow("sqs:SendMessage")],
         decided_by="identity"),
]

# --- NotAction ---------------------------------------------------------------------------------

NOT_IAM = doc(stmt("Allow", None, "*", not_action="iam:*"))
NOT_DELETE_BUCKET = doc(stmt("Allow", None, "arn:aws:s3:::*", not_action="s3:DeleteBucket"))
DENY_NOT_IAM = doc(stmt("Deny", None, "*", not_action="iam:*"))
MFA_GUARD = doc(stmt("Deny", None, "*", not_action="iam:*", condition={
    "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))

NOT_ACTION = [
    Case("notaction-allow-grants-action-of-other-service", NOTACTION, ALICE,
         "s3:ListAllMyBuckets", "allowed", identity=[NOT_IAM], decided_by="identity"),
    Case("notaction-allow-does-not-grant-listed-service", NOTACTION, ALICE, "iam:CreateUser",
         "implicitDeny", f"arn:aws:iam::{A}:user/eve", identity=[NOT_IAM],
         decided_by="identity"),
    Case("notaction-listed-action-is-case-insensitive", NOTACTION, ALICE, "iam:CreateUser",
         "implicitDeny", f"arn:aws:iam::{A}:user/eve",
         identity=[doc(stmt("Allow", None, "*", not_action="IAM:createuser"))],
         decided_by="identity"),
    Case("notaction-with-arn-resource-grants-other-s3-action", NOTACTION, ALICE,
         "s3:GetObject", "allowed", OBJECT, identity=[NOT_DELETE_BUCKET],
         decided_by="identity"),
    Case("notaction-with-arn-resource-excludes-listed-action", NOTACTION, ALICE,
         "s3:DeleteBucket", "implicitDeny", BUCKET, identity=[NOT_DELETE_BUCKET],
         decided_by="identity"),
    Case("notaction-with-arn-resource-does-not-grant-star-resource-action", NOTACTION, ALICE,
         "s3:ListAllMyBuckets", "implicitDeny", "*", identity=[NOT_DELETE_BUCKET],
         decided_by="identity"),
    Case("notaction-with-s3-resource-grants-nothing-in-other-services", NOTACTION, ALICE,
         "ec2:DescribeInstances", "implicitDeny", "*", identity=[NOT_DELETE_BUCKET],
         decided_by="identity"),
    Case("notaction-allow-with-wildcard-excludes-matching-actions", NOTACTION, ALICE,
         "s3:GetObject", "implicitDeny", OBJECT,
         identity=[doc(stmt("Allow", None, "*", not_action="s3:Get*"))],
         decided_by="identity"),
    Case("notaction-allow-with-wildcard-grants-non-matching-action", NOTACTION, ALICE,
         "s3:PutObject", "allowed", OBJECT,
         identity=[doc(stmt("Allow", None, "*", not_action="s3:Get*"))],
         decided_by="identity"),
    Case("notaction-deny-denies-every-unlisted-action", NOTACTION, ALICE, "s3:GetObject",
         "explicitDeny", OBJECT, identity=[allow("*"), DENY_NOT_IAM], decided_by="deny"),
    Case("notaction-deny-spares-listed-actions", NOTACTION, ALICE, "iam:ListUsers", "allowed",
         identity=[allow("*"), DENY_NOT_IAM], decided_by="identity"),
    Case("notaction-deny-without-mfa-denies-other-services", NOTACTION, ALICE,
         "ec2:DescribeInstances", "explicitDeny", identity=[allow("*"), MFA_GUARD],
         context={"aws:MultiFactorAuthPresent": False}, decided_by="deny"),
    Case("notaction-deny-with-mfa-does-not-apply", NOTACTION, ALICE, "ec2:DescribeInstances",
         "allowed", identity=[allow("*"), MFA_GUARD],
         context={"aws:MultiFactorAuthPresent": True}, decided_by="identity"),
    Case("notaction-deny-without-mfa-spares-iam", NOTACTION, ALICE, "iam:ListUsers",
         "allowed", identity=[allow("*"), MFA_GUARD],
         context={"aws:MultiFactorAuthPresent": False}, decided_by="identity"),
]

# --- NotResource -------------------------------------------------------------------------------

SECRET = "arn:aws:s3:::amzn-s3-demo-secret"
ALL_BUT_SECRET = doc(stmt("Allow", "s3:GetObject", None, not_resource=f"{SECRET}/*"))
ONLY_BUCKET = [allow("s3:*"), doc(stmt("Deny", "s3:*", None,
                                      not_resource=[BUCKET, f"{BUCKET}/*"]))]

NOT_RESOURCE = [
    Case("notresource-allow-grants-unlisted-resource", NOTRESOURCE, ALICE, "s3:GetObject",
         "allowed", OBJECT, identity=[ALL_BUT_SECRET], decided_by="identity"),
    Case("notresource-allow-does-not-grant-listed-resource", NOTRESOURCE, ALICE,
         "s3:GetObject", "implicitDeny", f"{SECRET}/salaries.csv", identity=[ALL_BUT_SECRET],
         decided_by="identity"),
    Case("notresource-allow-still-limited-to-its-actions", NOTRESOURCE, ALICE, "s3:PutObject",
         "implicitDeny", OBJECT, identity=[ALL_BUT_SECRET], decided_by="identity"),
    Case("notresource-deny-denies-every-other-resource", NOTRESOURCE, ALICE, "s3:GetObject",
         "explicitDeny", OTHER_OBJECT, identity=ONLY_BUCKET, decided_by="deny"),
    Case("notresource-deny-spares-listed-object", NOTRESOURCE, ALICE, "s3:GetObject",
         "allowed", OBJECT, identity=ONLY_BUCKET, decided_by="identity"),
    Case("notresource-deny-spares-listed-bucket", NOTRESOURCE, ALICE, "s3:ListBucket",
         "allowed", BUCKET, identity=ONLY_BUCKET, decided_by="identity"),
    Case("notresource-deny-denies-star-resource-action", NOTRESOURCE, ALICE,
         "s3:ListAllMyBuckets", "explicitDeny", "*", identity=ONLY_BUCKET, decided_by="deny"),
]

# --- action matching ---------------------------------------------------------------------------

ACTIONS = [
    Case("action-in-policy-is-case-insensitive", ACTION, ALICE, "s3:GetObject", "allowed",
         OBJECT, identity=[allow("S3:getobject")], decided_by="identity"),
    Case("action-in-request-is-case-insensitive", ACTION, ALICE, "S3:GETOBJECT", "allowed",
         OBJECT, identity=[allow("s3:GetObject")], decided_by="identity"),
    Case("action-deny-is-case-insensitive", ACTION, ALICE, "s3:DeleteObject", "explicitDeny",
         OBJECT, identity=[allow("s3:*"), deny("S3:DELETEOBJECT")], decided_by="deny"),
    Case("action-trailing-star-matches", ACTION, ALICE, "s3:GetObject", "allowed", OBJECT,
         identity=[allow("s3:Get*")], decided_by="identity"),
    Case("action-trailing-star-does-not-match-other-prefix", ACTION, ALICE, "s3:PutObject",
         "implicitDeny", OBJECT, identity=[allow("s3:Get*")], decided_by="identity"),
    Case("action-star-inside-name-matches", ACTION, ALICE, "iam:CreateAccessKey", "allowed",
         identity=[allow("iam:*AccessKey*")], decided_by="identity"),
    Case("action-star-inside-name-matches-plural", ACTION, ALICE, "iam:ListAccessKeys",
         "allowed", identity=[allow("iam:*AccessKey*")], decided_by="identity"),
    Case("action-star-inside-name-does-not-match-other", ACTION, ALICE, "iam:CreateUser",
         "implicitDeny", identity=[allow("iam:*AccessKey*")], decided_by="identity"),
    Case("action-question-mark-matches-one-character", ACTION, ALICE, "s3:GetObject",
         "allowed", OBJECT, identity=[allow("s3:GetObjec?")], decided_by="identity"),
    Case("action-question-mark-is-exactly-one-character", ACTION, ALICE, "s3:GetObject",
         "implicitDeny", OBJECT, identity=[allow("s3:GetObje?")], decided_by="identity"),
    Case("action-question-mark-is-not-zero-characters", ACTION, ALICE, "s3:GetObject",
         "implicitDeny", OBJECT, identity=[allow("s3:GetObject?")], decided_by="identity"),
    Case("action-star-alone-matches-every-service", ACTION, ALICE, "ec2:RunInstances",
         "allowed", identity=[allow("*")], decided_by="identity"),
    Case("action-service-star-does-not-match-other-service", ACTION, ALICE,
         "sqs:SendMessage", "implicitDeny", f"arn:aws:sqs:us-east-1:{A}:orders",
         identity=[allow("s3:*")], decided_by="identity"),
    Case("action-list-any-entry-matches", ACTION, ALICE, "s3:GetObject", "allowed", OBJECT,
         identity=[allow(["s3:PutObject", "s3:GetObject"])], decided_by="identity"),
    Case("action-must-match-whole-name", ACTION, ALICE, "s3:GetObjectAcl", "implicitDeny",
         OBJECT, identity=[allow("s3:GetObject")], decided_by="identity"),
]

# --- resource matching -------------------------------------------------------------------------

RESOURCES = [
    Case("resource-exact-arn-matches", RESOURCE, ALICE, "s3:GetObject", "allowed", OBJECT,
         identity=[allow("s3:GetObject", OBJECT)], decided_by="identity"),
    Case("resource-arn-is-case-sensitive", RESOURCE, ALICE, "s3:GetObject", "implicitDeny",
         OBJECT, identity=[allow("s3:GetObject", "arn:aws:s3:::AMZN-S3-DEMO-BUCKET/*")],
         decided_by="identity"),
    Case("resource-iam-user-name-is-case-sensitive", RESOURCE, ALICE, "iam:GetUser",
         "implicitDeny", f"arn:aws:iam::{A}:user/bob",
         identity=[allow("iam:GetUser", f"arn:aws:iam::{A}:user/Bob")], decided_by="identity"),
    Case("resource-star-crosses-slashes", RESOURCE, ALICE, "s3:GetObject", "allowed",
         f"{BUCKET}/1/2/test/3/x.txt", identity=[allow("s3:GetObject", f"{BUCKET}/*/test/*")],
         decided_by="identity"),
    Case("resource-star-path-still-needs-literal-parts", RESOURCE, ALICE, "s3:GetObject",
         "implicitDeny", f"{BUCKET}/1/2/prod/3/x.txt",
         identity=[allow("s3:GetObject", f"{BUCKET}/*/test/*")], decided_by="identity"),
    Case("resource-question-mark-matches-one-character", RESOURCE, ALICE, "s3:GetObject",
         "allowed", f"{BUCKET}/file1.txt", identity=[allow("s3:GetObject", f"{BUCKET}/file?.txt")],
         decided_by="identity"),
    Case("resource-question-mark-does-not-match-two", RESOURCE, ALICE, "s3:GetObject",
         "implicitDeny", f"{BUCKET}/file10.txt",
         identity=[allow("s3:GetObject", f"{BUCKET}/file?.txt")], decided_by="identity"),
    Case("resource-bucket-arn-does-not-match-object", RESOURCE, ALICE, "s3:GetObject",
         "implicitDeny", OBJECT, identity=[allow("s3:GetObject", BUCKET)],
         decided_by="identity"),
    Case("resource-region-wildcard-matches", RESOURCE, ALICE, "dynamodb:GetItem", "allowed",
         f"arn:aws:dynamodb:us-west-2:{A}:table/Books",
         identity=[allow("dynamodb:GetItem", f"arn:aws:dynamodb:*:{A}:table/Books")],
         decided_by="identity"),
    Case("resource-other-table-does-not-match", RESOURCE, ALICE, "dynamodb:GetItem",
         "implicitDeny", f"arn:aws:dynamodb:us-west-2:{A}:table/Movies",
         identity=[allow("dynamodb:GetItem", f"arn:aws:dynamodb:*:{A}:table/Books")],
         decided_by="identity"),
    Case("resource-specific-arn-does-not-match-star-request", RESOURCE, ALICE,
         "s3:ListAllMyBuckets", "implicitDeny", "*",
         identity=[allow("s3:ListAllMyBuckets", BUCKET)], decided_by="identity"),
    Case("resource-deny-on-one-of-listed-arns", RESOURCE, ALICE, "s3:GetObject",
         "explicitDeny", OTHER_OBJECT,
         identity=[allow("s3:*"), deny("s3:*", [SECRET, "arn:aws:s3:::amzn-s3-demo-bucket2/*"])],
         decided_by="deny"),
]

# --- resource-based policies in the same account ---------------------------------------------

BOUNDARY_EC2 = allow("ec2:*")  # a boundary that does not cover S3
SESSION_EC2 = allow("ec2:*")  # a session policy that does not cover S3

RESOURCE_POLICIES = [
    Case("bucket-policy-naming-user-allows-without-identity-policy", DENYALLOW, ALICE,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="resource"),
    Case("bucket-policy-naming-other-user-does-not-allow", DENYALLOW, ALICE, "s3:GetObject",
         "implicitDeny", OBJECT, resource_policy=grant(aws(BOB), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="identity"),
    Case("bucket-policy-naming-user-other-action-does-not-allow", DENYALLOW, ALICE,
         "s3:PutObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="identity"),
    Case("bucket-policy-naming-user-not-limited-by-boundary", BOUNDARIES, ALICE,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         boundary=BOUNDARY_EC2, decided_by="resource"),
    Case("bucket-policy-naming-user-stopped-by-boundary-deny", BOUNDARIES, ALICE,
         "s3:GetObject", "explicitDeny", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         boundary=doc(stmt("Allow", "*"), stmt("Deny", "s3:*")), decided_by="deny"),
    Case("bucket-policy-naming-user-stopped-by-identity-deny", DENYALLOW, ALICE,
         "s3:GetObject", "explicitDeny", OBJECT, identity=[deny("s3:GetObject")],
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"), decided_by="deny"),
    Case("bucket-policy-deny-overrides-identity-allow", DENYALLOW, ALICE, "s3:GetObject",
         "explicitDeny", OBJECT, identity=[GET],
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*", effect="Deny"),
         decided_by="deny"),
    Case("bucket-policy-deny-naming-other-user-does-not-apply", DENYALLOW, ALICE,
         "s3:GetObject", "allowed", OBJECT, identity=[GET],
         resource_policy=grant(aws(BOB), "s3:GetObject", f"{BUCKET}/*", effect="Deny"),
         decided_by="identity"),
    Case("bucket-policy-deny-naming-account-applies-to-its-users", PRINCIPAL, ALICE,
         "s3:GetObject", "explicitDeny", OBJECT, identity=[GET],
         resource_policy=grant(aws(ROOT), "s3:GetObject", f"{BUCKET}/*", effect="Deny"),
         decided_by="deny"),
    Case("bucket-policy-naming-account-needs-identity-allow", PRINCIPAL, ALICE,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(ROOT), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="identity"),
    Case("bucket-policy-naming-account-with-identity-allow", PRINCIPAL, ALICE, "s3:GetObject",
         "allowed", OBJECT, identity=[GET],
         resource_policy=grant(aws(ROOT), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="identity"),
    Case("bucket-policy-naming-account-id-short-form-needs-identity-allow", PRINCIPAL, ALICE,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(A), "s3:GetObject", f"{BUCKET}/*"), decided_by="identity"),
    Case("bucket-policy-naming-account-still-limited-by-boundary", BOUNDARIES, ALICE,
         "s3:GetObject", "implicitDeny", OBJECT, identity=[GET],
         resource_policy=grant(aws(ROOT), "s3:GetObject", f"{BUCKET}/*"),
         boundary=BOUNDARY_EC2, decided_by="boundary"),
    Case("bucket-policy-principal-list-is-ored", PRINCIPAL, ALICE, "s3:GetObject", "allowed",
         OBJECT, resource_policy=grant(aws(BOB, ALICE), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="resource"),
    Case("bucket-policy-principal-user-name-is-case-sensitive", PRINCIPAL, ALICE,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(f"arn:aws:iam::{A}:user/Alice"), "s3:GetObject",
                               f"{BUCKET}/*"), decided_by="identity"),
    Case("bucket-policy-naming-same-user-name-in-other-account-does-not-allow", PRINCIPAL,
         ALICE, "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(f"arn:aws:iam::{C}:user/alice"), "s3:GetObject",
                               f"{BUCKET}/*"), decided_by="identity"),
    # role ARN: enough without an identity policy, but boundary and session policy limit it
    Case("bucket-policy-naming-role-allows-session-without-identity-policy", DENYALLOW,
         SESSION, "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(ROLE), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="resource"),
    Case("bucket-policy-naming-role-limited-by-boundary", DENYALLOW, SESSION, "s3:GetObject",
         "implicitDeny", OBJECT, resource_policy=grant(aws(ROLE), "s3:GetObject", f"{BUCKET}/*"),
         boundary=BOUNDARY_EC2, decided_by="boundary"),
    Case("bucket-policy-naming-role-limited-by-session-policy", SESSIONS, SESSION,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(ROLE), "s3:GetObject", f"{BUCKET}/*"),
         session=[SESSION_EC2], decided_by="session"),
    Case("bucket-policy-naming-role-and-session-policy-allowing", SESSIONS, SESSION,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(ROLE), "s3:GetObject", f"{BUCKET}/*"),
         session=[allow("s3:*")], decided_by="resource"),
    Case("bucket-policy-naming-role-with-path-allows-session", PRINCIPAL,
         f"arn:aws:sts::{A}:assumed-role/Ops/alice", "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(f"arn:aws:iam::{A}:role/team/Ops"), "s3:GetObject",
                               f"{BUCKET}/*"),
         session_issuer=f"arn:aws:iam::{A}:role/team/Ops", decided_by="resource"),
    Case("bucket-policy-naming-other-role-does-not-allow-session", DENYALLOW, SESSION,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(f"arn:aws:iam::{A}:role/Admin"), "s3:GetObject",
                               f"{BUCKET}/*"), decided_by="identity"),
    # session ARN: granted directly to the session (D2)
    Case("bucket-policy-naming-session-allows-without-identity-policy", DENYALLOW, SESSION,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(SESSION), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="resource"),
    Case("bucket-policy-naming-session-not-limited-by-boundary", DENYALLOW, SESSION,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(SESSION), "s3:GetObject", f"{BUCKET}/*"),
         boundary=BOUNDARY_EC2, decided_by="resource"),
    Case("bucket-policy-naming-session-not-limited-by-session-policy", SESSIONS, SESSION,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(SESSION), "s3:GetObject", f"{BUCKET}/*"),
         session=[SESSION_EC2], decided_by="resource"),
    Case("bucket-policy-naming-session-stopped-by-session-policy-deny", SESSIONS, SESSION,
         "s3:GetObject", "explicitDeny", OBJECT,
         resource_policy=grant(aws(SESSION), "s3:GetObject", f"{BUCKET}/*"),
         session=[doc(stmt("Allow", "*"), stmt("Deny", "s3:GetObject"))], decided_by="deny"),
    Case("bucket-policy-naming-other-session-of-same-role-does-not-allow", DENYALLOW,
         SESSION, "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(OTHER_SESSION), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="identity"),
    # Principal "*"
    Case("bucket-policy-principal-star-allows-user-without-identity-policy", PRINCIPAL, ALICE,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant("*", "s3:GetObject", f"{BUCKET}/*"), decided_by="resource"),
    Case("bucket-policy-principal-aws-star-allows-role-session", PRINCIPAL, SESSION,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws("*"), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="resource"),
    Case("bucket-policy-star-with-principalarn-not-limited-by-boundary", PRINCIPAL, SESSION,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant("*", "s3:GetObject", f"{BUCKET}/*",
                               condition={"ArnEquals": {"aws:PrincipalArn": ROLE}}),
         boundary=BOUNDARY_EC2, decided_by="resource"),
    Case("bucket-policy-star-with-principalarn-of-other-role-does-not-allow", PRINCIPAL,
         SESSION, "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant("*", "s3:GetObject", f"{BUCKET}/*", condition={
             "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/Admin"}}),
         decided_by="identity"),
    Case("bucket-policy-star-with-principalarn-stopped-by-identity-deny", PRINCIPAL, SESSION,
         "s3:GetObject", "explicitDeny", OBJECT, identity=[deny("s3:*")],
         resource_policy=grant("*", "s3:GetObject", f"{BUCKET}/*",
                               condition={"ArnEquals": {"aws:PrincipalArn": ROLE}}),
         decided_by="deny"),
]

# --- federated users (GetFederationToken) and their resource-policy grants -------------------

FEDERATED = [
    Case("federated-user-without-session-policy-gets-nothing-from-user-policies", FEDERATION,
         FED, "s3:GetObject", "implicitDeny", OBJECT, identity=[GET], session_issuer=ALICE,
         decided_by="session"),
    Case("federated-user-gets-user-policy-and-session-policy-intersection", FEDERATION, FED,
         "s3:GetObject", "allowed", OBJECT, identity=[GET], session=[allow("s3:*")],
         session_issuer=ALICE, decided_by="identity"),
    Case("federated-user-session-policy-alone-does-not-grant", FEDERATION, FED,
         "s3:GetObject", "implicitDeny", OBJECT, session=[allow("s3:*")], session_issuer=ALICE,
         decided_by="identity"),
    Case("federated-user-limited-by-session-policy", FEDERATION, FED, "s3:GetObject",
         "implicitDeny", OBJECT, identity=[allow("s3:*")], session=[SESSION_EC2],
         session_issuer=ALICE, decided_by="session"),
    Case("federated-user-limited-by-users-boundary", DENYALLOW, FED, "s3:GetObject",
         "implicitDeny", OBJECT, identity=[GET], session=[allow("s3:*")],
         boundary=BOUNDARY_EC2, session_issuer=ALICE, decided_by="boundary"),
    Case("bucket-policy-naming-federated-user-allows-without-session-policy", FEDERATION, FED,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(FED), "s3:GetObject", f"{BUCKET}/*"), session_issuer=ALICE,
         decided_by="resource"),
    Case("bucket-policy-naming-federated-user-not-limited-by-session-policy", DENYALLOW, FED,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(FED), "s3:GetObject", f"{BUCKET}/*"),
         session=[SESSION_EC2], session_issuer=ALICE, decided_by="resource"),
    Case("bucket-policy-naming-federating-user-allows-within-session-policy", DENYALLOW, FED,
         "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         session=[allow("s3:*")], session_issuer=ALICE, decided_by="resource"),
    Case("bucket-policy-naming-federating-user-limited-by-session-policy", DENYALLOW, FED,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         session=[SESSION_EC2], session_issuer=ALICE, decided_by="session"),
    Case("bucket-policy-naming-federating-user-limited-by-boundary", DENYALLOW, FED,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         session=[allow("s3:*")], boundary=BOUNDARY_EC2, session_issuer=ALICE,
         decided_by="boundary"),
    Case("bucket-policy-naming-other-federated-user-does-not-allow", DENYALLOW, FED,
         "s3:GetObject", "implicitDeny", OBJECT,
         resource_policy=grant(aws(f"arn:aws:sts::{A}:federated-user/dave"), "s3:GetObject",
                               f"{BUCKET}/*"), session=[allow("s3:*")], session_issuer=ALICE,
         decided_by="identity"),
]

# --- permissions boundaries --------------------------------------------------------------------

BOUNDARY_DOC = allow(["s3:*", "cloudwatch:*", "ec2:*"])

BOUNDARY = [
    Case("boundary-and-identity-both-allow", BOUNDARIES, ALICE, "s3:GetObject", "allowed",
         OBJECT, identity=[GET], boundary=BOUNDARY_DOC, decided_by="identity"),
    Case("boundary-missing-action-denies-user", BOUNDARIES, ALICE, "iam:CreateUser",
         "implicitDeny", f"arn:aws:iam::{A}:user/eve", identity=[allow("iam:CreateUser")],
         boundary=BOUNDARY_DOC, decided_by="boundary"),
    Case("boundary-alone-does-not-grant", BOUNDARIES, ALICE, "ec2:DescribeInstances",
         "implicitDeny", boundary=BOUNDARY_DOC, decided_by="identity"),
    Case("boundary-deny-is-explicit-deny", BOUNDARIES, ALICE, "s3:DeleteObject",
         "explicitDeny", OBJECT, identity=[allow("s3:*")],
         boundary=doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:DeleteObject")),
         decided_by="deny"),
    Case("boundary-missing-action-denies-role-session", BOUNDARIES, SESSION, "iam:ListUsers",
         "implicitDeny", identity=[allow("*")], boundary=BOUNDARY_DOC, decided_by="boundary"),
    Case("boundary-allows-role-session-within-it", BOUNDARIES, SESSION,
         "cloudwatch:PutMetricData", "allowed", identity=[allow("*")], boundary=BOUNDARY_DOC,
         decided_by="identity"),
    Case("boundary-resource-narrower-than-identity", BOUNDARIES, ALICE, "s3:GetObject",
         "implicitDeny", OTHER_OBJECT, identity=[allow("s3:*")],
         boundary=allow("s3:*", [BUCKET, f"{BUCKET}/*"]), decided_by="boundary"),
    Case("boundary-resource-covers-request", BOUNDARIES, ALICE, "s3:GetObject", "allowed",
         OBJECT, identity=[allow("s3:*")], boundary=allow("s3:*", [BUCKET, f"{BUCKET}/*"]),
         decided_by="identity"),
    Case("boundary-wider-than-identity-does-not-widen", BOUNDARIES, ALICE, "s3:PutObject",
         "implicitDeny", OBJECT, identity=[GET], boundary=allow("*"), decided_by="identity"),
]

# --- session policies --------------------------------------------------------------------------

SESSION_POLICIES = [
    Case("role-session-gets-role-and-session-policy-intersection", SESSIONS, SESSION,
         "s3:GetObject", "allowed", OBJECT, identity=[allow("s3:*")], session=[GET],
         decided_by="identity"),
    Case("role-session-policy-missing-action-denies", SESSIONS, SESSION, "s3:PutObject",
         "implicitDeny", OBJECT, identity=[allow("s3:*")], session=[GET],
         decided_by="session"),
    Case("role-session-policy-alone-does-not-grant", SESSIONS, SESSION, "s3:GetObject",
         "implicitDeny", OBJECT, session=[allow("s3:*")], decided_by="identity"),
    Case("role-session-without-session-policy-gets-role-permissions", SESSIONS, SESSION,
         "s3:PutObject", "allowed", OBJECT, identity=[allow("s3:*")], decided_by="identity"),
    Case("role-session-policy-deny-is-explicit", SESSIONS, SESSION, "s3:GetObject",
         "explicitDeny", OBJECT, identity=[allow("s3:*")],
         session=[doc(stmt("Allow", "*"), stmt("Deny", "s3:GetObject"))], decided_by="deny"),
    Case("role-managed-session-policy-allows-beside-inline", SESSIONS, SESSION,
         "ec2:DescribeInstances", "allowed", identity=[allow("*")],
         session=[GET, allow("ec2:Describe*")], decided_by="identity"),
    Case("role-session-policies-none-allows", SESSIONS, SESSION, "iam:ListUsers",
         "implicitDeny", identity=[allow("*")], session=[GET, allow("ec2:Describe*")],
         decided_by="session"),
    Case("role-session-policy-and-boundary-both-limit", SESSIONS, SESSION, "ec2:RunInstances",
         "implicitDeny", identity=[allow("*")], session=[allow("ec2:*")],
         boundary=allow("s3:*"), decided_by="boundary"),
    Case("session-policies-do-not-limit-iam-users", SESSIONS, ALICE, "s3:PutObject",
         "allowed", OBJECT, identity=[allow("s3:*")], session=[GET], decided_by="identity"),
]

# --- role trust policies -----------------------------------------------------------------------

TRUST_POLICIES = [
    Case("trust-naming-user-allows-without-identity-policy", ASSUME, ALICE, "sts:AssumeRole",
         "allowed", TARGET, resource_policy=trust(aws(ALICE)), resource_policy_type="trust",
         decided_by="resource"),
    Case("trust-naming-account-and-identity-allow", ASSUME, ALICE, "sts:AssumeRole",
         "allowed", TARGET, identity=[ASSUME_TARGET], resource_policy=trust(aws(ROOT)),
         resource_policy_type="trust", decided_by="identity"),
    Case("trust-naming-account-without-identity-allow-denies", ASSUME, ALICE,
         "sts:AssumeRole", "implicitDeny", TARGET, resource_policy=trust(aws(ROOT)),
         resource_policy_type="trust", decided_by="identity"),
    Case("trust-naming-account-id-and-identity-allow", ASSUME, ALICE, "sts:AssumeRole",
         "allowed", TARGET, identity=[ASSUME_TARGET], resource_policy=trust(aws(A)),
         resource_policy_type="trust", decided_by="identity"),
    Case("trust-naming-another-account-denies-despite-identity-allow", DENYALLOW, ALICE,
         "sts:AssumeRole", "implicitDeny", TARGET, identity=[ASSUME_TARGET],
         resource_policy=trust(aws(f"arn:aws:iam::{C}:root")), resource_policy_type="trust",
         decided_by="resource"),
    Case("trust-naming-other-user-denies-despite-identity-allow", DENYALLOW, ALICE,
         "sts:AssumeRole", "implicitDeny", TARGET, identity=[ASSUME_TARGET],
         resource_policy=trust(aws(BOB)), resource_policy_type="trust", decided_by="resource"),
    Case("no-trust-policy-denies-despite-identity-allow", DENYALLOW, ALICE, "sts:AssumeRole",
         "implicitDeny", TARGET, identity=[ASSUME_TARGET], decided_by="resource"),
    Case("identity-allow-for-other-role-does-not-assume", ASSUME, ALICE, "sts:AssumeRole",
         "implicitDeny", TARGET, identity=[allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/X")],
         resource_policy=trust(aws(ROOT)), resource_policy_type="trust",
         decided_by="identity"),
    Case("trust-allowing-other-sts-action-does-not-allow-assumerole", TRUST, ALICE,
         "sts:AssumeRole", "implicitDeny", TARGET, identity=[ASSUME_TARGET],
         resource_policy=trust(aws(ALICE), "sts:TagSession"), resource_policy_type="trust",
         decided_by="resource"),
    Case("trust-deny-overrides-identity-allow", TRUST, ALICE, "sts:AssumeRole",
         "explicitDeny", TARGET, identity=[ASSUME_TARGET],
         resource_policy=doc(stmt("Allow", "sts:AssumeRole", None, principal=aws(ROOT)),
                             stmt("Deny", "sts:AssumeRole", None, principal=aws(ALICE))),
         resource_policy_type="trust", decided_by="deny"),
    Case("trust-naming-user-not-limited-by-boundary", DENYALLOW, ALICE, "sts:AssumeRole",
         "allowed", TARGET, resource_policy=trust(aws(ALICE)), resource_policy_type="trust",
         boundary=BOUNDARY_EC2, decided_by="resource"),
    Case("trust-principal-star-allows-user-in-account", PRINCIPAL, ALICE, "sts:AssumeRole",
         "allowed", TARGET, resource_policy=trust("*"), resource_policy_type="trust",
         decided_by="resource"),
    Case("trust-naming-role-allows-chained-session-without-identity-policy", TRUST, SESSION,
         "sts:AssumeRole", "allowed", TARGET, resource_policy=trust(aws(ROLE)),
         resource_policy_type="trust", decided_by="resource"),
    Case("trust-naming-role-chained-session-limited-by-session-policy", SESSIONS, SESSION,
         "sts:AssumeRole", "implicitDeny", TARGET, resource_policy=trust(aws(ROLE)),
         resource_policy_type="trust", session=[GET], decided_by="session"),
    Case("trust-naming-service-allows-service", PRINCIPAL, "ec2.amazonaws.com",
         "sts:AssumeRole", "allowed", TARGET,
         resource_policy=trust({"Service": "ec2.amazonaws.com"}), resource_policy_type="trust",
         decided_by="resource"),
    Case("trust-naming-two-services-allows-either", PRINCIPAL,
         "elasticloadbalancing.amazonaws.com", "sts:AssumeRole", "allowed", TARGET,
         resource_policy=trust({"Service": ["ecs.amazonaws.com",
                                            "elasticloadbalancing.amazonaws.com"]}),
         resource_policy_type="trust", decided_by="resource"),
    Case("trust-naming-other-service-denies-service", PRINCIPAL, "lambda.amazonaws.com",
         "sts:AssumeRole", "implicitDeny", TARGET,
         resource_policy=trust({"Service": "ec2.amazonaws.com"}), resource_policy_type="trust",
         decided_by="resource"),
    Case("trust-naming-saml-provider-allows-saml-federation", PRINCIPAL, SAML,
         "sts:AssumeRoleWithSAML", "allowed", TARGET,
         resource_policy=trust({"Federated": SAML}, "sts:AssumeRoleWithSAML"),
         resource_policy_type="trust", decided_by="resource"),
    Case("trust-naming-other-saml-provider-denies", PRINCIPAL,
         f"arn:aws:iam::{A}:saml-provider/Other", "sts:AssumeRoleWithSAML", "implicitDeny",
         TARGET, resource_policy=trust({"Federated": SAML}, "sts:AssumeRoleWithSAML"),
         resource_policy_type="trust", decided_by="resource"),
    Case("trust-naming-google-allows-web-identity", PRINCIPAL, "accounts.google.com",
         "sts:AssumeRoleWithWebIdentity", "allowed", TARGET,
         resource_policy=trust({"Federated": "accounts.google.com"},
                               "sts:AssumeRoleWithWebIdentity"),
         resource_policy_type="trust", decided_by="resource"),
    Case("trust-naming-google-denies-facebook", PRINCIPAL, "graph.facebook.com",
         "sts:AssumeRoleWithWebIdentity", "implicitDeny", TARGET,
         resource_policy=trust({"Federated": "accounts.google.com"},
                               "sts:AssumeRoleWithWebIdentity"),
         resource_policy_type="trust", decided_by="resource"),
    Case("root-cannot-assume-role-trusting-its-account", STS_COMPARE, ROOT, "sts:AssumeRole",
         "implicitDeny", TARGET, resource_policy=trust(aws(ROOT)), resource_policy_type="trust",
         decided_by="sts"),
    Case("root-cannot-assume-role-trusting-everyone", STS_COMPARE, ROOT, "sts:AssumeRole",
         "implicitDeny", TARGET, resource_policy=trust("*"), resource_policy_type="trust",
         decided_by="sts"),
]

# --- KMS key policies --------------------------------------------------------------------------

USE_KEY = allow(["kms:Encrypt", "kms:Decrypt"], KEY)
KEY_POLICY_ACCOUNT = grant(aws(ROOT), "kms:*")

KMS_CASES = [
    Case("kms-identity-allow-alone-is-not-enough", KMS, ALICE, "kms:Decrypt", "implicitDeny",
         KEY, identity=[USE_KEY], decided_by="resource"),
    Case("kms-key-policy-naming-account-enables-identity-allow", KMS, ALICE, "kms:Decrypt",
         "allowed", KEY, identity=[USE_KEY], resource_policy=KEY_POLICY_ACCOUNT,
         decided_by="identity"),
    Case("kms-key-policy-naming-account-without-identity-allow", KMS, ALICE, "kms:Decrypt",
         "implicitDeny", KEY, resource_policy=KEY_POLICY_ACCOUNT, decided_by="identity"),
    Case("kms-key-policy-naming-user-allows-without-identity-policy", KMS, ALICE,
         "kms:Decrypt", "allowed", KEY, resource_policy=grant(aws(ALICE), "kms:Decrypt"),
         decided_by="resource"),
    Case("kms-key-policy-naming-other-user-identity-allow-not-enough", KMS, ALICE,
         "kms:Decrypt", "implicitDeny", KEY, identity=[USE_KEY],
         resource_policy=grant(aws(BOB), "kms:Decrypt"), decided_by="resource"),
    Case("kms-key-policy-naming-role-allows-session", KMS, SESSION, "kms:Encrypt", "allowed",
         KEY, resource_policy=grant(aws(ROLE), "kms:Encrypt"), decided_by="resource"),
    Case("kms-key-policy-naming-role-limited-by-boundary", KMS, SESSION, "kms:Encrypt",
         "implicitDeny", KEY, resource_policy=grant(aws(ROLE), "kms:Encrypt"),
         boundary=BOUNDARY_EC2, decided_by="boundary"),
    Case("kms-identity-deny-works-without-key-policy-permission", KMS, ALICE, "kms:Decrypt",
         "explicitDeny", KEY, identity=[deny("kms:Decrypt")],
         resource_policy=grant(aws(ALICE), "kms:Decrypt"), decided_by="deny"),
    Case("kms-key-policy-deny-overrides-identity-allow", KMS, ALICE, "kms:Decrypt",
         "explicitDeny", KEY, identity=[USE_KEY],
         resource_policy=doc(stmt("Allow", "kms:*", "*", principal=aws(ROOT)),
                             stmt("Deny", "kms:Decrypt", "*", principal=aws(ALICE))),
         decided_by="deny"),
    Case("kms-key-policy-allowing-other-action-does-not-allow", KMS, ALICE, "kms:Decrypt",
         "implicitDeny", KEY, identity=[USE_KEY],
         resource_policy=grant(aws(ROOT), "kms:DescribeKey"), decided_by="resource"),
    Case("kms-root-user-needs-key-policy", KMS, ROOT, "kms:Decrypt", "implicitDeny", KEY,
         decided_by="resource"),
    Case("kms-root-user-allowed-by-key-policy-naming-account", KMS, ROOT, "kms:Decrypt",
         "allowed", KEY, resource_policy=KEY_POLICY_ACCOUNT, decided_by="root"),
    Case("kms-create-key-needs-only-identity-policy", "kms-api-permissions-reference", ALICE,
         "kms:CreateKey", "allowed", identity=[allow("kms:CreateKey")], decided_by="identity"),
]

# --- the root user -----------------------------------------------------------------------------

ROOT_CASES = [
    Case("root-user-has-full-access-without-policies", DENYALLOW, ROOT, "s3:DeleteBucket",
         "allowed", BUCKET, decided_by="root"),
    Case("root-user-has-full-access-to-iam", ROOT_PAGE, ROOT, "iam:CreateUser", "allowed",
         f"arn:aws:iam::{A}:user/eve", decided_by="root"),
    Case("root-user-stopped-by-bucket-policy-deny-for-everyone", ROOT_PAGE, ROOT,
         "s3:GetObject", "explicitDeny", OBJECT,
         resource_policy=grant("*", "s3:*", [BUCKET, f"{BUCKET}/*"], effect="Deny"),
         decided_by="deny"),
    Case("root-user-stopped-by-bucket-policy-deny-naming-account", PRINCIPAL, ROOT,
         "s3:GetObject", "explicitDeny", OBJECT,
         resource_policy=grant(aws(ROOT), "s3:GetObject", f"{BUCKET}/*", effect="Deny"),
         decided_by="deny"),
    Case("root-user-not-stopped-by-deny-naming-a-user", PRINCIPAL, ROOT, "s3:GetObject",
         "allowed", OBJECT,
         resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*", effect="Deny"),
         decided_by="root"),
    Case("root-user-not-limited-by-allow-naming-a-user", DENYALLOW, ROOT, "s3:PutObject",
         "allowed", OBJECT, resource_policy=grant(aws(ALICE), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="root"),
]

# --- service principals and anonymous callers ------------------------------------------------

LOGS = "arn:aws:s3:::amzn-s3-demo-logs/AWSLogs/x.gz"
PUBLIC = grant("*", "s3:GetObject", f"{BUCKET}/*")

SERVICES = [
    Case("service-allowed-by-resource-policy-naming-it", PRINCIPAL,
         "cloudtrail.amazonaws.com", "s3:PutObject", "allowed", LOGS,
         resource_policy=grant({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject",
                               "arn:aws:s3:::amzn-s3-demo-logs/*"), decided_by="resource"),
    Case("service-without-resource-policy-is-denied", PRINCIPAL, "cloudtrail.amazonaws.com",
         "s3:PutObject", "implicitDeny", LOGS, decided_by="resource"),
    Case("service-not-matched-by-other-service", PRINCIPAL, "config.amazonaws.com",
         "s3:PutObject", "implicitDeny", LOGS,
         resource_policy=grant({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject",
                               "arn:aws:s3:::amzn-s3-demo-logs/*"), decided_by="resource"),
    Case("service-not-matched-by-account-principal", PRINCIPAL, "cloudtrail.amazonaws.com",
         "s3:PutObject", "implicitDeny", LOGS,
         resource_policy=grant(aws(ROOT), "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-logs/*"),
         decided_by="resource"),
    Case("service-stopped-by-resource-policy-deny", PRINCIPAL, "cloudtrail.amazonaws.com",
         "s3:PutObject", "explicitDeny", LOGS,
         resource_policy=doc(
             stmt("Allow", "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-logs/*",
                  principal={"Service": "cloudtrail.amazonaws.com"}),
             stmt("Deny", "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-logs/*", principal="*",
                  condition={"StringNotEquals": {"aws:SourceAccount": A}})),
         context={"aws:SourceAccount": C}, decided_by="deny"),
    Case("anonymous-allowed-by-principal-star", PRINCIPAL, "*", "s3:GetObject", "allowed",
         OBJECT, resource_policy=PUBLIC, decided_by="resource"),
    Case("anonymous-allowed-by-aws-star", PRINCIPAL, "*", "s3:GetObject", "allowed", OBJECT,
         resource_policy=grant(aws("*"), "s3:GetObject", f"{BUCKET}/*"),
         decided_by="resource"),
    Case("anonymous-without-resource-policy-is-denied", PRINCIPAL, "*", "s3:GetObject",
         "implicitDeny", OBJECT, decided_by="resource"),
    Case("anonymous-not-matched-by-account-principal", PRINCIPAL, "*", "s3:GetObject",
         "implicitDeny", OBJECT, resource_policy=grant(aws(ROOT), "s3:GetObject",
                                                       f"{BUCKET}/*"), decided_by="resource"),
    Case("anonymous-public-grant-limited-to-its-actions", PRINCIPAL, "*", "s3:PutObject",
         "implicitDeny", OBJECT, resource_policy=PUBLIC, decided_by="resource"),
    Case("anonymous-stopped-by-deny-for-everyone", PRINCIPAL, "*", "s3:GetObject",
         "explicitDeny", OBJECT,
         resource_policy=doc(
             stmt("Allow", "s3:GetObject", f"{BUCKET}/*", principal="*"),
             stmt("Deny", "s3:*", f"{BUCKET}/*", principal="*",
                  condition={"Bool": {"aws:SecureTransport": "false"}})),
         context={"aws:SecureTransport": False}, decided_by="deny"),
]

# --- NotPrincipal with Deny (D6) -------------------------------------------------------------


def fence(*names: str, allow_principal: Any = None) -> Doc:
    """A bucket policy that allows the account and denies everyone not listed."""
    return doc(
        stmt("Allow", "s3:GetObject", f"{BUCKET}/*", principal=allow_principal or aws(ROOT)),
        stmt("Deny", "s3:GetObject", f"{BUCKET}/*", not_principal=aws(*names)),
    )


NOT_PRINCIPAL = [
    Case("notprincipal-deny-denies-unlisted-user", NOTPRINCIPAL, BOB, "s3:GetObject",
         "explicitDeny", OBJECT, identity=[GET], resource_policy=fence(ALICE, ROOT),
         decided_by="deny"),
    Case("notprincipal-deny-spares-listed-user-and-account", NOTPRINCIPAL, ALICE,
         "s3:GetObject", "allowed", OBJECT, identity=[GET], resource_policy=fence(ALICE, ROOT),
         decided_by="identity"),
    Case("notprincipal-listing-user-without-account-denies-user", NOTPRINCIPAL, ALICE,
         "s3:GetObject", "explicitDeny", OBJECT, identity=[GET], resource_policy=fence(ALICE),
         decided_by="deny"),
    Case("notprincipal-listing-account-role-and-session-spares-session", NOTPRINCIPAL,
         SESSION, "s3:GetObject", "allowed", OBJECT, identity=[GET],
         resource_policy=fence(SESSION, ROLE, ROOT), decided_by="identity"),
    Case("notprincipal-listing-only-session-denies-session", NOTPRINCIPAL, SESSION,
         "s3:GetObject", "explicitDeny", OBJECT, identity=[GET],
         resource_policy=fence(SESSION), decided_by="deny"),
    Case("notprincipal-listing-role-and-account-without-session-denies", NOTPRINCIPAL,
         SESSION, "s3:GetObject", "explicitDeny", OBJECT, identity=[GET],
         resource_policy=fence(ROLE, ROOT), decided_by="deny"),
    Case("notprincipal-listing-other-session-denies-this-session", NOTPRINCIPAL, SESSION,
         "s3:GetObject", "explicitDeny", OBJECT, identity=[GET],
         resource_policy=fence(OTHER_SESSION, ROLE, ROOT), decided_by="deny"),
    Case("notprincipal-listing-account-spares-root-user", NOTPRINCIPAL, ROOT, "s3:GetObject",
         "allowed", OBJECT, resource_policy=fence(ROOT), decided_by="root"),
    Case("notprincipal-deny-denies-anonymous", NOTPRINCIPAL, "*", "s3:GetObject",
         "explicitDeny", OBJECT, resource_policy=fence(ALICE, ROOT, allow_principal="*"),
         decided_by="deny"),
    pytest.param(
        Case("notprincipal-deny-always-denies-principal-with-boundary", NOTPRINCIPAL, ALICE,
             "s3:GetObject", "explicitDeny", OBJECT, identity=[GET],
             resource_policy=fence(ALICE, ROOT), boundary=allow("s3:*"), decided_by="deny"),
        id="notprincipal-deny-always-denies-principal-with-boundary",
        marks=pytest.mark.xfail(strict=True, reason=(
            "engine bug: reference_policies_elements_notprincipal says 'The NotPrincipal "
            "element with a Deny effect will always deny any IAM principal that has a "
            "permissions boundary policy attached, regardless of the values specified in the "
            "NotPrincipal element'; the engine excludes the listed user anyway")),
    ),
]

# --- sts:GetCallerIdentity and STS restrictions on temporary credentials ----------------------

STS = [
    Case("getcalleridentity-needs-no-permission", STS_COMPARE, ALICE,
         "sts:GetCallerIdentity", "allowed", decided_by="sts"),
    Case("getcalleridentity-allowed-despite-explicit-deny", STS_COMPARE, ALICE,
         "sts:GetCallerIdentity", "allowed", identity=[deny("sts:GetCallerIdentity")],
         decided_by="sts"),
    Case("getcalleridentity-allowed-despite-boundary-deny", STS_COMPARE, SESSION,
         "sts:GetCallerIdentity", "allowed", boundary=deny("*"), decided_by="sts"),
    Case("getcalleridentity-allowed-for-federated-user-without-session-policy", STS_COMPARE,
         FED, "sts:GetCallerIdentity", "allowed", session_issuer=ALICE, decided_by="sts"),
    Case("getcalleridentity-action-name-is-case-insensitive", STS_COMPARE, ALICE,
         "STS:getcalleridentity", "allowed", identity=[deny("*")], decided_by="sts"),
    Case("other-sts-action-is-not-exempt-from-deny", STS_COMPARE, ALICE,
         "sts:GetSessionToken", "explicitDeny", identity=[allow("*"), deny("sts:*")],
         decided_by="deny"),
    pytest.param(
        Case("federated-user-cannot-call-sts-assumerole", FEDERATION, FED, "sts:AssumeRole",
             "implicitDeny", TARGET, identity=[ASSUME_TARGET], session=[allow("*")],
             resource_policy=trust(aws(FED)), resource_policy_type="trust",
             session_issuer=ALICE),
        id="federated-user-cannot-call-sts-assumerole",
        marks=pytest.mark.xfail(strict=True, reason=(
            "engine bug: API_GetFederationToken says 'You cannot call any AWS STS operations "
            "except GetCallerIdentity' with federated-user credentials; the engine allows "
            "sts:AssumeRole when policies allow it")),
    ),
    pytest.param(
        Case("role-session-cannot-call-getfederationtoken", ASSUME, SESSION,
             "sts:GetFederationToken", "implicitDeny",
             f"arn:aws:sts::{A}:federated-user/dave", identity=[allow("*")]),
        id="role-session-cannot-call-getfederationtoken",
        marks=pytest.mark.xfail(strict=True, reason=(
            "engine bug: API_AssumeRole says role credentials 'cannot call the AWS STS "
            "GetFederationToken or GetSessionToken API operations'; the engine allows them "
            "when an identity policy does")),
    ),
    pytest.param(
        Case("role-session-cannot-call-getsessiontoken", ASSUME, SESSION,
             "sts:GetSessionToken", "implicitDeny", identity=[allow("*")]),
        id="role-session-cannot-call-getsessiontoken",
        marks=pytest.mark.xfail(strict=True, reason=(
            "engine bug: API_AssumeRole says role credentials 'cannot call the AWS STS "
            "GetFederationToken or GetSessionToken API operations'; the engine allows them "
            "when an identity policy does")),
    ),
]

CASES = (IDENTITY + MULTIPLE + NOT_ACTION + NOT_RESOURCE + ACTIONS + RESOURCES
         + RESOURCE_POLICIES + FEDERATED + BOUNDARY + SESSION_POLICIES + TRUST_POLICIES
         + KMS_CASES + ROOT_CASES + SERVICES + NOT_PRINCIPAL + STS)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_evaluation_logic(case: Case) -> None:
    check(case)
