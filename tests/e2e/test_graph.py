"""The access graph in the browser: open it, click a node for its panel, highlight a path, and
light up who can do an action (issue 5's journey)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from iamlab.sandbox import demo
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
AUDITOR = "arn:aws:iam::123456789012:user/auditor"
READ_ONLY_AUDITOR = "arn:aws:iam::777788889999:role/ReadOnlyAuditor"


def test_open_the_graph_click_a_node_and_highlight_a_path(live_server, page: Page):
    person = PersonFactory(username="learner", password=PASSWORD)
    corp = demo.build_example_corp(person)
    page.goto(f"{live_server.url}/sandboxes/{corp.pk}/graph/")
    page.get_by_label("Username").fill("learner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Access graph")).to_be_visible()
    canvas = page.get_by_test_id("graph-canvas")
    expect(canvas.locator("svg")).to_be_visible()

    # Clicking a node opens its panel in place, and the URL remembers it.
    auditor = canvas.locator("g.node", has_text="auditor").filter(has_text="IAM user").first
    auditor.click()
    panel = page.get_by_test_id("node-panel")
    expect(panel).to_contain_text("auditor")
    expect(panel).to_contain_text("ReadOnlyAuditor")
    expect(panel).to_contain_text("aws:MultiFactorAuthPresent")
    assert "node=" in page.url
    # Its allowed actions arrive from the engine a moment later.
    expect(panel.get_by_test_id("node-actions")).to_contain_text("Amazon S3")

    # The keyboard reaches nodes too: focus one and press Enter.
    alice = canvas.locator("g.node", has_text="alice").first
    alice.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("node-panel")).to_contain_text("★ Admin")

    # Pick two nodes: the path is explained step by step and drawn highlighted.
    page.get_by_label("From", exact=True).select_option(AUDITOR)
    page.get_by_label("To", exact=True).select_option(READ_ONLY_AUDITOR)
    page.get_by_role("button", name="Show").click()
    answer = page.get_by_test_id("path-answer")
    expect(answer).to_contain_text("1 step from auditor to ReadOnlyAuditor")
    expect(answer).to_contain_text("can assume (cross-account)")
    expect(canvas.locator("g.edge.highlight")).to_have_count(1)
    expect(canvas.locator("g.node.highlight")).to_have_count(2)
    assert "from=" in page.url

    # Back shows the graph as it was before the question.
    page.go_back()
    expect(page.get_by_test_id("path-answer")).to_have_count(0)
