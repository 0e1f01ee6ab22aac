"""Access-Analyzer-style findings on policies IAM accepts.

Source: access-analyzer-reference-policy-checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamlab.policy import PolicyError, PolicyType, Severity, parse_policy, validate
from iamlab.policy.jsonsource import parse_json
from iamlab.policy.semantics import semantic_findings

MANAGED = Path(__file__).resolve().parents[2] / "fixtures" / "aws-managed-policies"
GITHUB_PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SAML_PROVIDER = "arn:aws:iam::111122223333:saml-provider/CorpIdP"


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
    # IAM refuses a trust policy that names a non-STS action: "AssumeRole policy may only
    # specify STS AssumeRole actions" (MalformedPolicyDocument; id_roles_terms-and-concepts).
    refused = find(findings(wrong_action, type_="trust"), "TRUST_POLICY_ACTION")
    assert refused
    assert refused[0].blocking
    with pytest.raises(PolicyError):
        parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [wrong_action]}), "trust")
    wildcard = {**wrong_action, "Action": ["sts:AssumeRole", "s*:Get*"]}
    loose = find(findings(wildcard, type_="trust"), "TRUST_POLICY_ACTION")
    assert loose
    assert not loose[0].blocking


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
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html:
    # "Service control policies: 5120 characters" (not the 10,240 of tag or backup policies).
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": many[:150]}
    scp = find(findings(deny, type_="scp"), "POLICY_SIZE")
    assert scp
    assert "5,120" in scp[0].message
    small = {"Effect": "Deny", "Action": "s3:*", "Resource": many[:10]}
    assert not find(findings(small, type_="scp"), "POLICY_SIZE")


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
        policy = parse_policy(json.dumps(data["Document"], indent=2), type=kind)
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


# -- statements without Resource or Action --------------------------------------------------------


def test_trust_policy_without_resource_is_not_read_as_not_resource():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    # A role trust policy has no Resource or NotResource element (IAM refuses them there: "Has
    # prohibited field Resource"); the resource is the role itself. It is not an Allow with
    # NotResource.
    service = {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    github = {
        "Effect": "Allow",
        "Principal": {"Federated": GITHUB_PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/*"},
        },
    }
    assert findings(service, type_="trust") == []
    assert findings(github, type_="trust") == []


def test_missing_resource_or_action_is_not_reported_as_its_not_form():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
    # and reference_policies_elements_notaction.html: a statement with neither element is
    # malformed (MISSING_RESOURCE, MISSING_ACTION), not an Allow with NotResource / NotAction.
    no_resource = find_codes(findings({"Effect": "Allow", "Action": "s3:GetObject"}))
    assert "MISSING_RESOURCE" in no_resource
    assert "ALLOW_WITH_NOT_RESOURCE" not in no_resource
    no_action = find_codes(findings({"Effect": "Allow", "Resource": "*"}))
    assert "MISSING_ACTION" in no_action
    assert "ALLOW_WITH_NOT_ACTION" not in no_action


def find_codes(result):
    return {f.code for f in result}


# -- web identity (OIDC) and SAML condition keys --------------------------------------------------


def trust(key, operator="StringEquals", federated="accounts.google.com"):
    return {
        "Effect": "Allow",
        "Principal": {"Federated": federated},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {operator: {key: "value"}},
    }


@pytest.mark.parametrize(
    "key",
    [
        # reference_policies_iam-condition-keys.html#condition-keys-wif
        "accounts.google.com:aud",
        "accounts.google.com:oaud",
        "accounts.google.com:sub",
        "accounts.google.com:azp",
        "accounts.google.com:email",
        "graph.facebook.com:app_id",
        "graph.facebook.com:id",
        "www.amazon.com:app_id",
        "www.amazon.com:user_id",
        "cognito-identity.amazonaws.com:aud",
        "cognito-identity.amazonaws.com:sub",
        # id_roles_create_for-idp_oidc.html (GitHub) and id_roles_providers_oidc_user-id.html:
        # any OIDC provider, named by its issuer without https://, path included.
        "token.actions.githubusercontent.com:aud",
        "token.actions.githubusercontent.com:sub",
        "token.actions.githubusercontent.com:repository",
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub",
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud",
        "gitlab.example.com:sub",
        "server.example.com:azp",
        # reference_policies_iam-condition-keys.html#condition-keys-saml
        "saml:aud",
        "saml:sub",
        "saml:iss",
        "saml:sub_type",
        "saml:namequalifier",
        "saml:doc",
        "saml:edupersonprincipalname",
    ],
)
def test_documented_web_identity_and_saml_keys_are_known(key):
    codes = find_codes(findings(trust(key), type_="trust"))
    assert "UNKNOWN_CONDITION_KEY" not in codes
    assert "INVALID_GLOBAL_CONDITION_KEY" not in codes


def test_multivalued_saml_and_cognito_keys_take_a_set_operator():
    # reference_policies_iam-condition-keys.html: "The key is multivalued, meaning that you test
    # it in a policy using condition set operators", with the page's own example.
    cognito = trust(
        "cognito-identity.amazonaws.com:amr",
        "ForAnyValue:StringLike",
        "cognito-identity.amazonaws.com",
    )
    cognito["Condition"]["StringEquals"] = {
        "cognito-identity.amazonaws.com:aud": "us-east-2:identity-pool-id"
    }
    assert findings(cognito, type_="trust") == []
    plain = findings(trust("cognito-identity.amazonaws.com:amr"), type_="trust")
    assert find(plain, "MISSING_SET_OPERATOR")
    affiliation = trust("saml:edupersonaffiliation", "ForAnyValue:StringEquals", SAML_PROVIDER)
    affiliation["Action"] = "sts:AssumeRoleWithSAML"
    assert findings(affiliation, type_="trust") == []


@pytest.mark.parametrize(
    ("key", "text"),
    [
        # A typo of a service key stays a typo: "s3" is a service, not a host name.
        ("s3:prefx", "Amazon S3"),
        ("token.actions.githubusercontent.com:subject", 'githubusercontent.com:sub"?'),
        ("accounts.google.com:aux", "aud, azp"),
        ("saml:namequalifer", '"saml:namequalifier"?'),
        ("https://token.actions.githubusercontent.com:sub", "without its scheme"),
        ("corp-idp:sub", "known service or identity provider"),
    ],
)
def test_misspelt_web_identity_and_saml_keys_are_still_flagged(key, text):
    result = find(findings(trust(key), type_="trust"), "UNKNOWN_CONDITION_KEY")
    assert result, key
    assert result[0].severity is Severity.WARNING
    assert text in result[0].message


# -- AWS managed policies -------------------------------------------------------------------------


def managed_findings(name, *, aws_managed):
    text = json.dumps(json.loads((MANAGED / f"{name}.json").read_text())["Document"], indent=2)
    root, _ = parse_json(text)
    policy = parse_policy(text, PolicyType.IDENTITY)
    return semantic_findings(policy, root, lambda span: None, text, aws_managed=aws_managed)


def test_aws_managed_policy_is_exempt_from_size_quota_and_names_retired_services():
    # reference_iam-quotas.html: the 6,144-character managed policy quota binds the policies you
    # create; ReadOnlyAccess (AWS managed) has over 90,000 characters and still names services
    # AWS has retired (CodeStar, DeepComposer, CloudWatch Evidently, IoT 1-Click, IoT Events).
    as_customer = managed_findings("ReadOnlyAccess", aws_managed=False)
    assert find(as_customer, "POLICY_SIZE")[0].severity is Severity.ERROR
    assert find(as_customer, "INVALID_SERVICE")[0].severity is Severity.ERROR
    as_aws = managed_findings("ReadOnlyAccess", aws_managed=True)
    assert [f for f in as_aws if f.severity is Severity.ERROR] == []
    assert not find(as_aws, "POLICY_SIZE")
    assert not find(as_aws, "INLINE_POLICY_SIZE")
    retired = find(as_aws, "INVALID_SERVICE")
    assert {f.severity for f in retired} == {Severity.SUGGESTION}
    named = sorted(f.message.split('"')[1] for f in retired)
    assert named == ["codestar", "deepcomposer", "evidently", "iot1click", "iotevents"]
    assert all("retired or unknown service" in f.message for f in retired)


def test_aws_managed_flag_does_not_hide_other_findings():
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [statement(Action="s3:GetObjekt")]}, indent=2
    )
    root, _ = parse_json(text)
    result = semantic_findings(parse_policy(text), root, lambda span: None, text, aws_managed=True)
    assert find(result, "INVALID_ACTION")[0].severity is Severity.ERROR


def test_validate_takes_aws_managed():
    text = json.dumps(json.loads((MANAGED / "ReadOnlyAccess.json").read_text())["Document"])
    result = validate(text, "identity", aws_managed=True)
    assert [f for f in result if f.severity is Severity.ERROR] == []


# -- wording --------------------------------------------------------------------------------------


def test_principal_in_identity_policy_message_uses_an():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    result = findings(statement(Principal={"AWS": "111122223333"}))
    message = find(result, "UNSUPPORTED_PRINCIPAL")[0].message
    assert message.startswith("An identity-based policy cannot have a Principal element")
