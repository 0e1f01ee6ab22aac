"""Escalations whose precondition the graph used to miss: an older policy version, a key every
request of that kind of principal carries, a group's policy.

Each case is one small sandbox around the actor (``alice``, an IAM user tagged ``team=dev``,
or the role ``Alice``, which calls as a session of itself) and says what the graph must find
about the actor: whether it is an admin, whether it can escalate, and the technique edge it
gets (unconditional, conditional, or none). Every case names the IAM User Guide page its
behaviour comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from iamlab.graph import AccessGraph, Edge, PrincipalIn

from .kit import (
    ADMIN,
    DOCS,
    IAM_FULL,
    A,
    Doc,
    Group,
    Managed,
    World,
    allow,
    deny,
    doc,
    edges,
    group,
    group_arn,
    role,
    role_arn,
    stmt,
    trust_aws,
    user,
    user_arn,
    with_scp,
)

VERSIONING = DOCS + "access_policies_managed-versioning.html"
KEYS = DOCS + "reference_policies_condition-keys.html"
GROUPS = DOCS + "id_groups_manage_add-remove-users.html"
ATTACH = DOCS + "access_policies_manage-attach-detach.html"
BOUNDARIES = DOCS + "access_policies_boundaries.html"
SCPS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"
REVOKE = DOCS + "id_roles_use_revoke-sessions.html"

TEAM = {"team": "dev"}
ORG = "o-a1b2c3d4e5"
APP = "AppAccess"
APP_ARN = f"arn:aws:iam::{A}:policy/{APP}"
READ = allow(["s3:GetObject", "s3:ListBucket"])
SELF_POLICY = allow("iam:PutUserPolicy", f"arn:aws:iam::{A}:user/${{aws:username}}")

# What the graph must say about the actor: an admin; not one, but it can escalate (an edge
# leads to an admin or an admin-granting group); a conditional self-edge only; nothing.
ADMIN_ = "admin"
ESCALATES = "escalates"
CONDITIONAL = "conditional"
NOTHING = "nothing"


@dataclass(frozen=True)
class Case:
    id: str
    source: str  # the AWS documentation page
    expected: str  # ADMIN_, ESCALATES, CONDITIONAL, NOTHING
    technique: str  # the technique of the actor's edge ("" for none looked at)
    policies: tuple[Doc, ...] = ()
    managed: tuple[Managed, ...] = ()  # attached to the actor
    groups: tuple[Group, ...] = ()  # the actor is a member (users only)
    others: tuple[Group, ...] = ()  # groups of the account the actor is not in
    as_role: bool = False
    boundary: Doc | None = None
    scps: tuple[Doc, ...] = ()
    context: dict[str, str] = field(default_factory=dict)
    # A condition the edge must list (its key), for CONDITIONAL cases.
    condition_key: str = ""

    def __str__(self) -> str:
        return self.id


def actor(case: Case) -> PrincipalIn:
    if case.as_role:
        return role(
            "Alice",
            trust_aws(A),
            *case.policies,
            boundary=case.boundary,
            managed=case.managed,
            tags=TEAM,
            context=case.context,
        )
    return user(
        "alice",
        *case.policies,
        boundary=case.boundary,
        managed=case.managed,
        groups=case.groups,
        tags=TEAM,
        context=case.context,
    )


def build(case: Case) -> tuple[AccessGraph, PrincipalIn]:
    me = actor(case)
    policies = {m.arn: m for m in case.managed}
    for g in (*case.groups, *case.others):
        policies.update({m.arn: m for m in g.managed})
    world = World(
        [me],
        groups=[*case.groups, *case.others],
        policies=list(policies.values()),
    )
    if case.scps:
        world.accounts = [with_scp(*case.scps)]
    return world.build(), me


def actor_edges(g: AccessGraph, me: PrincipalIn, technique: str) -> list[Edge]:
    return [e for e in edges(g, me.arn, technique=technique or None) if e.kind == "escalate"]


def check(case: Case) -> None:
    assert case.source.startswith("https://docs.aws.amazon.com/"), "name the AWS page"
    g, me = build(case)
    node = g.nodes[me.arn]
    found = actor_edges(g, me, case.technique) if case.technique else []
    if case.expected == ADMIN_:
        assert node.is_admin, f"{case.id}: not an admin; edges {found}"
        if case.technique:
            assert any(not e.conditional for e in found), f"{case.id}: {found}"
    elif case.expected == ESCALATES:
        assert not node.is_admin, case.id
        assert me.arn in g.can_escalate, f"{case.id}: cannot escalate; edges {g.edges}"
    elif case.expected == CONDITIONAL:
        assert not node.is_admin, case.id
        assert found, f"{case.id}: expected a conditional {case.technique} edge"
        assert all(e.conditional for e in found), f"{case.id}: {found}"
        if case.condition_key:
            listed = " ".join(c for e in found for c in e.conditions)
            assert case.condition_key in listed, f"{case.id}: {listed}"
    else:
        assert not node.is_admin, case.id
        assert me.arn not in g.can_escalate, case.id
        assert not found, f"{case.id}: expected no {case.technique} edge, got {found}"


# --- 1. SetDefaultPolicyVersion to an older version ---------------------------------------------

SET_DEFAULT = allow("iam:SetDefaultPolicyVersion", APP_ARN)


def app(*older: Doc, current: Doc = READ) -> Managed:
    return Managed(APP, current, older=older)


VERSION_CASES = [
    Case(
        "older-version-with-admin-access-makes-a-user-admin",
        VERSIONING,
        ADMIN_,
        "set-default-policy-version",
        (SET_DEFAULT,),
        (app(ADMIN),),
    ),
    Case(
        "older-version-with-admin-access-makes-a-role-admin",
        VERSIONING,
        ADMIN_,
        "set-default-policy-version",
        (SET_DEFAULT,),
        (app(ADMIN),),
        as_role=True,
    ),
    Case(
        "older-version-with-iam-full-access",
        VERSIONING,
        ADMIN_,
        "set-default-policy-version",
        (SET_DEFAULT,),
        (app(READ, IAM_FULL),),
    ),
    Case(
        "older-version-lets-it-put-a-policy-on-itself",
        VERSIONING,
        ADMIN_,
        "set-default-policy-version",
        (SET_DEFAULT,),
        (app(SELF_POLICY),),
    ),
    Case(
        # The permission to roll back may sit in the version itself: the default keeps it.
        "set-default-allowed-by-the-current-version-itself",
        VERSIONING,
        ADMIN_,
        "set-default-policy-version",
        (),
        (app(ADMIN, current=doc(*READ["Statement"], *SET_DEFAULT["Statement"])),),
    ),
    Case(
        "older-versions-that-grant-nothing-more-give-no-edge",
        VERSIONING,
        NOTHING,
        "set-default-policy-version",
        (SET_DEFAULT,),
        (app(allow("s3:*"), allow("ec2:Describe*")),),
    ),
    Case(
        # An older version that only adds a technique action is no admin: a plain edge that
        # says what the version allows, and no admin ring.
        "older-version-that-adds-a-technique-action-only",
        VERSIONING,
        NOTHING,
        "",
        (SET_DEFAULT,),
        (app(allow("iam:CreateAccessKey", user_arn("nobody"))),),
    ),
    Case(
        "older-admin-version-of-a-policy-attached-to-its-group",
        VERSIONING,
        ADMIN_,
        "set-default-policy-version",
        (SET_DEFAULT,),
        groups=(group("Developers", managed=[app(ADMIN)]),),
    ),
    Case(
        "older-admin-version-capped-by-a-boundary-it-cannot-remove",
        BOUNDARIES,
        NOTHING,
        "set-default-policy-version",
        (SET_DEFAULT,),
        (app(ADMIN),),
        boundary=allow(["iam:SetDefaultPolicyVersion", "s3:*"]),
    ),
    Case(
        "older-admin-version-and-it-may-remove-its-boundary",
        BOUNDARIES,
        ADMIN_,
        "set-default-policy-version",
        (allow(["iam:SetDefaultPolicyVersion", "iam:DeleteUserPermissionsBoundary"]),),
        (app(ADMIN),),
        boundary=allow(["iam:SetDefaultPolicyVersion", "iam:DeleteUserPermissionsBoundary"]),
    ),
    Case(
        "older-admin-version-but-an-scp-denies-iam-writes",
        SCPS,
        NOTHING,
        "",
        (SET_DEFAULT,),
        (app(ADMIN),),
        scps=(
            deny(
                [
                    "iam:Put*",
                    "iam:Attach*",
                    "iam:Create*",
                    "iam:Delete*",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:PassRole",
                ]
            ),
        ),
    ),
    Case(
        "older-admin-version-but-set-default-needs-mfa",
        KEYS,
        CONDITIONAL,
        "set-default-policy-version",
        (
            allow(
                "iam:SetDefaultPolicyVersion",
                APP_ARN,
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            ),
        ),
        (app(ADMIN),),
        condition_key="aws:MultiFactorAuthPresent",
    ),
]


@pytest.mark.parametrize("case", VERSION_CASES, ids=str)
def test_set_default_policy_version(case: Case) -> None:
    check(case)


def test_the_edge_names_what_the_older_version_grants() -> None:
    g, me = build(VERSION_CASES[0])
    (edge,) = actor_edges(g, me, "set-default-policy-version")
    assert "older version (v1) of AppAccess" in edge.reason
    assert edge.actions == ("iam:SetDefaultPolicyVersion",)
    assert "allows every IAM action" in (g.nodes[me.arn].admin_reason or "")
    g, me = build(VERSION_CASES[6])
    (edge,) = actor_edges(g, me, "set-default-policy-version")
    assert "iam:CreateAccessKey" in edge.reason
    assert not edge.conditional


def test_unknown_older_versions_stay_conditional() -> None:
    """Without the versions' documents the graph can only say one might grant more."""
    case = Case("unknown", VERSIONING, CONDITIONAL, "set-default-policy-version", (SET_DEFAULT,))
    g, me = build(
        Case(
            case.id,
            case.source,
            case.expected,
            case.technique,
            case.policies,
            (Managed(APP, READ, versions=3),),
        )
    )
    (edge,) = actor_edges(g, me, "set-default-policy-version")
    assert edge.conditional
    assert "older version" in edge.conditions[0]
    assert not g.nodes[me.arn].is_admin


# --- 2. Keys every request of that kind of principal carries ------------------------------------


def versioning(condition: Doc) -> Doc:
    return allow("iam:CreatePolicyVersion", APP_ARN, condition)


def key_case(
    id_: str,
    expected: str,
    condition: Doc,
    *,
    as_role: bool = False,
    context: dict[str, str] | None = None,
    condition_key: str = "",
) -> Case:
    return Case(
        id_,
        KEYS,
        expected,
        "create-policy-version",
        (versioning(condition),),
        (app(),),
        as_role=as_role,
        context=context or {},
        condition_key=condition_key,
    )


AFTER_2020 = {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}

KEY_CASES = [
    key_case("token-issue-time-after-2020-role", ADMIN_, AFTER_2020, as_role=True),
    # An IAM user's long-term keys carry no aws:TokenIssueTime; GetSessionToken would.
    key_case(
        "token-issue-time-after-2020-user",
        CONDITIONAL,
        AFTER_2020,
        condition_key="aws:TokenIssueTime",
    ),
    key_case(
        "token-issue-time-before-2020-role",
        NOTHING,
        {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
        as_role=True,
    ),
    key_case(
        "token-issue-time-present-role",
        ADMIN_,
        {"Null": {"aws:TokenIssueTime": "false"}},
        as_role=True,
    ),
    key_case(
        "current-time-after-2020",
        ADMIN_,
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
    ),
    # Nobody chooses the time a request is made: no conditional edge either.
    key_case(
        "current-time-before-2020",
        NOTHING,
        {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
    ),
    key_case(
        "epoch-time-after-2020",
        ADMIN_,
        {"NumericGreaterThan": {"aws:EpochTime": "1577836800"}},
        as_role=True,
    ),
    key_case("secure-transport", ADMIN_, {"Bool": {"aws:SecureTransport": "true"}}),
    key_case(
        "principal-arn-of-the-role-not-the-session",
        ADMIN_,
        {"ArnEquals": {"aws:PrincipalArn": role_arn("Alice")}},
        as_role=True,
    ),
    key_case("principal-account", ADMIN_, {"StringEquals": {"aws:PrincipalAccount": A}}),
    key_case(
        "principal-type-assumed-role",
        ADMIN_,
        {"StringEquals": {"aws:PrincipalType": "AssumedRole"}},
        as_role=True,
    ),
    key_case(
        "principal-type-assumed-role-is-not-a-user",
        NOTHING,
        {"StringEquals": {"aws:PrincipalType": "AssumedRole"}},
    ),
    key_case("username", ADMIN_, {"StringEquals": {"aws:username": "alice"}}),
    key_case(
        "userid-of-a-role-session",
        ADMIN_,
        {"StringLike": {"aws:userid": "AROA*:*"}},
        as_role=True,
    ),
    key_case(
        "principal-org-id",
        ADMIN_,
        {"StringEquals": {"aws:PrincipalOrgID": ORG}},
        context={"aws:PrincipalOrgID": ORG},
    ),
    key_case(
        "principal-org-id-outside-an-organization",
        NOTHING,
        {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    ),
    key_case("principal-tag", ADMIN_, {"StringEquals": {"aws:PrincipalTag/team": "dev"}}),
    # Keys the caller controls, or that only some requests carry: a conditional edge.
    key_case(
        "mfa-present",
        CONDITIONAL,
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        as_role=True,
        condition_key="aws:MultiFactorAuthPresent",
    ),
    key_case(
        "source-ip",
        CONDITIONAL,
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        condition_key="aws:SourceIp",
    ),
    key_case(
        "via-aws-service",
        CONDITIONAL,
        {"Bool": {"aws:ViaAWSService": "false"}},
        condition_key="aws:ViaAWSService",
    ),
]


@pytest.mark.parametrize("case", KEY_CASES, ids=str)
def test_keys_every_request_carries(case: Case) -> None:
    check(case)


ADMIN_KEY_CASES = [
    # AdministratorAccess given only over TLS: every request the graph asks is HTTPS.
    (
        "admin-only-over-tls",
        KEYS,
        doc(stmt("Allow", "*", "*", condition={"Bool": {"aws:SecureTransport": "true"}})),
        True,
    ),
    # Revoking older sessions denies those issued before a date: a new session is not.
    (
        "revoked-older-sessions-leave-a-new-session-admin",
        REVOKE,
        doc(
            stmt("Allow", "*", "*"),
            stmt(
                "Deny",
                "*",
                "*",
                condition={"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
            ),
        ),
        True,
    ),
    (
        "every-session-revoked",
        REVOKE,
        doc(
            stmt("Allow", "*", "*"),
            stmt("Deny", "*", "*", condition={"Null": {"aws:TokenIssueTime": "false"}}),
        ),
        False,
    ),
]


@pytest.mark.parametrize(
    ("source", "policy", "expected"),
    [case[1:] for case in ADMIN_KEY_CASES],
    ids=[case[0] for case in ADMIN_KEY_CASES],
)
def test_admin_roles_with_always_present_keys(source: str, policy: Doc, expected: bool) -> None:
    assert source.startswith(DOCS)
    me = role("Ops", trust_aws(A), policy)
    g = World([me]).build()
    assert bool(g.nodes[me.arn].is_admin) is expected


# --- 3. Siblings: a group's policy, a group's policy versions ------------------------------------

JOIN = allow("iam:AddUserToGroup", group_arn("*"))
VERSIONERS = group(
    "Versioners",
    allow("iam:SetDefaultPolicyVersion", f"arn:aws:iam::{A}:policy/GroupAccess"),
    managed=[Managed("GroupAccess", READ, older=(ADMIN,))],
)

SIBLING_CASES = [
    Case(
        # A group whose members may put a policy on themselves makes each member an admin:
        # joining it is an escalation, though the group is not an admin group by the probe.
        "join-a-group-whose-members-may-put-policies-on-themselves",
        ATTACH,
        ESCALATES,
        "add-user-to-group",
        (JOIN,),
        others=(group("SelfService", SELF_POLICY),),
    ),
    Case(
        "join-a-group-whose-members-may-attach-policies-to-the-group",
        ATTACH,
        ESCALATES,
        "add-user-to-group",
        (JOIN,),
        others=(group("Editors", allow("iam:AttachGroupPolicy", group_arn("Editors"))),),
    ),
    Case(
        "join-a-group-whose-members-may-roll-back-its-policy-to-an-admin-version",
        GROUPS,
        ESCALATES,
        "add-user-to-group",
        (JOIN,),
        others=(VERSIONERS,),
    ),
    Case(
        "a-member-of-that-group-is-an-admin",
        VERSIONING,
        ADMIN_,
        "set-default-policy-version",
        groups=(VERSIONERS,),
    ),
    Case(
        "join-a-group-whose-self-service-needs-mfa",
        GROUPS,
        NOTHING,
        "",
        (JOIN,),
        others=(
            group(
                "MfaSelfService",
                allow(
                    "iam:PutUserPolicy",
                    f"arn:aws:iam::{A}:user/${{aws:username}}",
                    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                ),
            ),
        ),
    ),
]


@pytest.mark.parametrize("case", SIBLING_CASES, ids=str)
def test_group_policies_and_versions(case: Case) -> None:
    check(case)


def test_self_service_groups_grant_admin() -> None:
    g, _ = build(SIBLING_CASES[0])
    assert g.nodes[group_arn("SelfService")].grants_admin
    g, _ = build(SIBLING_CASES[4])
    assert not g.nodes[group_arn("MfaSelfService")].grants_admin


def test_each_group_is_judged_on_its_own_policies() -> None:
    """Two groups whose policies both name every probe action: the one that denies the
    writes is no admin group, whichever is judged first (their probe members share an ARN)."""
    admins = group("Admins", ADMIN)
    almost = group(
        "Almost",
        doc(
            stmt("Allow", "*", "*"),
            stmt(
                "Deny",
                [
                    "iam:Put*",
                    "iam:Attach*",
                    "iam:CreatePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                ],
                "*",
            ),
        ),
    )
    for order in ([admins, almost], [almost, admins]):
        g = World([user("bob")], groups=order).build()
        assert g.nodes[admins.arn].grants_admin
        assert not g.nodes[almost.arn].grants_admin


def _cases() -> Sequence[Case]:
    return [*VERSION_CASES, *KEY_CASES, *SIBLING_CASES]


def test_every_case_names_its_source_and_ids_are_unique() -> None:
    ids = [c.id for c in _cases()]
    assert len(ids) == len(set(ids))
    assert all(c.source.startswith("https://docs.aws.amazon.com/") for c in _cases())
