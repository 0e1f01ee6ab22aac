"""What one principal (or session) may do: its allowed actions by service and access level,
with the resources they apply to, every action decided by the engine.

The candidates are the actions its identity-based policies' Allow statements name (expanded
over the catalog as the console's policy summary does, :func:`iamlab.policy.reach`); each is
then asked of the engine with every layer that applies (denies, boundary, SCPs, session
policies), on ``*`` when a statement grants it on every resource, else on each resource the
statements name. What the engine refuses is left out, so a Deny, a boundary or an SCP shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from iamlab.policy import Policy, catalog, reach
from iamlab.policy.reach import coverage_classes, levels_summary

__all__ = ["LevelActions", "ServiceActions", "allowed_actions"]

Decide = Callable[[str, str], bool]


@dataclass
class LevelActions:
    level: str
    allowed: list[str]
    total: int

    @property
    def full(self) -> bool:
        return len(self.allowed) == self.total


@dataclass
class ServiceActions:
    service: str
    name: str
    levels: list[LevelActions] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    refused: int = 0  # named by an Allow, refused by the engine (a deny, boundary, SCP...)

    @property
    def count(self) -> int:
        return sum(len(level.allowed) for level in self.levels)

    @property
    def summary(self) -> str:
        if (
            self.levels
            and all(level.full for level in self.levels)
            and len(self.levels) == len(_levels(self.service))
        ):
            return "Full access"
        return levels_summary(
            [lv.level for lv in self.levels if lv.full],
            [lv.level for lv in self.levels if not lv.full],
        )


def _levels(service: str) -> set[str]:
    return {a.access_level for a in catalog.service_actions(service)}


def _resources_for(policies: Iterable[Policy], action: str) -> list[str]:
    """The Resource entries of the Allow statements that name ``action`` ("*" first)."""
    lower = action.lower()
    found: dict[str, None] = {}
    for policy in policies:
        for statement in policy.statements:
            if not statement.is_allow or not statement.action.matches(lower):
                continue
            spec = statement.resource
            if spec is None or spec.negated or any(e.match_all for e in spec.entries):
                return ["*"]
            for entry in spec.entries:
                found[entry.text] = None
    return list(found)


def allowed_actions(
    policies: tuple[Policy, ...],
    decide: Decide,
    *,
    layers: Sequence[Policy] = (),
    substitute: dict[str, str] | None = None,
) -> list[ServiceActions]:
    """Per service, the actions the engine allows; ``decide(action, resource)`` asks it.

    ``policies`` are the identity-based policies (they name the candidates); ``layers`` every
    other policy the engine will read (boundary, SCPs, RCPs, session policies). Actions that
    every one of those statements treats alike (:func:`coverage_classes`) get the same answer,
    so the engine is asked once per group: AdministratorAccess means a few hundred questions,
    not seventeen thousand. ``substitute`` fills policy variables in resource entries
    (``${aws:username}``) so the question names the resource the principal would ask about.
    """
    statements = [s for p in (*policies, *layers) for s in p.statements]
    services: dict[str, ServiceActions] = {}
    candidates: dict[str, set[str]] = {}
    totals: dict[tuple[str, str], int] = {}
    for policy in policies:
        for service_reach in reach(policy):
            if service_reach.service not in services:
                services[service_reach.service] = ServiceActions(
                    service_reach.service, service_reach.name
                )
            names = candidates.setdefault(service_reach.service, set())
            names.update(service_reach.actions)
            for level in service_reach.levels.values():
                totals[(service_reach.service, level.level)] = level.total
    out: list[ServiceActions] = []
    for service, row in sorted(services.items()):
        wanted = candidates.get(service, set())
        granted: set[str] = set()
        resources: dict[str, None] = {}
        for group in coverage_classes(service, statements):
            members = [a for a in group if a in wanted]
            # RCPs skip actions that authorize no resource type: that splits a group.
            for part in _split_by_resource_types(members):
                ok = False
                for resource in _resources_for(policies, part[0]):
                    asked = resource
                    for variable, value in (substitute or {}).items():
                        asked = asked.replace(variable, value)
                    if "${" not in asked and decide(part[0], asked):
                        ok = True
                        resources[resource] = None
                if ok:
                    granted.update(part)
                else:
                    row.refused += len(part)
        by_level: dict[str, list[str]] = {}
        for action in granted:
            info = catalog.action_info(action)
            level_name = info.access_level if info is not None else "Unknown"
            by_level.setdefault(level_name, []).append(action.split(":", 1)[1])
        row.levels = [
            LevelActions(level, sorted(names), totals.get((service, level), len(names)))
            for level, names in sorted(by_level.items(), key=lambda kv: _order(kv[0]))
        ]
        row.resources = list(resources)
        if row.levels:
            out.append(row)
    return out


def _order(level: str) -> int:
    try:
        return catalog.ACCESS_LEVELS.index(level)
    except ValueError:
        return len(catalog.ACCESS_LEVELS)


def _split_by_resource_types(actions: list[str]) -> list[list[str]]:
    """Where the engine looks past the statements at the action itself, each its own group:
    RCPs skip actions that authorize no resource type and kms:RetireGrant, and STS actions
    have rules of their own (GetCallerIdentity needs no permission; root users and sessions
    may not call some)."""
    parts: dict[tuple[bool, str], list[str]] = {}
    for action in actions:
        info = catalog.action_info(action)
        alone = action if action.startswith("sts:") or action == "kms:RetireGrant" else ""
        key = (info is not None and bool(info.resource_types), alone)
        parts.setdefault(key, []).append(action)
    return list(parts.values())
