"""The Example Corp demo sandbox: it builds once, and the engine gives the answers it teaches.

Each behaviour test names the AWS page that says what AWS would answer.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses the demo's own constant

import pytest
from django.core.management import CommandError, call_command

from iamlab.policy import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, PolicyType, parse_policy
from iamlab.sandbox import demo, rules, services
from iamlab.sandbox.awsmanaged import aws_policy
from iamlab.sandbox.models import (
    AccessKey,
    Account,
    AccountAssignment,
    Ec2Instance,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    Organization,
    OrgPolicy,
    OrgUnit,
    PermissionSet,
    Resource,
    Role,
    Sandbox,
    SsoGroup,
    SsoUser,
)
from iamlab.sandbox.world import Check, PrincipalInfo, World

from .factories import PersonFactory, SandboxFactory

pytestmark = pytest.mark.django_db

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
SCP_EXAMPLES = (
    "https://docs.aws.amazon.com/organizations/latest/userguide/"
    "orgs_manage_policies_scps_examples_general.html"
)
US_EAST = {"aws:RequestedRegion": "us-east-1"}
REPORT = "arn:aws:s3:::example-corp-reports/2026/q1.csv"


@pytest.fixture
def corp() -> Sandbox:
    return demo.build_example_corp(PersonFactory())


def account(sandbox: Sandbox, name: str) -> Account:
    return Account.objects.get(sandbox=sandbox, name=name)


def user(sandbox: Sandbox, name: str) -> PrincipalInfo:
    found = IamUser.objects.get(sandbox=sandbox, name=name)
    info = World.for_sandbox(sandbox).principal(f"user:{found.pk}")
    assert info is not None
    return info


def role(sandbox: Sandbox, name: str) -> Role:
    return Role.objects.get(sandbox=sandbox, name=name)


def session(sandbox: Sandbox, name: str) -> PrincipalInfo:
    info = World.for_sandbox(sandbox).principal(f"role:{role(sandbox, name).pk}")
    assert info is not None
    return info


def check(
    sandbox: Sandbox,
    who: PrincipalInfo,
    action: str,
    resource: str = "*",
    context: dict[str, str] | None = None,
) -> Check:
    return World.for_sandbox(sandbox).check(who, action, resource, context)


# -- what it builds ----------------------------------------------------------------------------


def test_the_organization_accounts_and_ous(corp):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_getting-started_concepts.html
    org = Organization.objects.get(sandbox=corp)
    accounts = {a.name: a for a in Account.objects.filter(sandbox=corp)}
    assert {name: a.account_id for name, a in accounts.items()} == {
        "Example Corp Management": "111122223333",
        "Production": "444455556666",
        "Development": "777788889999",
        "Audit": "123456789012",
    }
    assert org.management_account == accounts["Example Corp Management"]
    assert all(a.organization_id == org.pk for a in accounts.values())
    units = {u.name: u for u in OrgUnit.objects.filter(organization=org)}
    assert set(units) == {"Root", "Workloads", "Security"}
    assert units["Workloads"].parent == units["Security"].parent == units["Root"]
    assert accounts["Example Corp Management"].parent == units["Root"]
    assert accounts["Production"].parent == units["Workloads"]
    assert accounts["Development"].parent == units["Workloads"]
    assert accounts["Audit"].parent == units["Security"]


def test_the_scps_and_where_they_are_attached(corp):
    # SCP_EXAMPLES: "Prevent member accounts from leaving the organization" and
    # "Deny access to AWS based on the requested AWS Region".
    org = Organization.objects.get(sandbox=corp)
    scps = {p.name: p for p in OrgPolicy.objects.filter(organization=org, kind="scp")}
    assert set(scps) == {"FullAWSAccess", "DenyLeaveOrganization", "RegionGuardrail"}
    root = OrgUnit.objects.get(organization=org, parent__isnull=True)
    assert list(scps["DenyLeaveOrganization"].target_units.all()) == [root]
    assert [u.name for u in scps["RegionGuardrail"].target_units.all()] == ["Workloads"]
    guardrail = json.loads(scps["RegionGuardrail"].document)["Statement"][0]
    assert guardrail["Effect"] == "Deny"
    assert "iam:*" in guardrail["NotAction"]
    assert "sts:*" in guardrail["NotAction"]
    assert guardrail["Condition"] == {
        "StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}
    }


def test_alice_has_every_kind_of_long_term_credential(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    alice = IamUser.objects.get(sandbox=corp, name="alice")
    assert alice.console_password
    assert alice.tags == {"team": "blue"}
    assert [d.kind for d in alice.mfa_devices.all()] == ["virtual"]
    keys = list(AccessKey.objects.filter(user=alice))
    assert sorted(k.status for k in keys) == ["Active", "Inactive"]
    inactive = next(k for k in keys if k.status == "Inactive")
    assert inactive.last_used_at is not None
    assert inactive.last_used_service
    assert inactive.last_used_region
    assert [g.name for g in alice.groups.all()] == ["Admins"]
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_ssh-keys.html: for
    # CodeCommit, an SSH public key and service-specific Git credentials.
    (ssh_key,) = alice.ssh_keys.all()
    assert ssh_key.key_id.startswith("APKA")
    assert re.fullmatch(r"([0-9a-f]{2}:){15}[0-9a-f]{2}", ssh_key.fingerprint)
    (git,) = alice.service_credentials.all()
    assert git.service == "codecommit.amazonaws.com"
    assert git.service_user_name == "alice-at-777788889999"


def test_bob_carol_and_the_groups(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html
    bob = IamUser.objects.get(sandbox=corp, name="bob")
    carol = IamUser.objects.get(sandbox=corp, name="carol")
    assert bob.tags == {"team": "red"}
    assert bob.access_keys.count() == 1
    assert [g.name for g in bob.groups.all()] == ["Developers"]
    assert not carol.groups.exists()
    assert not carol.managed_policies.exists()
    assert not carol.inline_policies.exists()
    groups = {g.name: g for g in IamGroup.objects.filter(sandbox=corp)}
    assert [p.name for p in groups["Developers"].managed_policies.all()] == ["PowerUserAccess"]
    assert [p.name for p in groups["Admins"].managed_policies.all()] == ["AdministratorAccess"]


def test_the_developer_boundary_has_two_versions_and_v2_is_the_default(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html
    boundary = ManagedPolicy.objects.get(sandbox=corp, name="DeveloperBoundary")
    assert sorted(v.version_id for v in boundary.versions.all()) == ["v1", "v2"]
    default = boundary.default_version()
    assert default is not None
    assert default.version_id == "v2"
    assert IamUser.objects.get(sandbox=corp, name="bob").boundary == boundary


def test_roles_for_every_use_case_describe_themselves(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles.html
    roles = {r.name: r for r in Role.objects.filter(sandbox=corp, managed_by="")}
    assert set(roles) == {
        "ReadOnlyAuditor",
        "ProductionAuditor",
        "WebAppRole",
        "OrderProcessorRole",
        "SAMLDevelopers",
        "GitHubDeploy",
        "CloudFormationDeployRole",
        "CodeBuildServiceRole",
    }
    for r in roles.values():
        assert r.description.endswith("."), r.name
        assert r.description.count(". ") == 0, f"{r.name}: one sentence"
    assert roles["WebAppRole"].trusted_services == ["ec2.amazonaws.com"]
    assert roles["OrderProcessorRole"].trusted_services == ["lambda.amazonaws.com"]
    assert roles["WebAppRole"].is_service_role
    assert not roles["ReadOnlyAuditor"].is_service_role
    assert [p.name for p in roles["OrderProcessorRole"].managed_policies.all()] == [
        "AWSLambdaBasicExecutionRole"
    ]


def test_ec2_instance_uses_the_role_through_an_instance_profile(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
    instance = Ec2Instance.objects.get(sandbox=corp, name="web-1")
    assert instance.instance_profile is not None
    assert instance.instance_profile.name == "WebAppProfile"
    assert instance.instance_profile.role == role(corp, "WebAppRole")
    assert InstanceProfile.objects.filter(sandbox=corp).count() == 1


def test_lambda_function_has_its_execution_role(corp):
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    function = Resource.objects.get(sandbox=corp, kind="lambda")
    assert function.name == "order-processor"
    assert function.role == role(corp, "OrderProcessorRole")


def test_stack_and_build_project_run_as_their_service_roles(corp):
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
    # https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html
    development = account(corp, "Development")
    stack = Resource.objects.get(sandbox=corp, kind="stack")
    build = Resource.objects.get(sandbox=corp, kind="build")
    assert (stack.name, build.name) == ("network-stack", "web-app-build")
    assert stack.account == build.account == development
    assert stack.role == role(corp, "CloudFormationDeployRole")
    assert build.role == role(corp, "CodeBuildServiceRole")
    assert stack.role.trusted_services == ["cloudformation.amazonaws.com"]
    assert build.role.trusted_services == ["codebuild.amazonaws.com"]
    assert stack.role.account == build.role.account == development
    assert stack.policy == build.policy == ""
    assert re.fullmatch(
        r"arn:aws:cloudformation:us-east-1:777788889999:stack/network-stack/[0-9a-f-]{36}",
        stack.arn,
    )
    assert build.arn == "arn:aws:codebuild:us-east-1:777788889999:project/web-app-build"
    assert rules.check_stack_name(stack.name) is None
    assert rules.check_project_name(build.name) is None


def test_the_stack_and_build_roles_do_their_jobs_and_no_more(corp):
    # using-iam-servicerole.html: CloudFormation makes the stack's changes with its service role.
    deployer = session(corp, "CloudFormationDeployRole")
    assert check(corp, deployer, "ec2:CreateVpc", context=US_EAST).allowed
    assert not check(corp, deployer, "iam:CreateRole", context=US_EAST).allowed
    builder = session(corp, "CodeBuildServiceRole")
    logs = "arn:aws:logs:us-east-1:777788889999:log-group:/aws/codebuild/web-app-build:log-stream:1"
    assert check(corp, builder, "logs:PutLogEvents", logs, US_EAST).allowed
    repo = "arn:aws:codecommit:us-east-1:777788889999:web-app"
    assert check(corp, builder, "codecommit:GitPull", repo, US_EAST).allowed
    assert not check(corp, builder, "s3:GetObject", REPORT, US_EAST).allowed


def test_service_linked_role_for_auto_scaling(corp):
    # https://docs.aws.amazon.com/autoscaling/ec2/userguide/autoscaling-service-linked-role.html
    slr = role(corp, "AWSServiceRoleForAutoScaling")
    assert slr.path == "/aws-service-role/autoscaling.amazonaws.com/"
    assert slr.managed_by == "service-linked"
    assert not slr.editable
    assert slr.account.name == "Development"


def test_kms_key_has_the_default_key_policy(corp):
    # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    key = Resource.objects.get(sandbox=corp, kind="kms")
    statement = json.loads(key.policy)["Statement"]
    assert statement == [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::777788889999:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]


def test_identity_providers_and_the_roles_that_trust_them(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers.html
    saml = IdentityProvider.objects.get(sandbox=corp, kind="saml", managed_by="")
    assert saml.name == "ExampleCorpIdP"
    root = ET.fromstring(saml.metadata.encode())  # noqa: S314 - our own constant
    assert root.tag == "{urn:oasis:names:tc:SAML:2.0:metadata}EntityDescriptor"
    assert root.get("entityID")
    saml_trust = json.loads(role(corp, "SAMLDevelopers").trust_policy)["Statement"][0]
    assert saml_trust["Principal"] == {"Federated": saml.arn}
    assert saml_trust["Action"] == "sts:AssumeRoleWithSAML"
    assert saml_trust["Condition"] == {
        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
    }

    oidc = IdentityProvider.objects.get(sandbox=corp, kind="oidc")
    assert oidc.name == "token.actions.githubusercontent.com"
    assert oidc.client_ids == ["sts.amazonaws.com"]
    assert oidc.arn == (
        "arn:aws:iam::777788889999:oidc-provider/token.actions.githubusercontent.com"
    )
    github_trust = json.loads(role(corp, "GitHubDeploy").trust_policy)["Statement"][0]
    assert github_trust["Principal"] == {"Federated": oidc.arn}
    assert github_trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert "token.actions.githubusercontent.com:sub" in github_trust["Condition"]["StringLike"]


def test_every_stored_policy_is_valid_for_the_engine(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_policy-validator.html
    for text in InlinePolicy.objects.filter(sandbox=corp).values_list("document", flat=True):
        parse_policy(text, PolicyType.IDENTITY)
    for text in Role.objects.filter(sandbox=corp).values_list("trust_policy", flat=True):
        parse_policy(text, PolicyType.TRUST)
    for policy in ManagedPolicy.objects.filter(sandbox=corp):
        for version in policy.versions.all():
            parse_policy(version.document, PolicyType.IDENTITY)
            parse_policy(version.document, PolicyType.BOUNDARY)
    for res in Resource.objects.filter(sandbox=corp).exclude(policy=""):
        parse_policy(res.policy, PolicyType.RESOURCE)
    for scp in OrgPolicy.objects.filter(sandbox=corp, kind="scp"):
        parse_policy(scp.document, PolicyType.SCP)
    assert World.for_sandbox(corp).problems == []


def test_the_demos_own_trust_policies_get_no_not_resource_warning(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    # A trust policy has no Resource element at all: the resource is the role itself.
    text = role(corp, "WebAppRole").trust_policy
    codes = [f.code for f in parse_policy(text, PolicyType.TRUST).findings]
    assert "ALLOW_WITH_NOT_RESOURCE" not in codes


# -- idempotence -------------------------------------------------------------------------------


def test_building_twice_returns_the_same_sandbox_unchanged(corp):
    version = Sandbox.objects.get(pk=corp.pk).version
    counts = demo.summary(corp)
    again = demo.build_example_corp(corp.owner)
    assert again.pk == corp.pk
    assert Sandbox.objects.get(pk=corp.pk).version == version
    assert demo.summary(corp) == counts
    assert Sandbox.objects.filter(owner=corp.owner).count() == 1


def test_an_existing_sandbox_of_that_name_is_returned_as_it_is():
    mine = SandboxFactory(name="example corp")
    assert demo.build_example_corp(mine.owner) == mine
    assert not Account.objects.filter(sandbox=mine).exists()


def test_each_owner_gets_an_own_copy(corp):
    other = demo.build_example_corp(PersonFactory())
    assert other.pk != corp.pk
    assert Account.objects.filter(sandbox=other).count() == 4


# -- what the engine answers -------------------------------------------------------------------


def test_alice_can_do_administrator_things(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html: permissions of a group
    # reach its members.
    alice = user(corp, "alice")
    for action in ("iam:CreateUser", "iam:AttachRolePolicy", "organizations:DescribeOrganization"):
        result = check(corp, alice, action)
        assert result.allowed, action
        assert "via group Admins" in result.evaluation.reason
    assert check(corp, alice, "ec2:TerminateInstances", context=US_EAST).allowed


def test_bob_is_capped_by_his_permissions_boundary(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    bob = user(corp, "bob")
    assert check(corp, bob, "s3:GetObject", REPORT, US_EAST).allowed
    assert check(corp, bob, "lambda:InvokeFunction", context=US_EAST).allowed
    # PowerUserAccess allows SQS; DeveloperBoundary v2 does not.
    capped = check(corp, bob, "sqs:SendMessage", context=US_EAST)
    assert capped.evaluation.decision == IMPLICIT_DENY
    assert capped.evaluation.decided_by == "boundary"
    # Neither allows IAM administration.
    assert check(corp, bob, "iam:CreateUser").evaluation.decision == IMPLICIT_DENY


def test_boundary_v1_would_not_allow_compute(corp):
    # access_policies_managed-versioning.html: only the default version is in force.
    bob = user(corp, "bob")
    assert check(corp, bob, "ec2:RunInstances", context=US_EAST).allowed
    boundary = ManagedPolicy.objects.get(sandbox=corp, name="DeveloperBoundary")
    services.set_default_version(boundary.versions.get(version_id="v1"))
    denied = check(corp, user(corp, "bob"), "ec2:RunInstances", context=US_EAST)
    assert denied.evaluation.decision == IMPLICIT_DENY


def test_carol_is_implicitly_denied_everything(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    carol = user(corp, "carol")
    for action, resource in [
        ("iam:ListUsers", "*"),
        ("s3:ListAllMyBuckets", "*"),
        ("s3:GetObject", REPORT),
        ("ec2:DescribeInstances", "*"),
    ]:
        result = check(corp, carol, action, resource, US_EAST)
        assert result.evaluation.decision == IMPLICIT_DENY, action


def test_the_auditor_assumes_read_only_auditor_only_with_mfa(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
    auditor = user(corp, "auditor")
    target = role(corp, "ReadOnlyAuditor").arn
    without = check(corp, auditor, "sts:AssumeRole", target)
    assert without.evaluation.decision == IMPLICIT_DENY
    with_mfa = check(
        corp, auditor, "sts:AssumeRole", target, {"aws:MultiFactorAuthPresent": "true"}
    )
    assert with_mfa.allowed
    # The identity policy names only this role.
    other = role(corp, "SAMLDevelopers").arn
    result = check(corp, auditor, "sts:AssumeRole", other, {"aws:MultiFactorAuthPresent": "true"})
    assert result.evaluation.decision == IMPLICIT_DENY


def test_the_read_only_auditor_session_reads_but_does_not_write(corp):
    # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ReadOnlyAccess.html
    auditor_role = session(corp, "ReadOnlyAuditor")
    assert check(corp, auditor_role, "ec2:DescribeInstances", context=US_EAST).allowed
    result = check(corp, auditor_role, "ec2:TerminateInstances", context=US_EAST)
    assert result.evaluation.decision == IMPLICIT_DENY


def test_web_app_role_session_reads_the_bucket(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html
    web = session(corp, "WebAppRole")
    assert check(corp, web, "s3:GetObject", REPORT, US_EAST).allowed
    assert check(corp, web, "s3:ListBucket", "arn:aws:s3:::example-corp-reports", US_EAST).allowed
    result = check(corp, web, "s3:PutObject", REPORT, US_EAST)
    assert result.evaluation.decision == IMPLICIT_DENY


def test_the_audit_accounts_principals_read_the_bucket_through_the_bucket_policy(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html
    readers = World.for_sandbox(corp).who_can("s3:GetObject", REPORT, US_EAST)
    in_audit = {
        (c.principal.kind, c.principal.name)
        for c in readers
        if c.principal.account_id == "123456789012"
    }
    assert ("root", "root") in in_audit
    assert ("user", "auditor") in in_audit
    auditor = next(c for c in readers if c.principal.name == "auditor")
    assert auditor.evaluation.decided_by == "cross-account"
    assert "resource-based policy in account 777788889999" in auditor.evaluation.reason
    # Production is not named by the bucket policy: its principals stay out.
    assert not [c for c in readers if c.principal.account_id == "444455556666"]
    # Writing is not granted to the Audit account.
    write = check(corp, user(corp, "auditor"), "s3:PutObject", REPORT)
    assert write.evaluation.decision == IMPLICIT_DENY


def test_region_guardrail_denies_outside_the_allowed_regions(corp):
    # SCP_EXAMPLES, "Deny access to AWS based on the requested AWS Region".
    alice = user(corp, "alice")
    far = check(corp, alice, "ec2:RunInstances", context={"aws:RequestedRegion": "ap-south-1"})
    assert far.evaluation.decision == EXPLICIT_DENY
    assert "RegionGuardrail" in far.evaluation.reason
    assert check(corp, alice, "ec2:RunInstances", context=US_EAST).allowed
    assert check(
        corp, alice, "ec2:RunInstances", context={"aws:RequestedRegion": "eu-west-1"}
    ).allowed
    # Global services are left out of the region check.
    global_call = check(
        corp, alice, "iam:CreateUser", context={"aws:RequestedRegion": "ap-south-1"}
    )
    assert global_call.allowed


def test_region_guardrail_does_not_reach_the_security_ou(corp):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html:
    # an SCP attached to an OU affects the accounts in that OU only.
    auditor = user(corp, "auditor")
    result = check(corp, auditor, "s3:GetObject", REPORT, {"aws:RequestedRegion": "ap-south-1"})
    assert result.allowed


def test_no_member_account_may_leave_the_organization(corp):
    # SCP_EXAMPLES, "Prevent member accounts from leaving the organization".
    alice = user(corp, "alice")
    result = check(corp, alice, "organizations:LeaveOrganization")
    assert result.evaluation.decision == EXPLICIT_DENY
    assert "DenyLeaveOrganization" in result.evaluation.reason


def test_service_linked_role_is_not_restricted_by_the_region_guardrail(corp):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html:
    # "SCPs don't affect service-linked roles."
    slr = session(corp, "AWSServiceRoleForAutoScaling")
    result = check(
        corp, slr, "ec2:DescribeInstances", context={"aws:RequestedRegion": "ap-south-1"}
    )
    assert result.evaluation.decision == ALLOWED


def test_github_deploy_may_update_only_its_function(corp):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    deploy = session(corp, "GitHubDeploy")
    function = Resource.objects.get(sandbox=corp, kind="lambda").arn
    assert check(corp, deploy, "lambda:UpdateFunctionCode", function, US_EAST).allowed
    other = function.replace("order-processor", "billing")
    result = check(corp, deploy, "lambda:UpdateFunctionCode", other, US_EAST)
    assert result.evaluation.decision == IMPLICIT_DENY


# -- IAM Identity Center -----------------------------------------------------------------------

SSO_ROLE = re.compile(r"AWSReservedSSO_(ReadOnly|PowerUser)_[0-9a-f]{16}")


def test_identity_center_is_enabled_with_users_group_and_permission_sets(corp):
    # https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html
    org = Organization.objects.get(sandbox=corp)
    assert org.identity_center_enabled
    assert re.fullmatch(r"d-[0-9a-f]{10}", org.identity_store_id)
    assert re.fullmatch(r"ssoins-[0-9a-f]{16}", org.sso_instance_id)
    assert set(SsoUser.objects.filter(sandbox=corp).values_list("user_name", flat=True)) == {
        "dana",
        "eli",
    }
    engineers = SsoGroup.objects.get(sandbox=corp, name="Engineers")
    assert engineers.members.count() == 2
    sets = {s.name: s for s in PermissionSet.objects.filter(sandbox=corp)}
    assert [p.name for p in sets["ReadOnly"].managed_policies.all()] == ["ReadOnlyAccess"]
    assert [p.name for p in sets["PowerUser"].managed_policies.all()] == ["PowerUserAccess"]
    assert sets["PowerUser"].session_duration == 8 * 3600
    assert AccountAssignment.objects.filter(sandbox=corp).count() == 3


def test_assignments_provisioned_reserved_sso_roles(corp):
    # https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html
    provisioned = Role.objects.filter(sandbox=corp, managed_by="identity-center")
    where = {(r.account.name, r.permission_set.name) for r in provisioned if r.permission_set}
    assert where == {
        ("Development", "PowerUser"),
        ("Production", "ReadOnly"),
        ("Audit", "ReadOnly"),
    }
    for r in provisioned:
        assert SSO_ROLE.fullmatch(r.name), r.name
        assert r.name.split("_")[1] == r.permission_set.name
        assert r.path == "/aws-reserved/sso.amazonaws.com/"
        assert not r.editable
        assert list(r.managed_policies.all()) == list(r.permission_set.managed_policies.all())
        assert r.max_session_duration == r.permission_set.session_duration
        trust = json.loads(r.trust_policy)["Statement"][0]
        provider = IdentityProvider.objects.get(account=r.account, managed_by="identity-center")
        assert re.fullmatch(r"AWSSSO_[0-9a-f]{16}_DO_NOT_DELETE", provider.name)
        assert trust["Principal"] == {"Federated": provider.arn}
        assert "sts:AssumeRoleWithSAML" in trust["Action"]
    power = provisioned.get(permission_set__name="PowerUser")
    assert power.max_session_duration == 8 * 3600
    assert [p.name for p in power.managed_policies.all()] == ["PowerUserAccess"]
    assert (
        aws_policy("ReadOnlyAccess")
        in provisioned.get(account__name="Audit").managed_policies.all()
    )


def test_the_power_user_session_in_development_is_bound_by_scps(corp):
    # orgs_manage_policies_scps.html: SCPs apply to every role in member accounts, Identity
    # Center roles included.
    power = Role.objects.get(sandbox=corp, permission_set__name="PowerUser")
    info = World.for_sandbox(corp).principal(f"role:{power.pk}")
    assert info is not None
    assert check(corp, info, "ec2:RunInstances", context=US_EAST).allowed
    far = check(corp, info, "ec2:RunInstances", context={"aws:RequestedRegion": "ap-south-1"})
    assert far.evaluation.decision == EXPLICIT_DENY
    assert check(corp, info, "iam:CreateUser").evaluation.decision == IMPLICIT_DENY


# -- the management command --------------------------------------------------------------------


def test_load_example_corp_creates_and_reports(capsys):
    person = PersonFactory(username="newcomer")
    call_command("load_example_corp", "--owner", "newcomer")
    out = capsys.readouterr().out
    assert 'Created the sandbox "Example Corp"' in out
    assert "accounts: 4" in out
    assert Sandbox.objects.filter(owner=person, name="Example Corp").count() == 1


def test_load_example_corp_leaves_an_existing_sandbox_alone(capsys, corp):
    call_command("load_example_corp", "--owner", corp.owner.username)
    out = capsys.readouterr().out
    assert "already has the sandbox" in out
    assert Sandbox.objects.filter(owner=corp.owner).count() == 1


def test_load_example_corp_needs_an_existing_user():
    with pytest.raises(CommandError, match='no user "ghost"'):
        call_command("load_example_corp", "--owner", "ghost")


def test_building_example_corp_bumps_its_version_once_not_per_object():
    """On SQLite each build holds the one write lock while a class waits: Example Corp made
    105 UPDATEs of its own sandbox row, one per object saved. Now one, at the end."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from iamlab.sandbox.models import Sandbox
    from iamlab.sandbox.world import World

    person = PersonFactory()
    with CaptureQueriesContext(connection) as queries:
        sandbox = demo.build_example_corp(person)
    bumps = [q for q in queries.captured_queries if 'UPDATE "sandbox_sandbox"' in q["sql"]]
    assert len(bumps) == 1
    assert Sandbox.objects.get(pk=sandbox.pk).version == 2
    # What was built is in the engine's snapshot.
    arns = {p.arn for p in World.for_sandbox(sandbox).principals.values()}
    assert "arn:aws:iam::777788889999:user/alice" in arns
