"""Every main page fits a 390 px wide phone without scrolling sideways (issue 17): the
document is no wider than the viewport. Only the access graph pans, inside its own box."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize

from tests.e2e.pages import (
    INSTRUCTOR,
    STUDENT,
    instructor_pages,
    make_demo,
    sign_in,
    student_pages,
    visit,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE: ViewportSize = {"width": 390, "height": 844}


def too_wide(page: Page, url: str) -> str | None:
    problem = visit(page, url)
    if problem:
        return problem
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        return f"{url}: {width} px wide"
    return None


def test_every_main_page_fits_a_390_px_phone(live_server, page: Page) -> None:
    made = make_demo()
    page.set_viewport_size(PHONE)
    problems: list[str | None] = []
    # Nothing a page asks for is missing (its icon, styles, scripts).
    page.on(
        "response",
        lambda r: problems.append(f"{r.url}: HTTP 404") if r.status == 404 else None,
    )
    sign_in(page, live_server.url, STUDENT)
    for path in student_pages(made.sandbox):
        problems.append(too_wide(page, live_server.url + path))
    page.context.clear_cookies()
    sign_in(page, live_server.url, INSTRUCTOR)
    for path in instructor_pages(made.classroom):
        problems.append(too_wide(page, live_server.url + path))
    found = [p for p in problems if p]
    assert not found, "Pages wider than a 390 px phone:\n" + "\n".join(found)
