"""Cross-account access and AWS services acting for you, through the web client.

Example Corp is the stage: the auditor user (Audit account, a passkey) may assume
ReadOnlyAuditor in Development when signed in with MFA, and read the reports bucket of
Development through its bucket policy; order-processor is a Lambda function of Development
whose execution role OrderProcessorRole trusts lambda.amazonaws.com; alice is an administrator
and carol may do nothing; AWSServiceRoleForAutoScaling is a service-linked role.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from iamlab.sandbox import demo, models, services
from iamlab.sandbox.awsmanaged import aws_policy
from tests.sandbox.factories import IamUserFactory, PersonFactory, RoleFactory

pytestmark = pytest.mark.django_db

DEV = demo.DEVELOPMENT_ID
FUNCTION_SESSION = f"arn:aws:sts::{DEV}:assumed-role/OrderProcessorRole/order-processor"


def url(name, sandbox):
    return reverse(f"flows:{name}", args=[sandbox.pk])


def user(corp, name):
    return models.IamUser.objects.get(sandbox=corp, name=name)


def role(corp, name):
    return models.Role.objects.get(sandbox=corp, name=name)


def bucket(corp):
    return models.Resource.objects.get(sandbox=corp, kind="s3", name=demo.BUCKET)


def function(corp):
    return models.Resource.objects.get(sandbox=corp, kind="lambda", name=demo.FUNCTION)


def become(corp, key):
    """Be this identity, as signing in would make you (sign-in itself is tested elsewhere)."""
    corp.acting_as = key
    corp.save(update_fields=["acting_as"])


def compare(web, corp, caller, *, mfa=False, target_role=None, resource=None, action=""):
    data = {"caller": caller, "action": action}
    if mfa:
        data["mfa"] = "on"
    if target_role is not None:
        data["role"] = target_role.pk
    if resource is not None:
        data["resource"] = resource.pk
    return web.get(url("cross_account", corp), data)


@pytest.fixture
def prod_admin(corp):
    """An administrator of Production: its own policies allow everything."""
    production = models.Account.objects.get(sandbox=corp, account_id=demo.PRODUCTION_ID)
    admin = IamUserFactory(account=production, name="prod-admin")
    services.attach_policy(admin, aws_policy("AdministratorAccess"))
    return admin


# -- cross-account access through a role --------------------------------------------------------


def test_the_auditor_signed_in_with_mfa_can_assume_the_audit_role(web, corp):
    """id_roles_common-scenarios_aws-accounts.html, id_credentials_mfa_configure-api-require.html:
    the page starts from who you are; both accounts agree, and the role's session then acts."""
    auditor = user(corp, "auditor")
    audit = models.Account.objects.get(sandbox=corp, account_id=demo.AUDIT_ID)
    signed_in = web.post(
        url("sign_in", corp),
        {
            "how": "user",
            "account": audit.pk,
            "user_name": "auditor",
            "password": models.DEFAULT_CONSOLE_PASSWORD,
            "passkey": "1",
        },
    )
    assert signed_in.status_code == 302
    page = web.get(url("cross_account", corp))
    assert page.status_code == 200
    assert page.context["caller"].key == f"user:{auditor.pk}"
    assert page.context["mfa"] is True
    assert page.context["role"] == role(corp, "ReadOnlyAuditor")
    path = page.context["via_role"]
    assert path.caller_ok
    assert path.target_ok
    assert path.check.allowed
    assert path.then.allowed  # s3:GetObject, as the role's session
    assert path.then.request.principal == (
        f"arn:aws:sts::{DEV}:assumed-role/ReadOnlyAuditor/auditor"
    )
    assert b"gives up its own permissions" in page.content
    switch = reverse("flows:switch_role", args=[corp.pk])
    assert f"{switch}?account={DEV}&amp;role=ReadOnlyAuditor".encode() in page.content
    assert not models.StsSession.objects.filter(sandbox=corp).exists()  # only a preview


def test_without_mfa_the_roles_trust_policy_refuses_the_auditor(web, corp):
    """id_credentials_mfa_configure-api-require.html: the trust policy's condition
    aws:MultiFactorAuthPresent fails, so the trusting account says no, not the auditor's."""
    page = compare(
        web,
        corp,
        f"user:{user(corp, 'auditor').pk}",
        target_role=role(corp, "ReadOnlyAuditor"),
        resource=bucket(corp),
    )
    assert page.status_code == 200
    path = page.context["via_role"]
    assert path.caller_ok
    assert not path.target_ok
    assert not path.check.allowed
    assert path.then is None
    assert "aws:MultiFactorAuthPresent" in path.check.evaluation.missing_context
    assert b"STS issues no credentials" in page.content


def test_a_role_whose_trust_policy_does_not_name_the_caller_is_refused(web, corp, prod_admin):
    """reference_policies_evaluation-logic-cross-account.html: the caller's own policies allow
    sts:AssumeRole on every role, but the role's trust policy trusts only the Audit account."""
    page = compare(
        web,
        corp,
        f"user:{prod_admin.pk}",
        mfa=True,
        target_role=role(corp, "ReadOnlyAuditor"),
    )
    path = page.context["via_role"]
    assert path.caller_ok
    assert not path.target_ok
    assert not path.check.allowed
    assert "via_resource" not in page.context
    assert b"must trust prod-admin or its account" in page.content


def test_the_callers_own_account_must_allow_assume_role_too(web, corp):
    """reference_policies_evaluation-logic-cross-account.html: a trust policy that names the
    caller is not enough across accounts; the caller's identity policies must allow it."""
    production = models.Account.objects.get(sandbox=corp, account_id=demo.PRODUCTION_ID)
    trusting = RoleFactory(
        account=production,
        name="TrustsCarol",
        trust_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{DEV}:user/carol"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    page = compare(web, corp, f"user:{user(corp, 'carol').pk}", target_role=trusting)
    path = page.context["via_role"]
    assert not path.caller_ok
    assert path.target_ok
    assert not path.check.allowed


# -- cross-account access through a resource-based policy --------------------------------------


def test_the_bucket_policy_lets_the_auditor_read_with_its_own_permissions(web, corp):
    """access_policies-cross-account-resource-access.html: the bucket policy names the Audit
    account and the auditor's own policy allows s3:GetObject; the caller stays itself."""
    page = compare(
        web,
        corp,
        f"user:{user(corp, 'auditor').pk}",
        resource=bucket(corp),
        action="s3:GetObject",
    )
    path = page.context["via_resource"]
    assert path.caller_ok
    assert path.target_ok
    assert path.check.allowed
    assert path.check.request.principal.endswith(":user/auditor")
    assert page.context["arn"] == f"arn:aws:s3:::{demo.BUCKET}/example.txt"
    assert b"keeps its own permissions" in page.content
    assert "via_role" not in page.context


def test_the_bucket_policy_refuses_what_it_does_not_grant(web, corp, prod_admin):
    """access_policies-cross-account-resource-access.html: s3:PutObject is in neither the
    auditor's policy nor the bucket policy; an administrator of Production is allowed
    everything by its own account, but the bucket policy names only the Audit account."""
    auditor = f"user:{user(corp, 'auditor').pk}"
    page = compare(web, corp, auditor, resource=bucket(corp), action="s3:PutObject")
    path = page.context["via_resource"]
    assert not path.check.allowed
    assert not path.caller_ok
    assert not path.target_ok

    page = compare(web, corp, f"user:{prod_admin.pk}", resource=bucket(corp), action="s3:GetObject")
    path = page.context["via_resource"]
    assert path.caller_ok
    assert not path.target_ok
    assert not path.check.allowed
    # The bucket-level action names the bucket itself.
    page = compare(
        web, corp, f"user:{prod_admin.pk}", resource=bucket(corp), action="s3:ListBucket"
    )
    assert page.context["arn"] == f"arn:aws:s3:::{demo.BUCKET}"


def test_the_form_refuses_what_is_not_cross_account_or_not_an_action(web, corp, person):
    """reference_policies_evaluation-logic-cross-account.html (a target in another account) and
    reference_policies_actions-resources-contextkeys.html (actions AWS has)."""
    alice = f"user:{user(corp, 'alice').pk}"
    same = compare(web, corp, alice, resource=bucket(corp), action="s3:GetObject")
    assert same.status_code == 400
    assert "in the caller's own account" in same.context["form"].errors["resource"][0]

    auditor = f"user:{user(corp, 'auditor').pk}"
    typo = compare(web, corp, auditor, resource=bucket(corp), action="s3:GetObjekt")
    assert typo.status_code == 400
    assert "Did you mean s3:GetObject?" in typo.context["form"].errors["action"][0]

    nothing = compare(web, corp, auditor)
    assert nothing.status_code == 400
    assert "role" in nothing.context["form"].errors

    other = demo.build_example_corp(PersonFactory(username="someone-else"))
    theirs = compare(web, corp, auditor, resource=bucket(other), action="s3:GetObject")
    assert theirs.status_code == 400
    assert "Choose a resource of this sandbox." in theirs.context["form"].errors["resource"]
    their_user = user(other, "auditor")
    stranger = compare(web, corp, f"user:{their_user.pk}", resource=bucket(corp))
    assert "caller" in stranger.context["form"].errors


def test_the_designer_starts_from_the_example(web, corp):
    """id_roles_common-scenarios_aws-accounts.html: a first visit shows a worked example."""
    page = web.get(url("cross_account", corp))
    assert page.status_code == 200
    assert page.context["using_example"]
    assert page.context["caller"].name == "auditor"
    assert page.context["via_role"].check.allowed
    assert page.context["via_resource"].check.allowed
    assert b"How IAM roles differ from resource-based policies" in page.content


# -- a service role: a Lambda function's execution role ----------------------------------------


def test_running_the_function_gives_its_code_the_roles_session(web, corp):
    """lambda-intro-execution-role.html: Lambda assumes the execution role when the function
    runs; the session is named after the function and its calls are the role's."""
    fn = function(corp)
    response = web.post(url("services", corp), {"function": fn.pk})
    assert response.status_code == 302
    row = models.StsSession.objects.get(sandbox=corp, via="service")
    assert row.arn == FUNCTION_SESSION
    assert row.caller_arn == "lambda.amazonaws.com"

    page = web.get(response["Location"])
    assert page.status_code == 200
    assert page.context["session"] == row
    assert FUNCTION_SESSION.encode() in page.content

    base = {"function": fn.pk, "session": row.pk}
    log_group = f"arn:aws:logs:us-east-1:{DEV}:log-group:/aws/lambda/order-processor"
    first = web.get(url("services", corp), base)
    assert first.context["call_form"]["resource"].value() == log_group  # offered first
    logs = web.get(
        url("services", corp), base | {"action": "logs:CreateLogGroup", "resource": log_group}
    )
    assert logs.context["call"].allowed
    assert logs.context["call"].request.principal == FUNCTION_SESSION

    delete = web.get(
        url("services", corp),
        base | {"action": "s3:DeleteBucket", "resource": f"arn:aws:s3:::{demo.BUCKET}"},
    )
    assert delete.status_code == 200
    assert not delete.context["call"].allowed

    typo = web.get(url("services", corp), base | {"action": "logs:CreateLogGrup"})
    assert typo.status_code == 400
    assert "Did you mean logs:CreateLogGroup?" in typo.context["call_form"].errors["action"][0]


def test_a_role_that_does_not_trust_lambda_gives_the_function_nothing(web, corp):
    """lambda-intro-execution-role.html: the execution role's trust policy must name the Lambda
    service principal; WebAppRole trusts only ec2.amazonaws.com."""
    response = web.post(
        url("services", corp), {"function": function(corp).pk, "role": role(corp, "WebAppRole").pk}
    )
    assert response.status_code == 400
    assert response.context["denied"].check == "trust-policy"
    assert b"Lambda could not assume the role" in response.content
    assert not models.StsSession.objects.filter(sandbox=corp).exists()


def test_expired_function_credentials_make_no_call(web, corp):
    """id_credentials_temp_use-resources.html: temporary credentials stop working when they
    expire."""
    fn = function(corp)
    web.post(url("services", corp), {"function": fn.pk})
    row = models.StsSession.objects.get(sandbox=corp, via="service")
    corp.clock_offset = int(dt.timedelta(hours=2).total_seconds())
    corp.save(update_fields=["clock_offset"])
    page = web.get(
        url("services", corp),
        {"function": fn.pk, "session": row.pk, "action": "logs:CreateLogGroup"},
    )
    assert "expired" in page.context["call_problem"]
    assert "call" not in page.context


def test_pass_role_is_allowed_to_an_administrator_and_refused_to_carol(web, corp):
    """id_roles_use_passrole.html: creating a function with a role needs iam:PassRole on it,
    with iam:PassedToService lambda.amazonaws.com."""
    become(corp, f"user:{user(corp, 'alice').pk}:mfa")
    page = web.get(url("services", corp))
    check = page.context["pass_role"].check
    assert check.allowed
    assert check.request.action == "iam:PassRole"
    assert check.request.resource == role(corp, "OrderProcessorRole").arn
    assert check.request.context["iam:passedtoservice"] == "lambda.amazonaws.com"

    become(corp, f"user:{user(corp, 'carol').pk}")
    page = web.get(url("services", corp))
    assert not page.context["pass_role"].check.allowed
    assert b"cannot hand the function more power" in page.content

    become(corp, "")
    page = web.get(url("services", corp))
    assert page.context["pass_role"].check is None


def test_service_linked_roles_are_listed_view_only(web, corp):
    """using-service-linked-roles.html: the service owns the role; creating one needs
    iam:CreateServiceLinkedRole with iam:AWSServiceName."""
    become(corp, f"user:{user(corp, 'alice').pk}:mfa")
    page = web.get(url("services", corp))
    listed = {slr.name: (service, create) for slr, service, create in page.context["slrs"]}
    service, create = listed["AWSServiceRoleForAutoScaling"]
    assert service == "autoscaling.amazonaws.com"
    assert create.check.allowed
    assert create.check.request.context["iam:awsservicename"] == "autoscaling.amazonaws.com"
    assert role(corp, "AWSServiceRoleForAutoScaling").get_absolute_url().encode() in page.content
    assert b"view but not edit" in page.content

    become(corp, f"user:{user(corp, 'carol').pk}")
    page = web.get(url("services", corp))
    listed = {slr.name: create for slr, _, create in page.context["slrs"]}
    assert not listed["AWSServiceRoleForAutoScaling"].check.allowed


def test_another_sandboxs_function_or_session_is_not_found(web, corp):
    """id_roles_create_for-service.html: every id is looked up in your own sandbox only."""
    other = demo.build_example_corp(PersonFactory(username="another"))
    theirs = function(other)
    assert web.get(url("services", corp), {"function": theirs.pk}).status_code == 404
    assert web.get(url("services", corp), {"function": "x"}).status_code == 404
    response = web.post(url("services", corp), {"function": theirs.pk})
    assert response.status_code == 400
    assert "function" in response.context["form"].errors
    web.force_login(other.owner)
    web.post(url("services", other), {"function": theirs.pk})
    row = models.StsSession.objects.get(sandbox=other)
    web.force_login(corp.owner)
    assert web.get(url("services", corp), {"session": row.pk}).status_code == 404


def test_the_hub_links_both_pages(web, corp):
    """id_roles.html: cross-account access and cross-service access are uses of roles."""
    hub = web.get(url("hub", corp))
    assert url("cross_account", corp).encode() in hub.content
    assert url("services", corp).encode() in hub.content
