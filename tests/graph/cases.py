"""Shared shape of the technique tables: an actor, a scenario around it, the edge expected.

The actor is ``alice`` (an IAM user tagged ``team=dev``) or, for role cases, the role
``Alice``; a scenario puts it in a sandbox and names the edge's target. For every technique,
:func:`standard` derives from the positive case the negatives every technique must meet: a
condition the request cannot meet (the actor's own tag), an explicit Deny, a permissions
boundary that does not allow the actions, and an SCP denying them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from iamlab.graph import AccessGraph, Edge, PrincipalIn

from .kit import A, Doc, Group, Managed, World, allow, deny, edges, role, trust_aws, user, with_scp

SELF = "self"  # a scenario's target when the edge goes from the actor to itself
TEAM = {"team": "dev"}
TEAM_OPS = {"StringEquals": {"aws:PrincipalTag/team": "ops"}}  # the actor is team=dev
S3_ONLY = allow(["s3:*", "cloudwatch:*"])


class Actor(Protocol):
    def __call__(
        self, *, groups: Sequence[Group] = (), managed: Sequence[Managed] = ()
    ) -> PrincipalIn: ...


Scenario = Callable[[Actor], tuple[World, str]]


@dataclass(frozen=True)
class TechniqueCase:
    id: str
    source: str  # the AWS documentation page
    technique: str
    policies: tuple[Doc, ...]
    scenario: Scenario
    expected: bool
    kind: str = "escalate"
    boundary: Doc | None = None
    scps: tuple[Doc, ...] = ()
    as_role: bool = False
    actions: tuple[str, ...] = ()  # when given, exactly the edge's actions

    def __str__(self) -> str:
        return self.id


def run(case: TechniqueCase) -> tuple[AccessGraph, list[Edge]]:
    """Build the case's sandbox; return the graph and the matching edges from the actor."""

    def actor(*, groups: Sequence[Group] = (), managed: Sequence[Managed] = ()) -> PrincipalIn:
        if case.as_role:
            return role(
                "Alice",
                trust_aws(A),
                *case.policies,
                boundary=case.boundary,
                managed=managed,
                tags=TEAM,
            )
        return user(
            "alice",
            *case.policies,
            boundary=case.boundary,
            groups=groups,
            managed=managed,
            tags=TEAM,
        )

    world, target = case.scenario(actor)
    if case.scps:
        world.accounts = [with_scp(*case.scps)]
    g = world.build()
    me = world.principals[0].arn
    found = edges(g, me, me if target == SELF else target, case.kind, case.technique)
    return g, found


def check(case: TechniqueCase) -> None:
    assert case.source, "every case names the AWS page it comes from"
    _, found = run(case)
    if not case.expected:
        assert not found, f"{case.id}: AWS refuses it, but the graph has {found}"
        return
    assert len(found) == 1, f"{case.id}: expected one {case.technique} edge, got {found}"
    edge = found[0]
    assert edge.reason
    assert edge.technique == case.technique
    if case.actions:
        assert edge.actions == case.actions


def standard(
    technique: str,
    source: str,
    actions: Sequence[str],
    scenario: Scenario,
    *,
    kind: str = "escalate",
    prefix: str = "",
    as_role: bool = False,
    extra: Sequence[Doc] = (),
) -> list[TechniqueCase]:
    """The positive case and its four standard negatives. ``extra`` policies stay in place
    in every case (a permission the technique needs besides ``actions``)."""
    name = prefix or technique
    acts = list(actions)
    base = TechniqueCase(
        f"{name}-allowed",
        source,
        technique,
        (allow(acts), *extra),
        scenario,
        True,
        kind=kind,
        as_role=as_role,
    )
    return [
        base,
        replace(
            base,
            id=f"{name}-condition-on-own-tag-blocks",
            source="reference_policies_elements_condition",
            policies=(allow(acts, condition=TEAM_OPS), *extra),
            expected=False,
        ),
        replace(
            base,
            id=f"{name}-explicit-deny",
            source="reference_policies_evaluation-logic",
            policies=(allow(acts), *extra, deny(acts)),
            expected=False,
        ),
        replace(
            base,
            id=f"{name}-boundary-does-not-allow",
            source="access_policies_boundaries",
            boundary=S3_ONLY,
            expected=False,
        ),
        replace(
            base,
            id=f"{name}-scp-denies",
            source="reference_policies_evaluation-logic",
            scps=(deny(acts),),
            expected=False,
        ),
    ]
