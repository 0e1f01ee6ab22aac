"""Inputs the sandbox pages refuse: a 400 with the form again and why, what was typed kept, and
nothing written; never a 500.

A probe found 500s: an instance profile posted with no account or another sandbox's
(RelatedObjectDoesNotExist in the form), and, on PostgreSQL only, a NUL character (U+0000) in
any text (DataError; SQLite stored it). Every form refuses NUL now, in every field, the same
way on both databases.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from iamlab.sandbox import models, services
from iamlab.web import NUL_ERROR

pytestmark = pytest.mark.django_db

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def rows() -> dict[str, int]:
    tables = [
        models.Sandbox,
        models.Account,
        models.IamUser,
        models.IamGroup,
        models.Role,
        models.ManagedPolicy,
        models.PolicyVersion,
        models.InstanceProfile,
        models.IdentityProvider,
        models.Resource,
    ]
    return {t.__name__: t.objects.count() for t in tables}


# (kind, the form's fields with {account} for the account's id, the field refused, its error)
CREATE = {
    "instance profile without an account": (
        "instance-profiles",
        {"name": "x", "path": "/"},
        "account",
        "This field is required.",
    ),
    "instance profile in an account that is not there": (
        "instance-profiles",
        {"name": "x", "path": "/", "account": "999999"},
        "account",
        "Select a valid choice. That choice is not one of the available choices.",
    ),
    # An AWS managed policy has no account, so the field was optional and saving failed.
    "policy without an account": (
        "policies",
        {"name": "Reads", "path": "/", "document": POLICY},
        "account",
        "This field is required.",
    ),
    "user with NUL in the name": (
        "users",
        {"account": "{account}", "name": "ann\x00", "path": "/"},
        "name",
        NUL_ERROR,
    ),
    "user with NUL in a tag (text turned into tags)": (
        "users",
        {"account": "{account}", "name": "ann", "path": "/", "tags": "team = blue\x00"},
        "tags",
        NUL_ERROR,
    ),
    "user with NUL in the account choice": (
        "users",
        {"account": "{account}\x00", "name": "ann", "path": "/"},
        "account",
        NUL_ERROR,
    ),
    "policy with NUL in the description": (
        "policies",
        {
            "account": "{account}",
            "name": "Reads",
            "path": "/",
            "description": "reads\x00",
            "document": POLICY,
        },
        "description",
        NUL_ERROR,
    ),
    "policy with NUL in the document": (
        "policies",
        {"account": "{account}", "name": "Reads", "path": "/", "document": POLICY + "\x00"},
        "document",
        NUL_ERROR,
    ),
    "OIDC provider with NUL in an audience (text turned into a list)": (
        "providers",
        {
            "account": "{account}",
            "kind": "oidc",
            "name": "https://token.example.com",
            "client_ids": "app\x00",
        },
        "client_ids",
        NUL_ERROR,
    ),
    "resource with NUL in its kind (a choice)": (
        "resources",
        {"account": "{account}", "kind": "s3\x00", "name": "reports", "region": "us-east-1"},
        "kind",
        NUL_ERROR,
    ),
}


@pytest.mark.parametrize("case", CREATE, ids=list(CREATE))
def test_a_refused_create_answers_400_with_why_and_writes_nothing(
    client_in, sandbox, account, case
):
    kind, fields, field, error = CREATE[case]
    data = {k: v.replace("{account}", str(account.pk)) for k, v in fields.items()}
    before = rows()
    response = client_in.post(reverse("sandbox:create", args=[sandbox.pk, kind]), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert rows() == before
    form = response.context["form"]
    assert {name: form[name].value() for name in data} == data  # as typed, to correct


def test_a_nul_in_an_edit_is_refused_and_the_object_stays_as_it_was(client_in, sandbox, account):
    user = models.IamUser.objects.create(sandbox=sandbox, account=account, name="ann")
    response = client_in.post(
        user.get_absolute_url(), {"name": "ann", "path": "/", "tags": "team = \x00"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["tags"] == [NUL_ERROR]
    user.refresh_from_db()
    assert user.tags == {}


def test_a_nul_in_a_new_policy_version_is_refused(client_in, sandbox, account):
    policy = services.create_policy(account, "Reads", POLICY, "/", "")
    response = client_in.post(
        policy.get_absolute_url(),
        {"op": "new-version", "document": POLICY.replace("s3:GetObject", "s3:Get\x00Object")},
    )
    assert response.status_code == 400
    assert response.context["version_form"].errors["document"] == [NUL_ERROR]
    assert policy.versions.count() == 1


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("list", {"name": "Practice\x00"}),
        ("list", {"name": "Practice", "description": "\x00"}),
    ],
)
def test_a_sandbox_named_with_nul_is_refused(client_in, url, data):
    before = rows()
    response = client_in.post(reverse(f"sandbox:{url}"), data)
    assert response.status_code == 400
    assert NUL_ERROR in response.content.decode().replace("&#x27;", "'")
    assert rows() == before


def test_pasted_authorization_details_with_nul_are_refused(client_in, sandbox):
    before = rows()
    response = client_in.post(
        reverse("sandbox:import", args=[sandbox.pk]),
        {"text": '{"UserDetailList": []}\x00', "account_name": ""},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == [NUL_ERROR]
    assert rows() == before


def test_a_list_filtered_by_a_name_with_nul_is_refused_with_the_filter_kept(client_in, sandbox):
    # PostgreSQL failed on the lookup (DataError); no name holds NUL.
    response = client_in.get(
        reverse("sandbox:list_kind", args=[sandbox.pk, "users"]), {"q": "a\x00"}
    )
    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]] == [f"Filter by name: {NUL_ERROR}"]
    assert response.context["query"] == "a\x00"
    assert response.context["page"].paginator.count == 0


def test_an_action_with_nul_is_refused_by_its_form_and_changes_nothing(client_in, sandbox, account):
    policy = services.create_policy(account, "Reads", POLICY, "/", "")
    services.create_policy_version(policy, POLICY.replace("GetObject", "PutObject"), False)
    response = client_in.post(
        reverse("sandbox:action", args=[sandbox.pk, "policies", policy.pk, "set-default"]),
        {"version": "v2\x00", "anchor": "versions"},
    )
    assert response.status_code == 302
    page = client_in.get(response["Location"])
    assert page.context["action_error"]["message"] == NUL_ERROR
    assert policy.default_version().version_id == "v1"
