"""What the identity flows send to AWS, as AWS would see it (issue 17, fidelity), on Example
Corp: the MFA a call carries, the region it goes to, who asked STS for a session, and the
console's switch-role link. Each test names the AWS page it comes from.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from iamlab.flows.forms import home_region
from iamlab.sandbox import models, sessions
from iamlab.sandbox.world import World
from tests.flows.test_federation import claims, issue_saml, post_web
from tests.flows.test_flows import account, current_code, launch, role, url, user

pytestmark = pytest.mark.django_db


def become(corp, key):
    """Be this identity, as signing in would make you (sign-in is tested elsewhere)."""
    corp.acting_as = key
    corp.save(update_fields=["acting_as"])


def console_mfa(corp, name):
    """``name`` signed in to the console with MFA."""
    return f"user:{user(corp, name).pk}:mfa"


def virtual_device(corp, name):
    holder = user(corp, name)
    return models.MfaDevice.objects.create(
        sandbox=corp, account=holder.account, user=holder, name=f"{name}-cli"
    )


def assume(web, corp, role_name, **extra):
    data = {"role": role(corp, role_name).pk, "session_name": "cli", "duration_seconds": 3600}
    return web.post(url("assume_role", corp), data | extra)


def mfa_role(corp):
    """A Development role that trusts its own account's principals when MFA was used, as the
    User Guide's example (id_credentials_mfa_configure-api-require.html)."""
    dev = account(corp, "Development")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{dev.account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    return models.Role.objects.create(
        sandbox=corp, account=dev, name="NeedsMfa", trust_policy=json.dumps(trust)
    )


# -- 1. MFA does not travel into CLI calls -----------------------------------------------------
# id_credentials_mfa_configure-api-require.html: "the API caller must ... pass the MFA
# information" (SerialNumber and TokenCode on AssumeRole, or temporary credentials from
# GetSessionToken called with MFA); API_AssumeRole.html, SerialNumber / TokenCode.


def test_a_console_mfa_sign_in_does_not_make_a_cli_call_mfa_authenticated(web, corp):
    """auditor signed in to the console with a passkey: Switch Role into ProductionAuditor
    (trust requires aws:MultiFactorAuthPresent) works, `aws sts assume-role` does not
    (id_credentials_mfa_configure-api-require.html, id_roles_use_switch-role-console.html)."""
    become(corp, console_mfa(corp, "auditor"))
    cli = assume(web, corp, "ProductionAuditor")
    assert cli.status_code == 400
    assert cli.context["denied"].check == "trust-policy"
    assert cli.context["mfa_missing"]
    assert b'data-testid="mfa-hint"' in cli.content
    assert b"--serial-number" in cli.content
    assert not models.StsSession.objects.filter(sandbox=corp).exists()

    production = account(corp, "Production")
    console = web.post(
        url("switch_role", corp),
        {"account": production.account_id, "role_name": "ProductionAuditor", "color": "blue"},
    )
    assert console.status_code == 302
    row = models.StsSession.objects.get(sandbox=corp)
    assert row.via == "console"
    assert row.carried["aws:MultiFactorAuthPresent"] == "true"


def test_assume_role_with_serial_number_and_token_code_carries_mfa(web, corp):
    """API_AssumeRole.html: SerialNumber and TokenCode make the session MFA-authenticated;
    its requests carry aws:MultiFactorAuthPresent true (id_credentials_mfa_configure-api-
    require.html)."""
    device = virtual_device(corp, "auditor")
    become(corp, f"user:{user(corp, 'auditor').pk}")  # the access key, no console sign-in
    page = web.get(url("assume_role", corp))
    assert device.serial.encode() in page.content  # offered in the datalist and the hint
    response = assume(
        web,
        corp,
        "ProductionAuditor",
        serial_number=device.serial,
        token_code=current_code(corp, device.name),
    )
    assert response.status_code == 200, response.context.get("denied")
    row = response.context["issued"]
    assert row.mfa_authenticated_at is not None
    assert row.mfa_serial == device.serial
    assert sessions.identity_for(corp, World.for_sandbox(corp), row.key).mfa


def test_get_session_token_credentials_with_mfa_carry_it_into_assume_role(web, corp):
    """id_credentials_mfa_configure-api-require.html: temporary credentials GetSessionToken
    issued with MFA satisfy aws:MultiFactorAuthPresent in the calls made with them; without
    MFA they do not."""
    mfa_role(corp)
    alice = user(corp, "alice")
    become(corp, f"user:{alice.pk}")
    phone = models.MfaDevice.objects.get(sandbox=corp, name="alice-phone")
    plain = web.post(url("session_token", corp), {"duration_seconds": 3600})
    assert plain.status_code == 200
    become(corp, plain.context["issued"].key)
    assert assume(web, corp, "NeedsMfa").context["denied"].check == "trust-policy"

    become(corp, f"user:{alice.pk}")
    with_mfa = web.post(
        url("session_token", corp),
        {"duration_seconds": 3600, "serial": phone.serial, "code": current_code(corp, phone.name)},
    )
    assert with_mfa.context["issued"].mfa_authenticated_at is not None
    become(corp, with_mfa.context["issued"].key)
    response = assume(web, corp, "NeedsMfa")
    assert response.status_code == 200, response.context.get("denied")
    assert response.context["issued"].mfa_authenticated_at is not None


def test_get_session_token_does_not_borrow_the_console_sign_ins_mfa(web, corp):
    """GetSessionToken is an API call: without SerialNumber and TokenCode its credentials are
    not MFA-authenticated, however the user signed in to the console
    (id_credentials_mfa_configure-api-require.html, API_GetSessionToken.html)."""
    become(corp, console_mfa(corp, "alice"))
    response = web.post(url("session_token", corp), {"duration_seconds": 3600})
    assert response.status_code == 200
    row = response.context["issued"]
    assert row.mfa_authenticated_at is None
    assert not sessions.identity_for(corp, World.for_sandbox(corp), row.key).mfa


def test_a_passkey_cannot_be_used_with_the_cli(web, corp):
    """id_credentials_mfa_fido_supported_configurations.html: FIDO security keys and passkeys
    are for console sign-in; the API and the CLI need a TOTP code."""
    become(corp, console_mfa(corp, "auditor"))
    page = web.get(url("assume_role", corp))
    assert b"passkey or security key" in page.content  # auditor-key, named as unusable
    passkey = models.MfaDevice.objects.get(sandbox=corp, name="auditor-key")
    response = assume(
        web, corp, "ProductionAuditor", serial_number=passkey.serial, token_code="123456"
    )
    assert response.status_code == 400
    assert "passkey" in response.context["form"].errors["serial_number"][0]
    assert "denied" not in response.context  # refused before anything is sent


def test_assume_role_checks_the_mfa_parameters(web, corp):
    """API_AssumeRole.html: SerialNumber is 9 to 256 of [\\w+=/:,.@-], TokenCode six digits,
    each needs the other; a serial number that is not the caller's, or a wrong code, is
    refused with AWS's MultiFactorAuthentication errors."""
    device = virtual_device(corp, "auditor")
    become(corp, f"user:{user(corp, 'auditor').pk}")
    alone = assume(web, corp, "ProductionAuditor", serial_number=device.serial)
    assert "token_code" in alone.context["form"].errors
    short = assume(web, corp, "ProductionAuditor", serial_number="x y", token_code="12345")
    errors = short.context["form"].errors
    assert "serial_number" in errors
    assert "token_code" in errors
    others = models.MfaDevice.objects.get(sandbox=corp, name="alice-phone")
    foreign = assume(
        web, corp, "ProductionAuditor", serial_number=others.serial, token_code="123456"
    )
    assert foreign.context["denied"].check == "mfa"
    assert "unable to validate" in foreign.context["denied"].aws_error
    assert "serial_number" in foreign.context["form"].errors
    code = current_code(corp, device.name)
    wrong = "000000" if code != "000000" else "111111"
    bad = assume(web, corp, "ProductionAuditor", serial_number=device.serial, token_code=wrong)
    assert "invalid MFA one time pass code" in bad.context["denied"].aws_error
    assert "token_code" in bad.context["form"].errors


# -- 2. Regions and context keys ----------------------------------------------------------------
# reference_policies_condition-keys.html#condition-keys-requestedregion; the RegionGuardrail
# SCP is AWS's example (orgs_manage_policies_scps_examples_general.html#example-scp-deny-region).


def broker_call(web, corp, **extra):
    page = web.get(url("broker", corp))
    form = page.context["form"]
    data = {
        "broker": user(corp, "alice").pk,
        "name": "jdoe",
        "policy": form["policy"].value(),
        "sample_action": form["sample_action"].value(),
        "sample_resource": form["sample_resource"].value(),
    }
    return web.post(url("broker", corp), data | extra)


def test_the_broker_intersection_goes_to_the_home_region_and_the_scp_allows_it(web, corp):
    """GetFederationToken (id_credentials_temp_request.html): the federated user's call is the
    intersection of the broker's policies and the session policy. The call goes to a region
    (aws:RequestedRegion), by default the sandbox's home region, which RegionGuardrail allows;
    outside the allowed regions the SCP denies the broker and the federated user alike."""
    assert home_region(corp) == "us-east-1"
    page = web.get(url("broker", corp))
    assert page.context["form"]["region"].value() == "us-east-1"
    response = broker_call(web, corp)
    assert response.status_code == 200, response.context.get("problem")
    extra = response.context["outcome"].extra
    assert extra["as_federated"].request.context["aws:requestedregion"] == "us-east-1"
    assert extra["as_broker"].allowed
    assert extra["as_federated"].allowed
    outside = broker_call(web, corp, region="ap-southeast-2").context["outcome"].extra
    assert not outside.get("as_federated").allowed
    assert not outside["as_broker"].allowed
    assert outside["as_federated"].evaluation.decision == "explicitDeny"


def test_flow_calls_take_context_keys_but_not_the_ones_aws_sets(web, corp):
    """Context keys are added as the access check takes them; aws:MultiFactorAuthPresent comes
    from the credentials and aws:RequestedRegion from the endpoint, never from the caller
    (reference_policies_condition-keys.html)."""
    response = broker_call(web, corp, context="aws:SourceIp = 203.0.113.7")
    extra = response.context["outcome"].extra
    assert extra["as_federated"].request.context["aws:sourceip"] == "203.0.113.7"
    for line in ("aws:MultiFactorAuthPresent = true", "aws:RequestedRegion = us-east-1"):
        refused = broker_call(web, corp, context=line)
        assert refused.status_code == 400
        assert "context" in refused.context["form"].errors
    become(corp, console_mfa(corp, "auditor"))
    typed = assume(web, corp, "ProductionAuditor", context="aws:MultiFactorAuthPresent = true")
    assert "--serial-number" in typed.context["form"].errors["context"][0]


def test_an_instances_calls_go_to_its_region_or_the_one_chosen(web, corp):
    """An application on EC2 (id_roles_use_switch-role-ec2.html) calls its instance's region
    unless told otherwise; the SCP reads aws:RequestedRegion."""
    become(corp, console_mfa(corp, "alice"))
    assert launch(web, corp, region="eu-west-1").status_code == 302
    instance = models.Ec2Instance.objects.get(sandbox=corp, name="app-1")
    page = web.get(url("ec2", corp), {"instance": instance.pk})
    assert page.context["call_form"]["region"].value() == "eu-west-1"
    bucket = models.Resource.objects.get(sandbox=corp, kind="s3")
    data = {"step": "call", "instance": instance.pk, "action": "s3:GetObject"}
    data["resource"] = f"{bucket.arn}/q1.csv"
    here = web.post(url("ec2", corp), data)
    assert here.context["call"].request.context["aws:requestedregion"] == "eu-west-1"
    assert here.context["call"].allowed
    away = web.post(url("ec2", corp), data | {"region": "sa-east-1"})
    assert away.context["call"].evaluation.decision == "explicitDeny"


def test_cross_account_and_lambda_calls_take_a_region_and_context_keys(web, corp):
    """Cross-account access (reference_policies_evaluation-logic-cross-account.html) and a
    Lambda function's calls (lambda-intro-execution-role.html) go to the region chosen."""
    auditor = user(corp, "auditor")
    page = web.get(
        url("cross_account", corp),
        {
            "caller": f"user:{auditor.pk}",
            "mfa": "on",
            "role": role(corp, "ReadOnlyAuditor").pk,
            "action": "",
            "region": "sa-east-1",
            "context": "aws:SourceIp = 203.0.113.7",
        },
    )
    assert page.status_code == 200, page.context["form"].errors
    assume_check = page.context["via_role"].check
    assert assume_check.request.context["aws:requestedregion"] == "sa-east-1"
    assert assume_check.request.context["aws:sourceip"] == "203.0.113.7"

    fn = models.Resource.objects.filter(sandbox=corp, kind="lambda").first()
    web.post(url("services", corp), {"function": fn.pk})
    row = models.StsSession.objects.get(sandbox=corp, via="service")
    query = {"function": fn.pk, "session": row.pk, "action": "logs:CreateLogGroup"}
    default = web.get(url("services", corp), query)
    assert default.context["call"].request.context["aws:requestedregion"] == fn.region
    chosen = web.get(url("services", corp), query | {"region": "ap-northeast-1"})
    assert chosen.context["call"].request.context["aws:requestedregion"] == "ap-northeast-1"
    assert chosen.context["call"].evaluation.decision == "explicitDeny"


def test_the_home_region_is_where_most_of_the_sandbox_is(corp):
    """iamlab's default region for flows: the region most resources and instances are in."""
    dev = account(corp, "Development")
    for n in range(10):
        models.Resource.objects.create(
            sandbox=corp, account=dev, kind="s3", name=f"eu-bucket-{n}", region="eu-west-1"
        )
    assert home_region(corp) == "eu-west-1"


# -- 3. Who asked STS for a session -------------------------------------------------------------
# API_AssumeRoleWithSAML.html and API_AssumeRoleWithWebIdentity.html ("you do not need to use
# AWS security credentials": the caller is the identity provider's user);
# id_roles_use_switch-role-ec2.html (EC2 assumes the instance profile's role).


def test_the_hub_names_the_real_source_of_each_session(web, corp):
    become(corp, console_mfa(corp, "alice"))
    data, xml = issue_saml(web, corp)
    assert web.post(url("saml", corp), data | {"step": "send", "xml": xml}).status_code == 200
    assert post_web(web, corp, claims(corp)).status_code == 200
    dana = models.SsoUser.objects.get(sandbox=corp, user_name="dana")
    entry = web.get(url("portal", corp), {"user": dana.pk}).context["entries"][0]
    web.post(url("portal", corp), {"user": dana.pk, "assignment": entry.assignment.pk})
    assert launch(web, corp).status_code == 302

    page = web.get(url("hub", corp))
    by_via = {row.via: sessions.session_source(row) for row in page.context["sessions"]}
    assert by_via["saml"] == (
        "from jdoe@example.com, signed in by SAML identity provider ExampleCorpIdP"
    )
    assert by_via["web-identity"] == (
        "from repo:example-corp/web-app:ref:refs/heads/main, with a token from "
        "token.actions.githubusercontent.com"
    )
    assert by_via["portal"] == "from Identity Center user dana, through the AWS access portal"
    instance = models.Ec2Instance.objects.get(sandbox=corp, name="app-1")
    assert by_via["instance"] == (
        f"issued to Amazon EC2 for instance app-1 ({instance.instance_id})"
    )
    text = page.content.decode()
    assert "from IAM user alice" not in text
    assert "signed in by SAML identity provider ExampleCorpIdP" in text


def test_the_hub_still_names_the_caller_of_assume_role_and_the_broker(web, corp):
    """AssumeRole and GetFederationToken are called with AWS credentials: their caller is the
    IAM user (API_AssumeRole.html, API_GetFederationToken.html)."""
    become(corp, console_mfa(corp, "auditor"))
    web.post(
        url("switch_role", corp),
        {"account": account(corp, "Development").account_id, "role_name": "ReadOnlyAuditor"},
    )
    become(corp, console_mfa(corp, "carol"))
    broker_call(web, corp)
    rows = {row.via: row for row in models.StsSession.objects.filter(sandbox=corp)}
    assert sessions.session_source(rows["console"]) == "from IAM user auditor (" + (
        account(corp, "Audit").account_id + ")"
    )
    dev = account(corp, "Development").account_id
    assert sessions.session_source(rows["broker"]) == f"from IAM user alice ({dev})"


# -- 4. The console's switch-role link ----------------------------------------------------------
# id_roles_use_switch-role-console.html, id_roles_use_permissions-to-switch.html: an
# administrator can send https://signin.aws.amazon.com/switchrole?roleName=...&account=...


def test_switch_role_shows_the_link_for_the_learners_values_escaped(web, corp):
    become(corp, console_mfa(corp, "auditor"))
    dev = account(corp, "Development")
    page = web.get(url("switch_role", corp), {"account": dev.account_id, "role": "ReadOnlyAuditor"})
    link = page.context["switch_link"]
    assert link == (
        f"https://signin.aws.amazon.com/switchrole?roleName=ReadOnlyAuditor&account={dev.account_id}"
    )
    assert link.replace("&", "&amp;").encode() in page.content

    odd = web.get(url("switch_role", corp), {"account": "<b>&x", "role": "ops/Admin\"'"})
    assert odd.context["switch_link"].endswith("roleName=ops/Admin%22%27&account=%3Cb%3E%26x")
    assert b"<b>&x" not in odd.content

    empty = web.get(url("switch_role", corp))
    assert "switch_link" not in empty.context
    assert b"roleName=ROLE-NAME&amp;account=ACCOUNT-ID" in empty.content

    web.post(
        url("switch_role", corp),
        {"account": dev.account_id, "role_name": "readonlyauditor", "color": "blue"},
    )
    after = web.get(url("switch_role", corp))
    assert after.context["switch_link"].endswith(
        f"roleName=ReadOnlyAuditor&account={dev.account_id}"
    )
    assert reverse("flows:switch_role", args=[corp.pk]).encode() in after.content
