"""Too many failed sign-ins: refused per account and per address, with when to try again, and
before any password is hashed."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from iamlab import throttle
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("people:login")
RIGHT = "correct horse battery staple"


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttle, "time", fake)
    return fake


@pytest.fixture
def hashing(monkeypatch):
    """How many sign-ins reached the backend that hashes the password."""
    calls = []
    real = ModelBackend.authenticate

    def counted(self, request, username=None, password=None, **kwargs):
        calls.append(username)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counted)
    return calls


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return client.session.get("_auth_user_id")


def test_an_account_locks_after_five_failures_and_the_right_password_waits(client, clock):
    grace = PersonFactory(username="grace")
    for _ in range(4):
        response = sign_in(client, "grace", "wrong")
        assert response.status_code == HTTPStatus.OK
        assert "Please enter a correct username and password" in response.content.decode()
    fifth = sign_in(client, "grace", "wrong")
    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert (
        "Too many failed sign-ins for this account; try again in 15 minutes."
        in fifth.content.decode()
    )
    assert fifth["Retry-After"] == "900"
    clock.now += 60
    right = sign_in(client, "grace", RIGHT)
    assert right.status_code == HTTPStatus.TOO_MANY_REQUESTS
    html = right.content.decode()
    assert "Too many failed sign-ins for this account; try again in 14 minutes." in html
    assert 'value="grace"' in html  # the form comes back, as typed (but the password)
    assert right["Retry-After"] == "840"
    assert signed_in(client) is None
    # Refused tries are not counted: the time given stays true. When it has passed, the right
    # password signs in.
    clock.now += 840
    response = sign_in(client, "grace", RIGHT)
    assert response.status_code == HTTPStatus.FOUND
    assert signed_in(client) == str(grace.pk)


def test_two_hundred_wrong_passwords_then_the_right_one_does_not_sign_in(client, clock, hashing):
    PersonFactory(username="grace")
    statuses = [sign_in(client, "grace", f"guess-{i}").status_code for i in range(200)]
    assert statuses[:4] == [HTTPStatus.OK] * 4
    assert set(statuses[4:]) == {HTTPStatus.TOO_MANY_REQUESTS}
    assert sign_in(client, "grace", RIGHT).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert signed_in(client) is None
    # Only the five counted failures were hashed; every refused try stopped before that.
    assert len(hashing) == 5


def test_the_count_is_per_account_in_any_case(client, clock):
    PersonFactory(username="grace")
    ada = PersonFactory(username="ada")
    for name in ("grace", "Grace", "GRACE", "grace", "gRace"):
        sign_in(client, name, "wrong")
    assert sign_in(client, "grace", RIGHT).status_code == HTTPStatus.TOO_MANY_REQUESTS
    # Another account from the same address is not held up.
    assert sign_in(client, "ada", RIGHT).status_code == HTTPStatus.FOUND
    assert signed_in(client) == str(ada.pk)


def test_a_successful_sign_in_clears_the_accounts_count(client, clock):
    PersonFactory(username="grace")
    for _ in range(4):
        sign_in(client, "grace", "wrong")
    assert sign_in(client, "grace", RIGHT).status_code == HTTPStatus.FOUND
    client.post(reverse("people:logout"))
    for _ in range(4):
        assert sign_in(client, "grace", "wrong").status_code == HTTPStatus.OK


def test_one_address_trying_many_accounts_is_stopped(client, clock, settings, hashing):
    settings.IAMLAB_SIGN_IN_FAILURES_PER_ADDRESS = 3
    ada = PersonFactory(username="ada")
    for name in ("alice", "bob", "carol"):
        sign_in(client, name, "wrong")
    response = sign_in(client, "ada", RIGHT)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert (
        "Too many failed sign-ins from your network; try again in 15 minutes."
        in response.content.decode()
    )
    assert len(hashing) == 3
    # Someone elsewhere signs in to that account.
    elsewhere = Client()
    assert sign_in(elsewhere, "ada", RIGHT, address="198.51.100.9").status_code == 302
    assert signed_in(elsewhere) == str(ada.pk)


def test_the_admin_sign_in_is_throttled_too(client, clock):
    PersonFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    client.post("/admin/login/", {"username": "root", "password": RIGHT})
    assert signed_in(client) is None


def test_tests_and_scripts_that_sign_in_without_a_request_are_not_throttled(client, clock):
    PersonFactory(username="grace")
    for _ in range(6):
        sign_in(client, "grace", "wrong")
    assert Client().login(username="grace", password=RIGHT)


def test_counts_are_kept_where_every_worker_process_sees_them(client):
    # Not a per-process LocMemCache: a table in the site's database.
    assert isinstance(caches[settings.IAMLAB_THROTTLE_CACHE], DatabaseCache)
    PersonFactory(username="grace")
    sign_in(client, "grace", "wrong")
    table = connection.ops.quote_name(caches[settings.IAMLAB_THROTTLE_CACHE]._table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - a fixed table name
        assert cursor.fetchone()[0] == 2  # the account's count and the address's


def test_migrate_makes_the_cache_table():
    table = caches[settings.IAMLAB_THROTTLE_CACHE]._table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    assert table not in connection.introspection.table_names()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert table in connection.introspection.table_names()


# -- the counter and the address ------------------------------------------------------------


def test_a_slot_another_process_just_filled_is_not_lost(clock):
    limit = throttle.Limit("test", 3, 60)
    cache = caches[settings.IAMLAB_THROTTLE_CACHE]
    first_slot = throttle._slots(limit, "k")[0]
    assert cache.add(first_slot, clock.now, timeout=60)  # the other process
    assert throttle.hit(limit, "k") is None  # takes the second slot
    refusal = throttle.hit(limit, "k")  # the third: full
    assert refusal is not None
    assert refusal.retry_after == 60
    assert throttle.blocked(limit, "k") == refusal
    clock.now += 61
    assert throttle.blocked(limit, "k") is None
    assert throttle.hit(limit, "k") is None


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "198.51.100.1", "203.0.113.7"),  # a header a client may write
        (1, "10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),  # one proxy appended it
        (2, "10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (1, "10.0.0.2", "", "10.0.0.2"),  # no header: the connection's address
        (0, "2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"),  # one client's IPv6 block
        (0, "::ffff:203.0.113.7", "", "203.0.113.7"),
    ],
)
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.IAMLAB_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttle.client_address(request) == expected
