"""Fixtures of the sandbox pages' tests: a person's own sandbox (one account), and a client
signed in as them. ``person`` comes from tests/conftest.py."""

from __future__ import annotations

import pytest

from iamlab.sandbox import models, services


@pytest.fixture
def sandbox(person):
    return services.create_sandbox(person, "Mine")


@pytest.fixture
def account(sandbox):
    return models.Account.objects.get(sandbox=sandbox)


@pytest.fixture
def client_in(client, person):
    client.force_login(person)
    return client
