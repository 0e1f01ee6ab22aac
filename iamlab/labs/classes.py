"""Classes: an instructor's students, the labs assigned to them, and their progress."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.contrib.auth.models import User

from iamlab.people.roles import display_name

from .models import Classroom, LabRun, Scenario

__all__ = ["Cell", "Row", "grades_csv", "progress"]


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


def grades_csv(classroom: Classroom) -> str:
    """One line per student and lab: state, goals holding, checks, hints, when solved."""
    scenarios, rows = progress(classroom)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "username",
            "name",
            "lab",
            "state",
            "goals holding",
            "goals",
            "checks",
            "hints",
            "solved at",
        ]
    )
    for row in rows:
        for scenario, cell in zip(scenarios, row.cells, strict=True):
            run = cell.run
            writer.writerow(
                [
                    row.student.username,
                    _safe(row.name),
                    scenario.slug,
                    cell.state,
                    cell.passing,
                    cell.goals,
                    run.checks if run else 0,
                    run.hints_shown if run else 0,
                    run.solved_at.isoformat(timespec="seconds") if run and run.solved_at else "",
                ]
            )
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
