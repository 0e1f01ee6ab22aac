"""Labs in the browser: an instructor loads a zip of scenarios on the Scenarios page; a student
starts the groups lab, checks the goals, opens a hint, fixes the policy in their own sandbox
and sees the lab solved (issue 6's journey, without the quiz part yet)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iamlab.people.models import Profile, Role
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
GROUPS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "groups"


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")


def test_an_instructor_loads_a_lab_and_a_student_solves_it(
    live_server, page: Page, tmp_path: Path
) -> None:
    teacher = PersonFactory(username="tess", password=PASSWORD)
    Profile.objects.update_or_create(user=teacher, defaults={"role": Role.INSTRUCTOR})
    PersonFactory(username="sam", password=PASSWORD)
    archive = tmp_path / "labs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for item in GROUPS.iterdir():
            z.write(item, f"groups/{item.name}")

    # The instructor loads the zip.
    sign_in(page, f"{live_server.url}/labs/manage/", "tess")
    page.get_by_label("Zip of scenario folders").set_input_files(str(archive))
    page.get_by_test_id("upload-scenarios").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Loaded labs.zip: 1 new.")
    page.context.clear_cookies()  # the student uses the same browser

    # The student finds it under its topic and starts it.
    sign_in(page, f"{live_server.url}/labs/", "sam")
    expect(page.get_by_test_id("lab-progress")).to_contain_text("0 of 1 lab solved")
    page.get_by_role("link", name="Groups are not principals").click()
    expect(page.get_by_test_id("lab-story")).to_contain_text("Joe helps new starters")
    page.get_by_test_id("start-lab").click()
    expect(page.get_by_test_id("flash")).to_contain_text("fresh copy of the world is ready")
    goals = page.get_by_test_id("goals")
    expect(goals.locator("li.goal.holds")).to_have_count(2)
    expect(page.get_by_test_id("goal-joe-cannot-join-admins")).to_contain_text("A way exists")

    # Checking counts an attempt, in place (htmx); the first hint opens on demand.
    page.get_by_test_id("check-goals").click()
    expect(page.get_by_text("Checks so far: 1")).to_be_visible()
    page.get_by_test_id("show-hint").click()
    expect(page.get_by_test_id("hints")).to_contain_text("Which groups does its Resource cover?")

    # The fix, made in the student's own sandbox like any edit.
    page.get_by_test_id("lab-sandbox").click()
    page.goto(page.url.rstrip("/") + "/users/")
    page.get_by_role("link", name="joe", exact=True).click()
    page.get_by_role("link", name="OnboardDevelopers").click()
    document = page.get_by_label("Document")
    document.fill(
        document.input_value().replace(
            '"Resource": "*"', '"Resource": "arn:aws:iam::111122223333:group/Developers"'
        )
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Saved")

    page.goto(f"{live_server.url}/labs/groups/")
    page.get_by_test_id("check-goals").click()
    expect(page.get_by_test_id("lab-solved")).to_contain_text("Every goal holds after 2 checks")
    page.goto(f"{live_server.url}/labs/")
    expect(page.get_by_test_id("lab-groups")).to_contain_text("Solved")
