"""Action and Resource matching: wildcards, case, ARN segments.

Source pages: reference_policies_elements_action, reference_policies_elements_resource,
reference_policies_elements_notresource, reference-arns.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.casekit import Case, check, doc, stmt

ALLOWED = "allowed"
IMPLICIT = "implicitDeny"

ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"

ACTION = "reference_policies_elements_action"
RESOURCE = "reference_policies_elements_resource"
NOT_RESOURCE = "reference_policies_elements_notresource"
ARNS = "reference-arns"


def action_case(
    case_id: str, pattern: Any, action: str, expected: str, source: str = ACTION
) -> Case:
    """An Allow statement with ``Action: pattern`` on every resource."""
    return Case(
        case_id,
        source,
        ALICE,
        action,
        expected,
        resource=f"arn:aws:iam::{ACCOUNT}:user/bob",
        identity=[doc(stmt("Allow", pattern, "*"))],
    )


def resource_case(
    case_id: str,
    pattern: Any,
    resource: str,
    expected: str,
    source: str = RESOURCE,
    action: str = "s3:GetObject",
    **extra: Any,
) -> Case:
    """An Allow statement for ``action`` with ``Resource: pattern``."""
    return Case(
        case_id,
        source,
        ALICE,
        action,
        expected,
        resource=resource,
        identity=[doc(stmt("Allow", action, pattern))],
        **extra,
    )


ACCESS_KEY = "iam:*AccessKey*"

ACTION_CASES = [
    action_case(
        "action-prefix-and-name-case-insensitive-in-policy",
        "IAM:listaccesskeys",
        "iam:ListAccessKeys",
        ALLOWED,
    ),
    action_case(
        "action-prefix-and-name-case-insensitive-in-request",
        "iam:ListAccessKeys",
        "IAM:LISTACCESSKEYS",
        ALLOWED,
    ),
    action_case("action-exact-name-other-action", "iam:ListAccessKeys", "iam:ListUsers", IMPLICIT),
    action_case("action-access-key-wildcard-create", ACCESS_KEY, "iam:CreateAccessKey", ALLOWED),
    action_case("action-access-key-wildcard-delete", ACCESS_KEY, "iam:DeleteAccessKey", ALLOWED),
    action_case("action-access-key-wildcard-list", ACCESS_KEY, "iam:ListAccessKeys", ALLOWED),
    action_case("action-access-key-wildcard-update", ACCESS_KEY, "iam:UpdateAccessKey", ALLOWED),
    action_case(
        "action-access-key-wildcard-get-last-used", ACCESS_KEY, "iam:GetAccessKeyLastUsed", ALLOWED
    ),
    action_case("action-access-key-wildcard-not-list-users", ACCESS_KEY, "iam:ListUsers", IMPLICIT),
    action_case(
        "action-access-key-wildcard-is-case-insensitive", ACCESS_KEY, "iam:createaccesskey", ALLOWED
    ),
    action_case(
        "action-access-key-wildcard-other-service", ACCESS_KEY, "s3:ListAccessKeys", IMPLICIT
    ),
    action_case("action-service-wildcard-matches-service-action", "s3:*", "s3:GetObject", ALLOWED),
    action_case("action-service-wildcard-not-other-service", "s3:*", "ec2:RunInstances", IMPLICIT),
    action_case(
        "action-service-wildcard-not-longer-prefix", "s3:*", "s3express:CreateSession", IMPLICIT
    ),
    action_case("action-star-matches-every-action", "*", "ec2:RunInstances", ALLOWED),
    action_case("action-question-mark-one-character", "s3:Get?bject", "s3:GetObject", ALLOWED),
    action_case(
        "action-question-mark-exactly-one-character", "s3:GetObjec?", "s3:GetObjectAcl", IMPLICIT
    ),
    action_case(
        "action-trailing-wildcard-prefix", "ec2:Describe*", "ec2:DescribeInstances", ALLOWED
    ),
    action_case(
        "action-trailing-wildcard-not-other-verb", "ec2:Describe*", "ec2:RunInstances", IMPLICIT
    ),
    action_case(
        "action-list-any-entry-matches",
        ["sqs:SendMessage", "ec2:StartInstances"],
        "ec2:StartInstances",
        ALLOWED,
    ),
    action_case(
        "action-list-no-entry-matches",
        ["sqs:SendMessage", "ec2:StartInstances"],
        "ec2:StopInstances",
        IMPLICIT,
    ),
]

TEST_BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"

# reference_policies_elements_resource: "The wildcards in the ARN apply to all of the following
# objects in the bucket" / "The ARN would not match the following objects".
MATCHING_OBJECTS = [
    "1/test/object.jpg",
    "1/2/test/object.jpg",
    "1/2/test/3/object.jpg",
    "1/2/3/test/4/object.jpg",
    "1///test///object.jpg",
    "1/test/.jpg",
    "/test/object.jpg",
    "1/test/",
]
NON_MATCHING_OBJECTS = ["1-test/object.jpg", "test/object.jpg", "1/2/test.jpg"]


def _slug(key: str) -> str:
    return key.replace("/", "_") or "empty"


RESOURCE_CASES = [
    *(
        resource_case(
            f"resource-star-crosses-slashes-matches-{_slug(key)}",
            TEST_BUCKET,
            f"{BUCKET}/{key}",
            ALLOWED,
        )
        for key in MATCHING_OBJECTS
    ),
    *(
        resource_case(
            f"resource-star-crosses-slashes-does-not-match-{_slug(key)}",
            TEST_BUCKET,
            f"{BUCKET}/{key}",
            IMPLICIT,
        )
        for key in NON_MATCHING_OBJECTS
    ),
    resource_case(
        "resource-bucket-objects-wildcard", f"{BUCKET}/*", f"{BUCKET}/a/b/c.txt", ALLOWED
    ),
    resource_case(
        "resource-bucket-objects-wildcard-not-the-bucket",
        f"{BUCKET}/*",
        BUCKET,
        IMPLICIT,
        action="s3:ListBucket",
    ),
    resource_case(
        "resource-iam-user-name-is-case-sensitive",
        f"arn:aws:iam::{ACCOUNT}:user/Bob",
        f"arn:aws:iam::{ACCOUNT}:user/bob",
        IMPLICIT,
        action="iam:GetUser",
    ),
    resource_case(
        "resource-iam-user-name-exact-case",
        f"arn:aws:iam::{ACCOUNT}:user/Bob",
        f"arn:aws:iam::{ACCOUNT}:user/Bob",
        ALLOWED,
        action="iam:GetUser",
    ),
    resource_case(
        "resource-s3-key-is-case-sensitive",
        f"{BUCKET}/Reports/*",
        f"{BUCKET}/reports/q1.csv",
        IMPLICIT,
    ),
    resource_case(
        "resource-iam-path-wildcard-matches-user-on-path",
        f"arn:aws:iam::{ACCOUNT}:user/accounting/*",
        f"arn:aws:iam::{ACCOUNT}:user/accounting/carol",
        ALLOWED,
        action="iam:GetUser",
    ),
    resource_case(
        "resource-iam-path-wildcard-other-path",
        f"arn:aws:iam::{ACCOUNT}:user/accounting/*",
        f"arn:aws:iam::{ACCOUNT}:user/sales/carol",
        IMPLICIT,
        action="iam:GetUser",
    ),
    resource_case(
        "resource-role-wildcard-crosses-role-path",
        f"arn:aws:iam::{ACCOUNT}:role/*",
        f"arn:aws:iam::{ACCOUNT}:role/service-role/Builder",
        ALLOWED,
        action="iam:GetRole",
    ),
    resource_case(
        "resource-list-first-table",
        [
            f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/books_table",
            f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/magazines_table",
        ],
        f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/books_table",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-list-second-table",
        [
            f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/books_table",
            f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/magazines_table",
        ],
        f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/magazines_table",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-list-table-not-listed",
        [
            f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/books_table",
            f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/magazines_table",
        ],
        f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/music_table",
        IMPLICIT,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-star-alone-matches-every-resource",
        "*",
        f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/books_table",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-trailing-star-in-account-segment-expands-past-colons",
        "arn:aws:dynamodb:us-east-1:*",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Books",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-trailing-star-in-region-segment-expands-past-colons",
        "arn:aws:dynamodb:*",
        f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/Books",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-trailing-star-keeps-earlier-segments",
        "arn:aws:dynamodb:us-east-1:*",
        f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/Books",
        IMPLICIT,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-trailing-star-inside-a-segment-expands-past-colons",
        "arn:aws:sqs:us-*:queue1",
        "arn:aws:sqs:us-east-1:111122223333:queue1",
        ALLOWED,
        action="sqs:SendMessage",
    ),
    resource_case(
        "resource-star-inside-region-segment",
        f"arn:aws:dynamodb:us-*-1:{ACCOUNT}:table/Books",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Books",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-star-inside-region-segment-other-region",
        f"arn:aws:dynamodb:us-*-1:{ACCOUNT}:table/Books",
        f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/Books",
        IMPLICIT,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-question-mark-in-region-segment",
        f"arn:aws:dynamodb:us-east-?:{ACCOUNT}:table/Books",
        f"arn:aws:dynamodb:us-east-2:{ACCOUNT}:table/Books",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-several-wildcards-in-one-segment",
        "arn:aws:dynamodb:us-east-1:1111*33?3:table/Books",
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Books",
        ALLOWED,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-wildcard-region-other-account",
        "arn:aws:sqs:*:111122223333:queue1",
        "arn:aws:sqs:us-east-2:444455556666:queue1",
        IMPLICIT,
        action="sqs:SendMessage",
    ),
    resource_case(
        "resource-wildcard-region-same-account",
        "arn:aws:sqs:*:111122223333:queue1",
        "arn:aws:sqs:us-east-2:111122223333:queue1",
        ALLOWED,
        action="sqs:SendMessage",
    ),
    resource_case(
        "resource-question-mark-one-character",
        f"{BUCKET}/file?.txt",
        f"{BUCKET}/file1.txt",
        ALLOWED,
    ),
    resource_case(
        "resource-question-mark-not-two-characters",
        f"{BUCKET}/file?.txt",
        f"{BUCKET}/file10.txt",
        IMPLICIT,
    ),
    # "?" stands for exactly one character: never for none, in the resource part or elsewhere.
    resource_case(
        "resource-question-mark-not-zero-characters",
        f"{BUCKET}/file?.txt",
        f"{BUCKET}/file.txt",
        IMPLICIT,
    ),
    resource_case(
        "resource-question-mark-at-end-not-zero-characters",
        f"{BUCKET}/report-?",
        f"{BUCKET}/report-",
        IMPLICIT,
    ),
    resource_case(
        "resource-question-mark-in-region-not-zero-characters",
        f"arn:aws:dynamodb:us-east-?:{ACCOUNT}:table/Books",
        f"arn:aws:dynamodb:us-east-:{ACCOUNT}:table/Books",
        IMPLICIT,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-question-mark-in-region-not-two-characters",
        f"arn:aws:dynamodb:us-east-?:{ACCOUNT}:table/Books",
        f"arn:aws:dynamodb:us-east-12:{ACCOUNT}:table/Books",
        IMPLICIT,
        action="dynamodb:GetItem",
    ),
    resource_case(
        "resource-s3-all-buckets-and-objects",
        "arn:aws:s3:::*",
        f"{BUCKET}/a/b",
        ALLOWED,
        source=ARNS,
    ),
    resource_case(
        "resource-resource-type-colon-resource-id",
        (f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:*"),
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:log-stream:web-1",
        ALLOWED,
        source=ARNS,
        action="logs:PutLogEvents",
    ),
    resource_case(
        "resource-resource-type-colon-other-log-group",
        (f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:*"),
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:web:log-stream:web-1",
        IMPLICIT,
        source=ARNS,
        action="logs:PutLogEvents",
    ),
    resource_case(
        "resource-partition-must-match",
        f"{BUCKET}/*",
        "arn:aws-cn:s3:::amzn-s3-demo-bucket/a",
        IMPLICIT,
        source=ARNS,
    ),
    resource_case(
        "resource-iam-arn-has-empty-region",
        f"arn:aws:iam::{ACCOUNT}:user/*",
        f"arn:aws:iam:us-east-1:{ACCOUNT}:user/bob",
        IMPLICIT,
        source=ARNS,
        action="iam:GetUser",
    ),
]

NOT_RESOURCE_CASES = [
    Case(
        "not-resource-allows-resources-not-listed",
        NOT_RESOURCE,
        ALICE,
        "s3:GetObject",
        ALLOWED,
        resource=f"{BUCKET}/public/a.txt",
        identity=[doc(stmt("Allow", "s3:GetObject", None, not_resource=f"{BUCKET}/secret/*"))],
    ),
    Case(
        "not-resource-does-not-allow-listed-resource",
        NOT_RESOURCE,
        ALICE,
        "s3:GetObject",
        IMPLICIT,
        resource=f"{BUCKET}/secret/a.txt",
        identity=[doc(stmt("Allow", "s3:GetObject", None, not_resource=f"{BUCKET}/secret/*"))],
    ),
]

CASES = [*ACTION_CASES, *RESOURCE_CASES, *NOT_RESOURCE_CASES]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matching_case(case: Case) -> None:
    check(case)


def test_matching_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
