"""``build``: build it in a sandbox of one's own. The learner gets a sandbox of the question's
world, changes it with the sandbox pages, and checks it: it is right when every goal holds.
Loading checks that some goal fails in the world and every goal holds in its ``fixed`` world."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from ..goals import check_goals
from ..scenario import Goal, _Reader
from ..trials import judge_goals, scratch_sandbox
from ..worldquiz import grade_build, open_build
from ..yamlsource import moved, within
from . import register
from .base import Found, Graded, Variant
from .worlds import WorldKind, shown_world

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from ..models import Quiz, QuizProgress
    from ..quiz import Question
    from ..worldquiz import Trial


class Build(WorldKind):
    name = "build"
    rank = 110
    template = "labs/kinds/build.html"
    opens_sandbox = True
    check_label = "Check my sandbox"

    def check_world(self, data: Mapping[str, Any]) -> list[Found]:
        out: list[Found] = []
        if data.get("vary"):
            out.append(("a build task has one world: vary is not for it", ("vary",)))
        if not isinstance(data.get("fixed"), dict):
            out.append(
                (
                    "fixed is required: the world once the task is done (it proves it can be)",
                    ("fixed",),
                )
            )
        return out

    def work_out(self, question: Question, trial: Trial) -> dict[str, Any] | None:
        """The goals, checked at the start (some must fail) and in the ``fixed`` world (all
        must hold)."""
        source, where, problems, budget = trial.source, trial.where, trial.problems, trial.budget
        reader = _Reader(within(source, where, question.data))
        goals = reader.goals(question.data.get("goals"))
        problems.extend(moved(reader.problems, where))
        if reader.problems:
            return None
        file = source.file
        start = check_goals(trial.sandbox, goals, world=trial.world, budget=budget, where=file)
        with transaction.atomic():
            try:
                fixed_sandbox = scratch_sandbox(question.id + "-fixed")
                fixed = trial.build(fixed_sandbox, "fixed")
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

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        goals = tuple(Goal.from_json(g) for g in facts.get("goals", ()))
        return Variant(
            prompt,
            (),
            False,
            answer=tuple(g.says for g in goals),
            explanation=explanation,
            goals=goals,
            world=shown_world(facts),
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        raise ValueError("a build task is graded on the learner's sandbox (worldquiz)")

    def submit(
        self, variant: Variant, given: list[str], progress: QuizProgress
    ) -> tuple[Graded, list[str]]:
        """The learner's sandbox, against the goals; what is kept is the feedback."""
        graded = grade_build(progress.sandbox, variant.goals)
        return graded, [graded.feedback] if graded.counted else []

    def open_sandbox(
        self, user: User, quiz: Quiz, question: Question, progress: QuizProgress
    ) -> None:
        open_build(user, quiz, question, progress)

    def copied(self, variant: Variant) -> list[list[str]] | None:
        return None  # its answer is the learner's sandbox, not something typed or chosen


register(Build())
