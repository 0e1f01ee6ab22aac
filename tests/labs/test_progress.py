"""Progress per lab, quiz and seed topic on the labs page, and quizzes assigned to a class."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from iamlab.labs import progress
from iamlab.labs.loading import load, read_quizzes
from iamlab.labs.models import Classroom, Membership, QuizAssignment, Scenario
from iamlab.people.models import Role

from .conftest import signed_in

BANKS = Path(__file__).resolve().parents[2] / "fixtures" / "quizzes"

pytestmark = pytest.mark.django_db


def _groups_topic(user: User) -> progress.Topic:
    return next(t for t in progress.for_learner(user) if t.key == "groups")


def test_a_topic_is_solved_when_its_labs_and_every_quiz_question_are(
    groups_lab: Scenario,
) -> None:
    load({}, quizzes=read_quizzes(BANKS))
    client, sam = signed_in("sam")
    topic = _groups_topic(sam)
    assert [line.state for line in topic.lines] == ["not started", "not started"]
    assert topic.state == "not started"
    page = client.get(reverse("labs:list")).content.decode()
    assert 'data-testid="topic-state-groups">Not started' in page
    # A wrong answer starts the topic; the page shows tries and the topic's state.
    client.post(
        reverse("labs:quiz_act", args=["groups", "groups-per-user", "answer"]),
        {"mode": "practice", "answer": "5"},
    )
    topic = _groups_topic(sam)
    assert topic.state == "in progress"
    assert (topic.quizzes[0].attempts, topic.quizzes[0].right) == (1, 0)
    page = client.get(reverse("labs:list")).content.decode()
    assert 'data-testid="topic-state-groups">In progress' in page
    assert "1 try · 0 hints" in page
    # Solving the lab alone does not solve the topic while quiz questions are left.
    client.post(reverse("labs:start", args=["groups"]))
    groups_lab_run = groups_lab.runs.get(user=sam)
    groups_lab_run.solved_at = groups_lab_run.started_at
    groups_lab_run.save()
    topic = _groups_topic(sam)
    assert [line.state for line in topic.lines] == ["solved", "in progress"]
    assert topic.state == "in progress"


def test_instructors_assign_quizzes_and_students_see_them_marked(groups_lab: Scenario) -> None:
    load({}, quizzes=read_quizzes(BANKS))
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    student, sam = signed_in("sam")
    classroom = Classroom.objects.create(name="IAM 101", instructor=tess)
    Membership.objects.create(classroom=classroom, student=sam)
    url = reverse("labs:class", args=[classroom.pk])
    response = teacher.post(url, {"quiz": "groups"}, follow=True)
    assert "Assigned the quiz " in response.content.decode()
    assert QuizAssignment.objects.filter(classroom=classroom, quiz__slug="groups").exists()
    page = student.get(reverse("labs:list")).content.decode()
    assert 'data-testid="assigned-quiz-groups"' in page
    # The dashboard follows an assigned quiz before anyone tries it, and so does the CSV.
    dashboard = teacher.get(url).content.decode()
    assert 'data-testid="quiz-table"' in dashboard
    assert '<span class="tag">assigned</span>' in dashboard
    grades = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    assert "sam,sam,quiz:groups,,,,,,,7,not started,0,0,0,not started,0,,28,0,0" in grades
    # Nothing chosen, or a quiz that does not exist, is refused with a message.
    for bad in ("", "no-such-quiz"):
        response = teacher.post(url, {"quiz": bad})
        assert response.status_code == 400
        assert "Choose a quiz to assign." in response.content.decode()
    # Another instructor cannot assign to this class.
    other, _ = signed_in("olga", Role.INSTRUCTOR)
    assert other.post(url, {"quiz": "iam-users"}).status_code == 404
    teacher.post(url, {"quiz": "groups", "op": "unassign"})
    assert not QuizAssignment.objects.filter(classroom=classroom).exists()
    assert (
        'data-testid="assigned-quiz-groups"'
        not in student.get(reverse("labs:list")).content.decode()
    )
