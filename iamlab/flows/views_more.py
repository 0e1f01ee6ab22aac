"""Cross-account access, and AWS services that act for you (service roles, service-linked roles).

Cross-account access (id_roles_compare-resource-policies.html,
reference_policies_evaluation-logic-cross-account.html): a principal of one account reaches
another account either by assuming a role there (the caller's policies must allow
``sts:AssumeRole`` on the role AND the role's trust policy must trust the caller; then only the
role's permissions count) or directly, through the resource's resource-based policy (that
policy must name the caller or its account AND the caller's own policies must allow the
action; the caller keeps its own permissions). The page is a preview: it records no session.

Cross-service access (id_roles_create_for-service.html, lambda-intro-execution-role.html,
id_roles_use_passrole.html, using-service-linked-roles.html): Lambda assumes a function's
execution role (a service role) when the function runs; whoever gives a function its role needs
``iam:PassRole`` on it; service-linked roles are created and owned by their service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from iamlab.policy import Evaluation, RequestError, StsDenied, catalog
from iamlab.sandbox import models, rules, sessions
from iamlab.sandbox.place import Place, in_sandbox
from iamlab.sandbox.world import Check, PrincipalInfo, World

from .forms import home_region
from .forms_more import CrossAccountForm, FunctionCallForm, RunFunctionForm

LAMBDA = "lambda.amazonaws.com"
# Whose policies a layer of a cross-account evaluation belongs to.
CALLER_SIDE = frozenset({"identity", "boundary", "session", "scp"})
TARGET_SIDE = frozenset({"resource", "rcp"})
_ACCOUNT_ID = re.compile(r"(?<!\d)(\d{12})(?!\d)")


def side_allows(evaluation: Evaluation, kinds: frozenset[str]) -> bool:
    """Whether one account's half of an evaluation allows: its main policy (the caller's
    identity-based policies, or the resource-based policy) allows, and no other layer of that
    side (boundary, session policies, SCPs; RCPs) denies or fails to allow."""
    main = "identity" if "identity" in kinds else "resource"
    layers = [layer for layer in evaluation.layers if layer.kind in kinds and layer.applies]
    return any(layer.kind == main and layer.verdict == "allow" for layer in layers) and all(
        layer.verdict in ("allow", "absent", "not applicable") for layer in layers
    )


# -- cross-account access -----------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """One way into the other account, check by check."""

    check: Check  # the combined answer (both accounts)
    caller_ok: bool  # the trusted account's half
    target_ok: bool  # the trusting account's half
    then: Check | None = None  # through a role: the action, as a session of the role


def target_arn(resource: models.Resource, action: str) -> str:
    """The ARN a call names: an object in a bucket for S3's object actions, else the resource."""
    info = catalog.action_info(action)
    if resource.kind == "s3" and info is not None and "object" in info.resource_types:
        return resource.sample_resource
    return resource.arn


def _mentions(document: str, account_id: str) -> bool:
    return account_id in _ACCOUNT_ID.findall(document)


def _defaults_for(sandbox: models.Sandbox, caller_key: str, account_pk: int) -> dict[str, Any]:
    """A role and a resource of other accounts that the caller's account is likely to reach."""
    account = models.Account.objects.filter(sandbox=sandbox, pk=account_pk).first()
    if account is None:
        return {}
    roles = list(
        models.Role.objects.filter(sandbox=sandbox)
        .exclude(account=account)
        .exclude(managed_by="service-linked")
        .select_related("account")
    )
    resources = list(
        models.Resource.objects.filter(sandbox=sandbox)
        .exclude(account=account)
        .exclude(policy="")
        .select_related("account")
    )
    resource = next((r for r in resources if _mentions(r.policy, account.account_id)), None)
    if resource is None and resources:
        resource = resources[0]
    trusting = [r for r in roles if _mentions(r.trust_policy, account.account_id)]
    trusting = trusting or [r for r in roles if '"AWS"' in r.trust_policy]
    # A role in the resource's account, so that both ways reach the same account.
    role = next((r for r in trusting if resource and r.account_id == resource.account_id), None)
    role = role or next(iter(trusting), None)
    data: dict[str, Any] = {"caller": caller_key}
    if role is not None:
        data["role"] = str(role.pk)
    if resource is not None:
        data["resource"] = str(resource.pk)
        data["action"] = resource.sample_action
    return data


def _example(sandbox: models.Sandbox) -> dict[str, Any]:
    """A worked example: a user of an account that a role of another account trusts."""
    for role in models.Role.objects.filter(sandbox=sandbox).exclude(managed_by="service-linked"):
        for account_id in _ACCOUNT_ID.findall(role.trust_policy):
            user = (
                models.IamUser.objects.filter(sandbox=sandbox, account__account_id=account_id)
                .exclude(account_id=role.account_id)
                .first()
            )
            if user is not None:
                data = _defaults_for(sandbox, f"user:{user.pk}", user.account_id)
                return {"role": str(role.pk)} | data | {"mfa": "on"}
    return {}


def _current_caller(sandbox: models.Sandbox, who: sessions.Identity) -> dict[str, Any]:
    """The form's starting point: who the learner is now, if that is a user or a role."""
    if who.kind == "user":
        user = models.IamUser.objects.filter(sandbox=sandbox, pk=int(who.key.split(":")[1])).first()
        if user is not None:
            data = _defaults_for(sandbox, f"user:{user.pk}", user.account_id)
            return data | ({"mfa": "on"} if who.mfa else {})
    if who.session is not None and who.session.role is not None:
        role = who.session.role
        data = _defaults_for(sandbox, f"role:{role.pk}", role.account_id)
        return data | ({"mfa": "on"} if who.mfa else {})
    return {}


def _caller_info(world: World, caller: models.IamUser | models.Role) -> PrincipalInfo:
    kind = "user" if isinstance(caller, models.IamUser) else "role"
    info = world.principal(f"{kind}:{caller.pk}")
    if info is None:  # the world is read after the form: only a concurrent delete gets here
        raise Http404
    return info


def through_role(
    world: World,
    caller: PrincipalInfo,
    role: models.Role,
    context: Mapping[str, Any],
    action: str,
    resource: models.Resource | None,
    region: str | None = None,
) -> Path:
    """AssumeRole across accounts, then (if STS would issue credentials) the action as the
    role's session. The session is named after the caller, as the console names it. The calls
    go to ``region`` (None: the resource's region)."""
    assume = world.check(caller, "sts:AssumeRole", role.arn, context, region=region)
    then = None
    if assume.allowed and resource is not None:
        info = world.principal(f"role:{role.pk}")
        if info is not None:
            then = world.check(
                info,
                action,
                target_arn(resource, action),
                context,  # MFA used to assume the role stays with its session
                session_name=caller.name[:64],
                region=region or resource.region,
            )
    return Path(
        assume,
        side_allows(assume.evaluation, CALLER_SIDE),
        side_allows(assume.evaluation, TARGET_SIDE),
        then,
    )


def through_resource(
    world: World,
    caller: PrincipalInfo,
    context: Mapping[str, Any],
    action: str,
    resource: models.Resource,
    region: str | None = None,
) -> Path:
    check = world.check(
        caller, action, target_arn(resource, action), context, region=region or resource.region
    )
    return Path(
        check,
        side_allows(check.evaluation, CALLER_SIDE),
        side_allows(check.evaluation, TARGET_SIDE),
    )


@login_required
@require_GET
@in_sandbox
def cross_account(request: HttpRequest, place: Place) -> HttpResponse:
    """Two ways into another account, side by side: a role, or a resource-based policy."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    example = _example(sandbox)
    submitted = "caller" in request.GET
    mine = {} if submitted else _current_caller(sandbox, who)
    # Start from yourself if something in another account names your account; else from the
    # example.
    useful = "role" in mine or "resource" in mine
    defaults = {} if submitted else (mine if useful else example)
    form = CrossAccountForm(sandbox, request.GET if submitted else (defaults or None))
    context: dict[str, Any] = {
        "sandbox": sandbox,
        "who": who,
        "form": form,
        "example_query": urlencode(example) if example else "",
        "using_example": not submitted and not useful and bool(example),
        "nothing_for_me": bool(mine) and not useful,
    }
    if form.is_bound and not form.is_valid():
        if not submitted:  # the defaults did not fit this sandbox: start from an empty form
            form = CrossAccountForm(sandbox, initial=defaults)
            context["form"] = form
        else:
            form.focus_first_error()
    elif form.is_bound:
        d = form.cleaned_data
        caller = _caller_info(world, d["caller"])
        ctx = (dict(sessions.MFA_SIGN_IN) if d["mfa"] else {}) | d["context"]
        role, resource, action = d["role"], d["resource"], d["action"]
        # The region chosen, else the resource's own, else the sandbox's home region.
        region = d["region"] or (resource.region if resource is not None else home_region(sandbox))
        context |= {
            "caller": caller,
            "caller_account": world.accounts.get(caller.account_id, ""),
            "role": role,
            "resource": resource,
            "action": action,
            "mfa": d["mfa"],
            "region": region,
        }
        if resource is not None:
            context["arn"] = target_arn(resource, action)

        def error(field: str, message: str) -> None:
            form.add_error(field or None, message)

        if role is not None:
            context["via_role"] = _ask_path(
                error, lambda: through_role(world, caller, role, ctx, action, resource, region)
            )
            context["switch_query"] = urlencode(
                {"account": role.account.account_id, "role": f"{role.path[1:]}{role.name}"}
            )
        if resource is not None:
            context["via_resource"] = _ask_path(
                error, lambda: through_resource(world, caller, ctx, action, resource, region)
            )
    status = 400 if submitted and form.errors else 200
    return render(request, "flows/cross_account.html", context, status=status)


def _ask_path(errors: Callable[[str, str], None], ask: Callable[[], Path]) -> Path | None:
    """Ask the world; a request it cannot evaluate becomes an error on the field at fault (as
    the access check does)."""
    try:
        return ask()
    except RequestError as exc:
        errors(exc.field if exc.field in ("action", "resource", "context") else "", exc.message)
        return None


# -- AWS services acting for you ----------------------------------------------------------------


def check_as(
    sandbox: models.Sandbox,
    world: World,
    who: sessions.Identity,
    action: str,
    resource: str,
    context: Mapping[str, Any],
    region: str | None = None,
) -> Check | None:
    """The request as the learner's current identity would make it (None for the designer).

    Raises :class:`sessions.IdentityError` when the identity cannot make calls (expired
    credentials, a session without a role), :class:`RequestError` for a request the engine
    cannot evaluate."""
    if who.is_designer:
        return None
    if who.session is not None and who.session.role_id is None and not who.expired:
        raise sessions.IdentityError(
            f"This page checks IAM users and role sessions; you are using {who.label}."
        )
    return sessions.check_as(sandbox, world, who, action, resource, context, region)


@dataclass(frozen=True)
class Guarded:
    """A check of the current identity, or why it could not be made."""

    check: Check | None = None
    problem: str = ""


def guarded(ask: Callable[[], Check | None]) -> Guarded:
    try:
        return Guarded(check=ask())
    except (sessions.IdentityError, RequestError) as exc:
        return Guarded(problem=getattr(exc, "message", None) or str(exc))


def log_group_arn(function: models.Resource) -> str:
    """Where Lambda writes a function's logs (the group AWSLambdaBasicExecutionRole allows)."""
    return (
        f"arn:aws:logs:{function.region}:{function.account.account_id}:log-group:"
        f"/aws/lambda/{function.name}"
    )


def service_linked_roles(sandbox: models.Sandbox) -> list[models.Role]:
    return list(
        models.Role.objects.filter(sandbox=sandbox)
        .filter(Q(managed_by="service-linked") | Q(path__startswith=rules.SERVICE_ROLE_PATH))
        .select_related("account")
        .prefetch_related("managed_policies")
    )


def linked_service(role: models.Role) -> str:
    if role.linked_service:
        return role.linked_service
    parts = role.path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else ""


def _object_or_404(qs: Any, value: str | None) -> Any:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(qs, pk=int(value))


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def services(request: HttpRequest, place: Place) -> HttpResponse:
    """A Lambda function runs as its execution role; PassRole; service-linked roles."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    functions = models.Resource.objects.filter(sandbox=sandbox, kind="lambda").select_related(
        "account", "role"
    )
    roles = models.Role.objects.filter(sandbox=sandbox).select_related("account")
    context: dict[str, Any] = {"sandbox": sandbox, "who": who, "now": sandbox.now()}
    status = 200

    if request.method == "POST":
        form = RunFunctionForm(sandbox, request.POST)
        function: models.Resource | None = None
        role: models.Role | None = None
        if not form.is_valid():
            form.focus_first_error()
            status = 400
            function = form.cleaned_data.get("function")
        else:
            function = form.cleaned_data["function"]
            role = form.cleaned_data["role"]
            if function is None or role is None:  # the form's clean() makes sure of both
                raise Http404
            try:
                result = sessions.service_assume(
                    sandbox,
                    world,
                    role,
                    LAMBDA,
                    function.name[:64],
                    via="service",
                    origin=who,
                    source_arn=function.arn,
                )
            except sessions.IdentityError as exc:
                context["problem"] = str(exc)
                status = 400
            else:
                if isinstance(result, StsDenied):
                    context |= {"denied": result, "evaluation": result.evaluation}
                    status = 400
                else:
                    messages.success(
                        request,
                        f"{function.name} ran: Lambda assumed {role.name} and handed the "
                        f"function's code temporary credentials.",
                    )
                    query = urlencode(
                        {"function": function.pk, "role": role.pk, "session": result.pk}
                    )
                    return redirect(f"{reverse('flows:services', args=[sandbox.pk])}?{query}#run")
    else:
        function = _object_or_404(functions, request.GET.get("function")) or functions.first()
        role = _object_or_404(roles, request.GET.get("role"))
        initial: dict[str, Any] = {"function": function.pk if function else ""}
        if role is not None and function is not None and role != function.role:
            initial["role"] = role.pk
        form = RunFunctionForm(sandbox, initial=initial)
    if role is None and function is not None:
        role = function.role
    context |= {"form": form, "function": function, "role": role, "functions": list(functions)}

    # iam:PassRole: who may give the function this role.
    if role is not None:
        ask = partial(
            check_as, sandbox, world, who, "iam:PassRole", role.arn, {"iam:PassedToService": LAMBDA}
        )
        context["pass_role"] = guarded(ask)

    # The function's session, and one call made with it.
    row = _object_or_404(
        models.StsSession.objects.filter(sandbox=sandbox, via="service", role__isnull=False),
        request.GET.get("session") if request.method == "GET" else None,
    )
    if row is not None:
        context["session"] = row
        default_resource = log_group_arn(function) if function is not None else "*"
        call_form = FunctionCallForm(
            request.GET if "action" in request.GET else None,
            initial={
                "action": "logs:CreateLogGroup",
                "resource": default_resource,
                "region": function.region if function is not None else home_region(sandbox),
            },
        )
        context["call_form"] = call_form
        context["arns"] = [(default_resource, "the function's log group")] + [
            (info.arn, info.label) for info in world.resources.values()
        ]
        if call_form.is_bound and call_form.is_valid():
            region = call_form.cleaned_data["region"]
            if row.expired(sandbox.now()):
                context["call_problem"] = sessions.expired_message(row)
            else:
                try:
                    session = sessions.engine_session(world, row)
                    info = sessions.role_info(world, row)
                    context["call"] = world.check_session(
                        session,
                        info,
                        call_form.cleaned_data["action"],
                        call_form.cleaned_data["resource"],
                        call_form.cleaned_data["context"],
                        region=region,
                        at=sandbox.now(),
                    )
                except sessions.IdentityError as exc:
                    context["call_problem"] = str(exc)
                except RequestError as exc:
                    field = exc.field if exc.field in ("action", "resource", "context") else None
                    call_form.add_error(field, exc.message)
        if call_form.errors:
            status = 400

    # Service-linked roles: created by their service, viewed but never edited.
    slrs = []
    for slr in service_linked_roles(sandbox):
        service = linked_service(slr)
        pattern = f"arn:aws:iam::{slr.account.account_id}:role/aws-service-role/*"
        ask = partial(
            check_as,
            sandbox,
            world,
            who,
            "iam:CreateServiceLinkedRole",
            pattern,
            {"iam:AWSServiceName": service},
        )
        slrs.append((slr, service, guarded(ask)))
    context["slrs"] = slrs
    return render(request, "flows/services.html", context, status=status)
