"""The sign-up, sign-in and account forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.db import transaction
from django.utils import timezone

from iamlab import throttle
from iamlab.csvsafe import FORMULA_STARTS

from . import lockout
from .models import Profile, Role

ROLE_CHOICES = [
    (Role.STUDENT.value, "I am a student"),
    (Role.INSTRUCTOR.value, "I am an instructor"),
]
ROLE_HINTS = {
    Role.STUDENT.value: "Work through the simulator and your own sandboxes.",
    Role.INSTRUCTOR.value: (
        "Everything a student gets, plus the tools for teaching a class, once a staff member "
        "approves your request. Until then your account is a student's."
    ),
}


class _FocusFirstError:
    """On a re-rendered form, put ``autofocus`` on the first field with an error."""

    fields: dict[str, forms.Field]
    errors: Any

    def focus_first_error(self) -> None:
        invalid = [name for name in self.fields if name in self.errors]
        if not invalid:
            return
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        self.fields[invalid[0]].widget.attrs["autofocus"] = True


class SignUpForm(_FocusFirstError, UserCreationForm):  # type: ignore[type-arg]
    email = forms.EmailField(
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text="Only used if you forget your password.",
    )
    role = forms.ChoiceField(
        choices=ROLE_CHOICES, initial=Role.STUDENT.value, widget=forms.RadioSelect, label="I am"
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.help_text = (
            "Letters, digits and @ . + - _ only, starting with a letter, digit, . or _;"
            " up to 150 characters."
        )
        username.widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password2"].label = "Password again"
        self.fields["password2"].help_text = "The same password, to catch a typo."

    def clean_username(self) -> Any:
        username = super().clean_username()
        if str(username).startswith(FORMULA_STARTS):
            raise forms.ValidationError(
                "Start your username with a letter, a digit, . or _: spreadsheets (the class"
                " grades, for one) take a name that starts with + - = or @ for a formula.",
                code="formula_start",
            )
        return username

    def role_options(self) -> list[tuple[Any, str]]:
        """The role radios, each with its one-line hint."""
        return [(radio, ROLE_HINTS.get(radio.data["value"], "")) for radio in self["role"]]

    @transaction.atomic
    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            # Nobody makes themselves an instructor: asking to be one waits for staff.
            asks = self.cleaned_data["role"] == Role.INSTRUCTOR
            Profile.objects.update_or_create(
                user=user,
                defaults={
                    "role": Role.STUDENT,
                    "teach_requested_at": timezone.now() if asks else None,
                },
            )
        return user


class SignInForm(_FocusFirstError, AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )

    @property
    def refusal(self) -> throttle.Blocked | None:
        """The sign-in limit this try ran into, if any (people.lockout)."""
        return getattr(self.request, lockout.REFUSED, None)

    def get_invalid_login_error(self) -> forms.ValidationError:
        """Too many failed sign-ins: say which limit, and when to try again."""
        if self.refusal is not None:
            return forms.ValidationError(lockout.message(self.refusal), code="throttled")
        return super().get_invalid_login_error()


class DisplayNameForm(_FocusFirstError, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Profile
        fields = ("display_name",)
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "name"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs["autofocus"] = True

    def clean_display_name(self) -> str:
        return " ".join(str(self.cleaned_data.get("display_name", "")).split())
