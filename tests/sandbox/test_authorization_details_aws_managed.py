"""AWS managed policies in an imported ``get-account-authorization-details`` file.

The export's ``Policies`` list carries each policy it uses, AWS managed ones included, with
``DefaultVersionId`` and ``PolicyVersionList``
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html and
API_ManagedPolicyDetail.html). iamlab takes the file's default version when its snapshot lacks the
policy or holds another version, keeps it in the importing sandbox, and says so.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from iamlab.sandbox import jobs
from iamlab.sandbox.authorization_details import (
    ImportProblem,
    export_account,
    import_account,
    taken_from_file,
)
from iamlab.sandbox.models import IamUser, ManagedPolicy, PolicyVersion, Role
from iamlab.sandbox.world import World

from .factories import PersonFactory, SandboxFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "authorization-details.json"
ECS = "AmazonECSTaskExecutionRolePolicy"
ECS_ARN = f"arn:aws:iam::aws:policy/service-role/{ECS}"
# The policy's document as AWS publishes it (its v1).
ECS_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ],
}


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def aws_entry(name: str, path: str, version: str, document: dict[str, Any]) -> dict[str, Any]:
    """A ``Policies`` entry for an AWS managed policy, as the CLI prints it."""
    return {
        "PolicyName": name,
        "PolicyId": "ANPAJG4PQEXAMPLE00001",
        "Arn": f"arn:aws:iam::aws:policy{path}{name}",
        "Path": path,
        "DefaultVersionId": version,
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "Description": f"{name} as the file carries it",
        "CreateDate": "2017-11-16T18:48:22+00:00",
        "UpdateDate": "2017-11-16T18:48:22+00:00",
        "PolicyVersionList": [
            {
                "Document": document,
                "VersionId": version,
                "IsDefaultVersion": True,
                "CreateDate": "2017-11-16T18:48:22+00:00",
            }
        ],
    }


def with_ecs(data: dict[str, Any]) -> dict[str, Any]:
    """The sample with AmazonECSTaskExecutionRolePolicy attached to a role, and carried."""
    data["RoleDetailList"][2]["AttachedManagedPolicies"].append(
        {"PolicyName": ECS, "PolicyArn": ECS_ARN}
    )
    data["Policies"].append(aws_entry(ECS, "/service-role/", "v1", ECS_DOCUMENT))
    return data


def role_named(account: Any, name: str) -> Role:
    return Role.objects.get(account=account, name=name)


@pytest.fixture
def without_ecs() -> None:
    """The snapshot as it was before it shipped the policy (the test database only)."""
    ManagedPolicy.objects.aws_snapshot().filter(name=ECS).delete()


def test_a_carried_policy_the_snapshot_lacks_is_taken_from_the_file(without_ecs: None) -> None:
    data = with_ecs(sample())
    role_name = data["RoleDetailList"][2]["RoleName"]
    shipped = ManagedPolicy.objects.aws_snapshot().count()
    sandbox = SandboxFactory()

    account = import_account(sandbox, json.dumps(data))

    role = role_named(account, role_name)
    ecs = role.managed_policies.get(name=ECS)
    assert (ecs.aws_managed, ecs.from_file, ecs.sandbox_id) == (True, True, sandbox.pk)
    assert ecs.arn == ECS_ARN
    assert ecs.path == "/service-role/"
    version = ecs.versions.get()
    assert (version.version_id, version.is_default) == ("v1", True)
    assert json.loads(version.document) == ECS_DOCUMENT
    # The shared snapshot is untouched.
    assert ManagedPolicy.objects.aws_snapshot().count() == shipped
    assert not ManagedPolicy.objects.aws_snapshot().filter(name=ECS).exists()

    # The summary says which policy came from the file.
    assert taken_from_file(account) == [f"{ECS} v1 (not in iamlab's snapshot)"]
    summary = jobs.import_summary(account)
    assert f"AWS managed policy taken from the file: {ECS} v1 (not in iamlab's snapshot)" in (
        summary
    )

    # The engine evaluates it as an AWS managed policy.
    world = World.for_sandbox(sandbox)
    info = world.principal(f"role:{role.pk}")
    assert info is not None
    check = world.check(info, "ecr:GetAuthorizationToken", "*")
    assert check.allowed
    assert not world.check(info, "ecr:PutImage", "*").allowed
    assert not [p for p in world.problems if ECS in p]

    # The export prints it back under AWS's ARN with the file's version.
    exported = {p["PolicyName"]: p for p in export_account(account)["Policies"]}
    assert exported[ECS]["Arn"] == ECS_ARN
    assert exported[ECS]["DefaultVersionId"] == "v1"
    assert exported[ECS]["PolicyVersionList"][0]["Document"] == ECS_DOCUMENT


def test_the_web_import_says_which_policies_came_from_the_file(client, without_ecs: None) -> None:
    person = PersonFactory()
    client.force_login(person)
    sandbox = SandboxFactory(owner=person)
    upload = io.BytesIO(json.dumps(with_ecs(sample())).encode())
    upload.name = "export.json"
    response = client.post(
        reverse("sandbox:import", args=[sandbox.pk]), {"file": upload}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "AWS managed policy taken from the file" in page
    assert ECS in page
    # The copy has its own page in the sandbox (the shared snapshot's page would not show it).
    copy_of = ManagedPolicy.objects.get(sandbox=sandbox, account__isnull=True, name=ECS)
    shown = client.get(copy_of.get_absolute_url())
    assert shown.status_code == 200
    assert "ecr:GetAuthorizationToken" in shown.content.decode()


def test_another_version_of_a_shipped_policy_is_taken_from_the_file() -> None:
    shipped = ManagedPolicy.objects.aws_snapshot().get(name="IAMReadOnlyAccess")
    shipped_version = shipped.versions.get(is_default=True)
    newer = f"v{int(shipped_version.version_id[1:]) + 1}"
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"}],
    }
    data = sample()
    entry = next(p for p in data["Policies"] if p["PolicyName"] == "IAMReadOnlyAccess")
    data["Policies"].remove(entry)
    data["Policies"].append(aws_entry("IAMReadOnlyAccess", "/", newer, document))
    sandbox = SandboxFactory()

    account = import_account(sandbox, json.dumps(data))

    auditor = role_named(account, "CrossAccountAuditor")
    used = auditor.managed_policies.get(name="IAMReadOnlyAccess")
    assert used.pk != shipped.pk
    assert used.from_file
    assert used.versions.get().version_id == newer
    assert taken_from_file(account) == [
        f"IAMReadOnlyAccess {newer} (iamlab's snapshot has {shipped_version.version_id})"
    ]
    # The snapshot keeps its own version, and other sandboxes still get it.
    assert shipped.versions.get(is_default=True).document == shipped_version.document
    world = World.for_sandbox(sandbox)
    info = world.principal(f"role:{auditor.pk}")
    assert info is not None
    assert world.check(info, "iam:GetRole", "*").allowed
    assert not world.check(info, "iam:ListUsers", "*").allowed  # the file's version says so

    # A second import into the same sandbox that carries the same version reuses the copy.
    second = copy.deepcopy(data)
    text = json.dumps(second).replace("111122223333", "444455556666")
    other = import_account(sandbox, text)
    again = role_named(other, "CrossAccountAuditor").managed_policies.get(name="IAMReadOnlyAccess")
    assert again.pk == used.pk
    assert ManagedPolicy.objects.filter(sandbox=sandbox, account__isnull=True).count() == 1


def test_the_same_version_as_the_snapshot_uses_the_snapshot() -> None:
    sandbox = SandboxFactory()
    account = import_account(sandbox, SAMPLE.read_bytes())
    assert taken_from_file(account) == []
    assert not ManagedPolicy.objects.filter(sandbox=sandbox, account__isnull=True).exists()
    assert "taken from the file" not in jobs.import_summary(account)


def test_an_unknown_policy_the_file_does_not_carry_is_named_with_where() -> None:
    data = sample()
    data["UserDetailList"][1]["AttachedManagedPolicies"] = [
        {
            "PolicyName": "AWSNoSuchPolicyAnywhere",
            "PolicyArn": "arn:aws:iam::aws:policy/AWSNoSuchPolicyAnywhere",
        }
    ]
    before = PolicyVersion.objects.count()
    with pytest.raises(ImportProblem) as raised:
        import_account(SandboxFactory(), json.dumps(data))
    problem = raised.value
    assert problem.where == "UserDetailList[1].AttachedManagedPolicies[0].PolicyArn"
    assert "AWS managed policy AWSNoSuchPolicyAnywhere" in problem.message
    assert "does not carry its document" in problem.message
    assert PolicyVersion.objects.count() == before


def test_a_carried_boundary_the_snapshot_lacks_is_taken_from_the_file(without_ecs: None) -> None:
    data = with_ecs(sample())
    data["UserDetailList"][1]["PermissionsBoundary"] = {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": ECS_ARN,
    }
    account = import_account(SandboxFactory(), json.dumps(data))
    user = IamUser.objects.get(account=account, name=data["UserDetailList"][1]["UserName"])
    assert user.boundary is not None
    assert user.boundary.from_file
    assert taken_from_file(account) == [f"{ECS} v1 (not in iamlab's snapshot)"]


def test_the_import_command_prints_what_came_from_the_file(tmp_path, without_ecs: None) -> None:
    person = PersonFactory()
    path = tmp_path / "export.json"
    path.write_text(json.dumps(with_ecs(sample())))
    out = io.StringIO()
    call_command("import_authorization_details", str(path), owner=person.username, stdout=out)
    assert f"AWS managed policy taken from the file: {ECS} v1 (not in iamlab's snapshot)." in (
        out.getvalue()
    )
