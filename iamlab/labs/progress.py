"""A learner's progress, per lab, per quiz and per seed topic.

A topic is *solved* when every lab of it is solved and every question of its quizzes has been
answered right (in either mode); *in progress* once anything of it was started; *not started*
before. The labs page shows it topic by topic, in the seed text's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from . import content
from .models import Assignment, LabRun, Quiz, QuizAssignment, QuizProgress, Scenario
from .topics import TOPICS

__all__ = ["LabLine", "QuizLine", "Topic", "acted", "for_learner", "standing"]


@dataclass(frozen=True)
class LabLine:
    scenario: Scenario
    run: LabRun | None
    assigned_in: tuple[str, ...]

    @property
    def state(self) -> str:
        if self.run is None:
            return "not started"
        return "solved" if self.run.solved_at else "in progress"


@dataclass(frozen=True)
class QuizLine:
    quiz: Quiz
    questions: int
    right: int  # questions answered right, in either mode
    practice_right: int
    checkpoint_right: int
    points: int
    most: int
    attempts: int
    hints: int
    assigned_in: tuple[str, ...] = ()
    touched: bool = False  # the learner has done something in it (answered, opened a hint...)
    # ...in checkpoint mode: without it, 0 points means "not attempted", not "none earned".
    checkpoint_tried: bool = False

    @property
    def state(self) -> str:
        if self.right == self.questions:
            return "solved"
        return "in progress" if self.attempts or self.hints or self.right else "not started"


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    labs: list[LabLine] = field(default_factory=list)
    quizzes: list[QuizLine] = field(default_factory=list)

    @property
    def lines(self) -> list[LabLine | QuizLine]:
        return [*self.labs, *self.quizzes]

    @property
    def state(self) -> str:
        states = {line.state for line in self.lines}
        if states == {"solved"}:
            return "solved"
        return "not started" if states == {"not started"} else "in progress"


def for_learner(user: User) -> list[Topic]:
    """Every topic that has a lab or a quiz, with the learner's standing on each."""
    topics = {key: Topic(key, label) for key, label in TOPICS.items()}
    runs = {r.scenario_id: r for r in LabRun.objects.filter(user=user)}
    lab_classes: dict[int, list[str]] = {}
    for scenario_id, name in Assignment.objects.filter(
        classroom__memberships__student=user
    ).values_list("scenario_id", "classroom__name"):
        lab_classes.setdefault(scenario_id, []).append(name)
    for scenario in content.scenarios_for(user):
        if scenario.topic in topics:
            topics[scenario.topic].labs.append(
                LabLine(scenario, runs.get(scenario.pk), tuple(lab_classes.get(scenario.pk, ())))
            )
    quiz_classes: dict[int, list[str]] = {}
    for quiz_id, name in QuizAssignment.objects.filter(
        classroom__memberships__student=user
    ).values_list("quiz_id", "classroom__name"):
        quiz_classes.setdefault(quiz_id, []).append(name)
    mine: dict[int, list[QuizProgress]] = {}
    for p in QuizProgress.objects.filter(user=user):
        mine.setdefault(p.quiz_id, []).append(p)
    for quiz in content.quizzes_for(user):
        if quiz.topic not in topics:
            continue
        topics[quiz.topic].quizzes.append(
            standing(quiz, mine.get(quiz.pk, []), tuple(quiz_classes.get(quiz.pk, ())))
        )
    return [t for t in topics.values() if t.lines]


def standing(quiz: Quiz, rows: list[QuizProgress], assigned_in: tuple[str, ...] = ()) -> QuizLine:
    """One learner's standing on a quiz, from their progress rows on it (the labs page, and
    each cell of a class's dashboard and grades)."""
    spec = quiz.spec()
    ids = {q.id for q in spec.questions}  # a question removed since keeps no credit
    rows = [p for p in rows if p.question_id in ids]
    return QuizLine(
        quiz,
        questions=len(spec.questions),
        right=len({p.question_id for p in rows if p.solved}),
        practice_right=sum(1 for p in rows if p.mode == "practice" and p.solved),
        checkpoint_right=sum(1 for p in rows if p.mode == "checkpoint" and p.solved),
        points=sum(p.points for p in rows if p.mode == "checkpoint"),
        most=spec.most,
        attempts=sum(p.attempts for p in rows),
        hints=sum(p.hints_shown for p in rows),
        assigned_in=assigned_in,
        touched=any(acted(p) for p in rows),
        checkpoint_tried=any(acted(p) for p in rows if p.mode == "checkpoint"),
    )


def acted(p: QuizProgress) -> bool:
    """Whether a progress row records anything the learner did. Opening a quiz makes no row
    now; rows that opening made before then record nothing, and count as not started."""
    return bool(
        p.attempts or p.hints_shown or p.solved or p.answer_shown or p.last_answer or p.sandbox_id
    )
