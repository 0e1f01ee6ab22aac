"""The kinds of object a sandbox page can show, create, edit and delete.

One registry instead of a view per model: each kind names its model, its form, its words and
what must be true before it can be changed or deleted (AWS's own refusals, in AWS's words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import forms, models


def _role_blocker(role: Any) -> str | None:
    if role.managed_by == "service-linked":
        return (
            f"{role.name} is a service-linked role: {role.linked_service or 'its service'} "
            "created it and only that service can change or delete it."
        )
    if role.managed_by == "identity-center":
        return (
            f"{role.name} was provisioned by IAM Identity Center from the permission set "
            f"{role.permission_set}; change the permission set or its assignments instead."
        )
    return None


def _policy_delete_blocker(policy: Any) -> str | None:
    users = list(models.IamUser.objects.filter(boundary=policy).values_list("name", flat=True))
    roles = list(models.Role.objects.filter(boundary=policy).values_list("name", flat=True))
    if users or roles:
        names = ", ".join(users + roles)
        return f"{policy.name} is the permissions boundary of {names}. Remove it there first."
    return None


def _account_delete_blocker(account: Any) -> str | None:
    if account.is_management:
        return (
            "The management account cannot leave or be closed while its organization exists. "
            "Delete the organization first."
        )
    return None


def _org_policy_blocker(policy: Any) -> str | None:
    if policy.aws_managed:
        return f"{policy.name} is an AWS managed policy; it cannot be changed or deleted."
    return None


def _org_policy_delete_blocker(policy: Any) -> str | None:
    if blocked := _org_policy_blocker(policy):
        return blocked
    if policy.target_units.exists() or policy.target_accounts.exists():
        return f"{policy.name} is attached; detach it from every root, OU and account first."
    return None


def _unit_edit_blocker(unit: Any) -> str | None:
    if unit.is_root:
        return "The root is the top of the organization: it has no parent and keeps its name."
    return None


def _unit_delete_blocker(unit: Any) -> str | None:
    if unit.is_root:
        return "The root is deleted only with the organization."
    if unit.children.exists() or unit.accounts.exists():
        return "An OU can be deleted only when it holds no accounts and no OUs."
    return None


def _assignment_blocker(_: Any) -> str | None:
    return "An assignment cannot be edited: delete it and create another."


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type[models.SandboxObject]
    form: type[forms.SandboxForm] | None
    singular: str
    plural: str
    intro: str = ""
    doc: str = ""  # the AWS page that explains it
    edit_blocker: Callable[[Any], str | None] = lambda obj: None
    delete_blocker: Callable[[Any], str | None] | None = None
    needs_org: bool = False
    creatable: bool = True
    delete_note: str = "It is removed from the sandbox."

    def listed(self, sandbox: models.Sandbox) -> Any:
        """This kind's objects in a sandbox, with what their list rows show loaded alongside."""
        qs = self.model.objects.filter(sandbox=sandbox)
        if self.slug == "assignments":
            return qs.select_related("permission_set", "account", "sso_user", "sso_group")
        if any(f.name == "account" for f in self.model._meta.get_fields()):
            return qs.select_related("account")
        return qs

    def why_not_edit(self, obj: Any) -> str | None:
        return self.edit_blocker(obj)

    def why_not_delete(self, obj: Any) -> str | None:
        blocker = self.delete_blocker or self.edit_blocker
        return blocker(obj)


_IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
KINDS: dict[str, Kind] = {
    k.slug: k
    for k in [
        Kind(
            "accounts",
            models.Account,
            forms.AccountForm,
            "account",
            "accounts",
            "An AWS account holds resources and identities; its root user has complete access.",
            _IAM + "id_root-user.html",
            delete_blocker=_account_delete_blocker,
            delete_note=(
                "Its root user and everything in it go with it: IAM users, groups, roles, "
                "policies, credentials and resources."
            ),
        ),
        Kind(
            "users",
            models.IamUser,
            forms.IamUserForm,
            "IAM user",
            "IAM users",
            "A person or workload with long-term credentials: a console password and up to two "
            "access keys.",
            _IAM + "id_users.html",
            delete_note=(
                "As in the IAM console, its access keys, MFA devices, service-specific "
                "credentials, SSH keys, inline policies and group memberships go with it."
            ),
        ),
        Kind(
            "groups",
            models.IamGroup,
            forms.IamGroupForm,
            "user group",
            "user groups",
            "A collection of IAM users. Its policies apply to every member; a group is not a "
            "principal and cannot sign in.",
            _IAM + "id_groups.html",
            delete_note=(
                "Its inline policies go with it; its members stay, without the group's permissions."
            ),
        ),
        Kind(
            "roles",
            models.Role,
            forms.RoleForm,
            "role",
            "roles",
            "An identity with permissions but no long-term credentials; whoever its trust policy "
            "allows assumes it and gets temporary credentials.",
            _IAM + "id_roles.html",
            edit_blocker=_role_blocker,
            delete_note=(
                "Its inline policies go with it; instance profiles, Lambda functions, "
                "CloudFormation stacks and CodeBuild projects that used it are left without a role."
            ),
        ),
        Kind(
            "policies",
            models.ManagedPolicy,
            forms.ManagedPolicyForm,
            "customer managed policy",
            "customer managed policies",
            "A standalone identity-based policy you can attach to users, groups and roles; it "
            "keeps up to five versions.",
            _IAM + "access_policies_managed-vs-inline.html",
            delete_blocker=_policy_delete_blocker,
            delete_note="It is detached from every user, group and role, and all its versions go.",
        ),
        Kind(
            "inline",
            models.InlinePolicy,
            forms.InlinePolicyForm,
            "inline policy",
            "inline policies",
            "A policy embedded in one user, group or role, deleted with it.",
            _IAM + "access_policies_managed-vs-inline.html",
            delete_note="Its identity loses the permissions it granted.",
            creatable=False,
        ),
        Kind(
            "resources",
            models.Resource,
            forms.ResourceForm,
            "resource",
            "resources",
            "A resource with a resource-based policy, which names the principals it allows, or "
            "one that runs as a role: a Lambda function, a CloudFormation stack, a CodeBuild "
            "project.",
            _IAM + "access_policies_identity-vs-resource.html",
            delete_note="Its resource-based policy, if it has one, goes with it.",
        ),
        Kind(
            "instance-profiles",
            models.InstanceProfile,
            forms.InstanceProfileForm,
            "instance profile",
            "instance profiles",
            "The container that passes one role to an EC2 instance.",
            _IAM + "id_roles_use_switch-role-ec2_instance-profiles.html",
        ),
        Kind(
            "instances",
            models.Ec2Instance,
            forms.Ec2InstanceForm,
            "EC2 instance",
            "EC2 instances",
            "A virtual server; applications on it get the role of its instance profile.",
            _IAM + "id_roles_use_switch-role-ec2.html",
        ),
        Kind(
            "providers",
            models.IdentityProvider,
            forms.IdentityProviderForm,
            "identity provider",
            "identity providers",
            "A SAML 2.0 or OpenID Connect provider whose users can federate into roles.",
            _IAM + "id_roles_providers.html",
            edit_blocker=lambda p: (
                "Identity Center created this provider; it manages it." if p.managed_by else None
            ),
        ),
        Kind(
            "ous",
            models.OrgUnit,
            forms.OrgUnitForm,
            "organizational unit",
            "organizational units",
            "A container of accounts in the organization; policies attached to it apply to "
            "everything below.",
            "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_ous.html",
            edit_blocker=_unit_edit_blocker,
            delete_blocker=_unit_delete_blocker,
            needs_org=True,
        ),
        Kind(
            "org-policies",
            models.OrgPolicy,
            forms.OrgPolicyForm,
            "organization policy",
            "SCPs and RCPs",
            "Service control policies cap what principals in member accounts can do; resource "
            "control policies cap what can be done to their resources.",
            "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html",
            edit_blocker=_org_policy_blocker,
            delete_blocker=_org_policy_delete_blocker,
            needs_org=True,
        ),
        Kind(
            "sso-users",
            models.SsoUser,
            forms.SsoUserForm,
            "Identity Center user",
            "Identity Center users",
            "A workforce user who signs in once to the AWS access portal.",
            _IAM + "id.html#id_iam-users",
            needs_org=True,
            delete_note=(
                "Their account assignments go with them, and so does any provisioned role no one "
                "else is assigned."
            ),
        ),
        Kind(
            "sso-groups",
            models.SsoGroup,
            forms.SsoGroupForm,
            "Identity Center group",
            "Identity Center groups",
            "A group of Identity Center users, assigned to accounts together.",
            "https://docs.aws.amazon.com/singlesignon/latest/userguide/users-groups-provisioning.html",
            needs_org=True,
            delete_note=(
                "Its account assignments go with it, and so does any provisioned role no one else"
                " is assigned."
            ),
        ),
        Kind(
            "permission-sets",
            models.PermissionSet,
            forms.PermissionSetForm,
            "permission set",
            "permission sets",
            "A template of policies; Identity Center provisions it as an AWSReservedSSO_ role in "
            "every account it is assigned to.",
            "https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html",
            needs_org=True,
            delete_note=(
                "Its account assignments go with it, and so do the AWSReservedSSO_ roles "
                "provisioned from it."
            ),
        ),
        Kind(
            "assignments",
            models.AccountAssignment,
            forms.AccountAssignmentForm,
            "account assignment",
            "account assignments",
            "Gives a user or group a permission set in one account.",
            "https://docs.aws.amazon.com/singlesignon/latest/userguide/useraccess.html",
            edit_blocker=_assignment_blocker,
            delete_blocker=lambda a: None,
            needs_org=True,
            delete_note=(
                "If no one else has this permission set in this account, its AWSReservedSSO_ role"
                " is removed."
            ),
        ),
    ]
}
