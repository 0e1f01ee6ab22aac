"""Questions about a world: "mark every principal that can do A on R", "can X reach Y? give
the way" and build-to-spec tasks (the kinds whose ``Kind.world`` is set).

Such a question carries a ``world`` written as a scenario's ``world.yaml`` is. Loading builds
it in a sandbox that is rolled back, as a scenario's trial does, and its kind works out what
grading needs for every variant (``Kind.work_out``): the sandbox's own access check for each
principal (``who``), the access graph's steps and one shortest way (``path``), the goals
checked in the start and the ``fixed`` worlds (``build``). That is kept with the bank
(``Quiz.facts``), so taking a quiz reads it and never rebuilds a world. A build task's learner
gets their own sandbox of the world, and their answer is that sandbox, checked against the
goals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from iamlab.policy import Policy
from iamlab.sandbox.models import Sandbox
from iamlab.sandbox.world import World

from .goals import check_goals
from .kinds.worlds import WorldKind
from .models import Quiz, QuizProgress
from .quiz import Graded, Question, QuizSpec, combinations, refuses_own_answer, variant_name
from .scenario import Goal
from .trials import scratch_sandbox
from .world import WorldInvalid, build_world
from .yamlsource import Budget, Problem, Source, dotted, moved, read_yaml, within

__all__ = ["Trial", "grade_build", "open_build", "work_out"]


def work_out(
    spec: QuizSpec, source: Source, budget: Budget | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """The facts of every question about a world in ``spec``, and the problems found; with an
    upload's ``budget``, while it lasts (else :class:`OverBudget`)."""
    facts: dict[str, Any] = {}
    problems: list[Problem] = []
    for i, question in enumerate(spec.questions):
        if not question.handler.world:
            continue
        where: tuple[str | int, ...] = ("questions", i)
        found: list[Problem] = []
        worked = _trial(question, source, where, found, budget)
        if worked is not None and not found:
            found = _own_answers(question, worked, source, where)
        problems.extend(found)
        if worked is not None and not found:
            facts[question.id] = worked
    return facts, problems


def _own_answers(
    question: Question, worked: dict[str, Any], source: Source, where: tuple[str | int, ...]
) -> list[Problem]:
    """A problem for each variant whose shown answer its own grading refuses."""
    problems = []
    for values in combinations(question.data.get("vary", {})):
        refused = refuses_own_answer(question, question.variant_of(values, facts=worked))
        if refused is not None:
            message = f"{question.id}, {variant_name(values)}: {refused}"
            problems.append(Problem(source.file, dotted(where), message, source.line(where)))
    return problems


@dataclass
class Trial:
    """A question's world, built in a trial sandbox for its kind to work out its facts; the
    problems found are reported at their place under the question (``where``)."""

    question: Question
    world: World
    sandbox: Sandbox
    source: Source
    where: tuple[str | int, ...]
    problems: list[Problem]
    budget: Budget | None = None

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        full = (*self.where, *path)
        self.problems.append(
            Problem(self.source.file, dotted(full), message, self.source.line(full))
        )

    def spend(self) -> None:
        """Count a step against an upload's budget (:class:`OverBudget` once it is spent)."""
        if self.budget is not None:
            self.budget.check(f"{self.source.file}, line {self.source.line(self.where)}")

    def build(self, sandbox: Sandbox, key: str) -> World | None:
        """Build the question's world written under ``key`` (``world``, ``fixed``) in
        ``sandbox``; None, with its problems reported, when it does not build."""
        return _build(
            sandbox, self.question, self.source, (*self.where, key), self.problems, self.budget
        )


def _trial(
    question: Question,
    source: Source,
    where: tuple[str | int, ...],
    problems: list[Problem],
    budget: Budget | None = None,
) -> dict[str, Any] | None:
    with transaction.atomic():
        try:
            if budget is not None:
                budget.check(f"{source.file}, line {source.line(where)}")
            sandbox = scratch_sandbox(question.id)
            world = _build(sandbox, question, source, (*where, "world"), problems, budget)
            if world is None:
                return None
            kind = question.handler
            assert isinstance(kind, WorldKind)
            worked = kind.work_out(
                question, Trial(question, world, sandbox, source, where, problems, budget)
            )
            if worked is not None:
                worked["world"] = summary(world)
            return worked
        finally:
            transaction.set_rollback(True)  # only a trial: nothing of it stays


def _build(
    sandbox: Sandbox,
    question: Question,
    source: Source,
    prefix: tuple[str | int, ...],
    problems: list[Problem],
    budget: Budget | None = None,
) -> World | None:
    data = question.data[str(prefix[-1])]  # the question's world, or its fixed world
    try:
        build_world(sandbox, within(source, prefix, data), budget)
    except WorldInvalid as exc:
        problems.extend(moved(exc.problems, prefix))
        return None
    return World.load(sandbox.pk)


def summary(world: World) -> list[tuple[str, list[tuple[str, str]]]]:
    """The world as a question shows it: each identity and resource with its policies (an AWS
    managed policy by its name only: its page is one click away, and some are very long)."""

    def shown(policy: Policy | None, label: str) -> list[tuple[str, str]]:
        if policy is None:
            return []
        source = world.sources.get(policy)
        if source is not None and source.aws_name:
            return [(f"{label}: {source.label}", "")]
        text = policy.text or json.dumps(policy.document, indent=2)
        return [(f"{label}: {policy.name}" if policy.name else label, text)]

    out: list[tuple[str, list[tuple[str, str]]]] = []
    scps: dict[Policy, list[str]] = {}  # an SCP once, with the accounts it applies to
    for account_id, name in sorted(world.accounts.items()):
        for level in world.scps_for(account_id):
            for scp in level:
                source = world.sources.get(scp)
                if source is None or not source.aws_name:  # FullAWSAccess is everywhere
                    scps.setdefault(scp, []).append(f"{name} ({account_id})")
    for scp, accounts in scps.items():
        out.append((f"SCP on {', '.join(accounts)}", shown(scp, "SCP")))
    principals = sorted(
        (p for p in world.principals.values() if not p.managed_by), key=lambda p: p.label
    )
    for p in principals:
        docs = [d for policy in p.identity for d in shown(policy, "Policy")]
        docs += shown(p.boundary, "Permissions boundary")
        docs += shown(p.trust, "Trust policy")
        if p.kind == "root" and not docs:
            continue
        out.append((p.label, docs))
    for r in sorted(world.resources.values(), key=lambda r: r.label):
        if r.policy is not None and r.kind != "role":
            out.append((r.label, shown(r.policy, "Resource-based policy")))
    return out


# -- a learner's build task ----------------------------------------------------------------------


@transaction.atomic
def open_build(user: User, quiz: Quiz, question: Question, progress: QuizProgress) -> Sandbox:
    """The learner's sandbox for a build task: made once from the question's world (asking
    again gives the same one while it exists)."""
    if progress.sandbox_id is not None and Sandbox.objects.filter(pk=progress.sandbox_id).exists():
        assert progress.sandbox is not None
        return progress.sandbox
    from .runs import _free_name

    sandbox = Sandbox.objects.create(
        owner=user,
        name=_free_name(user, f"Quiz: {quiz.title} · {question.id}"[:80]),
        description=f"Your sandbox for the task {question.id} of the quiz {quiz.title}.",
    )
    source = read_yaml(quiz.text, f"{quiz.slug}.quiz.yaml")
    index = next(i for i, q in enumerate(quiz.spec().questions) if q.id == question.id)
    prefix = ("questions", index, "world")
    # Loading built this world already: a problem now means the code changed under it.
    build_world(sandbox, within(source, prefix, question.data["world"]))
    progress.sandbox = sandbox
    progress.save(update_fields=["sandbox", "updated_at"])
    return sandbox


def grade_build(sandbox: Sandbox | None, goals: tuple[Goal, ...]) -> Graded:
    if sandbox is None:
        return Graded(
            False, "Open your sandbox for this task first: that try was not counted.", counted=False
        )
    results = check_goals(sandbox, goals)
    missing = [f"{r.goal.says} Now: {r.detail}" for r in results if not r.holds]
    if not missing:
        return Graded(True, "Right: every goal holds in your sandbox.")
    return Graded(
        False, f"Not yet: {len(missing)} of {len(results)} goals do not hold.", tuple(missing)
    )
