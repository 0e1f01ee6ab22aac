"""The cross-account lab's feedback, after a student review: the probes a least-privilege goal
names read as real AWS values (never an internal name), a request goal that must be refused
says which statements allow it and what the request lacks, and a least goal says which
policy lets the extra request in."""

from __future__ import annotations

import fnmatch

import pytest

from iamlab.labs import least
from iamlab.labs.fixing import made_up_resources
from iamlab.labs.goals import GoalResult, check_goals
from iamlab.labs.loading import read_path
from iamlab.labs.scenario import read_scenario
from iamlab.labs.world import build_world
from iamlab.labs.yamlsource import read_yaml
from iamlab.policy import PolicyType, parse_policy
from iamlab.policy.catalog import action_info
from iamlab.sandbox.models import Sandbox

from .conftest import SHIPPED, signed_in

pytestmark = pytest.mark.django_db

FILES = read_path(SHIPPED)["cross-account"][1]
WORLD, FIXED = FILES["world.yaml"], FILES["fixed.yaml"]
WEB = "arn:aws:lambda:us-east-1:444455556666:function:web"
DEPLOY_TRUST = 'Principal: {AWS: "arn:aws:iam::111100002222:root"}'


def results(world_yaml: str) -> dict[str, GoalResult]:
    spec = read_scenario("cross-account", FILES)
    _, user = signed_in(f"sam{Sandbox.objects.count()}")
    sandbox = Sandbox.objects.create(owner=user, name="x")
    build_world(sandbox, read_yaml(world_yaml, "world.yaml"))
    return {r.goal.id: r for r in check_goals(sandbox, spec.goals)}


def deploy_web(
    resource: str, actions: str = "[lambda:UpdateFunctionCode, lambda:GetFunction]"
) -> str:
    """The fixed world with DeployRole's DeployWeb granting ``actions`` on ``resource``."""
    old = (
        "            Action: [lambda:UpdateFunctionCode, lambda:GetFunction]\n"
        f"            Resource: {WEB}\n"
    )
    assert old in FIXED
    return FIXED.replace(old, f"            Action: {actions}\n            Resource: {resource}\n")


# -- 1. the probes name real-looking values ---------------------------------------------------


def test_a_wildcard_region_is_named_as_a_real_other_region() -> None:
    result = results(deploy_web("arn:aws:lambda:*:444455556666:function:web"))[
        "deploy-role-only-web"
    ]
    assert not result.holds
    assert (
        "lambda:UpdateFunctionCode on arn:aws:lambda:eu-west-3:444455556666:function:web"
        in result.detail
    ), result.detail
    assert "iamlab" not in result.detail


def test_a_wildcard_name_is_named_as_another_resource_of_its_type() -> None:
    result = results(deploy_web("arn:aws:lambda:us-east-1:444455556666:function:*"))[
        "deploy-role-only-web"
    ]
    assert not result.holds
    assert (
        "lambda:UpdateFunctionCode on arn:aws:lambda:us-east-1:444455556666:function:other-function"
        in result.detail
    ), result.detail
    assert "iamlab" not in result.detail


@pytest.mark.parametrize(
    ("pattern", "probe"),
    [
        (
            "arn:aws:lambda:*:444455556666:function:web",
            "arn:aws:lambda:eu-west-3:444455556666:function:web",
        ),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::999999999999:role/other-role"),
        ("arn:aws:s3:::*", "arn:aws:s3:::other-bucket"),
        ("arn:aws:s3:::reports/*", "arn:aws:s3:::reports/other-object"),
        (
            "arn:aws:lambda:us-*:4444*:function:web-*",
            "arn:aws:lambda:us-west-2:444499999999:function:web-other",
        ),
        ("arn:aws:iam::444455556666:user/dev?", "arn:aws:iam::444455556666:user/devx"),
    ],
)
def test_a_wildcard_is_filled_with_a_value_it_matches_that_reads_as_real(
    pattern: str, probe: str
) -> None:
    policy = parse_policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", '
        f'"Resource": "{pattern}"}}]}}',
        PolicyType.IDENTITY,
    )
    made = made_up_resources([WEB], [policy])
    assert probe in made, made
    # Still a probe of what the wildcard lets in: the pattern covers it.
    assert fnmatch.fnmatchcase(probe, pattern)


def test_a_wildcard_region_avoids_the_region_the_task_uses() -> None:
    policy = parse_policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", '
        '"Resource": "arn:aws:lambda:eu-*:444455556666:function:web"}]}',
        PolicyType.IDENTITY,
    )
    made = made_up_resources(["arn:aws:lambda:eu-west-3:444455556666:function:web"], [policy])
    filled = [a for a in made if a.endswith(":444455556666:function:web")]
    assert filled, made
    assert all(":eu-west-3:" not in a for a in filled), made


def test_a_needed_resource_moved_elsewhere_keeps_its_type() -> None:
    # The moved name is a function still (the old probe, "iamlab-other-function:web", was of
    # no type any action takes, so least privilege never tried it).
    made = made_up_resources([WEB, "arn:aws:iam::444455556666:role/DeployRole"], [])
    assert "arn:aws:lambda:us-east-1:444455556666:function:other-web" in made
    assert "arn:aws:lambda:us-east-1:999999999999:function:web" in made
    assert "arn:aws:iam::444455556666:role/other-DeployRole" in made
    info = action_info("lambda:UpdateFunctionCode")
    assert info is not None
    assert least._fits(
        info.resource_types, "arn:aws:lambda:us-east-1:444455556666:function:other-web"
    )
    assert not any("iamlab" in a for a in made)


def test_the_shipped_lab_still_starts_failing_and_ends_solved() -> None:
    start, end = results(WORLD), results(FIXED)
    assert all(r.holds for r in end.values()), [r.detail for r in end.values() if not r.holds]
    assert not start["deploy-role-only-web"].holds
    assert not start["vendor-needs-external-id"].holds
    assert end["deploy-role-only-web"].detail.startswith(
        "DeployRole may make the 1 request the story needs, and none of the"
    )


# -- 2. a request goal that must be refused says why it is allowed -----------------------------


def test_a_goal_that_must_be_refused_names_the_statements_and_the_key_it_lacks() -> None:
    found = results(WORLD)
    result = found["vendor-needs-external-id"]
    assert not result.holds
    assert result.detail == (
        "Allowed without sts:ExternalId: Statement 1 of Trust policy of role VendorReadOnly, "
        "line 4 and Statement 1 of AssumeCustomerRoles (inline), line 4 allow it with no "
        "condition."
    )
    # The goal that holds keeps the engine's own sentence: the two no longer read the same.
    assert found["vendor-with-external-id"].holds
    assert found["vendor-with-external-id"].detail != result.detail


def test_an_allowing_statement_with_a_condition_says_the_condition_held() -> None:
    other_key = WORLD.replace(
        '          Principal: {AWS: "arn:aws:iam::999988887777:root"}\n'
        "          Action: sts:AssumeRole\n",
        '          Principal: {AWS: "arn:aws:iam::999988887777:root"}\n'
        "          Action: sts:AssumeRole\n"
        '          Condition: {StringEquals: {aws:PrincipalAccount: "999988887777"}}\n',
    )
    assert other_key != WORLD
    detail = results(other_key)["vendor-needs-external-id"].detail
    assert detail.startswith(
        "Allowed without sts:ExternalId: Statement 1 of AssumeCustomerRoles (inline), line 4 "
        "allows it with no condition; Statement 1 of Trust policy of role VendorReadOnly, "
        "line 4 allows it, its condition holding: aws:PrincipalAccount"
    ), detail


def test_a_wrong_external_id_is_named_with_the_value_the_trust_expects() -> None:
    wrong = FIXED.replace('sts:ExternalId: "shopco-7f3a91"', 'sts:ExternalId: "shopco-0000"')
    assert wrong != FIXED
    result = results(wrong)["vendor-with-external-id"]
    assert not result.holds
    assert "sts:ExternalId must be shopco-0000" in result.detail, result.detail


# -- 3. the hint and the policy that lets an extra request in ----------------------------------


def test_hint_two_says_what_must_be_true() -> None:
    hints = read_scenario("cross-account", FILES).hints
    assert "must name the other side's account ID" in hints[1].text
    assert "names the other account's ID" not in hints[1].text


def test_a_trust_open_to_everyone_is_named_as_what_lets_the_request_in() -> None:
    open_trust = FIXED.replace(DEPLOY_TRUST, 'Principal: {AWS: "*"}')
    assert open_trust != FIXED
    result = results(open_trust)["deploy-role-only-web"]
    assert not result.holds
    assert result.detail == (
        "DeployRole may also make requests the story does not need: sts:AssumeRole on "
        "arn:aws:iam::444455556666:role/DeployRole. Allowed by Statement 1 of Trust policy of "
        "role DeployRole, line 4."
    )


def test_requests_let_in_by_different_policies_each_name_theirs() -> None:
    both = deploy_web(WEB, "[lambda:UpdateFunctionCode, lambda:DeleteFunction]").replace(
        DEPLOY_TRUST, 'Principal: {AWS: "*"}'
    )
    detail = results(both)["deploy-role-only-web"].detail
    assert detail == (
        "DeployRole may also make requests the story does not need: lambda:DeleteFunction on "
        f"{WEB} (allowed by Statement 1 of DeployWeb (inline), line 4); sts:AssumeRole on "
        "arn:aws:iam::444455556666:role/DeployRole (allowed by Statement 1 of Trust policy of "
        "role DeployRole, line 4)."
    ), detail
