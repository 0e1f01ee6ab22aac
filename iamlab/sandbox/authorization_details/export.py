"""The export: an account as ``aws iam get-account-authorization-details`` prints it."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .. import rules
from ..models import (
    AccessKey,
    Account,
    IamGroup,
    IamUser,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    PolicyVersion,
    Role,
)


def _iso(when: datetime | None) -> str | None:
    """Dates as the AWS CLI v2 prints them: ISO 8601 in UTC, ``+00:00``."""
    return None if when is None else when.astimezone(UTC).isoformat()


def _decoded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


def _by_name(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["name"].lower(), r["id"]))


def export_account(account: Account) -> dict[str, Any]:  # noqa: C901 - one pass per table
    """The account as ``aws iam get-account-authorization-details`` prints it, plus the
    credential keys (``PasswordLastUsed``, ``LoginProfile``, ``AccessKeyMetadata``,
    ``MFADevices``) of users that have them. A fixed number of queries."""
    acct = account.account_id
    sid = account.sandbox_id
    users = _by_name(
        IamUser.objects.filter(account=account).values(
            "id",
            "name",
            "path",
            "unique_id",
            "created_at",
            "tags",
            "boundary_id",
            "console_password",
            "password_reset_required",
            "password_last_used",
        )
    )
    groups = _by_name(
        IamGroup.objects.filter(account=account).values(
            "id", "name", "path", "unique_id", "created_at"
        )
    )
    roles = _by_name(
        Role.objects.filter(account=account).values(
            "id",
            "name",
            "path",
            "unique_id",
            "created_at",
            "tags",
            "boundary_id",
            "trust_policy",
            "description",
            "max_session_duration",
        )
    )

    def attached(through: Any, column: str) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for owner, policy in through.objects.filter(**{f"{column}__account": account}).values_list(
            f"{column}_id", "managedpolicy_id"
        ):
            found[owner].append(policy)
        return found

    user_policies = attached(IamUser.managed_policies.through, "iamuser")
    group_policies = attached(IamGroup.managed_policies.through, "iamgroup")
    role_policies = attached(Role.managed_policies.through, "role")
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, user_id in IamGroup.members.through.objects.filter(
        iamgroup__account=account
    ).values_list("iamgroup_id", "iamuser_id"):
        members[user_id].append(group_id)
    group_names = {g["id"]: g["name"] for g in groups}

    inline: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for row in InlinePolicy.objects.filter(sandbox_id=sid).values(
        "name", "document", "user_id", "group_id", "role_id"
    ):
        for owner in ("user", "group", "role"):
            if row[f"{owner}_id"] is not None:
                inline[(owner, row[f"{owner}_id"])].append(row)

    def inline_list(owner: str, pk: int) -> list[dict[str, Any]]:
        rows = sorted(inline.get((owner, pk), []), key=lambda r: r["name"].lower())
        return [{"PolicyName": r["name"], "PolicyDocument": _decoded(r["document"])} for r in rows]

    keys: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for key in AccessKey.objects.filter(account=account, user__isnull=False).values(
        "user_id", "key_id", "status", "created_at"
    ):
        keys[key["user_id"]].append(key)
    devices: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for device in MfaDevice.objects.filter(account=account, user__isnull=False).values(
        "user_id", "name", "kind", "created_at"
    ):
        devices[device["user_id"]].append(device)
    profiles: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for profile in InstanceProfile.objects.filter(account=account, role__isnull=False).values(
        "role_id", "name", "path", "profile_id", "created_at"
    ):
        profiles[profile["role_id"]].append(profile)

    # Policies: the account's own, and every other one its entities use (AWS managed).
    policies: dict[int, dict[str, Any]] = {
        p["id"]: p
        for p in ManagedPolicy.objects.filter(account=account).values(
            "id", "name", "path", "policy_id", "description", "created_at", "account_id"
        )
    }
    used: dict[int, list[int]] = {}  # policy id -> [attachments, boundary uses]
    for table in (user_policies, group_policies, role_policies):
        for ids in table.values():
            for pid in ids:
                used.setdefault(pid, [0, 0])[0] += 1
    for entity in (*users, *roles):
        if entity["boundary_id"] is not None:
            used.setdefault(entity["boundary_id"], [0, 0])[1] += 1
    others = set(used) - set(policies)
    if others:
        for p in ManagedPolicy.objects.filter(pk__in=others).values(
            "id", "name", "path", "policy_id", "description", "created_at", "account_id"
        ):
            policies[p["id"]] = p
    owners = {
        a["id"]: a["account_id"]
        for a in Account.objects.filter(
            pk__in={p["account_id"] for p in policies.values()} - {None}
        ).values("id", "account_id")
    }

    def policy_arn(pid: int) -> str:
        p = policies[pid]
        owner = "aws" if p["account_id"] is None else owners[p["account_id"]]
        return f"arn:aws:iam::{owner}:policy{p['path']}{p['name']}"

    def attached_list(ids: list[int]) -> list[dict[str, str]]:
        ordered = sorted(ids, key=lambda pid: policies[pid]["name"].lower())
        return [
            {"PolicyName": policies[pid]["name"], "PolicyArn": policy_arn(pid)} for pid in ordered
        ]

    def boundary(entity: dict[str, Any]) -> dict[str, str] | None:
        if entity["boundary_id"] is None:
            return None
        return {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": policy_arn(entity["boundary_id"]),
        }

    user_list = []
    for u in users:
        item: dict[str, Any] = {
            "Path": u["path"],
            "UserName": u["name"],
            "UserId": u["unique_id"],
            "Arn": rules.iam_arn(acct, "user", u["path"], u["name"]),
            "CreateDate": _iso(u["created_at"]),
        }
        if own := inline_list("user", u["id"]):
            item["UserPolicyList"] = own
        item["GroupList"] = sorted((group_names[g] for g in members[u["id"]]), key=str.lower)
        item["AttachedManagedPolicies"] = attached_list(user_policies[u["id"]])
        if (bound := boundary(u)) is not None:
            item["PermissionsBoundary"] = bound
        if u["tags"]:
            item["Tags"] = _tag_list(u["tags"])
        if u["password_last_used"] is not None:
            item["PasswordLastUsed"] = _iso(u["password_last_used"])
        if u["console_password"]:
            item["LoginProfile"] = {
                "UserName": u["name"],
                "PasswordResetRequired": u["password_reset_required"],
            }
        if user_keys := keys.get(u["id"]):
            item["AccessKeyMetadata"] = [
                {
                    "UserName": u["name"],
                    "AccessKeyId": k["key_id"],
                    "Status": k["status"],
                    "CreateDate": _iso(k["created_at"]),
                }
                for k in sorted(user_keys, key=lambda k: (k["created_at"], k["key_id"]))
            ]
        if user_devices := devices.get(u["id"]):
            item["MFADevices"] = [
                {
                    "UserName": u["name"],
                    "SerialNumber": f"arn:aws:iam::{acct}:mfa/{d['name']}"
                    if d["kind"] == "virtual"
                    else d["name"],
                    "EnableDate": _iso(d["created_at"]),
                }
                for d in sorted(user_devices, key=lambda d: (d["created_at"], d["name"]))
            ]
        user_list.append(item)

    group_list = [
        {
            "Path": g["path"],
            "GroupName": g["name"],
            "GroupId": g["unique_id"],
            "Arn": rules.iam_arn(acct, "group", g["path"], g["name"]),
            "CreateDate": _iso(g["created_at"]),
            "GroupPolicyList": inline_list("group", g["id"]),
            "AttachedManagedPolicies": attached_list(group_policies[g["id"]]),
        }
        for g in groups
    ]

    role_list = []
    for r in roles:
        arn = rules.iam_arn(acct, "role", r["path"], r["name"])
        trust = _decoded(r["trust_policy"])
        summary = {
            "Path": r["path"],
            "RoleName": r["name"],
            "RoleId": r["unique_id"],
            "Arn": arn,
            "CreateDate": _iso(r["created_at"]),
            "AssumeRolePolicyDocument": trust,
        }
        item = dict(summary)
        if r["description"]:
            item["Description"] = r["description"]
        item["MaxSessionDuration"] = r["max_session_duration"]
        item["InstanceProfileList"] = [
            {
                "Path": p["path"],
                "InstanceProfileName": p["name"],
                "InstanceProfileId": p["profile_id"],
                "Arn": rules.iam_arn(acct, "instance-profile", p["path"], p["name"]),
                "CreateDate": _iso(p["created_at"]),
                "Roles": [summary],
            }
            for p in sorted(profiles.get(r["id"], []), key=lambda p: p["name"].lower())
        ]
        item["RolePolicyList"] = inline_list("role", r["id"])
        item["AttachedManagedPolicies"] = attached_list(role_policies[r["id"]])
        if (bound := boundary(r)) is not None:
            item["PermissionsBoundary"] = bound
        if r["tags"]:
            item["Tags"] = _tag_list(r["tags"])
        item["RoleLastUsed"] = {}
        role_list.append(item)

    exported = {
        pid
        for pid, p in policies.items()
        if p["account_id"] == account.pk or (p["account_id"] is None and pid in used)
    }
    versions: dict[int, list[Any]] = defaultdict(list)
    for v in PolicyVersion.objects.filter(policy_id__in=exported).values(
        "policy_id", "version_id", "document", "is_default", "created_at"
    ):
        versions[v["policy_id"]].append(v)
    policy_list = []
    for pid in sorted(exported, key=lambda pid: (policies[pid]["name"].lower(), pid)):
        p = policies[pid]
        listed = sorted(
            versions[pid],
            key=lambda v: int(v["version_id"].lstrip("v") or 0),
            reverse=True,
        )
        default = next((v["version_id"] for v in listed if v["is_default"]), "")
        counts = used.get(pid) or [0, 0]
        entry: dict[str, Any] = {
            "PolicyName": p["name"],
            "PolicyId": p["policy_id"],
            "Arn": policy_arn(pid),
            "Path": p["path"],
            "DefaultVersionId": default,
            "AttachmentCount": counts[0],
            "PermissionsBoundaryUsageCount": counts[1],
            "IsAttachable": True,
        }
        if p["description"]:
            entry["Description"] = p["description"]
        entry["CreateDate"] = _iso(p["created_at"])
        entry["UpdateDate"] = _iso(max((v["created_at"] for v in listed), default=None))
        entry["PolicyVersionList"] = [
            {
                "Document": _decoded(v["document"]),
                "VersionId": v["version_id"],
                "IsDefaultVersion": v["is_default"],
                "CreateDate": _iso(v["created_at"]),
            }
            for v in listed
        ]
        policy_list.append(entry)

    return {
        "UserDetailList": user_list,
        "GroupDetailList": group_list,
        "RoleDetailList": role_list,
        "Policies": policy_list,
    }
