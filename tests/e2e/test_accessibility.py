"""The accessibility sweep (issue 17; WCAG 2.1 AA): axe-core runs in Chromium on every kind of
page, as a student and as an instructor, and finds no serious or critical violation.

axe-core is vendored in tests/e2e/vendor/axe-core (MPL-2.0, see its README), so the sweep needs
neither npm nor the network on a fresh CI machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

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

AXE = (Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING = ("serious", "critical")
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices.
RUN = """() => axe.run(document, {
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  resultTypes: ["violations"],
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map(n => n.target.join(" ")),
})))"""


def violations(page: Page, url: str) -> list[str]:
    problem = visit(page, url)
    if problem:
        return [problem]
    # The page's Content-Security-Policy refuses inline scripts; evaluate() is not one.
    page.evaluate(AXE + "\n;0")
    found: list[dict[str, Any]] = page.evaluate(RUN)
    return [
        f"{url}: {v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'][:3])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def test_axe_finds_no_serious_or_critical_violation(live_server, page: Page) -> None:
    made = make_demo()
    found: list[str] = []
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.context.clear_cookies()
        sign_in(page, live_server.url, STUDENT)
        for path in student_pages(made.sandbox):
            found += violations(page, live_server.url + path)
        page.context.clear_cookies()
        sign_in(page, live_server.url, INSTRUCTOR)
        for path in instructor_pages(made.classroom):
            found += violations(page, live_server.url + path)
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
