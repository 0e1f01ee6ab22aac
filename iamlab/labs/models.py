"""Scenarios as loaded from their folders. The folder's files are kept as written, so a
scenario exports back exactly; the parsed fields are what the pages read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from .scenario import TOPICS, Goal, Hint


class Scenario(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=40, choices=list(TOPICS.items()))
    difficulty = models.CharField(max_length=10)
    minutes = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    author = models.CharField(max_length=200, blank=True)
    objectives = models.JSONField(default=list)
    story = models.TextField()
    start = models.CharField(max_length=300)
    start_note = models.TextField(blank=True)
    goals = models.JSONField(default=list)
    hints = models.JSONField(default=list)
    walkthrough = models.TextField(blank=True)
    files = models.JSONField(default=dict)  # file name -> text, as written
    loaded_at = models.DateTimeField(auto_now=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def goal_list(self) -> list[Goal]:
        return [Goal.from_json(g) for g in self.goals]

    def hint_list(self) -> list[Hint]:
        return [Hint(**h) for h in self.hints]

    def as_fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in self._meta.fields if f.name != "id"}
