"""The labs pages: starting a lab gives the learner their own sandbox of its world, goals are
checked live, hints open in order, a fix solves the lab, instructors load and export
scenarios, and nobody sees another learner's run."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from iamlab.labs.models import LabRun, Quiz, Scenario
from iamlab.people.models import Role
from iamlab.sandbox.models import Account, Sandbox

from .conftest import signed_in, solve_groups_lab

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_lab_under_its_topic_with_the_learners_status(
    groups_lab: Scenario,
) -> None:
    client, user = signed_in("sam")
    page = client.get(reverse("labs:list")).content.decode()
    assert "IAM user groups" in page
    assert "Groups are not principals" in page
    assert "Not started" in page
    assert "0</strong> of 1 lab solved" in page
    client.post(reverse("labs:start", args=["groups"]))
    assert "In progress · 0 of 4 goals" in client.get(reverse("labs:list")).content.decode()


def test_starting_a_lab_builds_its_world_in_the_learners_own_sandbox(groups_lab: Scenario) -> None:
    client, user = signed_in("sam")
    page = client.get(reverse("labs:scenario", args=["groups"])).content.decode()
    assert 'data-testid="start-lab"' in page
    response = client.post(reverse("labs:start", args=["groups"]))
    assert response.status_code == 302
    run = LabRun.objects.get(user=user, scenario=groups_lab)
    assert run.sandbox is not None
    assert run.sandbox.owner == user
    accounts = Account.objects.filter(sandbox=run.sandbox)
    assert list(accounts.values_list("name", "account_id")) == [("Development", "111122223333")]
    page = client.get(reverse("labs:scenario", args=["groups"])).content.decode()
    assert "0 of 4 goals hold" in page
    assert 'data-testid="goal-joe-cannot-join-admins"' in page
    assert "A way exists" in page
    graph_link = (
        f"/sandboxes/{run.sandbox.pk}/graph/?from=arn%3Aaws%3Aiam%3A%3A111122223333%3Auser/joe"
        "&amp;to=arn%3Aaws%3Aiam%3A%3A111122223333%3Agroup/Admins"
    )
    assert graph_link in page
    assert client.get(graph_link.replace("&amp;", "&")).status_code == 200


def test_checks_are_counted_hints_open_in_order_and_the_fix_solves_the_lab(
    groups_lab: Scenario,
) -> None:
    client, user = signed_in("sam")
    client.post(reverse("labs:start", args=["groups"]))
    run = LabRun.objects.get(user=user)
    # The first hint is offered at once; the second only after two failed checks.
    client.post(reverse("labs:hint", args=["groups"]))
    client.post(reverse("labs:hint", args=["groups"]))
    run.refresh_from_db()
    assert run.hints_shown == 1
    for _ in range(2):
        client.post(reverse("labs:check", args=["groups"]))
    client.post(reverse("labs:hint", args=["groups"]))
    run.refresh_from_db()
    assert (run.checks, run.failed_checks, run.hints_shown, run.solved_at) == (2, 2, 2, None)
    # The learner makes the three changes of the walkthrough.
    assert run.sandbox is not None
    solve_groups_lab(run.sandbox)
    response = client.post(reverse("labs:check", args=["groups"]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="lab-solved"' in html
    assert "<html" not in html
    run.refresh_from_db()
    assert run.solved_at is not None
    assert run.checks == 3
    assert run.failed_checks == 2
    assert "Solved" in client.get(reverse("labs:list")).content.decode()


def test_starting_over_gives_a_fresh_world_and_keeps_the_old_sandbox(groups_lab: Scenario) -> None:
    client, user = signed_in("sam")
    client.post(reverse("labs:start", args=["groups"]))
    first = LabRun.objects.get(user=user).sandbox
    client.post(reverse("labs:start", args=["groups"]))
    run = LabRun.objects.get(user=user)
    assert run.sandbox != first
    assert Sandbox.objects.filter(owner=user).count() == 2
    assert first is not None
    first.refresh_from_db()
    assert first.name == "Lab: Groups are not principals (earlier try)"


def test_a_learner_sees_only_their_own_run(groups_lab: Scenario) -> None:
    sam, _ = signed_in("sam")
    kim, kim_user = signed_in("kim")
    kim.post(reverse("labs:start", args=["groups"]))
    kims_sandbox = LabRun.objects.get(user=kim_user).sandbox
    assert kims_sandbox is not None
    page = sam.get(reverse("labs:scenario", args=["groups"])).content.decode()
    assert 'data-testid="start-lab"' in page
    assert kims_sandbox.get_absolute_url() not in page
    assert sam.post(reverse("labs:check", args=["groups"])).status_code == 404
    assert sam.post(reverse("labs:hint", args=["groups"])).status_code == 404
    assert sam.get(kims_sandbox.get_absolute_url()).status_code == 404


def test_only_instructors_see_the_walkthrough_and_the_scenarios_page(groups_lab: Scenario) -> None:
    student, _ = signed_in("sam")
    teacher, _ = signed_in("tess", Role.INSTRUCTOR)
    assert (
        "Walkthrough" not in student.get(reverse("labs:scenario", args=["groups"])).content.decode()
    )
    assert "Walkthrough" in teacher.get(reverse("labs:scenario", args=["groups"])).content.decode()
    assert "manage-scenarios" not in student.get(reverse("labs:list")).content.decode()
    assert "manage-scenarios" in teacher.get(reverse("labs:list")).content.decode()
    assert student.get(reverse("labs:manage")).status_code == 403
    assert student.get(reverse("labs:export_all")).status_code == 403
    assert Client().get(reverse("labs:list")).status_code == 302  # sign in first


def test_instructors_upload_a_zip_all_or_nothing_and_export_it_back(groups_lab: Scenario) -> None:
    teacher, _ = signed_in("tess", Role.INSTRUCTOR)
    exported = teacher.get(reverse("labs:export", args=["groups"]))
    assert exported["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(exported.content)).namelist()
    assert "groups/scenario.yaml" in names
    assert "groups/world.yaml" in names
    Scenario.objects.all().delete()
    upload = io.BytesIO(exported.content)
    upload.name = "groups.zip"
    response = teacher.post(reverse("labs:manage"), {"file": upload}, follow=True)
    assert "Loaded groups.zip: 1 new." in response.content.decode()
    # A zip with a broken scenario loads nothing, and says why.
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("bad/scenario.yaml", "title: [")
    broken.seek(0)
    broken.name = "bad.zip"
    response = teacher.post(reverse("labs:manage"), {"file": broken})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was loaded: 2 problems." in html
    assert "bad.zip:bad/scenario.yaml, line 1: not valid YAML" in html
    assert Scenario.objects.count() == 1
    response = teacher.post(reverse("labs:manage"), {})
    assert (
        "Your upload: choose a .zip of scenario folders, or a folder" in response.content.decode()
    )
    not_zip = io.BytesIO(b"hello")
    not_zip.name = "notes.txt"
    assert (
        "not a zip file" in teacher.post(reverse("labs:manage"), {"file": not_zip}).content.decode()
    )


def test_story_text_is_escaped(groups_lab: Scenario) -> None:
    groups_lab.story = "Hello <script>alert(1)</script> **bold**"
    groups_lab.save()
    client, _ = signed_in("sam")
    page = client.get(reverse("labs:scenario", args=["groups"])).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page
    assert "<strong>bold</strong>" in page


def test_instructors_upload_a_folder_with_its_paths(groups_lab: Scenario) -> None:
    teacher, _ = signed_in("tess", Role.INSTRUCTOR)
    Scenario.objects.all().delete()
    fixtures = Path(__file__).resolve().parents[2] / "fixtures"
    chosen = sorted((fixtures / "scenarios" / "groups").iterdir()) + [
        fixtures / "quizzes" / "groups.quiz.yaml"
    ]

    def files() -> list[io.BytesIO]:
        out = []
        for path in chosen:
            upload = io.BytesIO(path.read_bytes())
            upload.name = path.name  # what a browser sends: the name without its folders
            out.append(upload)
        return out

    paths = [str(p.relative_to(fixtures)) for p in chosen]
    response = teacher.post(reverse("labs:manage"), {"folder": files(), "path": paths}, follow=True)
    html = response.content.decode()
    assert "Loaded scenarios (folder): 1 new" in html
    assert Scenario.objects.filter(slug="groups").exists()
    assert Quiz.objects.filter(slug="groups").exists()
    # Without the paths (no script), nothing is guessed.
    response = teacher.post(reverse("labs:manage"), {"folder": files()})
    assert response.status_code == 400
    assert "without their folders: upload a zip of it" in response.content.decode()
