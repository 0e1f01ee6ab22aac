"""Requests in the graph carry aws:RequestedRegion, so a region guardrail SCP judges them as it
would judge a real call (reference_policies_condition-keys, aws:RequestedRegion;
reference_policies_scps_examples_general, "Deny access to AWS based on the requested AWS
Region")."""

from __future__ import annotations

import pytest

from iamlab.graph.build import requested_region

from .kit import (
    allow,
    doc,
    edges,
    function_arn,
    graph,
    resource,
    role,
    role_arn,
    stmt,
    trust_service,
    user,
    user_arn,
    with_scp,
)

GUARDRAIL = doc(
    stmt(
        "Deny",
        not_action=["iam:*", "sts:*", "organizations:*"],
        resource="*",
        condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
    )
)


@pytest.mark.parametrize(
    ("arn", "region"),
    [
        ("arn:aws:lambda:eu-west-1:111122223333:function:f", "eu-west-1"),
        ("arn:aws:iam::111122223333:user/alice", "us-east-1"),  # IAM is global
        ("arn:aws:s3:::bucket/key", "us-east-1"),
        ("*", "us-east-1"),
    ],
)
def test_a_request_goes_to_the_resources_region_or_the_global_endpoint(arn, region):
    assert requested_region(arn) == region


def test_a_takeover_in_an_allowed_region_survives_a_region_guardrail():
    dev = user("dev", allow("lambda:UpdateFunctionCode", function_arn("f")))
    runner = role("FunctionRole", trust_service("lambda.amazonaws.com"))
    function = resource("lambda", function_arn("f"), runs_as=runner.arn)
    g = graph(dev, runner, resources=[function], accounts=[with_scp(GUARDRAIL)])
    (edge,) = edges(g, user_arn("dev"), role_arn("FunctionRole"), technique="takeover-lambda")
    assert edge.kind == "escalate"


def test_a_takeover_in_a_denied_region_is_refused_by_the_guardrail():
    arn = "arn:aws:lambda:ap-south-1:111122223333:function:f"
    dev = user("dev", allow("lambda:UpdateFunctionCode", arn))
    runner = role("FunctionRole", trust_service("lambda.amazonaws.com"))
    function = resource("lambda", arn, runs_as=runner.arn)
    g = graph(dev, runner, resources=[function], accounts=[with_scp(GUARDRAIL)])
    assert edges(g, user_arn("dev"), role_arn("FunctionRole")) == []


def test_one_callers_answers_in_two_regions_are_not_mixed_up():
    # The same statements decide both requests (Resource "*"), yet the guardrail refuses the
    # function in ap-south-1: the answer for one region must not stand for the other.
    dev = user("dev", allow("lambda:UpdateFunctionCode"))
    near = role("NearRole", trust_service("lambda.amazonaws.com"))
    far = role("FarRole", trust_service("lambda.amazonaws.com"))
    functions = [
        resource("lambda", function_arn("near"), runs_as=near.arn),
        resource("lambda", "arn:aws:lambda:ap-south-1:111122223333:function:far", runs_as=far.arn),
    ]
    for order in (functions, functions[::-1]):
        g = graph(dev, near, far, resources=order, accounts=[with_scp(GUARDRAIL)])
        assert {e.target for e in edges(g, user_arn("dev"), technique="takeover-lambda")} == {
            near.arn
        }
