"""A learner builds a small sandbox in the browser and runs an access check on it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
SQS_SEND = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
    },
    indent=2,
)
TRUST_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
    indent=2,
)


def sign_in(page: Page, base: str) -> None:
    PersonFactory(username="builder", password=PASSWORD)
    page.goto(f"{base}/sandboxes/")
    page.get_by_label("Username").fill("builder")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Your sandboxes")).to_be_visible()


def test_build_a_sandbox_and_check_access(live_server, page: Page):
    base = live_server.url
    sign_in(page, base)
    page.get_by_label("Name").fill("First steps")
    page.get_by_role("button", name="Create sandbox").click()
    expect(page.get_by_role("heading", name="First steps")).to_be_visible()

    # An IAM user.
    page.get_by_test_id("section-users").get_by_role("link", name="+ Add").click()
    page.get_by_label("Name").fill("alice")
    page.get_by_role("button", name="Create IAM user").click()
    expect(page.get_by_test_id("arn")).to_contain_text(":user/alice")

    # A group with an AWS managed policy, and alice in it.
    page.get_by_role("link", name="First steps").click()
    page.get_by_test_id("section-groups").get_by_role("link", name="+ Add").click()
    page.get_by_label("Name").fill("Readers")
    page.get_by_role("button", name="Create user group").click()
    page.get_by_label("Policy to attach").fill("AmazonS3ReadOnlyAccess")
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Attached AmazonS3ReadOnlyAccess")
    page.get_by_label("User", exact=True).select_option(label="alice")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_test_id("flash")).to_contain_text("Added alice to Readers")

    # A customer managed policy, validated as it is typed, attached to alice.
    page.get_by_role("link", name="First steps").click()
    page.get_by_test_id("section-policies").get_by_role("link", name="+ Add").click()
    page.get_by_label("Name").fill("SqsSend")
    box = page.locator("#f-document")
    box.fill('{"Version": "2012-10-17", "Statement": [')
    expect(page.locator("#findings-document .sev-error").first).to_be_visible()
    box.fill(SQS_SEND)
    expect(page.locator("#findings-document")).not_to_contain_text("Error")
    page.get_by_role("button", name="Create customer managed policy").click()
    expect(page.get_by_test_id("reach")).to_contain_text("SQS")

    page.get_by_role("link", name="First steps").click()
    page.get_by_role("link", name="alice").click()
    page.get_by_label("Policy to attach").fill("SqsSend")
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_test_id("flash")).to_contain_text("Attached SqsSend to alice")

    # A role for EC2.
    page.get_by_role("link", name="First steps").click()
    page.get_by_test_id("section-roles").get_by_role("link", name="+ Add").click()
    page.get_by_label("Name").fill("web-app")
    page.locator("#f-trust_policy").fill(TRUST_EC2)
    # Its permissions boundary is typed: the box suggests the account's own policies first,
    # then any of the AWS managed ones.
    boundary = page.get_by_label("Permissions boundary")
    boundary.fill("SqsS")
    expect(page.locator("#id_boundary-options option").first).to_have_attribute("value", "SqsSend")
    boundary.fill("SqsSend")
    page.get_by_role("button", name="Create role").click()
    expect(page.get_by_test_id("trust-policy")).to_contain_text("ec2.amazonaws.com")
    expect(page.locator("#permissions")).to_contain_text("SqsSend caps what the policies above")

    # The access check: alice may read S3 objects through her group, not write them.
    page.get_by_role("link", name="Access check").click()
    page.get_by_label("Who").select_option(label="IAM user alice")
    page.get_by_label("Action").fill("s3:GetObject")
    page.get_by_label("Resource ARN").fill("arn:aws:s3:::reports/q1.csv")
    page.get_by_label("Resource ARN").press("Enter")
    expect(page.get_by_test_id("decision")).to_have_text("Allowed")
    expect(page.get_by_test_id("reason")).to_contain_text("via group Readers")
    expect(page).to_have_url(re.compile(r"action=s3%3AGetObject"))
    page.get_by_test_id("deciding").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="AmazonS3ReadOnlyAccess")).to_be_visible()
    page.go_back()
    expect(page.get_by_test_id("decision")).to_have_text("Allowed")

    page.get_by_label("Action").fill("s3:PutObject")
    page.get_by_role("button", name="Check access").click()
    expect(page.get_by_test_id("decision")).to_have_text("Implicitly denied")


def test_keyboard_lands_on_the_answer_after_a_check(live_server, page: Page):
    base = live_server.url
    sign_in(page, base)
    page.get_by_role("button", name="Explore Example Corp").click()
    page.get_by_role("link", name="Access check").first.click()
    page.get_by_label("Who").select_option(label="IAM user alice")
    page.get_by_label("Action").fill("iam:CreateUser")
    page.get_by_role("button", name="Check access").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("result")).to_be_focused()
    expect(page.get_by_test_id("decision")).to_have_text("Allowed")
    page.get_by_label("Action").fill("")
    page.get_by_role("button", name="Check access").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("error-summary")).to_be_focused()


def test_a_refused_import_shows_why_in_place(live_server, page: Page):
    # The server answers 400; static/js/iamlab.js lets htmx swap that answer in.
    base = live_server.url
    sign_in(page, base)
    page.get_by_role("button", name="Explore Example Corp").click()
    page.goto(page.url.rstrip("/") + "/import/")
    page.get_by_label("Or paste it here").fill('{"UserDetailList": [}')
    with page.expect_response(re.compile(r"/import/$")) as answer:
        page.get_by_role("button", name="Import").click()
    assert answer.value.status == 400
    expect(page.get_by_test_id("import-problem")).to_contain_text("Nothing was imported.")
    expect(page.get_by_test_id("import-problem")).to_be_focused()
    expect(page.get_by_label("Or paste it here")).to_have_value('{"UserDetailList": [}')
