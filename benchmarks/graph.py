"""Access graph benchmark: ``build_graph`` on generated sandboxes of 400 and 5,000 principals.

Workload: a company's AWS organization, generated directly as :class:`GraphInput` objects (no
database), the way ``iamlab.sandbox.graphing`` would hand it over. Two to four accounts under an
organization with SCPs on three levels (root, OU, account; guardrails with a conditional deny);
about 60 % IAM users and 40 % roles.

* Users sit in groups (admins, power users, read-only, support, auditors, everyone, one group
  per team) and some carry direct attachments, a permissions boundary, console passwords,
  access keys and MFA devices.
* Managed policies are shared: AWS's own AdministratorAccess, PowerUserAccess, ReadOnlyAccess
  and friends (from ``fixtures/aws-managed-policies``) and scoped customer policies per team
  (data access with tag conditions, ``sts:AssumeRole`` on team roles, ``iam:PassRole`` with
  ``iam:PassedToService`` plus Lambda, EC2, CloudFormation and CodeBuild actions), AWS's
  "manage your own credentials" example (``${aws:username}``), ``iam:CreateAccessKey`` on the
  service users, and policy editors.
* About 2-3 % of the principals are admins (the Admins group, OrganizationAccountAccessRole,
  break-glass roles, admin CloudFormation deploy roles) and a few can escalate on their own
  (a policy on themselves, a new version of a policy attached to them, joining Admins,
  rewriting an admin role's trust policy).
* Roles trust their account, named users (with MFA), other accounts of the sandbox (MFA or
  ExternalId), a vendor outside it (ExternalId), SAML and OIDC providers and services: EC2 (with
  instance profiles and instances), Lambda (functions), CloudFormation (stacks), CodeBuild
  (projects), ECS, Glue; plus service-linked roles.

Each distinct policy document is parsed once (``parse_policy(..., checks=False)``) and renamed
per use, as the sandbox's World does. Reported per size: building the input, then
``build_graph`` (which includes the escalation analysis): the first run, the best and the
median of several, with the nodes, edges, admins and escalators found. Then Graphviz's SVG of a
graph of about 300 nodes through ``iamlab.graph.render.svg``.

Run: ``python -m benchmarks.graph`` (``--quick`` for a smoke run, ``--profile`` for the hot
spots of the largest size).
Targets: 400 principals < 0.1 s, 5,000 principals < 5 s.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import platform
import pstats
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iamlab.policy import parse_policy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iamlab.graph import (  # noqa: E402
    AccessGraph,
    AccountIn,
    GraphInput,
    GroupIn,
    InstanceIn,
    ManagedPolicyIn,
    PrincipalIn,
    ProfileIn,
    ProviderIn,
    ResourceIn,
    build_graph,
    render,  # noqa: E402
)
from iamlab.policy import Policy, PolicyType  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "aws-managed-policies"
SIZES = (400, 5000)
TARGETS = {400: 0.1, 5000: 5.0}  # seconds, from the issue
SVG_NODES = 300
SVG_TARGET = 1.5  # seconds, for an SVG of SVG_NODES nodes

ORG_ID = "o-bench0f1a2b"
ROOT_ID = "r-b3nc"
# (account id, name, OU id or "" for the management account)
ACCOUNTS = (
    ("111100001111", "Management", ""),
    ("222200002222", "Production", "ou-b3nc-workload"),
    ("333300003333", "Development", "ou-b3nc-workload"),
    ("444400004444", "Security", "ou-b3nc-security"),
)
WEIGHTS = {"111100001111": 1, "222200002222": 5, "333300003333": 4, "444400004444": 1}
VENDOR = "999988887777"  # a third party outside the sandbox
REGIONS = ("us-east-1", "eu-west-1")
SESSION = "iamlab-session"
TEAMS = ("payments", "search", "platform", "data", "mobile", "identity", "growth", "ml")
GITHUB = "token.actions.githubusercontent.com"
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SERVICE_LINKED = (
    ("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"),
    ("rds.amazonaws.com", "AWSServiceRoleForRDS", "AmazonRDSServiceRolePolicy"),
    ("support.amazonaws.com", "AWSServiceRoleForSupport", "AWSSupportServiceRolePolicy"),
)

Statement = dict[str, Any]


def document(*statements: Statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def allow(action: str | list[str], resource: str | list[str], **extra: Any) -> Statement:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(principal: dict[str, Any], action: str = "sts:AssumeRole", **extra: Any) -> str:
    return document({"Effect": "Allow", "Principal": principal, "Action": action, **extra})


@functools.cache
def aws_managed(name: str) -> str:
    wrapper: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return json.dumps(wrapper["Document"], sort_keys=True)


# -- customer policy documents -----------------------------------------------------------------


def team_app(acct: str, team: str) -> str:
    """A team's data: its bucket, tables, queues, logs, and secrets for the team's tag only."""
    return document(
        allow(
            ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            [f"arn:aws:s3:::{acct}-{team}-data", f"arn:aws:s3:::{acct}-{team}-data/*"],
        ),
        allow(
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
            f"arn:aws:dynamodb:*:{acct}:table/{team}-*",
        ),
        allow(["sqs:SendMessage", "sqs:ReceiveMessage"], f"arn:aws:sqs:*:{acct}:{team}-*"),
        allow("logs:*", f"arn:aws:logs:*:{acct}:log-group:/{team}/*"),
        allow(
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:*:{acct}:secret:{team}/*",
            Condition={"StringEquals": {"aws:PrincipalTag/team": team}},
        ),
    )


def team_deploy(acct: str, team: str) -> str:
    """Deploy the team's code: pass its Lambda and EC2 roles, run what uses them."""
    return document(
        allow(
            "iam:PassRole",
            f"arn:aws:iam::{acct}:role/{team}-lambda-*",
            Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        ),
        allow(
            "iam:PassRole",
            f"arn:aws:iam::{acct}:role/{team}-ec2-*",
            Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        allow(
            [
                "lambda:CreateFunction",
                "lambda:UpdateFunctionCode",
                "lambda:InvokeFunction",
                "lambda:GetFunction",
            ],
            f"arn:aws:lambda:*:{acct}:function:{team}-*",
        ),
        allow(["ec2:RunInstances", "ec2:DescribeInstances"], "*"),
        allow(
            ["cloudformation:UpdateStack", "cloudformation:DescribeStacks"],
            f"arn:aws:cloudformation:*:{acct}:stack/{team}-*/*",
        ),
        allow(
            ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
            f"arn:aws:codebuild:*:{acct}:project/{team}-*",
        ),
    )


def team_assume(acct: str, team: str) -> str:
    return document(
        allow(
            "sts:AssumeRole",
            [f"arn:aws:iam::{acct}:role/{team}-operator-*", f"arn:aws:iam::*:role/{team}-xacct-*"],
        )
    )


def manage_own_credentials() -> str:
    """AWS's example "allows IAM users to manage their own credentials" (trimmed)."""
    own = "arn:aws:iam::*:user/${aws:username}"
    return document(
        {"Sid": "ViewAccountInfo", **allow(["iam:GetAccountPasswordPolicy"], "*")},
        {"Sid": "ManageOwnPasswords", **allow(["iam:ChangePassword", "iam:GetUser"], own)},
        {
            "Sid": "ManageOwnAccessKeys",
            **allow(
                [
                    "iam:CreateAccessKey",
                    "iam:DeleteAccessKey",
                    "iam:ListAccessKeys",
                    "iam:UpdateAccessKey",
                ],
                own,
            ),
        },
    )


def support_keys(acct: str) -> str:
    """Support rotates the service users' keys and resets passwords of people."""
    return document(
        allow(
            ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys"],
            f"arn:aws:iam::{acct}:user/svc/*",
        ),
        allow("iam:UpdateLoginProfile", f"arn:aws:iam::{acct}:user/people/*"),
        allow(["ssm:StartSession", "ec2:DescribeInstances"], "*"),
    )


def policy_editor(acct: str) -> str:
    return document(
        allow(
            ["iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:GetPolicy*"],
            f"arn:aws:iam::{acct}:policy/*",
        )
    )


def developer_boundary() -> str:
    return document(
        allow(["s3:*", "dynamodb:*", "sqs:*", "logs:*", "lambda:*", "cloudwatch:*"], "*"),
    )


def scp_deny_leave() -> str:
    return document(
        {
            "Effect": "Deny",
            "Action": ["organizations:LeaveOrganization", "cloudtrail:StopLogging"],
            "Resource": "*",
        }
    )


def scp_protect_security_roles() -> str:
    return document(
        {
            "Effect": "Deny",
            "Action": "iam:*",
            "Resource": "arn:aws:iam::*:role/security/*",
            "Condition": {
                "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/security/SecurityAdmin"}
            },
        }
    )


def bucket_policy(acct: str, team: str, reader: str) -> str:
    bucket = f"arn:aws:s3:::{acct}-{team}-data"
    return document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{reader}:root"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [bucket, f"{bucket}/*"],
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket, f"{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )


def key_policy(acct: str) -> str:
    return document(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )


# -- the generator -----------------------------------------------------------------------------


@dataclass
class Planted:
    """What the generator put there on purpose, to compare with what the graph finds."""

    admins: int = 0
    self_escalation: int = 0
    documents: int = 0  # distinct policy documents (each parsed once)


@dataclass
class _Account:
    account_id: str
    name: str
    org_path: str
    users: list[PrincipalIn] = field(default_factory=list)  # people, not service users


class _Generator:
    def __init__(self, principals: int, seed: int, parsed: dict[tuple[str, str], Policy]):
        self.rng = random.Random(seed)
        self.total = principals
        self.parsed = parsed
        self.planted = Planted()
        count = 3 if principals < 1000 else 4
        self.accounts = [
            _Account(acct, name, f"{ORG_ID}/{ROOT_ID}/" + (f"{ou}/" if ou else ""))
            for acct, name, ou in ACCOUNTS[:count]
        ]
        self.ids: set[str] = set()
        self.used: set[tuple[str, str]] = set()  # the distinct documents of this sandbox
        self.principals: list[PrincipalIn] = []
        self.groups: list[GroupIn] = []
        self.policies: list[ManagedPolicyIn] = []
        self.resources: list[ResourceIn] = []
        self.profiles: list[ProfileIn] = []
        self.instances: list[InstanceIn] = []
        self.providers: list[ProviderIn] = []
        self.customer: dict[tuple[str, str], tuple[str, str]] = {}  # (acct, name) -> arn, text

    # policies ----------------------------------------------------------------------------

    def parse(self, text: str, type_: PolicyType, label: str) -> Policy:
        """Parse a document once per process and rename it per use, as the World does."""
        key = (text, type_.value)
        policy = self.parsed.get(key)
        if policy is None:
            policy = parse_policy(text, type_, checks=False)
            self.parsed[key] = policy
        self.used.add(key)
        self.planted.documents = len(self.used)
        return policy.renamed(label)

    def define(self, acct: str, name: str, text: str, path: str = "/") -> None:
        arn = f"arn:aws:iam::{acct}:policy{path}{name}"
        self.customer[(acct, name)] = (arn, text)
        versions = self.rng.choice((1, 1, 2, 3))
        self.policies.append(ManagedPolicyIn(arn, name, acct, versions, f"policy:{arn}"))

    def cm(self, acct: str, name: str, via: str = "") -> tuple[Policy, str]:
        """A customer managed policy attached somewhere: the parsed policy and its ARN."""
        arn, text = self.customer[(acct, name)]
        label = f"{name} (customer managed{via})"
        return self.parse(text, PolicyType.IDENTITY, label), arn

    def aws(self, name: str, via: str = "") -> Policy:
        return self.parse(aws_managed(name), PolicyType.IDENTITY, f"{name} (AWS managed{via})")

    # identities --------------------------------------------------------------------------

    def uid(self, prefix: str) -> str:
        while True:
            value = prefix + "".join(self.rng.choice(ID_ALPHABET) for _ in range(17))
            if value not in self.ids:
                self.ids.add(value)
                return value

    def contexts(
        self, a: _Account, userid: str, team: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The keys a request by the principal carries, and those of a request on it."""
        caller: dict[str, Any] = {
            "aws:PrincipalOrgID": ORG_ID,
            "aws:PrincipalOrgPaths": [a.org_path],
            "aws:userid": userid,
        }
        target: dict[str, Any] = {"aws:ResourceOrgID": ORG_ID, "aws:ResourceOrgPaths": [a.org_path]}
        if team:
            caller["aws:PrincipalTag/team"] = team
            target["aws:ResourceTag/team"] = team
            target["iam:ResourceTag/team"] = team
        return caller, target

    def role(
        self,
        a: _Account,
        name: str,
        trust_text: str,
        identity: list[Policy],
        *,
        team: str | None = None,
        path: str = "/",
        managed: tuple[str, ...] = (),
        service_linked: bool = False,
        boundary: Policy | None = None,
    ) -> PrincipalIn:
        arn = f"arn:aws:iam::{a.account_id}:role{path}{name}"
        caller, target = self.contexts(a, f"{self.uid('AROA')}:{SESSION}", team)
        role = PrincipalIn(
            arn,
            "role",
            name,
            a.account_id,
            caller_arn=f"arn:aws:sts::{a.account_id}:assumed-role/{name}/{SESSION}",
            issuer=arn,
            context=caller,
            resource_context=target,
            identity=tuple(identity),
            boundary=boundary,
            trust=self.parse(trust_text, PolicyType.TRUST, f"Trust policy of role {name}"),
            managed_policies=managed,
            service_linked=service_linked,
            ref=f"role:{arn}",
        )
        self.principals.append(role)
        return role

    def resource_context(self, a: _Account, team: str) -> dict[str, Any]:
        return {
            "aws:ResourceTag/team": team,
            "aws:ResourceOrgID": ORG_ID,
            "aws:ResourceOrgPaths": [a.org_path],
        }

    # building ----------------------------------------------------------------------------

    def build(self) -> GraphInput:
        total_weight = sum(WEIGHTS[a.account_id] for a in self.accounts)
        shares = [self.total * WEIGHTS[a.account_id] // total_weight for a in self.accounts]
        shares[0] += self.total - sum(shares)
        for a in self.accounts:
            self.define_policies(a)
        for a, share in zip(self.accounts, shares, strict=True):
            users = round(share * 0.6)
            self.people(a, users)
        for a, share in zip(self.accounts, shares, strict=True):
            users = round(share * 0.6)
            self.workloads(a, share - users)
        for a in self.accounts:
            root = f"arn:aws:iam::{a.account_id}:root"
            caller, target = self.contexts(a, a.account_id, None)
            self.principals.append(
                PrincipalIn(
                    root,
                    "root",
                    "root",
                    a.account_id,
                    context=caller,
                    resource_context=target,
                    ref=f"root:{a.account_id}",
                )
            )
        full = self.parse(aws_managed("FullAWSAccess"), PolicyType.SCP, "FullAWSAccess (SCP)")
        leave = self.parse(scp_deny_leave(), PolicyType.SCP, "DenyLeaveOrganization (SCP)")
        protect = self.parse(
            scp_protect_security_roles(), PolicyType.SCP, "ProtectSecurityRoles (SCP)"
        )
        accounts = tuple(
            AccountIn(
                a.account_id,
                a.name,
                ((full, leave), (full, protect), (full,)) if i else (),
            )
            for i, a in enumerate(self.accounts)
        )
        return GraphInput(
            accounts=accounts,
            principals=tuple(self.principals),
            groups=tuple(self.groups),
            policies=tuple(self.policies),
            resources=tuple(self.resources),
            profiles=tuple(self.profiles),
            instances=tuple(self.instances),
            providers=tuple(self.providers),
            org_id=ORG_ID,
        )

    def define_policies(self, a: _Account) -> None:
        acct = a.account_id
        for team in TEAMS:
            title = team.title()
            self.define(acct, f"{title}AppAccess", team_app(acct, team), f"/{team}/")
            self.define(acct, f"{title}Deploy", team_deploy(acct, team), f"/{team}/")
            self.define(acct, f"{title}AssumeTeamRoles", team_assume(acct, team), f"/{team}/")
        self.define(acct, "SelfManageCredentials", manage_own_credentials())
        self.define(acct, "SupportCredentialReset", support_keys(acct))
        self.define(acct, "PolicyEditors", policy_editor(acct))
        self.define(acct, "DeveloperBoundary", developer_boundary())
        saml = f"arn:aws:iam::{acct}:saml-provider/CorpIdP"
        self.providers.append(ProviderIn(saml, "saml", "CorpIdP", acct, ref=f"provider:{saml}"))
        if a.name == "Development":
            oidc = f"arn:aws:iam::{acct}:oidc-provider/{GITHUB}"
            self.providers.append(ProviderIn(oidc, "oidc", GITHUB, acct, ref=f"provider:{oidc}"))

    def group(
        self, a: _Account, name: str, policies: list[tuple[Policy, str | None]]
    ) -> tuple[str, tuple[Policy, ...]]:
        arn = f"arn:aws:iam::{a.account_id}:group/{name}"
        attached = tuple(p for p, _ in policies)
        managed = tuple(m for _, m in policies if m)
        self.groups.append(GroupIn(arn, name, a.account_id, attached, managed, f"group:{arn}"))
        return arn, attached

    def people(self, a: _Account, count: int) -> None:
        rng = self.rng
        acct = a.account_id

        def attach(group: str, *names: str) -> list[tuple[Policy, str | None]]:
            """Customer managed policies (with their ARN) or AWS managed ones (without)."""
            found: list[tuple[Policy, str | None]] = []
            for name in names:
                if (acct, name) in self.customer:
                    policy, arn = self.cm(acct, name, f", via group {group}")
                    found.append((policy, arn))
                else:
                    found.append((self.aws(name, f", via group {group}"), None))
            return found

        groups: dict[str, tuple[str, tuple[Policy, ...]]] = {}
        for name, policies in (
            ("Admins", ("AdministratorAccess",)),
            ("PowerUsers", ("PowerUserAccess",)),
            ("ReadOnly", ("ReadOnlyAccess",)),
            ("Auditors", ("SecurityAudit", "ViewOnlyAccess")),
            ("Support", ("SupportCredentialReset",)),
            ("Everyone", ("SelfManageCredentials",)),
        ):
            groups[name] = self.group(a, name, attach(name, *policies))
        for team in TEAMS:
            title = team.title()
            name = f"team-{team}"
            groups[name] = self.group(
                a, name, attach(name, f"{title}AppAccess", f"{title}AssumeTeamRoles")
            )
            name = f"{team}-deployers"
            groups[name] = self.group(a, name, attach(name, f"{title}Deploy"))
        boundary_text = self.customer[(acct, "DeveloperBoundary")][1]

        for i in range(count):
            team = rng.choice(TEAMS)
            service_user = rng.random() < 0.08
            path = "/svc/" if service_user else "/people/"
            name = f"{team}-svc-{i}" if service_user else f"{team}.user{i}"
            arn = f"arn:aws:iam::{acct}:user{path}{name}"
            member = self.memberships(team, service_user)
            identity: list[Policy] = []
            managed: list[str] = []
            roll = rng.random()
            if roll < 0.12:
                policy, policy_arn = self.cm(acct, f"{team.title()}AppAccess")
                identity.append(policy)
                managed.append(policy_arn)
            elif roll < 0.16:
                identity.append(self.aws("IAMUserChangePassword"))
            elif roll < 0.165:
                # A policy editor with customer policies attached to it: a new default version
                # of one of them grants it anything.
                for policy_name in ("PolicyEditors", f"{team.title()}AppAccess"):
                    policy, policy_arn = self.cm(acct, policy_name)
                    identity.append(policy)
                    managed.append(policy_arn)
                self.planted.self_escalation += 1
            elif roll < 0.168:
                # May put any inline policy on itself.
                text = document(allow(["iam:PutUserPolicy", "iam:GetUserPolicy"], arn))
                identity.append(self.parse(text, PolicyType.IDENTITY, "SelfService (inline)"))
                self.planted.self_escalation += 1
            elif roll < 0.170:
                # May add users to the Admins group, itself included.
                text = document(allow("iam:AddUserToGroup", f"arn:aws:iam::{acct}:group/Admins"))
                identity.append(self.parse(text, PolicyType.IDENTITY, "Onboarding (inline)"))
                self.planted.self_escalation += 1
            for g in member:
                identity.extend(groups[g][1])
            if "Admins" in member:
                self.planted.admins += 1
            boundary = None
            if "people" in path and "Admins" not in member and rng.random() < 0.08:
                boundary = self.parse(
                    boundary_text,
                    PolicyType.BOUNDARY,
                    "DeveloperBoundary (customer managed, permissions boundary)",
                )
            caller, target = self.contexts(a, self.uid("AIDA"), team)
            user = PrincipalIn(
                arn,
                "user",
                name,
                acct,
                context=caller,
                resource_context=target,
                identity=tuple(identity),
                boundary=boundary,
                groups=tuple(groups[g][0] for g in member),
                managed_policies=tuple(managed),
                console_password=not service_user and rng.random() < 0.8,
                access_keys=rng.choice((1, 2)) if service_user else rng.choice((0, 0, 1, 2)),
                mfa=not service_user and rng.random() < 0.6,
                ref=f"user:{arn}",
            )
            self.principals.append(user)
            if not service_user:
                a.users.append(user)

    def memberships(self, team: str, service_user: bool) -> list[str]:
        rng = self.rng
        if service_user:
            return [f"{team}-deployers"] if rng.random() < 0.5 else []
        member: list[str] = []
        if rng.random() < 0.85:
            member.append(f"team-{team}")
        if rng.random() < 0.5:
            member.append("Everyone")
        roll = rng.random()
        for limit, group in (
            (0.02, "Admins"),
            (0.085, "PowerUsers"),
            (0.45, "ReadOnly"),
            (0.48, "Support"),
            (0.51, "Auditors"),
        ):
            if roll < limit:
                member.append(group)
                break
        if rng.random() < 0.2:
            member.append(f"{team}-deployers")
        return member

    def workloads(self, a: _Account, count: int) -> None:  # noqa: C901 - one role per branch
        rng = self.rng
        acct = a.account_id
        others = [b.account_id for b in self.accounts if b is not a]
        management = self.accounts[0].account_id
        made = 0

        def service(name: str) -> str:
            return trust({"Service": name})

        for svc, name, policy_name in SERVICE_LINKED:
            self.role(
                a,
                name,
                service(svc),
                [self.aws(policy_name)],
                path=f"/aws-service-role/{svc}/",
                service_linked=True,
            )
            made += 1
        admin = [self.aws("AdministratorAccess")]
        if acct != management:
            self.role(
                a,
                "OrganizationAccountAccessRole",
                trust({"AWS": f"arn:aws:iam::{management}:root"}),
                admin,
            )
            made += 1
            self.planted.admins += 1
        responders = rng.sample(a.users, min(2, len(a.users)))
        mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        if responders and a.name == "Production":
            self.role(
                a,
                "BreakGlassAdmin",
                trust({"AWS": sorted(u.arn for u in responders)}, Condition=mfa),
                [self.aws("AdministratorAccess")],
            )
            made += 1
            self.planted.admins += 1
        if acct == management:
            self.role(
                a,
                "SecurityAdmin",
                trust({"AWS": f"arn:aws:iam::{acct}:root"}, Condition=mfa),
                [self.aws("IAMFullAccess"), self.aws("SecurityAudit")],
                path="/security/",
            )
            made += 1
            self.planted.admins += 1
        # An automation role that may rewrite the admin roles' trust policies.
        text = document(
            allow(
                "iam:UpdateAssumeRolePolicy",
                [
                    f"arn:aws:iam::{acct}:role/BreakGlassAdmin",
                    f"arn:aws:iam::{acct}:role/OrganizationAccountAccessRole",
                ],
            )
        )
        self.role(
            a,
            "IdentityAutomation",
            service("lambda.amazonaws.com"),
            [self.parse(text, PolicyType.IDENTITY, "RotateTrust (inline)")],
        )
        made += 1
        self.planted.self_escalation += 1

        for i in range(max(0, count - made)):
            team = rng.choice(TEAMS)
            title = team.title()
            app, app_arn = self.cm(acct, f"{title}AppAccess")
            region = rng.choice(REGIONS)
            context = self.resource_context(a, team)
            roll = rng.random()
            if roll < 0.30:
                name = f"{team}-lambda-{i}"
                role = self.role(
                    a,
                    name,
                    service("lambda.amazonaws.com"),
                    [self.aws("AWSLambdaBasicExecutionRole"), app],
                    team=team,
                    managed=(app_arn,),
                )
                for k in range(rng.choice((1, 1, 2))):
                    fn = f"arn:aws:lambda:{region}:{acct}:function:{team}-fn-{i}-{k}"
                    self.resources.append(
                        ResourceIn(
                            fn, "lambda", f"{team}-fn-{i}-{k}", acct, None, context, role.arn
                        )
                    )
            elif roll < 0.45:
                name = f"{team}-ec2-{i}"
                role = self.role(
                    a,
                    name,
                    service("ec2.amazonaws.com"),
                    [self.aws("AmazonSSMManagedInstanceCore"), app],
                    team=team,
                    managed=(app_arn,),
                )
                if rng.random() < 0.85:
                    profile = f"arn:aws:iam::{acct}:instance-profile/{name}"
                    self.profiles.append(ProfileIn(profile, name, acct, role.arn, profile))
                    for k in range(rng.randint(1, 3)):
                        instance_id = f"i-{rng.getrandbits(68):017x}"
                        arn = f"arn:aws:ec2:{region}:{acct}:instance/{instance_id}"
                        running = rng.random() < 0.8
                        self.instances.append(
                            InstanceIn(arn, instance_id, f"{name}-{k}", acct, profile, running, arn)
                        )
            elif roll < 0.51:
                name = f"{team}-cfn-{i}"
                if rng.random() < 0.2:
                    powers = [self.aws("AdministratorAccess")]
                    self.planted.admins += 1
                else:
                    powers = [self.aws("PowerUserAccess")]
                role = self.role(
                    a, name, service("cloudformation.amazonaws.com"), powers, team=team
                )
                stack = f"{team}-stack-{i}"
                stack_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                arn = f"arn:aws:cloudformation:{region}:{acct}:stack/{stack}/{stack_id}"
                self.resources.append(
                    ResourceIn(arn, "stack", stack, acct, None, context, role.arn)
                )
            elif roll < 0.57:
                name = f"{team}-build-{i}"
                deploy, deploy_arn = self.cm(acct, f"{title}Deploy")
                role = self.role(
                    a,
                    name,
                    service("codebuild.amazonaws.com"),
                    [deploy, self.aws("CloudWatchLogsFullAccess")],
                    team=team,
                    managed=(deploy_arn,),
                )
                project = f"{team}-build-{i}"
                arn = f"arn:aws:codebuild:{region}:{acct}:project/{project}"
                self.resources.append(
                    ResourceIn(arn, "build", project, acct, None, context, role.arn)
                )
            elif roll < 0.62:
                svc = rng.choice(("ecs-tasks", "glue", "sagemaker"))
                self.role(
                    a,
                    f"{team}-{svc}-{i}",
                    service(f"{svc}.amazonaws.com"),
                    [app],
                    team=team,
                    managed=(app_arn,),
                )
            elif roll < 0.77:
                powers = [app] if rng.random() < 0.7 else [self.aws("ReadOnlyAccess")]
                if rng.random() < 0.1:
                    powers.append(self.aws("PowerUserAccess"))
                self.role(
                    a,
                    f"{team}-operator-{i}",
                    trust({"AWS": f"arn:aws:iam::{acct}:root"}),
                    powers,
                    team=team,
                )
            elif roll < 0.85:
                people = [u for u in a.users if u.name.startswith(f"{team}.")] or a.users
                named = sorted(
                    u.arn for u in rng.sample(people, min(len(people), rng.randint(1, 3)))
                )
                who = {"AWS": named if len(named) > 1 else named[0]}
                self.role(
                    a,
                    f"{team}-oncall-{i}",
                    trust(who, Condition=mfa) if rng.random() < 0.5 else trust(who),
                    [app, self.aws("AmazonEC2ReadOnlyAccess")],
                    team=team,
                    managed=(app_arn,),
                )
            elif roll < 0.94 and others:
                source = rng.choice(others)
                if rng.random() < 0.6:
                    condition: dict[str, Any] = mfa
                else:
                    condition = {"StringEquals": {"sts:ExternalId": f"{team}-{i}-{source}"}}
                powers = [self.aws("ReadOnlyAccess")] if rng.random() < 0.3 else [app]
                self.role(
                    a,
                    f"{team}-xacct-{i}",
                    trust({"AWS": f"arn:aws:iam::{source}:root"}, Condition=condition),
                    powers,
                    team=team,
                )
            elif roll < 0.97:
                self.role(
                    a,
                    f"vendor-{team}-{i}",
                    trust(
                        {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                        Condition={"StringEquals": {"sts:ExternalId": f"vendor-{i}"}},
                    ),
                    [self.aws("SecurityAudit")],
                )
            elif roll < 0.99 or a.name != "Development":
                provider = f"arn:aws:iam::{acct}:saml-provider/CorpIdP"
                powers = [app] if rng.random() < 0.8 else [self.aws("PowerUserAccess")]
                self.role(
                    a,
                    f"saml-{team}-{i}",
                    trust(
                        {"Federated": provider},
                        "sts:AssumeRoleWithSAML",
                        Condition={
                            "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
                        },
                    ),
                    powers,
                    team=team,
                )
            else:
                provider = f"arn:aws:iam::{acct}:oidc-provider/{GITHUB}"
                deploy, deploy_arn = self.cm(acct, f"{title}Deploy")
                self.role(
                    a,
                    f"github-{team}-{i}",
                    trust(
                        {"Federated": provider},
                        "sts:AssumeRoleWithWebIdentity",
                        Condition={
                            "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
                            "StringLike": {f"{GITHUB}:sub": f"repo:example/{team}:*"},
                        },
                    ),
                    [deploy],
                    team=team,
                    managed=(deploy_arn,),
                )

        # Resources with resource-based policies: each team's bucket (read by another account)
        # and the account's KMS key.
        for team in TEAMS:
            bucket = f"{acct}-{team}-data"
            reader = rng.choice(others) if others else acct
            policy = self.parse(
                bucket_policy(acct, team, reader), PolicyType.RESOURCE, f"Bucket policy of {bucket}"
            )
            self.resources.append(
                ResourceIn(
                    f"arn:aws:s3:::{bucket}",
                    "s3",
                    bucket,
                    acct,
                    policy,
                    {"aws:ResourceOrgID": ORG_ID, "aws:ResourceOrgPaths": [a.org_path]},
                )
            )
        key_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        key = f"arn:aws:kms:{REGIONS[0]}:{acct}:key/{key_id}"
        policy = self.parse(key_policy(acct), PolicyType.RESOURCE, "Key policy of the main key")
        self.resources.append(ResourceIn(key, "kms", str(key_id), acct, policy))


def generate(
    principals: int, seed: int = 7, parsed: dict[tuple[str, str], Policy] | None = None
) -> tuple[GraphInput, Planted]:
    """A sandbox of ``principals`` IAM users and roles (plus one root user per account)."""
    generator = _Generator(principals, seed, {} if parsed is None else parsed)
    return generator.build(), generator.planted


# -- measuring ---------------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    graph_input: GraphInput
    planted: Planted
    generate_seconds: float
    runs: list[float]
    graph: AccessGraph

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def measure(size: int, rounds: int, budget: float, parsed: dict[tuple[str, str], Policy]) -> Result:
    """Up to ``rounds`` builds, fewer once ``budget`` seconds are spent (one at least)."""
    seconds, (graph_input, planted) = timed(lambda: generate(size, parsed=parsed))
    runs: list[float] = []
    graph: AccessGraph | None = None
    while len(runs) < rounds and (not runs or sum(runs) + runs[-1] <= budget):
        took, graph = timed(lambda: build_graph(graph_input))
        runs.append(took)
    assert graph is not None
    return Result(size, graph_input, planted, seconds, runs, graph)


def fmt(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1e3:7.1f} ms"
    return f"{seconds:7.2f} s "


def shape_table(results: list[Result]) -> None:
    print(
        f"{'size':>6} {'accts':>5} {'users':>6} {'roles':>6} {'groups':>6} {'cust.pol':>8} "
        f"{'docs':>5} {'resources':>9} {'profiles':>8} {'instances':>9} {'generate':>10}"
    )
    for r in results:
        gi = r.graph_input
        users = sum(1 for p in gi.principals if p.kind == "user")
        roles = sum(1 for p in gi.principals if p.kind == "role")
        print(
            f"{r.size:>6} {len(gi.accounts):>5} {users:>6} {roles:>6} {len(gi.groups):>6} "
            f"{len(gi.policies):>8} {r.planted.documents:>5} {len(gi.resources):>9} "
            f"{len(gi.profiles):>8} {len(gi.instances):>9} {fmt(r.generate_seconds):>10}"
        )


def timing_table(results: list[Result]) -> None:
    print(
        f"{'size':>6} {'runs':>4} {'first':>10} {'best':>10} {'median':>10} {'target':>8} "
        f"{'ok':>4} | {'nodes':>6} {'edges':>6} {'relations':>9} {'admins':>6} "
        f"{'planted':>7} {'escalators':>10}"
    )
    for r in results:
        g = r.graph
        admins = sum(1 for n in g.nodes.values() if n.is_admin and n.type in ("user", "role"))
        target = TARGETS.get(r.size)
        ok = "-" if target is None else ("yes" if r.median < target else "NO")
        print(
            f"{r.size:>6} {len(r.runs):>4} {fmt(r.runs[0]):>10} {fmt(r.best):>10} "
            f"{fmt(r.median):>10} {fmt(target) if target else '-':>8} {ok:>4} | "
            f"{len(g.nodes):>6} {len(g.edges):>6} {len(g.relations):>9} {admins:>6} "
            f"{r.planted.admins:>7} {len(g.can_escalate):>10}"
        )
    for r in results:
        kinds: dict[str, int] = {}
        for e in r.graph.edges:
            key = e.technique or e.kind
            kinds[key] = kinds.get(key, 0) + 1
        listed = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        print(f"  {r.size} edges by technique: {listed}")


def svg_timing(parsed: dict[tuple[str, str], Policy], rounds: int) -> None:
    """SVG of a graph of about SVG_NODES nodes, Graphviz asked every time (no cache): the
    default view (which folds what takes part in no edge past its limit) and every node."""
    size, graph = 100, build_graph(generate(100, parsed=parsed)[0])
    for _ in range(4):  # the node count grows about linearly with the principals
        size = max(10, round(size * SVG_NODES / len(graph.nodes)))
        graph = build_graph(generate(size, parsed=parsed)[0])
    print(f"svg: graph of {len(graph.nodes)} nodes, {len(graph.edges)} edges ({size} principals)")
    everything = render.dot(render.view(graph, limit=10**9))
    cases: list[tuple[str, Callable[[], str]]] = [
        ("default view", lambda: render.svg(render.dot(render.view(graph)), cached=False)),
        ("every node drawn", lambda: render.svg(everything, cached=False)),
    ]
    for label, fn in cases:
        times: list[float] = []
        out = ""
        for _ in range(rounds):
            took, out = timed(fn)
            times.append(took)
        print(
            f"  {label:<17} best {fmt(min(times))}  median {fmt(statistics.median(times))}  "
            f"({len(out) / 1024:.0f} KB of SVG, {out.count('class="node')} nodes drawn, "
            f"target {fmt(SVG_TARGET)})"
        )


def profile(graph_input: GraphInput, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    build_graph(graph_input)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(f"-- profile by {order} --")
        print(out.getvalue().split("\n", 6)[-1].rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer rounds")
    parser.add_argument("--profile", action="store_true", help="cProfile the largest size")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--rounds", type=int, help="builds per size (default 20, 5 past 1,000)")
    parser.add_argument(
        "--budget", type=float, default=120.0, help="stop a size's builds after this many s"
    )
    parser.add_argument("--no-svg", action="store_true")
    args = parser.parse_args()

    print(
        f"iamlab access graph benchmark — Python {platform.python_version()} on "
        f"{platform.machine()}"
    )
    parsed: dict[tuple[str, str], Policy] = {}
    results = []
    for size in args.sizes:
        rounds = (3 if args.quick else 20) if size <= 1000 else (2 if args.quick else 5)
        results.append(measure(size, args.rounds or rounds, args.budget, parsed))
    print("\ninput (users and roles exclude the root users; docs = distinct policy documents):")
    shape_table(results)
    print("\nbuild_graph (escalation analysis included):")
    timing_table(results)
    if not args.no_svg:
        print()
        svg_timing(parsed, 2 if args.quick else 5)
    if args.profile and results:
        largest = max(results, key=lambda r: r.size)
        print(f"\nprofile of build_graph, {largest.size} principals:")
        profile(largest.graph_input, 25)


if __name__ == "__main__":
    main()
