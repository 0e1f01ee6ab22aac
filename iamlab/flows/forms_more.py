"""The forms of the cross-account and AWS-service flows.

Each form only takes what belongs to its sandbox (a guessed id of another sandbox's object is a
form error) and checks an action's spelling against AWS's catalog before the engine sees it.
"""

from __future__ import annotations

from typing import Any

from django import forms

from iamlab.policy import catalog
from iamlab.sandbox import models
from iamlab.web import RefusesNul

from .forms import ContextKeysField, FlowForm, RegionField, home_region

Grouped = list[tuple[str, list[tuple[Any, str]]]]


def check_action(text: str) -> str:
    """``service:Action`` as AWS spells it; a ValidationError that says what is wrong."""
    action = text.strip()
    service, sep, name = action.partition(":")
    if not sep or not service or not name:
        raise forms.ValidationError("Write the action as service:Action, for example s3:GetObject.")
    if "*" in action or "?" in action:
        raise forms.ValidationError(
            "A request is for one action: wildcards belong in policies, not in requests."
        )
    info = catalog.action_info(action)
    if info is None:
        raise forms.ValidationError(str(catalog.unknown_action(action)))
    return info.full_name


def _account_label(account: models.Account) -> str:
    return f"{account.name} ({account.account_id})"


def caller_choices(sandbox: models.Sandbox) -> Grouped:
    """IAM users and roles, by account (a role calls as a session of itself)."""
    grouped: dict[str, list[tuple[Any, str]]] = {}
    for user in models.IamUser.objects.filter(sandbox=sandbox).select_related("account"):
        grouped.setdefault(_account_label(user.account), []).append(
            (f"user:{user.pk}", f"IAM user {user.name}")
        )
    for role in models.Role.objects.filter(sandbox=sandbox).select_related("account"):
        if role.managed_by == "service-linked":
            continue  # only its service uses it
        grouped.setdefault(_account_label(role.account), []).append(
            (f"role:{role.pk}", f"Role {role.name} (a session of it)")
        )
    return sorted(grouped.items())


def assumable_role_choices(sandbox: models.Sandbox) -> Grouped:
    grouped: dict[str, list[tuple[Any, str]]] = {}
    for role in models.Role.objects.filter(sandbox=sandbox).select_related("account"):
        if role.managed_by == "service-linked":
            continue
        grouped.setdefault(_account_label(role.account), []).append(
            (role.pk, role.name if role.path == "/" else f"{role.path}{role.name}")
        )
    return sorted(grouped.items())


def resource_choices(sandbox: models.Sandbox, kind: str | None = None) -> Grouped:
    grouped: dict[str, list[tuple[Any, str]]] = {}
    qs = models.Resource.objects.filter(sandbox=sandbox).select_related("account")
    if kind is not None:
        qs = qs.filter(kind=kind)
    for res in qs:
        label = f"{res.get_kind_display()} {res.name}"
        if kind is None and not res.policy.strip():
            label += " (no resource-based policy)"
        grouped.setdefault(_account_label(res.account), []).append((res.pk, label))
    return sorted(grouped.items())


def optional_role(sandbox: models.Sandbox, pk: int | None) -> models.Role | None:
    """The chosen role of this sandbox (service-linked roles excluded: only their service uses
    them), None if none was chosen."""
    if pk is None:
        return None
    found: models.Role | None = (
        models.Role.objects.filter(sandbox=sandbox, pk=pk)
        .exclude(managed_by="service-linked")
        .select_related("account")
        .first()
    )
    if found is None:
        raise forms.ValidationError("Choose a role of this sandbox.")
    return found


class CrossAccountForm(FlowForm):
    """Who asks, and what they want in another account: a role to assume, a resource, an
    action on it."""

    caller = forms.ChoiceField(
        label="Caller",
        error_messages={"invalid_choice": "Choose an IAM user or a role of this sandbox."},
        help_text="The IAM user or role (a session of it) that wants access: the trusted "
        "account's principal.",
    )
    mfa = forms.BooleanField(
        label="The caller signed in with MFA (aws:MultiFactorAuthPresent is true)",
        required=False,
    )
    role = forms.TypedChoiceField(
        coerce=int,
        label="Role in another account",
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a role of this sandbox."},
        help_text="The way through a role: the caller assumes it, then acts as the role.",
    )
    resource = forms.TypedChoiceField(
        coerce=int,
        label="Resource in another account",
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a resource of this sandbox."},
        help_text="What the caller wants to reach. Without a role, only its resource-based "
        "policy can let another account in.",
    )
    action = forms.CharField(
        label="Action",
        max_length=200,
        required=False,
        help_text="What to do with the resource, e.g. s3:GetObject (empty: the usual action "
        "for the resource).",
    )
    region = RegionField(
        help_text="Where the calls go (aws:RequestedRegion); a resource's own region unless "
        "you pick another.",
    )
    context = ContextKeysField(mfa_how="tick the MFA box above.")

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        fields: Any = self.fields
        fields["caller"].choices = [("", "Choose a caller…"), *caller_choices(sandbox)]
        fields["role"].choices = [("", "No role"), *assumable_role_choices(sandbox)]
        fields["resource"].choices = [("", "No resource"), *resource_choices(sandbox)]
        home = home_region(sandbox)
        fields["region"].choices = [
            ("", f"The resource's region (else {home})"),
            *models.REGION_CHOICES,
        ]
        fields["region"].initial = ""

    def clean_region(self) -> str:
        """The region chosen, or "" for the resource's own (the view resolves it)."""
        return str(self.cleaned_data.get("region") or "")

    def clean_caller(self) -> models.IamUser | models.Role:
        kind, _, pk = self.cleaned_data["caller"].partition(":")
        model: Any = {"user": models.IamUser, "role": models.Role}.get(kind)
        found = None
        if model is not None and pk.isdigit():
            found = model.objects.filter(sandbox=self.sandbox, pk=int(pk)).first()
        if found is None or getattr(found, "managed_by", "") == "service-linked":
            raise forms.ValidationError("Choose an IAM user or a role of this sandbox.")
        caller: models.IamUser | models.Role = found
        return caller

    def clean_role(self) -> models.Role | None:
        return optional_role(self.sandbox, self.cleaned_data.get("role"))

    def clean_resource(self) -> models.Resource | None:
        pk = self.cleaned_data.get("resource")
        if pk is None:
            return None
        found: models.Resource | None = (
            models.Resource.objects.filter(sandbox=self.sandbox, pk=pk)
            .select_related("account")
            .first()
        )
        if found is None:
            raise forms.ValidationError("Choose a resource of this sandbox.")
        return found

    def clean_action(self) -> str:
        text: str = self.cleaned_data.get("action", "")
        return check_action(text) if text.strip() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        caller = data.get("caller")
        role, resource = data.get("role"), data.get("resource")
        if "role" in data and "resource" in data and role is None and resource is None:
            self.add_error("role", "Choose a role to assume, a resource, or both.")
        if caller is None:
            return data
        for name, target in (("role", role), ("resource", resource)):
            if target is not None and target.account_id == caller.account_id:
                self.add_error(
                    name,
                    f"{target.name} is in the caller's own account "
                    f"({caller.account.account_id}): choose one in another account. (Within "
                    f"one account, either the identity policy or the resource-based policy "
                    f"is enough.)",
                )
        if resource is not None and not data.get("action") and "action" not in self.errors:
            data["action"] = resource.sample_action
        return data


class RunFunctionForm(FlowForm):
    """Invoke a Lambda function: Lambda assumes its execution role first."""

    function = forms.TypedChoiceField(
        coerce=int,
        label="Lambda function",
        error_messages={"invalid_choice": "Choose a Lambda function of this sandbox."},
    )
    role = forms.TypedChoiceField(
        coerce=int,
        label="Execution role",
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a role of this sandbox."},
        help_text="The role Lambda assumes to run the function (empty: the function's own). "
        "Pick another to see what happens when its trust policy does not trust Lambda.",
    )

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        fields: Any = self.fields
        fields["function"].choices = [
            ("", "Choose a function…"),
            *resource_choices(sandbox, "lambda"),
        ]
        fields["role"].choices = [
            ("", "The function's execution role"),
            *assumable_role_choices(sandbox),
        ]

    def clean_function(self) -> models.Resource:
        found: models.Resource | None = (
            models.Resource.objects.filter(
                sandbox=self.sandbox, kind="lambda", pk=self.cleaned_data["function"]
            )
            .select_related("account", "role")
            .first()
        )
        if found is None:
            raise forms.ValidationError("Choose a Lambda function of this sandbox.")
        return found

    def clean_role(self) -> models.Role | None:
        return optional_role(self.sandbox, self.cleaned_data.get("role"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        function: models.Resource | None = data.get("function")
        if function is None or "role" in self.errors:
            return data
        role = data.get("role") or function.role
        if role is None:
            self.add_error(
                "role",
                f"{function.name} has no execution role: choose one. Lambda cannot run a "
                f"function without a role to assume.",
            )
        elif role.account_id != function.account_id:
            self.add_error(
                "role",
                f"{role.name} is in account {role.account.account_id}, the function in "
                f"{function.account.account_id}: a function's execution role belongs to the "
                f"function's own account.",
            )
        data["role"] = role
        return data


class FunctionCallForm(RefusesNul, forms.Form):
    """One call the function's code makes with the credentials Lambda gave it."""

    action = forms.CharField(label="Action", max_length=200, initial="logs:CreateLogGroup")
    resource = forms.CharField(
        label="Resource ARN",
        max_length=2048,
        required=False,
        help_text="Empty means * (for actions that take no resource).",
        widget=forms.TextInput(attrs={"class": "mono", "list": "function-arns"}),
    )
    region = RegionField(
        help_text="A function calls its own region unless its code says otherwise; policies "
        "read it as aws:RequestedRegion."
    )
    context = ContextKeysField(
        mfa_how="a function's credentials never carry MFA (no one typed a code)."
    )

    def clean_action(self) -> str:
        return check_action(self.cleaned_data["action"])

    def clean_region(self) -> str:
        return (
            str(self.cleaned_data.get("region") or self.initial.get("region") or "")
            or (models.REGIONS[0])
        )

    def clean_resource(self) -> str:
        text: str = self.cleaned_data.get("resource", "").strip()
        if text and text != "*" and not text.startswith("arn:"):
            raise forms.ValidationError(
                "Write the resource as an ARN (arn:aws:service:region:account:...) or *."
            )
        return text or "*"
