"""The import: read and check the whole file, then write it in one transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db import models as dj

from iamlab.policy.jsonsource import kind_of

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
    Sandbox,
)
from .base import LISTS, load
from .groups import GroupReader
from .problems import ImportProblem, Path, _where
from .roles import RoleReader
from .users import UserReader
from .writing import Writer


class Reader(UserReader, GroupReader, RoleReader, Writer):
    """Checks a parsed file and plans the rows to write (one entity reader per list), then
    writes them."""

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


def import_account(sandbox: Sandbox, data: str | bytes, *, account_name: str = "") -> Account:
    """Create the account a ``get-account-authorization-details`` output describes, in
    ``sandbox``, with its users, groups, roles, policies and credentials; return it.

    Raises :class:`ImportProblem` (and writes nothing) when anything in the file is wrong or
    the sandbox already has that account.
    """
    if len(account_name) > 50:
        raise ImportProblem("An account name has at most 50 characters.", "account_name")
    text, parsed = load(data)
    reader = Reader(sandbox, text, parsed)
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
