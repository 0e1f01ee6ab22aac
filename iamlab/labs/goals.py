"""A scenario's goals checked against a sandbox, by the policy engine and the access graph.

A request goal holds when the engine's decision for the request is the one expected (``denied``
accepts an explicit or an implicit deny); a path goal holds when the access graph has (or has
not) a way from one identity to another. Each result carries the engine's own words, which the
learner's page shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from iamlab.graph import AccessGraph, build_graph
from iamlab.policy import RequestError
from iamlab.sandbox import models
from iamlab.sandbox.graphing import access_graph, graph_input
from iamlab.sandbox.world import PrincipalInfo, World

from .scenario import Goal

__all__ = ["GoalResult", "check_goals", "resolve"]

_DECISIONS = {
    "allowed": "Allowed",
    "explicitDeny": "Denied explicitly",
    "implicitDeny": "Denied implicitly (nothing allows it)",
}


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    holds: bool
    detail: str  # what the engine or the graph found, in words
    problem: str = ""  # a reference that names nothing in the sandbox


def resolve(world: World, sandbox: models.Sandbox, ref: str) -> PrincipalInfo | None:
    """The principal a goal names: ``Account/user/name``, ``Account/role/name``,
    ``Account/root`` (by account name) or an ARN."""
    if ref.startswith("arn:"):
        return next((p for p in world.principals.values() if p.arn == ref), None)
    parts = ref.split("/")
    account = models.Account.objects.filter(sandbox=sandbox, name=parts[0]).first()
    if account is None:
        return None
    if parts[1:] == ["root"]:
        kind, name = "root", ""
    elif len(parts) == 3 and parts[1] in ("user", "role"):
        kind, name = parts[1], parts[2]
    else:
        return None
    for p in world.principals.values():
        if (
            p.account_id == account.account_id
            and p.kind == kind
            and (kind == "root" or p.name == name)
        ):
            return p
    return None


def check_goals(
    sandbox: models.Sandbox, goals: Iterable[Goal], *, cached: bool = True
) -> list[GoalResult]:
    """Each goal checked against the sandbox as it is now. ``cached=False`` reads the sandbox
    afresh and keeps nothing (for a world built only to be checked, then rolled back)."""
    world = World.for_sandbox(sandbox) if cached else World.load(sandbox.pk)
    graph: AccessGraph | None = None
    results = []
    for goal in goals:
        who = resolve(world, sandbox, goal.principal)
        if who is None:
            results.append(_unknown(goal, goal.principal))
            continue
        if goal.kind == "request":
            try:
                check = world.check(who, goal.action, goal.resource, goal.context)
            except RequestError as exc:
                results.append(GoalResult(goal, False, "", f"{exc.field}: {exc.message}"))
                continue
            decision = check.evaluation.decision
            holds = decision != "allowed" if goal.expect == "denied" else decision == goal.expect
            detail = f"{_DECISIONS.get(decision, decision)}: {check.evaluation.reason}"
            results.append(GoalResult(goal, holds, detail))
            continue
        target = resolve(world, sandbox, goal.target) or _group(sandbox, goal.target)
        if target is None:
            results.append(_unknown(goal, goal.target))
            continue
        if graph is None:
            graph = access_graph(sandbox) if cached else build_graph(graph_input(world, sandbox))
        way = graph.path(who.arn, target.arn)
        if way is None:
            detail = f"No way leads from {who.label} to {target.label}."
        else:
            detail = "A way exists: " + " → ".join(
                [graph.nodes[way[0].source].label] + [graph.nodes[e.target].label for e in way]
            )
        holds = (way is not None) == (goal.expect == "exists")
        results.append(GoalResult(goal, holds, detail))
    return results


@dataclass(frozen=True)
class _Node:
    arn: str
    label: str


def _group(sandbox: models.Sandbox, ref: str) -> _Node | None:
    """A group a path may end at (joining a group is a step of escalation):
    ``Account/group/name`` or its ARN."""
    parts = ref.split("/")
    groups = models.IamGroup.objects.filter(sandbox=sandbox).select_related("account")
    if ref.startswith("arn:"):
        found = next((g for g in groups if g.arn == ref), None)
    elif len(parts) == 3 and parts[1] == "group":
        found = groups.filter(account__name=parts[0], name=parts[2]).first()
    else:
        found = None
    return (
        None
        if found is None
        else _Node(found.arn, f"Group {found.name} ({found.account.account_id})")
    )


def _unknown(goal: Goal, ref: str) -> GoalResult:
    return GoalResult(
        goal,
        False,
        "",
        f"{ref} names no identity of the world (write Account/user/name, Account/role/name, "
        "Account/root, Account/group/name for where a path ends, or an ARN)",
    )
