"""The access graph: nodes, the edges through which one node acts with another's permissions,
structural relations, and the questions a learner asks of it."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = ["EDGE_KINDS", "NODE_TYPES", "RELATION_KINDS", "AccessGraph", "Edge", "Node", "Relation"]

# type -> (legend label, is a principal)
NODE_TYPES: dict[str, tuple[str, bool]] = {
    "account": ("AWS account", False),
    "root": ("Root user", True),
    "user": ("IAM user", True),
    "group": ("User group", False),
    "role": ("IAM role", True),
    "session": ("Role session", True),
    "provider": ("Identity provider", False),
    "sso_user": ("Identity Center user", False),
    "permission_set": ("Permission set", False),
    "service": ("AWS service", False),
    "instance": ("EC2 instance", False),
    "profile": ("Instance profile", False),
    "resource": ("Resource", False),
    "external": ("Principal outside the sandbox", False),
    "anyone": ("Anyone", False),
}

EDGE_KINDS: dict[str, str] = {
    "assume": "can assume the role (sts:AssumeRole)",
    "federate": "can federate into the role (SAML, OIDC, Identity Center)",
    "pass_role": "can pass the role to a service that runs its code",
    "runs_as": "runs with the role's credentials",
    "escalate": "privilege escalation",
    "administers": "an admin of the account can become any principal in it",
}

RELATION_KINDS: dict[str, str] = {
    "member_of": "member of the group",
    "profile_of": "the instance profile holds the role",
    "uses_profile": "the instance was launched with the instance profile",
    "session_of": "temporary credentials of the role",
    "assigned": "assigned the permission set",
    "provisions": "the permission set is provisioned as this role",
    "resource_policy": "named in the resource-based policy",
}


@dataclass(frozen=True, slots=True)
class Node:
    id: str  # an ARN; an account ID; a service principal; "*" for anyone
    type: str
    label: str
    account: str = ""
    is_admin: bool | None = None  # principals only
    admin_reason: str = ""
    ref: str = ""  # the sandbox object behind it ("user:12"), for links
    detail: str = ""  # one line under the label (path, kind of resource, ...)
    external: bool = False
    grants_admin: bool = False  # groups: a member gets admin power from the group alone

    @property
    def is_principal(self) -> bool:
        return NODE_TYPES[self.type][1]

    @property
    def type_label(self) -> str:
        return NODE_TYPES[self.type][0]


class Edge(NamedTuple):
    """``source`` can act with ``target``'s permissions; ``reason`` says how, for a student.

    A named tuple rather than a frozen dataclass: as immutable, and four times faster to
    make, which counts when a large sandbox has hundreds of thousands of edges."""

    source: str
    target: str
    kind: str
    label: str
    reason: str
    conditions: tuple[str, ...] = ()
    technique: str = ""
    actions: tuple[str, ...] = ()

    @property
    def conditional(self) -> bool:
        return bool(self.conditions)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "kind": self.kind,
            "label": self.label,
            "reason": self.reason,
            "conditions": list(self.conditions),
            "technique": self.technique or None,
            "actions": list(self.actions),
        }


@dataclass(frozen=True, slots=True)
class Relation:
    source: str
    target: str
    kind: str
    label: str

    def as_json(self) -> dict[str, str]:
        return {
            "source": self.source,
            "target": self.target,
            "kind": self.kind,
            "label": self.label,
        }


@dataclass
class AccessGraph:
    nodes: dict[str, Node]
    edges: list[Edge]
    relations: list[Relation]
    # Nodes (not admins) with a way to an admin: principals, and also services, providers,
    # instances or Identity Center users whose edges lead to one. JSON shows it on principals.
    can_escalate: frozenset[str] = frozenset()
    out_edges: dict[str, list[Edge]] = field(default_factory=dict, repr=False)
    in_edges: dict[str, list[Edge]] = field(default_factory=dict, repr=False)
    _admins: dict[str, list[Node]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self._admins = None
        out: defaultdict[str, list[Edge]] = defaultdict(list)
        into: defaultdict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            out[edge.source].append(edge)
            into[edge.target].append(edge)
        self.out_edges = dict(out)
        self.in_edges = dict(into)

    # -- walking ---------------------------------------------------------------------------

    def admins_of(self, account: str) -> list[Node]:
        if self._admins is None:
            self._admins = {}
            for n in self.nodes.values():
                if n.is_admin and not n.external:
                    self._admins.setdefault(n.account, []).append(n)
        return self._admins.get(account, [])

    def _administers(self, node: Node) -> Iterator[Edge]:
        """The edges an admin has to every principal of its account, implied, not stored: with
        full IAM power it can give itself access keys of any user or rewrite any role's trust
        policy (service-linked roles excepted: IAM refuses to edit those)."""
        if not node.is_admin or node.external or node.detail == "service-linked role":
            return  # a service-linked role acts only for its service, never for a learner
        for other in self.nodes.values():
            if (
                other.account == node.account
                and other.id != node.id
                and other.type in ("user", "role")
                and other.detail != "service-linked role"
            ):
                yield self._admin_edge(node, other)

    @staticmethod
    def _admin_edge(admin: Node, other: Node) -> Edge:
        how = (
            "create an access key or a console password for it"
            if other.type == "user"
            else "rewrite its trust policy to trust itself and assume it"
        )
        return Edge(
            admin.id,
            other.id,
            "administers",
            "admin",
            f"{admin.label} is an admin of account {admin.account}, so it can {how}.",
        )

    def edges_from(self, node_id: str) -> list[Edge]:
        stored = self.out_edges.get(node_id, [])
        node = self.nodes.get(node_id)
        if node is None or not node.is_admin:
            return stored
        targets = {e.target for e in stored}
        return stored + [e for e in self._administers(node) if e.target not in targets]

    def edges_into(self, node_id: str, skip: Collection[str] = ()) -> list[Edge]:
        """The edges into a node, the implied ones from its account's admins included (but
        not from the nodes in ``skip``: a search that has seen them builds no edge for them)."""
        stored = self.in_edges.get(node_id, [])
        node = self.nodes.get(node_id)
        if (
            node is None
            or node.type not in ("user", "role")
            or node.detail == "service-linked role"
        ):
            return stored
        sources = {e.source for e in stored}
        implied = [
            self._admin_edge(admin, node)
            for admin in self.admins_of(node.account)
            if admin.id != node.id and admin.id not in sources and admin.id not in skip
        ]
        return stored + implied

    def reachers(self, target: str) -> dict[str, Edge]:
        """Every node that can end up with ``target``'s permissions, each with the first edge of
        one shortest way there (breadth-first over edges, backwards)."""
        found: dict[str, Edge] = {}
        queue = deque([target])
        while queue:
            current = queue.popleft()
            for edge in self.edges_into(current, found):
                if edge.source != target and edge.source not in found:
                    found[edge.source] = edge
                    queue.append(edge.source)
        return found

    def reachable(self, source: str) -> set[str]:
        seen = {source}
        queue = deque([source])
        while queue:
            for edge in self.edges_from(queue.popleft()):
                if edge.target not in seen:
                    seen.add(edge.target)
                    queue.append(edge.target)
        seen.discard(source)
        return seen

    def path(self, source: str, target: str) -> list[Edge] | None:
        """The shortest way from ``source`` to ``target``, edge by edge; None if there is none."""
        if source == target or source not in self.nodes or target not in self.nodes:
            return None
        return self._first_way(source, lambda node: node.id == target)

    def escalation_path(self, source: str) -> list[Edge] | None:
        """The shortest way from a principal that can escalate to an admin (or to a group
        that makes its members admins)."""
        if source not in self.can_escalate:
            return None
        return self._first_way(source, lambda node: bool(node.is_admin or node.grants_admin))

    def _first_way(self, source: str, goal: Callable[[Node], bool]) -> list[Edge] | None:
        """Breadth-first from ``source``, edge by edge, until a node meets ``goal``."""
        came: dict[str, Edge] = {}
        seen = {source}
        queue = deque([source])
        while queue:
            for edge in self.edges_from(queue.popleft()):
                if edge.target in seen:
                    continue
                seen.add(edge.target)
                came[edge.target] = edge
                node = self.nodes.get(edge.target)
                if node is not None and goal(node):
                    steps = [edge]
                    while steps[0].source != source:
                        steps.insert(0, came[steps[0].source])
                    return steps
                queue.append(edge.target)
        return None

    def who_can_reach_any(self, targets: Iterable[str]) -> dict[str, list[Edge]]:
        """Every node that can end up with the permissions of one of ``targets``, with its
        shortest way there: one breadth-first search backwards from all of them at once."""
        start = [t for t in targets if t in self.nodes]
        way: dict[str, list[Edge]] = {t: [] for t in start}
        queue = deque(start)
        while queue:
            current = queue.popleft()
            for edge in self.edges_into(current, way):
                if edge.source not in way:
                    way[edge.source] = [edge, *way[current]]
                    queue.append(edge.source)
        return way

    def account_nodes(self, account: str) -> set[str]:
        """The nodes of one account and every node an edge or relation joins to them."""
        keep = {n.id for n in self.nodes.values() if n.account == account}
        joined = set(keep)
        for e in self.edges:
            if e.source in keep or e.target in keep:
                joined.update((e.source, e.target))
        for r in self.relations:
            if r.source in keep or r.target in keep:
                joined.update((r.source, r.target))
        return joined

    # -- exporting -------------------------------------------------------------------------

    def as_json(self, nodes: Iterable[str] | None = None) -> dict[str, Any]:
        keep = set(self.nodes) if nodes is None else set(nodes)
        return {
            "nodes": [
                node_json(n, n.id in self.can_escalate) for n in self.nodes.values() if n.id in keep
            ],
            "edges": [e.as_json() for e in self.edges if e.source in keep and e.target in keep],
            "relations": [
                r.as_json() for r in self.relations if r.source in keep and r.target in keep
            ],
        }


def node_json(node: Node, can_escalate: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "arn": node.id,
        "type": node.type,
        "label": node.label,
        "account": node.account or None,
    }
    if node.is_principal:
        data["is_admin"] = bool(node.is_admin)
        data["can_escalate"] = can_escalate
        if node.admin_reason:
            data["admin_reason"] = node.admin_reason
    if node.grants_admin:
        data["grants_admin"] = True
    if node.detail:
        data["detail"] = node.detail
    if node.external:
        data["external"] = True
    return data
