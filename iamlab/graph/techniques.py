"""The ways one principal gains another's permissions, or more of its own.

Sources: IAM User Guide, "Grant a user permissions to pass a role to an AWS service"
(id_roles_use_passrole), "Use an IAM role to grant permissions to applications running on
Amazon EC2 instances" (id_roles_use_switch-role-ec2), "Managing access keys for IAM users"
(id_credentials_access-keys), "Managing passwords for IAM users" (id_credentials_passwords_admin-
change-user), "Modifying a role trust policy" (id_roles_update-role-trust-policy), "Adding and
removing IAM identity permissions" (access_policies_manage-attach-detach), "Versioning IAM
policies" (access_policies_managed-versioning), "Adding and removing users in an IAM user group"
(id_groups_manage_add-remove-users). The list of techniques is the publicly catalogued set of
IAM privilege-escalation paths (credential creation, trust policy edits, self-attachment,
policy versioning, group membership, PassRole to services that run code, takeover of existing
compute); each entry below says which API calls it needs, all of them checked by the engine.

A technique whose ``alternatives`` has several tuples needs every action of any one tuple.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PASS_ROLE", "TAKEOVERS", "PassRoleTechnique", "Takeover"]


@dataclass(frozen=True)
class PassRoleTechnique:
    """Pass a role to a new resource of a service that runs code the caller chooses."""

    id: str
    service: str  # the service principal the role must trust (and iam:PassedToService)
    label: str  # "Lambda"
    what: str  # "create a Lambda function that runs as it and invoke it"
    alternatives: tuple[tuple[str, ...], ...]
    needs_profile: bool = False  # EC2 and Auto Scaling hand the role over in an instance profile


PASS_ROLE: tuple[PassRoleTechnique, ...] = (
    PassRoleTechnique(
        "passrole-ec2",
        "ec2.amazonaws.com",
        "EC2",
        "launch an EC2 instance with an instance profile holding the role; code on the instance "
        "reads the role's credentials from the instance metadata service",
        (("ec2:RunInstances",),),
        needs_profile=True,
    ),
    PassRoleTechnique(
        "passrole-autoscaling",
        "ec2.amazonaws.com",
        "Auto Scaling",
        "create an Auto Scaling group whose launch configuration or template names an instance "
        "profile holding the role; every instance it launches runs as the role",
        (
            ("autoscaling:CreateAutoScalingGroup", "autoscaling:CreateLaunchConfiguration"),
            ("autoscaling:CreateAutoScalingGroup", "ec2:CreateLaunchTemplate"),
        ),
        needs_profile=True,
    ),
    PassRoleTechnique(
        "passrole-lambda",
        "lambda.amazonaws.com",
        "Lambda",
        "create a Lambda function with the role as its execution role and run it",
        (
            ("lambda:CreateFunction", "lambda:InvokeFunction"),
            ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        ),
    ),
    PassRoleTechnique(
        "passrole-cloudformation",
        "cloudformation.amazonaws.com",
        "CloudFormation",
        "create a CloudFormation stack with the role as its service role; the stack's resources "
        "are created with the role's permissions",
        (("cloudformation:CreateStack",),),
    ),
    PassRoleTechnique(
        "passrole-codebuild",
        "codebuild.amazonaws.com",
        "CodeBuild",
        "create a CodeBuild project with the role as its service role and start a build, whose "
        "buildspec runs any command",
        (
            ("codebuild:CreateProject", "codebuild:StartBuild"),
            ("codebuild:CreateProject", "codebuild:StartBuildBatch"),
        ),
    ),
    PassRoleTechnique(
        "passrole-sagemaker",
        "sagemaker.amazonaws.com",
        "SageMaker",
        "create a SageMaker notebook instance (and open it), a training job or a processing job "
        "that runs as the role",
        (
            ("sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
            ("sagemaker:CreateTrainingJob",),
            ("sagemaker:CreateProcessingJob",),
        ),
    ),
    PassRoleTechnique(
        "passrole-glue",
        "glue.amazonaws.com",
        "Glue",
        "create a Glue development endpoint, or a Glue job and start it, running as the role",
        (("glue:CreateDevEndpoint",), ("glue:CreateJob", "glue:StartJobRun")),
    ),
    PassRoleTechnique(
        "passrole-ecs",
        "ecs-tasks.amazonaws.com",
        "ECS",
        "register an ECS task definition with the role as its task role and run the task",
        (
            ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
            ("ecs:RegisterTaskDefinition", "ecs:StartTask"),
            ("ecs:RegisterTaskDefinition", "ecs:CreateService"),
        ),
    ),
    PassRoleTechnique(
        "passrole-datapipeline",
        "datapipeline.amazonaws.com",
        "Data Pipeline",
        "create, define and activate a Data Pipeline that runs with the role",
        (
            (
                "datapipeline:CreatePipeline",
                "datapipeline:PutPipelineDefinition",
                "datapipeline:ActivatePipeline",
            ),
        ),
    ),
    PassRoleTechnique(
        "passrole-ssm",
        "ssm.amazonaws.com",
        "Systems Manager",
        "start a Systems Manager Automation runbook that runs with the role as its AssumeRole",
        (("ssm:StartAutomationExecution",),),
    ),
)


@dataclass(frozen=True)
class Takeover:
    """Take over something that already runs as a role: change what it runs, or run commands."""

    id: str
    kind: str  # the ResourceIn kind, or "instance"
    label: str
    what: str
    alternatives: tuple[tuple[str, ...], ...]


TAKEOVERS: tuple[Takeover, ...] = (
    Takeover(
        "takeover-lambda",
        "lambda",
        "Lambda function",
        "replace the function's code (lambda:UpdateFunctionCode); it runs with its execution "
        "role the next time it is invoked",
        (("lambda:UpdateFunctionCode",),),
    ),
    Takeover(
        "takeover-stack",
        "stack",
        "CloudFormation stack",
        "update the stack with a template of its choosing (cloudformation:UpdateStack, or a "
        "change set); CloudFormation applies it with the stack's service role",
        (
            ("cloudformation:UpdateStack",),
            ("cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"),
        ),
    ),
    Takeover(
        "takeover-build",
        "build",
        "CodeBuild project",
        "start a build with its own buildspec (codebuild:StartBuild with a buildspec override, "
        "or codebuild:UpdateProject first); the build runs with the project's service role",
        (
            ("codebuild:StartBuild",),
            ("codebuild:StartBuildBatch",),
            ("codebuild:UpdateProject", "codebuild:StartBuild"),
        ),
    ),
    Takeover(
        "takeover-instance",
        "instance",
        "EC2 instance",
        "run commands on the running instance (ssm:SendCommand or ssm:StartSession, or push an "
        "SSH key with EC2 Instance Connect) and read its role's credentials from the instance "
        "metadata service",
        (
            ("ssm:SendCommand",),
            ("ssm:StartSession",),
            ("ec2-instance-connect:SendSSHPublicKey",),
        ),
    ),
)

# Every action a technique may need: a principal whose identity policies allow none of them is
# skipped without asking the engine.
IAM_ACTIONS: tuple[str, ...] = (
    "iam:CreateAccessKey",
    "iam:DeleteAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PassRole",
    "iam:CreateInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "sts:AssumeRole",
)


def all_actions() -> tuple[str, ...]:
    actions = list(IAM_ACTIONS)
    for technique in PASS_ROLE:
        for alternative in technique.alternatives:
            actions.extend(alternative)
    for takeover in TAKEOVERS:
        for alternative in takeover.alternatives:
            actions.extend(alternative)
    return tuple(dict.fromkeys(actions))
