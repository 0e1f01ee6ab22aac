from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PeopleConfig(AppConfig):
    name = "iamlab.people"
    verbose_name = "People"

    def ready(self) -> None:
        from . import lockout  # noqa: F401 - connects the sign-in throttle's signal receivers

        post_migrate.connect(_create_cache_tables, sender=self)


def _create_cache_tables(using: str = "default", verbosity: int = 1, **_: Any) -> None:
    """The sign-in throttle counts in a database cache (settings.CACHES): make its table
    wherever ``migrate`` runs, as ``createcachetable`` would (it leaves a table that exists)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))
