"""Why, not just what (issue 15), in the browser: a student in the switching-roles lab sees that
the MFA condition, not the trust policy's principal, keeps Priya out, on the lab's goals and on
the access check, with the condition's values and what would change the answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from iamlab.labs.loading import load, read_path
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
SWITCHING = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "switching-roles"
OPS_ROLE = "arn:aws:iam::333344445555:role/OpsReadOnly"


def test_a_refusal_names_the_condition_that_decided(live_server, page: Page) -> None:
    load(read_path(SWITCHING))
    PersonFactory(username="sam", password=PASSWORD)
    page.goto(f"{live_server.url}/labs/switching-roles/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.get_by_test_id("start-lab").click()
    page.get_by_test_id("check-goals").click()

    # The goal "Without MFA, Priya may not assume OpsReadOnly" says which condition refuses.
    goal = page.get_by_test_id("goal-never-without-mfa")
    expect(goal).to_contain_text("aws:MultiFactorAuthPresent must be true (Bool)")
    expect(goal).to_contain_text("the request has no aws:MultiFactorAuthPresent")

    # The access check, asked as Priya, shows the condition, its values and the way out.
    page.get_by_role("link", name="Open my sandbox").click()
    page.get_by_role("link", name="Access check", exact=True).click()
    page.get_by_label("Who").select_option(label="IAM user priya")
    page.get_by_label("Action").fill("sts:AssumeRole")
    page.get_by_label("Resource ARN").fill(OPS_ROLE)
    page.get_by_role("button", name="Check access").click()

    expect(page.get_by_test_id("decision")).to_have_text("Implicitly denied")
    expect(page.get_by_test_id("reason")).to_contain_text(
        "its condition is not met: aws:MultiFactorAuthPresent must be true"
    )
    near = page.get_by_test_id("near-misses")
    expect(near).to_contain_text("Statement 1 of Trust policy of role OpsReadOnly")
    row = near.locator("ul.conditions > li").first
    expect(row).to_contain_text("aws:MultiFactorAuthPresent")
    expect(row).to_contain_text("Bool")
    expect(row).to_contain_text("nothing: the key is absent")
    expect(page.get_by_test_id("changes")).to_contain_text("Sign in with MFA")

    # Asked again with MFA, the condition holds, and only Priya's own permission is missing.
    page.get_by_label("Context keys").fill("aws:MultiFactorAuthPresent = true")
    page.get_by_role("button", name="Check access").click()
    expect(page.get_by_test_id("reason")).to_contain_text("names the caller's account")
    expect(page.get_by_test_id("changes")).to_contain_text(
        f"Add sts:AssumeRole on {OPS_ROLE} to an identity-based policy of IAM user priya"
    )
