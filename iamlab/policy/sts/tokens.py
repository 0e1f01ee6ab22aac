"""GetSessionToken and GetFederationToken: temporary credentials for an IAM user (or the root
user) with long-term access keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..credentials import LONG_TERM
from ..evaluate import EXPLICIT_DENY, evaluate
from ..model import Policy
from ..request import PrincipalKind, Request
from .assume import _check_mfa
from .inputs import (
    _SESSION_NAME,
    ROOT_TOKEN_MAX_DURATION,
    TOKEN_DEFAULT_DURATION,
    TOKEN_MAX_DURATION,
    CallerSpec,
    _hashed_id,
    _merge_context,
    _utc,
)
from .sessions import FederatedUserSession, StsDenied, UserSession, _credential_problem
from .validation import (
    _check_length,
    _validate_duration,
    _validate_mfa,
    _validate_policies,
    _validate_tags,
)

# --- GetSessionToken and GetFederationToken ---------------------------------------------------


def _long_term_caller_problem(caller: CallerSpec, operation: str) -> StsDenied | None:
    """GetSessionToken and GetFederationToken need an IAM user's (or the root user's)
    long-term access keys."""
    who = caller.caller
    if caller.credentials == LONG_TERM:
        return None
    problem = _credential_problem(caller, f"sts:{operation}")
    if problem is not None:
        return problem
    return StsDenied(
        "caller-type",
        f"{operation} must be called by an IAM user (or the root user) with long-term access "
        f"keys; {who.describe()} has none.",
        "MissingAuthenticationToken: Request is missing Authentication Token",
    )


def _token_duration(
    caller: CallerSpec, duration_seconds: int | None
) -> tuple[int, StsDenied | None]:
    """User: 900..129600, default 43200. Root: default 3600, a longer request cut to 3600."""
    root = caller.caller.kind is PrincipalKind.ROOT
    if duration_seconds is None:
        return (ROOT_TOKEN_MAX_DURATION if root else TOKEN_DEFAULT_DURATION), None
    problem = _validate_duration(duration_seconds, TOKEN_MAX_DURATION, "36 hours")
    if problem:
        return duration_seconds, problem
    if root:
        return min(duration_seconds, ROOT_TOKEN_MAX_DURATION), None
    return duration_seconds, None


def get_session_token(
    caller: CallerSpec,
    *,
    now: dt.datetime,
    duration_seconds: int | None = None,
    serial_number: str | None = None,
    token_code: str | None = None,
) -> UserSession | StsDenied:
    """What ``aws sts get-session-token`` answers: temporary credentials for the same IAM user
    (or root user), MFA-authenticated when a valid ``serial_number`` / ``token_code`` is given.

    No policy is evaluated: "You cannot use policies to control authentication operations"
    (API_GetSessionToken). A root user's request for more than an hour gets one hour.
    """
    duration, problem = _token_duration(caller, duration_seconds)
    problem = (
        problem
        or _validate_mfa(serial_number, token_code)
        or _long_term_caller_problem(caller, "GetSessionToken")
        or _check_mfa(caller, serial_number, token_code)
    )
    if problem is not None:
        return problem
    time = _utc(now)
    return UserSession(
        arn=caller.caller.arn,
        user=caller,
        access_key_id=_hashed_id("ASIA", 16, "session-token", caller.principal, time.isoformat()),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration),
        duration_seconds=duration,
        mfa_authenticated_at=time if serial_number is not None else None,
        mfa_serial=serial_number,
    )


def get_federation_token(
    caller: CallerSpec,
    name: str,
    *,
    now: dt.datetime,
    duration_seconds: int | None = None,
    session_policy: Policy | None = None,
    policy_arns: Sequence[Policy] = (),
    tags: Mapping[str, str] | None = None,
) -> FederatedUserSession | StsDenied:
    """What ``aws sts get-federation-token`` answers: a :class:`FederatedUserSession` named
    ``name`` (``arn:aws:sts::ACCOUNT:federated-user/NAME``), or why it was refused.

    Order of the checks: syntax, caller type, ``sts:GetFederationToken`` (then
    ``sts:TagSession`` if tags are passed) evaluated with the caller's policies on the
    federated user's ARN. Without session policies the session gets nothing from the user's
    policies (the API reference: "the resulting federated user session has no permissions").
    """
    tags = dict(tags or {})
    policy_arns = tuple(policy_arns)
    duration, problem = _token_duration(caller, duration_seconds)
    problem = (
        _check_length("name", "The federated user name", name, 2, 32, _SESSION_NAME)
        or problem
        or _validate_policies(session_policy, policy_arns)
        or _validate_tags(tags)
        or _long_term_caller_problem(caller, "GetFederationToken")
    )
    if problem is not None:
        return problem
    who = caller.caller
    account = who.account or ""
    arn = f"arn:{who.partition}:sts::{account}:federated-user/{name}"
    time = _utc(now)
    extra: dict[str, Any] = {}
    if tags:
        extra["aws:TagKeys"] = tuple(tags)
        for key, value in tags.items():
            extra[f"aws:RequestTag/{key}"] = value
    context = _merge_context(caller.context, extra)
    steps: list[tuple[str, str]] = [("sts:GetFederationToken", "caller-permission")]
    if tags:
        steps.append(("sts:TagSession", "tag-session"))
    for action, check in steps:
        request = Request(caller.principal, action, arn, context=context, time=time)
        evaluation = evaluate(
            request,
            identity=caller.identity,
            boundary=caller.boundary,
            scps=caller.scps,
        )
        if not evaluation.allowed:
            explicit = " with an explicit deny" if evaluation.decision == EXPLICIT_DENY else ""
            return StsDenied(
                check,
                f"The policies of {who.describe()} do not allow it to call {action} for the "
                f"federated user {name}. {evaluation.reason}",
                f"AccessDenied: User: {who.arn} is not authorized to perform: {action} on "
                f"resource: {arn}{explicit}",
                evaluation,
                side="caller",
            )
    policies = ((session_policy,) if session_policy is not None else ()) + policy_arns
    return FederatedUserSession(
        arn=arn,
        name=name,
        issuer=caller,
        access_key_id=_hashed_id(
            "ASIA", 16, "federation", caller.principal, name, time.isoformat()
        ),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration),
        duration_seconds=duration,
        session_policies=policies,
        tags=tags,
    )
