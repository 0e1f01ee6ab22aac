"""Sequence diagrams of the identity flows (iamlab.flows.sequence), the partial that draws them,
each flow page's diagram with the learner's values, and the EC2 page's IMDSv2 commands."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils.html import escape

from iamlab.flows import ec2 as ec2_flow
from iamlab.flows import sequence
from iamlab.flows.sequence import Answer, Message, Participant, Sequence
from iamlab.policy import StsDenied
from iamlab.sandbox import models
from tests.flows.test_federation import issue_saml, provider
from tests.flows.test_flows import current_code, launch, role, sign_in, url, user

ROLE = "arn:aws:iam::111122223333:role/SAMLDevelopers"
IDP = "arn:aws:iam::111122223333:saml-provider/ExampleCorpIdP"


def states(seq: Sequence) -> list[str]:
    return [m.state for m in seq.messages]


def values(seq: Sequence, number: int) -> dict[str, str]:
    return dict(seq.messages[number - 1].values)


def saml(**kwargs) -> Sequence:
    return sequence.saml(
        provider_arn=IDP,
        issuer="https://idp.example.com/saml",
        role_arn=ROLE,
        subject="jdoe@example.com",
        session_name="jdoe",
        **kwargs,
    )


# -- the module ---------------------------------------------------------------------------------


def test_steps_join_the_columns_of_their_participants():
    seq = Sequence(
        "t",
        (Participant("a", "A"), Participant("b", "B"), Participant("c", "C")),
        (
            Message("a", "c", "right"),
            Message("c", "b", "left", reply=True),
            Message("b", "b", "itself"),
            Message("c", "c", "itself, last column"),
        ),
    )
    right, left, itself, last = seq.steps()
    assert (right.first, right.last, right.span, right.end, right.direction) == (
        1,
        3,
        3,
        4,
        "right",
    )
    assert (left.first, left.last, left.direction) == (2, 3, "left")
    assert left.message.reply
    # A call to itself borrows a neighbour's column for its text; the loop sits on its lifeline.
    assert (itself.first, itself.last, itself.direction, itself.loop_left) == (2, 3, "self", True)
    assert (last.first, last.last, last.loop_left) == (2, 3, False)
    assert [s.number for s in seq.steps()] == [1, 2, 3, 4]


def test_a_sequence_refuses_unknown_or_too_many_participants():
    with pytest.raises(ValueError, match="unknown participant"):
        Sequence("t", (Participant("a", "A"), Participant("b", "B")), (Message("a", "z", "?"),))
    with pytest.raises(ValueError, match="2 to 6"):
        Sequence("t", tuple(Participant(str(i), str(i)) for i in range(7)), ())
    with pytest.raises(ValueError, match="distinct"):
        Sequence("t", (Participant("a", "A"), Participant("a", "B")), ())


def test_progress_marks_done_now_next_refused_and_skipped():
    five = [Message("a", "b", str(i)) for i in range(5)]
    assert [m.state for m in sequence.progress(five, next=0)] == ["next"] + ["todo"] * 4
    assert [m.state for m in sequence.progress(five, now=1, next=2)] == [
        "done",
        "now",
        "next",
        "todo",
        "todo",
    ]
    refused = sequence.progress(five, refused=2, refused_through=3, why="because")
    assert [m.state for m in refused] == ["done", "done", "refused", "refused", "skipped"]
    assert refused[2].why == "because"
    assert refused[3].why == ""


def test_answer_reads_what_sts_said():
    assert sequence.answer() is None
    assert sequence.answer(arn="arn:aws:sts::1:assumed-role/R/s") == Answer(
        arn="arn:aws:sts::1:assumed-role/R/s"
    )
    denied = StsDenied("trust-policy", "No statement allows it.", "AccessDenied: ...")
    refused = sequence.answer(denied=denied)
    assert refused is not None
    assert not refused.ok
    assert refused.refused == "Refused by the role's trust policy: No statement allows it."
    assert refused.error == "AccessDenied: ..."
    assert sequence.answer(problem="Unreadable XML") == Answer(refused="Unreadable XML")


def test_saml_follows_the_console_sign_in_aws_documents():
    """id_roles_providers_enable-console-saml.html: the IdP authenticates the user and returns
    a SAML authentication response; the browser posts it to https://signin.aws.amazon.com/saml;
    the sign-in endpoint calls AssumeRoleWithSAML and redirects the browser to the console.
    id_roles_providers_create_saml_assertions.html: the Role attribute is "role ARN,provider
    ARN", with RoleSessionName beside it."""
    seq = saml()
    assert [p.name for p in seq.participants] == [
        "Your browser",
        "Corporate identity provider",
        "AWS sign-in",
        "AWS STS",
    ]
    who = [(m.sender, m.receiver) for m in seq.messages]
    assert who == [
        ("browser", "idp"),
        ("idp", "browser"),
        ("browser", "signin"),
        ("signin", "sts"),
        ("sts", "sts"),
        ("sts", "signin"),
        ("signin", "browser"),
    ]
    assert values(seq, 2)["Attribute Role"] == f"{ROLE},{IDP}"
    assert values(seq, 2)["Attribute RoleSessionName"] == "jdoe"
    assert values(seq, 3)["POST"] == "https://signin.aws.amazon.com/saml"
    assert values(seq, 4) == {
        "RoleArn": ROLE,
        "PrincipalArn": IDP,
        "SAMLAssertion": "the SAML response, base64-encoded",
    }
    # A role session's ARN drops the role's path (reference_identifiers.html).
    assert values(seq, 6)["AssumedRoleUser"] == (
        "arn:aws:sts::111122223333:assumed-role/SAMLDevelopers/jdoe"
    )


def test_saml_highlights_each_stage():
    assert states(saml()) == ["next"] + ["todo"] * 6
    assert saml().highlighted is not None
    assert saml().highlighted.number == 1
    issued = saml(issued=True)
    assert states(issued) == ["done", "now", "next", "todo", "todo", "todo", "todo"]
    assert [s.number for s in issued.marked] == [2, 3]
    arn = "arn:aws:sts::111122223333:assumed-role/SAMLDevelopers/jdoe"
    answered = saml(issued=True, result=Answer(arn=arn))
    assert states(answered) == ["done"] * 6 + ["now"]
    refused = saml(result=Answer(refused="Refused by the token: expired", error="ExpiredToken"))
    assert states(refused) == ["done"] * 4 + ["refused", "refused", "skipped"]
    assert refused.messages[4].why == "Refused by the token: expired"
    assert values(refused, 6) == {"Error": "ExpiredToken"}
    assert refused.highlighted is not None
    assert refused.highlighted.number == 5


def test_web_identity_needs_no_aws_credentials_and_shows_the_tokens_claims():
    """id_roles_providers_oidc.html and API_AssumeRoleWithWebIdentity: the app gets a token
    from the provider and calls STS with it, unsigned; STS checks the token with the
    provider's keys, the audience against the provider's client IDs, and the trust policy."""
    arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    seq = sequence.web_identity(
        provider=arn,
        role_arn="arn:aws:iam::111122223333:role/GitHubDeploy",
        session_name="deploy",
        issuer="https://token.actions.githubusercontent.com",
        subject="repo:example-corp/web-app:ref:refs/heads/main",
        audience="sts.amazonaws.com",
    )
    assert seq.participants[1].detail == "token.actions.githubusercontent.com"
    assert values(seq, 2) == {
        "iss": "https://token.actions.githubusercontent.com",
        "sub": "repo:example-corp/web-app:ref:refs/heads/main",
        "aud": "sts.amazonaws.com",
    }
    call = seq.messages[2]
    assert (call.sender, call.receiver) == ("app", "sts")
    assert "no AWS credentials" in call.text
    assert dict(call.values)["RoleSessionName"] == "deploy"
    assert (seq.messages[3].sender, seq.messages[3].receiver) == ("sts", "idp")  # the JWKS
    assert states(seq) == ["done", "done", "next", "todo", "todo", "todo", "todo"]
    ok = sequence.web_identity(
        provider="accounts.google.com",
        role_arn="arn:aws:iam::111122223333:role/R",
        session_name="s",
        result=Answer(arn="arn:aws:sts::111122223333:assumed-role/R/s"),
    )
    assert states(ok)[-2:] == ["now", "next"]
    assert ok.participants[1].detail == "accounts.google.com"


def test_broker_calls_get_federation_token_with_its_own_keys_then_the_sample_call():
    """id_roles_common-scenarios_federated-users.html, id_roles_providers_enable-console-custom-
    url.html: the broker verifies the user with the local identity system, then calls
    GetFederationToken with its IAM user's long-term credentials."""
    broker = "arn:aws:iam::111122223333:user/alice"
    kwargs: dict[str, Any] = {"broker_arn": broker, "name": "jdoe", "has_policy": True}
    before = sequence.broker(**kwargs, sample_action="s3:GetObject", sample_resource="*")
    assert states(before)[:4] == ["done", "done", "done", "next"]
    assert values(before, 4)["Signed with"] == f"the long-term access key of {broker}"
    assert values(before, 6)["FederatedUser"] == "arn:aws:sts::111122223333:federated-user/jdoe"
    issued = Answer(arn="arn:aws:sts::111122223333:federated-user/jdoe")
    denied = sequence.broker(
        **kwargs,
        sample_action="iam:ListUsers",
        result=issued,
        sample_allowed=False,
        sample_why="Denied: no policy that applies allows it (an implicit deny).",
    )
    assert states(denied) == ["done"] * 8 + ["refused"]
    assert values(denied, 8) == {"Action": "iam:ListUsers", "Resource": "*"}
    allowed = sequence.broker(
        **kwargs, sample_action="s3:GetObject", result=issued, sample_allowed=True
    )
    assert states(allowed)[-1] == "now"
    without_sample = sequence.broker(**kwargs, result=issued)
    assert len(without_sample.messages) == 7
    assert states(without_sample)[-1] == "now"


def test_portal_signs_in_once_then_federates_with_saml():
    """using-the-portal.html: sign in once, see the assigned accounts and permission sets,
    choose one; the role session is of the permission set's AWSReservedSSO_ role."""
    assert states(sequence.portal())[0] == "next"
    empty = sequence.portal(user_name="eli", assignments=0)
    assert states(empty)[:3] == ["done", "refused", "skipped"]
    assert "no account assigned" in empty.messages[1].why
    listed = sequence.portal(user_name="dana", assignments=3)
    assert states(listed)[:3] == ["done", "now", "next"]
    role_arn = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_RO_1"
    opened = sequence.portal(
        user_name="dana",
        assignments=3,
        account="Audit",
        permission_set="ReadOnly",
        role_arn=role_arn,
        result=Answer(arn="arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_RO_1/dana"),
    )
    assert values(opened, 4)["RoleSessionName"] == "dana"
    assert values(opened, 6)["AssumedRoleUser"].endswith("/AWSReservedSSO_RO_1/dana")
    assert states(opened)[-1] == "now"


def test_ec2_sequence_uses_imdsv2_and_follows_the_instance():
    """id_roles_use_switch-role-ec2.html and the EC2 User Guide's
    instancedata-data-retrieval.html: a PUT to /latest/api/token with
    X-aws-ec2-metadata-token-ttl-seconds, then a GET with X-aws-ec2-metadata-token."""
    role_arn = "arn:aws:iam::111122223333:role/WebAppRole"
    assert states(sequence.ec2())[0] == "next"
    refused = sequence.ec2(launch_refused="iam:PassRole not allowed")
    assert states(refused)[0] == "refused"
    assert set(states(refused)[1:]) == {"skipped"}
    kwargs: dict[str, Any] = {
        "role_arn": role_arn,
        "instance_id": "i-0abc",
        "profile": "WebAppProfile",
    }
    launched = sequence.ec2(**kwargs, credentials=True)
    assert states(launched)[:4] == ["done", "done", "now", "next"]
    assert values(launched, 2)["RoleSessionName"] == "i-0abc"
    assert values(launched, 4) == {
        "PUT": "http://169.254.169.254/latest/api/token",
        "X-aws-ec2-metadata-token-ttl-seconds": "21600",
    }
    assert values(launched, 6) == {
        "GET": "http://169.254.169.254/latest/meta-data/iam/security-credentials/WebAppRole",
        "X-aws-ec2-metadata-token": "$TOKEN",
    }
    fetched = sequence.ec2(**kwargs, credentials=True, fetched=True)
    assert states(fetched)[6:] == ["now", "next", "todo"]
    untrusted = sequence.ec2(**kwargs, no_credentials="Refused by the role's trust policy")
    assert states(untrusted)[:4] == ["done", "refused", "refused", "skipped"]
    denied = sequence.ec2(
        **kwargs, credentials=True, action="iam:CreateUser", call_allowed=False, call_why="no"
    )
    assert states(denied)[-1] == "refused"
    assert states(denied)[-2] == "done"


def test_the_partial_escapes_every_value():
    seq = sequence.saml(
        provider_arn=IDP,
        issuer='"><script>alert(1)</script>',
        role_arn=ROLE,
        subject="<b>me</b>",
        session_name="jdoe",
        result=Answer(refused="<img src=x onerror=alert(1)>"),
    )
    html = render_to_string("flows/_sequence.html", {"sequence": seq})
    assert "<script>" not in html
    assert "<b>me</b>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;me&lt;/b&gt;" in html
    assert 'aria-current="step"' in html
    assert html.count('data-state="refused"') == 2


# -- the pages ----------------------------------------------------------------------------------


def diagram(response) -> Sequence:
    assert b'data-testid="sequence"' in response.content
    found: Sequence = response.context["sequence"]
    return found


@pytest.mark.django_db
def test_the_saml_page_draws_the_learners_role_and_provider_at_each_step(web, corp):
    saml_role = role(corp, "SAMLDevelopers")
    idp = provider(corp)
    seq = diagram(web.get(url("saml", corp)))
    assert states(seq)[0] == "next"
    data, xml = issue_saml(web, corp, session_name="jdoe-42")
    response = web.post(url("saml", corp), data)
    seq = diagram(response)
    assert states(seq)[1:3] == ["now", "next"]
    assert values(seq, 2)["Attribute Role"] == f"{saml_role.arn},{idp.arn}"
    assert values(seq, 2)["Attribute RoleSessionName"] == "jdoe-42"
    sent = web.post(url("saml", corp), data | {"step": "send", "xml": xml})
    seq = diagram(sent)
    assert states(seq)[-1] == "now"
    assert values(seq, 6)["AssumedRoleUser"] == sent.context["issued"].arn
    assert sent.context["issued"].arn.encode() in sent.content
    late = xml.replace("https://signin.aws.amazon.com/saml", "https://example.com/acs")
    refused = diagram(web.post(url("saml", corp), data | {"step": "send", "xml": late}))
    assert states(refused)[4:] == ["refused", "refused", "skipped"]


@pytest.mark.django_db
def test_the_web_identity_page_draws_the_tokens_audience(web, corp):
    seq = diagram(web.get(url("web_identity", corp)))
    assert seq.participants[1].detail == "token.actions.githubusercontent.com"
    assert values(seq, 2)["aud"] == "sts.amazonaws.com"
    assert values(seq, 3)["RoleArn"] == role(corp, "GitHubDeploy").arn
    initial = web.get(url("web_identity", corp)).context["form"].initial
    sent = web.post(
        url("web_identity", corp),
        {
            "provider": initial["provider"],
            "role": initial["role"],
            "session_name": "deploy-7",
            "claims": initial["claims"],
        },
    )
    seq = diagram(sent)
    assert values(seq, 3)["RoleSessionName"] == "deploy-7"
    assert states(seq)[5] == ("now" if sent.context.get("issued") else "refused")


@pytest.mark.django_db
def test_the_broker_page_draws_the_broker_and_the_sample_call(web, corp):
    alice = user(corp, "alice")
    sent = web.post(
        url("broker", corp),
        {
            "broker": alice.pk,
            "name": "jdoe",
            "policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            '"Action": "s3:GetObject", "Resource": "*"}]}',
            "sample_action": "iam:ListUsers",
            "sample_resource": "*",
        },
    )
    seq = diagram(sent)
    assert seq.participants[1].detail == alice.arn
    assert values(seq, 6)["FederatedUser"] == sent.context["issued"].arn
    assert states(seq)[-1] == "refused"  # the intersection denies iam:ListUsers
    assert "implicit deny" in seq.messages[-1].why


@pytest.mark.django_db
def test_the_portal_page_draws_the_chosen_assignment(web, corp):
    dana = models.SsoUser.objects.get(sandbox=corp, user_name="dana")
    seq = diagram(web.get(url("portal", corp), {"user": dana.pk}))
    assert states(seq)[1:3] == ["now", "next"]
    assert values(seq, 2)["Assignments"] == "3"
    entry = next(
        e
        for e in web.get(url("portal", corp), {"user": dana.pk}).context["entries"]
        if e.assignment.permission_set.name == "PowerUser"
    )
    sent = web.post(url("portal", corp), {"user": dana.pk, "assignment": entry.assignment.pk})
    seq = diagram(sent)
    assert values(seq, 3) == {
        "Account": entry.assignment.account.name,
        "Permission set": "PowerUser",
    }
    assert values(seq, 4)["RoleArn"] == entry.role.arn
    assert "_DO_NOT_DELETE" in values(seq, 4)["PrincipalArn"]
    assert values(seq, 6)["AssumedRoleUser"] == sent.context["issued"].arn
    assert states(seq)[-1] == "now"


@pytest.mark.django_db
def test_the_ec2_page_shows_imdsv2_first_with_the_learners_role(web, corp):
    """EC2 User Guide, instancedata-data-retrieval.html: IMDSv2 is a PUT to
    http://169.254.169.254/latest/api/token with X-aws-ec2-metadata-token-ttl-seconds, then GETs
    with X-aws-ec2-metadata-token; configuring-instance-metadata-service.html: HttpTokens=required
    turns IMDSv1 off."""
    sign_in(web, corp, "Development", "alice", mfa_code=current_code(corp, "alice-phone"))
    assert launch(web, corp).status_code == 302
    instance = models.Ec2Instance.objects.get(sandbox=corp, name="app-1")
    page = web.get(url("ec2", corp), {"instance": instance.pk})
    html = page.content.decode()
    put = (
        'TOKEN=$(curl -s -X PUT "http://169.254.169.254/latest/api/token" '
        '-H "X-aws-ec2-metadata-token-ttl-seconds: 21600")'
    )
    get = (
        'curl -H "X-aws-ec2-metadata-token: $TOKEN" '
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/WebAppRole"
    )
    assert escape(put) in html
    assert escape(get) in html
    assert html.index(escape(put)) < html.index("IMDSv1")
    assert (
        "curl http://169.254.169.254/latest/meta-data/iam/security-credentials/WebAppRole" in html
    )
    assert "HttpTokens=required" in html
    seq = diagram(page)
    assert values(seq, 2)["RoleSessionName"] == instance.instance_id
    assert states(seq)[2:4] == ["now", "next"]
    asked = web.post(url("ec2", corp), {"step": "imds", "instance": instance.pk})
    assert states(diagram(asked))[6:8] == ["now", "next"]


def test_imds_commands_name_the_role():
    """EC2 User Guide, instancedata-data-retrieval.html (IMDSv2 token TTL up to 21,600 s)."""
    put, listing, credentials = ec2_flow.imds_v2_commands("AppRole")
    assert "-X PUT" in put
    assert "/latest/api/token" in put
    assert "X-aws-ec2-metadata-token-ttl-seconds: 21600" in put
    assert listing.endswith("/latest/meta-data/iam/security-credentials/")
    assert credentials.endswith("/latest/meta-data/iam/security-credentials/AppRole")
    assert 'X-aws-ec2-metadata-token: $TOKEN"' in credentials
    assert ec2_flow.imds_v1_command("AppRole") == (
        "curl http://169.254.169.254/latest/meta-data/iam/security-credentials/AppRole"
    )
    assert ec2_flow.imds_commands(None)[1].endswith("/ROLE-NAME")
