"""Sandbox operations (``iamlab.sandbox.services``): what they build and what they refuse.

Each case names the AWS page that says what AWS does; a refused call writes nothing.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError

from iamlab.policy import PolicyType, parse_policy
from iamlab.sandbox import rules, services
from iamlab.sandbox.awsmanaged import SERVICE_LINKED_ROLES, aws_policy
from iamlab.sandbox.models import (
    Account,
    AccountAssignment,
    IdentityProvider,
    InlinePolicy,
    ManagedPolicy,
    Organization,
    OrgPolicy,
    OrgUnit,
    PolicyVersion,
    Role,
    Sandbox,
)
from iamlab.sandbox.world import PrincipalInfo, World

from .factories import (
    ALLOW_ALL_S3_READ,
    AccountFactory,
    IamGroupFactory,
    IamUserFactory,
    ManagedPolicyFactory,
    OrgPolicyFactory,
    PermissionSetFactory,
    PersonFactory,
    RoleFactory,
    SsoGroupFactory,
    SsoUserFactory,
)

pytestmark = pytest.mark.django_db

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
ORGS = "https://docs.aws.amazon.com/organizations/latest/userguide/"
SCPS = ORGS + "orgs_manage_policies_scps.html"
ORG_QUOTAS = ORGS + "orgs_reference_limits.html"
VERSIONING = IAM + "access_policies_managed-versioning.html"
QUOTAS = IAM + "reference_iam-quotas.html"
SLR = IAM + "using-service-linked-roles.html"
PERMISSION_SETS = (
    "https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html"
)
SSO_ROLES = (
    "https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html"
)


def doc(*actions: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


def principal(world: World, key: str) -> PrincipalInfo:
    info = world.principal(key)
    assert info is not None, key
    return info


def version_of(sandbox: Sandbox) -> int:
    return Sandbox.objects.get(pk=sandbox.pk).version


@pytest.fixture
def org():
    """An organization: management account, OU Workloads, member account Dev in it."""
    sandbox = services.create_sandbox(PersonFactory(), "Org")
    management = Account.objects.get(sandbox=sandbox)
    organization = services.create_organization(management)
    workloads = services.create_unit(services.org_root(organization), "Workloads")
    dev = AccountFactory(sandbox=sandbox, name="Dev")
    services.join_organization(dev, workloads)
    return organization, management, workloads, dev


def default_policy(org: Organization, name: str) -> OrgPolicy:
    return OrgPolicy.objects.get(organization=org, name=name, aws_managed=True)


# -- documents ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "statement", "valid"),
    [
        (PolicyType.IDENTITY, {"Action": "s3:GetObject", "Resource": "*"}, True),
        (PolicyType.IDENTITY, {"Principal": "*", "Action": "s3:GetObject", "Resource": "*"}, False),
        (
            PolicyType.TRUST,
            {"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
            True,
        ),
        (
            PolicyType.TRUST,
            {
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Resource": "*",
            },
            False,
        ),
        (
            PolicyType.RESOURCE,
            {"Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"},
            True,
        ),
        (PolicyType.RESOURCE, {"Action": "s3:GetObject", "Resource": "*"}, False),
    ],
)
def test_check_document_refuses_what_iam_refuses_for_each_policy_type(type_, statement, valid):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    # identity-based policies have no Principal; resource-based policies must have one; a
    # trust policy has no Resource.
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}, indent=2
    )
    if valid:
        services.check_document(text, type_)
    else:
        with pytest.raises(ValidationError) as caught:
            services.check_document(text, type_)
        assert re.match(r"line \d+, column \d+: ", caught.value.messages[0])


# -- sandboxes and organizations ---------------------------------------------------------------


def test_create_sandbox_has_one_standalone_account():
    # https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html
    person = PersonFactory()
    sandbox = services.create_sandbox(person, "Mine", "for practice")
    assert (sandbox.owner, sandbox.name, sandbox.description) == (person, "Mine", "for practice")
    (account,) = Account.objects.filter(sandbox=sandbox)
    assert account.name == "Main"
    assert rules.check_account_id(account.account_id) is None
    assert account.email.endswith("@example.com")
    assert account.organization is None
    assert not account.is_management
    assert not Organization.objects.filter(sandbox=sandbox).exists()


def test_create_organization_attaches_the_default_policies_to_root_and_management(org):
    # SCPS: "FullAWSAccess ... is attached to every root, OU, and account";
    # orgs_manage_policies_rcps.html: the same for RCPFullAWSAccess.
    organization, management, *_ = org
    root = services.org_root(organization)
    assert root.is_root
    assert root.unit_id == organization.root_id
    assert re.fullmatch(r"o-[a-z0-9]{10}", organization.org_id)
    assert re.fullmatch(r"r-[a-z0-9]{4}", organization.root_id)
    management.refresh_from_db()
    assert management.is_management
    assert management.organization == organization
    assert management.parent == root
    assert organization.management_account == management
    for name, kind in (("FullAWSAccess", "scp"), ("RCPFullAWSAccess", "rcp")):
        policy = default_policy(organization, name)
        assert policy.kind == kind
        assert policy.policy_id == f"p-{name}"
        assert root in policy.target_units.all()
        assert management in policy.target_accounts.all()
        parsed = parse_policy(policy.document, PolicyType.SCP if kind == "scp" else PolicyType.RCP)
        assert len(parsed.statements) == 1
    assert OrgPolicy.objects.filter(organization=organization).count() == 2


def test_a_sandbox_has_one_organization_at_most(org):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_org_create.html:
    # an account can be in one organization; iamlab keeps one per sandbox.
    _, _, _, dev = org
    with pytest.raises(ValidationError, match="already has an organization"):
        services.create_organization(dev)
    assert Organization.objects.filter(sandbox=dev.sandbox).count() == 1


def test_create_unit_gets_the_default_policies(org):
    # SCPS: FullAWSAccess is attached to every new OU.
    organization, _, workloads, _ = org
    child = services.create_unit(workloads, "Web")
    assert child.parent == workloads
    assert child.organization == organization
    assert child.sandbox == organization.sandbox
    assert re.fullmatch(rf"ou-{organization.root_id[2:]}-[a-z0-9]{{8}}", child.unit_id)
    assert {p.name for p in child.org_policies.all()} == {"FullAWSAccess", "RCPFullAWSAccess"}


def test_join_organization_makes_a_member_account_with_the_default_policies(org):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_invite-account.html
    organization, _, workloads, dev = org
    dev.refresh_from_db()
    assert dev.organization == organization
    assert dev.parent == workloads
    assert not dev.is_management
    assert {p.name for p in dev.org_policies.all()} == {"FullAWSAccess", "RCPFullAWSAccess"}
    # Only one copy of each default policy, whatever the number of targets.
    assert OrgPolicy.objects.filter(organization=organization, aws_managed=True).count() == 2


def test_attach_org_policy_allows_five_scps_per_target(org):
    # ORG_QUOTAS: "Maximum number of SCPs attached to a root, OU, or account: 5".
    organization, _, workloads, _ = org
    extra = [OrgPolicyFactory(organization=organization) for _ in range(5)]
    for policy in extra[:4]:
        services.attach_org_policy(policy, workloads)  # with FullAWSAccess: 5
    assert workloads.org_policies.filter(kind="scp").count() == 5
    services.attach_org_policy(extra[0], workloads)  # already attached: no change
    with pytest.raises(ValidationError, match="already has 5 SCPs"):
        services.attach_org_policy(extra[4], workloads)
    assert workloads.org_policies.filter(kind="scp").count() == 5
    # RCPs count separately.
    rcp = OrgPolicyFactory(
        organization=organization,
        kind="rcp",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:DeleteBucket",
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    services.attach_org_policy(rcp, workloads)
    assert workloads.org_policies.filter(kind="rcp").count() == 2


def test_attach_org_policy_quota_holds_for_accounts_too(org):
    # ORG_QUOTAS: the quota is per root, OU or account.
    organization, _, _, dev = org
    for _ in range(4):
        services.attach_org_policy(OrgPolicyFactory(organization=organization), dev)
    with pytest.raises(ValidationError, match="already has 5 SCPs"):
        services.attach_org_policy(OrgPolicyFactory(organization=organization), dev)


def test_detach_org_policy_refuses_the_last_scp(org):
    # https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html:
    # "Every root, OU, and account must have at least one SCP attached."
    organization, _, workloads, dev = org
    full = default_policy(organization, "FullAWSAccess")
    targets: list[OrgUnit | Account] = [workloads, dev, services.org_root(organization)]
    for target in targets:
        with pytest.raises(ValidationError, match="last SCP"):
            services.detach_org_policy(full, target)
        assert target.org_policies.filter(pk=full.pk).exists()
    # With a replacement attached first, the default one can go.
    replacement = OrgPolicyFactory(organization=organization)
    services.attach_org_policy(replacement, workloads)
    services.detach_org_policy(full, workloads)
    assert list(workloads.org_policies.filter(kind="scp")) == [replacement]
    services.attach_org_policy(replacement, dev)
    services.detach_org_policy(full, dev)
    assert list(dev.org_policies.filter(kind="scp")) == [replacement]


def test_detach_org_policy_refuses_rcp_full_aws_access_always(org):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html:
    # "The RCPFullAWSAccess policy ... is automatically attached ... You cannot detach this
    # policy."
    organization, _, workloads, _ = org
    rcp = OrgPolicyFactory(
        organization=organization,
        kind="rcp",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:DeleteBucket",
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    services.attach_org_policy(rcp, workloads)
    with pytest.raises(ValidationError):
        services.detach_org_policy(default_policy(organization, "RCPFullAWSAccess"), workloads)


# -- managed policies and versions -------------------------------------------------------------


def test_create_policy_stores_v1_as_the_default():
    # VERSIONING: a new managed policy has one version, v1, the default.
    account = AccountFactory()
    policy = services.create_policy(
        account, "ReadReports", ALLOW_ALL_S3_READ, path="/reports/", description="Read them."
    )
    assert policy.account == account
    assert policy.sandbox == account.sandbox
    assert policy.arn == f"arn:aws:iam::{account.account_id}:policy/reports/ReadReports"
    assert policy.policy_id.startswith("ANPA")
    assert not policy.aws_managed
    (version,) = policy.versions.all()
    assert (version.version_id, version.is_default, version.document) == (
        "v1",
        True,
        ALLOW_ALL_S3_READ,
    )


def test_create_policy_refuses_an_invalid_document_naming_line_and_column():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_policy-validator.html
    account = AccountFactory()
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:Get'
    with pytest.raises(ValidationError) as caught:
        services.create_policy(account, "Broken", text)
    message = caught.value.messages[0]
    assert re.match(r"line \d+, column \d+: ", message)
    assert not ManagedPolicy.objects.filter(account=account).exists()

    principal = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
            ],
        },
        indent=2,
    )
    with pytest.raises(ValidationError) as caught:
        services.create_policy(account, "WithPrincipal", principal)
    message = caught.value.messages[0]
    assert message.startswith("line 6, column ")  # the line of "Principal"
    assert "Principal" in message


def test_create_policy_names_the_problem_that_blocks_saving():
    # access_policies_policy-validator.html: errors block saving; warnings do not.
    account = AccountFactory()
    text = (
        '{"Version": "2012-10-17",\n'
        ' "Statement": [{"Effect": "Allow", "Action": "iam:PassRole",\n'
        ' "Resource": "*", "Foo": 1}]}'
    )
    with pytest.raises(ValidationError) as caught:
        services.create_policy(account, "Blocked", text)
    assert "Foo" in caught.value.messages[0]


@pytest.mark.parametrize(
    ("name", "path", "fragment", "page"),
    [
        ("Read Reports", "/", "may use only letters", IAM + "reference_identifiers.html"),
        ("p" * 129, "/", "at most 128 characters", QUOTAS),
        ("ReadReports", "reports", 'begins and ends with "/"', IAM + "reference_identifiers.html"),
    ],
)
def test_create_policy_refuses_bad_names_and_paths(name, path, fragment, page):
    account = AccountFactory()
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        services.create_policy(account, name, ALLOW_ALL_S3_READ, path=path)
    assert not ManagedPolicy.objects.filter(account=account).exists(), page


def test_create_policy_refuses_a_duplicate_name_in_any_case():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html: names are
    # unique case-insensitively ("ROLE" and "role" cannot both exist).
    account = AccountFactory()
    services.create_policy(account, "ReadReports", ALLOW_ALL_S3_READ)
    with pytest.raises(ValidationError) as caught:
        services.create_policy(account, "readreports", ALLOW_ALL_S3_READ)
    assert "already exists" in caught.value.messages[0]
    # Another account may use the name.
    other = AccountFactory(sandbox=account.sandbox)
    services.create_policy(other, "READREPORTS", ALLOW_ALL_S3_READ)


def test_create_policy_version_numbers_and_default_switching():
    # VERSIONING: new versions are v2, v3, ...; "set as default" makes it the one in force.
    policy = services.create_policy(AccountFactory(), "P", doc("s3:GetObject"))
    v2 = services.create_policy_version(policy, doc("s3:PutObject"), set_default=False)
    assert v2.version_id == "v2"
    assert not v2.is_default
    assert policy.default_version().version_id == "v1"
    v3 = services.create_policy_version(policy, doc("s3:DeleteObject"), set_default=True)
    assert v3.version_id == "v3"
    assert policy.default_version() == v3
    assert policy.versions.filter(is_default=True).count() == 1
    assert v3.number == 3


def test_create_policy_version_keeps_at_most_five(org):
    # VERSIONING / QUOTAS: "Versions of a managed policy that can be stored: 5".
    policy = services.create_policy(AccountFactory(), "P", doc("s3:GetObject"))
    for n in range(2, 6):
        services.create_policy_version(policy, doc("s3:GetObject", f"s3:Put{n}Object"), False)
    assert policy.versions.count() == 5
    with pytest.raises(ValidationError, match="at most 5 versions"):
        services.create_policy_version(policy, doc("s3:ListBucket"), set_default=True)
    assert policy.versions.count() == 5
    assert policy.default_version().version_id == "v1"
    # Deleting one makes room; the new one gets the next number after the highest kept.
    services.delete_version(policy.versions.get(version_id="v3"))
    assert services.create_policy_version(policy, doc("s3:ListBucket"), False).version_id == "v6"


def test_create_policy_version_refuses_aws_managed_and_invalid_documents():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html:
    # "You cannot change the permissions defined in AWS managed policies."
    managed = aws_policy("ReadOnlyAccess")
    count = managed.versions.count()
    with pytest.raises(ValidationError, match="AWS managed"):
        services.create_policy_version(managed, doc("s3:GetObject"), set_default=True)
    assert managed.versions.count() == count
    policy = services.create_policy(AccountFactory(), "P", doc("s3:GetObject"))
    with pytest.raises(ValidationError) as caught:
        services.create_policy_version(policy, "{", set_default=True)
    assert re.match(r"line \d+, column \d+: ", caught.value.messages[0])
    assert policy.versions.count() == 1
    assert policy.default_version().version_id == "v1"


def test_set_default_version_switches_the_version_in_force():
    # VERSIONING: "You can revert to any of the other saved versions at any time."
    policy = services.create_policy(AccountFactory(), "P", doc("s3:GetObject"))
    v2 = services.create_policy_version(policy, doc("s3:PutObject"), set_default=True)
    v1 = policy.versions.get(version_id="v1")
    services.set_default_version(v1)
    assert policy.default_version() == v1
    v2.refresh_from_db()
    assert not v2.is_default
    assert policy.versions.filter(is_default=True).count() == 1


def test_the_default_version_decides_what_the_engine_allows():
    # VERSIONING: only the default version applies.
    user = IamUserFactory()
    policy = services.create_policy(user.account, "P", doc("s3:GetObject"))
    services.attach_policy(user, policy)
    world = World.for_sandbox(user.sandbox)
    assert world.check(principal(world, f"user:{user.pk}"), "s3:GetObject", "*").allowed
    services.create_policy_version(policy, doc("s3:PutObject"), set_default=True)
    world = World.for_sandbox(user.sandbox)
    info = principal(world, f"user:{user.pk}")
    assert not world.check(info, "s3:GetObject", "*").allowed
    assert world.check(info, "s3:PutObject", "*").allowed


def test_delete_version_refuses_the_default():
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicyVersion.html:
    # "You cannot delete the default version from a policy using this operation."
    policy = services.create_policy(AccountFactory(), "P", doc("s3:GetObject"))
    v2 = services.create_policy_version(policy, doc("s3:PutObject"), set_default=False)
    with pytest.raises(ValidationError, match="default version cannot be deleted"):
        services.delete_version(policy.versions.get(version_id="v1"))
    services.delete_version(v2)
    assert [v.version_id for v in policy.versions.all()] == ["v1"]


# -- attachments and groups --------------------------------------------------------------------


@pytest.mark.parametrize("factory", [IamUserFactory, IamGroupFactory, RoleFactory])
def test_attach_policy_allows_ten_managed_policies(factory):
    # QUOTAS: "Managed policies attached to an IAM role / user / group: 10" (default).
    principal = factory()
    policies = [ManagedPolicyFactory(account=principal.account) for _ in range(11)]
    for policy in policies[:10]:
        services.attach_policy(principal, policy)
    services.attach_policy(principal, policies[0])  # already attached: no change
    assert principal.managed_policies.count() == 10
    with pytest.raises(ValidationError, match="already has 10 managed policies"):
        services.attach_policy(principal, policies[10])
    assert principal.managed_policies.count() == 10


def test_attach_policy_refuses_another_accounts_customer_policy():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html:
    # customer managed policies live in one account and attach to its identities only.
    user = IamUserFactory()
    elsewhere = ManagedPolicyFactory(account=AccountFactory(sandbox=user.sandbox))
    with pytest.raises(ValidationError, match="only in its own account"):
        services.attach_policy(user, elsewhere)
    assert not user.managed_policies.exists()
    # AWS managed policies are available in every account.
    services.attach_policy(user, aws_policy("ReadOnlyAccess"))
    assert list(user.managed_policies.all()) == [aws_policy("ReadOnlyAccess")]


def test_attach_policy_refuses_a_service_linked_role():
    # SLR: "you can't edit the permissions for service-linked roles";
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html lists
    # UnmodifiableEntity for protected roles.
    account = AccountFactory()
    slr = services.create_service_linked_role(account, "support.amazonaws.com")
    with pytest.raises(ValidationError):
        services.attach_policy(slr, aws_policy("AdministratorAccess"))


def test_add_to_group_allows_ten_groups_per_user():
    # QUOTAS: "Groups an IAM user can be a member of: 10".
    user = IamUserFactory()
    groups = [IamGroupFactory(account=user.account) for _ in range(11)]
    for group in groups[:10]:
        services.add_to_group(user, group)
    services.add_to_group(user, groups[0])  # already a member: no change
    assert user.groups.count() == 10
    with pytest.raises(ValidationError, match="already in 10 groups"):
        services.add_to_group(user, groups[10])
    assert not groups[10].members.exists()


def test_add_to_group_refuses_a_user_of_another_account():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html: "A user group can
    # contain many users" of its account; groups cannot hold users of other accounts.
    user = IamUserFactory()
    group = IamGroupFactory(account=AccountFactory(sandbox=user.sandbox))
    with pytest.raises(ValidationError, match="only users of its own account"):
        services.add_to_group(user, group)
    assert not group.members.exists()


# -- service-linked roles ----------------------------------------------------------------------


@pytest.mark.parametrize("service", sorted(SERVICE_LINKED_ROLES))
def test_create_service_linked_role(service):
    # SLR: AWS defines the name, the /aws-service-role/<service>/ path, the trust policy and
    # the permissions.
    account = AccountFactory()
    name, policy_name, description = SERVICE_LINKED_ROLES[service]
    role = services.create_service_linked_role(account, service)
    assert role.name == name == rules.service_linked_role_name(service)
    assert role.path == f"/aws-service-role/{service}/"
    assert role.arn == f"arn:aws:iam::{account.account_id}:role/aws-service-role/{service}/{name}"
    assert role.description == description
    assert role.managed_by == "service-linked"
    assert role.linked_service == service
    assert not role.editable
    assert not role.is_service_role
    assert role.trusted_services == [service]
    assert json.loads(role.trust_policy) == json.loads(rules.service_trust_policy(service))
    assert [p.name for p in role.managed_policies.all()] == [policy_name]
    assert role.managed_policies.get().aws_managed
    parse_policy(role.trust_policy, PolicyType.TRUST)


def test_create_service_linked_role_refuses_a_second_one():
    # SLR: a service has one service-linked role (without a custom suffix) per account.
    account = AccountFactory()
    services.create_service_linked_role(account, "autoscaling.amazonaws.com")
    with pytest.raises(ValidationError, match="already exists"):
        services.create_service_linked_role(account, "autoscaling.amazonaws.com")
    assert Role.objects.filter(account=account).count() == 1
    # Another account may have its own.
    services.create_service_linked_role(
        AccountFactory(sandbox=account.sandbox), "autoscaling.amazonaws.com"
    )


def test_create_service_linked_role_refuses_an_unknown_service():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-services-that-work-with-iam.html
    account = AccountFactory()
    with pytest.raises(ValidationError, match="no service-linked role for example.amazonaws.com"):
        services.create_service_linked_role(account, "example.amazonaws.com")
    assert not Role.objects.filter(account=account).exists()


# -- IAM Identity Center -----------------------------------------------------------------------

SSO_NAME = r"AWSReservedSSO_{}_[0-9a-f]{{16}}"


def provisioned(permission_set, account) -> Role:
    return Role.objects.get(account=account, permission_set=permission_set)


def test_assign_provisions_the_reserved_sso_role(org):
    # SSO_ROLES: "AWSReservedSSO_<permission set name>_<unique suffix>", path
    # /aws-reserved/sso.amazonaws.com/, trusting the account's Identity Center SAML provider.
    _, _, _, dev = org
    person = SsoUserFactory(sandbox=dev.sandbox)
    permission_set = PermissionSetFactory(
        sandbox=dev.sandbox, name="DataReader", description="Read data.", session_duration=7200
    )
    permission_set.managed_policies.add(aws_policy("AmazonS3ReadOnlyAccess"))
    assignment = services.assign(permission_set, dev, sso_user=person)
    assert (assignment.permission_set, assignment.account, assignment.sso_user) == (
        permission_set,
        dev,
        person,
    )
    role = provisioned(permission_set, dev)
    assert re.fullmatch(SSO_NAME.format("DataReader"), role.name), role.name
    assert role.path == "/aws-reserved/sso.amazonaws.com/"
    assert role.managed_by == "identity-center"
    assert not role.editable
    assert role.description == "Read data."
    assert role.max_session_duration == 7200
    assert [p.name for p in role.managed_policies.all()] == ["AmazonS3ReadOnlyAccess"]
    provider = IdentityProvider.objects.get(account=dev, managed_by="identity-center")
    assert provider.kind == "saml"
    assert re.fullmatch(r"AWSSSO_[0-9a-f]{16}_DO_NOT_DELETE", provider.name)
    trust = json.loads(role.trust_policy)["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider.arn},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        }
    ]
    parse_policy(role.trust_policy, PolicyType.TRUST)


def test_provision_is_idempotent(org):
    # SSO_ROLES: provisioning again updates the role in place; the name keeps its suffix.
    _, _, _, dev = org
    permission_set = PermissionSetFactory(sandbox=dev.sandbox, name="Ops")
    first = services.provision(permission_set, dev)
    second = services.provision(permission_set, dev)
    assert first.pk == second.pk
    assert first.name == second.name
    assert Role.objects.filter(account=dev, permission_set=permission_set).count() == 1


def test_assign_twice_and_to_a_group_reuses_the_role_and_provider(org):
    # PERMISSION_SETS: one role per permission set per account, whoever is assigned.
    _, _, _, dev = org
    permission_set = PermissionSetFactory(sandbox=dev.sandbox, name="Ops")
    person = SsoUserFactory(sandbox=dev.sandbox)
    first = services.assign(permission_set, dev, sso_user=person)
    again = services.assign(permission_set, dev, sso_user=person)
    assert first == again
    services.assign(permission_set, dev, sso_group=SsoGroupFactory(sandbox=dev.sandbox))
    assert Role.objects.filter(account=dev, permission_set=permission_set).count() == 1
    assert IdentityProvider.objects.filter(account=dev, managed_by="identity-center").count() == 1
    assert AccountAssignment.objects.filter(permission_set=permission_set).count() == 2


def test_one_role_per_account_and_one_provider_per_account(org):
    # SSO_ROLES: each assigned account gets its own role and SAML provider.
    organization, management, _, dev = org
    permission_set = PermissionSetFactory(sandbox=dev.sandbox, name="Ops")
    person = SsoUserFactory(sandbox=dev.sandbox)
    services.assign(permission_set, dev, sso_user=person)
    services.assign(permission_set, management, sso_user=person)
    roles = Role.objects.filter(permission_set=permission_set)
    assert {r.account for r in roles} == {dev, management}
    providers = IdentityProvider.objects.filter(managed_by="identity-center")
    assert {p.account for p in providers} == {dev, management}


def test_assign_refuses_an_account_outside_the_organization(org):
    # PERMISSION_SETS: permission sets are assigned to accounts of the organization.
    _, _, _, dev = org
    outsider = AccountFactory(sandbox=dev.sandbox)
    permission_set = PermissionSetFactory(sandbox=dev.sandbox)
    with pytest.raises(ValidationError, match="not in it"):
        services.assign(permission_set, outsider, sso_user=SsoUserFactory(sandbox=dev.sandbox))
    assert not AccountAssignment.objects.filter(account=outsider).exists()
    assert not Role.objects.filter(account=outsider).exists()
    assert not IdentityProvider.objects.filter(account=outsider).exists()


def test_reprovision_makes_the_roles_follow_the_permission_set(org):
    # PERMISSION_SETS: after a permission set changes, its roles are updated in every
    # account it is provisioned to.
    organization, management, _, dev = org
    person = SsoUserFactory(sandbox=dev.sandbox)
    permission_set = PermissionSetFactory(sandbox=dev.sandbox, name="Ops")
    permission_set.managed_policies.add(aws_policy("ReadOnlyAccess"))
    services.assign(permission_set, dev, sso_user=person)
    services.assign(permission_set, management, sso_user=person)
    boundary = aws_policy("PowerUserAccess")
    permission_set.managed_policies.set([aws_policy("AmazonEC2FullAccess")])
    permission_set.inline_policy = doc("s3:GetObject")
    permission_set.session_duration = 4 * 3600
    permission_set.boundary = boundary
    permission_set.save()
    services.reprovision(permission_set)
    for account in (dev, management):
        role = provisioned(permission_set, account)
        assert [p.name for p in role.managed_policies.all()] == ["AmazonEC2FullAccess"]
        assert role.max_session_duration == 4 * 3600
        assert role.boundary == boundary
        (inline,) = InlinePolicy.objects.filter(role=role)
        assert inline.name == "AwsSSOInlinePolicy"
        assert inline.document == doc("s3:GetObject")
    # Clearing the inline policy removes it from the roles.
    permission_set.inline_policy = ""
    permission_set.save()
    services.reprovision(permission_set)
    assert not InlinePolicy.objects.filter(role__permission_set=permission_set).exists()


def test_provisioned_role_answers_with_the_permission_set_policies(org):
    # PERMISSION_SETS: users get the permission set's permissions in the account.
    _, _, _, dev = org
    permission_set = PermissionSetFactory(sandbox=dev.sandbox, name="Reader")
    permission_set.managed_policies.add(aws_policy("AmazonS3ReadOnlyAccess"))
    services.assign(permission_set, dev, sso_user=SsoUserFactory(sandbox=dev.sandbox))
    world = World.for_sandbox(dev.sandbox)
    info = principal(world, f"role:{provisioned(permission_set, dev).pk}")
    assert world.check(info, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert not world.check(info, "s3:PutObject", "arn:aws:s3:::b/k").allowed


def test_unassign_removes_the_role_with_the_last_assignment(org):
    # PERMISSION_SETS: removing the last assignment of a permission set from an account
    # deprovisions its role there.
    _, _, _, dev = org
    permission_set = PermissionSetFactory(sandbox=dev.sandbox, name="Ops")
    by_user = services.assign(permission_set, dev, sso_user=SsoUserFactory(sandbox=dev.sandbox))
    by_group = services.assign(permission_set, dev, sso_group=SsoGroupFactory(sandbox=dev.sandbox))
    services.unassign(by_user)
    assert Role.objects.filter(account=dev, permission_set=permission_set).exists()
    services.unassign(by_group)
    assert not Role.objects.filter(account=dev, permission_set=permission_set).exists()
    assert not AccountAssignment.objects.filter(permission_set=permission_set).exists()


# -- the sandbox version -----------------------------------------------------------------------


def test_every_kind_of_change_bumps_the_sandbox_version():
    # The World cache relies on it (see signals.py): save, delete and many-to-many changes.
    user = IamUserFactory()
    sandbox = user.sandbox
    other = IamUserFactory()  # another sandbox, untouched by all of this
    other_version = version_of(other.sandbox)
    group = IamGroupFactory(account=user.account)

    def update() -> None:
        user.console_password = True
        user.save()

    steps = [
        ("save (create)", lambda: IamUserFactory(account=user.account)),
        ("save (update)", update),
        ("m2m add", lambda: group.members.add(user)),
        ("m2m remove", lambda: group.members.remove(user)),
        ("reverse m2m add", lambda: user.groups.add(group)),
        ("m2m clear", lambda: user.groups.clear()),
        ("attach policy", lambda: services.attach_policy(user, aws_policy("ReadOnlyAccess"))),
        ("delete", lambda: group.delete()),
    ]
    for label, step in steps:
        before = version_of(sandbox)
        step()
        assert version_of(sandbox) > before, label
    assert version_of(other.sandbox) == other_version


def test_policy_version_changes_bump_the_sandbox_version():
    # PolicyVersion has no sandbox column of its own: it bumps its policy's sandbox.
    account = AccountFactory()
    sandbox = account.sandbox
    before = version_of(sandbox)
    policy = services.create_policy(account, "P", doc("s3:GetObject"))
    assert version_of(sandbox) > before
    for label, step in [
        ("new version", lambda: services.create_policy_version(policy, doc("s3:Put*"), False)),
        (
            "set default",
            lambda: services.set_default_version(policy.versions.get(version_id="v2")),
        ),
        ("delete version", lambda: services.delete_version(policy.versions.get(version_id="v1"))),
        ("delete policy", lambda: policy.delete()),
    ]:
        before = version_of(sandbox)
        step()
        assert version_of(sandbox) > before, label
    assert not PolicyVersion.objects.filter(policy__account=account).exists()


def test_organization_changes_bump_the_sandbox_version(org):
    organization, _, workloads, dev = org
    sandbox = organization.sandbox

    def rename() -> None:
        workloads.name = "Apps"
        workloads.save()

    for label, step in [
        ("new OU", lambda: services.create_unit(workloads, "Child")),
        (
            "attach SCP",
            lambda: services.attach_org_policy(OrgPolicyFactory(organization=organization), dev),
        ),
        ("rename OU", rename),
        ("delete OU", lambda: OrgUnit.objects.filter(name="Child").delete()),
    ]:
        before = version_of(sandbox)
        step()
        assert version_of(sandbox) > before, label
