"""YAML read with the line of every value kept, so a problem names its file, line and field.

Scenario files are written by hand; a message like "world.yaml, line 14, users[2].groups: no
group named Admins in account dev" lets an instructor fix it without hunting. Only YAML's safe
subset is read (no tags that build Python objects), and a key given twice is refused, as a
typo that hides a value would otherwise go unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Problem", "Source", "YamlProblem", "moved", "read_yaml", "within"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where (file, line, field) and what."""

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f", line {self.line}" if self.line else "")
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Source:
    """A parsed YAML file: its data, and the line where each value starts (by field path)."""

    file: str
    data: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line(self, path: tuple[str | int, ...]) -> int | None:
        """The line of the value at ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def read_yaml(text: str, file: str) -> Source:
    """Parse ``text`` (the contents of ``file``); raise :class:`YamlProblem` naming the line
    of a syntax error or a repeated key."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or "not valid YAML"
        raise YamlProblem(Problem(file, "", f"not valid YAML: {reason}", line)) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(file, "", f"not valid YAML: {exc}")) from exc
    source = Source(file, None)
    if node is None:
        return source
    try:
        source.data = _build(node, (), source, yaml.SafeLoader(""))
    except (_TooBig, RecursionError):
        raise YamlProblem(
            Problem(
                file,
                "",
                f"too large: a scenario file holds at most {MAX_VALUES:,} values, nested at most "
                f"{MAX_DEPTH} deep (anchors and aliases count each time they are used)",
            )
        ) from None
    return source


MAX_VALUES = 50_000
MAX_DEPTH = 60


class _TooBig(Exception):
    pass


def _build(
    node: yaml.Node, path: tuple[str | int, ...], source: Source, loader: yaml.SafeLoader
) -> Any:
    # Aliases are expanded: a file of nested aliases ("billion laughs") must not run away.
    if len(source.lines) >= MAX_VALUES or len(path) > MAX_DEPTH:
        raise _TooBig
    source.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, source, loader)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise YamlProblem(
                    Problem(
                        source.file,
                        dotted(path),
                        "a key must be a plain word",
                        key_node.start_mark.line + 1,
                    )
                )
            name = str(key)
            if name in out:
                raise YamlProblem(
                    Problem(
                        source.file,
                        dotted((*path, name)),
                        "this key is given twice; keep one",
                        key_node.start_mark.line + 1,
                    )
                )
            out[name] = _build(value_node, (*path, name), source, loader)
            # A value is found by its key's line: a block list or mapping starts below it.
            source.lines[(*path, name)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), source, loader) for i, item in enumerate(node.value)]
    return _scalar(node, source, loader)


def _scalar(node: yaml.Node, source: Source, loader: yaml.SafeLoader) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlProblem(
            Problem(source.file, "", "a key must be a plain word", node.start_mark.line + 1)
        )
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise YamlProblem(
            Problem(source.file, "", f"not valid YAML: {exc}", node.start_mark.line + 1)
        ) from exc


def dotted(path: tuple[str | int, ...]) -> str:
    """``users[2].groups`` for ("users", 2, "groups")."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def within(source: Source, prefix: tuple[str | int, ...], data: Any = None) -> Source:
    """The part of ``source`` at ``prefix`` as a source of its own (a quiz question's world),
    with the lines kept; :func:`moved` puts the prefix back on the problems found in it."""
    lines = {
        path[len(prefix) :]: n for path, n in source.lines.items() if path[: len(prefix)] == prefix
    }
    return Source(source.file, data, lines)


def moved(problems: list[Problem], prefix: tuple[str | int, ...]) -> list[Problem]:
    head = dotted(prefix)
    return [
        Problem(
            p.file,
            head + ("" if not p.field else p.field if p.field.startswith("[") else "." + p.field),
            p.message,
            p.line,
        )
        for p in problems
    ]
