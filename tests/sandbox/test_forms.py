"""Every sandbox form: what it accepts, what it refuses and the words it uses.

Each case is (form data, the field expected to carry the error or None when valid, a fragment
of the message), with the AWS page behind the rule.
"""

from __future__ import annotations

import json

import pytest

from iamlab.sandbox import forms, models, services
from iamlab.sandbox.awsmanaged import aws_policy

from .factories import (
    AccountFactory,
    InstanceProfileFactory,
    PersonFactory,
    RoleFactory,
    SsoUserFactory,
)

pytestmark = pytest.mark.django_db

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
S3_NAMING = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
KMS_KEY_POLICY = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"
OIDC = IAM + "id_roles_providers_create_oidc.html"
SSO = "https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html"

ALLOW = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)
BUCKET_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::reports/*",
            }
        ],
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@pytest.fixture
def sandbox():
    sandbox = services.create_sandbox(PersonFactory(), "Forms")
    services.create_organization(models.Account.objects.get(sandbox=sandbox))
    return sandbox


@pytest.fixture
def account(sandbox):
    return models.Account.objects.get(sandbox=sandbox)


def check(form, field, fragment):
    valid = form.is_valid()
    if field is None:
        assert valid, form.errors
        return
    assert not valid
    messages = " ".join(form.errors.get(field, []) + form.errors.get("__all__", []))
    assert fragment in messages, form.errors


ACCOUNT_CASES = [
    ({"name": "Dev", "account_id": "222233334444", "email": "d@example.com"}, None, "", IAM),
    (
        {"name": "Dev", "account_id": "2222", "email": "d@example.com"},
        "account_id",
        "12 digits",
        IAM,
    ),
    (
        {"name": "Dev", "account_id": "SAME", "email": "d@example.com"},
        "account_id",
        "already has",
        IAM,
    ),
    ({"name": "Dev", "account_id": "222233334444", "email": "nope"}, "email", "valid email", IAM),
]


@pytest.mark.parametrize(("data", "field", "fragment", "page"), ACCOUNT_CASES)
def test_account_form(sandbox, account, data, field, fragment, page):
    data = {**data, "account_id": data["account_id"].replace("SAME", account.account_id)}
    check(forms.AccountForm(sandbox, data), field, fragment)


USER_CASES = [
    ({"name": "alice", "path": "/"}, None, "", IAM + "reference_identifiers.html"),
    (
        {"name": "alice", "path": "engineering"},
        "path",
        "begins and ends",
        IAM + "reference_identifiers.html",
    ),
    ({"name": "a" * 65, "path": "/"}, "name", "at most 64", IAM + "reference_iam-quotas.html"),
    ({"name": "al ice", "path": "/"}, "name", "only letters", IAM + "reference_identifiers.html"),
    (
        {"name": "x", "path": "/aws-service-role/x/"},
        "path",
        "reserved",
        IAM + "using-service-linked-roles.html",
    ),
    (
        {"name": "x", "path": "/", "tags": "aws:team = x"},
        "tags",
        "reserved for AWS",
        IAM + "id_tags.html",
    ),
]


@pytest.mark.parametrize(("data", "field", "fragment", "page"), USER_CASES)
def test_user_form(sandbox, account, data, field, fragment, page):
    check(forms.IamUserForm(sandbox, {"account": account.pk, **data}), field, fragment)


def test_user_form_finds_a_boundary_by_name_or_arn_in_this_sandbox_only(sandbox, account):
    # The boundary is typed, as the attach box is: a <select> of ~1,600 AWS managed policies
    # would be too long to use.
    other = AccountFactory()
    foreign = services.create_policy(other, "Foreign", ALLOW)
    own = services.create_policy(account, "ReadOnlyAccess", ALLOW)

    def form(boundary: str) -> forms.IamUserForm:
        data = {"account": account.pk, "name": "bob", "path": "/", "boundary": boundary}
        return forms.IamUserForm(sandbox, data)

    check(form(foreign.arn), "boundary", "No policy in this sandbox has the ARN")
    check(form("Foreign"), "boundary", "No policy is called 'Foreign'")
    check(form("arn:aws:iam::aws:policy"), "boundary", "is not a policy ARN")
    check(form("AutoScalingServiceRolePolicy"), "boundary", "service-linked role only")
    # A name finds the account's own policy first (IAM names ignore case), an ARN exactly.
    named = form("readonlyaccess")
    assert named.is_valid(), named.errors
    assert named.cleaned_data["boundary"] == own
    by_arn = form("arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert by_arn.is_valid(), by_arn.errors
    assert by_arn.cleaned_data["boundary"] == aws_policy("ReadOnlyAccess")
    assert form("  ").is_valid()
    # Editing shows the boundary so that saving keeps it: the ARN when its name would find
    # the account's own policy instead.
    saving = form("arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert saving.is_valid(), saving.errors
    user = saving.save()
    assert forms.IamUserForm(sandbox, instance=user).initial["boundary"] == (
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    user.boundary = aws_policy("PowerUserAccess")
    user.save()
    assert forms.IamUserForm(sandbox, instance=user).initial["boundary"] == "PowerUserAccess"


ROLE_CASES = [
    ({"trust_policy": TRUST, "max_session_duration": 3600}, None, "", IAM + "id_roles.html"),
    (
        {"trust_policy": TRUST, "max_session_duration": 90000},
        "max_session_duration",
        "Select a valid choice",
        IAM + "id_roles_update-role-settings.html",
    ),
    (
        {"trust_policy": ALLOW, "max_session_duration": 3600},
        "trust_policy",
        "add a Principal element",
        IAM + "reference_policies_elements_principal.html",
    ),
    (
        {"trust_policy": "{", "max_session_duration": 3600},
        "trust_policy",
        "line 1",
        IAM + "access_policies_policy-validator.html",
    ),
]


@pytest.mark.parametrize(("data", "field", "fragment", "page"), ROLE_CASES)
def test_role_form(sandbox, account, data, field, fragment, page):
    form = forms.RoleForm(sandbox, {"account": account.pk, "name": "app", "path": "/", **data})
    check(form, field, fragment)


def test_policy_form_creates_version_one(sandbox, account):
    form = forms.ManagedPolicyForm(
        sandbox, {"account": account.pk, "name": "Reader", "path": "/", "document": ALLOW}
    )
    assert form.is_valid(), form.errors
    policy = form.save()
    assert policy.default_version().version_id == "v1"
    again = forms.ManagedPolicyForm(
        sandbox, {"account": account.pk, "name": "READER", "path": "/", "document": ALLOW}
    )
    check(again, "name", "already has")


def test_inline_policy_form_refuses_a_second_name_on_the_same_owner(sandbox, account):
    role = RoleFactory(account=account)
    models.InlinePolicy.objects.create(sandbox=sandbox, role=role, name="read", document=ALLOW)
    form = forms.InlinePolicyForm(sandbox, {"name": "READ", "document": ALLOW}, owner=role)
    check(form, "name", "already has an inline policy")


RESOURCE_CASES = [
    ({"kind": "s3", "name": "reports", "policy": BUCKET_POLICY}, None, "", S3_NAMING),
    ({"kind": "s3", "name": "Reports", "policy": ""}, "name", "lowercase", S3_NAMING),
    ({"kind": "s3", "name": "ab", "policy": ""}, "name", "3 to 63", S3_NAMING),
    (
        {"kind": "kms", "name": "orders", "policy": ""},
        "policy",
        "Every KMS key has a key policy",
        KMS_KEY_POLICY,
    ),
    ({"kind": "sqs", "name": "jobs queue", "policy": ""}, "name", "letters, digits", IAM),
    (
        {"kind": "s3", "name": "reports", "policy": ALLOW},
        "policy",
        "Principal",
        IAM + "reference_policies_elements_principal.html",
    ),
]


@pytest.mark.parametrize(("data", "field", "fragment", "page"), RESOURCE_CASES)
def test_resource_form(sandbox, account, data, field, fragment, page):
    form = forms.ResourceForm(sandbox, {"account": account.pk, "region": "us-east-1", **data})
    check(form, field, fragment)


def test_only_lambda_functions_have_an_execution_role(sandbox, account):
    role = RoleFactory(account=account)
    data = {"account": account.pk, "region": "us-east-1", "name": "fn", "role": role.pk}
    check(forms.ResourceForm(sandbox, {**data, "kind": "sqs"}), "role", "Only a Lambda")
    check(forms.ResourceForm(sandbox, {**data, "kind": "lambda"}), None, "")


CFN_ROLE = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html"
)
CODEBUILD_ROLE = (
    "https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html"
)
CFN_NAMES = "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html"
CODEBUILD_NAMES = "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html"

STACK_AND_BUILD_CASES = [
    ({"kind": "stack", "name": "network-stack"}, None, "", CFN_ROLE),
    ({"kind": "stack", "name": "network-stack", "role": None}, None, "", CFN_ROLE),  # optional
    ({"kind": "stack", "name": "1-network"}, "name", "start with a letter", CFN_NAMES),
    ({"kind": "stack", "name": "network_stack"}, "name", "hyphens", CFN_NAMES),
    ({"kind": "stack", "name": "n" * 129}, "name", "at most 128", CFN_NAMES),
    ({"kind": "build", "name": "web-app-build"}, None, "", CODEBUILD_ROLE),
    ({"kind": "build", "name": "web_app_build"}, None, "", CODEBUILD_NAMES),
    ({"kind": "build", "name": "_build"}, "name", "letter or digit", CODEBUILD_NAMES),
    ({"kind": "build", "name": "web.app"}, "name", "underscores", CODEBUILD_NAMES),
    ({"kind": "build", "name": "w"}, "name", "2 to 255", CODEBUILD_NAMES),
    (
        {"kind": "build", "name": "web-app-build", "role": None},
        "role",
        "needs a service role",
        CODEBUILD_NAMES,
    ),
    (
        {"kind": "stack", "name": "network-stack", "policy": BUCKET_POLICY},
        "policy",
        "has no resource-based policy",
        CFN_ROLE,
    ),
    (
        {"kind": "build", "name": "web-app-build", "policy": "not even json"},
        "policy",
        "CodeBuild project has no resource-based policy",
        CODEBUILD_ROLE,
    ),
]


@pytest.mark.parametrize(("data", "field", "fragment", "page"), STACK_AND_BUILD_CASES)
def test_stack_and_build_project_form(sandbox, account, data, field, fragment, page):
    role = RoleFactory(account=account)
    form = forms.ResourceForm(
        sandbox,
        {
            "account": account.pk,
            "region": "us-east-1",
            "policy": "",
            "role": role.pk,
            **{k: ("" if v is None else v) for k, v in data.items()},
        },
    )
    check(form, field, fragment)


def test_a_refused_policy_gets_one_clear_message(sandbox, account):
    role = RoleFactory(account=account)
    data = {"account": account.pk, "region": "us-east-1", "name": "net", "role": role.pk}
    form = forms.ResourceForm(sandbox, {**data, "kind": "stack", "policy": "{"})
    assert not form.is_valid()
    assert form.errors["policy"] == [
        "A CloudFormation stack has no resource-based policy: who may use it is decided by "
        "identity-based policies alone. Leave this empty."
    ]


@pytest.mark.parametrize("kind", ["lambda", "stack", "build"])
def test_the_role_it_runs_as_is_in_its_own_account(sandbox, account, kind):
    # CFN_ROLE, CODEBUILD_ROLE, lambda-intro-execution-role.html: iam:PassRole passes a role of
    # the caller's own account.
    elsewhere = models.Account.objects.create(
        sandbox=sandbox, account_id="222233334444", name="Other", email="o@example.com"
    )
    data = {"account": account.pk, "region": "us-east-1", "name": f"my-{kind}", "kind": kind}
    foreign = RoleFactory(account=elsewhere)
    check(forms.ResourceForm(sandbox, {**data, "role": foreign.pk}), "role", "same account")
    own = RoleFactory(account=account)
    form = forms.ResourceForm(sandbox, {**data, "role": own.pk})
    check(form, None, "")
    saved = form.save()
    assert saved.role == own
    assert saved.takes_role


@pytest.mark.parametrize("kind", ["s3", "kms", "sqs", "sns", "secret"])
def test_other_kinds_run_as_no_role(sandbox, account, kind):
    role = RoleFactory(account=account)
    data = {
        "account": account.pk,
        "region": "us-east-1",
        "name": "thing-1",
        "kind": kind,
        "role": role.pk,
    }
    check(forms.ResourceForm(sandbox, data), "role", "runs as a role")


def test_instance_profile_and_instance_stay_in_one_account(sandbox, account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
    elsewhere = AccountFactory(sandbox=sandbox)
    foreign_role = RoleFactory(account=elsewhere)
    form = forms.InstanceProfileForm(
        sandbox, {"account": account.pk, "name": "web", "path": "/", "role": foreign_role.pk}
    )
    check(form, "role", "same account")
    profile = InstanceProfileFactory(account=elsewhere)
    instance = forms.Ec2InstanceForm(
        sandbox,
        {
            "account": account.pk,
            "name": "web-1",
            "region": "us-east-1",
            "instance_profile": profile.pk,
            "state": "running",
        },
    )
    check(instance, "instance_profile", "same account")


PROVIDER_CASES = [
    ({"kind": "saml", "name": "CorpIdP"}, None, "", IAM + "id_roles_providers_create_saml.html"),
    (
        {"kind": "saml", "name": "Corp IdP"},
        "name",
        "only letters",
        IAM + "id_roles_providers_create_saml.html",
    ),
    (
        {"kind": "saml", "name": "CorpIdP", "client_ids": "sts.amazonaws.com"},
        "client_ids",
        "OIDC",
        OIDC,
    ),
    ({"kind": "oidc", "name": "https://token.example.com", "client_ids": "app"}, None, "", OIDC),
    ({"kind": "oidc", "name": "not a url", "client_ids": "app"}, "name", "issuer URL", OIDC),
    (
        {"kind": "oidc", "name": "https://token.example.com"},
        "client_ids",
        "at least one audience",
        OIDC,
    ),
    (
        {"kind": "oidc", "name": "token.example.com", "client_ids": "a", "thumbprints": "xyz"},
        "thumbprints",
        "40 hex",
        OIDC,
    ),
]


@pytest.mark.parametrize(("data", "field", "fragment", "page"), PROVIDER_CASES)
def test_identity_provider_form(sandbox, account, data, field, fragment, page):
    check(forms.IdentityProviderForm(sandbox, {"account": account.pk, **data}), field, fragment)


def test_oidc_provider_url_is_stored_without_scheme(sandbox, account):
    form = forms.IdentityProviderForm(
        sandbox,
        {
            "account": account.pk,
            "kind": "oidc",
            "name": "https://token.example.com/",
            "client_ids": "a",
        },
    )
    assert form.is_valid(), form.errors
    assert form.save().arn.endswith(":oidc-provider/token.example.com")


def test_org_unit_and_org_policy_forms(sandbox):
    root = services.org_root(models.Organization.objects.get(sandbox=sandbox))
    check(forms.OrgUnitForm(sandbox, {"parent": root.pk, "name": ""}), "name", "required")
    unit_form = forms.OrgUnitForm(sandbox, {"parent": root.pk, "name": "Workloads"})
    assert unit_form.is_valid()
    unit = unit_form.save()
    assert unit.org_policies.count() == 2  # FullAWSAccess and RCPFullAWSAccess, as AWS attaches
    rcp_without_principal = forms.OrgPolicyForm(
        sandbox, {"kind": "rcp", "name": "NoS3", "document": ALLOW}
    )
    check(rcp_without_principal, "document", "")


PERMISSION_SET_CASES = [
    ({"name": "ReadOnly", "session_duration": 3600}, None, "", SSO),
    ({"name": "Read Only", "session_duration": 3600}, "name", "1 to 32", SSO),
    ({"name": "x" * 33, "session_duration": 3600}, "name", "at most 32 characters", SSO),
    (
        {"name": "Ops", "session_duration": 3600, "inline_policy": "{"},
        "inline_policy",
        "line 1",
        SSO,
    ),
]


@pytest.mark.parametrize(("data", "field", "fragment", "page"), PERMISSION_SET_CASES)
def test_permission_set_form(sandbox, data, field, fragment, page):
    check(forms.PermissionSetForm(sandbox, data), field, fragment)


def test_assignment_form_needs_exactly_one_principal(sandbox, account):
    permission_set = models.PermissionSet.objects.create(sandbox=sandbox, name="Ops")
    person = SsoUserFactory(sandbox=sandbox)
    group = models.SsoGroup.objects.create(sandbox=sandbox, name="Team")
    base = {"permission_set": permission_set.pk, "account": account.pk}
    check(forms.AccountAssignmentForm(sandbox, base), "sso_user", "one of the two")
    both = {**base, "sso_user": person.pk, "sso_group": group.pk}
    check(forms.AccountAssignmentForm(sandbox, both), "sso_user", "one of the two")
    outside = AccountFactory(sandbox=sandbox)
    check(
        forms.AccountAssignmentForm(
            sandbox, {**base, "account": outside.pk, "sso_user": person.pk}
        ),
        "account",
        "only accounts of the organization",
    )


def test_sso_forms(sandbox):
    check(
        forms.SsoUserForm(sandbox, {"user_name": "dana", "display_name": "Dana", "email": "x"}),
        "email",
        "valid email",
    )
    person = SsoUserFactory(sandbox=sandbox)
    group = forms.SsoGroupForm(sandbox, {"name": "Team", "members": [person.pk]})
    assert group.is_valid(), group.errors
    assert list(group.save().members.all()) == [person]


def test_import_form_needs_a_file_or_text():
    check(forms.ImportForm({}), "__all__", "Choose a file or paste the JSON.")
    check(forms.ImportForm({"text": "{}"}), None, "")


def _big_policy(actions: int) -> str:
    listed = [f"s3:GetObject{'Acl' if i % 2 else ''}" for i in range(actions)]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": listed, "Resource": "*"}],
        }
    )


def test_managed_policy_over_its_size_quota_is_refused(sandbox, account):
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: managed
    # policies may have at most 6,144 characters, whitespace not counted.
    form = forms.ManagedPolicyForm(
        sandbox, {"account": account.pk, "name": "Huge", "path": "/", "document": _big_policy(400)}
    )
    check(form, "document", "6,144")


def test_inline_policies_of_a_user_may_total_2048_characters(sandbox, account):
    # reference_iam-quotas.html: user inline policy size cannot exceed 2,048 characters (all
    # of the user's inline policies together); roles 10,240, groups 5,120.
    user = models.IamUser.objects.create(sandbox=sandbox, account=account, name="u")
    first = _big_policy(60)
    assert 1024 < services.policy_size(first) < 2048
    models.InlinePolicy.objects.create(sandbox=sandbox, user=user, name="one", document=first)
    form = forms.InlinePolicyForm(sandbox, {"name": "two", "document": first}, owner=user)
    check(form, "document", "may total 2,048")
    role = RoleFactory(account=account)
    models.InlinePolicy.objects.create(sandbox=sandbox, role=role, name="one", document=first)
    check(forms.InlinePolicyForm(sandbox, {"name": "two", "document": first}, owner=role), None, "")


def test_an_account_holds_at_most_300_groups(sandbox, account):
    # reference_iam-quotas.html: "Groups in an AWS account: 300" (the default quota).
    models.IamGroup.objects.bulk_create(
        models.IamGroup(sandbox=sandbox, account=account, name=f"g{i}", unique_id=f"AGPA{i:017d}")
        for i in range(300)
    )
    form = forms.IamGroupForm(sandbox, {"account": account.pk, "name": "one-more", "path": "/"})
    check(form, "__all__", "at most 300 user groups")


def test_a_trust_policy_naming_a_missing_user_is_refused(sandbox, account):
    # reference_policies_elements_principal.html: IAM transforms the ARN to the user's unique
    # principal ID when the policy is saved, so the user must exist.
    alice = models.IamUser.objects.create(sandbox=sandbox, account=account, name="alice")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "ARN"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    base = {"account": account.pk, "name": "r", "path": "/", "max_session_duration": 3600}
    ok = forms.RoleForm(sandbox, {**base, "trust_policy": trust.replace("ARN", alice.arn)})
    check(ok, None, "")
    ghost = alice.arn.replace("alice", "ghost")
    missing = forms.RoleForm(sandbox, {**base, "trust_policy": trust.replace("ARN", ghost)})
    check(missing, "trust_policy", "Invalid principal in policy")
    elsewhere = "arn:aws:iam::999999999999:user/anyone"  # an account outside the sandbox
    check(
        forms.RoleForm(sandbox, {**base, "trust_policy": trust.replace("ARN", elsewhere)}), None, ""
    )


@pytest.mark.parametrize(
    ("form_class", "existing", "data", "message"),
    [
        (
            forms.SsoUserForm,
            lambda sb: SsoUserFactory(sandbox=sb, user_name="dana"),
            {"user_name": "DANA", "display_name": "D", "email": "d@example.com"},
            "already has a user with this user name",
        ),
        (
            forms.SsoGroupForm,
            lambda sb: models.SsoGroup.objects.create(sandbox=sb, name="Engineers"),
            {"name": "engineers"},
            "already has a group with this name",
        ),
        (
            forms.PermissionSetForm,
            lambda sb: models.PermissionSet.objects.create(sandbox=sb, name="ReadOnly"),
            {"name": "readonly", "session_duration": 3600},
            "already a permission set with this name",
        ),
        (
            forms.OrgPolicyForm,
            lambda sb: None,
            {"kind": "scp", "name": "fullawsaccess", "document": ALLOW},
            "already has a policy of this kind with this name",
        ),
    ],
)
def test_duplicate_names_are_refused_with_a_message(sandbox, form_class, existing, data, message):
    # Identity Center and Organizations refuse a second object with the same name
    # (ConflictException / DuplicatePolicyException); iamlab says so instead of failing.
    existing(sandbox)
    check(form_class(sandbox, data), "__all__", message)


def test_duplicate_identity_provider_is_refused(sandbox, account):
    models.IdentityProvider.objects.create(
        sandbox=sandbox, account=account, kind="saml", name="Idp"
    )
    form = forms.IdentityProviderForm(
        sandbox, {"account": account.pk, "kind": "saml", "name": "Idp"}
    )
    check(form, "__all__", "already has an identity provider")


def test_tag_keys_are_case_insensitive_in_iam_only(sandbox, account):
    # id_tags.html: IAM tag keys are case-insensitive; most services' tag keys are not.
    both = "Team = blue\nteam = red"
    user = forms.IamUserForm(
        sandbox, {"account": account.pk, "name": "u", "path": "/", "tags": both}
    )
    check(user, "tags", "already set")
    bucket = forms.ResourceForm(
        sandbox,
        {
            "account": account.pk,
            "kind": "s3",
            "name": "tagged",
            "region": "us-east-1",
            "tags": both,
        },
    )
    check(bucket, None, "")
