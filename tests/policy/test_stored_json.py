"""The stored-document reader (``parse_stored_json``) is ``parse_json`` at C speed: the same
values, the same place for every statement, and for anything it does not read itself (a
duplicate key, NaN, a trailing comma, deep nesting) the slow reader's own answer, with its
line and column. Stored documents are read this way when a World is built
(``parse_policy(..., checks=False)``)."""

from __future__ import annotations

import bisect
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.policy import PolicyType, parse_policy
from iamlab.policy.jsonsource import (
    JArray,
    JObject,
    JSONSyntaxError,
    Source,
    parse_json,
    parse_stored_document,
    parse_stored_json,
)
from iamlab.policy.jsonsource import to_python as _plain
from iamlab.policy.parser import _WELL_FORMED_ACTION, _action_format_problem

ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}


def _statement_places(text: str, reader) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    root, source = reader(text)
    node = root.get("Statement")
    items = node.items if isinstance(node, JArray) else [node]
    assert all(isinstance(i, JObject) for i in items)
    return [(source.position(i.span.start), source.position(i.span.end)) for i in items]


def _typed(value):
    """A value with the type of every part spelled out: 1, 1.0 and True compare equal."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


def _same(text: str) -> None:
    slow, _ = parse_json(text)
    fast, _, document = parse_stored_document(text)
    assert _plain(fast) == _plain(slow)
    # The document json decoded is kept as the policy's: it must be what the nodes hold.
    assert _typed(document) == _typed(_plain(slow))
    assert _statement_places(text, parse_stored_json) == _statement_places(text, parse_json)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"Version": "2012-10-17", "Statement": [ALLOW, ALLOW]}, indent=4),
        json.dumps({"Version": "2012-10-17", "Statement": ALLOW}),  # one statement, no list
        json.dumps({"Statement": []}),
        '{"Statement":[{"Sid":"a\\"b\\u00e9{[","Effect":"Allow","Action":"*","Resource":"*"}]}',
        '\r\n {"Id": "x", "Statement" : [\r\n {"Effect":"Allow","Action":"s3:*",'
        '"Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":1.50}}} ] }  ',
        '{"Statement": [{"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "*",'
        ' "Condition": {"Bool": {"aws:SecureTransport": false}}}], "Version": "2012-10-17"}',
    ],
)
def test_it_reads_what_the_slow_reader_reads_with_each_statement_in_its_place(text):
    _same(text)


def test_a_number_keeps_its_literal_text():
    root, _ = parse_stored_json('{"Statement": {"A": 1.50, "B": 10, "C": 1e3}}')
    statement = root.get("Statement")
    assert [m.value.raw for m in statement.members] == ["1.50", "10", "1e3"]
    assert [m.value.value for m in statement.members] == [1.5, 10, 1000.0]


def _read(reader, text):
    """The tree's plain value and duplicates, or the error's message, line and column."""
    try:
        root, _ = reader(text)
    except JSONSyntaxError as error:
        return ("error", error.message, error.line, error.column)
    return ("tree", _plain(root), len(getattr(root, "duplicates", ())))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Statement": [], "Statement": []}', "duplicate"),
        ('{"Statement": [{"A": NaN}]}', "expected a value"),
        ('{"Statement": [{"A": 1},]}', "trailing comma"),
        ('{"Statement": [{"A": 1}], }', "trailing comma"),
        ('{"Statement": "x"}', None),
        ('{"Statement": [1]}', None),
        ('{"Version": "2012-10-17"}', None),
        ("\ufeff" + json.dumps({"Statement": [ALLOW]}), None),
        ('{"Statement": [' + "[" * 70 + "]" * 70 + "]}", "nested"),
    ],
)
def test_anything_unusual_gets_the_slow_readers_answer(text, message):
    # Both readers give the same tree, or exactly the same error (message, line, column).
    fast = _read(parse_stored_json, text)
    assert fast == _read(parse_json, text)
    if message == "duplicate":
        assert fast[2] == 1  # the slow reader's tree, its duplicate kept for the finding
    elif message:
        assert fast[0] == "error"
        assert message in fast[1]


def test_a_stored_policy_reads_the_same_and_points_at_the_same_lines():
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                ALLOW,
                {
                    **ALLOW,
                    "Effect": "Deny",
                    "Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.0/24"}},
                },
            ],
        },
        indent=2,
    )
    stored = parse_policy(text, PolicyType.IDENTITY, checks=False)
    checked = parse_policy(text, PolicyType.IDENTITY)
    assert [s.location for s in stored.statements] == [s.location for s in checked.statements]
    assert stored.statements[1].location.line == 9
    assert stored.document == checked.document


def test_a_stored_policy_keeps_numbers_as_numbers_and_as_written():
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                **ALLOW,
                "Condition": {"NumericLessThan": {"s3:max-keys": [10, 1.5, -0, 1e3]}},
            },
        }
    ).replace("1.5,", "1.50,")
    stored = parse_policy(text, PolicyType.IDENTITY, checks=False)
    checked = parse_policy(text, PolicyType.IDENTITY)
    assert stored.statements[0].conditions[0].values == ("10", "1.50", "0", "1000.0")
    assert checked.statements[0].conditions[0].values == stored.statements[0].conditions[0].values
    assert _typed(stored.document) == _typed(checked.document)
    assert stored.document["Statement"]["Condition"]["NumericLessThan"]["s3:max-keys"] == [
        10,
        1.5,
        0,
        1000.0,
    ]


def test_a_statement_works_out_its_place_when_asked_and_has_none_without_text():
    text = '{"Statement": [\r\n  {"Effect": "Allow", "Action": "*", "Resource": "*"}\r\n]}'
    statement = parse_policy(text, PolicyType.IDENTITY, checks=False).statements[0]
    location = statement.location
    where = (location.line, location.column, location.end_line, location.end_column)
    assert where == (2, 3, 2, 54)
    assert statement.location is location  # worked out once
    assert parse_policy(json.loads(text)).statements[0].location is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\n\r", max_size=20), st.data())
def test_a_position_counts_line_breaks_as_json_does(text, data):
    # A line ends at \r\n, \r or \n; the index of line starts is built without a regex.
    offset = data.draw(st.integers(0, len(text)))
    starts = [0, *[m.end() for m in re.finditer(r"\r\n|\r|\n", text)]]
    line = bisect.bisect_right(starts, offset)
    assert Source(text).position(offset) == (line, offset - starts[line - 1] + 1)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:*?\n", max_size=8))
def test_the_action_regex_and_the_action_messages_agree(pattern):
    # The regex checks a statement's actions at once; the function says what is wrong.
    assert (_WELL_FORMED_ACTION.fullmatch(pattern) is None) == (
        _action_format_problem(pattern) is not None
    )


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    statements=st.lists(st.dictionaries(st.text(max_size=6), _json, max_size=4), max_size=4),
    extra=st.dictionaries(st.sampled_from(["Version", "Id", "Other"]), _json, max_size=2),
    indent=st.sampled_from([None, 0, 2, 4]),
    single=st.booleans(),
)
def test_any_document_reads_the_same_both_ways(statements, extra, indent, single):
    body = statements[0] if single and statements else statements
    _same(json.dumps({**extra, "Statement": body}, indent=indent))
