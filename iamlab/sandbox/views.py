"""Sandbox pages. Thin views: scoping, forms and redirects here; the work is in ``services``,
``actions``, ``pages`` and ``world``.

Every view reads the sandbox through ``Sandbox.owned_by(request.user)`` and every object
through its sandbox, so a guessed URL or id of someone else's object is a 404.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamlab.policy import PolicyType, RequestError, catalog
from iamlab.web import NUL_ERROR, has_nul, is_htmx_swap, nul_in

from . import (
    authorization_details,
    awsmanaged,
    demo,
    forms,
    jobs,
    models,
    pages,
    rules,
    services,
    sessions,
)
from .actions import ACTIONS, PROTECTED
from .contextkeys import parse_context
from .kinds import KINDS, Kind
from .place import Place, in_sandbox
from .policybox import check_policy
from .world import DEFAULT_SESSION_NAME, Check, World


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def _kind(kind: str) -> Kind:
    found = KINDS.get(kind)
    if found is None:
        raise Http404("No such kind of object.")
    return found


def _object(sandbox: models.Sandbox, kind: Kind, pk: int) -> Any:
    return get_object_or_404(kind.model.objects.filter(sandbox=sandbox), pk=pk)


def _form(kind: Kind, sandbox: models.Sandbox, *args: Any, **kwargs: Any) -> forms.SandboxForm:
    assert kind.form is not None
    return kind.form(sandbox, *args, **kwargs)


# -- sandboxes ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sandbox_list(request: HttpRequest) -> HttpResponse:
    form = forms.SandboxCreateForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        sandbox = services.create_sandbox(
            request.user,  # type: ignore[arg-type]
            form.cleaned_data["name"],
            form.cleaned_data["description"],
        )
        messages.success(request, f"Created {sandbox.name} with one account, Main.")
        return redirect(sandbox)
    sandboxes = models.Sandbox.owned_by(request.user)
    has_demo = sandboxes.filter(name__iexact=demo.NAME).exists()
    return render(
        request,
        "sandbox/list.html",
        {"sandboxes": sandboxes, "form": form, "has_demo": has_demo},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def add_example_corp(request: HttpRequest) -> HttpResponse:
    """Give the signed-in person their own copy of the Example Corp sandbox."""
    sandbox = demo.build_example_corp(request.user)  # type: ignore[arg-type]
    messages.success(request, f"{sandbox.name} is ready to explore.")
    return redirect(sandbox)


@login_required
@require_GET
@in_sandbox
def overview(request: HttpRequest, place: Place) -> HttpResponse:
    sandbox = place.sandbox
    context = {"sandbox": sandbox, **pages.overview(sandbox)}
    return render(request, "sandbox/overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def sandbox_settings(request: HttpRequest, place: Place) -> HttpResponse:
    """Rename a sandbox or change its description."""
    sandbox = place.sandbox
    form = forms.SandboxCreateForm(request.POST or None, instance=sandbox, owner=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved the sandbox {sandbox.name}.")
        return redirect(sandbox)
    return render(
        request,
        "sandbox/settings.html",
        {"sandbox": sandbox, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def sandbox_delete(request: HttpRequest, place: Place) -> HttpResponse:
    sandbox = place.sandbox
    if request.method == "POST":
        sandbox.delete()
        messages.success(request, f"Deleted the sandbox {sandbox.name}.")
        return redirect("sandbox:list")
    return render(request, "sandbox/confirm_delete.html", {"sandbox": sandbox, "obj": sandbox})


# -- objects -----------------------------------------------------------------------------------


def _owner_from(sandbox: models.Sandbox, value: str) -> Any:
    """``user:5`` / ``group:3`` / ``role:7`` → that object in this sandbox, for inline policies."""
    kind, _, pk = value.partition(":")
    model = {"user": models.IamUser, "group": models.IamGroup, "role": models.Role}.get(kind)
    if model is None or not pk.isdigit():
        raise Http404("An inline policy belongs to a user, a group or a role.")
    return get_object_or_404(model.objects.filter(sandbox=sandbox), pk=int(pk))


LIST_PAGE_SIZE = 100
ACTION_ERROR = "sandbox-action-error"


@login_required
@require_GET
@in_sandbox
def object_list(request: HttpRequest, place: Place, kind: str) -> HttpResponse:
    """Every object of one kind, filtered by name and a page at a time."""
    sandbox = place.sandbox
    spec = _kind(kind)
    query = request.GET.get("q", "").strip()
    qs = spec.listed(sandbox)
    name_field = {"sso-users": "user_name", "assignments": "permission_set__name"}.get(kind, "name")
    refused = has_nul(query)  # no name holds NUL (and PostgreSQL fails on a query with one)
    if refused:
        qs = qs.none()
        messages.error(request, f"Filter by name: {NUL_ERROR}")
    elif query:
        qs = qs.filter(**{f"{name_field}__icontains": query})
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "sandbox/object_list.html" + ("#objects" if is_htmx_swap(request) else "")
    return render(
        request,
        template,
        {"sandbox": sandbox, "kind": spec, "page": page, "query": query},
        status=400 if refused else 200,
    )


@login_required
@sensitive_post_parameters("new_password")  # an IAM user's console password
@require_http_methods(["GET", "POST"])
@in_sandbox
def object_create(request: HttpRequest, place: Place, kind: str) -> HttpResponse:
    sandbox = place.sandbox
    spec = _kind(kind)
    if spec.needs_org and not models.Organization.objects.filter(sandbox=sandbox).exists():
        messages.error(
            request,
            f"{spec.plural.capitalize()} belong to an organization. Create one first from the "
            "page of the account that should manage it.",
        )
        return redirect(sandbox)
    kwargs: dict[str, Any] = {}
    owner = None
    if kind == "inline":
        owner = _owner_from(sandbox, request.GET.get("owner", ""))
        if isinstance(owner, models.Role) and not owner.editable:
            messages.error(request, KINDS["roles"].why_not_edit(owner) or "")
            return redirect(owner)
        kwargs["owner"] = owner
    initial = {k: v for k, v in request.GET.items() if k in ("account", "kind", "parent", "role")}
    form = _form(spec, sandbox, request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                obj = form.save()
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Created the {spec.singular} {obj}.")
            return redirect(owner if owner is not None else obj)
    return render(
        request,
        "sandbox/object_form.html",
        {"sandbox": sandbox, "kind": spec, "form": form, "owner": owner},
        status=400 if form.errors else 200,  # refused: the form again, with why
    )


@login_required
@sensitive_post_parameters("new_password")  # an IAM user's console password
@require_http_methods(["GET", "POST"])
@in_sandbox
def object_page(request: HttpRequest, place: Place, kind: str, pk: int) -> HttpResponse:
    sandbox = place.sandbox
    spec = _kind(kind)
    obj = _object(sandbox, spec, pk)
    blocked = spec.why_not_edit(obj)
    form = None
    extra: dict[str, Any] = {}
    if kind == "policies":
        version_form = forms.PolicyVersionForm(
            sandbox, request.POST if request.POST.get("op") == "new-version" else None
        )
        extra = {"version_form": version_form}
        if version_form.is_bound:
            if version_form.is_valid():
                try:
                    version = services.create_policy_version(
                        obj,
                        version_form.cleaned_data["document"],
                        version_form.cleaned_data["set_default"],
                    )
                except ValidationError as exc:
                    version_form.add_error(None, exc)
                else:
                    made = " and made it the default" if version.is_default else ""
                    messages.success(request, f"Saved version {version.version_id}{made}.")
                    return redirect(obj.get_absolute_url() + "#versions")
        elif not request.POST:
            current = obj.default_version()
            version_form.initial["document"] = current.document if current else ""
        versions = list(obj.versions.order_by("-id"))
        extra |= pages.version_diff(
            versions, request.GET.get("from", ""), request.GET.get("to", "")
        )
    if spec.form is not None and not blocked and "op" not in request.POST:
        form = _form(spec, sandbox, request.POST or None, instance=obj)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    form.save()
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Saved the {spec.singular} {obj}.")
                return redirect(obj)
    elif request.method == "POST" and "op" not in request.POST:
        messages.error(request, blocked or "This object cannot be edited.")
        return redirect(obj)
    context = {
        "sandbox": sandbox,
        "kind": spec,
        "obj": obj,
        "form": form,
        "blocked": blocked,
        "action_error": request.session.pop(ACTION_ERROR, None),
        **pages.detail(kind, obj, sandbox),
        **extra,
    }
    refused = (form is not None and form.errors) or (
        "version_form" in extra and extra["version_form"].errors
    )
    return render(request, "sandbox/object.html", context, status=400 if refused else 200)


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def object_delete(request: HttpRequest, place: Place, kind: str, pk: int) -> HttpResponse:
    sandbox = place.sandbox
    spec = _kind(kind)
    obj = _object(sandbox, spec, pk)
    blocked = spec.why_not_delete(obj)
    if request.method == "POST" and not blocked:
        back = obj.owner if isinstance(obj, models.InlinePolicy) else sandbox
        try:
            with transaction.atomic():
                if isinstance(obj, models.AccountAssignment):
                    services.unassign(obj)
                else:
                    if isinstance(obj, models.SsoUser | models.SsoGroup):
                        # Their assignments go too, and a role no assignment needs is removed.
                        for assignment in list(obj.assignments.all()):
                            services.unassign(assignment)
                    obj.delete()
        except (ProtectedError, RestrictedError):
            blocked = f"{obj} is still in use; remove it where it is used first."
        else:
            messages.success(request, f"Deleted the {spec.singular} {obj}.")
            return redirect(back)
    return render(
        request,
        "sandbox/confirm_delete.html",
        {"sandbox": sandbox, "kind": spec, "obj": obj, "blocked": blocked},
    )


@login_required
@require_POST
@in_sandbox
def object_action(
    request: HttpRequest, place: Place, kind: str, pk: int, action: str
) -> HttpResponse:
    sandbox = place.sandbox
    spec = _kind(kind)
    obj = _object(sandbox, spec, pk)
    handler = ACTIONS.get(kind, {}).get(action)
    if handler is None:
        raise Http404("No such action.")
    blocked = spec.why_not_edit(obj) if action in PROTECTED else None
    if blocked:
        messages.error(request, blocked)
        return redirect(obj)
    anchor = request.POST.get("anchor", "")
    try:
        if nul_in(request.POST) is not None:  # PostgreSQL fails on any query holding one
            raise ValidationError(NUL_ERROR)
        with transaction.atomic():
            said = handler(sandbox, obj, request.POST)
    except ValidationError as exc:
        # Shown next to the form that was submitted, with what was typed, on the next page.
        request.session[ACTION_ERROR] = {
            "anchor": anchor,
            "message": " ".join(exc.messages),
            "data": {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"},
        }
    else:
        messages.success(request, said)
    return redirect(obj.get_absolute_url() + (f"#{anchor}" if anchor.isidentifier() else ""))


@login_required
@require_GET
def aws_policy(request: HttpRequest, name: str) -> HttpResponse:
    policy = get_object_or_404(models.ManagedPolicy.objects.aws_snapshot(), name=name)
    version = policy.default_version()
    return render(
        request,
        "sandbox/aws_policy.html",
        {
            "policy": policy,
            "version": version,
            "reach": pages.policy_reach(version.document) if version else None,
        },
    )


# -- finding a policy by name -------------------------------------------------------------------


@login_required
@require_GET
@in_sandbox
def policy_search(request: HttpRequest, place: Place) -> HttpResponse:
    """The <datalist> of managed policies whose name contains ``q``: the account's own (with
    ``account``), then AWS managed ones, from the in-memory catalogue (well under 50 ms)."""
    # The box's own name: q (policy lists), policy (the attach box), boundary (user, role forms)
    query = next((request.GET[k] for k in ("q", "policy", "boundary") if k in request.GET), "")
    query = query[:128]
    own: list[str] = []
    account = request.GET.get("account", "")
    if account.isdigit():
        own = list(
            models.ManagedPolicy.objects.filter(
                sandbox=place.sandbox, account_id=int(account), name__icontains=query.strip()
            ).values_list("name", flat=True)[:20]
        )
    attachable = request.GET.get("attachable") == "1"
    return render(
        request,
        "sandbox/_policy_options.html",
        {
            "list_id": re.sub(r"[^\w-]", "", request.GET.get("list", "policy-options"))[:40],
            "own": own,
            "aws": awsmanaged.search(query, attachable=attachable, limit=30),
        },
    )


# -- policy validation as you type -------------------------------------------------------------

_TYPES = {t.value: t for t in PolicyType}


@login_required
@require_POST
@in_sandbox
def validate(request: HttpRequest, place: Place) -> HttpResponse:
    """Findings for one policy box (htmx): ``field`` names the box, ``type`` its policy type."""
    field = request.POST.get("field", "")
    type_ = _TYPES.get(request.POST.get("type", ""))
    if type_ is None or not field.replace("_", "").isalnum():
        return HttpResponse("Unknown policy field.", status=400)
    item = check_policy(request.POST.get(field, ""), type_, field, field)
    return render(request, "simulator/simulator.html#findings", {"item": item, "slot": field})


# -- questions: access check and who can -------------------------------------------------------


def _question(
    request: HttpRequest,
) -> tuple[dict[str, str], dict[str, str], dict[str, Any] | None]:
    """The submitted question (GET, so every answer has a URL), its errors by field and its
    parsed context keys (None until a question is asked)."""
    data = {
        key: request.GET.get(key, "").strip()
        for key in ("principal", "session", "action", "resource", "region")
    }
    data["context"] = request.GET.get("context", "")
    if data["region"] not in models.REGIONS:
        data["region"] = models.REGIONS[0]
    errors: dict[str, str] = {}
    context = None
    if "action" in request.GET:
        if not data["action"]:
            errors["action"] = "Enter an action, e.g. s3:GetObject."
        context, problems = parse_context(data["context"])
        if problems:
            errors["context"] = "; ".join(problems)
    return data, errors, context


QUESTION_FIELDS = ("principal", "session", "action", "resource", "region", "context")


def _answer[T](errors: dict[str, str], ask: Callable[[], T]) -> T | None:
    """Ask the World; a request it cannot evaluate becomes an error on the field at fault."""
    try:
        return ask()
    except RequestError as exc:
        errors[exc.field if exc.field in ("action", "resource") else "context"] = exc.message
        return None


def _arn_choices(world: World) -> list[tuple[str, str]]:
    return [(info.arn, info.label) for info in world.resources.values()]


def _session_check(
    sandbox: models.Sandbox,
    world: World,
    acting: sessions.Identity,
    data: dict[str, str],
    context: dict[str, Any],
) -> Check:
    """The question asked with a stored session's credentials."""
    try:
        return sessions.check_as(
            sandbox, world, acting, data["action"], data["resource"] or "*", context, data["region"]
        )
    except sessions.IdentityError as exc:
        raise RequestError("context", str(exc)) from exc


def _principal_choices(
    world: World, sandbox: models.Sandbox | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    if sandbox is not None:
        now = sandbox.now()
        live = [
            (row.key, sessions.session_label(row))
            for row in models.StsSession.objects.filter(sandbox=sandbox, expires_at__gt=now)
            .select_related("role", "account")
            .order_by("-issued_at")
        ]
        if live:
            grouped["Temporary credentials (sessions issued in this sandbox)"] = live
    for info in sorted(world.principals.values(), key=lambda p: (p.account_id, p.kind, p.name)):
        label = {"user": "IAM user", "role": "Role session of", "root": "Root user of"}[info.kind]
        account = f"{world.accounts.get(info.account_id, '')} ({info.account_id})"
        name = f" {account}" if info.kind == "root" else f" {info.name}"
        grouped.setdefault(account, []).append((info.key, f"{label}{name}"))
    return list(grouped.items())


@login_required
@require_GET
@in_sandbox
def access_check(request: HttpRequest, place: Place) -> HttpResponse:
    """The simulator on the sandbox: a principal, an action, a resource and context keys."""
    sandbox = place.sandbox
    world = place.world
    data, errors, context = _question(request)
    who = place.who
    if not data["principal"] and who.kind in ("root", "user", "session"):
        data["principal"] = who.principal_key  # you ask as whoever you are now
    result = None
    acting = None  # the stored session the request is made with, if any
    if context is not None and data["principal"].startswith("session:"):
        acting = sessions.identity_for(sandbox, world, data["principal"])
        if acting.session is None:
            errors["principal"] = "That session is not in this sandbox any more."
        elif acting.expired:
            errors["principal"] = sessions.expired_message(acting.session)
        elif not errors:
            asking = acting
            result = _answer(errors, lambda: _session_check(sandbox, world, asking, data, context))
    elif context is not None:
        principal = world.principal(data["principal"])
        if principal is None:
            errors["principal"] = "Choose who makes the request."
        session = data["session"] or DEFAULT_SESSION_NAME
        if (
            principal is not None
            and principal.kind == "role"
            and (error := rules.check_session_name(session))
        ):
            errors["session"] = error
        if not errors and principal is not None:
            chosen = principal
            result = _answer(
                errors,
                lambda: world.check(
                    chosen,
                    data["action"],
                    data["resource"] or "*",
                    context,
                    session,
                    data["region"],
                ),
            )
    errors = {k: errors[k] for k in QUESTION_FIELDS if k in errors}  # in the form's order
    unknown_action = catalog.unknown_action(result.request.action) if result else None
    deciding = []
    if result is not None:
        for match in result.evaluation.matched:
            source = result.source(match.policy)
            link = None
            if source is not None and source.slug and source.pk is not None:
                link = reverse("sandbox:object", args=[sandbox.pk, source.slug, source.pk])
            elif source is not None and source.aws_name:
                link = reverse("sandbox:aws_policy", args=[source.aws_name])
            deciding.append((match, link))
    template = "sandbox/check.html" + ("#check" if is_htmx_swap(request) else "")
    return render(
        request,
        template,
        {
            "sandbox": sandbox,
            "world": world,
            "data": data,
            "errors": errors,
            "result": result,
            "deciding": deciding,
            "unknown_action": unknown_action,
            "principals": _principal_choices(world, sandbox),
            "arns": _arn_choices(world),
            "default_session": DEFAULT_SESSION_NAME,
            "acting": acting,
            "regions": models.REGIONS,
        },
    )


@login_required
@require_GET
@in_sandbox
def who_can(request: HttpRequest, place: Place) -> HttpResponse:
    """Every principal in the sandbox allowed to do one action on one resource, and why."""
    sandbox = place.sandbox
    world = place.world
    data, errors, context = _question(request)
    found = None
    if context is not None and not errors:
        found = _answer(
            errors,
            lambda: world.who_can(data["action"], data["resource"] or "*", context, data["region"]),
        )
    groups: dict[str, list[tuple[str, str, str]]] = {}
    if found:
        check_url = reverse("sandbox:check", args=[sandbox.pk])
        question = urlencode(
            {k: data[k] for k in ("action", "resource", "context", "region") if data[k]}
        )
        for c in found:
            page = reverse("sandbox:object", args=[sandbox.pk, c.principal.slug, c.principal.pk])
            why = f"{check_url}?principal={c.principal.key}&{question}"
            groups.setdefault(c.evaluation.reason, []).append((page, c.principal.label, why))
    # Hundreds of names: joined here with escaping, not looped over in the template.
    listed = {
        reason: (
            len(members),
            format_html_join(
                "",
                '<li><a href="{}">{}</a> <a class="small" href="{}">why</a></li>',
                members,
            ),
        )
        for reason, members in groups.items()
    }
    template = "sandbox/who_can.html" + ("#who" if is_htmx_swap(request) else "")
    return render(
        request,
        template,
        {
            "sandbox": sandbox,
            "data": data,
            "errors": errors,
            "found": found,
            "groups": listed,
            "total": len(world.principals),
            "regions": models.REGIONS,
            "arns": _arn_choices(world),
        },
    )


# -- import and export of get-account-authorization-details -----------------------------------

MAX_IMPORT_BYTES = 50 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
@in_sandbox
def import_account(request: HttpRequest, place: Place) -> HttpResponse:
    """Upload (or paste) what ``aws iam get-account-authorization-details`` prints."""
    sandbox = place.sandbox
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload is not None and upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", "The file is larger than 50 MB, the most iamlab imports.")
        else:
            data: str | bytes = upload.read() if upload is not None else form.cleaned_data["text"]
            if len(data) > jobs.INLINE_BYTES:
                # A big account takes seconds to minutes: a task worker imports it while the
                # job's page shows how far it got.
                job = jobs.submit(
                    _user(request),
                    "import",
                    f"Import of {upload.name if upload is not None else 'the pasted text'} "
                    f"into {sandbox.name}",
                    params={
                        "sandbox": sandbox.pk,
                        "account_name": form.cleaned_data["account_name"],
                    },
                    payload=data.encode() if isinstance(data, str) else data,
                    back_url=reverse("sandbox:import", args=[sandbox.pk]),
                )
                return _go(request, job.get_absolute_url())
            try:
                account = authorization_details.import_account(
                    sandbox, data, account_name=form.cleaned_data["account_name"]
                )
            except authorization_details.ImportProblem as exc:
                problem = exc
            else:
                messages.success(
                    request,
                    f"Imported account {account.account_id}: {jobs.import_summary(account)}.",
                )
                return _go(request, account.get_absolute_url())
    template = "sandbox/import.html" + ("#import" if is_htmx_swap(request) else "")
    refused = problem is not None or bool(form.errors)  # nothing imported: say why, with a 400
    return render(
        request,
        template,
        {"sandbox": sandbox, "form": form, "problem": problem},
        status=400 if refused else 200,
    )


def _go(request: HttpRequest, target: str) -> HttpResponse:
    """Send the browser on to ``target``: a redirect, or htmx's own for a swapped form."""
    if is_htmx_swap(request):
        return HttpResponse(status=204, headers={"HX-Redirect": target})
    return redirect(target)


@login_required
@require_GET
def job_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A background job of the signed-in person: how far it got, then how it ended. The page
    asks again every second while it runs (htmx; without JavaScript it reloads itself)."""
    job = get_object_or_404(models.Job, pk=pk, owner=_user(request))
    if is_htmx_swap(request) and job.state == models.Job.State.DONE and job.result_url:
        messages.success(request, job.message)
        return HttpResponse(status=204, headers={"HX-Redirect": job.result_url})
    context = {
        "job": job,
        "stalled": jobs.stalled(job),
        "waited": (timezone.now() - job.created_at).total_seconds(),
    }
    template = "sandbox/job.html" + ("#status" if is_htmx_swap(request) else "")
    return render(request, template, context)


@login_required
@require_GET
@in_sandbox
def export_account(request: HttpRequest, place: Place, pk: int) -> HttpResponse:
    """The account in the shape ``get-account-authorization-details`` prints, as a download."""
    sandbox = place.sandbox
    account = get_object_or_404(models.Account.objects.filter(sandbox=sandbox), pk=pk)
    body = json.dumps(authorization_details.export_account(account), indent=2)
    response = HttpResponse(body, content_type="application/json")
    filename = f"authorization-details-{account.account_id}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
