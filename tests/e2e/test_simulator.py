from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

ALLOW_ALL_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    },
    indent=2,
)


def test_example_simulates_and_explains_in_place(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("example-permissions-boundary").click()
    expect(page.get_by_test_id("example-note")).to_contain_text("A boundary caps")
    page.evaluate("window.__marker = 'kept'")  # survives an htmx swap, not a page load
    page.get_by_test_id("simulate").click()
    expect(page.get_by_test_id("decision")).to_have_text("Implicitly denied")
    expect(page.get_by_test_id("reason")).to_contain_text("permissions boundary does not")
    assert page.evaluate("window.__marker") == "kept"
    expect(page).to_have_url(re.compile(r"/simulations/[0-9a-f-]{36}/$"))
    # The permalink page renders the same result on a full load.
    page.reload()
    expect(page.get_by_test_id("decision")).to_have_text("Implicitly denied")


def test_findings_appear_while_typing_and_point_at_the_line(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    box = page.locator("#f-identity-0")
    box.fill('{\n  "Version": "2012-10-17",\n  "Statement": {"Effect": "allow"}\n}')
    findings = page.get_by_test_id("findings-identity-0")
    expect(findings).to_contain_text("Effect must be exactly", timeout=5000)
    findings.locator("button.goto").first.click()
    # The caret moved to line 3 of the box.
    caret = page.evaluate("document.getElementById('f-identity-0').selectionStart")
    assert caret == len('{\n  "Version": "2012-10-17",\n  "Statement": ')
    box.fill(ALLOW_ALL_S3)
    expect(findings).to_contain_text("Valid", timeout=5000)


def test_keyboard_only_request_with_ctrl_enter_and_back_button(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    page.locator("#f-principal").fill("arn:aws:iam::111122223333:user/alice")
    page.locator("#f-action").fill("s3:GetObject")
    page.locator("#f-resource").fill("arn:aws:s3:::amzn-s3-demo-bucket/report.csv")
    page.locator("#f-identity-0").fill(ALLOW_ALL_S3)
    page.locator("#f-identity-0").press("Control+Enter")
    expect(page.get_by_test_id("decision")).to_have_text("Allowed")
    first_url = page.url

    page.locator("#f-action").fill("s3:DeleteBucket")
    page.locator("#f-resource").fill("arn:aws:s3:::amzn-s3-demo-bucket")
    page.locator("#f-identity-0").fill(ALLOW_ALL_S3.replace('"Allow"', '"Deny"'))
    page.locator("#f-action").press("Control+Enter")
    expect(page.get_by_test_id("decision")).to_have_text("Explicitly denied")
    assert page.url != first_url

    page.go_back()
    expect(page).to_have_url(first_url)
    expect(page.get_by_test_id("decision")).to_have_text("Allowed")
    expect(page.locator("#f-action")).to_have_value("s3:GetObject")


def test_adding_a_policy_box_keeps_what_was_typed(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    page.locator("#f-identity-0").fill(ALLOW_ALL_S3)
    page.get_by_test_id("add-identity").click()
    expect(page.locator("#f-identity-1")).to_be_focused()
    expect(page.locator("#f-identity-0")).to_have_value(ALLOW_ALL_S3)


def test_insert_aws_managed_policy(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    box = page.locator("#editor-identity-0 input.insert-managed")
    box.fill("AmazonS3ReadOnlyAccess")  # found among ~1,600 by name; Enter inserts it
    box.press("Enter")
    expect(page.locator("#f-identity-0")).to_have_value(re.compile(r"s3:Get\*"))
    expect(page.get_by_test_id("findings-identity-0")).to_contain_text("Valid", timeout=5000)


def test_invalid_submission_shows_error_summary(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    page.locator("#f-identity-0").fill('{"Statement": [')
    page.get_by_test_id("simulate").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Principal")
    expect(summary).to_contain_text("Invalid JSON")
    expect(summary).to_be_focused()
