"""The identity flows through the web client: sign in, switch roles, assume roles, the clock.

Example Corp is the stage: alice (Development, admin, virtual MFA), carol (no console
password), bob (access key only), auditor (Audit account, passkey) and ReadOnlyAuditor, a
Development role that trusts the Audit account when MFA was used
(id_roles_use_switch-role-console.html, id_credentials_mfa_configure-api-require.html).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from iamlab.sandbox import models, sessions
from iamlab.sandbox.world import World

pytestmark = pytest.mark.django_db


def url(name, sandbox, *args):
    return reverse(f"flows:{name}", args=[sandbox.pk, *args])


def account(corp, name):
    return models.Account.objects.get(sandbox=corp, name=name)


def user(corp, name):
    return models.IamUser.objects.get(sandbox=corp, name=name)


def role(corp, name):
    return models.Role.objects.get(sandbox=corp, name=name)


def current_code(corp, device_name):
    device = models.MfaDevice.objects.get(sandbox=corp, name=device_name)
    corp.refresh_from_db()
    return sessions.mfa_code(device, corp.now())


def sign_in(web, corp, account_name, user_name, **extra):
    data = {
        "how": "user",
        "account": account(corp, account_name).pk,
        "user_name": user_name,
        "password": models.DEFAULT_CONSOLE_PASSWORD,  # the demo's users have the default one
    }
    return web.post(url("sign_in", corp), data | extra)


def acting(corp):
    corp.refresh_from_db()
    return corp.acting_as


# -- signing in (id_users_sign-in.html, id_credentials_mfa.html, id_root-user.html) -----------


def test_the_hub_says_you_are_the_designer_until_you_sign_in(web, corp):
    page = web.get(url("hub", corp))
    assert page.status_code == 200
    assert b"the designer of this sandbox" in page.content
    assert b"Ways to act in AWS" in page.content


def test_a_user_with_mfa_needs_the_code_its_device_shows(web, corp):
    response = sign_in(web, corp, "Development", "alice")
    assert response.status_code == 400
    assert "enter the code it shows" in response.context["result"].error
    assert acting(corp) == ""

    wrong = sign_in(web, corp, "Development", "alice", mfa_code="000000")
    code = current_code(corp, "alice-phone")
    if code != "000000":
        assert wrong.status_code == 400
        assert "not the one the device shows" in wrong.context["result"].error

    ok = sign_in(web, corp, "Development", "alice", mfa_code=code)
    assert ok.status_code == 302
    assert acting(corp) == f"user:{user(corp, 'alice').pk}:mfa"
    hub = web.get(url("hub", corp))
    assert b"IAM user alice" in hub.content
    assert b"signed in with MFA" in hub.content
    identity = json.loads(hub.context["caller_identity"])  # aws sts get-caller-identity
    assert identity["Arn"].endswith(":user/alice")
    assert identity["UserId"] == user(corp, "alice").unique_id


def test_a_user_without_a_console_password_cannot_sign_in_to_the_console(web, corp):
    response = sign_in(web, corp, "Development", "carol")
    assert response.status_code == 400
    assert "no console password" in response.context["result"].error
    assert acting(corp) == ""


def test_an_unknown_user_name_is_refused_with_the_consoles_vague_sentence(web, corp):
    response = sign_in(web, corp, "Development", "mallory")
    assert "no IAM user mallory" in response.context["result"].error
    assert "Your authentication information is incorrect" in response.context["result"].error


def test_an_access_key_user_acts_without_mfa(web, corp):
    data = {"how": "key", "account": account(corp, "Development").pk, "user_name": "bob"}
    assert web.post(url("sign_in", corp), data).status_code == 302
    assert acting(corp) == f"user:{user(corp, 'bob').pk}"
    data["user_name"] = "carol"  # carol has no access key
    response = web.post(url("sign_in", corp), data)
    assert "no active access key" in response.context["result"].error


def test_root_signs_in_with_its_password_and_cannot_switch_roles(web, corp):
    production = account(corp, "Production")
    response = web.post(url("sign_in", corp), {"how": "root", "account": production.pk})
    assert response.status_code == 302
    assert acting(corp) == f"root:{production.pk}"
    response = web.post(
        url("switch_role", corp),
        {"account": account(corp, "Development").account_id, "role_name": "ReadOnlyAuditor"},
    )
    assert "root user cannot switch roles" in response.context["problem"]
    assert not models.StsSession.objects.filter(sandbox=corp).exists()


def test_a_root_user_without_a_password_cannot_sign_in(web, corp):
    production = account(corp, "Production")
    production.root_password_set = False
    production.save()
    response = web.post(url("sign_in", corp), {"how": "root", "account": production.pk})
    assert "has no password" in response.context["result"].error


# -- switching roles in the console (id_roles_use_switch-role-console.html) ------------------


def auditor_switches(web, corp, role_name="ReadOnlyAuditor", **extra):
    assert sign_in(web, corp, "Audit", "auditor", passkey="1").status_code == 302
    data = {
        "account": account(corp, "Development").account_id,
        "role_name": role_name,
        "color": "green",
    }
    return web.post(url("switch_role", corp), data | extra)


def test_switching_roles_makes_you_the_role_and_back_returns_you(web, corp):
    response = auditor_switches(web, corp, display_name="Audit dev")
    assert response.status_code == 302
    row = models.StsSession.objects.get(sandbox=corp)
    assert row.via == "console"
    assert row.arn.endswith(":assumed-role/ReadOnlyAuditor/auditor")
    assert row.display_name == "Audit dev"
    assert row.color == "green"
    assert row.carried["aws:MultiFactorAuthPresent"] == "true"
    assert acting(corp) == row.key
    page = web.get(url("switch_role", corp))
    assert b"Audit dev" in page.content  # the role history
    assert b"Back to IAM user auditor" in page.content
    # The access check now asks as the session, and gets the role's permissions.
    check = web.get(
        reverse("sandbox:check", args=[corp.pk]), {"action": "iam:ListUsers", "resource": "*"}
    )
    assert check.context["data"]["principal"] == row.key
    assert check.context["result"].request.principal == row.arn
    assert check.context["result"].allowed
    write = web.get(
        reverse("sandbox:check", args=[corp.pk]), {"action": "iam:CreateUser", "resource": "*"}
    )
    assert not write.context["result"].allowed
    web.post(url("act", corp), {"key": row.origin})
    assert acting(corp) == f"user:{user(corp, 'auditor').pk}:mfa"


def test_switching_uses_the_signed_in_identity_not_the_current_role(web, corp):
    """Switching from one role to another is authorized with your original credentials, so
    it is not role chaining."""
    auditor_switches(web, corp)
    first = models.StsSession.objects.get(sandbox=corp)
    response = web.post(
        url("switch_role", corp),
        {
            "account": account(corp, "Development").account_id,
            "role_name": "ReadOnlyAuditor",
            "display_name": "again",
            "color": "red",
        },
    )
    assert response.status_code == 302
    second = models.StsSession.objects.exclude(pk=first.pk).get(sandbox=corp)
    assert second.parent is None
    assert not second.chained
    assert second.caller_arn.endswith(":user/auditor")
    assert second.origin == first.origin


def test_a_trust_policy_that_does_not_name_you_refuses_the_switch(web, corp):
    code = current_code(corp, "alice-phone")
    sign_in(web, corp, "Development", "alice", mfa_code=code)
    response = web.post(
        url("switch_role", corp),
        {
            "account": account(corp, "Development").account_id,
            "role_name": "ReadOnlyAuditor",
            "color": "blue",
        },
    )
    assert response.status_code == 400
    denied = response.context["denied"]
    assert denied.check == "trust-policy"
    assert "Could not switch: the role's trust policy" in response.content.decode()
    assert not models.StsSession.objects.filter(sandbox=corp).exists()


def test_switch_role_names_a_missing_account_or_role(web, corp):
    sign_in(web, corp, "Audit", "auditor", passkey="1")
    response = web.post(
        url("switch_role", corp), {"account": "999999999999", "role_name": "X", "color": "red"}
    )
    assert "No account 999999999999" in response.context["form"].errors["account"][0]
    response = web.post(
        url("switch_role", corp),
        {"account": "Development", "role_name": "NoSuchRole", "color": "red"},
    )
    assert "has no role NoSuchRole" in response.context["form"].errors["role_name"][0]


# -- AssumeRole with the CLI (API_AssumeRole.html, id_roles_terms-and-concepts.html) ---------


def test_assume_role_from_a_role_session_is_chaining_capped_at_one_hour(web, corp):
    auditor_switches(web, corp)
    # Give ReadOnlyAuditor a way on: a role it may assume and that trusts it.
    dev = account(corp, "Development")
    target = models.Role.objects.create(
        sandbox=corp,
        account=dev,
        name="ChainTarget",
        max_session_duration=4 * 3600,
        trust_policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
        f'{{"AWS":"{role(corp, "ReadOnlyAuditor").arn}"}},"Action":"sts:AssumeRole"}}]}}',
    )
    models.InlinePolicy.objects.create(
        sandbox=corp,
        role=role(corp, "ReadOnlyAuditor"),
        name="MayChain",
        document='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        f'"Action":"sts:AssumeRole","Resource":"{target.arn}"}}]}}',
    )
    data = {"role": target.pk, "session_name": "chain", "duration_seconds": 7200}
    response = web.post(url("assume_role", corp), data)
    assert response.context["denied"].check == "duration"
    assert "one hour" in response.context["denied"].message
    response = web.post(url("assume_role", corp), data | {"duration_seconds": 3600})
    issued = response.context["issued"]
    assert issued.chained
    assert issued.parent.via == "console"
    assert b"ASIA" in response.content
    # "Use these credentials" makes the learner the chained session.
    web.post(url("act", corp), {"key": issued.key})
    assert acting(corp) == issued.key


def test_assume_role_checks_its_inputs_before_calling(web, corp):
    sign_in(web, corp, "Audit", "auditor", passkey="1")
    response = web.post(
        url("assume_role", corp),
        {
            "role": role(corp, "ReadOnlyAuditor").pk,
            "session_name": "x",
            "duration_seconds": 3600,
            "policy_arns": "not-an-arn",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "session_name" in errors
    assert "policy_arns" in errors


def cli_mfa(corp, user_name):
    """A virtual MFA device for ``user_name`` and the AssumeRole parameters that name it: the
    CLI carries MFA only with --serial-number and --token-code."""
    holder = user(corp, user_name)
    device = models.MfaDevice.objects.create(
        sandbox=corp, account=holder.account, user=holder, name=f"{user_name}-phone"
    )
    return {"serial_number": device.serial, "token_code": current_code(corp, device.name)}


def test_a_session_policy_narrows_the_session(web, corp):
    sign_in(web, corp, "Audit", "auditor", passkey="1")
    mfa = cli_mfa(corp, "auditor")  # ReadOnlyAuditor's trust policy requires MFA
    narrow = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets",'
        '"Resource":"*"}]}'
    )
    response = web.post(
        url("assume_role", corp),
        {
            "role": role(corp, "ReadOnlyAuditor").pk,
            "session_name": "narrow",
            "duration_seconds": 900,
            "session_policy": narrow,
        }
        | mfa,
    )
    issued = response.context["issued"]
    world = World.for_sandbox(corp)
    session = sessions.engine_session(world, issued)
    info = sessions.role_info(world, issued)
    assert world.check_session(session, info, "s3:ListAllMyBuckets", "*").allowed
    assert not world.check_session(session, info, "iam:ListUsers", "*").allowed


def test_assume_role_as_nobody_says_to_sign_in(web, corp):
    response = web.post(
        url("assume_role", corp),
        {"role": role(corp, "ReadOnlyAuditor").pk, "session_name": "x1", "duration_seconds": 900},
    )
    assert "sign in as the root user or an IAM user" in response.context["problem"]


# -- the clock (id_credentials_temp.html: temporary credentials expire) ------------------------


def test_moving_the_clock_expires_a_session_and_the_access_check_refuses_it(web, corp):
    auditor_switches(web, corp)
    row = models.StsSession.objects.get(sandbox=corp)
    assert row.duration_seconds == 3600
    web.post(url("clock", corp), {"seconds": "3600"})
    corp.refresh_from_db()
    assert corp.clock_offset == 3600
    assert row.expired(corp.now())
    check = web.get(
        reverse("sandbox:check", args=[corp.pk]), {"action": "iam:ListUsers", "resource": "*"}
    )
    assert "expired" in check.context["errors"]["principal"]
    assert check.context["result"] is None
    hub = web.get(url("hub", corp))
    assert b'data-testid="session-expired"' in hub.content
    web.post(url("clock", corp), {"reset": "1"})
    corp.refresh_from_db()
    assert corp.clock_offset == 0


def test_the_clock_moves_only_by_the_offered_steps(web, corp):
    response = web.post(url("clock", corp), {"seconds": "-3600"}, follow=True)
    assert "Choose how far" in " ".join(str(m) for m in response.context["messages"])
    corp.refresh_from_db()
    assert corp.clock_offset == 0


def test_forgetting_the_session_in_use_returns_you_to_where_you_came_from(web, corp):
    auditor_switches(web, corp)
    row = models.StsSession.objects.get(sandbox=corp)
    web.post(url("forget", corp, row.pk))
    assert not models.StsSession.objects.filter(pk=row.pk).exists()
    assert acting(corp) == row.origin


def test_mfa_codes_change_every_thirty_seconds_and_allow_one_step_of_drift(corp):
    device = models.MfaDevice.objects.get(sandbox=corp, name="alice-phone")
    at = dt.datetime(2026, 11, 28, 12, 0, 5, tzinfo=dt.UTC)
    code = sessions.mfa_code(device, at)
    assert len(code) == 6
    assert code.isdigit()
    assert sessions.mfa_accepts(device, code, at + dt.timedelta(seconds=30))
    later = at + dt.timedelta(seconds=90)
    assert sessions.mfa_code(device, later) == code or not sessions.mfa_accepts(device, code, later)


# -- an application on EC2 (id_roles_use_switch-role-ec2.html) --------------------------------


def launch(web, corp, profile_name="WebAppProfile", **extra):
    profile = models.InstanceProfile.objects.get(sandbox=corp, name=profile_name)
    data = {"step": "launch", "name": "app-1", "profile": profile.pk, "region": "us-east-1"}
    return web.post(url("ec2", corp), data | extra)


def test_launching_needs_pass_role_on_the_profiles_role(web, corp):
    """bob is a PowerUser (ec2:* but no iam:*), so ec2:RunInstances is allowed and iam:PassRole
    is not: the instance is not launched (id_roles_use_passrole.html)."""
    data = {"how": "key", "account": account(corp, "Development").pk, "user_name": "bob"}
    web.post(url("sign_in", corp), data)
    before = models.Ec2Instance.objects.filter(sandbox=corp).count()
    response = launch(web, corp)
    assert response.status_code == 400
    result = response.context["launch"]
    assert result.run.allowed
    assert not result.pass_role.allowed
    keys = {k.lower(): v for k, v in result.pass_role.request.context.items()}
    assert keys["iam:passedtoservice"] == "ec2.amazonaws.com"
    assert models.Ec2Instance.objects.filter(sandbox=corp).count() == before


def test_an_instance_gets_the_roles_credentials_and_calls_as_the_role(web, corp):
    """alice (admin) launches web app with WebAppProfile; IMDS serves WebAppRole's session,
    named after the instance; calls are evaluated as that session (not chaining)."""
    sign_in(web, corp, "Development", "alice", mfa_code=current_code(corp, "alice-phone"))
    response = launch(web, corp)
    assert response.status_code == 302
    instance = models.Ec2Instance.objects.get(sandbox=corp, name="app-1")
    row = models.StsSession.objects.get(instance=instance)
    assert row.via == "instance"
    assert row.arn.endswith(f":assumed-role/WebAppRole/{instance.instance_id}")
    assert row.caller_arn == "ec2.amazonaws.com"
    assert not row.chained
    assert row.carried["ec2:SourceInstanceARN"] == instance.arn
    page = web.get(url("ec2", corp), {"instance": instance.pk})
    assert row.access_key_id in page.content.decode()
    assert "AWS-HMAC" in page.context["imds"]
    bucket = models.Resource.objects.get(sandbox=corp, kind="s3")
    allowed = web.post(
        url("ec2", corp),
        {
            "step": "call",
            "instance": instance.pk,
            "action": "s3:GetObject",
            "resource": f"{bucket.arn}/q1.csv",
        },
    )
    assert allowed.context["call"].request.principal == row.arn
    assert allowed.context["call"].allowed
    denied = web.post(
        url("ec2", corp),
        {"step": "call", "instance": instance.pk, "action": "iam:CreateUser", "resource": "*"},
    )
    assert not denied.context["call"].allowed


def test_imds_renews_credentials_five_minutes_before_they_expire(web, corp):
    """EC2 UG, instance-metadata-security-credentials: new credentials at least five minutes
    before the old ones expire."""
    sign_in(web, corp, "Development", "alice", mfa_code=current_code(corp, "alice-phone"))
    launch(web, corp)
    instance = models.Ec2Instance.objects.get(sandbox=corp, name="app-1")
    first = models.StsSession.objects.get(instance=instance)
    same = web.post(url("ec2", corp), {"step": "imds", "instance": instance.pk})
    assert same.context["credentials"] == first
    assert not same.context["renewed"]
    corp.clock_offset = 3600 - 4 * 60  # four minutes before the expiry
    corp.save()
    renewed = web.post(url("ec2", corp), {"step": "imds", "instance": instance.pk})
    assert renewed.context["renewed"]
    assert renewed.context["credentials"] != first
    assert renewed.context["credentials"].expires_at > first.expires_at


def test_a_role_that_does_not_trust_ec2_gives_the_instance_no_credentials(web, corp):
    sign_in(web, corp, "Development", "alice", mfa_code=current_code(corp, "alice-phone"))
    dev = account(corp, "Development")
    profile = models.InstanceProfile.objects.create(
        sandbox=corp, account=dev, name="WrongProfile", role=role(corp, "OrderProcessorRole")
    )
    response = launch(web, corp, profile_name=profile.name)
    assert response.status_code == 302  # the instance runs...
    instance = models.Ec2Instance.objects.get(sandbox=corp, name="app-1")
    assert not models.StsSession.objects.filter(instance=instance).exists()
    asked = web.post(url("ec2", corp), {"step": "imds", "instance": instance.pk})
    assert asked.context["no_credentials"].check == "trust-policy"  # ...without credentials


def test_a_designer_cannot_launch(web, corp):
    response = launch(web, corp)
    assert "Sign in first" in response.context["launch"].problem


FLOW_PAGES = [
    "hub",
    "sign_in",
    "switch_role",
    "assume_role",
    "ec2",
    "cross_account",
    "services",
    "portal",
    "saml",
    "broker",
    "session_token",
    "web_identity",
]


@pytest.mark.parametrize("name", FLOW_PAGES)
def test_every_flow_page_says_when_to_use_a_user_or_a_role(web, corp, name):
    """The seed's "When to create an IAM user (instead of a role)" and "When to create an IAM
    role (instead of a user)" sit on every flow page (id.html#id_which-to-choose)."""
    page = web.get(url(name, corp))
    assert page.status_code == 200
    text = page.content.decode()
    assert "A user or a role?" in text
    assert "Create an IAM role (instead of a user) when" in text
    assert "Emergency access" in text
