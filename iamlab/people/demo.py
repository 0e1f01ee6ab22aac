"""The demo people ``load_demo`` creates: one instructor, one student."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Profile, Role

DEMO_PASSWORD = "iamlab-demo"  # noqa: S105 - a published local demo login, created on request
DEMO_PEOPLE: tuple[tuple[str, Role, str], ...] = (
    ("demo-instructor", Role.INSTRUCTOR, "Demo Instructor"),
    ("demo-student", Role.STUDENT, "Demo Student"),
)


@transaction.atomic
def ensure_demo_people() -> list[tuple[str, str, str, bool]]:
    """Create the demo people if missing. Returns (username, role, password, created) rows;
    the password is ``"(unchanged)"`` for a person who already existed."""
    password = os.environ.get("IAMLAB_DEMO_PASSWORD") or DEMO_PASSWORD
    rows: list[tuple[str, str, str, bool]] = []
    for username, role, name in DEMO_PEOPLE:
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(password)
            user.save()
        profile, _ = Profile.objects.get_or_create(
            user_id=user.pk, defaults={"role": role, "display_name": name}
        )
        if profile.role != role:
            profile.role = role
            profile.save(update_fields=["role"])
        rows.append((username, role.value, password if created else "(unchanged)", created))
    return rows
