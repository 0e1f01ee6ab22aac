"""The little Markdown of stories and walkthroughs: what it formats, and what it only shows."""

from __future__ import annotations

import pytest

from iamlab.labs.text import markdown


@pytest.mark.parametrize(
    ("source", "html"),
    [
        (
            "**bold** and *it* and `a*b*`",
            "<p><strong>bold</strong> and <em>it</em> and <code>a*b*</code></p>",
        ),
        ("# Title", "<h3>Title</h3>"),
        ("- one\n  two\n- three", "<ul><li>one two</li><li>three</li></ul>"),
        ("1. a\n2. b", "<ol><li>a</li><li>b</li></ol>"),
        # A number at the start of a wrapped line does not start a list mid-paragraph.
        (
            "a vendor (account\n999988887777) reads it",
            "<p>a vendor (account 999988887777) reads it</p>",
        ),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[link](javascript:alert(1))", "<p>[link](javascript:alert(1))</p>"),
    ],
)
def test_markdown(source: str, html: str) -> None:
    assert str(markdown(source)) == html
