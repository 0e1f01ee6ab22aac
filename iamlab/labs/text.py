"""The little Markdown a scenario's story and walkthrough use, turned into safe HTML.

Paragraphs, ``#`` headings, ``-`` and ``1.`` lists, ``**bold**``, ``*italic*``, ```code```
and ``[text](https://...)`` links (https only); nothing else. Every character of the source
is escaped first, so no HTML or script an author writes reaches the page: the text is shown,
not run.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .scenario import GOAL_REF

__all__ = ["goal_refs", "markdown"]

_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])")
_HEADING = re.compile(r"(#{1,3})\s+(.*)")
_BULLET = re.compile(r"[-*]\s+(.*)")
_NUMBERED = re.compile(r"\d+[.)]\s+(.*)")


def _inline(text: str) -> str:
    out = []
    last = 0
    # Code spans first: nothing inside them is emphasis.
    for match in _CODE.finditer(text):
        out.append(_emphasis(escape(text[last : match.start()])))
        out.append(f"<code>{escape(match.group(1))}</code>")
        last = match.end()
    out.append(_emphasis(escape(text[last:])))
    return "".join(out)


# On escaped text: the URL's & is already &amp;, and only https links become links.
_LINK = re.compile(r"\[([^\]\n]+)\]\((https://[^)\s\"'<>]+)\)")


def _emphasis(html: str) -> str:
    html = _LINK.sub(r'<a href="\2">\1</a>', html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def markdown(source: str) -> SafeString:
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            blocks.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            body = "".join(f"<li>{_inline(i)}</li>" for i in items)
            blocks.append(f"<{list_tag}>{body}</{list_tag}>")
            items.clear()
            list_tag = ""

    for raw in source.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        if heading := _HEADING.fullmatch(line):
            flush()
            level = len(heading.group(1)) + 2  # an author's # is a section of the page: h3
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            continue
        bullet = _BULLET.fullmatch(line)
        numbered = _NUMBERED.fullmatch(line)
        if numbered and paragraph and not line.startswith("1"):
            numbered = None  # "(account\n999988887777) reads…": only "1." starts a list mid-text
        if bullet or numbered:
            tag = "ul" if bullet else "ol"
            if paragraph or (items and tag != list_tag):
                flush()
            list_tag = tag
            items.append((bullet or numbered).group(1))  # type: ignore[union-attr]
            continue
        if items and raw[:1] in (" ", "\t"):
            items[-1] += " " + line  # a list item that goes on to the next line
            continue
        if items:
            flush()
        paragraph.append(line)
    flush()
    return mark_safe("\n".join(blocks))  # noqa: S308 - every piece of text was escaped above


# The story's mark (scenario.GOAL_REF), with the space before it: the link brings its own.
_GOAL_REF = re.compile(r"\s?" + GOAL_REF.pattern)


def goal_refs(html: SafeString, goals: list[tuple[str, str, bool | None]]) -> SafeString:
    """A story's ``[[goal-id]]`` marks, on its HTML, as links to the goals they name: "goal
    2", with a tick once it holds. ``goals`` is (id, what it says, holds or None) in order."""
    numbers = {goal_id: (n, says, holds) for n, (goal_id, says, holds) in enumerate(goals, 1)}

    def link(match: re.Match[str]) -> str:
        found = numbers.get(match.group(1))
        if found is None:
            return ""
        n, says, holds = found
        state = {True: " holds", False: " fails", None: ""}[holds]
        mark = {True: " ✓", False: "", None: ""}[holds]
        words = {True: ", holds", False: ", not yet", None: ""}[holds]
        return (
            f' <a class="goal-ref{state}" href="#goal-{escape(match.group(1))}" '
            f'title="Goal {n}: {escape(says)}" data-testid="goal-ref-{escape(match.group(1))}">'
            f'goal {n}{mark}<span class="visually-hidden">{words}</span></a>'
        )

    return mark_safe(_GOAL_REF.sub(link, html))  # noqa: S308 - ids are checked, says escaped
