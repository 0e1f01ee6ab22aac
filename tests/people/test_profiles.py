from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client

from iamlab.demo.management.commands.load_demo import QUIZZES, SCENARIOS
from iamlab.labs.loading import read_path, read_quizzes
from iamlab.people import roles
from iamlab.people.demo import ensure_demo_people
from iamlab.people.models import Profile, Role
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_profile_is_created_on_demand_as_a_student():
    person = get_user_model().objects.create_superuser("root", password="x")  # noqa: S106
    assert not Profile.objects.filter(user=person).exists()
    assert roles.role_of(person) == "student"
    assert not roles.is_instructor(person)
    assert Profile.objects.filter(user=person).count() == 1
    # A fresh copy from the database finds the same profile, not a second one.
    again = get_user_model().objects.get(pk=person.pk)
    assert roles.profile_of(again) == Profile.objects.get(user=person)
    assert Profile.objects.count() == 1


def test_user_without_profile_can_open_the_pages(client):
    person = PersonFactory(username="nobody")
    client.force_login(person)
    assert ">nobody<" in client.get("/").content.decode()
    assert client.get("/accounts/").status_code == 200
    assert Profile.objects.get(user=person).role == Role.STUDENT


def test_instructor_role():
    made = PersonFactory()
    Profile.objects.create(user=made, role=Role.INSTRUCTOR, display_name="Prof")
    person = get_user_model().objects.get(pk=made.pk)
    assert roles.role_of(person) == "instructor"
    assert roles.is_instructor(person)
    assert roles.display_name(person) == "Prof"


def test_anonymous_has_no_role():
    anonymous = AnonymousUser()
    assert roles.role_of(anonymous) == ""
    assert not roles.is_instructor(anonymous)
    assert roles.profile_of(anonymous) is None


def test_admin_user_change_page_shows_the_profile_inline(admin_client):
    person = PersonFactory()
    page = admin_client.get(f"/admin/auth/user/{person.pk}/change/")
    assert page.status_code == 200
    assert "profile-0-role" in page.content.decode()
    assert Profile.objects.filter(user=person).exists()
    listing = admin_client.get("/admin/auth/user/", {"profile__role": "instructor"})
    assert listing.status_code == 200


def test_ensure_demo_people_is_idempotent(monkeypatch):
    monkeypatch.delenv("IAMLAB_DEMO_PASSWORD", raising=False)
    first = ensure_demo_people()
    assert first == [
        ("demo-instructor", "instructor", "iamlab-demo", True),
        ("demo-student", "student", "iamlab-demo", True),
    ]
    second = ensure_demo_people()
    assert second == [
        ("demo-instructor", "instructor", "(unchanged)", False),
        ("demo-student", "student", "(unchanged)", False),
    ]
    assert get_user_model().objects.filter(username__startswith="demo-").count() == 2
    instructor = get_user_model().objects.get(username="demo-instructor")
    assert roles.is_instructor(instructor)
    assert instructor.check_password("iamlab-demo")
    assert Client().login(username="demo-student", password="iamlab-demo")


def test_ensure_demo_people_uses_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("IAMLAB_DEMO_PASSWORD", "another-demo-secret")
    rows = ensure_demo_people()
    assert {row[2] for row in rows} == {"another-demo-secret"}
    student = get_user_model().objects.get(username="demo-student")
    assert student.check_password("another-demo-secret")


def test_load_demo_lists_the_demo_logins(monkeypatch):
    monkeypatch.delenv("IAMLAB_DEMO_PASSWORD", raising=False)
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "Admin login: demo-admin / iamlab-demo" in text
    assert "Instructor login: demo-instructor / iamlab-demo" in text
    assert "Student login: demo-student / iamlab-demo" in text
    shipped = len(read_path(SCENARIOS))
    banks = len(read_quizzes(QUIZZES))
    assert f"Labs: {shipped} new; {banks} quiz banks new or changed (fixtures/scenarios" in text
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert "Instructor login: demo-instructor / (unchanged)" in again.getvalue()
    assert "Student login: demo-student / (unchanged)" in again.getvalue()
    assert f"Labs: {shipped} unchanged" in again.getvalue()
    # One demo class, however often the command runs, with the student in it.
    from iamlab.labs.models import Classroom

    classroom = Classroom.objects.get(instructor__username="demo-instructor")
    assert f"Class: Demo class (code {classroom.code})" in again.getvalue()
    assert list(classroom.students.values_list("username", flat=True)) == ["demo-student"]
    assert classroom.assignments.count() == classroom.quiz_assignments.count() == 1
    # Each demo person gets one Example Corp sandbox, however often the command runs.
    from iamlab.sandbox.models import Sandbox

    for username in ("demo-instructor", "demo-student"):
        owned = Sandbox.objects.filter(owner__username=username)
        assert list(owned.values_list("name", flat=True)) == ["Example Corp"]
        assert f"/sandboxes/{owned.get().pk}/" in again.getvalue()


def test_instructor_required_lets_only_instructors_in(rf):
    @roles.instructor_required
    def teach(request):
        return HttpResponse("ok")

    anonymous = rf.get("/teach/")
    anonymous.user = AnonymousUser()
    assert teach(anonymous)["Location"].startswith("/accounts/sign-in/?next=")

    student = rf.get("/teach/")
    student.user = PersonFactory()
    with pytest.raises(PermissionDenied):
        teach(student)

    instructor = rf.get("/teach/")
    instructor.user = PersonFactory()
    Profile.objects.create(user=instructor.user, role=Role.INSTRUCTOR)
    assert teach(instructor).content == b"ok"
