"""Compute that already runs as a role (``runs_as``), and taking it over (``escalate``).

A Lambda function runs with its execution role (lambda/latest/dg/lambda-intro-execution-role),
a CloudFormation stack applies templates with its service role
(AWSCloudFormation/latest/UserGuide/using-iam-servicerole), a CodeBuild build with the
project's service role (codebuild/latest/userguide/setting-up-service-role), and code on an EC2
instance gets its instance profile's role from the instance metadata service (IAM User Guide,
id_roles_use_switch-role-ec2). Whoever may change what they run, or run commands on the
instance, acts with that role.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from .cases import TEAM, Actor, Scenario, TechniqueCase, check, run, standard
from .kit import (
    ADMIN,
    A,
    B,
    World,
    allow,
    deny,
    doc,
    edges,
    function_arn,
    graph,
    instance,
    one_edge,
    profile,
    project_arn,
    resource,
    role,
    role_arn,
    stack_arn,
    stmt,
    trust_aws,
    trust_service,
    user,
    user_arn,
)

EC2_ROLES = "id_roles_use_switch-role-ec2"
LAMBDA_ROLE = "lambda-intro-execution-role"
STACK_ROLE = "using-iam-servicerole"
BUILD_ROLE = "setting-up-service-role"
RESOURCE_POLICY = "access_policies_identity-vs-resource"
ABAC = "introduction_attribute-based-access-control"
INSTANCE_ID = "i-0abcdef1234567890"


@dataclass(frozen=True)
class Compute:
    technique: str
    kind: str  # ResourceIn kind, or "instance"
    service: str
    source: str
    ways: tuple[tuple[str, ...], ...]


COMPUTE = (
    Compute(
        "takeover-lambda",
        "lambda",
        "lambda.amazonaws.com",
        LAMBDA_ROLE,
        (("lambda:UpdateFunctionCode",),),
    ),
    Compute(
        "takeover-stack",
        "stack",
        "cloudformation.amazonaws.com",
        STACK_ROLE,
        (
            ("cloudformation:UpdateStack",),
            ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
        ),
    ),
    Compute(
        "takeover-build",
        "build",
        "codebuild.amazonaws.com",
        BUILD_ROLE,
        (("codebuild:StartBuild",), ("codebuild:StartBuildBatch",)),
    ),
    Compute(
        "takeover-instance",
        "instance",
        "ec2.amazonaws.com",
        EC2_ROLES,
        (
            ("ssm:SendCommand",),
            ("ssm:StartSession",),
            ("ec2-instance-connect:SendSSHPublicKey",),
        ),
    ),
)

RUNNER = "Runner"


def arn_of(kind: str, account: str = A) -> str:
    return {
        "lambda": function_arn("nightly-report", account),
        "stack": stack_arn("network", account),
        "build": project_arn("release", account),
        "instance": f"arn:aws:ec2:us-east-1:{account}:instance/{INSTANCE_ID}",
    }[kind]


def running(
    c: Compute,
    *,
    account: str = A,
    trusts: str | None = None,
    started: bool = True,
    tags: dict[str, str] | None = None,
    policy: dict[str, object] | None = None,
    as_actor: bool = False,
) -> Scenario:
    """``c``'s compute running as the role ``Runner`` (an admin), which trusts its service
    (or ``trusts``). ``as_actor``: it runs as the actor itself."""

    def scenario(actor: Actor) -> tuple[World, str]:
        me = actor()
        runner = role(RUNNER, trust_service(trusts or c.service), ADMIN, account=account)
        world = World([me, runner])
        runs = me.arn if as_actor else runner.arn
        if c.kind == "instance":
            prof = profile("RunnerProfile", runs, account)
            world.profiles = [prof]
            world.instances = [instance(INSTANCE_ID, prof, running=started, account=account)]
        else:
            world.resources = [
                resource(
                    c.kind,
                    arn_of(c.kind, account),
                    runs_as=runs,
                    account=account,
                    tags=tags,
                    policy=policy,
                )
            ]
        return world, runs

    return scenario


def cases_for(c: Compute) -> list[TechniqueCase]:
    out: list[TechniqueCase] = []
    for n, actions in enumerate(c.ways, 1):
        generated = standard(
            c.technique, c.source, actions, running(c), prefix=f"{c.technique}-way-{n}"
        )
        out += generated if n == 1 else generated[:1]
    way = list(c.ways[0])
    base = out[0]
    out += [
        replace(
            base,
            id=f"{c.technique}-explicit-deny-on-this-resource",
            policies=(allow(way), deny(way, arn_of(c.kind))),
            expected=False,
        ),
        replace(
            base,
            id=f"{c.technique}-allowed-on-another-resource-only",
            policies=(allow(way, arn_of(c.kind, B)),),
            expected=False,
        ),
        replace(
            base,
            id=f"{c.technique}-of-another-account",
            source="reference_policies_evaluation-logic-cross-account",
            scenario=running(c, account=B),
            expected=False,
        ),
        replace(
            base,
            id=f"{c.technique}-runs-as-the-actor-itself",
            scenario=running(c, as_actor=True),
            as_role=True,
            expected=False,
        ),
        replace(base, id=f"{c.technique}-by-a-role", as_role=True),
    ]
    if c.kind != "instance":
        same_team = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
        out += [
            replace(
                base,
                id=f"{c.technique}-abac-resource-of-another-team",
                source=ABAC,
                policies=(allow(way, condition=same_team),),
                scenario=running(c, tags={"team": "ops"}),
                expected=False,
            ),
            replace(
                base,
                id=f"{c.technique}-abac-resource-of-its-team",
                source=ABAC,
                policies=(allow(way, condition=same_team),),
                scenario=running(c, tags=TEAM),
            ),
        ]
    return out


CASES = [case for c in COMPUTE for case in cases_for(c)]
LAMBDA, STACK, BUILD, INSTANCE = COMPUTE
CASES += [
    TechniqueCase(
        "takeover-lambda-function-policy-denies-it",
        RESOURCE_POLICY,
        "takeover-lambda",
        (allow("lambda:UpdateFunctionCode"),),
        running(
            LAMBDA,
            policy=doc(
                stmt(
                    "Deny",
                    "lambda:UpdateFunctionCode",
                    arn_of("lambda"),
                    principal={"AWS": user_arn("alice")},
                )
            ),
        ),
        False,
    ),
    TechniqueCase(
        "takeover-stack-change-set-without-execute",
        STACK_ROLE,
        "takeover-stack",
        (allow("cloudformation:CreateChangeSet"),),
        running(STACK),
        False,
    ),
    TechniqueCase(
        "takeover-stack-execute-without-change-set",
        STACK_ROLE,
        "takeover-stack",
        (allow("cloudformation:ExecuteChangeSet"),),
        running(STACK),
        False,
    ),
    TechniqueCase(
        "takeover-build-update-project-without-start-build",
        BUILD_ROLE,
        "takeover-build",
        (allow("codebuild:UpdateProject"),),
        running(BUILD),
        False,
    ),
    TechniqueCase(
        "takeover-instance-stopped",
        EC2_ROLES,
        "takeover-instance",
        (allow("ssm:SendCommand"),),
        running(INSTANCE, started=False),
        False,
    ),
    TechniqueCase(
        "takeover-instance-role-does-not-trust-ec2",
        EC2_ROLES,
        "takeover-instance",
        (allow("ssm:SendCommand"),),
        running(INSTANCE, trusts="lambda.amazonaws.com"),
        False,
    ),
    TechniqueCase(
        "takeover-instance-describe-only",
        EC2_ROLES,
        "takeover-instance",
        (allow(["ec2:Describe*", "ssm:Describe*"]),),
        running(INSTANCE),
        False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_takeover(case: TechniqueCase) -> None:
    check(case)


def test_every_takeover_is_covered() -> None:
    from iamlab.graph.techniques import TAKEOVERS

    assert {c.technique for c in COMPUTE} == {t.id for t in TAKEOVERS}
    for c in COMPUTE:
        mine = [k for k in CASES if k.technique == c.technique]
        assert any(k.expected for k in mine)
        for negative in ("condition", "explicit-deny", "boundary", "scp"):
            assert any(negative in k.id and not k.expected for k in mine), (c.technique, negative)
    assert len({k.id for k in CASES}) == len(CASES), "case ids are unique"


def test_takeover_edge_goes_to_the_role_and_names_the_compute() -> None:
    _, found = run(CASES[0])
    edge = found[0]
    assert edge.target == role_arn(RUNNER)
    assert edge.label == "takes over Lambda function"
    assert "nightly-report runs as Runner" in edge.reason
    assert edge.actions == ("lambda:UpdateFunctionCode",)


# --- runs_as ----------------------------------------------------------------------------------


def test_runs_as_for_functions_stacks_and_builds() -> None:
    fn = role("FnRole", trust_service("lambda.amazonaws.com"))
    stack = role("StackRole", trust_service("cloudformation.amazonaws.com"))
    build = role("BuildRole", trust_service("codebuild.amazonaws.com"))
    g = graph(
        fn,
        stack,
        build,
        resources=[
            resource("lambda", arn_of("lambda"), runs_as=fn.arn),
            resource("stack", arn_of("stack"), runs_as=stack.arn),
            resource("build", arn_of("build"), runs_as=build.arn),
            resource("s3", "arn:aws:s3:::iamlab-reports"),
        ],
    )
    for kind, target in (("lambda", fn), ("stack", stack), ("build", build)):
        edge = one_edge(g, arn_of(kind), target.arn, "runs_as")
        assert edge.label == "runs as"
        assert "runs with the permissions" in edge.reason
        assert g.nodes[arn_of(kind)].type == "resource"
    assert g.nodes[arn_of("lambda")].detail == "Lambda function"
    assert g.nodes[arn_of("stack")].label == "network"
    assert not edges(g, source="arn:aws:s3:::iamlab-reports")


def test_runs_as_for_a_resource_whose_role_is_gone() -> None:
    g = graph(resources=[resource("lambda", arn_of("lambda"), runs_as=role_arn("Deleted"))])
    assert not edges(g, kind="runs_as")


def test_instance_runs_as_its_profile_role_only_when_the_role_trusts_ec2() -> None:
    trusting = role("WebRole", trust_service("ec2.amazonaws.com"))
    other = role("NotForEc2", trust_service("lambda.amazonaws.com"))
    by_users = role("ForUsers", trust_aws(A))
    web, odd, users_profile, empty = (
        profile("web", trusting.arn),
        profile("odd", other.arn),
        profile("users", by_users.arn),
        profile("empty", None),
    )
    g = graph(
        trusting,
        other,
        by_users,
        profiles=[web, odd, users_profile, empty],
        instances=[
            instance("i-0000000000000aaaa", web),
            instance("i-0000000000000bbbb", odd),
            instance("i-0000000000000cccc", users_profile),
            instance("i-0000000000000dddd", empty),
            instance("i-0000000000000eeee", None),
            instance("i-0000000000000ffff", web, running=False),
        ],
    )
    runs = {(e.source.rsplit("/", 1)[-1], e.target) for e in edges(g, kind="runs_as")}
    assert runs == {
        ("i-0000000000000aaaa", trusting.arn),
        # A stopped instance keeps its profile: it runs as the role once started.
        ("i-0000000000000ffff", trusting.arn),
    }
    edge = one_edge(
        g, f"arn:aws:ec2:us-east-1:{A}:instance/i-0000000000000aaaa", trusting.arn, "runs_as"
    )
    assert "instance metadata service" in edge.reason
    node = g.nodes[edge.source]
    assert node.type == "instance"
    assert node.detail == "running"
    assert g.nodes[f"arn:aws:ec2:us-east-1:{A}:instance/i-0000000000000ffff"].detail == "stopped"


def test_taking_over_an_admins_compute_is_escalation() -> None:
    alice = user("alice", allow("lambda:UpdateFunctionCode"), tags=TEAM)
    runner = role(RUNNER, trust_service("lambda.amazonaws.com"), ADMIN)
    g = graph(alice, runner, resources=[resource("lambda", arn_of("lambda"), runs_as=runner.arn)])
    assert alice.arn in g.can_escalate
    path = g.path(alice.arn, runner.arn)
    assert path is not None
    assert [e.technique for e in path] == ["takeover-lambda"]
