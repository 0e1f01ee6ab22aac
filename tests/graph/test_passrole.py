"""PassRole: pass a role to a service that then runs code of the caller's choosing as it.

IAM User Guide, "Grant a user permissions to pass a role to an AWS service"
(id_roles_use_passrole): passing a role needs ``iam:PassRole`` on the role (its
``iam:PassedToService`` condition key names the service), the role must trust that service
(id_roles_create_for-service), and the caller also needs the service's own action that takes
the role (lambda:CreateFunction, ec2:RunInstances, ...), plus whatever makes the code run.
EC2 takes the role in an instance profile (id_roles_use_switch-role-ec2_instance-profiles).

Every technique gets, per way of using it, a positive case; and the negatives: a condition
(the wrong ``iam:PassedToService``, a tag the caller lacks), an explicit Deny (of PassRole, of
the service action), a permissions boundary allowing only the service action, an SCP, each
missing permission, a role that does not trust the service, a role of another account and a
service-linked role.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from .cases import TEAM, TEAM_OPS, Actor, Scenario, TechniqueCase, check, run
from .kit import (
    ADMIN,
    A,
    B,
    World,
    allow,
    deny,
    one_edge,
    profile,
    role,
    role_arn,
    trust_service,
    user,
)

PASSROLE = "id_roles_use_passrole"
FOR_SERVICE = "id_roles_create_for-service"
PROFILES = "id_roles_use_switch-role-ec2_instance-profiles"
EVAL = "reference_policies_evaluation-logic"
BOUNDARIES = "access_policies_boundaries"
CONDITION_KEYS = "reference_policies_iam-condition-keys"
SERVICE_LINKED = "using-service-linked-roles"


@dataclass(frozen=True)
class Technique:
    id: str
    service: str  # the service principal the role trusts
    ways: tuple[tuple[str, ...], ...]  # each: the service actions that, with PassRole, suffice
    profile: bool = False


TECHNIQUES = (
    Technique("passrole-ec2", "ec2.amazonaws.com", (("ec2:RunInstances",),), profile=True),
    Technique(
        "passrole-autoscaling",
        "ec2.amazonaws.com",
        (
            ("autoscaling:CreateAutoScalingGroup", "autoscaling:CreateLaunchConfiguration"),
            ("autoscaling:CreateAutoScalingGroup", "ec2:CreateLaunchTemplate"),
        ),
        profile=True,
    ),
    Technique(
        "passrole-lambda",
        "lambda.amazonaws.com",
        (
            ("lambda:CreateFunction", "lambda:InvokeFunction"),
            ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        ),
    ),
    Technique(
        "passrole-cloudformation",
        "cloudformation.amazonaws.com",
        (("cloudformation:CreateStack",),),
    ),
    Technique(
        "passrole-codebuild",
        "codebuild.amazonaws.com",
        (
            ("codebuild:CreateProject", "codebuild:StartBuild"),
            ("codebuild:CreateProject", "codebuild:StartBuildBatch"),
        ),
    ),
    Technique(
        "passrole-sagemaker",
        "sagemaker.amazonaws.com",
        (
            ("sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
            ("sagemaker:CreateTrainingJob",),
            ("sagemaker:CreateProcessingJob",),
        ),
    ),
    Technique(
        "passrole-glue",
        "glue.amazonaws.com",
        (("glue:CreateDevEndpoint",), ("glue:CreateJob", "glue:StartJobRun")),
    ),
    Technique(
        "passrole-ecs",
        "ecs-tasks.amazonaws.com",
        (
            ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
            ("ecs:RegisterTaskDefinition", "ecs:StartTask"),
            ("ecs:RegisterTaskDefinition", "ecs:CreateService"),
        ),
    ),
    Technique(
        "passrole-datapipeline",
        "datapipeline.amazonaws.com",
        (
            (
                "datapipeline:CreatePipeline",
                "datapipeline:PutPipelineDefinition",
                "datapipeline:ActivatePipeline",
            ),
        ),
    ),
    Technique("passrole-ssm", "ssm.amazonaws.com", (("ssm:StartAutomationExecution",),)),
)

TARGET = "ServiceRole"
TARGET_ARN = role_arn(TARGET)
OTHER_SERVICE = "states.amazonaws.com"  # no technique passes a role to Step Functions here


def service_role(
    service: str,
    *,
    in_profile: bool = True,
    account: str = A,
    service_linked: bool = False,
    trusts: str | None = None,
    trust_condition: dict[str, dict[str, str]] | None = None,
) -> Scenario:
    """A role trusting ``service`` (or ``trusts``), able to do anything; for EC2 it sits in
    an instance profile unless ``in_profile`` is False."""

    def scenario(actor: Actor) -> tuple[World, str]:
        target = role(
            TARGET,
            trust_service(trusts or service, trust_condition),
            ADMIN,
            account=account,
            service_linked=service_linked,
        )
        profiles = [profile("ServiceRoleProfile", target.arn, account)] if in_profile else []
        return World([actor(), target], profiles=profiles), target.arn

    return scenario


def cases_for(t: Technique) -> list[TechniqueCase]:
    scenario = service_role(t.service)
    out: list[TechniqueCase] = []
    for n, way in enumerate(t.ways, 1):
        out.append(
            TechniqueCase(
                f"{t.id}-way-{n}-allowed",
                PASSROLE,
                t.id,
                (allow(["iam:PassRole", *way]),),
                scenario,
                True,
                kind="pass_role",
                actions=("iam:PassRole", *way),
            )
        )
        for missing in way:
            rest = [a for a in way if a != missing]
            out.append(
                TechniqueCase(
                    f"{t.id}-way-{n}-without-{missing.split(':')[1]}",
                    PASSROLE,
                    t.id,
                    (allow(["iam:PassRole", *rest]),),
                    scenario,
                    False,
                    kind="pass_role",
                )
            )
    way = t.ways[0]
    base = out[0]
    out += [
        replace(base, id=f"{t.id}-without-passrole", policies=(allow(list(way)),), expected=False),
        replace(
            base,
            id=f"{t.id}-passed-to-service-condition-matches",
            source=CONDITION_KEYS,
            policies=(
                allow(
                    "iam:PassRole", condition={"StringEquals": {"iam:PassedToService": t.service}}
                ),
                allow(list(way)),
            ),
            actions=(),
        ),
        replace(
            base,
            id=f"{t.id}-condition-passed-to-another-service",
            source=CONDITION_KEYS,
            policies=(
                allow(
                    "iam:PassRole",
                    condition={"StringEquals": {"iam:PassedToService": OTHER_SERVICE}},
                ),
                allow(list(way)),
            ),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-condition-on-own-tag-blocks",
            source="reference_policies_elements_condition",
            policies=(allow("iam:PassRole", condition=TEAM_OPS), allow(list(way))),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-passrole-resource-is-another-role",
            policies=(allow("iam:PassRole", role_arn("OtherRole")), allow(list(way))),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-explicit-deny-of-passrole",
            source=EVAL,
            policies=(allow(["iam:PassRole", *way]), deny("iam:PassRole", TARGET_ARN)),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-explicit-deny-of-the-service-action",
            source=EVAL,
            policies=(allow(["iam:PassRole", *way]), deny(way[0])),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-boundary-does-not-allow-passrole",
            source=BOUNDARIES,
            boundary=allow(list(way)),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-boundary-allows-both",
            source=BOUNDARIES,
            boundary=allow(["iam:PassRole", *way]),
        ),
        replace(
            base, id=f"{t.id}-scp-denies", source=EVAL, scps=(deny("iam:PassRole"),), expected=False
        ),
        replace(
            base,
            id=f"{t.id}-role-trusts-another-service",
            source=FOR_SERVICE,
            scenario=service_role(t.service, trusts=OTHER_SERVICE),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-role-of-another-account",
            source="reference_policies_evaluation-logic-cross-account",
            scenario=service_role(t.service, account=B),
            expected=False,
        ),
        replace(
            base,
            id=f"{t.id}-service-linked-role",
            source=SERVICE_LINKED,
            scenario=service_role(t.service, service_linked=True),
            expected=False,
        ),
        replace(base, id=f"{t.id}-by-a-role", as_role=True),
    ]
    return out


CASES = [case for t in TECHNIQUES for case in cases_for(t)]

# EC2 and Auto Scaling hand the role over in an instance profile: without one holding it, the
# caller must make one (iam:CreateInstanceProfile, iam:AddRoleToInstanceProfile).
MAKE_PROFILE = ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile")
for _t in (TECHNIQUES[0], TECHNIQUES[1]):
    _way = _t.ways[0]
    _bare = service_role(_t.service, in_profile=False)
    CASES += [
        TechniqueCase(
            f"{_t.id}-no-instance-profile-holds-the-role",
            PROFILES,
            _t.id,
            (allow(["iam:PassRole", *_way]),),
            _bare,
            False,
            kind="pass_role",
        ),
        TechniqueCase(
            f"{_t.id}-no-instance-profile-but-may-make-one",
            PROFILES,
            _t.id,
            (allow(["iam:PassRole", *_way, *MAKE_PROFILE]),),
            _bare,
            True,
            kind="pass_role",
            actions=("iam:PassRole", *_way, *MAKE_PROFILE),
        ),
        TechniqueCase(
            f"{_t.id}-no-instance-profile-may-create-but-not-add-the-role",
            PROFILES,
            _t.id,
            (allow(["iam:PassRole", *_way, "iam:CreateInstanceProfile"]),),
            _bare,
            False,
            kind="pass_role",
        ),
        TechniqueCase(
            f"{_t.id}-no-instance-profile-adding-the-role-denied",
            PROFILES,
            _t.id,
            (
                allow(["iam:PassRole", *_way, *MAKE_PROFILE]),
                deny("iam:AddRoleToInstanceProfile"),
            ),
            _bare,
            False,
            kind="pass_role",
        ),
    ]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_pass_role(case: TechniqueCase) -> None:
    check(case)


def test_every_passrole_technique_is_covered() -> None:
    from iamlab.graph.techniques import PASS_ROLE

    assert {t.id for t in TECHNIQUES} == {t.id for t in PASS_ROLE}
    for t in TECHNIQUES:
        mine = [c for c in CASES if c.technique == t.id]
        assert any(c.expected for c in mine)
        for negative in ("condition", "explicit-deny", "boundary-does-not", "scp", "without"):
            assert any(negative in c.id and not c.expected for c in mine), (t.id, negative)
    assert len({c.id for c in CASES}) == len(CASES), "case ids are unique"


def test_pass_role_edge_says_what_the_service_does() -> None:
    _, found = run(CASES[0])
    edge = found[0]
    assert edge.kind == "pass_role"
    assert edge.label == "passes to EC2"
    assert "iam:PassedToService ec2.amazonaws.com" in edge.reason
    assert "instance profile" in edge.reason
    assert not edge.conditional


def test_trust_conditions_of_the_service_role_carry_over() -> None:
    """A service role whose trust policy guards against the confused deputy (aws:SourceAccount)
    is passed with that condition: the service call must come from the account."""
    lambda_way = TECHNIQUES[2].ways[0]
    case = TechniqueCase(
        "passrole-lambda-confused-deputy",
        "confused-deputy",
        "passrole-lambda",
        (allow(["iam:PassRole", *lambda_way]),),
        service_role(
            "lambda.amazonaws.com", trust_condition={"StringEquals": {"aws:SourceAccount": A}}
        ),
        True,
        kind="pass_role",
    )
    _, found = run(case)
    assert found[0].conditional
    assert "aws:SourceAccount" in found[0].conditions[0]


def test_one_principal_many_techniques_to_one_role() -> None:
    """Each technique that works is its own edge: the graph says every way there."""
    alice = user(
        "alice",
        allow(
            [
                "iam:PassRole",
                "ec2:RunInstances",
                "autoscaling:CreateAutoScalingGroup",
                "ec2:CreateLaunchTemplate",
            ]
        ),
        tags=TEAM,
    )
    target = role(TARGET, trust_service("ec2.amazonaws.com"), ADMIN)
    g = World([alice, target], profiles=[profile("p", target.arn)]).build()
    techniques = {e.technique for e in g.edges if e.source == alice.arn}
    assert techniques == {"passrole-ec2", "passrole-autoscaling"}
    assert one_edge(g, alice.arn, TARGET_ARN, "pass_role", "passrole-autoscaling").actions == (
        "iam:PassRole",
        "autoscaling:CreateAutoScalingGroup",
        "ec2:CreateLaunchTemplate",
    )


def test_passed_to_service_met_and_mfa_lists_only_mfa() -> None:
    """iam:PassedToService is set by the service call itself: when it matches, only the
    condition the caller must still meet (MFA) is listed."""
    lambda_way = list(TECHNIQUES[2].ways[0])
    both = {
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }
    case = TechniqueCase(
        "passrole-lambda-mfa",
        CONDITION_KEYS,
        "passrole-lambda",
        (allow("iam:PassRole", condition=both), allow(lambda_way)),
        service_role("lambda.amazonaws.com"),
        True,
        kind="pass_role",
    )
    _, found = run(case)
    assert found[0].conditions == ('Bool aws:MultiFactorAuthPresent "true"',)
    # Passed to another service, the MFA would not help: no edge.
    other = dict(both, StringEquals={"iam:PassedToService": OTHER_SERVICE})
    _, none = run(
        replace(case, policies=(allow("iam:PassRole", condition=other), allow(lambda_way)))
    )
    assert not none
