"""What the labs pages refuse: a 400 with why and nothing written, never a 500.

A probe found a NUL character (U+0000) in a quiz answer answered 500 on PostgreSQL (DataError:
no text column stores it), where SQLite stored it. It is refused the same way on both now, as
is NUL anywhere a class page or form reads.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from iamlab.labs.loading import load, read_quizzes
from iamlab.labs.models import Classroom, Membership, QuizAssignment, QuizProgress
from iamlab.people.models import Role
from iamlab.web import NUL_ERROR

from .conftest import SHIPPED, signed_in

pytestmark = pytest.mark.django_db

QUIZZES = SHIPPED.parent / "quizzes"


@pytest.fixture
def groups_bank() -> None:
    load({}, quizzes=read_quizzes(QUIZZES / "groups.quiz.yaml"))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(
    ("question", "answer"),
    [("groups-per-user", ["10\x00"]), ("group-as-principal", ["0", "\x00"])],
    ids=["number", "choice"],
)
def test_an_answer_holding_nul_is_not_counted_nor_stored(groups_bank, htmx, question, answer):
    client, user = signed_in("sam")
    response = client.post(
        reverse("labs:quiz_act", args=["groups", question, "answer"]),
        {"answer": answer, "mode": "practice"},
        headers={"HX-Request": "true"} if htmx else {},
    )
    # An htmx swap answers 200 (htmx swaps no 4xx), the page without JavaScript 400.
    assert response.status_code == (200 if htmx else 400)
    page = response.content.decode()
    assert "Your answer holds the NUL character (U+0000)" in page
    assert "that try was not counted" in page
    assert not QuizProgress.objects.filter(user=user).exists()


def test_a_class_page_post_naming_nothing_with_nul_is_refused(groups_bank):
    client, teacher = signed_in("teach", Role.INSTRUCTOR)
    classroom = Classroom.objects.create(name="C1", instructor=teacher)
    response = client.post(
        reverse("labs:class", args=[classroom.pk]), {"quiz": "groups\x00", "op": "assign"}
    )
    assert response.status_code == 400
    assert "Choose a quiz to assign." in response.content.decode()
    assert not QuizAssignment.objects.exists()


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [("labs:classes", {"name": "C\x001"}, "name"), ("labs:join", {"code": "AB\x00CD"}, "code")],
)
def test_class_forms_refuse_nul(url, data, field):
    client, _ = signed_in("teach", Role.INSTRUCTOR)
    response = client.post(reverse(url), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [NUL_ERROR]
    assert response.context["form"][field].value() == data[field]
    assert not Classroom.objects.exists()
    assert not Membership.objects.exists()
