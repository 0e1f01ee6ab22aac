"""The load run's browser (benchmarks/load.py) against a live server: it signs in through the
form, and the sandbox part of its mix (pages, questions, the graph, policy edits) gets the
answers it expects, so that a change to a page's URLs or forms shows up here, not as errors
in a load run."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth import get_user_model

from benchmarks.load import USERNAME, Browser, Sample, Student, _cards, _edited, percentile

pytestmark = pytest.mark.django_db(transaction=True)


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - the benchmark's choices, not a secret


def test_a_student_signs_in_and_works_in_example_corp(live_server):
    get_user_model().objects.create_user(USERNAME.format(1), password="load-test-pass")
    samples: list[Sample] = []
    student = Student(1, Browser(live_server.url, samples), "load-test-pass", _rng(3), (0, 0))
    assert student.sign_in() is not None
    assert student.signed_in
    student.explore_example_corp()
    assert student.sandbox is not None
    assert {"users", "roles", "groups", "policies"} <= set(student.objects)
    steps = [
        student.overview,
        student.object_list,
        student.object_page,
        student.check_form,
        student.access_check,
        student.who_can,
        student.graph,
        student.graph_node,
        student.graph_question,
        student.inline_edit,
        student.inline_edit,
    ]
    steps += [student.policy_version] * 5  # the sixth version deletes the oldest first
    for step in steps:
        step()
    assert student.principals
    assert student.arns
    assert student.nodes
    assert [s.error for s in samples if s.error] == []
    kinds = {s.kind for s in samples}
    assert {"policy new version", "policy version delete", "inline policy save"} <= kinds
    assert {"access check", "who-can", "graph node", "graph question"} <= kinds


def test_a_server_that_does_not_answer_is_an_error():
    samples: list[Sample] = []
    student = Student(2, Browser("http://127.0.0.1:9", samples), "x", _rng(1), (0, 0))
    student.sign_in()  # nothing listens on port 9: connection refused, counted
    assert not student.signed_in
    assert len(samples) == 2
    assert all(s.error for s in samples)


def test_edits_add_a_statement_then_take_it_out():
    original = (
        '{"Version": "2012-10-17", '
        '"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}'
    )
    once = _edited(original, "1")
    assert '"LoadEdit1"' in once
    assert "LoadEdit" not in _edited(once, "2")


def test_quiz_cards_are_the_questions_answered_by_ticking():
    page = (
        '<section class="card quiz-card" id="q-a"><form action="/labs/quizzes/g/a/answer/">'
        '<input type="radio" name="answer" value="allowed">'
        '<input type="radio" name="answer" value="implicitDeny"></form>'
        '<form action="/labs/quizzes/g/a/new/"></form></section>'
        '<section class="card quiz-card" id="q-b"><input id="a-b" name="answer"></section>'
    )
    cards = _cards("g", page)
    assert list(cards) == ["a"]
    assert cards["a"].values == ["allowed", "implicitDeny"]
    assert cards["a"].new
    assert not cards["a"].multiple


def test_percentile_is_the_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 50) == 50.0
    assert percentile([], 95) == 0.0
