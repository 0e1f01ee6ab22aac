"""Who owns, sees and changes labs and quiz banks (iamlab.labs.content).

A probe found that anyone could sign up as an instructor, upload a changed ``groups`` lab and
quiz bank, and so change what every student of every class saw, and download every solution.
Shipped content is read-only now; an upload is the uploader's own version, seen by them, their
classes and staff; solutions go to the owner and staff (and, for shipped labs, instructors).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from iamlab.labs.loading import LoadFailed, load, read_path, read_quizzes
from iamlab.labs.models import Classroom, Membership, Quiz, Scenario
from iamlab.people.models import Role

from .conftest import SHIPPED, signed_in

pytestmark = pytest.mark.django_db

QUIZZES = SHIPPED.parent / "quizzes"


@pytest.fixture
def shipped() -> None:
    """The shipped groups lab and quiz bank, loaded as ``manage.py load_demo`` does."""
    load(
        {"groups": read_path(SHIPPED)["groups"]}, quizzes=read_quizzes(QUIZZES / "groups.quiz.yaml")
    )


def _changed_groups_zip(title: str = "Groups, rewritten") -> io.BytesIO:
    """The shipped groups lab and bank with a new title, as an upload."""
    files = read_path(SHIPPED)["groups"][1]
    bank = (QUIZZES / "groups.quiz.yaml").read_text()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            if name == "scenario.yaml":
                text = text.replace(_title_line(text), f"title: {title}", 1)
            archive.writestr(f"groups/{name}", text)
        archive.writestr("groups.quiz.yaml", bank.replace(_title_line(bank), f"title: {title}", 1))
    buffer.seek(0)
    buffer.name = "groups.zip"
    return buffer


def _title_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("title:"))


def _class_of(teacher: User, *students: User) -> Classroom:
    classroom = Classroom.objects.create(name=f"{teacher.username}'s class", instructor=teacher)
    for student in students:
        Membership.objects.create(classroom=classroom, student=student)
    return classroom


def test_an_upload_of_a_shipped_lab_is_the_uploaders_own_version(shipped: None) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    response = teacher.post(reverse("labs:manage"), {"file": _changed_groups_zip()}, follow=True)
    page = response.content.decode()
    assert "groups is shipped or someone else&#x27;s and stays as it is" in page
    assert "saved as groups-tess" in page
    # The shipped lab and bank are as they were; the changed ones are Tess's.
    assert Scenario.objects.get(slug="groups").title != "Groups, rewritten"
    assert Scenario.objects.get(slug="groups").owner is None
    assert Quiz.objects.get(slug="groups").title != "Groups, rewritten"
    mine = Scenario.objects.get(slug="groups-tess")
    assert (mine.title, mine.owner) == ("Groups, rewritten", tess)
    assert Quiz.objects.get(slug="groups-tess").owner == tess
    # Loading it again updates Tess's version, and makes no third one.
    again = teacher.post(reverse("labs:manage"), {"file": _changed_groups_zip("Groups, v2")})
    assert again.status_code == 302
    assert Scenario.objects.get(slug="groups-tess").title == "Groups, v2"
    assert Scenario.objects.count() == 2
    assert Quiz.objects.count() == 2


def test_only_the_owner_their_classes_and_staff_see_an_instructors_version(shipped: None) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    teacher.post(reverse("labs:manage"), {"file": _changed_groups_zip()})
    in_class, sam = signed_in("sam")
    outside, _ = signed_in("olga")
    other_teacher, _ = signed_in("ivan", Role.INSTRUCTOR)
    staff, admin = signed_in("ada")
    admin.is_staff = True
    admin.save()
    _class_of(tess, sam)
    lab, quiz = (
        reverse("labs:scenario", args=["groups-tess"]),
        reverse("labs:quiz", args=["groups-tess"]),
    )
    for client, sees in (
        (teacher, True),
        (in_class, True),
        (staff, True),
        (outside, False),
        (other_teacher, False),
    ):
        assert client.get(lab).status_code == (200 if sees else 404)
        assert client.get(quiz).status_code == (200 if sees else 404)
        listed = "groups-tess" in client.get(reverse("labs:list")).content.decode()
        assert listed is sees
        # The shipped lab stays open to everyone.
        assert client.get(reverse("labs:scenario", args=["groups"])).status_code == 200
    assert outside.post(reverse("labs:start", args=["groups-tess"])).status_code == 404
    assert in_class.post(reverse("labs:start", args=["groups-tess"])).status_code == 302


def test_solutions_are_for_the_owner_and_staff_and_shipped_ones_for_instructors(
    shipped: None,
) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    teacher.post(reverse("labs:manage"), {"file": _changed_groups_zip()})
    other_teacher, ivan = signed_in("ivan", Role.INSTRUCTOR)
    # Ivan is also a student in Tess's class: he sees her lab, not its solution.
    _class_of(tess, ivan)
    walkthrough = Scenario.objects.get(slug="groups").walkthrough.splitlines()[0]
    assert walkthrough

    def names(client: Client, url: str) -> set[str]:
        response = client.get(url)
        assert response.status_code == 200
        return set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())

    mine = names(teacher, reverse("labs:export", args=["groups-tess"]))
    assert {"groups-tess/fixed.yaml", "groups-tess/walkthrough.md"} <= mine
    theirs = names(other_teacher, reverse("labs:export", args=["groups-tess"]))
    assert "groups-tess/scenario.yaml" in theirs
    assert not {"groups-tess/fixed.yaml", "groups-tess/walkthrough.md"} & theirs
    # A shipped lab's solution is an instructor's to teach with.
    assert "groups/walkthrough.md" in names(other_teacher, reverse("labs:export", args=["groups"]))
    page = other_teacher.get(reverse("labs:scenario", args=["groups-tess"])).content.decode()
    assert "Walkthrough" not in page
    page = teacher.get(reverse("labs:scenario", args=["groups-tess"])).content.decode()
    assert "Walkthrough" in page
    # Someone outside Tess's classes cannot even name her lab.
    stranger, _ = signed_in("una", Role.INSTRUCTOR)
    assert stranger.get(reverse("labs:export", args=["groups-tess"])).status_code == 404
    assert "groups-tess/" not in str(names(stranger, reverse("labs:export_all")))


def test_copy_to_edit_makes_an_own_version_once(shipped: None) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    response = teacher.post(reverse("labs:copy", args=["lab", "groups"]), follow=True)
    assert "Your own copy of the lab" in response.content.decode()
    copy = Scenario.objects.get(slug="groups-tess")
    original = Scenario.objects.get(slug="groups")
    assert (copy.owner, copy.files, copy.goals) == (tess, original.files, original.goals)
    teacher.post(reverse("labs:copy", args=["quiz", "groups"]))
    assert Quiz.objects.get(slug="groups-tess").text == Quiz.objects.get(slug="groups").text
    again = teacher.post(reverse("labs:copy", args=["lab", "groups"]), follow=True)
    assert "You have your own version of this lab already: groups-tess." in again.content.decode()
    assert Scenario.objects.count() == 2
    # Only shipped content is copied; students copy nothing.
    assert teacher.post(reverse("labs:copy", args=["lab", "groups-tess"])).status_code == 404
    assert teacher.post(reverse("labs:copy", args=["page", "groups"])).status_code == 404
    student, _ = signed_in("sam")
    assert student.post(reverse("labs:copy", args=["lab", "groups"])).status_code == 403


def test_an_instructor_assigns_only_shipped_content_and_their_own(shipped: None) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    teacher.post(reverse("labs:manage"), {"file": _changed_groups_zip()})
    other_teacher, ivan = signed_in("ivan", Role.INSTRUCTOR)
    classroom = _class_of(ivan)
    page = other_teacher.get(reverse("labs:class", args=[classroom.pk])).content.decode()
    assert 'value="groups"' in page
    assert "groups-tess" not in page
    response = other_teacher.post(
        reverse("labs:class", args=[classroom.pk]), {"scenario": "groups-tess"}
    )
    assert response.status_code == 400
    assert "Choose a lab to assign." in response.content.decode()
    response = other_teacher.post(
        reverse("labs:class", args=[classroom.pk]), {"quiz": "groups-tess"}
    )
    assert response.status_code == 400
    assert not classroom.assignments.exists()
    assert not classroom.quiz_assignments.exists()


def test_shipped_content_never_takes_over_an_instructors_slug(shipped: None) -> None:
    _, tess = signed_in("tess", Role.INSTRUCTOR)
    Scenario.objects.filter(slug="groups").update(owner=tess)
    with pytest.raises(LoadFailed) as failed:
        load({"groups": read_path(SHIPPED)["groups"]})
    assert "the scenario groups is an instructor's own, not shipped content" in str(failed.value)


def test_labs_uploaded_before_owners_become_their_uploaders_unless_shipped(shipped: None) -> None:
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module(
        "iamlab.labs.migrations.0004_uploaded_labs_are_their_uploaders"
    )
    _, tess = signed_in("tess", Role.INSTRUCTOR)
    groups = Scenario.objects.get(slug="groups")
    mine = Scenario.objects.create(
        **{**groups.as_fields(), "slug": "tess-lab", "owner": None, "loaded_by": tess}
    )
    Scenario.objects.filter(pk=groups.pk).update(loaded_by=tess)  # a shipped name, changed
    migration.give_uploads_to_their_uploaders(django_apps, None)
    mine.refresh_from_db()
    groups.refresh_from_db()
    assert mine.owner == tess
    assert groups.owner is None
