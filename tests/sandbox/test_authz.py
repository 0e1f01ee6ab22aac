"""Importing and exporting ``aws iam get-account-authorization-details`` output.

The format: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
and https://docs.aws.amazon.com/cli/latest/reference/iam/get-account-authorization-details.html
(the sample in ``data/`` follows their examples: documents decoded by the CLI in most places,
URL-encoded as the raw API returns them in three).
"""

from __future__ import annotations

import copy
import io
import json
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from benchmarks.authz_data import generate
from iamlab.policy import ALLOWED, IMPLICIT_DENY
from iamlab.sandbox import authorization_details as authz
from iamlab.sandbox.authorization_details import ImportProblem, export_account, import_account
from iamlab.sandbox.authorization_details.importing import Reader
from iamlab.sandbox.graphing import access_graph
from iamlab.sandbox.models import (
    AccessKey,
    Account,
    IamGroup,
    IamUser,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    PolicyVersion,
    Role,
    Sandbox,
)
from iamlab.sandbox.world import World

from .factories import AccountFactory, ManagedPolicyFactory, PersonFactory, SandboxFactory

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "authorization-details.json"
ACCOUNT_ID = "111122223333"
AWS_FILES = Path(__file__).resolve().parents[2] / "fixtures" / "aws-managed-policies"


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=4)


def row_counts() -> dict[str, int]:
    """Every table an import writes to, and the sandboxes' versions."""
    tables = [
        Sandbox,
        Account,
        ManagedPolicy,
        PolicyVersion,
        IamUser,
        IamGroup,
        Role,
        InlinePolicy,
        AccessKey,
        MfaDevice,
        InstanceProfile,
        IamUser.managed_policies.through,
        IamGroup.managed_policies.through,
        Role.managed_policies.through,
        IamGroup.members.through,
    ]
    counts = {model.__name__: model.objects.count() for model in tables}
    counts["versions"] = sum(Sandbox.objects.values_list("version", flat=True))
    return counts


def by_name(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


# -- a valid import --------------------------------------------------------------------------


def test_import_creates_exactly_the_rows_the_file_describes():
    # API_GetAccountAuthorizationDetails.html: users, groups, roles and policies with their
    # relationships; reference_identifiers.html: the unique ids are kept as AWS gave them.
    sandbox = SandboxFactory()
    aws_rows = ManagedPolicy.objects.filter(account__isnull=True).count()
    version = sandbox.version

    account = import_account(sandbox, SAMPLE.read_bytes())

    assert account.account_id == ACCOUNT_ID
    assert account.name == "Imported account"
    assert account.email == f"aws+{ACCOUNT_ID}@example.com"
    assert authz.account_counts(account) == {
        "users": 2,
        "groups": 2,
        "roles": 3,
        "policies": 2,
        "policy versions": 3,
        "inline policies": 3,
        "access keys": 2,
        "MFA devices": 1,
        "instance profiles": 1,
    }
    # AWS managed policies are the existing global rows: none is created.
    assert ManagedPolicy.objects.filter(account__isnull=True).count() == aws_rows
    sandbox.refresh_from_db()
    assert sandbox.version > version

    alice = IamUser.objects.get(account=account, name="alice")
    assert (alice.path, alice.unique_id) == ("/engineering/", "AIDAQXYZALICE00000001")
    assert alice.created_at == datetime(2023, 2, 14, 9, 21, 37, tzinfo=UTC)
    assert alice.tags == {"team": "payments", "cost-center": "4711"}
    assert [g.name for g in alice.groups.all()] == ["Developers"]
    assert [p.name for p in alice.managed_policies.all()] == ["IAMUserChangePassword"]
    assert alice.managed_policies.get().aws_managed
    inline = InlinePolicy.objects.get(user=alice)
    assert inline.name == "ManageOwnAccessKeys"
    # The URL-encoded document is stored decoded.
    assert json.loads(inline.document)["Statement"][0]["Sid"] == "ManageOwnAccessKeys"

    bob = IamUser.objects.get(account=account, name="bob")
    assert sorted(g.name for g in bob.groups.all()) == ["Admins", "Developers"]
    assert bob.boundary is not None
    assert bob.boundary.name == "DeveloperBoundary"
    assert not bob.console_password
    assert not bob.access_keys.exists()

    deploy = ManagedPolicy.objects.get(account=account, name="DeployApp")
    assert (deploy.path, deploy.policy_id) == ("/app/", "ANPAQXYZDEPLOYAPP0006")
    assert deploy.sandbox_id == sandbox.pk
    assert deploy.description == "Upload storefront releases and update its functions"
    versions = {v.version_id: v for v in deploy.versions.all()}
    assert set(versions) == {"v1", "v2"}
    assert versions["v2"].is_default
    assert not versions["v1"].is_default
    assert json.loads(versions["v1"].document)["Statement"][0]["Action"] == "s3:PutObject"
    assert versions["v1"].created_at == datetime(2023, 3, 15, 11, 0, tzinfo=UTC)
    developers = IamGroup.objects.get(account=account, name="Developers")
    assert sorted(p.name for p in developers.managed_policies.all()) == [
        "AmazonEC2ReadOnlyAccess",
        "DeployApp",
    ]


def test_credentials_become_password_access_key_and_mfa_rows():
    # get-login-profile, list-access-keys and list-mfa-devices output shapes:
    # https://docs.aws.amazon.com/cli/latest/reference/iam/list-access-keys.html and
    # https://docs.aws.amazon.com/cli/latest/reference/iam/list-mfa-devices.html (virtual devices
    # are named by an arn:aws:iam::ACCOUNT:mfa/NAME serial).
    account = import_account(SandboxFactory(), SAMPLE.read_bytes())
    alice = IamUser.objects.get(account=account, name="alice")
    assert alice.console_password
    assert not alice.password_reset_required
    assert alice.password_last_used == datetime(2024, 11, 2, 8, 15, tzinfo=UTC)
    keys = list(alice.access_keys.order_by("created_at"))
    assert [(k.key_id, k.status) for k in keys] == [
        ("AKIAIOSFODNN7EXAMPLE", "Active"),
        ("AKIAI44QH8DHBEXAMPLE", "Inactive"),
    ]
    assert all(k.account_id == account.pk and k.sandbox_id == account.sandbox_id for k in keys)
    assert keys[1].created_at == datetime(2024, 6, 20, 16, 45, 12, tzinfo=UTC)
    device = alice.mfa_devices.get()
    assert (device.name, device.kind) == ("alice-phone", "virtual")
    assert device.serial == f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice-phone"


def test_roles_aws_creates_and_instance_profiles():
    # using-service-linked-roles.html: service-linked roles live under
    # /aws-service-role/SERVICE/; id_roles_use_switch-role-ec2_instance-profiles.html: an
    # instance profile holds the role an EC2 instance uses.
    account = import_account(SandboxFactory(), SAMPLE.read_bytes())
    slr = Role.objects.get(account=account, name="AWSServiceRoleForAutoScaling")
    assert (slr.managed_by, slr.linked_service) == ("service-linked", "autoscaling.amazonaws.com")
    assert not slr.editable
    assert slr.description.startswith("Default Service-Linked Role")
    web = Role.objects.get(account=account, name="WebServerRole")
    assert web.managed_by == ""
    assert web.trusted_services == ["ec2.amazonaws.com"]
    assert web.tags == {"app": "storefront"}
    profile = InstanceProfile.objects.get(account=account)
    assert (profile.name, profile.profile_id, profile.role) == (
        "WebServerProfile",
        "AIPAQXYZWEBPROFILE005",
        web,
    )
    auditor = Role.objects.get(account=account, name="CrossAccountAuditor")
    assert auditor.max_session_duration == 7200
    # The trust policy arrived URL-encoded.
    trust = json.loads(auditor.trust_policy)
    assert trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}


def test_identity_center_roles_and_other_mfa_devices():
    # id_roles_providers_saml.html / permissionsetsconcept.html: Identity Center provisions
    # AWSReservedSSO_ roles under /aws-reserved/sso.amazonaws.com/; list-mfa-devices names
    # hardware tokens by serial number and FIDO security keys by a u2f ARN.
    data = sample()
    role = copy.deepcopy(data["RoleDetailList"][1])
    name = "AWSReservedSSO_ReadOnly_0123456789abcdef"
    path = "/aws-reserved/sso.amazonaws.com/eu-west-1/"
    role.update(
        RoleName=name,
        Path=path,
        RoleId="AROAQXYZSSOREADONLY09",
        Arn=f"arn:aws:iam::{ACCOUNT_ID}:role{path}{name}",
    )
    data["RoleDetailList"].append(role)
    u2f = f"arn:aws:iam::{ACCOUNT_ID}:u2f/user/alice/fidosecuritykey-ABCDEFGHIJKLMNOP"
    data["UserDetailList"][0]["MFADevices"] += [
        {"UserName": "alice", "SerialNumber": "GAHT12345678", "EnableDate": "2024-01-01T00:00:00Z"},
        {"UserName": "alice", "SerialNumber": u2f, "EnableDate": "2024-01-02T00:00:00Z"},
    ]
    account = import_account(SandboxFactory(), dump(data))
    assert Role.objects.get(account=account, name=name).managed_by == "identity-center"
    kinds = dict(MfaDevice.objects.filter(account=account).values_list("name", "kind"))
    assert kinds == {"alice-phone": "virtual", "GAHT12345678": "hardware", u2f: "passkey"}
    exported = by_name(export_account(account)["UserDetailList"], "UserName")["alice"]
    serials = [d["SerialNumber"] for d in exported["MFADevices"]]
    assert serials == [f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice-phone", "GAHT12345678", u2f]


def test_the_engine_answers_for_the_imported_account():
    # id_groups.html: a group's policies reach its members;
    # access_policies_boundaries.html: a boundary caps what a user's policies allow.
    sandbox = SandboxFactory()
    account = import_account(sandbox, SAMPLE.read_bytes())
    world = World.for_sandbox(sandbox)

    def principal(kind: str, model: type[IamUser] | type[Role], name: str) -> Any:
        info = world.principal(f"{kind}:{model.objects.get(account=account, name=name).pk}")
        assert info is not None
        return info

    assert world.problems == []
    alice = principal("user", IamUser, "alice")
    assert alice.unique_id == "AIDAQXYZALICE00000001"
    read = world.check(alice, "s3:GetObject", "arn:aws:s3:::example-app-artifacts/build.zip")
    assert read.evaluation.decision == ALLOWED
    assert "ReadAppBuckets (inline, via group Developers)" in read.evaluation.reason
    assert world.check(alice, "ec2:DescribeInstances", "*").allowed  # AmazonEC2ReadOnlyAccess
    # Her inline policy names arn:aws:iam::*:user/${aws:username}, which matches only users at
    # path / (reference_policies_variables.html): alice is under /engineering/.
    assert not world.check(
        alice, "iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT_ID}:user/engineering/alice"
    ).allowed
    assert any(p.name.startswith("ManageOwnAccessKeys (inline") for p in alice.identity)
    assert not world.check(alice, "iam:CreateUser", "*").allowed

    # Admins gives bob AdministratorAccess, but his boundary does not allow IAM.
    bob = principal("user", IamUser, "bob")
    assert world.check(bob, "s3:PutObject", "arn:aws:s3:::example-app-artifacts/x").allowed
    capped = world.check(bob, "iam:CreateUser", f"arn:aws:iam::{ACCOUNT_ID}:user/mallory")
    assert capped.evaluation.decision == IMPLICIT_DENY
    assert capped.evaluation.decided_by == "boundary"

    web = principal("role", Role, "WebServerRole")
    parameter = f"arn:aws:ssm:eu-west-1:{ACCOUNT_ID}:parameter/storefront/db-host"
    assert world.check(web, "ssm:GetParameter", parameter).allowed


# -- invalid input: nothing is written --------------------------------------------------------


def add_key(data: dict[str, Any]) -> None:
    data["UserDetailList"][0]["AccessKeyMetadata"].append(
        {
            "UserName": "alice",
            "AccessKeyId": "AKIAJ3EXAMPLE3RDKEY0",
            "Status": "Active",
            "CreateDate": "2024-09-01T10:00:00+00:00",
        }
    )


def unknown_aws_policy_attached_only(data: dict[str, Any]) -> None:
    data["UserDetailList"][1]["AttachedManagedPolicies"] = [
        {
            "PolicyName": "AWSNoSuchPolicyInTheSnapshot",
            "PolicyArn": "arn:aws:iam::aws:policy/AWSNoSuchPolicyInTheSnapshot",
        }
    ]


def other_account(data: dict[str, Any]) -> None:
    role = data["RoleDetailList"][2]
    role["Arn"] = role["Arn"].replace(ACCOUNT_ID, "999988887777")


def missing_customer_policy(data: dict[str, Any]) -> None:
    data["Policies"] = [p for p in data["Policies"] if p["PolicyName"] != "DeployApp"]


def six_versions(data: dict[str, Any]) -> None:
    deploy = data["Policies"][4]
    first = deploy["PolicyVersionList"][0]
    for n in range(3, 7):
        deploy["PolicyVersionList"].append(
            {**first, "VersionId": f"v{n}", "IsDefaultVersion": False}
        )


def eleven_groups(data: dict[str, Any]) -> None:
    template = data["GroupDetailList"][0]
    for n in range(10):
        name = f"Team{n}"
        data["GroupDetailList"].append(
            {
                **template,
                "GroupName": name,
                "GroupId": f"AGPAQXYZTEAM{n:09d}",
                "Arn": f"arn:aws:iam::{ACCOUNT_ID}:group/{name}",
            }
        )
        data["UserDetailList"][1]["GroupList"].append(name)


INVALID = {
    # reference_identifiers.html: names use letters, digits and + = , . @ _ -.
    "bad user name": (
        lambda d: d["UserDetailList"][0].update(
            UserName="alice smith", Arn=f"arn:aws:iam::{ACCOUNT_ID}:user/engineering/alice smith"
        ),
        "UserDetailList[0].UserName",
        "letters, digits",
    ),
    # API_UserDetail.html: GroupList names groups of the same account.
    "unknown group": (
        lambda d: d["UserDetailList"][1]["GroupList"].append("Ops"),
        "UserDetailList[1].GroupList[2]",
        "Ops, which is not in GroupDetailList",
    ),
    # reference_iam-quotas.html: 2 access keys per user, 10 groups per user, 5 versions.
    "third access key": (add_key, "UserDetailList[0].AccessKeyMetadata[2]", "at most 2 access"),
    "eleven groups": (eleven_groups, "UserDetailList[1].GroupList[10]", "at most 10 groups"),
    "six versions": (six_versions, "Policies[4].PolicyVersionList[5]", "at most 5 versions"),
    # An AWS managed policy iamlab does not ship is taken from the file when the file carries
    # it (test_authorization_details_aws_managed.py); one it does not carry is an error.
    "unknown AWS managed policy, attached only": (
        unknown_aws_policy_attached_only,
        "UserDetailList[1].AttachedManagedPolicies[0].PolicyArn",
        "AWSNoSuchPolicyInTheSnapshot",
    ),
    "customer policy missing from Policies": (
        missing_customer_policy,
        "GroupDetailList[1].AttachedManagedPolicies[1].PolicyArn",
        "policy/app/DeployApp is used here but is not in Policies",
    ),
    # reference_identifiers.html#identifiers-arns: the ARN holds the account id.
    "two accounts": (other_account, "RoleDetailList[2].Arn", "in account 999988887777"),
    "ARN does not match the name": (
        lambda d: d["GroupDetailList"][0].update(GroupName="Administrators"),
        "GroupDetailList[0].Arn",
        f"expected arn:aws:iam::{ACCOUNT_ID}:group/Administrators",
    ),
    "two default versions": (
        lambda d: d["Policies"][4]["PolicyVersionList"][1].update(IsDefaultVersion=True),
        "Policies[4].PolicyVersionList",
        "exactly one default version",
    ),
    # API_GetAccountAuthorizationDetails.html: IsTruncated means more pages follow.
    "one page of several": (
        lambda d: d.update(IsTruncated=True, Marker="abc"),
        "IsTruncated",
        "truncated",
    ),
    "trust policy missing": (
        lambda d: d["RoleDetailList"][2].pop("AssumeRolePolicyDocument"),
        "RoleDetailList[2]",
        "every role has a trust policy",
    ),
    # id_credentials_access-keys.html: long-term access key ids start with AKIA.
    "temporary key id": (
        lambda d: d["UserDetailList"][0]["AccessKeyMetadata"][0].update(
            AccessKeyId="ASIAIOSFODNN7EXAMPLE"
        ),
        "UserDetailList[0].AccessKeyMetadata[0].AccessKeyId",
        "start with AKIA",
    ),
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_invalid_files_raise_and_write_nothing(case):
    mutate, where, message = INVALID[case]
    data = sample()
    mutate(data)
    sandbox = SandboxFactory()
    before = row_counts()
    with pytest.raises(ImportProblem) as raised:
        import_account(sandbox, dump(data))
    assert raised.value.where == where
    assert message in raised.value.message
    assert str(raised.value) == f"{where}: {raised.value.message}"
    assert row_counts() == before


def test_bad_json_names_line_and_column():
    sandbox = SandboxFactory()
    before = row_counts()
    text = '{\n  "UserDetailList": [\n    {"UserName": "alice" "Path": "/"}\n  ]\n}\n'
    with pytest.raises(ImportProblem) as raised:
        import_account(sandbox, text)
    assert raised.value.where == "line 3, column 26"
    assert raised.value.message == "The file is not valid JSON: Expecting ',' delimiter."
    assert row_counts() == before


def _with_nul_in_a_condition(data: dict[str, Any]) -> None:
    statement = data["GroupDetailList"][1]["GroupPolicyList"][0]["PolicyDocument"]["Statement"][0]
    statement["Condition"] = {"StringEquals": {"aws:username": "ann\x00"}}


UNSTORABLE: dict[str, tuple[str | Callable[[dict[str, Any]], object], str, str]] = {
    # A probe: json.loads recursed until RecursionError (a 500) on a file nested 200,000 deep.
    "nested 200,000 deep": (
        '{"UserDetailList": ' + "[" * 200_000 + "]" * 200_000 + "}",
        "line 1, column 83",
        "Lists and objects are nested more than 64 deep here; iamlab reads at most 64 levels",
    ),
    # And PostgreSQL refused a NUL character (a 500), which SQLite stored.
    "NUL in a description": (
        lambda d: d["RoleDetailList"][1].update(Description="Reads\x00 IAM"),
        "RoleDetailList[1].Description",
        "This text holds the NUL character (U+0000, written \\u0000)",
    ),
    "NUL in a condition": (
        _with_nul_in_a_condition,
        "GroupDetailList[1].GroupPolicyList[0].PolicyDocument.Statement[0].Condition"
        ".StringEquals.aws:username",
        "NUL character",
    ),
    "NUL in a tag key": (
        lambda d: d["UserDetailList"][0].update(Tags=[{"Key": "team", "Value": "a"}, {"b\x00": 1}]),
        "UserDetailList[0].Tags[1].b\\u0000",
        "NUL character",
    ),
}


@pytest.mark.parametrize("case", UNSTORABLE, ids=list(UNSTORABLE))
def test_a_file_too_deep_or_holding_nul_is_refused_before_anything_is_written(case):
    change, where, message = UNSTORABLE[case]
    if isinstance(change, str):
        text = change
    else:
        data = sample()
        change(data)
        text = dump(data)
    sandbox = SandboxFactory()
    before = row_counts()
    with pytest.raises(ImportProblem) as raised:
        import_account(sandbox, text)
    assert raised.value.where == where
    assert message in raised.value.message
    assert row_counts() == before


def test_url_encoded_policy_with_a_syntax_error_points_into_the_decoded_document():
    # API_GetAccountAuthorizationDetails.html: documents are URL-encoded (RFC 3986).
    broken = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
        '    {"Effect": "Allow" "Principal": {"Service": "ec2.amazonaws.com"}}\n  ]\n}'
    )
    data = sample()
    data["RoleDetailList"][1]["AssumeRolePolicyDocument"] = urllib.parse.quote(broken, safe="")
    sandbox = SandboxFactory()
    before = row_counts()
    with pytest.raises(ImportProblem) as raised:
        import_account(sandbox, dump(data))
    assert raised.value.where == (
        "RoleDetailList[1].AssumeRolePolicyDocument, line 4, column 24 of the decoded document"
    )
    assert "Invalid JSON" in raised.value.message
    assert row_counts() == before


def test_invalid_embedded_policy_points_into_the_file():
    # reference_policies_elements_effect.html: Effect is Allow or Deny.
    data = sample()
    data["GroupDetailList"][1]["GroupPolicyList"][0]["PolicyDocument"]["Statement"][0]["Effect"] = (
        "Permit"
    )
    text = dump(data)
    sandbox = SandboxFactory()
    before = row_counts()
    with pytest.raises(ImportProblem) as raised:
        import_account(sandbox, text)
    path, line, column = raised.value.where.split(", ")
    assert path == "GroupDetailList[1].GroupPolicyList[0].PolicyDocument"
    row = int(line.removeprefix("line "))
    col = int(column.removeprefix("column "))
    assert text.splitlines()[row - 1][col - 1 :].startswith('"Permit"')
    assert "Permit" in raised.value.message
    assert row_counts() == before


def test_trust_policies_are_checked_as_trust_policies():
    # reference_policies_elements_principal.html: a role trust policy names a Principal.
    data = sample()
    del data["RoleDetailList"][2]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    with pytest.raises(ImportProblem) as raised:
        import_account(SandboxFactory(), dump(data))
    assert raised.value.where.startswith("RoleDetailList[2].AssumeRolePolicyDocument, line ")
    assert "Principal" in raised.value.message


def test_importing_an_account_twice_into_one_sandbox_is_refused():
    # An account id is unique: the sandbox holds at most one account with it.
    sandbox = SandboxFactory()
    import_account(sandbox, SAMPLE.read_bytes())
    before = row_counts()
    with pytest.raises(ImportProblem) as raised:
        import_account(sandbox, SAMPLE.read_bytes())
    assert raised.value.where == "Policies[4].Arn"
    assert f"already has the account {ACCOUNT_ID}" in raised.value.message
    assert row_counts() == before
    # Another sandbox may hold the same account.
    assert import_account(SandboxFactory(), SAMPLE.read_bytes()).account_id == ACCOUNT_ID


def test_an_account_created_meanwhile_is_reported_not_crashed_on(monkeypatch):
    # Another import of the same account finishing between the checks and the writes.
    sandbox = SandboxFactory()
    write = Reader.write

    def race_then_write(reader: Reader, name: str) -> Account:
        AccountFactory(sandbox=sandbox, account_id=ACCOUNT_ID)
        return write(reader, name)

    monkeypatch.setattr(Reader, "write", race_then_write)
    with pytest.raises(ImportProblem, match="changed while the file was being imported"):
        import_account(sandbox, SAMPLE.read_bytes())
    # The racing account was created inside the rolled-back transaction too.
    assert not Account.objects.filter(sandbox=sandbox).exists()
    assert not IamUser.objects.filter(sandbox_id=sandbox.pk).exists()


def test_a_failure_while_writing_leaves_nothing(monkeypatch):
    sandbox = SandboxFactory()
    before = row_counts()

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(InstanceProfile.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        import_account(sandbox, SAMPLE.read_bytes())
    assert row_counts() == before


# -- export and round trip --------------------------------------------------------------------


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """The fields iamlab models, in one canonical shape: documents decoded, dates parsed, lists
    of names sorted, defaults filled in. AWS managed policies are compared by name, ARN and
    path only: iamlab maps them to its own rows."""

    def doc(value: Any) -> Any:
        return json.loads(urllib.parse.unquote(value)) if isinstance(value, str) else value

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    def inline(items: list[dict[str, Any]] | None) -> list[tuple[str, Any]]:
        return sorted((p["PolicyName"], doc(p["PolicyDocument"])) for p in items or [])

    def attached(entry: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((p["PolicyName"], p["PolicyArn"]) for p in entry["AttachedManagedPolicies"])

    def common(entry: dict[str, Any], kind: str) -> dict[str, Any]:
        return {
            "Path": entry["Path"],
            "Id": entry[f"{kind}Id"],
            "Arn": entry["Arn"],
            "CreateDate": when(entry["CreateDate"]),
            "Attached": attached(entry),
            "Boundary": (entry.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
            "Tags": {t["Key"]: t["Value"] for t in entry.get("Tags") or []},
        }

    users = {}
    for u in data["UserDetailList"]:
        login = u.get("LoginProfile")
        users[u["UserName"]] = common(u, "User") | {
            "Inline": inline(u.get("UserPolicyList")),
            "Groups": sorted(u["GroupList"]),
            "PasswordLastUsed": when(u.get("PasswordLastUsed")),
            "Password": None if login is None else login.get("PasswordResetRequired", False),
            "Keys": sorted(
                (k["AccessKeyId"], k["Status"], when(k["CreateDate"]))
                for k in u.get("AccessKeyMetadata") or []
            ),
            "MFA": sorted(
                (d["SerialNumber"], when(d["EnableDate"])) for d in u.get("MFADevices") or []
            ),
        }
    groups = {
        g["GroupName"]: common(g, "Group") | {"Inline": inline(g["GroupPolicyList"])}
        for g in data["GroupDetailList"]
    }
    roles = {}
    for r in data["RoleDetailList"]:
        roles[r["RoleName"]] = common(r, "Role") | {
            "Inline": inline(r["RolePolicyList"]),
            "Trust": doc(r["AssumeRolePolicyDocument"]),
            "Description": r.get("Description", ""),
            "MaxSessionDuration": r.get("MaxSessionDuration", 3600),
            "Profiles": sorted(
                (
                    p["InstanceProfileName"],
                    p["InstanceProfileId"],
                    p["Arn"],
                    p["Path"],
                    when(p["CreateDate"]),
                )
                for p in r["InstanceProfileList"]
            ),
        }
    customer, aws = {}, []
    for p in data["Policies"]:
        if p["Arn"].startswith("arn:aws:iam::aws:"):
            aws.append((p["PolicyName"], p["Arn"], p["Path"]))
            continue
        customer[p["PolicyName"]] = {
            "Id": p["PolicyId"],
            "Arn": p["Arn"],
            "Path": p["Path"],
            "Default": p["DefaultVersionId"],
            "Description": p.get("Description", ""),
            "CreateDate": when(p["CreateDate"]),
            "Versions": sorted(
                (v["VersionId"], doc(v["Document"]), v["IsDefaultVersion"], when(v["CreateDate"]))
                for v in p["PolicyVersionList"]
            ),
        }
    return {
        "users": users,
        "groups": groups,
        "roles": roles,
        "customer": customer,
        "aws": sorted(aws),
    }


def test_round_trip_keeps_every_field_iamlab_models():
    # The export is what the CLI prints (documents decoded), so re-importing it is lossless.
    original = sample()
    account = import_account(SandboxFactory(), dump(original))
    exported = export_account(account)
    assert normalise(exported) == normalise(original)
    # Exporting is deterministic, and an exported file imports into the same export.
    again = import_account(SandboxFactory(), json.dumps(exported))
    assert export_account(again) == exported


def test_export_has_the_cli_shape():
    # get-account-authorization-details.html (CLI): documents printed as JSON objects; Policies
    # holds the account's customer managed policies and the AWS managed ones in use.
    sandbox = SandboxFactory()
    account = import_account(sandbox, SAMPLE.read_bytes())
    elsewhere = AccountFactory(sandbox=sandbox)
    ManagedPolicyFactory(account=elsewhere, name="NotInThisAccount")
    exported = export_account(account)
    assert list(exported) == ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]
    policies = by_name(exported["Policies"], "PolicyName")
    assert set(policies) == {
        "AdministratorAccess",
        "AmazonEC2ReadOnlyAccess",
        "AmazonSSMManagedInstanceCore",
        "AutoScalingServiceRolePolicy",
        "DeployApp",
        "DeveloperBoundary",
        "IAMReadOnlyAccess",
        "IAMUserChangePassword",
    }
    deploy = policies["DeployApp"]
    assert deploy["DefaultVersionId"] == "v2"
    assert deploy["AttachmentCount"] == 1
    assert [v["VersionId"] for v in deploy["PolicyVersionList"]] == ["v2", "v1"]
    assert isinstance(deploy["PolicyVersionList"][1]["Document"], dict)
    assert policies["DeveloperBoundary"]["PermissionsBoundaryUsageCount"] == 1
    assert policies["AdministratorAccess"]["Arn"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    role = by_name(exported["RoleDetailList"], "RoleName")["WebServerRole"]
    assert role["InstanceProfileList"][0]["Roles"][0]["RoleName"] == "WebServerRole"
    assert isinstance(role["AssumeRolePolicyDocument"], dict)
    bob = by_name(exported["UserDetailList"], "UserName")["bob"]
    assert "LoginProfile" not in bob
    assert "AccessKeyMetadata" not in bob


def test_generated_files_import_and_round_trip():
    # The benchmark's generator makes valid files: service-linked and Identity Center roles,
    # boundaries, credentials and both document shapes included.
    data = generate(150, seed=3)
    sandbox = SandboxFactory()
    account = import_account(sandbox, json.dumps(data).encode())
    counts = authz.account_counts(account)
    assert (counts["users"], counts["groups"], counts["roles"]) == (91, 7, 52)
    assert counts["policies"] == 30
    assert Role.objects.filter(account=account, managed_by="service-linked").exists()
    assert Role.objects.filter(account=account, managed_by="identity-center").exists()
    assert normalise(export_account(account)) == normalise(data)
    assert World.for_sandbox(sandbox).problems == []


def test_a_generated_export_using_aws_managed_policies_beyond_the_first_44_imports_whole():
    # Issue 18: real accounts attach AWS managed policies the first 44 files never held, and
    # carry some at versions iamlab's snapshot lacks; none of it refuses the import.
    data = generate(150, seed=3)
    carried = {p["PolicyName"]: p for p in data["Policies"] if ":aws:policy/" in p["Arn"]}
    old_44 = {path.stem for path in AWS_FILES.glob("*.json")}
    beyond = set(carried) - old_44
    assert {"AmazonSageMakerFullAccess", "AmazonEKSClusterPolicy"} <= beyond
    sandbox = SandboxFactory()
    account = import_account(sandbox, json.dumps(data).encode())
    assert authz.taken_from_file(account) == [
        "AmazonExampleFutureServiceRolePolicy v1 (not in iamlab's snapshot)",
        "CloudWatchAgentServerPolicy v4 (iamlab's snapshot has v3)",
    ]
    used = set(
        Role.managed_policies.through.objects.filter(role__account=account).values_list(
            "managedpolicy__name", flat=True
        )
    )
    assert beyond <= used
    # AmazonSageMakerFullAccess is 14,351 characters: above the 6,144 quota, which AWS managed
    # policies are exempt from.
    assert World.for_sandbox(sandbox).problems == []
    # Its access graph builds: a node for every role, and the admins AdministratorAccess makes.
    graph = access_graph(sandbox)
    roles = [n for n in graph.nodes.values() if n.type == "role"]
    assert len(roles) == Role.objects.filter(account=account).count()
    assert any(n.is_admin for n in graph.nodes.values())


# -- management commands ----------------------------------------------------------------------


def test_import_command_creates_the_sandbox_and_reports_counts():
    person = PersonFactory(username="dana")
    out = io.StringIO()
    call_command(
        "import_authorization_details",
        str(SAMPLE),
        owner="dana",
        sandbox="Prod copy",
        account_name="Production",
        stdout=out,
    )
    sandbox = Sandbox.objects.get(owner=person, name="Prod copy")
    account = Account.objects.get(sandbox=sandbox)
    assert (account.account_id, account.name) == (ACCOUNT_ID, "Production")
    summary = out.getvalue()
    assert summary.startswith(f'Imported account {ACCOUNT_ID} (Production) into new sandbox "Prod')
    assert "2 users, 2 groups, 3 roles, 2 policies" in summary
    assert summary.rstrip().endswith(" s.")


def test_import_command_reads_stdin_into_an_existing_sandbox(monkeypatch):
    person = PersonFactory(username="eli")
    existing = SandboxFactory(owner=person, name="Lab")
    monkeypatch.setattr("sys.stdin", io.StringIO(SAMPLE.read_text(encoding="utf-8")))
    out = io.StringIO()
    call_command("import_authorization_details", "-", owner="eli", sandbox="lab", stdout=out)
    assert Account.objects.get(sandbox=existing).account_id == ACCOUNT_ID
    assert Sandbox.objects.filter(owner=person).count() == 1
    assert 'into sandbox "Lab"' in out.getvalue()


def test_import_command_failure_leaves_no_sandbox_behind(tmp_path):
    PersonFactory(username="fay")
    data = sample()
    data["UserDetailList"][1]["GroupList"].append("Ops")
    path = tmp_path / "details.json"
    path.write_text(dump(data), encoding="utf-8")
    before = row_counts()
    with pytest.raises(CommandError) as raised:
        call_command("import_authorization_details", str(path), owner="fay", sandbox="New")
    assert "UserDetailList[1].GroupList[2]" in str(raised.value)
    assert "Nothing was imported" in str(raised.value)
    assert not Sandbox.objects.filter(name="New").exists()
    assert row_counts() == before


def test_import_command_refuses_unknown_owner_and_missing_file(tmp_path):
    PersonFactory(username="gus")
    with pytest.raises(CommandError, match="No user is named 'nobody'"):
        call_command("import_authorization_details", str(SAMPLE), owner="nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_authorization_details", str(tmp_path / "none.json"), owner="gus")


def test_export_command_prints_or_writes_json(tmp_path):
    person = PersonFactory(username="hana")
    sandbox = SandboxFactory(owner=person, name="Lab")
    account = import_account(sandbox, SAMPLE.read_bytes())
    out = io.StringIO()
    options = {"owner": "hana", "sandbox": "Lab", "account": ACCOUNT_ID}
    call_command("export_authorization_details", stdout=out, **options)
    assert json.loads(out.getvalue()) == export_account(account)
    assert out.getvalue().startswith('{\n  "UserDetailList": [\n')
    target = tmp_path / "out.json"
    call_command("export_authorization_details", output=str(target), **options)
    assert json.loads(target.read_text(encoding="utf-8")) == export_account(account)
    with pytest.raises(CommandError, match="has no account '000000000000'"):
        call_command("export_authorization_details", **{**options, "account": "000000000000"})
    with pytest.raises(CommandError, match="has no sandbox named 'Other'"):
        call_command("export_authorization_details", **{**options, "sandbox": "Other"})
