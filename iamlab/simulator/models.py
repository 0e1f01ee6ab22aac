from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.urls import reverse


class SimulationQuerySet(models.QuerySet["Simulation"]):
    def visible_to(self, request: HttpRequest) -> SimulationQuerySet:
        """A simulation belongs to the signed-in user, or to the anonymous browser session."""
        if request.user.is_authenticated:
            return self.filter(owner=request.user)
        key = request.session.session_key
        if not key:
            return self.none()
        return self.filter(owner__isnull=True, session_key=key)


class Simulation(models.Model):
    """One simulator run: the inputs a learner submitted, kept so the result has a URL that
    survives the back button and a reload. The decision is recomputed from the inputs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="simulations",
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SimulationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        data: dict[str, Any] = self.data if isinstance(self.data, dict) else {}
        return f"{data.get('action', '?')} by {data.get('principal', '?')}"

    def get_absolute_url(self) -> str:
        return reverse("simulator:simulation", args=[self.id])
