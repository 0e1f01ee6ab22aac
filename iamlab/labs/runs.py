"""A learner's run of a scenario: start it (their own copy of its world), check its goals,
reveal hints."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from iamlab.sandbox.locks import one_at_a_time
from iamlab.sandbox.models import Sandbox
from iamlab.sandbox.signals import one_bump
from iamlab.sandbox.world import World

from . import changes
from .goals import GoalResult, check_goals
from .models import LabRun, Scenario
from .scenario import WORLD_FILE
from .world import build_world
from .yamlsource import read_yaml

__all__ = ["available_hints", "check", "reveal_hint", "start"]


@transaction.atomic
def start(user: User, scenario: Scenario) -> LabRun:
    """A fresh sandbox with the scenario's world, owned by ``user``; starting again replaces
    the run (the old sandbox stays, renamed, for the learner to look back at)."""
    one_at_a_time(user)
    name = f"Lab: {scenario.title}"[:80]
    run = LabRun.objects.filter(user=user, scenario=scenario).select_related("sandbox").first()
    if run is not None and run.sandbox is not None:
        old = run.sandbox
        old.name = _free_name(user, f"{name} (earlier try")
        old.save(update_fields=["name"])
    sandbox = Sandbox.objects.create(
        owner=user,
        name=_free_name(user, name),
        description=f"Your copy of the world of the lab {scenario.title}.",
    )
    # Loading checked the world: a problem now means the code changed under it.
    with one_bump(sandbox.pk):
        build_world(sandbox, read_yaml(scenario.files[WORLD_FILE], f"{scenario.slug}/{WORLD_FILE}"))
    run, _ = LabRun.objects.update_or_create(
        user=user,
        scenario=scenario,
        defaults={
            "sandbox": sandbox,
            "scenario_version": scenario.version,
            "solved_at": None,
            "passing": [],
            "passing_at_start": None,
        },
    )
    check(run)
    run.passing_at_start = list(run.passing)
    run.world_at_start = changes.fingerprint(World.for_sandbox(sandbox))
    run.save(update_fields=["passing_at_start", "world_at_start"])
    return run


def _free_name(user: User, base: str) -> str:
    """``base`` (closing a parenthesis it opens), or ``base 2``, ``base 3``…: sandbox names
    are unique per owner."""
    taken = set(Sandbox.objects.filter(owner=user).values_list("name", flat=True))
    close = ")" if base.endswith("(earlier try") else ""
    candidate = base + close
    n = 2
    while candidate in taken:
        candidate = f"{base} {n}{close}"
        n += 1
    return candidate


def check(run: LabRun, count: bool = False) -> list[GoalResult]:
    """The goals checked against the run's sandbox as it is now. ``count`` records it as one
    of the learner's checks; a run is solved the first time every goal holds."""
    if run.sandbox is None:
        return []
    results = check_goals(run.sandbox, run.scenario.goal_list())
    fields = ["passing"]
    run.passing = [r.goal.id for r in results if r.holds]
    solved = bool(results) and all(r.holds for r in results)
    if count:
        run.checks += 1
        fields.append("checks")
        if not solved:
            run.failed_checks += 1
            fields.append("failed_checks")
    if solved and run.solved_at is None:
        run.solved_at = timezone.now()
        fields.append("solved_at")
    run.save(update_fields=fields)
    return results


def available_hints(run: LabRun) -> int:
    """How many hints the learner may open now: each is offered once enough checks failed."""
    count = 0
    for hint in run.scenario.hint_list():
        if hint.after > run.failed_checks:
            break
        count += 1
    return count


def reveal_hint(run: LabRun) -> bool:
    """Open the next hint if it is offered yet; whether one opened."""
    if run.hints_shown >= available_hints(run):
        return False
    run.hints_shown += 1
    run.save(update_fields=["hints_shown"])
    return True
