"""An AWS service assumes a role for you (service roles, instance profiles)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..evaluate import evaluate
from ..request import Request
from .inputs import RoleSpec, _hashed_id, _utc
from .sessions import Session, StsDenied

# --- a service assumes a role ----------------------------------------------------------------


def assume_role_for_service(
    service: str,
    role: RoleSpec,
    session_name: str,
    *,
    now: dt.datetime,
    duration_seconds: int = 3600,
    source_account: str | None = None,
    source_arn: str | None = None,
) -> Session | StsDenied:
    """An AWS service (``ec2.amazonaws.com``, ``lambda.amazonaws.com``) assumes a role for you.

    Only the role's trust policy (and the RCPs of the role's account) decide: a service
    principal has no identity-based policies. The request carries ``aws:SourceAccount`` and
    ``aws:SourceArn`` of the resource the service acts for, which trust policies use against
    the confused deputy (id_roles_create_for-service.html, confused-deputy.html). The session is
    named after what the service runs (for EC2 the instance id, so aws:userid is
    ROLE-ID:i-..., id_roles_use_switch-role-ec2.html); it is not role chaining.
    """
    time = _utc(now)
    context: dict[str, Any] = {}
    if source_account is not None:
        context["aws:SourceAccount"] = source_account
    if source_arn is not None:
        context["aws:SourceArn"] = source_arn
    request = Request(service, "sts:AssumeRole", role.arn, context=context, time=time)
    evaluation = evaluate(request, resource_policy=role.trust, rcps=role.rcps)
    if not evaluation.allowed:
        return StsDenied(
            "trust-policy",
            f"Role {role.name}'s trust policy does not let the service {service} assume it, so "
            f"the service gets no credentials. A role meant for {service} trusts it as "
            f'"Principal": {{"Service": "{service}"}} with the action sts:AssumeRole.',
            f"(the service reports it cannot assume {role.arn})",
            evaluation=evaluation,
            side="trust-policy",
        )
    return Session(
        arn=f"arn:{role.partition}:sts::{role.account}:assumed-role/{role.name}/{session_name}",
        role=role,
        session_name=session_name,
        access_key_id=_hashed_id("ASIA", 16, service, role.arn, session_name, time.isoformat()),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration_seconds),
        duration_seconds=duration_seconds,
        session_policies=(),
        tags={},
        source_identity=None,
        chained=False,
        caller_arn=service,
    )
