"""A new student's path in the browser (issue 16): sign up, land on the course map, read a
unit's primer, start its lab, work in the lab's sandbox with the lab beside them, solve it and
read the debrief."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iamlab.labs.loading import load, read_path, read_quizzes
from iamlab.labs.models import LabRun
from tests.labs.conftest import solve_groups_lab

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GROUPS = FIXTURES / "scenarios" / "groups"
SHOTS = Path("/tmp/iamlab-course-shots")


def shot(page: Page, name: str) -> None:
    """Screenshots of each step, to look at (kept out of the repository)."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_new_student_goes_from_sign_up_to_a_debriefed_lab(live_server, page: Page) -> None:
    quizzes = read_quizzes(FIXTURES / "quizzes")
    load(read_path(GROUPS), quizzes={"groups": quizzes["groups"]})
    page.goto(f"{live_server.url}/accounts/sign-up/")
    page.get_by_label("Username").fill("newbie")
    page.get_by_label("Email").fill("newbie@example.com")
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_label("Password again").fill("correct horse battery staple")
    page.get_by_test_id("sign-up").click()

    # The course map is home; only the groups unit has a lab loaded, so it is the start.
    expect(page).to_have_url(f"{live_server.url}/labs/course/")
    expect(page.get_by_role("heading", name="Your course")).to_be_visible()
    shot(page, "1-course")
    start = page.get_by_test_id("continue")
    expect(start).to_contain_text("IAM user groups · read the primer")
    start.click()

    # The primer: words, a diagram, the terms.
    expect(page.get_by_role("heading", name="IAM user groups", level=1)).to_be_visible()
    expect(page.get_by_test_id("primer-body")).to_contain_text("group")
    expect(page.get_by_test_id("primer-diagram").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("glossary")).to_contain_text("Principal")
    shot(page, "2-primer")
    page.get_by_test_id("continue").click()

    # The lab: start it, then work in its sandbox with the lab beside.
    page.get_by_test_id("start-lab").click()
    page.get_by_test_id("lab-sandbox").click()
    panel = page.get_by_test_id("lab-panel")
    expect(panel).to_contain_text("0 of 4 goals hold")
    shot(page, "3-workspace")

    # The learner makes the walkthrough's three changes, then checks from the sandbox page.
    run = LabRun.objects.get(user__username="newbie")
    assert run.sandbox is not None
    solve_groups_lab(run.sandbox)
    page.get_by_test_id("panel-check").click()
    expect(page.get_by_test_id("lab-panel-state")).to_have_text("Solved")

    # The debrief on the lab's page.
    page.get_by_test_id("panel-debrief").click()
    debrief = page.get_by_test_id("debrief")
    expect(debrief).to_contain_text("Your changes made these true")
    expect(debrief).to_contain_text("What it shows")
    expect(page.get_by_test_id("debrief-walkthrough")).to_be_visible()
    shot(page, "4-debrief")
    # Next in the course: the unit's quiz, where a wrong answer says why it is wrong.
    expect(page.get_by_test_id("debrief-next")).to_contain_text("User groups")
    page.get_by_test_id("debrief-next").click()
    expect(page.get_by_role("heading", name="User groups", level=1)).to_be_visible()
    question = page.locator("form:has([data-testid=answer-group-as-principal])")
    question.get_by_label(
        "Yes, with its group ARN, and every member may then assume the role."
    ).check()
    page.get_by_test_id("answer-group-as-principal").click()
    feedback = page.get_by_test_id("feedback-group-as-principal")
    expect(feedback).to_contain_text("Not quite")
    expect(feedback).to_contain_text("A group is not a principal")
    shot(page, "5-quiz-wrong-answer")
