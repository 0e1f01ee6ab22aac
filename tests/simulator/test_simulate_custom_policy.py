"""``manage.py simulate_custom_policy``: AWS's simulate-custom-policy request and response."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ACCOUNT = "123456789012"
OTHER = "444455556666"
ALICE = "arn:aws:iam::111122223333:user/alice"
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"
OBJECT = f"{BUCKET}/report.csv"
VALID_KEYS = (
    "string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, "
    "binaryList, date, dateList"
)


Json = dict[str, Any]


def stmt(effect: str = "Allow", action: Any = "s3:*", resource: Any = "*", **extra: Any) -> Json:
    out: dict[str, Any] = {"Effect": effect, "Action": action}
    if resource is not None:
        out["Resource"] = resource
    out.update(extra)
    return out


def doc(*statements: Json) -> str:
    """A policy document as AWS takes it: a JSON string."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW_ALL = doc(stmt(action="*"))
ALLOW_S3 = doc(stmt())


def run(tmp_path, request: Json) -> Json:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    out = StringIO()
    call_command("simulate_custom_policy", "--cli-input-json", str(path), stdout=out)
    response: Json = json.loads(out.getvalue())
    return response


def results(tmp_path, request: Json) -> list[Json]:
    response = run(tmp_path, request)
    assert response["IsTruncated"] is False
    found: list[Json] = response["EvaluationResults"]
    return found


def only(tmp_path, request: Json) -> Json:
    found = results(tmp_path, request)
    assert len(found) == 1
    return found[0]


def error(tmp_path, request: Any) -> str:
    path = tmp_path / "request.json"
    path.write_text(request if isinstance(request, str) else json.dumps(request))
    with pytest.raises(CommandError) as info:
        call_command("simulate_custom_policy", "--cli-input-json", str(path), stdout=StringIO())
    return str(info.value)


# --- decisions --------------------------------------------------------------------------------


def test_basic_allow(tmp_path):
    result = only(tmp_path, {"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject"]})
    assert result["EvalActionName"] == "s3:GetObject"
    assert result["EvalResourceName"] == "*"
    assert result["EvalDecision"] == "allowed"
    assert [m["SourcePolicyId"] for m in result["MatchedStatements"]] == ["PolicyInputList.1"]
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "IAM Policy"
    assert result["MissingContextValues"] == []
    assert "PermissionsBoundaryDecisionDetail" not in result
    assert "OrganizationsDecisionDetail" not in result
    assert result["EvalDecisionExplanation"].startswith(
        "Allowed by Statement 1 of PolicyInputList.1"
    )


def test_aws_documented_example_gives_the_same_positions(tmp_path):
    # The example of the AWS CLI reference for simulate-custom-policy, with AWS's output.
    policy = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":'
        '"2018-08-16T12:00:00Z"}}}}'
    )
    request: Json = {
        "PolicyInputList": [policy],
        "ActionNames": ["dynamodb:CreateBackup"],
        "ContextEntries": [
            {
                "ContextKeyName": "aws:CurrentTime",
                "ContextKeyValues": ["2019-04-25T11:00:00Z"],
                "ContextKeyType": "date",
            }
        ],
    }
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 1, "Column": 38},
            "EndPosition": {"Line": 1, "Column": 167},
        }
    ]
    request["ContextEntries"][0]["ContextKeyValues"] = ["2014-04-25T11:00:00Z"]
    assert only(tmp_path, request)["EvalDecision"] == "implicitDeny"


DENY_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {
      "Sid": "NoDelete",
      "Effect": "Deny",
      "Action": "s3:DeleteObject",
      "Resource": "*"
    }
  ]
}"""


def test_explicit_deny_reports_the_deny_statement_and_its_position(tmp_path):
    request: Json = {
        "PolicyInputList": [ALLOW_ALL, DENY_POLICY],
        "ActionNames": ["s3:DeleteObject"],
    }
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "explicitDeny"
    # The Deny statement spans line 5, column 5 to line 10, column 5 (its braces).
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.2",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 5, "Column": 6},
            "EndPosition": {"Line": 10, "Column": 6},
        }
    ]
    assert (
        "Explicitly denied by Statement 2 (NoDelete) of PolicyInputList.2"
        in (result["EvalDecisionExplanation"])
    )


def test_policy_given_as_an_object_is_accepted(tmp_path):
    policy = {"Version": "2012-10-17", "Statement": [stmt(action="s3:GetObject")]}
    result = only(tmp_path, {"PolicyInputList": [policy], "ActionNames": ["s3:GetObject"]})
    assert result["EvalDecision"] == "allowed"
    # Positions refer to the object serialized with an indent of 4.
    assert result["MatchedStatements"][0]["StartPosition"] == {"Line": 4, "Column": 10}


def test_implicit_deny_has_no_matched_statements(tmp_path):
    result = only(tmp_path, {"PolicyInputList": [ALLOW_S3], "ActionNames": ["ec2:RunInstances"]})
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []
    assert "no identity-based policy allows" in result["EvalDecisionExplanation"]


def test_empty_policy_input_list_is_an_implicit_deny(tmp_path):
    result = only(tmp_path, {"PolicyInputList": [], "ActionNames": ["s3:GetObject"]})
    assert result["EvalDecision"] == "implicitDeny"


def test_permissions_boundary_detail(tmp_path):
    boundary = doc(stmt(action="s3:GetObject"), stmt("Deny", action="s3:DeleteObject"))
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "PermissionsBoundaryPolicyInputList": [boundary],
        "ActionNames": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
    }
    get, put, delete = results(tmp_path, request)
    assert get["EvalDecision"] == "allowed"
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert [m["SourcePolicyType"] for m in get["MatchedStatements"]] == [
        "IAM Policy",
        "Permissions Boundary Policy",
    ]
    assert get["MatchedStatements"][1]["SourcePolicyId"] == "PermissionsBoundaryPolicyInputList.1"
    assert put["EvalDecision"] == "implicitDeny"
    assert put["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert "permissions boundary does not" in put["EvalDecisionExplanation"]
    assert delete["EvalDecision"] == "explicitDeny"
    assert delete["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert delete["MatchedStatements"][0]["SourcePolicyType"] == "Permissions Boundary Policy"


def test_boundary_with_allow_and_deny_for_the_action_does_not_allow_it(tmp_path):
    boundary = doc(stmt(), stmt("Deny", action="s3:DeleteObject"))
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "PermissionsBoundaryPolicyInputList": [boundary],
        "ActionNames": ["s3:DeleteObject"],
    }
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "explicitDeny"
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}


def test_scp_levels_give_the_organizations_detail(tmp_path):
    full_access = doc(stmt(action="*"))
    deny = doc(stmt("Deny", action="s3:DeleteBucket"))
    request: Json = {
        "PolicyInputList": [ALLOW_ALL],
        "ServiceControlPolicyInputList": [
            [full_access],  # root
            [full_access, deny],  # OU
            [doc(stmt(action=["s3:*", "ec2:Describe*"]))],  # account
        ],
        "ActionNames": ["s3:GetObject", "s3:DeleteBucket", "iam:CreateUser"],
    }
    get, delete, create = results(tmp_path, request)
    assert get["EvalDecision"] == "allowed"
    assert get["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    assert delete["EvalDecision"] == "explicitDeny"
    assert delete["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert delete["MatchedStatements"] == [
        {
            "SourcePolicyId": "ServiceControlPolicyInputList.2.2",
            "SourcePolicyType": "Service Control Policy",
            # Just after the statement's "{" and just after its "}" (the text ends with "}]}").
            "StartPosition": {"Line": 1, "Column": deny.index("[{") + 3},
            "EndPosition": {"Line": 1, "Column": len(deny) - 1},
        }
    ]
    assert create["EvalDecision"] == "implicitDeny"
    assert create["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": False}
    assert "SCPs on the account" in create["EvalDecisionExplanation"]


def test_resource_control_policies(tmp_path):
    rcp_full = doc(stmt(action="*", Principal="*"))
    https_only = doc(
        stmt(
            "Deny",
            action="s3:*",
            Principal="*",
            Condition={"Bool": {"aws:SecureTransport": "false"}},
        )
    )
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "ResourceControlPolicyInputList": [[rcp_full], [rcp_full, https_only]],
        "ActionNames": ["s3:GetObject"],
        "ResourceArns": [OBJECT],
        "ContextEntries": [
            {
                "ContextKeyName": "aws:SecureTransport",
                "ContextKeyValues": ["false"],
                "ContextKeyType": "boolean",
            }
        ],
    }
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "explicitDeny"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "ResourceControlPolicyInputList.2.2"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "Resource Control Policy"
    assert "OrganizationsDecisionDetail" not in result  # that detail is about SCPs

    request["ContextEntries"][0]["ContextKeyValues"] = ["true"]
    assert only(tmp_path, request)["EvalDecision"] == "allowed"


def test_session_policies_limit_a_role_session(tmp_path):
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "SessionPolicyInputList": [doc(stmt(action="s3:GetObject"))],
        "CallerArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/Developer/alice",
        "ActionNames": ["s3:GetObject", "s3:PutObject"],
    }
    get, put = results(tmp_path, request)
    assert get["EvalDecision"] == "allowed"
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in get["MatchedStatements"]] == [
        ("PolicyInputList.1", "IAM Policy"),
        ("SessionPolicyInputList.1", "Session Policy"),
    ]
    assert put["EvalDecision"] == "implicitDeny"
    assert "session policy" in put["EvalDecisionExplanation"]


def test_cross_account_needs_the_resource_policy_of_the_resource_owner(tmp_path):
    bucket_policy = doc(
        stmt(action="s3:GetObject", resource=f"{BUCKET}/*", Principal={"AWS": ALICE})
    )
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "ActionNames": ["s3:GetObject"],
        "ResourceArns": [OBJECT],
        "CallerArn": ALICE,
        "ResourceOwner": f"arn:aws:iam::{OTHER}:root",
    }
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "implicitDeny"
    assert "Cross-account request" in result["EvalDecisionExplanation"]

    request["ResourcePolicy"] = bucket_policy
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "allowed"
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in result["MatchedStatements"]] == [
        ("PolicyInputList.1", "IAM Policy"),
        ("ResourcePolicy", "Resource Policy"),
    ]
    assert "Allowed across accounts" in result["EvalDecisionExplanation"]

    # Without ResourceOwner the bucket (whose ARN names no account) is in the caller's account,
    # where the bucket policy alone is enough.
    del request["ResourceOwner"]
    request["PolicyInputList"] = []
    assert only(tmp_path, request)["EvalDecision"] == "allowed"


def test_resource_owner_account_id_and_default_caller(tmp_path):
    bucket_policy = doc(
        stmt(
            action="s3:ListBucket",
            resource=BUCKET,
            Principal={"AWS": f"arn:aws:iam::{OTHER}:user/simulated-user"},
        )
    )
    request: Json = {
        "PolicyInputList": [],
        "ResourcePolicy": bucket_policy,
        "ResourceOwner": OTHER,
        "ActionNames": ["s3:ListBucket"],
        "ResourceArns": [BUCKET],
    }
    # The default caller is an IAM user named simulated-user in the resource owner's account.
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "ResourcePolicy"


def test_default_caller_without_resource_owner(tmp_path):
    policy = doc(
        stmt(
            action="s3:GetObject",
            Condition={
                "StringEquals": {
                    "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/simulated-user",
                }
            },
        )
    )
    result = only(tmp_path, {"PolicyInputList": [policy], "ActionNames": ["s3:GetObject"]})
    assert result["EvalDecision"] == "allowed"


def test_role_trust_policy_for_assume_role(tmp_path):
    trust = doc(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": ALICE}))
    request: Json = {
        "PolicyInputList": [doc(stmt(action="sts:AssumeRole"))],
        "ResourcePolicy": trust,
        "CallerArn": ALICE,
        "ActionNames": ["sts:AssumeRole"],
        "ResourceArns": ["arn:aws:iam::111122223333:role/Auditor"],
    }
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "Resource Policy"

    request["ResourcePolicy"] = doc(
        stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": f"{OTHER}"})
    )
    assert only(tmp_path, request)["EvalDecision"] == "implicitDeny"


def test_several_actions_times_several_resources(tmp_path):
    policy = doc(stmt(action=["s3:GetObject", "s3:PutObject"], resource=f"{BUCKET}/public/*"))
    resources = [f"{BUCKET}/public/a", f"{BUCKET}/private/b", f"{BUCKET}/public/c"]
    request: Json = {
        "PolicyInputList": [policy],
        "ActionNames": ["s3:GetObject", "s3:PutObject"],
        "ResourceArns": resources,
    }
    found = results(tmp_path, request)
    assert [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"]) for r in found] == [
        ("s3:GetObject", resources[0], "allowed"),
        ("s3:GetObject", resources[1], "implicitDeny"),
        ("s3:GetObject", resources[2], "allowed"),
        ("s3:PutObject", resources[0], "allowed"),
        ("s3:PutObject", resources[1], "implicitDeny"),
        ("s3:PutObject", resources[2], "allowed"),
    ]


# --- context entries --------------------------------------------------------------------------


def condition_policy(operator: str, key: str, values: Any) -> str:
    return doc(stmt(action="s3:GetObject", Condition={operator: {key: values}}))


CONTEXT_CASES = [
    # (type, request values, operator, key, policy values, matching?)
    ("string", ["engineering"], "StringEquals", "aws:PrincipalTag/team", "engineering", True),
    ("string", ["sales"], "StringEquals", "aws:PrincipalTag/team", "engineering", False),
    ("stringList", ["a", "b"], "ForAllValues:StringEquals", "aws:TagKeys", ["a", "b", "c"], True),
    ("stringList", ["a", "z"], "ForAllValues:StringEquals", "aws:TagKeys", ["a", "b", "c"], False),
    ("stringList", ["x", "b"], "ForAnyValue:StringEquals", "aws:TagKeys", ["b"], True),
    ("numeric", ["50"], "NumericLessThanEquals", "s3:max-keys", "100", True),
    ("numeric", ["500"], "NumericLessThanEquals", "s3:max-keys", "100", False),
    ("numericList", ["1", "2"], "ForAllValues:NumericLessThan", "iamlab:sizes", "3", True),
    ("numericList", ["1", "5"], "ForAllValues:NumericLessThan", "iamlab:sizes", "3", False),
    ("boolean", ["true"], "Bool", "aws:MultiFactorAuthPresent", "true", True),
    ("boolean", ["FALSE"], "Bool", "aws:MultiFactorAuthPresent", "true", False),
    ("booleanList", ["true", "true"], "ForAllValues:Bool", "iamlab:flags", "true", True),
    ("booleanList", ["true", "false"], "ForAllValues:Bool", "iamlab:flags", "true", False),
    ("ip", ["203.0.113.7"], "IpAddress", "aws:SourceIp", "203.0.113.0/24", True),
    ("ip", ["198.51.100.7"], "IpAddress", "aws:SourceIp", "203.0.113.0/24", False),
    ("ip", ["2001:db8::1"], "IpAddress", "aws:SourceIp", "2001:db8::/32", True),
    ("ipList", ["10.0.0.1", "203.0.113.9"], "ForAnyValue:IpAddress", "iamlab:ips", "203.0.113.0/24",
     True),
    ("ipList", ["10.0.0.1"], "ForAnyValue:IpAddress", "iamlab:ips", "203.0.113.0/24", False),
    ("binary", ["aGVsbG8="], "BinaryEquals", "iamlab:blob", "aGVsbG8=", True),
    ("binary", ["d29ybGQ="], "BinaryEquals", "iamlab:blob", "aGVsbG8=", False),
    ("binaryList", ["aGVsbG8=", "d29ybGQ="], "ForAnyValue:BinaryEquals", "iamlab:blobs",
     "d29ybGQ=", True),
    ("date", ["2025-06-01T00:00:00Z"], "DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z",
     True),
    ("date", ["2027-06-01T00:00:00Z"], "DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z",
     False),
    ("date", ["1700000000"], "DateLessThan", "aws:CurrentTime", "2026-01-01T00:00:00Z", True),
    ("dateList", ["2025-01-01", "2025-06-01T12:00:00+02:00"], "ForAllValues:DateGreaterThan",
     "iamlab:dates", "2024-12-31T00:00:00Z", True),
    ("dateList", ["2025-01-01", "2020-01-01"], "ForAllValues:DateGreaterThan", "iamlab:dates",
     "2024-12-31T00:00:00Z", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("key_type", "values", "operator", "key", "policy_values", "matches"), CONTEXT_CASES
)
def test_context_entries_of_each_type(
    tmp_path, key_type, values, operator, key, policy_values, matches
):
    request: Json = {
        "PolicyInputList": [condition_policy(operator, key, policy_values)],
        "ActionNames": ["s3:GetObject"],
        "ContextEntries": [
            {"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": key_type}
        ],
    }
    result = only(tmp_path, request)
    assert result["EvalDecision"] == ("allowed" if matches else "implicitDeny")
    assert result["MissingContextValues"] == []


def test_list_types_are_multivalued(tmp_path):
    # A plain operator does not match a multivalued key, even with a single value in the list;
    # the scalar type with the same value does match.
    entry = {"ContextKeyName": "aws:TagKeys", "ContextKeyValues": ["a", "b"]}
    request: Json = {
        "PolicyInputList": [condition_policy("StringEquals", "aws:TagKeys", "a")],
        "ActionNames": ["s3:GetObject"],
        "ContextEntries": [{**entry, "ContextKeyType": "stringList"}],
    }
    assert only(tmp_path, request)["EvalDecision"] == "implicitDeny"
    request["ContextEntries"] = [{**entry, "ContextKeyValues": ["a"], "ContextKeyType": "string"}]
    assert only(tmp_path, request)["EvalDecision"] == "allowed"


def test_json_numbers_and_booleans_are_accepted_as_context_values(tmp_path):
    policy = doc(
        stmt(
            action="s3:GetObject",
            Condition={
                "Bool": {"aws:SecureTransport": "true"},
                "NumericLessThan": {"s3:max-keys": "10"},
            },
        )
    )
    request: Json = {
        "PolicyInputList": [policy],
        "ActionNames": ["s3:GetObject"],
        "ContextEntries": [
            {
                "ContextKeyName": "aws:SecureTransport",
                "ContextKeyValues": [True],
                "ContextKeyType": "boolean",
            },
            {"ContextKeyName": "s3:max-keys", "ContextKeyValues": [5], "ContextKeyType": "numeric"},
        ],
    }
    assert only(tmp_path, request)["EvalDecision"] == "allowed"


def test_missing_context_values(tmp_path):
    policy = doc(
        stmt(
            action="s3:GetObject",
            Condition={
                "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                "StringEquals": {"aws:PrincipalTag/team": "engineering"},
            },
        )
    )
    request: Json = {"PolicyInputList": [policy], "ActionNames": ["s3:GetObject"]}
    result = only(tmp_path, request)
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:SourceIp", "aws:PrincipalTag/team"]

    request["ContextEntries"] = [
        {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["203.0.113.7"],
         "ContextKeyType": "ip"},
    ]  # fmt: skip
    result = only(tmp_path, request)
    assert result["MissingContextValues"] == ["aws:PrincipalTag/team"]


# --- input sources and batch mode -------------------------------------------------------------


def test_request_from_standard_input(monkeypatch):
    request: Json = {"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject"]}
    monkeypatch.setattr("sys.stdin", StringIO(json.dumps(request)))
    out = StringIO()
    call_command("simulate_custom_policy", "--cli-input-json", "-", stdout=out)
    text = out.getvalue()
    assert text.startswith('{\n  "EvaluationResults": [\n')  # indent 2
    assert json.loads(text)["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_file_url_like_the_aws_cli(tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps({"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject"]}))
    out = StringIO()
    call_command("simulate_custom_policy", "--cli-input-json", f"file://{path}", stdout=out)
    assert json.loads(out.getvalue())["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_aws_paging_keys_are_accepted_and_ignored(tmp_path):
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "ActionNames": ["s3:GetObject"],
        "ResourceHandlingOption": "EC2-VPC-InstanceStore",
        "MaxItems": 10,
        "Marker": "abc",
    }
    assert only(tmp_path, request)["EvalDecision"] == "allowed"


def test_batch_mode_reports_a_bad_line_and_goes_on(tmp_path):
    good = {"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject"]}
    wildcard = {"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:Get*"]}
    denied = {"PolicyInputList": [ALLOW_S3], "ActionNames": ["ec2:RunInstances"]}
    lines = [json.dumps(good), '{"PolicyInputList": [', "", json.dumps(wildcard),
             json.dumps(denied)]  # fmt: skip
    out = StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "simulate_custom_policy", "--batch", "-", stdin=StringIO("\n".join(lines)), stdout=out
        )
    assert "2 of 4 requests failed (lines 2, 4)" in str(info.value)
    printed = out.getvalue().splitlines()
    assert len(printed) == 4
    for line in printed:  # compact
        assert line == json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=False)
    first, second, third, fourth = (json.loads(line) for line in printed)
    assert first["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert second["Line"] == 2
    assert second["Error"]["Code"] == "InvalidInput"
    assert second["Error"]["Message"].startswith("request: line 1, column 22: Invalid JSON")
    assert third["Line"] == 4
    assert third["Error"]["Field"] == "ActionNames[0]"
    assert "wildcards are not allowed in ActionNames" in third["Error"]["Message"]
    assert fourth["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_batch_mode_from_a_file_reports_policy_findings(tmp_path):
    path = tmp_path / "requests.jsonl"
    good = {"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject"]}
    bad = {"PolicyInputList": ['{"Version": "2012-10-17", "Statement": []}'],
           "ActionNames": ["s3:GetObject"]}  # fmt: skip
    path.write_text(f"{json.dumps(good)}\n{json.dumps(bad)}\n")
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2 requests failed"):
        call_command("simulate_custom_policy", "--batch", str(path), stdout=out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert second["Error"]["Code"] == "MalformedPolicyDocument"
    assert second["Error"]["Field"] == "PolicyInputList[0]"
    assert second["Error"]["Findings"][0]["code"] == "EMPTY_STATEMENT"


def test_batch_mode_all_good_exits_normally(tmp_path):
    good = json.dumps({"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject"]})
    out = StringIO()
    call_command("simulate_custom_policy", "--batch", "-", stdin=StringIO(good + "\n"), stdout=out)
    assert len(out.getvalue().splitlines()) == 1


def test_one_input_option_is_required():
    with pytest.raises(CommandError, match="one of the arguments --cli-input-json --batch"):
        call_command("simulate_custom_policy", stdout=StringIO())


# --- validation errors ------------------------------------------------------------------------


def test_invalid_json_file(tmp_path):
    message = error(tmp_path, '{\n  "ActionNames": ["s3:GetObject"],\n}')
    assert message == (
        "--cli-input-json: line 2, column 34: Invalid JSON: Illegal trailing comma before end of "
        "object"
    )


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="--cli-input-json: cannot read .*nope.json"):
        call_command(
            "simulate_custom_policy", "--cli-input-json", str(tmp_path / "nope.json"),
            stdout=StringIO(),
        )  # fmt: skip


def test_request_must_be_an_object(tmp_path):
    assert error(tmp_path, "[1, 2]").startswith("request: must be a JSON object")


def test_duplicate_key_in_the_request(tmp_path):
    message = error(tmp_path, '{"ActionNames": ["s3:GetObject"], "ActionNames": []}')
    assert 'the key "ActionNames" appears twice' in message


def test_missing_action_names(tmp_path):
    message = error(tmp_path, {"PolicyInputList": [ALLOW_S3]})
    assert message == "ActionNames: required, but missing"


def test_missing_policy_input_list(tmp_path):
    message = error(tmp_path, {"ActionNames": ["s3:GetObject"]})
    assert message == "PolicyInputList: required, but missing"


def test_empty_action_names(tmp_path):
    assert error(tmp_path, {"PolicyInputList": [], "ActionNames": []}).startswith("ActionNames: ")


def test_wildcard_action(tmp_path):
    message = error(
        tmp_path, {"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject", "s3:Get*"]}
    )
    assert message == 'ActionNames[1]: "s3:Get*" — wildcards are not allowed in ActionNames'


def test_malformed_action(tmp_path):
    message = error(tmp_path, {"PolicyInputList": [], "ActionNames": ["s3GetObject"]})
    assert message.startswith('ActionNames[0]: "s3GetObject" is not an action')


def test_unknown_key(tmp_path):
    message = error(
        tmp_path, {"PolicyInputList": [], "ActionNames": ["s3:GetObject"], "ResourceArn": ["*"]}
    )
    assert message.startswith(
        'ResourceArn: unknown key "ResourceArn" (did you mean "ResourceArns"?); the request takes '
    )


def test_several_unknown_keys_are_all_named(tmp_path):
    message = error(tmp_path, {"PolicyInputList": [], "ActionNames": ["s3:GetObject"], "A": 1,
                               "B": 2})  # fmt: skip
    assert message.startswith('A, B: unknown keys "A", "B"')


def test_bad_context_key_type(tmp_path):
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "ActionNames": ["s3:GetObject"],
        "ContextEntries": [
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["x"], "ContextKeyType": "strin"}
        ],
    }
    assert error(tmp_path, request) == (
        f'ContextEntries[0].ContextKeyType: "strin" is not one of {VALID_KEYS}'
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["203.0.113.0/24"],
             "ContextKeyType": "ip"},
            'ContextEntries[0].ContextKeyValues[0]: "203.0.113.0/24" is not an IP address',
        ),
        (
            {"ContextKeyName": "aws:CurrentTime", "ContextKeyValues": ["yesterday"],
             "ContextKeyType": "date"},
            'ContextEntries[0].ContextKeyValues[0]: "yesterday" is not a date',
        ),
        (
            {"ContextKeyName": "aws:SecureTransport", "ContextKeyValues": ["yes"],
             "ContextKeyType": "boolean"},
            'ContextEntries[0].ContextKeyValues[0]: "yes" is not a boolean',
        ),
        (
            {"ContextKeyName": "s3:max-keys", "ContextKeyValues": ["1", "ten"],
             "ContextKeyType": "numericList"},
            'ContextEntries[0].ContextKeyValues[1]: "ten" is not a number',
        ),
        (
            {"ContextKeyName": "iamlab:blob", "ContextKeyValues": ["not base64!"],
             "ContextKeyType": "binary"},
            'ContextEntries[0].ContextKeyValues[0]: "not base64!" is not base64-encoded binary',
        ),
        (
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["192.0.2.1", "192.0.2.2"],
             "ContextKeyType": "ip"},
            "ContextEntries[0].ContextKeyValues: a key of type ip takes exactly one value, but 2 "
            "were given (use ipList for a multivalued key)",
        ),
        (
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": "192.0.2.1",
             "ContextKeyType": "ip"},
            "ContextEntries[0].ContextKeyValues: must be a list of strings, not a string",
        ),
        (
            {"ContextKeyName": "SourceIp", "ContextKeyValues": ["192.0.2.1"],
             "ContextKeyType": "ip"},
            'ContextEntries[0].ContextKeyName: "SourceIp" is not a condition key',
        ),
        (
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["192.0.2.1"]},
            "ContextEntries[0].ContextKeyType: required, but missing",
        ),
        (
            {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["192.0.2.1"],
             "ContextKeyType": "ip", "ContextKeyValue": "x"},
            "ContextEntries[0].ContextKeyValue: unknown key",
        ),
    ],
)  # fmt: skip
def test_bad_context_values(tmp_path, entry, expected):
    request: Json = {
        "PolicyInputList": [],
        "ActionNames": ["s3:GetObject"],
        "ContextEntries": [entry],
    }
    assert error(tmp_path, request).startswith(expected)


def test_context_key_given_twice(tmp_path):
    entry = {"ContextKeyValues": ["192.0.2.1"], "ContextKeyType": "ip"}
    request: Json = {
        "PolicyInputList": [],
        "ActionNames": ["s3:GetObject"],
        "ContextEntries": [
            {"ContextKeyName": "aws:SourceIp", **entry},
            {"ContextKeyName": "aws:sourceip", **entry},
        ],
    }
    assert error(tmp_path, request).startswith(
        'ContextEntries[1].ContextKeyName: "aws:sourceip" is already given in ContextEntries[0]'
    )


def test_bad_policy_json_names_the_policy_line_and_column(tmp_path):
    broken = '{\n  "Version": "2012-10-17",\n  "Statement": {\n    "Effect" "Allow",\n  }\n}'
    request: Json = {
        "PolicyInputList": [ALLOW_S3, ALLOW_S3, broken],
        "ActionNames": ["s3:GetObject"],
    }
    message = error(tmp_path, request)
    assert message.startswith("PolicyInputList[2]: line 4, column 14: Invalid JSON: ")


def test_policy_the_engine_rejects_lists_every_blocking_finding(tmp_path):
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Alow", "Action": "s3:GetObject", "Resource": "*"},
                          {"Effect": "Allow", "Action": "s3:GetObject"}],
        },
        indent=2,
    )  # fmt: skip
    request: Json = {"PolicyInputList": [policy], "ActionNames": ["s3:GetObject"]}
    lines = error(tmp_path, request).splitlines()
    assert len(lines) == 2
    assert all(line.startswith("PolicyInputList[0]: line ") for line in lines)
    assert "Alow" in lines[0]


def test_bad_boundary_scp_session_and_resource_policy_documents_name_their_field(tmp_path):
    bad = '{"Version": "2012-10-17"}'
    base = {"PolicyInputList": [ALLOW_S3], "ActionNames": ["s3:GetObject"]}
    assert error(tmp_path, {**base, "PermissionsBoundaryPolicyInputList": [bad]}).startswith(
        "PermissionsBoundaryPolicyInputList[0]: "
    )
    assert error(
        tmp_path, {**base, "ServiceControlPolicyInputList": [[ALLOW_ALL], [ALLOW_ALL, bad]]}
    ).startswith("ServiceControlPolicyInputList[1][1]: ")
    assert error(tmp_path, {**base, "ResourceControlPolicyInputList": [[bad]]}).startswith(
        "ResourceControlPolicyInputList[0][0]: "
    )
    session = {**base, "CallerArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s"}
    assert error(tmp_path, {**session, "SessionPolicyInputList": [bad]}).startswith(
        "SessionPolicyInputList[0]: "
    )
    assert error(tmp_path, {**base, "ResourcePolicy": bad}).startswith("ResourcePolicy: ")
    assert error(tmp_path, {**base, "PolicyInputList": [42]}).startswith(
        "PolicyInputList[0]: must be a policy document"
    )


def test_bad_caller_arn(tmp_path):
    request: Json = {"PolicyInputList": [], "ActionNames": ["s3:GetObject"], "CallerArn": "alice"}
    message = error(tmp_path, request)
    assert message.startswith('CallerArn: "alice" is not a principal iamlab understands')


def test_bad_resource_owner(tmp_path):
    request: Json = {
        "PolicyInputList": [],
        "ActionNames": ["s3:GetObject"],
        "ResourceOwner": "12345",
    }
    assert error(tmp_path, request).startswith('ResourceOwner: "12345" is not an account')


def test_bad_resource_arn(tmp_path):
    request: Json = {"PolicyInputList": [], "ActionNames": ["s3:GetObject"],
               "ResourceArns": ["*", "amzn-s3-demo-bucket"]}  # fmt: skip
    assert error(tmp_path, request).startswith(
        'ResourceArns[1]: "amzn-s3-demo-bucket" is not an ARN'
    )


def test_more_than_one_permissions_boundary(tmp_path):
    request: Json = {
        "PolicyInputList": [],
        "ActionNames": ["s3:GetObject"],
        "PermissionsBoundaryPolicyInputList": [ALLOW_S3, ALLOW_S3],
    }
    assert error(tmp_path, request).startswith(
        "PermissionsBoundaryPolicyInputList: AWS's simulator takes one permissions boundary"
    )


def test_scp_levels_must_be_non_empty_lists(tmp_path):
    base = {"PolicyInputList": [], "ActionNames": ["s3:GetObject"]}
    assert error(tmp_path, {**base, "ServiceControlPolicyInputList": [ALLOW_ALL]}).startswith(
        "ServiceControlPolicyInputList[0]: each level (root first, account last) must be a list"
    )
    assert error(tmp_path, {**base, "ServiceControlPolicyInputList": [[ALLOW_ALL], []]}).startswith(
        "ServiceControlPolicyInputList[1]: a level needs at least one SCP"
    )


def test_session_policies_need_a_session_caller(tmp_path):
    request: Json = {
        "PolicyInputList": [ALLOW_S3],
        "ActionNames": ["s3:GetObject"],
        "SessionPolicyInputList": [ALLOW_S3],
    }
    assert error(tmp_path, request).startswith(
        "SessionPolicyInputList: session policies limit role sessions and federated users only"
    )


def test_wrong_type_of_field(tmp_path):
    request: Json = {"PolicyInputList": ALLOW_S3, "ActionNames": ["s3:GetObject"]}
    assert error(tmp_path, request) == "PolicyInputList: must be a list, not a string"
