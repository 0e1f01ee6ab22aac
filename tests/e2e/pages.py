"""The app's main pages, for the sweeps that visit every kind of page (fits a phone,
accessibility): the demo people, the student's Example Corp, the groups lab, a quiz of every
question kind and the demo class, made the way ``load_demo`` makes them but smaller."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from iamlab.demo.management.commands.load_demo import demo_class
from iamlab.labs.loading import load, read_path, read_quizzes
from iamlab.labs.models import Classroom
from iamlab.people.demo import DEMO_PASSWORD, ensure_demo_people
from iamlab.sandbox import demo, models
from iamlab.sandbox.kinds import KINDS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
# Between them, these banks ask every kind of question: choice, decision, number, statement,
# who (groups); build, fill, order (switching-roles); path (privilege-escalation); fix
# (cross-account); layer (emergency-access).
QUIZZES = ("groups", "switching-roles", "privilege-escalation", "cross-account", "emergency-access")
FLOWS = (
    "",
    "sign-in/",
    "assume-role/",
    "switch-role/",
    "ec2/",
    "cross-account/",
    "services/",
    "portal/",
    "saml/",
    "broker/",
    "session-token/",
    "web-identity/",
)
STUDENT = "demo-student"
INSTRUCTOR = "demo-instructor"


@dataclass(frozen=True)
class Demo:
    sandbox: models.Sandbox
    classroom: Classroom


def make_demo() -> Demo:
    ensure_demo_people()
    student = get_user_model().objects.get(username=STUDENT)
    sandbox = demo.build_example_corp(student)
    quizzes = read_quizzes(FIXTURES / "quizzes")
    load(read_path(FIXTURES / "scenarios" / "groups"), quizzes={q: quizzes[q] for q in QUIZZES})
    return Demo(sandbox, demo_class(get_user_model()))


def student_pages(sandbox: models.Sandbox) -> list[str]:
    """Every kind of page a student sees: the course, labs and quizzes, the sandbox with a list
    and a detail page of each kind of object, its questions, the graph and the identity flows."""
    sb = f"/sandboxes/{sandbox.pk}"
    pages = [
        "/",
        "/labs/course/",
        "/labs/course/groups/",
        "/labs/course/glossary/",
        "/labs/",
        "/labs/groups/",
        *(f"/labs/quizzes/{slug}/" for slug in QUIZZES),
        "/sandboxes/",
        f"{sb}/",
        f"{sb}/check/",
        f"{sb}/who-can/",
        f"{sb}/graph/",
        *(f"{sb}/identity/{flow}" for flow in FLOWS),
        "/accounts/",
    ]
    alice = models.IamUser.objects.get(sandbox=sandbox, name="alice")
    for slug, kind in KINDS.items():
        pages.append(f"{sb}/{slug}/")
        first = alice if slug == "users" else kind.model.objects.filter(sandbox=sandbox).first()
        if first is not None:
            pages.append(f"{sb}/{slug}/{first.pk}/")
    return pages


def instructor_pages(classroom: Classroom) -> list[str]:
    student = get_user_model().objects.get(username=STUDENT)
    return [
        "/labs/classes/",
        f"/labs/classes/{classroom.pk}/",
        f"/labs/classes/{classroom.pk}/students/{student.pk}/quizzes/groups/",
        "/labs/manage/",
    ]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_test_id("account-name")).to_be_visible()


def visit(page: Page, url: str) -> str | None:
    """Open a page and wait for its htmx loads; a problem with the page itself, or None."""
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    if response is None or response.status != 200:
        return f"{url}: HTTP {response.status if response else 'no response'}"
    return None
