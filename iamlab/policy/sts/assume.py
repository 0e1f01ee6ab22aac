"""AssumeRole: who may call it, the caller's and the trust policy's permissions, MFA, session
tags, source identity, and the session duration (role chaining).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from ..credentials import SESSION_TOKEN
from ..evaluate import EXPLICIT_DENY, Evaluation, evaluate
from ..model import Policy
from ..request import Caller, PrincipalKind, Request
from .inputs import (
    CHAINED_MAX_DURATION,
    CallerSpec,
    RoleSpec,
    _context_value,
    _hashed_id,
    _merge_context,
    _utc,
)
from .sessions import Session, StsDenied, _credential_problem, _mfa_keys
from .validation import _validate

# --- AssumeRole -------------------------------------------------------------------------------


def _caller_type_problem(spec: CallerSpec) -> StsDenied | None:
    problem = _credential_problem(spec, "sts:AssumeRole")
    if problem is not None:
        return problem
    caller = spec.caller
    kind = caller.kind
    if kind is PrincipalKind.ANONYMOUS:
        return StsDenied(
            "caller-type",
            "AssumeRole must be signed with AWS credentials; an anonymous caller cannot call it.",
            "MissingAuthenticationToken: Request is missing Authentication Token",
        )
    if kind is PrincipalKind.IDENTITY_PROVIDER:
        return StsDenied(
            "caller-type",
            f"{caller.describe()} signs in through AssumeRoleWithSAML or "
            f"AssumeRoleWithWebIdentity, not AssumeRole.",
            "AccessDenied: AssumeRole needs AWS credentials",
        )
    return None


def _side(evaluation: Evaluation) -> str:
    kind = evaluation.decided_by.partition(":")[0]
    if kind == "deny":
        kind = evaluation.matched[0].layer if evaluation.matched else "identity"
    if kind == "resource":
        return "trust-policy"
    if kind == "rcp":
        return "rcp"
    return "caller"


def _condition_refused(evaluation: Evaluation) -> bool:
    """Whether the trust policy names the caller and only a condition of it refuses."""
    near = evaluation.near_misses
    return (
        evaluation.decision != EXPLICIT_DENY
        and bool(near)
        and near[0].layer == "resource"
        and near[0].elements == ("condition",)
    )


def _access_denied(
    check: str | None, action: str, caller: Caller, role: RoleSpec, evaluation: Evaluation
) -> StsDenied:
    side = _side(evaluation)
    who = caller.describe()
    if side == "trust-policy" and _condition_refused(evaluation):
        what = (
            f"The trust policy of role {role.name} would let {who} call {action}, but a "
            f"condition of it is not met."
        )
    elif side == "trust-policy":
        what = f"The trust policy of role {role.name} does not allow {who} to call {action}."
    elif side == "rcp":
        what = f"A resource control policy of account {role.account} does not allow {action}."
    else:
        what = (
            f"The policies of {who} (in account {caller.account}) do not allow it to call "
            f"{action} on role {role.name}."
        )
    explicit = " with an explicit deny" if evaluation.decision == EXPLICIT_DENY else ""
    return StsDenied(
        check or {"trust-policy": "trust-policy", "rcp": "rcp"}.get(side, "caller-permission"),
        f"{what} {evaluation.reason}",
        f"AccessDenied: User: {caller.arn} is not authorized to perform: {action} on "
        f"resource: {role.arn}{explicit}",
        evaluation,
        side=side,
    )


_UNABLE_TO_VALIDATE = (
    "AccessDenied: MultiFactorAuthentication failed, unable to validate MFA code.  Please "
    "verify your MFA serial number is valid and associated with this user."
)
_INVALID_CODE = (
    "AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code."
)


def _check_mfa(
    caller: CallerSpec, serial_number: str | None, token_code: str | None
) -> StsDenied | None:
    """The simulated MFA device check: ``caller.mfa_devices`` maps serial -> current code."""
    if serial_number is None:
        return None
    who = caller.caller.describe()
    expected = caller.mfa_devices.get(serial_number)
    if expected is None:
        devices = ", ".join(sorted(caller.mfa_devices)) or "none"
        return StsDenied(
            "mfa",
            f"{who} has no MFA device with the serial number {serial_number} (its devices: "
            f"{devices}). A virtual device's serial number is its ARN, "
            f"arn:aws:iam::ACCOUNT-ID:mfa/DEVICE-NAME.",
            _UNABLE_TO_VALIDATE,
            parameter="serialNumber",
        )
    if token_code != expected:
        return StsDenied(
            "mfa",
            f"{token_code} is not the code the MFA device {serial_number} shows right now; the "
            f"code changes every 30 seconds, so read it again.",
            _INVALID_CODE,
            parameter="tokenCode",
        )
    return None


def assume_role(
    caller: CallerSpec,
    role: RoleSpec,
    session_name: str,
    *,
    now: dt.datetime,
    duration_seconds: int = 3600,
    external_id: str | None = None,
    session_policy: Policy | None = None,
    policy_arns: Sequence[Policy] = (),
    tags: Mapping[str, str] | None = None,
    transitive_tag_keys: Sequence[str] = (),
    source_identity: str | None = None,
    serial_number: str | None = None,
    token_code: str | None = None,
) -> Session | StsDenied:
    """What ``aws sts assume-role`` answers: a :class:`Session`, or why it was refused.

    ``policy_arns`` are the managed policies passed as PolicyArns (their documents: the engine
    needs the statements, not the ARNs). ``now`` is when the call is made; the session expires
    ``duration_seconds`` later. ``serial_number`` / ``token_code`` are checked against
    ``caller.mfa_devices``. The order of the checks: syntax, caller type, MFA, transitive tags,
    authorization (``sts:AssumeRole``, ``sts:TagSession``, ``sts:SetSourceIdentity``), duration.
    """
    tags = dict(tags or {})
    policy_arns = tuple(policy_arns)
    transitive_tag_keys = tuple(transitive_tag_keys)
    problem = _validate(
        session_name,
        duration_seconds,
        external_id,
        session_policy,
        policy_arns,
        tags,
        source_identity,
        serial_number,
        token_code,
        transitive_tag_keys,
    )
    if problem is not None:
        return problem
    who = caller.caller
    problem = _caller_type_problem(caller) or _check_mfa(caller, serial_number, token_code)
    if problem is not None:
        return problem

    # A chained session keeps the source identity of the session it came from
    # (id_credentials_temp_control-access_monitor).
    inherited = _context_value(caller.context, "aws:SourceIdentity")
    if inherited is not None and source_identity is not None and source_identity != inherited:
        return StsDenied(
            "input",
            f"The caller's session already has the source identity {inherited!r}; a role it "
            f"assumes keeps that value and cannot be given another one.",
            "ValidationError (iamlab's wording): a source identity cannot be changed once set",
            parameter="sourceIdentity",
        )
    effective_source = source_identity if source_identity is not None else inherited

    # Transitive tags of the calling session pass on (id_session-tags, role chaining).
    passed_on = dict(caller.transitive_tags)
    clash = sorted(k for k in tags if k.lower() in {t.lower() for t in passed_on})
    if clash:
        return StsDenied(
            "input",
            f"The calling session passes on the transitive session tag {clash[0]!r}; the new "
            f"session inherits it and cannot be given another value for it.",
            "InvalidParameterValue (iamlab's wording): a session tag cannot replace an "
            "inherited transitive tag",
            parameter="tags",
        )

    time = _utc(now)
    mfa_at = time if serial_number is not None else caller.mfa_authenticated_at
    extra: dict[str, Any] = {"sts:RoleSessionName": session_name}
    if mfa_at is not None:
        extra.update(_mfa_keys(mfa_at, time))
    if external_id is not None:
        extra["sts:ExternalId"] = external_id
    if effective_source is not None:
        extra["sts:SourceIdentity"] = effective_source
    if tags:
        extra["aws:TagKeys"] = tuple(tags)
        for key, value in tags.items():
            extra[f"aws:RequestTag/{key}"] = value
    if transitive_tag_keys:
        extra["sts:TransitiveTagKeys"] = transitive_tag_keys
    context = _merge_context(caller.context, extra)
    inputs: dict[str, Any] = {
        "identity": caller.identity,
        "boundary": caller.boundary,
        "session": caller.session,
        "scps": caller.scps,
        "rcps": role.rcps,
        "resource_policy": role.trust,
    }

    steps: list[tuple[str, str | None]] = [("sts:AssumeRole", None)]
    if tags:
        steps.append(("sts:TagSession", "tag-session"))
    # A source identity the calling session carries is set on the new session too, so
    # sts:SetSourceIdentity is needed even when the caller passes none: in the caller's
    # permissions and in the role's trust policy (id_credentials_temp_control-access_monitor,
    # "Permissions required to set source identity", role chaining).
    if effective_source is not None:
        steps.append(("sts:SetSourceIdentity", "source-identity"))
    for action, check in steps:
        request = Request(
            caller.principal,
            action,
            role.arn,
            context=context,
            session_issuer=caller.session_issuer,
            time=time,
        )
        evaluation = evaluate(request, **inputs)
        if not evaluation.allowed:
            return _access_denied(check, action, who, role, evaluation)

    chained = caller.chained
    limit = "role-chaining" if chained else None
    if caller.credentials == SESSION_TOKEN:
        limit = "session-token"
    problem = _duration_problem(role, duration_seconds, limit, str(who.describe()))
    if problem is not None:
        return problem

    policies = ((session_policy,) if session_policy is not None else ()) + policy_arns
    return Session(
        arn=f"arn:{role.partition}:sts::{role.account}:assumed-role/{role.name}/{session_name}",
        role=role,
        session_name=session_name,
        access_key_id=_hashed_id(
            "ASIA", 16, caller.principal, role.arn, session_name, time.isoformat()
        ),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration_seconds),
        duration_seconds=duration_seconds,
        session_policies=policies,
        tags={**passed_on, **tags},
        source_identity=effective_source,
        chained=chained,
        caller_arn=caller.principal,
        mfa_authenticated_at=mfa_at,
        transitive_tag_keys=tuple(passed_on) + transitive_tag_keys,
    )


_ONE_HOUR_BECAUSE = {
    "role-chaining": "is itself a role session, so assuming {role} is role chaining, which",
    # The Knowledge Center's iam-role-chaining-limit: temporary credentials from
    # GetSessionToken (for example with MFA, from the AWS CLI) that assume a role are "limited
    # to 1 hour", with the role-chaining ValidationError.
    "session-token": (
        "signs with temporary credentials from GetSessionToken, and a role assumed with "
        "temporary credentials is held to the role-chaining limit, which"
    ),
}


def _duration_problem(
    role: RoleSpec, duration_seconds: int, one_hour: str | None, who: str
) -> StsDenied | None:
    """``one_hour``: why the caller is held to one hour (``role-chaining``,
    ``session-token``), or None."""
    if one_hour is not None and duration_seconds > CHAINED_MAX_DURATION:
        because = _ONE_HOUR_BECAUSE[one_hour].format(role=role.name)
        return StsDenied(
            "duration",
            f"{who} {because} limits the new session to one hour (3600 seconds); "
            f"{duration_seconds} were asked.",
            "ValidationError: The requested DurationSeconds exceeds the 1 hour session limit "
            "for roles assumed by role chaining.",
            parameter="durationSeconds",
        )
    if duration_seconds > role.max_session_seconds:
        return StsDenied(
            "duration",
            f"Role {role.name} allows sessions of at most {role.max_session_seconds} seconds "
            f"(its maximum session duration); {duration_seconds} were asked.",
            "ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set "
            "for this role.",
            parameter="durationSeconds",
        )
    return None
