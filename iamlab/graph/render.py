"""The access graph as JSON, Graphviz DOT and SVG.

Safety: every label, tooltip and cluster title is user text (names of users, roles, buckets,
Identity Center users, session names). The DOT is written here, not by a library, with every
string double-quoted and its backslashes, quotes and line breaks escaped, so no name can become
an HTML-like label, an escape sequence, a URL or an attribute; Graphviz then escapes ``<`` and
``&`` in the SVG it writes. Nodes carry only ids we make (``n0``, ``n1``, ...) and CSS classes
from a fixed list; the page maps ids to ARNs from a JSON script. Graphviz writes no link: no
``URL``/``href`` attribute is ever set.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace

from .model import NODE_TYPES, AccessGraph, Edge, Node

__all__ = ["STYLE", "RenderError", "View", "dot", "svg", "view"]

# type -> (shape, fill, border)
STYLE: dict[str, tuple[str, str, str]] = {
    "account": ("folder", "#f8fafc", "#64748b"),
    "root": ("house", "#fef3c7", "#b45309"),
    "user": ("box", "#dbeafe", "#1d4ed8"),
    "group": ("folder", "#e0e7ff", "#4338ca"),
    "role": ("hexagon", "#dcfce7", "#15803d"),
    "session": ("box", "#ecfdf5", "#047857"),
    "provider": ("component", "#fce7f3", "#be185d"),
    "sso_user": ("box", "#ede9fe", "#6d28d9"),
    "permission_set": ("note", "#f5f3ff", "#6d28d9"),
    "service": ("ellipse", "#ffedd5", "#c2410c"),
    "instance": ("box3d", "#fef9c3", "#a16207"),
    "profile": ("tab", "#fefce8", "#a16207"),
    "resource": ("cylinder", "#f1f5f9", "#475569"),
    "external": ("octagon", "#fee2e2", "#b91c1c"),
    "anyone": ("octagon", "#fecaca", "#991b1b"),
    "summary": ("box", "#ffffff", "#94a3b8"),
}

# kind -> (colour, legend)
EDGE_STYLE: dict[str, tuple[str, str]] = {
    "assume": ("#1d4ed8", "can assume"),
    "federate": ("#be185d", "can federate into"),
    "pass_role": ("#c2410c", "can pass to a service"),
    "runs_as": ("#15803d", "runs as"),
    "escalate": ("#dc2626", "escalation"),
    "administers": ("#dc2626", "admin of the account"),
}

ADMIN_COLOUR = "#dc2626"
ESCALATE_COLOUR = "#ea580c"
HIGHLIGHT = "#7c3aed"


def quote(text: str) -> str:
    """A DOT double-quoted string that Graphviz shows exactly as ``text``, line by line."""
    lines = []
    for line in text.split("\n"):
        cleaned = "".join(ch if ch.isprintable() else " " for ch in line)
        lines.append(cleaned.replace("\\", "\\\\").replace('"', '\\"'))
    return '"' + "\\n".join(lines) + '"'


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class View:
    """What to draw: the nodes shown one by one, the summary nodes standing for the rest, and
    what to highlight. Built by :func:`view` from the graph and the learner's filters."""

    nodes: list[Node]
    edges: list[Edge]
    relations: list[tuple[str, str, str]]  # source, target, label
    summaries: dict[str, tuple[str, str, int]] = field(
        default_factory=dict
    )  # id -> (account, label, n)
    ids: dict[str, str] = field(default_factory=dict)  # node id (ARN) -> DOT id
    highlight_nodes: set[str] = field(default_factory=set)
    highlight_edges: set[tuple[str, str, str]] = field(default_factory=set)
    can_escalate: Collection[str] = frozenset()
    accounts: dict[str, str] = field(default_factory=dict)
    trimmed: bool = False  # nodes with edges were folded too: filters show the rest

    def dot_id(self, node_id: str) -> str:
        return self.ids[node_id]


def view(
    graph: AccessGraph,
    *,
    accounts: Collection[str] | None = None,
    types: Collection[str] | None = None,
    focus: Iterable[str] | None = None,
    depth: int = 1,
    limit: int = 120,
    highlight_nodes: Iterable[str] = (),
    highlight_path: Iterable[Edge] = (),
    lit: Iterable[str] = (),
) -> View:
    """Choose what to draw.

    ``highlight_nodes`` and the nodes of ``highlight_path`` are always drawn. ``lit`` nodes are
    lit up where they are drawn anyway, or through the summary box they are folded into: the
    picture stays the one without the question (many principals may be allowed an action).

    ``accounts`` and ``types`` filter nodes (a node outside every account, such as an AWS
    service, stays when something it connects to is shown). ``focus`` keeps only the nodes within
    ``depth`` steps of the given ones (a flow page's part of the graph). Past ``limit`` nodes, the
    principals and resources that take part in no edge are folded, per account and type, into
    one summary node ("37 more IAM users"), so a large sandbox stays readable.
    """
    path = list(highlight_path)
    wanted_nodes = set(highlight_nodes) | {e.source for e in path} | {e.target for e in path}
    keep = set(graph.nodes)
    if focus is not None:
        keep = _around(graph, set(focus), depth)
    if accounts:
        keep = {n for n in keep if graph.nodes[n].account in accounts or not graph.nodes[n].account}
    if types:
        keep = {n for n in keep if graph.nodes[n].type in types or n in wanted_nodes}
    keep |= {n for n in wanted_nodes if n in graph.nodes}
    edges = [e for e in graph.edges if e.source in keep and e.target in keep]
    relations = [
        (r.source, r.target, r.label)
        for r in graph.relations
        if r.source in keep and r.target in keep
    ]
    path_edges = [e for e in path if e.kind == "administers"]
    edges.extend(e for e in path_edges if e.source in keep and e.target in keep)
    # Nodes outside every account (services, providers of the web, Identity Center) only
    # when connected to something shown.
    connected: set[str] = set()
    for e in edges:
        connected.update((e.source, e.target))
    for s, t, _ in relations:
        connected.update((s, t))
    keep = {
        n
        for n in keep
        if graph.nodes[n].account
        and not graph.nodes[n].external
        or n in connected
        or graph.nodes[n].type == "account"
    }
    nodes = [graph.nodes[n] for n in graph.nodes if n in keep and graph.nodes[n].type != "account"]
    summaries: dict[str, tuple[str, str, int]] = {}
    trimmed = False
    if len(nodes) > limit:
        # First fold what takes part in no edge; if that is not enough, keep only what a
        # learner looks for first (admins, who can escalate, escalation and PassRole edges,
        # cross-account trust, what was asked about) and fold the rest, per account and type.
        nodes, summaries = _fold(nodes, lambda n: n.id not in connected, wanted_nodes, graph)
        if len(nodes) + len(summaries) > limit:
            trimmed = True
            important = _key_nodes(graph, edges, wanted_nodes)
            nodes, more = _fold(nodes, lambda n: n.id not in important, wanted_nodes, graph)
            for name, (account, _label, count) in more.items():
                old = summaries.get(name)
                total = count + (old[2] if old else 0)
                type_label = NODE_TYPES[name.rsplit(":", 1)[1]][0]
                summaries[name] = (
                    account,
                    f"{total} more: {type_label}s (filter to see them)",
                    total,
                )
    ids = {n.id: f"n{i}" for i, n in enumerate(nodes)}
    for i, summary in enumerate(summaries):
        ids[summary] = f"s{i}"
    highlight_edges = {(e.source, e.target, e.kind) for e in path}
    return View(
        nodes=nodes,
        edges=[e for e in edges if e.source in ids and e.target in ids],
        relations=[r for r in relations if r[0] in ids and r[1] in ids],
        summaries=summaries,
        ids=ids,
        highlight_nodes={n for n in wanted_nodes if n in ids} | _lit(graph, lit, ids),
        highlight_edges=highlight_edges,
        can_escalate=graph.can_escalate,
        trimmed=trimmed,
        accounts={
            n.id: n.label for n in graph.nodes.values() if n.type == "account" and not n.external
        },
    )


def _lit(graph: AccessGraph, lit: Iterable[str], ids: dict[str, str]) -> set[str]:
    """The drawn nodes or summary boxes that stand for the ``lit`` nodes."""
    found: set[str] = set()
    for node_id in lit:
        if node_id in ids:
            found.add(node_id)
        elif (node := graph.nodes.get(node_id)) is not None:
            box = f"summary:{node.account}:{node.type}"
            if box in ids:
                found.add(box)
    return found


def _fold(
    nodes: list[Node],
    foldable: Callable[[Node], bool],
    keep: set[str],
    graph: AccessGraph,
) -> tuple[list[Node], dict[str, tuple[str, str, int]]]:
    """Fold the foldable nodes (never admins, escalators or asked-about ones) into one summary
    box per account and type, when there are at least two of them."""
    groups: dict[tuple[str, str], list[Node]] = defaultdict(list)
    for n in nodes:
        if (
            foldable(n)
            and n.id not in keep
            and not n.is_admin
            and n.id not in graph.can_escalate
            and n.account
        ):
            groups[(n.account, n.type)].append(n)
    summaries: dict[str, tuple[str, str, int]] = {}
    gone: set[str] = set()
    for (account, type_), members in groups.items():
        if len(members) < 2:
            continue
        label = f"{len(members)} more: {NODE_TYPES[type_][0]}s with no edge"
        summaries[f"summary:{account}:{type_}"] = (account, label, len(members))
        gone.update(m.id for m in members)
    return [n for n in nodes if n.id not in gone], summaries


def _key_nodes(graph: AccessGraph, edges: list[Edge], wanted: set[str]) -> set[str]:
    key = set(wanted)
    for e in edges:
        source, target = graph.nodes[e.source], graph.nodes[e.target]
        if (
            e.kind in ("escalate", "pass_role")
            or source.account != target.account
            or source.is_admin
            or target.is_admin
            or e.source in graph.can_escalate
        ):
            key.update((e.source, e.target))
    return key


def _around(graph: AccessGraph, start: set[str], depth: int) -> set[str]:
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges:
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
    for r in graph.relations:
        neighbours[r.source].add(r.target)
        neighbours[r.target].add(r.source)
    seen = {n for n in start if n in graph.nodes}
    frontier = set(seen)
    for _ in range(depth):
        frontier = {m for n in frontier for m in neighbours[n]} - seen
        seen |= frontier
    return seen


def _node_line(v: View, n: Node) -> str:
    shape, fill, border = STYLE[n.type]
    label = _short(n.label)
    marks = []
    if n.is_admin:
        marks.append("★ admin")
    elif n.id in v.can_escalate and n.is_principal:
        marks.append("⚠ can escalate")
    if n.grants_admin:
        marks.append("★ grants admin")
    sub = n.type_label if not n.detail else f"{n.type_label} · {n.detail}"
    if n.type == "root":
        label, sub = "Root user", n.detail
    text = "\n".join(part for part in [label, _short(sub, 40), *marks] if part)
    classes = ["node-" + n.type.replace("_", "-")]
    pen = "1.2"
    colour = border
    if n.is_admin or n.grants_admin:
        classes.append("admin")
        colour, pen = ADMIN_COLOUR, "3"
    elif n.id in v.can_escalate and n.is_principal:
        classes.append("escalates")
        colour, pen = ESCALATE_COLOUR, "2.5"
    if n.id in v.highlight_nodes:
        classes.append("highlight")
        colour, pen = HIGHLIGHT, "4"
    style = "filled,rounded" if shape == "box" else "filled"
    if n.type == "session":
        style += ",dashed"
    attrs = {
        "label": text,
        "shape": shape,
        "style": style,
        "fillcolor": fill,
        "color": colour,
        "penwidth": pen,
        "tooltip": n.label,
        "class": " ".join(classes),
        "id": "node-" + v.dot_id(n.id),
    }
    return f"{v.dot_id(n.id)} [{_attrs(attrs)}]"


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in attrs.items())


def _cluster_key(n: Node) -> str:
    if n.type in ("sso_user", "permission_set"):
        return "identity-center"
    if n.type == "service":
        return "services"
    if n.external or n.type == "anyone" or not n.account:
        return "outside"
    return n.account


_CLUSTER_TITLES = {
    "identity-center": "IAM Identity Center",
    "services": "AWS services",
    "outside": "Outside the sandbox",
}


def _line(head: str, attrs: dict[str, str]) -> str:
    return f"{head} [{_attrs(attrs)}]"


def dot(v: View, *, title: str = "", legend: bool = True, highlight: bool = True) -> str:
    """The Graphviz DOT source of a view. ``highlight=False`` leaves the highlighted nodes and
    edges plain, for :func:`mark` to light up in the SVG: the layout stays the one the learner
    already sees, and the drawing can come from the cache."""
    if not highlight:
        v = replace(v, highlight_nodes=set(), highlight_edges=set())
    lines = [
        "digraph access {",
        _line(
            "graph",
            {
                "rankdir": "LR",
                # Accounts stack top to bottom instead of stretching sideways: a page scrolls
                # down more comfortably than across.
                "newrank": "true",
                "fontname": "Helvetica",
                "fontsize": "12",
                "nodesep": "0.25",
                "ranksep": "0.6",
                "label": title,
                "labelloc": "t",
                "tooltip": title or "Access graph",
                "bgcolor": "transparent",
            },
        ),
        _line("node", {"fontname": "Helvetica", "fontsize": "12", "margin": "0.1,0.05"}),
        _line("edge", {"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.8"}),
    ]
    clusters: dict[str, list[str]] = defaultdict(list)
    for n in v.nodes:
        clusters[_cluster_key(n)].append(_node_line(v, n))
    for key, (account, label, _count) in v.summaries.items():
        clusters[account].append(
            _line(
                v.dot_id(key),
                {
                    "label": label,
                    "shape": "box",
                    "style": "dashed,rounded",
                    "color": STYLE["summary"][2],
                    "fontcolor": "#475569",
                    "id": "node-" + v.dot_id(key),
                    "class": "node-summary",
                    "tooltip": label,
                },
            )
        )
    for i, (key, members) in enumerate(sorted(clusters.items())):
        name = v.accounts.get(key)
        if name is not None:
            cluster_title = f"{name} ({key})"
        else:
            cluster_title = _CLUSTER_TITLES.get(key, f"Account {key}")
        lines.append(f"subgraph cluster_{i} {{")
        lines.append(
            _line(
                "graph",
                {
                    "label": cluster_title,
                    "style": "rounded,filled",
                    "fillcolor": "#f8fafc",
                    "color": "#cbd5e1",
                    "fontsize": "12",
                    "id": f"cluster-{i}",
                    "class": "cluster",
                },
            )
        )
        lines.extend("  " + m for m in members)
        lines.append("}")
    drawn: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for e in v.edges:
        drawn[(e.source, e.target)].append(e)
    for (source, target), group in drawn.items():
        first = group[0]
        colour, _ = EDGE_STYLE.get(first.kind, ("#334155", ""))
        label = first.label if len(group) == 1 else f"{first.label} (+{len(group) - 1} more)"
        conditional = all(e.conditional for e in group)
        hot = any((e.source, e.target, e.kind) in v.highlight_edges for e in group)
        attrs = {
            "label": label,
            "color": HIGHLIGHT if hot else colour,
            "fontcolor": HIGHLIGHT if hot else colour,
            "penwidth": "3.5" if hot else "1.4",
            "style": "dashed" if conditional else "solid",
            "tooltip": " | ".join(e.reason for e in group),
            "class": "edge-" + first.kind.replace("_", "-") + (" highlight" if hot else ""),
            "id": f"edge-{v.dot_id(source)}-{v.dot_id(target)}",
        }
        lines.append(_line(f"{v.dot_id(source)} -> {v.dot_id(target)}", attrs))
    for source, target, label in v.relations:
        attrs = {
            "label": label,
            "color": "#94a3b8",
            "fontcolor": "#64748b",
            "style": "dotted",
            "arrowhead": "none",
            "class": "relation",
            "tooltip": label,
        }
        lines.append(_line(f"{v.dot_id(source)} -> {v.dot_id(target)}", attrs))
    if legend:
        lines.extend(_legend(v))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _legend(v: View) -> list[str]:
    """A compact key in one node: the node types present, the edge colours, what dashed and
    the red and orange borders mean. Only fixed text goes in (an HTML-like label), no names."""
    present = sorted({n.type for n in v.nodes}, key=list(STYLE).index)
    rows = []
    for type_ in present:
        _shape, fill, border = STYLE[type_]
        rows.append(
            f'<TR><TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1" WIDTH="18"> </TD>'
            f'<TD ALIGN="LEFT">{NODE_TYPES[type_][0]}</TD></TR>'
        )
    for kind in sorted({e.kind for e in v.edges}, key=list(EDGE_STYLE).index):
        colour, text = EDGE_STYLE[kind]
        rows.append(
            f'<TR><TD><FONT COLOR="{colour}">━━▶</FONT></TD>'
            f'<TD ALIGN="LEFT"><FONT COLOR="{colour}">{text}</FONT></TD></TR>'
        )
    rows.append('<TR><TD>╌╌▶</TD><TD ALIGN="LEFT">only under a condition</TD></TR>')
    rows.append(
        f'<TR><TD BORDER="2" COLOR="{ADMIN_COLOUR}"> </TD><TD ALIGN="LEFT">★ admin</TD></TR>'
    )
    rows.append(
        f'<TR><TD BORDER="2" COLOR="{ESCALATE_COLOUR}"> </TD>'
        '<TD ALIGN="LEFT">⚠ can escalate to admin</TD></TR>'
    )
    table = (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="2">'
        '<TR><TD COLSPAN="2"><B>Key</B></TD></TR>' + "".join(rows) + "</TABLE>"
    )
    return [
        f'legend [shape="box", style="rounded", color="#cbd5e1", fontsize="9", '
        f'id="legend", class="legend", label=<{table}>]'
    ]


def mark(svg_text: str, v: View) -> str:
    """Light up the view's highlighted nodes and edges in an SVG drawn without them, by adding
    the ``highlight`` class to their groups (ids and classes are ours, never user text)."""
    wanted = {f"node-{v.dot_id(n)}" for n in v.highlight_nodes}
    for source, target, _kind in v.highlight_edges:
        if source in v.ids and target in v.ids:
            wanted.add(f"edge-{v.dot_id(source)}-{v.dot_id(target)}")
    if not wanted:
        return svg_text

    def add(match: re.Match[str]) -> str:
        # Graphviz writes the hyphens of ids as &#45;.
        if match.group(1).replace("&#45;", "-") in wanted:
            return f'<g id="{match.group(1)}" class="{match.group(2)} highlight"'
        return match.group(0)

    marked = _GROUP.sub(add, svg_text)
    return marked.replace("<svg ", '<svg class="has-highlight" ', 1)


_DASH = "(?:-|&#45;)"
_GROUP = re.compile(rf'<g id="((?:node|edge){_DASH}[ns]\d+(?:{_DASH}[ns]\d+)?)" class="([^"]*)"')


class RenderError(RuntimeError):
    pass


_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)


def svg(source: str | AccessGraph, *, timeout: float = 30.0, cached: bool = True) -> str:
    """Render DOT (or a whole graph, with the default view) with Graphviz to an inline
    ``<svg>`` element, without the XML prolog and doctype. The same DOT gives the same SVG,
    so the last few drawings are kept: going back to a picture does not lay it out again
    (``cached=False`` always asks Graphviz, as a benchmark must)."""
    if isinstance(source, AccessGraph):
        source = dot(view(source))
    if not cached:
        return _svg.__wrapped__(source, timeout)
    return _svg(source, timeout)


@functools.lru_cache(maxsize=24)
def _svg(source: str, timeout: float) -> str:
    try:
        done = subprocess.run(
            ["dot", "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:  # pragma: no cover - graphviz is a declared dependency
        raise RenderError("Graphviz (the dot program) is not installed.") from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError("Graphviz took too long to lay out this graph.") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()[:500]
        raise RenderError(message or "Graphviz failed.")
    return _PROLOG.sub("", done.stdout.decode("utf-8"), count=1)
