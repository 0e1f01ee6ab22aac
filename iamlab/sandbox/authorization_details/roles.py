"""``RoleDetailList``: roles, their trust policies, policies and instance profiles."""

from __future__ import annotations

from typing import Any

from iamlab.policy import PolicyType
from iamlab.policy.jsonsource import kind_of

from .. import rules
from ..models import InstanceProfile, Role
from .base import _Entity
from .policies import PolicyReader
from .problems import ImportProblem, Path, _where


class RoleReader(PolicyReader):
    def read_role(self, entry: dict[str, Any], path: Path, names: dict[str, Path]) -> None:
        name = self.name(entry, "RoleName", path, "role")
        role_path = self.path(entry, path)
        self.unique_name(names, name, path + ("RoleName",), "role")
        self.entity_arn(entry, path, "role", role_path, name)
        if "AssumeRolePolicyDocument" not in entry:
            raise ImportProblem(
                "AssumeRolePolicyDocument is missing; every role has a trust policy.",
                _where(path),
            )
        trust = self.document(
            entry["AssumeRolePolicyDocument"],
            path + ("AssumeRolePolicyDocument",),
            PolicyType.TRUST,
        )
        description = self.str_(entry, "Description", path, required=False)
        if len(description) > 1000:
            raise ImportProblem(
                "A role description has at most 1,000 characters.",
                _where(path + ("Description",)),
            )
        duration = entry.get("MaxSessionDuration", rules.MIN_SESSION_SECONDS)
        if not isinstance(duration, int) or isinstance(duration, bool):
            raise ImportProblem(
                f"MaxSessionDuration is a number of seconds, not {kind_of(duration)}.",
                _where(path + ("MaxSessionDuration",)),
            )
        if error := rules.check_session_duration(duration):
            raise ImportProblem(error, _where(path + ("MaxSessionDuration",)))
        # Roles AWS creates live under reserved paths (using-service-linked-roles.html and
        # id_roles_providers_saml.html for Identity Center's AWSReservedSSO_ roles).
        managed_by, linked_service = "", ""
        if role_path.startswith(rules.SERVICE_ROLE_PATH):
            managed_by = "service-linked"
            linked_service = role_path[len(rules.SERVICE_ROLE_PATH) :].split("/", 1)[0]
        elif role_path.startswith(rules.IDENTITY_CENTER_PATH):
            managed_by = "identity-center"
        obj = Role(
            sandbox_id=self.sandbox.pk,
            name=name,
            path=role_path,
            unique_id=self.unique_id(entry, "RoleId", path, "role"),
            description=description,
            trust_policy=trust.text,
            max_session_duration=duration,
            tags=self.tags(entry, path),
            managed_by=managed_by,
            linked_service=linked_service,
        )
        self.dated(obj, self.date(entry, "CreateDate", path))
        role = _Entity(obj)
        self.inline(entry, "RolePolicyList", path, role)
        self.attachments(entry, path, role)
        self.boundary(entry, path, role, f"role {name}")
        for k, item in enumerate(self.list_(entry, "InstanceProfileList", path)):
            here = path + ("InstanceProfileList", k)
            profile = self.obj(item, here)
            profile_name = self.name(profile, "InstanceProfileName", here, "instance profile")
            other = self.profile_names.get(profile_name.lower())
            if other is not None:
                raise ImportProblem(
                    f"{_where(other)} is already the instance profile {profile_name}; an "
                    f"instance profile holds one role (reference_iam-quotas.html) and its name "
                    f"is unique in the account.",
                    _where(here + ("InstanceProfileName",)),
                )
            self.profile_names[profile_name.lower()] = here + ("InstanceProfileName",)
            profile_path = self.path(profile, here)
            self.entity_arn(profile, here, "instance-profile", profile_path, profile_name)
            row = InstanceProfile(
                sandbox_id=self.sandbox.pk,
                name=profile_name,
                path=profile_path,
                profile_id=self.unique_id(profile, "InstanceProfileId", here, "instance-profile"),
            )
            self.dated(row, self.date(profile, "CreateDate", here))
            role.profiles.append(row)
        self.roles.append(role)
