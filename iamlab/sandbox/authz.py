"""Import and export the JSON that ``aws iam get-account-authorization-details`` prints.

The format (API_GetAccountAuthorizationDetails.html and the CLI reference
``cli/latest/reference/iam/get-account-authorization-details.html``) has four lists:
``UserDetailList``, ``GroupDetailList``, ``RoleDetailList`` and ``Policies``. Policy documents
are URL-encoded strings in the raw API response (RFC 3986) and JSON objects once the CLI has
decoded them; both are accepted. A user entry may also carry what other read-only commands print
about its credentials, as collectors add them:

* ``PasswordLastUsed`` (``get-user``),
* ``LoginProfile`` (``get-login-profile``: ``UserName``, ``CreateDate``, ``PasswordResetRequired``),
* ``AccessKeyMetadata`` (``list-access-keys``: ``UserName``, ``AccessKeyId``, ``Status``,
  ``CreateDate``),
* ``MFADevices`` (``list-mfa-devices``: ``UserName``, ``SerialNumber``, ``EnableDate``).

:func:`import_account` checks the whole file first (names, paths and unique ids as
reference_identifiers.html defines them, one account id across every ARN, references between
entries, every policy document through the engine with the right policy type, and the quotas of
reference_iam-quotas.html that cannot be raised), then writes everything in one transaction with
one ``bulk_create`` per table. Nothing is written when anything is wrong: the first problem is
raised as :class:`ImportProblem`, naming where it is.

AWS managed policies are global rows (see ``awsmanaged.py``); an imported file refers to them by
name. One that iamlab does not ship is an error, since the engine could not evaluate it.

:func:`export_account` prints the same format back (documents decoded, as the CLI prints them),
with only the account's customer managed policies and the AWS managed policies used in it.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, cast

from django.db import IntegrityError, connections, router, transaction
from django.db import models as dj

from iamlab.policy import Finding, PolicyError, PolicyType, parse_policy
from iamlab.policy.jsonsource import (
    MAX_DEPTH,
    JArray,
    JObject,
    JSONSyntaxError,
    Source,
    kind_of,
    nul_path,
    parse_json,
    too_deep,
)

from . import rules
from .models import (
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
    Sandbox,
)
from .signals import touch

__all__ = ["ImportProblem", "account_counts", "export_account", "import_account"]

Path = tuple[str | int, ...]

LISTS: Final = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")

_ARN: Final = re.compile(r"arn:([^:]*):iam::([^:]*):(.*)", re.DOTALL)
_UNIQUE_ID: Final = re.compile(r"[A-Z0-9]{16,32}")
_ACCESS_KEY_ID: Final = re.compile(r"AKIA[A-Z0-9]{16}")
_VERSION_ID: Final = re.compile(r"v[1-9][0-9]{0,8}")
_NAME_LENGTH: Final = 128  # MfaDevice.name


class ImportProblem(Exception):
    """Why a file cannot be imported, and where: ``RoleDetailList[3].AssumeRolePolicyDocument``,
    followed for a policy document by ``line L, column C``."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message, where)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def _where(path: Path) -> str:
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += f".{segment}" if out else segment
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# -- reading -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Doc:
    """A policy document as found in the file and as iamlab stores it."""

    text: str
    path: Path
    embedded: bool  # a JSON object in the file (the CLI's shape), not a string
    encoded: bool  # a URL-encoded string (the raw API's shape)


@dataclass(slots=True)
class _CustomerPolicy:
    obj: ManagedPolicy
    versions: list[PolicyVersion]
    default: _Doc
    boundary_checked: bool = False


@dataclass(slots=True)
class _Entity:
    """A user, group or role to create, and what hangs off it."""

    obj: IamUser | IamGroup | Role
    attached: list[ManagedPolicy] = field(default_factory=list)
    boundary: ManagedPolicy | None = None
    inline: list[tuple[str, str]] = field(default_factory=list)  # name, document
    groups: list[IamGroup] = field(default_factory=list)  # users only
    keys: list[AccessKey] = field(default_factory=list)
    mfa: list[MfaDevice] = field(default_factory=list)
    profiles: list[InstanceProfile] = field(default_factory=list)


class _Reader:
    """Checks a parsed file and plans the rows to write; touches the database only to read the
    AWS managed policies (one query)."""

    def __init__(self, sandbox: Sandbox, text: str, data: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.text = text
        self.data = data
        self.account_id: str | None = None
        self.account_where: Path = ()
        self.ids: dict[str, Path] = {}
        self.checked: dict[tuple[str, PolicyType], Finding | None] = {}
        self._aws: dict[str, ManagedPolicy] | None = None
        self.policies: dict[str, _CustomerPolicy] = {}  # by ARN
        self.policy_names: dict[str, Path] = {}
        self.users: list[_Entity] = []
        self.groups: dict[str, _Entity] = {}  # by name
        self.roles: list[_Entity] = []
        self.profile_names: dict[str, Path] = {}
        self.key_ids: dict[str, Path] = {}
        self.serials: dict[str, Path] = {}
        self.dates: dict[type[dj.Model], list[tuple[dj.Model, datetime]]] = defaultdict(list)

    # -- values ----------------------------------------------------------------------------

    @staticmethod
    def obj(value: Any, path: Path) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ImportProblem(f"Expected an object here, not {kind_of(value)}.", _where(path))
        return value

    @staticmethod
    def list_(entry: Mapping[str, Any], key: str, path: Path) -> list[Any]:
        value = entry.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ImportProblem(
                f"{key} must be a list, not {kind_of(value)}.", _where(path + (key,))
            )
        return value

    @staticmethod
    def str_(entry: Mapping[str, Any], key: str, path: Path, *, required: bool = True) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                raise ImportProblem(f"{key} is missing.", _where(path))
            return ""
        if not isinstance(value, str):
            raise ImportProblem(
                f"{key} must be a string, not {kind_of(value)}.", _where(path + (key,))
            )
        return value

    @staticmethod
    def bool_(entry: Mapping[str, Any], key: str, path: Path, default: bool) -> bool:
        value = entry.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ImportProblem(
                f"{key} must be true or false, not {kind_of(value)}.", _where(path + (key,))
            )
        return value

    def date(self, entry: Mapping[str, Any], key: str, path: Path) -> datetime | None:
        value = self.str_(entry, key, path, required=False)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ImportProblem(
                f"{key} {value!r} is not an ISO 8601 date and time such as 2024-05-01T12:00:00Z.",
                _where(path + (key,)),
            ) from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

    def dated(self, obj: dj.Model, when: datetime | None) -> None:
        if when is not None:
            self.dates[type(obj)].append((obj, when))

    def name(self, entry: Mapping[str, Any], key: str, path: Path, kind: str) -> str:
        value = self.str_(entry, key, path)
        if error := rules.check_name(kind, value):
            raise ImportProblem(error, _where(path + (key,)))
        return value

    def path(self, entry: Mapping[str, Any], path: Path) -> str:
        value = self.str_(entry, "Path", path, required=False) or "/"
        if error := rules.check_path(value):
            raise ImportProblem(error, _where(path + ("Path",)))
        return value

    def unique_id(self, entry: Mapping[str, Any], key: str, path: Path, kind: str) -> str:
        """Keep AWS's unique id (reference_identifiers.html#identifiers-unique-ids)."""
        value = self.str_(entry, key, path, required=False)
        if not value:
            return rules.unique_id(kind)
        prefix = rules.ID_PREFIXES[kind]
        if not (_UNIQUE_ID.fullmatch(value) and value.startswith(prefix)):
            raise ImportProblem(
                f"{key} {value!r} is not an IAM unique id: a {kind} id starts with {prefix} "
                f"followed by capital letters and digits.",
                _where(path + (key,)),
            )
        if value in self.ids:
            raise ImportProblem(
                f"The unique id {value} is also the id of {_where(self.ids[value])}; "
                f"AWS never gives two entities the same id.",
                _where(path + (key,)),
            )
        self.ids[value] = path + (key,)
        return value

    def tags(self, entry: Mapping[str, Any], path: Path) -> dict[str, str]:
        tags: dict[str, str] = {}
        for k, item in enumerate(self.list_(entry, "Tags", path)):
            here = path + ("Tags", k)
            tag = self.obj(item, here)
            key = self.str_(tag, "Key", here)
            if key in tags:
                raise ImportProblem(f'The tag key "{key}" appears twice.', _where(here))
            tags[key] = self.str_(tag, "Value", here, required=False)
        if error := rules.check_tags(tags):
            raise ImportProblem(error, _where(path + ("Tags",)))
        return tags

    # -- accounts and ARNs -----------------------------------------------------------------

    def account(self, account_id: str, where: Path) -> None:
        if self.account_id is None:
            if error := rules.check_account_id(account_id):
                raise ImportProblem(f"{error} This ARN has {account_id!r}.", _where(where))
            self.account_id, self.account_where = account_id, where
        elif account_id != self.account_id:
            raise ImportProblem(
                f"This ARN is in account {account_id}, but {_where(self.account_where)} is in "
                f"account {self.account_id}; a file describes one account.",
                _where(where),
            )

    def arn(self, value: str, where: Path) -> tuple[str, str]:
        """The account and the resource part of an IAM ARN (reference_identifiers.html)."""
        match = _ARN.fullmatch(value)
        if match is None:
            raise ImportProblem(
                f"{value!r} is not an IAM ARN (arn:aws:iam::ACCOUNT:...).", _where(where)
            )
        partition, account, resource = match.groups()
        if partition != "aws":
            raise ImportProblem(
                f"iamlab simulates the aws partition; this ARN is in {partition!r}.",
                _where(where),
            )
        return account, resource

    def entity_arn(
        self, entry: Mapping[str, Any], path: Path, arn_kind: str, entity_path: str, name: str
    ) -> None:
        value = self.str_(entry, "Arn", path, required=False)
        if not value:
            return
        where = path + ("Arn",)
        account, _ = self.arn(value, where)
        self.account(account, where)
        expected = rules.iam_arn(account, arn_kind, entity_path, name)
        if value != expected:
            raise ImportProblem(
                f"The ARN does not match the path and name next to it: expected {expected}.",
                _where(where),
            )

    def aws_policy(self, name: str, where: Path) -> ManagedPolicy:
        if self._aws is None:
            self._aws = {
                p.name: p
                for p in ManagedPolicy.objects.filter(account__isnull=True).only("id", "name")
            }
        found = self._aws.get(name)
        if found is None:
            raise ImportProblem(
                f"The AWS managed policy {name} is not one that iamlab simulates (it ships "
                f"{len(self._aws)}, from fixtures/aws-managed-policies), so the engine could not "
                f"evaluate it. Detach it, or remove the entities that use it, and export again.",
                _where(where),
            )
        return found

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

    # -- policy documents ------------------------------------------------------------------

    def document(self, value: Any, path: Path, type_: PolicyType) -> _Doc:
        if isinstance(value, str):
            stripped = value.lstrip()
            encoded = not stripped.startswith("{")
            doc = _Doc(urllib.parse.unquote(value) if encoded else value, path, False, encoded)
        elif isinstance(value, dict):
            doc = _Doc(json.dumps(value, indent=2, ensure_ascii=False), path, True, False)
        else:
            raise ImportProblem(
                "A policy document is a JSON object or a URL-encoded string, "
                f"not {kind_of(value)}.",
                _where(path),
            )
        self.check(doc, type_)
        return doc

    def check(self, doc: _Doc, type_: PolicyType, context: str = "") -> None:
        """Parse each distinct text once per policy type; raise for the first blocking finding."""
        key = (doc.text, type_)
        if key not in self.checked:
            self.checked[key] = _first_problem(doc.text, type_)
        finding = self.checked[key]
        if finding is not None:
            raise self.document_problem(doc, type_, finding, context)

    def document_problem(
        self, doc: _Doc, type_: PolicyType, finding: Finding, context: str
    ) -> ImportProblem:
        where = _where(doc.path)
        message = f"{context}{finding.message}"
        if doc.embedded:
            # Point into the file itself, where the reader can see the document.
            located = _locate_in_file(self.text, doc.path, type_)
            if located is not None:
                line, column, in_file = located
                return ImportProblem(
                    f"{context}{in_file.message}", f"{where}, line {line}, column {column}"
                )
        if finding.location is None:
            return ImportProblem(message, where)
        of = " of the decoded document" if doc.encoded else " of the document"
        location = f"line {finding.location.line}, column {finding.location.column}"
        return ImportProblem(message, f"{where}, {location}{of}")

    # -- sections --------------------------------------------------------------------------

    def read(self) -> None:
        for key in LISTS:
            value = self.data.get(key)
            if value is not None and not isinstance(value, list):
                raise ImportProblem(f"{key} must be a list, not {kind_of(value)}.", key)
        for k, entry in enumerate(self.data.get("Policies") or []):
            self.read_policy(self.obj(entry, ("Policies", k)), ("Policies", k))
        for k, entry in enumerate(self.data.get("GroupDetailList") or []):
            self.read_group(self.obj(entry, ("GroupDetailList", k)), ("GroupDetailList", k))
        user_names: dict[str, Path] = {}
        for k, entry in enumerate(self.data.get("UserDetailList") or []):
            path: Path = ("UserDetailList", k)
            self.read_user(self.obj(entry, path), path, user_names)
        role_names: dict[str, Path] = {}
        for k, entry in enumerate(self.data.get("RoleDetailList") or []):
            path = ("RoleDetailList", k)
            self.read_role(self.obj(entry, path), path, role_names)
        if self.account_id is None:
            raise ImportProblem(
                "No ARN in the file names an account, so its account id is unknown. The output "
                "of get-account-authorization-details has an Arn on every entry."
            )

    @staticmethod
    def unique_name(names: dict[str, Path], name: str, path: Path, kind: str) -> None:
        """IAM names are unique in an account whatever their case (reference_identifiers.html)."""
        other = names.get(name.lower())
        if other is not None:
            raise ImportProblem(
                f"{_where(other)} is already a {kind} named {name}; names are unique in an "
                f"account, whatever their case.",
                _where(path),
            )
        names[name.lower()] = path

    def read_policy(self, entry: dict[str, Any], path: Path) -> None:
        arn = self.str_(entry, "Arn", path)
        account, resource = self.arn(arn, path + ("Arn",))
        if account == "aws":
            # AWS managed: map to iamlab's global row by name; AWS's documents are not imported.
            name = self.str_(entry, "PolicyName", path, required=False) or resource.split("/")[-1]
            self.aws_policy(name, path)
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

    def read_group(self, entry: dict[str, Any], path: Path) -> None:
        name = self.name(entry, "GroupName", path, "group")
        group_path = self.path(entry, path)
        if name.lower() in self.groups:
            other = self.groups[name.lower()]
            raise ImportProblem(
                f"Another group in the file is already named {other.obj.name}; names are "
                f"unique in an account, whatever their case.",
                _where(path + ("GroupName",)),
            )
        self.entity_arn(entry, path, "group", group_path, name)
        obj = IamGroup(
            sandbox_id=self.sandbox.pk,
            name=name,
            path=group_path,
            unique_id=self.unique_id(entry, "GroupId", path, "group"),
        )
        self.dated(obj, self.date(entry, "CreateDate", path))
        group = _Entity(obj)
        self.inline(entry, "GroupPolicyList", path, group)
        self.attachments(entry, path, group)
        self.groups[name.lower()] = group

    def read_user(self, entry: dict[str, Any], path: Path, names: dict[str, Path]) -> None:
        name = self.name(entry, "UserName", path, "user")
        user_path = self.path(entry, path)
        self.unique_name(names, name, path + ("UserName",), "user")
        self.entity_arn(entry, path, "user", user_path, name)
        obj = IamUser(
            sandbox_id=self.sandbox.pk,
            name=name,
            path=user_path,
            unique_id=self.unique_id(entry, "UserId", path, "user"),
            tags=self.tags(entry, path),
        )
        self.dated(obj, self.date(entry, "CreateDate", path))
        user = _Entity(obj)
        for k, item in enumerate(self.list_(entry, "GroupList", path)):
            here = path + ("GroupList", k)
            if not isinstance(item, str):
                raise ImportProblem(f"A group name is a string, not {kind_of(item)}.", _where(here))
            group = self.groups.get(item.lower())
            if group is None:
                raise ImportProblem(
                    f"The user is in the group {item}, which is not in GroupDetailList.",
                    _where(here),
                )
            assert isinstance(group.obj, IamGroup)
            if group.obj not in user.groups:
                user.groups.append(group.obj)
            if len(user.groups) > rules.GROUPS_PER_USER:
                raise ImportProblem(
                    f"A user is in at most {rules.GROUPS_PER_USER} groups "
                    f"(reference_iam-quotas.html); {name} is in more.",
                    _where(here),
                )
        self.attachments(entry, path, user)
        self.inline(entry, "UserPolicyList", path, user)
        self.boundary(entry, path, user, f"user {name}")
        self.credentials(entry, path, user)
        self.users.append(user)

    def owned_by(self, item: Mapping[str, Any], here: Path, user: IamUser) -> None:
        owner = self.str_(item, "UserName", here, required=False)
        if owner and owner != user.name:
            raise ImportProblem(
                f"This belongs to the user {owner}, but it is listed under {user.name}.",
                _where(here + ("UserName",)),
            )

    def credentials(self, entry: Mapping[str, Any], path: Path, user: _Entity) -> None:
        """Console password (id_credentials_passwords_admin-change-user.html), access keys
        (id_credentials_access-keys.html) and MFA devices (id_credentials_mfa.html)."""
        obj = user.obj
        assert isinstance(obj, IamUser)
        obj.password_last_used = self.date(entry, "PasswordLastUsed", path)
        if (profile := entry.get("LoginProfile")) is not None:
            here = path + ("LoginProfile",)
            self.owned_by(self.obj(profile, here), here, obj)
            # The JSON never carries the password: the user gets iamlab's default console
            # password (models.DEFAULT_CONSOLE_PASSWORD), which the designer can change.
            obj.set_console_password(None)
            obj.password_reset_required = self.bool_(profile, "PasswordResetRequired", here, False)
        for k, item in enumerate(self.list_(entry, "AccessKeyMetadata", path)):
            here = path + ("AccessKeyMetadata", k)
            if k >= rules.ACCESS_KEYS_PER_USER:
                raise ImportProblem(
                    f"An IAM user has at most {rules.ACCESS_KEYS_PER_USER} access keys "
                    f"(reference_iam-quotas.html); {obj.name} has {_plural(k + 1, 'key')} here.",
                    _where(here),
                )
            key = self.obj(item, here)
            self.owned_by(key, here, obj)
            key_id = self.str_(key, "AccessKeyId", here)
            if not _ACCESS_KEY_ID.fullmatch(key_id):
                raise ImportProblem(
                    f"AccessKeyId {key_id!r} is not a long-term access key id: those start with "
                    f"AKIA, followed by capital letters and digits, 20 characters in all.",
                    _where(here + ("AccessKeyId",)),
                )
            if key_id in self.key_ids:
                raise ImportProblem(
                    f"{_where(self.key_ids[key_id])} already has the access key {key_id}.",
                    _where(here + ("AccessKeyId",)),
                )
            self.key_ids[key_id] = here
            status = self.str_(key, "Status", here, required=False) or "Active"
            if status not in ("Active", "Inactive"):
                raise ImportProblem(
                    f"Status is {status!r}; an access key is Active or Inactive.",
                    _where(here + ("Status",)),
                )
            row = AccessKey(sandbox_id=self.sandbox.pk, key_id=key_id, status=status)
            self.dated(row, self.date(key, "CreateDate", here))
            user.keys.append(row)
        for k, item in enumerate(self.list_(entry, "MFADevices", path)):
            here = path + ("MFADevices", k)
            if k >= rules.MFA_DEVICES_PER_USER:
                raise ImportProblem(
                    f"An IAM user has at most {rules.MFA_DEVICES_PER_USER} MFA devices "
                    f"(reference_iam-quotas.html).",
                    _where(here),
                )
            device = self.obj(item, here)
            self.owned_by(device, here, obj)
            serial = self.str_(device, "SerialNumber", here)
            name, kind = self.mfa_device(serial, here + ("SerialNumber",))
            if serial in self.serials:
                raise ImportProblem(
                    f"{_where(self.serials[serial])} already has the MFA device {serial}.",
                    _where(here + ("SerialNumber",)),
                )
            self.serials[serial] = here
            mfa = MfaDevice(sandbox_id=self.sandbox.pk, name=name, kind=kind)
            self.dated(mfa, self.date(device, "EnableDate", here))
            user.mfa.append(mfa)

    def mfa_device(self, serial: str, where: Path) -> tuple[str, str]:
        """Virtual devices are named by ``arn:aws:iam::ACCOUNT:mfa/NAME``; FIDO security keys by a
        ``u2f/`` ARN; hardware TOTP tokens by their serial number (list-mfa-devices)."""
        if not serial:
            raise ImportProblem("Enter the device's serial number.", _where(where))
        kind, name = "hardware", serial
        if serial.startswith("arn:"):
            account, resource = self.arn(serial, where)
            self.account(account, where)
            if resource.startswith("mfa/") and len(resource) > 4:
                kind, name = "virtual", resource[4:]
            elif resource.startswith("u2f/"):
                kind = "passkey"
            else:
                raise ImportProblem(
                    f"{serial} is not the ARN of an MFA device (…:mfa/NAME or …:u2f/…).",
                    _where(where),
                )
        if len(name) > _NAME_LENGTH:
            raise ImportProblem(
                f"An MFA device name has at most {_NAME_LENGTH} characters.", _where(where)
            )
        return name, kind

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

    # -- writing ---------------------------------------------------------------------------

    def write(self, account_name: str) -> Account:
        assert self.account_id is not None
        sid = self.sandbox.pk
        account = Account.objects.create(
            sandbox=self.sandbox,
            account_id=self.account_id,
            name=account_name or "Imported account",
            email=f"aws+{self.account_id}@example.com",
        )
        acct = account.pk
        customer = list(self.policies.values())
        for cp in customer:
            cp.obj.account_id = acct
        ManagedPolicy.objects.bulk_create([cp.obj for cp in customer])
        versions = []
        for cp in customer:
            for version in cp.versions:
                version.policy_id = cp.obj.pk
                versions.append(version)
        PolicyVersion.objects.bulk_create(versions)

        groups = list(self.groups.values())
        for entity in (*self.users, *groups, *self.roles):
            entity.obj.account_id = acct
            if entity.boundary is not None:
                assert not isinstance(entity.obj, IamGroup)  # groups have no boundary
                entity.obj.boundary_id = entity.boundary.pk
        IamUser.objects.bulk_create([cast(IamUser, u.obj) for u in self.users])
        IamGroup.objects.bulk_create([cast(IamGroup, g.obj) for g in groups])
        Role.objects.bulk_create([cast(Role, r.obj) for r in self.roles])

        user_through = IamUser.managed_policies.through
        group_through = IamGroup.managed_policies.through
        role_through = Role.managed_policies.through
        member_through = IamGroup.members.through
        user_through.objects.bulk_create(
            user_through(iamuser_id=u.obj.pk, managedpolicy_id=p.pk)
            for u in self.users
            for p in u.attached
        )
        group_through.objects.bulk_create(
            group_through(iamgroup_id=g.obj.pk, managedpolicy_id=p.pk)
            for g in groups
            for p in g.attached
        )
        role_through.objects.bulk_create(
            role_through(role_id=r.obj.pk, managedpolicy_id=p.pk)
            for r in self.roles
            for p in r.attached
        )
        member_through.objects.bulk_create(
            member_through(iamgroup_id=g.pk, iamuser_id=u.obj.pk)
            for u in self.users
            for g in u.groups
        )
        inline = []
        for owner, entities in (("user", self.users), ("group", groups), ("role", self.roles)):
            for entity in entities:
                for name, text in entity.inline:
                    row = InlinePolicy(sandbox_id=sid, name=name, document=text)
                    setattr(row, f"{owner}_id", entity.obj.pk)
                    inline.append(row)
        InlinePolicy.objects.bulk_create(inline)
        keys, devices, profiles = [], [], []
        for user in self.users:
            for key in user.keys:
                key.account_id, key.user_id = acct, user.obj.pk
                keys.append(key)
            for device in user.mfa:
                device.account_id, device.user_id = acct, user.obj.pk
                devices.append(device)
        for role in self.roles:
            for profile in role.profiles:
                profile.account_id, profile.role_id = acct, role.obj.pk
                profiles.append(profile)
        AccessKey.objects.bulk_create(keys)
        MfaDevice.objects.bulk_create(devices)
        InstanceProfile.objects.bulk_create(profiles)

        _restore_dates(self.dates)
        touch(sid)
        return account


def _restore_dates(dates: Mapping[type[dj.Model], list[tuple[dj.Model, datetime]]]) -> None:
    """bulk_create stamps ``auto_now_add`` fields with the current time; put AWS's dates back.

    One prepared UPDATE per table run with executemany: bulk_update would build a CASE
    expression of every row through the ORM, which costs more than the inserts themselves.
    """
    for model, dated in dates.items():
        if not dated:
            continue
        connection = connections[router.db_for_write(model)]
        meta = model._meta
        column = meta.get_field("created_at")
        assert isinstance(column, dj.DateTimeField)
        assert meta.pk is not None
        quote = connection.ops.quote_name
        # Only quoted table and column names from the model's metadata; values are parameters.
        table, pk = quote(meta.db_table), quote(str(meta.pk.column))
        sql = f"UPDATE {table} SET {quote(str(column.column))} = %s WHERE {pk} = %s"  # noqa: S608
        params = [(column.get_db_prep_value(when, connection), obj.pk) for obj, when in dated]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        for obj, when in dated:
            obj.created_at = when  # type: ignore[attr-defined]


def _first_problem(text: str, type_: PolicyType) -> Finding | None:
    try:
        parse_policy(text, type_)
    except PolicyError as error:
        blocking = [f for f in error.findings if f.blocking] or list(error.findings)
        return blocking[0] if blocking else None
    return None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer(r"\r\n|\r|\n", text))
    return starts


def _locate_in_file(text: str, path: Path, type_: PolicyType) -> tuple[int, int, Finding] | None:
    """Where, in the file, the first problem of an embedded policy document is: re-read the file
    with positions (only on this error path) and check the document's own text."""
    try:
        node, source = parse_json(text)
    except JSONSyntaxError:
        return None
    for segment in path:
        if isinstance(segment, int) and isinstance(node, JArray) and segment < len(node.items):
            node = node.items[segment]
        elif isinstance(segment, str) and isinstance(node, JObject):
            child = node.get(segment)
            if child is None:
                return None
            node = child
        else:
            return None
    if node.span is None:
        return None
    snippet = text[node.span.start : node.span.end]
    finding = _first_problem(snippet, type_)
    if finding is None or finding.location is None:
        return None
    starts = _line_starts(snippet)
    if finding.location.line > len(starts):
        return None
    offset = node.span.start + starts[finding.location.line - 1] + finding.location.column - 1
    line, column = Source(text).position(offset)
    return line, column, finding


def _load(data: str | bytes) -> tuple[str, dict[str, Any]]:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportProblem(
                f"The file is not UTF-8 text (byte {error.start} cannot be decoded)."
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if (offset := too_deep(text)) is not None:
        line, column = Source(text).position(offset)
        raise ImportProblem(
            f"Lists and objects are nested more than {MAX_DEPTH} deep here; iamlab reads at most "
            f"{MAX_DEPTH} levels (get-account-authorization-details prints about ten).",
            f"line {line}, column {column}",
        )
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportProblem(
            f"The file is not valid JSON: {error.msg}.",
            f"line {error.lineno}, column {error.colno}",
        ) from None
    if (path := nul_path(parsed)) is not None:
        raise ImportProblem(
            "This text holds the NUL character (U+0000, written \\u0000), which IAM never "
            "prints and iamlab cannot store; remove it.",
            _where(path) or "the file",
        )
    if not isinstance(parsed, dict):
        raise ImportProblem(
            f"The file holds {kind_of(parsed)}; get-account-authorization-details prints an object "
            f"with {', '.join(LISTS)}."
        )
    if not any(key in parsed for key in LISTS):
        raise ImportProblem(
            f"This is not the output of get-account-authorization-details: it has none of "
            f"{', '.join(LISTS)}."
        )
    if parsed.get("IsTruncated") is True:
        raise ImportProblem(
            "The output is truncated: it is one page of several. Run the command without "
            "--max-items (the CLI then fetches every page) and import the whole output.",
            "IsTruncated",
        )
    return text, parsed


def import_account(sandbox: Sandbox, data: str | bytes, *, account_name: str = "") -> Account:
    """Create the account a ``get-account-authorization-details`` output describes, in
    ``sandbox``, with its users, groups, roles, policies and credentials; return it.

    Raises :class:`ImportProblem` (and writes nothing) when anything in the file is wrong or
    the sandbox already has that account.
    """
    if len(account_name) > 50:
        raise ImportProblem("An account name has at most 50 characters.", "account_name")
    text, parsed = _load(data)
    reader = _Reader(sandbox, text, parsed)
    reader.read()
    assert reader.account_id is not None
    existing = Account.objects.filter(sandbox=sandbox, account_id=reader.account_id).first()
    if existing is not None:
        raise ImportProblem(
            f"This sandbox already has the account {reader.account_id} ({existing.name}). "
            f"Import into another sandbox, or delete that account first.",
            _where(reader.account_where),
        )
    try:
        with transaction.atomic():
            return reader.write(account_name)
    except IntegrityError as error:
        # Only a concurrent change gets here (say, the same file imported twice at once).
        raise ImportProblem(
            f"The sandbox changed while the file was being imported; nothing was written ({error})."
        ) from error


def account_counts(account: Account) -> dict[str, int]:
    """How many of each IAM object the account holds (a few COUNT queries)."""
    return {
        "users": IamUser.objects.filter(account=account).count(),
        "groups": IamGroup.objects.filter(account=account).count(),
        "roles": Role.objects.filter(account=account).count(),
        "policies": ManagedPolicy.objects.filter(account=account).count(),
        "policy versions": PolicyVersion.objects.filter(policy__account=account).count(),
        "inline policies": InlinePolicy.objects.filter(
            dj.Q(user__account=account) | dj.Q(group__account=account) | dj.Q(role__account=account)
        ).count(),
        "access keys": AccessKey.objects.filter(account=account, user__isnull=False).count(),
        "MFA devices": MfaDevice.objects.filter(account=account, user__isnull=False).count(),
        "instance profiles": InstanceProfile.objects.filter(account=account).count(),
    }


# -- export ------------------------------------------------------------------------------------


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


def _by_name(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["name"].lower(), r["id"]))


def export_account(account: Account) -> dict[str, Any]:  # noqa: C901 - one pass per table
    """The account as ``aws iam get-account-authorization-details`` prints it, plus the
    credential keys (``PasswordLastUsed``, ``LoginProfile``, ``AccessKeyMetadata``,
    ``MFADevices``) of users that have them. A fixed number of queries."""
    acct = account.account_id
    sid = account.sandbox_id
    users = _by_name(
        list(
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
    )
    groups = _by_name(
        list(
            IamGroup.objects.filter(account=account).values(
                "id", "name", "path", "unique_id", "created_at"
            )
        )
    )
    roles = _by_name(
        list(
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
