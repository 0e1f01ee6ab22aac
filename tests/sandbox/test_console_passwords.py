"""Console passwords in the sandbox: kept only as Django password hashes, the default one for
users iamlab creates without a password of their own (the demo, an import of
get-account-authorization-details, which carries no password), and none without console access
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_admin-change-user.html)."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlab.sandbox import demo
from iamlab.sandbox.authorization_details import import_account
from iamlab.sandbox.models import DEFAULT_CONSOLE_PASSWORD, IamUser

from .factories import AccountFactory, SandboxFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "authorization-details.json"


def test_a_user_with_console_access_always_has_a_hashed_password():
    account = AccountFactory()
    user = IamUser.objects.create(
        sandbox=account.sandbox, account=account, name="ann", console_password=True
    )
    assert user.password_hash
    assert DEFAULT_CONSOLE_PASSWORD not in user.password_hash
    assert user.check_console_password(DEFAULT_CONSOLE_PASSWORD)
    assert not user.check_console_password(DEFAULT_CONSOLE_PASSWORD.lower())

    user.set_console_password("Ann-Passw0rd")
    user.save()
    user.refresh_from_db()
    assert user.check_console_password("Ann-Passw0rd")
    assert not user.check_console_password(DEFAULT_CONSOLE_PASSWORD)

    user.console_password = False  # DeleteLoginProfile: the password goes with it
    user.save()
    user.refresh_from_db()
    assert user.password_hash == ""
    assert not user.check_console_password("Ann-Passw0rd")


def test_a_user_without_console_access_has_no_password():
    account = AccountFactory()
    user = IamUser.objects.create(sandbox=account.sandbox, account=account, name="bob")
    assert (user.console_password, user.password_hash) == (False, "")
    assert not user.check_console_password("")


def test_imported_users_with_a_login_profile_get_the_default_password():
    account = import_account(SandboxFactory(), SAMPLE.read_bytes())
    alice = IamUser.objects.get(account=account, name="alice")
    bob = IamUser.objects.get(account=account, name="bob")
    assert alice.check_console_password(DEFAULT_CONSOLE_PASSWORD)
    assert bob.password_hash == ""


def test_the_demos_console_users_sign_in_with_the_default_password(person):
    corp = demo.build_example_corp(person)
    users = IamUser.objects.filter(sandbox=corp, console_password=True)
    assert {u.name for u in users} >= {"alice", "auditor"}
    assert all(u.check_console_password(DEFAULT_CONSOLE_PASSWORD) for u in users)
    assert not IamUser.objects.filter(sandbox=corp, console_password=False).exclude(
        password_hash=""
    )
