"""The "Example Corp" demo sandbox: a small company that shows every kind of IAM identity.

A first-time learner gets a world to explore instead of an empty account. Each object is there
to show one idea of the IAM user guide's chapter on identities (id.html):

* an organization with OUs, the default ``FullAWSAccess`` SCP and two guardrails of AWS's own
  example SCPs (orgs_manage_policies_scps_examples.html);
* IAM users with long-term credentials (a console password, MFA, access keys, an SSH key and
  Git credentials for CodeCommit), user groups that carry their permissions, a user with no
  permissions at all (implicit deny) and a user capped by a permissions boundary
  (access_policies_boundaries.html);
* roles for each use case of the chapter: cross-account access (with MFA), a service role for
  EC2 with an instance profile, a Lambda execution role, service roles for a CloudFormation
  stack and a CodeBuild project (using-iam-servicerole.html, setting-up-service-role.html), a
  service-linked role, SAML 2.0 and OIDC federation (id_roles_providers.html);
* resource-based policies: a bucket policy granting another account read access and a KMS key
  with the default key policy (kms/latest/developerguide/key-policy-default.html);
* IAM Identity Center users, a group, permission sets and the ``AWSReservedSSO_`` roles that
  assigning them provisions (permissionsetsconcept.html).

:func:`build_example_corp` is idempotent by name: a learner who already has a sandbox called
"Example Corp" gets it back unchanged.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from iamlab.policy import PolicyType, parse_policy

from . import rules, services
from .awsmanaged import aws_policy
from .locks import one_at_a_time
from .models import (
    AccessKey,
    Account,
    Ec2Instance,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    Organization,
    OrgPolicy,
    OrgUnit,
    PermissionSet,
    Resource,
    Role,
    Sandbox,
    ServiceCredential,
    SshPublicKey,
    SsoGroup,
    SsoUser,
)
from .signals import one_bump

NAME = "Example Corp"
DESCRIPTION = (
    "A small company to explore: an organization with SCPs, IAM users, groups and roles for "
    "every use case of the IAM user guide, resource-based policies and IAM Identity Center."
)

# Fixed, readable account ids (the ones AWS uses in its own documentation examples).
MANAGEMENT_ID = "111122223333"
PRODUCTION_ID = "444455556666"
DEVELOPMENT_ID = "777788889999"
AUDIT_ID = "123456789012"

BUCKET = "example-corp-reports"
FUNCTION = "order-processor"
STACK = "network-stack"
BUILD_PROJECT = "web-app-build"
CODECOMMIT_REPO = "web-app"
REGION = "us-east-1"
ALLOWED_REGIONS = ["us-east-1", "eu-west-1"]
GITHUB_ISSUER = "token.actions.githubusercontent.com"
GITHUB_REPO = "example-corp/web-app"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"

# Identity Center ids: an identity store is "d-" + 10 characters, an instance "ssoins-" + 16.
IDENTITY_STORE_ID = "d-9067e1c0a2"
SSO_INSTANCE_ID = "ssoins-7223e1c0a2b4d6f8"

# Global services that AWS's example region SCP leaves out of the region check: their
# endpoints live in us-east-1 whatever region a caller works in
# (orgs_manage_policies_scps_examples_general.html#example-scp-deny-region).
GLOBAL_SERVICE_ACTIONS = [
    "a4b:*",
    "acm:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "chime:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "fms:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "kms:*",
    "mobileanalytics:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
]

SAML_METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>MIIBszCCAVmgAwIBAgIUExampleCorpIdPSigningCertificate</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.example.com/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def ssh_rsa_public_key(comment: str) -> str:
    """A well-formed ``ssh-rsa`` public key line (RFC 4253 section 6.6) whose 2048-bit modulus
    is derived from ``comment``: the same text on every build, and nobody holds its private
    key."""

    def string(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    # 8 x 32 = 256 bytes: a 2048-bit odd number with its top bit set.
    stream = b"".join(hashlib.sha256(f"{comment}/{i}".encode()).digest() for i in range(8))
    modulus = bytes([stream[0] | 0x80]) + stream[1:-1] + bytes([stream[-1] | 1])
    blob = (
        string(b"ssh-rsa")
        + string((65537).to_bytes(3, "big"))
        + string(b"\x00" + modulus)  # mpint: a leading zero keeps it positive
    )
    return f"ssh-rsa {base64.b64encode(blob).decode()} {comment}"


# -- policy documents --------------------------------------------------------------------------


def _document(type_: PolicyType, *statements: dict[str, Any], **top: Any) -> str:
    """A policy document as stored text, refused at once if the engine would refuse it."""
    text = json.dumps({"Version": "2012-10-17", **top, "Statement": list(statements)}, indent=2)
    parse_policy(text, type_)  # raises PolicyError: a broken demo is a bug, not user input
    return text


def deny_leave_organization() -> str:
    return _document(
        PolicyType.SCP,
        {
            "Sid": "DenyLeaveOrganization",
            "Effect": "Deny",
            "Action": "organizations:LeaveOrganization",
            "Resource": "*",
        },
    )


def region_guardrail() -> str:
    return _document(
        PolicyType.SCP,
        {
            "Sid": "DenyAllOutsideAllowedRegions",
            "Effect": "Deny",
            "NotAction": GLOBAL_SERVICE_ACTIONS,
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ALLOWED_REGIONS}},
        },
    )


def developer_boundary(version: int) -> str:
    """v1 allowed storage and monitoring; v2 (the default) adds compute."""
    services_allowed = ["s3:*", "cloudwatch:*", "logs:*"]
    if version >= 2:
        services_allowed += ["ec2:*", "lambda:*", "dynamodb:*"]
    return _document(
        PolicyType.BOUNDARY,
        {
            "Sid": "MostDevelopersMayUse",
            "Effect": "Allow",
            "Action": services_allowed,
            "Resource": "*",
        },
    )


def bucket_arns(bucket: str = BUCKET) -> list[str]:
    return [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]


def read_reports() -> str:
    return _document(
        PolicyType.IDENTITY,
        {
            "Sid": "ReadReports",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": bucket_arns(),
        },
    )


def reports_bucket_policy() -> str:
    return _document(
        PolicyType.RESOURCE,
        {
            "Sid": "AuditAccountMayRead",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{AUDIT_ID}:root"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": bucket_arns(),
        },
    )


def default_key_policy(account_id: str) -> str:
    """The key policy AWS KMS gives a key created without one (key-policy-default.html)."""
    return _document(
        PolicyType.RESOURCE,
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        Id="key-default-1",
    )


def auditor_policy(*role_arns: str) -> str:
    return _document(
        PolicyType.IDENTITY,
        {
            "Sid": "AssumeTheAuditRoles",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": list(role_arns) if len(role_arns) > 1 else role_arns[0],
        },
        {
            "Sid": "ReadDevelopmentReports",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": bucket_arns(),
        },
    )


def trust_with_mfa(account_id: str) -> str:
    return _document(
        PolicyType.TRUST,
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
    )


def trust_service(service: str) -> str:
    text = rules.service_trust_policy(service)
    parse_policy(text, PolicyType.TRUST)
    return text


def trust_saml(provider_arn: str) -> str:
    return _document(
        PolicyType.TRUST,
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
        },
    )


def trust_github(provider_arn: str) -> str:
    return _document(
        PolicyType.TRUST,
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{GITHUB_ISSUER}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GITHUB_ISSUER}:sub": f"repo:{GITHUB_REPO}:ref:refs/heads/main"},
            },
        },
    )


def deploy_function(function_arn: str) -> str:
    return _document(
        PolicyType.IDENTITY,
        {
            "Sid": "DeployOrderProcessor",
            "Effect": "Allow",
            "Action": ["lambda:UpdateFunctionCode", "lambda:GetFunction"],
            "Resource": function_arn,
        },
    )


def deploy_network() -> str:
    """What network-stack's service role lets CloudFormation do: build and change a VPC."""
    return _document(
        PolicyType.IDENTITY,
        {
            "Sid": "ManageTheNetwork",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateVpc",
                "ec2:DeleteVpc",
                "ec2:ModifyVpcAttribute",
                "ec2:CreateSubnet",
                "ec2:DeleteSubnet",
                "ec2:CreateRouteTable",
                "ec2:DeleteRouteTable",
                "ec2:CreateRoute",
                "ec2:DeleteRoute",
                "ec2:AssociateRouteTable",
                "ec2:DisassociateRouteTable",
                "ec2:CreateInternetGateway",
                "ec2:DeleteInternetGateway",
                "ec2:AttachInternetGateway",
                "ec2:DetachInternetGateway",
                "ec2:CreateTags",
                "ec2:Describe*",
            ],
            "Resource": "*",
        },
    )


def build_web_app(account_id: str) -> str:
    """The CodeBuild service role policy AWS's console writes for a project: its logs, the
    source repository and the pipeline's artifacts (setting-up-service-role.html)."""
    return _document(
        PolicyType.IDENTITY,
        {
            "Sid": "WriteBuildLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                f"arn:aws:logs:{REGION}:{account_id}:log-group:/aws/codebuild/{BUILD_PROJECT}",
                f"arn:aws:logs:{REGION}:{account_id}:log-group:/aws/codebuild/{BUILD_PROJECT}:*",
            ],
        },
        {
            "Sid": "PullTheSource",
            "Effect": "Allow",
            "Action": "codecommit:GitPull",
            "Resource": f"arn:aws:codecommit:{REGION}:{account_id}:{CODECOMMIT_REPO}",
        },
        {
            "Sid": "ReadAndWriteArtifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": f"arn:aws:s3:::codepipeline-{REGION}-*",
        },
    )


# -- building ----------------------------------------------------------------------------------


def _account(sandbox: Sandbox, account_id: str, name: str, email: str) -> Account:
    account = Account(sandbox=sandbox, account_id=account_id, name=name, email=email)
    account.clean()  # a 12-digit id
    account.save()
    return account


def _role(account: Account, name: str, description: str, trust: str, **fields: Any) -> Role:
    assert rules.check_name("role", name) is None, name
    return Role.objects.create(
        sandbox=account.sandbox,
        account=account,
        name=name,
        description=description,
        trust_policy=trust,
        **fields,
    )


def _organization(
    sandbox: Sandbox,
) -> tuple[Organization, Account, Account, Account, Account]:
    management = _account(
        sandbox, MANAGEMENT_ID, "Example Corp Management", "aws-management@example.com"
    )
    production = _account(sandbox, PRODUCTION_ID, "Production", "aws-production@example.com")
    development = _account(sandbox, DEVELOPMENT_ID, "Development", "aws-development@example.com")
    audit = _account(sandbox, AUDIT_ID, "Audit", "aws-audit@example.com")

    org = services.create_organization(management)
    root = services.org_root(org)
    workloads = services.create_unit(root, "Workloads")
    security = services.create_unit(root, "Security")
    services.join_organization(production, workloads)
    services.join_organization(development, workloads)
    services.join_organization(audit, security)

    leave = OrgPolicy.objects.create(
        sandbox=sandbox,
        organization=org,
        kind="scp",
        name="DenyLeaveOrganization",
        description="Member accounts cannot leave the organization on their own.",
        document=deny_leave_organization(),
    )
    services.attach_org_policy(leave, root)
    guardrail = OrgPolicy.objects.create(
        sandbox=sandbox,
        organization=org,
        kind="scp",
        name="RegionGuardrail",
        description=(
            "Denies every action outside us-east-1 and eu-west-1, except on global services."
        ),
        document=region_guardrail(),
    )
    services.attach_org_policy(guardrail, workloads)
    return org, management, production, development, audit


def _people(development: Account) -> tuple[IamUser, IamUser, IamUser]:
    """alice (an administrator with every kind of credential), bob (a developer capped by a
    permissions boundary) and carol (no permissions: everything is implicitly denied)."""
    sandbox = development.sandbox
    now = timezone.now()
    alice = IamUser.objects.create(
        sandbox=sandbox,
        account=development,
        name="alice",
        console_password=True,
        password_last_used=now - dt.timedelta(hours=3),
        tags={"team": "blue"},
    )
    MfaDevice.objects.create(
        sandbox=sandbox, account=development, user=alice, name="alice-phone", kind="virtual"
    )
    AccessKey.objects.create(
        sandbox=sandbox,
        account=development,
        user=alice,
        status="Active",
        last_used_at=now - dt.timedelta(hours=5),
        last_used_service="s3",
        last_used_region="us-east-1",
    )
    AccessKey.objects.create(
        sandbox=sandbox,
        account=development,
        user=alice,
        status="Inactive",
        last_used_at=now - dt.timedelta(days=120),
        last_used_service="ec2",
        last_used_region="eu-west-1",
    )
    # CodeCommit access, one of the chapter's reasons for an IAM user: an SSH key and Git
    # credentials (id_credentials_ssh-keys.html).
    SshPublicKey.objects.create(
        sandbox=sandbox, user=alice, body=ssh_rsa_public_key("alice@example-corp")
    )
    ServiceCredential.objects.create(
        sandbox=sandbox, user=alice, service="codecommit.amazonaws.com"
    )

    bob = IamUser.objects.create(
        sandbox=sandbox, account=development, name="bob", tags={"team": "red"}
    )
    AccessKey.objects.create(
        sandbox=sandbox,
        account=development,
        user=bob,
        status="Active",
        last_used_at=now - dt.timedelta(days=2),
        last_used_service="lambda",
        last_used_region="eu-west-1",
    )
    carol = IamUser.objects.create(sandbox=sandbox, account=development, name="carol")

    developers = IamGroup.objects.create(sandbox=sandbox, account=development, name="Developers")
    services.attach_policy(developers, aws_policy("PowerUserAccess"))
    admins = IamGroup.objects.create(sandbox=sandbox, account=development, name="Admins")
    services.attach_policy(admins, aws_policy("AdministratorAccess"))
    services.add_to_group(alice, admins)
    services.add_to_group(bob, developers)

    boundary = services.create_policy(
        development,
        "DeveloperBoundary",
        developer_boundary(1),
        description="The most a developer's own permissions can ever allow.",
    )
    services.create_policy_version(boundary, developer_boundary(2), set_default=True)
    bob.boundary = boundary
    bob.save()
    return alice, bob, carol


def _workloads(development: Account) -> None:
    """Roles for AWS services: a service role with an instance profile for EC2, a Lambda
    execution role, service roles for a CloudFormation stack and a CodeBuild project and a
    service-linked role; the resources they use."""
    sandbox = development.sandbox
    web_role = _role(
        development,
        "WebAppRole",
        "Service role for Amazon EC2: applications on web-1 get temporary credentials through "
        "the instance profile WebAppProfile instead of access keys stored on the instance.",
        trust_service("ec2.amazonaws.com"),
    )
    InlinePolicy.objects.create(
        sandbox=sandbox, role=web_role, name="ReadReports", document=read_reports()
    )
    profile = InstanceProfile.objects.create(
        sandbox=sandbox, account=development, name="WebAppProfile", role=web_role
    )
    Ec2Instance.objects.create(
        sandbox=sandbox, account=development, name="web-1", region=REGION, instance_profile=profile
    )

    processor_role = _role(
        development,
        "OrderProcessorRole",
        "Service role (a Lambda execution role): the order-processor function assumes it to "
        "write its logs, so the code never holds long-term credentials.",
        trust_service("lambda.amazonaws.com"),
    )
    services.attach_policy(processor_role, aws_policy("AWSLambdaBasicExecutionRole"))
    Resource.objects.create(
        sandbox=sandbox,
        account=development,
        kind="lambda",
        name=FUNCTION,
        region=REGION,
        role=processor_role,
    )
    _pipelines(development)
    services.create_service_linked_role(development, "autoscaling.amazonaws.com")

    Resource.objects.create(
        sandbox=sandbox,
        account=development,
        kind="s3",
        name=BUCKET,
        region=REGION,
        policy=reports_bucket_policy(),
        tags={"team": "blue"},
    )
    Resource.objects.create(
        sandbox=sandbox,
        account=development,
        kind="kms",
        name="reports-key",
        region=REGION,
        policy=default_key_policy(development.account_id),
    )


def _pipelines(development: Account) -> None:
    """Things that run as a service role of their own: a CloudFormation stack, whose changes
    CloudFormation makes with its role, and a CodeBuild project, whose builds run as its role.
    Whoever may update the stack or start a build acts with that role's permissions."""
    sandbox = development.sandbox
    deploy_role = _role(
        development,
        "CloudFormationDeployRole",
        "Service role for AWS CloudFormation: network-stack creates and updates its VPC with "
        "this role's permissions, not those of whoever deploys it.",
        trust_service("cloudformation.amazonaws.com"),
    )
    InlinePolicy.objects.create(
        sandbox=sandbox, role=deploy_role, name="ManageNetwork", document=deploy_network()
    )
    Resource.objects.create(
        sandbox=sandbox,
        account=development,
        kind="stack",
        name=STACK,
        region=REGION,
        role=deploy_role,
        tags={"team": "platform"},
    )
    build_role = _role(
        development,
        "CodeBuildServiceRole",
        "Service role for AWS CodeBuild: every build of web-app-build runs with this role's "
        "temporary credentials to pull the source, write its logs and store its artifacts.",
        trust_service("codebuild.amazonaws.com"),
    )
    InlinePolicy.objects.create(
        sandbox=sandbox,
        role=build_role,
        name="BuildWebApp",
        document=build_web_app(development.account_id),
    )
    Resource.objects.create(
        sandbox=sandbox,
        account=development,
        kind="build",
        name=BUILD_PROJECT,
        region=REGION,
        role=build_role,
    )


def _federation(development: Account, audit: Account, production: Account) -> None:
    """Cross-account access with MFA (two roles an auditor switches between), and the two
    kinds of identity provider."""
    sandbox = development.sandbox
    auditor_role = _role(
        development,
        "ReadOnlyAuditor",
        "Cross-account access: principals of the Audit account may assume this role, and only "
        "after signing in with MFA, to read everything in Development.",
        trust_with_mfa(AUDIT_ID),
    )
    services.attach_policy(auditor_role, aws_policy("ReadOnlyAccess"))
    production_auditor = _role(
        production,
        "ProductionAuditor",
        "Cross-account access: auditors of the Audit account switch to this role, after MFA, "
        "to read everything in Production.",
        trust_with_mfa(AUDIT_ID),
    )
    services.attach_policy(production_auditor, aws_policy("ReadOnlyAccess"))
    auditor = IamUser.objects.create(
        sandbox=sandbox, account=audit, name="auditor", console_password=True
    )
    MfaDevice.objects.create(
        sandbox=sandbox, account=audit, user=auditor, name="auditor-key", kind="passkey"
    )
    InlinePolicy.objects.create(
        sandbox=sandbox,
        user=auditor,
        name="AuditDevelopment",
        document=auditor_policy(auditor_role.arn, production_auditor.arn),
    )

    assert rules.check_name("SAML provider", "ExampleCorpIdP") is None
    saml = IdentityProvider.objects.create(
        sandbox=sandbox,
        account=development,
        kind="saml",
        name="ExampleCorpIdP",
        metadata=SAML_METADATA,
    )
    saml_role = _role(
        development,
        "SAMLDevelopers",
        "Federated user access: developers who sign in to the corporate SAML 2.0 identity "
        "provider ExampleCorpIdP get this role's temporary credentials, with no IAM user.",
        trust_saml(saml.arn),
        max_session_duration=4 * 3600,
    )
    services.attach_policy(saml_role, aws_policy("PowerUserAccess"))

    github = IdentityProvider.objects.create(
        sandbox=sandbox,
        account=development,
        kind="oidc",
        name=GITHUB_ISSUER,
        client_ids=["sts.amazonaws.com"],
        thumbprints=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    deploy_role = _role(
        development,
        "GitHubDeploy",
        "Web identity (OIDC) federation: GitHub Actions workflows of example-corp/web-app on "
        "main assume this role to deploy, so no access key is stored in GitHub.",
        trust_github(github.arn),
    )
    function_arn = f"arn:aws:lambda:{REGION}:{development.account_id}:function:{FUNCTION}"
    InlinePolicy.objects.create(
        sandbox=sandbox,
        role=deploy_role,
        name="DeployOrderProcessor",
        document=deploy_function(function_arn),
    )


def _identity_center(
    org: Organization, production: Account, development: Account, audit: Account
) -> None:
    """Workforce users in IAM Identity Center, given access to accounts through permission
    sets; each assignment provisions an ``AWSReservedSSO_`` role in the account."""
    sandbox = org.sandbox
    org.identity_center_enabled = True
    org.identity_store_id = IDENTITY_STORE_ID
    org.sso_instance_id = SSO_INSTANCE_ID
    org.save()

    dana = SsoUser.objects.create(
        sandbox=sandbox, user_name="dana", display_name="Dana Diaz", email="dana@example.com"
    )
    eli = SsoUser.objects.create(
        sandbox=sandbox, user_name="eli", display_name="Eli Evans", email="eli@example.com"
    )
    engineers = SsoGroup.objects.create(
        sandbox=sandbox, name="Engineers", description="Everyone who builds Example Corp's apps."
    )
    engineers.members.add(dana, eli)

    read_only = PermissionSet.objects.create(
        sandbox=sandbox,
        name="ReadOnly",
        description="View resources and their settings in the assigned accounts.",
    )
    read_only.managed_policies.add(aws_policy("ReadOnlyAccess"))
    power_user = PermissionSet.objects.create(
        sandbox=sandbox,
        name="PowerUser",
        description="Build and run workloads; no IAM or Organizations administration.",
        session_duration=8 * 3600,
    )
    power_user.managed_policies.add(aws_policy("PowerUserAccess"))

    services.assign(power_user, development, sso_group=engineers)
    services.assign(read_only, production, sso_group=engineers)
    services.assign(read_only, audit, sso_user=dana)


@transaction.atomic
def build_example_corp(owner: User) -> Sandbox:
    """Build the Example Corp sandbox for ``owner``, or return the one already there."""
    one_at_a_time(owner)
    existing = Sandbox.objects.filter(owner=owner, name__iexact=NAME).first()
    if existing is not None:
        return existing
    sandbox = Sandbox.objects.create(owner=owner, name=NAME, description=DESCRIPTION)
    with one_bump(sandbox.pk):
        org, _management, production, development, audit = _organization(sandbox)
        _people(development)
        _workloads(development)
        _federation(development, audit, production)
        _identity_center(org, production, development, audit)
    return sandbox


def summary(sandbox: Sandbox) -> dict[str, int]:
    """How many of each kind of object the sandbox holds, for the command's report."""
    return {
        "accounts": Account.objects.filter(sandbox=sandbox).count(),
        "organizational units": OrgUnit.objects.filter(
            sandbox=sandbox, parent__isnull=False
        ).count(),
        "SCPs": OrgPolicy.objects.filter(sandbox=sandbox, kind="scp").count(),
        "IAM users": IamUser.objects.filter(sandbox=sandbox).count(),
        "IAM groups": IamGroup.objects.filter(sandbox=sandbox).count(),
        "roles": Role.objects.filter(sandbox=sandbox).count(),
        "customer managed policies": ManagedPolicy.objects.filter(sandbox=sandbox).count(),
        "identity providers": IdentityProvider.objects.filter(sandbox=sandbox).count(),
        "resources": Resource.objects.filter(sandbox=sandbox).count(),
        "Identity Center users": SsoUser.objects.filter(sandbox=sandbox).count(),
        "permission sets": PermissionSet.objects.filter(sandbox=sandbox).count(),
    }
