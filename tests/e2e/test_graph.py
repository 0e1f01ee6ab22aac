"""The access graph in the browser: open it, click a node for its panel, highlight a path, and
light up who can do an action (issue 5's journey)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from iamlab.sandbox import demo, models
from tests.sandbox.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"
AUDITOR = "arn:aws:iam::123456789012:user/auditor"
READ_ONLY_AUDITOR = "arn:aws:iam::777788889999:role/ReadOnlyAuditor"


def test_open_the_graph_click_a_node_and_highlight_a_path(live_server, page: Page):
    person = PersonFactory(username="learner", password=PASSWORD)
    corp = demo.build_example_corp(person)
    # Every node: a graph this large opens on one node's neighbourhood (see below).
    page.goto(f"{live_server.url}/sandboxes/{corp.pk}/graph/?all=1")
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
    expect(page).to_have_url(re.compile(r"[?&]node="))
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


def test_a_large_graph_opens_on_a_neighbourhood_with_show_all_one_click_away(
    live_server, page: Page
):
    person = PersonFactory(username="learner", password=PASSWORD)
    corp = demo.build_example_corp(person)
    graph_url = f"{live_server.url}/sandboxes/{corp.pk}/graph/"
    page.goto(graph_url)
    page.get_by_label("Username").fill("learner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    canvas = page.get_by_test_id("graph-canvas")
    around = page.get_by_test_id("graph-around")
    # Nobody signed in: the identity with the most arrows, and what is two arrows away.
    expect(around).to_contain_text("Around OrderProcessorRole")
    drawn = canvas.locator("g.node")
    expect(drawn.first).to_be_visible()
    some = drawn.count()
    assert 3 < some < 24

    # "Show all" is one click away, and the URL says so.
    page.get_by_test_id("show-all").click()
    expect(around).to_contain_text("All 40 nodes")
    assert "all=1" in page.url
    assert drawn.count() > some
    # Back returns to the neighbourhood.
    page.go_back()
    expect(around).to_contain_text("Around OrderProcessorRole")

    # A node's panel moves the picture to its neighbourhood; the link can be shared.
    drawn.filter(has_text="bob").first.click()
    # The panel takes focus once it has arrived, which scrolls the page: wait for that
    # before clicking in it, or the click lands where the link was a moment before.
    expect(page.locator("#graph-panel")).to_be_focused()
    expect(page.get_by_test_id("node-panel")).to_contain_text("bob")
    page.get_by_test_id("show-neighbourhood").click()
    expect(around).to_contain_text("Around bob")
    shared = page.url
    page.goto(shared)
    expect(around).to_contain_text("Around bob (the chosen node)")
    expect(page.get_by_test_id("node-panel")).to_contain_text("bob")

    # Signed in as an identity (in the sandbox), the graph opens around it.
    auditor = models.IamUser.objects.get(sandbox=corp, name="auditor")
    models.Sandbox.objects.filter(pk=corp.pk).update(acting_as=f"user:{auditor.pk}")
    page.goto(graph_url)
    expect(around).to_contain_text("Around auditor (who you are signed in as)")
