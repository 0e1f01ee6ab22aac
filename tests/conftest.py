"""Fixtures shared by the web tests: a person, their Example Corp, and a client signed in as
them."""

from __future__ import annotations

import pytest

from iamlab.sandbox import demo
from tests.sandbox.factories import PersonFactory


@pytest.fixture(autouse=True)
def _throttle_counts_start_at_zero(request, django_db_blocker):
    """The sign-in and simulator limits count in a cache table of the database. A test's
    rollback undoes its counts, but a transactional test (the browser tests) commits them and
    Django's flush leaves that table alone, so later tests would start over a limit. Only for
    tests that use the database: the others must not open a connection."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("django_db_setup")
    from django.core.cache import caches

    with django_db_blocker.unblock():
        caches["throttle"].clear()


@pytest.fixture
def person():
    return PersonFactory()


@pytest.fixture
def corp(person):
    return demo.build_example_corp(person)


@pytest.fixture
def web(client, person):
    client.force_login(person)
    return client
