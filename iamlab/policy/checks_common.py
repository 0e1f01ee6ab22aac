"""What the Access Analyzer checks in ``checks_*.py`` share: reading a statement's JSON.

The checks work on the JSON tree (:mod:`iamlab.policy.jsonsource`) rather than on the parsed
:class:`Statement`, because a finding points at the exact item it is about (line and column), and
because some of them are about how the document is written (an empty list, a key spelt twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from .findings import Severity
from .jsonsource import JArray, JNode, JObject, JScalar, Span

__all__ = [
    "CHECKS",
    "DOC",
    "ConditionEntry",
    "Report",
    "condition_entries",
    "string_items",
    "value_items",
]

DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
CHECKS = DOC + "access-analyzer-reference-policy-checks.html"


class Report(Protocol):
    """Where findings go (``validate._Out``)."""

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        path: str,
        span: Span | None,
        page: str = ...,
        *,
        blocking: bool = ...,
    ) -> None: ...


def string_items(node: JNode | None, path: str) -> Iterator[tuple[str, str, Span | None]]:
    """The strings of a string-or-list element, each with its path and span."""
    if node is None:
        return
    if isinstance(node, JScalar) and isinstance(node.value, str):
        yield node.value, path, node.span
    elif isinstance(node, JArray):
        for i, item in enumerate(node.items):
            if isinstance(item, JScalar) and isinstance(item.value, str):
                yield item.value, f"{path}[{i}]", item.span


def value_items(node: JNode, path: str) -> list[tuple[JNode, str, Span | None]]:
    """The values of one condition key: a list's items, or the single value."""
    if isinstance(node, JArray):
        return [(item, f"{path}[{i}]", item.span) for i, item in enumerate(node.items)]
    return [(node, path, node.span)]


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    """One key under one operator of a statement's Condition block."""

    operator: str  # as written, e.g. "ForAnyValue:StringLike"
    operator_span: Span | None
    key: str  # as written
    key_span: Span | None
    value: JNode
    path: str  # e.g. Statement[0].Condition.StringLike.aws:SourceIp

    @property
    def texts(self) -> list[tuple[str, str, Span | None]]:
        """The values that are strings, numbers or booleans, as the text IAM compares."""
        out = []
        for item, path, span in value_items(self.value, self.path):
            if not isinstance(item, JScalar) or item.value is None:
                continue
            if isinstance(item.value, bool):
                text = "true" if item.value else "false"
            elif isinstance(item.value, str):
                text = item.value
            else:
                text = item.raw
            out.append((text, path, span))
        return out


def condition_entries(statement: JObject, path: str) -> list[ConditionEntry]:
    condition = statement.get("Condition")
    if not isinstance(condition, JObject):
        return []
    entries = []
    for op_member in condition.members:
        if not isinstance(op_member.value, JObject):
            continue
        for key_member in op_member.value.members:
            entries.append(
                ConditionEntry(
                    op_member.key,
                    op_member.key_span,
                    key_member.key,
                    key_member.key_span,
                    key_member.value,
                    f"{path}.Condition.{op_member.key}.{key_member.key}",
                )
            )
    return entries
