"""A generated ``aws iam get-account-authorization-details`` output of any size, for benchmarks
and tests.

:func:`generate` builds one account the way a mid-sized company's looks: users in groups with
console passwords, access keys and MFA; service roles for EC2 (with instance profiles), Lambda
and ECS; cross-account roles; service-linked and Identity Center roles under AWS's reserved
paths; customer managed policies with up to three versions; inline policies; a permissions
boundary on some principals. About half the policy documents are URL-encoded strings (the raw
API's shape), the rest JSON objects (the CLI's shape). The same ``seed`` gives the same file.

AWS managed policies come from iamlab's whole catalogue (``fixtures/aws-managed-policies.json.xz``),
well beyond the 44 kept as readable files: service roles for ECS, EKS, SageMaker and Glue attach
the policies real accounts use. As in a real export taken after iamlab's snapshot, the file
carries one AWS managed policy at a version the snapshot does not hold (``NEWER``) and one AWS
published after it (``UNKNOWN``): the import takes both from the file. No Django needed.
"""

from __future__ import annotations

import functools
import json
import lzma
import random
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent.parent / "fixtures" / "aws-managed-policies.json.xz"
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"]

# AWS managed policies people attach, all in iamlab's fixtures.
FOR_USERS = [
    "IAMUserChangePassword",
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "AmazonS3ReadOnlyAccess",
    "IAMUserSSHKeys",
    "AWSCodeCommitPowerUser",
]
FOR_GROUPS = [
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "SecurityAudit",
    "AmazonEC2FullAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBFullAccess",
    "AWSBillingReadOnlyAccess",
    "CloudWatchReadOnlyAccess",
    "IAMReadOnlyAccess",
]
FOR_SERVICE_ROLES = {
    "ec2.amazonaws.com": [
        "AmazonSSMManagedInstanceCore",
        "CloudWatchLogsFullAccess",
        "CloudWatchAgentServerPolicy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
    ],
    "lambda.amazonaws.com": [
        "AWSLambdaBasicExecutionRole",
        "AmazonDynamoDBReadOnlyAccess",
        "AWSLambdaVPCAccessExecutionRole",
        "AWSXrayWriteOnlyAccess",
    ],
    "ecs-tasks.amazonaws.com": [
        "AmazonSQSFullAccess",
        "AmazonSNSFullAccess",
        "AmazonECSTaskExecutionRolePolicy",
        "SecretsManagerReadWrite",
    ],
    "eks.amazonaws.com": ["AmazonEKSClusterPolicy"],
    "sagemaker.amazonaws.com": ["AmazonSageMakerFullAccess", "AmazonAthenaFullAccess"],
    "glue.amazonaws.com": ["AWSGlueServiceRole", "AmazonKinesisFullAccess"],
}
# The file carries this one at a version newer than iamlab's snapshot holds ...
NEWER = "CloudWatchAgentServerPolicy"
# ... and this one, which AWS published after the snapshot: its document is made up here.
UNKNOWN = "AmazonExampleFutureServiceRolePolicy"
SERVICE_LINKED = {
    "autoscaling.amazonaws.com": ("AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"),
    "rds.amazonaws.com": ("AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
    "support.amazonaws.com": ("AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy"),
}
PERMISSION_SETS = {
    "AdministratorAccess": "AdministratorAccess",
    "ReadOnlyAccess": "ReadOnlyAccess",
    "Billing": "Billing",
    "PowerUserAccess": "PowerUserAccess",
}

FIRST = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jo", "kofi"]
LAST = ["silva", "novak", "okafor", "tanaka", "berg", "haddad", "kowalski", "moreau", "ng"]
TEAMS = ["payments", "search", "platform", "data", "mobile", "security", "growth"]
USER_PATHS = ["/", "/", "/engineering/", "/ops/", "/contractors/", "/service-accounts/"]
ROLE_PATHS = ["/", "/", "/service-role/", "/app/"]

ACTIONS = {
    "s3": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:DeleteObject",
        "s3:GetBucketPolicy",
    ],
    "dynamodb": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"],
    "sqs": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
    "sns": ["sns:Publish", "sns:Subscribe"],
    "lambda": ["lambda:InvokeFunction", "lambda:UpdateFunctionCode", "lambda:GetFunction"],
    "logs": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup"],
    "kms": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    "ssm": ["ssm:GetParameter", "ssm:GetParametersByPath"],
    "ec2": ["ec2:DescribeInstances", "ec2:StartInstances", "ec2:StopInstances"],
    "secretsmanager": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
}


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.account = str(self.rng.randrange(10**11, 10**12))
        self.start = datetime(2019, 1, 1, tzinfo=UTC)
        self.ids: set[str] = set()

    def uid(self, prefix: str, length: int = 17) -> str:
        while True:
            value = prefix + "".join(self.rng.choice(ID_ALPHABET) for _ in range(length))
            if value not in self.ids:
                self.ids.add(value)
                return value

    def date(self) -> str:
        seconds = self.rng.randrange(6 * 365 * 86400)
        return (self.start + timedelta(seconds=seconds)).isoformat()

    def arn(self, kind: str, path: str, name: str) -> str:
        return f"arn:aws:iam::{self.account}:{kind}{path}{name}"

    def resource(self, service: str, team: str) -> str:
        region = self.rng.choice(REGIONS)
        acct = self.account
        n = self.rng.randrange(40)
        match service:
            case "s3":
                return f"arn:aws:s3:::example-{team}-{n}/*"
            case "dynamodb":
                return f"arn:aws:dynamodb:{region}:{acct}:table/{team}-{n}"
            case "sqs" | "sns":
                return f"arn:aws:{service}:{region}:{acct}:{team}-{n}"
            case "lambda":
                return f"arn:aws:lambda:{region}:{acct}:function:{team}-{n}"
            case "logs":
                return f"arn:aws:logs:{region}:{acct}:log-group:/{team}/{n}:*"
            case "kms":
                return f"arn:aws:kms:{region}:{acct}:key/{team}-{n:04d}"
            case "ssm":
                return f"arn:aws:ssm:{region}:{acct}:parameter/{team}/{n}/*"
            case "secretsmanager":
                return f"arn:aws:secretsmanager:{region}:{acct}:secret:{team}/{n}-*"
            case _:
                return "*"

    def identity_document(self, team: str) -> dict[str, Any]:
        statements = []
        for i in range(self.rng.randint(1, 4)):
            service = self.rng.choice(list(ACTIONS))
            actions = self.rng.sample(ACTIONS[service], self.rng.randint(1, len(ACTIONS[service])))
            statement: dict[str, Any] = {
                "Sid": f"{service.title().replace('-', '')}{i}",
                "Effect": "Deny" if self.rng.random() < 0.1 else "Allow",
                "Action": actions if len(actions) > 1 else actions[0],
                "Resource": self.resource(service, team),
            }
            roll = self.rng.random()
            if roll < 0.2:
                statement["Condition"] = {
                    "StringEquals": {"aws:RequestedRegion": self.rng.sample(REGIONS, 2)}
                }
            elif roll < 0.3:
                statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            elif roll < 0.4:
                statement["Condition"] = {"StringEquals": {"aws:PrincipalTag/team": team}}
            statements.append(statement)
        return {"Version": "2012-10-17", "Statement": statements}

    def trust(self, principal: dict[str, Any], **extra: Any) -> dict[str, Any]:
        statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        return {"Version": "2012-10-17", "Statement": [{**statement, **extra}]}

    def shape(self, document: dict[str, Any]) -> Any:
        """The raw API URL-encodes documents (RFC 3986); the CLI prints them decoded."""
        if self.rng.random() < 0.5:
            return urllib.parse.quote(json.dumps(document, indent=4), safe="")
        return document


@functools.cache
def _catalogue() -> dict[str, dict[str, Any]]:
    with lzma.open(CATALOGUE) as stream:
        return {p["name"]: p for p in json.load(stream)["policies"]}


def _aws_policy(name: str) -> dict[str, Any]:
    """An AWS managed policy as the export shows it: from the catalogue, except ``NEWER`` (one
    version on, with one more read action) and ``UNKNOWN`` (not in the catalogue at all)."""
    raw: dict[str, Any]
    if name == UNKNOWN:
        made_up = {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
        document = {"Version": "2012-10-17", "Statement": [made_up]}
        raw = {"path": "/service-role/", "version_id": "v1", "document": document}
    else:
        raw = _catalogue()[name]
    version: str = raw["version_id"]
    document = raw["document"]
    if name == NEWER:
        version = f"v{int(version[1:]) + 1}"
        document = json.loads(json.dumps(document))
        document["Statement"].append(
            {"Effect": "Allow", "Action": "cloudwatch:GetMetricData", "Resource": "*"}
        )
    return {
        "Arn": f"arn:aws:iam::aws:policy{raw['path']}{name}",
        "Path": raw["path"],
        "DefaultVersionId": version,
        "Document": document,
    }


def generate(principals: int, seed: int) -> dict[str, Any]:  # noqa: C901 - one account, top down
    """An output of ``principals`` users, groups and roles (60 %, 5 %, 35 %) with
    ``principals // 5`` customer managed policies."""
    g = _Gen(seed)
    rng = g.rng
    n_groups = max(1, principals * 5 // 100)
    n_roles = max(1, principals * 35 // 100)
    n_users = max(0, principals - n_groups - n_roles)
    n_policies = max(1, principals // 5)
    aws_used: dict[str, list[int]] = {}  # name -> [attachments, boundary uses]

    def aws(name: str) -> dict[str, str]:
        aws_used.setdefault(name, [0, 0])[0] += 1
        return {"PolicyName": name, "PolicyArn": _aws_policy(name)["Arn"]}

    # Customer managed policies; the first few are permissions boundaries.
    policies: list[dict[str, Any]] = []
    cm_used: list[list[int]] = []
    for i in range(n_policies):
        team = rng.choice(TEAMS)
        name = f"{team.title()}Boundary{i}" if i < 5 else f"{team.title()}Access{i}"
        path = rng.choice(["/", "/", f"/{team}/"])
        count = rng.randint(1, 3)
        default = rng.randint(1, count)
        versions = []
        for v in range(count, 0, -1):
            versions.append(
                {
                    "Document": g.shape(g.identity_document(team)),
                    "VersionId": f"v{v}",
                    "IsDefaultVersion": v == default,
                    "CreateDate": g.date(),
                }
            )
        policies.append(
            {
                "PolicyName": name,
                "PolicyId": g.uid("ANPA"),
                "Arn": g.arn("policy", path, name),
                "Path": path,
                "DefaultVersionId": f"v{default}",
                "AttachmentCount": 0,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": True,
                "Description": f"Access for the {team} team",
                "CreateDate": g.date(),
                "UpdateDate": g.date(),
                "PolicyVersionList": versions,
            }
        )
        cm_used.append([0, 0])
    boundaries = list(range(min(5, n_policies)))
    attachable = list(range(len(boundaries), n_policies)) or boundaries

    def customer(index: int) -> dict[str, str]:
        cm_used[index][0] += 1
        p = policies[index]
        return {"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]}

    def boundary(chance: float) -> dict[str, Any]:
        if rng.random() >= chance:
            return {}
        index = rng.choice(boundaries)
        cm_used[index][1] += 1
        return {
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": policies[index]["Arn"],
            }
        }

    def inline(count: int, team: str, label: str) -> list[dict[str, Any]]:
        return [
            {"PolicyName": f"{label}{k}", "PolicyDocument": g.shape(g.identity_document(team))}
            for k in range(count)
        ]

    def tags(count: int, team: str) -> list[dict[str, str]]:
        pool = [("team", team), ("cost-center", str(rng.randrange(1000, 9999))), ("env", "prod")]
        return [{"Key": k, "Value": v} for k, v in pool[:count]]

    groups = []
    for i in range(n_groups):
        team = TEAMS[i % len(TEAMS)]
        name = f"{team}-{i}"
        path = rng.choice(["/", f"/{team}/"])
        attached = [aws(n) for n in rng.sample(FOR_GROUPS, rng.randint(0, 2))]
        attached += [customer(k) for k in rng.sample(attachable, rng.randint(0, 2))]
        groups.append(
            {
                "Path": path,
                "GroupName": name,
                "GroupId": g.uid("AGPA"),
                "Arn": g.arn("group", path, name),
                "CreateDate": g.date(),
                "GroupPolicyList": inline(rng.randint(0, 2), team, "GroupInline"),
                "AttachedManagedPolicies": attached,
            }
        )

    users = []
    for i in range(n_users):
        team = rng.choice(TEAMS)
        name = f"{rng.choice(FIRST)}.{rng.choice(LAST)}.{i}"
        path = rng.choice(USER_PATHS)
        member_of = rng.sample(groups, min(len(groups), rng.randint(0, 3)))
        attached = [aws(n) for n in rng.sample(FOR_USERS, rng.randint(0, 2))]
        attached += [customer(k) for k in rng.sample(attachable, rng.randint(0, 1))]
        user: dict[str, Any] = {
            "Path": path,
            "UserName": name,
            "UserId": g.uid("AIDA"),
            "Arn": g.arn("user", path, name),
            "CreateDate": g.date(),
            "UserPolicyList": inline(rng.choice([0, 0, 1]), team, "UserInline"),
            "GroupList": [gr["GroupName"] for gr in member_of],
            "AttachedManagedPolicies": attached,
            **boundary(0.1),
            "Tags": tags(rng.randint(0, 3), team),
        }
        if rng.random() < 0.7:
            user["LoginProfile"] = {
                "UserName": name,
                "CreateDate": g.date(),
                "PasswordResetRequired": rng.random() < 0.1,
            }
            if rng.random() < 0.85:
                user["PasswordLastUsed"] = g.date()
        user["AccessKeyMetadata"] = [
            {
                "UserName": name,
                "AccessKeyId": g.uid("AKIA", 16),
                "Status": "Active" if rng.random() < 0.8 else "Inactive",
                "CreateDate": g.date(),
            }
            for _ in range(rng.choice([0, 1, 1, 2]))
        ]
        devices = []
        if rng.random() < 0.6:
            devices.append(
                {
                    "UserName": name,
                    "SerialNumber": f"arn:aws:iam::{g.account}:mfa/{name}-phone",
                    "EnableDate": g.date(),
                }
            )
        if rng.random() < 0.05:
            devices.append(
                {"UserName": name, "SerialNumber": f"GAHT{i:08d}", "EnableDate": g.date()}
            )
        user["MFADevices"] = devices
        users.append(user)

    roles = []
    special = list(SERVICE_LINKED.items())[: max(0, min(3, n_roles // 50))]
    for service, (name, policy) in special:
        path = f"/aws-service-role/{service}/"
        roles.append(
            {
                "Path": path,
                "RoleName": name,
                "RoleId": g.uid("AROA"),
                "Arn": g.arn("role", path, name),
                "CreateDate": g.date(),
                "AssumeRolePolicyDocument": g.shape(g.trust({"Service": service})),
                "Description": f"Service-linked role for {service}",
                "MaxSessionDuration": 3600,
                "InstanceProfileList": [],
                "RolePolicyList": [],
                "AttachedManagedPolicies": [aws(policy)],
                "RoleLastUsed": {"LastUsedDate": g.date(), "Region": rng.choice(REGIONS)},
            }
        )
    provider = g.arn("saml-provider", "/", "AWSSSO_0123456789abcdef_DO_NOT_DELETE")
    sso = list(PERMISSION_SETS.items())[: max(0, min(4, n_roles // 40))]
    for set_name, policy in sso:
        name = f"AWSReservedSSO_{set_name}_{rng.getrandbits(64):016x}"
        path = "/aws-reserved/sso.amazonaws.com/"
        trust = g.trust(
            {"Federated": provider},
            Action=["sts:AssumeRoleWithSAML", "sts:TagSession"],
            Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        )
        roles.append(
            {
                "Path": path,
                "RoleName": name,
                "RoleId": g.uid("AROA"),
                "Arn": g.arn("role", path, name),
                "CreateDate": g.date(),
                "AssumeRolePolicyDocument": g.shape(trust),
                "MaxSessionDuration": 43200,
                "InstanceProfileList": [],
                "RolePolicyList": [],
                "AttachedManagedPolicies": [aws(policy)],
                "RoleLastUsed": {},
            }
        )
    carried_extras = False
    for i in range(n_roles - len(roles)):
        team = rng.choice(TEAMS)
        path = rng.choice(ROLE_PATHS)
        roll = rng.random()
        profiles = []
        if roll < 0.6:
            service = rng.choice(list(FOR_SERVICE_ROLES))
            name = f"{team}-{service.split('.')[0]}-{i}"
            trust = g.trust({"Service": service})
            offered = FOR_SERVICE_ROLES[service]
            attached = [aws(n) for n in rng.sample(offered, rng.randint(0, min(2, len(offered))))]
            if not carried_extras:  # the first service role also runs the two from the file
                carried_extras = True
                attached += [aws(n) for n in (NEWER, UNKNOWN) if aws_used.get(n) is None]
            if service == "ec2.amazonaws.com":
                created = g.date()
                summary = {
                    "Path": path,
                    "RoleName": name,
                    "Arn": g.arn("role", path, name),
                    "CreateDate": created,
                }
                profiles.append(
                    {
                        "Path": "/",
                        "InstanceProfileName": f"{name}-profile",
                        "InstanceProfileId": g.uid("AIPA"),
                        "Arn": g.arn("instance-profile", "/", f"{name}-profile"),
                        "CreateDate": created,
                        "Roles": [summary],
                    }
                )
        else:
            name = f"{team}-cross-account-{i}"
            other = str(rng.randrange(10**11, 10**12))
            trust = g.trust(
                {"AWS": f"arn:aws:iam::{other}:root"},
                Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            )
            attached = [aws(n) for n in rng.sample(FOR_GROUPS, rng.randint(0, 1))]
        attached += [customer(k) for k in rng.sample(attachable, rng.randint(0, 2))]
        role: dict[str, Any] = {
            "Path": path,
            "RoleName": name,
            "RoleId": g.uid("AROA"),
            "Arn": g.arn("role", path, name),
            "CreateDate": g.date(),
            "AssumeRolePolicyDocument": g.shape(trust),
            "MaxSessionDuration": rng.choice([3600, 3600, 7200, 43200]),
            "InstanceProfileList": profiles,
            "RolePolicyList": inline(rng.randint(0, 2), team, "RoleInline"),
            "AttachedManagedPolicies": attached,
            **boundary(0.05),
            "Tags": tags(rng.randint(0, 2), team),
            "RoleLastUsed": {},
        }
        if rng.random() < 0.5:
            role["Description"] = f"Role of the {team} team"
        roles.append(role)

    for p, (attachments, bounds) in zip(policies, cm_used, strict=True):
        p["AttachmentCount"], p["PermissionsBoundaryUsageCount"] = attachments, bounds
    for name, (attachments, bounds) in sorted(aws_used.items()):
        raw = _aws_policy(name)
        policies.append(
            {
                "PolicyName": name,
                "PolicyId": g.uid("ANPA"),
                "Arn": raw["Arn"],
                "Path": raw["Path"],
                "DefaultVersionId": raw["DefaultVersionId"],
                "AttachmentCount": attachments,
                "PermissionsBoundaryUsageCount": bounds,
                "IsAttachable": True,
                "CreateDate": g.date(),
                "UpdateDate": g.date(),
                "PolicyVersionList": [
                    {
                        "Document": g.shape(raw["Document"]),
                        "VersionId": raw["DefaultVersionId"],
                        "IsDefaultVersion": True,
                        "CreateDate": g.date(),
                    }
                ],
            }
        )
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
    }
