"""Wildcard and ARN matching, compiled once to regular expressions.

Three different matchers, because AWS documents three different rules:

* **Action** (reference_policies_elements_action): ``service:Name`` is case-insensitive; ``*``
  matches any run of characters and ``?`` exactly one.
* **Resource element** (reference_policies_elements_resource): case-sensitive. The ARN has six
  colon-separated parts; a ``*`` inside one of the first five parts stays inside that part, except
  that "if the * wildcard is the last character of a resource ARN segment, it can expand to match
  beyond the colon boundaries". In the resource part (after the fifth colon) ``*`` matches
  anything, colons and slashes included.
* **ArnLike / ArnEquals** (reference_policies_elements_condition_operators, "Amazon Resource
  Name (ARN) condition operators"): case-sensitive, matched *per component*, so a ``*`` in the
  region never swallows the account. **StringLike** is a plain glob where ``*`` crosses
  everything.

A pattern is a sequence of pieces; a piece marked literal (text that came from a policy
variable, or ``${*}``) never acts as a wildcard.
"""

from __future__ import annotations

import functools
import re

__all__ = [
    "Piece",
    "action_regex",
    "arn_like_regex",
    "resource_pattern",
    "resource_regex",
    "string_like_regex",
]

# (text, literal): literal text is escaped even if it contains * or ?.
Piece = tuple[str, bool]


def _glob(text: str, star: str, question: str) -> str:
    out: list[str] = []
    for char in text:
        if char == "*":
            out.append(star)
        elif char == "?":
            out.append(question)
        else:
            out.append(re.escape(char))
    return "".join(out)


def _pieces_glob(pieces: tuple[Piece, ...], star: str, question: str) -> str:
    return "".join(re.escape(t) if literal else _glob(t, star, question) for t, literal in pieces)


@functools.lru_cache(maxsize=16384)
def action_regex(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching a lower-cased action against any of the (lower-cased) patterns."""
    alternatives = "|".join(_glob(p.lower(), ".*", ".") for p in patterns) or "(?!)"
    return re.compile(f"(?:{alternatives})", re.DOTALL)


@functools.lru_cache(maxsize=16384)
def string_like_regex(pieces: tuple[Piece, ...], ignore_case: bool = False) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(_pieces_glob(pieces, ".*", "."), flags)


def _split_pieces(pieces: tuple[Piece, ...], limit: int) -> list[tuple[Piece, ...]]:
    """Split pieces into ARN segments on their first ``limit`` colons.

    Colons split literal text too (a substituted value before the resource part would be a
    malformed ARN anyway); colons after the last split stay in the final segment."""
    segments: list[list[Piece]] = [[]]
    for text, literal in pieces:
        parts = text.split(":") if len(segments) <= limit else [text]
        for i, part in enumerate(parts):
            if i > 0:
                if len(segments) <= limit:
                    segments.append([])
                else:
                    segments[-1].append((":", True))
            if part:
                segments[-1].append((part, literal))
    return [tuple(s) for s in segments]


@functools.lru_cache(maxsize=16384)
def resource_regex(pieces: tuple[Piece, ...]) -> re.Pattern[str]:
    """Regex for one entry of a Resource / NotResource element (case-sensitive)."""
    return re.compile(resource_pattern(pieces), re.DOTALL)


def resource_pattern(pieces: tuple[Piece, ...]) -> str:
    """The source of :func:`resource_regex`, to join with others before compiling once."""
    segments = _split_pieces(pieces, 5)
    out: list[str] = []
    for index, segment in enumerate(segments):
        if index == 5:
            out.append(_pieces_glob(segment, ".*", "."))
            continue
        parts: list[str] = []
        for p_index, (text, literal) in enumerate(segment):
            if literal:
                parts.append(re.escape(text))
                continue
            last_piece = p_index == len(segment) - 1
            for c_index, char in enumerate(text):
                if char == "*":
                    trailing = last_piece and c_index == len(text) - 1
                    parts.append(".*" if trailing else "[^:]*")
                elif char == "?":
                    parts.append("[^:]")
                else:
                    parts.append(re.escape(char))
        out.append("".join(parts))
    return ":".join(out)


@functools.lru_cache(maxsize=16384)
def arn_like_regex(pieces: tuple[Piece, ...]) -> re.Pattern[str]:
    """Regex for ArnLike/ArnEquals: each of the six ARN components matched on its own."""
    segments = _split_pieces(pieces, 5)
    out = [
        _pieces_glob(segment, ".*" if index == 5 else "[^:]*", "." if index == 5 else "[^:]")
        for index, segment in enumerate(segments)
    ]
    return re.compile(":".join(out), re.DOTALL)
