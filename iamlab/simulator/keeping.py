"""Which simulator runs are kept, and for how long.

A signed-in learner's runs are theirs to keep. An anonymous visitor's runs belong to their
browser session and are capped three ways, so they cannot pile up:

* each session keeps its newest ``IAMLAB_ANONYMOUS_SIMULATIONS_KEPT`` runs (older ones go when
  a new one is kept);
* one address may have ``IAMLAB_ANONYMOUS_SIMULATIONS_PER_HOUR`` runs kept an hour (past that,
  the answer still shows, but nothing is kept and no session is made for it), which bounds the
  sessions a client that drops its cookie can make;
* ``manage.py prune`` (run it daily) deletes expired sessions, and anonymous runs older than
  ``IAMLAB_ANONYMOUS_SIMULATION_DAYS`` days or whose session is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpRequest
from django.utils import timezone

from iamlab import throttle

from .models import Simulation

__all__ = ["Pruned", "anonymous_refusal", "keep", "prune"]

HOUR = 60 * 60


def _per_address() -> throttle.Limit:
    return throttle.Limit(
        "anonymous-simulations", settings.IAMLAB_ANONYMOUS_SIMULATIONS_PER_HOUR, HOUR
    )


def anonymous_refusal(request: HttpRequest) -> str:
    """Why this anonymous run will not be kept ("" if it will, and then it counts)."""
    address = throttle.client_address(request)
    refusal = throttle.blocked(_per_address(), address)
    if refusal is None:
        throttle.hit(_per_address(), address)
        return ""
    return (
        f"Not saved: this address has saved {refusal.limit.count} simulations in the last hour "
        f"without signing in. Sign in to keep yours, or try again {refusal.when}."
    )


def keep(request: HttpRequest, data: dict[str, Any]) -> Simulation:
    """Save a run for its owner, or for the anonymous visitor's session (made if need be),
    dropping that session's oldest runs past the cap."""
    if request.user.is_authenticated:
        return Simulation.objects.create(owner=request.user, data=data)
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key or ""
    simulation = Simulation.objects.create(owner=None, session_key=key, data=data)
    older = Simulation.objects.filter(owner__isnull=True, session_key=key).order_by(
        "-created_at", "-pk"
    )[settings.IAMLAB_ANONYMOUS_SIMULATIONS_KEPT :]
    Simulation.objects.filter(pk__in=list(older.values_list("pk", flat=True))).delete()
    return simulation


@dataclass(frozen=True)
class Pruned:
    sessions: int
    simulations: int


def prune() -> Pruned:
    """Delete expired sessions, then anonymous runs past their days or without a session."""
    engine = import_module(settings.SESSION_ENGINE)
    sessions = 0
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    else:
        engine.SessionStore.clear_expired()
    cutoff = timezone.now() - timedelta(days=settings.IAMLAB_ANONYMOUS_SIMULATION_DAYS)
    anonymous = Simulation.objects.filter(owner__isnull=True)
    old, _ = anonymous.filter(created_at__lt=cutoff).delete()
    orphans = 0
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        live = Session.objects.values("session_key")
        orphans, _ = anonymous.exclude(session_key__in=live).delete()
    return Pruned(sessions, old + orphans)
