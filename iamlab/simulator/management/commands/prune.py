"""Delete what anonymous visitors leave behind: expired sessions, and anonymous simulator runs
older than IAMLAB_ANONYMOUS_SIMULATION_DAYS or whose session is gone; and background jobs (and
their task results) that ended more than IAMLAB_JOB_DAYS days ago. Run it daily."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.tasks import task_backends
from django_tasks_db import DatabaseBackend

from iamlab.sandbox import jobs
from iamlab.simulator.keeping import prune


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = prune()
        days = settings.IAMLAB_JOB_DAYS
        old_jobs = jobs.prune(days)
        if isinstance(task_backends["default"], DatabaseBackend):  # not with IAMLAB_TASKS=immediate
            call_command("prune_db_task_results", min_age_days=days, verbosity=0)
        self.stdout.write(
            f"Deleted {pruned.sessions} expired sessions, "
            f"{pruned.simulations} anonymous simulator runs and {old_jobs} finished jobs."
        )
