"""The graph builder shares work between principals with the same policies: an answer, a pool
of targets, a whole technique's edges. Sharing must never hand one principal another's
answer. These cases put principals that share their policy objects (as the sandbox's World
does for members of one group) side by side where their answers must differ, and compare
whole generated organizations built with and without sharing.

Pages: id_credentials_access-keys (CreateAccessKey on another user), access_tags (ABAC with
aws:PrincipalTag and aws:ResourceTag), reference_policies_variables (``${aws:username}``),
id_roles_use_passrole (PassRole), and the takeover of a Lambda function
(lambda:UpdateFunctionCode, id_roles_use_passrole).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks.graph import generate
from iamlab.graph import AccessGraph, GraphInput, PrincipalIn, build_graph

from .kit import (
    Doc,
    World,
    allow,
    doc,
    edges,
    function_arn,
    iam_arn,
    resource,
    role,
    role_arn,
    stmt,
    trust_service,
    user,
    user_arn,
)


def sharing(first: PrincipalIn, *others: PrincipalIn) -> list[PrincipalIn]:
    """``others`` with ``first``'s policy objects, as members of one group get them."""
    return [first, *(replace(o, identity=first.identity) for o in others)]


def targets(g: AccessGraph, source: str, technique: str) -> set[str]:
    return {e.target for e in edges(g, source, technique=technique)}


def both_orders(principals: list[PrincipalIn], extra: list[PrincipalIn]) -> list[AccessGraph]:
    """The graph with the sharing principals in their order and reversed: whoever is asked
    first must not decide for the others."""
    return [
        World([*principals, *extra]).build(),
        World([*reversed(principals), *extra]).build(),
    ]


def test_principals_sharing_a_policy_each_reach_the_others_not_themselves() -> None:
    # id_credentials_access-keys: iam:CreateAccessKey on user/* lets each create keys for
    # every other user.
    alice, bob = sharing(user("alice", allow("iam:CreateAccessKey")), user("bob"))
    carol = user("carol")
    for g in both_orders([alice, bob], [carol]):
        assert targets(g, alice.arn, "create-access-key") == {bob.arn, carol.arn}
        assert targets(g, bob.arn, "create-access-key") == {alice.arn, carol.arn}


def test_a_policy_naming_one_user_gives_that_user_nothing_and_the_others_an_edge() -> None:
    # id_credentials_access-keys: the Resource names alice; alice making her own key is no
    # escalation, bob making hers is.
    alice, bob = sharing(
        user("alice", allow("iam:CreateAccessKey", user_arn("alice"))), user("bob")
    )
    for g in both_orders([alice, bob], []):
        assert targets(g, alice.arn, "create-access-key") == set()
        assert targets(g, bob.arn, "create-access-key") == {alice.arn}


def test_own_credentials_statement_does_not_leak_between_users() -> None:
    # reference_policies_variables: user/${aws:username} covers only the caller itself; a
    # second statement lets them reset the passwords of the support team only.
    own = stmt("Allow", "iam:UpdateLoginProfile", "arn:aws:iam::*:user/${aws:username}")
    support = stmt(
        "Allow",
        "iam:UpdateLoginProfile",
        "*",
        condition={"StringEquals": {"aws:ResourceTag/team": "support"}},
    )
    alice, bob = sharing(
        user(
            "alice", {"Version": "2012-10-17", "Statement": [own, support]}, console_password=True
        ),
        user("bob", console_password=True),
    )
    dana = user("dana", console_password=True)
    sue = replace(
        user("sue", console_password=True), resource_context={"aws:ResourceTag/team": "support"}
    )
    for g in both_orders([alice, bob], [dana, sue]):
        assert targets(g, alice.arn, "update-login-profile") == {sue.arn}
        assert targets(g, bob.arn, "update-login-profile") == {sue.arn}


def test_abac_answers_follow_each_callers_own_tag() -> None:
    # access_tags: the same policy lets each caller reset passwords of their own team only.
    policy = allow(
        "iam:UpdateLoginProfile",
        condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    )
    red = user("red1", policy, tags={"team": "red"}, console_password=True)
    (red, blue) = sharing(red, user("blue1", tags={"team": "blue"}, console_password=True))
    red2 = replace(
        user("red2", console_password=True), resource_context={"aws:ResourceTag/team": "red"}
    )
    blue2 = replace(
        user("blue2", console_password=True), resource_context={"aws:ResourceTag/team": "blue"}
    )
    for g in both_orders([red, blue], [red2, blue2]):
        assert targets(g, red.arn, "update-login-profile") == {red2.arn}
        assert targets(g, blue.arn, "update-login-profile") == {blue2.arn}


def test_a_role_sharing_a_takeover_policy_does_not_take_over_itself() -> None:
    # id_roles_use_passrole: replacing a function's code runs it as the function's role;
    # the role itself gains nothing, another role with the same policy gains the role.
    worker, other = sharing(
        role("worker", trust_service("lambda.amazonaws.com"), allow("lambda:UpdateFunctionCode")),
        role("other", trust_service("lambda.amazonaws.com")),
    )
    fn = resource("lambda", function_arn("job"), runs_as=worker.arn)
    for principals in ([worker, other], [other, worker]):
        g = World(principals, resources=[fn]).build()
        assert targets(g, worker.arn, "takeover-lambda") == set()
        assert targets(g, other.arn, "takeover-lambda") == {worker.arn}


def test_pass_role_sharing_leaves_out_each_role_itself() -> None:
    # id_roles_use_passrole: each role may pass the other to Lambda, never itself.
    policy = allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])
    one, two = sharing(
        role("one", trust_service("lambda.amazonaws.com"), policy),
        role("two", trust_service("lambda.amazonaws.com")),
    )
    for g in both_orders([one, two], []):
        assert targets(g, one.arn, "passrole-lambda") == {two.arn}
        assert targets(g, two.arn, "passrole-lambda") == {one.arn}


def _edge_set(g: AccessGraph) -> set[tuple[object, ...]]:
    return {
        (e.source, e.target, e.kind, e.technique, e.label, e.reason, e.conditions, e.actions)
        for e in g.edges
    }


@pytest.mark.parametrize(("principals", "seed"), [(120, 1), (160, 2), (200, 3)])
def test_sharing_changes_nothing_in_a_generated_organization(principals: int, seed: int) -> None:
    # Every technique, trust kind and ABAC policy of the benchmark's generator, with policies
    # shared as the World shares them: the graph is the same with every answer asked anew.
    graph_input: GraphInput = generate(principals, seed)[0]
    shared = build_graph(graph_input)
    alone = build_graph(graph_input, share=False)
    assert _edge_set(shared) == _edge_set(alone)
    assert {n: (v.is_admin, v.grants_admin) for n, v in shared.nodes.items()} == {
        n: (v.is_admin, v.grants_admin) for n, v in alone.nodes.items()
    }
    assert shared.can_escalate == alone.can_escalate
    assert len(shared.edges) > 100


def test_a_statement_about_one_caller_on_instance_profiles_is_not_shared() -> None:
    # id_roles_use_switch-role-ec2: passing a role with no instance profile to EC2 needs
    # iam:CreateInstanceProfile and iam:AddRoleToInstanceProfile; a Deny on instance profiles
    # for one caller (by aws:PrincipalArn) holds that caller back, not its policy-mates.
    policy = doc(
        stmt(
            "Allow",
            [
                "iam:PassRole",
                "ec2:RunInstances",
                "iam:CreateInstanceProfile",
                "iam:AddRoleToInstanceProfile",
            ],
        ),
        stmt(
            "Deny",
            "iam:CreateInstanceProfile",
            iam_arn("instance-profile", "*"),
            condition={"ArnEquals": {"aws:PrincipalArn": role_arn("held")}},
        ),
    )
    held, free = sharing(
        role("held", trust_service("lambda.amazonaws.com"), policy),
        role("free", trust_service("lambda.amazonaws.com")),
    )
    web = role("web", trust_service("ec2.amazonaws.com"))
    for g in both_orders([held, free], [web]):
        assert targets(g, held.arn, "passrole-ec2") == set()
        assert targets(g, free.arn, "passrole-ec2") == {web.arn}


@pytest.mark.parametrize(
    "statement",
    [
        stmt("Allow", "iam:UpdateLoginProfile", iam_arn("user", "people/*")),
        {"Effect": "Allow", "Action": "iam:UpdateLoginProfile", "NotResource": user_arn("ops")},
    ],
    ids=["Resource", "NotResource"],
)
def test_one_answer_serves_only_resources_the_same_elements_cover(statement: Doc) -> None:
    # access_policies_elements_resource / _notresource: the answer for one user stands for
    # another only when the statements cover both alike.
    helper = user("helper", doc(statement))
    ann = user("people/ann", console_password=True)
    ops = user("ops", console_password=True)
    for order in ([ann, ops], [ops, ann]):
        g = World([helper, *order]).build()
        assert targets(g, helper.arn, "update-login-profile") == {ann.arn}
