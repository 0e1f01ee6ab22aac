"""Each flow page's sequence diagram, from what the page already holds (its form, the flow's
outcome): the learner's own values go to the pure builders of :mod:`.sequence`.

A field's value is the learner's input once the form is bound, else its initial value; a value
the field would refuse leaves that part of the diagram generic.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from iamlab.policy import StsDenied
from iamlab.sandbox import models
from iamlab.sandbox.world import Check

from . import federation, sequence
from .sequence import Answer, Sequence


def picked(form: forms.BaseForm, name: str) -> Any:
    """What ``name`` holds, cleaned by its field (a model for a choice of objects); None when
    the field would refuse it."""
    cleaned = getattr(form, "cleaned_data", None)
    if cleaned is not None and name in cleaned:
        return cleaned[name]
    try:
        return form.fields[name].clean(form[name].value())
    except ValidationError:
        return None


def _text(form: forms.BaseForm, name: str) -> str:
    value = picked(form, name)
    return str(value) if value not in (None, "") else ""


def result_of(outcome: federation.Outcome | None) -> Answer | None:
    """What STS answered in a federation flow; None before the call."""
    if outcome is None:
        return None
    return sequence.answer(
        outcome.row.arn if outcome.row is not None else "", outcome.denied, outcome.problem
    )


def _verdict(check: Check) -> str:
    """Why a request was denied, in a few words."""
    if check.evaluation.decision == "explicitDeny":
        return "Denied: a Deny statement matches."
    return "Denied: no policy that applies allows it (an implicit deny)."


def saml(form: forms.BaseForm, context: dict[str, Any]) -> Sequence:
    provider, role = picked(form, "provider"), picked(form, "role")
    return sequence.saml(
        provider_arn=provider.arn if provider is not None else "",
        issuer=(
            federation.provider_issuer(provider)
            if provider is not None
            else federation.DEFAULT_SAML_ISSUER
        ),
        role_arn=role.arn if role is not None else "",
        subject=_text(form, "subject"),
        session_name=_text(form, "session_name"),
        session_duration=picked(form, "session_duration"),
        issued=context.get("step") == "issued",
        result=result_of(context.get("outcome")) if context.get("step") == "send" else None,
    )


def web_identity(form: forms.BaseForm, context: dict[str, Any]) -> Sequence:
    role = picked(form, "role")
    provider = _text(form, "provider")
    claims, *_ = federation.parse_claims(_text(form, "claims"))
    claims = claims or {}
    audience = claims.get("aud", "")
    return sequence.web_identity(
        provider=provider,
        role_arn=role.arn if role is not None else "",
        session_name=_text(form, "session_name"),
        issuer=str(claims.get("iss", "")),
        subject=str(claims.get("sub", "")),
        audience=", ".join(map(str, audience)) if isinstance(audience, list) else str(audience),
        result=result_of(context.get("outcome")),
    )


def broker(form: forms.BaseForm, context: dict[str, Any]) -> Sequence:
    user = picked(form, "broker")
    outcome: federation.Outcome | None = context.get("outcome")
    as_federated: Check | None = outcome.extra.get("as_federated") if outcome else None
    return sequence.broker(
        broker_arn=user.arn if user is not None else "",
        name=_text(form, "name"),
        has_policy=bool(_text(form, "policy").strip()),
        duration_seconds=picked(form, "duration_seconds"),
        sample_action=_text(form, "sample_action").strip(),
        sample_resource=_text(form, "sample_resource").strip(),
        result=result_of(outcome),
        sample_allowed=as_federated.allowed if as_federated is not None else None,
        sample_why=_verdict(as_federated) if as_federated is not None else "",
    )


def portal(context: dict[str, Any]) -> Sequence:
    chosen: models.SsoUser | None = context.get("chosen")
    entry: federation.PortalEntry | None = context.get("entry")
    role = entry.role if entry is not None else None
    provider = (
        models.IdentityProvider.objects.filter(
            sandbox_id=role.sandbox_id, account_id=role.account_id, managed_by="identity-center"
        )
        .select_related("account")
        .first()
        if role is not None
        else None
    )
    return sequence.portal(
        user_name=chosen.user_name if chosen is not None else "",
        assignments=len(context.get("entries", [])) if chosen is not None else None,
        account=entry.assignment.account.name if entry is not None else "",
        permission_set=entry.assignment.permission_set.name if entry is not None else "",
        role_arn=role.arn if role is not None else "",
        provider_arn=provider.arn if provider is not None else "",
        result=result_of(context.get("outcome")),
    )


def _launch_refusal(launch: Any) -> str:
    if launch.problem:
        return str(launch.problem)
    refused = [
        what
        for what, check in (
            ("ec2:RunInstances", launch.run),
            ("iam:PassRole on the profile's role", launch.pass_role),
        )
        if check is not None and not check.allowed
    ]
    return "EC2 refused to launch: " + " and ".join(refused) + " not allowed."


def _sts_refusal(denied: StsDenied) -> str:
    answered = sequence.answer(denied=denied)
    return answered.refused if answered is not None else denied.message


def ec2(context: dict[str, Any]) -> Sequence:
    """The EC2 page: launching, the instance's credentials, IMDS and the application's call."""
    launch = context.get("launch")
    chosen: models.Ec2Instance | None = context.get("chosen")
    profile = chosen.instance_profile if chosen is not None else None
    role = profile.role if profile is not None else None
    denied: StsDenied | None = context.get("no_credentials")
    no_credentials = ""
    if denied is not None:
        no_credentials = _sts_refusal(denied)
    elif chosen is not None and role is None:
        no_credentials = f"The instance profile {profile.name if profile else ''} has no role."
    call: Check | None = context.get("call")
    who = context.get("who")
    return sequence.ec2(
        launcher=getattr(who, "label", ""),
        profile=profile.name if profile is not None else "",
        role_arn=role.arn if role is not None else "",
        instance_id=chosen.instance_id if chosen is not None else "",
        region=chosen.region if chosen is not None else "",
        launch_refused=_launch_refusal(launch)
        if launch is not None and not launch.launched
        else "",
        no_credentials=no_credentials,
        credentials=context.get("credentials") is not None,
        fetched=bool(context.get("fetched")),
        action=call.request.action if call is not None else "",
        resource=str(call.request.resource) if call is not None else "",
        call_allowed=call.allowed if call is not None else None,
        call_why=_verdict(call) if call is not None and not call.allowed else "",
    )
