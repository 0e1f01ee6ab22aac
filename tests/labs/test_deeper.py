"""Deeper labs (issue 16, item 5): the least-privilege goal, the story's asking sentences
marked with their goals, and the loader's rules (three goals failing at the start, a
least-privilege goal, at least two different changes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from iamlab.labs import least
from iamlab.labs.goals import GoalResult, check_goals
from iamlab.labs.loading import LoadFailed, load
from iamlab.labs.scenario import ScenarioInvalid, read_scenario
from iamlab.labs.world import build_world
from iamlab.labs.yamlsource import read_yaml
from iamlab.sandbox.models import AccessKey, Sandbox

from .conftest import signed_in
from .test_loading import FIXED, SCENARIO, WORLD, folder

pytestmark = pytest.mark.django_db

STORY = SCENARIO[SCENARIO.index("story:") : SCENARIO.index("start:")]
ANN_READS_ALL = FIXED.replace(
    "            Action: s3:GetObject\n            Resource: arn:aws:s3:::reports/*",
    '            Action: ["s3:GetObject", "s3:DeleteObject", "s3:PutObject"]\n'
    '            Resource: "*"',
)


def _results(world_yaml: str, scenario_yaml: str = SCENARIO) -> dict[str, object]:
    spec = read_scenario(
        "one-bucket", {"scenario.yaml": scenario_yaml, "world.yaml": WORLD, "fixed.yaml": FIXED}
    )
    _, user = signed_in(f"lee{Sandbox.objects.count()}")
    sandbox = Sandbox.objects.create(owner=user, name="s")
    build_world(sandbox, read_yaml(world_yaml, "world.yaml"))
    return {r.goal.id: r for r in check_goals(sandbox, spec.goals)}


def problems_of(**files: str) -> list[str]:
    with pytest.raises(LoadFailed) as caught:
        load({"s": ("s", folder(**files))})
    return [str(p) for p in caught.value.problems]


# -- the least-privilege goal ---------------------------------------------------------------


def test_least_fails_while_a_needed_request_is_refused_and_says_why() -> None:
    # reference_policies_evaluation-logic: with no policy that allows it, a request is
    # implicitly denied.
    result = _results(WORLD)["ann-only-reports"]
    assert not result.holds
    assert result.detail.startswith(
        "ann needs s3:GetObject on arn:aws:s3:::reports/q1.csv, and it is not allowed: "
    )


def test_least_holds_when_the_grant_is_what_the_story_needs() -> None:
    result = _results(FIXED)["ann-only-reports"]
    assert result.holds, result.detail
    assert result.detail.startswith("ann may make the 1 request the story needs, and none of the")


def test_least_names_what_a_wider_grant_allows_beyond_the_story() -> None:
    # best-practices.html#grant-least-privilege: "*" on every bucket and object grants far
    # more than reading the reports.
    result = _results(ANN_READS_ALL)["ann-only-reports"]
    assert not result.holds
    assert result.detail.startswith("ann may also make requests the story does not need: ")
    assert "s3:DeleteObject on " in result.detail
    assert "s3:PutObject on " in result.detail
    # Reading another bucket's objects is beyond the story too.
    assert "other-reports" in result.detail or "s3:GetObject on" in result.detail
    assert "iamlab" not in result.detail


def test_may_tolerates_a_family_of_requests_the_story_allows() -> None:
    narrow = SCENARIO.replace(
        "        - action: s3:GetObject\n          resource: arn:aws:s3:::reports/*\n", ""
    ).replace("      may:\n", "")
    # Without "may", reading another report is beyond the one request the story needs.
    result = _results(FIXED, narrow)["ann-only-reports"]
    assert not result.holds
    assert "s3:GetObject on arn:aws:s3:::reports/other-object" in result.detail
    assert _results(FIXED)["ann-only-reports"].holds


MFA_NEED = SCENARIO.replace(
    "          resource: arn:aws:s3:::reports/q1.csv\n      may:",
    "          resource: arn:aws:s3:::reports/q1.csv\n"
    '          context: {aws:MultiFactorAuthPresent: "true"}\n      may:',
)


@pytest.mark.parametrize("scenario", [SCENARIO, MFA_NEED], ids=["plain", "need-with-a-global-key"])
def test_the_answer_is_kept_with_the_world_it_was_worked_out_for(
    monkeypatch: pytest.MonkeyPatch, scenario: str
) -> None:
    spec = read_scenario(
        "one-bucket", {"scenario.yaml": scenario, "world.yaml": WORLD, "fixed.yaml": FIXED}
    )
    _, user = signed_in("kai")
    sandbox = Sandbox.objects.create(owner=user, name="k")
    build_world(sandbox, read_yaml(FIXED, "world.yaml"))
    first = check_goals(sandbox, spec.goals)
    probed: list[str] = []
    real = least._first_allowed

    def counted(*args: Any) -> tuple[int, str]:
        probed.append(args[2])
        return real(*args)

    monkeypatch.setattr(least, "_first_allowed", counted)
    assert check_goals(sandbox, spec.goals) == first
    assert probed == []  # the same world: nothing probed again
    sandbox.version += 1
    sandbox.save()
    check_goals(sandbox, spec.goals)
    assert probed  # a changed sandbox is probed afresh


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "      needs:\n        - action: s3:GetObject\n          resource: "
            "arn:aws:s3:::reports/q1.csv\n",
            "      needs: []\n",
            "line 28, goals[2].least.needs: needs is a list of the requests the story needs",
        ),
        (
            "resource: arn:aws:s3:::reports/q1.csv\n      may:",
            "resource: arn:aws:s3:::reports/*\n      may:",
            "goals[2].least.needs[0]: a need is one request, with no wildcard",
        ),
        (
            "    least:\n      as: Dev/user/ann\n",
            "    least:\n      as: Dev/user/ann\n      only: true\n",
            "goals[2].least.only: unknown field; known: as, may, needs",
        ),
    ],
    ids=["no-needs", "wildcard-need", "unknown-field"],
)
def test_a_least_goal_with_a_problem_is_refused_with_its_field(
    old: str, new: str, expected: str
) -> None:
    assert old in SCENARIO
    with pytest.raises(ScenarioInvalid) as caught:
        read_scenario("s", {"scenario.yaml": SCENARIO.replace(old, new), "world.yaml": WORLD})
    found = [str(p) for p in caught.value.problems]
    assert any(expected in p for p in found), found


# -- the story's asks --------------------------------------------------------------------------


def test_a_story_sentence_that_asks_without_naming_its_goal_is_refused() -> None:
    story = (
        "story: |\n  Ann should read the reports [[ann-reads]].\n\n"
        "  Bob also needs to list them.\n  Nobody cares [[nope]].\n"
    )
    text = SCENARIO.replace(STORY, story)
    with pytest.raises(ScenarioInvalid) as caught:
        read_scenario("s", {"scenario.yaml": text, "world.yaml": WORLD})
    assert [str(p) for p in caught.value.problems] == [
        "s/scenario.yaml, line 8, story: “Bob also needs to list them.” asks for something "
        "(needs to) but names no goal: end it with [[goal-id]] of the goal that checks it, "
        "before the full stop (every sentence of the story that asks is a goal)",
        "s/scenario.yaml, line 9, story: [[nope]] names no goal; the goals are ann-reads, "
        "bob-lists, ann-only-reports, ann-cannot-delete",
    ]


def test_an_ask_inside_a_code_span_or_a_list_item_is_read_as_written() -> None:
    story = (
        "story: |\n  Run `aws s3 ls --must-exist`. The team:\n"
        "  - Ann, who should read the reports [[ann-reads]]\n"
        "  - Bob, who wants to list them\n"
    )
    text = SCENARIO.replace(STORY, story)
    with pytest.raises(ScenarioInvalid) as caught:
        read_scenario("s", {"scenario.yaml": text, "world.yaml": WORLD})
    assert [str(p).split(": ", 1)[0] for p in caught.value.problems] == [
        "s/scenario.yaml, line 8, story"
    ]
    assert "“- Bob, who wants to list them”" in str(caught.value.problems[0])


def test_the_lab_page_links_each_ask_to_its_goal_with_its_state() -> None:
    load({"one-bucket": ("one-bucket", folder())})
    client, _ = signed_in("ria")
    page = client.get(reverse("labs:scenario", args=["one-bucket"])).content.decode()
    assert (
        '<a class="goal-ref" href="#goal-ann-reads" title="Goal 1: Ann may read the reports." '
        'data-testid="goal-ref-ann-reads">goal 1' in page
    )
    assert "[[" not in page
    client.post(reverse("labs:start", args=["one-bucket"]))
    page = client.get(reverse("labs:scenario", args=["one-bucket"])).content.decode()
    # Started: each mark shows its goal's state, and the goal is the link's target.
    assert 'class="goal-ref fails" href="#goal-bob-lists"' in page
    assert 'id="goal-bob-lists"' in page
    assert 'class="goal-ref holds" href="#goal-ann-cannot-delete"' not in page  # not in story


# -- the loader's rules ------------------------------------------------------------------------


def test_a_lab_with_fewer_than_three_goals_to_make_hold_is_refused() -> None:
    bob_lists = WORLD + FIXED.split("  - name: bob\n")[1]
    assert problems_of(world_yaml=bob_lists) == [
        "s/scenario.yaml, goals: only 2 goals (ann-reads, ann-only-reports) fail in world.yaml: "
        "a lab has at least 3 goals for the learner to make hold",
        # With Bob's change made already, one change is left.
        "s/fixed.yaml: differs from world.yaml only in users entry ann: a lab needs at least 2 "
        "different changes",
    ]


def test_a_lab_without_a_least_privilege_goal_is_refused() -> None:
    start, rest = SCENARIO.split("  - id: ann-only-reports\n")
    without = start + "  - id: ann-cannot-delete\n" + rest.split("  - id: ann-cannot-delete\n")[1]
    extra = (
        "  - id: bob-reads\n    says: Bob may read the reports.\n    request:\n"
        "      as: Dev/user/bob\n      action: s3:GetObject\n"
        "      resource: arn:aws:s3:::reports/q1.csv\n"
    )
    fixed = FIXED.replace(
        "            Action: s3:ListBucket\n",
        '            Action: ["s3:ListBucket", "s3:GetObject"]\n',
    ).replace("Resource: arn:aws:s3:::reports\n", 'Resource: ["arn:aws:s3:::reports", "*"]\n')
    without = without.replace(", and that is all she should do\n  [[ann-only-reports]]", "")
    assert problems_of(scenario_yaml=without + extra, fixed_yaml=fixed) == [
        "s/scenario.yaml, goals: a lab has at least one least-privilege goal (least: as, needs): "
        "nothing granted beyond what the story needs"
    ]


def test_a_lab_without_its_fixed_world_is_refused() -> None:
    assert problems_of(fixed_yaml="") == [
        "s/fixed.yaml: missing: a lab needs its fixed world, to show that every goal can hold "
        "and that it takes at least two different changes"
    ]


def test_a_lab_one_change_solves_is_refused_naming_the_change() -> None:
    # Bob's goal made Ann's: every goal is about Ann, so changing Ann alone solves the lab.
    about_ann = SCENARIO.replace("as: Dev/user/bob", "as: Dev/user/ann")
    ann_does_both = FIXED.replace(
        "            Action: s3:GetObject\n            Resource: arn:aws:s3:::reports/*\n",
        "            Action: s3:GetObject\n            Resource: arn:aws:s3:::reports/*\n"
        "          - Effect: Allow\n            Action: s3:ListBucket\n"
        "            Resource: arn:aws:s3:::reports\n",
    )
    about_ann = about_ann.replace(
        "      may:\n",
        "        - action: s3:ListBucket\n          resource: arn:aws:s3:::reports\n      may:\n",
    )
    only_ann = ann_does_both.split("  - name: bob\n")[0] + "  - name: bob\n"
    assert problems_of(scenario_yaml=about_ann, fixed_yaml=only_ann) == [
        "s/fixed.yaml: differs from world.yaml only in users entry ann: a lab needs at least 2 "
        "different changes"
    ]
    # A second change that does not matter does not make the lab deeper.
    tagged = only_ann + "    tags: {team: data}\n"
    assert problems_of(scenario_yaml=about_ann, fixed_yaml=tagged) == [
        "s/fixed.yaml: users entry ann alone, changed as here, makes every goal hold: a lab "
        "needs at least 2 different changes (add a goal that this change does not meet)"
    ]


def test_a_learner_whose_lab_changed_since_they_started_is_told_to_start_over() -> None:
    load({"one-bucket": ("one-bucket", folder())})
    client, _ = signed_in("ned")
    client.post(reverse("labs:start", args=["one-bucket"]))
    page = client.get(reverse("labs:scenario", args=["one-bucket"])).content.decode()
    assert 'data-testid="lab-changed"' not in page
    # The lab is made deeper and loaded again as version 2.
    load({"one-bucket": ("one-bucket", folder(scenario_yaml="version: 2\n" + SCENARIO))})
    page = client.get(reverse("labs:scenario", args=["one-bucket"])).content.decode()
    assert "This lab has changed since you started it (version 1, now 2)" in page
    sandbox = Sandbox.objects.get(owner__username="ned")
    assert (
        'data-testid="panel-lab-changed"' in client.get(sandbox.get_absolute_url()).content.decode()
    )
    client.post(reverse("labs:start", args=["one-bucket"]))
    page = client.get(reverse("labs:scenario", args=["one-bucket"])).content.decode()
    assert 'data-testid="lab-changed"' not in page


def test_a_needs_context_is_part_of_the_need() -> None:
    # id_credentials_mfa_configure-api-require: a grant meant for MFA sessions only carries
    # the condition; the same request without MFA must be refused.
    with_mfa = SCENARIO.replace(
        "          resource: arn:aws:s3:::reports/q1.csv\n      may:",
        "          resource: arn:aws:s3:::reports/q1.csv\n"
        '          context: {aws:MultiFactorAuthPresent: "true"}\n      may:',
    )
    result = _results(FIXED, with_mfa)["ann-only-reports"]
    assert not result.holds
    assert result.detail == (
        "ann may also make requests the story does not need: s3:GetObject on "
        "arn:aws:s3:::reports/q1.csv without aws:MultiFactorAuthPresent. Allowed by "
        "Statement 1 of ReadReports (inline), line 4."
    )
    conditioned = FIXED.replace(
        "            Resource: arn:aws:s3:::reports/*\n",
        "            Resource: arn:aws:s3:::reports/*\n"
        '            Condition: {Bool: {aws:MultiFactorAuthPresent: "true"}}\n',
    )
    assert _results(conditioned, with_mfa)["ann-only-reports"].holds


def test_real_resources_of_the_right_type_are_named_before_made_up_probes() -> None:
    two_buckets = ANN_READS_ALL.replace(
        "users:", "resources:\n  - kind: s3\n    name: payroll\nusers:"
    )
    detail = _results(two_buckets)["ann-only-reports"].detail
    # The story's own object, not a probe's made-up name; and an object action is never tried
    # on a bucket's ARN (the action catalog's resource types).
    assert "s3:DeleteObject on arn:aws:s3:::reports/q1.csv;" in detail, detail
    assert "arn:aws:s3:::payroll;" not in detail


def test_a_deleted_user_meets_a_goal_that_it_be_refused_and_not_one_that_it_be_allowed() -> None:
    # A user deleted (id_users_remove) can make no request: "Ann may not delete them" holds.
    without_ann = FIXED.replace(
        FIXED[FIXED.index("  - name: ann") : FIXED.index("  - name: bob")], ""
    )
    results = _results(without_ann)
    assert results["ann-cannot-delete"].holds
    assert results["ann-cannot-delete"].detail == (
        "Dev/user/ann is not in your sandbox any more, so it can make no request at all."
    )
    assert not results["ann-reads"].holds


KEY_GOAL = """\
  - id: ann-key-gone
    says: Ann's access key is deactivated or deleted.
    finding: {code: ACCESS_KEY, in: Dev/user/ann}
"""


def test_an_access_key_goal_holds_once_the_key_is_deactivated_or_deleted() -> None:
    # id_credentials_access-keys_admin-manage: deactivate, then delete, a key no longer used.
    keyed = FIXED.replace("  - name: ann\n", "  - name: ann\n    access_keys: 1\n")
    spec = read_scenario(
        "k", {"scenario.yaml": SCENARIO + KEY_GOAL, "world.yaml": keyed, "fixed.yaml": FIXED}
    )
    _, user = signed_in("kim")
    sandbox = Sandbox.objects.create(owner=user, name="k")
    build_world(sandbox, read_yaml(keyed, "world.yaml"))
    result = check_goals(sandbox, spec.goals)[-1]
    assert not result.holds
    assert result.detail.startswith("Still active: ")
    assert result.detail.endswith(" of ann.")
    key = AccessKey.objects.get(account__sandbox=sandbox)
    key.status = "Inactive"
    key.save()
    assert check_goals(sandbox, spec.goals)[-1].holds
    key.delete()
    assert check_goals(sandbox, spec.goals)[-1].detail == "No active long-term access key is left."


GITHUB = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "github-oidc"


def _github_results(world_yaml: str) -> dict[str, GoalResult]:
    files = {p.name: p.read_text() for p in GITHUB.iterdir()}
    spec = read_scenario("github-oidc", files)
    _, user = signed_in(f"gh{Sandbox.objects.count()}")
    sandbox = Sandbox.objects.create(owner=user, name="g")
    build_world(sandbox, read_yaml(world_yaml, "world.yaml"))
    return {r.goal.id: r for r in check_goals(sandbox, spec.goals)}


@pytest.mark.parametrize(
    ("sub", "others", "branches", "own"),
    [
        ("repo:appco/api:ref:refs/heads/main", False, False, True),  # the fix
        ("repo:*", True, True, True),  # any repository on GitHub
        ("repo:appco/*", False, True, True),  # every repository of the organization
        ("repo:appco/api:*", False, True, True),  # every branch
        ("repo:someone-else/api:ref:refs/heads/main", True, False, False),  # the wrong one
    ],
)
def test_a_federate_goal_sends_the_token_to_sts_and_reads_its_answer(
    sub: str, others: bool, branches: bool, own: bool
) -> None:
    # id_roles_providers_create_for-idp_oidc.html#idp_oidc_Create_GitHub: the trust policy's
    # token.actions.githubusercontent.com:sub condition decides which workflows get in; a
    # wildcard lets in every repository (or branch) it matches.
    fixed = (GITHUB / "fixed.yaml").read_text()
    assert '"repo:appco/api:ref:refs/heads/main"' in fixed
    operator = "StringLike" if "*" in sub else "StringEquals"
    world = fixed.replace('"repo:appco/api:ref:refs/heads/main"', f'"{sub}"')
    if operator == "StringLike":
        world = world.replace(
            "            StringEquals:\n"
            "              token.actions.githubusercontent.com:aud: sts.amazonaws.com\n"
            f'              token.actions.githubusercontent.com:sub: "{sub}"\n',
            "            StringEquals:\n"
            "              token.actions.githubusercontent.com:aud: sts.amazonaws.com\n"
            "            StringLike:\n"
            f'              token.actions.githubusercontent.com:sub: "{sub}"\n',
        )
        assert "StringLike" in world
    results = _github_results(world)
    assert results["github-federates"].holds == own, results["github-federates"].detail
    assert results["only-appco-api"].holds == (not others), results["only-appco-api"].detail
    assert results["only-main-branch"].holds == (not branches)
    refused = results["only-appco-api"] if not others else results["github-federates"]
    if not own or not others:
        assert refused.detail.startswith("STS refuses a token with sub=")
