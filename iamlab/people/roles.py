"""Who is a student and who is an instructor. Instructors get everything students get, and more.

Call these with ``request.user``; an anonymous visitor has no role.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Profile, Role

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


def profile_of(user: AnyUser) -> Profile | None:
    """The person's profile, created (as a student) if they have none; ``None`` if anonymous."""
    if not user.is_authenticated or user.pk is None:
        return None
    try:
        profile: Profile = user.profile  # type: ignore[attr-defined]
    except Profile.DoesNotExist:
        profile, _ = Profile.objects.get_or_create(user_id=user.pk)
        user.profile = profile  # type: ignore[attr-defined]  # cache it on the user
    return profile


def role_of(user: AnyUser) -> str:
    """``"student"`` or ``"instructor"``; ``""`` for an anonymous visitor."""
    profile = profile_of(user)
    return profile.role if profile is not None else ""


def is_instructor(user: AnyUser) -> bool:
    return role_of(user) == Role.INSTRUCTOR


def display_name(user: AnyUser) -> str:
    """The name the pages show: the display name if set, else the username."""
    profile = profile_of(user)
    if profile is not None and profile.display_name.strip():
        return profile.display_name.strip()
    return user.get_username()


def instructor_required[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Sends anonymous visitors to sign in, and answers 403 to students."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not is_instructor(request.user):
            raise PermissionDenied("Only instructors can open this page.")
        return view(request, *args, **kwargs)

    return cast("Callable[Concatenate[HttpRequest, P], HttpResponse]", login_required(wrapped))
