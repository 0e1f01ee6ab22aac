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

    # Becoming an instructor takes a staff member's approval: until then the account is a
    # student's, and ``teach_requested_at`` says when they asked.
    teach_requested_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who made this person an instructor.",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def asks_to_teach(self) -> bool:
        """Waiting for a staff member to approve them as an instructor."""
        return self.teach_requested_at is not None and self.role != Role.INSTRUCTOR

    @property
    def is_instructor(self) -> bool:
        return self.role == Role.INSTRUCTOR
