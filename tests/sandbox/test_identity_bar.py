"""Who the learner is, on every sandbox page: the identity bar reads a name from the database
and does not build the sandbox's World (every policy of it read and parsed), which a page that
shows no decision should not wait for, after each change and in a new process alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iamlab.sandbox import demo, models, sessions
from iamlab.sandbox.world import World

from .factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corp():
    return demo.build_example_corp(PersonFactory(username="dana"))


def _keys(sandbox: models.Sandbox) -> list[str]:
    account = models.Account.objects.filter(sandbox=sandbox).order_by("pk").first()
    user = models.IamUser.objects.filter(sandbox=sandbox).order_by("pk").first()
    assert account is not None
    assert user is not None
    return [
        "",
        f"root:{account.pk}",
        f"user:{user.pk}",
        f"user:{user.pk}:mfa",
        "user:999999",  # deleted since: the designer again
        "nonsense",
    ]


def test_the_database_names_everyone_as_the_world_does(corp):
    world = World.for_sandbox(corp)
    for key in _keys(corp):
        assert sessions.identity_for(corp, None, key) == sessions.identity_for(corp, world, key)
    user = sessions.identity_for(corp, None, _keys(corp)[2])
    assert user.label.startswith("IAM user ")
    assert user.arn.startswith("arn:aws:iam::")


def test_a_sandbox_page_shows_who_you_are_without_building_the_world(client, corp, monkeypatch):
    user = models.IamUser.objects.get(sandbox=corp, name="alice")
    models.Sandbox.objects.filter(pk=corp.pk).update(acting_as=f"user:{user.pk}")

    def refuse(*args, **kwargs):
        raise AssertionError("the page built the World")

    monkeypatch.setattr(World, "load", classmethod(refuse))
    client.force_login(corp.owner)
    for url in (
        reverse("sandbox:overview", args=[corp.pk]),
        reverse("sandbox:list_kind", args=[corp.pk, "users"]),
    ):
        page = client.get(url).content.decode()
        assert "IAM user alice (" in page, url
