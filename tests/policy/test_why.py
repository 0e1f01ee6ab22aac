"""Why, not just what: each denial names what decided it, down to the condition, and what would
change the answer (issue 15). Each case is one the issue found answered with the wrong cause,
or a rule of the explanation; each names the AWS page its facts come from."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamlab.policy import (
    Evaluation,
    Policy,
    PolicyType,
    Request,
    decide,
    evaluate,
    parse_policy,
)
from tests.policy.casekit import aws, doc, stmt, trust

A = "111122223333"
B = "444455556666"
PRIYA = f"arn:aws:iam::{A}:user/priya"
OPS_ROLE = f"arn:aws:iam::{A}:role/OpsReadOnly"
OBJECT = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"
SUB = "token.actions.githubusercontent.com:sub"


def parse(document: dict[str, Any], type_: str = "identity", name: str = "") -> Policy:
    return parse_policy(json.dumps(document, indent=2), type=PolicyType(type_), name=name)


def explain(request: Request, **policies: Any) -> Evaluation:
    result = evaluate(request, **policies)
    assert decide(request, **policies) == result.decision
    return result


# -- the five answers the issue found with the wrong cause -------------------------------------


def test_switching_roles_without_mfa_names_the_mfa_condition() -> None:
    # id_roles_use_switch-role-console / id_credentials_mfa_configure-api-require: the trust
    # policy trusts the account; only aws:MultiFactorAuthPresent fails, and AWS leaves that key
    # out of requests signed with long-term access keys (reference_policies_condition-keys).
    role_trust = parse(
        trust(
            aws(f"arn:aws:iam::{A}:root"),
            sid="OpsWithMfa",
            condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
        "trust",
        "the trust policy of OpsReadOnly",
    )
    identity = parse(doc(stmt("Allow", "sts:AssumeRole", OPS_ROLE)), name="AssumeOps")
    result = explain(
        Request(PRIYA, "sts:AssumeRole", OPS_ROLE), identity=[identity], resource_policy=role_trust
    )
    assert result.decision == "implicitDeny"
    reason = result.reason
    assert "does not allow IAM user priya." not in reason
    assert "Statement 1 (OpsWithMfa) of the trust policy of OpsReadOnly, line " in reason
    assert "aws:MultiFactorAuthPresent must be true (Bool)" in reason
    assert "the request has no aws:MultiFactorAuthPresent" in reason
    assert "long-term access keys" in reason
    assert result.near_misses[0].elements == ("condition",)
    assert any(change.startswith("sign in with MFA") for change in result.changes)


def test_a_trust_naming_the_account_also_needs_the_callers_own_permission() -> None:
    # id_roles_use_permissions-to-switch: when the trust policy names the account, the user's
    # own policies must allow sts:AssumeRole too; MFA alone would not change the answer.
    role_trust = parse(
        trust(
            aws(f"arn:aws:iam::{A}:root"),
            condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
        "trust",
        "OpsTrust",
    )
    result = explain(Request(PRIYA, "sts:AssumeRole", OPS_ROLE), resource_policy=role_trust)
    assert result.changes[0].startswith("sign in with MFA")
    assert result.changes[1] == (
        f"add sts:AssumeRole on {OPS_ROLE} to an identity-based policy of IAM user priya "
        "(directly or through a group)"
    )


def test_mfa_false_for_a_session_says_it_was_issued_without_mfa() -> None:
    role_trust = parse(
        trust(
            aws(f"arn:aws:iam::{A}:root"),
            condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        ),
        "trust",
    )
    result = explain(
        Request(
            f"arn:aws:sts::{A}:assumed-role/Dev/priya",
            "sts:AssumeRole",
            OPS_ROLE,
            context={"aws:MultiFactorAuthPresent": "false"},
        ),
        identity=[parse(doc(stmt("Allow", "sts:AssumeRole", "*")))],
        resource_policy=role_trust,
    )
    assert "the request's aws:MultiFactorAuthPresent is false" in result.reason
    assert "issued without MFA" in result.reason
    assert any("--serial-number and --token-code" in c for c in result.changes)


def test_wrong_external_id_names_the_external_id() -> None:
    # id_roles_common-scenarios_third-party: the role's trust policy asks for sts:ExternalId.
    role = f"arn:aws:iam::{A}:role/PartnerAccess"
    role_trust = parse(
        trust(
            aws(f"arn:aws:iam::{B}:root"),
            condition={"StringEquals": {"sts:ExternalId": "Unique-42"}},
        ),
        "trust",
        "PartnerTrust",
    )
    result = explain(
        Request(
            f"arn:aws:iam::{B}:user/carol",
            "sts:AssumeRole",
            role,
            context={"sts:ExternalId": "guess"},
        ),
        identity=[parse(doc(stmt("Allow", "sts:AssumeRole", role)))],
        resource_policy=role_trust,
    )
    assert result.decision == "implicitDeny"
    assert "and none does" not in result.reason
    assert "sts:ExternalId must be Unique-42 (StringEquals)" in result.reason
    assert "the request's sts:ExternalId is guess" in result.reason
    assert result.changes == ("pass the external ID the role expects: Unique-42",)


def test_source_ip_condition_is_named_not_no_policy_allows() -> None:
    # reference_policies_examples_aws_deny-ip (aws:SourceIp with IpAddress).
    office = parse(
        doc(
            stmt(
                "Allow",
                "s3:GetObject",
                "*",
                condition={"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
            )
        ),
        name="OfficeOnly",
    )
    result = explain(
        Request(PRIYA, "s3:GetObject", OBJECT, context={"aws:SourceIp": "203.0.113.5"}),
        identity=[office],
    )
    assert result.reason.startswith(
        "Implicitly denied: Statement 1 of OfficeOnly, line 4 would allow this request, but its "
        "condition is not met: aws:SourceIp must be in 198.51.100.0/24 (IpAddress), but the "
        "request's aws:SourceIp is 203.0.113.5. No identity-based policy allows"
    )
    assert result.changes == ("call from 198.51.100.0/24",)


def test_a_private_source_ip_range_is_no_way_in() -> None:
    # reference_policies_condition-keys (aws:SourceIp is the requester's public address; calls
    # through a VPC endpoint carry aws:VpcSourceIp): "call from 10.0.0.0/8" would be untrue.
    office = parse(
        doc(
            stmt(
                "Allow",
                "s3:GetObject",
                "*",
                condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            )
        )
    )
    result = explain(
        Request(PRIYA, "s3:GetObject", OBJECT, context={"aws:SourceIp": "203.0.113.5"}),
        identity=[office],
    )
    assert "aws:SourceIp must be in 10.0.0.0/8" in result.reason
    assert result.changes[0].startswith("change the condition, not the call: aws:SourceIp is")
    assert "aws:VpcSourceIp" in result.changes[0]


def test_github_oidc_sub_claim_is_named() -> None:
    # id_roles_providers_create_oidc / reference_policies_iam-condition-keys (web identity keys):
    # the trust policy pins the token's sub claim to one repository.
    role = f"arn:aws:iam::{A}:role/Deploy"
    role_trust = parse(
        trust(
            {"Federated": GITHUB},
            "sts:AssumeRoleWithWebIdentity",
            condition={"StringEquals": {SUB: "repo:octo-org/app:ref:refs/heads/main"}},
        ),
        "trust",
        "DeployTrust",
    )
    result = explain(
        Request(
            GITHUB,
            "sts:AssumeRoleWithWebIdentity",
            role,
            context={SUB: "repo:octo-org/other:ref:refs/heads/main"},
        ),
        resource_policy=role_trust,
    )
    assert result.decision == "implicitDeny"
    assert "and none does" not in result.reason
    assert f"{SUB} must be repo:octo-org/app:ref:refs/heads/main (StringEquals)" in result.reason
    assert f"the request's {SUB} is repo:octo-org/other:ref:refs/heads/main" in result.reason
    assert result.changes == (
        "sign in with a web identity token whose sub claim matches "
        "repo:octo-org/app:ref:refs/heads/main",
    )


def test_scp_region_deny_names_the_region_and_its_label_once() -> None:
    # orgs_manage_policies_scps_examples (deny outside the approved Regions).
    scp = parse(
        doc(
            stmt("Allow", "*", "*"),
            stmt(
                "Deny",
                "*",
                "*",
                sid="DenyOtherRegions",
                condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
            ),
        ),
        "scp",
    )
    result = explain(
        Request(PRIYA, "s3:GetObject", OBJECT, context={"aws:RequestedRegion": "ap-south-1"}),
        identity=[parse(doc(stmt("Allow", "*", "*")))],
        scps=[[scp]],
    )
    assert result.decision == "explicitDeny"
    assert result.reason.count("SCPs (one level)") <= 1
    assert "(SCPs (one level)) (SCPs (one level))" not in result.reason
    assert "Statement 2 (DenyOtherRegions) of the SCP, line 9" in result.reason
    assert (
        "aws:RequestedRegion must be none of us-east-1, eu-west-1 (StringNotEquals), and the "
        "request's aws:RequestedRegion is ap-south-1" in result.reason
    )
    assert result.changes == ("make the call in us-east-1 or eu-west-1",)


def test_scp_levels_are_named_by_where_they_are_attached() -> None:
    # orgs_manage_policies_scps_evaluation: an SCP at every level must allow.
    deny_s3 = parse(doc(stmt("Allow", "*", "*"), stmt("Deny", "s3:*", "*")), "scp")
    result = explain(
        Request(PRIYA, "s3:GetObject", OBJECT),
        identity=[parse(doc(stmt("Allow", "*", "*")))],
        scps=[[parse(doc(stmt("Allow", "*", "*")), "scp")], [deny_s3]],
    )
    assert "Statement 2 of the SCP on the account, line " in result.reason
    assert result.changes[0].startswith("take s3:GetObject out of Statement 2 of the SCP")


# -- near misses and what would change the answer ------------------------------------------------


def test_near_misses_rank_a_condition_before_a_resource_and_an_action() -> None:
    # reference_policies_evaluation-logic_policy-eval-denyallow: an implicit deny when no
    # statement matches all of action, resource and condition.
    policy = parse(
        doc(
            stmt("Allow", "s3:PutObject", OBJECT, sid="WrongAction"),
            stmt("Allow", "s3:GetObject", "arn:aws:s3:::other/*", sid="WrongBucket"),
            stmt(
                "Allow",
                "s3:GetObject",
                OBJECT,
                sid="NeedsTag",
                condition={"StringEquals": {"aws:PrincipalTag/team": "ops"}},
            ),
            stmt("Allow", "ec2:*", "*", sid="OtherService"),
        ),
        name="Mixed",
    )
    result = explain(Request(PRIYA, "s3:GetObject", OBJECT), identity=[policy])
    sids = [n.statement.sid for n in result.near_misses]
    assert sids == ["NeedsTag", "WrongBucket", "WrongAction"]
    assert result.near_misses[1].elements == ("resource",)
    assert "OtherService" not in sids  # about another service: not a near miss
    # What would change the answer: the closest statement's fix; one is enough.
    assert result.changes == ("tag IAM user priya with team = ops",)
    assert result.near_misses[1].changes == (
        f"add {OBJECT} to the Resource of Statement 2 (WrongBucket) of Mixed, line 10",
    )


def test_not_action_and_not_resource_say_take_it_out() -> None:
    # reference_policies_elements_notaction / _notresource: an Allow with NotAction or
    # NotResource covers everything except what it lists.
    policy = parse(
        doc(
            stmt("Allow", None, "*", not_action=["s3:GetObject"], sid="AllButGet"),
            stmt("Allow", "s3:GetObject", None, not_resource=[OBJECT], sid="AllButReport"),
        ),
        name="Carved",
    )
    result = explain(Request(PRIYA, "s3:GetObject", OBJECT), identity=[policy])
    texts = [m.text for n in result.near_misses for m in n.misses]
    assert "its NotAction lists s3:GetObject" in texts
    assert f"its NotResource lists {OBJECT}" in texts
    changes = [c for n in result.near_misses for c in n.changes]
    assert (
        "take s3:GetObject out of the NotAction of Statement 1 (AllButGet) of Carved, line 4"
        in changes
    )
    assert any(c.startswith(f"take {OBJECT} out of the NotResource of") for c in changes)


def test_a_statement_missing_three_elements_is_no_near_miss() -> None:
    policy = parse(
        doc(
            stmt(
                "Allow",
                "s3:PutObject",
                "arn:aws:s3:::other/*",
                condition={"Bool": {"aws:SecureTransport": "true"}},
            )
        )
    )
    result = explain(Request(PRIYA, "s3:GetObject", OBJECT), identity=[policy])
    assert result.near_misses == ()
    assert result.changes == (
        f"add s3:GetObject on {OBJECT} to an identity-based policy of IAM user priya "
        f"(directly or through a group)",
    )


def test_cross_account_assume_role_without_identity_grant_says_add_it_to_priya() -> None:
    # reference_policies_evaluation-logic-cross-account: both accounts must allow.
    role = f"arn:aws:iam::{B}:role/Auditor"
    result = explain(
        Request(PRIYA, "sts:AssumeRole", role),
        identity=[parse(doc(stmt("Allow", "s3:*", "*")))],
        resource_policy=parse(trust(aws(PRIYA)), "trust"),
    )
    assert result.decided_by == "identity"
    assert result.changes == (
        f"add sts:AssumeRole on {role} to an identity-based policy of IAM user priya "
        f"(directly or through a group)",
    )


def test_trust_policy_not_naming_the_caller_says_add_it() -> None:
    # id_roles_update-role-trust-policy: the trust policy must name the principal.
    result = explain(
        Request(PRIYA, "sts:AssumeRole", OPS_ROLE),
        identity=[parse(doc(stmt("Allow", "sts:AssumeRole", "*")))],
        resource_policy=parse(trust(aws(f"arn:aws:iam::{A}:user/sam")), "trust", "OpsTrust"),
    )
    assert result.near_misses[0].elements == ("principal",)
    assert result.changes == (
        f"add {PRIYA} to the Principal of Statement 1 of OpsTrust, line 4 (naming account {A} "
        "instead would also need an identity-based policy of IAM user priya that allows "
        "sts:AssumeRole)",
    )


def test_deny_without_condition_says_it_covers_every_request() -> None:
    result = explain(
        Request(PRIYA, "s3:GetObject", OBJECT),
        identity=[parse(doc(stmt("Allow", "*", "*"), stmt("Deny", "s3:*", "*")), name="NoS3")],
    )
    assert result.deny_conditions == ()
    assert result.changes == (
        "take s3:GetObject out of Statement 2 of NoS3, line 9, or remove that statement: a "
        "Deny without a condition applies to every request it covers",
    )


def test_allowed_by_a_condition_says_which_condition_held() -> None:
    policy = parse(
        doc(
            stmt(
                "Allow",
                "s3:GetObject",
                "*",
                condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            )
        ),
        name="OfficeOnly",
    )
    result = explain(
        Request(PRIYA, "s3:GetObject", OBJECT, context={"aws:SourceIp": "10.1.2.3"}),
        identity=[policy],
    )
    assert result.allowed
    assert (
        "Its condition holds: aws:SourceIp must be in 10.0.0.0/8 (IpAddress), and the "
        "request's aws:SourceIp is 10.1.2.3." in result.reason
    )
    assert result.changes == ()


@pytest.mark.parametrize(
    ("condition", "context", "change"),
    [
        (
            {"Bool": {"aws:SecureTransport": "true"}},
            {"aws:SecureTransport": "false"},
            "call over HTTPS",
        ),
        (
            {"StringEquals": {"aws:ResourceTag/stage": "dev"}},
            {},
            "tag the resource with stage = dev",
        ),
        (
            {"StringEquals": {"aws:RequestTag/project": ["blue", "green"]}},
            {},
            "pass the tag project = blue or green in the request",
        ),
        (
            {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
            {},
            "sign in with MFA again: the MFA sign-in must be less than 3600 seconds old",
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2999-01-01T00:00:00Z"}},
            {},
            "make the request after 2999-01-01T00:00:00Z",
        ),
        (
            {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            {},
            "change the date in the policy: it asks for a request before 2020-01-01T00:00:00Z, "
            "and that time has passed",
        ),
        (
            {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/Admin*"}},
            {},
            "call as a principal whose ARN matches arn:aws:iam::111122223333:role/Admin*",
        ),
        (
            {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
            {"aws:TagKeys": ["cost"]},
            "pass a tag key team",
        ),
        (
            {"NumericGreaterThan": {"s3:max-keys": "10"}},
            {"s3:max-keys": "5"},
            "meet the condition: s3:max-keys must be greater than 10",
        ),
    ],
)
def test_what_would_change_the_answer_comes_from_the_condition(
    condition: dict[str, Any], context: dict[str, str], change: str
) -> None:
    # reference_policies_condition-keys: what each global key carries.
    policy = parse(doc(stmt("Allow", "s3:GetObject", "*", condition=condition)))
    result = explain(Request(PRIYA, "s3:GetObject", OBJECT, context=context), identity=[policy])
    assert result.changes == (change,)


@pytest.mark.parametrize(
    ("condition", "context", "change"),
    [
        (
            {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}},
            {"aws:MultiFactorAuthAge": "7200"},
            "sign in with MFA again: the MFA sign-in must be at most 3600 seconds old",
        ),
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
            {},
            "change the date in the policy: it asks for a request at or before "
            "2020-01-01T00:00:00Z, and that time has passed",
        ),
        (
            {"Bool": {"aws:ViaAWSService": "false"}},
            {"aws:ViaAWSService": "false"},
            "have an AWS service make the call on your behalf (for example CloudFormation)",
        ),
        (
            {"NumericLessThan": {"s3:max-keys": "10"}},
            {"s3:max-keys": "5"},
            "keep the Deny's condition from holding (it says s3:max-keys must be less than 10)",
        ),
    ],
)
def test_what_would_keep_a_deny_from_applying(
    condition: dict[str, Any], context: dict[str, str], change: str
) -> None:
    # id_credentials_mfa_configure-api-require (a Deny on an old MFA sign-in);
    # reference_policies_examples_aws-dates (a Deny after a date).
    policy = parse(
        doc(stmt("Allow", "*", "*"), stmt("Deny", "s3:ListBucket", "*", condition=condition))
    )
    result = explain(
        Request(PRIYA, "s3:ListBucket", "arn:aws:s3:::amzn-s3-demo-bucket", context=context),
        identity=[policy],
    )
    assert result.decision == "explicitDeny"
    assert result.changes == (change,)


def test_a_deny_on_missing_mfa_says_why_the_key_is_missing() -> None:
    # id_credentials_mfa_configure-api-require: Deny with BoolIfExists false denies requests
    # signed with long-term access keys, which carry no aws:MultiFactorAuthPresent.
    policy = parse(
        doc(
            stmt("Allow", "*", "*"),
            stmt(
                "Deny",
                "*",
                "*",
                condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            ),
        )
    )
    result = explain(Request(PRIYA, "ec2:StopInstances", "*"), identity=[policy])
    assert result.decision == "explicitDeny"
    assert (
        "the request has no aws:MultiFactorAuthPresent (a request made directly as an IAM user"
        in (result.reason)
    )
    assert result.changes[0].startswith("sign in with MFA")


# -- doing every change makes the request allowed ----------------------------------------------


def _apply_and_allow(request: Request, **policies: Any) -> None:
    assert decide(request, **policies) == "allowed"


def test_a_deny_lifted_still_needs_the_callers_own_permission() -> None:
    # reference_policies_evaluation-logic_policy-eval-denyallow: after the explicit deny, an
    # identity-based policy must still allow. Both changes are listed.
    scp = parse(
        doc(
            stmt("Allow", "*", "*"),
            stmt(
                "Deny",
                "*",
                "*",
                condition={"StringNotEquals": {"aws:RequestedRegion": ["us-east-1"]}},
            ),
        ),
        "scp",
    )
    request = Request(PRIYA, "ec2:RunInstances", "*", context={"aws:RequestedRegion": "eu-west-3"})
    result = explain(request, identity=[parse(doc(stmt("Allow", "s3:*", "*")))], scps=[[scp]])
    assert result.changes == (
        "make the call in us-east-1",
        "add ec2:RunInstances on * to an identity-based policy of IAM user priya (directly or "
        "through a group)",
    )
    fixed = Request(PRIYA, "ec2:RunInstances", "*", context={"aws:RequestedRegion": "us-east-1"})
    _apply_and_allow(
        fixed, identity=[parse(doc(stmt("Allow", "ec2:RunInstances", "*")))], scps=[[scp]]
    )


def test_identity_and_boundary_both_missing_are_both_named() -> None:
    # access_policies_boundaries: the effective permissions are what both allow.
    identity = parse(doc(stmt("Allow", None, "*", not_action=["iam:*"])), name="NotIam")
    boundary = parse(doc(stmt("Allow", ["s3:*", "ec2:*"], "*")), "boundary", "S3Ec2")
    result = explain(Request(PRIYA, "iam:CreateUser", "*"), identity=[identity], boundary=boundary)
    assert result.changes == (
        "narrow the NotAction of Statement 1 of NotIam, line 4 so that it no longer covers "
        "iam:CreateUser (it lists iam:*)",
        "add iam:CreateUser to the permissions boundary of IAM user priya",
    )


def test_an_aws_managed_policy_is_never_to_be_edited() -> None:
    # access_policies_managed-vs-inline: AWS managed policies cannot be changed.
    power = parse_policy(
        json.dumps(doc(stmt("Allow", None, "*", not_action=["iam:*", "organizations:*"]))),
        name="PowerUserAccess",
        aws_managed=True,
    )
    result = explain(Request(PRIYA, "iam:CreateUser", "*"), identity=[power])
    assert result.changes == (
        "attach to IAM user priya a policy that allows iam:CreateUser on * (PowerUserAccess is "
        "AWS managed and cannot be edited)",
    )


def test_a_deny_with_not_resource_says_the_resource_is_not_excluded() -> None:
    # reference_policies_elements_notresource: a Deny with NotResource applies to every
    # resource it does not list.
    policy = parse(
        doc(
            stmt("Allow", "s3:*", "*"),
            stmt(
                "Deny", "s3:*", None, not_resource=["arn:aws:s3:::public", "arn:aws:s3:::public/*"]
            ),
        ),
        name="OnlyPublic",
    )
    result = explain(Request(PRIYA, "s3:GetObject", "arn:aws:s3:::secret/k"), identity=[policy])
    assert result.decision == "explicitDeny"
    assert result.changes == (
        "add arn:aws:s3:::secret/k to the NotResource of Statement 2 of OnlyPublic, line 9, so "
        "the Deny skips it",
    )


def test_a_trust_naming_another_user_needs_only_the_callers_arn() -> None:
    # reference_policies_elements_principal: naming the user's ARN in a trust policy allows
    # the user with no permission of its own (same account).
    result = explain(
        Request(PRIYA, "sts:AssumeRole", OPS_ROLE),
        resource_policy=parse(trust(aws(f"arn:aws:iam::{A}:user/sam")), "trust", "OpsTrust"),
    )
    assert len(result.changes) == 1
    fixed_trust = parse(trust(aws(PRIYA)), "trust")
    _apply_and_allow(Request(PRIYA, "sts:AssumeRole", OPS_ROLE), resource_policy=fixed_trust)


def test_string_equals_says_letter_case_counts() -> None:
    # reference_policies_elements_condition_operators: StringEquals is case-sensitive.
    policy = parse(
        doc(
            stmt(
                "Allow",
                "s3:GetObject",
                "*",
                condition={"StringEquals": {"aws:PrincipalTag/team": "Red"}},
            )
        )
    )
    result = explain(
        Request(PRIYA, "s3:GetObject", OBJECT, context={"aws:PrincipalTag/team": "red"}),
        identity=[policy],
    )
    assert "StringEquals tells letter case apart: red is not Red" in result.reason
    assert result.because.startswith("Statement 1 of ")


def test_a_value_made_by_a_variable_says_where_it_came_from() -> None:
    # reference_policies_variables: ${aws:PrincipalTag/team} is replaced by the request's value.
    policy = parse(
        doc(
            stmt(
                "Allow",
                "s3:GetObject",
                "*",
                condition={"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team}/"}},
            )
        )
    )
    result = explain(
        Request(
            PRIYA,
            "s3:GetObject",
            OBJECT,
            context={"aws:PrincipalTag/team": "red", "s3:prefix": "blue/"},
        ),
        identity=[policy],
    )
    condition = result.near_misses[0].conditions[0]
    assert condition.written == (("red/", "${aws:PrincipalTag/team}/"),)
    assert "s3:prefix must be red/ (StringEquals)" in result.reason


def test_decide_does_none_of_this_work(monkeypatch: pytest.MonkeyPatch) -> None:
    from iamlab.policy import why

    def fail(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("decide() must not explain")

    monkeypatch.setattr(why, "near_misses", fail)
    monkeypatch.setattr(why, "deny_changes", fail)
    policy = parse(doc(stmt("Allow", "s3:PutObject", "*")))
    assert decide(Request(PRIYA, "s3:GetObject", OBJECT), identity=[policy]) == "implicitDeny"


def test_d7_boundary_refusal_says_the_trust_policy_named_the_user() -> None:
    # id_roles_update-role-trust-policy: "If a permissions boundary is set for the user, then it
    # must allow the sts:AssumeRole action."
    result = explain(
        Request(PRIYA, "sts:AssumeRole", OPS_ROLE),
        resource_policy=parse(trust(aws(PRIYA)), "trust", "OpsTrust"),
        boundary=parse(doc(stmt("Allow", "s3:*", "*")), "boundary", "S3Only"),
    )
    assert result.decided_by == "boundary"
    assert result.reason.startswith("The role's trust policy names IAM user priya, but")
    assert result.changes == ("add sts:AssumeRole to the permissions boundary of IAM user priya",)


def test_an_allowed_request_names_the_deny_its_condition_left_idle() -> None:
    # reference_policies_condition-keys.html#condition-keys-multifactorauthpresent: a request
    # signed with long-term access keys carries no aws:MultiFactorAuthPresent, so a Deny on
    # Bool "false" does not apply to it (the page recommends BoolIfExists).
    policy = parse(
        doc(
            stmt("Allow", "s3:*", "*"),
            stmt(
                "Deny",
                "s3:DeleteObject",
                "*",
                condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            ),
        ),
        name="Guard",
    )
    result = explain(Request(PRIYA, "s3:DeleteObject", OBJECT), identity=[policy])
    assert result.decision == "allowed"
    assert "Statement 2 of Guard, line " in result.reason
    # The Deny's condition is what the Deny needs, not a rule the request must follow.
    assert (
        "would deny it, but only when its condition holds, and here it does not: "
        "aws:MultiFactorAuthPresent must be false (Bool) for the Deny to apply, but the "
        "request has no aws:MultiFactorAuthPresent" in result.reason
    )
    assert "the request has no aws:MultiFactorAuthPresent" in result.reason
    # Why the key is absent: the check asks as the user's long-term keys, not a console
    # session (reference_policies_condition-keys.html#condition-keys-multifactorauthpresent).
    assert "is signed with its long-term access keys (the CLI or an SDK)" in result.reason
    assert "true only in a console session signed in with MFA" in result.reason
    # A Deny about another action says nothing.
    other = explain(Request(PRIYA, "s3:GetObject", OBJECT), identity=[policy])
    assert "would deny" not in other.reason


@pytest.mark.parametrize(
    ("caller", "filled"),
    [
        # reference_policies_variables: ${aws:username} is the IAM user's friendly name ...
        (PRIYA, "home/${aws:username}/* is arn:aws:s3:::amzn-s3-demo-bucket/home/priya/* here"),
        # ... and a role session carries no aws:username, so the entry matches nothing.
        (
            f"arn:aws:sts::{A}:assumed-role/OpsReadOnly/s1",
            "home/${aws:username}/* matches nothing here: the request has no aws:username",
        ),
    ],
)
def test_a_per_user_resource_near_miss_shows_what_its_variable_named(caller, filled):
    # Asking for another user's folder: the near miss shows the ARN the variable made, and
    # warns that a fixed ARN added beside it reaches every principal the policy applies to.
    policy = parse(
        doc(
            stmt("Allow", "s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*")
        )
    )
    other = "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt"
    result = explain(Request(caller, "s3:GetObject", other), identity=[policy])
    assert result.decision == "implicitDeny"
    (miss,) = result.near_misses[0].misses
    assert miss.text == (
        f"its Resource does not cover {other} (arn:aws:s3:::amzn-s3-demo-bucket/{filled})"
    )
    assert miss.change.endswith(
        ": every principal the policy applies to would then reach it, not only the one its "
        "policy variables name"
    )
