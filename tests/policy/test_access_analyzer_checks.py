"""One case per IAM Access Analyzer policy check that iamlab added to match the reference.

Source: IAM User Guide, "IAM policy validation check reference"
(access-analyzer-reference-policy-checks); each case is named after the check it pins, and
docs/access-analyzer-checks.md lists every check of the reference with where iamlab implements
it. A case gives the policy that triggers the check, the finding's severity, its location (line
and column of the item it is about, in the document as json.dumps(indent=2) writes it) and the
words a learner reads.
"""

from __future__ import annotations

import json

import pytest

from iamlab.policy import Severity, validate

SAML = "arn:aws:iam::111122223333:saml-provider/CorpIdP"
OIDC = "arn:aws:iam::111122223333:oidc-provider/auth.example.com"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def document(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


CASES = [
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:username": "a", "AWS:UserName": "b"}},
            }
        ],
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
        "ERROR",
        11,
        11,
        '"AWS:UserName" and "aws:username" are the same condition key',
        id="Error - Duplicate keys with different case",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:S3:::amzn-s3-demo-bucket/*",
            }
        ],
        "INVALID_ARN_SERVICE_CASE",
        "ERROR",
        7,
        19,
        'ARNs spell it in lowercase ("s3")',
        id="Error - Invalid ARN service case",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s3:max-keys": [10, "20"]}},
            }
        ],
        "INVALID_CONDITION_DATA_TYPE",
        "ERROR",
        12,
        13,
        "mix JSON types: 20 is a string but 10 is a number",
        id="Error - Invalid condition data type",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": ["true", "false"]}},
            }
        ],
        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
        "ERROR",
        10,
        34,
        "a Bool condition takes one",
        id="Error - Invalid condition multiple Boolean",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"NullIfExists": {"aws:username": "true"}},
            }
        ],
        "NULL_WITH_IF_EXISTS",
        "ERROR",
        9,
        9,
        "Null cannot take IfExists",
        id="Error - Null with if exists",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"ArnEquals": {"aws:ARN": "arn:aws:iam::111122223333:user/alice"}},
            }
        ],
        "UNSUPPORTED_GLOBAL_CONDITION_KEY",
        "ERROR",
        10,
        11,
        "use aws:PrincipalArn or aws:SourceArn",
        id="Error - Unsupported global condition key",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username/*",
            }
        ],
        "MISSING_BRACE_IN_VARIABLE",
        "ERROR",
        7,
        19,
        "has no closing brace",
        id="Error - Missing brace in variable",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:user#name}/*",
            }
        ],
        "UNSUPPORTED_SYMBOL_IN_VARIABLE",
        "ERROR",
        7,
        19,
        'contains "#"',
        id="Error - Unsupported symbol in variable",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username, guest}/*",
            }
        ],
        "MISSING_QUOTE_IN_VARIABLE",
        "ERROR",
        7,
        19,
        "must be in single quotes",
        id="Error - Missing quote in variable",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${aws: username}/*",
            }
        ],
        "UNSUPPORTED_SPACE_IN_VARIABLE",
        "ERROR",
        7,
        19,
        "has a space in its key",
        id="Error - Unsupported space in variable",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${}/*",
            }
        ],
        "EMPTY_VARIABLE",
        "ERROR",
        7,
        19,
        "is an empty policy variable",
        id="Error - Empty variable",
    ),
    pytest.param(
        "resource",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Principal": {"AWS": "arn:aws:iam::111122223333:user/${aws:username}"},
            }
        ],
        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        "ERROR",
        9,
        16,
        "Principal cannot use policy variables",
        id="Error - Variable unsupported in element",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        ],
        "PRIVATE_IP_ADDRESS",
        "ERROR",
        10,
        11,
        "this condition never matches",
        id="Error - Private IP address",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Deny",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}},
            }
        ],
        "PRIVATE_NOT_IP_ADDRESS",
        "ERROR",
        10,
        11,
        "this condition is always true",
        id="Error - Private NotIpAddress",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag": "finance"}},
            }
        ],
        "MISSING_TAG_KEY_IN_CONDITION",
        "ERROR",
        10,
        11,
        '"aws:ResourceTag/team"',
        id="Error - Missing tag key in condition",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-123"}},
            }
        ],
        "INVALID_VPC_FORMAT",
        "ERROR",
        10,
        28,
        "is not a VPC ID",
        id="Error - Invalid vpc format",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceVpce": "vpce1a2b3c4d"}},
            }
        ],
        "INVALID_VPCE_FORMAT",
        "ERROR",
        10,
        29,
        "is not a VPC endpoint ID",
        id="Error - Invalid vpce format",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        ],
        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        "ERROR",
        6,
        20,
        'does not take "Principal": "*"',
        id="Error - Role trust policy unsupported wildcard in principal",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111122223333:user/CorpIdP"},
                "Action": "sts:AssumeRoleWithSAML",
            }
        ],
        "INVALID_FEDERATED_PRINCIPAL_SYNTAX",
        "ERROR",
        7,
        22,
        "is not an identity provider",
        id="Error - Invalid federated principal syntax in role trust policy",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/CorpIdP"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
        "MISMATCHED_ACTION_FOR_PRINCIPAL",
        "ERROR",
        9,
        17,
        f'sts:AssumeRoleWithWebIdentity does not go with the SAML provider "{SAML}"',
        id="Error - Mismatched action for principal",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "rolesanywhere.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
        "ERROR",
        9,
        17,
        "add sts:SetSourceIdentity",
        id="Error - Missing action for roles anywhere trust policy",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "NotResource": "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/*",
            }
        ],
        "CREATE_SLR_WITH_NOT_RESOURCE",
        "WARNING",
        7,
        22,
        "iam:CreateServiceLinkedRole with NotResource",
        id="General Warning - Create SLR with NotResource",
    ),
    pytest.param(
        "identity",
        [{"Effect": "Allow", "Action": "iam:Create*", "NotResource": "arn:aws:iam::*:user/*"}],
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "WARNING",
        7,
        22,
        "an action wildcard that includes iam:CreateServiceLinkedRole, with NotResource",
        id="General Warning - Create SLR with star in action and NotResource",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "NotAction": "s3:*",
                "NotResource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
            }
        ],
        "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        "WARNING",
        7,
        22,
        "NotAction (which does not exclude iam:CreateServiceLinkedRole) with NotResource",
        id="General Warning - Create SLR with NotAction and NotResource",
    ),
    pytest.param(
        "identity",
        [{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"}],
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        "WARNING",
        7,
        19,
        "iam:CreateServiceLinkedRole on resources given with a wildcard",
        id="General Warning - Create SLR with star in resource",
    ),
    pytest.param(
        "identity",
        [{"Effect": "Allow", "Action": "iam:Create*", "Resource": "*"}],
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "WARNING",
        7,
        19,
        "an action wildcard that includes iam:CreateServiceLinkedRole, on resources",
        id="General Warning - Create SLR with star in action and resource",
    ),
    pytest.param(
        "identity",
        [{"Effect": "Allow", "Resource": "*", "NotAction": "s3:*"}],
        "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        "WARNING",
        6,
        19,
        "NotAction (which does not exclude iam:CreateServiceLinkedRole) on resources",
        id="General Warning - Create SLR with star in resource and NotAction",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:CurrentTime": "1735689600"}},
            }
        ],
        "INVALID_DATE_VALUE",
        "WARNING",
        10,
        30,
        "read as seconds since 1 January 1970",
        id="General Warning - Invalid date value",
    ),
    pytest.param(
        "resource",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Principal": {"AWS": "AROA4EXAMPLEROLEID123"},
            }
        ],
        "INVALID_ROLE_REFERENCE",
        "WARNING",
        9,
        16,
        "is the unique ID of an IAM role, not its ARN",
        id="General Warning - Invalid role reference",
    ),
    pytest.param(
        "resource",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Principal": {"AWS": "AIDA4EXAMPLEUSERID123"},
            }
        ],
        "INVALID_USER_REFERENCE",
        "WARNING",
        9,
        16,
        "is the unique ID of an IAM user, not its ARN",
        id="General Warning - Invalid user reference",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": GITHUB},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"},
                },
            }
        ],
        "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
        "WARNING",
        15,
        54,
        "reaches beyond one GitHub organization",
        id="General Warning - Specific github repo and branch recommended",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "NotResource": "arn:aws:iam::111122223333:role/Admin",
            }
        ],
        "PASS_ROLE_WITH_NOT_RESOURCE",
        "SECURITY_WARNING",
        7,
        22,
        "iam:PassRole with NotResource",
        id="Security Warning - Pass role with NotResource",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "iam:Pass*",
                "NotResource": "arn:aws:iam::111122223333:role/Admin",
            }
        ],
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "SECURITY_WARNING",
        7,
        22,
        "an action wildcard that includes iam:PassRole, with NotResource",
        id="Security Warning - Pass role with star in action and NotResource",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "NotAction": "s3:*",
                "NotResource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
            }
        ],
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        "SECURITY_WARNING",
        7,
        22,
        "NotAction (which does not exclude iam:PassRole) with NotResource",
        id="Security Warning - Pass role with NotAction and NotResource",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "arn:aws:iam::111122223333:role/*",
            }
        ],
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "SECURITY_WARNING",
        7,
        19,
        "iam:PassRole on resources given with a wildcard",
        id="Security Warning - Pass role with star in resource",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "SECURITY_WARNING",
        7,
        19,
        "an action wildcard that includes iam:PassRole, on resources",
        id="Security Warning - Pass role with star in action and resource",
    ),
    pytest.param(
        "identity",
        [{"Effect": "Allow", "Resource": "*", "NotAction": "s3:*"}],
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        "SECURITY_WARNING",
        6,
        19,
        "NotAction (which does not exclude iam:PassRole) on resources",
        id="Security Warning - Pass role with star in resource and NotAction",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}},
            }
        ],
        "MISSING_PAIRED_CONDITION_KEYS",
        "SECURITY_WARNING",
        10,
        11,
        "Add aws:SourceVpc (or aws:SourceVpce)",
        id="Security Warning - Missing paired condition keys",
    ),
    pytest.param(
        "resource",
        [
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
            }
        ],
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
        "SECURITY_WARNING",
        9,
        20,
        "the confused deputy problem",
        id="Security Warning - Restrict access to service principal",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::111122223333:oidc-provider/auth.example.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
        "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
        "SECURITY_WARNING",
        7,
        22,
        "Anyone with a token from auth.example.com can assume this role",
        id="Security Warning - Missing condition key for oidc principal",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": GITHUB},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
                },
            }
        ],
        "MISSING_GITHUB_REPO_CONDITION_KEY",
        "SECURITY_WARNING",
        7,
        22,
        "any repository, in any organization",
        id="Security Warning - Missing github repo condition key",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:username": []}},
            }
        ],
        "EMPTY_ARRAY_CONDITION",
        "SUGGESTION",
        10,
        27,
        "aws:username has an empty list of values",
        id="Suggestion - Empty array condition",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": []}},
            }
        ],
        "EMPTY_ARRAY_CONDITION_FORALLVALUES",
        "SUGGESTION",
        10,
        26,
        "matches only when aws:TagKeys is absent",
        id="Suggestion - Empty array condition ForAllValues",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": []}},
            }
        ],
        "EMPTY_ARRAY_CONDITION_FORANYVALUE",
        "SUGGESTION",
        10,
        26,
        "never matches, so this statement never applies",
        id="Suggestion - Empty array condition ForAnyValue",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEqualsIfExists": {"aws:username": []}},
            }
        ],
        "EMPTY_ARRAY_CONDITION_IFEXISTS",
        "SUGGESTION",
        10,
        27,
        "matches only when aws:username is absent",
        id="Suggestion - Empty array condition IfExists",
    ),
    pytest.param(
        "resource",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Principal": {"AWS": ["111122223333"], "Service": []},
            }
        ],
        "EMPTY_ARRAY_PRINCIPAL",
        "SUGGESTION",
        12,
        20,
        '"Service" is an empty list',
        id="Suggestion - Empty array principal",
    ),
    pytest.param(
        "identity",
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {}}],
        "EMPTY_OBJECT_CONDITION",
        "SUGGESTION",
        8,
        20,
        "The Condition block is empty",
        id="Suggestion - Empty object condition",
    ),
    pytest.param(
        "identity",
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Sid": ""}],
        "EMPTY_SID_VALUE",
        "SUGGESTION",
        8,
        14,
        "The Sid is an empty string",
        id="Suggestion - Empty Sid value",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.77/24"}},
            }
        ],
        "IMPROVE_IP_RANGE",
        "SUGGESTION",
        10,
        27,
        'Write "203.0.113.0/24"',
        id="Suggestion - Improve IP range",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"ForAnyValue:Null": {"aws:TagKeys": "false"}},
            }
        ],
        "NULL_WITH_QUALIFIER",
        "SUGGESTION",
        9,
        9,
        "ForAnyValue: does not belong on Null",
        id="Suggestion - Null with qualifier",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.1.0.0/16"]}},
            }
        ],
        "PRIVATE_IP_ADDRESS_SUBSET",
        "SUGGESTION",
        10,
        11,
        "the private range 10.1.0.0/16 here never match",
        id="Suggestion - Private IP address subset",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Deny",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.1.0.0/16"]}},
            }
        ],
        "PRIVATE_NOT_IP_ADDRESS_SUBSET",
        "SUGGESTION",
        10,
        11,
        "the private range 10.1.0.0/16 here exclude nothing",
        id="Suggestion - Private NotIpAddress subset",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": ["iam:Get*", "iam:List*", "iam:GetCredentialReport"],
                "Resource": "*",
            }
        ],
        "REDUNDANT_ACTION",
        "SUGGESTION",
        9,
        9,
        '"iam:GetCredentialReport" is already covered by "iam:Get*"',
        id="Suggestion - Redundant action",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}},
            }
        ],
        "REDUNDANT_CONDITION_VALUE_NUM",
        "SUGGESTION",
        10,
        37,
        'write "3600" alone',
        id="Suggestion - Redundant condition value num",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "iam:GetRole",
                "Resource": [
                    "arn:aws:iam::111122223333:role/jane-admin",
                    "arn:aws:iam::111122223333:role/jane*",
                ],
            }
        ],
        "REDUNDANT_RESOURCE",
        "SUGGESTION",
        8,
        9,
        'is already covered by "arn:aws:iam::111122223333:role/jane*"',
        id="Suggestion - Redundant resource",
    ),
    pytest.param(
        "identity",
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Sid": "ReadA",
            },
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Sid": "ReadB",
            },
        ],
        "REDUNDANT_STATEMENT",
        "SUGGESTION",
        10,
        5,
        "This statement repeats statement 1 exactly",
        id="Suggestion - Redundant statement",
    ),
    pytest.param(
        "resource",
        [
            {
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Condition": {"StringLike": {"aws:Referer": "https://example.com/*"}},
            }
        ],
        "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        "SUGGESTION",
        9,
        20,
        "use aws:SourceArn or aws:SourceAccount rather than aws:Referer",
        id="Suggestion - Recommended condition key for service principal",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {
                    "AWS": [
                        "arn:aws:iam::111122223333:role/Ops",
                        "arn:aws:sts::111122223333:assumed-role/Ops/alice",
                    ]
                },
                "Action": "sts:AssumeRole",
            }
        ],
        "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
        "SUGGESTION",
        9,
        11,
        "is one session of the role",
        id="Suggestion - Redundant principal in role trust policy",
    ),
    pytest.param(
        "trust",
        [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::111122223333:oidc-provider/auth.example.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"ForAnyValue:StringEquals": {"auth.example.com:aud": "my-app"}},
            }
        ],
        "CONFIRM_AUDIENCE_CLAIM_TYPE",
        "SUGGESTION",
        11,
        9,
        "a provider may send as one value or as a list",
        id="Suggestion - Confirm audience claim type",
    ),
]


@pytest.mark.parametrize(
    ("type_", "statements", "code", "severity", "line", "column", "text"), CASES
)
def test_access_analyzer_check(type_, statements, code, severity, line, column, text):
    result = validate(document(statements), type_)
    matching = [f for f in result if f.code == code]
    assert matching, [str(f) for f in result]
    finding = matching[0]
    assert finding.severity is Severity(severity)
    assert (finding.location.line, finding.location.column) == (line, column)
    assert text in finding.message
    assert finding.learn_more.startswith("https://docs.aws.amazon.com/")
    # Only what IAM itself refuses blocks saving; NullIfExists is an unknown operator to IAM.
    assert finding.blocking is (code == "NULL_WITH_IF_EXISTS")


def trust(principal, action, condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return [statement]


@pytest.mark.parametrize(
    ("principal", "action", "named"),
    [
        ({"Federated": SAML}, "sts:AssumeRoleWithWebIdentity", "the SAML provider"),
        ({"Federated": OIDC}, "sts:AssumeRoleWithSAML", "the web identity (OIDC) provider"),
        ({"Federated": "accounts.google.com"}, "sts:AssumeRole", "the web identity (OIDC)"),
        ({"Service": "ec2.amazonaws.com"}, "sts:AssumeRoleWithSAML", "the service"),
        ({"AWS": "111122223333"}, "sts:AssumeRoleWithWebIdentity", "the AWS principal"),
        ({"Federated": SAML}, "sts:AssumeRole", "the SAML provider"),
    ],
)
def test_mismatched_action_for_principal_each_pair(principal, action, named):
    # access-analyzer-reference-policy-checks, "Error - Mismatched action for principal": a SAML
    # provider goes with sts:AssumeRoleWithSAML, an OIDC provider with
    # sts:AssumeRoleWithWebIdentity; AWS principals and services call sts:AssumeRole.
    found = [
        f
        for f in validate(document(trust(principal, action)), "trust")
        if f.code == "MISMATCHED_ACTION_FOR_PRINCIPAL"
    ]
    assert len(found) == 1
    assert found[0].severity is Severity.ERROR
    assert found[0].message.startswith(f"{action} does not go with {named}")


@pytest.mark.parametrize(
    ("principal", "action"),
    [
        ({"Federated": SAML}, ["sts:AssumeRoleWithSAML", "sts:TagSession"]),
        ({"Federated": OIDC}, ["sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity"]),
        ({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole"),
        ({"AWS": "arn:aws:iam::111122223333:root"}, ["sts:AssumeRole", "sts:TagSession"]),
        ({"AWS": "*"}, "sts:AssumeRoleWithSAML"),  # everyone: left to the other checks
        ({"Federated": SAML}, "sts:*"),
    ],
)
def test_matching_action_and_principal_is_not_reported(principal, action):
    condition = {"StringEquals": {"auth.example.com:aud": "my-app"}}
    codes = {f.code for f in validate(document(trust(principal, action, condition)), "trust")}
    assert "MISMATCHED_ACTION_FOR_PRINCIPAL" not in codes


def test_saml_lab_broken_trust_policy_is_no_longer_valid():
    # The saml-federation lab's broken world: its Designers role pairs the SAML provider with
    # sts:AssumeRoleWithWebIdentity, which the policy box showed as "Valid - no findings".
    statements = trust(
        {"Federated": "arn:aws:iam::161616161616:saml-provider/CorpIdP"},
        "sts:AssumeRoleWithWebIdentity",
        {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
    )
    codes = [f.code for f in validate(document(statements), "trust")]
    assert codes == ["MISMATCHED_ACTION_FOR_PRINCIPAL"]


def test_github_subject_wildcards_inside_one_organization_are_not_reported():
    github = GITHUB
    for subject in ("repo:octo-org/*", "repo:octo-org/octo-repo:*"):
        condition = {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": subject},
        }
        assert (
            validate(
                document(trust({"Federated": github}, "sts:AssumeRoleWithWebIdentity", condition)),
                "trust",
            )
            == []
        )


def test_service_principal_with_source_account_is_not_reported():
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    }
    assert validate(document([statement]), "resource") == []


def test_pass_role_with_passed_to_service_condition_is_not_reported():
    statement = {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "NotResource": "arn:aws:iam::111122223333:role/Admin",
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    }
    codes = {f.code for f in validate(document([statement]), "identity")}
    assert "PASS_ROLE_WITH_NOT_RESOURCE" not in codes


def test_well_formed_variables_are_not_reported():
    resources = [
        "arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'shared'}/*",
        "arn:aws:s3:::amzn-s3-demo-bucket/${*}/literal-star",
    ]
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}
    assert validate(document([statement]), "identity") == []
