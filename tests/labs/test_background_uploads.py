"""A zip of many labs is checked by a task worker (iamlab.labs.uploads), not in the request:
each world is built and its goals judged, seconds for a dozen. The instructor follows it on the
job's page. (The suite runs tasks in the request; tests/sandbox/test_jobs.py covers the queue.)
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from iamlab.labs.loading import read_path
from iamlab.labs.models import Scenario
from iamlab.people.models import Role
from iamlab.sandbox.models import Job

from .conftest import SHIPPED, signed_in

pytestmark = pytest.mark.django_db

SLUGS = ("groups", "root-user", "switching-roles", "access-keys")


def _zip(broken: str = "") -> io.BytesIO:
    folders = read_path(SHIPPED)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for slug in SLUGS:
            for name, text in folders[slug][1].items():
                if slug == broken and name == "world.yaml":
                    text = "accounts: [\n"
                archive.writestr(f"{slug}/{name}", text)
    buffer.seek(0)
    buffer.name = "four-labs.zip"
    return buffer


def test_a_zip_of_many_labs_loads_as_a_job() -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    response = teacher.post(reverse("labs:manage"), {"file": _zip()})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.owner, job.state) == ("scenarios", tess, Job.State.DONE)
    page = teacher.get(job.get_absolute_url()).content.decode()
    assert "Loaded four-labs.zip: 4 new." in page
    assert set(Scenario.objects.values_list("slug", flat=True)) == set(SLUGS)
    assert set(Scenario.objects.values_list("owner", flat=True)) == {tess.pk}


def test_a_zip_of_many_labs_with_a_problem_loads_nothing_and_the_job_says_why() -> None:
    teacher, _ = signed_in("tess", Role.INSTRUCTOR)
    teacher.post(reverse("labs:manage"), {"file": _zip(broken="access-keys")})
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    page = teacher.get(job.get_absolute_url()).content.decode()
    assert "Nothing was loaded: 1 problem." in page
    assert "four-labs.zip:access-keys/world.yaml" in page
    assert f'href="{reverse("labs:manage")}"' in page
    assert not Scenario.objects.exists()
