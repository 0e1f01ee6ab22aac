"""The rules that make a lab more than one edit (issue 16, deeper labs), checked when a
scenario loads:

* at least three goals fail in the world as given;
* at least one goal is a least-privilege goal (``least``);
* the fixed world differs from the given one in at least two entries (a user, a group, a
  role, a resource, an assignment…), and no one of those differences alone makes every
  goal hold: the lab needs at least two different changes.

(That every sentence of the story that asks for something names its goal is checked when
the scenario is read: :meth:`iamlab.labs.scenario._Reader.story_asks`.)

A world file is a mapping of sections. A section that is a list holds entries; one that is a
mapping (``organization``, ``identity_center``) holds lists of entries by key. An entry is
known by its account and name (or ARN, or id) where it has one, else by all it says; one
"change" is one entry added, removed or rewritten.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["FAILING_AT_START", "Change", "changes"]

FAILING_AT_START = 3
FEWEST_CHANGES = 2

_NAMES = ("name", "arn", "id", "user_name", "display_name")


@dataclass(frozen=True)
class Change:
    label: str  # "the user priya", "an entry of identity_center.assignments"
    apply: Callable[[Any], Any]  # the given world's data with this one change made


def _name(entry: Any) -> str | int | None:
    """What an entry is known by: its name, ARN or id, if it has one."""
    if not isinstance(entry, dict):
        return None
    return next((entry[k] for k in _NAMES if isinstance(entry.get(k), str | int)), None)


def _key(entry: Any) -> str:
    name = _name(entry)
    if name is not None:
        return json.dumps([entry.get("account"), entry.get("kind"), name], default=str)
    return json.dumps(entry, sort_keys=True, default=str)


def _label(where: tuple[str, ...], entry: Any) -> str:
    what = ".".join(where)
    name = _name(entry)
    return f"{what} entry {name}" if name is not None else f"an entry of {what}"


def _lists(data: Any) -> Iterator[tuple[tuple[str, ...], list[Any]]]:
    if not isinstance(data, dict):
        return
    for section, value in data.items():
        if isinstance(value, list):
            yield (str(section),), value
        elif isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, list):
                    yield (str(section), str(key)), inner


def _get(data: Any, where: tuple[str, ...]) -> Any:
    for part in where:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def changes(given: Any, fixed: Any) -> list[Change]:
    """Each entry that differs between the two worlds' data, as a change one could make to
    the given world alone."""
    found: list[Change] = []
    places = dict(_lists(given)) | dict(_lists(fixed))
    for where in places:
        old = _get(given, where)
        new = _get(fixed, where)
        old_entries = {_key(e): e for e in old} if isinstance(old, list) else {}
        new_entries = {_key(e): e for e in new} if isinstance(new, list) else {}
        for key in [*old_entries, *(k for k in new_entries if k not in old_entries)]:
            before, after = old_entries.get(key), new_entries.get(key)
            if before == after:
                continue
            found.append(Change(_label(where, after or before), _applier(where, key, after)))
    # A scalar or a whole section added or removed (a mapping section with no lists).
    for section in sorted(set(_keys(given)) | set(_keys(fixed))):
        if any(where[0] == section for where in places):
            continue
        before, after = _get(given, (section,)), _get(fixed, (section,))
        if before != after:
            found.append(Change(f"the section {section}", _section(section, after)))
    return found


def _keys(data: Any) -> list[str]:
    return [str(k) for k in data] if isinstance(data, dict) else []


def _applier(where: tuple[str, ...], key: str, after: Any) -> Callable[[Any], Any]:
    def apply(given: Any) -> Any:
        data = copy.deepcopy(given) if isinstance(given, dict) else {}
        holder = data
        for part in where[:-1]:
            holder = holder.setdefault(part, {})
        entries = holder.get(where[-1])
        if not isinstance(entries, list):
            entries = []
        kept = [e for e in entries if _key(e) != key]
        if after is not None:
            at = next((i for i, e in enumerate(entries) if _key(e) == key), len(kept))
            kept.insert(at, after)
        holder[where[-1]] = kept
        return data

    return apply


def _section(section: str, after: Any) -> Callable[[Any], Any]:
    def apply(given: Any) -> Any:
        data = copy.deepcopy(given) if isinstance(given, dict) else {}
        if after is None:
            data.pop(section, None)
        else:
            data[section] = after
        return data

    return apply
