"""The forms of the federation flows: SAML, web identity, the identity broker, GetSessionToken.

Each checks what the API would check before the call (names, durations, a policy's JSON);
what STS then answers is the engine's business.
"""

from __future__ import annotations

from typing import Any

from django import forms

from iamlab.policy import Policy, PolicyError, PolicyType, parse_policy
from iamlab.policy.sts import MIN_DURATION, TOKEN_MAX_DURATION
from iamlab.sandbox import models

from . import federation
from .forms import ContextKeysField, FlowForm, RegionField, checked_session_name


class _InAccount(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of a sandbox object shown as NAME (ACCOUNT-ID)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.account.account_id})"


_MONO = {"class": "mono", "spellcheck": "false", "autocomplete": "off", "rows": 18}


class SamlForm(FlowForm):
    """Step 1: what the corporate identity provider puts in the assertion; step 2: the XML."""

    provider = _InAccount(queryset=models.IdentityProvider.objects.none())
    role = _InAccount(queryset=models.Role.objects.none())
    subject = forms.CharField(
        label="Your corporate user name", max_length=256, initial="jdoe@example.com"
    )
    session_name = forms.CharField(label="RoleSessionName", max_length=64, initial="jdoe")
    session_duration = forms.IntegerField(
        label="SessionDuration (seconds)",
        required=False,
        min_value=MIN_DURATION,
        max_value=43200,
    )
    tag_key = forms.CharField(label="PrincipalTag key", required=False, max_length=128)
    tag_value = forms.CharField(label="PrincipalTag value", required=False, max_length=256)
    xml = forms.CharField(
        label="The SAML response (edit it, then send it to AWS)",
        required=False,
        widget=forms.Textarea(attrs=_MONO),
    )

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        providers = models.IdentityProvider.objects.filter(sandbox=sandbox, kind="saml").exclude(
            managed_by="identity-center"
        )
        provider_field = self.fields["provider"]
        assert isinstance(provider_field, forms.ModelChoiceField)
        provider_field.queryset = providers.select_related("account")
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ModelChoiceField)
        role_field.queryset = models.Role.objects.filter(
            sandbox=sandbox, trust_policy__contains="AssumeRoleWithSAML", managed_by=""
        ).select_related("account")

    def clean_session_name(self) -> str:
        return checked_session_name(self.cleaned_data["session_name"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("tag_value") and not data.get("tag_key"):
            self.add_error("tag_key", "Give the tag's key too.")
        return data


class WebIdentityForm(FlowForm):
    provider = forms.ChoiceField(label="Identity provider")
    role = _InAccount(queryset=models.Role.objects.none())
    session_name = forms.CharField(label="RoleSessionName", max_length=64, initial="app-user")
    claims = forms.CharField(
        label="The token's claims (JSON)",
        error_messages={"required": "Enter the token's claims as a JSON object."},
        strip=False,
        widget=forms.Textarea(attrs=_MONO | {"rows": 12}),
    )

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        self.providers = {p.arn: p for p in federation.oidc_providers(sandbox)}
        choices: list[Any] = [
            (
                "Your account's IAM OIDC providers",
                [(arn, f"{p.name} ({p.account.account_id})") for arn, p in self.providers.items()],
            ),
            (
                "Built in to AWS",
                [(h, f"{label} ({h})") for h, label in federation.BUILT_IN_PROVIDERS],
            ),
        ]
        provider_field = self.fields["provider"]
        assert isinstance(provider_field, forms.ChoiceField)
        provider_field.choices = choices
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ModelChoiceField)
        role_field.queryset = models.Role.objects.filter(
            sandbox=sandbox, managed_by=""
        ).select_related("account")

    def clean_session_name(self) -> str:
        return checked_session_name(self.cleaned_data["session_name"])

    def client_ids(self) -> list[str]:
        provider = self.providers.get(self.cleaned_data.get("provider", ""))
        return [str(c) for c in provider.client_ids] if provider is not None else []


class BrokerForm(FlowForm):
    broker = _InAccount(
        label="The broker (an IAM user with long-term access keys)",
        queryset=models.IamUser.objects.none(),
    )
    name = forms.CharField(label="Corporate user name (Name)", max_length=32, initial="jdoe")
    policy = forms.CharField(
        label="Session policy (JSON)",
        required=False,
        widget=forms.Textarea(attrs=_MONO | {"rows": 12}),
    )
    duration_seconds = forms.IntegerField(
        label="DurationSeconds",
        required=False,
        min_value=MIN_DURATION,
        max_value=TOKEN_MAX_DURATION,
    )
    sample_action = forms.CharField(label="Try one action", max_length=128, initial="s3:GetObject")
    sample_resource = forms.CharField(
        label="on resource", max_length=2048, initial="arn:aws:s3:::example-corp-reports/q1.csv"
    )
    region = RegionField(
        label="in region",
        help_text="Where the call goes (aws:RequestedRegion): an SCP may allow only some "
        "regions, and it limits the broker and the federated user alike.",
    )
    context = ContextKeysField(
        label="with context keys",
        mfa_how="GetFederationToken cannot take an MFA code, so a federated user never has MFA.",
    )

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        field = self.fields["broker"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = models.IamUser.objects.filter(sandbox=sandbox).select_related("account")
        self.parsed_policy: Policy | None = None

    def clean_name(self) -> str:
        value = str(self.cleaned_data["name"]).strip()
        if len(value) < 2:
            raise forms.ValidationError("The name is 2 to 32 characters.")
        if not all(c.isascii() and (c.isalnum() or c in "_+=,.@-") for c in value):
            raise forms.ValidationError(
                "Use letters, digits and _+=,.@- only (no spaces): it becomes part of the "
                "federated user's ARN."
            )
        return value

    def clean_policy(self) -> str:
        text = str(self.cleaned_data["policy"])
        if text.strip():
            try:
                self.parsed_policy = parse_policy(
                    text, PolicyType.SESSION, name="the session policy"
                )
            except PolicyError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return text


class SessionTokenForm(FlowForm):
    duration_seconds = forms.IntegerField(
        label="DurationSeconds",
        required=False,
        min_value=MIN_DURATION,
        max_value=TOKEN_MAX_DURATION,
        help_text="900 to 129,600 seconds (36 hours); 12 hours if left empty. The root user "
        "gets at most one hour.",
    )
    serial = forms.ChoiceField(label="MFA device (SerialNumber)", required=False)
    code = forms.CharField(label="MFA code (TokenCode)", required=False, max_length=6)

    def __init__(
        self, sandbox: models.Sandbox, devices: list[str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(sandbox, *args, **kwargs)
        field = self.fields["serial"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "No MFA")] + [(s, s) for s in devices]

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        if code and (len(code) != 6 or not code.isdigit()):
            raise forms.ValidationError("The code is the six digits the device shows.")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("serial") and not data.get("code"):
            self.add_error("code", "Enter the code the device shows now.")
        if data.get("code") and not data.get("serial"):
            self.add_error("serial", "Choose the MFA device the code comes from.")
        return data
