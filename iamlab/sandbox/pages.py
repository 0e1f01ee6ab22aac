"""What each sandbox page shows, gathered from the models (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count

from iamlab.policy import PolicyType
from iamlab.policy.diff import diff_documents, reach_changes
from iamlab.policy.reach import reach

from . import awsmanaged, models
from .kinds import KINDS
from .world import stored_policy

PREVIEW = 12  # objects listed per section of the overview; the kind's own page lists all


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    objects: list[Any]
    count: int
    intro: str

    @property
    def more(self) -> int:
        return self.count - len(self.objects)


def _section(sandbox: models.Sandbox, slug: str, title: str) -> Section:
    kind = KINDS[slug]
    qs = kind.listed(sandbox)
    return Section(slug, title, list(qs[:PREVIEW]), qs.count(), kind.intro)


def overview(sandbox: models.Sandbox) -> dict[str, Any]:
    """Everything in the sandbox at a glance, grouped as the IAM console groups it."""
    org = models.Organization.objects.filter(sandbox=sandbox).first()
    accounts = list(models.Account.objects.filter(sandbox=sandbox).select_related("parent"))
    users = dict(
        models.IamUser.objects.filter(sandbox=sandbox)
        .values_list("account")
        .annotate(n=Count("pk"))
        .values_list("account", "n")
    )
    roles = dict(
        models.Role.objects.filter(sandbox=sandbox)
        .values_list("account")
        .annotate(n=Count("pk"))
        .values_list("account", "n")
    )
    for account in accounts:
        account.n_users = users.get(account.pk, 0)
        account.n_roles = roles.get(account.pk, 0)
    sections = [
        _section(sandbox, "users", "IAM users"),
        _section(sandbox, "groups", "User groups"),
        _section(sandbox, "roles", "Roles"),
        _section(sandbox, "policies", "Customer managed policies"),
        _section(sandbox, "resources", "Resources"),
        _section(sandbox, "instance-profiles", "Instance profiles"),
        _section(sandbox, "instances", "EC2 instances"),
        _section(sandbox, "providers", "Identity providers"),
    ]
    if org is not None:
        sections += [
            _section(sandbox, "ous", "Organizational units"),
            _section(sandbox, "org-policies", "SCPs and RCPs"),
            _section(sandbox, "sso-users", "Identity Center users"),
            _section(sandbox, "sso-groups", "Identity Center groups"),
            _section(sandbox, "permission-sets", "Permission sets"),
            _section(sandbox, "assignments", "Account assignments"),
        ]
    return {
        "organization": org,
        "accounts": accounts,
        "tree": org_tree(org) if org else [],
        "sections": sections,
    }


def org_tree(org: models.Organization) -> list[tuple[int, Any]]:
    """(depth, unit or account) rows, the root first, accounts after the OUs of each level."""
    units = list(models.OrgUnit.objects.filter(organization=org))
    accounts = list(models.Account.objects.filter(organization=org))
    children: dict[int | None, list[models.OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows: list[tuple[int, Any]] = []

    def walk(unit: models.OrgUnit, depth: int) -> None:
        rows.append((depth, unit))
        for child in sorted(children.get(unit.pk, []), key=lambda u: u.name.lower()):
            walk(child, depth + 1)
        for account in sorted(
            (a for a in accounts if a.parent_id == unit.pk), key=lambda a: a.name.lower()
        ):
            rows.append((depth + 1, account))

    for root in children.get(None, []):
        walk(root, 0)
    return rows


def attachable_policies(sandbox: models.Sandbox, account_id: int) -> dict[str, Any]:
    """What the attach box suggests before anything is typed: the account's own policies, the
    first AWS managed ones (the search finds the rest)."""
    return {
        "own": list(
            models.ManagedPolicy.objects.filter(account_id=account_id).values_list(
                "name", flat=True
            )
        ),
        "aws": awsmanaged.search("", attachable=True, limit=30),
    }


def policy_reach(document: str, type_: PolicyType = PolicyType.IDENTITY) -> list[Any] | None:
    """The policy summary of a stored document (None if it no longer parses). Stored documents
    were validated on save: the World's cached, grammar-only parse is all a summary needs."""
    policy = stored_policy(document, type_)
    return None if policy is None else reach(policy)


def version_diff(versions: list[models.PolicyVersion], old_id: str, new_id: str) -> dict[str, Any]:
    """The line diff and the change in effect between two versions of a policy."""
    by_id = {v.version_id: v for v in versions}
    if len(versions) < 2:
        return {}
    default = next((v for v in versions if v.is_default), versions[0])
    newest = versions[0]
    old = by_id.get(old_id) or (versions[1] if newest is default else default)
    new = by_id.get(new_id) or newest
    before = stored_policy(old.document, PolicyType.IDENTITY)
    after = stored_policy(new.document, PolicyType.IDENTITY)
    changes = reach_changes(before, after) if before and after else []
    return {
        "diff_from": old.version_id,
        "diff_to": new.version_id,
        "diff_lines": diff_documents(old.document, new.document),
        "reach_changes": changes,
    }


@dataclass(frozen=True)
class ViaGroup:
    """A policy a user gets through one of its groups, as the IAM console's Permissions tab
    lists it: the policy, its type, and the group it is attached through."""

    policy: models.ManagedPolicy | models.InlinePolicy
    type: str
    group: models.IamGroup


def from_groups(groups: list[models.IamGroup]) -> list[ViaGroup]:
    """The managed and inline policies of each group, in group order: what a member gets."""
    rows: list[ViaGroup] = []
    for group in groups:
        for managed in sorted(group.managed_policies.all(), key=lambda p: p.name):
            kind = "AWS managed" if managed.aws_managed else "Customer managed"
            rows.append(ViaGroup(managed, kind, group))
        for inline in sorted(group.inline_policies.all(), key=lambda p: p.name):
            rows.append(ViaGroup(inline, "Inline (the group's)", group))
    return rows


def detail(kind: str, obj: Any, sandbox: models.Sandbox) -> dict[str, Any]:
    """Extra context for an object's page."""
    ctx: dict[str, Any] = {}
    if kind in ("users", "groups", "roles"):
        ctx["attached"] = list(obj.managed_policies.all())
        ctx["attachable"] = attachable_policies(sandbox, obj.account_id)
        ctx["inline"] = list(obj.inline_policies.all())
        ctx["owner_key"] = (
            f"{ {'users': 'user', 'groups': 'group', 'roles': 'role'}[kind] }:{obj.pk}"
        )
    if kind == "users":
        ctx["groups"] = list(
            obj.groups.order_by("name").prefetch_related("managed_policies", "inline_policies")
        )
        ctx["via_groups"] = from_groups(ctx["groups"])
        ctx["direct_count"] = len(ctx["attached"]) + len(ctx["inline"])
        ctx["policy_count"] = ctx["direct_count"] + len(ctx["via_groups"])
        ctx["other_groups"] = list(
            models.IamGroup.objects.filter(account=obj.account).exclude(members=obj)
        )
        ctx["keys"] = list(obj.access_keys.all())
        ctx["mfa"] = list(obj.mfa_devices.all())
        ctx["credentials"] = list(obj.service_credentials.all())
        ctx["ssh_keys"] = list(obj.ssh_keys.all())
        ctx["mfa_kinds"] = models.MfaDevice.KIND_CHOICES
        ctx["services"] = models.ServiceCredential.SERVICE_CHOICES
    elif kind == "groups":
        ctx["members"] = list(obj.members.all())
        ctx["non_members"] = list(
            models.IamUser.objects.filter(account=obj.account).exclude(groups=obj)
        )
    elif kind == "roles":
        ctx["profiles"] = list(obj.instance_profiles.all())
        ctx["functions"] = list(obj.functions.all())
        ctx["session_arn"] = (
            f"arn:aws:sts::{obj.account.account_id}:assumed-role/{obj.name}/SESSION-NAME"
        )
    elif kind == "policies":
        versions = list(obj.versions.order_by("-id"))
        ctx["versions"] = versions
        default = next((v for v in versions if v.is_default), None)
        ctx["default_version"] = default
        ctx["reach"] = policy_reach(default.document) if default else None
        pid = obj.pk
        ctx["used_by"] = {
            "Users": list(models.IamUser.objects.filter(managed_policies=pid)),
            "Groups": list(models.IamGroup.objects.filter(managed_policies=pid)),
            "Roles": list(models.Role.objects.filter(managed_policies=pid)),
            "Boundary of users": list(models.IamUser.objects.filter(boundary=pid)),
            "Boundary of roles": list(models.Role.objects.filter(boundary=pid)),
        }
    elif kind == "accounts":
        ctx["keys"] = list(obj.access_keys.filter(user__isnull=True))
        ctx["mfa"] = list(obj.mfa_devices.filter(user__isnull=True))
        ctx["mfa_kinds"] = models.MfaDevice.KIND_CHOICES
        ctx["organization"] = models.Organization.objects.filter(sandbox=sandbox).first()
        if ctx["organization"] is not None:
            ctx["units"] = list(models.OrgUnit.objects.filter(organization=ctx["organization"]))
        ctx["counts"] = {
            "IAM users": obj.iamusers.count(),
            "User groups": obj.iamgroups.count(),
            "Roles": obj.roles.count(),
            "Customer managed policies": obj.policies.count(),
            "Resources": obj.resources.count(),
        }
        existing = set(obj.roles.values_list("linked_service", flat=True))
        ctx["slr_services"] = [
            (svc, name)
            for svc, (name, _, _) in awsmanaged.SERVICE_LINKED_ROLES.items()
            if svc not in existing
        ]
        ctx["org_policies"] = list(obj.org_policies.all())
    elif kind == "inline":
        ctx["reach"] = policy_reach(obj.document)
    elif kind == "org-policies":
        ctx["reach"] = policy_reach(
            obj.document, PolicyType.SCP if obj.kind == "scp" else PolicyType.RCP
        )
        ctx["targets"] = [("ou", u) for u in obj.target_units.all()] + [
            ("account", a) for a in obj.target_accounts.all()
        ]
        attached = {(k, t.pk) for k, t in ctx["targets"]}
        ctx["other_targets"] = [
            ("ou", u)
            for u in models.OrgUnit.objects.filter(sandbox=sandbox)
            if ("ou", u.pk) not in attached
        ] + [
            ("account", a)
            for a in models.Account.objects.filter(sandbox=sandbox, organization__isnull=False)
            if ("account", a.pk) not in attached
        ]
    elif kind == "ous":
        ctx["children"] = list(obj.children.all())
        ctx["member_accounts"] = list(obj.accounts.all())
        ctx["org_policies"] = list(obj.org_policies.all())
    elif kind == "permission-sets":
        ctx["provisioned"] = list(obj.provisioned_roles.select_related("account"))
        ctx["assignments"] = list(
            obj.assignments.select_related("account", "sso_user", "sso_group")
        )
    elif kind == "instance-profiles":
        ctx["instances"] = list(obj.instances.all())
    return ctx
