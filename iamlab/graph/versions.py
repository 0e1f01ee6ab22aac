"""Routes behind an older policy version: what a principal could do to others once it makes
another version of a policy attached to it the default (API_SetDefaultPolicyVersion,
access_policies_managed-versioning), drawn as one edge per target that names the version
step first."""

from __future__ import annotations

from collections import defaultdict

from iamlab.policy import Policy

from .core import _merged
from .escalation import _Escalation
from .inputs import ManagedPolicyIn, PrincipalIn
from .model import Edge
from .trust import _Trust


class _VersionRoutes(_Trust, _Escalation):
    """The routes behind an older policy version. Built on both the trust and the
    escalation families because a what-if principal gets the edges of both, worked out by
    the same code as everyone's (:meth:`edges_as`), so a route is never drawn that the
    direct way would refuse."""

    # The builder that works out what-if principals' edges (see _what_if_builder).
    _whatif_builder: _VersionRoutes | None = None

    def version_routes(self) -> None:
        """The escalations a principal reaches once it makes an older version of a policy
        attached to it (or to its group) the default: iam:SetDefaultPolicyVersion "can roll
        back to a previous version" (access_policies_managed-versioning), and nothing else is
        needed (API_SetDefaultPolicyVersion). A version that makes it an admin is the
        self-edge :meth:`_older_version` draws; one that does not may still let it assume a
        role, pass a role to a service, take over what runs as a role or make another user's
        credentials. Each such edge is worked out for the principal as it would be (the
        version in the default's place, its boundary, its other policies and its account's
        SCPs all still applying) and drawn with the version step first."""
        profile_roles = {prof.role for prof in self.input.profiles if prof.role}
        for p in self.input.principals:
            if p.arn in self.admins or p.kind == "root" or p.service_linked:
                continue  # an admin reaches everything anyway; AWS alone runs service roles
            hits = self.hits.get(p.arn, frozenset())
            if "iam:SetDefaultPolicyVersion" not in hits:
                continue
            routes: list[Edge] = []
            for m, conditions in self._rollbacks(p):
                for version in m.other_versions:
                    routes.extend(self._version_route(p, m, version, conditions, profile_roles))
            if not routes:
                continue
            have: dict[str, list[tuple[str, ...]]] = defaultdict(list)
            for e in self.edges:
                if e.source == p.arn:
                    have[e.target].append(e.conditions)
            # The fewest conditions first: one edge per target, the easiest way.
            for route in sorted(routes, key=lambda e: len(e.conditions)):
                met = set(route.conditions)
                if any(met.issuperset(c) for c in have.get(route.target, ())):
                    continue  # it gets there already, on no more conditions
                self.edge(route)

    def _rollbacks(self, p: PrincipalIn) -> list[tuple[ManagedPolicyIn, tuple[str, ...]]]:
        """The customer managed policies attached to ``p`` or to one of its groups whose
        other versions iamlab knows and that ``p`` may make another version of the default,
        with the conditions that takes. AWS managed policies are versioned by AWS alone."""
        attached = list(p.managed_policies)
        for group in p.groups:
            g = self.groups.get(group)
            if g is not None:
                attached.extend(g.managed_policies)
        found = []
        for arn in dict.fromkeys(attached):
            m = self.managed.get(arn)
            if m is None or not m.other_versions:
                continue
            allowed, conditions = self.ask.conditional(p, "iam:SetDefaultPolicyVersion", arn)
            if allowed:
                found.append((m, conditions))
        return found

    def _version_route(
        self,
        p: PrincipalIn,
        m: ManagedPolicyIn,
        version: Policy,
        conditions: tuple[str, ...],
        profile_roles: set[str],
    ) -> list[Edge]:
        """The edges ``p`` gets once ``version`` of ``m`` is the default, each led by that
        step. None for a version that would make it an admin: the self-edge of
        :meth:`_older_version` says so, and an admin's edges to every principal of its
        account are implied, not drawn."""
        if self._would_be_admin(self._with_version(p, m, version)):
            return []
        variant = self._with_version(p, m, version, keep_boundary=True)
        named = f"{m.name} {version.name}" if version.name else f"an older version of {m.name}"
        first = (
            f"First it may make {named} the default (iam:SetDefaultPolicyVersion)"
            + (f", when the request meets: {'; '.join(conditions)}" if conditions else "")
            + ". With that version in place: "
        )
        return [
            Edge(
                p.arn,
                e.target,
                "escalate",
                f"sets {named} as default, then {e.label}",
                first + e.reason,
                _merged(conditions, e.conditions),
                "set-default-policy-version",
                ("iam:SetDefaultPolicyVersion", *e.actions),
            )
            for e in self._what_if_builder().edges_as(variant, profile_roles)
            if e.target != p.arn
        ]

    def _what_if_builder(self) -> _VersionRoutes:
        """A builder for principals as they would be: it shares what the build knows of the
        sandbox (pools, service roles, trusts), asks the what-if asker (which shares no
        answers, see :meth:`_Asker.what_if`), and keeps its own edges and the caches keyed by
        ARN, as a variant has the ARN of the principal it stands for."""
        if self._whatif_builder is None:
            other = object.__new__(type(self))
            other.__dict__.update(self.__dict__)
            other.ask = self._whatif()
            other.admins = set()
            other.hits = {}
            self._whatif_builder = other
        return self._whatif_builder

    def edges_as(self, p: PrincipalIn, profile_roles: set[str]) -> list[Edge]:
        """Every edge but a self-edge ``p`` (a what-if principal) would get: the roles it may
        assume, and its techniques on others. Called on :meth:`_what_if_builder` only."""
        self.edges = []
        self._edge_keys = set()
        self._pattern_cache = {}
        self._allowed = {}
        self._templates = {}
        self._assumables = {}
        hits = self.hits[p.arn] = self._hits(p.identity)
        if "sts:AssumeRole" in hits:
            self._account_trusts(p)
        for role in self.named_by.get(p.arn, ()):
            self._assume(role, p)
        if hits:
            self._credentials(p, hits)
            self._pass_role(p, hits, profile_roles)
            self._takeovers(p, hits)
        return self.edges
