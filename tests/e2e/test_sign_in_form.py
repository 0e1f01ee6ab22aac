"""The console sign-in form, as a learner sees it: the "Sign in as" radios on one line beside
their labels, the passkey checkbox beside its label, a styled Continue, the password field
(id_users_sign-in.html), and no button anywhere left with the browser's native look."""

from __future__ import annotations

import pytest
from playwright.sync_api import FloatRect, Page, expect

from iamlab.sandbox import demo, models
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
TYPED = "Wr0ng-Secret-typed"


def _start(page: Page, base: str) -> models.Sandbox:
    person = PersonFactory(username="learner", password=PASSWORD)
    corp = demo.build_example_corp(person)
    page.goto(f"{base}/sandboxes/{corp.pk}/identity/sign-in/")
    page.get_by_label("Username").fill("learner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Sign in to an account")).to_be_visible()
    return corp


def _box(page: Page, selector: str) -> FloatRect:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


def _beside(control: FloatRect, label: FloatRect) -> bool:
    """The control sits on its label's line, at its left (not above it)."""
    middle = control["y"] + control["height"] / 2
    return label["y"] <= middle <= label["y"] + label["height"] and control["width"] < 40


def test_the_sign_in_form_reads_in_lines(live_server, page: Page):
    page.set_viewport_size({"width": 1366, "height": 900})
    corp = _start(page, live_server.url)
    radios = page.locator(".choice-row label")
    expect(radios).to_have_count(3)
    tops = {round(_box(page, f".choice-row label >> nth={i}")["y"]) for i in range(3)}
    assert max(tops) - min(tops) <= 2, tops  # one line
    for value in ("user", "key", "root"):
        radio = _box(page, f'input[type="radio"][value="{value}"]')
        label = _box(page, f'.choice-row label:has(input[value="{value}"])')
        assert _beside(radio, label), (value, radio, label)

    passkey = _box(page, 'input[name="passkey"]')
    assert _beside(passkey, _box(page, "label.check"))
    assert _box(page, "label.check")["height"] < 40  # one line, not a box above its text

    styles = page.get_by_test_id("sign-in-continue").evaluate(
        "b => { const s = getComputedStyle(b);"
        " return [s.backgroundColor, s.borderRadius, s.fontWeight, s.borderTopStyle]; }"
    )
    assert styles == ["rgb(255, 255, 255)", "6px", "600", "solid"]

    # A typed password is never shown again, and the refusal keeps AWS's sentence.
    page.get_by_label("IAM user name").fill("auditor")  # the Audit account comes first
    page.get_by_label("Password", exact=True).fill(TYPED)
    page.get_by_test_id("sign-in").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("not auditor's console password")
    expect(summary).to_contain_text("Your authentication information is incorrect")
    assert TYPED not in page.content()
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    page.get_by_label("Password", exact=True).fill(models.DEFAULT_CONSOLE_PASSWORD)
    page.get_by_label("Use a passkey or security key instead").check()
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("current-identity")).to_contain_text("IAM user auditor")

    # The hub's clock buttons carry no class: they look like every other plain button.
    page.goto(f"{live_server.url}/sandboxes/{corp.pk}/identity/")
    bare = page.locator("button:not([class])").first
    expect(bare).to_be_visible()
    assert bare.evaluate("b => getComputedStyle(b).borderTopColor") == "rgb(154, 165, 181)"
    assert bare.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"


def test_the_sign_in_form_fits_a_phone(live_server, page: Page):
    page.set_viewport_size({"width": 390, "height": 844})
    _start(page, live_server.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert _beside(_box(page, 'input[name="passkey"]'), _box(page, "label.check"))
