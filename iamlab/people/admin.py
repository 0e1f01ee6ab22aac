"""The profile in the admin: inline on each user, and a list to find instructors quickly."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import Profile, Role
from .roles import profile_of

User = get_user_model()


class ProfileInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Profile
    fk_name = "user"
    readonly_fields = ["teach_requested_at", "approved_by", "approved_at"]
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


class AsksToTeach(admin.SimpleListFilter):
    title = "asks to teach"
    parameter_name = "asks"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Waiting for approval")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Profile]) -> QuerySet[Profile]:
        if self.value() == "yes":
            return queryset.filter(teach_requested_at__isnull=False).exclude(role=Role.INSTRUCTOR)
        return queryset


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "role", "display_name", "teach_requested_at", "approved_by"]
    list_filter = [AsksToTeach, "role"]
    search_fields = ["user__username", "display_name"]
    raw_id_fields = ["user"]
    readonly_fields = ["teach_requested_at", "approved_by", "approved_at"]
    list_select_related = ["user", "approved_by"]
    actions = ["approve", "decline", "make_student"]

    @admin.action(description="Approve as instructors")
    def approve(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        done = queryset.exclude(role=Role.INSTRUCTOR).update(
            role=Role.INSTRUCTOR,
            teach_requested_at=None,
            approved_by=request.user,
            approved_at=timezone.now(),
        )
        self.message_user(request, f"{done} now instructor{'s' if done != 1 else ''}.")

    @admin.action(description="Decline their requests to teach")
    def decline(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        done = queryset.exclude(role=Role.INSTRUCTOR).update(teach_requested_at=None)
        self.message_user(request, f"{done} request{'s' if done != 1 else ''} declined.")

    @admin.action(description="Make students (no longer instructors)")
    def make_student(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        done = queryset.update(role=Role.STUDENT, teach_requested_at=None)
        self.message_user(request, f"{done} now student{'s' if done != 1 else ''}.")
