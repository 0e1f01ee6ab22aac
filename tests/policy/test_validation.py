"""Access-Analyzer-style findings on policies IAM accepts.

Source: access-analyzer-reference-policy-checks.
"""

from __future__ import annotations

import json

import pytest

from iamlab.policy import Policy, Severity, validate


def statement(**fields):
    base = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    base.update(fields)
    return base


def findings(*statements, type_="identity", version="2012-10-17"):
    document = {"Statement": list(statements)}
    if version:
        document = {"Version": version, **document}
    return validate(json.dumps(document, indent=2), type_)


def find(result, code):
    return [f for f in result if f.code == code]


@pytest.mark.parametrize(
    ("fields", "code", "severity", "text"),
    [
        ({"Action": "s3:GetObjekt"}, "INVALID_ACTION", Severity.ERROR, 's3:GetObject"?'),
        ({"Action": "dynamodbb:GetItem"}, "INVALID_SERVICE", Severity.ERROR, '"dynamodb"?'),
        ({"Action": "codestar:ListProjects"}, "INVALID_SERVICE", Severity.ERROR, "retired"),
        ({"Action": "s3:Frobnicate*"}, "WILDCARD_MATCHES_NOTHING", Severity.WARNING, "matches no"),
        (
            {"NotAction": "iam:*", "Action": None},
            "ALLOW_WITH_NOT_ACTION",
            Severity.SECURITY_WARNING,
            "every action",
        ),
        ({"Action": "*"}, "FULL_ADMIN", Severity.SECURITY_WARNING, "administrator"),
        (
            {"Action": "iam:PassRole"},
            "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            Severity.SECURITY_WARNING,
            "iam:PassedToService",
        ),
        (
            {"Action": "iam:Pass*"},
            "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            Severity.SECURITY_WARNING,
            "Name the roles",
        ),
        (
            {"NotResource": "arn:aws:s3:::b", "Resource": None},
            "ALLOW_WITH_NOT_RESOURCE",
            Severity.WARNING,
            "every resource except",
        ),
        (
            {"Action": ["s3:GetObject", "s3:getobject"]},
            "REDUNDANT_ACTION",
            Severity.SUGGESTION,
            "listed twice",
        ),
        (
            {
                "Resource": "arn:aws:s3:::b",
                "Condition": {"ForAllValues:StringEquals": {"aws:username": "a"}},
            },
            "SET_OPERATOR_WITH_SINGLE_VALUED_KEY",
            Severity.SECURITY_WARNING,
            "over-permissive",
        ),
        (
            {"Condition": {"ForAnyValue:StringEquals": {"aws:username": "a"}}},
            "SET_OPERATOR_WITH_SINGLE_VALUED_KEY",
            Severity.WARNING,
            "not needed",
        ),
        (
            {"Condition": {"StringEquals": {"aws:TagKeys": "a"}}},
            "MISSING_SET_OPERATOR",
            Severity.WARNING,
            "ForAllValues",
        ),
        (
            {"Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}},
            "FORALLVALUES_WITHOUT_NULL_CHECK",
            Severity.SUGGESTION,
            "Null",
        ),
        (
            {"Condition": {"StringEquals": {"aws:SoruceIp": "1.2.3.4"}}},
            "INVALID_GLOBAL_CONDITION_KEY",
            Severity.ERROR,
            "aws:SourceIp",
        ),
        (
            {"Condition": {"StringEquals": {"s3:nosuchkey": "x"}}},
            "UNKNOWN_CONDITION_KEY",
            Severity.WARNING,
            "Amazon S3",
        ),
        (
            {"Condition": {"StringEquals": {"aws:SourceIp": "1.2.3.4"}}},
            "DATA_TYPE_MISMATCH",
            Severity.WARNING,
            "IpAddress",
        ),
        (
            {"Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.400"}}},
            "INVALID_CONDITION_VALUE",
            Severity.ERROR,
            "never matches",
        ),
        (
            {"Condition": {"DateGreaterThan": {"aws:CurrentTime": "yesterday"}}},
            "INVALID_CONDITION_VALUE",
            Severity.ERROR,
            "Date",
        ),
        (
            {"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "an hour"}}},
            "INVALID_CONDITION_VALUE",
            Severity.ERROR,
            "Numeric",
        ),
        (
            {"Condition": {"Bool": {"aws:SecureTransport": "yes"}}},
            "INVALID_CONDITION_VALUE",
            Severity.ERROR,
            "Boolean",
        ),
        (
            {"Condition": {"Null": {"aws:SourceIp": "maybe"}}},
            "INVALID_CONDITION_VALUE",
            Severity.ERROR,
            "Null takes",
        ),
        (
            {"Condition": {"StringEquals": {"aws:username": "a*"}}},
            "WILDCARD_IN_STRING_EQUALS",
            Severity.SUGGESTION,
            "StringLike",
        ),
        (
            {"Condition": {"StringLike": {"aws:PrincipalAccount": "1111*"}}},
            "WILDCARD_IN_SENSITIVE_KEY",
            Severity.WARNING,
            "no valid use",
        ),
        (
            {"Condition": {"NumericEquals": {"s3:max-keys": "${aws:username}"}}},
            "VARIABLE_NOT_SUPPORTED",
            Severity.WARNING,
            "literally",
        ),
        (
            {"Resource": "arn:aws:s3:us-east-1:111122223333:bucket"},
            "S3_ARN_REGION_ACCOUNT",
            Severity.WARNING,
            "no region or account",
        ),
        (
            {"Resource": "arn:aws:iam:us-east-1:111122223333:user/a"},
            "IAM_ARN_REGION",
            Severity.WARNING,
            "global",
        ),
        (
            {"Resource": "arn:aws:ec2:us-east-1:1234:instance/*"},
            "INVALID_ARN_ACCOUNT",
            Severity.ERROR,
            "12 digits",
        ),
        ({"Resource": "arn:aws:ec2:us-east-1"}, "INVALID_ARN", Severity.ERROR, "six"),
    ],
)
def test_finding(fields, code, severity, text):
    fields = dict(fields.items())
    st = statement()
    for key, value in fields.items():
        if value is None:
            st.pop(key, None)
        else:
            st[key] = value
    result = findings(st)
    matching = find(result, code)
    assert matching, [str(f) for f in result]
    assert matching[0].severity is severity
    assert text in matching[0].message
    assert not matching[0].blocking
    assert matching[0].location is not None


def test_clean_policy_has_no_findings():
    assert findings(statement(Resource="arn:aws:s3:::amzn-s3-demo-bucket/*")) == []


def test_missing_version_and_variables_without_version():
    result = findings(statement(Resource="arn:aws:s3:::b/${aws:username}/*"), version=None)
    assert find(result, "MISSING_VERSION")
    assert find(result, "VARIABLES_WITHOUT_VERSION")


def test_trust_policy_findings():
    anyone = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    assert find(findings(anyone, type_="trust"), "TRUST_POLICY_ALLOWS_ANYONE")
    wrong_action = {
        "Effect": "Allow",
        "Principal": {"AWS": "111122223333"},
        "Action": "s3:GetObject",
    }
    assert find(findings(wrong_action, type_="trust"), "TRUST_POLICY_ACTION")


def test_resource_policy_public_and_not_principal():
    public = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    assert find(findings(public, type_="resource"), "PUBLIC_ACCESS")
    allow_np = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "111122223333"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    assert find(findings(allow_np, type_="resource"), "ALLOW_WITH_NOT_PRINCIPAL")
    deny_np = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/a"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::b/*",
    }
    assert find(findings(deny_np, type_="resource"), "NOT_PRINCIPAL_WITHOUT_ACCOUNT")


def test_federated_principal_only_in_trust_policies():
    st = {
        "Effect": "Allow",
        "Principal": {"Federated": "accounts.google.com"},
        "Action": "s3:GetObject",
        "Resource": "*",
    }
    assert find(findings(st, type_="resource"), "FEDERATED_OUTSIDE_TRUST")


def test_size_quotas():
    many = [f"arn:aws:s3:::bucket-number-{i}/*" for i in range(250)]
    result = findings(statement(Resource=many))
    assert find(result, "POLICY_SIZE")
    assert "6,144" in find(result, "POLICY_SIZE")[0].message
    medium = [f"arn:aws:s3:::bucket-number-{i}/*" for i in range(80)]
    assert find(findings(statement(Resource=medium)), "INLINE_POLICY_SIZE")
    trust = {
        "Effect": "Allow",
        "Principal": {"AWS": [f"{100000000000 + i}" for i in range(200)]},
        "Action": "sts:AssumeRole",
    }
    assert "2,048" in find(findings(trust, type_="trust"), "POLICY_SIZE")[0].message


def test_findings_come_sorted_by_position():
    result = findings(statement(Action="s3:GetObjekt"), statement(Action="iam:PassRole"))
    lines = [f.location.line for f in result if f.location]
    assert lines == sorted(lines)


def test_managed_policies_that_ship_parse():
    """AWS's own documents parse; the only errors are catalog drift (services AWS retired but
    still names, e.g. CodeStar) and the size quota, which binds customer managed policies."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "fixtures" / "aws-managed-policies"
    files = sorted(folder.glob("*.json"))
    assert len(files) == 46
    for path in files:
        data = json.loads(path.read_text())
        kind = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}.get(
            data.get("PolicyType"), "identity"
        )
        policy = Policy.parse(json.dumps(data["Document"], indent=2), type=kind)
        assert policy.statements, path.name
        errors = {f.code for f in policy.findings if f.severity is Severity.ERROR}
        assert errors <= {"INVALID_SERVICE", "POLICY_SIZE"}, (path.name, errors)
        if "POLICY_SIZE" in errors:
            assert "AWS managed policies are exempt" in str(policy.findings)


def test_finding_as_dict_has_position():
    result = findings(statement(Action="s3:GetObjekt"))
    data = find(result, "INVALID_ACTION")[0].as_dict()
    assert data["severity"] == "ERROR"
    assert data["line"] == 6
    assert data["column"] == 17
