"""Nobody reads or changes another person's sandbox by guessing a URL or an id.

Every URL of the sandbox app is tried with the ids of someone else's sandbox and objects, by
GET and by POST; each must answer 404 (or 405 for a method the view does not take) and leave
the other sandbox exactly as it was. A test also fails if a new URL is added without being
listed here.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import URLPattern, reverse

from iamlab.flows import urls as flow_urls
from iamlab.sandbox import models, services, urls
from iamlab.sandbox.awsmanaged import aws_policy
from iamlab.sandbox.kinds import KINDS

from .factories import (
    IamGroupFactory,
    IamUserFactory,
    InstanceProfileFactory,
    ManagedPolicyFactory,
    PersonFactory,
    ResourceFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

ACTIONS = {
    "users": ["attach", "detach", "add-group", "create-key", "add-mfa", "add-ssh-key"],
    "groups": ["attach", "add-member"],
    "roles": ["attach"],
    "policies": ["set-default", "delete-version"],
    "org-policies": ["attach-target", "detach-target"],
    "accounts": [
        "create-key",
        "create-organization",
        "leave-organization",
        "delete-organization",
        "move",
        "service-linked-role",
    ],
}


def build_world(owner):
    """A sandbox with one object of every kind."""
    sandbox = services.create_sandbox(owner, "Private")
    account = models.Account.objects.get(sandbox=sandbox)
    org = services.create_organization(account)
    unit = services.create_unit(services.org_root(org), "Secret OU")
    user = IamUserFactory(account=account, name="victim")
    group = IamGroupFactory(account=account)
    role = RoleFactory(account=account)
    policy = ManagedPolicyFactory(account=account)
    models.InlinePolicy.objects.create(
        sandbox=sandbox,
        user=user,
        name="inline",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    ResourceFactory(account=account)
    profile = InstanceProfileFactory(account=account, role=role)
    models.Ec2Instance.objects.create(sandbox=sandbox, account=account, instance_profile=profile)
    models.IdentityProvider.objects.create(
        sandbox=sandbox, account=account, kind="saml", name="Idp"
    )
    sso_user = models.SsoUser.objects.create(
        sandbox=sandbox, user_name="dana", display_name="Dana", email="d@example.com"
    )
    models.SsoGroup.objects.create(sandbox=sandbox, name="Team")
    permission_set = models.PermissionSet.objects.create(sandbox=sandbox, name="Ops")
    services.assign(permission_set, account, sso_user=sso_user)
    now = sandbox.now()
    models.StsSession.objects.create(
        sandbox=sandbox,
        account=account,
        role=role,
        arn=f"arn:aws:sts::{account.account_id}:assumed-role/{role.name}/s",
        session_name="s",
        access_key_id="ASIAEXAMPLE",
        issued_at=now,
        expires_at=now + dt.timedelta(hours=1),
        duration_seconds=3600,
    )
    assert unit
    assert group
    assert policy
    return sandbox


def urls_for(sandbox):
    """(name, url) for every URL of the app, aimed at the sandbox's objects."""
    found = [
        ("overview", reverse("sandbox:overview", args=[sandbox.pk])),
        ("delete_sandbox", reverse("sandbox:delete_sandbox", args=[sandbox.pk])),
        ("settings", reverse("sandbox:settings", args=[sandbox.pk])),
        ("check", reverse("sandbox:check", args=[sandbox.pk]) + "?principal=root:1&action=s3:x"),
        ("who_can", reverse("sandbox:who_can", args=[sandbox.pk]) + "?action=s3:GetObject"),
        ("validate", reverse("sandbox:validate", args=[sandbox.pk])),
        ("policy_search", reverse("sandbox:policy_search", args=[sandbox.pk]) + "?q=a&account=1"),
        ("import", reverse("sandbox:import", args=[sandbox.pk])),
        ("graph", reverse("sandbox:graph", args=[sandbox.pk]) + "?action=s3:GetObject"),
    ]
    role_arn = models.Role.objects.filter(sandbox=sandbox).first().arn
    for name in ("graph_node", "graph_actions"):
        found.append((name, reverse(f"sandbox:{name}", args=[sandbox.pk]) + f"?id={role_arn}"))
    for fmt in ("svg", "png", "dot", "json"):
        found.append(("graph_export", reverse("sandbox:graph_export", args=[sandbox.pk, fmt])))
    for part in ("identity", "ec2", "portal"):
        found.append(("graph_part", reverse("sandbox:graph_part", args=[sandbox.pk, part])))
    session = models.StsSession.objects.filter(sandbox=sandbox).first()
    for name in (
        "hub",
        "act",
        "clock",
        "sign_in",
        "assume_role",
        "switch_role",
        "ec2",
        "cross_account",
        "services",
        "portal",
        "saml",
        "broker",
        "session_token",
        "web_identity",
    ):
        found.append((f"flows:{name}", reverse(f"flows:{name}", args=[sandbox.pk])))
    found.append(("flows:forget", reverse("flows:forget", args=[sandbox.pk, session.pk])))
    account = models.Account.objects.filter(sandbox=sandbox).first()
    found.append(("export", reverse("sandbox:export", args=[sandbox.pk, account.pk])))
    for slug, kind in KINDS.items():
        found.append(("create", reverse("sandbox:create", args=[sandbox.pk, slug])))
        found.append(("list_kind", reverse("sandbox:list_kind", args=[sandbox.pk, slug])))
        obj = kind.model.objects.filter(sandbox=sandbox).first()
        assert obj is not None, f"build_world makes no {slug}"
        found.append(("object", reverse("sandbox:object", args=[sandbox.pk, slug, obj.pk])))
        found.append(("delete", reverse("sandbox:delete", args=[sandbox.pk, slug, obj.pk])))
        for action in ACTIONS.get(slug, []):
            found.append(
                ("action", reverse("sandbox:action", args=[sandbox.pk, slug, obj.pk, action]))
            )
    return found


def snapshot(sandbox):
    sandbox.refresh_from_db()
    return (
        sandbox.version,
        sandbox.name,
        sandbox.acting_as,
        sandbox.clock_offset,
        models.StsSession.objects.filter(sandbox=sandbox).count(),
        models.IamUser.objects.filter(sandbox=sandbox).count(),
        models.AccessKey.objects.filter(sandbox=sandbox).count(),
    )


def test_every_url_refuses_someone_elses_sandbox(client):
    victim = build_world(PersonFactory(username="victim"))
    intruder = PersonFactory(username="intruder")
    mine = services.create_sandbox(intruder, "Mine")
    my_account = models.Account.objects.get(sandbox=mine)
    my_user = IamUserFactory(account=my_account)
    client.force_login(intruder)
    before = snapshot(victim)
    covered = set()
    for name, target in urls_for(victim):
        covered.add(name)
        for method in (client.get, client.post):
            response = method(target)
            assert response.status_code in (404, 405), (
                method.__name__,
                target,
                response.status_code,
            )
    assert snapshot(victim) == before
    # Ids of the victim's objects posted to the intruder's own pages are refused too.
    victim_policy = models.ManagedPolicy.objects.filter(sandbox=victim).first()
    victim_group = models.IamGroup.objects.filter(sandbox=victim).first()
    for action, data in (
        ("attach", {"policy": victim_policy.pk}),
        ("add-group", {"group": victim_group.pk}),
    ):
        client.post(reverse("sandbox:action", args=[mine.pk, "users", my_user.pk, action]), data)
    assert not my_user.managed_policies.exists()
    assert not my_user.groups.exists()
    # A form cannot create an object in the victim's account from the intruder's sandbox.
    victim_account = models.Account.objects.get(sandbox=victim)
    response = client.post(
        reverse("sandbox:create", args=[mine.pk, "users"]),
        {"account": victim_account.pk, "name": "planted", "path": "/"},
    )
    assert response.status_code == 400  # refused: not an account of this sandbox
    assert not models.IamUser.objects.filter(name="planted").exists()
    # The shared AWS managed policy page is the one page that is the same for everybody.
    assert client.get(reverse("sandbox:aws_policy", args=["ReadOnlyAccess"])).status_code == 200
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    # The URLs that name no sandbox: your list, adding your own Example Corp, AWS pages, and
    # your background jobs (someone else's answers 404: tests/sandbox/test_jobs.py).
    assert names - covered == {"list", "example_corp", "aws_policy", "job"}, (
        "a new URL needs a check"
    )
    flow_names = {f"flows:{p.name}" for p in flow_urls.urlpatterns if isinstance(p, URLPattern)}
    assert flow_names - covered == set(), "a new identity-flow URL needs a check"
    # Someone else's session cannot be used from your own sandbox, or in your access check.
    theirs = models.StsSession.objects.get(sandbox=victim)
    client.post(reverse("flows:act", args=[mine.pk]), {"key": theirs.key})
    mine.refresh_from_db()
    assert mine.acting_as == ""
    check = client.get(
        reverse("sandbox:check", args=[mine.pk]), {"principal": theirs.key, "action": "s3:x"}
    )
    assert check.context["result"] is None
    assert "principal" in check.context["errors"]


def test_the_list_shows_only_your_own_sandboxes(client):
    build_world(PersonFactory(username="someone"))
    me = PersonFactory(username="me")
    services.create_sandbox(me, "Mine")
    client.force_login(me)
    listed = [s.name for s in client.get(reverse("sandbox:list")).context["sandboxes"]]
    assert listed == ["Mine"]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    victim = build_world(PersonFactory(username="victim"))
    for _, target in urls_for(victim):
        response = client.get(target)
        assert response.status_code in (302, 405), target
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/sign-in/")
    assert aws_policy("ReadOnlyAccess")
