"""A user's page shows the permissions it gets from its groups too, each marked with the group
it comes from, as the IAM console's Permissions tab does ("Attached via: Group Admins")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iamlab.sandbox import models, services
from iamlab.sandbox.demo import build_example_corp
from iamlab.sandbox.pages import from_groups

pytestmark = pytest.mark.django_db


def test_alice_sees_administrator_access_through_her_admins_group(client, person):
    sandbox = build_example_corp(person)
    alice = models.IamUser.objects.get(sandbox=sandbox, name="alice")
    client.force_login(person)
    response = client.get(reverse("sandbox:object", args=(sandbox.pk, "users", alice.pk)))
    assert response.status_code == 200
    [row] = response.context["via_groups"]
    assert (row.policy.name, row.type, row.group.name) == (
        "AdministratorAccess",
        "AWS managed",
        "Admins",
    )
    html = response.content.decode()
    assert 'data-testid="via-groups"' in html
    assert "1 policy: 0 attached directly, 1 through its group" in html


def test_group_inline_policies_count_and_each_names_its_group(person):
    sandbox = services.create_sandbox(person, "Mine")
    account = models.Account.objects.get(sandbox=sandbox)
    user = models.IamUser.objects.create(sandbox=sandbox, account=account, name="dana")
    ops = models.IamGroup.objects.create(sandbox=sandbox, account=account, name="Ops")
    audit = models.IamGroup.objects.create(sandbox=sandbox, account=account, name="Audit")
    services.add_to_group(user, ops)
    services.add_to_group(user, audit)
    models.InlinePolicy.objects.create(
        sandbox=sandbox, group=ops, name="RestartServers", document='{"Statement": []}'
    )
    rows = from_groups(list(user.groups.order_by("name")))
    assert [(r.policy.name, r.type, r.group.name) for r in rows] == [
        ("RestartServers", "Inline (the group's)", "Ops")
    ]
