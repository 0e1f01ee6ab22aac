"""Long work off the request path (iamlab.sandbox.jobs): a big import is queued for a task
worker, the person follows it on the job's page, and sees how it ended.

A 51 MB export imported in 15 s inside one request, and a bigger one would have been killed at
gunicorn's timeout half way. The suite runs tasks in the request (IAMLAB_TASKS=immediate); the
tests marked ``queue`` switch to the database backend and run ``manage.py db_worker``.
"""

from __future__ import annotations

import io
import json
import sys
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from benchmarks.authz_data import generate
from iamlab.sandbox import authorization_details, jobs
from iamlab.sandbox.models import Account, IamUser, Job

from .factories import PersonFactory, SandboxFactory

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def small_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat anything over 1 KB as big, so a small generated account goes to a worker."""
    monkeypatch.setattr(jobs, "INLINE_BYTES", 1024)


def _upload(data: dict[str, Any], name: str = "authorization-details.json") -> io.BytesIO:
    file = io.BytesIO(json.dumps(data).encode())
    file.name = name
    return file


def _signed_in() -> tuple[Client, Any]:
    person = PersonFactory()
    client = Client()
    client.force_login(person)
    return client, SandboxFactory(owner=person)


def test_a_big_import_runs_as_a_job_and_its_page_shows_the_result(small_inline: None) -> None:
    client, sandbox = _signed_in()
    response = client.post(
        reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(generate(40, 3))}
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.kind == "import"
    assert job.title == f"Import of authorization-details.json into {sandbox.name}"
    assert job.state == Job.State.DONE
    assert job.payload == b""  # the upload is not kept once done
    account = Account.objects.get(sandbox=sandbox)
    assert IamUser.objects.filter(account=account).count() == 24
    page = client.get(job.get_absolute_url()).content.decode()
    assert f"Imported account {account.account_id}: 24 users" in page
    assert f'href="{account.get_absolute_url()}"' in page
    assert "hx-trigger" not in page  # a finished job is not asked again
    # htmx, polling, is sent on to the account, with the message.
    poll = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert (poll.status_code, poll["HX-Redirect"]) == (204, account.get_absolute_url())


def test_a_refused_big_import_says_why_and_writes_nothing(small_inline: None) -> None:
    client, sandbox = _signed_in()
    data = generate(40, 3)
    data["UserDetailList"][2]["UserName"] = "not a valid name!"
    client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(data)})
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Nothing was imported." in page
    assert "UserDetailList[2].UserName" in page
    assert f'href="{reverse("sandbox:import", args=[sandbox.pk])}"' in page  # try again
    assert not Account.objects.filter(sandbox=sandbox).exists()


def test_a_small_import_is_still_done_in_the_request() -> None:
    client, sandbox = _signed_in()
    response = client.post(
        reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(generate(20, 3))}
    )
    account = Account.objects.get(sandbox=sandbox)
    assert response["Location"] == account.get_absolute_url()
    assert not Job.objects.exists()


def test_nobody_sees_another_persons_job(small_inline: None) -> None:
    client, sandbox = _signed_in()
    client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(generate(40, 3))})
    job = Job.objects.get()
    other, _ = _signed_in()
    assert other.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("sandbox:job", args=[uuid.uuid4()])).status_code == 404
    assert Client().get(job.get_absolute_url()).status_code == 302  # sign in first


@override_settings(TASKS=DATABASE_QUEUE)
@pytest.mark.django_db(transaction=True)  # the worker closes its connection when it is done
def test_with_the_database_queue_a_worker_does_the_import(small_inline: None) -> None:
    client, sandbox = _signed_in()
    client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(generate(40, 3))})
    job = Job.objects.get()
    assert job.state == Job.State.QUEUED
    assert not Account.objects.filter(sandbox=sandbox).exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Waiting for a worker" in page
    assert 'hx-trigger="every 1s"' in page
    assert '<meta http-equiv="refresh" content="2">' in page  # without JavaScript
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert Account.objects.filter(sandbox=sandbox).count() == 1


def test_a_job_is_done_once_and_a_lost_one_is_shown_as_stopped(small_inline: None) -> None:
    client, sandbox = _signed_in()
    client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(generate(40, 3))})
    job = Job.objects.get()
    assert jobs.run_job.call(str(job.pk)) == "taken"  # a second worker finds it done
    assert Account.objects.filter(sandbox=sandbox).count() == 1
    # A job whose worker died while running stays "running": after a while it reads stopped.
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, started_at=job.created_at - jobs.STALLED_AFTER * 2
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert "This work stopped without finishing." in page
    assert "hx-trigger" not in page


def test_an_unexpected_error_fails_the_job_without_a_trace_for_the_person(
    small_inline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(authorization_details, "import_account", broken)
    client, sandbox = _signed_in()
    client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(generate(40, 3))})
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Something went wrong on our side, and nothing was written." in page
    assert "disk on fire" not in page


def test_prune_deletes_jobs_that_ended_long_ago(small_inline: None, settings: Any) -> None:
    settings.IAMLAB_JOB_DAYS = 7
    client, sandbox = _signed_in()
    client.post(reverse("sandbox:import", args=[sandbox.pk]), {"file": _upload(generate(40, 3))})
    recent = Job.objects.get()
    old = Job.objects.create(owner=recent.owner, kind="import", title="old")
    from django.utils import timezone

    Job.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - jobs.dt.timedelta(days=9),
        finished_at=timezone.now() - jobs.dt.timedelta(days=8),
    )
    out = io.StringIO()
    call_command("prune", stdout=out)
    assert "and 1 finished jobs." in out.getvalue()
    assert list(Job.objects.values_list("pk", flat=True)) == [recent.pk]


@override_settings(TASKS=DATABASE_QUEUE)
def test_prune_also_clears_the_queues_old_task_results() -> None:
    from django_tasks_db.models import DBTaskResult

    jobs.run_job.enqueue(str(uuid.uuid4()))
    DBTaskResult.objects.update(
        status="SUCCESSFUL", finished_at=jobs.timezone.now() - jobs.dt.timedelta(days=30)
    )
    call_command("prune", stdout=io.StringIO())
    assert not DBTaskResult.objects.exists()


def test_a_kind_registered_by_module_is_imported_when_its_first_job_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The labs app names the module of its upload work instead of importing it at start-up;
    # the first job of that kind imports it, and its @handles takes over.
    monkeypatch.setitem(jobs._HANDLERS, "later", "tests.sandbox.late_handler")
    monkeypatch.delitem(sys.modules, "tests.sandbox.late_handler", raising=False)
    handler = jobs._handler("later")
    assert handler is not None
    assert handler.__module__ == "tests.sandbox.late_handler"
    assert jobs._handler("unheard-of") is None
