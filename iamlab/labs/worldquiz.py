"""Questions about a world: "mark every principal that can do A on R", "can X reach Y? give
the way" and build-to-spec tasks.

Such a question carries a ``world`` written as a scenario's ``world.yaml`` is. Loading builds
it in a sandbox that is rolled back, as a scenario's trial does, and works out what grading
needs for every variant: the sandbox's own access check for each principal (``who``), the
access graph's steps and one shortest way (``path``), the goals checked in the start and the
``fixed`` worlds (``build``). That is kept with the bank (``Quiz.facts``), so taking a quiz
reads it and never rebuilds a world. A build task's learner gets their own sandbox of the
world, and their answer is that sandbox, checked against the goals.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from iamlab.graph import Node, build_graph
from iamlab.graph import render as draw
from iamlab.policy import Policy, RequestError
from iamlab.sandbox.graphing import graph_input
from iamlab.sandbox.models import Sandbox
from iamlab.sandbox.world import World

from .goals import _node, check_goals, resolve
from .models import Quiz, QuizProgress
from .quiz import (
    WORLD_KINDS,
    Graded,
    Question,
    QuizSpec,
    Report,
    _fill,
    _fill_json,
    combinations,
    refuses_own_answer,
    variant_key,
    variant_name,
)
from .scenario import Goal, _Reader
from .trials import judge_goals, scratch_sandbox
from .world import WorldInvalid, build_world
from .yamlsource import Budget, Problem, Source, dotted, moved, read_yaml, within

__all__ = ["grade_build", "open_build", "work_out"]

# The order of the choices of a path question: people first, then what they become.
_STEP_ORDER = {
    kind: i
    for i, kind in enumerate(
        ("root", "user", "group", "role", "provider", "sso_user", "service", "instance", "resource")
    )
}


def work_out(
    spec: QuizSpec, source: Source, budget: Budget | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """The facts of every question about a world in ``spec``, and the problems found; with an
    upload's ``budget``, while it lasts (else :class:`OverBudget`)."""
    facts: dict[str, Any] = {}
    problems: list[Problem] = []
    for i, question in enumerate(spec.questions):
        if question.kind not in WORLD_KINDS:
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
    for values in _combinations(question):
        refused = refuses_own_answer(question, question.variant_of(values, facts=worked))
        if refused is not None:
            message = f"{question.id}, {variant_name(values)}: {refused}"
            problems.append(Problem(source.file, dotted(where), message, source.line(where)))
    return problems


def _combinations(question: Question) -> list[dict[str, str]]:
    return combinations(question.data.get("vary", {}))


def _trial(
    question: Question,
    source: Source,
    where: tuple[str | int, ...],
    problems: list[Problem],
    budget: Budget | None = None,
) -> dict[str, Any] | None:
    def problem(path: tuple[str | int, ...], message: str) -> None:
        full = (*where, *path)
        problems.append(Problem(source.file, dotted(full), message, source.line(full)))

    def spend() -> None:
        if budget is not None:
            budget.check(f"{source.file}, line {source.line(where)}")

    with transaction.atomic():
        try:
            spend()
            sandbox = scratch_sandbox(question.id)
            world = _build(sandbox, question, source, (*where, "world"), problems, budget)
            if world is None:
                return None
            if question.kind == "who":
                worked = _who(question, world, sandbox, problem, spend)
            elif question.kind == "path":
                worked = _path(question, world, sandbox, problem, spend)
            else:
                worked = _build_task(question, world, sandbox, source, where, problems, budget)
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


def _who(
    question: Question,
    world: World,
    sandbox: Sandbox,
    problem: Report,
    spend: Callable[[], None] = lambda: None,
) -> dict[str, Any] | None:
    data = question.data
    combos = _combinations(question)
    among = []
    for values in combos:
        for i, ref in enumerate(data.get("among", [])):
            who = resolve(world, sandbox, _fill(ref, values))
            if who is None:
                problem(("among", i), f"{_fill(ref, values)} names no principal of the world")
                return None
            if who not in among:
                among.append(who)
    if not data.get("among"):
        among = sorted(
            (
                p
                for p in world.principals.values()
                if p.kind in ("user", "role") and not p.managed_by
            ),
            key=lambda p: p.label,
        )
    variants = {}
    for values in combos:
        spend()
        request = _fill_json(data["request"], values)
        allowed, reasons = [], []
        for p in among:
            try:
                check = world.check(
                    p,
                    str(request["action"]),
                    str(request.get("resource", "*")),
                    request.get("context") or {},
                )
            except RequestError as exc:
                problem(("request",), f"{exc.field}: {exc.message}")
                return None
            if check.evaluation.allowed:
                allowed.append(p.arn)
            reasons.append((p.arn, check.evaluation.reason))
        variants[variant_key(values)] = {"answer": allowed, "reasons": reasons, "request": request}
    return {"options": [(p.arn, p.label) for p in among], "variants": variants}


def _path(
    question: Question,
    world: World,
    sandbox: Sandbox,
    problem: Report,
    spend: Callable[[], None] = lambda: None,
) -> dict[str, Any] | None:
    data = question.data
    graph = build_graph(graph_input(world, sandbox))
    # Every step a way may take, as the way shown is worked out (AccessGraph.path): the edges
    # drawn and the implied ones of an admin to each principal of its account, which the graph
    # does not draw (an admin can give itself any user's keys or rewrite any trust policy).
    way_edges = [e for node in graph.nodes for e in graph.edges_from(node)]
    edges = [(e.source, e.target, e.label) for e in way_edges]
    steps = {n for e in way_edges for n in (e.source, e.target)}
    variants = {}
    for values in _combinations(question):
        spend()
        ends = []
        for key in ("from", "to"):
            ref = _fill(data[key], values)
            node = _node(world, sandbox, ref)
            if node is None:
                problem((key,), f"{ref} names nothing in the world (Account/user/name, ...)")
                return None
            ends.append(node[0])
            steps.add(node[0])
        way = graph.path(ends[0], ends[1])
        # The picture shown with the answer: the world's graph, a shortest way drawn in it.
        picture = draw.dot(draw.view(graph, highlight_path=way or (), highlight_nodes=ends))
        variants[variant_key(values)] = {
            "from": ends[0],
            "to": ends[1],
            "example": [e.target for e in way] if way else [],
            "picture": picture,
        }
    # Every node a way can pass through is a choice: a way the learner cannot give would be
    # a question without an answer.
    nodes = sorted(
        (n for n in (graph.nodes.get(s) for s in steps) if n is not None),
        key=lambda n: (_STEP_ORDER.get(n.type, len(_STEP_ORDER)), n.label),
    )
    return {"nodes": [(n.id, _step_label(n)) for n in nodes], "edges": edges, "variants": variants}


def _step_label(node: Node) -> str:
    """``IAM user tom (333344445555)``: what a step is, and in which account."""
    text = (
        node.label if node.label.startswith(node.type_label) else f"{node.type_label} {node.label}"
    )
    return f"{text} ({node.account})" if node.account and node.account not in text else text


def _build_task(
    question: Question,
    world: World,
    sandbox: Sandbox,
    source: Source,
    where: tuple[str | int, ...],
    problems: list[Problem],
    budget: Budget | None = None,
) -> dict[str, Any] | None:
    reader = _Reader(within(source, where, question.data))
    goals = reader.goals(question.data.get("goals"))
    problems.extend(moved(reader.problems, where))
    if reader.problems:
        return None
    file = source.file
    start = check_goals(sandbox, goals, world=world, budget=budget, where=file)
    with transaction.atomic():
        try:
            fixed_sandbox = scratch_sandbox(question.id + "-fixed")
            fixed = _build(fixed_sandbox, question, source, (*where, "fixed"), problems, budget)
            results = (
                None
                if fixed is None
                else check_goals(fixed_sandbox, goals, world=fixed, budget=budget, where=file)
            )
        finally:
            transaction.set_rollback(True)
    judge_goals(
        problems,
        start,
        results,
        file=source.file,
        prefix=where,
        start_name="the world",
        fixed_name="fixed",
        has_fixed=True,
    )
    return {"goals": [g.as_json() for g in goals]}


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
