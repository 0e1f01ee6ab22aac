"""The federation flows: the IAM Identity Center access portal, SAML 2.0, web identity, a
custom identity broker (GetFederationToken) and GetSessionToken.

Thin views: the sandbox through its owner, a form, then :mod:`.federation` and the engine.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from iamlab.policy import RequestError
from iamlab.sandbox import models, sessions
from iamlab.sandbox.place import Place, in_sandbox

from . import diagrams, federation
from . import forms_federation as forms

_BROKER_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [
                    "arn:aws:s3:::example-corp-reports",
                    "arn:aws:s3:::example-corp-reports/*",
                ],
            }
        ],
    },
    indent=2,
)


def _at(line: int | None, column: int | None) -> str:
    """Where in the learner's XML or JSON a problem is, as the message's prefix."""
    return f"line {line}, column {column}: " if line is not None else ""


def _respond(
    request: HttpRequest, template: str, context: dict[str, Any], ok: bool
) -> HttpResponse:
    status = 400 if request.method == "POST" and not ok else 200
    return render(request, template, context, status=status)


def _outcome_context(outcome: federation.Outcome) -> dict[str, Any]:
    found: dict[str, Any] = {"outcome": outcome}
    if outcome.denied is not None:
        found["denied"] = outcome.denied
        found["evaluation"] = outcome.denied.evaluation
    if outcome.row is not None:
        found["issued"] = outcome.row
        found["credentials"] = sessions.credentials_json(outcome.row)
        carried = dict(outcome.row.federation_keys)
        carried |= {f"aws:PrincipalTag/{k}": v for k, v in outcome.row.tags.items()}
        if outcome.row.federated_provider and outcome.row.via == "web-identity":
            carried["aws:FederatedProvider"] = outcome.row.federated_provider
        found["carried_keys"] = sorted(carried.items())
    return found


# -- IAM Identity Center access portal ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def portal(request: HttpRequest, place: Place) -> HttpResponse:
    """The AWS access portal: an Identity Center user's accounts and permission sets."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    org = models.Organization.objects.filter(sandbox=sandbox).first()
    enabled = org is not None and org.identity_center_enabled
    users = list(models.SsoUser.objects.filter(sandbox=sandbox))
    data = request.POST if request.method == "POST" else request.GET
    chosen = next((u for u in users if str(u.pk) == data.get("user", "")), None)
    if chosen is None and request.method == "GET" and users and not data.get("user"):
        chosen = users[0]
    context: dict[str, Any] = {
        "sandbox": sandbox,
        "who": who,
        "enabled": enabled,
        "users": users,
        "chosen": chosen,
        "provides": federation.IDENTITY_CENTER_PROVIDES,
    }
    ok = True
    if data.get("user") and chosen is None:
        context["problem"] = "Choose one of the Identity Center users listed."
        ok = False
    entries = federation.portal_entries(sandbox, chosen) if chosen is not None and enabled else []
    context["entries"] = entries
    if request.method == "POST" and chosen is not None and enabled:
        entry = next((e for e in entries if str(e.assignment.pk) == data.get("assignment")), None)
        if entry is None:
            context["problem"] = (
                f"{chosen.user_name} has no such assignment: choose an account and permission "
                f"set from the list."
            )
            ok = False
        else:
            outcome = federation.portal_sign_in(sandbox, world, who, chosen, entry)
            context |= _outcome_context(outcome)
            context["entry"] = entry
            context["problem"] = outcome.problem
            ok = outcome.row is not None
    elif request.method == "POST":
        ok = False
        context.setdefault("problem", "Identity Center is not enabled in this sandbox.")
    context["sequence"] = diagrams.portal(context)
    return _respond(request, "flows/portal.html", context, ok)


# -- SAML 2.0 -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def saml(request: HttpRequest, place: Place) -> HttpResponse:
    """Sign in at the corporate identity provider, read (and edit) its SAML response, send it to
    AWS (AssumeRoleWithSAML)."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    providers = federation.saml_providers(sandbox)
    initial: dict[str, Any] = {}
    if providers:
        initial["provider"] = providers[0].pk
        trusting = federation.roles_trusting(sandbox, providers[0].arn)
        if trusting:
            initial["role"] = trusting[0].pk
    form = forms.SamlForm(
        sandbox, request.POST if request.method == "POST" else None, initial=initial
    )
    context: dict[str, Any] = {
        "sandbox": sandbox,
        "who": who,
        "form": form,
        "providers": providers,
        "default_issuer": federation.DEFAULT_SAML_ISSUER,
    }
    ok = True
    if request.method == "POST":
        step = request.POST.get("step", "issue")
        if not form.is_valid():
            form.focus_first_error()
            ok = False
        else:
            d = form.cleaned_data
            provider, role = d["provider"], d["role"]
            now = sandbox.now()
            if step == "send":
                outcome = federation.saml_sign_in(
                    sandbox, world, who, role, provider, d["xml"] or ""
                )
                context |= _outcome_context(outcome)
                context["step"] = "send"
                if outcome.problem:
                    form.add_error("xml", _at(outcome.line, outcome.column) + outcome.problem)
                ok = outcome.row is not None
            else:
                tags = {d["tag_key"]: d["tag_value"]} if d["tag_key"] else {}
                assertion = federation.build_assertion(
                    issuer=federation.provider_issuer(provider),
                    role_arn=role.arn,
                    provider_arn=provider.arn,
                    subject=d["subject"],
                    session_name=d["session_name"],
                    now=now,
                    session_duration=d["session_duration"],
                    tags=tags,
                )
                data = request.POST.copy()
                data["xml"] = federation.render(assertion, now)
                form = forms.SamlForm(sandbox, data)
                form.is_valid()
                context["form"] = form
                context["step"] = "issued"
            context["issuer"] = federation.provider_issuer(provider)
    context["sequence"] = diagrams.saml(context["form"], context)
    return _respond(request, "flows/saml.html", context, ok)


# -- web identity -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def web_identity(request: HttpRequest, place: Place) -> HttpResponse:
    """A mobile or CI app trades a token from an identity provider for a role session."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    oidc = federation.oidc_providers(sandbox)
    now = sandbox.now()
    initial: dict[str, Any] = {}
    if oidc:
        first = oidc[0]
        initial["provider"] = first.arn
        trusting = federation.roles_trusting(sandbox, first.arn)
        role = trusting[0] if trusting else None
        if role is not None:
            initial["role"] = role.pk
        claims = federation.default_claims(first.name, list(first.client_ids), role, now)
        initial["claims"] = json.dumps(claims, indent=2)
    chosen_provider = request.GET.get("provider", "")
    form = forms.WebIdentityForm(
        sandbox, request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "GET" and chosen_provider in dict(federation.BUILT_IN_PROVIDERS):
        initial["provider"] = chosen_provider
        initial["claims"] = json.dumps(
            federation.default_claims(chosen_provider, [], None, now), indent=2
        )
        form = forms.WebIdentityForm(sandbox, None, initial=initial)
    context: dict[str, Any] = {
        "sandbox": sandbox,
        "who": who,
        "form": form,
        "built_in": federation.BUILT_IN_PROVIDERS,
    }
    ok = True
    if request.method == "POST":
        ok = False
        if not form.is_valid():
            form.focus_first_error()
        else:
            d = form.cleaned_data
            token, message, line, column = federation.parse_claims(d["claims"])
            if token is None:
                form.add_error("claims", _at(line, column) + message)
                form.focus_first_error()
            else:
                provider = d["provider"]
                if provider in form.providers:
                    provider = form.providers[provider].arn
                outcome = federation.web_identity_sign_in(
                    sandbox,
                    world,
                    who,
                    d["role"],
                    provider,
                    form.client_ids(),
                    token,
                    d["session_name"],
                )
                context |= _outcome_context(outcome)
                context["problem"] = outcome.problem
                ok = outcome.row is not None
    context["sequence"] = diagrams.web_identity(context["form"], context)
    return _respond(request, "flows/web_identity.html", context, ok)


# -- a custom identity broker -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def broker(request: HttpRequest, place: Place) -> HttpResponse:
    """A broker (an IAM user) calls GetFederationToken for a corporate user."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    initial: dict[str, Any] = {"policy": _BROKER_POLICY}
    holder = federation.token_holder(sandbox, who)
    if holder is not None and holder[0] is not None:
        initial["broker"] = holder[0].pk
    form = forms.BrokerForm(
        sandbox, request.POST if request.method == "POST" else None, initial=initial
    )
    context: dict[str, Any] = {"sandbox": sandbox, "who": who, "form": form}
    ok = True
    if request.method == "POST":
        ok = False
        if not form.is_valid():
            form.focus_first_error()
        else:
            d = form.cleaned_data
            try:
                outcome = federation.federation_token(
                    sandbox,
                    world,
                    who,
                    d["broker"],
                    d["name"],
                    d["policy"],
                    form.parsed_policy,
                    d["duration_seconds"],
                    d["sample_action"].strip(),
                    d["sample_resource"].strip(),
                    region=d["region"],
                    context=d["context"],
                )
            except RequestError as exc:
                form.add_error(
                    "sample_resource" if exc.field == "resource" else "sample_action",
                    exc.message,
                )
            else:
                context |= _outcome_context(outcome)
                context["problem"] = outcome.problem
                if outcome.denied is not None and outcome.denied.parameter == "policy":
                    form.add_error("policy", outcome.denied.message)
                ok = outcome.row is not None
    context["sequence"] = diagrams.broker(form, context)
    return _respond(request, "flows/broker.html", context, ok)


# -- GetSessionToken ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def session_token(request: HttpRequest, place: Place) -> HttpResponse:
    """Temporary credentials for an IAM user (or the root user), with or without MFA."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    holder = federation.token_holder(sandbox, who)
    devices = federation.mfa_devices(sandbox, holder[0], holder[1]) if holder else []
    form = forms.SessionTokenForm(
        sandbox, [d.serial for d, _ in devices], request.POST if request.method == "POST" else None
    )
    context: dict[str, Any] = {
        "sandbox": sandbox,
        "who": who,
        "form": form,
        "holder": holder,
        "devices": devices,
    }
    ok = True
    if request.method == "POST":
        ok = False
        if holder is None:
            context["problem"] = (
                "GetSessionToken needs an IAM user's (or the root user's) long-term "
                "credentials: sign in as one first."
            )
        elif not form.is_valid():
            form.focus_first_error()
        else:
            d = form.cleaned_data
            try:
                outcome = federation.session_token(
                    sandbox,
                    world,
                    who,
                    duration_seconds=d["duration_seconds"],
                    serial=d["serial"] or None,
                    code=d["code"] or None,
                )
            except sessions.IdentityError as exc:
                context["problem"] = str(exc)
            else:
                context |= _outcome_context(outcome)
                context["problem"] = outcome.problem
                ok = outcome.row is not None
    return _respond(request, "flows/session_token.html", context, ok)
