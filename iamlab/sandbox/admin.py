"""Django admin for every sandbox model: for staff who look after learners' data."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from . import models


class VersionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.PolicyVersion
    extra = 0


@admin.register(models.Sandbox)
class SandboxAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "owner", "version", "updated_at"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner"]


@admin.register(models.ManagedPolicy)
class ManagedPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "account", "path", "policy_id"]
    list_filter = [("account", admin.EmptyFieldListFilter)]
    search_fields = ["name", "policy_id"]
    inlines = [VersionInline]
    raw_id_fields = ["sandbox", "account"]


_SIMPLE: list[tuple[type[Model], list[str], list[str]]] = [
    (models.Organization, ["org_id", "sandbox", "identity_center_enabled"], ["org_id"]),
    (models.OrgUnit, ["name", "unit_id", "organization", "parent"], ["name", "unit_id"]),
    (models.Account, ["name", "account_id", "sandbox", "is_management"], ["name", "account_id"]),
    (models.PolicyVersion, ["policy", "version_id", "is_default", "created_at"], ["policy__name"]),
    (models.IamUser, ["name", "account", "path", "unique_id"], ["name", "unique_id"]),
    (models.IamGroup, ["name", "account", "path", "unique_id"], ["name", "unique_id"]),
    (models.Role, ["name", "account", "path", "managed_by", "unique_id"], ["name", "unique_id"]),
    (models.InlinePolicy, ["name", "user", "group", "role"], ["name"]),
    (models.AccessKey, ["key_id", "account", "user", "status", "last_used_at"], ["key_id"]),
    (models.MfaDevice, ["name", "account", "user", "kind"], ["name"]),
    (models.ServiceCredential, ["service_user_name", "service", "status"], ["credential_id"]),
    (models.SshPublicKey, ["key_id", "user", "status"], ["key_id"]),
    (models.InstanceProfile, ["name", "account", "role"], ["name", "profile_id"]),
    (models.Ec2Instance, ["instance_id", "name", "account", "instance_profile"], ["instance_id"]),
    (models.IdentityProvider, ["name", "kind", "account", "managed_by"], ["name"]),
    (models.SsoUser, ["user_name", "display_name", "email", "sandbox"], ["user_name", "email"]),
    (models.SsoGroup, ["name", "sandbox"], ["name"]),
    (models.PermissionSet, ["name", "session_duration", "sandbox"], ["name"]),
    (models.AccountAssignment, ["permission_set", "account", "sso_user", "sso_group"], []),
    (models.OrgPolicy, ["name", "kind", "organization", "aws_managed"], ["name", "policy_id"]),
    (models.Resource, ["name", "kind", "account", "region"], ["name"]),
    (models.StsSession, ["arn", "via", "issued_at", "expires_at"], ["arn", "access_key_id"]),
]

for _model, _display, _search in _SIMPLE:
    _fks = [
        f.name
        for f in _model._meta.get_fields()
        if f.many_to_one and f.concrete and f.name not in ("owner",)
    ]
    admin.site.register(
        _model,
        type(
            f"{_model.__name__}Admin",
            (admin.ModelAdmin,),
            {"list_display": _display, "search_fields": _search, "raw_id_fields": _fks},
        ),
    )


@admin.register(models.Job)
class JobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Background jobs, to see what a worker did or why something failed; read-only (a job is
    made by the page that queued it and changed only by the worker)."""

    list_display = ["title", "owner", "kind", "state", "created_at", "finished_at"]
    list_filter = ["state", "kind"]
    search_fields = ["title", "owner__username"]
    exclude = ["payload"]
    list_select_related = ["owner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
