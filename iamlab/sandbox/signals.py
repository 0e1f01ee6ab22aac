"""Bump ``Sandbox.version`` whenever anything in a sandbox changes.

The :class:`~iamlab.sandbox.world.World` snapshot is cached on (sandbox, version), so this is
what keeps answers fresh, whether the change comes from a page, the admin or a command. Bulk
writes (the importer) do not send signals; they call :func:`touch` once at the end.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import models


def touch(sandbox_id: int | None) -> None:
    if sandbox_id is not None:
        models.Sandbox.objects.filter(pk=sandbox_id).update(version=F("version") + 1)


def _changed(sender: type, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, models.PolicyVersion):
        touch(instance.policy.sandbox_id)
    elif isinstance(instance, models.SandboxObject):
        touch(instance.sandbox_id)


def _m2m_changed(sender: type, instance: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and isinstance(
        instance, models.SandboxObject
    ):
        touch(instance.sandbox_id)


post_save.connect(_changed, dispatch_uid="sandbox-version-save")
post_delete.connect(_changed, dispatch_uid="sandbox-version-delete")
m2m_changed.connect(_m2m_changed, dispatch_uid="sandbox-version-m2m")
