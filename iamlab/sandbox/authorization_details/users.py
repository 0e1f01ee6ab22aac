"""``UserDetailList``: users, their groups, policies and credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamlab.policy.jsonsource import kind_of

from .. import rules
from ..models import AccessKey, IamGroup, IamUser, MfaDevice
from .base import _ACCESS_KEY_ID, _NAME_LENGTH, _Entity
from .policies import PolicyReader
from .problems import ImportProblem, Path, _plural, _where


class UserReader(PolicyReader):
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
