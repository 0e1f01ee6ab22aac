"""Federation and temporary credentials through the web client, on Example Corp: the IAM
Identity Center access portal, SAML 2.0 (ExampleCorpIdP / SAMLDevelopers), web identity
(GitHub Actions / GitHubDeploy), a custom identity broker (GetFederationToken) and
GetSessionToken (alice, with her virtual MFA device alice-phone).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from iamlab.sandbox import models, sessions
from iamlab.sandbox.world import World
from tests.flows.test_flows import current_code, role, url, user

pytestmark = pytest.mark.django_db


def provider(corp, kind="saml"):
    return models.IdentityProvider.objects.get(sandbox=corp, kind=kind, managed_by="")


def act_as(corp, key):
    corp.acting_as = key
    corp.save(update_fields=["acting_as"])


def issue_saml(web, corp, **extra):
    data = {
        "step": "issue",
        "provider": provider(corp).pk,
        "role": role(corp, "SAMLDevelopers").pk,
        "subject": "jdoe@example.com",
        "session_name": "jdoe",
        **extra,
    }
    response = web.post(url("saml", corp), data)
    assert response.status_code == 200
    return data, response.context["form"]["xml"].value()


# -- the access portal --------------------------------------------------------------------------


def test_portal_lists_danas_assignments_and_issues_a_session(web, corp):
    """IAM Identity Center access portal (singlesignon/latest/userguide/using-the-portal.html):
    dana sees PowerUser and ReadOnly through Engineers and ReadOnly in Audit directly."""
    dana = models.SsoUser.objects.get(sandbox=corp, user_name="dana")
    response = web.get(url("portal", corp), {"user": dana.pk})
    assert response.status_code == 200
    entries = response.context["entries"]
    shown = {(e.assignment.account.name, e.assignment.permission_set.name) for e in entries}
    assert len(shown) == 3
    assert any(e.through == "directly" for e in entries)
    entry = next(e for e in entries if e.assignment.permission_set.name == "PowerUser")
    response = web.post(url("portal", corp), {"user": dana.pk, "assignment": entry.assignment.pk})
    assert response.status_code == 200, response.context.get("problem")
    row = response.context["issued"]
    assert row.via == "portal"
    assert row.kind == "assumed-role"
    assert row.role.name.startswith("AWSReservedSSO_PowerUser_")
    assert row.arn.endswith(f"/{row.role.name}/dana")
    assert row.duration_seconds == 8 * 3600
    assert "saml:sub" in row.federation_keys


def test_portal_refuses_unknown_assignment_and_disabled_center(web, corp):
    """IAM Identity Center access portal (using-the-portal.html): only assigned permission sets."""
    eli = models.SsoUser.objects.get(sandbox=corp, user_name="eli")
    audit_only = models.AccountAssignment.objects.get(sandbox=corp, sso_user__user_name="dana")
    response = web.post(url("portal", corp), {"user": eli.pk, "assignment": audit_only.pk})
    assert response.status_code == 400
    assert "no such assignment" in response.context["problem"]
    org = models.Organization.objects.get(sandbox=corp)
    org.identity_center_enabled = False
    org.save()
    response = web.get(url("portal", corp))
    assert b"not enabled" in response.content


# -- SAML ---------------------------------------------------------------------------------------


def test_saml_assertion_signs_in(web, corp):
    """Configuring SAML assertions for the authentication response
    (id_roles_providers_create_saml_assertions.html) and AssumeRoleWithSAML."""
    data, xml = issue_saml(web, corp, tag_key="team", tag_value="blue")
    assert "https://signin.aws.amazon.com/saml" in xml
    response = web.post(url("saml", corp), data | {"step": "send", "xml": xml})
    # The trust policy of SAMLDevelopers does not allow sts:TagSession: refused.
    assert response.status_code == 400
    assert response.context["denied"].check == "tag-session"
    data, xml = issue_saml(web, corp)
    response = web.post(url("saml", corp), data | {"step": "send", "xml": xml})
    assert response.status_code == 200
    row = response.context["issued"]
    assert row.arn.endswith(":assumed-role/SAMLDevelopers/jdoe")
    assert row.via == "saml"
    assert row.federated_provider == provider(corp).arn
    assert row.federation_keys["saml:sub"] == "jdoe@example.com"
    assert b"Use this session" in response.content


def test_saml_refusals(web, corp):
    """AssumeRoleWithSAML errors (troubleshoot_saml.html): wrong recipient, role not offered,
    unknown provider."""
    data, xml = issue_saml(web, corp)
    send = data | {"step": "send"}
    wrong = xml.replace("https://signin.aws.amazon.com/saml", "https://evil.example.com/acs")
    response = web.post(url("saml", corp), send | {"xml": wrong})
    assert response.status_code == 400
    assert response.context["denied"].check == "token"
    other = role(corp, "GitHubDeploy").arn
    response = web.post(
        url("saml", corp),
        send | {"xml": xml.replace(role(corp, "SAMLDevelopers").arn, other)},
    )
    assert response.context["denied"].check == "role-mapping"
    response = web.post(
        url("saml", corp),
        send | {"xml": xml.replace("saml-provider/ExampleCorpIdP", "saml-provider/Nope")},
    )
    assert response.context["denied"].check == "provider"
    assert "doesn't exist" in response.context["denied"].aws_error


def test_saml_malformed_xml_gives_line_and_column(web, corp):
    """AssumeRoleWithSAML: an invalid SAML response (API_AssumeRoleWithSAML.html)."""
    data, xml = issue_saml(web, corp)
    response = web.post(
        url("saml", corp), data | {"step": "send", "xml": xml.replace("</saml:Issuer>", "", 1)}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["xml"][0]
    assert errors.startswith("line ")
    assert "column" in errors


# -- the identity broker ------------------------------------------------------------------------


def test_broker_federated_user_is_the_intersection(web, corp):
    """GetFederationToken (API_GetFederationToken.html, id_credentials_temp_request.html):
    the federated user gets the intersection of alice's policies and the session policy."""
    alice = user(corp, "alice")
    response = web.post(
        url("broker", corp),
        {
            "broker": alice.pk,
            "name": "jdoe",
            "policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                }
            ),
            "sample_action": "iam:ListUsers",
            "sample_resource": "*",
        },
    )
    assert response.status_code == 200, response.context.get("problem")
    row = response.context["issued"]
    assert row.kind == "federated-user"
    assert row.arn.endswith(":federated-user/jdoe")
    extra = response.context["outcome"].extra
    assert extra["as_broker"].allowed
    assert not extra["as_federated"].allowed


def test_broker_refusals_and_malformed_policy(web, corp):
    """GetFederationToken needs sts:GetFederationToken (API_GetFederationToken.html); a session
    policy must be valid JSON (access_policies.html#policies_session)."""
    carol = user(corp, "carol")
    response = web.post(
        url("broker", corp),
        {
            "broker": carol.pk,
            "name": "jdoe",
            "policy": "",
            "sample_action": "s3:GetObject",
            "sample_resource": "*",
        },
    )
    assert response.status_code == 400
    assert response.context["denied"].check == "caller-permission"
    response = web.post(
        url("broker", corp),
        {
            "broker": user(corp, "alice").pk,
            "name": "jdoe",
            "policy": '{\n  "Version": "2012-10-17",,\n}',
            "sample_action": "s3:GetObject",
            "sample_resource": "*",
        },
    )
    assert response.status_code == 400
    assert "line 2, column" in response.context["form"].errors["policy"][0]


def test_federated_user_refused_iam_in_access_check(web, corp):
    """Credentials from GetFederationToken cannot call IAM API operations
    (id_credentials_temp_request.html#stsapi_comparison)."""
    alice = user(corp, "alice")
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    response = web.post(
        url("broker", corp),
        {
            "broker": alice.pk,
            "name": "jdoe",
            "policy": policy,
            "sample_action": "s3:GetObject",
            "sample_resource": "*",
        },
    )
    row = response.context["issued"]
    check = web.get(
        f"/sandboxes/{corp.pk}/check/",
        {"principal": row.key, "action": "iam:ListUsers", "resource": "*"},
    )
    assert check.status_code == 200
    evaluation = check.context["result"].evaluation
    assert not evaluation.allowed
    assert evaluation.decided_by == "sts"
    check = web.get(
        f"/sandboxes/{corp.pk}/check/",
        {"principal": row.key, "action": "s3:ListAllMyBuckets", "resource": "*"},
    )
    assert check.context["result"].evaluation.allowed


# -- GetSessionToken ----------------------------------------------------------------------------


def test_session_token_with_mfa(web, corp):
    """GetSessionToken with MFA (API_GetSessionToken.html,
    id_credentials_mfa_configure-api-require.html)."""
    alice = user(corp, "alice")
    act_as(corp, f"user:{alice.pk}")
    device = models.MfaDevice.objects.get(sandbox=corp, name="alice-phone")
    response = web.get(url("session_token", corp))
    assert response.status_code == 200
    assert device.serial.encode() in response.content
    code = current_code(corp, "alice-phone")
    response = web.post(url("session_token", corp), {"serial": device.serial, "code": code})
    assert response.status_code == 200, response.context.get("denied")
    row = response.context["issued"]
    assert row.kind == "session-token"
    assert row.mfa_authenticated_at is not None
    assert row.arn.endswith(":user/alice")
    calls = {a: r for a, _, r in response.context["outcome"].extra["calls"]}
    assert calls["iam:ListUsers"] is None
    assert calls["sts:GetFederationToken"]
    act_as(corp, row.key)
    corp.refresh_from_db()
    who = sessions.current(corp, World.for_sandbox(corp))
    assert who.kind == "session"
    assert who.mfa
    assert "GetSessionToken" in who.label


def test_session_token_refusals(web, corp):
    """GetSessionToken: wrong MFA code; without MFA no IAM call (API_GetSessionToken.html)."""
    alice = user(corp, "alice")
    act_as(corp, f"user:{alice.pk}")
    device = models.MfaDevice.objects.get(sandbox=corp, name="alice-phone")
    code = current_code(corp, "alice-phone")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = web.post(url("session_token", corp), {"serial": device.serial, "code": wrong})
    assert response.status_code == 400
    assert response.context["denied"].check == "mfa"
    response = web.post(url("session_token", corp), {"code": "12ab"})
    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    response = web.post(url("session_token", corp), {})
    assert response.status_code == 200
    calls = {a: r for a, _, r in response.context["outcome"].extra["calls"]}
    assert calls["iam:ListUsers"] is not None
    act_as(corp, "")
    response = web.post(url("session_token", corp), {})
    assert response.status_code == 400
    assert "sign in" in response.context["problem"]


# -- web identity -------------------------------------------------------------------------------


def claims(corp, **changes):
    now = corp.now()
    base = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": "repo:example-corp/web-app:ref:refs/heads/main",
        "exp": int((now + dt.timedelta(hours=1)).timestamp()),
    }
    return json.dumps(base | changes, indent=2)


def post_web(web, corp, text, prov=None):
    return web.post(
        url("web_identity", corp),
        {
            "provider": prov or provider(corp, "oidc").arn,
            "role": role(corp, "GitHubDeploy").pk,
            "session_name": "deploy-42",
            "claims": text,
        },
    )


def test_web_identity_github_token(web, corp):
    """AssumeRoleWithWebIdentity with GitHub's OIDC token (id_roles_providers_oidc.html)."""
    response = web.get(url("web_identity", corp))
    assert response.status_code == 200
    assert b"this-case" in response.content
    response = post_web(web, corp, claims(corp))
    assert response.status_code == 200, response.context.get("denied")
    row = response.context["issued"]
    assert row.via == "web-identity"
    assert row.arn.endswith("/GitHubDeploy/deploy-42")
    assert row.federation_keys["token.actions.githubusercontent.com:sub"].startswith("repo:")


def test_web_identity_refusals(web, corp):
    """AssumeRoleWithWebIdentity errors (API_AssumeRoleWithWebIdentity.html): wrong audience,
    expired token, a built-in provider the role does not trust."""
    response = post_web(web, corp, claims(corp, aud="someone-else"))
    assert response.status_code == 400
    assert "audience" in response.context["denied"].aws_error
    response = post_web(web, corp, claims(corp, exp=int(corp.now().timestamp()) - 60))
    assert response.context["denied"].aws_error.startswith("ExpiredTokenException")
    google = json.dumps(
        {
            "iss": "https://accounts.google.com",
            "aud": "x.apps.googleusercontent.com",
            "sub": "1",
            "exp": int(corp.now().timestamp()) + 600,
        }
    )
    response = post_web(web, corp, google, "accounts.google.com")
    assert response.context["denied"].check == "trust-policy"


def test_web_identity_malformed_json(web, corp):
    """AssumeRoleWithWebIdentity: a token's claims must be a JSON object (RFC 7519)."""
    response = post_web(web, corp, '{\n  "iss": "x",\n  "aud": }')
    assert response.status_code == 400
    message = response.context["form"].errors["claims"][0]
    assert message.startswith("line 3, column")
    response = post_web(web, corp, "[1, 2]")
    assert response.status_code == 400
    response = post_web(web, corp, "   ")
    assert response.status_code == 400
    assert response.context["form"].errors["claims"] == [
        "Enter the token's claims as a JSON object."
    ]
    assert not models.StsSession.objects.filter(sandbox=corp).exists()
