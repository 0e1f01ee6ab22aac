"""Sandbox models: ARNs, generated ids, derived properties, constraints and the admin.

Each AWS-shaped value names the AWS page that shows its shape.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from iamlab.sandbox import demo, services
from iamlab.sandbox.awsmanaged import aws_policy
from iamlab.sandbox.models import (
    Account,
    AccountAssignment,
    IamUser,
    InlinePolicy,
    Job,
    ManagedPolicy,
    Resource,
    Role,
    Sandbox,
)

from .factories import (
    AccessKeyFactory,
    AccountAssignmentFactory,
    AccountFactory,
    Ec2InstanceFactory,
    IamGroupFactory,
    IamUserFactory,
    IdentityProviderFactory,
    InstanceProfileFactory,
    ManagedPolicyFactory,
    MfaDeviceFactory,
    OrganizationFactory,
    OrgUnitFactory,
    PersonFactory,
    RoleFactory,
    ServiceCredentialFactory,
    SshPublicKeyFactory,
    SsoGroupFactory,
    SsoUserFactory,
    StsSessionFactory,
    trust_account,
    trust_service,
)

pytestmark = pytest.mark.django_db

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
ARNS = IAM + "reference_identifiers.html#identifiers-arns"
UNIQUE_IDS = IAM + "reference_identifiers.html#identifiers-unique-ids"
ACCOUNT = "111122223333"


@pytest.fixture
def account() -> Account:
    return AccountFactory(account_id=ACCOUNT)


# -- ARNs --------------------------------------------------------------------------------------


def test_principal_arns_carry_the_path(account):
    # ARNS: arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/Bob
    assert IamUserFactory(account=account, name="alice").arn == f"arn:aws:iam::{ACCOUNT}:user/alice"
    nested = IamUserFactory(account=account, name="Bob", path="/division_abc/subdivision_xyz/")
    assert nested.arn == f"arn:aws:iam::{ACCOUNT}:user/division_abc/subdivision_xyz/Bob"
    group = IamGroupFactory(account=account, name="Developers", path="/eng/")
    assert group.arn == f"arn:aws:iam::{ACCOUNT}:group/eng/Developers"
    role = RoleFactory(account=account, name="Admin")
    assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/Admin"


def test_managed_policy_arns(account):
    # ARNS: arn:aws:iam::123456789012:policy/UsersManageOwnCredentials; AWS managed policies
    # use "aws" in place of the account id.
    policy = ManagedPolicyFactory(account=account, name="ReadReports", path="/reports/")
    assert policy.arn == f"arn:aws:iam::{ACCOUNT}:policy/reports/ReadReports"
    assert aws_policy("ReadOnlyAccess").arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert (
        aws_policy("AWSLambdaBasicExecutionRole").arn
        == "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    )
    assert aws_policy("ReadOnlyAccess").aws_managed
    assert not policy.aws_managed


def test_instance_profile_and_ec2_instance_arns(account):
    # ARNS: arn:aws:iam::123456789012:instance-profile/Webserver;
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html:
    # arn:aws:ec2:region:account:instance/instance-id
    profile = InstanceProfileFactory(account=account, name="Webserver")
    assert profile.arn == f"arn:aws:iam::{ACCOUNT}:instance-profile/Webserver"
    instance = Ec2InstanceFactory(account=account, region="eu-west-1")
    assert re.fullmatch(r"i-[0-9a-f]{17}", instance.instance_id)
    assert instance.arn == f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/{instance.instance_id}"


def test_identity_provider_arns(account):
    # ARNS: arn:aws:iam::123456789012:saml-provider/ADFSProvider and
    # arn:aws:iam::123456789012:oidc-provider/GoogleProvider
    saml = IdentityProviderFactory(account=account, kind="saml", name="ADFSProvider")
    assert saml.arn == f"arn:aws:iam::{ACCOUNT}:saml-provider/ADFSProvider"
    oidc = IdentityProviderFactory(
        account=account, kind="oidc", name="token.actions.githubusercontent.com"
    )
    assert oidc.arn == (f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")


@pytest.mark.parametrize(
    ("kind", "name", "arn", "page"),
    [
        (
            "s3",
            "reports",
            "arn:aws:s3:::reports",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html",
        ),
        (
            "kms",
            "orders",
            "arn:aws:kms:us-east-1:111122223333:key/{id}",
            "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN",
        ),
        (
            "sqs",
            "jobs",
            "arn:aws:sqs:us-east-1:111122223333:jobs",
            "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html",
        ),
        (
            "sns",
            "alerts",
            "arn:aws:sns:us-east-1:111122223333:alerts",
            "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html",
        ),
        (
            "lambda",
            "order-processor",
            "arn:aws:lambda:us-east-1:111122223333:function:order-processor",
            "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html",
        ),
        (
            "secret",
            "db-password",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-password-{id}",
            "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html",
        ),
        (
            "stack",
            "network-stack",
            "arn:aws:cloudformation:us-east-1:111122223333:stack/network-stack/{id}",
            "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html",
        ),
        (
            "build",
            "web-app-build",
            "arn:aws:codebuild:us-east-1:111122223333:project/web-app-build",
            "https://docs.aws.amazon.com/codebuild/latest/userguide/auth-and-access-control-iam-access-control-identity-based.html",
        ),
    ],
)
def test_resource_arns(account, kind, name, arn, page):
    resource = Resource.objects.create(
        sandbox=account.sandbox, account=account, kind=kind, name=name, region="us-east-1"
    )
    assert resource.arn == arn.format(id=resource.resource_id), page
    if kind in ("kms", "stack"):
        uuid.UUID(resource.resource_id)  # a key id and a stack id are UUIDs
    if kind == "secret":
        assert re.fullmatch(r"[0-9a-f]{6}", resource.resource_id)  # six random characters
    assert resource.policy_required is (kind == "kms")
    expected_sample = f"{resource.arn}/example.txt" if kind == "s3" else resource.arn
    assert resource.sample_resource == expected_sample


@pytest.mark.parametrize(
    ("kind", "action", "runs_as", "takes_policy"),
    [
        ("s3", "s3:GetObject", "", True),
        ("kms", "kms:Decrypt", "", True),
        ("sqs", "sqs:SendMessage", "", True),
        ("sns", "sns:Publish", "", True),
        ("lambda", "lambda:InvokeFunction", "Execution role", True),
        ("secret", "secretsmanager:GetSecretValue", "", True),
        # using-iam-servicerole.html: UpdateStack applies a template with the stack's role.
        ("stack", "cloudformation:UpdateStack", "Service role", False),
        # setting-up-service-role.html: StartBuild runs a build as the project's role.
        ("build", "codebuild:StartBuild", "Service role", False),
    ],
)
def test_resource_sample_actions_and_roles(account, kind, action, runs_as, takes_policy):
    resource = Resource(sandbox=account.sandbox, account=account, kind=kind, name="thing")
    assert resource.sample_action == action
    assert resource.takes_role is bool(runs_as)
    if runs_as:
        assert resource.role_label == runs_as
    assert resource.takes_policy is takes_policy


def test_every_resource_kind_has_an_arn_and_a_sample_action(account):
    for kind, _label in Resource.KIND_CHOICES:
        resource = Resource.objects.create(
            sandbox=account.sandbox, account=account, kind=kind, name=f"every-{kind}"
        )
        assert resource.arn.startswith("arn:aws:"), kind
        assert ":" in resource.sample_action, kind
    assert len(Resource.KIND_CHOICES) == 8


def test_a_stack_keeps_its_id_when_saved_again(account):
    stack = Resource.objects.create(
        sandbox=account.sandbox, account=account, kind="stack", name="network"
    )
    arn = stack.arn
    stack.tags = {"team": "platform"}
    stack.save()
    stack.refresh_from_db()
    assert stack.arn == arn


def test_organization_arn_and_root_arn():
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_permissions_overview.html:
    # arn:aws:organizations::<management account>:organization/o-<id>
    sandbox = services.create_sandbox(PersonFactory(), "Org")
    management = Account.objects.get(sandbox=sandbox)
    org = services.create_organization(management)
    assert re.fullmatch(r"o-[a-z0-9]{10}", org.org_id)
    assert org.arn == f"arn:aws:organizations::{management.account_id}:organization/{org.org_id}"
    assert management.root_arn == f"arn:aws:iam::{management.account_id}:root"


def test_every_model_with_an_arn_is_covered():
    # The tests above cover each model that has an ``arn`` property.
    with_arn = {
        m.__name__ for m in apps.get_app_config("sandbox").get_models() if hasattr(m, "arn")
    }
    assert with_arn == {
        "Organization",
        "ManagedPolicy",
        "IamUser",
        "IamGroup",
        "Role",
        "InstanceProfile",
        "Ec2Instance",
        "IdentityProvider",
        "Resource",
        "StsSession",  # stored as STS issued it; tests/flows and tests/policy/test_sts.py
    }


# -- ids generated on save ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "field", "prefix", "length"),
    [
        (IamUserFactory, "unique_id", "AIDA", 21),
        (IamGroupFactory, "unique_id", "AGPA", 21),
        (RoleFactory, "unique_id", "AROA", 21),
        (ManagedPolicyFactory, "policy_id", "ANPA", 21),
        (InstanceProfileFactory, "profile_id", "AIPA", 21),
        (AccessKeyFactory, "key_id", "AKIA", 20),
        (SshPublicKeyFactory, "key_id", "APKA", 20),
        (ServiceCredentialFactory, "credential_id", "ACCA", 21),
    ],
)
def test_ids_are_generated_on_save_with_awss_prefix(factory, field, prefix, length):
    # UNIQUE_IDS: the table of prefixes (AIDA, AGPA, AROA, ANPA, AIPA, AKIA, APKA, ACCA).
    obj = factory()
    value = getattr(obj, field)
    assert value.startswith(prefix), UNIQUE_IDS
    assert len(value) == length, UNIQUE_IDS
    obj.save()
    obj.refresh_from_db()
    assert getattr(obj, field) == value  # kept on later saves


def test_given_ids_are_kept(account):
    user = IamUserFactory(account=account, unique_id="AIDAEXAMPLEEXAMPLE123")
    assert user.unique_id == "AIDAEXAMPLEEXAMPLE123"


def test_aws_managed_policies_have_ids_too():
    assert aws_policy("ReadOnlyAccess").policy_id.startswith("ANPA")


def test_org_unit_ids_follow_the_root():
    # https://docs.aws.amazon.com/organizations/latest/APIReference/API_OrganizationalUnit.html
    root = OrgUnitFactory(name="Root")
    org = root.organization
    assert root.unit_id == org.root_id
    child = OrgUnitFactory(organization=org, parent=root)
    assert re.fullmatch(rf"ou-{org.root_id[2:]}-[a-z0-9]{{8}}", child.unit_id)


# -- roles -------------------------------------------------------------------------------------


def test_a_service_role_trusts_a_service_and_is_editable(account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-service.html
    role = RoleFactory(account=account, trust_policy=trust_service("ec2.amazonaws.com"))
    assert role.editable
    assert role.trusted_services == ["ec2.amazonaws.com"]
    assert role.is_service_role


def test_a_role_for_another_account_is_not_a_service_role(account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html
    role = RoleFactory(account=account, trust_policy=trust_account("444455556666"))
    assert role.editable
    assert role.trusted_services == []
    assert not role.is_service_role


def test_trusted_services_reads_lists_and_every_statement(account):
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": "sts:AssumeRole",
                },
                {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                },
            ],
        }
    )
    role = RoleFactory(account=account, trust_policy=trust)
    assert role.trusted_services == [
        "ecs-tasks.amazonaws.com",
        "ec2.amazonaws.com",
        "lambda.amazonaws.com",
    ]


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"Statement": "x"}'])
def test_trusted_services_of_a_broken_trust_policy_is_empty(account, text):
    role = RoleFactory(account=account, trust_policy=text)
    assert role.trusted_services == []
    assert not role.is_service_role


def test_roles_aws_manages_are_not_editable(account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html: "you
    # can't edit the permissions for service-linked roles"; Identity Center roles likewise
    # (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html).
    slr = services.create_service_linked_role(account, "support.amazonaws.com")
    assert not slr.editable
    assert slr.trusted_services == ["support.amazonaws.com"]
    assert not slr.is_service_role  # a service-linked role, not a service role
    sso = RoleFactory(account=account, managed_by="identity-center")
    assert not sso.editable
    assert not sso.is_service_role


# -- credentials -------------------------------------------------------------------------------


def test_mfa_serial_is_an_arn_for_virtual_devices_only(account):
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_MFADevice.html: "the serial
    # number that uniquely identifies the MFA device. For virtual MFA devices, the serial
    # number is the device ARN."
    user = IamUserFactory(account=account)
    phone = MfaDeviceFactory(user=user, name="alice-phone", kind="virtual")
    assert phone.serial == f"arn:aws:iam::{ACCOUNT}:mfa/alice-phone"
    token = MfaDeviceFactory(user=user, name="GAHT12345678", kind="hardware")
    assert token.serial == "GAHT12345678"
    passkey = MfaDeviceFactory(user=user, name="alice-yubikey", kind="passkey")
    assert passkey.serial == "alice-yubikey"


def test_root_mfa_is_a_device_without_a_user(account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html
    assert not account.root_mfa_enabled
    MfaDeviceFactory(user=IamUserFactory(account=account))
    assert not account.root_mfa_enabled
    MfaDeviceFactory(user=None, account=account, sandbox=account.sandbox, name="root-phone")
    assert account.root_mfa_enabled


def test_ssh_key_fingerprint_is_the_md5_of_the_key(account):
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_SSHPublicKey.html:
    # "Fingerprint: The MD5 message digest of the SSH public key."
    blob = b"\x00\x00\x00\x07ssh-rsa" + bytes(range(64))
    key = SshPublicKeyFactory(
        user=IamUserFactory(account=account),
        body=f"ssh-rsa {base64.b64encode(blob).decode()} alice@example.com",
    )
    digest = hashlib.md5(blob).hexdigest()  # noqa: S324 - the fingerprint AWS shows
    assert key.fingerprint == ":".join(digest[i : i + 2] for i in range(0, 32, 2))
    assert re.fullmatch(r"([0-9a-f]{2}:){15}[0-9a-f]{2}", key.fingerprint)


@pytest.mark.parametrize("body", ["not-a-key", "ssh-rsa !!!notbase64 me", ""])
def test_ssh_key_fingerprint_of_a_malformed_key_still_has_the_shape(account, body):
    key = SshPublicKeyFactory(user=IamUserFactory(account=account), body=body)
    assert re.fullmatch(r"([0-9a-f]{2}:){15}[0-9a-f]{2}", key.fingerprint)


@pytest.mark.parametrize("service", ["codecommit.amazonaws.com", "cassandra.amazonaws.com"])
def test_service_credential_user_name(account, service):
    # https://docs.aws.amazon.com/IAM/latest/APIReference/API_ServiceSpecificCredential.html:
    # ServiceUserName, for example "alice-at-111122223333".
    credential = ServiceCredentialFactory(
        user=IamUserFactory(account=account, name="alice"), service=service
    )
    assert credential.service_user_name == f"alice-at-{ACCOUNT}"
    assert str(credential) == f"alice-at-{ACCOUNT}"


# -- organizations -----------------------------------------------------------------------------


def test_org_unit_chain_runs_from_the_root():
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_ous.html
    root = OrgUnitFactory(name="Root")
    workloads = OrgUnitFactory(organization=root.organization, parent=root, name="Workloads")
    web = OrgUnitFactory(organization=root.organization, parent=workloads, name="Web")
    assert web.chain() == [root, workloads, web]
    assert workloads.chain() == [root, workloads]
    assert root.chain() == [root]
    assert root.is_root
    assert not web.is_root
    assert str(root) == "Root"
    assert str(web) == "Web"


def test_organization_ids_are_generated_on_save():
    org = OrganizationFactory()
    assert re.fullmatch(r"o-[a-z0-9]{10}", org.org_id)
    assert re.fullmatch(r"r-[a-z0-9]{4}", org.root_id)
    assert str(org) == org.org_id
    assert org.management_account is None


def test_account_clean_checks_the_account_id(account):
    # https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html
    account.clean()
    account.account_id = "1234"
    with pytest.raises(ValidationError) as caught:
        account.clean()
    assert "account_id" in caught.value.message_dict


# -- constraints -------------------------------------------------------------------------------


def test_inline_policy_has_exactly_one_owner(account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html:
    # an inline policy is embedded in one identity.
    user = IamUserFactory(account=account)
    role = RoleFactory(account=account)
    group = IamGroupFactory(account=account)
    document = '{"Version": "2012-10-17", "Statement": []}'
    for owners in ({"user": user, "role": role}, {"user": user, "group": group}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            InlinePolicy.objects.create(
                sandbox=account.sandbox, name="two", document=document, **owners
            )
    inline = InlinePolicy.objects.create(
        sandbox=account.sandbox, role=role, name="one", document=document
    )
    assert inline.owner == role


def test_account_assignment_has_exactly_one_principal():
    # https://docs.aws.amazon.com/singlesignon/latest/userguide/assignusers.html: a user or a
    # group is assigned.
    assignment = AccountAssignmentFactory()
    group = SsoGroupFactory(sandbox=assignment.sandbox)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountAssignment.objects.create(
            sandbox=assignment.sandbox,
            permission_set=assignment.permission_set,
            account=assignment.account,
            sso_user=assignment.sso_user,
            sso_group=group,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountAssignment.objects.create(
            sandbox=assignment.sandbox,
            permission_set=assignment.permission_set,
            account=assignment.account,
        )


def test_names_are_unique_case_insensitively_per_account(account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html: "names
    # must be unique within an account ... not distinguished by case".
    IamUserFactory(account=account, name="alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        IamUserFactory(account=account, name="ALICE")
    IamUserFactory(account=AccountFactory(sandbox=account.sandbox), name="ALICE")
    RoleFactory(account=account, name="Admin")
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleFactory(account=account, name="admin")


def test_sso_names_are_unique_per_sandbox():
    person = SsoUserFactory(user_name="dana")
    with pytest.raises(IntegrityError), transaction.atomic():
        SsoUserFactory(sandbox=person.sandbox, user_name="Dana")


# -- scoping -----------------------------------------------------------------------------------


def test_owned_by_scopes_to_the_owner():
    mine = IamUserFactory()
    theirs = IamUserFactory()
    me = mine.sandbox.owner
    assert list(IamUser.objects.owned_by(me)) == [mine]
    assert list(Sandbox.owned_by(me)) == [mine.sandbox]
    assert theirs not in IamUser.objects.owned_by(me)
    assert not IamUser.objects.owned_by(AnonymousUser()).exists()
    assert not Sandbox.owned_by(AnonymousUser()).exists()


# -- the admin ---------------------------------------------------------------------------------

SANDBOX_MODELS = sorted(apps.get_app_config("sandbox").get_models(), key=lambda m: m.__name__)


def test_every_sandbox_model_is_registered_in_the_admin():
    missing = [m.__name__ for m in SANDBOX_MODELS if not admin.site.is_registered(m)]
    assert missing == []


@pytest.mark.parametrize("model", SANDBOX_MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_loads_for_a_superuser(admin_client, model):
    corp = demo.build_example_corp(PersonFactory())
    StsSessionFactory(role=Role.objects.filter(sandbox=corp).first())  # not in Example Corp
    Job.objects.create(owner=corp.owner, kind="import", title="Import of a big account")
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    response = admin_client.get(url)
    assert response.status_code == 200, meta.model_name
    assert model.objects.exists() or model is Sandbox, meta.model_name
    searched = admin_client.get(url, {"q": "a"})
    assert searched.status_code == 200, meta.model_name


def test_admin_change_page_loads_for_a_role(admin_client):
    sandbox = demo.build_example_corp(PersonFactory())
    role = Role.objects.filter(sandbox=sandbox).first()
    assert role is not None
    response = admin_client.get(reverse("admin:sandbox_role_change", args=[role.pk]))
    assert response.status_code == 200


def test_admin_change_page_loads_for_a_managed_policy_with_versions(admin_client):
    sandbox = demo.build_example_corp(PersonFactory())
    policy = ManagedPolicy.objects.get(sandbox=sandbox, name="DeveloperBoundary")
    response = admin_client.get(reverse("admin:sandbox_managedpolicy_change", args=[policy.pk]))
    assert response.status_code == 200
    assert b"v2" in response.content


@pytest.mark.django_db
def test_every_factory_builds_a_valid_object():
    from django.db.models import Model

    from . import factories

    built = []
    for name in dir(factories):
        factory_class = getattr(factories, name)
        if (
            isinstance(factory_class, type)
            and name.endswith("Factory")
            and hasattr(factory_class, "_meta")
            and not factory_class._meta.abstract
        ):
            obj = factory_class()
            assert isinstance(obj, Model)
            obj.full_clean(exclude=["password"])
            built.append(name)
    assert {"ProfileFactory", "IamUserFactory", "ResourceFactory"} <= set(built)
