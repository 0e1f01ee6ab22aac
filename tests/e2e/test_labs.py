"""Labs in the browser: an instructor loads a zip of a scenario and a quiz bank, creates a class
and assigns the lab; a student joins with the code, starts the lab, checks the goals, opens a
hint, fixes the policy in their own sandbox, sees the lab solved and answers quiz questions;
the instructor follows it on the class page (issue 6's journey)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iamlab.people.models import Profile, Role
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GROUPS = FIXTURES / "scenarios" / "groups"


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")


def create_class(page: Page, base: str) -> str:
    """The signed-in instructor creates the class IAM 101; its code."""
    page.goto(f"{base}/labs/classes/")
    page.get_by_label("Class name").fill("IAM 101")
    page.get_by_test_id("create-class").click()
    return page.get_by_test_id("class-code").inner_text()


def tess_and_sam() -> None:
    """An instructor, tess, and a student, sam."""
    teacher = PersonFactory(username="tess", password=PASSWORD)
    Profile.objects.update_or_create(user=teacher, defaults={"role": Role.INSTRUCTOR})
    PersonFactory(username="sam", password=PASSWORD)


def test_an_instructor_loads_a_lab_and_a_student_solves_it(
    live_server, page: Page, tmp_path: Path
) -> None:
    tess_and_sam()
    archive = tmp_path / "labs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for item in GROUPS.iterdir():
            z.write(item, f"groups/{item.name}")
        z.write(FIXTURES / "quizzes" / "groups.quiz.yaml", "groups.quiz.yaml")

    # The instructor loads the zip, creates a class and assigns the lab.
    sign_in(page, f"{live_server.url}/labs/manage/", "tess")
    page.get_by_label("Zip of scenario folders").set_input_files(str(archive))
    page.get_by_test_id("upload-scenarios").click()
    expect(page.get_by_test_id("flash")).to_contain_text(
        "Loaded labs.zip: 1 new; 1 quiz bank new or changed."
    )
    code = create_class(page, live_server.url)
    page.get_by_label("Assign a lab").select_option("groups")
    page.get_by_test_id("assign-lab").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Assigned Groups are not principals.")
    class_url = page.url
    page.context.clear_cookies()  # the student uses the same browser

    # The student joins the class with the code and finds the lab marked as assigned.
    sign_in(page, f"{live_server.url}/labs/join/", "sam")
    page.get_by_label("Class code").fill(code.lower())
    page.get_by_test_id("join-class").click()
    expect(page.get_by_test_id("flash")).to_contain_text("You joined IAM 101.")
    expect(page.get_by_test_id("lab-progress")).to_contain_text("0 of 1 lab solved")
    expect(page.get_by_test_id("assigned-groups")).to_contain_text("Assigned in IAM 101")
    page.get_by_role("link", name="Groups are not principals").click()
    expect(page.get_by_test_id("lab-story")).to_contain_text("adds new starters")
    page.get_by_test_id("start-lab").click()
    expect(page.get_by_test_id("flash")).to_contain_text("fresh copy of the world is ready")
    goals = page.get_by_test_id("goals")
    expect(goals.locator("li.goal")).to_have_count(4)
    expect(goals.locator("li.goal.holds")).to_have_count(0)
    expect(page.get_by_test_id("goal-joe-cannot-join-admins")).to_contain_text("A way exists")

    # Checking counts an attempt, in place (htmx); the first hint opens on demand.
    page.get_by_test_id("check-goals").click()
    expect(page.get_by_text("Checks so far: 1")).to_be_visible()
    page.get_by_test_id("show-hint").click()
    expect(page.get_by_test_id("hints")).to_contain_text("Which groups does its Resource cover?")

    # The three changes of the walkthrough, made in the student's own sandbox like any edit.
    page.get_by_test_id("lab-sandbox").click()
    sandbox_url = page.url.rstrip("/")
    page.goto(sandbox_url + "/users/")
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
    # Eve joins Contractors, whose Deny then applies to her.
    page.goto(sandbox_url + "/groups/")
    page.get_by_role("link", name="Contractors", exact=True).click()
    page.locator("#add-member").select_option(label="eve")
    page.locator("#members").get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Added eve to Contractors.")
    # Developers gets a policy that lets every member switch to SiteDeployer.
    page.goto(sandbox_url + "/groups/")
    page.get_by_role("link", name="Developers", exact=True).click()
    page.get_by_role("link", name="+ Add an inline policy").click()
    page.get_by_label("Name").fill("SwitchToSiteDeployer")
    page.get_by_label("Document").fill(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "sts:AssumeRole", '
        '"Resource": "arn:aws:iam::111122223333:role/SiteDeployer"}]}'
    )
    page.get_by_role("button", name="Create inline policy").click()

    page.goto(f"{live_server.url}/labs/groups/")
    page.get_by_test_id("check-goals").click()
    expect(page.get_by_test_id("lab-solved")).to_contain_text(
        "Every goal holds, after 1 check that found a goal still open"
    )
    page.goto(f"{live_server.url}/labs/")
    expect(page.get_by_test_id("lab-groups")).to_contain_text("Solved")

    # The quiz, in checkpoint mode: a wrong try, then the right answer, in place.
    page.get_by_test_id("quiz-groups").click()
    page.get_by_test_id("checkpoint-mode").click()
    expect(page.get_by_test_id("quiz-score")).to_have_text("checkpoint not attempted")
    number = page.get_by_test_id("question-groups-per-user")
    number.get_by_label("Your answer (groups)").fill("5")
    number.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("feedback-groups-per-user")).to_contain_text(
        "Not 5 groups: the answer is more than that."
    )
    expect(page.get_by_test_id("quiz-score")).to_have_text("0")  # tried: now a score
    number.get_by_label("Your answer (groups)").fill("10")
    number.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("feedback-groups-per-user")).to_contain_text("Right.")
    expect(page.get_by_test_id("question-groups-per-user")).to_contain_text("earned 3 points")
    # The header's count moved with the answer, without reloading the page.
    expect(page.get_by_test_id("quiz-progress")).to_contain_text("1 of 7 answered right")
    expect(page.get_by_test_id("quiz-score")).to_have_text("3")
    # A wrong decision says what it overlooks: the Deny statement that matches.
    decision = page.get_by_test_id("question-deny-in-one-group")
    decision.get_by_label("Allowed").check()
    decision.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("feedback-deny-in-one-group")).to_contain_text(
        "You chose “Allowed”: look again at Statement 1 (ContractorsNoIam)"
    )
    # An engine-graded question: whatever the variant, the engine's own answer is right.
    decision = page.get_by_test_id("question-deny-in-one-group")
    decision.get_by_label("Denied explicitly (a Deny statement applies)").check()
    decision.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("feedback-deny-in-one-group")).to_contain_text("Right.")

    # The instructor sees both on the class page.
    page.context.clear_cookies()
    sign_in(page, class_url, "tess")
    expect(page.get_by_test_id("progress-table")).to_contain_text("Solved")
    # 3 + 3: each of the two questions cost one wrong try.
    expect(page.get_by_test_id("quiz-table")).to_contain_text("Checkpoint 6/28 points")


def test_a_folder_upload_an_assigned_quiz_and_engine_graded_answers(
    live_server, page: Page, tmp_path: Path
) -> None:
    tess_and_sam()
    folder = tmp_path / "course"
    (folder / "groups").mkdir(parents=True)
    for item in GROUPS.iterdir():
        (folder / "groups" / item.name).write_bytes(item.read_bytes())
    for bank in ("groups", "iam-users"):
        source = FIXTURES / "quizzes" / f"{bank}.quiz.yaml"
        (folder / source.name).write_bytes(source.read_bytes())

    # The instructor loads a folder (the page sends each file's path) and assigns a quiz.
    sign_in(page, f"{live_server.url}/labs/manage/", "tess")
    page.get_by_label("Or a folder").set_input_files(str(folder))
    page.get_by_test_id("upload-scenarios").click()
    expect(page.get_by_test_id("flash")).to_contain_text(
        "Loaded course (folder): 1 new; 2 quiz banks new or changed."
    )
    code = create_class(page, live_server.url)
    page.get_by_label("Assign a quiz").select_option("groups")
    page.get_by_test_id("assign-quiz").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Assigned the quiz User groups.")
    page.context.clear_cookies()

    sign_in(page, f"{live_server.url}/labs/join/", "sam")
    page.get_by_label("Class code").fill(code)
    page.get_by_test_id("join-class").click()
    expect(page.get_by_test_id("assigned-quiz-groups")).to_contain_text("Assigned in IAM 101")

    # "Mark every principal": the sandbox's own access check decides, for this variant.
    page.get_by_test_id("quiz-groups").click()
    who = page.get_by_test_id("question-who-in-groups")
    expect(page.get_by_test_id("world-who-in-groups")).to_contain_text("IAM user zoe")
    prompt = who.locator(".quiz-prompt").inner_text()
    right = {
        "s3:GetObject": ["mia", "raj", "zoe"],
        "s3:PutObject": ["mia"],
        "s3:DeleteObject": [],
    }[next(a for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject") if a in prompt)]
    for name in right:
        who.get_by_label(f"IAM user {name} (246824682468)").check()
    if not right:
        who.get_by_label("Nobody: no principal here may do it").check()
    who.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("feedback-who-in-groups")).to_contain_text("Right.")

    # "Fix this policy": a broken JSON costs no try; the fix is graded by the engine.
    page.goto(f"{live_server.url}/labs/quizzes/iam-users/")
    fix = page.get_by_test_id("question-fix-own-keys")
    box = fix.get_by_label("Your policy (JSON): edit it until it does the task and nothing more")
    box.fill('{"Version": "2012-10-17", "Statement": [')
    fix.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("malformed-fix-own-keys")).to_contain_text(
        "that try was not counted"
    )
    box = page.get_by_test_id("question-fix-own-keys").get_by_role("textbox")
    box.fill(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
        '["iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey", '
        '"iam:ListAccessKeys"], "Resource": "arn:aws:iam::222233334444:user/${aws:username}"}]}'
    )
    page.get_by_test_id("answer-fix-own-keys").click()
    expect(page.get_by_test_id("feedback-fix-own-keys")).to_contain_text("Right: the engine agrees")
