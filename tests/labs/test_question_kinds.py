"""The question kinds beyond choice and decision: steps in order, fill in an ARN or a
condition key, and "fix this policy" graded by the engine against a reference fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from iamlab.labs import practice
from iamlab.labs.loading import load
from iamlab.labs.models import Quiz
from iamlab.labs.quiz import Question, QuizInvalid, read_quiz
from iamlab.labs.yamlsource import read_yaml

from .conftest import signed_in

KINDS = """\
title: Kinds
topic: switching-roles
questions:
  - id: switch-steps
    kind: order
    prompt: Put the steps of switching to a role in the console in order.
    steps:
      - The user signs in as an IAM user
      - The user chooses Switch role and enters the account and role name
      - AWS STS checks the role's trust policy and the user's permissions
      - The console shows the account with the role's permissions
  - id: role-arn
    kind: fill
    format: arn
    prompt: "What is the ARN of the role {role} in the account {account}?"
    vary:
      role: [Auditor, Deployer]
      account: ["111122223333", "444455556666"]
    answer: "arn:aws:iam::{account}:role/{role}"
  - id: mfa-key
    kind: fill
    format: condition-key
    prompt: Which global condition key is true when the caller signed in with MFA?
    answer: aws:MultiFactorAuthPresent
  - id: read-only
    kind: fix
    prompt: "{user} must read the objects of {bucket} and must not change them. Fix the policy."
    vary:
      user: [ana, bo]
      bucket: [reports, invoices]
    principal: "arn:aws:iam::111122223333:user/{user}"
    policy:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
    reference:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::{bucket}/*"}]
    allow:
      - {action: s3:GetObject, resource: "arn:aws:s3:::{bucket}/2024/q1.csv"}
    deny:
      - {action: s3:PutObject, resource: "arn:aws:s3:::{bucket}/2024/q1.csv"}
  - id: keep-mfa
    kind: fix
    prompt: Let the user stop instances, but only when they signed in with MFA.
    principal: arn:aws:iam::111122223333:user/ana
    policy:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: ec2:StopInstances, Resource: "*"}]
    reference:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ec2:StopInstances
          Resource: "*"
          Condition: {Bool: {"aws:MultiFactorAuthPresent": "true"}}
    allow:
      - action: ec2:StopInstances
        resource: arn:aws:ec2:us-east-1:111122223333:instance/i-0abc
        context: {"aws:MultiFactorAuthPresent": "true"}
"""


def questions() -> dict[str, Question]:
    spec = read_quiz("k", read_yaml(KINDS, "k.quiz.yaml"), KINDS)
    return {q.id: q for q in spec.questions}


def test_order_is_graded_place_by_place_and_an_incomplete_order_costs_no_try() -> None:
    # id_roles_use_switch-role-console: sign in, switch role, STS checks, role's view.
    question = questions()["switch-steps"]
    variant = question.variant(3)
    right = list(variant.answer)
    assert right == ["0", "1", "2", "3"]
    assert question.grade(variant, right).correct
    swapped = question.grade(variant, ["1", "0", "2", "3"])
    assert (swapped.correct, swapped.counted) == (False, True)
    assert "2 of 4 steps are in their place" in swapped.feedback
    for incomplete in (["0", "1", ""], ["0", "0", "2", "3"], []):
        assert not question.grade(variant, incomplete).counted


def test_the_steps_are_shown_in_a_seeded_order() -> None:
    question = questions()["switch-steps"]
    orders = {tuple(v for v, _ in question.variant(seed).options) for seed in range(12)}
    assert len(orders) > 1
    assert question.variant(5) == question.variant(5)


@pytest.mark.parametrize(
    ("given", "correct"),
    [
        ("{arn}", True),
        ("arn:aws:iam::999999999999:role/Auditor", False),
        ("arn:aws:iam::{account}:user/{role}", False),
        ("role/Auditor", None),  # not an ARN: no try counted
        ("   ", None),
    ],
)
def test_fill_in_an_arn(given: str, correct: bool | None) -> None:
    # reference_identifiers: arn:aws:iam::account:role/role-name
    question = questions()["role-arn"]
    variant = question.variant(1)
    arn = variant.answer[0]
    account, role = arn.split(":")[4], arn.rsplit("/", 1)[1]
    assert variant.prompt == f"What is the ARN of the role {role} in the account {account}?"
    graded = question.grade(variant, [given.format(arn=arn, account=account, role=role)])
    assert (graded.correct if graded.counted else None) == correct


def test_a_condition_key_is_matched_without_regard_to_case() -> None:
    # reference_policies_elements_condition: condition key names are not case-sensitive.
    question = questions()["mfa-key"]
    variant = question.variant(0)
    assert question.grade(variant, ["aws:multifactorauthpresent"]).correct
    assert not question.grade(variant, ["aws:MultiFactorAuthAge"]).correct
    assert not question.grade(variant, ["MultiFactorAuthPresent"]).counted


def _policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_a_fix_is_graded_by_the_engine_and_may_differ_from_the_reference() -> None:
    question = questions()["read-only"]
    variant = question.variant(2)
    bucket = variant.prompt.split(" of ")[1].split(" ")[0]
    grade = lambda text: question.grade(variant, [text])  # noqa: E731
    # Written differently from the reference, same effect: right.
    other = _policy(
        {
            "Effect": "Allow",
            "Action": ["s3:getobject"],
            "Resource": [f"arn:aws:s3:::{bucket}/2*", f"arn:aws:s3:::{bucket}/*"],
        }
    )
    assert grade(other).correct
    assert grade(variant.answer[0]).correct
    # The broken policy itself: PutObject is still allowed.
    broken = grade(variant.starter)
    assert not broken.correct
    assert any("s3:PutObject" in d and "should be denied" in d for d in broken.details)


def test_a_fix_that_grants_more_than_the_reference_is_wrong_and_says_what_more() -> None:
    question = questions()["read-only"]
    variant = question.variant(0)
    bucket = variant.prompt.split(" of ")[1].split(" ")[0]
    grade = lambda text: question.grade(variant, [text])  # noqa: E731
    every_bucket = grade(_policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    assert not every_bucket.correct
    # Another bucket, named as a learner could read it: no internal name leaks.
    assert any(f"arn:aws:s3:::other-{bucket}/" in d for d in every_bucket.details), (
        every_bucket.details
    )
    assert not any("iamlab" in d for d in every_bucket.details)
    more_actions = grade(
        _policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": f"arn:aws:s3:::{bucket}/*"})
    )
    assert not more_actions.correct
    assert any(
        d.startswith("It also allows s3:Get") and "GetObject " not in d
        for d in more_actions.details
    )
    # A dropped condition shows with a request that carries no condition keys.
    mfa = questions()["keep-mfa"]
    mfa_variant = mfa.variant(0)
    dropped = mfa.grade(mfa_variant, [mfa_variant.starter])
    assert not dropped.correct
    assert any("even with no condition keys" in d for d in dropped.details)
    assert not any("condition keys" in d for d in more_actions.details)


def test_a_policy_that_does_not_parse_costs_no_try_and_names_its_line() -> None:
    question = questions()["read-only"]
    variant = question.variant(0)
    graded = question.grade(variant, ['{\n  "Version": "2012-10-17",\n  "Statement": [\n}'])
    assert not graded.counted
    assert "line 4, column 1" in graded.feedback
    assert not question.grade(variant, [""]).counted


STARTER = 'Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]'
REFERENCE = (
    'Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::{bucket}/*"}]'
)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Action: s3:GetObject, Resource", "Action: s3:ListBucket, Resource", "reference fails"),
        (STARTER, REFERENCE, "questions[3].policy: the broken policy already does the task"),
        ("format: arn", "format: guid", "format is one of arn, condition-key, text"),
        ("answer: aws:MultiFactorAuthPresent", "answer: MultiFactorAuthPresent", "condition-key"),
        (
            "      - The user signs in as an IAM user\n"
            "      - The user chooses Switch role and enters the account and role name\n",
            "",
            "steps is a list of at least three steps",
        ),
        ("    allow:\n      - action: ec2", "    other:\n      - action: ec2", "at least one"),
    ],
)
def test_a_broken_question_is_refused_at_load(old: str, new: str, message: str) -> None:
    text = KINDS.replace(old, new, 1)
    assert text != KINDS
    with pytest.raises(QuizInvalid) as raised:
        read_quiz("k", read_yaml(text, "k.quiz.yaml"), text)
    assert message in str(raised.value)


HINTED = """\
title: Hints
topic: groups
questions:
  - id: groups-per-user
    kind: number
    prompt: How many groups can one IAM user be in?
    answer: 10
    hints:
      - text: It is more than five.
        cost: 2
        after: 1
      - A quota page lists it.
"""


@pytest.mark.django_db
def test_a_hint_may_wait_for_wrong_tries_and_cost_more_than_a_point() -> None:
    load({}, quizzes={"hints": ("hints.quiz.yaml", HINTED)})
    client, user = signed_in("hal")
    quiz = Quiz.objects.get(slug="hints")
    question = quiz.spec().questions[0]
    act = lambda what, **data: client.post(  # noqa: E731
        reverse("labs:quiz_act", args=["hints", "groups-per-user", what]),
        {"mode": "checkpoint", **data},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    page = client.get(reverse("labs:quiz", args=["hints"]) + "?mode=checkpoint").content.decode()
    assert "A hint opens after 1 more wrong try" in page
    assert "It is more than five." not in act("hint")  # locked: asking opens nothing
    act("answer", answer="5")
    html = act("hint")
    assert "It is more than five." in html
    assert "Hint (−1 point)" in html  # the next one costs the default point
    card = practice.card(user, quiz, question, "checkpoint")
    assert card.worth == 4 - 1 - 2
    act("answer", answer="10")
    card = practice.card(user, quiz, question, "checkpoint")
    assert card.progress.points == 1


@pytest.mark.parametrize(
    ("hint", "message"),
    [
        ("{text: x, cost: 9}", "cost is a whole number of points from 0 to 4"),
        ("{text: x, after: -1}", "after is a number of wrong tries from 0 to 10"),
        ("{cost: 1}", "a hint is a sentence, or a mapping with text, cost and after"),
    ],
)
def test_a_hint_with_a_wrong_rule_is_refused(hint: str, message: str) -> None:
    text = HINTED.replace("      - A quota page lists it.", f"      - {hint}")
    with pytest.raises(QuizInvalid) as raised:
        read_quiz("h", read_yaml(text, "h.quiz.yaml"), text)
    assert message in str(raised.value)
    assert "questions[0].hints[1]" in str(raised.value)


ALLOW_S3 = '{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}'
ALLOW_EC2 = '{Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ec2:*", Resource: "*"}]}'
DENY_S3 = '{Version: "2012-10-17", Statement: [{Effect: Deny, Action: "s3:*", Resource: "*"}]}'
BUCKET_ALLOWS_ANA = (
    '{Version: "2012-10-17", Statement: [{Effect: Allow, '
    'Principal: {AWS: "arn:aws:iam::111122223333:user/ana"}, Action: "s3:GetObject", '
    'Resource: "arn:aws:s3:::logs/*"}]}'
)


@pytest.mark.parametrize(
    ("layers", "decider"),
    [
        # reference_policies_evaluation-logic: an SCP that allows nothing for S3 refuses it.
        ({"identity": ALLOW_S3, "scp": ALLOW_EC2}, "scp"),
        # access_policies_boundaries: the boundary caps what the identity policy allows.
        ({"identity": ALLOW_S3, "boundary": ALLOW_EC2}, "boundary"),
        # reference_policies_evaluation-logic: an explicit Deny in any policy wins.
        ({"identity": ALLOW_S3, "boundary": DENY_S3}, "boundary"),
        # Same account: a resource-based policy naming the user allows it by itself.
        ({"identity": ALLOW_EC2, "resource": BUCKET_ALLOWS_ANA}, "resource"),
        ({"identity": ALLOW_S3, "scp": ALLOW_S3}, "identity"),
    ],
)
def test_the_engine_names_the_layer_that_decided(layers: dict[str, str], decider: str) -> None:
    text = (
        "title: Layers\ntopic: groups\nquestions:\n  - id: which-layer\n    kind: layer\n"
        "    prompt: Which layer decided?\n    policies:\n"
        + "".join(f"      {layer}: [{doc}]\n" for layer, doc in layers.items())
        + "    request:\n      principal: arn:aws:iam::111122223333:user/ana\n"
        "      action: s3:GetObject\n      resource: arn:aws:s3:::logs/a.log\n"
        '      owner: "111122223333"\n'
    )
    question = read_quiz("l", read_yaml(text, "l.quiz.yaml"), text).questions[0]
    variant = question.variant(0)
    assert [value for value, _ in variant.options] == list(layers)
    assert variant.answer == (decider,)
    assert question.grade(variant, [decider]).correct
    assert not question.grade(variant, ["identity" if decider != "identity" else "scp"]).correct


def test_a_layer_question_whose_decider_is_not_among_its_layers_is_refused() -> None:
    # The root user of the account is not limited by identity policies: the engine's decider
    # is the root user, which is not a layer the learner could choose.
    text = (
        "title: Layers\ntopic: groups\nquestions:\n  - id: which-layer\n    kind: layer\n"
        f"    prompt: Which layer decided?\n    policies:\n      identity: [{ALLOW_EC2}]\n"
        "    request:\n      principal: arn:aws:iam::111122223333:root\n"
        "      action: s3:GetObject\n      resource: arn:aws:s3:::logs/a.log\n"
        '      owner: "111122223333"\n'
    )
    with pytest.raises(QuizInvalid) as raised:
        read_quiz("l", read_yaml(text, "l.quiz.yaml"), text)
    assert "ask a decision question instead" in str(raised.value)


@pytest.mark.django_db
def test_an_answer_not_counted_comes_back_as_it_was_typed() -> None:
    load({}, quizzes={"k": ("k.quiz.yaml", KINDS)})
    client, _ = signed_in("nia")
    post = lambda qid, answer: client.post(  # noqa: E731
        reverse("labs:quiz_act", args=["k", qid, "answer"]),
        {"mode": "practice", "answer": answer},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    typed = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:<Get>"'
    html = post("read-only", typed)
    assert "that try was not counted" in html
    assert html.count("s3:&lt;Get&gt;") == 1  # in the box, escaped, not the starting policy
    html = post("role-arn", "role/Auditor")
    assert 'value="role/Auditor"' in html
    html = post("switch-steps", ["2", "", "0", ""])
    assert '<option value="2" selected>' in html
    assert '<option value="0" selected>' in html


@pytest.mark.django_db
def test_without_javascript_a_refused_answer_comes_back_on_the_whole_page() -> None:
    load({}, quizzes={"k": ("k.quiz.yaml", KINDS)})
    client, _ = signed_in("noa")
    response = client.post(
        reverse("labs:quiz_act", args=["k", "role-arn", "answer"]),
        {"mode": "practice", "answer": "role/Auditor"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="role/Auditor"' in html
    assert "That is not an ARN" in html
    assert 'data-testid="question-switch-steps"' in html  # the rest of the quiz is there
    counted = client.post(
        reverse("labs:quiz_act", args=["k", "role-arn", "answer"]),
        {"mode": "practice", "answer": "arn:aws:iam::111122223333:role/Nobody"},
    )
    assert counted.status_code == 302  # a counted answer goes back to the page, at its card


@pytest.mark.django_db
def test_a_question_may_show_its_answer_sooner() -> None:
    text = HINTED.replace("    answer: 10\n", "    answer: 10\n    reveal_after: 1\n")
    load({}, quizzes={"hints": ("hints.quiz.yaml", text)})
    _, user = signed_in("rae")
    quiz = Quiz.objects.get(slug="hints")
    question = quiz.spec().questions[0]
    assert not practice.card(user, quiz, question).may_reveal
    card = practice.answer(user, quiz, question, ["5"])
    assert card.may_reveal
    assert practice.reveal(user, quiz, question).progress.answer_shown


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("    reveal_after: many\n", "reveal_after is a number of wrong tries from 0 to 20"),
        ("    points: x\n", "points is a whole number from 1 to 20"),
        ("    points: 0\n", "points is a whole number from 1 to 20"),
    ],
)
def test_points_and_reveal_after_are_checked(line: str, message: str) -> None:
    text = HINTED.replace("    answer: 10\n", "    answer: 10\n" + line)
    with pytest.raises(QuizInvalid) as raised:
        read_quiz("h", read_yaml(text, "h.quiz.yaml"), text)
    assert message in str(raised.value)


@pytest.mark.django_db
def test_a_fix_names_the_layer_the_learner_rewrites() -> None:
    shipped = Path(__file__).resolve().parents[2] / "fixtures" / "quizzes" / "root-user.quiz.yaml"
    load({}, quizzes={"root-user": (shipped.name, shipped.read_text())})
    client, _ = signed_in("ida")
    page = client.get(reverse("labs:quiz", args=["root-user"])).content.decode()
    assert "Your SCP (JSON): edit it until it does the task and nothing more" in page
