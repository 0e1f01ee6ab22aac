from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from iamlab.people.models import Profile, Role
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db

SIGN_UP = reverse("people:signup")
SIGN_IN = reverse("people:login")
SIGN_OUT = reverse("people:logout")
ACCOUNT = reverse("people:account")
GOOD_PASSWORD = "correct horse battery staple"


def sign_up_form(**overrides):
    data = {
        "username": "ada",
        "email": "ada@example.com",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "role": "student",
    }
    data.update(overrides)
    return data


def focused_input(html):
    """The one <input> that has autofocus."""
    tags = [tag for tag in re.findall(r"<input[^>]*>", html) if "autofocus" in tag]
    assert len(tags) == 1, tags
    return tags[0]


def signed_in_user(client):
    return client.session.get("_auth_user_id")


def test_sign_up_page_has_labelled_fields_with_autocomplete(client):
    html = client.get(SIGN_UP).content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="email"' in html
    assert html.count('autocomplete="new-password"') == 2
    assert 'id="id_username"' in focused_input(html)
    assert 'value="student"' in html
    assert 'value="instructor"' in html
    assert "I am a student" in html
    assert "I am an instructor" in html


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_sign_up_makes_a_student_signs_in_and_redirects_home(client, role):
    """Everyone starts as a student: asking to be an instructor waits for staff."""
    response = client.post(SIGN_UP, sign_up_form(role=role.value))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/labs/course/"
    user = get_user_model().objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert user.profile.role == Role.STUDENT
    assert user.profile.asks_to_teach is (role == Role.INSTRUCTOR)
    assert signed_in_user(client) == str(user.pk)
    home = client.get("/").content.decode()
    assert 'data-testid="account-name">ada<' in home
    assert 'data-testid="instructor-badge"' not in home
    assert "Welcome, ada: you are signed in as a student." in home
    assert ("You asked to be an instructor." in home) is (role == Role.INSTRUCTOR)


def test_sign_up_follows_a_safe_next(client):
    response = client.post(SIGN_UP, sign_up_form(next="/accounts/"))
    assert response["Location"] == "/accounts/"


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/x", "javascript:1"])
def test_sign_up_ignores_an_unsafe_next(client, unsafe):
    page = client.get(SIGN_UP, {"next": unsafe}).content.decode()
    assert "evil.example" not in page
    response = client.post(SIGN_UP, sign_up_form(next=unsafe))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/labs/course/"


def test_sign_up_keeps_next_in_the_form_and_the_sign_in_link(client):
    html = client.get(SIGN_UP, {"next": "/accounts/"}).content.decode()
    assert '<input type="hidden" name="next" value="/accounts/">' in html
    assert f'href="{SIGN_IN}?next=/accounts/"' in html


def test_mismatched_passwords_rerender_with_message_and_keep_what_was_typed(client):
    response = client.post(SIGN_UP, sign_up_form(password2="something else entirely"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "didn’t match" in html
    assert 'value="ada"' in html
    assert 'value="ada@example.com"' in html
    assert GOOD_PASSWORD not in html
    assert 'id="id_password2_error"' in html
    assert 'aria-invalid="true"' in html
    assert not get_user_model().objects.filter(username="ada").exists()
    assert signed_in_user(client) is None


def test_taken_username_is_refused(client):
    PersonFactory(username="Ada")
    response = client.post(SIGN_UP, sign_up_form(role="instructor"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "A user with that username already exists." in html
    assert 'value="ada"' in html
    # The choice of role survives the re-render.
    assert (
        '<input type="radio" name="role" value="instructor" id="id_role_1" required checked>'
        in (html)
    )
    assert 'id="id_username"' in focused_input(html)


def test_weak_password_is_refused_with_the_validators_messages(client):
    response = client.post(SIGN_UP, sign_up_form(password1="123", password2="123"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "This password is too short." in html
    assert "This password is too common." in html
    assert "This password is entirely numeric." in html
    assert 'value="ada"' in html
    assert not get_user_model().objects.filter(username="ada").exists()


def test_first_field_with_an_error_gets_the_focus(client):
    html = client.post(SIGN_UP, sign_up_form(password2="nope")).content.decode()
    assert 'id="id_password2"' in focused_input(html)


def test_unknown_role_is_refused(client):
    response = client.post(SIGN_UP, sign_up_form(role="admin"))
    assert response.status_code == HTTPStatus.OK
    assert "Select a valid choice." in response.content.decode()


def test_signed_in_person_visiting_sign_up_goes_to_their_account(client):
    client.force_login(PersonFactory())
    assert client.get(SIGN_UP)["Location"] == ACCOUNT


def test_sign_in_page(client):
    html = client.get(SIGN_IN, {"next": "/accounts/"}).content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert 'autocomplete="current-password"' in html
    assert 'autocomplete="username"' in html
    assert f'href="{SIGN_UP}?next=/accounts/"' in html
    assert '<input type="hidden" name="next" value="/accounts/">' in html


def test_sign_in_with_wrong_password_shows_an_error(client):
    PersonFactory(username="grace")
    response = client.post(SIGN_IN, {"username": "grace", "password": "wrong"})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Please enter a correct username and password." in html
    assert 'value="grace"' in html
    assert signed_in_user(client) is None


def test_sign_in_honours_next(client):
    PersonFactory(username="grace")
    response = client.post(
        SIGN_IN + "?next=/accounts/", {"username": "grace", "password": GOOD_PASSWORD}
    )
    assert response["Location"] == "/accounts/"
    unsafe = client.post(
        SIGN_IN,
        {"username": "grace", "password": GOOD_PASSWORD, "next": "https://evil.example/"},
    )
    assert unsafe["Location"] == "/labs/course/"


def test_sign_out_requires_post(client):
    person = PersonFactory()
    client.force_login(person)
    assert client.get(SIGN_OUT).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert signed_in_user(client) == str(person.pk)
    response = client.post(SIGN_OUT)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/"
    assert signed_in_user(client) is None
    home = client.get("/").content.decode()
    assert "You have signed out." in home
    assert f'href="{SIGN_IN}?next=/"' in home


def test_account_page_requires_sign_in(client):
    response = client.get(ACCOUNT)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"{SIGN_IN}?next={ACCOUNT}"


def test_account_page_shows_role_and_changes_display_name(client):
    person = PersonFactory(username="grace")
    Profile.objects.create(user=person, role=Role.INSTRUCTOR)
    client.force_login(person)
    page = client.get(ACCOUNT)
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "Instructor" in html
    assert 'autocomplete="name"' in html

    response = client.post(ACCOUNT, {"display_name": "  Grace   Hopper "})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == ACCOUNT
    person.profile.refresh_from_db()
    assert person.profile.display_name == "Grace Hopper"
    html = client.get(ACCOUNT).content.decode()
    assert 'data-testid="account-name" aria-current="page">Grace Hopper<' in html
    assert "Your display name is saved." in html

    client.post(ACCOUNT, {"display_name": ""})
    person.profile.refresh_from_db()
    assert person.profile.display_name == ""
    assert ">grace<" in client.get("/").content.decode()


def test_display_name_too_long_rerenders(client):
    person = PersonFactory()
    client.force_login(person)
    response = client.post(ACCOUNT, {"display_name": "x" * 81})
    assert response.status_code == HTTPStatus.OK
    assert "at most 80 characters" in response.content.decode()


def test_header_for_anonymous_visitors_links_to_sign_in_and_sign_up(client):
    html = client.get("/").content.decode()
    assert f'href="{SIGN_IN}?next=/"' in html
    assert f'href="{SIGN_UP}?next=/"' in html
    assert "Sign out" not in html


@pytest.mark.parametrize("url", [SIGN_IN, SIGN_UP, "/"])
def test_pages_allow_forms_to_post_only_to_this_site(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["form-action"] == "'self'"


@pytest.mark.parametrize("username", ["+1+1", "-2+3", "@A1"])
def test_sign_up_refuses_a_username_a_spreadsheet_would_run_as_a_formula(client, username):
    response = client.post(SIGN_UP, sign_up_form(username=username))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Start your username with a letter, a digit, . or _" in html
    assert 'id="id_username"' in focused_input(html)
    assert not get_user_model().objects.filter(username=username).exists()
    assert signed_in_user(client) is None


@pytest.mark.parametrize("username", ["a+1", "ada-2", "ada@example.com", "_ada", ".ada"])
def test_sign_up_still_takes_those_characters_after_the_first(client, username):
    response = client.post(SIGN_UP, sign_up_form(username=username))
    assert response.status_code == HTTPStatus.FOUND
    assert get_user_model().objects.filter(username=username).exists()


@pytest.mark.parametrize("odd", ["999999", "accounts", "people:account"])
def test_sign_up_with_a_next_that_is_not_a_path_goes_home(client, odd):
    """A next that is no path was taken for a view name to reverse (a 500), or would have been
    taken relative to the form's page."""
    response = client.post(SIGN_UP, sign_up_form(next=odd))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/labs/course/"
    client.logout()
    response = client.get(SIGN_UP, {"next": odd})
    assert response.status_code == HTTPStatus.OK


def test_a_next_of_the_home_page_goes_to_the_course(client):
    """The header's Sign up and Sign in links carry the page they are on; from the home page
    that is "/", and a learner should land on the course, their home, instead."""
    response = client.post(SIGN_UP, sign_up_form(next="/"))
    assert response["Location"] == "/labs/course/"
    client.logout()
    response = client.post(SIGN_IN, {"username": "ada", "password": GOOD_PASSWORD, "next": "/"})
    assert response["Location"] == "/labs/course/"
