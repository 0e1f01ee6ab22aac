"""A JSON parser that remembers where every value came from.

Python's ``json`` module throws positions away, but a student needs to be told *where* a policy
is wrong ("line 7, column 15: Action must be a string or a list of strings") and the simulator
highlights the statements that decided a request. This parser keeps, for every value, the
character offsets it spans in the source; :class:`Source` turns offsets into line and column.

It accepts exactly RFC 8259 JSON (no NaN, no comments, no trailing commas) and reports duplicate
keys instead of silently keeping the last one, because IAM rejects duplicate keys.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from .findings import Location

__all__ = [
    "JArray",
    "JNode",
    "JObject",
    "JScalar",
    "JSONSyntaxError",
    "Source",
    "Span",
    "from_python",
    "loads",
    "nul_path",
    "parse_json",
    "parse_stored_document",
    "parse_stored_json",
    "to_python",
    "too_deep",
]

MAX_DEPTH = 64


# The nodes below are read-only by convention, not frozen: a sandbox's documents make tens of
# thousands of them, and a frozen dataclass takes nearly four times as long to construct.


@dataclass(slots=True)
class Span:
    """Start and end (exclusive) character offsets of a value in its source text."""

    start: int
    end: int


@dataclass(slots=True)
class JScalar:
    value: str | int | float | bool | None
    span: Span | None
    raw: str  # a number's literal text ("1.50" stays "1.50"); a string's decoded value


@dataclass(slots=True)
class JArray:
    items: tuple[JNode, ...]
    span: Span | None


@dataclass(slots=True)
class JMember:
    key: str
    key_span: Span | None
    value: JNode


@dataclass(slots=True)
class JObject:
    members: tuple[JMember, ...]
    span: Span | None
    duplicates: tuple[JMember, ...] = ()

    def get(self, key: str) -> JNode | None:
        for member in self.members:
            if member.key == key:
                return member.value
        return None


JNode = JScalar | JArray | JObject


class JSONSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Source:
    """The text a policy was parsed from, with offset → (line, column) conversion. The line
    index is built the first time a position is asked for: a stored document is read far
    more often than a place in it is shown."""

    text: str
    _line_starts: list[int] | None = field(init=False, repr=False, compare=False, default=None)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self._line_starts
        if starts is None:
            starts = _line_starts(self.text)
            object.__setattr__(self, "_line_starts", starts)
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def location(self, span: Span) -> Location:
        """Where a value starts and ends, as lines and columns."""
        line, column = self.position(span.start)
        end_line, end_column = self.position(span.end)
        return Location(line, column, end_line, end_column)


def _line_starts(text: str) -> list[int]:
    """The offset where each line begins. Text without a carriage return (nearly all) is cut
    at its line feeds and the lengths summed, all in C: a regex match per line took longer than
    reading the document."""
    if "\r" in text:
        return [0, *[m.end() for m in _NEWLINE.finditer(text)]]
    starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
    starts.pop()  # where a line after the last one would begin
    return starts


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRING_BODY = re.compile(r'[^"\\\x00-\x1f]*')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_PLAIN_STRING = re.compile(r'"([^"\\\x00-\x1f]*)"')
_ESCAPE = re.compile(r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})')


def _describe(text: str, pos: int) -> str:
    if pos >= len(text):
        return "the end of the text"
    char = text[pos]
    if char in "\r\n":
        return "the end of the line"
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"character U+{ord(char):04X}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.source = Source(text)

    def fail(self, message: str, pos: int) -> JSONSyntaxError:
        line, column = self.source.position(min(pos, len(self.text)))
        return JSONSyntaxError(message, line, column)

    def missing_comma(self, value_end: int, pos: int, closer: str) -> JSONSyntaxError:
        """A missing comma is usually noticed on the next line; point at the value before it."""
        if "\n" in self.text[value_end:pos] or "\r" in self.text[value_end:pos]:
            return self.fail(
                f"missing ',' after this value (the next line starts with "
                f"{_describe(self.text, pos)})",
                value_end,
            )
        return self.fail(f"expected ',' or '{closer}' but found {_describe(self.text, pos)}", pos)

    def skip(self, pos: int) -> int:
        return _skip(self.text, pos)

    def value(self, pos: int, depth: int) -> tuple[JNode, int]:
        text = self.text
        if depth > MAX_DEPTH:
            raise self.fail(f"values are nested more than {MAX_DEPTH} levels deep", pos)
        if pos >= len(text):
            raise self.fail("expected a value but the text ended", pos)
        char = text[pos]
        if char == "{":
            return self.object(pos, depth)
        if char == "[":
            return self.array(pos, depth)
        if char == '"':
            string, end = self.string(pos)
            return JScalar(string, Span(pos, end), string), end
        for literal, python_value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(literal, pos):
                end = pos + len(literal)
                return JScalar(python_value, Span(pos, end), literal), end
        number = _NUMBER.match(text, pos)
        if number and number.end() > pos:
            raw = number.group()
            parsed: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return JScalar(parsed, Span(pos, number.end()), raw), number.end()
        if char == "'":
            raise self.fail('strings must be in double quotes ("), not single quotes', pos)
        raise self.fail(
            f"expected a value (string, number, object, list, true, false or null) "
            f"but found {_describe(text, pos)}",
            pos,
        )

    def string(self, pos: int) -> tuple[str, int]:
        text = self.text
        plain = _PLAIN_STRING.match(text, pos)
        if plain is not None:  # most strings: no escape, closed on the same line
            return plain.group(1), plain.end()
        start = pos
        pos += 1
        pieces: list[str] = []
        has_escape = False
        while True:
            body = _STRING_BODY.match(text, pos)
            assert body is not None
            pieces.append(body.group())
            pos = body.end()
            if pos >= len(text):
                raise self.fail("this string is never closed: add the missing '\"'", start)
            char = text[pos]
            if char == '"':
                pos += 1
                break
            if char == "\\":
                escape = _ESCAPE.match(text, pos)
                if escape is None:
                    raise self.fail("invalid escape sequence in string", pos)
                pieces.append(escape.group())
                has_escape = True
                pos = escape.end()
                continue
            if char in "\r\n":
                raise self.fail("this string is never closed before the end of the line", start)
            raise self.fail(f"control character U+{ord(char):04X} is not allowed in a string", pos)
        raw = "".join(pieces)
        if has_escape:
            decoded: str = json.loads('"' + raw + '"')
            return decoded, pos
        return raw, pos

    def object(self, pos: int, depth: int) -> tuple[JObject, int]:
        text = self.text
        start = pos
        pos = self.skip(pos + 1)
        members: list[JMember] = []
        duplicates: list[JMember] = []
        seen: set[str] = set()
        if pos < len(text) and text[pos] == "}":
            return JObject((), Span(start, pos + 1)), pos + 1
        while True:
            if pos >= len(text):
                raise self.fail("this object is never closed: add the missing '}'", start)
            if text[pos] != '"':
                if text[pos] == "}" and members:
                    raise self.fail("trailing comma before '}': remove the last ','", pos)
                raise self.fail(
                    f"expected a key in double quotes but found {_describe(text, pos)}", pos
                )
            key, key_end = self.string(pos)
            key_span = Span(pos, key_end)
            pos = self.skip(key_end)
            if pos >= len(text) or text[pos] != ":":
                raise self.fail(
                    f"expected ':' after the key \"{key}\" but found {_describe(text, pos)}", pos
                )
            pos = self.skip(pos + 1)
            node, pos = self.value(pos, depth + 1)
            value_end = pos
            member = JMember(key, key_span, node)
            if key in seen:
                duplicates.append(member)
            else:
                seen.add(key)
                members.append(member)
            pos = self.skip(pos)
            if pos < len(text) and text[pos] == ",":
                pos = self.skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "}":
                return JObject(tuple(members), Span(start, pos + 1), tuple(duplicates)), pos + 1
            if pos >= len(text):
                raise self.fail("this object is never closed: add the missing '}'", start)
            raise self.missing_comma(value_end, pos, "}")

    def array(self, pos: int, depth: int) -> tuple[JArray, int]:
        text = self.text
        start = pos
        pos = self.skip(pos + 1)
        items: list[JNode] = []
        if pos < len(text) and text[pos] == "]":
            return JArray((), Span(start, pos + 1)), pos + 1
        while True:
            if pos < len(text) and text[pos] == "]" and items:
                raise self.fail("trailing comma before ']': remove the last ','", pos)
            node, pos = self.value(pos, depth + 1)
            items.append(node)
            value_end = pos
            pos = self.skip(pos)
            if pos < len(text) and text[pos] == ",":
                pos = self.skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                return JArray(tuple(items), Span(start, pos + 1)), pos + 1
            if pos >= len(text):
                raise self.fail("this list is never closed: add the missing ']'", start)
            raise self.missing_comma(value_end, pos, "]")


def parse_json(text: str) -> tuple[JNode, Source]:
    """Parse JSON text into position-carrying nodes, or raise :class:`JSONSyntaxError`."""
    parser = _Parser(text)
    pos = parser.skip(0)
    if text.startswith("\ufeff"):
        pos = parser.skip(1)
    if pos >= len(text):
        raise parser.fail("the policy is empty: expected a JSON object", pos)
    node, pos = parser.value(pos, 0)
    pos = parser.skip(pos)
    if pos < len(text):
        raise parser.fail(
            f"unexpected text after the end of the JSON document: {_describe(text, pos)}", pos
        )
    return node, parser.source


class _Number(str):
    """A number's literal text, as ``json.loads`` hands it over ("1.50" stays "1.50")."""


class _Refused(ValueError):
    """Something :func:`parse_json` would report: the fast reader leaves it to it."""


def _refuse(_text: str) -> Any:
    raise _Refused  # NaN, Infinity and -Infinity are not RFC 8259 JSON


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Refused  # parse_json reports a duplicate key with its place
    return found


_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]  # json's C string reader
_STORED = json.JSONDecoder(
    object_pairs_hook=_no_duplicates,
    parse_int=_Number,
    parse_float=_Number,
    parse_constant=_refuse,
)
# json's C scanner itself: ``raw_decode`` wraps it in Python that skips white space again.
# It raises StopIteration where no value starts, JSONDecodeError on a bad one inside.
_scan = _STORED.scan_once  # type: ignore[attr-defined]


_match_white = _WHITESPACE.match


def _skip(text: str, pos: int) -> int:
    return _match_white(text, pos).end()  # type: ignore[union-attr]  # "*": always a match


def _read_stored(text: str) -> tuple[dict[str, Any], list[Span]]:
    """The top-level object, decoded by ``json``'s C reader one member at a time, with the
    span of each statement (``Statement`` read one object at a time). Raises
    :class:`_Refused`, ``ValueError``, ``IndexError`` or ``StopIteration`` on anything
    else."""
    pos = _skip(text, 0)
    if text[pos] != "{":
        raise _Refused
    pos = _skip(text, pos + 1)
    members: dict[str, Any] = {}
    spans: list[Span] | None = None
    closed = text[pos] == "}"
    if closed:
        pos += 1
    while not closed:
        if text[pos] != '"':
            raise _Refused
        key, pos = _scanstring(text, pos + 1)
        pos = _skip(text, pos)
        if text[pos] != ":" or key in members:
            raise _Refused
        pos = _skip(text, pos + 1)
        start = pos
        if key == "Statement" and text[pos] == "[":
            items: list[Any] = []
            spans = []
            pos = _skip(text, pos + 1)
            while text[pos] != "]":
                item_start = pos
                item, pos = _scan(text, pos)
                items.append(item)
                spans.append(Span(item_start, pos))
                pos = _skip(text, pos)
                if text[pos] == ",":
                    pos = _skip(text, pos + 1)
                    if text[pos] == "]":
                        raise _Refused  # a trailing comma
                elif text[pos] != "]":
                    raise _Refused
            members[key] = items
            pos += 1
        else:
            members[key], pos = _scan(text, pos)
            if key == "Statement":
                spans = [Span(start, pos)]
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif text[pos] == "}":
            pos += 1
            closed = True
        else:
            raise _Refused
    if spans is None or _skip(text, pos) != len(text):
        raise _Refused
    return members, spans


def parse_stored_json(text: str) -> tuple[JNode, Source]:
    """:func:`parse_json` for a document that was checked when it was saved, at the speed of
    ``json``'s C reader: only the statements carry their place (what a trace shows). Anything
    unusual (a duplicate key, NaN, deep nesting, a statement that is not an object, no
    Statement) goes to :func:`parse_json`, which says where it is."""
    root, source, _ = parse_stored_document(text)
    return root, source


def parse_stored_document(text: str) -> tuple[JNode, Source, Any]:
    """:func:`parse_stored_json` and the document as plain Python (what :func:`to_python`
    gives for the nodes): ``json`` has already built it, so it is kept, not built again."""
    try:
        if too_deep(text) is not None:
            raise _Refused
        value, spans = _read_stored(text)
        statement = value["Statement"]
        objects = statement if isinstance(statement, list) else [statement]
        if not all(isinstance(o, dict) for o in objects):
            raise _Refused
    except (_Refused, ValueError, IndexError, StopIteration):
        root, source = parse_json(text)
        return root, source, to_python(root)
    members = []
    for key, item in value.items():
        node: JNode
        if key != "Statement":
            node = _stored_node(item, value, key)
        elif isinstance(statement, list):
            node = JArray(
                tuple(
                    [
                        JObject(_stored_members(o), span)
                        for o, span in zip(objects, spans, strict=True)
                    ]
                ),
                None,
            )
        else:
            node = JObject(_stored_members(statement), spans[0])
        members.append(JMember(key, None, node))
    return JObject(tuple(members), Span(0, len(text))), Source(text), value


# from_python, specialised to what _STORED decodes (dict, list, str, _Number, bool, None), for
# the tens of thousands of values a sandbox's documents hold: the class is tested with ``is``,
# and a string, by far the most common value, is wrapped without a call of its own. A number
# is also written back into its container as int or float, so the decoded document becomes
# what to_python gives, and the policy can keep it as its plain document.


def _stored_members(value: dict[str, Any]) -> tuple[JMember, ...]:
    return tuple(
        [
            JMember(
                key,
                None,
                JScalar(item, None, item)
                if item.__class__ is str
                else _stored_node(item, value, key),
            )
            for key, item in value.items()  # a number is replaced, no key added: safe
        ]
    )


def _stored_node(value: Any, container: Any, key: Any) -> JNode:
    """The node for ``value``, which is ``container[key]``."""
    kind = value.__class__
    if kind is str:
        return JScalar(value, None, value)
    if kind is dict:
        return JObject(_stored_members(value), None)
    if kind is list:
        return JArray(
            tuple(
                [
                    JScalar(item, None, item)
                    if item.__class__ is str
                    else _stored_node(item, value, index)
                    for index, item in enumerate(value)
                ]
            ),
            None,
        )
    if kind is _Number:
        node = _number(value)
        container[key] = node.value
        return node
    return JScalar(value, None, _LITERALS[value])


_LITERALS = {True: "true", False: "false", None: "null"}


def _number(literal: str) -> JScalar:
    """A number read as ``json`` hands it to ``parse_int``: its literal text is kept."""
    raw = str(literal)
    return JScalar(float(raw) if any(c in raw for c in ".eE") else int(raw), None, raw)


_DEPTH_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset of the first ``[`` or ``{`` that opens a list or object inside ``limit``
    others, or None. One linear pass that skips strings: Python's ``json`` module (and any
    recursive reader) would instead recurse until ``RecursionError``."""
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for match in _DEPTH_TOKEN.finditer(text):
        char = text[match.start()]
        if char == "[" or char == "{":
            depth += 1
            if depth > limit:
                return match.start()
        elif char == "]" or char == "}":
            depth -= 1  # an unbalanced closer is the JSON reader's to report
    return None


def loads(text: str, *, limit: int = MAX_DEPTH, **options: Any) -> Any:
    """``json.loads(text, **options)``, refusing lists and objects nested more than ``limit``
    deep with a :class:`json.JSONDecodeError` that gives the line and column where the limit is
    crossed (``json.loads`` would recurse until ``RecursionError``)."""
    if (offset := too_deep(text, limit)) is not None:
        raise json.JSONDecodeError(
            f"lists and objects are nested more than {limit} deep here; the limit is {limit}",
            text,
            offset,
        )
    return json.loads(text, **options)


def nul_path(value: object, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where, in a decoded JSON value, the first key or string holding U+0000 (NUL) is, or
    None. JSON writes it as ``\\u0000``; a database text column cannot hold it."""
    stack: list[tuple[object, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        item, here = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return here
        elif isinstance(item, dict):
            for key in item:
                if "\x00" in str(key):
                    return (*here, str(key).replace("\x00", "\\u0000"))
            stack.extend((child, (*here, str(key))) for key, child in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((child, (*here, k)) for k, child in reversed(list(enumerate(item))))
    return None


def from_python(value: object) -> JNode:
    """Wrap an already-decoded JSON value (dict, list, str, ...) as nodes without positions."""
    if isinstance(value, dict):
        return JObject(tuple(JMember(str(k), None, from_python(v)) for k, v in value.items()), None)
    if isinstance(value, list | tuple):
        return JArray(tuple(from_python(v) for v in value), None)
    if isinstance(value, str):
        return JScalar(value, None, value)
    if value is None or isinstance(value, int | float | bool):
        return JScalar(value, None, json.dumps(value))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def to_python(node: JNode) -> Any:
    """The plain Python value of nodes (dicts, lists, str, int, float, bool, None)."""
    if isinstance(node, JObject):
        return {m.key: to_python(m.value) for m in node.members}
    if isinstance(node, JArray):
        return [to_python(i) for i in node.items]
    return node.value


def kind_of(value: object) -> str:
    """A decoded JSON value's type in words, for messages: "a string", "a list", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
