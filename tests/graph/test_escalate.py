"""IAM privilege escalation: new credentials for another user, a rewritten trust policy, a
group joined, policies put, attached or versioned onto oneself.

Every technique has a positive case and the standard negatives of :mod:`.cases` (a condition
the request cannot meet, an explicit Deny, a permissions boundary, an SCP), plus the cases
particular to it: a second permission it needs, a target it cannot work on. Each case names
the IAM User Guide page it comes from.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from .cases import SELF, TEAM, Actor, Scenario, TechniqueCase, check, run, standard
from .kit import (
    ADMIN,
    A,
    B,
    Managed,
    World,
    allow,
    deny,
    group,
    group_arn,
    one_edge,
    policy_arn,
    role,
    role_arn,
    trust_aws,
    trust_service,
    user,
    user_arn,
)

KEYS = "id_credentials_access-keys"
PASSWORDS = "id_credentials_passwords_admin-change-user"
TRUST = "id_roles_update-role-trust-policy"
GROUPS = "id_groups_manage_add-remove-users"
ATTACH = "access_policies_manage-attach-detach"
VERSIONING = "access_policies_managed-versioning"
BOUNDARIES = "access_policies_boundaries"
SERVICE_LINKED = "using-service-linked-roles"
CONDITION_KEYS = "reference_policies_iam-condition-keys"

BOB = user_arn("bob")
DEPLOYER = role_arn("Deployer")
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


# --- scenarios --------------------------------------------------------------------------------


def other_user(keys: int = 0, password: bool = False, mfa: bool = False) -> Scenario:
    def scenario(actor: Actor) -> tuple[World, str]:
        bob = user("bob", allow("s3:*"), access_keys=keys, console_password=password, mfa=mfa)
        return World([actor(), bob]), BOB

    return scenario


def other_role(service_linked: bool = False, account: str = A) -> Scenario:
    def scenario(actor: Actor) -> tuple[World, str]:
        if service_linked:
            target = role(
                "AWSServiceRoleForAutoScaling",
                trust_service("autoscaling.amazonaws.com"),
                allow("ec2:*"),
                service_linked=True,
            )
        else:
            target = role("Deployer", trust_aws(user_arn("ci")), ADMIN, account=account)
        return World([actor(), target]), target.arn

    return scenario


def joins_group(member: bool = False, account: str = A) -> Scenario:
    def scenario(actor: Actor) -> tuple[World, str]:
        admins = group("Admins", ADMIN, account=account)
        me = actor(groups=[admins] if member else [])
        return World([me], groups=[admins]), admins.arn

    return scenario


def own_group(member: bool = True) -> Scenario:
    def scenario(actor: Actor) -> tuple[World, str]:
        devs = group("Developers", allow(["s3:Get*", "s3:List*"]))
        return World([actor(groups=[devs] if member else [])], groups=[devs]), SELF

    return scenario


def itself() -> Scenario:
    def scenario(actor: Actor) -> tuple[World, str]:
        return World([actor()]), SELF

    return scenario


def managed(
    versions: int = 1, listed: bool = True, attached: bool = True, via_group: bool = False
) -> Scenario:
    """A customer managed policy attached to the actor (directly or through a group).
    ``listed=False`` leaves it out of the sandbox's policies, as for an AWS managed one."""

    def scenario(actor: Actor) -> tuple[World, str]:
        m = Managed("AppAccess", allow(["s3:GetObject", "s3:ListBucket"]), versions)
        if via_group:
            devs = group("Developers", managed=[m])
            return World([actor(groups=[devs])], groups=[devs], policies=[m]), SELF
        me = actor(managed=[m] if attached else [])
        return World([me], policies=[m] if listed else []), SELF

    return scenario


# --- the table --------------------------------------------------------------------------------

CREATE_KEY = standard("create-access-key", KEYS, ["iam:CreateAccessKey"], other_user())
CREATE_KEY += [
    TechniqueCase(
        "create-access-key-user-with-one-key",
        KEYS,
        "create-access-key",
        (allow("iam:CreateAccessKey", BOB),),
        other_user(keys=1),
        True,
        actions=("iam:CreateAccessKey",),
    ),
    TechniqueCase(
        "create-access-key-user-with-two-keys-needs-delete",
        KEYS,
        "create-access-key",
        (allow("iam:CreateAccessKey", BOB),),
        other_user(keys=2),
        False,
    ),
    TechniqueCase(
        "create-access-key-user-with-two-keys-and-delete",
        KEYS,
        "create-access-key",
        (allow(["iam:CreateAccessKey", "iam:DeleteAccessKey"], BOB),),
        other_user(keys=2),
        True,
        actions=("iam:CreateAccessKey", "iam:DeleteAccessKey"),
    ),
    TechniqueCase(
        "create-access-key-user-with-two-keys-delete-denied",
        KEYS,
        "create-access-key",
        (allow(["iam:CreateAccessKey", "iam:DeleteAccessKey"]), deny("iam:DeleteAccessKey")),
        other_user(keys=2),
        False,
    ),
    TechniqueCase(
        "create-access-key-only-for-itself",
        KEYS,
        "create-access-key",
        (allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}"),),
        other_user(),
        False,
    ),
    TechniqueCase(
        "create-access-key-by-a-role",
        KEYS,
        "create-access-key",
        (allow("iam:CreateAccessKey", BOB),),
        other_user(),
        True,
        as_role=True,
    ),
]

LOGIN = standard(
    "create-login-profile", PASSWORDS, ["iam:CreateLoginProfile"], other_user(password=False)
)
LOGIN += [
    TechniqueCase(
        "create-login-profile-user-already-has-a-password",
        PASSWORDS,
        "create-login-profile",
        (allow("iam:CreateLoginProfile"),),
        other_user(password=True),
        False,
    ),
    TechniqueCase(
        "create-login-profile-resource-is-another-user",
        PASSWORDS,
        "create-login-profile",
        (allow("iam:CreateLoginProfile", user_arn("carol")),),
        other_user(),
        False,
    ),
]

UPDATE_LOGIN = standard(
    "update-login-profile", PASSWORDS, ["iam:UpdateLoginProfile"], other_user(password=True)
)
UPDATE_LOGIN += [
    TechniqueCase(
        "update-login-profile-user-without-a-password",
        PASSWORDS,
        "update-login-profile",
        (allow("iam:UpdateLoginProfile"),),
        other_user(password=False),
        False,
    ),
]

REWRITE_TRUST = standard(
    "update-assume-role-policy", TRUST, ["iam:UpdateAssumeRolePolicy"], other_role()
)
REWRITE_TRUST += [
    TechniqueCase(
        "update-assume-role-policy-then-assume-is-denied",
        TRUST,
        "update-assume-role-policy",
        (allow("iam:UpdateAssumeRolePolicy"), deny("sts:AssumeRole")),
        other_role(),
        False,
    ),
    TechniqueCase(
        "update-assume-role-policy-then-scp-denies-assume",
        TRUST,
        "update-assume-role-policy",
        (allow("iam:UpdateAssumeRolePolicy"),),
        other_role(),
        False,
        scps=(deny("sts:AssumeRole"),),
    ),
    # evaluate.py's D7: a trust policy naming the user does not lift the user's boundary,
    # which must allow sts:AssumeRole.
    TechniqueCase(
        "update-assume-role-policy-user-boundary-without-assume-role-caps-it",
        TRUST,
        "update-assume-role-policy",
        (allow("iam:UpdateAssumeRolePolicy"),),
        other_role(),
        False,
        boundary=allow("iam:UpdateAssumeRolePolicy"),
    ),
    TechniqueCase(
        "update-assume-role-policy-user-boundary-with-assume-role",
        TRUST,
        "update-assume-role-policy",
        (allow("iam:UpdateAssumeRolePolicy"),),
        other_role(),
        True,
        boundary=allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]),
        actions=("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
    ),
    TechniqueCase(
        "update-assume-role-policy-role-boundary-caps-a-trust-naming-the-role",
        BOUNDARIES,
        "update-assume-role-policy",
        (allow("iam:UpdateAssumeRolePolicy"),),
        other_role(),
        False,
        boundary=allow("iam:UpdateAssumeRolePolicy"),
        as_role=True,
    ),
    TechniqueCase(
        "update-assume-role-policy-by-a-role",
        TRUST,
        "update-assume-role-policy",
        (allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]),),
        other_role(),
        True,
        as_role=True,
    ),
    TechniqueCase(
        "update-assume-role-policy-service-linked-role",
        SERVICE_LINKED,
        "update-assume-role-policy",
        (allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]),),
        other_role(service_linked=True),
        False,
    ),
    TechniqueCase(
        "update-assume-role-policy-role-of-another-account",
        "reference_policies_evaluation-logic-cross-account",
        "update-assume-role-policy",
        (allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]),),
        other_role(account=B),
        False,
    ),
]

ADD_TO_GROUP = standard("add-user-to-group", GROUPS, ["iam:AddUserToGroup"], joins_group())
ADD_TO_GROUP += [
    TechniqueCase(
        "add-user-to-group-already-a-member",
        GROUPS,
        "add-user-to-group",
        (allow("iam:AddUserToGroup"),),
        joins_group(member=True),
        False,
    ),
    TechniqueCase(
        "add-user-to-group-a-role-cannot-join",
        GROUPS,
        "add-user-to-group",
        (allow("iam:AddUserToGroup"),),
        joins_group(),
        False,
        as_role=True,
    ),
    TechniqueCase(
        "add-user-to-group-of-another-account",
        GROUPS,
        "add-user-to-group",
        (allow("iam:AddUserToGroup"),),
        joins_group(account=B),
        False,
    ),
    TechniqueCase(
        "add-user-to-group-resource-is-another-group",
        GROUPS,
        "add-user-to-group",
        (allow("iam:AddUserToGroup", group_arn("Interns")),),
        joins_group(),
        False,
    ),
]

PUT_OWN = standard("put-own-policy", ATTACH, ["iam:PutUserPolicy"], itself())
PUT_OWN += standard(
    "put-own-policy",
    ATTACH,
    ["iam:PutRolePolicy"],
    itself(),
    prefix="put-own-role-policy",
    as_role=True,
)
PUT_OWN += [
    TechniqueCase(
        "put-own-policy-boundary-allows-it-but-not-its-removal",
        BOUNDARIES,
        "put-own-policy",
        (allow("iam:PutUserPolicy"),),
        itself(),
        False,
        boundary=allow("iam:PutUserPolicy"),
    ),
    TechniqueCase(
        "put-own-policy-and-remove-the-boundary",
        BOUNDARIES,
        "put-own-policy",
        (allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"]),),
        itself(),
        True,
        boundary=allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"]),
        actions=("iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"),
    ),
    TechniqueCase(
        "put-own-policy-role-removes-its-boundary",
        BOUNDARIES,
        "put-own-policy",
        (allow(["iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"]),),
        itself(),
        True,
        boundary=allow(["iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"]),
        as_role=True,
        actions=("iam:PutRolePolicy", "iam:DeleteRolePermissionsBoundary"),
    ),
    TechniqueCase(
        "put-own-policy-removing-the-boundary-denied",
        BOUNDARIES,
        "put-own-policy",
        (
            allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"]),
            deny("iam:DeleteUserPermissionsBoundary"),
        ),
        itself(),
        False,
        boundary=allow(["iam:PutUserPolicy", "iam:DeleteUserPermissionsBoundary"]),
    ),
    TechniqueCase(
        "put-own-policy-a-user-with-put-role-policy",
        ATTACH,
        "put-own-policy",
        (allow("iam:PutRolePolicy"),),
        itself(),
        False,
    ),
    TechniqueCase(
        "put-own-policy-resource-is-another-user",
        ATTACH,
        "put-own-policy",
        (allow("iam:PutUserPolicy", BOB),),
        itself(),
        False,
    ),
]

ATTACH_OWN = standard("attach-own-policy", ATTACH, ["iam:AttachUserPolicy"], itself())
ATTACH_OWN += [
    TechniqueCase(
        "attach-own-policy-only-read-only-policy-arn",
        CONDITION_KEYS,
        "attach-own-policy",
        (
            allow(
                "iam:AttachUserPolicy",
                condition={"ArnEquals": {"iam:PolicyARN": READ_ONLY_POLICY}},
            ),
        ),
        itself(),
        False,
    ),
    TechniqueCase(
        "attach-own-policy-administrator-access-policy-arn",
        CONDITION_KEYS,
        "attach-own-policy",
        (allow("iam:AttachUserPolicy", condition={"ArnEquals": {"iam:PolicyARN": ADMIN_POLICY}}),),
        itself(),
        True,
    ),
    TechniqueCase(
        "attach-own-policy-by-a-role",
        ATTACH,
        "attach-own-policy",
        (allow("iam:AttachRolePolicy"),),
        itself(),
        True,
        as_role=True,
    ),
]

PUT_GROUP = standard("put-group-policy", ATTACH, ["iam:PutGroupPolicy"], own_group())
PUT_GROUP += [
    TechniqueCase(
        "put-group-policy-not-a-member",
        GROUPS,
        "put-group-policy",
        (allow("iam:PutGroupPolicy"),),
        own_group(member=False),
        False,
    ),
]

ATTACH_GROUP = standard("attach-group-policy", ATTACH, ["iam:AttachGroupPolicy"], own_group())
ATTACH_GROUP += [
    TechniqueCase(
        "attach-group-policy-not-a-member",
        GROUPS,
        "attach-group-policy",
        (allow("iam:AttachGroupPolicy"),),
        own_group(member=False),
        False,
    ),
]

VERSION = standard("create-policy-version", VERSIONING, ["iam:CreatePolicyVersion"], managed())
VERSION += [
    TechniqueCase(
        "create-policy-version-five-versions-need-delete",
        VERSIONING,
        "create-policy-version",
        (allow("iam:CreatePolicyVersion"),),
        managed(versions=5),
        False,
    ),
    TechniqueCase(
        "create-policy-version-five-versions-and-delete",
        VERSIONING,
        "create-policy-version",
        (allow(["iam:CreatePolicyVersion", "iam:DeletePolicyVersion"], policy_arn("AppAccess")),),
        managed(versions=5),
        True,
        actions=("iam:CreatePolicyVersion", "iam:DeletePolicyVersion"),
    ),
    TechniqueCase(
        "create-policy-version-four-versions",
        VERSIONING,
        "create-policy-version",
        (allow("iam:CreatePolicyVersion"),),
        managed(versions=4),
        True,
        actions=("iam:CreatePolicyVersion",),
    ),
    TechniqueCase(
        "create-policy-version-aws-managed-policy",
        VERSIONING,
        "create-policy-version",
        (allow("iam:CreatePolicyVersion"),),
        managed(listed=False),
        False,
    ),
    TechniqueCase(
        "create-policy-version-policy-not-attached-to-it",
        VERSIONING,
        "create-policy-version",
        (allow("iam:CreatePolicyVersion"),),
        managed(attached=False),
        False,
    ),
    TechniqueCase(
        "create-policy-version-policy-attached-to-its-group",
        VERSIONING,
        "create-policy-version",
        (allow("iam:CreatePolicyVersion"),),
        managed(via_group=True),
        True,
    ),
    TechniqueCase(
        "create-policy-version-resource-is-another-policy",
        VERSIONING,
        "create-policy-version",
        (allow("iam:CreatePolicyVersion", policy_arn("OtherPolicy")),),
        managed(),
        False,
    ),
]

DEFAULT_VERSION = standard(
    "set-default-policy-version", VERSIONING, ["iam:SetDefaultPolicyVersion"], managed(versions=2)
)
DEFAULT_VERSION += [
    TechniqueCase(
        "set-default-policy-version-only-one-version",
        VERSIONING,
        "set-default-policy-version",
        (allow("iam:SetDefaultPolicyVersion"),),
        managed(versions=1),
        False,
    ),
]

CASES = (
    CREATE_KEY
    + LOGIN
    + UPDATE_LOGIN
    + REWRITE_TRUST
    + ADD_TO_GROUP
    + PUT_OWN
    + ATTACH_OWN
    + PUT_GROUP
    + ATTACH_GROUP
    + VERSION
    + DEFAULT_VERSION
)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_escalation(case: TechniqueCase) -> None:
    check(case)


def test_every_escalation_technique_has_positive_and_negative_cases() -> None:
    techniques = {
        "create-access-key",
        "create-login-profile",
        "update-login-profile",
        "update-assume-role-policy",
        "add-user-to-group",
        "put-own-policy",
        "attach-own-policy",
        "put-group-policy",
        "attach-group-policy",
        "create-policy-version",
        "set-default-policy-version",
    }
    for technique in techniques:
        mine = [c for c in CASES if c.technique == technique]
        assert any(c.expected for c in mine), technique
        suffixes = {c.id.removeprefix(technique) for c in mine if not c.expected}
        for negative in ("condition", "explicit-deny", "boundary", "scp"):
            assert any(negative in s for s in suffixes), (technique, negative)
    assert len({c.id for c in CASES}) == len(CASES), "case ids are unique"


# --- what the edges say ---------------------------------------------------------------------


def named(cases: list[TechniqueCase], case_id: str) -> TechniqueCase:
    return next(c for c in cases if c.id == case_id)


def test_password_for_a_user_with_mfa_is_conditional() -> None:
    """Signing in to the console as a user with an MFA device also needs that device."""
    case = TechniqueCase(
        "mfa",
        PASSWORDS,
        "create-login-profile",
        (allow("iam:CreateLoginProfile"),),
        other_user(mfa=True),
        True,
    )
    _, found = run(case)
    assert len(found) == 1
    assert found[0].conditional
    assert "MFA" in found[0].conditions[0]
    assert "has MFA" in found[0].reason
    _, plain = run(replace(case, scenario=other_user()))
    assert not plain[0].conditional


def test_set_default_policy_version_is_conditional() -> None:
    """Only worth it when an older version grants more: iamlab cannot tell, so it says so."""
    _, found = run(DEFAULT_VERSION[0])
    assert found[0].conditional
    assert "older version" in found[0].conditions[0]


def test_credential_edges_go_to_the_user_and_explain_themselves() -> None:
    alice = user(
        "alice",
        allow(["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"]),
        tags=TEAM,
    )
    carol = user("carol", console_password=True)
    bob = user("bob")
    g = World([alice, bob, carol]).build()
    key = one_edge(g, alice.arn, BOB, "escalate", "create-access-key")
    assert key.label == "creates access key"
    assert "bob's permissions" in key.reason
    assert one_edge(g, alice.arn, BOB, "escalate", "create-login-profile").label == (
        "creates password"
    )
    assert one_edge(g, alice.arn, carol.arn, "escalate", "update-login-profile").label == (
        "resets password"
    )
    # Nobody escalates to itself by making its own credentials.
    assert not [e for e in g.edges if e.source == e.target == alice.arn]


def test_update_assume_role_policy_edge() -> None:
    _, found = run(REWRITE_TRUST[0])
    edge = found[0]
    assert edge.target == DEPLOYER
    assert edge.actions == ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole")
    assert "trust policy" in edge.reason


def test_self_escalation_edges_are_loops_with_reasons() -> None:
    _, found = run(PUT_OWN[0])
    edge = found[0]
    assert edge.source == edge.target == user_arn("alice")
    assert edge.label == "grants itself more"
    assert "iam:PutUserPolicy" in edge.reason
    _, group_edges = run(PUT_GROUP[0])
    assert "Developers" in group_edges[0].reason
    _, boundary_edges = run(named(PUT_OWN, "put-own-policy-and-remove-the-boundary"))
    assert "remove its permissions boundary" in boundary_edges[0].reason


def test_joining_a_group_mentions_the_boundary_that_still_caps_it() -> None:
    case = replace(ADD_TO_GROUP[0], boundary=allow(["iam:AddUserToGroup", "s3:*"]))
    _, found = run(case)
    assert "boundary still caps" in found[0].reason
    _, plain = run(ADD_TO_GROUP[0])
    assert "boundary" not in plain[0].reason
