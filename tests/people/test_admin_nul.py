"""The admin is Django's: a NUL (U+0000) in its list filters or selected actions failed the
query on PostgreSQL (a 500). The app's forms refuse NUL at the field; the admin answers 400."""

from __future__ import annotations

from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("get", {"profile__role": "stud\x00ent"}),
        ("get", {"q": "a\x00b"}),
        ("post", {"action": "delete_selected", "_selected_action": ["1\x00"]}),
    ],
)
def test_a_nul_in_an_admin_request_is_refused(admin_client, method, data):
    response = getattr(admin_client, method)("/admin/auth/user/", data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "NUL character (U+0000)" in response.content.decode()


def test_the_admin_still_works_without_one(admin_client):
    assert admin_client.get("/admin/auth/user/", {"q": "ab"}).status_code == HTTPStatus.OK
