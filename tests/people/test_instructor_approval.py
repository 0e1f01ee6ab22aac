"""Becoming an instructor takes a staff member's approval.

A probe signed up choosing "instructor" and at once could rewrite every class's labs. Now
sign-up and the account page only ask; the account stays a student's until staff approve it
in the admin, and the pages say so.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.urls import reverse

from iamlab.people import roles
from iamlab.people.models import Profile, Role
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("people:account")


def test_a_student_asks_once_and_the_account_page_says_they_wait(client):
    person = PersonFactory()
    client.force_login(person)
    page = client.get(ACCOUNT).content.decode()
    assert 'data-testid="ask-to-teach"' in page
    response = client.post(ACCOUNT, {"action": "ask-to-teach"}, follow=True)
    page = response.content.decode()
    assert "You asked to be an instructor." in page
    assert "until they approve it, your account is a student&#x27;s" in page
    assert 'data-testid="ask-to-teach"' not in page
    profile = Profile.objects.get(user=person)
    asked = profile.teach_requested_at
    assert asked is not None
    assert profile.role == Role.STUDENT
    assert not roles.is_instructor(person)
    # Asking again changes nothing, and the instructor pages stay closed.
    client.post(ACCOUNT, {"action": "ask-to-teach"})
    assert Profile.objects.get(user=person).teach_requested_at == asked
    assert client.get(reverse("labs:manage")).status_code == 403
    assert client.get(reverse("labs:classes")).status_code == 403


def test_staff_see_the_requests_and_approve_them_in_the_admin(client, admin_client, admin_user):
    waiting = PersonFactory()
    client.force_login(waiting)
    client.post(ACCOUNT, {"action": "ask-to-teach"})
    bystander = PersonFactory()
    page = admin_client.get(ACCOUNT).content.decode()
    assert "1 person asks to be an instructor." in page
    listing = admin_client.get("/admin/people/profile/", {"asks": "yes"}).content.decode()
    assert waiting.username in listing
    assert bystander.username not in listing
    profile = Profile.objects.get(user=waiting)
    response = admin_client.post(
        "/admin/people/profile/",
        {"action": "approve", "_selected_action": [profile.pk]},
        follow=True,
    )
    assert "1 now instructor." in response.content.decode()
    profile.refresh_from_db()
    assert profile.role == Role.INSTRUCTOR
    assert profile.approved_by == admin_user
    assert profile.approved_at is not None
    assert not profile.asks_to_teach
    assert client.get(reverse("labs:manage")).status_code == 200
    # A student does not see the staff's count.
    assert "asks to be an instructor" not in client.get(ACCOUNT).content.decode()


def test_staff_decline_a_request(client, admin_client):
    waiting = PersonFactory()
    client.force_login(waiting)
    client.post(ACCOUNT, {"action": "ask-to-teach"})
    profile = Profile.objects.get(user=waiting)
    admin_client.post(
        "/admin/people/profile/", {"action": "decline", "_selected_action": [profile.pk]}
    )
    profile.refresh_from_db()
    assert (profile.role, profile.teach_requested_at) == (Role.STUDENT, None)
    page = client.get(ACCOUNT).content.decode()
    assert 'data-testid="ask-to-teach"' in page  # they may ask again


def test_instructors_who_made_themselves_so_become_students_who_ask():
    migration = importlib.import_module("iamlab.people.migrations.0002_instructor_approval")
    self_made, staff = PersonFactory(), PersonFactory(is_staff=True)
    for person in (self_made, staff):
        Profile.objects.update_or_create(user=person, defaults={"role": Role.INSTRUCTOR})
    migration.unapproved_instructors_ask(django_apps, None)
    assert Profile.objects.get(user=self_made).asks_to_teach
    assert not roles.is_instructor(get_user_model().objects.get(pk=self_made.pk))
    assert Profile.objects.get(user=staff).role == Role.INSTRUCTOR
