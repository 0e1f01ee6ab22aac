"""Comparing two versions of a policy: the text diff and the change in effect.

Source pages: access_policies_managed-versioning (a managed policy keeps several versions),
reference_policies_elements (element order and JSON formatting carry no meaning),
access_policies_understand-policy-summary and
access_policies_understand-policy-summary-access-level-summaries (what the effect is).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from iamlab.policy import (
    DiffLine,
    Policy,
    diff_documents,
    normalise_document,
    parse_policy,
    reach_changes,
)
from tests.policy.casekit import DOCS, Doc, doc, stmt

VERSIONING = "access_policies_managed-versioning"
ELEMENTS = "reference_policies_elements"
POLICY_SUMMARY = "access_policies_understand-policy-summary"
ACCESS_LEVELS = "access_policies_understand-policy-summary-access-level-summaries"
CONDITION = "reference_policies_elements_condition"
RESOURCE = "reference_policies_elements_resource"

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "aws-managed-policies"
MFA_ON = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
MFA_OFF = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}

READ = doc(stmt("Allow", ["s3:GetObject", "s3:ListBucket"], sid="Read"))
READ_TEXT = json.dumps(READ, indent=2)


# --- diff_documents ---------------------------------------------------------------------------


@dataclass
class DiffCase:
    id: str
    source: str
    old: str
    new: str
    added: tuple[str, ...] = ()  # stripped text of the added lines, in order
    removed: tuple[str, ...] = ()  # stripped text of the removed lines, in order

    def __str__(self) -> str:
        return self.id


DIFF_CASES = [
    DiffCase("unchanged", VERSIONING, READ_TEXT, READ_TEXT),
    DiffCase(
        "formatting-is-not-a-change",
        ELEMENTS,
        json.dumps(READ),
        json.dumps(READ, indent=4),
    ),
    DiffCase(
        "reordered-statement-keys-are-not-a-change",
        ELEMENTS,
        READ_TEXT,
        json.dumps(
            {
                "Statement": [
                    {
                        "Resource": "*",
                        "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Sid": "Read",
                        "Effect": "Allow",
                    }
                ],
                "Version": "2012-10-17",
            }
        ),
    ),
    DiffCase(
        "reordered-condition-keys-are-not-a-change",
        ELEMENTS,
        json.dumps(
            doc(
                stmt(
                    condition={
                        "StringEquals": {"aws:PrincipalTag/team": "a", "aws:RequestedRegion": "x"},
                        "Bool": {"aws:SecureTransport": "true"},
                    }
                )
            )
        ),
        json.dumps(
            doc(
                stmt(
                    condition={
                        "Bool": {"aws:SecureTransport": "true"},
                        "StringEquals": {"aws:RequestedRegion": "x", "aws:PrincipalTag/team": "a"},
                    }
                )
            )
        ),
    ),
    DiffCase(
        "added-statement",
        VERSIONING,
        READ_TEXT,
        json.dumps(doc(*READ["Statement"], stmt("Allow", "s3:PutObject", sid="Write"))),
        added=("},", "{", '"Action": "s3:PutObject",', '"Effect": "Allow",', '"Resource": "*",')
        + ('"Sid": "Write"',),
    ),
    DiffCase(
        "removed-action",
        VERSIONING,
        READ_TEXT,
        json.dumps(doc(stmt("Allow", ["s3:GetObject"], sid="Read"))),
        added=('"s3:GetObject"',),
        removed=('"s3:GetObject",', '"s3:ListBucket"'),
    ),
    DiffCase(
        "statement-order-is-kept",
        ELEMENTS,
        json.dumps(doc(stmt("Allow", "s3:GetObject"), stmt("Deny", "s3:PutObject"))),
        json.dumps(doc(stmt("Deny", "s3:PutObject"), stmt("Allow", "s3:GetObject"))),
        added=('"Action": "s3:PutObject",', '"Effect": "Deny",')
        + ('"Action": "s3:GetObject",', '"Effect": "Allow",'),
        removed=('"Action": "s3:GetObject",', '"Effect": "Allow",')
        + ('"Action": "s3:PutObject",', '"Effect": "Deny",'),
    ),
    DiffCase(
        "invalid-json-still-diffs-as-text",
        VERSIONING,
        '{"Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"',
        '{"Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Deny"',
        added=('{"Effect": "Deny"',),
        removed=('{"Effect": "Allow"',),
    ),
    DiffCase(
        "invalid-old-valid-new",
        VERSIONING,
        "not json at all",
        json.dumps(doc(stmt("Allow", "s3:GetObject"))),
        removed=("not json at all",),
        added=(
            "{",
            '"Version": "2012-10-17",',
            '"Statement": [',
            "{",
            '"Action": "s3:GetObject",',
            '"Effect": "Allow",',
            '"Resource": "*"',
            "}",
            "]",
            "}",
        ),
    ),
    DiffCase("empty-old", VERSIONING, "", "{}", added=("{}",)),
]


@pytest.mark.parametrize("case", DIFF_CASES, ids=str)
def test_diff_documents(case: DiffCase) -> None:
    where = f"{case.id} ({DOCS}{case.source}.html)"
    lines = diff_documents(case.old, case.new)
    added = tuple(line.text.strip() for line in lines if line.kind == "added")
    removed = tuple(line.text.strip() for line in lines if line.kind == "removed")
    assert added == case.added, f"{where}: added {added}"
    assert removed == case.removed, f"{where}: removed {removed}"
    # Every line of both normalised texts appears once, numbered in order.
    old_text = normalise_document(case.old).splitlines()
    new_text = normalise_document(case.new).splitlines()
    olds = [line for line in lines if line.old_number is not None]
    news = [line for line in lines if line.new_number is not None]
    assert [line.old_number for line in olds] == list(range(1, len(old_text) + 1)), where
    assert [line.new_number for line in news] == list(range(1, len(new_text) + 1)), where
    assert [line.text for line in olds] == old_text, where
    assert [line.text for line in news] == new_text, where
    for line in lines:
        assert (line.kind == "same") == (
            line.old_number is not None and line.new_number is not None
        )


def test_diff_line_shape() -> None:
    lines = diff_documents('{"Version": "2012-10-17"}', '{"Version": "2008-10-17"}')
    assert lines == [
        DiffLine("same", 1, 1, "{"),
        DiffLine("removed", 2, None, '  "Version": "2012-10-17"'),
        DiffLine("added", None, 2, '  "Version": "2008-10-17"'),
        DiffLine("same", 3, 3, "}"),
    ]


def test_normalise_keeps_top_level_order_and_values() -> None:
    text = normalise_document(
        '{"Statement": {"Resource": "*", "Effect": "Allow", "Action": ["b:B", "a:A"]},'
        ' "Id": "x", "Version": "2012-10-17"}'
    )
    assert json.loads(text) == {
        "Version": "2012-10-17",
        "Id": "x",
        "Statement": {"Action": ["b:B", "a:A"], "Effect": "Allow", "Resource": "*"},
    }
    assert list(json.loads(text)) == ["Version", "Id", "Statement"]
    assert text.index('"b:B"') < text.index('"a:A"')  # list order is the author's


# --- reach_changes ----------------------------------------------------------------------------


@dataclass
class ChangeCase:
    id: str
    source: str
    old: Doc
    new: Doc
    expected: list[str]

    def __str__(self) -> str:
        return self.id


CHANGE_CASES = [
    ChangeCase("no-change", VERSIONING, READ, READ, []),
    ChangeCase(
        "reformatted-policy-has-no-change-in-effect",
        VERSIONING,
        READ,
        doc(stmt("Allow", "s3:ListBucket"), stmt("Allow", "S3:GETOBJECT")),
        [],
    ),
    ChangeCase(
        "write-now-allowed",
        ACCESS_LEVELS,
        doc(stmt("Allow", "s3:GetObject")),
        doc(stmt("Allow", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"])),
        ["s3: Write now allowed (s3:DeleteObject, s3:PutObject)"],
    ),
    ChangeCase(
        "permissions-management-no-longer-allowed",
        ACCESS_LEVELS,
        doc(stmt("Allow", ["iam:ListUsers", "iam:AttachUserPolicy", "iam:PutUserPolicy"])),
        doc(stmt("Allow", "iam:ListUsers")),
        ["iam: Permissions management no longer allowed"],
    ),
    ChangeCase(
        "more-actions-in-a-level",
        ACCESS_LEVELS,
        doc(stmt("Allow", "s3:GetObject")),
        doc(stmt("Allow", ["s3:GetObject", "s3:GetBucketPolicy"])),
        ["s3: Read now also allows s3:GetBucketPolicy"],
    ),
    ChangeCase(
        "fewer-actions-in-a-level",
        ACCESS_LEVELS,
        doc(stmt("Allow", ["s3:GetObject", "s3:GetBucketPolicy"])),
        doc(stmt("Allow", "s3:GetObject")),
        ["s3: Read no longer allows s3:GetBucketPolicy"],
    ),
    ChangeCase(
        "long-lists-are-shortened",
        ACCESS_LEVELS,
        doc(stmt("Allow", "s3:ListBucket")),
        doc(
            stmt(
                "Allow",
                [
                    "s3:ListBucket",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:CreateBucket",
                    "s3:DeleteBucket",
                    "s3:AbortMultipartUpload",
                    "s3:RestoreObject",
                    "s3:ReplicateObject",
                ],
            )
        ),
        [
            "s3: Write now allowed (s3:AbortMultipartUpload, s3:CreateBucket, s3:DeleteBucket, "
            "s3:DeleteObject, s3:PutObject and 2 more)"
        ],
    ),
    ChangeCase(
        "new-service-with-full-access",
        ACCESS_LEVELS,
        doc(stmt("Allow", "s3:GetObject")),
        doc(stmt("Allow", ["s3:GetObject", "sqs:*"])),
        ["sqs: Full access now allowed"],
    ),
    ChangeCase(
        "limited-to-full-access",
        ACCESS_LEVELS,
        doc(stmt("Allow", "sqs:SendMessage")),
        doc(stmt("Allow", "sqs:*")),
        ["sqs: Full access now allowed (was Limited: Write)"],
    ),
    ChangeCase(
        "full-access-removed",
        ACCESS_LEVELS,
        doc(stmt("Allow", ["s3:GetObject", "sqs:*"])),
        doc(stmt("Allow", "s3:GetObject")),
        ["sqs: Full access no longer allowed"],
    ),
    ChangeCase(
        "full-level-now-allowed",
        ACCESS_LEVELS,
        doc(stmt("Allow", "sqs:SendMessage")),
        doc(stmt("Allow", ["sqs:SendMessage", "sqs:TagQueue", "sqs:UntagQueue"])),
        ["sqs: Tagging now allowed (all 2 actions)"],
    ),
    ChangeCase(
        "grant-becomes-conditional",
        CONDITION,
        doc(stmt("Allow", "s3:GetObject")),
        doc(stmt("Allow", "s3:GetObject", condition=MFA_ON)),
        ["s3: Read is now allowed only under a condition"],
    ),
    ChangeCase(
        "grant-no-longer-conditional",
        CONDITION,
        doc(stmt("Allow", "s3:GetObject", condition=MFA_ON)),
        doc(stmt("Allow", "s3:GetObject")),
        ["s3: Read no longer needs a condition"],
    ),
    ChangeCase(
        "grant-scoped-to-a-bucket",
        RESOURCE,
        doc(stmt("Allow", "s3:GetObject")),
        doc(stmt("Allow", "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/*")),
        ["s3: Read is now allowed only on specific resources"],
    ),
    ChangeCase(
        "new-level-with-qualifiers",
        CONDITION,
        doc(stmt("Allow", "s3:GetObject")),
        doc(
            stmt("Allow", "s3:GetObject"),
            stmt("Allow", "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/*", condition=MFA_ON),
        ),
        [
            "s3: Write now allowed (s3:PutObject), only under a condition and only on "
            "specific resources"
        ],
    ),
    ChangeCase(
        "conditional-deny-added",
        POLICY_SUMMARY,
        doc(stmt("Allow", ["s3:GetObject", "s3:DeleteObject"])),
        doc(
            stmt("Allow", ["s3:GetObject", "s3:DeleteObject"]),
            stmt("Deny", "s3:DeleteObject", condition=MFA_OFF),
        ),
        ["s3: Write now partly denied (under a condition or on some resources): s3:DeleteObject"],
    ),
    ChangeCase(
        "unconditional-deny-added",
        POLICY_SUMMARY,
        doc(stmt("Allow", ["s3:GetObject", "s3:DeleteObject"])),
        doc(stmt("Allow", ["s3:GetObject", "s3:DeleteObject"]), stmt("Deny", "s3:Delete*")),
        ["s3: Write no longer allowed"],
    ),
    ChangeCase(
        "typo-introduced",
        POLICY_SUMMARY,
        doc(stmt("Allow", "s3:GetObject")),
        doc(stmt("Allow", "s3:GetObjekt")),
        [
            "s3: Read no longer allowed",
            "s3: s3:GetObjekt is not a recognized action and grants nothing",
        ],
    ),
    ChangeCase(
        "typo-fixed",
        POLICY_SUMMARY,
        doc(stmt("Allow", "s3:GetObjekt")),
        doc(stmt("Allow", "s3:GetObject")),
        ["s3: Read now allowed (s3:GetObject)", "s3: unrecognized entry s3:GetObjekt is gone"],
    ),
]


@pytest.mark.parametrize("case", CHANGE_CASES, ids=str)
def test_reach_changes(case: ChangeCase) -> None:
    old = parse_policy(json.dumps(case.old), name="v1")
    new = parse_policy(json.dumps(case.new), name="v2")
    assert reach_changes(old, new) == case.expected, f"{case.id} ({DOCS}{case.source}.html)"


def managed(name: str) -> Policy:
    wrapper = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return parse_policy(json.dumps(wrapper["Document"]), name=name)


def test_reach_changes_between_managed_policies() -> None:
    """AdministratorAccess -> PowerUserAccess takes IAM administration away
    (access_policies_job-functions describes PowerUserAccess as full access except user and
    group management); going back restores full access in a line per service."""
    admin, power = managed("AdministratorAccess"), managed("PowerUserAccess")
    down = reach_changes(admin, power)
    assert "iam: Permissions management no longer allowed" in down
    assert "organizations: Permissions management no longer allowed" in down
    assert {line.split(":")[0] for line in down} == {"account", "iam", "organizations"}
    up = reach_changes(power, admin)
    assert up == [
        "account: Full access now allowed (was Full: List; Limited: Read)",
        "iam: Full access now allowed (was Limited: List, Write)",
        "organizations: Full access now allowed (was Limited: Read)",
    ]
