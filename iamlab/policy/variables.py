"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``, ``${*}``.

Source: IAM User Guide, "IAM policy elements: Variables and tags" (reference_policies_variables).

* Variables work only in policies with ``"Version": "2012-10-17"``; otherwise ``${...}`` is
  literal text.
* ``${*}``, ``${?}`` and ``${$}`` stand for a literal ``*``, ``?`` and ``$``.
* A default is written after a comma and a space: ``${key, 'default-value'}``.
* Only single-valued keys can be variables; a key with several values (or none) leaves the
  variable without a value.
* A variable without a value makes the Resource entry match nothing, and makes a condition value
  match nothing (so ``StringEquals`` fails and ``StringNotEquals`` succeeds).

Documented choices (tested in tests/policy):
* V1: a ``NotResource`` entry whose variable has no value matches no resource, so the
  ``NotResource`` element matches every resource. The page's "Policy variables with no value"
  says such a Resource or NotResource entry matches no resource; its note that an unresolved
  variable "might cause the entire statement to be invalid" is not taken to drop the statement.
  So for a role session (no ``aws:username``), ``Allow ... NotResource .../${aws:username}/*``
  allows every resource and the same ``Deny`` denies every resource.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .wildcards import Piece

__all__ = ["Template", "parse_template"]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_WITH_DEFAULT = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}

# A lookup returns the single string value of a (lower-cased) key, or None.
Lookup = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class _Var:
    key: str  # as written
    key_lower: str
    default: str | None


@dataclass(frozen=True, slots=True)
class Template:
    """A string that may contain policy variables, split into text and variable parts."""

    text: str
    parts: tuple[str | _Var, ...]
    literal_parts: frozenset[int]  # indexes of parts that are ${*}/${?}/${$}
    malformed: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # the keys of the variables, as written

    @property
    def has_variables(self) -> bool:
        return bool(self.keys)

    def static_pieces(self) -> tuple[Piece, ...]:
        return tuple(
            (p, i in self.literal_parts) for i, p in enumerate(self.parts) if isinstance(p, str)
        )

    def resolve(self, lookup: Lookup) -> tuple[tuple[Piece, ...] | None, tuple[str, ...]]:
        """Substitute variables. Returns (pieces or None if a variable has no value, missing keys).

        Substituted values are literal: a ``*`` inside a tag value is not a wildcard.
        """
        pieces: list[Piece] = []
        missing: list[str] = []
        for index, part in enumerate(self.parts):
            if isinstance(part, str):
                pieces.append((part, index in self.literal_parts))
                continue
            value = lookup(part.key_lower)
            if value is None:
                if part.default is None:
                    missing.append(part.key)
                    continue
                value = part.default
            pieces.append((value, True))
        if missing:
            return None, tuple(missing)
        return tuple(pieces), ()

    def render(self, lookup: Lookup) -> str | None:
        pieces, _ = self.resolve(lookup)
        return None if pieces is None else "".join(text for text, _ in pieces)


def parse_template(text: str, variables_enabled: bool) -> Template:
    if not variables_enabled or "${" not in text:
        return Template(text, (text,), frozenset())
    parts: list[str | _Var] = []
    literal: set[int] = set()
    malformed: list[str] = []
    pos = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > pos:
            parts.append(text[pos : match.start()])
        inner = match.group(1)
        if inner in _SPECIAL:
            literal.add(len(parts))
            parts.append(_SPECIAL[inner])
        else:
            key_match = _KEY_WITH_DEFAULT.fullmatch(inner)
            if key_match is None:
                malformed.append(match.group())
                parts.append(match.group())
            else:
                key = key_match.group(1)
                parts.append(_Var(key, key.lower(), key_match.group(2)))
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    keys = tuple(p.key for p in parts if isinstance(p, _Var))
    return Template(text, tuple(parts), frozenset(literal), tuple(malformed), keys)
