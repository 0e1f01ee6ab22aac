"""Forms for sandbox objects: they validate as AWS does and say what is wrong.

Every form takes the sandbox it works in and limits every choice (accounts, policies, roles,
...) to that sandbox, so a crafted POST can never reach another person's objects.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from iamlab.policy import PolicyType
from iamlab.web import RefusesNul

from . import models, rules, services
from .awsmanaged import snapshot_words

HOURS = [(h * 3600, f"{h} hour{'s' if h > 1 else ''}") for h in range(1, 13)]


def wire_policy_field(
    form: forms.BaseForm, name: str, type_: PolicyType, sandbox: models.Sandbox
) -> None:
    """Let a policy box validate as the learner types: htmx posts it to the sandbox's validate
    view, which answers with the engine's findings for the box below it."""
    widget = form.fields[name].widget
    widget.attrs.update(
        {
            "id": f"f-{name}",
            "hx-post": reverse("sandbox:validate", args=[sandbox.pk]),
            "hx-trigger": "input changed delay:400ms",
            "hx-target": f"#findings-{name}",
            "hx-swap": "outerHTML",
            "hx-sync": "this:replace",
            "hx-vals": json.dumps({"field": name, "type": type_.value}),
            "data-policy-type": type_.value,
            "aria-describedby": f"findings-{name}",
        }
    )
    form.policy_names = [*getattr(form, "policy_names", []), name]  # type: ignore[attr-defined]


def policy_widget(type_: PolicyType, rows: int = 12) -> forms.Textarea:
    return forms.Textarea(
        attrs={
            "class": "mono policy",
            "rows": rows,
            "spellcheck": "false",
            "data-policy-type": type_.value,
        }
    )


class SandboxForm(RefusesNul, forms.ModelForm):  # type: ignore[type-arg]
    """A ModelForm bound to one sandbox; subclasses name their policy fields' types."""

    policy_fields: ClassVar[dict[str, PolicyType]] = {}
    name_kind: ClassVar[str | None] = None  # rules.NAME_LIMITS key for a "name" field
    unique_in_account: ClassVar[bool] = False
    # (most per account, what they are): IAM object quotas (reference_iam-quotas.html).
    account_quota: ClassVar[tuple[int, str] | None] = None

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        self.sandbox = sandbox
        super().__init__(*args, **kwargs)
        # Set before validation so the model's unique constraints (which name the sandbox) are
        # checked with the form, with their messages, instead of failing in the database.
        self.instance.sandbox = sandbox
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
                field.queryset = self.scope(name, field.queryset)
                if not field.required and not isinstance(field, forms.ModelMultipleChoiceField):
                    field.empty_label = "None"
        self.policy_names: list[str] = []
        for name, type_ in self.policy_fields.items():
            if name in self.fields:
                self.fields[name].widget = policy_widget(type_)
                wire_policy_field(self, name, type_, sandbox)
        if not self.instance.pk:
            self._focus(next(iter(self.fields), None))
        if "account" in self.fields:
            # Every object a form makes is in an account (only AWS managed policies have none,
            # and no form makes them): without one, saving would fail, not the form.
            account_field = self.fields["account"]
            account_field.required = True
            if isinstance(account_field, forms.ModelChoiceField):
                account_field.empty_label = None
            if self.instance.pk:
                self.fields["account"].disabled = True
            elif "account" not in self.initial:
                first = models.Account.objects.filter(sandbox=sandbox).order_by("pk").first()
                self.initial["account"] = first.pk if first else None

    def _focus(self, name: str | None) -> None:
        """Put the keyboard focus in one field (and only there)."""
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        if name is not None and name in self.fields:
            self.fields[name].widget.attrs["autofocus"] = True

    def _get_validation_exclusions(self) -> set[str]:
        exclude: set[str] = set(super()._get_validation_exclusions())  # type: ignore[misc]
        exclude.discard("sandbox")
        if getattr(self.instance, "organization_id", None) is not None:
            exclude.discard("organization")
        return exclude

    def full_clean(self) -> None:
        super().full_clean()
        if self.errors:  # after a refused submit, focus lands on the first field at fault
            self._focus(next((n for n in self.fields if n in self.errors), None))

    def scope(self, name: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
        model = queryset.model
        if model is models.ManagedPolicy:
            return models.ManagedPolicy.objects.attachable().visible_in(self.sandbox)
        if issubclass(model, models.SandboxObject):
            return queryset.filter(sandbox=self.sandbox)
        return queryset.none()

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if self.name_kind and (error := rules.check_name(self.name_kind, name)):
            raise forms.ValidationError(error)
        return name

    def clean_path(self) -> str:
        path: str = self.cleaned_data["path"].strip()
        if error := rules.check_path(path) or rules.check_reserved_path(path):
            raise forms.ValidationError(error)
        return path

    def chosen_account(self, data: dict[str, Any]) -> models.Account | None:
        """The account the form is about: the one chosen, else the edited object's (None
        when neither has one: none was chosen, or not one of this sandbox)."""
        chosen = data.get("account")
        if isinstance(chosen, models.Account):
            return chosen
        return getattr(self.instance, "account", None)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        for name, type_ in self.policy_fields.items():
            text = data.get(name)
            if name in self.fields and text:
                try:
                    services.check_document(text, type_)
                    if type_ in (PolicyType.TRUST, PolicyType.RESOURCE):
                        services.check_principals_exist(self.sandbox, text)
                except forms.ValidationError as exc:
                    for message in exc.messages:
                        self.add_error(name, message)
        boundary = data.get("boundary")
        account = self.chosen_account(data)
        if boundary is not None and boundary.account_id not in (None, getattr(account, "pk", None)):
            self.add_error(
                "boundary",
                "A permissions boundary is a managed policy of the same account (or an AWS "
                "managed policy); this one belongs to another account.",
            )
        if self.account_quota and account is not None and not self.instance.pk:
            most, what = self.account_quota
            if type(self.instance).objects.filter(account=account).count() >= most:
                self.add_error(None, f"An account has at most {most:,} {what}; this one is full.")
        if self.unique_in_account and "name" in data:
            account = self.chosen_account(data)
            model = type(self.instance)
            clash = model.objects.filter(account=account, name__iexact=data["name"]).exclude(
                pk=self.instance.pk
            )
            if account is not None and clash.exists():
                label = {
                    "iam user": "an IAM user",
                    "iam group": "a user group",
                    "role": "a role",
                    "managed policy": "a policy",
                    "instance profile": "an instance profile",
                }.get(str(model._meta.verbose_name), f"a {model._meta.verbose_name}")
                self.add_error("name", f"This account already has {label} named {data['name']}.")
        return data

    def save(self, commit: bool = True) -> Any:
        self.instance.sandbox = self.sandbox
        return super().save(commit)


class TagsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3, "class": "mono", "placeholder": "team = blue"})

    def __init__(self, *args: Any, case_sensitive: bool = False, **kwargs: Any) -> None:
        self.case_sensitive = case_sensitive  # IAM: no; S3, KMS, SQS, ...: yes
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return rules.format_tags(value)
        return value

    def to_python(self, value: Any) -> dict[str, str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        tags, error = rules.parse_tags(text, self.case_sensitive)
        if error:
            raise forms.ValidationError(error)
        return tags


class SandboxCreateForm(RefusesNul, forms.ModelForm):  # type: ignore[type-arg]
    """A sandbox's name and description; names are unique per owner, whatever their case."""

    class Meta:
        model = models.Sandbox
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, owner: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        taken = models.Sandbox.owned_by(self.owner).filter(name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("You already have a sandbox with this name.")
        return name


class AccountForm(SandboxForm):
    class Meta:
        model = models.Account
        fields = ["name", "account_id", "email", "alias", "root_password_set"]
        labels = {"root_password_set": "The root user has a password"}
        help_texts = {
            "account_id": "12 digits; every account has its own.",
            "email": "The root user signs in with this address.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("account_id", rules.account_id())
        if self.instance.pk:
            self.fields["account_id"].disabled = True

    def clean_alias(self) -> str:
        """Account aliases: 3 to 63 lowercase letters, digits and hyphens, not starting or
        ending with a hyphen (CreateAccountAlias)."""
        alias: str = self.cleaned_data["alias"].strip()
        if alias and not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]", alias):
            raise forms.ValidationError(
                "An account alias has 3 to 63 lowercase letters, digits and hyphens, and "
                "begins and ends with a letter or digit."
            )
        return alias

    def clean_account_id(self) -> str:
        value: str = self.cleaned_data["account_id"].strip()
        if error := rules.check_account_id(value):
            raise forms.ValidationError(error)
        clash = models.Account.objects.filter(sandbox=self.sandbox, account_id=value)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This sandbox already has an account with this id.")
        return value


class PolicyPickInput(forms.TextInput):
    """One managed policy, typed by name or ARN (a plain text box without JavaScript), with
    suggestions from this account's policies and all ~1,600 AWS managed ones as one types: a
    <select> of them all would be too long to read or to send."""

    search_url = ""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "None. Type part of a policy's name, e.g. PowerUserAccess",
                **(attrs or {}),
            }
        )

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)
        widget = context["widget"]["attrs"]
        options = f"{widget.get('id', f'id_{name}')}-options"
        widget.update(
            {
                "list": options,
                # the form's account box picks whose own policies are offered
                "hx-get": f"{self.search_url}&list={options}",
                "hx-include": "#id_account",
                "hx-trigger": "input changed delay:150ms, focus once",
                "hx-target": f"#{options}",
                "hx-swap": "outerHTML",
                "hx-sync": "this:replace",
            }
        )
        return context

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        box = super().render(name, value, attrs, renderer)
        target = (attrs or {}).get("id", f"id_{name}")
        return format_html('{}<datalist id="{}-options"></datalist>', box, target)


class BoundaryPick(SandboxForm):
    """A permissions boundary typed as a policy's name or ARN, found as the attach box finds
    one: the account's own policy of that name, else the AWS managed one."""

    boundary = forms.CharField(
        label="Permissions boundary",
        required=False,
        max_length=2048,
        widget=PolicyPickInput(),
    )

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        field = self.fields["boundary"]
        search = reverse("sandbox:policy_search", args=[sandbox.pk]) + "?attachable=1"
        if self.instance.account_id:  # a disabled account box is not sent
            search += f"&account={self.instance.account_id}"
        field.widget.search_url = search
        field.help_text = (
            "A managed policy that caps what this identity's policies can grant: one of this "
            f"account's, or any of the {snapshot_words()}, by name or ARN. Empty: no boundary."
        )
        current = getattr(self.instance, "boundary", None)
        if current is not None and "boundary" not in (kwargs.get("initial") or {}):
            # the name when it finds this policy again; the ARN when a same-named one would win
            found = self._find(current.name, self.instance.account_id)
            self.initial["boundary"] = current.name if found == current else current.arn

    def _find(self, text: str, account_id: int | None) -> models.ManagedPolicy | None:
        try:
            return services.managed_policy_named(self.sandbox, account_id, text)
        except forms.ValidationError:
            return None

    def clean_boundary(self) -> models.ManagedPolicy | None:
        text = self.cleaned_data.get("boundary", "").strip()
        if not text:
            return None
        account = self.chosen_account(self.cleaned_data)
        policy = services.managed_policy_named(self.sandbox, account.pk if account else None, text)
        if policy.service_role_only:
            raise forms.ValidationError(
                f"{policy.name} is for a service-linked role only: AWS refuses it as a "
                "permissions boundary elsewhere (PolicyNotAttachable)."
            )
        return policy


class IamUserForm(BoundaryPick):
    """An IAM user. Its console password is typed here, by the sandbox's designer, as an
    administrator does with CreateLoginProfile / UpdateLoginProfile
    (id_credentials_passwords_admin-change-user.html); only its hash is kept, and the field is
    never filled back in, not even after a refused submit."""

    name_kind = "user"
    unique_in_account = True
    account_quota = (rules.USERS_PER_ACCOUNT, "IAM users")
    tags = TagsField(required=False, help_text="One tag per line: key = value.")
    new_password = forms.CharField(
        label="Console password",
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="The password the user signs in to the console with: 8 to 128 characters, "
        "at least three of uppercase letters, lowercase letters, numbers and symbols (AWS's "
        "default password policy). iamlab keeps only a hash of it: nobody can read it back.",
    )

    class Meta:
        model = models.IamUser
        fields = [
            "account",
            "name",
            "path",
            "console_password",
            "new_password",
            "password_reset_required",
            "boundary",
            "tags",
        ]
        labels = {
            "console_password": "Console access (can sign in to the AWS Management Console)",
            "password_reset_required": "Must set a new password at next sign-in",
        }

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        if self.instance.pk and self.instance.password_hash:
            field = self.fields["new_password"]
            field.label = "New console password"
            field.help_text = "Leave it empty to keep the current password. " + str(field.help_text)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        password = data.get("new_password") or ""
        if password and not data.get("console_password"):
            self.add_error(
                "new_password",
                "Tick “Console access” to give the user this password, or leave it empty.",
            )
        elif password:
            account = data.get("account") or getattr(self.instance, "account", None)
            if error := rules.check_console_password(
                password, account.name if account else "", account.email if account else ""
            ):
                self.add_error("new_password", error)
        elif data.get("console_password") and not self.instance.password_hash:
            self.add_error(
                "new_password",
                "Give the user a console password: with console access, IAM requires one "
                "(CreateLoginProfile).",
            )
        return data

    def save(self, commit: bool = True) -> Any:
        if password := self.cleaned_data.get("new_password"):
            self.instance.set_console_password(password)
        return super().save(commit)


class IamGroupForm(SandboxForm):
    name_kind = "group"
    unique_in_account = True
    account_quota = (rules.GROUPS_PER_ACCOUNT, "user groups")

    class Meta:
        model = models.IamGroup
        fields = ["account", "name", "path"]


class RoleForm(BoundaryPick):
    name_kind = "role"
    unique_in_account = True
    account_quota = (rules.ROLES_PER_ACCOUNT, "roles")
    policy_fields = {"trust_policy": PolicyType.TRUST}
    tags = TagsField(required=False, help_text="One tag per line: key = value.")
    max_session_duration = forms.TypedChoiceField(
        choices=HOURS, coerce=int, initial=3600, label="Maximum session duration"
    )

    class Meta:
        model = models.Role
        fields = [
            "account",
            "name",
            "path",
            "description",
            "trust_policy",
            "max_session_duration",
            "boundary",
            "tags",
        ]
        labels = {"trust_policy": "Trust policy"}
        help_texts = {
            "trust_policy": "Who may assume this role: the role's resource-based policy.",
        }


class ManagedPolicyForm(SandboxForm):
    name_kind = "policy"
    unique_in_account = True
    document = forms.CharField(
        widget=policy_widget(PolicyType.IDENTITY, 16),
        help_text="Saved as version v1, the default version.",
    )
    policy_fields = {"document": PolicyType.IDENTITY}

    class Meta:
        model = models.ManagedPolicy
        fields = ["account", "name", "path", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("name", "path", "document"):
                del self.fields[name]

    def save(self, commit: bool = True) -> Any:
        if self.instance.pk:
            return super().save(commit)
        data = self.cleaned_data
        return services.create_policy(
            data["account"], data["name"], data["document"], data["path"], data["description"]
        )


class PolicyVersionForm(RefusesNul, forms.Form):
    document = forms.CharField(
        widget=policy_widget(PolicyType.IDENTITY, 16), label="New version of the document"
    )
    set_default = forms.BooleanField(
        required=False, initial=True, label="Make this the default version"
    )

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy_names: list[str] = []
        wire_policy_field(self, "document", PolicyType.IDENTITY, sandbox)

    def clean_document(self) -> str:
        text: str = self.cleaned_data["document"]
        services.check_document(text, PolicyType.IDENTITY)
        return text


class InlinePolicyForm(SandboxForm):
    name_kind = "inline policy"
    policy_fields = {"document": PolicyType.IDENTITY}

    class Meta:
        model = models.InlinePolicy
        fields = ["name", "document"]

    def __init__(self, *args: Any, owner: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if owner is not None:
            setattr(
                self.instance,
                {"iamuser": "user", "iamgroup": "group", "role": "role"}[owner._meta.model_name],
                owner,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        owner = self.instance.user or self.instance.group or self.instance.role
        name = data.get("name")
        if owner is not None and name:
            clash = owner.inline_policies.filter(name__iexact=name).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", f"{owner.name} already has an inline policy named {name}.")
        document = data.get("document")
        if owner is not None and document and "document" not in self.errors:
            kind = {"iamuser": "user", "iamgroup": "group", "role": "role"}[owner._meta.model_name]
            limit = rules.INLINE_POLICY_TOTAL[kind]
            others = owner.inline_policies.exclude(pk=self.instance.pk)
            total = services.policy_size(document) + sum(
                services.policy_size(p.document) for p in others
            )
            if total > limit:
                self.add_error(
                    "document",
                    f"A {kind}'s inline policies may total {limit:,} characters (whitespace not "
                    f"counted); with this one, {owner.name}'s come to {total:,}. Use a managed "
                    "policy instead, which may have 6,144.",
                )
        return data


class ResourceForm(SandboxForm):
    policy_fields = {"policy": PolicyType.RESOURCE}
    tags = TagsField(
        required=False, case_sensitive=True, help_text="One tag per line: key = value."
    )

    class Meta:
        model = models.Resource
        fields = ["account", "kind", "name", "region", "policy", "role", "tags"]
        labels = {"policy": "Resource-based policy", "role": "Role it runs as"}
        help_texts = {
            "policy": (
                "Leave empty for none (every KMS key needs a key policy; CloudFormation stacks "
                "and CodeBuild projects take none)."
            ),
            "role": (
                "A Lambda function's execution role, or the service role of a CloudFormation "
                "stack or a CodeBuild project: a role of the same account."
            ),
        }
        widgets = {"policy": policy_widget(PolicyType.RESOURCE)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["kind"].disabled = True
            self.fields["name"].disabled = True

    def clean(self) -> dict[str, Any]:
        # A policy typed for a kind that takes none is refused as such, whatever it says: read
        # it before the document checks drop it from cleaned_data.
        typed = self.cleaned_data.get("policy") or ""
        data = super().clean()
        kind, name, policy = data.get("kind"), data.get("name", ""), data.get("policy", "")
        if kind == "s3" and name:
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name) or ".." in name:
                self.add_error(
                    "name",
                    "A bucket name has 3 to 63 lowercase letters, digits, dots and hyphens, "
                    "and begins and ends with a letter or digit.",
                )
            elif (
                models.Resource.objects.filter(sandbox=self.sandbox, kind="s3", name=name)
                .exclude(pk=self.instance.pk)
                .exists()
            ):
                self.add_error("name", "Bucket names are global: this sandbox already has one.")
        elif kind == "stack" and name:
            if error := rules.check_stack_name(name):
                self.add_error("name", error)
        elif kind == "build" and name:
            if error := rules.check_project_name(name):
                self.add_error("name", error)
        elif name and not re.fullmatch(r"[\w.+=@/-]{1,256}", name):
            self.add_error("name", "Use letters, digits and . _ - + = @ / only.")
        if kind == "kms" and not policy.strip():
            self.add_error("policy", "Every KMS key has a key policy.")
        if kind in models.Resource.NO_POLICY_KINDS and typed.strip():
            self.errors.pop("policy", None)  # what the document says matters no more
            label = dict(models.Resource.KIND_CHOICES)[kind]
            self.add_error(
                "policy",
                f"A {label} has no resource-based policy: who may use it is decided by "
                "identity-based policies alone. Leave this empty.",
            )
        self._clean_role(kind, data)
        return data

    def _clean_role(self, kind: str | None, data: dict[str, Any]) -> None:
        """Only a Lambda function, a CloudFormation stack and a CodeBuild project run as a role,
        always one of their own account; CodeBuild needs one (CreateProject's serviceRole)."""
        role = data.get("role")
        account = self.chosen_account(data)
        if role is None:
            if kind == "build":
                self.add_error(
                    "role", "A CodeBuild project needs a service role: its builds run as it."
                )
            return
        if kind not in models.Resource.ROLE_KINDS:
            self.add_error(
                "role",
                "Only a Lambda function (its execution role), a CloudFormation stack or a "
                "CodeBuild project (their service role) runs as a role.",
            )
        elif account is not None and role.account_id != account.pk:
            self.add_error("role", "The role must be in the same account as the resource.")


class InstanceProfileForm(SandboxForm):
    name_kind = "instance profile"
    unique_in_account = True
    account_quota = (rules.INSTANCE_PROFILES_PER_ACCOUNT, "instance profiles")

    class Meta:
        model = models.InstanceProfile
        fields = ["account", "name", "path", "role"]
        help_texts = {"role": "An instance profile holds one role."}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        role, account = data.get("role"), self.chosen_account(data)
        if role is not None and account is not None and role.account_id != account.pk:
            self.add_error("role", "The role must be in the same account as the profile.")
        return data


class Ec2InstanceForm(SandboxForm):
    class Meta:
        model = models.Ec2Instance
        fields = ["account", "name", "region", "instance_profile", "state"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        profile, account = data.get("instance_profile"), self.chosen_account(data)
        if profile is not None and account is not None and profile.account_id != account.pk:
            self.add_error("instance_profile", "The instance profile must be in the same account.")
        return data


class LinesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3, "class": "mono"})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class IdentityProviderForm(SandboxForm):
    client_ids = LinesField(
        required=False, label="Audiences (client ids)", help_text="OIDC only: one per line."
    )
    thumbprints = LinesField(required=False, help_text="OIDC only: up to 5, 40 hex digits each.")

    class Meta:
        model = models.IdentityProvider
        fields = ["account", "kind", "name", "metadata", "client_ids", "thumbprints"]
        labels = {"name": "Name (SAML) or provider URL (OIDC)", "metadata": "SAML metadata"}
        widgets = {"metadata": forms.Textarea(attrs={"rows": 5, "class": "mono"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, name = data.get("kind"), data.get("name", "").strip()
        account = self.chosen_account(data)
        if kind in ("saml", "oidc") and account is not None and not self.instance.pk:
            most = (
                rules.SAML_PROVIDERS_PER_ACCOUNT
                if kind == "saml"
                else (rules.OIDC_PROVIDERS_PER_ACCOUNT)
            )
            if models.IdentityProvider.objects.filter(account=account, kind=kind).count() >= most:
                self.add_error("kind", f"An account has at most {most} {kind.upper()} providers.")
        if kind == "saml":
            if error := rules.check_name("SAML provider", name):
                self.add_error("name", error)
            if data.get("client_ids") or data.get("thumbprints"):
                self.add_error("client_ids", "Audiences and thumbprints belong to OIDC providers.")
        elif kind == "oidc":
            url = name.removeprefix("https://").rstrip("/")
            if not re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}(/[\w./-]*)?", url, re.IGNORECASE):
                self.add_error("name", "Enter the issuer URL, e.g. https://token.example.com.")
            data["name"] = url
            if not data.get("client_ids"):
                self.add_error("client_ids", "An OIDC provider needs at least one audience.")
            if len(data.get("client_ids") or []) > rules.CLIENT_IDS_PER_OIDC_PROVIDER:
                self.add_error("client_ids", "An OIDC provider has at most 100 audiences.")
            if len(data.get("thumbprints") or []) > rules.THUMBPRINTS_PER_OIDC_PROVIDER:
                self.add_error("thumbprints", "An OIDC provider has at most 5 thumbprints.")
            for thumb in data.get("thumbprints") or []:
                if not re.fullmatch(r"[0-9a-fA-F]{40}", thumb):
                    self.add_error("thumbprints", f"{thumb} is not 40 hex digits.")
        return data


class OrgUnitForm(SandboxForm):
    class Meta:
        model = models.OrgUnit
        fields = ["parent", "name"]
        labels = {"parent": "Parent (the root or an OU)"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ModelChoiceField)
        parent.required = True
        parent.empty_label = None
        if self.instance.pk and parent.queryset is not None:
            # An OU cannot move below itself: the organization stays a tree.
            below = {unit.pk for unit in _descendants(self.instance)}
            parent.queryset = parent.queryset.exclude(pk__in=below)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not 1 <= len(name) <= 128:
            raise forms.ValidationError("An OU name has 1 to 128 characters.")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parent, name = data.get("parent"), data.get("name")
        if parent is not None and name:
            siblings = models.OrgUnit.objects.filter(parent=parent, name__iexact=name)
            if siblings.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "name",
                    f"{parent} already has an OU named {name} (DuplicateOrganizationalUnit).",
                )
        return data

    def save(self, commit: bool = True) -> Any:
        if self.instance.pk:
            return super().save(commit)
        return services.create_unit(self.cleaned_data["parent"], self.cleaned_data["name"])


def _descendants(unit: models.OrgUnit) -> list[models.OrgUnit]:
    """The unit and every OU below it."""
    found, frontier = [unit], [unit]
    while frontier:
        children = list(models.OrgUnit.objects.filter(parent__in=frontier))
        children = [c for c in children if c not in found]
        found += children
        frontier = children
    return found


class OrgPolicyForm(SandboxForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = models.Organization.objects.filter(sandbox=self.sandbox).first()
        if org is not None and not self.instance.pk:
            self.instance.organization = org
        kind = self.data.get("kind") or self.initial.get("kind") or self.instance.kind or "scp"
        wire_policy_field(
            self, "document", PolicyType.SCP if kind == "scp" else PolicyType.RCP, self.sandbox
        )
        if self.instance.pk:
            self.fields["kind"].disabled = True

    class Meta:
        model = models.OrgPolicy
        fields = ["kind", "name", "description", "document"]
        widgets = {"document": policy_widget(PolicyType.SCP, 14)}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, text = data.get("kind"), data.get("document")
        if kind and text:
            type_ = PolicyType.SCP if kind == "scp" else PolicyType.RCP
            try:
                services.check_document(text, type_)
            except forms.ValidationError as exc:
                for message in exc.messages:
                    self.add_error("document", message)
        return data

    def save(self, commit: bool = True) -> Any:
        org = models.Organization.objects.get(sandbox=self.sandbox)
        self.instance.organization = org
        return super().save(commit)


class SsoUserForm(SandboxForm):
    class Meta:
        model = models.SsoUser
        fields = ["user_name", "display_name", "email"]

    def clean_user_name(self) -> str:
        """Identity Center user names: up to 128 letters, digits and + = , . @ - _."""
        name: str = self.cleaned_data["user_name"].strip()
        if not re.fullmatch(r"[\w+=,.@-]{1,128}", name, re.ASCII):
            raise forms.ValidationError(
                "A user name has 1 to 128 letters, digits or + = , . @ _ - characters."
            )
        return name


class SsoGroupForm(SandboxForm):
    class Meta:
        model = models.SsoGroup
        fields = ["name", "description", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}


class PolicyNamesInput(forms.Textarea):
    """AWS managed policies as names, one a line (a plain form without JavaScript), with a box
    beside it that finds any of the ~1,600 by part of its name and adds the one picked."""

    search_url = ""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        formatted: str | None = super().format_value(value)
        return formatted

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        return [n for n in re.split(r"[\s,]+", data.get(name, "")) if n]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        box = super().render(name, value, attrs, renderer)
        target = (attrs or {}).get("id", f"id_{name}")
        return format_html(
            '{}<span class="policy-finder"><input type="search" name="q" list="{}-options"'
            ' data-append-to="{}"'
            ' autocomplete="off" spellcheck="false" placeholder="Find an AWS managed policy…"'
            ' aria-label="Find an AWS managed policy to add (type part of its name)"'
            ' hx-get="{}?attachable=1&amp;list={}-options" hx-trigger="input changed delay:150ms"'
            ' hx-target="#{}-options" hx-swap="outerHTML" hx-sync="this:replace">'
            '<datalist id="{}-options"></datalist></span>',
            box,
            target,
            target,
            self.search_url,
            target,
            target,
            target,
        )


class PermissionSetForm(SandboxForm):
    policy_fields = {"inline_policy": PolicyType.IDENTITY}
    session_duration = forms.TypedChoiceField(choices=HOURS, coerce=int, initial=3600)

    class Meta:
        model = models.PermissionSet
        fields = ["name", "description", "session_duration", "managed_policies", "inline_policy"]
        widgets = {"managed_policies": PolicyNamesInput(attrs={"rows": 4, "spellcheck": "false"})}

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        field = self.fields["managed_policies"]
        field.to_field_name = "name"  # type: ignore[attr-defined]
        field.error_messages["invalid_choice"] = "No AWS managed policy is called %(value)s."
        field.widget.search_url = reverse("sandbox:policy_search", args=[sandbox.pk])
        field.help_text = (
            f"AWS managed policies, one name a line; the box finds any of the {snapshot_words()} "
            "by part of its name."
        )

    def scope(self, name: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if name == "managed_policies":
            return models.ManagedPolicy.objects.attachable().aws_snapshot()
        return super().scope(name, queryset)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not re.fullmatch(r"[\w+=,.@-]{1,32}", name, re.ASCII):
            raise forms.ValidationError(
                "A permission set name has 1 to 32 letters, digits or + = , . @ _ - characters."
            )
        return name

    def save(self, commit: bool = True) -> Any:
        permission_set = super().save(commit)
        services.reprovision(permission_set)
        return permission_set


class AccountAssignmentForm(SandboxForm):
    class Meta:
        model = models.AccountAssignment
        fields = ["permission_set", "account", "sso_user", "sso_group"]
        labels = {"sso_user": "User", "sso_group": "or group"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("sso_user")) == bool(data.get("sso_group")):
            self.add_error("sso_user", "Choose a user or a group (one of the two).")
        account = data.get("account")
        if account is not None and account.organization_id is None:
            self.add_error("account", "Identity Center assigns only accounts of the organization.")
        return data

    def save(self, commit: bool = True) -> Any:
        data = self.cleaned_data
        return services.assign(
            data["permission_set"], data["account"], data.get("sso_user"), data.get("sso_group")
        )


class ImportForm(RefusesNul, forms.Form):
    file = forms.FileField(
        required=False,
        label="File",
        help_text="The JSON that aws iam get-account-authorization-details prints.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
    text = forms.CharField(
        required=False,
        label="Or paste it here",
        help_text="Up to 2 MB; upload a larger output as a file.",
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono", "spellcheck": "false"}),
    )
    account_name = forms.CharField(
        required=False,
        max_length=50,
        label="Name for the account",
        help_text='Defaults to "Imported account".',
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Choose a file or paste the JSON.")
        if data.get("file") and (data.get("text") or "").strip():
            raise forms.ValidationError("Give a file or pasted JSON, not both.")
        return data
