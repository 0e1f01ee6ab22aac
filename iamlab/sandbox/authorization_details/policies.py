"""``Policies`` and what refers to managed policies: attachments, permissions boundaries,
and the inline policies of users, groups and roles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamlab.policy import PolicyType

from .. import rules
from ..models import ManagedPolicy, PolicyVersion
from .aws_managed import AwsManagedReader
from .base import _VERSION_ID, _CustomerPolicy, _Doc, _Entity
from .problems import ImportProblem, Path, _where


class PolicyReader(AwsManagedReader):
    def policy_ref(self, arn: str, where: Path) -> ManagedPolicy:
        """The policy an ``AttachedManagedPolicies`` or ``PermissionsBoundary`` ARN names."""
        account, resource = self.arn(arn, where)
        if not resource.startswith("policy/"):
            raise ImportProblem(f"{arn} is not the ARN of a managed policy.", _where(where))
        if account == "aws":
            return self.aws_policy(resource.rsplit("/", 1)[-1], where)
        self.account(account, where)
        found = self.policies.get(arn)
        if found is None:
            raise ImportProblem(
                f"The customer managed policy {arn} is used here but is not in Policies. Export "
                f"without --filter so that the file holds the policies too.",
                _where(where),
            )
        return found.obj

    def read_policy(self, entry: dict[str, Any], path: Path) -> None:
        arn = self.str_(entry, "Arn", path)
        account, resource = self.arn(arn, path + ("Arn",))
        if account == "aws":
            # AWS managed: iamlab's snapshot row, or the file's version where they differ.
            name = self.str_(entry, "PolicyName", path, required=False) or resource.split("/")[-1]
            self.carry(entry, path, name)
            return
        name = self.name(entry, "PolicyName", path, "policy")
        policy_path = self.path(entry, path)
        self.unique_name(self.policy_names, name, path + ("PolicyName",), "policy")
        self.entity_arn(entry, path, "policy", policy_path, name)
        description = self.str_(entry, "Description", path, required=False)
        if len(description) > 1000:
            raise ImportProblem(
                "A policy description has at most 1,000 characters.",
                _where(path + ("Description",)),
            )
        obj = ManagedPolicy(
            sandbox_id=self.sandbox.pk,
            name=name,
            path=policy_path,
            policy_id=self.unique_id(entry, "PolicyId", path, "policy"),
            description=description,
        )
        self.dated(obj, self.date(entry, "CreateDate", path))
        default_id = self.str_(entry, "DefaultVersionId", path, required=False)
        listed = self.list_(entry, "PolicyVersionList", path)
        if not listed:
            raise ImportProblem(
                f"The policy {name} has no PolicyVersionList; every managed policy has at least "
                f"its default version.",
                _where(path),
            )
        if len(listed) > rules.POLICY_VERSIONS:
            raise ImportProblem(
                f"A managed policy keeps at most {rules.POLICY_VERSIONS} versions "
                f"(reference_iam-quotas.html); {name} lists {len(listed)}.",
                _where(path + ("PolicyVersionList", rules.POLICY_VERSIONS)),
            )
        versions: list[PolicyVersion] = []
        seen: dict[str, Path] = {}
        default: _Doc | None = None
        flagged: list[str] = []
        for k, item in enumerate(listed):
            here = path + ("PolicyVersionList", k)
            version = self.obj(item, here)
            version_id = self.str_(version, "VersionId", here)
            if not _VERSION_ID.fullmatch(version_id):
                raise ImportProblem(
                    f"VersionId {version_id!r} is not a policy version id such as v1 or v12.",
                    _where(here + ("VersionId",)),
                )
            if version_id in seen:
                raise ImportProblem(
                    f"{_where(seen[version_id])} is already version {version_id}.", _where(here)
                )
            seen[version_id] = here
            if "Document" not in version:
                raise ImportProblem("Document is missing.", _where(here))
            doc = self.document(version["Document"], here + ("Document",), PolicyType.IDENTITY)
            flag = self.bool_(version, "IsDefaultVersion", here, False)
            if flag:
                flagged.append(version_id)
            is_default = version_id == default_id if default_id else flag
            if is_default:
                default = doc
            row = PolicyVersion(version_id=version_id, document=doc.text, is_default=is_default)
            self.dated(row, self.date(version, "CreateDate", here))
            versions.append(row)
        if default_id and default_id not in seen:
            raise ImportProblem(
                f"DefaultVersionId is {default_id}, which is not in PolicyVersionList.",
                _where(path + ("DefaultVersionId",)),
            )
        if default_id and flagged and flagged != [default_id]:
            raise ImportProblem(
                f"DefaultVersionId is {default_id} but IsDefaultVersion is true for "
                f"{', '.join(flagged)}; a policy has exactly one default version.",
                _where(path + ("PolicyVersionList",)),
            )
        if default is None or len(flagged) > 1:
            raise ImportProblem(
                "A managed policy has exactly one default version: set DefaultVersionId or "
                "IsDefaultVersion on one version.",
                _where(path + ("PolicyVersionList",)),
            )
        self.policies[arn] = _CustomerPolicy(obj, versions, default)

    def attachments(self, entry: Mapping[str, Any], path: Path, target: _Entity) -> None:
        seen: set[int] = set()
        for k, item in enumerate(self.list_(entry, "AttachedManagedPolicies", path)):
            here = path + ("AttachedManagedPolicies", k)
            attached = self.obj(item, here)
            arn = self.str_(attached, "PolicyArn", here)
            policy = self.policy_ref(arn, here + ("PolicyArn",))
            name = self.str_(attached, "PolicyName", here, required=False)
            if name and name != policy.name:
                raise ImportProblem(
                    f"PolicyName is {name} but the ARN names {policy.name}.",
                    _where(here + ("PolicyName",)),
                )
            if id(policy) not in seen:
                seen.add(id(policy))
                target.attached.append(policy)

    def boundary(self, entry: Mapping[str, Any], path: Path, target: _Entity, who: str) -> None:
        """A permissions boundary is a managed policy (access_policies_boundaries.html)."""
        value = entry.get("PermissionsBoundary")
        if value is None:
            return
        here = path + ("PermissionsBoundary",)
        boundary = self.obj(value, here)
        if not boundary:
            return
        kind = self.str_(boundary, "PermissionsBoundaryType", here, required=False)
        if kind and kind != "Policy":
            raise ImportProblem(
                f"PermissionsBoundaryType is {kind!r}; IAM has only Policy.",
                _where(here + ("PermissionsBoundaryType",)),
            )
        arn = self.str_(boundary, "PermissionsBoundaryArn", here)
        target.boundary = self.policy_ref(arn, here + ("PermissionsBoundaryArn",))
        customer = self.policies.get(arn)
        if customer is not None and not customer.boundary_checked:
            self.check(
                customer.default,
                PolicyType.BOUNDARY,
                f"As the permissions boundary of {who} ({_where(path)}): ",
            )
            customer.boundary_checked = True

    def inline(self, entry: Mapping[str, Any], key: str, path: Path, target: _Entity) -> None:
        names: dict[str, Path] = {}
        for k, item in enumerate(self.list_(entry, key, path)):
            here = path + (key, k)
            policy = self.obj(item, here)
            name = self.name(policy, "PolicyName", here, "inline policy")
            self.unique_name(names, name, here + ("PolicyName",), "inline policy")
            if "PolicyDocument" not in policy:
                raise ImportProblem("PolicyDocument is missing.", _where(here))
            doc = self.document(
                policy["PolicyDocument"], here + ("PolicyDocument",), PolicyType.IDENTITY
            )
            target.inline.append((name, doc.text))
