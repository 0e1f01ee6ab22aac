"""Escalation routes behind an older policy version that is no admin by itself.

``iam:SetDefaultPolicyVersion`` makes any version of a customer managed policy the default,
and "you can use the SetDefaultPolicyVersion operation to roll back to a previous version"
(access_policies_managed-versioning; API_SetDefaultPolicyVersion: no other permission is
needed). An older version that makes the principal an admin is covered by
``test_hidden_escalations``; here the older version only adds one more route: passing an
admin role to EC2 (id_roles_use_passrole), assuming a role that trusts the account
(id_roles_use_permissions-to-switch), an access key for an admin user
(id_credentials_access-keys), joining the Admins group (id_groups_manage_add-remove-users),
replacing the code of a function that runs as an admin role, rewriting an admin role's trust
policy (id_roles_update-role-trust-policy).

Each case is one small sandbox: the actor (``alice``, or the role ``Alice``) has
``AppAccess`` attached (directly, or through its group ``Developers``), whose default version
reads S3 and whose older version ``v1`` opens the route. A positive case must give one edge
from the actor to the route's target, led by the version step; a negative one (no right to
roll back, a Deny, a boundary or an SCP in the way of either step, a route it has already)
must give none. Every case names the AWS pages its behaviour comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from iamlab.graph import AccessGraph, Edge, PrincipalIn, build_graph

from .kit import (
    ADMIN,
    DOCS,
    A,
    Doc,
    Group,
    Managed,
    World,
    allow,
    deny,
    doc,
    edges,
    function_arn,
    group,
    group_arn,
    policy_arn,
    profile,
    resource,
    role,
    role_arn,
    stmt,
    trust_aws,
    trust_service,
    user,
    user_arn,
    with_scp,
)

API = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetDefaultPolicyVersion.html"
VERSIONING = DOCS + "access_policies_managed-versioning.html"
PASSROLE = DOCS + "id_roles_use_passrole.html"
SWITCH = DOCS + "id_roles_use_permissions-to-switch.html"
KEYS = DOCS + "id_credentials_access-keys.html"
GROUPS = DOCS + "id_groups_manage_add-remove-users.html"
TRUST = DOCS + "id_roles_update-role-trust-policy.html"
LAMBDA = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"
EVAL = DOCS + "reference_policies_evaluation-logic.html"
BOUNDARIES = DOCS + "access_policies_boundaries.html"
SCPS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"
CONDITION_KEYS = DOCS + "reference_policies_condition-keys.html"
IAM_KEYS = DOCS + "reference_policies_iam-condition-keys.html"

APP = "AppAccess"
APP_ARN = policy_arn(APP)
READ = allow(["s3:GetObject", "s3:ListBucket"])
SET_DEFAULT = allow("iam:SetDefaultPolicyVersion", APP_ARN)
ADMIN_ROLE = role_arn("AdminRole")
TECHNIQUE = "set-default-policy-version"

# What the graph must say about the actor.
ESCALATES = "escalates"  # a route edge, unconditional
CONDITIONAL = "conditional"  # a route edge, with conditions
NOTHING = "nothing"  # no route edge, and no way to an admin
DIRECT = "direct"  # it escalates without the version: no route edge through it


# --- scenarios: what the older version's route leads to -----------------------------------------


@dataclass(frozen=True)
class Scenario:
    """The sandbox around the actor: the principals, groups and parts the route needs, the
    route's target, and the actions of the route after the version step."""

    principals: tuple[PrincipalIn, ...]
    target: str
    actions: tuple[str, ...]
    groups: tuple[Group, ...] = ()
    profiles: tuple[str, ...] = ()  # roles held by an instance profile
    functions: tuple[tuple[str, str], ...] = ()  # (function name, role it runs as)


def ec2(service: str = "ec2.amazonaws.com") -> Scenario:
    return Scenario(
        (role("AdminRole", trust_service(service), ADMIN),),
        ADMIN_ROLE,
        ("iam:PassRole", "ec2:RunInstances"),
        profiles=(ADMIN_ROLE,),
    )


def assume(trusted: str = A) -> Scenario:
    return Scenario(
        (role("AdminRole", trust_aws(trusted), ADMIN),), ADMIN_ROLE, ("sts:AssumeRole",)
    )


def access_key() -> Scenario:
    return Scenario((user("ops", ADMIN),), user_arn("ops"), ("iam:CreateAccessKey",))


def admins_group() -> Scenario:
    return Scenario((), group_arn("Admins"), ("iam:AddUserToGroup",), (group("Admins", ADMIN),))


def function() -> Scenario:
    return Scenario(
        (role("AdminRole", trust_service("lambda.amazonaws.com"), ADMIN),),
        ADMIN_ROLE,
        ("lambda:UpdateFunctionCode",),
        functions=(("nightly", ADMIN_ROLE),),
    )


def rewrite_trust() -> Scenario:
    return Scenario(
        (role("AdminRole", trust_service("ec2.amazonaws.com"), ADMIN),),
        ADMIN_ROLE,
        ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
    )


# --- what the older version allows ----------------------------------------------------------------

PASS_TO_EC2 = doc(
    stmt("Allow", "iam:PassRole", ADMIN_ROLE),
    stmt("Allow", "ec2:RunInstances", "*"),
)
ASSUME = allow("sts:AssumeRole", ADMIN_ROLE)
CREATE_KEY = allow("iam:CreateAccessKey", user_arn("ops"))
JOIN_ADMINS = allow("iam:AddUserToGroup", group_arn("Admins"))
UPDATE_CODE = allow("lambda:UpdateFunctionCode", function_arn("nightly"))
REWRITE_TRUST = allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], ADMIN_ROLE)


@dataclass(frozen=True)
class Case:
    id: str
    sources: tuple[str, ...]  # the AWS documentation pages
    expected: str
    scenario: Callable[[], Scenario]
    older: Doc  # the older version v1 of AppAccess
    policies: tuple[Doc, ...] = (SET_DEFAULT,)  # the actor's own, besides AppAccess
    via_group: bool = False  # AppAccess is attached to its group Developers
    group_policies: tuple[Doc, ...] = ()  # Developers' inline policies
    as_role: bool = False
    boundary: Doc | None = None
    scps: tuple[Doc, ...] = ()
    attached: bool = True  # False: AppAccess is attached to bob, not to the actor
    known_versions: bool = True  # False: iamlab knows the version count, not the documents
    condition_key: str = ""  # for CONDITIONAL: a key the edge's conditions name

    def __str__(self) -> str:
        return self.id


def build(case: Case, share: bool = True) -> tuple[AccessGraph, PrincipalIn, Scenario]:
    s = case.scenario()
    app = (
        Managed(APP, READ, older=(case.older,))
        if case.known_versions
        else Managed(APP, READ, versions=2)
    )
    mine = (app,) if case.attached and not case.via_group else ()
    developers = group("Developers", *case.group_policies, managed=[app] if case.via_group else [])
    groups = (developers,) if case.via_group or case.group_policies else ()
    me = (
        role("Alice", trust_aws(A), *case.policies, boundary=case.boundary, managed=mine)
        if case.as_role
        else user("alice", *case.policies, boundary=case.boundary, managed=mine, groups=groups)
    )
    others = list(s.principals)
    if not case.attached:
        others.append(user("bob", managed=[app]))
    world = World(
        [me, *others],
        groups=[*groups, *s.groups],
        policies=[app],
        profiles=[profile(f"Profile{i}", arn) for i, arn in enumerate(s.profiles)],
        resources=[
            resource("lambda", function_arn(name), runs_as=runs_as) for name, runs_as in s.functions
        ],
    )
    if case.scps:
        world.accounts = [with_scp(*case.scps)]
    return build_graph(world.to_input(), share=share), me, s


def routes(g: AccessGraph, me: PrincipalIn, target: str) -> list[Edge]:
    return edges(g, me.arn, target, "escalate", TECHNIQUE)


def check(case: Case) -> None:
    assert case.sources
    assert all(s.startswith("https://docs.aws.amazon.com/") for s in case.sources)
    g, me, s = build(case)
    found = routes(g, me, s.target)
    assert not g.nodes[me.arn].is_admin, case.id
    if case.expected == NOTHING:
        assert not found, f"{case.id}: expected no route, got {found}"
        assert me.arn not in g.can_escalate, f"{case.id}: {g.edges}"
        return
    if case.expected == DIRECT:
        assert not found, f"{case.id}: the version adds nothing, got {found}"
        assert me.arn in g.can_escalate, case.id
        return
    assert len(found) == 1, f"{case.id}: expected one route, got {found}; {g.edges}"
    (edge,) = found
    assert me.arn in g.can_escalate, case.id
    assert edge.label.startswith(f"sets {APP} v1 as default, then "), edge.label
    assert edge.reason.startswith(f"First it may make {APP} v1 the default"), edge.reason
    assert edge.actions[0] == "iam:SetDefaultPolicyVersion", edge.actions
    assert set(s.actions) <= set(edge.actions), (s.actions, edge.actions)
    assert edge.conditional == (case.expected == CONDITIONAL), edge.conditions
    if case.condition_key:
        assert case.condition_key in " ".join(edge.conditions), edge.conditions
    # The learner's explanation starts with the version step.
    path = g.escalation_path(me.arn)
    assert path is not None
    assert path[0].technique == TECHNIQUE, path


CASES = [
    # --- the routes, for an IAM user with AppAccess attached ---------------------------------
    Case("pass-an-admin-role-to-ec2", (API, PASSROLE), ESCALATES, ec2, PASS_TO_EC2),
    Case("assume-a-role-that-trusts-the-account", (API, SWITCH), ESCALATES, assume, ASSUME),
    Case("create-an-access-key-for-an-admin", (API, KEYS), ESCALATES, access_key, CREATE_KEY),
    Case("join-the-admins-group", (API, GROUPS), ESCALATES, admins_group, JOIN_ADMINS),
    Case(
        "replace-the-code-of-a-function-running-as-an-admin-role",
        (API, LAMBDA),
        ESCALATES,
        function,
        UPDATE_CODE,
    ),
    Case("rewrite-an-admin-roles-trust", (API, TRUST), ESCALATES, rewrite_trust, REWRITE_TRUST),
    # --- siblings: a role; the policy attached to its group ------------------------------------
    Case(
        "a-role-passes-an-admin-role-to-ec2",
        (API, PASSROLE),
        ESCALATES,
        ec2,
        PASS_TO_EC2,
        as_role=True,
    ),
    Case("a-role-assumes-an-admin-role", (API, SWITCH), ESCALATES, assume, ASSUME, as_role=True),
    Case(
        "a-role-takes-over-a-function",
        (API, LAMBDA),
        ESCALATES,
        function,
        UPDATE_CODE,
        as_role=True,
    ),
    Case(
        "a-role-cannot-join-a-group",
        (GROUPS,),
        NOTHING,
        admins_group,
        JOIN_ADMINS,
        as_role=True,
    ),
    Case(
        "the-policy-of-its-group-passes-an-admin-role-to-ec2",
        (API, PASSROLE, VERSIONING),
        ESCALATES,
        ec2,
        PASS_TO_EC2,
        via_group=True,
    ),
    Case(
        "the-policy-of-its-group-creates-an-access-key",
        (API, KEYS, VERSIONING),
        ESCALATES,
        access_key,
        CREATE_KEY,
        via_group=True,
    ),
    Case(
        "the-group-itself-may-roll-back-its-policy",
        (API, PASSROLE, VERSIONING),
        ESCALATES,
        ec2,
        PASS_TO_EC2,
        policies=(),
        via_group=True,
        group_policies=(SET_DEFAULT,),
    ),
    Case(
        "a-boundary-that-allows-every-step",
        (API, PASSROLE, BOUNDARIES),
        ESCALATES,
        ec2,
        PASS_TO_EC2,
        boundary=allow(["iam:SetDefaultPolicyVersion", "iam:PassRole", "ec2:RunInstances"]),
    ),
    Case(
        "rolling-back-needs-mfa",
        (API, CONDITION_KEYS),
        CONDITIONAL,
        ec2,
        PASS_TO_EC2,
        policies=(
            allow(
                "iam:SetDefaultPolicyVersion",
                APP_ARN,
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            ),
        ),
        condition_key="aws:MultiFactorAuthPresent",
    ),
    # --- no rollback: no route -----------------------------------------------------------------
    Case(
        "no-set-default-policy-version",
        (API, PASSROLE),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        policies=(READ,),
    ),
    Case(
        "set-default-policy-version-on-another-policy",
        (API, PASSROLE),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        policies=(allow("iam:SetDefaultPolicyVersion", policy_arn("Other")),),
    ),
    Case(
        "set-default-on-a-policy-attached-to-someone-else",
        (API, VERSIONING),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        attached=False,
    ),
    Case(
        "set-default-policy-version-denied",
        (API, EVAL),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        policies=(SET_DEFAULT, deny("iam:SetDefaultPolicyVersion")),
    ),
    Case(
        "a-boundary-without-set-default-policy-version",
        (API, BOUNDARIES),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        boundary=allow(["iam:PassRole", "ec2:RunInstances"]),
    ),
    Case(
        "an-scp-denies-set-default-policy-version",
        (API, SCPS),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        scps=(deny("iam:SetDefaultPolicyVersion"),),
    ),
    Case(
        "the-older-versions-are-unknown",
        (VERSIONING,),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        known_versions=False,
    ),
    # --- the step after the rollback is refused: no route ---------------------------------------
    Case(
        "a-boundary-without-pass-role",
        (PASSROLE, BOUNDARIES),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        boundary=allow(["iam:SetDefaultPolicyVersion", "ec2:RunInstances"]),
    ),
    Case(
        "an-scp-denies-pass-role",
        (PASSROLE, SCPS),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        scps=(deny("iam:PassRole"),),
    ),
    Case(
        "its-other-policy-denies-pass-role",
        (PASSROLE, EVAL),
        NOTHING,
        ec2,
        PASS_TO_EC2,
        policies=(SET_DEFAULT, deny("iam:PassRole")),
    ),
    Case(
        "an-scp-denies-create-access-key",
        (KEYS, SCPS),
        NOTHING,
        access_key,
        CREATE_KEY,
        scps=(deny("iam:CreateAccessKey"),),
    ),
    Case(
        "the-admin-role-does-not-trust-ec2",
        (PASSROLE,),
        NOTHING,
        lambda: ec2("lambda.amazonaws.com"),
        PASS_TO_EC2,
    ),
    Case(
        "the-older-version-passes-the-role-to-another-service",
        (PASSROLE, IAM_KEYS),
        NOTHING,
        ec2,
        doc(
            stmt(
                "Allow",
                "iam:PassRole",
                ADMIN_ROLE,
                condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            ),
            stmt("Allow", "ec2:RunInstances", "*"),
        ),
    ),
    Case(
        "the-admin-role-trusts-another-account-only",
        (SWITCH,),
        NOTHING,
        lambda: assume("444455556666"),
        ASSUME,
    ),
    Case(
        "the-older-version-names-another-user",
        (KEYS,),
        NOTHING,
        access_key,
        allow("iam:CreateAccessKey", user_arn("nobody")),
    ),
    # --- it has the route already: the version adds no edge ----------------------------------
    Case(
        "its-own-policy-already-passes-the-role",
        (PASSROLE,),
        DIRECT,
        ec2,
        PASS_TO_EC2,
        policies=(SET_DEFAULT, PASS_TO_EC2),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_routes_behind_an_older_version(case: Case) -> None:
    check(case)


def test_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_the_route_reads_step_by_step() -> None:
    g, me, _ = build(CASES[0])
    (edge,) = routes(g, me, ADMIN_ROLE)
    assert edge.label == f"sets {APP} v1 as default, then passes to EC2"
    assert edge.actions == ("iam:SetDefaultPolicyVersion", "iam:PassRole", "ec2:RunInstances")
    first, then = edge.reason.split(" With that version in place: ")
    assert first == f"First it may make {APP} v1 the default (iam:SetDefaultPolicyVersion)."
    assert then.startswith("It may pass AdminRole to EC2")
    # The self-edge still says what the version adds, and the actor is no admin.
    (self_edge,) = edges(g, me.arn, me.arn, "escalate", TECHNIQUE)
    assert "iam:PassRole" in self_edge.reason
    assert not g.nodes[me.arn].is_admin


def test_conditions_of_both_steps_are_listed() -> None:
    case = next(c for c in CASES if c.id == "rolling-back-needs-mfa")
    g, me, _ = build(case)
    (edge,) = routes(g, me, ADMIN_ROLE)
    assert "aws:MultiFactorAuthPresent" in edge.conditions[0]
    assert "when the request meets: " in edge.reason.split(" With that version")[0]


def test_an_older_admin_version_draws_no_route_to_each_principal() -> None:
    """A version that makes it an admin is the self-edge alone: an admin's edges to every
    principal of its account are implied, not stored (access_policies_managed-versioning)."""
    case = Case("admin-version", (VERSIONING,), ESCALATES, access_key, ADMIN)
    g, me, s = build(case)
    assert g.nodes[me.arn].is_admin
    assert not routes(g, me, s.target)


@pytest.mark.parametrize("case", [c for c in CASES if c.expected != NOTHING], ids=str)
def test_sharing_changes_nothing(case: Case) -> None:
    shared, _, _ = build(case)
    alone, _, _ = build(case, share=False)
    assert sorted(shared.edges) == sorted(alone.edges)
    assert shared.can_escalate == alone.can_escalate


def test_two_members_of_one_group_each_get_their_own_route() -> None:
    """Members of one group share its policy objects (as the sandbox's World gives them):
    each rolls back the group's policy and each gets the route, from itself."""
    app = Managed(APP, READ, older=(CREATE_KEY,))
    developers = group("Developers", SET_DEFAULT, managed=[app])
    alice = user("alice", groups=[developers])
    carol = user("carol", groups=[developers])
    ops = user("ops", ADMIN)
    g = World([alice, carol, ops], groups=[developers], policies=[app]).build()
    for me in (alice, carol):
        (edge,) = routes(g, me, ops.arn)
        assert edge.source == me.arn
        assert me.arn in g.can_escalate
