"""Long work off the request path: big imports and scenario uploads run as background tasks.

A request that would take more than a moment stores what it was given in a :class:`Job` row
and enqueues :func:`run_job` on Django's Tasks framework. With the database backend
(``django_tasks_db``, the default) a worker process (``manage.py db_worker``; ``run-app``
starts one) picks it up, so several app servers share one queue in their database, and a
gunicorn worker is never held for the length of a 50 MB import. The person is sent to the
job's page, which shows its progress and then its result, or why nothing was written.

Work is registered by kind: the sandbox registers ``import`` here, the labs app its uploads.
A handler takes the job and a :class:`Progress` to report to, and returns an
:class:`Outcome` or raises :class:`Refused` with the problems to show. Handlers write all or
nothing, so a refused or crashed job leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import connection
from django.tasks import task
from django.utils import timezone

from .models import Account, Job, Sandbox

__all__ = ["Outcome", "Progress", "Refused", "handles", "prune", "run_job", "submit"]

log = logging.getLogger(__name__)

# Work on more than this many bytes goes to a worker; less is done in the request, where a
# refusal comes back on the form as it was typed.
INLINE_BYTES = 512 * 1024
# A job that has run this long was lost with its worker (killed, or the machine restarted).
STALLED_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Outcome:
    message: str
    url: str = ""


@dataclass
class Refused(Exception):
    """The work cannot be done as given: nothing was written, and ``problems`` say why."""

    message: str
    problems: list[str] = field(default_factory=list)


class Progress:
    """Reports how far a job got. Reports made inside a transaction are skipped: no other
    connection could see them before the transaction ends."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk

    def __call__(self, done: int, total: int, step: str) -> None:
        if connection.in_atomic_block:
            return
        Job.objects.filter(pk=self.job_id).update(
            done_steps=done, total_steps=total, step=step[:300]
        )


Handler = Callable[[Job, Progress], Outcome]
# A kind's handler, or the module that registers it when first imported (see handled_in).
_HANDLERS: dict[str, Handler | str] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does jobs of ``kind``."""

    def register(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return register


def handled_in(kind: str, module: str) -> None:
    """Say which module registers the handler of ``kind``, to import when a job of that kind
    first runs: an app's ready() then costs nothing to a process that never runs one (a
    management command, a worker of other kinds)."""
    _HANDLERS.setdefault(kind, module)


def _handler(kind: str) -> Handler | None:
    found = _HANDLERS.get(kind)
    if isinstance(found, str):
        importlib.import_module(found)  # its @handles replaces the module's name
        found = _HANDLERS.get(kind)
    return None if found is None or isinstance(found, str) else found


def submit(
    owner: User,
    kind: str,
    title: str,
    *,
    params: dict[str, object] | None = None,
    payload: bytes = b"",
    back_url: str = "",
) -> Job:
    """Store the work and queue it; the job's page follows it."""
    if kind not in _HANDLERS:
        raise ValueError(f"No handler for jobs of kind {kind!r}")
    job = Job.objects.create(
        owner=owner,
        kind=kind,
        title=title[:300],
        params=params or {},
        payload=payload,
        back_url=back_url,
    )
    # The database backend queues the task in the same transaction as the job, so a worker
    # never sees one without the other (no on_commit needed); the immediate backend runs it
    # now.
    run_job.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


@task()
def run_job(job_id: str) -> str:
    """Do one job: claim it, run its handler, record how it ended."""
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now(), step="Starting"
    )
    if not claimed:
        return "taken"  # done already, or by another worker
    job = Job.objects.get(pk=job_id)
    handler = _handler(job.kind)
    ending: dict[str, object]
    try:
        if handler is None:
            raise Refused(f"iamlab no longer knows how to do {job.kind} work.")
        outcome = handler(job, Progress(job))
    except Refused as refused:
        ending = {
            "state": Job.State.FAILED,
            "message": refused.message,
            "problems": list(refused.problems),
        }
    except Exception:
        log.exception("Job %s (%s) failed", job.pk, job.kind)
        ending = {
            "state": Job.State.FAILED,
            "message": "Something went wrong on our side, and nothing was written. The error "
            "is in the server's log; try again, or tell your instructor.",
        }
    else:
        ending = {"state": Job.State.DONE, "message": outcome.message, "result_url": outcome.url}
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now(), payload=b"", step="", **ending)
    return str(ending["state"])


def prune(days: int) -> int:
    """Delete the jobs that ended more than ``days`` days ago (and any that never started in
    that time); return how many."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    ended = Job.objects.filter(finished_at__lt=cutoff)
    lost = Job.objects.filter(finished_at__isnull=True, created_at__lt=cutoff)
    return ended.delete()[0] + lost.delete()[0]


def stalled(job: Job, now: dt.datetime | None = None) -> bool:
    """Whether a running job's worker went away without saying how it ended."""
    now = now or timezone.now()
    return (
        job.state == Job.State.RUNNING
        and job.started_at is not None
        and now - job.started_at > STALLED_AFTER
    )


# -- the sandbox's own work -------------------------------------------------------------------


def import_summary(account: Account) -> str:
    """ "600 users, 50 groups, …" for an imported account."""
    from . import authorization_details  # the engine, imported by the first import only

    counts = authorization_details.account_counts(account)
    summary = ", ".join(
        f"{n} {label if n != 1 else _singular(label)}" for label, n in counts.items() if n
    )
    summary = summary or "empty"
    if taken := authorization_details.taken_from_file(account):
        summary += (
            f"; AWS managed {'policy' if len(taken) == 1 else 'policies'} taken from the file: "
            + ", ".join(taken)
        )
    return summary


def _singular(label: str) -> str:
    return label[:-3] + "y" if label.endswith("ies") else label.removesuffix("s")


@handles("import")
def _import(job: Job, progress: Progress) -> Outcome:
    from . import authorization_details

    sandbox = Sandbox.objects.filter(pk=job.params.get("sandbox"), owner=job.owner).first()
    if sandbox is None:
        raise Refused("The sandbox was deleted before the import could run.")
    progress(0, 0, "Reading the file, checking every policy, then writing the account")
    try:
        account = authorization_details.import_account(
            sandbox, bytes(job.payload), account_name=str(job.params.get("account_name", ""))
        )
    except authorization_details.ImportProblem as problem:
        where = f"{problem.where}: " if problem.where else ""
        raise Refused("Nothing was imported.", [f"{where}{problem.message}"]) from None
    return Outcome(
        f"Imported account {account.account_id}: {import_summary(account)}.",
        account.get_absolute_url(),
    )
