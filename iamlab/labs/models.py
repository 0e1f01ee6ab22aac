"""Scenarios as loaded from their folders. The folder's files are kept as written, so a
scenario exports back exactly; the parsed fields are what the pages read."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from .topics import TOPICS

if TYPE_CHECKING:
    from .quiz import QuizSpec
    from .scenario import Goal, Hint


class Owned(models.Model):
    """Content with an owner: None for shipped content (fixtures/, loaded by manage.py
    load_scenarios), read-only on the web; else the instructor whose upload or copy made it,
    seen only by them, their classes' students and staff (see iamlab.labs.content)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="%(class)s_owned",
    )

    class Meta:
        abstract = True


class Scenario(Owned):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=40, choices=list(TOPICS.items()))
    difficulty = models.CharField(max_length=10)
    minutes = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    author = models.CharField(max_length=200, blank=True)
    objectives = models.JSONField(default=list)
    story = models.TextField()
    start = models.CharField(max_length=300)
    start_note = models.TextField(blank=True)
    goals = models.JSONField(default=list)
    hints = models.JSONField(default=list)
    walkthrough = models.TextField(blank=True)
    files = models.JSONField(default=dict)  # file name -> text, as written
    loaded_at = models.DateTimeField(auto_now=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def goal_list(self) -> list[Goal]:
        from .scenario import Goal  # the scenario reader brings YAML, which few processes need

        return [Goal.from_json(g) for g in self.goals]

    def hint_list(self) -> list[Hint]:
        from .scenario import Hint

        return [Hint(**h) for h in self.hints]

    def as_fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in self._meta.fields if f.name != "id"}


class LabRun(models.Model):
    """One learner's go at a scenario: their own sandbox built from its world, and their
    progress (checks, hints, solved)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_runs"
    )
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    sandbox = models.ForeignKey(
        "sandbox.Sandbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scenario_version = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    checks = models.PositiveIntegerField(default=0)  # "Check my goals" pressed
    failed_checks = models.PositiveIntegerField(default=0)
    hints_shown = models.PositiveIntegerField(default=0)
    passing = models.JSONField(default=list)  # ids of the goals that held at the last check
    # ids of the goals that held in the world as the lab gave it: the debrief tells what the
    # learner's changes made true. None for runs started before it was recorded.
    passing_at_start = models.JSONField(null=True, blank=True, default=None)
    # The world as the lab gave it, as a fingerprint of its policies (labs.changes): the
    # debrief says what the learner changed. None for runs started before it was recorded.
    world_at_start = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "scenario", name="one_run_per_learner_and_scenario")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.scenario}"

    @property
    def status(self) -> str:
        return "solved" if self.solved_at else "in progress"


def _class_code() -> str:
    # No 0/O or 1/I/L: a code is read aloud and typed by hand.
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Classroom(models.Model):
    """An instructor's class: students join with its code and get its assigned labs."""

    name = models.CharField(max_length=100)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classes_taught"
    )
    code = models.CharField(max_length=8, unique=True, default=_class_code)
    created_at = models.DateTimeField(auto_now_add=True)
    students = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="classes_joined"
    )
    scenarios = models.ManyToManyField(Scenario, through="Assignment", related_name="classes")

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "instructor",
                Lower("name"),
                name="class_name_unique_per_instructor",
                violation_error_message="You already have a class with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("classroom", "student", name="one_membership_per_class")
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.classroom}"


class Assignment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint("classroom", "scenario", name="one_assignment_per_lab")
        ]

    def __str__(self) -> str:
        return f"{self.scenario} for {self.classroom}"


class Quiz(Owned):
    """A quiz bank as loaded: its file is kept as written and read again when used."""

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=40, choices=list(TOPICS.items()))
    text = models.TextField()
    # What loading worked out in a sandbox for the questions about a world (who can, paths):
    # by question id, then by variant. See iamlab.labs.worldquiz.
    facts = models.JSONField(default=dict, blank=True)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def spec(self) -> QuizSpec:
        from .quiz import loaded  # the engine and the question kinds: not at start-up

        return loaded(self.slug, self.text)


class QuizProgress(models.Model):
    """One learner on one question: the variant they see (its seed), their attempts and hints
    (practice mode: a new variant starts the question afresh)."""

    MODES: ClassVar[list[tuple[str, str]]] = [
        ("practice", "Practice"),
        ("checkpoint", "Checkpoint"),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_progress"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="progress")
    question_id = models.CharField(max_length=64)
    mode = models.CharField(max_length=10, choices=MODES, default="practice")
    points = models.PositiveIntegerField(default=0)  # checkpoint: what the answer earned
    seed = models.PositiveIntegerField()
    attempts = models.PositiveIntegerField(default=0)
    wrong = models.PositiveIntegerField(default=0)
    hints_shown = models.PositiveIntegerField(default=0)
    solved = models.BooleanField(default=False)
    answer_shown = models.BooleanField(default=False)
    last_answer = models.JSONField(default=list)
    # Why the last counted answer was wrong ([feedback, *details]), shown again on a reload.
    last_feedback = models.JSONField(default=list, blank=True)
    # A build task: the learner's sandbox, made from the question's world.
    sandbox = models.ForeignKey(
        "sandbox.Sandbox", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "user", "quiz", "question_id", "mode", name="one_progress_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.quiz}/{self.question_id}"


class QuizAssignment(models.Model):
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="quiz_assignments"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [models.UniqueConstraint("classroom", "quiz", name="one_assignment_per_quiz")]

    def __str__(self) -> str:
        return f"{self.quiz} for {self.classroom}"


class PrimerRead(models.Model):
    """A learner read a course unit's primer: the course map's "Continue" goes on past it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="primers_read"
    )
    unit = models.CharField(max_length=40)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("user", "unit"), name="one_read_per_primer"),
        )

    def __str__(self) -> str:
        return f"{self.user} read {self.unit}"
