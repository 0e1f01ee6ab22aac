"""The forms of the identity flows: what a learner types to sign in, assume or switch roles.

Each form checks its input the way the AWS API or console would before anything is sent, with
AWS's limits (rules.py); what the call then answers is the engine's business.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from django import forms

from iamlab.policy.sts import MAX_DURATION, MIN_DURATION
from iamlab.sandbox import models, rules
from iamlab.sandbox.contextkeys import parse_context
from iamlab.sandbox.forms import TagsField
from iamlab.web import RefusesNul

# The console's switch-role colours (id_roles_use_switch-role-console.html).
COLORS = [
    ("red", "Red"),
    ("orange", "Orange"),
    ("yellow", "Yellow"),
    ("green", "Green"),
    ("blue", "Blue"),
]


def checked_session_name(value: str) -> str:
    """A RoleSessionName as the API takes it: 2 to 64 of ``[\\w+=,.@-]`` (API_AssumeRole)."""
    value = value.strip()
    if (error := rules.check_session_name(value)) is not None:
        raise forms.ValidationError(error)
    return value


def home_region(sandbox: models.Sandbox) -> str:
    """Where a sandbox's calls go unless the learner picks another region: the region most of
    its resources and instances are in (ties: the first in REGIONS), else REGIONS[0]
    (us-east-1), which the access check starts from."""
    counts = Counter(
        models.Resource.objects.filter(sandbox=sandbox).values_list("region", flat=True)
    )
    counts.update(
        models.Ec2Instance.objects.filter(sandbox=sandbox).values_list("region", flat=True)
    )
    known = [r for r in models.REGIONS if counts[r]]
    return max(known, key=lambda r: counts[r]) if known else models.REGIONS[0]


class RegionField(forms.ChoiceField):
    """The region a call goes to, sent as ``aws:RequestedRegion`` (as the access check sends
    it); empty means the form's initial region."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Region")
        kwargs.setdefault(
            "help_text",
            "Every call goes to a region's endpoint; policies read it as "
            "aws:RequestedRegion (an SCP may allow only some regions).",
        )
        super().__init__(choices=models.REGION_CHOICES, required=False, **kwargs)


# Keys AWS sets from the call itself, never from what the caller writes: the credentials say
# whether MFA was used (id_credentials_mfa_configure-api-require.html), the endpoint says the
# region.
_SET_BY_AWS = {
    "aws:multifactorauthpresent": "AWS sets {key} from the credentials: {how}",
    "aws:multifactorauthage": "AWS sets {key} from the credentials: {how}",
    "aws:requestedregion": "{key} is the region the call goes to: choose it in Region.",
}


class ContextKeysField(forms.CharField):
    """Extra context keys, ``key = value`` per line, read as the access check reads them
    (:func:`iamlab.sandbox.contextkeys.parse_context`); cleans to a dict."""

    def __init__(self, mfa_how: str = "sign in with MFA, or pass an MFA code.", **kw: Any) -> None:
        self.mfa_how = mfa_how
        kw.setdefault("label", "Context keys")
        kw.setdefault(
            "help_text",
            "One per line, key = value, e.g. aws:SourceIp = 203.0.113.7; [a, b] for a list. "
            "What the sandbox derives (tags, organization, the session's keys) comes first; "
            "what you write here wins.",
        )
        widget = forms.Textarea(
            attrs={
                "rows": 2,
                "class": "mono",
                "spellcheck": "false",
                "placeholder": "aws:SourceIp = 203.0.113.7",
            }
        )
        super().__init__(required=False, max_length=4000, strip=False, widget=widget, **kw)

    def clean(self, value: Any) -> dict[str, Any]:
        text = str(super().clean(value) or "")
        context, problems = parse_context(text)
        for key in context:
            if (message := _SET_BY_AWS.get(key.lower())) is not None:
                problems.append(message.format(key=key, how=self.mfa_how))
        if problems:
            raise forms.ValidationError("; ".join(problems))
        return context


class FlowForm(RefusesNul, forms.Form):
    """A form on one sandbox; it puts ``aria-invalid`` and focus on the first bad field. A
    ``region`` field starts at the sandbox's home region (:func:`home_region`)."""

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        self.sandbox = sandbox
        super().__init__(*args, **kwargs)
        if "region" in self.fields and not self.initial.get("region"):
            self.fields["region"].initial = home_region(sandbox)

    def clean_region(self) -> str:
        region = str(self.cleaned_data.get("region") or "")
        if region:
            return region
        return str(self.initial.get("region") or self.fields["region"].initial)

    def focus_first_error(self) -> None:
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update({"autofocus": True, "aria-invalid": "true"})
                return


def role_choices(sandbox: models.Sandbox) -> list[tuple[str, list[tuple[int, str]]]]:
    grouped: dict[str, list[tuple[int, str]]] = {}
    for role in models.Role.objects.filter(sandbox=sandbox).select_related("account"):
        account = f"{role.account.name} ({role.account.account_id})"
        grouped.setdefault(account, []).append((role.pk, f"{role.path}{role.name}"))
    return list(grouped.items())


class AssumeRoleForm(FlowForm):
    """``aws sts assume-role``: the parameters of API_AssumeRole."""

    role = forms.TypedChoiceField(coerce=int, label="Role")
    session_name = forms.CharField(
        label="Role session name",
        max_length=64,
        help_text="RoleSessionName: 2 to 64 letters, digits or + = , . @ _ -. It ends the "
        "session's ARN and shows in CloudTrail.",
    )
    duration_seconds = forms.IntegerField(
        label="Duration (seconds)",
        initial=3600,
        help_text=f"DurationSeconds: {MIN_DURATION} (15 minutes) up to the role's maximum "
        f"session duration (at most {MAX_DURATION}, 12 hours); one hour when chaining roles.",
    )
    external_id = forms.CharField(
        label="External ID",
        required=False,
        max_length=1224,
        help_text="Only if the role's trust policy asks for one (sts:ExternalId): a third "
        "party's guard against the confused deputy.",
    )
    serial_number = forms.CharField(
        label="MFA device (--serial-number)",
        required=False,
        max_length=256,
        widget=forms.TextInput(
            attrs={
                "list": "mfa-serials",
                "class": "mono",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
        help_text="SerialNumber: your virtual MFA device's ARN (arn:aws:iam::ACCOUNT-ID:mfa/NAME) "
        "or a hardware token's serial number. The CLI sends MFA only with it and the code, "
        "even if you signed in to the console with MFA.",
    )
    token_code = forms.CharField(
        label="MFA code (--token-code)",
        required=False,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "mono"}
        ),
        help_text="TokenCode: the six digits the device shows now.",
    )
    source_identity = forms.CharField(
        label="Source identity",
        required=False,
        max_length=64,
        help_text="Who is really behind the session; it stays with every chained session.",
    )
    tags = TagsField(
        label="Session tags",
        required=False,
        case_sensitive=True,
        help_text="One per line: key = value. They become aws:PrincipalTag/key for the "
        "session, and need sts:TagSession in the trust policy.",
    )
    session_policy = forms.CharField(
        label="Session policy (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono", "spellcheck": "false"}),
        help_text="Narrows the session: it gets what the role's policies AND this allow.",
    )
    policy_arns = forms.CharField(
        label="Managed session policies (ARNs)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono", "spellcheck": "false"}),
        help_text="One ARN per line, at most 10, e.g. arn:aws:iam::aws:policy/ReadOnlyAccess.",
    )
    region = RegionField(
        label="Region (--region)",
        help_text="The STS endpoint the CLI calls; policies read it as aws:RequestedRegion.",
    )
    context = ContextKeysField(mfa_how="pass --serial-number and --token-code.")

    def __init__(
        self,
        sandbox: models.Sandbox,
        *args: Any,
        devices: list[models.MfaDevice] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(sandbox, *args, **kwargs)
        self.fields["role"].choices = [("", "Choose a role…"), *role_choices(sandbox)]  # type: ignore[attr-defined]
        self.devices = list(devices or [])

    def clean_serial_number(self) -> str:
        serial = str(self.cleaned_data["serial_number"]).strip()
        if serial and not _SERIAL.fullmatch(serial):
            raise forms.ValidationError(
                "SerialNumber is 9 to 256 letters, digits or + = / : , . @ _ -: the device's "
                "ARN (arn:aws:iam::ACCOUNT-ID:mfa/NAME) or a hardware token's serial number."
            )
        for device in self.devices:
            if device.kind == "passkey" and serial.lower() in (
                device.serial.lower(),
                device.name.lower(),
                f"arn:aws:iam::{device.account.account_id}:mfa/{device.name}".lower(),
            ):
                raise forms.ValidationError(
                    f"{device.name} is a passkey or security key (FIDO). AWS accepts those "
                    f"only when you sign in to the console: the CLI and the API need the "
                    f"six-digit code of an authenticator app or a hardware TOTP token "
                    f"(id_credentials_mfa_fido_supported_configurations.html)."
                )
        return serial

    def clean_token_code(self) -> str:
        code = str(self.cleaned_data["token_code"]).strip()
        if code and not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError("TokenCode is the six digits the device shows.")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        serial, code = data.get("serial_number"), data.get("token_code")
        if serial and not code and "token_code" not in self.errors:
            self.add_error(
                "token_code", "Give the code the device shows now with its serial number."
            )
        if code and not serial and "serial_number" not in self.errors:
            self.add_error(
                "serial_number", "Give the serial number of the device the code comes from."
            )
        return data

    def clean_role(self) -> models.Role:
        role = models.Role.objects.filter(sandbox=self.sandbox, pk=self.cleaned_data["role"])
        found: models.Role | None = role.select_related("account").first()
        if found is None:
            raise forms.ValidationError("Choose a role of this sandbox.")
        return found

    def clean_session_name(self) -> str:
        return checked_session_name(self.cleaned_data["session_name"])

    def clean_policy_arns(self) -> list[str]:
        lines = [ln.strip() for ln in self.cleaned_data["policy_arns"].splitlines()]
        arns = [ln for ln in lines if ln]
        if len(arns) > 10:
            raise forms.ValidationError(f"At most 10 managed session policies; {len(arns)} given.")
        for n, arn in enumerate(arns, start=1):
            if not arn.startswith("arn:aws:iam::") or ":policy/" not in arn:
                raise forms.ValidationError(
                    f"Line {n}: {arn!r} is not a managed policy ARN "
                    f"(arn:aws:iam::ACCOUNT-ID-or-aws:policy/NAME)."
                )
        return arns


# API_AssumeRole: SerialNumber is 9 to 256 characters of [\w+=/:,.@-].
_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)


class SwitchRoleForm(FlowForm):
    """The console's Switch Role page: account, role, display name and colour."""

    account = forms.CharField(
        label="Account ID or alias",
        max_length=63,
        help_text="The 12-digit ID of the account that owns the role (or its name here).",
    )
    role_name = forms.CharField(
        label="IAM role name",
        max_length=64,
        help_text="The role's name, with its path if it has one (path/name): 64 characters "
        "at most in all, for the console.",
    )
    display_name = forms.CharField(
        label="Display name",
        required=False,
        max_length=64,
        help_text="What the navigation bar shows while you use the role (role@account if empty).",
    )
    color = forms.ChoiceField(
        label="Display colour",
        choices=COLORS,
        initial="blue",
        required=False,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["color"] = data.get("color") or "blue"
        account_text = data.get("account", "").strip()
        name_text = data.get("role_name", "").strip().strip("/")
        if not account_text or not name_text:
            return data
        accounts = models.Account.objects.filter(sandbox=self.sandbox)
        account = (
            accounts.filter(account_id=account_text).first()
            or accounts.filter(name__iexact=account_text).first()
        )
        if account is None:
            self.add_error(
                "account",
                f"No account {account_text} in this sandbox. (In AWS the console would only "
                f"say: Invalid information in one or more fields.)",
            )
            return data
        path, _, name = name_text.rpartition("/")
        role = (
            models.Role.objects.filter(account=account, name__iexact=name)
            .filter(path=f"/{path}/" if path else "/")
            .first()
        )
        if role is None:
            role = models.Role.objects.filter(account=account, name__iexact=name).first()
            if role is None or path:
                self.add_error(
                    "role_name",
                    f"Account {account.account_id} has no role {name_text}. (The console "
                    f"would only say: Invalid information in one or more fields.)",
                )
                return data
        data["role"] = role
        data["account_obj"] = account
        return data


class LaunchForm(FlowForm):
    """ec2:RunInstances with an instance profile."""

    name = forms.CharField(label="Instance name", max_length=256, initial="web-app")
    profile = forms.TypedChoiceField(
        coerce=int,
        label="IAM instance profile",
        help_text="The profile holds the role the instance's applications get credentials for.",
    )
    region = RegionField(help_text="Where the instance runs (ec2:RunInstances goes there).")

    def __init__(self, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> None:
        super().__init__(sandbox, *args, **kwargs)
        choices: dict[str, list[tuple[int, str]]] = {}
        for p in models.InstanceProfile.objects.filter(sandbox=sandbox).select_related(
            "account", "role"
        ):
            account = f"{p.account.name} ({p.account.account_id})"
            role = p.role.name if p.role else "no role"
            choices.setdefault(account, []).append((p.pk, f"{p.name} (role: {role})"))
        self.fields["profile"].choices = [("", "Choose an instance profile…"), *choices.items()]  # type: ignore[attr-defined]

    def clean_profile(self) -> models.InstanceProfile:
        found: models.InstanceProfile | None = (
            models.InstanceProfile.objects.filter(
                sandbox=self.sandbox, pk=self.cleaned_data["profile"]
            )
            .select_related("account", "role")
            .first()
        )
        if found is None:
            raise forms.ValidationError("Choose an instance profile of this sandbox.")
        return found


class CallForm(FlowForm):
    """One API call made with a session's credentials."""

    action = forms.CharField(
        label="Action",
        max_length=200,
        initial="s3:ListAllMyBuckets",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    resource = forms.CharField(
        label="Resource ARN",
        max_length=2048,
        initial="*",
        required=False,
        help_text="* or an ARN; the sandbox's resources are suggested.",
        widget=forms.TextInput(
            attrs={"list": "ec2-arns", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    region = RegionField(
        help_text="An SDK on EC2 calls its instance's region unless told otherwise; policies "
        "read it as aws:RequestedRegion."
    )
    context = ContextKeysField(
        mfa_how="an instance's credentials never carry MFA (no one typed a code)."
    )
