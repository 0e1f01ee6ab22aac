"""Scenario uploads as background work: a zip of many labs takes seconds to check (each world
is built and its goals judged), so it runs on a task worker (:mod:`iamlab.sandbox.jobs`)."""

from __future__ import annotations

from django.urls import reverse

from iamlab.people.roles import is_instructor
from iamlab.sandbox.jobs import Outcome, Progress, Refused, handles
from iamlab.sandbox.models import Job

from .loading import LoadFailed, load, read_upload

# More folders and banks than this in one upload go to a worker.
INLINE_ITEMS = 3


@handles("scenarios")
def load_upload(job: Job, progress: Progress) -> Outcome:
    if not is_instructor(job.owner):
        raise Refused("Only instructors load scenarios, and this account is no longer one.")
    name = str(job.params.get("name", "upload.zip"))
    data = bytes(job.payload)
    try:
        folders, banks = read_upload(data, name)
        report = load(folders, job.owner, quizzes=banks, owner=job.owner, progress=progress)
    except LoadFailed as failed:
        count = len(failed.problems)
        raise Refused(
            f"Nothing was loaded: {count} problem{'s' if count != 1 else ''}.",
            [str(p) for p in failed.problems],
        ) from None
    return Outcome(f"Loaded {name}: {report.summary()}.", reverse("labs:manage"))
