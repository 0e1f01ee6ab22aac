"""Delete what anonymous visitors leave behind: expired sessions, and anonymous simulator runs
older than IAMLAB_ANONYMOUS_SIMULATION_DAYS or whose session is gone. Run it daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from iamlab.simulator.keeping import prune


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = prune()
        self.stdout.write(
            f"Deleted {pruned.sessions} expired sessions and "
            f"{pruned.simulations} anonymous simulator runs."
        )
