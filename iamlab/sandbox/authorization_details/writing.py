"""Writing a checked file: one ``bulk_create`` per table, then AWS's dates put back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import cast

from django.db import connections, router
from django.db import models as dj

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
from ..signals import touch
from .base import ReaderBase


class Writer(ReaderBase):
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
        # AWS managed policies as the file carries them, kept in this sandbox (aws_managed.py).
        ManagedPolicy.objects.bulk_create([obj for obj, _ in self.aws_copies])
        for obj, version in self.aws_copies:
            version.policy_id = obj.pk
        PolicyVersion.objects.bulk_create([version for _, version in self.aws_copies])
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
