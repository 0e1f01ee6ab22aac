"""Too many failed sign-ins: refused per account and per address, before any password is
checked.

* Per account (the username typed, in any case): ``IAMLAB_SIGN_IN_FAILURES_PER_ACCOUNT``
  failures in ``IAMLAB_SIGN_IN_WINDOW`` seconds, then no more tries until the oldest of them
  is that old. Guessing one person's password gets that many tries a window.
* Per address (:func:`iamlab.throttle.client_address`):
  ``IAMLAB_SIGN_IN_FAILURES_PER_ADDRESS`` failures in the same window, higher, because a whole
  class may sign in from behind one address. Trying many accounts from one place stops there.

:class:`SignInThrottle` comes first in ``AUTHENTICATION_BACKENDS``: while a limit is reached it
refuses at once, so a refused try costs two cache reads and no password hashing (the costly
part of a sign-in, on purpose). A refused try is not counted again, so the time the page gives
stays true. A successful sign-in clears the account's count (not the address's). Every sign-in
through ``authenticate(request, ...)`` goes through it (this site's and the admin's);
``authenticate()`` without a request (``Client.login`` in tests, scripts) does not.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

from iamlab import throttle

__all__ = ["REFUSED", "SignInThrottle", "message"]

REFUSED = "iamlab_sign_in_refused"  # the request attribute that holds a refusal


def _account_limit() -> throttle.Limit:
    return throttle.Limit(
        "sign-in-account",
        settings.IAMLAB_SIGN_IN_FAILURES_PER_ACCOUNT,
        settings.IAMLAB_SIGN_IN_WINDOW,
    )


def _address_limit() -> throttle.Limit:
    return throttle.Limit(
        "sign-in-address",
        settings.IAMLAB_SIGN_IN_FAILURES_PER_ADDRESS,
        settings.IAMLAB_SIGN_IN_WINDOW,
    )


def _account(username: object) -> str:
    return str(username or "").casefold()


def message(refusal: throttle.Blocked) -> str:
    """What the sign-in page says: which limit, and when to try again."""
    if refusal.limit.name == "sign-in-account":
        return f"Too many failed sign-ins for this account; try again {refusal.when}."
    return f"Too many failed sign-ins from your network; try again {refusal.when}."


def refused(request: HttpRequest, username: object) -> throttle.Blocked | None:
    """The limit this sign-in would break, if any (the account's first)."""
    return throttle.blocked(_account_limit(), _account(username)) or throttle.blocked(
        _address_limit(), throttle.client_address(request)
    )


class SignInThrottle:
    """An authentication backend that authenticates nobody: it stops the sign-in, before the
    backends that check passwords, while a limit is reached. It has no ``get_user``, so no
    session is ever tied to it (and ``Client.force_login`` passes it by)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        refusal = refused(request, username)
        if refusal is not None:
            setattr(request, REFUSED, refusal)
            # authenticate() stops at PermissionDenied: no later backend hashes the password.
            raise PermissionDenied(message(refusal))
        return None


@receiver(user_login_failed, dispatch_uid="iamlab.people.lockout.count_failure")
def _count_failure(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    if request is None or getattr(request, REFUSED, None) is not None:
        return  # not a web sign-in, or one refused already (not counted again)
    username = credentials.get("username")
    refusal = throttle.hit(_account_limit(), _account(username))
    by_address = throttle.hit(_address_limit(), throttle.client_address(request))
    if refusal or by_address:
        # This failure reached a limit: say so now rather than on the next try.
        setattr(request, REFUSED, refusal or by_address)


@receiver(user_logged_in, dispatch_uid="iamlab.people.lockout.clear_account")
def _clear_account(sender: object, request: HttpRequest | None, user: Any, **_: Any) -> None:
    if request is not None and getattr(request, "method", None) == "POST":
        throttle.clear(_account_limit(), _account(user.get_username()))
