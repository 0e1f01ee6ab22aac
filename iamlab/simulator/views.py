"""The policy simulator pages. Thin views: the work is in :mod:`.simulation`."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from iamlab.policy import PolicyType, catalog
from iamlab.sandbox import awsmanaged
from iamlab.web import is_htmx_swap

from . import content, keeping
from .models import Simulation
from .simulation import (
    LIST_FIELDS,
    MAX_SLOTS,
    SCALAR_FIELDS,
    Outcome,
    annotated_lines,
    check_policy,
    empty_data,
    normalize,
    run,
)

TEMPLATE = "simulator/simulator.html"
POLICY_TYPES = {
    "identity": PolicyType.IDENTITY,
    "boundary": PolicyType.BOUNDARY,
    "session": PolicyType.SESSION,
    "scps": PolicyType.SCP,
    "rcps": PolicyType.RCP,
}


def _posted(post: QueryDict) -> dict[str, Any]:
    data: dict[str, Any] = {key: post.get(key, "") for key in SCALAR_FIELDS}
    for key in LIST_FIELDS:
        data[key] = post.getlist(key)
    return normalize(data)


def _apply_op(data: dict[str, Any], op: str) -> tuple[dict[str, Any], str]:
    """Add or remove a policy slot. Returns the data and the field to focus."""
    verb, _, rest = op.partition(":")
    kind, _, index = rest.partition(":")
    if kind not in LIST_FIELDS:
        return data, ""
    items = list(data[kind])
    if verb == "add" and len(items) < MAX_SLOTS[kind]:
        items.append("")
        data[kind] = items
        return data, f"{kind}-{len(items) - 1}"
    if verb == "remove" and index.isdigit() and int(index) < len(items):
        del items[int(index)]
        if kind == "identity" and not items:
            items = [""]
        data[kind] = items
    return data, ""


_GROUPS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "identity",
        "Identity-based policies",
        "Identity policy",
        "Policies attached to the user (and its groups) or to the role. Several are combined.",
        "Add identity policy",
    ),
    (
        "resource_policy",
        "Resource-based policy",
        "",
        "A bucket, queue, key or topic policy — or, for sts:AssumeRole on a role, its trust "
        "policy. It names principals.",
        "",
    ),
    (
        "boundary",
        "Permissions boundary",
        "",
        "Caps what the identity policies can grant. It never grants anything itself.",
        "",
    ),
    (
        "session",
        "Session policies",
        "Session policy",
        "Passed when a role session or federated user session is created; they narrow it.",
        "Add session policy",
    ),
    (
        "scps",
        "Service control policies (SCPs)",
        "",
        "One box per level of the organization, from the root down to the account. Each level "
        "must allow the action.",
        "Add SCP level",
    ),
    (
        "rcps",
        "Resource control policies (RCPs)",
        "",
        "Like SCPs, but for the resource's account; they can only deny.",
        "Add RCP level",
    ),
)


_MANAGED_KIND = {
    "identity": "identity",
    "boundary": "identity",
    "session": "identity",
    "scps": "scp",
    "rcps": "rcp",
}


def _groups(data: dict[str, Any], outcome: Outcome | None) -> list[dict[str, Any]]:
    from .simulation import PolicyInput, level_label

    def item_for(slot: str, text: str, type_: PolicyType, label: str) -> PolicyInput:
        if outcome is not None:
            found = outcome.input(slot)
            if found is not None:
                return found
        return check_policy(text, type_, label, slot)

    groups: list[dict[str, Any]] = []
    for kind, title, singular, help_text, add_label in _GROUPS:
        slots: list[dict[str, Any]] = []
        if kind in LIST_FIELDS:
            texts = data[kind]
            for i, text in enumerate(texts):
                slot = f"{kind}-{i}"
                if kind in ("scps", "rcps"):
                    label = level_label(kind, i, len(texts))
                else:
                    label = f"{singular} {i + 1}"
                item = item_for(slot, text, POLICY_TYPES[kind], label)
                slots.append(
                    {
                        "slot": slot,
                        "label": label,
                        "text": text,
                        "item": item,
                        "removable": kind != "identity" or len(texts) > 1,
                        "index": i,
                    }
                )
        else:
            text = data[kind]
            type_ = (
                PolicyType.BOUNDARY
                if kind == "boundary"
                else PolicyType.TRUST
                if data["resource_policy_type"] == "trust"
                else PolicyType.RESOURCE
            )
            slots.append(
                {
                    "slot": kind,
                    "label": title,
                    "text": text,
                    "item": item_for(kind, text, type_, title),
                    "removable": False,
                    "index": 0,
                }
            )
        # What the insert box suggests before anything is typed; managed_search finds the rest.
        managed = (
            awsmanaged.search("", kind=_MANAGED_KIND[kind], limit=30)
            if kind in _MANAGED_KIND
            else []
        )
        groups.append(
            {
                "kind": kind,
                "title": title,
                "help": help_text,
                "add_label": add_label,
                "managed": managed,
                "error": outcome.errors.get(kind, "") if outcome else "",
                "slots": slots,
                "can_add": kind in LIST_FIELDS and len(slots) < MAX_SLOTS[kind],
                "filled": sum(1 for s in slots if s["text"].strip()),
            }
        )
    return groups


def _context(
    request: HttpRequest, data: dict[str, Any], outcome: Outcome | None, **extra: Any
) -> dict[str, Any]:
    evaluation = outcome.evaluation if outcome else None
    annotated = []
    if outcome is not None and evaluation is not None:
        annotated = [
            (item, annotated_lines(item, evaluation)) for item in outcome.inputs if not item.blank
        ]
    return {
        "data": data,
        "outcome": outcome,
        "errors": outcome.errors if outcome else {},
        "evaluation": evaluation,
        "annotated": annotated,
        "groups": _groups(data, outcome),
        "examples": content.examples(),
        **extra,
    }


_fragment = is_htmx_swap


@require_http_methods(["GET", "POST"])
def simulator(request: HttpRequest) -> HttpResponse:
    """The simulator: an empty form, an example (?example=slug), or a submitted form."""
    if request.method == "GET":
        slug = request.GET.get("example", "")
        chosen = content.example(slug) if slug else None
        if slug and chosen is None:
            raise Http404(f"There is no example called {slug!r}.")
        data = normalize(chosen.data) if chosen else empty_data()
        return render(request, TEMPLATE, _context(request, data, None, example=chosen))

    data = _posted(request.POST)
    op = request.POST.get("op", "simulate")
    if op != "simulate":
        data, focus = _apply_op(data, op)
        template = TEMPLATE + "#simulator" if _fragment(request) else TEMPLATE
        return render(request, template, _context(request, data, None, focus=focus))

    outcome = run(data)
    if not outcome.ok:
        template = TEMPLATE + "#simulator" if _fragment(request) else TEMPLATE
        return render(request, template, _context(request, outcome.data, outcome))
    if not request.user.is_authenticated:
        refusal = keeping.anonymous_refusal(request)
        if refusal:
            # The answer still shows; it is not kept (nor a session made for it).
            template = TEMPLATE + "#simulator" if _fragment(request) else TEMPLATE
            return render(
                request, template, _context(request, outcome.data, outcome, unsaved=refusal)
            )
    simulation = keeping.keep(request, outcome.data)
    if _fragment(request):
        response = render(
            request,
            TEMPLATE + "#simulator",
            _context(request, outcome.data, outcome, simulation=simulation),
        )
        return push_url(response, simulation.get_absolute_url())
    return redirect(simulation, permanent=False)


@require_GET
def simulation_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """A saved run: the same page, its form filled in and the decision recomputed."""
    simulation = get_object_or_404(Simulation.objects.visible_to(request), pk=pk)
    outcome = run(simulation.data if isinstance(simulation.data, dict) else {})
    return render(
        request, TEMPLATE, _context(request, outcome.data, outcome, simulation=simulation)
    )


@require_POST
def validate_policy(request: HttpRequest) -> HttpResponse:
    """Findings for one policy box, as the learner types (htmx)."""
    kind = request.POST.get("kind", "")
    slot = request.POST.get("slot", kind)
    if kind == "resource_policy":
        type_ = (
            PolicyType.TRUST
            if request.POST.get("resource_policy_type") == "trust"
            else PolicyType.RESOURCE
        )
    elif kind in POLICY_TYPES:
        type_ = POLICY_TYPES[kind]
    else:
        return HttpResponse("Unknown policy kind.", status=400)
    values = request.POST.getlist(kind)
    index = int(slot.rsplit("-", 1)[1]) if "-" in slot and slot.rsplit("-", 1)[1].isdigit() else 0
    text = values[index] if index < len(values) else (values[0] if values else "")
    item = check_policy(text, type_, slot, slot)
    return render(request, TEMPLATE + "#findings", {"item": item, "slot": slot})


@require_GET
def action_suggestions(request: HttpRequest) -> HttpResponse:
    """Options for the action box's datalist: services first, then that service's actions."""
    typed = request.GET.get("action", "").strip()
    options: list[tuple[str, str]] = []
    if ":" not in typed:
        lowered = typed.lower()
        for service in catalog.all_services():
            if service.startswith(lowered):
                options.append((f"{service}:", catalog.service_name(service)))
            if len(options) >= 40:
                break
    else:
        service, _, name = typed.partition(":")
        lowered = name.lower()
        for info in catalog.service_actions(service):
            if info.name.lower().startswith(lowered):
                options.append((info.full_name, info.access_level))
        options = sorted(options)[:60]
    return render(request, TEMPLATE + "#action-options", {"options": options})


@require_GET
def managed_search(request: HttpRequest) -> HttpResponse:
    """The <datalist> of AWS managed policies (of one kind) whose name contains ``q``."""
    kind = _MANAGED_KIND.get(request.GET.get("kind", ""), "identity")
    slot = "".join(c for c in request.GET.get("slot", "") if c.isalnum() or c in "-_")[:40]
    return render(
        request,
        TEMPLATE + "#managed-options",
        {
            "slot": slot,
            "managed": awsmanaged.search(request.GET.get("q", "")[:128], kind=kind, limit=30),
        },
    )


@require_GET
def managed_policy(request: HttpRequest, name: str) -> JsonResponse:
    policy = content.managed_policy(name)
    if policy is None:
        raise Http404(f"No AWS managed policy called {name!r} ships with iamlab.")
    return JsonResponse({"name": policy.name, "arn": policy.arn, "text": policy.text})
