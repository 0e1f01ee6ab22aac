from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_as_a_student_with_the_keyboard(live_server, page: Page):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up").click()
    username = page.get_by_label("Username")
    expect(username).to_be_focused()
    page.keyboard.type("keyboard-kim")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password again")).to_be_focused()
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Tab")
    student = page.get_by_label("I am a student")
    expect(student).to_be_focused()
    expect(student).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("sign-up")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("account-name")).to_have_text("keyboard-kim")
    expect(page.get_by_test_id("instructor-badge")).to_have_count(0)
    expect(page.get_by_test_id("flash")).to_contain_text("Welcome, keyboard-kim")
    expect(page).to_have_url(f"{live_server.url}/labs/course/")  # a learner's home
