"""Shared pieces of the labs tests: the shipped groups lab, its solution, and signed-in
clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from iamlab.labs.loading import load, read_path
from iamlab.labs.models import Scenario
from iamlab.people.models import Profile, Role
from iamlab.sandbox import services
from iamlab.sandbox.models import IamGroup, IamUser, InlinePolicy, Sandbox

SHIPPED = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


@pytest.fixture
def groups_lab() -> Scenario:
    load({"groups": read_path(SHIPPED)["groups"]})
    return Scenario.objects.get(slug="groups")


def solve_groups_lab(sandbox: Sandbox) -> None:
    """The groups lab's three changes, as its walkthrough makes them: Joe's policy scoped to
    the Developers group, Eve added to Contractors, and a policy on Developers that lets its
    members switch to SiteDeployer."""
    policy = InlinePolicy.objects.get(user__name="joe", user__account__sandbox=sandbox)
    policy.document = policy.document.replace(
        '"Resource": "*"', '"Resource": "arn:aws:iam::111122223333:group/Developers"'
    )
    policy.save()
    groups = IamGroup.objects.filter(account__sandbox=sandbox)
    eve = IamUser.objects.get(name="eve", account__sandbox=sandbox)
    services.add_to_group(eve, groups.get(name="Contractors"))
    InlinePolicy.objects.create(
        sandbox=sandbox,
        group=groups.get(name="Developers"),
        name="SwitchToSiteDeployer",
        document=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            '"Action": "sts:AssumeRole", '
            '"Resource": "arn:aws:iam::111122223333:role/SiteDeployer"}]}'
        ),
    )


def signed_in(name: str, role: str = Role.STUDENT) -> tuple[Client, User]:
    user = User.objects.create_user(name, password="pw-for-tests-1")
    Profile.objects.update_or_create(user=user, defaults={"role": role})
    client = Client()
    client.force_login(user)
    return client, user
