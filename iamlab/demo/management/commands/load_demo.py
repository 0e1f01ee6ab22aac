"""Load the demo content and create the demo logins and sandboxes (idempotent)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from iamlab.labs.loading import LoadFailed, load, read_path, read_quizzes
from iamlab.labs.models import (
    Assignment,
    Classroom,
    Membership,
    Quiz,
    QuizAssignment,
    Scenario,
)
from iamlab.people.demo import ensure_demo_people
from iamlab.sandbox.demo import build_example_corp
from iamlab.simulator import content
from iamlab.simulator.simulation import run

SCENARIOS = Path(__file__).resolve().parents[4] / "fixtures" / "scenarios"
QUIZZES = SCENARIOS.parent / "quizzes"
DEMO_ADMIN = "demo-admin"
DEMO_CLASS = "Demo class"
DEMO_PASSWORD = "iamlab-demo"  # noqa: S105 - a published local demo login, created on request


class Command(BaseCommand):
    help = (
        "Check the shipped simulator examples; create the demo logins (administrator, "
        "instructor, student) and each demo person's Example Corp sandbox; load the shipped "
        "lab scenarios."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for example in content.examples():
            outcome = run(example.data)
            if outcome.evaluation is None:
                problems = list(outcome.errors.values()) + [
                    f"{i.label}: {i.blocking[0]}" for i in outcome.invalid_policies
                ]
                raise CommandError(f"Example {example.slug} does not evaluate: {problems}")
            if outcome.evaluation.decision != example.expected:
                raise CommandError(
                    f"Example {example.slug} gives {outcome.evaluation.decision}, "
                    f"but the file expects {example.expected}."
                )
        managed = content.managed_policies()
        user_model = get_user_model()
        password = os.environ.get("IAMLAB_DEMO_PASSWORD", DEMO_PASSWORD)
        user, created = user_model.objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
        self.stdout.write(
            f"Demo content: {len(content.examples())} simulator examples, "
            f"{len(managed)} AWS managed policies.\n"
            f"Admin login: {DEMO_ADMIN} / {password if created else '(unchanged)'}"
            + (
                ""
                if created
                else f" (created earlier with the password {DEMO_PASSWORD} "
                f"unless IAMLAB_DEMO_PASSWORD was set)"
            )
        )
        for username, role, person_password, _created in ensure_demo_people():
            self.stdout.write(f"{role.capitalize()} login: {username} / {person_password}")
            sandbox = build_example_corp(user_model.objects.get(username=username))
            self.stdout.write(
                f"  {username} has the sandbox {sandbox.name}: /sandboxes/{sandbox.pk}/"
            )
        try:
            report = load(read_path(SCENARIOS), quizzes=read_quizzes(QUIZZES))
        except LoadFailed as exc:
            raise CommandError(f"The shipped scenarios do not load:\n{exc}") from None
        self.stdout.write(
            f"Labs: {report.summary()} (fixtures/scenarios, fixtures/quizzes), at /labs/"
        )
        classroom = demo_class(user_model)
        self.stdout.write(
            f"Class: {classroom.name} (code {classroom.code}) of demo-instructor, with "
            f"demo-student in it and the groups lab and quiz assigned: "
            f"/labs/classes/{classroom.pk}/"
        )


def demo_class(user_model: Any) -> Classroom:
    """The demo instructor's class, with the demo student in it and one lab and one quiz
    assigned, so the dashboard has something to show (created once)."""
    teacher = user_model.objects.get(username="demo-instructor")
    classroom, _ = Classroom.objects.get_or_create(instructor=teacher, name=DEMO_CLASS)
    Membership.objects.get_or_create(
        classroom=classroom, student=user_model.objects.get(username="demo-student")
    )
    for scenario in Scenario.objects.filter(slug="groups"):
        Assignment.objects.get_or_create(classroom=classroom, scenario=scenario)
    for quiz in Quiz.objects.filter(slug="groups"):
        QuizAssignment.objects.get_or_create(classroom=classroom, quiz=quiz)
    return classroom
