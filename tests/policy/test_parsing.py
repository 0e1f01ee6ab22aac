"""Parsing: positions, grammar errors IAM refuses, and the shapes AWS accepts."""

from __future__ import annotations

import json

import pytest

from iamlab.policy import PolicyError, PolicyType, Severity, parse_policy, validate
from iamlab.policy.jsonsource import JSONSyntaxError, parse_json


def codes(text, type_="identity"):
    return [f.code for f in validate(text, type_)]


def blocking(text, type_="identity"):
    return [f for f in validate(text, type_) if f.blocking]


# --- the JSON reader ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('{"a": 1,}', "trailing comma", 1, 9),
        ('{"a": 1\n "b": 2}', "missing ','", 1, 8),
        ("{'a': 1}", "expected a key in double quotes", 1, 2),
        ('{"a": "x', "never closed", 1, 7),
        ('{"a": tru}', "expected a value", 1, 7),
        ('{"a": 1} x', "unexpected text after the end", 1, 10),
        ("", "the policy is empty", 1, 1),
        ('{"a": [1, 2}', "expected ',' or ']'", 1, 12),
        ('{"a": "\\x"}', "invalid escape", 1, 8),
        ('{"a": NaN}', "expected a value", 1, 7),
    ],
)
def test_json_errors_have_line_and_column(text, message, line, column):
    with pytest.raises(JSONSyntaxError) as info:
        parse_json(text)
    assert message in info.value.message
    assert (info.value.line, info.value.column) == (line, column)


def test_json_keeps_duplicates_aside_and_numbers_as_written():
    node, source = parse_json('{"a": 1.50, "a": 2}')
    assert [m.key for m in node.members] == ["a"]
    assert [m.key for m in node.duplicates] == ["a"]
    assert node.members[0].value.raw == "1.50"
    assert source.position(node.members[0].value.span.start) == (1, 7)


def test_json_positions_across_crlf_lines():
    _, source = parse_json('{\r\n  "a":\r\n 1}')
    assert source.position(12) == (3, 2)  # the 1


# --- statements and their locations ---------------------------------------------------------

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "First",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    },
    {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b"}
  ]
}"""


def test_statements_keep_their_positions():
    policy = parse_policy(POLICY, name="p")
    first, second = policy.statements
    assert (first.location.line, first.location.column) == (4, 5)
    assert (first.location.end_line, first.location.end_column) == (9, 6)
    assert first.sid == "First"
    assert second.location.line == 10
    assert second.action.negated
    assert second.resource.negated
    assert policy.name == "p"


def test_single_statement_object_and_string_or_list_everywhere():
    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
    )
    assert len(policy.statements) == 1
    assert policy.statements[0].location is None  # parsed from a dict: no text, no positions


def test_principal_forms():
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": ["111122223333", "arn:aws:iam::444455556666:root"],
                        "Service": "ec2.amazonaws.com",
                        "Federated": "accounts.google.com",
                        "CanonicalUser": "79a59df900b949e55d96a1e698fbaced",
                    },
                    "Action": "s3:*",
                    "Resource": "*",
                },
            ],
        }
    )
    first, second = parse_policy(text, type="resource").statements
    assert first.principal.anyone
    assert second.principal.accounts == {"111122223333", "444455556666"}
    assert second.principal.services == {"ec2.amazonaws.com"}
    assert second.principal.federated == {"accounts.google.com"}


def test_version_2008_keeps_variables_literal():
    policy = parse_policy(
        {
            "Version": "2008-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::b/${aws:username}/*",
            },
        }
    )
    assert not policy.variables_enabled
    assert "OLD_VERSION" in [f.code for f in policy.findings]


# --- grammar errors IAM refuses (blocking) -------------------------------------------------


@pytest.mark.parametrize(
    ("document", "type_", "code"),
    [
        ({"Statement": [{"Action": "s3:*", "Resource": "*"}]}, "identity", "MISSING_EFFECT"),
        (
            {"Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]},
            "identity",
            "INVALID_EFFECT",
        ),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "identity", "MISSING_ACTION"),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}, "identity", "MISSING_RESOURCE"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3", "Resource": "*"}]},
            "identity",
            "INVALID_ACTION_FORMAT",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:a:b", "Resource": "*"}]},
            "identity",
            "INVALID_ACTION_FORMAT",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"}]},
            "identity",
            "INVALID_ARN",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:x:s3:::b"}]},
            "identity",
            "INVALID_PARTITION",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s*:::b"}]},
            "identity",
            "INVALID_ARN_SERVICE",
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
                ]
            },
            "identity",
            "UNSUPPORTED_PRINCIPAL",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
            "resource",
            "MISSING_PRINCIPAL",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "sts:AssumeRole",
                        "Resource": "*",
                    }
                ]
            },
            "trust",
            "TRUST_POLICY_RESOURCE",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Deny",
                        "NotPrincipal": {"AWS": "111122223333"},
                        "Action": "sts:AssumeRole",
                    }
                ]
            },
            "trust",
            "UNSUPPORTED_NOTPRINCIPAL",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"},
                        "Action": "s3:*",
                        "Resource": "*",
                    }
                ]
            },
            "resource",
            "PRINCIPAL_WILDCARD",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "*"},
                        "Action": "s3:*",
                        "Resource": "*",
                    }
                ]
            },
            "resource",
            "SERVICE_WILDCARD",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Aws": "*"},
                        "Action": "s3:*",
                        "Resource": "*",
                    }
                ]
            },
            "resource",
            "INVALID_PRINCIPAL_KEY",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"StringEqual": {"aws:username": "a"}},
                    }
                ]
            },
            "identity",
            "UNKNOWN_OPERATOR",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"NullIfExists": {"aws:username": "true"}},
                    }
                ]
            },
            "identity",
            "NULL_WITH_IF_EXISTS",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:*",
                        "Resource": "*",
                        "Condition": {"stringequals": {"aws:username": "a"}},
                    }
                ]
            },
            "identity",
            "OPERATOR_CASE",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Foo": 1}]},
            "identity",
            "UNKNOWN_ELEMENT",
        ),
        ({"Version": "2012-10-18", "Statement": []}, "identity", "INVALID_VERSION"),
        ({"Version": "2012-10-17", "Statement": []}, "identity", "EMPTY_STATEMENT"),
        ({"Version": "2012-10-17"}, "identity", "MISSING_STATEMENT"),
        (
            {
                "Statement": [
                    {"Sid": "no-dashes", "Effect": "Allow", "Action": "*", "Resource": "*"}
                ]
            },
            "identity",
            "INVALID_SID",
        ),
        (
            {
                "Statement": [
                    {"Sid": "A", "Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Sid": "A", "Effect": "Deny", "Action": "*", "Resource": "*"},
                ]
            },
            "identity",
            "DUPLICATE_SID",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "s3:*",
                        "Resource": "*",
                    }
                ]
            },
            "rcp",
            "RCP_ALLOW",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:*"],
                        "NotAction": ["iam:*"],
                        "Resource": "*",
                    }
                ]
            },
            "identity",
            "ACTION_AND_NOTACTION",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]},
            "identity",
            "INVALID_TYPE",
        ),
        ([1, 2], "identity", "INVALID_TYPE"),
    ],
)
def test_iam_refuses(document, type_, code):
    text = json.dumps(document, indent=2)
    found = blocking(text, type_)
    assert code in [f.code for f in found], [str(f) for f in validate(text, type_)]
    with pytest.raises(PolicyError) as info:
        parse_policy(text, type=type_)
    assert code in [f.code for f in info.value.findings]


def test_duplicate_keys_are_refused_with_position():
    text = (
        '{"Version": "2012-10-17",\n "Statement": {"Effect": "Allow", "Effect": "Deny",'
        ' "Action": "*", "Resource": "*"}}'
    )
    found = [f for f in validate(text) if f.code == "DUPLICATE_KEY"]
    assert found
    assert found[0].location.line == 2


def test_invalid_json_is_one_blocking_finding():
    findings = validate('{"Statement": [}')
    assert [f.code for f in findings] == ["JSON_SYNTAX"]
    assert findings[0].blocking
    assert findings[0].location.line == 1


def test_characters_outside_iam_range_are_refused():
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/\u2603"},
        },
        ensure_ascii=False,
    )
    assert "INVALID_CHARACTER" in [f.code for f in blocking(text)]


def test_policy_error_message_names_the_first_problem():
    with pytest.raises(PolicyError) as info:
        parse_policy(
            '{"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}', name="mine"
        )
    assert str(info.value).startswith("mine: ERROR line 1")
    assert "Permit" in str(info.value)


def test_bytes_and_non_utf8_input():
    assert parse_policy(
        b'{"Version": "2012-10-17", "Statement": {"Effect": "Allow",'
        b' "Action": "*", "Resource": "*"}}'
    ).statements
    with pytest.raises(PolicyError):
        parse_policy(b"\xff\xfe")


def test_policy_types_accept_their_shapes():
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/Corp"},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }
    assert parse_policy(trust, type=PolicyType.TRUST).statements[0].resource is None
    rcp_full = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
    assert parse_policy(rcp_full, type="rcp")
    scp = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    assert parse_policy(scp, type="scp")


def test_severity_order():
    assert [s.rank for s in Severity] == [0, 1, 2, 3]
    assert Severity.SECURITY_WARNING.label == "Security warning"


def test_a_group_cannot_be_a_principal():
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    # "You cannot identify a user group as a principal in a policy (such as a resource-based
    # policy) because groups relate to permissions, not authentication".
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:group/Admins"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::bucket/*",
            }
        ],
    }
    with pytest.raises(PolicyError) as caught:
        parse_policy(document, "resource")
    assert caught.value.findings[0].code == "GROUP_PRINCIPAL"
