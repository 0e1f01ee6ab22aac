"""Classes: an instructor's students, the labs assigned to them, and their progress."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.contrib.auth.models import User

from iamlab import csvsafe
from iamlab.people.roles import display_name

from .content import quizzes_for
from .models import Classroom, LabRun, Quiz, QuizProgress, Scenario
from .progress import QuizLine, acted, standing
from .quiz import Question, Variant

__all__ = [
    "Cell",
    "ModeLine",
    "Row",
    "grades_csv",
    "progress",
    "quiz_modes",
    "quiz_progress",
    "student_quiz",
]


@dataclass(frozen=True)
class Cell:
    """One student's progress on one lab."""

    run: LabRun | None
    goals: int

    @property
    def state(self) -> str:
        if self.run is None:
            return "not started"
        return "solved" if self.run.solved_at else "in progress"

    @property
    def passing(self) -> int:
        return len(self.run.passing) if self.run else 0


@dataclass(frozen=True)
class Row:
    student: User
    name: str
    cells: tuple[Cell, ...]

    @property
    def solved(self) -> int:
        return sum(1 for c in self.cells if c.state == "solved")


def progress(classroom: Classroom) -> tuple[list[Scenario], list[Row]]:
    """The class's assigned labs, and a row per student with a cell per lab."""
    scenarios = [a.scenario for a in classroom.assignments.select_related("scenario")]
    students = list(classroom.students.order_by("username"))
    runs = {
        (r.user_id, r.scenario_id): r
        for r in LabRun.objects.filter(user__in=students, scenario__in=scenarios)
    }
    rows = [
        Row(
            student,
            display_name(student),
            tuple(Cell(runs.get((student.pk, s.pk)), len(s.goals)) for s in scenarios),
        )
        for student in students
    ]
    return scenarios, rows


LAB_COLUMNS = ["state", "goals holding", "goals", "checks", "hints", "solved at"]
QUIZ_COLUMNS = [
    "quiz questions",
    "practice state",
    "practice right",
    "practice tries",
    "practice hints",
    "checkpoint state",
    "checkpoint right",
    "checkpoint points",
    "checkpoint most points",
    "checkpoint tries",
    "checkpoint hints",
]


@dataclass(frozen=True)
class ModeLine:
    """One student's work on one quiz in one mode (practice or checkpoint)."""

    questions: int
    right: int = 0
    tries: int = 0
    hints: int = 0
    points: int = 0
    tried: bool = False

    @property
    def state(self) -> str:
        if self.questions and self.right == self.questions:
            return "solved"
        return "in progress" if self.tried else "not started"


def quiz_modes(classroom: Classroom, quizzes: list[Quiz]) -> dict[tuple[int, int, str], ModeLine]:
    """Per (student id, quiz id, mode): questions right, tries, hints and points. A question
    removed from the bank since keeps no credit, as on the dashboard."""
    specs = {quiz.pk: {q.id for q in quiz.spec().questions} for quiz in quizzes}
    rows: dict[tuple[int, int, str], list[QuizProgress]] = {}
    for p in QuizProgress.objects.filter(user__in=classroom.students.all(), quiz__in=quizzes):
        if p.question_id in specs[p.quiz_id]:
            rows.setdefault((p.user_id, p.quiz_id, p.mode), []).append(p)
    return {
        key: ModeLine(
            questions=len(specs[key[1]]),
            right=sum(1 for p in done if p.solved),
            tries=sum(p.attempts for p in done),
            hints=sum(p.hints_shown for p in done),
            points=sum(p.points for p in done),
            tried=any(acted(p) for p in done),
        )
        for key, done in rows.items()
    }


def grades_csv(classroom: Classroom) -> str:
    """One line per student and lab (state, goals holding, checks, hints, when solved), then
    one per student and quiz assigned or tried, in the quiz columns: for practice and for the
    checkpoint each, its state, questions right, tries and hints; the checkpoint's points.
    Lab lines leave the quiz columns empty and quiz lines the lab columns."""
    scenarios, rows = progress(classroom)
    quizzes, quiz_cells = quiz_progress(classroom)
    modes = quiz_modes(classroom, quizzes)
    assigned_ids = set(classroom.quiz_assignments.values_list("quiz_id", flat=True))
    out = io.StringIO()
    writer = csvsafe.writer(out)  # every cell escaped: names and slugs are typed by people
    writer.writerow(["username", "name", "lab", *LAB_COLUMNS, *QUIZ_COLUMNS])
    no_quiz = [""] * len(QUIZ_COLUMNS)
    for row in rows:
        for scenario, cell in zip(scenarios, row.cells, strict=True):
            run = cell.run
            solved = run.solved_at.isoformat(timespec="seconds") if run and run.solved_at else ""
            writer.writerow(
                [
                    row.student.username,
                    row.name,
                    scenario.slug,
                    cell.state,
                    cell.passing,
                    cell.goals,
                    run.checks if run else 0,
                    run.hints_shown if run else 0,
                    solved,
                    *no_quiz,
                ]
            )
    no_lab = [""] * len(LAB_COLUMNS)
    for row in rows:
        for quiz, qcell in zip(quizzes, quiz_cells[row.student.pk], strict=True):
            if not (qcell.touched or quiz.pk in assigned_ids):
                continue
            empty = ModeLine(qcell.questions)
            practice = modes.get((row.student.pk, quiz.pk, "practice"), empty)
            checkpoint = modes.get((row.student.pk, quiz.pk, "checkpoint"), empty)
            writer.writerow(
                [
                    row.student.username,
                    row.name,
                    f"quiz:{quiz.slug}",
                    *no_lab,
                    qcell.questions,
                    practice.state,
                    practice.right,
                    practice.tries,
                    practice.hints,
                    checkpoint.state,
                    checkpoint.right,
                    checkpoint.points if checkpoint.tried else "",
                    qcell.most,
                    checkpoint.tries,
                    checkpoint.hints,
                ]
            )
    return out.getvalue()


def quiz_progress(classroom: Classroom) -> tuple[list[Quiz], dict[int, list[QuizLine]]]:
    """The quizzes assigned to the class, then any other a student of it has tried, and per
    student (by id) a cell per quiz."""
    students = list(classroom.students.all())
    assigned = [a.quiz for a in classroom.quiz_assignments.select_related("quiz")]
    rows: dict[tuple[int, int], list[QuizProgress]] = {}
    for p in QuizProgress.objects.filter(user__in=students):
        rows.setdefault((p.user_id, p.quiz_id), []).append(p)
    tried = {quiz_id for _, quiz_id in rows}
    quizzes = assigned + list(
        quizzes_for(classroom.instructor)
        .filter(pk__in=tried)
        .exclude(pk__in=[q.pk for q in assigned])
    )
    return quizzes, {
        student.pk: [standing(quiz, rows.get((student.pk, quiz.pk), [])) for quiz in quizzes]
        for student in students
    }


@dataclass(frozen=True)
class Attempted:
    """A question as one student saw it in one mode: the exact variant, and what they did."""

    mode: str
    variant: Variant
    progress: QuizProgress
    answer_labels: list[str]
    given_labels: list[str]


def student_quiz(student: User, quiz: Quiz) -> list[tuple[Question, list[Attempted]]]:
    """Each question of ``quiz`` with the variant ``student`` saw in each mode they used."""
    progress = {
        (p.question_id, p.mode): p for p in QuizProgress.objects.filter(user=student, quiz=quiz)
    }
    out = []
    for question in quiz.spec().questions:
        seen = []
        for mode in ("practice", "checkpoint"):
            p = progress.get((question.id, mode))
            if p is None:
                continue
            variant = question.variant(p.seed, quiz.facts.get(question.id))
            given = [str(v) for v in p.last_answer]
            answer = variant.labels(variant.answer)
            seen.append(Attempted(mode, variant, p, answer, variant.labels(given) if given else []))
        out.append((question, seen))
    return out
