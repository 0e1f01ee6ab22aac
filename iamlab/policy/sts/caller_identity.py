"""GetCallerIdentity: who the credentials belong to."""

from __future__ import annotations

from ..request import PrincipalKind, RequestError, parse_caller
from .inputs import _role_unique_id, _user_unique_id
from .sessions import FederatedUserSession, Session, TemporarySession, UserSession

# --- GetCallerIdentity ------------------------------------------------------------------------


def get_caller_identity(
    principal: str | TemporarySession,
    *,
    session_issuer: str | None = None,
    unique_id: str | None = None,
) -> dict[str, str]:
    """What ``aws sts get-caller-identity`` prints: ``UserId``, ``Account`` and ``Arn``.

    ``principal`` is an ARN or any session (:class:`Session`, :class:`UserSession`,
    :class:`FederatedUserSession`). ``unique_id`` is the IAM user's AIDA... ID or the role's
    AROA... ID; a stable made-up one is used if not given. Raises :class:`RequestError` for a
    principal that has no credentials of its own (a role ARN rather than a session, a service,
    an anonymous caller).
    """
    if isinstance(principal, Session | UserSession | FederatedUserSession):
        return {"UserId": principal.user_id, "Account": principal.account, "Arn": principal.arn}
    if not isinstance(principal, str):
        raise RequestError("principal", "give an ARN or a session")
    caller = parse_caller(principal, session_issuer)
    account = caller.account or ""
    kind = caller.kind
    if kind is PrincipalKind.ROOT:
        return {"UserId": account, "Account": account, "Arn": caller.arn}
    if kind is PrincipalKind.USER:
        user_id = unique_id or _user_unique_id(account, caller.name or "")
        return {"UserId": user_id, "Account": account, "Arn": caller.arn}
    if kind is PrincipalKind.ROLE_SESSION and caller.session_name is not None:
        role_id = unique_id or _role_unique_id(account, caller.name or "")
        return {
            "UserId": f"{role_id}:{caller.session_name}",
            "Account": account,
            "Arn": caller.arn,
        }
    if kind is PrincipalKind.FEDERATED_USER:
        return {"UserId": f"{account}:{caller.name}", "Account": account, "Arn": caller.arn}
    raise RequestError(
        "principal",
        f"{caller.describe()} has no credentials of its own to call GetCallerIdentity with"
        + (
            "; a role is used through a session: give the session's ARN "
            "(arn:aws:sts::ACCOUNT-ID:assumed-role/ROLE/SESSION)"
            if kind is PrincipalKind.ROLE_SESSION
            else ""
        ),
    )
