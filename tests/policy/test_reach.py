"""A policy's effective reach per service, as the IAM console's policy summary shows it.

Source pages: access_policies_understand-policy-summary,
access_policies_understand-policy-summary-access-level-summaries,
access_policies_understand-service-summary, access_policies_policy-summary-examples,
reference_policies_elements_action, reference_policies_elements_notaction,
reference_policies_elements_condition, reference_policies_elements_resource,
reference_policies_elements_notresource, reference_policies_evaluation-logic,
access_policies_managed-vs-inline (AWS managed policies).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from iamlab.policy import (
    LevelReach,
    Request,
    ServiceReach,
    catalog,
    decide,
    parse_policy,
    reach,
)
from tests.policy.casekit import DOCS, Doc, doc, stmt

POLICY_SUMMARY = "access_policies_understand-policy-summary"
ACCESS_LEVELS = "access_policies_understand-policy-summary-access-level-summaries"
SERVICE_SUMMARY = "access_policies_understand-service-summary"
EXAMPLES = "access_policies_policy-summary-examples"
ACTION = "reference_policies_elements_action"
NOT_ACTION = "reference_policies_elements_notaction"
CONDITION = "reference_policies_elements_condition"
RESOURCE = "reference_policies_elements_resource"
NOT_RESOURCE = "reference_policies_elements_notresource"
EVALUATION = "reference_policies_evaluation-logic"
MANAGED = "access_policies_managed-vs-inline"

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "aws-managed-policies"
ALICE = "arn:aws:iam::111122223333:user/alice"
MFA_OFF = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
MFA_ON = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
BUCKET_OBJECTS = "arn:aws:s3:::amzn-s3-demo-bucket/*"

Rows = dict[str, ServiceReach]


def names(service: str, level: str) -> tuple[str, ...]:
    """Every action the catalog lists for a service at one access level."""
    return tuple(a.name for a in catalog.service_actions(service) if a.access_level == level)


def level_of(rows: Rows, service: str, level: str) -> LevelReach:
    assert service in rows, f"{service} not in the summary: {sorted(rows)}"
    assert level in rows[service].levels, f"{service} has no {level}: {rows[service].summary}"
    return rows[service].levels[level]


def allowed_actions(rows: Rows) -> set[str]:
    return {action.lower() for row in rows.values() for action in row.actions}


@dataclass
class ReachCase:
    id: str
    source: str  # the AWS documentation page
    document: Doc
    type: str = "identity"
    summaries: dict[str, str] = field(default_factory=dict)  # service -> summary text
    absent: tuple[str, ...] = ()  # services that must not be listed
    services: int | None = None  # how many services are listed
    allows: tuple[str, ...] = ()  # actions that must be allowed
    excludes: tuple[str, ...] = ()  # actions that must not be allowed
    flags: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # "s3/Read": (cond, res)
    partly_denied: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "s3/Write": names
    unrecognized: dict[str, tuple[str, ...]] = field(default_factory=dict)
    then: Callable[[Rows], None] | None = None  # further checks

    def __str__(self) -> str:
        return self.id


def check(case: ReachCase) -> None:
    where = f"{case.id} ({DOCS}{case.source}.html)"
    policy = parse_policy(json.dumps(case.document, indent=2), type=case.type)
    result = reach(policy)
    rows = {row.service: row for row in result}
    assert [r.service for r in result] == sorted(rows), f"{where}: not sorted by service"
    for service, summary in case.summaries.items():
        assert service in rows, f"{where}: {service} missing"
        assert rows[service].summary == summary, f"{where}: {service} is {rows[service].summary}"
    for service in case.absent:
        assert service not in rows, f"{where}: {service} listed as {rows[service].summary}"
    if case.services is not None:
        assert len(rows) == case.services, f"{where}: {len(rows)} services"
    granted = allowed_actions(rows)
    for action in case.allows:
        assert action.lower() in granted, f"{where}: {action} not allowed"
    for action in case.excludes:
        assert action.lower() not in granted, f"{where}: {action} allowed"
    for key, (conditional, scoped) in case.flags.items():
        level = level_of(rows, *key.split("/"))
        assert (level.conditional, level.resource_scoped) == (conditional, scoped), (
            f"{where}: {key} conditional={level.conditional} scoped={level.resource_scoped}"
        )
    for key, expected in case.partly_denied.items():
        level = level_of(rows, *key.split("/"))
        assert level.partly_denied == expected, f"{where}: {key} partly {level.partly_denied}"
    for service, entries in case.unrecognized.items():
        assert rows[service].unrecognized == entries, f"{where}: {rows[service].unrecognized}"
    for row in result:
        if not case.unrecognized.get(row.service):
            assert row.unrecognized == (), f"{where}: {row.service} {row.unrecognized}"
    if case.then is not None:
        case.then(rows)


def _all_full(rows: Rows) -> None:
    assert all(row.summary == "Full access" for row in rows.values())
    s3 = rows["s3"]
    assert s3.name == "Amazon S3"
    assert list(s3.levels) == [lvl for lvl in catalog.ACCESS_LEVELS if names("s3", lvl)]
    for level in s3.levels.values():
        assert level.full
        assert level.total == len(names("s3", level.level))
        assert level.allowed == tuple(sorted(names("s3", level.level), key=str.lower))
        assert not level.conditional
        assert not level.resource_scoped
        assert not level.partly_denied


def _matches_catalog(pattern: str) -> Callable[[Rows], None]:
    """The actions listed are exactly those the catalog's own matcher finds for the pattern."""

    def extra(rows: Rows) -> None:
        service = pattern.split(":")[0]
        expected = {a.full_name.lower() for a in catalog.actions_matching(pattern)}
        assert expected
        assert allowed_actions(rows) == expected
        for level in rows[service].levels.values():
            assert level.allowed == tuple(sorted(level.allowed, key=str.lower))

    return extra


def _everything_partly_denied(service: str) -> Callable[[Rows], None]:
    def extra(rows: Rows) -> None:
        for level in rows[service].levels.values():
            assert level.partly_denied == level.allowed
        assert rows[service].summary == "Full access"

    return extra


S3_LIST_READ = [f"s3:{n}" for n in names("s3", "List") + names("s3", "Read")]

CASES = [
    # --- Action wildcards --------------------------------------------------------------------
    ReachCase(
        "star-gives-full-access-to-every-service",
        ACCESS_LEVELS,
        doc(stmt("Allow", "*")),
        summaries={"s3": "Full access", "iam": "Full access", "ec2": "Full access"},
        services=len(catalog.all_services()),
        then=_all_full,
    ),
    ReachCase(
        "service-star-gives-full-access-to-that-service-only",
        ACCESS_LEVELS,
        doc(stmt("Allow", "s3:*")),
        summaries={"s3": "Full access"},
        services=1,
        absent=("s3-object-lambda", "s3express"),
    ),
    ReachCase(
        "prefix-wildcard-get-star",
        ACTION,
        doc(stmt("Allow", "s3:Get*")),
        allows=("s3:GetObject", "s3:GetBucketPolicy"),
        excludes=("s3:PutObject", "s3:ListBucket"),
        services=1,
        then=_matches_catalog("s3:Get*"),
    ),
    ReachCase(
        "action-names-are-case-insensitive",
        ACTION,
        doc(stmt("Allow", "S3:getobject")),
        summaries={"s3": "Limited: Read"},
        allows=("s3:GetObject",),
    ),
    ReachCase(
        "question-mark-matches-one-character",
        ACTION,
        doc(stmt("Allow", "iam:?etUser")),
        allows=("iam:GetUser",),
        excludes=("iam:ListUsers",),
        then=_matches_catalog("iam:?etUser"),
    ),
    ReachCase(
        "inner-wildcard",
        ACTION,
        doc(stmt("Allow", "iam:*AccessKey*")),
        allows=("iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"),
        then=_matches_catalog("iam:*AccessKey*"),
    ),
    ReachCase(
        "several-services-in-one-statement",
        POLICY_SUMMARY,
        doc(stmt("Allow", ["s3:GetObject", "dynamodb:GetItem", "sqs:SendMessage"])),
        summaries={"s3": "Limited: Read", "dynamodb": "Limited: Read", "sqs": "Limited: Write"},
        services=3,
    ),
    # --- NotAction ---------------------------------------------------------------------------
    ReachCase(
        "not-action-allows-everything-but-iam",
        NOT_ACTION,
        doc(stmt("Allow", None, not_action="iam:*")),
        summaries={"s3": "Full access", "sts": "Full access"},
        absent=("iam",),
        services=len(catalog.all_services()) - 1,
    ),
    ReachCase(
        "not-action-one-action-leaves-the-rest-of-the-service",
        NOT_ACTION,
        doc(stmt("Allow", None, not_action="s3:DeleteBucket")),
        summaries={"s3": "Full: List, Read, Permissions management, Tagging; Limited: Write"},
        excludes=("s3:DeleteBucket",),
        allows=("s3:DeleteObject", "iam:CreateUser"),
    ),
    ReachCase(
        "not-action-star-allows-nothing",
        NOT_ACTION,
        doc(stmt("Allow", None, not_action="*")),
        services=0,
    ),
    # --- Deny --------------------------------------------------------------------------------
    ReachCase(
        "unconditional-deny-on-star-removes-actions",
        EVALUATION,
        doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:Delete*")),
        # s3:Delete* spans Write (DeleteObject), Permissions management (DeleteBucketPolicy)
        # and Tagging (DeleteObjectTagging).
        summaries={"s3": "Full: List, Read; Limited: Write, Permissions management, Tagging"},
        allows=("s3:PutObject", "s3:PutBucketPolicy"),
        excludes=("s3:DeleteObject", "s3:DeleteBucketPolicy", "s3:DeleteObjectTagging"),
        partly_denied={"s3/Write": ()},
    ),
    ReachCase(
        "deny-of-the-whole-service-removes-it",
        EVALUATION,
        doc(stmt("Allow", ["s3:*", "sqs:*"]), stmt("Deny", "s3:*")),
        absent=("s3",),
        summaries={"sqs": "Full access"},
        services=1,
    ),
    ReachCase(
        "deny-not-action-keeps-only-the-listed-services",
        NOT_ACTION,
        doc(stmt("Allow", "*"), stmt("Deny", None, not_action=["iam:*", "sts:*"])),
        summaries={"iam": "Full access", "sts": "Full access"},
        services=2,
    ),
    ReachCase(
        "deny-of-an-action-never-allowed-changes-nothing",
        EVALUATION,
        doc(stmt("Allow", "s3:GetObject"), stmt("Deny", "iam:*")),
        summaries={"s3": "Limited: Read"},
        services=1,
    ),
    ReachCase(
        "conditional-deny-is-partly-denied-not-removed",
        POLICY_SUMMARY,
        doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:DeleteObject", condition=MFA_OFF)),
        summaries={"s3": "Full access"},
        allows=("s3:DeleteObject",),
        partly_denied={"s3/Write": ("DeleteObject",), "s3/Read": ()},
    ),
    ReachCase(
        "resource-scoped-deny-is-partly-denied (DenyCustomerBucket example)",
        EXAMPLES,
        doc(
            stmt("Allow", ["s3:*"], ["*"], sid="FullAccess"),
            stmt(
                "Deny",
                ["s3:*"],
                ["arn:aws:s3:::customer", "arn:aws:s3:::customer/*"],
                sid="DenyCustomerBucket",
            ),
        ),
        then=_everything_partly_denied("s3"),
    ),
    ReachCase(
        "not-resource-deny-is-partly-denied",
        NOT_RESOURCE,
        doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:PutObject", not_resource=BUCKET_OBJECTS)),
        partly_denied={"s3/Write": ("PutObject",)},
        summaries={"s3": "Full access"},
    ),
    ReachCase(
        "unconditional-deny-wins-over-conditional-deny",
        EVALUATION,
        doc(
            stmt("Allow", "s3:*"),
            stmt("Deny", "s3:DeleteObject", condition=MFA_OFF),
            stmt("Deny", "s3:DeleteObject"),
        ),
        excludes=("s3:DeleteObject",),
        partly_denied={"s3/Write": ()},
    ),
    # --- Conditions and resources ------------------------------------------------------------
    ReachCase(
        "conditional-allow-is-marked-conditional",
        CONDITION,
        doc(stmt("Allow", "s3:GetObject", condition=MFA_ON)),
        summaries={"s3": "Limited: Read"},
        flags={"s3/Read": (True, False)},
    ),
    ReachCase(
        "resource-scoped-allow-is-marked-resource-scoped",
        RESOURCE,
        doc(stmt("Allow", "s3:GetObject", BUCKET_OBJECTS)),
        flags={"s3/Read": (False, True)},
    ),
    ReachCase(
        "not-resource-allow-is-resource-scoped",
        NOT_RESOURCE,
        doc(stmt("Allow", "s3:GetObject", None, not_resource=BUCKET_OBJECTS)),
        flags={"s3/Read": (False, True)},
    ),
    ReachCase(
        "conditional-and-scoped-allow",
        POLICY_SUMMARY,
        doc(stmt("Allow", "s3:GetObject", BUCKET_OBJECTS, condition=MFA_ON)),
        flags={"s3/Read": (True, True)},
    ),
    ReachCase(
        "an-unrestricted-grant-of-the-same-action-wins",
        SERVICE_SUMMARY,
        doc(
            stmt("Allow", "s3:GetObject", BUCKET_OBJECTS, condition=MFA_ON),
            stmt("Allow", "s3:GetObject"),
        ),
        flags={"s3/Read": (False, False)},
    ),
    ReachCase(
        "flags-are-per-access-level",
        SERVICE_SUMMARY,
        doc(stmt("Allow", "s3:Get*"), stmt("Allow", "s3:PutObject", condition=MFA_ON)),
        flags={"s3/Read": (False, False), "s3/Write": (True, False)},
    ),
    ReachCase(
        "statement-without-resource-in-a-trust-policy-is-not-scoped",
        RESOURCE,
        doc(stmt("Allow", "sts:AssumeRole", None, principal={"Service": "ec2.amazonaws.com"})),
        type="trust",
        summaries={"sts": "Limited: Write"},
        flags={"sts/Write": (False, False)},
    ),
    # --- Unrecognized ------------------------------------------------------------------------
    ReachCase(
        "misspelt-action-is-unrecognized",
        SERVICE_SUMMARY,
        doc(stmt("Allow", ["s3:GetObject", "s3:GetObjekt"])),
        summaries={"s3": "Limited: Read"},
        unrecognized={"s3": ("s3:GetObjekt",)},
    ),
    ReachCase(
        "wildcard-matching-nothing-is-unrecognized",
        SERVICE_SUMMARY,
        doc(stmt("Allow", "s3:Frobnicate*")),
        summaries={"s3": "No access"},
        unrecognized={"s3": ("s3:Frobnicate*",)},
    ),
    ReachCase(
        "unknown-service-is-unrecognized",
        POLICY_SUMMARY,
        doc(stmt("Allow", ["nosuchservice:DoThing", "sqs:SendMessage"])),
        summaries={"nosuchservice": "Unrecognized service", "sqs": "Limited: Write"},
        unrecognized={"nosuchservice": ("nosuchservice:DoThing",)},
        services=2,
        then=lambda rows: _unknown_row(rows["nosuchservice"]),
    ),
    ReachCase(
        "misspelt-deny-is-unrecognized-and-protects-nothing",
        SERVICE_SUMMARY,
        doc(stmt("Allow", "s3:*"), stmt("Deny", "s3:DeleteObjekt")),
        summaries={"s3": "Full access"},
        unrecognized={"s3": ("s3:DeleteObjekt",)},
    ),
    # --- The summary string ------------------------------------------------------------------
    ReachCase(
        "summary-full-and-limited",
        ACCESS_LEVELS,
        doc(stmt("Allow", [*S3_LIST_READ, "s3:PutObject"])),
        summaries={"s3": "Full: List, Read; Limited: Write"},
    ),
    ReachCase(
        "summary-full-only-for-some-levels",
        ACCESS_LEVELS,
        doc(stmt("Allow", S3_LIST_READ)),
        summaries={"s3": "Full: List, Read"},
    ),
    ReachCase(
        "summary-limited-only",
        ACCESS_LEVELS,
        doc(stmt("Allow", ["s3:ListBucket", "s3:GetObject", "s3:PutObject"])),
        summaries={"s3": "Limited: List, Read, Write"},
    ),
    ReachCase(
        "summary-of-a-service-without-list-level",
        ACCESS_LEVELS,
        doc(stmt("Allow", ["sqs:Get*", "sqs:List*", "sqs:ReceiveMessage", "sqs:SendMessage"])),
        summaries={"sqs": "Full: Read; Limited: Write"},
    ),
]


def _unknown_row(row: ServiceReach) -> None:
    assert row.name == "nosuchservice"
    assert row.levels == {}
    assert not row.recognized
    assert not row.full


@pytest.mark.parametrize("case", CASES, ids=str)
def test_reach(case: ReachCase) -> None:
    check(case)


# --- AWS managed policies ---------------------------------------------------------------------


def managed(name: str) -> Rows:
    wrapper = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    kind = {"SERVICE_CONTROL_POLICY": "scp"}.get(wrapper.get("PolicyType"), "identity")
    policy = parse_policy(json.dumps(wrapper["Document"], indent=2), type=kind, name=name)
    return {row.service: row for row in reach(policy)}


READ_LEVELS = {"List", "Read"}

# Actions that ReadOnlyAccess grants (by name, or through Get*/List*-style wildcards) but that
# the Service Authorization Reference classifies above Read. They are catalog facts, not
# write access the policy meant to give; the test only lets this list shrink.
READ_ONLY_CATALOG_QUIRKS = {
    "athena:GetSessionEndpoint",
    "backup:ListIndexedRecoveryPointsForSearch",
    "billing:GetResourcePolicy",
    "cognito-idp:GetTokensFromRefreshToken",
    "iot:GetConnection",
    "iot:ListSubscriptions",
    "s3express:CreateSession",
    "ssm-sap:GetResourcePermission",
}


def _administrator(rows: Rows) -> None:
    assert len(rows) == len(catalog.all_services())
    assert all(row.summary == "Full access" for row in rows.values())


def _read_only(rows: Rows) -> None:
    above_read = {
        f"{row.service}:{name}"
        for row in rows.values()
        for level in row.levels.values()
        if level.level not in READ_LEVELS
        for name in level.allowed
    }
    assert above_read <= READ_ONLY_CATALOG_QUIRKS
    for service in ("s3", "ec2", "iam", "dynamodb", "lambda", "sqs", "kms", "organizations"):
        assert set(rows[service].levels) <= READ_LEVELS, (service, rows[service].summary)
    assert not any("Write" in row.levels and row.levels["Write"].full for row in rows.values())
    # Services AWS retired but ReadOnlyAccess still names are unrecognized, as in the console.
    assert rows["codestar"].summary == "Unrecognized service"


def _s3_read_only(rows: Rows) -> None:
    assert set(rows) == {"s3", "s3-object-lambda"}
    for row in rows.values():
        assert set(row.levels) <= READ_LEVELS
        assert "Read" in row.levels
        assert "List" in row.levels
        assert not row.conditional
        assert not row.resource_scoped
    assert rows["s3"].levels["List"].full


def _power_user(rows: Rows) -> None:
    assert len(rows) == len(catalog.all_services())
    limited = {service for service, row in rows.items() if not row.full}
    assert limited == {"iam", "organizations", "account"}
    assert "Permissions management" not in rows["iam"].levels
    assert rows["iam"].actions == (
        "iam:ListRoles",
        "iam:CreateServiceLinkedRole",
        "iam:DeleteServiceLinkedRole",
    )
    assert rows["organizations"].summary == "Limited: Read"


def _iam_read_only(rows: Rows) -> None:
    assert set(rows) == {"iam"}
    assert set(rows["iam"].levels) <= READ_LEVELS


def _s3_full(rows: Rows) -> None:
    assert rows["s3"].summary == "Full access"
    assert rows["s3-object-lambda"].summary == "Full access"


MANAGED_CASES = [
    ("AdministratorAccess", _administrator),
    ("FullAWSAccess", _administrator),
    ("ReadOnlyAccess", _read_only),
    ("AmazonS3ReadOnlyAccess", _s3_read_only),
    ("PowerUserAccess", _power_user),
    ("IAMReadOnlyAccess", _iam_read_only),
    ("AmazonS3FullAccess", _s3_full),
]


@pytest.mark.parametrize(("name", "expect"), MANAGED_CASES, ids=[n for n, _ in MANAGED_CASES])
def test_managed_policy_reach(name: str, expect: Callable[[Rows], None]) -> None:
    """AWS managed policies (access_policies_managed-vs-inline) summarise as their names say."""
    expect(managed(name))


# --- Agreement with the evaluator -------------------------------------------------------------

AGREEMENT_DOCUMENTS: list[Any] = [
    doc(stmt("Allow", ["s3:Get*", "iam:List*", "ec2:Describe*"]), stmt("Deny", "s3:GetObject*")),
    doc(stmt("Allow", None, not_action=["iam:*", "s3:Put*"])),
    doc(stmt("Allow", "*"), stmt("Deny", None, not_action=["s3:*", "ec2:Run*"])),
    doc(stmt("Allow", ["iam:*AccessKey*", "s3:?etObject"])),
]


@pytest.mark.parametrize("document", AGREEMENT_DOCUMENTS)
def test_reach_agrees_with_the_evaluator(document: Doc) -> None:
    """Without conditions or resource scoping, an action is in the summary exactly when the
    evaluator allows it (reference_policies_evaluation-logic)."""
    policy = parse_policy(json.dumps(document))
    granted = allowed_actions({row.service: row for row in reach(policy)})
    for service in ("s3", "iam", "ec2"):
        for info in catalog.service_actions(service):
            request = Request(ALICE, info.full_name, "arn:aws:s3:::amzn-s3-demo-bucket/key")
            expected = decide(request, identity=[policy]) == "allowed"
            assert (info.full_name.lower() in granted) == expected, info.full_name
