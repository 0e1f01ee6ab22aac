"""Build the access graph of a :class:`GraphInput`, every edge decided by the policy engine.

How it keeps the questions few (``benchmarks/graph.py`` measures it):

* Candidates come from indexes, never from all pairs. A role's trust policy names who may
  assume it, so only those principals (or, for a whole account, the principals of that account
  whose identity policies mention ``sts:AssumeRole``) are asked. A technique is tried only by a
  principal whose identity policies allow at least one of its actions (one regex per distinct
  Action element, cached), only against targets in its own account (IAM actions never reach
  another account's identities), and only against the ARNs its Resource elements could cover
  (exact ARNs looked up, ``user/${aws:username}`` filled in). A takeover is tried only where
  something of its kind runs as a role, PassRole only for services with a role to pass in
  the account: where there is no target, nothing is asked (not even a class key).
* Each question is one :meth:`PolicySet.decide`; the full evaluation with its explanation is
  computed only to find the conditions of a conditional edge, and only when a conditional
  Allow covers the action.
* Answers are shared: when the statements that could decide look at nothing but the
  resource's ARN, one answer serves every resource they cover alike (and every resource when
  each covers all, per region); principals whose deciding statements (and what those read
  about the caller) agree share answers, and a whole pool of targets is worked out once per
  such class. A statement that covers only the caller itself (``user/${aws:username}``), or
  none of the pool, sets no class apart. So are whole techniques, and the roles that trust an
  account: what one principal gets from its answers on its account's pools is worked out once
  per class and copied to the others (:meth:`_Builder.per_class`, :meth:`_Builder._assumable`).
  ``build_graph(share=False)`` asks everything anew; tests check the graph is the same.
* Admins get no technique edges: an admin reaches every principal of its account anyway, which
  :class:`AccessGraph` implies rather than stores.
* "Can escalate" is one breadth-first search backwards from the admins.

Where AWS leaves a choice, the choice is written where it is made (look for "Choice:").

The modules: :mod:`.asking` asks the engine and keeps the answers; :mod:`.core` holds the
builder's state and the helpers that keep questions few; each family of edges has its own
module (:mod:`.trust`, :mod:`.federation`, :mod:`.runs_as`, :mod:`.escalation` for the
techniques and the admins, :mod:`.versions` for the routes behind an older policy version);
this one puts them together in the order the edges depend on each other.
"""

from __future__ import annotations

import gc
from collections import defaultdict, deque

from .asking import _owner, requested_region, satisfying_context
from .core import _RESOURCE_LABELS, _replace
from .escalation import ADMIN_POLICY_ARN
from .inputs import GraphInput, PrincipalIn
from .model import AccessGraph, Node
from .versions import _VersionRoutes

__all__ = ["ADMIN_POLICY_ARN", "build_graph", "requested_region", "satisfying_context"]


class _Builder(_VersionRoutes):
    """One build: the nodes, then the admins, then each family of edges (a technique needs
    the service roles the trust edges find, a route behind an older version the edges a
    principal has already), then who can escalate."""

    def add_nodes(self) -> None:
        inp = self.input
        for account in inp.accounts:
            self.add(Node(account.account_id, "account", account.name, account.account_id))
        for p in inp.principals:
            detail = ""
            if p.kind == "role" and p.service_linked:
                detail = "service-linked role"
            self.add(
                Node(p.arn, p.kind, _principal_label(p), p.account_id, ref=p.ref, detail=detail)
            )
        for g in inp.groups:
            self.add(Node(g.arn, "group", g.name, g.account_id, ref=g.ref))
        for r in inp.resources:
            self.add(
                Node(
                    r.arn,
                    "resource",
                    r.name,
                    r.account_id,
                    ref=r.ref,
                    detail=_RESOURCE_LABELS.get(r.kind, r.kind),
                )
            )
        for prof in inp.profiles:
            self.add(Node(prof.arn, "profile", prof.name, prof.account_id, ref=prof.ref))
        for inst in inp.instances:
            label = f"{inst.name} ({inst.instance_id})" if inst.name else inst.instance_id
            self.add(
                Node(
                    inst.arn,
                    "instance",
                    label,
                    inst.account_id,
                    ref=inst.ref,
                    detail="running" if inst.running else "stopped",
                )
            )
        for prov in inp.providers:
            if not prov.identity_center:
                detail = {"saml": "SAML 2.0", "oidc": "OpenID Connect"}.get(
                    prov.kind, "web identity"
                )
                self.add(
                    Node(
                        prov.arn,
                        "provider",
                        prov.name,
                        prov.account_id,
                        ref=prov.ref,
                        detail=detail,
                    )
                )
        for grant in inp.sso:
            self.add(
                Node(f"arn:aws:identitystore:::user/{grant.user_id}", "sso_user", grant.user_name)
            )
            self.add(Node(grant.permission_set, "permission_set", grant.permission_set_name))
        for s in inp.sessions:
            self.add(
                Node(
                    s.arn,
                    "session",
                    s.label,
                    _owner(s.arn, ""),
                    ref=s.ref,
                    detail="expired" if s.expired else "live",
                )
            )

    def add_relations(self) -> None:
        inp = self.input
        for p in inp.principals:
            for g in p.groups:
                self.relation(p.arn, g, "member_of", "member of")
        for prof in inp.profiles:
            if prof.role:
                self.relation(prof.arn, prof.role, "profile_of", "holds")
        for inst in inp.instances:
            if inst.profile:
                self.relation(inst.arn, inst.profile, "uses_profile", "instance profile")
        for s in inp.sessions:
            self.relation(s.arn, s.role, "session_of", "session of")
        seen: set[tuple[str, str]] = set()
        for grant in inp.sso:
            user = f"arn:aws:identitystore:::user/{grant.user_id}"
            if (user, grant.permission_set) not in seen:
                seen.add((user, grant.permission_set))
                via = f" (via group {grant.via_group})" if grant.via_group else ""
                self.relation(user, grant.permission_set, "assigned", f"assigned{via}")
            if (grant.permission_set, grant.role) not in seen:
                seen.add((grant.permission_set, grant.role))
                self.relation(grant.permission_set, grant.role, "provisions", "provisioned as")
        for r in inp.resources:
            if r.policy is None:
                continue
            named: set[str] = set()
            for statement in r.policy.statements:
                if not statement.is_allow or statement.principal is None:
                    continue
                spec = statement.principal
                if spec.anyone or spec.negated:
                    named.add("*")
                named.update(spec.accounts)
                named.update(spec.arns)
                named.update(spec.services)
            for principal in sorted(named):
                if principal in self.ask.accounts:
                    # The account as a whole: drawn on its root user, which stands for it.
                    principal = f"arn:aws:iam::{principal}:root"
                node = self.nodes.get(principal) or self.external(principal)
                self.relation(node.id, r.arn, "resource_policy", "resource policy allows")

    # the reverse search ------------------------------------------------------------------

    def can_escalate(self) -> frozenset[str]:
        """Every node with a way to an admin (or to a group that makes its members admins):
        one breadth-first search backwards from them, whatever the number of paths."""
        into: dict[str, list[str]] = defaultdict(list)
        for edge in self.edges:
            if edge.source != edge.target:
                into[edge.target].append(edge.source)
        start = set(self.admins) | self.admin_groups
        seen = set(start)
        queue = deque(start)
        while queue:
            for source in into.get(queue.popleft(), ()):
                if source not in seen:
                    seen.add(source)
                    queue.append(source)
        return frozenset(n for n in seen - start if n in self.nodes)

    def sessions(self) -> None:
        for s in self.input.sessions:
            role = self.nodes.get(s.role)
            if role is None or s.arn not in self.nodes:
                continue
            admin = bool(role.is_admin) and not s.narrowed and not s.expired
            self.nodes[s.arn] = _replace(
                self.nodes[s.arn],
                is_admin=admin,
                admin_reason=f"A session of {role.label}, an admin." if admin else "",
            )

    def build(self) -> AccessGraph:
        self.add_nodes()
        self.find_admins()
        self.trust_edges()
        self.runs_as()
        self.techniques()
        self.version_routes()
        self.sessions()
        self.add_relations()
        escalators = self.can_escalate()
        for node_id in escalators:
            node = self.nodes[node_id]
            if node.is_principal and node.is_admin is None:
                self.nodes[node_id] = _replace(node, is_admin=False)
        for node_id, node in list(self.nodes.items()):
            if node.is_principal and node.is_admin is None:
                self.nodes[node_id] = _replace(node, is_admin=False)
        return AccessGraph(self.nodes, self.edges, self.relations, escalators)


def build_graph(graph_input: GraphInput, *, share: bool = True) -> AccessGraph:
    """The access graph of one sandbox (see the module docstring). ``share=False`` works out
    every answer and edge for each principal on its own: slower, the same graph.

    The cyclic garbage collector is paused while it builds: a large sandbox makes hundreds of
    thousands of edges that all outlive the build, and every collection in between would walk
    them again for nothing (a third of the build time at 5,000 principals). Whatever cyclic
    garbage the build leaves, the first collection after it frees."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _Builder(graph_input, share).build()
    finally:
        if paused:
            gc.enable()


def _principal_label(p: PrincipalIn) -> str:
    if p.kind == "root":
        return "root user"
    return p.name
