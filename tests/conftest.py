"""Fixtures shared by the web tests: a person, their Example Corp, and a client signed in as
them."""

from __future__ import annotations

import pytest

from iamlab.sandbox import demo
from tests.sandbox.factories import PersonFactory


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
