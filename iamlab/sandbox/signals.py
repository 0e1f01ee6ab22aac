"""Bump ``Sandbox.version`` whenever anything in a sandbox changes.

The :class:`~iamlab.sandbox.world.World` snapshot is cached on (sandbox, version), so this is
what keeps answers fresh, whether the change comes from a page, the admin or a command. Bulk
writes (the importer) do not send signals; they call :func:`touch` once at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import models

_building = threading.local()


def touch(sandbox_id: int | None) -> None:
    if sandbox_id is not None and sandbox_id not in getattr(_building, "ids", ()):
        models.Sandbox.objects.filter(pk=sandbox_id).update(version=F("version") + 1)


@contextmanager
def one_bump(sandbox_id: int) -> Iterator[None]:
    """Build many objects in a sandbox with one version bump at the end instead of one per
    object: Example Corp made about 105 UPDATEs of its sandbox row, and on SQLite each build
    holds the one write lock while 50 students wait for it."""
    ids: set[int] = _building.__dict__.setdefault("ids", set())
    nested = sandbox_id in ids
    ids.add(sandbox_id)
    try:
        yield
    finally:
        if not nested:
            ids.discard(sandbox_id)
            touch(sandbox_id)


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
