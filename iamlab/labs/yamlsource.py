"""YAML read with the line of every value kept, so a problem names its file, line and field.

Scenario files are written by hand; a message like "world.yaml, line 14, users[2].groups: no
group named Admins in account dev" lets an instructor fix it without hunting. Only YAML's safe
subset is read (no tags that build Python objects), and a key given twice is refused, as a
typo that hides a value would otherwise go unnoticed.

Files are uploaded, so reading one is bounded before any tree is built: a first pass over the
parser's events (no recursion) refuses a file nested more than :data:`MAX_DEPTH` deep, naming
the line and column, or holding more than :data:`MAX_VALUES` values, or more than a
:class:`Budget` shared by the files of one upload has left. No text may hold U+0000 (NUL): no
database column can store it. LibYAML parses when PyYAML has it (ten times faster).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = [
    "Budget",
    "OverBudget",
    "Problem",
    "Source",
    "YamlProblem",
    "moved",
    "read_yaml",
    "within",
]


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


MAX_VALUES = 25_000  # in one file
MAX_DEPTH = 60
MAX_UPLOAD_VALUES = 50_000  # in the files of one upload together

# The C parser (LibYAML) when PyYAML was built with it; it builds the same nodes, with marks.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NUL_MESSAGE = "holds the NUL character (U+0000), which no text may hold; remove it"


MAX_UPLOAD_SECONDS = 10.0  # of CPU, to check one upload: well within a worker's timeout


class OverBudget(Exception):
    """Checking one upload took more CPU than its :class:`Budget` allows."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Budget:
    """What one upload may still cost: the values its YAML files hold together, and the CPU
    seconds spent checking it (building its worlds, judging its goals, working out its
    questions), counted from the budget's making."""

    values: int = field(default_factory=lambda: MAX_UPLOAD_VALUES)
    seconds: float = field(default_factory=lambda: MAX_UPLOAD_SECONDS)
    started: float = field(default_factory=time.thread_time)

    def check(self, where: str) -> None:
        """Raise :class:`OverBudget`, naming ``where`` checking stopped, once the time is up."""
        if time.thread_time() - self.started > self.seconds:
            raise OverBudget(
                Problem(
                    where,
                    "",
                    f"checking stopped here: this upload took more than {self.seconds:g} s of "
                    "CPU to check, the most one upload may take; load it in parts",
                )
            )


def read_yaml(text: str, file: str, budget: Budget | None = None) -> Source:
    """Parse ``text`` (the contents of ``file``); raise :class:`YamlProblem` naming the line
    of a syntax error, a repeated key, a NUL character or a limit crossed. ``budget``, shared
    by the files of one upload, is charged with the values read."""
    if (nul := text.find("\x00")) >= 0:
        at_line, column = _position(text, nul)
        raise YamlProblem(Problem(file, "", f"column {column} {NUL_MESSAGE}", at_line))
    try:
        _scan(text, file, budget)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        # LibYAML marks the end of a text without a final newline on the line after it.
        line = min(mark.line + 1, text.count("\n") + 1) if mark is not None else None
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
        raise YamlProblem(Problem(file, "", _TOO_MANY)) from None
    return source


_TOO_MANY = (
    f"too large: a YAML file holds at most {MAX_VALUES:,} values, nested at most {MAX_DEPTH} deep "
    "(anchors and aliases count each time they are used)"
)


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _scan(text: str, file: str, budget: Budget | None, loader: Any = _LOADER) -> None:
    """Refuse ``text`` when it nests more than :data:`MAX_DEPTH` deep or holds more values than
    its limits, from the parser's events alone: building the tree recurses once per level, and
    costs far more per value than this pass."""
    try:
        _scan_events(text, file, budget, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if loader is yaml.SafeLoader or mark is None or "nesting depth" not in str(exc.problem):
            raise
        # LibYAML stops at its own limit (1000 levels), past ours: find where ours is crossed
        # with PyYAML's parser, in the text up to there (PyYAML reads ahead less).
        _scan_events(text[: mark.index], file, None, yaml.SafeLoader)
        raise


def _scan_events(text: str, file: str, budget: Budget | None, loader: Any) -> None:
    most = MAX_VALUES if budget is None else min(MAX_VALUES, budget.values)
    values = 0
    opened: list[list[int]] = []  # each open list or mapping: [1 if a mapping, items seen]
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionEndEvent):
            opened.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        if opened:
            parent = opened[-1]
            parent[1] += 1
            is_key = parent[0] == 1 and parent[1] % 2 == 1
        else:
            is_key = False
        mark = event.start_mark
        assert mark is not None  # the parser marks every event
        if len(opened) > MAX_DEPTH:
            raise YamlProblem(
                Problem(
                    file,
                    "",
                    f"column {mark.column + 1}: lists and mappings are nested more than "
                    f"{MAX_DEPTH} deep here; the limit is {MAX_DEPTH}",
                    mark.line + 1,
                )
            )
        if not is_key:
            values += 1
            if values > most:
                if budget is not None and most < MAX_VALUES:
                    raise YamlProblem(
                        Problem(
                            file,
                            "",
                            f"too large: the YAML files of one upload hold at most "
                            f"{MAX_UPLOAD_VALUES:,} values together; load them in parts",
                            mark.line + 1,
                        )
                    )
                raise YamlProblem(Problem(file, "", _TOO_MANY))
        if isinstance(event, yaml.CollectionStartEvent):
            opened.append([int(isinstance(event, yaml.MappingStartEvent)), 0])
    if budget is not None:
        budget.values -= values


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
            if "\x00" in name:
                raise YamlProblem(
                    Problem(
                        source.file,
                        dotted(path),
                        f"a key {NUL_MESSAGE}",
                        key_node.start_mark.line + 1,
                    )
                )
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
    value = _scalar(node, source, loader)
    if isinstance(value, str) and "\x00" in value:  # written "\0", "\x00" or "\u0000"
        raise YamlProblem(Problem(source.file, dotted(path), NUL_MESSAGE, source.lines[path]))
    return value


def _scalar(node: yaml.Node, source: Source, loader: yaml.SafeLoader) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlProblem(
            Problem(source.file, "", "a key must be a plain word", node.start_mark.line + 1)
        )
    try:
        value = loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise YamlProblem(
            Problem(source.file, "", f"not valid YAML: {exc}", node.start_mark.line + 1)
        ) from exc
    return value


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
