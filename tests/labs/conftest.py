"""Shared pieces of the labs tests: the shipped groups lab, and signed-in clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from iamlab.labs.loading import load, read_path
from iamlab.labs.models import Scenario
from iamlab.people.models import Profile, Role

SHIPPED = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


@pytest.fixture
def groups_lab() -> Scenario:
    load({"groups": read_path(SHIPPED)["groups"]})
    return Scenario.objects.get(slug="groups")


def signed_in(name: str, role: str = Role.STUDENT) -> tuple[Client, User]:
    user = User.objects.create_user(name, password="pw-for-tests-1")
    Profile.objects.update_or_create(user=user, defaults={"role": role})
    client = Client()
    client.force_login(user)
    return client, user
