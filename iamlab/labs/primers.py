"""Primers: one page per course unit, written from the seed chapter, and the glossary of the
terms that trip beginners.

They ship as data (``fixtures/primers/<unit>.yaml`` and ``fixtures/primers/glossary.yaml``),
read once per process. A primer's diagram is Graphviz DOT, drawn to SVG once and kept. Every
field is checked when read: a primer that is missing a field, names an unknown unit or term, or
whose diagram Graphviz cannot draw is refused with the file and field named, as scenario files
are (:class:`iamlab.labs.yamlsource.Problem`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import graphviz
import yaml
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from .course import UNITS
from .text import markdown
from .yamlsource import Problem

__all__ = [
    "GLOSSARY_FILE",
    "Primer",
    "PrimerInvalid",
    "Term",
    "glossary",
    "link_terms",
    "primer",
    "primers",
]

GLOSSARY_FILE = "glossary.yaml"
SEED_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id.html"
# The seed chapter's sections, by anchor ("IAM Identities (users, user groups, and roles)").
SEED_SECTIONS = {
    "id": "IAM Identities",
    "id_root": "AWS account root user",
    "id_iam-users": "IAM users",
    "id_iam-groups": "IAM user groups",
    "id_iam-roles": "IAM roles",
    "id_temp-creds": "Temporary credentials",
    "id_sso_users": "When to use IAM Identity Center users?",
    "id_which-to-choose": "When to create an IAM user (instead of a role)",
    "id_which-to-choose_role": "When to create an IAM role (instead of a user)",
}
_FIELDS = ("title", "seed", "summary", "body", "diagram", "terms")
_UNIT_KEYS = {u.key for u in UNITS}


class PrimerInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Term:
    key: str
    term: str
    text: str
    seed: str

    @property
    def html(self) -> SafeString:
        return markdown(self.text)

    @property
    def plain(self) -> str:
        """The text as a tooltip shows it: the Markdown marks (code, bold, italic) dropped."""
        return re.sub(r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`", "", self.text)


@dataclass(frozen=True)
class Primer:
    unit: str
    title: str
    seed: tuple[str, ...]  # anchors of the seed chapter's sections it is written from
    summary: str
    body: str  # Markdown
    diagram: str  # DOT
    terms: tuple[str, ...]

    @property
    def html(self) -> SafeString:
        return link_terms(markdown(self.body))

    @property
    def seed_links(self) -> list[tuple[str, str]]:
        """(section title, link) of each seed section the primer is written from."""
        return [(SEED_SECTIONS.get(a, a), f"{SEED_PAGE}#{a}") for a in self.seed]

    @property
    def svg(self) -> SafeString:
        return _svg(self.diagram)


def _folder() -> Path:
    return Path(getattr(settings, "IAMLAB_PRIMERS", settings.BASE_DIR / "fixtures" / "primers"))


@functools.lru_cache(maxsize=64)
def _svg(dot: str) -> SafeString:
    """The diagram drawn by Graphviz (shipped text, checked when read): an inline SVG."""
    svg: str = graphviz.Source(dot).pipe(format="svg").decode("utf-8")
    start = svg.find("<svg")
    # Graphviz's drawing of shipped DOT (checked when read), not learner text.
    return mark_safe(svg[start:] if start >= 0 else svg)  # noqa: S308


def _text(where: str, data: dict[str, object], key: str, problems: list[Problem]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(where, key, "must be a text that is not empty"))
        return ""
    return value.strip()


def read_glossary(path: Path) -> dict[str, Term]:
    where = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PrimerInvalid([Problem(where, "", f"cannot be read: {exc}")]) from exc
    if not isinstance(data, dict):
        raise PrimerInvalid([Problem(where, "", "must be a mapping of term keys to terms")])
    problems: list[Problem] = []
    terms: dict[str, Term] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(Problem(where, str(key), "must be a mapping with term, text and seed"))
            continue
        fields = [_text(where, entry, f, problems) for f in ("term", "text", "seed")]
        terms[str(key)] = Term(str(key), *fields)
    if problems:
        raise PrimerInvalid(problems)
    return terms


def read_primer(path: Path, terms: dict[str, Term]) -> Primer:
    where = path.name
    unit = path.stem
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PrimerInvalid([Problem(where, "", f"cannot be read: {exc}")]) from exc
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise PrimerInvalid([Problem(where, "", f"must be a mapping with {', '.join(_FIELDS)}")])
    if unit not in _UNIT_KEYS:
        problems.append(Problem(where, "", f"{unit} is not a unit of the course"))
    for key in data:
        if key not in _FIELDS:
            problems.append(Problem(where, str(key), f"is not a field; the fields are {_FIELDS}"))
    title, summary, body, diagram = (
        _text(where, data, key, problems) for key in ("title", "summary", "body", "diagram")
    )
    seed = data.get("seed")
    anchors = (seed,) if isinstance(seed, str) else tuple(seed) if isinstance(seed, list) else ()
    if not anchors or not all(isinstance(a, str) and a in SEED_SECTIONS for a in anchors):
        problems.append(
            Problem(
                where, "seed", f"must name the seed section(s), one of {', '.join(SEED_SECTIONS)}"
            )
        )
    listed = data.get("terms") or []
    if not isinstance(listed, list):
        problems.append(Problem(where, "terms", "must be a list of glossary term keys"))
        listed = []
    for term in listed:
        if term not in terms:
            problems.append(Problem(where, "terms", f"{term} is not in {GLOSSARY_FILE}"))
    if diagram:
        try:
            _svg(diagram)
        except (graphviz.CalledProcessError, graphviz.ExecutableNotFound) as exc:
            problems.append(Problem(where, "diagram", f"Graphviz cannot draw it: {exc}"))
    if problems:
        raise PrimerInvalid(problems)
    return Primer(
        unit, title, tuple(str(a) for a in anchors), summary, body, diagram, tuple(listed)
    )


@functools.cache
def glossary() -> dict[str, Term]:
    path = _folder() / GLOSSARY_FILE
    return read_glossary(path) if path.exists() else {}


@functools.cache
def primers() -> dict[str, Primer]:
    """Every shipped primer by unit key, read and checked once per process."""
    terms = glossary()
    found: dict[str, Primer] = {}
    folder = _folder()
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.yaml")):
        if path.name == GLOSSARY_FILE:
            continue
        found[path.stem] = read_primer(path, terms)
    return found


def primer(unit: str) -> Primer | None:
    return primers().get(unit)


_TAG = re.compile(r"(<[^>]+>)")


@functools.cache
def _term_pattern() -> tuple[re.Pattern[str] | None, dict[str, Term]]:
    """One pattern for every glossary term's words, longest first ("Role session" before
    "Role"), and the term each lower-cased phrase stands for."""
    by_phrase: dict[str, Term] = {}
    for term in glossary().values():
        phrase = term.term.split(" (")[0].strip()
        if len(phrase) >= 3:
            by_phrase.setdefault(phrase.lower(), term)
    if not by_phrase:
        return None, {}
    words = sorted(by_phrase, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w:/-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.IGNORECASE
    )
    return pattern, by_phrase


def link_terms(html: str) -> SafeString:
    """``html`` (safe, from :func:`markdown`) with the first mention of each glossary term
    linked to its entry, its meaning in the link's title. Text inside tags, code and links is
    left alone."""
    from django.urls import reverse
    from django.utils.html import escape

    pattern, by_phrase = _term_pattern()
    if pattern is None:
        return mark_safe(html)  # noqa: S308 - already safe HTML
    page = reverse("labs:glossary")
    seen: set[str] = set()
    out: list[str] = []
    skip = 0  # inside <code> or <a>
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = part[1:].split()[0].rstrip(">").lower() if len(part) > 2 else ""
            if name in ("code", "a", "pre"):
                skip += 1
            elif name in ("/code", "/a", "/pre"):
                skip = max(0, skip - 1)
            out.append(part)
            continue
        if skip:
            out.append(part)
            continue

        def one(match: re.Match[str]) -> str:
            term = by_phrase[match.group(1).lower()]
            if term.key in seen:
                return match.group(0)
            seen.add(term.key)
            return (
                f'<a class="term" href="{page}#term-{term.key}" title="{escape(term.plain)}">'
                f"{match.group(0)}</a>"
            )

        out.append(pattern.sub(one, part))
    return mark_safe("".join(out))  # noqa: S308 - escaped text, our own tags


def forget() -> None:
    """Read the primers and the glossary again on next use (tests, and a changed folder)."""
    glossary.cache_clear()
    primers.cache_clear()
    _term_pattern.cache_clear()
