"""The profile in the admin: inline on each user, and a list to find instructors quickly."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from .models import Profile
from .roles import profile_of

User = get_user_model()


class ProfileInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Profile
    can_delete = False
    max_num = 1
    min_num = 1
    verbose_name_plural = "iamlab profile"


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):  # type: ignore[type-arg]
    inlines = [ProfileInline]
    list_display = ["username", "email", "role", "is_staff", "date_joined"]
    list_filter = ["profile__role", "is_staff", "is_superuser", "is_active"]
    list_select_related = ["profile"]

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # An existing user without a profile (createsuperuser) gets one first, so the inline
        # edits it rather than trying to add a second.
        user = super().get_object(request, object_id, from_field)
        if user is not None:
            profile_of(user)
        return user

    @admin.display(description="Role", ordering="profile__role")
    def role(self, user: Any) -> str:
        profile = profile_of(user)
        return profile.get_role_display() if profile else ""


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "role", "display_name"]
    list_filter = ["role"]
    list_editable = ["role"]
    search_fields = ["user__username", "display_name"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
