"""What changes between two versions of a policy: in its text, and in its effect.

Sources: IAM User Guide, "Versioning IAM policies" (access_policies_managed-versioning): a
managed policy keeps up to five versions and one of them is the default, so a learner comparing
versions wants to see both what was edited and what the edit does. The effect is compared with
:func:`iamlab.policy.reach.reach`, the equivalent of the console's policy summary
(access_policies_understand-policy-summary).

* :func:`diff_documents` compares two policy texts line by line after normalising them, so that
  reformatting or reordering the keys of a statement is not reported as a change. The order of
  statements and of the values in a list is kept: that is what the author wrote, and it is
  what the console's JSON view shows.
* :func:`reach_changes` states in plain English which access levels and actions a new version
  grants or stops granting, service by service.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any, Literal

from .catalog import ACCESS_LEVELS
from .model import Policy
from .reach import LevelReach, ServiceReach, reach

__all__ = ["DiffKind", "DiffLine", "diff_documents", "normalise_document", "reach_changes"]

DiffKind = Literal["same", "added", "removed"]

# Top-level elements in the order the IAM User Guide's examples write them
# (reference_policies_elements); anything else follows, sorted.
_TOP_LEVEL = ("Version", "Id", "Statement")

# How many action names a change line spells out before "and N more".
_SHOWN = 5


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: DiffKind
    old_number: int | None  # 1-based line number in the normalised old text
    new_number: int | None  # 1-based line number in the normalised new text
    text: str


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def normalise_document(text: str) -> str:
    """The text a diff compares: JSON re-dumped with stable key order, or ``text`` unchanged.

    A policy object keeps its statements in order, each statement's keys (and the keys of the
    objects inside it, such as Condition) sorted; Version, Id and Statement come first. Text
    that is not JSON is returned as it is, so an invalid draft can still be compared.
    """
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if not isinstance(value, dict):
        return json.dumps(_sorted_keys(value), indent=2, ensure_ascii=False)
    ordered: dict[str, Any] = {}
    for key in (*_TOP_LEVEL, *sorted(k for k in value if k not in _TOP_LEVEL)):
        if key not in value:
            continue
        element = value[key]
        if key == "Statement":
            element = (
                [_sorted_keys(s) for s in element]
                if isinstance(element, list)
                else _sorted_keys(element)
            )
        elif isinstance(element, dict | list):
            element = _sorted_keys(element)
        ordered[key] = element
    return json.dumps(ordered, indent=2, ensure_ascii=False)


def diff_documents(old: str, new: str) -> list[DiffLine]:
    """A line diff of two policy texts, each normalised first (see :func:`normalise_document`).

    Every line of both texts appears once: unchanged lines as "same" with both line numbers,
    lines only in the old text as "removed", lines only in the new text as "added" (removals
    before additions where a block was replaced).
    """
    old_lines = normalise_document(old).splitlines()
    new_lines = normalise_document(new).splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(
                DiffLine("same", i + 1, j + 1, old_lines[i])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        out.extend(DiffLine("removed", i + 1, None, old_lines[i]) for i in range(i1, i2))
        out.extend(DiffLine("added", None, j + 1, new_lines[j]) for j in range(j1, j2))
    return out


def _listing(service: str, names: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(f"{service}:{name}" for name in names[:_SHOWN])
    more = len(names) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _qualifiers(what: LevelReach | ServiceReach) -> str:
    notes = []
    if what.conditional:
        notes.append("only under a condition")
    if what.resource_scoped:
        notes.append("only on specific resources")
    if what.partly_denied:
        notes.append("partly denied")
    if not notes:
        return ""
    return ", " + (", ".join(notes[:-1]) + " and " if len(notes) > 1 else "") + notes[-1]


def _granted(service: str, level: LevelReach) -> str:
    if level.full:
        return f"all {level.total} action{'s' if level.total != 1 else ''}"
    return _listing(service, level.allowed)


def _level_changes(
    service: str, name: str, old: LevelReach | None, new: LevelReach | None
) -> list[str]:
    if old is None:
        if new is None:
            return []
        return [f"{service}: {name} now allowed ({_granted(service, new)}){_qualifiers(new)}"]
    if new is None:
        return [f"{service}: {name} no longer allowed"]
    lines: list[str] = []
    gained = sorted(set(new.allowed) - set(old.allowed), key=str.lower)
    lost = sorted(set(old.allowed) - set(new.allowed), key=str.lower)
    if gained:
        full = " (now full)" if new.full else ""
        lines.append(f"{service}: {name} now also allows {_listing(service, gained)}{full}")
    if lost:
        lines.append(f"{service}: {name} no longer allows {_listing(service, lost)}")
    for flag, on, off in (
        ("conditional", "is now allowed only under a condition", "no longer needs a condition"),
        (
            "resource_scoped",
            "is now allowed only on specific resources",
            "now applies to all resources",
        ),
    ):
        before, after = getattr(old, flag), getattr(new, flag)
        if after and not before:
            lines.append(f"{service}: {name} {on}")
        elif before and not after:
            lines.append(f"{service}: {name} {off}")
    now_denied = sorted(set(new.partly_denied) - set(old.partly_denied), key=str.lower)
    no_longer = sorted(set(old.partly_denied) - set(new.partly_denied), key=str.lower)
    if now_denied:
        lines.append(
            f"{service}: {name} now partly denied "
            f"(under a condition or on some resources): {_listing(service, now_denied)}"
        )
    if no_longer:
        lines.append(f"{service}: {name} no longer partly denied: {_listing(service, no_longer)}")
    return lines


def _service_changes(service: str, old: ServiceReach | None, new: ServiceReach | None) -> list[str]:
    lines: list[str] = []
    old_levels = old.levels if old is not None else {}
    new_levels = new.levels if new is not None else {}
    if new is not None and new.full and not (old is not None and old.full):
        # One line rather than one per level: what matters is that nothing is left out.
        was = f" (was {old.summary})" if old is not None and old_levels else ""
        lines.append(f"{service}: Full access now allowed{was}{_qualifiers(new)}")
    elif old is not None and old.full and not new_levels:
        lines.append(f"{service}: Full access no longer allowed")
    else:
        order = sorted(
            new_levels.keys() | old_levels.keys(),
            key=lambda lvl: (
                ACCESS_LEVELS.index(lvl) if lvl in ACCESS_LEVELS else len(ACCESS_LEVELS),
                lvl,
            ),
        )
        for level in order:
            lines.extend(
                _level_changes(service, level, old_levels.get(level), new_levels.get(level))
            )
    old_dead = set(old.unrecognized) if old is not None else set()
    new_dead = set(new.unrecognized) if new is not None else set()
    for entry in sorted(new_dead - old_dead, key=str.lower):
        lines.append(f"{service}: {entry} is not a recognized action and grants nothing")
    for entry in sorted(old_dead - new_dead, key=str.lower):
        lines.append(f"{service}: unrecognized entry {entry} is gone")
    return lines


def reach_changes(old: Policy, new: Policy) -> list[str]:
    """Plain-English lines saying what ``new`` allows that ``old`` did not, and the reverse.

    Computed from :func:`reach` of both versions, service by service (sorted by prefix), then
    access level by access level, e.g. ``"s3: Write now allowed (s3:DeleteObject, s3:PutObject)"``
    or ``"iam: Permissions management no longer allowed"``. Empty when the effect is unchanged.
    """
    before = {s.service: s for s in reach(old)}
    after = {s.service: s for s in reach(new)}
    lines: list[str] = []
    for service in sorted(before.keys() | after.keys()):
        lines.extend(_service_changes(service, before.get(service), after.get(service)))
    return lines
