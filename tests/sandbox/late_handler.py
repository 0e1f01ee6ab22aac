"""A job handler registered only when its module is imported (test_jobs.py)."""

from iamlab.sandbox.jobs import Outcome, Progress, handles
from iamlab.sandbox.models import Job


@handles("later")
def later(job: Job, progress: Progress) -> Outcome:
    return Outcome("Done later.", "/")
