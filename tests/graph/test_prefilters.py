"""The cheap looks the graph builder takes before (or instead of) asking the engine must give
the answers asking would give: which technique actions an Action element covers, read from
its service prefixes; a pool's answers, taken once per owner and region where one answer
holds for all; PassRole's and the takeovers' questions, asked only where a role could be
passed or something runs as a role; a managed policy's other versions, parsed only when read.

Each cached path is compared with the direct one on a table of cases, every case naming the
IAM User Guide page it comes from (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>.html),
and whole generated organizations are built both ways.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from benchmarks.graph import generate
from iamlab.graph import AccessGraph, GraphInput, PrincipalIn, ResourceIn
from iamlab.graph import techniques as tq
from iamlab.graph.asking import _Asker
from iamlab.graph.build import _Builder
from iamlab.graph.core import _TECHNIQUE_ACTIONS, _spec_hits
from iamlab.graph.inputs import ManagedPolicyIn
from iamlab.policy import PolicyType
from iamlab.policy.model import ActionSpec
from iamlab.sandbox.graphing import _OtherVersions

from .kit import (
    Account,
    B,
    Managed,
    World,
    allow,
    doc,
    function_arn,
    parse,
    resource,
    role,
    stmt,
    trust_service,
    user,
    user_arn,
    with_scp,
)

ACTION = "reference_policies_elements_action"
NOT_ACTION = "reference_policies_elements_notaction"
VARIABLES = "reference_policies_variables"
KEYS = "id_credentials_access-keys"
TAGS = "access_iam-tags"
REGION = "reference_policies_condition-keys"  # aws:RequestedRegion
CROSS_ACCOUNT = "reference_policies_evaluation-logic-cross-account"


# -- which technique actions an Action / NotAction element covers -----------------------------


def _matched_one_by_one(patterns: tuple[str, ...], negated: bool) -> frozenset[str]:
    spec = ActionSpec(patterns, negated)
    return frozenset(a for a in _TECHNIQUE_ACTIONS if spec.matches(a.lower()))


SPEC_CASES = [
    # (page, patterns, NotAction)
    (ACTION, ("s3:GetObject", "dynamodb:Query"), False),  # no technique's service
    (ACTION, ("iam:PassRole",), False),
    (ACTION, ("IAM:passrole", "Lambda:CreateFunction"), False),  # case-insensitive
    (ACTION, ("iam:*",), False),
    (ACTION, ("iam:Pass*", "iam:Create*"), False),
    (ACTION, ("iam:*Policy",), False),  # a wildcard inside the name
    (ACTION, ("*",), False),
    (ACTION, ("*:PassRole",), False),  # a wildcard in the service prefix
    (ACTION, ("i?m:PassRole",), False),
    (ACTION, ("ia*",), False),  # no colon, but a wildcard: it reaches into the service
    (ACTION, ("iam",), False),  # no colon, no wildcard: names no action
    (ACTION, ("ec2:RunInstances", "ec2-instance-connect:SendSSHPublicKey"), False),
    (ACTION, ("ssm:Send*", "ssm:Start*"), False),
    (NOT_ACTION, ("s3:*",), True),  # every technique action
    (NOT_ACTION, ("iam:*",), True),  # every one but IAM's
    (NOT_ACTION, ("iam:PassRole", "sts:*"), True),
    (NOT_ACTION, ("*",), True),  # none
    (NOT_ACTION, ("*:Create*",), True),
]


@pytest.mark.parametrize(
    ("page", "patterns", "negated"),
    SPEC_CASES,
    ids=[f"{c[0]}-{'|'.join(c[1])}" for c in SPEC_CASES],
)
def test_technique_actions_read_from_service_prefixes_are_those_matched_one_by_one(
    page: str, patterns: tuple[str, ...], negated: bool
) -> None:
    expected = _matched_one_by_one(patterns, negated)
    assert _spec_hits(ActionSpec(patterns, negated)) == expected
    assert _spec_hits(ActionSpec(patterns, negated)) == expected  # and from the cache


# -- a pool's answers, once per owner and region -----------------------------------------------

ALICE = user_arn("alice")
BOB = user_arn("bob")
CAROL = user_arn("carol")
PARTNER = user_arn("dave", B)
TAGGED = user_arn("erin")
EAST = function_arn("east")
WEST = "arn:aws:lambda:eu-west-1:111122223333:function:west"
POOL = (ALICE, BOB, PARTNER, TAGGED, CAROL, EAST, WEST)

POOL_CASES: list[tuple[str, str, Any, list[Account]]] = [
    # (page, action, identity policy, accounts)
    (KEYS, "iam:CreateAccessKey", allow("iam:CreateAccessKey"), []),
    (KEYS, "iam:CreateAccessKey", allow("iam:CreateAccessKey", [BOB, PARTNER]), []),
    (
        VARIABLES,
        "iam:CreateAccessKey",
        allow("iam:CreateAccessKey", user_arn("${aws:username}")),
        [],
    ),
    (
        TAGS,
        "iam:CreateAccessKey",
        allow(
            "iam:CreateAccessKey",
            condition={"StringEquals": {"iam:ResourceTag/team": "blue"}},
        ),
        [],
    ),
    (
        REGION,
        "lambda:UpdateFunctionCode",
        allow("lambda:UpdateFunctionCode"),
        [
            with_scp(
                doc(
                    stmt(
                        "Deny",
                        "*",
                        condition={"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
                    )
                )
            )
        ],
    ),
    (CROSS_ACCOUNT, "iam:UpdateLoginProfile", allow("iam:UpdateLoginProfile"), []),
    (
        ACTION,
        "iam:CreateAccessKey",
        doc(stmt("Allow", "iam:*"), stmt("Deny", "iam:CreateAccessKey", CAROL)),
        [],
    ),
]


def _asker(world: World, share: bool = True) -> tuple[_Asker, PrincipalIn]:
    graph_input = world.to_input()
    return _Asker(graph_input, share), graph_input.principals[0]


@pytest.mark.parametrize(
    ("page", "action", "policy", "accounts"),
    POOL_CASES,
    ids=[f"{n}-{c[0]}" for n, c in enumerate(POOL_CASES)],
)
@pytest.mark.parametrize("share", [True, False])
def test_a_pools_answers_taken_once_per_owner_and_region_are_those_asked_one_by_one(
    page: str, action: str, policy: Any, accounts: list[Account], share: bool
) -> None:
    world = World(
        [
            user("alice", policy),
            user("bob"),
            user("carol"),
            user("dave", account=B),
            replace(user("erin"), resource_context={"iam:ResourceTag/team": "blue"}),
        ],
        accounts,
    )
    pooled, p = _asker(world, share)
    direct, _ = _asker(world, share)
    expected = [arn for arn in POOL if direct.decide(p, action, arn)]
    assert pooled.allowed_among(p, action, POOL) == expected
    assert pooled.allowed_among(p, action, POOL) == expected  # with every answer known


# -- the builder with its pre-filters, and without -----------------------------------------------


class _DirectAsker(_Asker):
    def allowed_among(self, p: PrincipalIn, action: str, resources: Any) -> list[str]:
        return [arn for arn in resources if self.decide(p, action, arn)]


class _Direct(_Builder):
    """The builder asking everything: every PassRole technique's actions, every takeover
    whatever its pool, every member of a pool on its own."""

    def __init__(self, graph_input: GraphInput, share: bool = True) -> None:
        super().__init__(graph_input, share)
        self.ask = _DirectAsker(graph_input, share)

    def _passable(self, account: str) -> tuple[tq.PassRoleTechnique, ...]:
        return tq.PASS_ROLE

    def _takeovers(self, p: PrincipalIn, hits: frozenset[str]) -> None:
        uses = [
            (a, self.plain_runners[(p.account_id, takeover.kind)])
            for takeover in tq.TAKEOVERS
            for a in dict.fromkeys(a for alt in takeover.alternatives for a in alt)
            if a in hits
        ]
        if not uses:
            return
        self.emit(p, self.per_class(p, "takeovers", uses, lambda: self._takeover_edges(p, hits)))
        self.emit(p, self._takeover_edges(p, hits, with_policy=True))


def _same(graph_input: GraphInput) -> AccessGraph:
    built = _Builder(graph_input).build()
    direct = _Direct(graph_input).build()
    assert built.edges == direct.edges  # the same edges, in the same order
    assert built.nodes == direct.nodes
    assert built.can_escalate == direct.can_escalate
    return built


@pytest.mark.parametrize(("principals", "seed"), [(120, 1), (200, 3)])
@pytest.mark.parametrize("runners", [True, False], ids=["runners", "nothing-runs-as-a-role"])
def test_the_pre_filters_change_nothing_in_a_generated_organization(
    principals: int, seed: int, runners: bool
) -> None:
    graph_input = generate(principals, seed)[0]
    if not runners:  # as an imported account without functions, stacks, projects, instances
        graph_input = replace(graph_input, resources=(), instances=())
    g = _same(graph_input)
    assert len(g.edges) > 100


def _asked_while_building(graph_input: GraphInput) -> list[str]:
    """The actions the builder asks a class key for (each question it asks the engine)."""
    builder = _Builder(graph_input)
    asked: list[str] = []
    class_key = builder.ask.class_key

    def spy(p: PrincipalIn, action: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(action)
        return class_key(p, action, *args, **kwargs)

    builder.ask.class_key = spy  # type: ignore[method-assign]
    builder.build()
    return asked


def test_passrole_asks_only_about_services_with_a_role_to_pass_in_the_account() -> None:
    # id_roles_use_passrole: the caller passes a role its service trusts. Account A has a
    # Lambda role only; B has an ECS role. What the caller may do with Glue or ECS in A
    # draws nothing, and is not asked about.
    policy = allow(["iam:PassRole", "lambda:*", "glue:*", "ecs:*", "datapipeline:*"])
    deployer = user("deployer", policy)
    fn = role("fn", trust_service("lambda.amazonaws.com"))
    tasks = role("tasks", trust_service("ecs-tasks.amazonaws.com"), account=B)
    world = World([deployer, fn, tasks])
    g = _same(world.to_input())
    assert {e.technique for e in g.edges if e.source == deployer.arn} == {"passrole-lambda"}

    asked = _asked_while_building(world.to_input())
    assert "lambda:CreateFunction" in asked
    assert not [a for a in asked if a.split(":")[0] in ("glue", "ecs", "datapipeline")]


def test_takeovers_ask_nothing_where_nothing_runs_as_a_role() -> None:
    # id_roles_use_passrole (what runs as a role): with no function, stack, project or
    # instance in the account, lambda:UpdateFunctionCode takes nothing over; once a
    # function runs as a role, the same principal takes it over.
    editor = user("editor", allow(["lambda:UpdateFunctionCode", "ssm:SendCommand"]))
    runner = role("runner", trust_service("lambda.amazonaws.com"))
    empty = World([editor, runner])
    asked = _asked_while_building(empty.to_input())
    assert "lambda:updatefunctioncode" not in {a.lower() for a in asked}
    _same(empty.to_input())

    function: ResourceIn = resource("lambda", function_arn("job"), runs_as=runner.arn)
    g = _same(World([editor, runner], resources=[function]).to_input())
    assert [e.target for e in g.edges if e.technique == "takeover-lambda"] == [runner.arn]


# -- a managed policy's other versions, parsed when read -----------------------------------------

V1 = json.dumps(doc(stmt("Allow", "*")))
V2 = json.dumps(doc(stmt("Allow", "iam:SetDefaultPolicyVersion")))
REFUSED = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]})


def test_other_versions_are_parsed_when_first_read_and_those_iam_refuses_left_out() -> None:
    # access_policies_managed-versioning: the versions other than the default, in order.
    versions = _OtherVersions([("v1", V1), ("v3", REFUSED), ("v2", V2)])
    assert versions._parsed is None  # nothing parsed yet
    first = list(versions)
    assert [v.name for v in first] == ["v1", "v2"]
    assert len(versions) == 2
    assert versions[0] is first[0]  # parsed once, then kept
    assert [s.action.patterns for v in versions for s in v.statements] == [
        ("*",),
        ("iam:SetDefaultPolicyVersion",),
    ]
    assert not _OtherVersions([])
    assert not _OtherVersions([("v9", REFUSED)])


def test_a_lazy_version_counts_as_a_parsed_one_in_the_graph() -> None:
    # access_policies_managed-versioning: SetDefaultPolicyVersion rolls back to v1, which
    # allows everything: the graph sees it whether the versions come parsed or lazily.
    lazy = _OtherVersions([("v1", V1)])
    rollback = Managed("Deployer", doc(stmt("Allow", "iam:SetDefaultPolicyVersion")), versions=2)
    rollo = user("rollo", managed=[rollback])
    world = World([rollo], policies=[rollback])
    graph_input = world.to_input()
    parsed = (parse(json.loads(V1), PolicyType.IDENTITY, "v1"),)
    for others in (parsed, lazy):
        policies = tuple(
            replace(m, other_versions=others) if isinstance(m, ManagedPolicyIn) else m
            for m in graph_input.policies
        )
        g = _Builder(replace(graph_input, policies=policies)).build()
        assert g.nodes[rollo.arn].is_admin
