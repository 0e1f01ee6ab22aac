"""Anonymous simulator runs cannot pile up: capped per session and per address, and pruned."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from iamlab.simulator.models import Simulation
from tests.sandbox.factories import PersonFactory

from .test_views import URL, form

pytestmark = pytest.mark.django_db


def test_an_anonymous_session_keeps_its_newest_runs(client, settings):
    settings.IAMLAB_ANONYMOUS_SIMULATIONS_KEPT = 3
    urls = [client.post(URL, form())["Location"] for _ in range(5)]
    assert Simulation.objects.count() == 3
    assert [client.get(u).status_code for u in urls] == [404, 404, 200, 200, 200]


def test_signed_in_learners_keep_every_run(client, settings):
    settings.IAMLAB_ANONYMOUS_SIMULATIONS_KEPT = 1
    settings.IAMLAB_ANONYMOUS_SIMULATIONS_PER_HOUR = 1
    client.force_login(PersonFactory())
    for _ in range(3):
        assert client.post(URL, form()).status_code == HTTPStatus.FOUND
    assert Simulation.objects.count() == 3


def test_an_address_has_so_many_anonymous_runs_kept_an_hour(settings):
    settings.IAMLAB_ANONYMOUS_SIMULATIONS_PER_HOUR = 2
    # A client that drops its cookie each time would make a session per run.
    for _ in range(2):
        assert Client().post(URL, form()).status_code == HTTPStatus.FOUND
    assert (Simulation.objects.count(), Session.objects.count()) == (2, 2)
    for headers in ({}, {"HX-Request": "true"}):
        response = Client().post(URL, form(), headers=headers)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert '<span class="badge" data-testid="decision">Allowed</span>' in html  # answered
        assert "Not saved: this address has saved 2 simulations in the last hour" in html
        assert "try again in 60 minutes" in html
        assert 'data-testid="permalink"' not in html
        assert "HX-Push-Url" not in response
    assert (Simulation.objects.count(), Session.objects.count()) == (2, 2)
    # Another address, or a signed-in learner, is not held up.
    assert Client(REMOTE_ADDR="198.51.100.9").post(URL, form()).status_code == HTTPStatus.FOUND
    learner = Client()
    learner.force_login(PersonFactory())
    assert learner.post(URL, form()).status_code == HTTPStatus.FOUND
    assert Simulation.objects.count() == 4


def _age(simulation, days):
    Simulation.objects.filter(pk=simulation.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_prune_deletes_expired_sessions_and_old_or_orphaned_anonymous_runs(settings):
    settings.IAMLAB_ANONYMOUS_SIMULATION_DAYS = 7
    visitor = Client()
    visitor.post(URL, form())
    recent = Simulation.objects.get()
    visitor.post(URL, form())
    old = Simulation.objects.exclude(pk=recent.pk).get()
    _age(old, 8)
    gone = Client()
    gone.post(URL, form())
    orphan = Simulation.objects.exclude(pk__in=[recent.pk, old.pk]).get()
    Session.objects.filter(session_key=orphan.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    learner = PersonFactory()
    owned = Simulation.objects.create(owner=learner, data={})
    _age(owned, 400)

    out = StringIO()
    call_command("prune", stdout=out)
    assert out.getvalue().strip() == (
        "Deleted 1 expired sessions, 2 anonymous simulator runs and 0 finished jobs."
    )
    assert set(Simulation.objects.values_list("pk", flat=True)) == {recent.pk, owned.pk}
    assert visitor.get(recent.get_absolute_url()).status_code == HTTPStatus.OK
    assert Session.objects.count() == 1
