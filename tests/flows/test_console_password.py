"""IAM users sign in to the console with a password the sandbox keeps only as a hash.

Sources: the console sign-in page for IAM users asks for the account, the user name and the
password (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_sign-in.html,
https://docs.aws.amazon.com/signin/latest/userguide/introduction-to-iam-user-sign-in-tutorial.html);
an administrator creates or changes a user's password (CreateLoginProfile, UpdateLoginProfile,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html)
under the account's password policy, by default 8 to 128 characters of at least three kinds
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html).
"""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from iamlab.flows.signin import VAGUE
from iamlab.sandbox import models, rules

pytestmark = pytest.mark.django_db

SECRET = "Tr0ub4dor&3-secret"


def _account(corp, name):
    return models.Account.objects.get(sandbox=corp, name=name)


def _user(corp, name):
    return models.IamUser.objects.get(sandbox=corp, name=name)


def _sign_in(web, corp, user_name, password, account="Audit", **extra):
    data = {"how": "user", "account": _account(corp, account).pk, "user_name": user_name}
    if password is not None:
        data["password"] = password
    return web.post(reverse("flows:sign_in", args=[corp.pk]), data | extra)


def _acting(corp):
    corp.refresh_from_db()
    return corp.acting_as


def test_an_iam_user_signs_in_to_the_console_with_its_password(web, corp):
    """id_users_sign-in.html: account, user name and password; the passkey then is the MFA."""
    auditor = _user(corp, "auditor")
    missing = _sign_in(web, corp, "auditor", None, passkey="1")
    assert missing.status_code == 400
    assert missing.context["result"].field == "password"
    assert "Enter auditor's console password" in missing.context["result"].error
    assert VAGUE in missing.context["result"].error

    wrong = _sign_in(web, corp, "auditor", "sandbox-pass-1", passkey="1")  # case matters
    assert wrong.status_code == 400
    assert "not auditor's console password" in wrong.context["result"].error
    assert VAGUE in wrong.context["result"].error
    assert _acting(corp) == ""

    right = _sign_in(web, corp, "auditor", models.DEFAULT_CONSOLE_PASSWORD, passkey="1")
    assert right.status_code == 302
    assert _acting(corp) == f"user:{auditor.pk}:mfa"
    auditor.refresh_from_db()
    assert auditor.password_last_used is not None  # GetUser's PasswordLastUsed


def test_the_password_is_checked_before_the_mfa_code(web, corp):
    """A wrong password is refused as such, even with a right passkey: MFA comes second."""
    response = _sign_in(web, corp, "auditor", "Wrong-Passw0rd", passkey="1")
    assert response.context["result"].field == "password"
    assert not response.context["result"].needs_mfa


def test_a_user_without_console_access_is_refused_whatever_the_password(web, corp):
    response = _sign_in(web, corp, "carol", models.DEFAULT_CONSOLE_PASSWORD, "Development")
    assert "has no console password" in response.context["result"].error
    assert VAGUE in response.context["result"].error


def test_a_typed_password_is_never_echoed_in_the_page_or_the_logs(web, corp, caplog):
    with caplog.at_level(logging.DEBUG):
        response = _sign_in(web, corp, "auditor", SECRET, passkey="1")
    assert response.status_code == 400
    html = response.content.decode()
    assert SECRET not in html
    assert 'name="password"' in html
    assert 'type="password"' in html
    assert SECRET not in caplog.text
    assert all(SECRET not in str(value) for value in web.session.values())


def test_the_designer_sets_a_new_password_on_the_users_page(web, corp):
    """id_credentials_passwords_admin-change-user.html: an administrator changes an IAM user's
    password; the old one stops working. iamlab keeps only Django's hash of it."""
    auditor = _user(corp, "auditor")
    page = reverse("sandbox:object", args=[corp.pk, "users", auditor.pk])
    shown = web.get(page).content.decode()
    assert "New console password" in shown
    assert auditor.password_hash not in shown
    data = {
        "name": "auditor",
        "path": "/",
        "console_password": "on",
        "new_password": SECRET,
        "tags": "",
    }
    response = web.post(page, data)
    assert response.status_code == 302, response.context["form"].errors
    auditor.refresh_from_db()
    assert SECRET not in auditor.password_hash
    assert auditor.password_hash.startswith("md5$")  # tests/settings.py's hasher
    assert auditor.check_console_password(SECRET)
    assert SECRET not in web.get(page).content.decode()

    old = _sign_in(web, corp, "auditor", models.DEFAULT_CONSOLE_PASSWORD, passkey="1")
    assert "not auditor's console password" in old.context["result"].error
    assert _sign_in(web, corp, "auditor", SECRET, passkey="1").status_code == 302

    # Saving the settings again without a password keeps the one it has.
    assert web.post(page, data | {"new_password": ""}).status_code == 302
    auditor.refresh_from_db()
    assert auditor.check_console_password(SECRET)

    # Taking console access away removes the password (DeleteLoginProfile).
    assert web.post(page, data | {"console_password": "", "new_password": ""}).status_code == 302
    auditor.refresh_from_db()
    assert (auditor.console_password, auditor.password_hash) == (False, "")


def test_a_new_user_with_console_access_needs_a_password_that_meets_the_policy(web, corp):
    """CreateLoginProfile requires a password; AWS's default password policy refuses a weak
    one. A refused form never fills the password back in."""
    create = reverse("sandbox:create", args=[corp.pk, "users"])
    data = {
        "account": _account(corp, "Development").pk,
        "name": "dana",
        "path": "/",
        "console_password": "on",
        "tags": "",
    }
    none = web.post(create, data)
    assert none.status_code == 400
    assert "Give the user a console password" in str(none.context["form"].errors)

    weak = web.post(create, data | {"new_password": "password"})
    assert weak.status_code == 400
    assert "at least three of" in str(weak.context["form"].errors)
    assert 'value="password"' not in weak.content.decode()

    unticked = web.post(create, data | {"console_password": "", "new_password": SECRET})
    assert unticked.status_code == 400
    assert SECRET not in unticked.content.decode()

    made = web.post(create, data | {"new_password": SECRET})
    assert made.status_code == 302
    dana = _user(corp, "dana")
    assert dana.console_password
    assert dana.check_console_password(SECRET)
    assert not dana.check_console_password(models.DEFAULT_CONSOLE_PASSWORD)


@pytest.mark.parametrize(
    ("password", "fault"),
    [
        ("Ab1!", "8 to 128 characters"),
        ("x" * 129, "8 to 128 characters"),
        ("alllowercase", "at least three of"),
        ("lowerUPPER", "at least three of"),
        ("lower-and-1", None),
        ("Sandbox-Pass-1", None),
        ("Passw\u0151rd-1", "printable characters"),  # beyond U+00FF
        ("Development1!", "account's name or email"),
    ],
)
def test_aws_default_password_policy(password, fault):
    """id_credentials_passwords_account-policy.html, "Default password policy"."""
    error = rules.check_console_password(password, "Development1!", "dev@example.com")
    assert (error is None) if fault is None else (fault in (error or ""))


def test_the_default_password_meets_the_policy():
    assert rules.check_console_password(models.DEFAULT_CONSOLE_PASSWORD) is None


def test_the_sign_in_page_names_the_default_password_and_never_a_hash(web, corp):
    auditor = _user(corp, "auditor")
    html = web.get(
        reverse("flows:sign_in", args=[corp.pk]), {"account": auditor.account.pk}
    ).content.decode()
    assert 'id="f-password"' in html
    assert models.DEFAULT_CONSOLE_PASSWORD in html
    assert auditor.password_hash not in html
