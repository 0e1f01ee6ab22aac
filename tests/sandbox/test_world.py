"""The bridge from sandbox rows to the engine: each case names the AWS page it comes from."""

from __future__ import annotations

import json

import pytest

from iamlab.policy import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY
from iamlab.sandbox import services
from iamlab.sandbox.awsmanaged import aws_policy
from iamlab.sandbox.models import Account, InlinePolicy, Resource
from iamlab.sandbox.world import World

from .factories import (
    AccountFactory,
    BuildProjectFactory,
    IamGroupFactory,
    IamUserFactory,
    ManagedPolicyFactory,
    OrgPolicyFactory,
    PersonFactory,
    RoleFactory,
    StackFactory,
    trust_account,
)

pytestmark = pytest.mark.django_db


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str, resource: str = "*", **extra: object) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: str = "*", **extra: object) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@pytest.fixture
def org_world():
    """Management account M, member account Dev under OU Workloads, standalone account Ext."""
    sandbox = services.create_sandbox(PersonFactory(), "World tests")
    mgmt = Account.objects.get(sandbox=sandbox)
    mgmt.account_id = "111111111111"
    mgmt.save()
    org = services.create_organization(mgmt)
    ou = services.create_unit(services.org_root(org), "Workloads")
    dev = AccountFactory(sandbox=sandbox, account_id="222222222222", name="Dev")
    services.join_organization(dev, ou)
    ext = AccountFactory(sandbox=sandbox, account_id="999999999999", name="Ext")
    return sandbox, org, ou, mgmt, dev, ext


def check(sandbox, principal, action, resource="*", context=None):
    world = World.for_sandbox(sandbox)
    info = world.principal(f"{type(principal).__name__.lower().replace('iam', '')}:{principal.pk}")
    assert info is not None
    return world.check(info, action, resource, context)


def test_aws_managed_policy_attached_to_a_user():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    user = IamUserFactory()
    user.managed_policies.add(aws_policy("AmazonS3ReadOnlyAccess"))
    assert check(user.sandbox, user, "s3:GetObject", "arn:aws:s3:::b/k").evaluation.decision == (
        ALLOWED
    )
    result = check(user.sandbox, user, "s3:PutObject", "arn:aws:s3:::b/k")
    assert result.evaluation.decision == IMPLICIT_DENY


def test_group_policies_reach_members_and_only_members():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html
    member = IamUserFactory()
    outsider = IamUserFactory(account=member.account)
    group = IamGroupFactory(account=member.account, name="Auditors")
    group.managed_policies.add(aws_policy("SecurityAudit"))
    services.add_to_group(member, group)
    allowed = check(member.sandbox, member, "iam:GetAccountAuthorizationDetails")
    assert allowed.evaluation.decision == ALLOWED
    assert "via group Auditors" in allowed.evaluation.reason
    denied = check(member.sandbox, outsider, "iam:GetAccountAuthorizationDetails")
    assert denied.evaluation.decision == IMPLICIT_DENY


def test_permissions_boundary_caps_a_user():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
    user = IamUserFactory()
    user.managed_policies.add(aws_policy("AdministratorAccess"))
    user.boundary = ManagedPolicyFactory(
        account=user.account, document=doc(allow("s3:*"), allow("cloudwatch:*"))
    )
    user.save()
    assert check(user.sandbox, user, "s3:PutObject", "arn:aws:s3:::b/k").allowed
    result = check(user.sandbox, user, "iam:CreateUser")
    assert result.evaluation.decision == IMPLICIT_DENY
    assert result.evaluation.decided_by == "boundary"


def test_scp_on_an_ou_limits_member_accounts_but_not_the_management_account(org_world):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
    # "SCPs don't affect users or roles in the management account."
    sandbox, org, ou, mgmt, dev, _ = org_world
    scp = OrgPolicyFactory(organization=org, document=doc(deny("ec2:TerminateInstances")))
    services.attach_org_policy(scp, ou)
    in_dev = IamUserFactory(account=dev)
    in_mgmt = IamUserFactory(account=mgmt)
    for user in (in_dev, in_mgmt):
        user.managed_policies.add(aws_policy("AdministratorAccess"))
    dev_result = check(sandbox, in_dev, "ec2:TerminateInstances")
    assert dev_result.evaluation.decision == EXPLICIT_DENY
    assert check(sandbox, in_mgmt, "ec2:TerminateInstances").allowed


def test_new_accounts_and_ous_get_full_aws_access_so_nothing_is_blocked_by_default(org_world):
    # orgs_manage_policies_scps.html: FullAWSAccess is attached to every root, OU and account.
    sandbox, *_, dev, _ = org_world
    user = IamUserFactory(account=dev)
    user.managed_policies.add(aws_policy("AdministratorAccess"))
    world = World.for_sandbox(sandbox)
    assert [len(level) for level in world.scps_for(dev.account_id)] == [1, 1, 1]
    assert check(sandbox, user, "ec2:RunInstances").allowed


def test_bucket_policy_grants_cross_account_access_only_with_both_sides(org_world):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-cross-account-resource-access.html
    sandbox, *_, dev, ext = org_world
    bucket = Resource.objects.create(sandbox=sandbox, account=ext, kind="s3", name="ext-reports")
    user = IamUserFactory(account=dev)
    InlinePolicy.objects.create(
        sandbox=sandbox, user=user, name="read", document=doc(allow("s3:GetObject"))
    )
    target = "arn:aws:s3:::ext-reports/q1.csv"
    assert check(sandbox, user, "s3:GetObject", target).evaluation.decision == IMPLICIT_DENY
    bucket.policy = doc(
        allow(
            "s3:GetObject",
            "arn:aws:s3:::ext-reports/*",
            Principal={"AWS": "arn:aws:iam::222222222222:root"},
        )
    )
    bucket.save()
    assert check(sandbox, user, "s3:GetObject", target).allowed


def test_principal_org_id_is_filled_in_from_the_organization(org_world):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
    sandbox, org, _, _, dev, ext = org_world
    Resource.objects.create(
        sandbox=sandbox,
        account=ext,
        kind="s3",
        name="shared",
        policy=doc(
            allow(
                "s3:GetObject",
                "arn:aws:s3:::shared/*",
                Principal="*",
                Condition={"StringEquals": {"aws:PrincipalOrgID": org.org_id}},
            )
        ),
    )
    member = IamUserFactory(account=dev)
    stranger = IamUserFactory(account=ext)
    for user in (member, stranger):
        InlinePolicy.objects.create(
            sandbox=sandbox, user=user, name="read", document=doc(allow("s3:GetObject"))
        )
    assert check(sandbox, member, "s3:GetObject", "arn:aws:s3:::shared/a").allowed
    # Same account as the bucket: the identity policy alone allows it.
    assert check(sandbox, stranger, "s3:GetObject", "arn:aws:s3:::shared/a").allowed
    outside = IamUserFactory(account=AccountFactory(sandbox=sandbox, account_id="888888888888"))
    InlinePolicy.objects.create(
        sandbox=sandbox, user=outside, name="read", document=doc(allow("s3:GetObject"))
    )
    result = check(sandbox, outside, "s3:GetObject", "arn:aws:s3:::shared/a")
    assert result.evaluation.decision == IMPLICIT_DENY


def test_user_tags_become_principal_tags():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html
    user = IamUserFactory(tags={"team": "blue"})
    InlinePolicy.objects.create(
        sandbox=user.sandbox,
        user=user,
        name="abac",
        document=doc(
            allow(
                "ec2:StartInstances",
                Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
            )
        ),
    )
    ok = check(user.sandbox, user, "ec2:StartInstances", context={"aws:ResourceTag/team": "blue"})
    assert ok.allowed
    no = check(user.sandbox, user, "ec2:StartInstances", context={"aws:ResourceTag/team": "red"})
    assert no.evaluation.decision == IMPLICIT_DENY


def test_roles_are_checked_as_a_session_with_aws_userid():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
    role = RoleFactory(name="app")
    InlinePolicy.objects.create(
        sandbox=role.sandbox, role=role, name="sqs", document=doc(allow("sqs:SendMessage"))
    )
    result = check(role.sandbox, role, "sqs:SendMessage")
    assert result.allowed
    assert result.request.principal.endswith(":assumed-role/app/iamlab-session")
    assert result.request.get("aws:userid") == f"{role.unique_id}:iamlab-session"


def test_kms_key_policy_must_allow_even_in_the_same_account():
    # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    user = IamUserFactory()
    InlinePolicy.objects.create(
        sandbox=user.sandbox, user=user, name="kms", document=doc(allow("kms:Decrypt"))
    )
    key = Resource.objects.create(
        sandbox=user.sandbox,
        account=user.account,
        kind="kms",
        name="orders",
        policy=doc(allow("kms:DescribeKey", Principal={"AWS": user.account.root_arn})),
    )
    assert check(user.sandbox, user, "kms:Decrypt", key.arn).evaluation.decision == IMPLICIT_DENY
    key.policy = doc(allow("kms:*", Principal={"AWS": user.account.root_arn}))
    key.save()
    assert check(user.sandbox, user, "kms:Decrypt", key.arn).allowed


def test_assume_role_needs_the_trust_policy():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
    user = IamUserFactory()
    InlinePolicy.objects.create(
        sandbox=user.sandbox, user=user, name="assume", document=doc(allow("sts:AssumeRole"))
    )
    role = RoleFactory(account=user.account, name="Admin")
    assert check(user.sandbox, user, "sts:AssumeRole", role.arn).evaluation.decision == (
        IMPLICIT_DENY
    )
    role.trust_policy = trust_account(user.account.account_id)
    role.save()
    assert check(user.sandbox, user, "sts:AssumeRole", role.arn).allowed


def test_service_linked_roles_are_not_restricted_by_scps(org_world):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
    sandbox, org, ou, _, dev, _ = org_world
    scp = OrgPolicyFactory(organization=org, document=doc(deny("ec2:*")))
    services.attach_org_policy(scp, ou)
    role = services.create_service_linked_role(dev, "support.amazonaws.com")
    assert role.path == "/aws-service-role/support.amazonaws.com/"
    assert check(sandbox, role, "ec2:DescribeInstances").allowed
    ordinary = RoleFactory(account=dev)
    ordinary.managed_policies.add(aws_policy("AdministratorAccess"))
    result = check(sandbox, ordinary, "ec2:DescribeInstances")
    assert result.evaluation.decision == EXPLICIT_DENY


def test_rcp_restricts_member_resources_but_not_the_management_accounts(org_world):
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
    sandbox, org, _, mgmt, dev, ext = org_world
    rcp = OrgPolicyFactory(
        organization=org,
        kind="rcp",
        document=doc(
            deny(
                "s3:*",
                Principal="*",
                Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org.org_id}},
            )
        ),
    )
    services.attach_org_policy(rcp, services.org_root(org))
    grant = doc(allow("s3:GetObject", "arn:aws:s3:::*", Principal={"AWS": ext.root_arn}))
    Resource.objects.create(sandbox=sandbox, account=dev, kind="s3", name="dev-b", policy=grant)
    Resource.objects.create(sandbox=sandbox, account=mgmt, kind="s3", name="mgmt-b", policy=grant)
    stranger = IamUserFactory(account=ext)
    stranger.managed_policies.add(aws_policy("AmazonS3ReadOnlyAccess"))
    dev_result = check(sandbox, stranger, "s3:GetObject", "arn:aws:s3:::dev-b/x")
    assert dev_result.evaluation.decision == EXPLICIT_DENY
    assert check(sandbox, stranger, "s3:GetObject", "arn:aws:s3:::mgmt-b/x").allowed


def test_world_is_cached_until_the_sandbox_changes():
    user = IamUserFactory()
    first = World.for_sandbox(user.sandbox)
    assert World.for_sandbox(user.sandbox) is first
    user.managed_policies.add(aws_policy("ReadOnlyAccess"))
    second = World.for_sandbox(user.sandbox)
    assert second is not first
    assert check(user.sandbox, user, "s3:GetObject", "arn:aws:s3:::b/k").allowed


def test_who_can_lists_every_allowed_principal_with_the_reason(org_world):
    sandbox, *_, dev, _ = org_world
    admin = IamUserFactory(account=dev, name="admin")
    admin.managed_policies.add(aws_policy("AdministratorAccess"))
    IamUserFactory(account=dev, name="nobody")
    role = RoleFactory(account=dev, name="reader")
    role.managed_policies.add(aws_policy("AmazonS3ReadOnlyAccess"))
    world = World.for_sandbox(sandbox)
    found = world.who_can("s3:GetObject", "arn:aws:s3:::any/thing")
    in_dev = {c.principal.name for c in found if c.principal.account_id == dev.account_id}
    assert in_dev == {"root", "admin", "reader"}  # FullAWSAccess lets the root user act
    assert all(c.evaluation.reason for c in found)
    creators = world.who_can("iam:CreateUser", "*")
    assert {(c.principal.kind, c.principal.name) for c in creators} == {
        ("root", "root"),
        ("user", "admin"),
    }
    assert {c.principal.account_id for c in creators if c.principal.kind == "root"} == {
        "111111111111",
        "222222222222",
        "999999999999",
    }


def test_a_trust_policy_grants_nothing_but_assuming_the_role():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    # "In IAM roles, use the Principal element in the role trust policy to specify who can
    # assume the role." It is the role's resource-based policy for STS actions only.
    user = IamUserFactory()
    role = RoleFactory(
        account=user.account,
        trust_policy=doc(allow("*", Principal={"AWS": user.arn})).replace(', "Resource": "*"', ""),
    )
    assert check(user.sandbox, user, "sts:AssumeRole", role.arn).allowed
    result = check(user.sandbox, user, "iam:AttachRolePolicy", role.arn)
    assert result.evaluation.decision == IMPLICIT_DENY


def test_s3_bucket_tags_are_not_resource_tags_without_abac():
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html:
    # "By default, ABAC is disabled for all Amazon S3 general purpose buckets."
    user = IamUserFactory()
    Resource.objects.create(
        sandbox=user.sandbox, account=user.account, kind="s3", name="tagged", tags={"env": "dev"}
    )
    InlinePolicy.objects.create(
        sandbox=user.sandbox,
        user=user,
        name="abac",
        document=doc(
            allow("s3:GetObject", Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}})
        ),
    )
    result = check(user.sandbox, user, "s3:GetObject", "arn:aws:s3:::tagged/file")
    assert result.evaluation.decision == IMPLICIT_DENY
    assert "aws:resourcetag/env" in {k.lower() for k in result.evaluation.missing_context}


def test_users_and_roles_are_resources_with_their_tags(org_world):
    # reference_policies_condition-keys.html#condition-keys-resourcetag and the Service
    # Authorization Reference (IAM): user and role resources take aws:ResourceTag and
    # iam:ResourceTag; aws:ResourceOrgID comes from the owning account's organization.
    sandbox, org, _, _, dev, _ = org_world
    admin = IamUserFactory(account=dev)
    admin.managed_policies.add(aws_policy("AdministratorAccess"))
    InlinePolicy.objects.create(
        sandbox=sandbox,
        user=admin,
        name="protect",
        document=doc(
            deny(
                "iam:Delete*",
                Condition={"StringEquals": {"aws:ResourceTag/protected": "true"}},
            ),
            deny(
                "iam:UpdateAssumeRolePolicy",
                Condition={"StringEquals": {"iam:ResourceTag/protected": "true"}},
            ),
        ),
    )
    precious = IamUserFactory(account=dev, tags={"protected": "true"})
    role = RoleFactory(account=dev, tags={"protected": "true"})
    deleted = check(sandbox, admin, "iam:DeleteUser", precious.arn)
    assert deleted.evaluation.decision == EXPLICIT_DENY
    trust = check(sandbox, admin, "iam:UpdateAssumeRolePolicy", role.arn)
    assert trust.evaluation.decision == EXPLICIT_DENY
    table = "arn:aws:dynamodb:us-east-1:222222222222:table/Orders"
    request = check(sandbox, admin, "dynamodb:GetItem", table).request
    assert request.get("aws:resourceorgid") == org.org_id


def test_service_linked_role_policies_and_foreign_boundaries_cannot_be_used(org_world):
    # AWS refuses to attach a service role policy to a customer role (PolicyNotAttachable), and
    # a permissions boundary is a managed policy that the principal's account can attach.
    from django.core.exceptions import ValidationError

    from iamlab.sandbox import forms

    sandbox, *_, dev, ext = org_world
    user = IamUserFactory(account=dev)
    with pytest.raises(ValidationError, match="service-linked role only"):
        services.attach_policy(user, aws_policy("AutoScalingServiceRolePolicy"))
    foreign = ManagedPolicyFactory(account=ext)
    form = forms.IamUserForm(
        sandbox,
        {"account": dev.pk, "name": "capped", "path": "/", "boundary": foreign.arn},
    )
    assert not form.is_valid()
    assert "another account" in form.errors["boundary"][0]


NOW = __import__("datetime").datetime(2026, 11, 28, 9, 0, tzinfo=__import__("datetime").UTC)


def _principal(world, obj):
    kind = type(obj).__name__.lower().replace("iam", "")
    return world.principal(f"{kind}:{obj.pk}")


def test_assume_role_in_the_sandbox_needs_both_sides_then_acts_as_the_role(org_world):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
    # and API_AssumeRole.html: the caller's policies must allow sts:AssumeRole and the role's
    # trust policy must allow the caller; the session then has the role's permissions.
    from iamlab.policy import Session, StsDenied

    sandbox, *_, dev, ext = org_world
    auditor = IamUserFactory(account=ext, name="auditor")
    role = RoleFactory(account=dev, name="ReadOnly", trust_policy=trust_account(ext.account_id))
    role.managed_policies.add(aws_policy("ReadOnlyAccess"))
    world = World.for_sandbox(sandbox)
    refused = world.assume_role(
        _principal(world, auditor), _principal(world, role), "audit", now=NOW
    )
    assert isinstance(refused, StsDenied)
    assert refused.side == "caller"  # the trust policy allows; the auditor's own policies don't
    InlinePolicy.objects.create(
        sandbox=sandbox,
        user=auditor,
        name="assume",
        document=doc(allow("sts:AssumeRole", role.arn)),
    )
    world = World.for_sandbox(sandbox)
    session = world.assume_role(
        _principal(world, auditor), _principal(world, role), "audit", now=NOW
    )
    assert isinstance(session, Session)
    assert session.arn == f"arn:aws:sts::{dev.account_id}:assumed-role/ReadOnly/audit"
    assert session.access_key_id.startswith("ASIA")
    assert session.evaluate("s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert not session.evaluate("s3:PutObject", "arn:aws:s3:::b/k").allowed


def test_role_duration_comes_from_the_sandbox_role(org_world):
    # id_roles_update-role-settings.html: DurationSeconds may not exceed the role's maximum.
    from iamlab.policy import StsDenied

    sandbox, *_, dev, _ = org_world
    user = IamUserFactory(account=dev)
    user.managed_policies.add(aws_policy("AdministratorAccess"))
    role = RoleFactory(
        account=dev, trust_policy=trust_account(dev.account_id), max_session_duration=7200
    )
    world = World.for_sandbox(sandbox)
    caller, target = _principal(world, user), _principal(world, role)
    assert not isinstance(
        world.assume_role(caller, target, "ops", now=NOW, duration_seconds=7200), StsDenied
    )
    too_long = world.assume_role(caller, target, "ops", now=NOW, duration_seconds=7201)
    assert isinstance(too_long, StsDenied)
    assert too_long.check == "duration"


def test_a_stack_and_a_build_project_are_resources_identity_policies_decide():
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodebuild.html:
    # neither service takes a resource-based policy, so only the caller's own policies grant.
    stack = StackFactory(tags={"team": "platform"})
    account = stack.account
    build = BuildProjectFactory(account=account)
    assert stack.role.account == build.role.account == account
    assert stack.role.trusted_services == ["cloudformation.amazonaws.com"]
    assert build.role.trusted_services == ["codebuild.amazonaws.com"]
    user = IamUserFactory(account=account)
    InlinePolicy.objects.create(
        sandbox=account.sandbox,
        user=user,
        name="Deploy",
        document=doc(allow("cloudformation:UpdateStack", stack.arn)),
    )
    world = World.for_sandbox(account.sandbox)
    found = world.resource_for(stack.arn)
    assert found is not None
    assert found.policy is None
    assert found.label == f"CloudFormation stack {stack.name} ({account.account_id})"
    project = world.resource_for(build.arn)
    assert project is not None
    assert project.label == f"CodeBuild project {build.name} ({account.account_id})"
    assert check(account.sandbox, user, stack.sample_action, stack.arn).allowed
    assert not check(account.sandbox, user, build.sample_action, build.arn).allowed
    # The stack's tags are aws:ResourceTag keys of requests on it.
    _, _, context = world.resource_context(stack.arn)
    assert context["aws:ResourceTag/team"] == "platform"
