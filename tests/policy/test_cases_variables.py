"""Policy variables in Resource and Condition, defaults, special characters, missing values.

Source pages: reference_policies_variables (the main one), reference_policies_elements_resource,
reference_policies_elements_condition, reference_policies_elements_condition_operators,
reference_policies_condition-keys, reference_policies_elements_version.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.casekit import Case, check, doc, stmt

ALLOWED = "allowed"
IMPLICIT = "implicitDeny"
EXPLICIT = "explicitDeny"

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
ADMIN_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/alice"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"

VARIABLES = "reference_policies_variables"
RESOURCE = "reference_policies_elements_resource"
CONDITION = "reference_policies_elements_condition"
OPERATORS = "reference_policies_elements_condition_operators"
KEYS = "reference_policies_condition-keys"
VERSION = "reference_policies_elements_version"


def resource_case(
    case_id: str,
    source: str,
    pattern: str | list[str],
    resource: str,
    expected: str,
    *,
    principal: str = ALICE,
    action: str = "s3:GetObject",
    context: dict[str, Any] | None = None,
    version: str | None = "2012-10-17",
    **extra: Any,
) -> Case:
    """An Allow statement whose Resource element uses policy variables."""
    return Case(
        case_id,
        source,
        principal,
        action,
        expected,
        resource=resource,
        identity=[doc(stmt("Allow", action, pattern), version=version)],
        context=context or {},
        **extra,
    )


def condition_case(
    case_id: str,
    source: str,
    condition: dict[str, Any],
    context: dict[str, Any],
    expected: str,
    *,
    principal: str = ALICE,
    effect: str = "Allow",
    version: str | None = "2012-10-17",
    action: str = "s3:GetObject",
    resource: str = f"{BUCKET}/key",
) -> Case:
    """An Allow (or Allow-all plus Deny) statement whose condition values use variables."""
    guarded = stmt(effect, action, "*", condition=condition)
    statements = [guarded] if effect == "Allow" else [stmt("Allow", "*", "*"), guarded]
    return Case(
        case_id,
        source,
        principal,
        action,
        expected,
        resource=resource,
        identity=[doc(*statements, version=version)],
        context=context,
    )


HOME = f"{BUCKET}/home/${{aws:username}}/*"
TEAM_TAG = "aws:PrincipalTag/team"
SNS_PATTERN = (
    "arn:aws:sns:*:*:${aws:PrincipalTag/access-project}-"
    "${aws:PrincipalTag/access-application}-${aws:PrincipalTag/access-environment}-*"
)
SNS_TAGS = {
    "aws:PrincipalTag/access-project": "atlas",
    "aws:PrincipalTag/access-application": "billing",
    "aws:PrincipalTag/access-environment": "prod",
}
DEFAULT_BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket-${aws:PrincipalTag/team, 'company-wide'}"

RESOURCE_CASES = [
    resource_case(
        "resource-username-own-home-folder",
        VARIABLES,
        HOME,
        f"{BUCKET}/home/alice/notes.txt",
        ALLOWED,
    ),
    resource_case(
        "resource-username-other-users-home-folder",
        VARIABLES,
        HOME,
        f"{BUCKET}/home/bob/notes.txt",
        IMPLICIT,
    ),
    resource_case(
        "resource-username-without-value-for-role-session-matches-nothing",
        VARIABLES,
        HOME,
        f"{BUCKET}/home/alice/notes.txt",
        IMPLICIT,
        principal=ADMIN_SESSION,
    ),
    resource_case(
        "resource-username-dynamodb-table-named-after-user",
        RESOURCE,
        "arn:aws:dynamodb:us-east-2:111122223333:table/${aws:username}",
        "arn:aws:dynamodb:us-east-2:111122223333:table/alice",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-username-dynamodb-other-table",
        RESOURCE,
        "arn:aws:dynamodb:us-east-2:111122223333:table/${aws:username}",
        "arn:aws:dynamodb:us-east-2:111122223333:table/bob",
        IMPLICIT,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-variable-is-not-a-prefix-match",
        RESOURCE,
        "arn:aws:dynamodb:us-east-2:111122223333:table/${aws:username}",
        "arn:aws:dynamodb:us-east-2:111122223333:table/alice-archive",
        IMPLICIT,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-principal-tag-team-folder",
        VARIABLES,
        f"{BUCKET}/${{aws:PrincipalTag/team}}/*",
        f"{BUCKET}/blue/plan.txt",
        ALLOWED,
        context={TEAM_TAG: "blue"},
    ),
    resource_case(
        "resource-principal-tag-other-team-folder",
        VARIABLES,
        f"{BUCKET}/${{aws:PrincipalTag/team}}/*",
        f"{BUCKET}/red/plan.txt",
        IMPLICIT,
        context={TEAM_TAG: "blue"},
    ),
    resource_case(
        "resource-principal-tag-missing-matches-nothing",
        VARIABLES,
        f"{BUCKET}/${{aws:PrincipalTag/team}}/*",
        f"{BUCKET}/blue/plan.txt",
        IMPLICIT,
    ),
    resource_case(
        "resource-principal-tag-dept-for-role-session",
        VARIABLES,
        f"{BUCKET}/${{aws:PrincipalTag/dept}}/*",
        f"{BUCKET}/product/roadmap.md",
        ALLOWED,
        principal=ADMIN_SESSION,
        context={"aws:PrincipalTag/dept": "product"},
    ),
    resource_case(
        "resource-three-tag-variables-and-a-wildcard",
        VARIABLES,
        SNS_PATTERN,
        "arn:aws:sns:us-east-1:111122223333:atlas-billing-prod-alerts",
        ALLOWED,
        action="sns:CreateTopic",
        context=SNS_TAGS,
    ),
    resource_case(
        "resource-three-tag-variables-other-environment",
        VARIABLES,
        SNS_PATTERN,
        "arn:aws:sns:us-east-1:111122223333:atlas-billing-dev-alerts",
        IMPLICIT,
        action="sns:CreateTopic",
        context=SNS_TAGS,
    ),
    resource_case(
        "resource-three-tag-variables-one-tag-missing",
        VARIABLES,
        SNS_PATTERN,
        "arn:aws:sns:us-east-1:111122223333:atlas-billing-prod-alerts",
        IMPLICIT,
        action="sns:CreateTopic",
        context={k: v for k, v in SNS_TAGS.items() if "environment" not in k},
    ),
    resource_case(
        "resource-default-value-not-used-when-tag-present",
        VARIABLES,
        DEFAULT_BUCKET,
        "arn:aws:s3:::amzn-s3-demo-bucket-yellow",
        ALLOWED,
        action="s3:ListBucket",
        context={TEAM_TAG: "yellow"},
    ),
    resource_case(
        "resource-default-value-tagged-user-not-company-wide",
        VARIABLES,
        DEFAULT_BUCKET,
        "arn:aws:s3:::amzn-s3-demo-bucket-company-wide",
        IMPLICIT,
        action="s3:ListBucket",
        context={TEAM_TAG: "yellow"},
    ),
    resource_case(
        "resource-default-value-used-without-tag",
        VARIABLES,
        DEFAULT_BUCKET,
        "arn:aws:s3:::amzn-s3-demo-bucket-company-wide",
        ALLOWED,
        action="s3:ListBucket",
    ),
    resource_case(
        "resource-default-value-untagged-user-not-team-bucket",
        VARIABLES,
        DEFAULT_BUCKET,
        "arn:aws:s3:::amzn-s3-demo-bucket-yellow",
        IMPLICIT,
        action="s3:ListBucket",
    ),
    resource_case(
        "resource-variable-before-fifth-colon-is-not-substituted",
        VARIABLES,
        "arn:aws:iam::${aws:PrincipalAccount}:user/alice",
        "arn:aws:iam::111122223333:user/alice",
        IMPLICIT,
        action="iam:GetUser",
    ),
    resource_case(
        "resource-variable-with-wildcard-account-segment",
        CONDITION,
        "arn:aws:iam::*:user/${aws:username}",
        ALICE,
        ALLOWED,
        action="iam:DeactivateMFADevice",
    ),
    resource_case(
        "resource-variable-with-wildcard-account-other-user",
        CONDITION,
        "arn:aws:iam::*:user/${aws:username}",
        f"arn:aws:iam::{ACCOUNT}:user/bob",
        IMPLICIT,
        action="iam:DeactivateMFADevice",
    ),
    resource_case(
        "resource-two-variables-in-one-arn",
        VARIABLES,
        f"{BUCKET}/${{aws:PrincipalTag/team}}/${{aws:username}}/*",
        f"{BUCKET}/blue/alice/cv.pdf",
        ALLOWED,
        context={TEAM_TAG: "blue"},
    ),
    resource_case(
        "resource-variable-key-name-is-case-insensitive",
        VARIABLES,
        f"{BUCKET}/home/${{AWS:UserName}}/*",
        f"{BUCKET}/home/alice/notes.txt",
        ALLOWED,
    ),
    resource_case(
        "resource-special-variable-literal-asterisk",
        VARIABLES,
        f"{BUCKET}/literal${{*}}",
        f"{BUCKET}/literal*",
        ALLOWED,
    ),
    resource_case(
        "resource-special-variable-asterisk-is-not-a-wildcard",
        VARIABLES,
        f"{BUCKET}/literal${{*}}",
        f"{BUCKET}/literalX",
        IMPLICIT,
    ),
]

# V1 (iamlab/policy/variables.py): an entry whose variable has no value matches no resource, and
# NotResource negates that, so a role session (no aws:username) is covered by every NotResource
# statement written with ${aws:username}: the Allow allows everything, the Deny denies everything.
NOT_HOME = f"{BUCKET}/home/${{aws:username}}/*"
ALLOW_OUTSIDE_HOME = doc(stmt("Allow", "s3:GetObject", None, not_resource=NOT_HOME))
DENY_OUTSIDE_HOME = doc(
    stmt("Allow", "*", "*"), stmt("Deny", "s3:GetObject", None, not_resource=NOT_HOME)
)

NOT_RESOURCE_CASES = [
    Case(
        "not-resource-variable-without-value-allow-covers-everything",
        VARIABLES,
        ADMIN_SESSION,
        "s3:GetObject",
        ALLOWED,
        resource=f"{BUCKET}/home/alice/notes.txt",
        identity=[ALLOW_OUTSIDE_HOME],
    ),
    Case(
        "not-resource-variable-without-value-deny-denies-everything",
        VARIABLES,
        ADMIN_SESSION,
        "s3:GetObject",
        EXPLICIT,
        resource=f"{BUCKET}/home/alice/notes.txt",
        identity=[DENY_OUTSIDE_HOME],
        decided_by="deny",
    ),
    Case(
        "not-resource-variable-with-value-excludes-own-home",
        VARIABLES,
        ALICE,
        "s3:GetObject",
        IMPLICIT,
        resource=f"{BUCKET}/home/alice/notes.txt",
        identity=[ALLOW_OUTSIDE_HOME],
    ),
    Case(
        "not-resource-variable-with-value-covers-other-home",
        VARIABLES,
        ALICE,
        "s3:GetObject",
        ALLOWED,
        resource=f"{BUCKET}/home/bob/notes.txt",
        identity=[ALLOW_OUTSIDE_HOME],
    ),
    Case(
        "not-resource-variable-with-value-deny-spares-own-home",
        VARIABLES,
        ALICE,
        "s3:GetObject",
        ALLOWED,
        resource=f"{BUCKET}/home/alice/notes.txt",
        identity=[DENY_OUTSIDE_HOME],
    ),
]

VERSION_CASES = [
    resource_case(
        "old-version-2008-variable-is-literal-text",
        VARIABLES,
        HOME,
        f"{BUCKET}/home/alice/notes.txt",
        IMPLICIT,
        version="2008-10-17",
    ),
    resource_case(
        "old-version-2008-literal-variable-text-matches",
        VARIABLES,
        HOME,
        f"{BUCKET}/home/${{aws:username}}/notes.txt",
        ALLOWED,
        version="2008-10-17",
    ),
    resource_case(
        "no-version-variable-is-literal-text",
        VERSION,
        HOME,
        f"{BUCKET}/home/alice/notes.txt",
        IMPLICIT,
        version=None,
    ),
    resource_case(
        "no-version-literal-variable-text-matches",
        VERSION,
        HOME,
        f"{BUCKET}/home/${{aws:username}}/notes.txt",
        ALLOWED,
        version=None,
    ),
    condition_case(
        "old-version-condition-variable-is-literal",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "${aws:username}"}},
        {"s3:prefix": "alice"},
        IMPLICIT,
        version="2008-10-17",
    ),
    condition_case(
        "old-version-condition-literal-text-matches",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "${aws:username}"}},
        {"s3:prefix": "${aws:username}"},
        ALLOWED,
        version="2008-10-17",
    ),
    condition_case(
        "version-2012-condition-variable-is-substituted",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "${aws:username}"}},
        {"s3:prefix": "alice"},
        ALLOWED,
    ),
]

OWNER = "s3:ExistingObjectTag/owner"
TEAM_OBJ = "s3:ExistingObjectTag/Team"
ORG_DENY = {"StringNotEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}

CONDITION_CASES = [
    condition_case(
        "condition-object-owner-equals-principal-tag",
        VARIABLES,
        {"StringEquals": {OWNER: "${aws:PrincipalTag/owner}"}},
        {OWNER: "alice", "aws:PrincipalTag/owner": "alice"},
        ALLOWED,
    ),
    condition_case(
        "condition-object-owner-differs-from-principal-tag",
        VARIABLES,
        {"StringEquals": {OWNER: "${aws:PrincipalTag/owner}"}},
        {OWNER: "bob", "aws:PrincipalTag/owner": "alice"},
        IMPLICIT,
    ),
    condition_case(
        "condition-string-equals-variable-without-value-no-match",
        VARIABLES,
        {"StringEquals": {OWNER: "${aws:PrincipalTag/owner}"}},
        {OWNER: "alice"},
        IMPLICIT,
    ),
    condition_case(
        "condition-string-like-variable-without-value-no-match",
        VARIABLES,
        {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}},
        {"s3:prefix": "blue/x"},
        IMPLICIT,
    ),
    condition_case(
        "condition-string-not-equals-variable-without-value-matches",
        VARIABLES,
        {"StringNotEquals": {OWNER: "${aws:PrincipalTag/owner}"}},
        {OWNER: "alice"},
        ALLOWED,
    ),
    condition_case(
        "condition-string-not-like-variable-without-value-matches",
        VARIABLES,
        {"StringNotLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"}},
        {"s3:prefix": "blue/x"},
        ALLOWED,
    ),
    condition_case(
        "condition-deny-team-tag-not-set-is-explicitly-denied",
        VARIABLES,
        {"StringNotEquals": {TEAM_OBJ: "${aws:PrincipalTag/Team}"}},
        {TEAM_OBJ: "blue"},
        EXPLICIT,
        effect="Deny",
    ),
    condition_case(
        "condition-deny-team-tags-equal-not-denied",
        VARIABLES,
        {"StringNotEquals": {TEAM_OBJ: "${aws:PrincipalTag/Team}"}},
        {TEAM_OBJ: "blue", "aws:PrincipalTag/Team": "blue"},
        ALLOWED,
        effect="Deny",
    ),
    condition_case(
        "condition-deny-team-tags-differ-denied",
        VARIABLES,
        {"StringNotEquals": {TEAM_OBJ: "${aws:PrincipalTag/Team}"}},
        {TEAM_OBJ: "blue", "aws:PrincipalTag/Team": "red"},
        EXPLICIT,
        effect="Deny",
    ),
    condition_case(
        "condition-string-like-prefix-from-principal-tag",
        VARIABLES,
        {"StringLike": {"s3:prefix": ["${aws:PrincipalTag/team}/*"]}},
        {"s3:prefix": "blue/reports/q1.csv", TEAM_TAG: "blue"},
        ALLOWED,
        action="s3:ListBucket",
        resource=BUCKET,
    ),
    condition_case(
        "condition-string-like-prefix-of-other-team",
        VARIABLES,
        {"StringLike": {"s3:prefix": ["${aws:PrincipalTag/team}/*"]}},
        {"s3:prefix": "red/reports/q1.csv", TEAM_TAG: "blue"},
        IMPLICIT,
        action="s3:ListBucket",
        resource=BUCKET,
    ),
    condition_case(
        "condition-derived-username-in-string-like",
        OPERATORS,
        {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
        {"s3:prefix": "home/alice/"},
        ALLOWED,
        action="s3:ListBucket",
        resource=BUCKET,
    ),
    condition_case(
        "condition-derived-username-other-home",
        OPERATORS,
        {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
        {"s3:prefix": "home/bob/"},
        IMPLICIT,
        action="s3:ListBucket",
        resource=BUCKET,
    ),
    condition_case(
        "condition-default-value-when-tag-missing",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team, 'shared'}"}},
        {"s3:prefix": "shared"},
        ALLOWED,
        action="s3:ListBucket",
        resource=BUCKET,
    ),
    condition_case(
        "condition-default-value-ignored-when-tag-present",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team, 'shared'}"}},
        {"s3:prefix": "shared", TEAM_TAG: "blue"},
        IMPLICIT,
        action="s3:ListBucket",
        resource=BUCKET,
    ),
    condition_case(
        "condition-variable-key-name-case-insensitive",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "${AWS:USERNAME}"}},
        {"s3:prefix": "alice"},
        ALLOWED,
    ),
    condition_case(
        "condition-tag-variable-key-case-insensitive",
        CONDITION,
        {"StringEquals": {"s3:prefix": "${aws:PrincipalTag/TEAM}"}},
        {"s3:prefix": "blue", TEAM_TAG: "blue"},
        ALLOWED,
    ),
    condition_case(
        "condition-arn-like-with-derived-account-variable",
        OPERATORS,
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}},
        {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"},
        ALLOWED,
    ),
    condition_case(
        "condition-arn-like-with-derived-account-other-account",
        OPERATORS,
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}},
        {"aws:SourceArn": "arn:aws:sns:us-east-1:444455556666:alerts"},
        IMPLICIT,
    ),
    condition_case(
        "condition-deny-resource-outside-my-organization",
        KEYS,
        ORG_DENY,
        {"aws:ResourceOrgID": "o-other", "aws:PrincipalOrgID": "o-mine"},
        EXPLICIT,
        effect="Deny",
        action="s3:PutObject",
    ),
    condition_case(
        "condition-deny-resource-inside-my-organization",
        KEYS,
        ORG_DENY,
        {"aws:ResourceOrgID": "o-mine", "aws:PrincipalOrgID": "o-mine"},
        ALLOWED,
        effect="Deny",
        action="s3:PutObject",
    ),
    condition_case(
        "condition-deny-principal-outside-any-organization",
        KEYS,
        ORG_DENY,
        {"aws:ResourceOrgID": "o-mine"},
        EXPLICIT,
        effect="Deny",
        action="s3:PutObject",
    ),
    condition_case(
        "condition-special-variable-asterisk-is-literal",
        VARIABLES,
        {"StringLike": {"s3:prefix": "reports/${*}"}},
        {"s3:prefix": "reports/*"},
        ALLOWED,
    ),
    condition_case(
        "condition-special-variable-asterisk-is-not-a-wildcard",
        VARIABLES,
        {"StringLike": {"s3:prefix": "reports/${*}"}},
        {"s3:prefix": "reports/2024"},
        IMPLICIT,
    ),
    condition_case(
        "condition-special-variable-question-mark-is-literal",
        VARIABLES,
        {"StringLike": {"s3:prefix": "what${?}"}},
        {"s3:prefix": "what?"},
        ALLOWED,
    ),
    condition_case(
        "condition-special-variable-question-mark-not-a-wildcard",
        VARIABLES,
        {"StringLike": {"s3:prefix": "what${?}"}},
        {"s3:prefix": "whatx"},
        IMPLICIT,
    ),
    condition_case(
        "condition-special-variable-dollar",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "price${$}"}},
        {"s3:prefix": "price$"},
        ALLOWED,
    ),
    condition_case(
        "condition-multivalued-key-cannot-be-a-variable",
        VARIABLES,
        {"StringEquals": {"s3:prefix": "${aws:TagKeys}"}},
        {"s3:prefix": "environment", "aws:TagKeys": ["environment", "owner"]},
        IMPLICIT,
    ),
    condition_case(
        "condition-no-variables-in-numeric-operators",
        VARIABLES,
        {"NumericLessThanEquals": {"s3:max-keys": "${aws:PrincipalTag/limit}"}},
        {"s3:max-keys": "5", "aws:PrincipalTag/limit": "10"},
        IMPLICIT,
        action="s3:ListBucket",
        resource=BUCKET,
    ),
]

CASES = [*RESOURCE_CASES, *NOT_RESOURCE_CASES, *VERSION_CASES, *CONDITION_CASES]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_variable_case(case: Case) -> None:
    check(case)


def test_variable_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
