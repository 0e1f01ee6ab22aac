"""Drawing the graph: escaping, folding a large sandbox, highlighting, filters and focus."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from iamlab.graph import SsoGrantIn, render
from iamlab.graph.render import quote

from .kit import ADMIN, A, B, allow, graph, role, role_arn, trust_aws, user, user_arn


@pytest.mark.parametrize(
    ("text", "dot"),
    [
        ("alice", '"alice"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash \\N \\G \\l", '"back\\\\slash \\\\N \\\\G \\\\l"'),
        ("<b>html</b>", '"<b>html</b>"'),  # quoted: never an HTML-like label
        ("two\nlines", '"two\\nlines"'),
        ("tab\there\x00", '"tab here "'),
    ],
)
def test_quote_makes_any_text_a_plain_dot_string(text, dot):
    assert quote(text) == dot


def test_user_text_in_the_svg_is_escaped_and_carries_no_link_or_script():
    target = role("Target", trust_aws(user_arn("nobody")))
    grant = SsoGrantIn(
        "u-1",
        'bob<script>alert(1)</script>"&',
        "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
        "Ops",
        target.arn,
    )
    g = graph(target, sso=[grant])
    svg = render.svg(render.dot(render.view(g), title='<img src=x onerror="alert(1)">'))
    assert "<script" not in svg
    assert "<img" not in svg
    assert "&lt;script&gt;" in svg
    assert "href" not in svg
    tree = ElementTree.fromstring(svg)  # noqa: S314 - Graphviz's output in a test
    for element in tree.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        assert tag not in ("script", "foreignObject", "image", "iframe")
        # Graphviz wraps tooltips in <a xlink:title=...>: never with a link to follow.
        assert not any(name.rsplit("}", 1)[-1] == "href" for name in element.attrib)
        assert not any(name.lower().startswith("on") for name in element.attrib)
    texts = " ".join(t.text or "" for t in tree.iter("{http://www.w3.org/2000/svg}text"))
    assert '<script>alert(1)</script>"&' in texts


def test_a_large_graph_folds_the_principals_that_take_part_in_nothing():
    loners = [user(f"u{i:03}") for i in range(150)]
    admin = user("admin", ADMIN)
    caller = user("caller", allow("sts:AssumeRole"))
    target = role("Target", trust_aws(user_arn("caller")))
    g = graph(admin, caller, target, *loners)
    v = render.view(g, limit=50)
    shown = {n.id for n in v.nodes}
    # Admins and every node on an edge stay; the loners become one summary box.
    assert {admin.arn, caller.arn, target.arn} <= shown
    assert not any(n.id == user_arn("u000") for n in v.nodes)
    ((account, label, count),) = v.summaries.values()
    assert account == A
    assert count == 150
    assert "150 more" in label
    assert "150 more" in render.dot(v)
    # Below the limit nothing is folded.
    assert render.view(g, limit=1000).summaries == {}


def test_a_path_is_highlighted_and_filters_keep_its_ends():
    caller = user("caller", allow("sts:AssumeRole"))
    target = role("Target", trust_aws(user_arn("caller")))
    other = user("other", account=B)
    g = graph(caller, target, other)
    path = g.path(caller.arn, target.arn)
    assert path is not None
    v = render.view(g, accounts=[B], highlight_path=path)
    shown = {n.id for n in v.nodes}
    assert {caller.arn, target.arn, other.arn} <= shown
    dot = render.dot(v)
    assert 'class="edge-assume highlight"' in dot
    assert v.highlight_nodes == {caller.arn, target.arn}


def test_focus_keeps_the_neighbourhood():
    caller = user("caller", allow("sts:AssumeRole"))
    target = role("Target", trust_aws(user_arn("caller")))
    far = role("Far", trust_aws(role_arn("Target")), allow("sts:AssumeRole"))
    g = graph(caller, target, far, user("stranger"))
    near = {n.id for n in render.view(g, focus=[caller.arn], depth=1).nodes}
    assert near == {caller.arn, target.arn}
    wider = {n.id for n in render.view(g, focus=[caller.arn], depth=2).nodes}
    assert role_arn("Far") in wider or near <= wider


def test_the_key_lists_only_fixed_text():
    g = graph(user("x<y>", ADMIN))
    legend = "\n".join(render.dot(render.view(g)).splitlines()[-3:])
    assert "x<y>" not in legend
    assert "★ admin" in legend


def test_past_the_limit_only_the_nodes_a_learner_looks_for_first_stay():
    many = [user(f"u{i:03}", allow("sts:AssumeRole")) for i in range(60)]
    targets = [role(f"R{i:03}", trust_aws(user_arn(f"u{i:03}"))) for i in range(60)]
    escalator = user("mallory", allow("iam:CreateAccessKey", user_arn("boss")))
    boss = user("boss", ADMIN)
    g = graph(*many, *targets, escalator, boss)
    v = render.view(g, limit=40)
    shown = {n.id for n in v.nodes}
    assert v.trimmed
    assert {escalator.arn, boss.arn} <= shown  # the escalation path stays
    assert user_arn("u000") not in shown  # ordinary same-account trust is folded
    assert any("filter to see them" in label for _a, label, _n in v.summaries.values())
    assert not render.view(g, limit=1000).trimmed


def test_highlights_are_marked_on_the_drawing_without_moving_it():
    caller = user("caller", allow("sts:AssumeRole"))
    target = role("Target", trust_aws(user_arn("caller")))
    g = graph(caller, target, user("other"))
    path = g.path(caller.arn, target.arn)
    assert path is not None
    plain = render.view(g)
    lit = render.view(g, highlight_path=path)
    # The same picture either way (so it comes from the cache and does not jump around)...
    drawn = render.svg(render.dot(lit, highlight=False))
    assert drawn == render.svg(render.dot(plain, highlight=False))
    # ...with the path's nodes and edge marked afterwards.
    marked = render.mark(drawn, lit)
    assert marked.count(' highlight"') == 3
    assert 'class="has-highlight"' in marked
    assert render.mark(drawn, plain) == drawn


def test_lit_nodes_light_up_where_drawn_or_through_their_summary_box():
    loners = [user(f"u{i:03}") for i in range(30)]
    caller = user("caller", allow("sts:AssumeRole"))
    target = role("Target", trust_aws(user_arn("caller")))
    g = graph(caller, target, *loners)
    plain = render.view(g, limit=10)
    lit = render.view(g, limit=10, lit=[caller.arn, user_arn("u007")])
    # The question does not change what is drawn...
    assert [n.id for n in lit.nodes] == [n.id for n in plain.nodes]
    assert render.dot(lit, highlight=False) == render.dot(plain, highlight=False)
    # ...it lights up the caller and the box u007 is folded into.
    assert lit.highlight_nodes == {caller.arn, f"summary:{A}:user"}
