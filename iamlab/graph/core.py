"""What every family of edges of the access graph builds on: the builder's state (the nodes
and edges so far, the sandbox indexed by account and kind, the caches keyed by content) and
the helpers that keep the engine's questions few: a cheap look at a principal's Resource
elements before asking (:meth:`_Core.could`, :meth:`_Core.pick`), and answers shared by a
class of principals (:meth:`_Core.allowed_in`, :meth:`_Core.per_class`).

Each family is a class of its own module built on :class:`_Core` (``trust``, ``federation``,
``runs_as``, ``escalation``, ``versions``); ``build`` puts them together.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from iamlab.policy import Policy, RequestError
from iamlab.policy.model import ActionSpec, Statement
from iamlab.policy.wildcards import resource_regex

from . import techniques as tq
from .asking import _Asker
from .inputs import GraphInput, GroupIn, PrincipalIn, ResourceIn
from .model import Edge, Node, Relation

_TECHNIQUE_ACTIONS = tq.all_actions()

_RESOURCE_LABELS = {
    "s3": "S3 bucket",
    "kms": "KMS key",
    "sqs": "SQS queue",
    "sns": "SNS topic",
    "lambda": "Lambda function",
    "secret": "Secrets Manager secret",
    "stack": "CloudFormation stack",
    "build": "CodeBuild project",
}


# The technique actions by (lower-case) service prefix, for _spec_hits.
_TECHNIQUE_SERVICES: dict[str, tuple[str, ...]] = {}
for _action in _TECHNIQUE_ACTIONS:
    _service = _action.split(":", 1)[0].lower()
    _TECHNIQUE_SERVICES[_service] = (*_TECHNIQUE_SERVICES.get(_service, ()), _action)


# What _spec_hits found, by the element's content (policies parsed apart share it).
_SPEC_HITS: dict[tuple[tuple[str, ...], bool], frozenset[str]] = {}
_SPEC_HITS_LIMIT = 4096


def _spec_hits(spec: ActionSpec) -> frozenset[str]:
    """Which technique actions an Action / NotAction element covers.

    A pattern whose service prefix has no wildcard covers only actions of that service
    (the prefix and its colon are literal), so only those are matched: most elements name
    services no technique uses, and are settled without matching at all. The element's own
    spec matches them, which warms its cache for the engine's questions to come."""
    key = (spec.patterns, spec.negated)
    found = _SPEC_HITS.get(key)
    if found is not None:
        return found
    candidates: set[str] = set()
    for service in {pattern.split(":", 1)[0].lower() for pattern in spec.patterns}:
        if "*" in service or "?" in service:
            candidates = set(_TECHNIQUE_ACTIONS)
            break
        # A literal without a colon names no action; at worst its "service" adds candidates.
        candidates.update(_TECHNIQUE_SERVICES.get(service, ()))
    covered = {a for a in candidates if spec.matches(a.lower()) != spec.negated}
    if spec.negated:
        found = frozenset(a for a in _TECHNIQUE_ACTIONS if a not in covered)
    else:
        found = frozenset(covered)
    if len(_SPEC_HITS) >= _SPEC_HITS_LIMIT:
        _SPEC_HITS.clear()
    _SPEC_HITS[key] = found
    return found


def _policy_hits(statements: tuple[Statement, ...]) -> frozenset[str]:
    """The technique actions some Allow statement of one policy covers."""
    found: set[str] = set()
    for statement in statements:
        if statement.is_allow:
            found |= _spec_hits(statement.action)
    return frozenset(found)


# The resource a service's own action is asked on ("create a function"), as a pool.
_ANY_RESOURCE: Mapping[str, str] = {"*": "*"}
_T = TypeVar("_T")
# An edge from whoever asks: target, kind, label, reason, conditions, technique, actions.
_Template = tuple[str, str, str, str, tuple[str, ...], str, tuple[str, ...]]


class _Core:
    """The state and helpers every family of edges shares."""

    def __init__(self, graph_input: GraphInput, share: bool = True) -> None:
        self.input = graph_input
        self.ask = _Asker(graph_input, share)
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.relations: list[Relation] = []
        self.principals = {p.arn: p for p in graph_input.principals}
        self.groups = {g.arn: g for g in graph_input.groups}
        self.hits: dict[str, frozenset[str]] = {}
        self.admins: set[str] = set()
        self.admin_groups: set[str] = set()
        self.managed = {m.arn: m for m in graph_input.policies}
        self._variants: list[PrincipalIn] = []
        self._whatif_asker: _Asker | None = None
        self.service_roles: dict[str, list[tuple[PrincipalIn, tuple[str, ...]]]] = defaultdict(list)
        self._edge_keys: set[tuple[str, str, str, str]] = set()
        self._pattern_cache: dict[
            tuple[str, str], tuple[frozenset[str], tuple[re.Pattern[str], ...]] | None
        ] = {}
        self._scans: dict[tuple[int, int], frozenset[str]] = {}
        self._allowed: dict[tuple[Any, ...], tuple[tuple[str, ...], str]] = {}
        self._templates: dict[tuple[Any, ...], list[_Template]] = {}
        self._policy_hits: dict[int, frozenset[str]] = {}
        self._profile_pools: dict[str, Mapping[str, str]] = {}
        self._passable_in: dict[str, tuple[tq.PassRoleTechnique, ...]] = {}
        self._assumables: dict[tuple[Any, ...], list[tuple[PrincipalIn, tuple[str, ...]]]] = {}
        self._trust_reads: dict[
            int, tuple[tuple[str, ...], tuple[str, ...], frozenset[str], bool]
        ] = {}
        # What runs as a role without a resource-based policy, per account and kind (ARN -> ARN).
        self.plain_runners: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.policy_runners: dict[
            tuple[str, str], dict[str, tuple[str, str, ResourceIn | None]]
        ] = defaultdict(dict)
        self.trusting: dict[str, dict[str, PrincipalIn]] = defaultdict(dict)
        self.trusting_anyone: dict[str, PrincipalIn] = {}
        # The roles whose trust policy names a principal of the sandbox by ARN.
        self.named_by: dict[str, list[PrincipalIn]] = defaultdict(list)
        self._allow_cache: dict[tuple[int, str], tuple[Statement, ...]] = {}
        # Per account, what techniques aim at, by ARN.
        self.users: dict[str, dict[str, PrincipalIn]] = defaultdict(dict)
        self.roles: dict[str, dict[str, PrincipalIn]] = defaultdict(dict)
        for p in graph_input.principals:
            if p.kind == "user":
                self.users[p.account_id][p.arn] = p
            elif p.kind == "role":
                self.roles[p.account_id][p.arn] = p
        self.account_groups: dict[str, dict[str, GroupIn]] = defaultdict(dict)
        for g in graph_input.groups:
            self.account_groups[g.account_id][g.arn] = g
        self.runners: dict[tuple[str, str], dict[str, tuple[str, str, ResourceIn | None]]] = (
            defaultdict(dict)
        )

    # nodes -------------------------------------------------------------------------------

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def edge(self, edge: Edge) -> None:
        key = (edge.source, edge.target, edge.kind, edge.technique)
        if key in self._edge_keys or (edge.source == edge.target and edge.kind != "escalate"):
            return
        self._edge_keys.add(key)
        self.edges.append(edge)

    def could(self, p: PrincipalIn, action: str, arn: str) -> bool:
        """A cheap first look before the engine: could an Allow statement of ``p``'s
        identity-based policies for ``action`` cover ``arn`` at all? Policy variables
        (``user/${aws:username}``) are filled in with ``p``'s own values."""
        patterns = self._patterns(p, action)
        if patterns is None:
            return True
        literal, regexes = patterns
        return arn in literal or any(regex.fullmatch(arn) for regex in regexes)

    def allowed_in(
        self, p: PrincipalIn, action: str, pool: Mapping[str, _T], others: bool = False
    ) -> list[_T]:
        """The members of ``pool`` (resources of ``p``'s account without a resource-based
        policy, by ARN) the engine allows ``p`` the action on. Principals of one class (see
        :meth:`_Asker.class_key`) get one answer: it is worked out for the first of them.
        With ``others``, a pool where ``p`` could cover only itself (``user/${aws:username}``)
        is not asked about: the caller wants the others."""
        if others and self._only_itself(p, action, pool):
            return []
        cls = self.ask.class_key(p, action, p.account_id, others, pool)
        key = (cls, id(pool)) if cls is not None else None
        cached = self._allowed.get(key) if key is not None else None
        if cached is None:
            picked = set(self._picked(p, action, pool))
            if others:
                picked.discard(p.arn)
            found = tuple(self.ask.allowed_among(p, action, [a for a in pool if a in picked]))
            cached = (found, p.arn)
            if key is not None:
                self._allowed[key] = cached
        found, first = cached
        if not others or first == p.arn:
            return [pool[arn] for arn in found]
        # Worked out by ``first``, who left itself out: the others of the class get the
        # answers but their own ARN, and ask about ``first``'s themselves.
        allowed = [pool[arn] for arn in found if arn != p.arn]
        if (
            first in pool
            and first in self._picked(p, action, pool)
            and self.ask.decide(p, action, first)
        ):
            allowed.append(pool[first])
        return allowed

    def _only_itself(self, p: PrincipalIn, action: str, pool: Mapping[str, Any]) -> bool:
        if p.arn not in pool:
            return False
        picked = self._picked(p, action, pool)
        return len(picked) == 1 and p.arn in picked

    def per_class(
        self,
        p: PrincipalIn,
        tag: str,
        uses: Iterable[tuple[str, Mapping[str, Any]]],
        compute: Callable[[], list[_Template]],
    ) -> list[_Template]:
        """The edges ``compute`` works out for ``p`` from its answers for each action of
        ``uses`` on the resources given with it (a pool by ARN, of its account and without a
        resource-based policy; ``compute`` asks about no other), shared by every principal of
        its class for all of those actions (see
        :meth:`_Asker.class_key`). ``compute`` may read ``p``'s answers and its hits among
        those actions only, and leaves ``p`` itself among the targets (:meth:`emit` skips it)."""
        parts: list[Any] = [tag]
        for action, pool in uses:
            cls = self.ask.class_key(p, action, p.account_id, pool=pool)
            if cls is None:
                return compute()
            # Where only p itself could be covered, allowed_in(others=True) does not ask.
            parts.append((cls, id(pool), p.arn if self._only_itself(p, action, pool) else None))
        key = tuple(parts)
        found = self._templates.get(key)
        if found is None:
            found = self._templates[key] = compute()
        return found

    def emit(self, p: PrincipalIn, templates: Iterable[_Template]) -> None:
        """Edges from ``p`` to every target of ``templates`` but itself."""
        source = p.arn
        keys = self._edge_keys
        for target, kind, label, reason, conditions, technique, actions in templates:
            key = (source, target, kind, technique)
            if target != source and key not in keys:  # as edge() does, before building one
                keys.add(key)
                self.edges.append(
                    Edge(source, target, kind, label, reason, conditions, technique, actions)
                )

    def pick(self, p: PrincipalIn, action: str, pool: Mapping[str, _T]) -> list[_T]:
        """The members of ``pool`` (by ARN) that :meth:`could` be covered: exact ARNs are
        looked up, only wildcard patterns are matched against the whole pool."""
        return [pool[arn] for arn in self._picked(p, action, pool)]

    def _picked(self, p: PrincipalIn, action: str, pool: Mapping[str, Any]) -> Collection[str]:
        patterns = self._patterns(p, action)
        if patterns is None:
            return pool.keys()
        literal, regexes = patterns
        arns = {arn for arn in literal if arn in pool}
        for regex in regexes:
            # Principals with the same policies share their patterns: one scan per pattern.
            # Pools live as long as the builder, so their id() is theirs alone.
            key = (id(regex), id(pool))
            matched = self._scans.get(key)
            if matched is None:
                matched = self._scans[key] = frozenset(a for a in pool if regex.fullmatch(a))
            arns |= matched
        return arns

    def _patterns(
        self, p: PrincipalIn, action: str
    ) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]] | None:
        key = (p.arn, action)
        if key in self._pattern_cache:
            return self._pattern_cache[key]
        try:
            base = self.ask.base(p)
        except RequestError:  # an ARN the engine cannot read: nothing can be asked as it
            self._pattern_cache[key] = (frozenset(), ())
            return self._pattern_cache[key]

        def lookup(name: str) -> str | None:
            value = base.get(name)
            return value if isinstance(value, str) else None

        literal: set[str] = set()
        regexes: list[re.Pattern[str]] = []
        everything = False
        for statements in p.identity:
            for statement in self._allowing(statements.statements, action):
                spec = statement.resource
                if spec is None or spec.negated or any(e.match_all for e in spec.entries):
                    everything = True
                    break
                for entry in spec.entries:
                    if entry.regex is not None:
                        if "*" in entry.text or "?" in entry.text:
                            expanded = self._any_account(entry.text)
                            if expanded is None:
                                regexes.append(entry.regex)
                            else:
                                literal.update(expanded)
                        else:
                            literal.add(entry.text)
                        continue
                    pieces, _missing = entry.template.resolve(lookup)
                    if pieces is None:
                        continue
                    wild = [
                        not is_literal and ("*" in text or "?" in text)
                        for text, is_literal in pieces
                    ]
                    text = "".join(t for t, _ in pieces)
                    if not any(wild):
                        literal.add(text)
                    elif (expanded := self._any_account(text)) is not None and sum(wild) == 1:
                        literal.update(expanded)  # user/${aws:username} in any account
                    else:
                        regexes.append(resource_regex(pieces))
            if everything:
                break
        result = None if everything else (frozenset(literal), tuple(regexes))
        self._pattern_cache[key] = result
        return result

    def _any_account(self, pattern: str) -> list[str] | None:
        """An ARN pattern whose only wildcard is a whole ``*`` account field, written out for
        each account of the sandbox (exact ARNs are looked up, not matched); else None."""
        parts = pattern.split(":", 5)
        if (
            len(parts) == 6
            and parts[4] == "*"
            and not any(c in part for part in (*parts[:4], parts[5]) for c in "*?")
        ):
            return [":".join((*parts[:4], account, parts[5])) for account in self.ask.accounts]
        return None

    def _allowing(self, statements: tuple[Statement, ...], action: str) -> tuple[Statement, ...]:
        """The Allow statements of one policy that cover ``action``, cached per policy text
        (renamed policies share their statements)."""
        key = (id(statements), action)
        found = self._allow_cache.get(key)
        if found is None:
            lower = action.lower()
            found = tuple(s for s in statements if s.is_allow and s.action.matches(lower))
            self._allow_cache[key] = found
        return found

    def _hits(self, policies: Iterable[Policy]) -> frozenset[str]:
        """The technique actions some Allow statement of ``policies`` covers, worked out once
        per policy text (renamed policies share their statements, which outlive the build)."""
        found: set[str] = set()
        for policy in policies:
            key = id(policy.statements)
            hits = self._policy_hits.get(key)
            if hits is None:
                hits = self._policy_hits[key] = _policy_hits(policy.statements)
            found |= hits
        return frozenset(found)

    def relation(self, source: str, target: str, kind: str, label: str) -> None:
        if source in self.nodes and target in self.nodes:
            self.relations.append(Relation(source, target, kind, label))

    def external(self, principal: str) -> Node:
        """A node for a principal a trust or resource policy names outside the sandbox."""
        if principal in self.nodes:
            return self.nodes[principal]
        if principal == "*":
            node = Node("*", "anyone", "Anyone", detail="any AWS principal")
        elif principal.isdigit():
            node = Node(
                principal,
                "account",
                f"Account {principal}",
                principal,
                external=True,
                detail="outside the sandbox",
            )
        elif principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
            node = Node(principal, "service", principal)
        else:
            account = principal.split(":")[4] if principal.count(":") >= 5 else ""
            node = Node(
                principal,
                "external",
                principal.rsplit(":", 1)[-1],
                account,
                external=True,
                detail="outside the sandbox",
            )
        self.nodes[principal] = node
        return node

    def _whatif(self) -> _Asker:
        """The asker for principals as they would be (see :meth:`_Asker.what_if`)."""
        if self._whatif_asker is None:
            self._whatif_asker = self.ask.what_if()
        return self._whatif_asker


def _replace(node: Node, **changes: Any) -> Node:
    return replace(node, **changes)


def _merged(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))


def _if(conditions: tuple[str, ...]) -> str:
    if not conditions:
        return ""
    return " Only when the request meets: " + "; ".join(conditions) + "."
