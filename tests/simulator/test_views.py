from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from iamlab.simulator import content
from iamlab.simulator.models import Simulation

pytestmark = pytest.mark.django_db

URL = "/"
ALICE = "arn:aws:iam::111122223333:user/alice"
ALLOW_GET = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    },
    indent=2,
)


def form(**overrides):
    data = {
        "principal": ALICE,
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::bucket/key",
        "context": "",
        "identity": [ALLOW_GET],
        "resource_policy": "",
        "resource_policy_type": "resource",
        "boundary": "",
        "op": "simulate",
    }
    data.update(overrides)
    return data


def test_simulator_page_renders_empty_form(client):
    response = client.get(URL)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'name="principal"' in html
    assert 'name="identity"' in html
    assert "Start from an example" in html


def test_every_example_loads_and_gives_its_expected_decision(client):
    assert len(content.examples()) >= 10
    for example in content.examples():
        page = client.get(URL, {"example": example.slug})
        assert page.status_code == HTTPStatus.OK, example.slug
        assert example.title in page.content.decode()
        response = client.post(URL, {**example.data, "op": "simulate"}, follow=True)
        assert response.status_code == HTTPStatus.OK
        assert f'class="decision-word">{example.expected}<' in response.content.decode(), (
            example.slug
        )


def test_unknown_example_is_404(client):
    assert client.get(URL, {"example": "no-such-example"}).status_code == HTTPStatus.NOT_FOUND


def test_post_saves_run_and_redirects_to_its_url(client):
    response = client.post(URL, form())
    assert response.status_code == HTTPStatus.FOUND
    simulation = Simulation.objects.get()
    assert response["Location"] == simulation.get_absolute_url()
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert '<span class="badge" data-testid="decision">Allowed</span>' in html
    assert "Statement 1" in html


def test_htmx_post_returns_fragment_and_pushes_url(client):
    response = client.post(URL, form(), headers={"HX-Request": "true"})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="simulator"')
    assert "<html" not in html
    assert response["HX-Push-Url"] == Simulation.objects.get().get_absolute_url()


def test_history_restore_request_gets_the_full_page(client):
    response = client.post(URL, form())
    page = client.get(
        response["Location"],
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in page.content.decode()


def test_invalid_policy_is_reported_with_line_and_column_and_nothing_saved(client):
    broken = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"\n'
    response = client.post(URL, form(identity=[broken]))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Invalid JSON" in html
    assert "data-line=" in html
    assert 'data-testid="error-summary"' in html
    assert Simulation.objects.count() == 0
    # What the learner typed is kept.
    assert "&quot;Effect&quot;: &quot;Allow&quot;" in html


def test_missing_principal_and_bad_context_line_are_named(client):
    response = client.post(URL, form(principal="", context="aws:SourceIp 1.2.3.4"))
    html = response.content.decode()
    assert "Give the principal of the request." in html
    assert "line 1: write key = value" in html
    assert Simulation.objects.count() == 0


def test_bad_principal_arn_is_explained(client):
    response = client.post(URL, form(principal="alice"))
    assert "is not a principal iamlab understands" in response.content.decode()


def test_wildcard_action_in_request_is_refused(client):
    response = client.post(URL, form(action="s3:Get*"))
    assert "no wildcards" in response.content.decode()


def test_user_text_is_escaped_everywhere(client):
    evil = '<script>alert("x")</script>'
    response = client.post(
        URL,
        form(
            principal=evil,
            context=f"aws:username = {evil}",
            identity=[ALLOW_GET.replace("s3:GetObject", evil)],
        ),
    )
    html = response.content.decode()
    assert evil not in html
    assert "&lt;script&gt;" in html


def test_escaping_in_result_and_annotated_policy(client):
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "X",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:username": "<b>bold</b>"}},
                }
            ],
        },
        indent=2,
    )
    response = client.post(URL, form(identity=[policy]), follow=True)
    html = response.content.decode()
    assert "<b>bold</b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_add_and_remove_policy_slots_without_losing_text(client):
    response = client.post(URL, form(op="add:identity"))
    html = response.content.decode()
    assert html.count('name="identity"') == 2
    assert "&quot;s3:GetObject&quot;" in html
    response = client.post(URL, form(identity=[ALLOW_GET, ""], op="remove:identity:1"))
    assert response.content.decode().count('name="identity"') == 1
    response = client.post(URL, form(op="add:scps"))
    assert 'name="scps"' in response.content.decode()
    assert Simulation.objects.count() == 0


def test_slot_count_is_bounded(client):
    response = client.post(URL, form(identity=[ALLOW_GET] * 10, op="add:identity"))
    assert response.content.decode().count('name="identity"') == 10


def test_empty_scp_level_is_refused(client):
    response = client.post(URL, form(scps=[ALLOW_GET.replace("s3:GetObject", "*"), ""]))
    assert "Every SCP level needs a policy" in response.content.decode()


def test_validate_endpoint_returns_findings_fragment(client):
    response = client.post(
        reverse("simulator:validate"),
        {"kind": "identity", "slot": "identity-1", "identity": ["", '{"Statement": []}']},
    )
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert 'id="findings-identity-1"' in html
    assert "Statement is an empty list" in html


def test_validate_endpoint_uses_trust_policy_rules(client):
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                }
            ],
        }
    )
    response = client.post(
        reverse("simulator:validate"),
        {"kind": "resource_policy", "resource_policy": trust, "resource_policy_type": "trust"},
    )
    assert "A role trust policy has no Resource element" in response.content.decode()


def test_validate_endpoint_rejects_unknown_kind(client):
    response = client.post(reverse("simulator:validate"), {"kind": "nope"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_action_suggestions(client):
    response = client.get(reverse("simulator:actions"), {"action": "s3:GetObj"})
    html = response.content.decode()
    assert '<option value="s3:GetObject">' in html
    response = client.get(reverse("simulator:actions"), {"action": "dynam"})
    assert '<option value="dynamodb:">' in response.content.decode()


def test_managed_policy_endpoint(client):
    response = client.get(reverse("simulator:managed-policy", args=["AdministratorAccess"]))
    data = response.json()
    assert data["arn"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert json.loads(data["text"])["Statement"][0]["Action"] == "*"
    missing = client.get(reverse("simulator:managed-policy", args=["NoSuchPolicy"]))
    assert missing.status_code == HTTPStatus.NOT_FOUND


def test_simulation_is_private_to_its_browser_session(client):
    response = client.post(URL, form())
    url = response["Location"]
    assert client.get(url).status_code == HTTPStatus.OK
    other = type(client)()
    assert other.get(url).status_code == HTTPStatus.NOT_FOUND


def test_simulation_of_a_signed_in_user_is_private(client):
    user_model = get_user_model()
    alice = user_model.objects.create_user("alice", password="pw-alice-123")
    bob = user_model.objects.create_user("bob", password="pw-bob-123")
    client.force_login(alice)
    url = client.post(URL, form())["Location"]
    assert Simulation.objects.get().owner == alice
    assert client.get(url).status_code == HTTPStatus.OK
    client.force_login(bob)
    assert client.get(url).status_code == HTTPStatus.NOT_FOUND


def test_unknown_simulation_is_404(client):
    response = client.get("/simulations/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_result_explains_missing_context(client):
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                }
            ],
        }
    )
    response = client.post(URL, form(identity=[policy]), follow=True)
    html = response.content.decode()
    assert "Implicitly denied" in html
    assert 'data-testid="missing-context"' in html
    assert "aws:SourceIp" in html
    response = client.post(
        URL, form(identity=[policy], context="aws:SourceIp = 203.0.113.9"), follow=True
    )
    assert '<span class="badge" data-testid="decision">Allowed</span>' in response.content.decode()


def test_get_only_and_post_only_endpoints(client):
    assert client.put(URL).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.get(reverse("simulator:validate")).status_code == (HTTPStatus.METHOD_NOT_ALLOWED)


def test_every_request_field_problem_is_reported_at_once(client):
    response = client.post(
        URL, form(principal="alice", action="", resource="bucket", resource_owner="12")
    )
    html = response.content.decode()
    assert "is not a principal iamlab understands" in html
    assert "Give the action of the request." in html
    assert "is not an ARN" in html
    assert "is not a 12-digit account ID" in html
    assert Simulation.objects.count() == 0


def test_result_shows_the_deciding_condition_and_escapes_its_values(client):
    # Issue 15: the page names the condition that decided, with the policy's values and the
    # request's value, and what would change the answer; user text is escaped.
    tagged = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "<b>ops</b>"}},
                }
            ],
        }
    )
    response = client.post(
        URL,
        form(identity=[tagged], context="aws:PrincipalTag/team = dev"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'data-testid="near-misses"' in html
    assert "aws:PrincipalTag/team" in html
    assert "&lt;b&gt;ops&lt;/b&gt;" in html
    assert "<b>ops</b>" not in html
    assert "<code>dev</code>" in html
    assert 'data-testid="changes"' in html
    assert "Tag IAM user alice with team = &lt;b&gt;ops&lt;/b&gt;" in html
