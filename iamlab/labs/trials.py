"""Trials: a world built in a sandbox that is then rolled back, and what a task's goals say
about its start and its fixed world. A scenario's loader and a quiz's build task both use it.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User

from iamlab.sandbox.models import Sandbox

from .goals import GoalResult
from .yamlsource import Problem, dotted

__all__ = ["judge_goals", "scratch_sandbox"]


def scratch_sandbox(name: str) -> Sandbox:
    """A sandbox of a throwaway owner, for a trial run inside a transaction rolled back."""
    owner = User.objects.create(username=f"iamlab-check-{secrets.token_hex(8)}")
    return Sandbox.objects.create(owner=owner, name=f"Check {name}")


def judge_goals(
    problems: list[Problem],
    start: list[GoalResult] | None,
    fixed: list[GoalResult] | None,
    *,
    file: str,
    prefix: tuple[str | int, ...],
    start_name: str,
    fixed_name: str,
    has_fixed: bool,
) -> None:
    """Add to ``problems`` what the goals checked at the start and in the fixed world say
    about the task (None: that world did not build).

    At least one goal must fail at the start, and a finding goal must (its finding absent
    there is most likely a mistyped code); every goal must hold in the fixed world. A goal may
    name something the start world lacks, when the learner is meant to create it: then the
    fixed world must have it. Without a fixed world, every name must resolve at the start."""

    def add(i: int | None, message: str, result: GoalResult | None = None) -> None:
        where = (*prefix, "goals") if i is None else (*prefix, "goals", i)
        problems.append(Problem(file, dotted(where), message, result.goal.line if result else None))

    if start is not None:
        if not has_fixed:
            for i, result in enumerate(start):
                if result.problem:
                    add(i, result.problem, result)
        for i, result in enumerate(start):
            if result.goal.kind == "finding" and result.holds and not result.problem:
                add(
                    i,
                    f"goal {result.goal.id}: {result.detail} in {start_name} already, so the "
                    "learner has nothing to remove (is the code right?)",
                    result,
                )
        if all(r.holds for r in start) and not problems:
            add(
                None,
                f"every goal already holds in {start_name}: the learner would have nothing to do",
            )
    for i, result in enumerate(fixed or ()):
        if result.problem:
            add(i, result.problem, result)
        elif not result.holds:
            add(i, f"goal {result.goal.id} does not hold in {fixed_name}: {result.detail}", result)
