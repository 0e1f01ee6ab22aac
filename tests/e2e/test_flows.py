"""Identities in action in the browser: switching roles twice, then asking as the session;
launching an instance with a profile and making a call from it (issue 4's two journeys)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from iamlab.sandbox import demo, models
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


def start(page: Page, base: str) -> models.Sandbox:
    person = PersonFactory(username="learner", password=PASSWORD)
    corp = demo.build_example_corp(person)
    page.goto(f"{base}/sandboxes/{corp.pk}/identity/")
    page.get_by_label("Username").fill("learner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Identities in action")).to_be_visible()
    expect(page.get_by_test_id("current-identity")).to_have_text("the designer of this sandbox")
    return corp


def test_switch_roles_twice_then_check_access_as_the_session(live_server, page: Page):
    """id_roles_use_switch-role-console.html: the auditor signs in with a passkey, switches to
    a role in Development, then to one in Production; the access check then asks as the
    ProductionAuditor session."""
    corp = start(page, live_server.url)
    audit = models.Account.objects.get(sandbox=corp, name="Audit")
    production = models.Account.objects.get(sandbox=corp, name="Production")
    development = models.Account.objects.get(sandbox=corp, name="Development")

    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Account", exact=True).select_option(str(audit.pk))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("IAM user name").fill("auditor")
    page.get_by_label("Password", exact=True).fill(models.DEFAULT_CONSOLE_PASSWORD)
    page.get_by_label("Use a passkey or security key instead").check()
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("current-identity")).to_contain_text("IAM user auditor")

    page.get_by_role("link", name="Switch roles in the console").click()
    for account, role, shown in (
        (development, "ReadOnlyAuditor", "Dev audit"),
        (production, "ProductionAuditor", "Prod audit"),
    ):
        page.get_by_label("Account ID or alias").fill(account.account_id)
        page.get_by_label("IAM role name").fill(role)
        page.get_by_label("Display name").fill(shown)
        page.get_by_test_id("switch").click()
        expect(page.get_by_test_id("flash")).to_contain_text(f"Switched to {shown}")
        expect(page.get_by_test_id("current-identity")).to_contain_text(shown)
    history = page.get_by_test_id("role-history")
    expect(history).to_contain_text("Dev audit")
    expect(history).to_contain_text("Prod audit")
    expect(page.get_by_test_id("back-to")).to_contain_text("Back to IAM user auditor")

    page.get_by_role("link", name="Access check").click()
    page.get_by_label("Action").fill("iam:ListRoles")
    page.get_by_role("button", name="Check access").click()
    result = page.get_by_test_id("result")
    expect(result.get_by_test_id("decision")).to_have_text("Allowed")
    expect(result).to_contain_text("assumed-role/ProductionAuditor/auditor")

    page.get_by_label("Action").fill("iam:CreateRole")
    page.get_by_role("button", name="Check access").click()
    expect(page.get_by_test_id("result").get_by_test_id("decision")).to_have_text(
        "Implicitly denied"
    )


def test_launch_an_instance_with_a_profile_and_call_from_it(live_server, page: Page):
    """id_roles_use_switch-role-ec2.html: alice (with her MFA code) launches an instance with
    WebAppProfile; the application reads IMDS and calls S3 as WebAppRole's session."""
    corp = start(page, live_server.url)
    development = models.Account.objects.get(sandbox=corp, name="Development")

    page.goto(f"{live_server.url}/sandboxes/{corp.pk}/identity/sign-in/?account={development.pk}")
    page.get_by_label("IAM user name").fill("alice")
    page.get_by_label("Password", exact=True).fill(models.DEFAULT_CONSOLE_PASSWORD)
    code = page.get_by_test_id("mfa-code-alice-phone").inner_text()
    page.get_by_label("MFA code").fill(code)
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("current-identity")).to_contain_text("IAM user alice")

    page.get_by_role("link", name="An application on EC2").click()
    page.get_by_label("Instance name").fill("reports-app")
    page.get_by_label("IAM instance profile").select_option(
        label="WebAppProfile (role: WebAppRole)"
    )
    page.get_by_test_id("launch").click()
    expect(page.get_by_test_id("launched")).to_contain_text("reports-app")
    instance = models.Ec2Instance.objects.get(sandbox=corp, name="reports-app")

    page.get_by_test_id("ask-imds").click()
    expect(page.locator("pre.imds")).to_contain_text("AWS-HMAC")

    page.get_by_label("Action").fill("s3:GetObject")
    page.get_by_label("Resource ARN").fill(f"arn:aws:s3:::{demo.BUCKET}/q3.csv")
    page.get_by_test_id("make-call").click()
    result = page.get_by_test_id("call-result")
    expect(result.get_by_test_id("decision")).to_have_text("Allowed")
    expect(result).to_contain_text(f"assumed-role/WebAppRole/{instance.instance_id}")
