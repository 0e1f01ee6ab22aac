"""Who is an admin of its account, who can become one (``can_escalate``), and the implied
"administers" edges of admins.

iamlab's choice (build.find_admins): a principal is an admin when the engine allows it, with no
condition to meet, every IAM action that gives full control of its account, or when it may
grant itself any permission (put, attach or version its own policies) and no permissions
boundary it cannot remove caps that. AdministratorAccess
(access_policies_job-functions#jf_administrator) and IAMFullAccess both qualify.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from iamlab.graph import PrincipalIn, SessionIn

from .kit import (
    ADMIN,
    IAM_FULL,
    READ_ONLY,
    A,
    Account,
    B,
    Group,
    Managed,
    allow,
    deny,
    doc,
    edges,
    graph,
    group,
    is_admin,
    role,
    role_arn,
    root,
    root_arn,
    session_arn,
    stmt,
    trust_aws,
    trust_service,
    user,
    user_arn,
    with_scp,
)

JOB_FUNCTIONS = "access_policies_job-functions"
BOUNDARIES = "access_policies_boundaries"
EVAL = "reference_policies_evaluation-logic"
ATTACH = "access_policies_manage-attach-detach"
VERSIONING = "access_policies_managed-versioning"
ROOT = "id_root-user"
SERVICE_LINKED = "using-service-linked-roles"

POWER_USER = doc(
    stmt("Allow", None, "*", not_action=["iam:*", "organizations:*", "account:*"]),
    stmt(
        "Allow",
        ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles"],
    ),
)
S3_ONLY = allow("s3:*")
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
APP = Managed("AppAccess", allow("s3:GetObject"))
DEVS = group("Developers", S3_ONLY)


@dataclass(frozen=True)
class AdminCase:
    id: str
    source: str
    principal: PrincipalIn
    expected: bool
    accounts: tuple[Account, ...] = ()
    groups: tuple[Group, ...] = ()
    policies: tuple[Managed, ...] = ()

    def __str__(self) -> str:
        return self.id


CASES = [
    AdminCase("administrator-access", JOB_FUNCTIONS, user("admin", ADMIN), True),
    AdminCase("iam-full-access", JOB_FUNCTIONS, user("iamadmin", IAM_FULL), True),
    AdminCase("administrator-access-role", JOB_FUNCTIONS, role("Admin", trust_aws(A), ADMIN), True),
    AdminCase("read-only", JOB_FUNCTIONS, user("auditor", READ_ONLY), False),
    AdminCase("power-user-has-no-iam", JOB_FUNCTIONS, user("power", POWER_USER), False),
    AdminCase("no-policies", EVAL, user("nobody"), False),
    AdminCase(
        "admin-through-a-group",
        JOB_FUNCTIONS,
        user("member", groups=[group("Admins", ADMIN)]),
        True,
        groups=(group("Admins", ADMIN),),
    ),
    AdminCase(
        "iam-on-users-only-includes-itself",
        ATTACH,
        user("half", allow("iam:*", f"arn:aws:iam::{A}:user/*")),
        True,
    ),
    AdminCase(
        "iam-on-users-only-for-a-role",
        JOB_FUNCTIONS,
        role("Half", trust_aws(A), allow("iam:*", f"arn:aws:iam::{A}:user/*")),
        False,
    ),
    AdminCase(
        "admin-of-another-accounts-resources-only",
        EVAL,
        user("elsewhere", allow("*", f"arn:aws:iam::{B}:*")),
        False,
    ),
    AdminCase(
        "admin-only-with-mfa-is-not-unconditional",
        "id_credentials_mfa_configure-api-require",
        user("mfa-admin", allow("*", condition=MFA)),
        False,
    ),
    AdminCase(
        "scp-denying-iam-removes-admin",
        EVAL,
        user("admin", ADMIN),
        False,
        accounts=(with_scp(deny("iam:*")),),
    ),
    AdminCase(
        # It may still grant itself anything the SCP leaves: an admin within its limits.
        "scp-denying-passrole-leaves-an-admin-within-the-scp",
        EVAL,
        user("admin", ADMIN),
        True,
        accounts=(with_scp(deny("iam:PassRole")),),
    ),
    AdminCase(
        "scp-denying-every-way-to-grant-itself-more",
        EVAL,
        user("admin", ADMIN),
        False,
        accounts=(
            with_scp(
                deny(
                    [
                        "iam:Put*Policy",
                        "iam:Attach*Policy",
                        "iam:CreatePolicyVersion",
                        "iam:PassRole",
                    ]
                )
            ),
        ),
    ),
    AdminCase(
        "scp-denying-ec2-keeps-admin",
        EVAL,
        user("admin", ADMIN),
        True,
        accounts=(with_scp(deny("ec2:*")),),
    ),
    AdminCase(
        "scp-of-another-account-keeps-admin",
        EVAL,
        user("admin", ADMIN),
        True,
        accounts=(with_scp(deny("iam:*"), account=B),),
    ),
    AdminCase(
        "boundary-caps-administrator-access",
        BOUNDARIES,
        user("capped", ADMIN, boundary=S3_ONLY),
        False,
    ),
    AdminCase(
        "boundary-allowing-everything-keeps-admin",
        BOUNDARIES,
        user("bounded", IAM_FULL, boundary=ADMIN),
        True,
    ),
    AdminCase("root-user", ROOT, root(), True),
    AdminCase(
        "root-user-of-a-member-account-under-an-scp",
        ROOT,
        root(),
        False,
        accounts=(with_scp(deny("iam:*")),),
    ),
    # admin through self-escalation
    AdminCase("may-put-its-own-policy", ATTACH, user("selfish", allow("iam:PutUserPolicy")), True),
    AdminCase(
        "may-attach-to-its-own-role",
        ATTACH,
        role("Selfish", trust_aws(A), allow("iam:AttachRolePolicy")),
        True,
    ),
    AdminCase(
        "may-put-a-policy-on-its-group",
        ATTACH,
        user("grouped", allow("iam:PutGroupPolicy", DEVS.arn), groups=[DEVS]),
        True,
        groups=(DEVS,),
    ),
    AdminCase(
        "may-version-its-own-managed-policy",
        VERSIONING,
        user("versioner", allow("iam:CreatePolicyVersion", APP.arn), managed=[APP]),
        True,
        policies=(APP,),
    ),
    AdminCase(
        "may-only-set-the-default-version-is-not-unconditional",
        VERSIONING,
        user(
            "defaulter",
            allow("iam:SetDefaultPolicyVersion", APP.arn),
            managed=[Managed("AppAccess", allow("s3:GetObject"), versions=3)],
        ),
        False,
        policies=(Managed("AppAccess", allow("s3:GetObject"), versions=3),),
    ),
    AdminCase(
        "self-escalation-capped-by-a-boundary-it-cannot-remove",
        BOUNDARIES,
        user("capped", allow("iam:PutUserPolicy"), boundary=allow(["iam:PutUserPolicy", "s3:*"])),
        False,
    ),
    AdminCase(
        "self-escalation-and-may-remove-the-boundary",
        BOUNDARIES,
        user(
            "uncapped",
            allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"]),
            boundary=allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"]),
        ),
        True,
    ),
    AdminCase(
        "self-escalation-denied-by-scp",
        EVAL,
        user("selfish", allow("iam:PutUserPolicy")),
        False,
        accounts=(with_scp(deny("iam:PutUserPolicy")),),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_admin_detection(case: AdminCase) -> None:
    g = graph(case.principal, accounts=case.accounts, groups=case.groups, policies=case.policies)
    node = g.nodes[case.principal.arn]
    assert node.is_admin is case.expected
    assert bool(node.admin_reason) is case.expected
    assert case.principal.arn not in g.can_escalate


def test_every_principal_gets_an_admin_verdict() -> None:
    g = graph(user("alice"), role("Ops", trust_aws(A)), root())
    for node in g.nodes.values():
        if node.is_principal:
            assert node.is_admin is not None
        else:
            assert node.is_admin is None


def test_admin_reasons() -> None:
    g = graph(user("admin", ADMIN), user("selfish", allow("iam:PutUserPolicy")), root())
    assert "every IAM action" in g.nodes[user_arn("admin")].admin_reason
    assert "iam:PutUserPolicy" in g.nodes[user_arn("selfish")].admin_reason
    assert "root user" in g.nodes[root_arn()].admin_reason


def test_group_that_grants_admin() -> None:
    admins, readers = group("Admins", ADMIN), group("Readers", READ_ONLY)
    g = graph(groups=[admins, readers])
    assert g.nodes[admins.arn].grants_admin
    assert not g.nodes[readers.arn].grants_admin
    capped = graph(groups=[admins], accounts=[with_scp(deny("iam:*"))])
    assert not capped.nodes[admins.arn].grants_admin


# --- can_escalate ---------------------------------------------------------------------------


def test_can_escalate() -> None:
    alice = user("alice", allow("sts:AssumeRole", role_arn("Deployer")))
    deployer = role("Deployer", trust_aws(A), allow("iam:CreateAccessKey", user_arn("bob")))
    bob = user("bob", ADMIN)
    carol = user("carol", allow("sts:AssumeRole", role_arn("Viewer")))
    viewer = role("Viewer", trust_aws(A), READ_ONLY)
    admins = group("Admins", ADMIN)
    dave = user("dave", allow("iam:AddUserToGroup", admins.arn))
    g = graph(alice, deployer, bob, carol, viewer, dave, groups=[admins])
    # A way to an admin, however long; a way to a group that makes its members admins.
    assert {alice.arn, deployer.arn, dave.arn} <= g.can_escalate
    # A way to non-admins only; no way at all; the admins themselves.
    for arn in (carol.arn, viewer.arn, bob.arn):
        assert arn not in g.can_escalate
    assert is_admin(g, bob.arn)
    assert not is_admin(g, alice.arn)
    path = g.escalation_path(alice.arn)
    assert path is not None
    assert [(e.source, e.target, e.kind) for e in path] == [
        (alice.arn, deployer.arn, "assume"),
        (deployer.arn, bob.arn, "escalate"),
    ]
    assert g.escalation_path(carol.arn) is None
    assert g.escalation_path(bob.arn) is None


def test_can_escalate_across_accounts() -> None:
    bea = user("bea", allow("sts:AssumeRole"), account=B)
    admin_a = role("OrgAdmin", trust_aws(B), ADMIN)
    g = graph(bea, admin_a)
    assert bea.arn in g.can_escalate


def test_self_escalation_makes_admin_not_escalator() -> None:
    g = graph(user("selfish", allow("iam:PutUserPolicy")))
    assert is_admin(g, user_arn("selfish"))
    assert not g.can_escalate


def test_sessions_of_admin_roles() -> None:
    admin = role("Admin", trust_aws(A), ADMIN)
    viewer = role("Viewer", trust_aws(A), READ_ONLY)
    live = SessionIn(session_arn("Admin", session="alice"), admin.arn, "Admin/alice")
    narrowed = SessionIn(
        session_arn("Admin", session="scoped"), admin.arn, "Admin/scoped", narrowed=True
    )
    expired = SessionIn(session_arn("Admin", session="old"), admin.arn, "Admin/old", expired=True)
    reader = SessionIn(session_arn("Viewer", session="bob"), viewer.arn, "Viewer/bob")
    g = graph(admin, viewer, sessions=[live, narrowed, expired, reader])
    assert is_admin(g, live.arn)
    assert "A session of Admin" in g.nodes[live.arn].admin_reason
    for s in (narrowed, expired, reader):
        assert g.nodes[s.arn].is_admin is False
    assert g.nodes[expired.arn].detail == "expired"
    assert {(r.source, r.kind) for r in g.relations} == {
        (s.arn, "session_of") for s in (live, narrowed, expired, reader)
    }


# --- the implied "administers" edges ---------------------------------------------------------


def test_admins_administer_every_user_and_role_of_their_account() -> None:
    admin = user("admin", ADMIN)
    alice, ops = user("alice"), role("Ops", trust_aws(A))
    linked = role(
        "AWSServiceRoleForECS",
        trust_service("ecs.amazonaws.com"),
        allow("ec2:*"),
        service_linked=True,
    )
    bea = user("bea", account=B)
    g = graph(admin, alice, ops, linked, bea, root())
    implied = [e for e in g.edges_from(admin.arn) if e.kind == "administers"]
    assert {e.target for e in implied} == {alice.arn, ops.arn}
    assert not edges(g, kind="administers"), "implied, not stored"
    to_user = next(e for e in implied if e.target == alice.arn)
    assert "create an access key or a console password" in to_user.reason
    to_role = next(e for e in implied if e.target == ops.arn)
    assert "rewrite its trust policy" in to_role.reason
    assert to_role.label == "admin"
    # Seen from the other side too; the service-linked role has none.
    # The root user is an admin of its account as well.
    assert {e.source for e in g.edges_into(ops.arn) if e.kind == "administers"} == {
        admin.arn,
        root_arn(A),
    }
    assert not [e for e in g.edges_into(linked.arn) if e.kind == "administers"]
    assert not [e for e in g.edges_into(bea.arn) if e.kind == "administers"]


def test_non_admins_have_no_administers_edges() -> None:
    g = graph(user("alice", READ_ONLY), user("bob"))
    assert not [e for e in g.edges_from(user_arn("alice")) if e.kind == "administers"]


def test_a_stored_edge_wins_over_the_implied_one() -> None:
    """An admin named by ARN in a trust policy keeps its assume edge; no duplicate."""
    admin = user("admin", ADMIN)
    ops = role("Ops", trust_aws(admin.arn))
    g = graph(admin, ops)
    into_ops = [e for e in g.edges_from(admin.arn) if e.target == ops.arn]
    assert [e.kind for e in into_ops] == ["assume"]


# --- service-linked roles -------------------------------------------------------------------


def test_service_linked_roles_get_no_technique_edges() -> None:
    """IAM refuses to edit a service-linked role (its trust, its policies) and only its
    service assumes it (using-service-linked-roles): no PassRole, no trust rewrite, no
    administers edge into it, and its own permissions start no technique."""
    linked = role(
        "AWSServiceRoleForAutoScaling",
        trust_service("autoscaling.amazonaws.com"),
        allow(["iam:CreateAccessKey", "iam:PassRole", "lambda:*"]),
        service_linked=True,
    )
    for_lambda = role(
        "AWSServiceRoleForLambdaReplicator",
        trust_service("lambda.amazonaws.com"),
        ADMIN,
        service_linked=True,
    )
    alice = user("alice", allow(["iam:PassRole", "lambda:*", "iam:UpdateAssumeRolePolicy"]))
    admin = user("admin", ADMIN)
    bob = user("bob")
    g = graph(linked, for_lambda, alice, admin, bob)
    assert g.nodes[linked.arn].detail == "service-linked role"
    assert not [e for e in g.edges if e.source == linked.arn]
    assert not [e for e in g.edges if e.target in (linked.arn, for_lambda.arn) and e.technique]
    # Its service still assumes it.
    assert edges(g, "autoscaling.amazonaws.com", linked.arn, "assume")
    assert not [e for e in g.edges_from(admin.arn) if e.target == for_lambda.arn]
