"""Classes: an instructor creates one, students join with its code, labs are assigned, the
dashboard shows each student's progress, grades export as CSV, and nobody sees another
instructor's class."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from iamlab.labs.classes import QUIZ_COLUMNS
from iamlab.labs.loading import load, read_quizzes
from iamlab.labs.models import Classroom, LabRun, Membership, Quiz, QuizProgress, Scenario
from iamlab.people.models import Role

from .conftest import signed_in

BANKS = Path(__file__).resolve().parents[2] / "fixtures" / "quizzes"

pytestmark = pytest.mark.django_db


def test_a_class_from_creation_to_grades(groups_lab: Scenario) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    response = teacher.post(reverse("labs:classes"), {"name": "IAM 101"})
    classroom = Classroom.objects.get(instructor=tess)
    assert response["Location"] == reverse("labs:class", args=[classroom.pk])
    assert len(classroom.code) == 8

    # A student joins with the code, typed loosely.
    student, sam = signed_in("sam")
    loose = classroom.code.lower()[:4] + "-" + classroom.code.lower()[4:]
    response = student.post(reverse("labs:join"), {"code": loose}, follow=True)
    assert f"You joined {classroom.name}." in response.content.decode()
    assert Membership.objects.filter(classroom=classroom, student=sam).exists()

    # The instructor assigns the lab; the student sees it marked.
    teacher.post(reverse("labs:class", args=[classroom.pk]), {"scenario": "groups"})
    page = student.get(reverse("labs:list")).content.decode()
    assert 'data-testid="assigned-groups"' in page
    assert "Assigned in IAM 101" in page

    # Progress shows on the dashboard, and in the CSV.
    dashboard = teacher.get(reverse("labs:class", args=[classroom.pk])).content.decode()
    assert "Not started" in dashboard
    student.post(reverse("labs:start", args=["groups"]))
    student.post(reverse("labs:check", args=["groups"]))
    dashboard = teacher.get(reverse("labs:class", args=[classroom.pk])).content.decode()
    assert "In progress" in dashboard
    assert "0/4 goals · 1 check · 0 hints" in dashboard
    grades = teacher.get(reverse("labs:grades", args=[classroom.pk]))
    assert grades["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(grades.content.decode())))
    assert rows == [
        {
            "username": "sam",
            "name": "sam",
            "lab": "groups",
            "state": "in progress",
            "goals holding": "0",
            "goals": "4",
            "checks": "1",
            "hints": "0",
            "solved at": "",
            **dict.fromkeys(QUIZ_COLUMNS, ""),
        }
    ]
    # Unassigning takes the lab off the dashboard; the student's run stays theirs.
    teacher.post(
        reverse("labs:class", args=[classroom.pk]), {"scenario": "groups", "op": "unassign"}
    )
    assert not classroom.assignments.exists()
    assert LabRun.objects.filter(user=sam).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "NOPE1234"}, "No class has the code NOPE1234."),
        ({"code": ""}, "This field is required."),
    ],
)
def test_a_wrong_code_says_so(data: dict[str, str], message: str) -> None:
    student, _ = signed_in("sam")
    response = student.post(reverse("labs:join"), data)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_class_names_are_unique_per_instructor_and_assigning_nothing_is_refused(
    groups_lab: Scenario,
) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    teacher.post(reverse("labs:classes"), {"name": "IAM 101"})
    response = teacher.post(reverse("labs:classes"), {"name": "iam 101"})
    assert response.status_code == 400
    assert "You already have a class with this name." in response.content.decode()
    classroom = Classroom.objects.get(instructor=tess)
    response = teacher.post(reverse("labs:class", args=[classroom.pk]), {"scenario": "nope"})
    assert response.status_code == 400
    assert "Choose a lab to assign." in response.content.decode()


def test_nobody_sees_another_instructors_class(groups_lab: Scenario) -> None:
    _, tess = signed_in("tess", Role.INSTRUCTOR)
    other, _ = signed_in("olga", Role.INSTRUCTOR)
    student, _ = signed_in("sam")
    classroom = Classroom.objects.create(name="IAM 101", instructor=tess)
    for url in (
        reverse("labs:class", args=[classroom.pk]),
        reverse("labs:grades", args=[classroom.pk]),
    ):
        assert other.get(url).status_code == 404
        assert student.get(url).status_code == 403
    assert (
        other.post(reverse("labs:class", args=[classroom.pk]), {"scenario": "groups"}).status_code
        == 404
    )
    assert "IAM 101" not in other.get(reverse("labs:classes")).content.decode()
    assert student.get(reverse("labs:classes")).status_code == 403


def test_a_name_that_starts_like_a_formula_is_defused_in_the_csv(groups_lab: Scenario) -> None:
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    student, sam = signed_in("sam")
    sam.profile.display_name = '=HYPERLINK("x")'
    sam.profile.save()
    classroom = Classroom.objects.create(name="IAM 101", instructor=tess)
    Membership.objects.create(classroom=classroom, student=sam)
    classroom.assignments.create(scenario=groups_lab)
    text = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize("username", ["+1+1", "-2+3", "@A1", "=1+1"])
def test_a_username_that_starts_like_a_formula_is_defused_in_every_line_of_the_csv(
    groups_lab: Scenario, username: str
) -> None:
    # Accounts made before sign-up refused such names, or by an administrator, may have them.
    load({}, quizzes=read_quizzes(BANKS))
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    _, student = signed_in(username)
    classroom = Classroom.objects.create(name="IAM 101", instructor=tess)
    Membership.objects.create(classroom=classroom, student=student)
    classroom.assignments.create(scenario=groups_lab)
    classroom.quiz_assignments.create(quiz=Quiz.objects.get(slug="groups"))
    text = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["username"], r["name"], r["lab"]) for r in rows] == [
        ("'" + username, "'" + username, "groups"),
        ("'" + username, "'" + username, "quiz:groups"),
    ]
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def class_of_one() -> tuple[Client, Client, User, Classroom]:
    """The shipped quiz banks, and tess's class IAM 101 with one student, sam."""
    load({}, quizzes=read_quizzes(BANKS))
    teacher, tess = signed_in("tess", Role.INSTRUCTOR)
    student, sam = signed_in("sam")
    classroom = Classroom.objects.create(name="IAM 101", instructor=tess)
    Membership.objects.create(classroom=classroom, student=sam)
    return teacher, student, sam, classroom


def test_the_dashboard_shows_quiz_scores_and_the_exact_variant_a_student_saw() -> None:
    teacher, student, sam, classroom = class_of_one()
    quiz_url = reverse("labs:quiz", args=["groups"])
    student.get(quiz_url + "?mode=checkpoint")
    student.post(
        reverse("labs:quiz_act", args=["groups", "groups-per-user", "answer"]),
        {"mode": "checkpoint", "answer": "10"},
    )
    student.post(
        reverse("labs:quiz_act", args=["groups", "deny-in-one-group", "hint"]),
        {"mode": "checkpoint"},
    )
    dashboard = teacher.get(reverse("labs:class", args=[classroom.pk])).content.decode()
    assert "Checkpoint 4/28 points" in dashboard
    detail_url = reverse("labs:class_quiz", args=[classroom.pk, sam.pk, "groups"])
    detail = teacher.get(detail_url).content.decode()
    # The decision question's prompt as sam saw it: rebuilt from sam's seed.
    progress = QuizProgress.objects.get(
        user=sam, mode="checkpoint", question_id="deny-in-one-group"
    )
    question = next(
        q for q in Quiz.objects.get(slug="groups").spec().questions if q.id == "deny-in-one-group"
    )
    assert html.escape(question.variant(progress.seed).prompt) in detail
    assert "Right answer: 10 groups. Last answer: 10" in detail
    grades = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    [line] = [r for r in csv.DictReader(io.StringIO(grades)) if r["lab"] == "quiz:groups"]
    # The lab columns stay empty on a quiz's line; the quiz has its own.
    assert [line[c] for c in ("state", "goals holding", "goals", "checks", "hints")] == [""] * 5
    assert {c: line[c] for c in QUIZ_COLUMNS} == {
        "quiz questions": "7",
        "practice state": "not started",
        "practice right": "0",
        "practice tries": "0",
        "practice hints": "0",
        "checkpoint state": "in progress",
        "checkpoint right": "1",
        "checkpoint points": "4",
        "checkpoint most points": "28",
        "checkpoint tries": "1",
        "checkpoint hints": "0",  # its first hint opens only after a wrong try
    }
    # Only for this instructor's students.
    other, _ = signed_in("olga", Role.INSTRUCTOR)
    assert other.get(detail_url).status_code == 404
    stranger, kim = signed_in("kim")
    assert (
        teacher.get(reverse("labs:class_quiz", args=[classroom.pk, kim.pk, "groups"])).status_code
        == 404
    )


def test_a_quiz_a_student_only_opened_shows_as_not_started() -> None:
    teacher, student, sam, classroom = class_of_one()
    classroom.quiz_assignments.create(quiz=Quiz.objects.get(slug="groups"))
    for mode in ("checkpoint", "practice"):
        student.get(reverse("labs:quiz", args=["groups"]) + f"?mode={mode}")
    dashboard = teacher.get(reverse("labs:class", args=[classroom.pk])).content.decode()
    assert "Not started" in dashboard
    assert "Checkpoint 0/28 points" not in dashboard
    grades = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    assert "sam,sam,quiz:groups,,,,,,,7,not started,0,0,0,not started,0,,28,0,0" in grades
    # Rows that opening a quiz made before it stopped doing so count as nothing done.
    QuizProgress.objects.create(
        user=sam,
        quiz=Quiz.objects.get(slug="groups"),
        question_id="groups-per-user",
        mode="checkpoint",
        seed=1,
    )
    grades = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    assert "sam,sam,quiz:groups,,,,,,,7,not started,0,0,0,not started,0,,28,0,0" in grades
    # The first thing done counts.
    student.post(
        reverse("labs:quiz_act", args=["groups", "groups-per-user", "answer"]),
        {"mode": "checkpoint", "answer": "7"},
    )
    grades = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    assert "sam,sam,quiz:groups,,,,,,,7,not started,0,0,0,in progress,0,0,28,1,0" in grades


def test_the_instructor_sees_a_fix_as_the_student_wrote_it() -> None:
    teacher, student, sam, classroom = class_of_one()
    tried = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", '
        '"Resource": "*", "Condition": {"StringEquals": {"aws:username": "<script>"}}}]}'
    )
    student.post(
        reverse("labs:quiz_act", args=["iam-users", "fix-own-keys", "answer"]),
        {"mode": "practice", "answer": tried},
    )
    assert QuizProgress.objects.get(user=sam, question_id="fix-own-keys").wrong == 1
    page = teacher.get(
        reverse("labs:class_quiz", args=[classroom.pk, sam.pk, "iam-users"])
    ).content.decode()
    assert "Last policy tried" in page
    assert html.escape(tried) in page  # escaped, as written
    assert "${aws:username}" in page  # the reference fix


def test_the_grades_csv_gives_practice_results_their_own_columns() -> None:
    teacher, student, sam, classroom = class_of_one()
    classroom.quiz_assignments.create(quiz=Quiz.objects.get(slug="groups"))
    act = "labs:quiz_act"
    for answer in ("3", "10"):  # wrong, then right
        student.post(
            reverse(act, args=["groups", "groups-per-user", "answer"]),
            {"mode": "practice", "answer": answer},
        )
    student.post(reverse(act, args=["groups", "group-as-principal", "hint"]), {"mode": "practice"})
    grades = teacher.get(reverse("labs:grades", args=[classroom.pk])).content.decode()
    [line] = [r for r in csv.DictReader(io.StringIO(grades)) if r["lab"] == "quiz:groups"]
    assert {c: line[c] for c in QUIZ_COLUMNS} == {
        "quiz questions": "7",
        "practice state": "in progress",
        "practice right": "1",
        "practice tries": "2",
        "practice hints": "1",
        "checkpoint state": "not started",
        "checkpoint right": "0",
        "checkpoint points": "",
        "checkpoint most points": "28",
        "checkpoint tries": "0",
        "checkpoint hints": "0",
    }
