"""The access graph pages: the picture, a node's panel, paths, "who can do this", exports, and
the part of the graph each identity flow shows.

Every question is a GET with its answer in the URL, so the back button and a shared link
show the same picture; htmx swaps the graph region in place when JavaScript runs.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from iamlab.graph import NODE_TYPES, AccessGraph, Edge, Node
from iamlab.graph import render as draw
from iamlab.graph.actions import ServiceActions, allowed_actions
from iamlab.graph.build import requested_region
from iamlab.policy import ALLOWED, RequestError, catalog
from iamlab.web import is_htmx_swap

from . import models, sessions
from .graphing import access_graph
from .place import Place, in_sandbox
from .world import PolicySource, World

# The object page of each kind of node, from the sandbox key the graph keeps ("user:12").
_REF_SLUGS = {
    "user": "users",
    "role": "roles",
    "root": "accounts",
    "group": "groups",
    "resource": "resources",
    "instanceprofile": "instance-profiles",
    "instance": "instances",
    "provider": "providers",
    "policy": "policies",
}

# Filters a learner can pick: node types in the order of the legend.
TYPE_CHOICES = [(t, label) for t, (label, _p) in NODE_TYPES.items() if t != "account"]

# Past this many nodes, labels are too small to read at the page's width: the graph opens on the
# neighbourhood (NEIGHBOURHOOD steps) of the chosen node or the signed-in identity, and
# "Show all" is one click away.
LARGE = 24
NEIGHBOURHOOD = 2

# Flow pages and the part of the graph each shows.
PARTS = {
    "identity": "You and what you can reach",
    "switch": "Roles you can switch to",
    "ec2": "EC2 instances, their profiles and roles",
    "cross-account": "Cross-account trust",
    "services": "AWS services and the roles they use",
    "federation": "Identity providers and the roles they federate into",
    "portal": "Identity Center users and their roles",
}


def _graph_of(place: Place) -> tuple[models.Sandbox, World, AccessGraph]:
    """The sandbox a view works in, its World and its graph."""
    return place.sandbox, place.world, access_graph(place.sandbox)


def object_url(sandbox: models.Sandbox, node: Node) -> str | None:
    kind, _, pk = node.ref.partition(":")
    if kind == "session":
        return reverse("flows:hub", args=[sandbox.pk])
    slug = _REF_SLUGS.get(kind)
    if slug is None or not pk.isdigit():
        return None
    return reverse("sandbox:object", args=[sandbox.pk, slug, int(pk)])


# -- the page ----------------------------------------------------------------------------------


@dataclass
class Question:
    """What the learner asked of the graph, read from the query string, with its errors."""

    accounts: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    source: str = ""
    target: str = ""
    action: str = ""
    resource: str = ""
    node: str = ""
    everything: bool = False  # a large graph: every node, not the chosen one's neighbourhood
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: Any) -> str:
        data: dict[str, Any] = {
            "account": self.accounts,
            "type": self.types,
            "from": self.source,
            "to": self.target,
            "action": self.action,
            "resource": self.resource,
            "node": self.node,
            "all": "1" if self.everything else "",
        }
        data.update(changes)
        return urlencode({k: v for k, v in data.items() if v}, doseq=True)


def read_question(params: QueryDict, graph: AccessGraph, world: World) -> Question:
    q = Question(
        accounts=[a for a in params.getlist("account") if a in world.accounts],
        types=[t for t in params.getlist("type") if t in NODE_TYPES],
        source=params.get("from", "").strip(),
        target=params.get("to", "").strip(),
        action=params.get("action", "").strip(),
        resource=params.get("resource", "").strip(),
        node=params.get("node", "").strip(),
        everything=params.get("all") == "1",
    )
    for name, value in (("from", q.source), ("to", q.target), ("node", q.node)):
        if value and value not in graph.nodes:
            q.errors[name] = "This sandbox's graph has no such node; pick one from the list."
    if bool(q.source) != bool(q.target) and not q.errors:
        missing = "to" if q.source else "from"
        q.errors[missing] = "Pick both ends of the path."
    if q.source and q.source == q.target:
        q.errors["to"] = "Pick two different nodes."
    if q.resource and not q.action:
        q.errors["action"] = "Name the action to ask about (for example s3:GetObject)."
    if q.action:
        if ":" not in q.action:
            q.errors["action"] = "An action is service:Name, for example s3:GetObject."
        elif (hint := catalog.unknown_action(q.action)) is not None:
            q.errors["action"] = hint
    return q


@dataclass
class WhoCan:
    direct: list[tuple[Node, str]]  # principal, the engine's reason
    indirect: list[tuple[Node, list[Edge]]]  # principal, its way to a directly allowed one

    @property
    def nodes(self) -> set[str]:
        return {n.id for n, _ in self.direct} | {n.id for n, _ in self.indirect}


def who_can(graph: AccessGraph, world: World, action: str, resource: str) -> WhoCan:
    """Who can do ``action`` on ``resource``: the principals the engine allows, and every node
    with a way (assume, escalate, pass a role) to one of them."""
    # Only the decision is needed here (the who-can page gives the engine's explanations).
    direct = [
        (graph.nodes[info.arn], "")
        for info in world.principals.values()
        if world.decide(info, action, resource or "*") == ALLOWED
    ]
    direct.sort(key=lambda item: (item[0].account, item[0].type, item[0].label.lower()))
    ways = graph.who_can_reach_any(n.id for n, _ in direct)
    allowed = {n.id for n, _ in direct}
    indirect = [
        (graph.nodes[node_id], way)
        for node_id, way in ways.items()
        if node_id not in allowed and graph.nodes[node_id].type != "account"
    ]
    indirect.sort(key=lambda item: (len(item[1]), item[0].label))
    return WhoCan(direct, indirect)


def _node_choices(graph: AccessGraph) -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for node in graph.nodes.values():
        if node.type == "account":
            continue
        where = f" ({node.account})" if node.account else ""
        groups.setdefault(node.type_label, []).append((node.id, f"{node.label}{where}"))
    order = [label for _t, (label, _p) in NODE_TYPES.items()]
    return [
        (label, sorted(groups[label], key=lambda o: o[1].lower()))
        for label in order
        if label in groups
    ]


@login_required
@require_GET
@in_sandbox
def graph_page(request: HttpRequest, place: Place) -> HttpResponse:
    sandbox, world, graph = _graph_of(place)
    q = read_question(request.GET, graph, world)
    path: list[Edge] | None = None
    no_path = False
    if q.source and q.target and not q.errors:
        path = graph.path(q.source, q.target)
        no_path = path is None
    found: WhoCan | None = None
    if q.action and not q.errors:
        try:
            found = who_can(graph, world, q.action, q.resource)
        except RequestError as error:
            q.errors[error.field if error.field in ("action", "resource") else "resource"] = (
                error.message
            )
    chosen = [q.node] if q.node in graph.nodes else []
    filters: dict[str, Any] = {"accounts": q.accounts or None, "types": q.types or None}
    v = draw.view(
        graph,
        **filters,
        highlight_nodes=chosen,
        highlight_path=path or (),
        lit=found.nodes if found is not None else (),
    )
    total = len(v.nodes) + len(v.summaries)
    centre: Node | None = None
    centre_why = ""
    if total > LARGE and not (q.everything or path or no_path or found):
        # Too many nodes to read at the page's width: the neighbourhood of one node.
        if chosen:
            centre, centre_why = graph.nodes[chosen[0]], "the chosen node"
        else:
            centre_id, centre_why = _default_centre(sandbox, world, graph)
            centre = graph.nodes[centre_id]
        v = draw.view(
            graph, **filters, focus=[centre.id], depth=NEIGHBOURHOOD, highlight_nodes=chosen
        )
    svg, problem = _svg(v)
    if svg:
        svg = draw.mark(svg, v)
    who_direct, who_indirect = _who_lists(q, found)
    options = _options(graph)
    context = {
        "who_direct": who_direct,
        "who_indirect": who_indirect,
        "sandbox": sandbox,
        "graph": graph,
        "q": q,
        "path": path,
        "no_path": no_path,
        "found": found,
        "svg": svg,
        "fit": _fits_width(svg),
        "problem": problem,
        "ids": {v.ids[n]: n for n in v.ids if not n.startswith("summary:")},
        "ends": (graph.nodes[q.source], graph.nodes[q.target]) if path or no_path else None,
        "shown": len(v.nodes),
        "total": total,
        "centre": centre,
        "centre_why": centre_why,
        "large": total > LARGE,
        "all_query": q.query(all="1"),
        "around_query": q.query(all=""),
        "folded": sum(count for _a, _l, count in v.summaries.values()),
        "trimmed": v.trimmed,
        "admins": sorted(
            (n for n in graph.nodes.values() if n.is_admin and n.type != "root"),
            key=lambda n: (n.account, n.label),
        ),
        "escalators": sorted(
            (graph.nodes[n] for n in graph.can_escalate if graph.nodes[n].is_principal),
            key=lambda n: (n.account, n.label),
        ),
        "accounts": sorted(world.accounts.items(), key=lambda kv: kv[1].lower()),
        "types": TYPE_CHOICES,
        "from_options": _select(options, q.source),
        "to_options": _select(options, q.target),
        "panel": _panel_context(sandbox, world, graph, q.node) if q.node in graph.nodes else None,
        "export_query": q.query(node=""),
        "arns": [(info.arn, info.label) for info in world.resources.values()],
    }
    template = "sandbox/graph.html" + ("#graph" if is_htmx_swap(request) else "")
    return render(request, template, context)


def _default_centre(sandbox: models.Sandbox, world: World, graph: AccessGraph) -> tuple[str, str]:
    """Where a large graph opens when no node is chosen, and why: the signed-in identity (the
    role behind a session), else the identity with the most arrows."""
    who = sessions.current(sandbox, world)
    if who.session is not None:
        try:
            arn = sessions.role_info(world, who.session).arn
        except sessions.IdentityError:
            arn = ""
        if arn in graph.nodes:
            return arn, "the role of your session"
    elif (
        who.key
        and (info := world.principal(who.principal_key)) is not None
        and info.arn in graph.nodes
    ):
        return info.arn, "who you are signed in as"
    degree: dict[str, int] = {}
    for e in graph.edges:
        for end in (e.source, e.target):
            degree[end] = degree.get(end, 0) + 1
    nodes = list(graph.nodes.values())
    principals = [n for n in nodes if n.type in ("user", "role")] or nodes
    busiest = max(principals, key=lambda n: (degree.get(n.id, 0), n.label))
    return busiest.id, "the identity with the most arrows"


_OPTIONS: dict[int, tuple[AccessGraph, str]] = {}


def _options(graph: AccessGraph) -> str:
    """The node list's <optgroup>s, escaped, built once per graph: a large sandbox has
    thousands of nodes, and the page lists them twice."""
    found = _OPTIONS.get(id(graph))
    if found is not None and found[0] is graph:
        return found[1]
    groups = []
    for label, options in _node_choices(graph):
        inner = format_html_join("", '<option value="{}">{}</option>', options)
        groups.append(format_html('<optgroup label="{}">{}</optgroup>', label, inner))
    text = "".join(groups)
    if len(_OPTIONS) > 16:
        _OPTIONS.clear()
    _OPTIONS[id(graph)] = (graph, text)
    return text


def _select(options: str, selected: str) -> str:
    """The options with one of them selected (its value escaped as the options have it)."""
    if selected:
        value = format_html('value="{}"', selected)
        options = options.replace(value + ">", value + " selected>", 1)
    return mark_safe(options)  # noqa: S308 - every part built by format_html


def _who_lists(q: Question, found: WhoCan | None) -> tuple[str, str]:
    """The who-can answer's two lists, joined here with escaping: there may be hundreds."""
    if found is None:
        return "", ""
    base = "?" + q.query(node="") + ("&" if q.query(node="") else "") + "node="
    direct = format_html_join(
        "",
        '<li><a href="{}">{}</a> <span class="muted">{}, {}</span></li>',
        (
            (base + quote(n.id, safe=""), n.label, n.type_label, n.account)
            for n, _why in found.direct
        ),
    )
    indirect = format_html_join(
        "",
        '<li><a href="{}">{}</a> <span class="muted">{} step{}: {}</span></li>',
        (
            (
                base + quote(n.id, safe=""),
                n.label,
                len(way),
                "" if len(way) == 1 else "s",
                " → ".join(e.label for e in way),
            )
            for n, way in found.indirect
        ),
    )
    return direct, indirect


# Wider than this (in Graphviz points), a drawing fitted to the page's width shrinks its
# labels below what a learner can read: it opens at its own size, in a canvas that scrolls.
READABLE_FIT_POINTS = 1400
_SVG_WIDTH = re.compile(r'<svg[^>]*\swidth="([\d.]+)pt"')


def _fits_width(svg: str) -> bool:
    """Whether the drawing opens fitted to the page's width (its labels stay readable)."""
    found = _SVG_WIDTH.search(svg[:2000])
    return found is None or float(found.group(1)) <= READABLE_FIT_POINTS


def _svg(v: draw.View, legend: bool = False, title: str = "") -> tuple[str, str]:
    """The picture of a view, drawn without its highlights (see :func:`draw.mark`)."""
    try:
        return draw.svg(draw.dot(v, legend=legend, title=title, highlight=False)), ""
    except draw.RenderError as error:
        return "", str(error)


# -- a node's panel ----------------------------------------------------------------------------


def _panel_context(
    sandbox: models.Sandbox, world: World, graph: AccessGraph, node_id: str
) -> dict[str, Any]:
    node = graph.nodes[node_id]
    out_edges = graph.out_edges.get(node_id, [])
    implied = len(graph.edges_from(node_id)) - len(out_edges)
    reachers = graph.reachers(node_id)
    reached_by = sorted(
        ((graph.nodes[s], e) for s, e in reachers.items() if graph.nodes[s].type != "account"),
        key=lambda item: (item[0].type, item[0].label.lower()),
    )
    relations = [
        (r, graph.nodes[r.target if r.source == node_id else r.source])
        for r in graph.relations
        if node_id in (r.source, r.target)
    ]
    policies: list[tuple[str, str | None]] = []
    info = world.principal(node.ref) if node.ref else None
    if info is not None:
        listed: Iterable[Any] = (
            *info.identity,
            *((info.boundary,) if info.boundary else ()),
            *((info.trust,) if info.trust else ()),
        )
        for policy in listed:
            source = world.sources.get(policy)
            if source is not None:
                policies.append((source.label, _policy_url(sandbox, source)))
    return {
        "node": node,
        "node_url": object_url(sandbox, node),
        "out_edges": [(e, graph.nodes[e.target]) for e in out_edges],
        "implied": implied,
        "reached_by": reached_by[:60],
        "reached_more": max(0, len(reached_by) - 60),
        "relations": relations,
        "policies": policies,
        "escalation": graph.escalation_path(node_id) if node_id in graph.can_escalate else None,
        "can_escalate": node_id in graph.can_escalate,
        "principal_key": info.key if info is not None else node.ref,
        "summarize": (info is not None and info.kind != "root") or node.type == "session",
        "sandbox": sandbox,
    }


def _policy_url(sandbox: models.Sandbox, source: PolicySource) -> str | None:
    if source.aws_name:
        return reverse("sandbox:aws_policy", args=[source.aws_name])
    if source.slug and source.pk is not None:
        return reverse("sandbox:object", args=[sandbox.pk, source.slug, source.pk])
    return None


def _node_from(request: HttpRequest, graph: AccessGraph) -> str:
    node_id = request.GET.get("id", "").strip()
    if node_id not in graph.nodes:
        raise Http404("This sandbox's graph has no such node.")
    return node_id


@login_required
@require_GET
@in_sandbox
def graph_node(request: HttpRequest, place: Place) -> HttpResponse:
    sandbox, world, graph = _graph_of(place)
    context = _panel_context(sandbox, world, graph, _node_from(request, graph))
    return render(request, "sandbox/graph_node.html", context)


_SUMMARIES: dict[tuple[int, tuple[int, float], str], list[ServiceActions]] = {}


def actions_of(sandbox: models.Sandbox, world: World, key: str) -> list[ServiceActions]:
    """The allowed-actions summary of one principal (``user:3``, ``role:5``) or stored role
    session (``session:9``, asked with its credentials, so its session policies and expiry
    count), cached per World version."""
    cache_key = (world.sandbox_id, world.version, key)
    found = _SUMMARIES.get(cache_key)
    if found is not None:
        return found
    kind, _, pk = key.partition(":")
    if kind == "session" and pk.isdigit():
        row = models.StsSession.objects.filter(sandbox=sandbox, pk=int(pk)).first()
        if row is None:
            return []
        try:
            credentials = sessions.engine_session(world, row)
            behind = sessions.role_info(world, row)
        except sessions.IdentityError:
            return []
        at = sandbox.now()

        def decide(action: str, resource: str) -> bool:
            region = requested_region(resource)
            return world.check_session(
                credentials, behind, action, resource, region=region, at=at
            ).allowed

        layers = list(getattr(credentials, "session_policies", ()))
        info = behind
    else:
        found_info = world.principal(key)
        if found_info is None:
            return []
        info = found_info

        def decide(action: str, resource: str) -> bool:
            region = requested_region(resource)
            return world.decide(info, action, resource, region=region) == ALLOWED

        layers = []
    layers += [p for level in world.scps_for(info.account_id) for p in level]
    if info.boundary is not None:
        layers.append(info.boundary)
    found = allowed_actions(
        info.identity,
        decide,
        layers=layers,
        substitute={"${aws:username}": info.name} if info.kind == "user" else None,
    )
    if len(_SUMMARIES) > 256:
        _SUMMARIES.clear()
    _SUMMARIES[cache_key] = found
    return found


@login_required
@require_GET
@in_sandbox
def graph_node_actions(request: HttpRequest, place: Place) -> HttpResponse:
    sandbox, world, graph = _graph_of(place)
    node = graph.nodes[_node_from(request, graph)]
    rows = actions_of(sandbox, world, node.ref) if node.ref else []
    return render(
        request,
        "sandbox/graph_node.html#actions",
        {"rows": rows, "node": node, "sandbox": sandbox, "principal_key": node.ref},
    )


# -- exports -----------------------------------------------------------------------------------

_TYPES = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "dot": "text/vnd.graphviz; charset=utf-8",
    "json": "application/json",
}


@login_required
@require_GET
@in_sandbox
def graph_export(request: HttpRequest, place: Place, fmt: str) -> HttpResponse:
    if fmt not in _TYPES:
        raise Http404("Export as svg, png, dot or json.")
    sandbox, world, graph = _graph_of(place)
    q = read_question(request.GET, graph, world)
    if fmt == "json":
        keep = None
        if q.accounts or q.types:
            v = draw.view(
                graph, accounts=q.accounts or None, types=q.types or None, limit=1_000_000
            )
            keep = {n.id for n in v.nodes}
        body: bytes = json.dumps(graph.as_json(keep), indent=2, ensure_ascii=False).encode()
    else:
        path = graph.path(q.source, q.target) if q.source and q.target and not q.errors else None
        v = draw.view(
            graph,
            accounts=q.accounts or None,
            types=q.types or None,
            highlight_path=path or (),
            limit=400,
        )
        source = draw.dot(v, title=f"Access graph of {sandbox.name}")
        if fmt == "dot":
            body = source.encode()
        elif fmt == "svg":
            try:
                body = draw.svg(source).encode()
            except draw.RenderError as error:
                return HttpResponse(str(error), status=503, content_type="text/plain")
        else:
            done = subprocess.run(
                ["dot", "-Tpng", "-Gdpi=110"],
                input=source.encode(),
                capture_output=True,
                timeout=60,
                check=False,
            )
            if done.returncode != 0:
                return HttpResponse("Graphviz could not draw this graph.", status=503)
            body = done.stdout
    response = HttpResponse(body, content_type=_TYPES[fmt])
    name = "".join(ch if ch.isalnum() else "-" for ch in sandbox.name.lower()).strip("-")
    response["Content-Disposition"] = (
        f'attachment; filename="access-graph-{name or "sandbox"}.{fmt}"'
    )
    return response


# -- a flow page's part of the graph ---------------------------------------------------------


def part_nodes(sandbox: models.Sandbox, graph: AccessGraph, part: str) -> tuple[set[str], int]:
    """The nodes a flow page shows, and how many steps around them."""
    nodes = graph.nodes.values()
    if part in ("identity", "switch"):
        world = World.for_sandbox(sandbox)
        who = sessions.current(sandbox, world)
        start: set[str] = set()
        if who.session is not None:
            # Temporary credentials: the role behind them (or the user who got them).
            start.add(sessions.role_info(world, who.session).arn)
            if who.session.arn in graph.nodes:
                start.add(who.session.arn)
        elif who.key:
            info = world.principal(who.principal_key)
            if info is not None:
                start.add(info.arn)
        if not start:
            start = {n.id for n in nodes if n.type == "user"}
        return start, 1
    if part == "ec2":
        return {n.id for n in nodes if n.type in ("instance", "profile")} | {
            "ec2.amazonaws.com"
        } & set(graph.nodes), 1
    if part == "cross-account":
        found = {
            x
            for e in graph.edges
            if e.kind == "assume"
            and graph.nodes[e.source].account != graph.nodes[e.target].account
            and graph.nodes[e.source].type != "service"
            for x in (e.source, e.target)
        }
        return found, 0
    if part == "services":
        return {n.id for n in nodes if n.type == "service"}, 1
    if part == "federation":
        return {n.id for n in nodes if n.type == "provider"}, 1
    if part == "portal":
        return {n.id for n in nodes if n.type in ("sso_user", "permission_set")}, 1
    raise Http404("No such part of the graph.")


@login_required
@require_GET
@in_sandbox
def graph_part(request: HttpRequest, place: Place, part: str) -> HttpResponse:
    sandbox = place.sandbox
    graph = access_graph(sandbox)
    focus, depth = part_nodes(sandbox, graph, part)
    v = draw.view(graph, focus=focus, depth=depth, limit=60)
    svg, problem = _svg(v) if v.nodes else ("", "")
    return render(
        request,
        "sandbox/graph_part.html",
        {
            "sandbox": sandbox,
            "svg": svg,
            "problem": problem,
            "title": PARTS[part],
            "empty": not v.nodes,
            "ids": {v.ids[n]: n for n in v.ids if not n.startswith("summary:")},
            "graph_url": reverse("sandbox:graph", args=[sandbox.pk]),
        },
    )
