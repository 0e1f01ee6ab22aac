"""The identity flows: sign in, assume and switch roles, applications on EC2, federation.

Thin views: the sandbox through its owner (a guessed id is a 404), a form, then the work in
:mod:`iamlab.sandbox.sessions`, :mod:`.signin` and the engine. Every page works without
JavaScript; htmx only swaps the answer in place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamlab.policy import RequestError, StsDenied
from iamlab.sandbox import models, sessions
from iamlab.sandbox.place import Place, in_sandbox
from iamlab.web import NUL_ERROR, is_htmx_swap, nul_in

from . import diagrams, federation, forms, signin
from . import ec2 as ec2_flow


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _page(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> Any:
    """The whole page, or only its ``partial`` for an htmx swap."""
    return render(request, template + (f"#{partial}" if is_htmx_swap(request) else ""), context)


def _sessions(sandbox: models.Sandbox) -> list[models.StsSession]:
    return list(
        models.StsSession.objects.filter(sandbox=sandbox).select_related(
            "role", "account", "user", "instance"
        )[:50]
    )


# -- the hub: who you are, the clock, your sessions, the flows ---------------------------------


@login_required
@require_GET
@in_sandbox
def hub(request: HttpRequest, place: Place) -> HttpResponse:
    sandbox = place.sandbox
    world = place.world
    who = place.who
    return render(
        request,
        "flows/hub.html",
        {
            "sandbox": sandbox,
            "who": who,
            "caller_identity": sessions.caller_identity(world, who),
            "now": sandbox.now(),
            "sessions": _sessions(sandbox),
            "clock_steps": sessions.CLOCK_STEPS,
        },
    )


@login_required
@require_POST
@in_sandbox
def act(request: HttpRequest, place: Place) -> HttpResponse:
    """Become an identity (a session, the one a session started from, or nobody)."""
    sandbox = place.sandbox
    world = place.world
    key = request.POST.get("key", "")
    try:
        who = sessions.act_as(sandbox, world, key)
    except sessions.IdentityError as exc:
        messages.error(request, str(exc))
    else:
        if who.is_designer:
            messages.info(request, "Signed out of AWS: you are the sandbox's designer again.")
        else:
            messages.success(request, f"You are now {who.label}.")
    return redirect(_next(request, reverse("flows:hub", args=[sandbox.pk])))


@login_required
@require_POST
@in_sandbox
def clock(request: HttpRequest, place: Place) -> HttpResponse:
    sandbox = place.sandbox
    step = request.POST.get("seconds", "")
    allowed = {str(seconds): label for label, seconds in sessions.CLOCK_STEPS}
    if request.POST.get("reset"):
        sessions.reset_clock(sandbox)
        messages.info(request, "The sandbox's clock is back to real time.")
    elif step in allowed:
        sessions.advance_clock(sandbox, int(step))
        messages.info(request, f"Moved the sandbox's clock {allowed[step]} forward.")
    else:
        messages.error(request, "Choose how far to move the clock: 15 minutes, 1 hour or 12 hours.")
    return redirect(_next(request, reverse("flows:hub", args=[sandbox.pk])))


@login_required
@require_POST
@in_sandbox
def forget(request: HttpRequest, place: Place, pk: int) -> HttpResponse:
    sandbox = place.sandbox
    row = get_object_or_404(models.StsSession.objects.filter(sandbox=sandbox), pk=pk)
    if sandbox.acting_as == row.key:
        sandbox.acting_as = row.origin
        sandbox.save(update_fields=["acting_as"])
    row.delete()
    messages.info(request, f"Forgot the credentials of {row.arn}.")
    return redirect(_next(request, reverse("flows:hub", args=[sandbox.pk])))


# -- signing in ---------------------------------------------------------------------------------


@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
@in_sandbox
def sign_in(request: HttpRequest, place: Place) -> HttpResponse:
    """Sign in as the root user, as an IAM user in the console, or use a user's access key."""
    sandbox = place.sandbox
    accounts = list(models.Account.objects.filter(sandbox=sandbox))
    data = request.POST if request.method == "POST" else request.GET
    how = data.get("how", "user") if data.get("how") in ("root", "user", "key") else "user"
    account = next((a for a in accounts if str(a.pk) == data.get("account")), None)
    if account is None and request.method == "GET" and accounts:
        account = accounts[0]
    result = None
    if request.method == "POST":
        code = data.get("mfa_code", "")
        passkey = bool(data.get("passkey"))
        user_name = data.get("user_name", "").strip()
        if (field := nul_in(request.POST)) is not None:  # PostgreSQL fails on a NUL lookup
            result = signin.SignInResult(error=NUL_ERROR, field=field)
        elif account is None:
            result = signin.SignInResult(error="Choose the account to sign in to.", field="account")
        elif how == "root":
            result = signin.sign_in_root(sandbox, account, code, passkey)
        elif not user_name:
            result = signin.SignInResult(error="Enter the IAM user's name.", field="user_name")
        elif how == "key":
            result = signin.use_access_key(account, user_name)
        else:
            password = data.get("password", "")  # never echoed: the page and logs omit it
            result = signin.sign_in_user(
                sandbox, account, user_name, code, passkey, password=password
            )
        if result.key:
            world = place.world
            who = sessions.act_as(sandbox, world, result.key)
            messages.success(request, f"Signed in: you are now {who.label}.")
            return redirect(_next(request, reverse("flows:hub", args=[sandbox.pk])))
    devices = []
    if account is not None:
        now = sandbox.now()
        qs = models.MfaDevice.objects.filter(account=account).select_related("user")
        devices = [(d, sessions.mfa_code(d, now) if d.kind != "passkey" else "") for d in qs]
    return render(
        request,
        "flows/sign_in.html",
        {
            "sandbox": sandbox,
            "accounts": accounts,
            "account": account,
            "how": how,
            "data": data,
            "result": result,
            "devices": devices,
        },
        status=400 if result is not None and result.error else 200,
    )


# -- AssumeRole (CLI) and Switch Role (console) -------------------------------------------------


def _denied_context(denied: StsDenied) -> dict[str, Any]:
    return {"denied": denied, "evaluation": denied.evaluation}


# The AssumeRole parameter STS names in a refusal -> the form's field.
_DENIED_FIELDS = {
    "policy": "session_policy",
    "serialNumber": "serial_number",
    "tokenCode": "token_code",
}


def _mfa_missing(denied: StsDenied) -> bool:
    """Whether a condition on MFA refused the call (the request had no MFA to show)."""
    evaluation = denied.evaluation
    if evaluation is None:
        return False
    keys = {k.lower() for k in evaluation.missing_context}
    keys |= {
        k.lower()
        for k, v in evaluation.request.context.items()
        if k.lower() == "aws:multifactorauthpresent" and str(v).lower() == "false"
    }
    return bool(keys & {"aws:multifactorauthpresent", "aws:multifactorauthage"})


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def assume_role(request: HttpRequest, place: Place) -> HttpResponse:
    """``aws sts assume-role`` as whoever the learner is now."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    initial = {"session_name": "iamlab-cli", "role": request.GET.get("role", "")}
    devices = federation.caller_mfa_devices(sandbox, who)
    form = forms.AssumeRoleForm(
        sandbox, request.POST or None, initial=initial, devices=[d for d, _ in devices]
    )
    context: dict[str, Any] = {"sandbox": sandbox, "who": who, "form": form, "devices": devices}
    if request.method == "POST":
        if not form.is_valid():
            form.focus_first_error()
        else:
            d = form.cleaned_data
            try:
                result = sessions.assume(
                    sandbox,
                    world,
                    who,
                    d["role"],
                    d["session_name"],
                    via="cli",
                    duration_seconds=d["duration_seconds"],
                    external_id=d["external_id"],
                    session_policy=d["session_policy"],
                    policy_arns=d["policy_arns"],
                    tags=d["tags"],
                    source_identity=d["source_identity"],
                    context=d["context"] | {"aws:RequestedRegion": d["region"]},
                    serial_number=d["serial_number"],
                    token_code=d["token_code"],
                    mfa_devices={dev.serial: code for dev, code in devices if code},
                )
            except sessions.IdentityError as exc:
                context["problem"] = str(exc)
            else:
                if isinstance(result, StsDenied):
                    context |= _denied_context(result)
                    context["mfa_missing"] = _mfa_missing(result)
                    field = _DENIED_FIELDS.get(result.parameter or "")
                    if field is not None:
                        form.add_error(field, result.message)
                else:
                    context["issued"] = result
                    context["credentials"] = sessions.credentials_json(result)
    status = 400 if request.method == "POST" and "issued" not in context else 200
    response = _page(request, "flows/assume_role.html", "assume", context)
    response.status_code = status if not is_htmx_swap(request) else 200
    return response  # type: ignore[no-any-return]


def _history(sandbox: models.Sandbox, origin: str) -> list[models.StsSession]:
    """The console's role history: the last five roles switched to from this identity."""
    seen: set[int | None] = set()
    found = []
    for row in models.StsSession.objects.filter(
        sandbox=sandbox, via="console", origin=origin
    ).select_related("role", "account"):
        if row.role_id in seen:
            continue
        seen.add(row.role_id)
        found.append(row)
        if len(found) == 5:
            break
    return found


SWITCH_ROLE_URL = "https://signin.aws.amazon.com/switchrole"


def switch_role_link(account: str, role_name: str) -> str:
    """The console link an administrator shares so that a user lands on Switch Role with the
    account and the role (path/name) filled in (id_roles_use_switch-role-console.html,
    id_roles_use_permissions-to-switch.html)."""
    query = urlencode({"roleName": role_name, "account": account}, safe="/", quote_via=quote)
    return f"{SWITCH_ROLE_URL}?{query}"


def _link_values(form: forms.SwitchRoleForm, who: sessions.Identity) -> tuple[str, str] | None:
    """The account and role the switch-role link is for: the role the form names (as the
    learner typed it, or as found), else the role the learner switched to."""
    role = form.cleaned_data.get("role") if form.is_bound and form.is_valid() else None
    if isinstance(role, models.Role):
        return role.account.account_id, f"{role.path[1:]}{role.name}"
    source = form.data if form.is_bound else form.initial
    account = str(source.get("account", "")).strip()
    name = str(source.get("role_name", "")).strip().strip("/")
    if account and name:
        return account, name
    row = who.session
    if row is not None and row.via == "console" and row.role is not None:
        return row.account.account_id, f"{row.role.path[1:]}{row.role.name}"
    return None


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def switch_role(request: HttpRequest, place: Place) -> HttpResponse:
    """The console's Switch Role: always authorized with the identity you signed in as."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    # The console uses your original credentials to switch, even from a role
    # (id_roles_use_switch-role-console.html).
    signed_in = sessions.identity_for(sandbox, world, who.back_to) if who.session else who
    if who.session is not None and who.session.via not in ("console",):
        signed_in = who  # a federated or portal session is itself what you signed in with
    initial = {"account": request.GET.get("account", ""), "role_name": request.GET.get("role", "")}
    form = forms.SwitchRoleForm(sandbox, request.POST or None, initial=initial)
    context: dict[str, Any] = {
        "sandbox": sandbox,
        "who": who,
        "signed_in": signed_in,
        "form": form,
        "history": _history(sandbox, signed_in.key),
    }
    problem = ""
    if request.method == "POST":
        if not form.is_valid():
            form.focus_first_error()
        elif signed_in.kind == "root":
            problem = (
                "You signed in as the root user, and the root user cannot switch roles "
                "(id_roles_use_switch-role-console.html). Sign in as an IAM user or through "
                "IAM Identity Center instead: another reason not to use the root user for "
                "everyday work."
            )
        elif signed_in.is_designer:
            problem = "Sign in first: switching roles starts from an identity that signed in."
        else:
            d = form.cleaned_data
            role: models.Role = d["role"]
            if len(role.path) - 1 + len(role.name) > 64:
                problem = (
                    f"The console's Switch Role takes a path and name of at most 64 "
                    f"characters; {role.path}{role.name} is longer. Use the CLI "
                    f"(AssumeRole) for this role."
                )
            else:
                name = _console_session_name(signed_in)
                try:
                    result = sessions.assume(
                        sandbox,
                        world,
                        signed_in,
                        role,
                        name,
                        via="console",
                        display_name=d["display_name"]
                        or f"{role.name} @ {role.account.account_id}",
                        color=d["color"],
                    )
                except sessions.IdentityError as exc:
                    problem = str(exc)
                else:
                    if isinstance(result, StsDenied):
                        context |= _denied_context(result)
                        context["external_id_hint"] = "sts:externalid" in role.trust_policy.lower()
                    else:
                        sessions.act_as(sandbox, world, result.key)
                        messages.success(
                            request,
                            f"Switched to {result.display_name}. You now act with the role's "
                            f"permissions only; your own are set aside until you switch back.",
                        )
                        return redirect(reverse("flows:switch_role", args=[sandbox.pk]))
    context["problem"] = problem
    values = _link_values(form, who)
    if values is not None:
        context["switch_link"] = switch_role_link(*values)
        context["switch_try"] = urlencode({"account": values[0], "role": values[1]})
    status = 400 if request.method == "POST" else 200
    return render(request, "flows/switch_role.html", context, status=status)


def _console_session_name(who: sessions.Identity) -> str:
    """The console names the session after who switched: the IAM user's name, or the session
    name of the federated session you switched from."""
    if who.session is not None:
        return who.session.session_name
    return who.arn.rsplit("/", 1)[-1][:64] if who.arn else "console"


# -- an application on EC2 ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def ec2(request: HttpRequest, place: Place) -> HttpResponse:
    """Launch an instance with a profile, read IMDS, and make the application's calls."""
    sandbox = place.sandbox
    world = place.world
    who = place.who
    step = request.POST.get("step", "")
    form = forms.LaunchForm(sandbox, request.POST if step == "launch" else None)
    instances = list(
        models.Ec2Instance.objects.filter(sandbox=sandbox, instance_profile__isnull=False)
        .select_related("account", "instance_profile__role")
        .order_by("-created_at", "-id")
    )
    chosen_pk = request.POST.get("instance") or request.GET.get("instance")
    chosen = next((i for i in instances if str(i.pk) == chosen_pk), None)
    context: dict[str, Any] = {"sandbox": sandbox, "who": who, "form": form}
    status = 200
    if step == "launch":
        if not form.is_valid():
            form.focus_first_error()
            status = 400
        else:
            d = form.cleaned_data
            try:
                launched = ec2_flow.launch(
                    sandbox, world, who, d["name"], d["profile"], d["region"]
                )
            except sessions.IdentityError as exc:
                launched = ec2_flow.Launch(problem=str(exc))
            context["launch"] = launched
            if launched.instance is None:
                status = 400
            else:
                return redirect(
                    reverse("flows:ec2", args=[sandbox.pk])
                    + f"?instance={launched.instance.pk}&launched=1#instance"
                )
    elif step in ("imds", "call") and chosen is None:
        messages.error(request, "Choose one of this sandbox's instances.")
        return redirect(reverse("flows:ec2", args=[sandbox.pk]))
    if chosen is None and instances and step != "launch":
        chosen = instances[0]
    call_form = forms.CallForm(
        sandbox,
        request.POST if step == "call" else None,
        initial={"region": chosen.region} if chosen is not None else None,
    )
    credentials = ec2_flow.latest(chosen) if chosen is not None else None
    if step == "imds" and chosen is not None:
        credentials, context["no_credentials"], context["renewed"] = ec2_flow.fetch(
            sandbox, world, chosen
        )
        context["fetched"] = True
    if step == "call" and chosen is not None:
        if credentials is None:
            context["call_problem"] = (
                "The application has no credentials: ask the instance metadata service first."
            )
        elif call_form.is_valid():
            try:
                context["call"] = ec2_flow.call(
                    sandbox,
                    world,
                    credentials,
                    call_form.cleaned_data["action"],
                    call_form.cleaned_data["resource"],
                    call_form.cleaned_data["region"],
                    call_form.cleaned_data["context"],
                )
            except RequestError as exc:
                field = exc.field if exc.field in ("resource", "context") else "action"
                call_form.add_error(field, exc.message)
                status = 400
            except sessions.IdentityError as exc:
                context["call_problem"] = str(exc)
        else:
            status = 400
    if credentials is not None:
        context["imds"] = ec2_flow.imds_document(credentials)
    context |= {
        "instances": instances,
        "chosen": chosen,
        "credentials": credentials,
        "call_form": call_form,
        "now": sandbox.now(),
        "launched": request.GET.get("launched") == "1",
        "arns": [(info.arn, info.label) for info in world.resources.values()],
    }
    context["imds_v2"], context["imds_v1"] = ec2_flow.imds_commands(chosen)
    context["sequence"] = diagrams.ec2(context)
    return render(request, "flows/ec2.html", context, status=status)
