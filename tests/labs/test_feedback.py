"""Feedback that teaches: a wrong answer says why it is wrong (the author's explanation of the
option chosen, or the engine's explanation of the learner's variant) without giving the answer
away while tries remain; the header's count moves as answers come in; a checkpoint not
attempted is told apart from zero points."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from iamlab.labs.goals import check_goals
from iamlab.labs.loading import LoadFailed, load, read_path, read_quizzes
from iamlab.labs.models import Quiz
from iamlab.labs.quiz import Question, Variant, read_quiz
from iamlab.labs.scenario import read_scenario
from iamlab.labs.world import build_world
from iamlab.labs.yamlsource import read_yaml
from iamlab.sandbox.models import Sandbox

from .conftest import SHIPPED, signed_in

BANKS = Path(__file__).resolve().parents[2] / "fixtures" / "quizzes"

pytestmark = pytest.mark.django_db

CHOICE = """\
title: Groups
topic: groups
questions:
  - id: holds
    kind: choice
    prompt: What can a user group hold? Choose every right answer.
    options:
      - text: IAM users
        right: true
        explain: A group's members are IAM users of its account.
      - text: Identity-based policies
        right: true
        explain: Its policies apply to each member.
      - text: Other groups
        explain: Groups do not nest.
      - text: Roles
        explain: A role is assumed, never a member.
"""


def shipped(slug: str, qid: str) -> Question:
    text = (BANKS / f"{slug}.quiz.yaml").read_text()
    spec = read_quiz(slug, read_yaml(text, f"{slug}.quiz.yaml"), text, variants=False)
    return next(q for q in spec.questions if q.id == qid)


def variant_where(question: Question, **request: object) -> Variant:
    for seed in range(60):
        variant = question.variant(seed)
        if all(variant.request.get(k) == v for k, v in request.items()):
            return variant
    raise AssertionError(f"no variant with {request}")


def test_the_loader_refuses_a_choice_option_without_its_explanation() -> None:
    text = CHOICE.replace("        explain: Groups do not nest.\n", "")
    with pytest.raises(LoadFailed) as caught:
        load({}, quizzes={"g": ("g.quiz.yaml", text)})
    (problem,) = caught.value.problems
    assert (problem.file, problem.field) == ("g.quiz.yaml", "questions[0].options[2].explain")
    assert "explain is required" in problem.message
    assert not Quiz.objects.exists()


def test_every_option_of_every_shipped_choice_question_says_why() -> None:
    for slug in read_quizzes(BANKS):
        text = (BANKS / f"{slug}.quiz.yaml").read_text()
        for question in read_quiz(slug, read_yaml(text, slug), text, variants=False).questions:
            if question.kind == "choice":
                assert all(o["explain"].strip() for o in question.data["options"]), question.id


def test_a_wrong_option_shows_its_explanation_and_not_the_right_ones() -> None:
    question = read_quiz("g", read_yaml(CHOICE, "g.quiz.yaml"), CHOICE).questions[0]
    variant = question.variant(3)
    value = {label: v for v, label in variant.options}
    graded = question.grade(variant, [value["IAM users"], value["Roles"]])
    assert not graded.correct
    assert graded.feedback == "Not quite: 1 answer you chose is wrong, and 1 right one left out."
    assert graded.details == ("“Roles”: A role is assumed, never a member.",)
    # Every answer chosen right, one missing: said, without naming it.
    graded = question.grade(variant, [value["IAM users"]])
    assert graded.feedback == "Each answer you chose is right, but 1 more answer is right too."
    assert "Identity-based" not in graded.feedback + " ".join(graded.details)


def test_a_single_choice_wrong_answer_is_its_explanation() -> None:
    question = shipped("user-or-role", "app-on-ec2")
    variant = question.variant(0)
    root = next(v for v, label in variant.options if label.startswith("The root user"))
    graded = question.grade(variant, [root])
    assert graded.feedback.startswith("Not quite. The root user's keys carry complete access")


def test_a_wrong_decision_points_at_the_deny_it_overlooks_without_naming_the_answer() -> None:
    # reference_policies_evaluation-logic: an explicit Deny in any policy overrides an Allow.
    question = shipped("groups", "deny-in-one-group")
    variant = question.variant(0)
    assert variant.answer == ("explicitDeny",)
    graded = question.grade(variant, ["allowed"])
    assert graded.feedback.startswith("You chose “Allowed”: look again at Statement 1")
    assert "(ContractorsNoIam)" in graded.feedback
    assert "Denied explicitly" not in graded.feedback
    assert "explicit" not in graded.feedback.lower()


def test_a_wrong_allowed_names_the_layer_that_refuses_and_the_closest_allow() -> None:
    question = shipped("service-role", "passrole-to-service")
    variant = variant_where(question, context={"iam:PassedToService": "ec2.amazonaws.com"})
    assert variant.answer == ("implicitDeny",)
    graded = question.grade(variant, ["allowed"])
    assert "look again at the identity-based policies" in graded.feedback
    assert "implicit" not in graded.feedback.lower()
    (detail,) = graded.details
    assert detail.startswith("The closest Allow, Statement 1 (PassToLambdaOnly)")
    assert "ec2.amazonaws.com" in detail
    # "Denied explicitly" when no Deny exists at all.
    graded = question.grade(variant, ["explicitDeny"])
    assert "no policy here has one" in graded.feedback


def test_a_caller_without_identity_policies_is_told_there_are_none() -> None:
    question = shipped("switching-roles", "trust-by-account")
    variant = question.variant(0)
    assert [label for label, _ in variant.policies] == ["Trust policy of the role"]
    graded = question.grade(variant, ["allowed"])
    assert graded.feedback.endswith(
        "look again at the identity-based policies: there are none here."
    )


def test_a_wrong_statement_says_why_it_did_not_decide_and_policies_are_named() -> None:
    question = shipped("groups", "which-statement-decided")
    variant = variant_where(question, action="s3:PutObject")
    assert [label for label, _ in variant.policies] == [
        "Developers group policy",
        "Auditors group policy",
    ]
    graded = question.grade(variant, ["DevelopersReadWrite"])
    assert graded.feedback == (
        "Not quite: 1 statement chosen does not decide; 1 statement that decides is left out."
    )
    (detail,) = graded.details
    assert detail.startswith("Statement 1 (DevelopersReadWrite) of Developers group policy")
    assert "only Deny statements decide" in detail
    assert "AuditorsNeverWrite" not in detail


def test_a_wrong_layer_says_what_that_layer_does() -> None:
    question = shipped("emergency-access", "which-layer-refuses")
    variant = variant_where(question, action="iam:CreateUser")
    graded = question.grade(variant, ["scp"])
    assert graded.feedback.startswith("Not the SCP: it allows this request, but it grants nothing")


def test_a_wrong_number_says_which_way() -> None:
    question = shipped("groups", "groups-per-user")
    assert question.grade(question.variant(0), ["5"]).feedback == (
        "Not 5 groups: the answer is more than that."
    )


def test_the_count_moves_with_each_answer_and_the_answer_shows_every_option_explained() -> None:
    load({}, quizzes=read_quizzes(BANKS))
    client, _ = signed_in("sam")

    def act(qid: str, what: str, **data: str) -> str:
        target = reverse("labs:quiz_act", args=["groups", qid, what])
        return client.post(target, data, HTTP_HX_REQUEST="true").content.decode()

    html = act("groups-per-user", "answer", mode="practice", answer="10")
    assert 'id="quiz-progress"' in html
    assert 'hx-swap-oob="true"' in html
    assert "<strong>1</strong> of 7 answered right" in html
    html = act("group-as-principal", "reveal", mode="practice")
    assert "<strong>1</strong> of 7 answered right" in html
    for _ in range(3):
        act("group-as-principal", "answer", mode="practice", answer="1")
    html = act("group-as-principal", "reveal", mode="practice")
    assert 'data-testid="option-notes-group-as-principal"' in html
    assert "A group is not a principal, so a trust policy cannot name it" in html
    # The whole page has the count too, without the out-of-band marker.
    page = client.get(reverse("labs:quiz", args=["groups"])).content.decode()
    assert "<strong>1</strong> of 7 answered right" in page
    assert 'hx-swap-oob="true"' not in page


def test_a_checkpoint_not_attempted_is_not_zero_points() -> None:
    load({}, quizzes=read_quizzes(BANKS))
    client, _ = signed_in("sam")
    url = reverse("labs:quiz", args=["groups"]) + "?mode=checkpoint"
    page = client.get(url).content.decode()
    assert "checkpoint not attempted</span> (worth 28 points)" in page
    target = reverse("labs:quiz_act", args=["groups", "groups-per-user", "answer"])
    html = client.post(
        target, {"mode": "checkpoint", "answer": "7"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="quiz-score">0</strong> of 28 points' in html
    listing = client.get(reverse("labs:list")).content.decode()
    assert "checkpoint 0/28 points" in listing


def test_a_permission_set_not_assigned_says_so() -> None:
    folder = read_path(SHIPPED)["identity-center"]
    load({"identity-center": folder})
    spec = read_scenario("identity-center", folder[1])
    _, user = signed_in("nia")
    sandbox = Sandbox.objects.create(owner=user, name="ic")
    build_world(sandbox, read_yaml(folder[1]["world.yaml"], "world.yaml"))
    details = [r.detail for r in check_goals(sandbox, spec.goals) if not r.holds]
    assert any(
        d.startswith("The permission set Deploy is not assigned in Dev: Dev has no role for it")
        for d in details
    ), details
    assert not any("is not in your sandbox" in d for d in details)


def test_the_corrected_content() -> None:
    # The root user cannot have an identity-based policy: none is shown for it.
    variant = shipped("root-user", "scp-on-member-root").variant(0)
    assert [label for label, _ in variant.policies] == ["SCP"]
    # IAM User Guide, When to create an IAM user: third-party clients not hosted on AWS that
    # cannot use Identity Center get an IAM user; a vendor on AWS assumes a role.
    question = shipped("user-or-role", "when-user")
    right = [o["text"] for o in question.data["options"] if o.get("right")]
    assert any("not hosted on AWS" in text for text in right)
    wrong = [o["text"] for o in question.data["options"] if not o.get("right")]
    assert any("assume a role you create for it" in text for text in wrong)


def test_the_loader_refuses_labels_that_do_not_name_each_policy() -> None:
    text = (BANKS / "groups.quiz.yaml").read_text()
    text = text.replace(
        "identity: [Developers group policy, Contractors group policy]",
        "identity: [Developers group policy]",
    )
    with pytest.raises(LoadFailed) as caught:
        load({}, quizzes={"groups": ("groups.quiz.yaml", text)})
    (problem,) = caught.value.problems
    assert problem.field == "questions[2].labels.identity"
    assert "names each of the 2 identity policies" in problem.message


@pytest.mark.parametrize(
    ("bank", "qid", "typed", "expected"),
    [
        # reference-arns.html: arn:partition:service:region:account-id:resource-type/name
        (
            "ec2-instance-profile",
            "profile-arn",
            "arn:aws:ec2::{account}:instance-profile/{profile}",
            "Not quite: the ARN's service part (ec2) is not the one this asks for; the parts "
            "before it are right.",
        ),
        (
            "ec2-instance-profile",
            "profile-arn",
            "arn:aws:iam::{account}:role/{profile}",
            "Not quite: the ARN's resource part (role/{profile}) is not the one this asks for; "
            "the parts before it are right.",
        ),
        # reference_policies_iam-condition-keys: SAML keys have the prefix saml:.
        (
            "saml-federation",
            "saml-aud-key",
            "aws:SourceIdentity",
            "Not quite: aws:SourceIdentity is a global key (aws:); the key this asks for has "
            "another prefix. Which service, or AWS itself, sets it?",
        ),
        (
            "saml-federation",
            "saml-aud-key",
            "SAML:sub",
            "Not quite: the prefix SAML: is right, but not the key's name (sub).",
        ),
        (
            "service-credentials",
            "create-git-credentials",
            "iam:CreateAccessKey",
            "Not quite: iam:CreateAccessKey is not it.",
        ),
    ],
    ids=["arn-service", "arn-resource", "key-prefix", "key-name", "text"],
)
def test_a_wrong_fill_says_where_it_parts_from_the_answer(
    bank: str, qid: str, typed: str, expected: str
) -> None:
    question = shipped(bank, qid)
    variant = question.variant(0)
    values = dict(zip(("account", "profile"), _arn_values(variant), strict=False))
    graded = question.grade(variant, [typed.format(**values)])
    assert not graded.correct
    assert graded.feedback == expected.format(**values)


def _arn_values(variant: Variant) -> tuple[str, ...]:
    """The account and profile name of the instance-profile ARN a variant asks for."""
    arn = variant.answer[0]
    if not arn.startswith("arn:"):
        return ()
    return arn.split(":")[4], arn.rsplit("/", 1)[1]


def test_a_wrong_order_points_at_the_first_step_out_of_place() -> None:
    question = shipped("custom-broker", "broker-console-flow")
    variant = question.variant(0)
    steps = list(variant.answer)
    swapped = [steps[0], steps[2], steps[1], *steps[3:]]
    graded = question.grade(variant, swapped)
    words = dict(variant.options)[steps[2]]
    assert graded.feedback == (
        f"Not quite: 3 of 5 steps are in their place. The first one out of place is place 2: "
        f"“{words}” comes later."
    )


def test_why_an_answer_was_wrong_stays_on_the_page_after_a_reload() -> None:
    load({}, quizzes=read_quizzes(BANKS))
    client, _ = signed_in("rae")
    target = reverse("labs:quiz_act", args=["saml-federation", "saml-aud-key", "answer"])
    client.post(target, {"mode": "practice", "answer": "SAML:sub"})
    page = client.get(reverse("labs:quiz", args=["saml-federation"])).content.decode()
    feedback = page.split('data-testid="feedback-saml-aud-key"')[1].split("</p>")[0]
    assert "the prefix SAML: is right, but not the key&#x27;s name (sub)." in feedback
    # Once right, the page says so and the old explanation is gone.
    client.post(target, {"mode": "practice", "answer": "SAML:aud"})
    page = client.get(reverse("labs:quiz", args=["saml-federation"])).content.decode()
    assert "not the key&#x27;s name" not in page
    assert "Answered right." in page
