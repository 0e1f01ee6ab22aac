"""Signing in to a simulated AWS account: the root user, or an IAM user in the console or with
access keys (id_root-user.html, id_users_sign-in.html, id_credentials_mfa.html).

What AWS checks, in order: that the identity exists and has the credential used (a console
password, which must match the one the sandbox keeps as a hash, or an active access key), then,
for console sign-in with an MFA device, a code from one of its devices. AWS's console answers
every failure with the same vague sentence; iamlab says which check failed, and quotes AWS's
sentence beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamlab.sandbox import models, sessions

VAGUE = "Your authentication information is incorrect. Please try again."


@dataclass(frozen=True)
class SignInResult:
    key: str = ""  # the identity signed in as ("" if refused)
    error: str = ""
    field: str = ""  # the form field at fault
    needs_mfa: bool = False  # the password was right: ask for the MFA code now


def _check_mfa(
    devices: list[models.MfaDevice], code: str, passkey: bool, sandbox: models.Sandbox
) -> SignInResult | None:
    """None if MFA is satisfied (or not set up); a refusal otherwise."""
    if not devices:
        return None
    if passkey and any(d.kind == "passkey" for d in devices):
        return None
    if not code.strip():
        return SignInResult(
            error="This identity has an MFA device: enter the code it shows (or use its "
            "passkey) to finish signing in.",
            field="mfa_code",
            needs_mfa=True,
        )
    now = sandbox.now()
    if any(d.kind != "passkey" and sessions.mfa_accepts(d, code, now) for d in devices):
        return None
    return SignInResult(
        error="That MFA code is not the one the device shows now (codes change every 30 "
        "seconds). AWS: Your authentication information is incorrect.",
        field="mfa_code",
        needs_mfa=True,
    )


def sign_in_root(
    sandbox: models.Sandbox, account: models.Account, code: str = "", passkey: bool = False
) -> SignInResult:
    if not account.root_password_set:
        return SignInResult(
            error=f"The root user of {account.name} has no password, so it cannot sign in to "
            f"the console. Its owner would use 'Forgot password?' to set one "
            f"(id_root-user_manage_password.html).",
            field="account",
        )
    devices = list(models.MfaDevice.objects.filter(account=account, user__isnull=True))
    refused = _check_mfa(devices, code, passkey, sandbox)
    if refused is not None:
        return refused
    return SignInResult(key=f"root:{account.pk}" + (":mfa" if devices else ""))


def find_user(account: models.Account, name: str) -> models.IamUser | None:
    return models.IamUser.objects.filter(account=account, name__iexact=name.strip()).first()


def sign_in_user(
    sandbox: models.Sandbox,
    account: models.Account,
    user_name: str,
    code: str = "",
    passkey: bool = False,
    *,
    password: str = "",
) -> SignInResult:
    """Console sign-in as an IAM user: account, user name and password, then MFA
    (id_users_sign-in.html). The password is checked against the hash the sandbox keeps
    (id_credentials_passwords_admin-change-user.html); no message repeats it."""
    user = find_user(account, user_name)
    if user is None:
        return SignInResult(
            error=f"Account {account.account_id} has no IAM user {user_name}. AWS: {VAGUE}",
            field="user_name",
        )
    if not user.console_password:
        return SignInResult(
            error=f"{user.name} has no console password, so it cannot sign in to the console; "
            f"it can only use access keys, if it has any. An administrator gives it one with "
            f"'Enable console access' (iam:CreateLoginProfile). AWS: {VAGUE}",
            field="user_name",
        )
    if not password:
        return SignInResult(
            error=f"Enter {user.name}'s console password: an IAM user signs in to the console "
            f"with its user name and password. AWS: {VAGUE}",
            field="password",
        )
    if not user.check_console_password(password):
        return SignInResult(
            error=f"That is not {user.name}'s console password (passwords are case-sensitive). "
            f"The designer of the sandbox sets it on the user's page. AWS: {VAGUE}",
            field="password",
        )
    devices = list(user.mfa_devices.all())
    refused = _check_mfa(devices, code, passkey, sandbox)
    if refused is not None:
        return refused
    # AWS records when the password was last used (PasswordLastUsed, GetUser).
    models.IamUser.objects.filter(pk=user.pk).update(password_last_used=sandbox.now())
    return SignInResult(key=f"user:{user.pk}" + (":mfa" if devices else ""))


def use_access_key(account: models.Account, user_name: str) -> SignInResult:
    """Calls from the CLI or an SDK with the user's long-term access key (no MFA: a key alone
    signs the request, so aws:MultiFactorAuthPresent is absent)."""
    user = find_user(account, user_name)
    if user is None:
        return SignInResult(
            error=f"Account {account.account_id} has no IAM user {user_name}.", field="user_name"
        )
    if not user.access_keys.filter(status="Active").exists():
        return SignInResult(
            error=f"{user.name} has no active access key, so the CLI cannot sign requests as it "
            f"(InvalidClientTokenId). Create one on the user's page first.",
            field="user_name",
        )
    return SignInResult(key=f"user:{user.pk}")
