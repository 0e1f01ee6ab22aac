"""A person's iamlab profile: the role they signed up with and the name the pages show."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    STUDENT = "student", "Student"
    INSTRUCTOR = "instructor", "Instructor"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    display_name = models.CharField(
        max_length=80,
        blank=True,
        help_text="Shown in the header instead of the username. Leave empty to use the username.",
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR
