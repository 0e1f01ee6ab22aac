"""AWS's naming, id, ARN and quota rules (``iamlab.sandbox.rules``), table by table.

Every case names the AWS page its expectation comes from.
"""

from __future__ import annotations

import json
import re

import pytest

from iamlab.policy import PolicyType, parse_policy
from iamlab.sandbox import rules

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
IDENTIFIERS = IAM + "reference_identifiers.html"
UNIQUE_IDS = IDENTIFIERS + "#identifiers-unique-ids"
ARNS = IDENTIFIERS + "#identifiers-arns"
QUOTAS = IAM + "reference_iam-quotas.html"
TAGS = IAM + "id_tags.html"
ROLE_SETTINGS = IAM + "id_roles_update-role-settings.html"
SLR = IAM + "using-service-linked-roles.html"
SERVICE_ROLE = IAM + "id_roles_create_for-service.html"
ASSUME_ROLE = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"
SAML_PROVIDER = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html"
ORG_API = "https://docs.aws.amazon.com/organizations/latest/APIReference/"
ACCOUNT_IDS = "https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html"


# -- quotas ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected", "page"),
    [
        (rules.USERS_PER_ACCOUNT, 5000, QUOTAS),
        (rules.GROUPS_PER_ACCOUNT, 300, QUOTAS),
        (rules.ROLES_PER_ACCOUNT, 1000, QUOTAS),
        (rules.CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT, 1500, QUOTAS),
        (rules.INSTANCE_PROFILES_PER_ACCOUNT, 1000, QUOTAS),
        (rules.SAML_PROVIDERS_PER_ACCOUNT, 100, QUOTAS),
        (rules.OIDC_PROVIDERS_PER_ACCOUNT, 100, QUOTAS),
        (rules.GROUPS_PER_USER, 10, QUOTAS),
        (rules.MANAGED_POLICIES_PER_PRINCIPAL, 10, QUOTAS),
        (rules.ACCESS_KEYS_PER_USER, 2, QUOTAS),
        (rules.ACCESS_KEYS_PER_ROOT, 2, QUOTAS),
        (rules.MFA_DEVICES_PER_USER, 8, QUOTAS),
        (rules.SSH_KEYS_PER_USER, 5, QUOTAS),
        (rules.SERVICE_CREDENTIALS_PER_SERVICE, 2, QUOTAS),
        (rules.POLICY_VERSIONS, 5, QUOTAS),
        (rules.ROLES_PER_INSTANCE_PROFILE, 1, QUOTAS),
        (rules.TAGS_PER_ENTITY, 50, TAGS),
        (rules.CLIENT_IDS_PER_OIDC_PROVIDER, 100, QUOTAS),
        (rules.THUMBPRINTS_PER_OIDC_PROVIDER, 5, QUOTAS),
        (rules.MIN_SESSION_SECONDS, 3600, ROLE_SETTINGS),
        (rules.MAX_SESSION_SECONDS, 12 * 3600, ROLE_SETTINGS),
    ],
)
def test_quotas_are_awss_defaults(value, expected, page):
    assert value == expected, page


# -- unique ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "prefix", "length", "page"),
    [
        ("user", "AIDA", 21, UNIQUE_IDS),
        ("group", "AGPA", 21, UNIQUE_IDS),
        ("role", "AROA", 21, UNIQUE_IDS),
        ("policy", "ANPA", 21, UNIQUE_IDS),
        ("instance-profile", "AIPA", 21, UNIQUE_IDS),
        ("access-key", "AKIA", 20, UNIQUE_IDS),  # AKIAIOSFODNN7EXAMPLE
        ("temporary-key", "ASIA", 20, UNIQUE_IDS),
        ("ssh-key", "APKA", 20, UNIQUE_IDS),  # APKAEIBAERJR2EXAMPLE
        ("service-credential", "ACCA", 21, UNIQUE_IDS),
    ],
)
def test_unique_id_prefix_and_length(kind, prefix, length, page):
    value = rules.unique_id(kind)
    assert value.startswith(prefix), page
    assert len(value) == length, page
    # Base32 characters: capital letters and the digits 2-7.
    assert re.fullmatch(r"[A-Z2-7]+", value), page
    assert rules.ID_PREFIXES[kind] == prefix


def test_unique_ids_are_fresh_each_time():
    # UNIQUE_IDS: "IAM ... creates a unique ID"; two entities never share one.
    assert len({rules.unique_id("user") for _ in range(200)}) == 200


def test_unique_id_of_an_unknown_kind_is_a_programming_error():
    with pytest.raises(KeyError):
        rules.unique_id("bucket")


def test_account_id_is_twelve_digits():
    # ACCOUNT_IDS: "The AWS account ID is a 12-digit number".
    for _ in range(200):
        value = rules.account_id()
        assert re.fullmatch(r"\d{12}", value), ACCOUNT_IDS
        assert rules.check_account_id(value) is None


@pytest.mark.parametrize(
    ("kind", "pattern", "page"),
    [
        ("o", r"o-[a-z0-9]{10}", ORG_API + "API_Organization.html"),
        ("r", r"r-[a-z0-9]{4}", ORG_API + "API_Root.html"),
        ("p", r"p-[a-z0-9]{8}", ORG_API + "API_PolicySummary.html"),
    ],
)
def test_organizations_ids(kind, pattern, page):
    assert re.fullmatch(pattern, rules.org_id(kind)), page


def test_ou_id_embeds_the_root_id():
    # API_OrganizationalUnit.html: "ou-" + 4-32 characters of the root id + "-" + 8-32 more.
    value = rules.ou_id("r-ab12")
    assert re.fullmatch(r"ou-ab12-[a-z0-9]{8}", value), ORG_API + "API_OrganizationalUnit.html"


# -- names -------------------------------------------------------------------------------------

NAME_CASES = [
    # (kind, name, error fragment or None, page)
    ("user", "alice", None, IDENTIFIERS),
    ("user", "alice.smith+ops=1,x@example_co-1", None, IDENTIFIERS),
    ("user", "a" * 64, None, QUOTAS),
    ("user", "a" * 65, "at most 64 characters; this one has 65", QUOTAS),
    ("user", "", "Enter a user name", IDENTIFIERS),
    ("user", "alice smith", "(not ' ')", IDENTIFIERS),
    ("user", "alice/ops", "(not '/')", IDENTIFIERS),
    ("user", "al!ce#", "(not '!' '#')", IDENTIFIERS),
    ("user", "ålice", "(not 'å')", IDENTIFIERS),  # ASCII letters only
    ("group", "g" * 128, None, QUOTAS),
    ("group", "g" * 129, "A group name has at most 128 characters", QUOTAS),
    ("role", "r" * 64, None, QUOTAS),
    ("role", "r" * 65, "A role name has at most 64 characters", QUOTAS),
    ("role", "Role*", "(not '*')", IDENTIFIERS),
    ("policy", "p" * 128, None, QUOTAS),
    ("policy", "p" * 129, "A policy name has at most 128 characters", QUOTAS),
    ("policy", "Read:Only", "(not ':')", IDENTIFIERS),
    ("instance profile", "i" * 128, None, QUOTAS),
    ("instance profile", "i" * 129, "name has at most 128 characters", QUOTAS),
    ("inline policy", "n" * 128, None, QUOTAS),
    ("inline policy", "n" * 129, "name has at most 128 characters", QUOTAS),
    ("SAML provider", "ExampleCorpIdP", None, SAML_PROVIDER),
    ("SAML provider", "Corp_IdP+1=a,b.c@d-e", None, SAML_PROVIDER),  # _+=,.@- allowed
    ("SAML provider", "s" * 128, None, SAML_PROVIDER),
    ("SAML provider", "s" * 129, "at most 128 characters", SAML_PROVIDER),
    ("SAML provider", "AWSSSO_1234_DO_NOT_DELETE", "IAM Identity Center uses it", SAML_PROVIDER),
    ("SAML provider", "awsCorp", None, SAML_PROVIDER),
]


@pytest.mark.parametrize(("kind", "name", "error", "page"), NAME_CASES)
def test_check_name(kind, name, error, page):
    result = rules.check_name(kind, name)
    if error is None:
        assert result is None, page
    else:
        assert result is not None, page
        assert error in result, page


def test_every_kind_has_a_length_limit():
    # QUOTAS, "IAM name requirements": each entity type has its own maximum name length.
    assert set(rules.NAME_LIMITS) == {
        "user",
        "group",
        "role",
        "policy",
        "instance profile",
        "inline policy",
        "SAML provider",
    }


@pytest.mark.parametrize("kind", ["instance profile", "inline policy"])
def test_check_name_messages_read_well_for_kinds_starting_with_a_vowel(kind):
    # QUOTAS: the messages a learner reads name the rule; they should be correct English.
    assert rules.check_name(kind, "") == f"Enter an {kind} name."
    too_long = rules.check_name(kind, "x" * 129)
    assert too_long is not None
    assert too_long.startswith(f"An {kind} name")


STACK_NAMES = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html"
)
PROJECT_NAMES = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("network-stack", None),
        ("N", None),  # one character is enough
        ("a" * 128, None),
        ("a" * 129, "at most 128 characters; this one has 129"),
        ("", "Enter a stack name"),
        ("1network", "must start with a letter"),
        ("-network", "must start with a letter"),
        ("network_stack", "only letters, digits and hyphens"),
        ("network.stack", "only letters, digits and hyphens"),
        ("network stack", "only letters, digits and hyphens"),
    ],
)
def test_check_stack_name(name, error):
    # STACK_NAMES: "[a-zA-Z][-a-zA-Z0-9]*", 1 to 128 characters.
    found = rules.check_stack_name(name)
    if error is None:
        assert found is None
    else:
        assert found is not None
        assert error in found


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("web-app-build", None),
        ("web_app_build", None),
        ("7build", None),  # a digit may come first
        ("ab", None),
        ("a" * 255, None),
        ("a", "2 to 255 characters; this one has 1"),
        ("a" * 256, "2 to 255 characters; this one has 256"),
        ("-build", "must start with a letter or digit"),
        ("_build", "must start with a letter or digit"),
        ("web.app", "only letters, digits, hyphens and underscores"),
        ("web/app", "only letters, digits, hyphens and underscores"),
    ],
)
def test_check_project_name(name, error):
    # PROJECT_NAMES: "[A-Za-z0-9][A-Za-z0-9\-_]{1,254}".
    found = rules.check_project_name(name)
    if error is None:
        assert found is None
    else:
        assert found is not None
        assert error in found


# -- paths -------------------------------------------------------------------------------------

PATH_CASES = [
    ("/", None, IDENTIFIERS),
    ("/division_abc/subdivision_xyz/", None, IDENTIFIERS),
    ("/aws-service-role/support.amazonaws.com/", None, IDENTIFIERS),
    ("/" + "p" * 510 + "/", None, QUOTAS),  # 512 characters
    ("/" + "p" * 511 + "/", "at most 512 characters; this one has 513", QUOTAS),
    ("", "Enter a path", IDENTIFIERS),
    ("division", "begins and ends with", IDENTIFIERS),
    ("/division", "begins and ends with", IDENTIFIERS),
    ("division/", "begins and ends with", IDENTIFIERS),
    ("/my path/", "printable ASCII", IDENTIFIERS),
    ("/équipe/", "printable ASCII", IDENTIFIERS),
    ("/tab\there/", "printable ASCII", IDENTIFIERS),
    ("//", 'may not contain "//"', IDENTIFIERS),
]


@pytest.mark.parametrize(("path", "error", "page"), PATH_CASES)
def test_check_path(path, error, page):
    result = rules.check_path(path)
    if error is None:
        assert result is None, page
    else:
        assert result is not None, page
        assert error in result, page


@pytest.mark.parametrize(
    ("path", "reserved", "page"),
    [
        ("/", False, IDENTIFIERS),
        ("/engineering/", False, IDENTIFIERS),
        ("/aws-service-role/autoscaling.amazonaws.com/", True, SLR),
        (
            "/aws-reserved/sso.amazonaws.com/",
            True,
            "https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html",
        ),
        ("/my-aws-service-role/", False, IDENTIFIERS),
    ],
)
def test_check_reserved_path(path, reserved, page):
    result = rules.check_reserved_path(path)
    if reserved:
        assert result is not None, page
        assert path in result
    else:
        assert result is None, page


# -- account ids and sessions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("111122223333", True),
        ("012345678901", True),  # leading zeros are part of the id
        ("11112222333", False),
        ("1111222233334", False),
        ("1111-2222-3333", False),
        ("11112222333a", False),
        ("", False),
        (" 111122223333", False),
    ],
)
def test_check_account_id(value, valid):
    # ACCOUNT_IDS: a 12-digit number, such as 012345678901.
    result = rules.check_account_id(value)
    assert (result is None) is valid, ACCOUNT_IDS
    if not valid:
        assert result == "An AWS account id is exactly 12 digits."


@pytest.mark.parametrize(
    ("seconds", "valid"),
    [
        (3599, False),
        (3600, True),
        (8 * 3600, True),
        (43200, True),
        (43201, False),
        (0, False),
    ],
)
def test_check_session_duration(seconds, valid):
    # ROLE_SETTINGS: "from 1 hour to 12 hours".
    result = rules.check_session_duration(seconds)
    if valid:
        assert result is None, ROLE_SETTINGS
    else:
        assert result is not None, ROLE_SETTINGS
        assert "3600" in result
        assert "43200" in result


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("ab", True),
        ("a", False),  # at least 2
        ("s" * 64, True),
        ("s" * 65, False),  # at most 64
        ("alice@example.com", True),
        ("build+deploy=1,x_y-z.", True),
        ("alice smith", False),
        ("alice/ops", False),
        ("", False),
    ],
)
def test_check_session_name(name, valid):
    # ASSUME_ROLE, RoleSessionName: 2 to 64 characters of [\w+=,.@-].
    assert (rules.check_session_name(name) is None) is valid, ASSUME_ROLE


# -- tags --------------------------------------------------------------------------------------

TAG_CASES = [
    ({}, None),
    ({"team": "blue"}, None),
    ({"cost-center": "12 34", "Owner": "alice@example.com", "a/b:c": "x+y=z_"}, None),
    ({"team": ""}, None),  # values may be empty
    ({"k" * 128: "v"}, None),
    ({"k" * 129: "v"}, "a key has 1 to 128 characters"),
    ({"": "v"}, "a key has 1 to 128 characters"),
    ({"team": "v" * 256}, None),
    ({"team": "v" * 257}, "a value has at most 256 characters"),
    ({"aws:createdBy": "me"}, "the aws: prefix is reserved"),
    ({"AWS:team": "x"}, "the aws: prefix is reserved"),
    ({"team#1": "x"}, "may use only letters, digits, spaces"),
    ({"team": "blue!"}, "the value may use only letters"),
    ({"Team": "a", "team": "b"}, "appears twice; IAM tag keys are case-insensitive"),
    ({"équipe": "bleu"}, None),  # letters in any language (UTF-8)
    ({f"k{i}": "v" for i in range(50)}, None),
    ({f"k{i}": "v" for i in range(51)}, "at most 50 tags; there are 51"),
]


@pytest.mark.parametrize(("tags", "error"), TAG_CASES)
def test_check_tags(tags, error):
    # TAGS, "Rules for tagging IAM and AWS STS resources".
    result = rules.check_tags(tags)
    if error is None:
        assert result is None, TAGS
    else:
        assert result is not None, TAGS
        assert error in result, TAGS


@pytest.mark.parametrize(
    ("text", "tags", "error"),
    [
        ("", {}, None),
        ("team = blue", {"team": "blue"}, None),
        ("team=blue\n\n  cost-center = 1234  \n", {"team": "blue", "cost-center": "1234"}, None),
        ("note = a=b", {"note": "a=b"}, None),  # the first "=" separates key and value
        ("team =", {"team": ""}, None),
        ("team = blue\nowner", {}, "Line 2: write each tag as key = value."),
        ("\n\nowner", {}, "Line 3: write each tag as key = value."),
        ("team = blue\nTEAM = red", {}, 'Line 2: the tag key "TEAM" is already set.'),
    ],
)
def test_parse_tags(text, tags, error):
    # TAGS: one key, one value per tag; keys are case-insensitive for users and roles.
    parsed, problem = rules.parse_tags(text)
    assert problem == error, TAGS
    if error is None:
        assert parsed == tags
    else:
        assert parsed == {}


def test_parse_tags_checks_the_tag_rules_too():
    # TAGS: the aws: prefix is reserved.
    _, problem = rules.parse_tags("team = blue\naws:team = red")
    assert problem is not None
    assert "aws: prefix is reserved" in problem


def test_parse_tags_names_the_line_of_a_tag_that_breaks_the_rules():
    # TAGS: the aws: prefix is reserved; parse_tags promises "an error naming the line".
    _, problem = rules.parse_tags("team = blue\naws:team = red")
    assert problem is not None
    assert problem.startswith("Line 2:")


@pytest.mark.parametrize(
    "tags",
    [{}, {"team": "blue"}, {"team": "blue", "cost center": "12", "empty": ""}],
)
def test_format_tags_round_trips_through_parse_tags(tags):
    assert rules.parse_tags(rules.format_tags(tags)) == (tags, None)


# -- ARNs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "arn"),
    [
        (("111122223333", "user", "/", "alice"), "arn:aws:iam::111122223333:user/alice"),
        (
            ("111122223333", "user", "/division_abc/subdivision_xyz/", "Bob"),
            "arn:aws:iam::111122223333:user/division_abc/subdivision_xyz/Bob",
        ),
        (
            ("111122223333", "group", "/", "Developers"),
            "arn:aws:iam::111122223333:group/Developers",
        ),
        (
            ("111122223333", "role", "/aws-service-role/support.amazonaws.com/", "X"),
            "arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/X",
        ),
        (
            ("111122223333", "instance-profile", "/", "Web"),
            "arn:aws:iam::111122223333:instance-profile/Web",
        ),
        (("111122223333", "policy", "/", "P"), "arn:aws:iam::111122223333:policy/P"),
    ],
)
def test_iam_arn(args, arn):
    # ARNS: arn:aws:iam::account:user/path/name (the path sits between type and name).
    assert rules.iam_arn(*args) == arn, ARNS


def test_assumed_role_arn_drops_the_role_path():
    # ARNS: "arn:aws:sts::123456789012:assumed-role/Accounting-Role/Mary" (no path).
    assert (
        rules.assumed_role_arn("123456789012", "Accounting-Role", "Mary")
        == "arn:aws:sts::123456789012:assumed-role/Accounting-Role/Mary"
    ), ARNS


# -- service-linked roles and service trust ----------------------------------------------------


@pytest.mark.parametrize(
    ("service", "suffix", "name"),
    [
        ("support.amazonaws.com", "", "AWSServiceRoleForSupport"),
        ("autoscaling.amazonaws.com", "", "AWSServiceRoleForAutoScaling"),
        ("autoscaling.amazonaws.com", "Fleet1", "AWSServiceRoleForAutoScaling_Fleet1"),
        ("rds.amazonaws.com", "", "AWSServiceRoleForRDS"),
        ("sso.amazonaws.com", "", "AWSServiceRoleForSSO"),
        ("organizations.amazonaws.com", "", "AWSServiceRoleForOrganizations"),
        ("elasticloadbalancing.amazonaws.com", "", "AWSServiceRoleForElasticLoadBalancing"),
        ("ssm.amazonaws.com", "", "AWSServiceRoleForAmazonSSM"),
        ("trustedadvisor.amazonaws.com", "", "AWSServiceRoleForTrustedAdvisor"),
        ("lambda.amazonaws.com", "", "AWSServiceRoleForLambda"),  # unknown: capitalized stem
    ],
)
def test_service_linked_role_name(service, suffix, name):
    # SLR: the service defines the name, AWSServiceRoleFor<Service>[_<suffix>].
    assert rules.service_linked_role_name(service, suffix) == name, SLR
    assert rules.check_name("role", name) is None


@pytest.mark.parametrize("service", ["ec2.amazonaws.com", "lambda.amazonaws.com"])
def test_service_trust_policy_is_a_valid_trust_policy_for_the_service(service):
    # SERVICE_ROLE: the trust policy names the service as the principal of sts:AssumeRole.
    text = rules.service_trust_policy(service)
    parse_policy(text, PolicyType.TRUST)
    doc = json.loads(text)
    assert doc["Version"] == "2012-10-17"
    assert doc["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    ], SERVICE_ROLE
