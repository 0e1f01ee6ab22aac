"""A policy's effective reach per service: what the IAM console's policy summary shows.

Sources: IAM User Guide, "Policy summary (list of services)"
(access_policies_understand-policy-summary), "Access levels in policy summaries"
(access_policies_understand-policy-summary-access-level-summaries), "Service summary (list of
actions)" (access_policies_understand-service-summary) and "Examples of policy summaries"
(access_policies_policy-summary-examples).

For one parsed policy, :func:`reach` lists per service the catalogued actions the policy allows,
grouped by access level (List, Read, Write, Permissions management, Tagging, as the Service
Authorization Reference classifies them). As in the console, a level is **Full** when the policy
grants every action the service has at that level and **Limited** when it grants "at least one
but not all" of them; a service whose every level is full has "Full access".

What the summary takes into account, statement by statement:

* ``Action`` and ``NotAction``, with wildcards (reference_policies_elements_action,
  reference_policies_elements_notaction): ``NotAction`` in an Allow grants every catalogued
  action of every service except the listed ones.
* A level is marked **conditional** when some of its allowed actions are granted only by
  statements with a ``Condition`` block, and **resource-scoped** when some are granted only by
  statements whose ``Resource`` is not ``*`` (or that use ``NotResource``). An action that one
  statement grants without a condition on all resources is unrestricted, whatever other
  statements add. A statement without a Resource element (a role trust policy) counts as
  applying to every resource.
* **Deny statements.** The policy summary page says the table "is grouped into one or more
  Uncategorized services, Explicit deny, and Allow sections", a service going under Explicit
  deny or Allow "depending on the effect of the policy"; the console never subtracts a Deny from
  an Allow, it lists both with their resources and request conditions (the "DenyCustomerBucket"
  example shows ``s3:*`` allowed on ``*`` next to ``s3:*`` denied on one bucket). Here the reach
  is the *effect*, so a Deny that applies without a condition to every resource (``*``) removes
  its actions: nothing is left of them. A Deny with a condition, or on specific resources (or
  with ``NotResource``), does not remove anything: the actions stay allowed when the condition
  does not hold or on the other resources. Those actions are reported as ``partly_denied`` on
  their level, the equivalent of the console's separate Explicit deny row with its Resource and
  Request condition columns.
* **Unrecognized actions.** An ``Action`` / ``NotAction`` entry that matches no catalogued action
  (a typo, or a service IAM does not know) is listed under its service's ``unrecognized``, as
  the console lists "Uncategorized services" and "Uncategorized actions"; such an entry grants
  nothing. Entries of Deny statements are checked too: a misspelt Deny protects nothing.

Performance: per-service catalog lookups and the actions a pattern matches are cached (as bit
masks over each service's actions), so summarising ``AdministratorAccess`` over the whole catalog
costs a few thousand integer operations once the catalog is loaded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import catalog
from .model import Policy, ResourceSpec, Statement

__all__ = ["LevelReach", "ServiceReach", "coverage_classes", "reach"]

_WILDCARDS = frozenset("*?")


@dataclass(frozen=True, slots=True)
class LevelReach:
    """What a policy allows at one access level of one service."""

    level: str  # one of catalog.ACCESS_LEVELS
    allowed: tuple[str, ...]  # action names (AWS spelling, without the prefix), sorted
    total: int  # how many actions the service has at this level
    conditional: bool  # some allowed actions only under a Condition
    resource_scoped: bool  # some allowed actions only on specific resources
    partly_denied: tuple[str, ...]  # allowed, but denied under a condition or on some resources

    @property
    def full(self) -> bool:
        """Every action of the level is allowed (the console's "Full")."""
        return len(self.allowed) == self.total


@dataclass(frozen=True)
class ServiceReach:
    """A policy's reach in one service: one row of the console's policy summary."""

    service: str  # the service prefix, lower case ("s3")
    name: str  # the service's display name when the catalog has it, else the prefix
    levels: dict[str, LevelReach]  # access level -> reach, in catalog.ACCESS_LEVELS order
    unrecognized: tuple[str, ...]  # Action/NotAction entries that match no catalogued action

    @property
    def recognized(self) -> bool:
        """Whether the catalog knows the service at all."""
        return catalog.service_exists(self.service)

    @property
    def full(self) -> bool:
        """Every action of the service is allowed (the console's "Full access")."""
        if not self.levels or not self.recognized:
            return False
        levels = _index(self.service).levels
        return (
            bool(levels)
            and len(self.levels) == len(levels)
            and all(lr.full for lr in self.levels.values())
        )

    @property
    def conditional(self) -> bool:
        return any(lr.conditional for lr in self.levels.values())

    @property
    def resource_scoped(self) -> bool:
        return any(lr.resource_scoped for lr in self.levels.values())

    @property
    def partly_denied(self) -> tuple[str, ...]:
        return tuple(name for lr in self.levels.values() for name in lr.partly_denied)

    @property
    def actions(self) -> tuple[str, ...]:
        """Every allowed action as ``prefix:Name``, level by level."""
        return tuple(f"{self.service}:{name}" for lr in self.levels.values() for name in lr.allowed)

    @property
    def summary(self) -> str:
        """The console's access level column: "Full access", "Full: List, Read; Limited: Write"."""
        if not self.recognized:
            return "Unrecognized service"
        if not self.levels:
            return "No access"
        if self.full:
            return "Full access"
        return levels_summary(
            [lr.level for lr in self.levels.values() if lr.full],
            [lr.level for lr in self.levels.values() if not lr.full],
        )


def levels_summary(full: list[str], limited: list[str]) -> str:
    """The console's access level column for a service not fully allowed:
    "Full: List, Read; Limited: Write"."""
    parts = []
    if full:
        parts.append("Full: " + ", ".join(full))
    if limited:
        parts.append("Limited: " + ", ".join(limited))
    return "; ".join(parts)


# --- catalog indexes (cached) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Index:
    """One service's actions, ordered by access level then name, so that each level is a
    contiguous run of bit positions in the masks below."""

    names: tuple[str, ...]  # AWS spelling
    lower: tuple[str, ...]
    position: dict[str, int]  # lower-cased name -> bit position
    levels: tuple[tuple[str, int, int], ...]  # (level, start, end) for levels with actions
    full: int  # mask with every action set


def _level_order(level: str) -> int:
    try:
        return catalog.ACCESS_LEVELS.index(level)
    except ValueError:
        return len(catalog.ACCESS_LEVELS)


@functools.cache
def _index(service: str) -> _Index:
    actions = sorted(
        catalog.service_actions(service),
        key=lambda a: (_level_order(a.access_level), a.access_level, a.name.lower()),
    )
    names = tuple(a.name for a in actions)
    lower = tuple(n.lower() for n in names)
    levels: list[tuple[str, int, int]] = []
    for i, info in enumerate(actions):
        if levels and levels[-1][0] == info.access_level:
            levels[-1] = (info.access_level, levels[-1][1], i + 1)
        else:
            levels.append((info.access_level, i, i + 1))
    return _Index(
        names=names,
        lower=lower,
        position={n: i for i, n in enumerate(lower)},
        levels=tuple(levels),
        full=(1 << len(names)) - 1,
    )


@functools.cache
def _everything() -> dict[str, int]:
    """Every catalogued service with the mask of all its actions (do not mutate)."""
    return {s: full for s in catalog.all_services() if (full := _index(s).full)}


def _display_name(service: str) -> str:
    # Only catalogued names are cached: an unknown prefix comes from the policy text.
    return _catalog_name(service) if catalog.service_exists(service) else service


@functools.cache
def _catalog_name(service: str) -> str:
    return catalog.service_name(service)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
        re.DOTALL,
    )


@functools.lru_cache(maxsize=65536)
def _name_mask(service: str, name: str) -> int:
    """Actions of one (lower-case) service matched by a lower-cased name pattern."""
    index = _index(service)
    if name == "*":
        return index.full
    if not _WILDCARDS.intersection(name):
        position = index.position.get(name)
        return 0 if position is None else 1 << position
    mask = 0
    head = name[:-1]
    if name.endswith("*") and not _WILDCARDS.intersection(head):  # "Get*": a plain prefix
        for i, candidate in enumerate(index.lower):
            if candidate.startswith(head):
                mask |= 1 << i
        return mask
    regex = _glob_regex(name)
    for i, candidate in enumerate(index.lower):
        if regex.fullmatch(candidate):
            mask |= 1 << i
    return mask


@dataclass(frozen=True, slots=True)
class _Matches:
    """What an Action / NotAction list names: a mask per service, and the dead entries."""

    everything: bool  # "*" is in the list
    masks: dict[str, int]  # service -> matched actions (services with a match only)
    unrecognized: tuple[tuple[str, str], ...]  # (service, entry as written)


@functools.lru_cache(maxsize=4096)
def _matches(patterns: tuple[str, ...]) -> _Matches:
    masks: dict[str, int] = {}
    dead: list[tuple[str, str]] = []
    everything = False
    for pattern in patterns:
        if pattern == "*":
            everything = True
            continue
        lowered = pattern.lower()
        service, sep, name = lowered.partition(":")
        if sep and not _WILDCARDS.intersection(service):
            found = _name_mask(service, name) if catalog.service_exists(service) else 0
            if found:
                masks[service] = masks.get(service, 0) | found
            else:
                dead.append((service, pattern))
            continue
        # Not "service:Name" with a literal prefix (the parser refuses these, but a Policy can be
        # built by hand): match the whole "service:name" string as the engine does.
        regex = _glob_regex(lowered)
        hit = False
        for candidate in catalog.all_services():
            index = _index(candidate)
            found = 0
            for i, action in enumerate(index.lower):
                if regex.fullmatch(f"{candidate}:{action}"):
                    found |= 1 << i
            if found:
                hit = True
                masks[candidate] = masks.get(candidate, 0) | found
        if not hit:
            dead.append((service if sep else lowered, pattern))
    return _Matches(everything, masks, tuple(dead))


def _statement_masks(statement: Statement) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """The actions a statement applies to, per service, and its unrecognized entries."""
    spec = statement.action
    found = _matches(spec.patterns)
    if not spec.negated:
        return (_everything() if found.everything else found.masks), found.unrecognized
    if found.everything:
        return {}, found.unrecognized
    masks = {}
    for service, full in _everything().items():
        left = full & ~found.masks.get(service, 0)
        if left:
            masks[service] = left
    return masks, found.unrecognized


def _scoped(resource: ResourceSpec | None) -> bool:
    """Whether a statement applies to specific resources only (Resource other than "*")."""
    if resource is None:
        return False
    return resource.negated or not any(entry.match_all for entry in resource.entries)


def _merge(into: dict[str, int], masks: dict[str, int]) -> None:
    for service, mask in masks.items():
        into[service] = into.get(service, 0) | mask


@functools.cache
def _full_levels(service: str) -> tuple[LevelReach, ...]:
    """The levels of a service whose every action is allowed without restriction."""
    index = _index(service)
    return tuple(
        LevelReach(level, index.names[start:end], end - start, False, False, ())
        for level, start, end in index.levels
    )


def _names(index: _Index, mask: int, start: int, end: int) -> tuple[str, ...]:
    part = (mask >> start) & ((1 << (end - start)) - 1)
    if part == (1 << (end - start)) - 1:
        return index.names[start:end]
    out = []
    while part:
        low = part & -part
        out.append(index.names[start + low.bit_length() - 1])
        part ^= low
    return tuple(out)


def reach(policy: Policy) -> list[ServiceReach]:
    """Per service, what ``policy`` allows; sorted by service prefix.

    Only services where something is allowed, or that have unrecognized entries, are listed.
    """
    allowed: dict[str, int] = {}  # granted by some Allow
    free: dict[str, int] = {}  # granted without a condition on every resource
    conditional: dict[str, int] = {}  # granted by a statement with a Condition
    scoped: dict[str, int] = {}  # granted by a statement on specific resources
    denied: dict[str, int] = {}  # denied without a condition on every resource
    partly: dict[str, int] = {}  # denied under a condition or on specific resources
    unrecognized: dict[str, dict[str, None]] = {}

    for statement in policy.statements:
        masks, entries = _statement_masks(statement)
        for service, entry in entries:
            unrecognized.setdefault(service, {})[entry] = None
        has_condition = bool(statement.conditions)
        on_some = _scoped(statement.resource)
        if statement.is_allow:
            _merge(allowed, masks)
            if has_condition:
                _merge(conditional, masks)
            if on_some:
                _merge(scoped, masks)
            if not (has_condition or on_some):
                _merge(free, masks)
        else:
            _merge(partly if has_condition or on_some else denied, masks)

    out: list[ServiceReach] = []
    for service in sorted(allowed.keys() | unrecognized.keys()):
        levels: dict[str, LevelReach] = {}
        granted = allowed.get(service, 0) & ~denied.get(service, 0)
        if granted:
            index = _index(service)
            restricted = granted & ~free.get(service, 0)
            some_denied = granted & partly.get(service, 0)
            if granted == index.full and not (restricted or some_denied):
                levels = {lr.level: lr for lr in _full_levels(service)}  # the common case
            else:
                only_if = restricted & conditional.get(service, 0)
                only_on = restricted & scoped.get(service, 0)
                for level, start, end in index.levels:
                    window = ((1 << (end - start)) - 1) << start
                    if granted & window:
                        levels[level] = LevelReach(
                            level=level,
                            allowed=_names(index, granted, start, end),
                            total=end - start,
                            conditional=bool(only_if & window),
                            resource_scoped=bool(only_on & window),
                            partly_denied=_names(index, some_denied, start, end),
                        )
        dead = (
            tuple(sorted(unrecognized[service], key=str.lower)) if service in unrecognized else ()
        )
        if levels or dead:
            out.append(ServiceReach(service, _display_name(service), levels, dead))
    return out


def coverage_classes(service: str, statements: Sequence[Statement]) -> list[tuple[str, ...]]:
    """A service's catalogued actions (``prefix:Name``) grouped by exactly which of
    ``statements`` name them in their Action / NotAction: the statements cannot tell two
    actions of one group apart. Partition refinement over bit masks, one pass per statement.
    """
    index = _index(service)
    classes = [index.full] if index.full else []
    for statement in statements:
        mask = _statement_masks(statement)[0].get(service, 0)
        refined: list[int] = []
        for group in classes:
            inside, outside = group & mask, group & ~mask
            refined.extend(part for part in (inside, outside) if part)
        classes = refined
    return [
        tuple(f"{service}:{name}" for name in _names(index, group, 0, len(index.names)))
        for group in classes
    ]
