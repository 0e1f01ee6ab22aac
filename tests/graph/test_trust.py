"""Trust edges: who can assume a role (``assume``) and who can federate into it (``federate``).

Each case names the IAM User Guide page it comes from (API_* pages: the STS API Reference).
``expected`` is None when AWS refuses the request, ``()`` when it is allowed as it is, and
otherwise fragments of the conditions the request must still meet: the edge is then
conditional and ``edge.conditions`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from iamlab.graph import PrincipalIn, ProviderIn, SsoGrantIn

from .kit import (
    ADMIN,
    DOCS,
    A,
    Account,
    B,
    X,
    allow,
    deny,
    doc,
    edges,
    graph,
    oidc_arn,
    one_edge,
    rcp_deny,
    role,
    role_arn,
    root,
    root_arn,
    saml_arn,
    stmt,
    trust,
    trust_aws,
    trust_service,
    user,
    user_arn,
    with_rcp,
    with_scp,
)

EVAL = "reference_policies_evaluation-logic"
CROSS = "reference_policies_evaluation-logic-cross-account"
FOR_USER = "id_roles_create_for-user"
PRINCIPAL = "reference_policies_elements_principal"
BOUNDARIES = "access_policies_boundaries"
MFA = "id_credentials_mfa_configure-api-require"
EXTERNAL_ID = "id_roles_create_for-user_externalid"
ABAC = "introduction_attribute-based-access-control"
CHAINING = "id_roles_terms-and-concepts"
ASSUME_API = "API_AssumeRole"
FOR_SERVICE = "id_roles_create_for-service"
SAML = "id_roles_providers_create_saml"
SAML_ROLE = "id_roles_create_for-idp_saml"
OIDC = "id_roles_providers_oidc"
OIDC_ROLE = "id_roles_create_for-idp_oidc"
KEYS = "reference_policies_condition-keys"

OPS = role_arn("Ops")
OPS_B = role_arn("Ops", B)
ALICE = user_arn("alice")
BEA = user_arn("bea", B)
LAMBDA = "lambda.amazonaws.com"
OKTA = ProviderIn(saml_arn("Okta"), "saml", "Okta", A)
GITHUB_HOST = "token.actions.githubusercontent.com"
GITHUB = ProviderIn(oidc_arn(GITHUB_HOST), "oidc", GITHUB_HOST, A)
COGNITO = "cognito-identity.amazonaws.com"
SAML_AUD = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
GITHUB_SUB = {
    "StringEquals": {f"{GITHUB_HOST}:aud": "sts.amazonaws.com"},
    "StringLike": {f"{GITHUB_HOST}:sub": "repo:octo-org/octo-repo:*"},
}
ASSUME = allow("sts:AssumeRole")
ASSUME_OPS = allow("sts:AssumeRole", OPS)
S3_ONLY = allow("s3:*")
MFA_PRESENT = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
EXTERNAL = {"StringEquals": {"sts:ExternalId": "Unique-ID-1234"}}
TEAM_OPS = {"StringEquals": {"aws:PrincipalTag/team": "ops"}}
ORG = "o-a1b2c3d4e5"
# A data perimeter RCP: deny callers from outside the organization, AWS services excepted.
PERIMETER = rcp_deny(
    "sts:AssumeRole",
    {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    },
)


def trust_then_deny(
    allowed: dict[str, str], denied: dict[str, str], action: str
) -> dict[str, object]:
    return doc(
        stmt("Allow", action, None, principal=allowed),
        stmt("Deny", action, None, principal=denied),
    )


@dataclass(frozen=True)
class TrustCase:
    id: str
    source: str
    principals: tuple[PrincipalIn, ...]
    caller: str  # edge source: a principal ARN, an account ID, a service, a provider ARN
    target: str
    expected: tuple[str, ...] | None
    kind: str = "assume"
    accounts: tuple[Account, ...] = ()
    providers: tuple[ProviderIn, ...] = ()

    def __str__(self) -> str:
        return self.id


ASSUME_CASES = [
    # --- the same account: the trust policy alone can be enough --------------------------
    TrustCase(
        "same-account-trust-names-user-needs-no-identity-policy",
        EVAL,
        (user("alice"), role("Ops", trust_aws(ALICE))),
        ALICE,
        OPS,
        (),
    ),
    TrustCase(
        "same-account-trust-names-account-needs-identity-policy",
        FOR_USER,
        (user("alice"), role("Ops", trust_aws(A))),
        ALICE,
        OPS,
        None,
    ),
    TrustCase(
        "same-account-trust-names-account-and-identity-allows",
        FOR_USER,
        (user("alice", ASSUME_OPS), role("Ops", trust_aws(A))),
        ALICE,
        OPS,
        (),
    ),
    TrustCase(
        "trust-naming-root-arn-means-the-account",
        PRINCIPAL,
        (user("alice", ASSUME), role("Ops", trust_aws(root_arn(A)))),
        ALICE,
        OPS,
        (),
    ),
    TrustCase(
        "identity-policy-names-another-role-only",
        FOR_USER,
        (user("alice", allow("sts:AssumeRole", role_arn("Other"))), role("Ops", trust_aws(A))),
        ALICE,
        OPS,
        None,
    ),
    # (a) conditions
    TrustCase(
        "trust-requires-mfa-edge-is-conditional",
        MFA,
        (user("alice", mfa=True), role("Ops", trust_aws(ALICE, condition=MFA_PRESENT))),
        ALICE,
        OPS,
        ("aws:MultiFactorAuthPresent",),
    ),
    TrustCase(
        "trust-requires-external-id-edge-is-conditional",
        EXTERNAL_ID,
        (user("alice", ASSUME), role("Ops", trust_aws(A, condition=EXTERNAL))),
        ALICE,
        OPS,
        ("sts:ExternalId", "Unique-ID-1234"),
    ),
    TrustCase(
        "trust-principal-tag-the-caller-lacks-blocks",
        ABAC,
        (
            user("alice", ASSUME, tags={"team": "dev"}),
            role("Ops", trust_aws(A, condition=TEAM_OPS)),
        ),
        ALICE,
        OPS,
        None,
    ),
    TrustCase(
        "trust-principal-tag-the-caller-has-allows",
        ABAC,
        (
            user("alice", ASSUME, tags={"team": "ops"}),
            role("Ops", trust_aws(A, condition=TEAM_OPS)),
        ),
        ALICE,
        OPS,
        (),
    ),
    TrustCase(
        "trust-tag-the-caller-has-and-mfa-lists-only-mfa",
        ABAC,
        (
            user("alice", ASSUME, tags={"team": "ops"}),
            role("Ops", trust_aws(A, condition={**TEAM_OPS, **MFA_PRESENT})),
        ),
        ALICE,
        OPS,
        ("aws:MultiFactorAuthPresent",),
    ),
    TrustCase(
        "trust-tag-the-caller-lacks-and-mfa-blocks",
        ABAC,
        (
            user("alice", ASSUME, tags={"team": "dev"}),
            role("Ops", trust_aws(A, condition={**TEAM_OPS, **MFA_PRESENT})),
        ),
        ALICE,
        OPS,
        None,
    ),
    TrustCase(
        "trust-principal-arn-of-someone-else-blocks",
        KEYS,
        (
            user("alice", ASSUME),
            role(
                "Ops",
                trust_aws(A, condition={"ArnEquals": {"aws:PrincipalArn": user_arn("bob")}}),
            ),
        ),
        ALICE,
        OPS,
        None,
    ),
    TrustCase(
        "trust-principal-org-id-the-caller-lacks-blocks",
        KEYS,
        (
            user("alice", ASSUME),
            role(
                "Ops", trust_aws(A, condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3"}})
            ),
        ),
        ALICE,
        OPS,
        None,
    ),
    TrustCase(
        "trust-principal-org-id-the-caller-has-allows",
        KEYS,
        (
            user("alice", ASSUME, context={"aws:PrincipalOrgID": "o-a1b2c3"}),
            role(
                "Ops", trust_aws(A, condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3"}})
            ),
        ),
        ALICE,
        OPS,
        (),
    ),
    TrustCase(
        "identity-policy-condition-on-own-tag-blocks",
        ABAC,
        (
            user("alice", allow("sts:AssumeRole", OPS, TEAM_OPS), tags={"team": "dev"}),
            role("Ops", trust_aws(A)),
        ),
        ALICE,
        OPS,
        None,
    ),
    # (b) explicit deny
    TrustCase(
        "identity-deny-beats-trust-naming-the-user",
        EVAL,
        (user("alice", deny("sts:AssumeRole", OPS)), role("Ops", trust_aws(ALICE))),
        ALICE,
        OPS,
        None,
    ),
    TrustCase(
        "trust-deny-beats-trust-allow",
        EVAL,
        (
            user("alice", ASSUME),
            role("Ops", trust_then_deny({"AWS": A}, {"AWS": ALICE}, "sts:AssumeRole")),
        ),
        ALICE,
        OPS,
        None,
    ),
    # (c) permissions boundary
    TrustCase(
        "boundary-without-assume-blocks-when-trust-names-account",
        BOUNDARIES,
        (user("alice", ASSUME, boundary=S3_ONLY), role("Ops", trust_aws(A))),
        ALICE,
        OPS,
        None,
    ),
    # evaluate.py's D7: the user's boundary must allow sts:AssumeRole even when the trust
    # policy names the user's ARN.
    TrustCase(
        "boundary-caps-trust-naming-the-user-arn",
        "id_roles_update-role-trust-policy",
        (user("alice", boundary=S3_ONLY), role("Ops", trust_aws(ALICE))),
        ALICE,
        OPS,
        None,
    ),
    TrustCase(
        "boundary-caps-trust-naming-a-role-arn",
        BOUNDARIES,
        (
            role("Caller", trust_aws(A), boundary=S3_ONLY),
            role("Ops", trust_aws(role_arn("Caller"))),
        ),
        role_arn("Caller"),
        OPS,
        None,
    ),
    # SCPs
    TrustCase(
        "scp-denying-assume-role-blocks-even-when-named",
        EVAL,
        (user("alice"), role("Ops", trust_aws(ALICE))),
        ALICE,
        OPS,
        None,
        accounts=(with_scp(deny("sts:AssumeRole")),),
    ),
    TrustCase(
        "scp-denying-something-else-does-not",
        EVAL,
        (user("alice"), role("Ops", trust_aws(ALICE))),
        ALICE,
        OPS,
        (),
        accounts=(with_scp(deny("iam:*")),),
    ),
    # role chaining and the root user
    TrustCase(
        "role-chaining-role-named-by-arn",
        CHAINING,
        (role("Caller", trust_aws(A)), role("Ops", trust_aws(role_arn("Caller")))),
        role_arn("Caller"),
        OPS,
        (),
    ),
    TrustCase(
        "role-chaining-trust-names-account-role-needs-identity",
        CHAINING,
        (role("Caller", trust_aws(A)), role("Ops", trust_aws(A))),
        role_arn("Caller"),
        OPS,
        None,
    ),
    TrustCase(
        "root-user-never-assumes-even-when-trust-names-root",
        ASSUME_API,
        (root(), role("Ops", trust_aws(root_arn(A)))),
        root_arn(A),
        OPS,
        None,
    ),
    # --- across accounts: both sides must allow ------------------------------------------
    TrustCase(
        "cross-account-trust-names-user-but-no-identity-policy",
        CROSS,
        (user("bea", account=B), role("Ops", trust_aws(BEA))),
        BEA,
        OPS,
        None,
    ),
    TrustCase(
        "cross-account-trust-names-user-and-identity-allows",
        CROSS,
        (user("bea", ASSUME_OPS, account=B), role("Ops", trust_aws(BEA))),
        BEA,
        OPS,
        (),
    ),
    TrustCase(
        "cross-account-trust-names-account-and-identity-allows",
        CROSS,
        (user("bea", ASSUME_OPS, account=B), role("Ops", trust_aws(B))),
        BEA,
        OPS,
        (),
    ),
    TrustCase(
        "cross-account-identity-allows-but-trust-names-own-account",
        CROSS,
        (user("bea", ASSUME_OPS, account=B), role("Ops", trust_aws(A))),
        BEA,
        OPS,
        None,
    ),
    TrustCase(
        "cross-account-identity-condition-blocks",
        CROSS,
        (
            user("bea", allow("sts:AssumeRole", OPS, TEAM_OPS), account=B, tags={"team": "dev"}),
            role("Ops", trust_aws(B)),
        ),
        BEA,
        OPS,
        None,
    ),
    TrustCase(
        "cross-account-trust-requires-mfa-is-conditional",
        MFA,
        (user("bea", ASSUME, account=B), role("Ops", trust_aws(B, condition=MFA_PRESENT))),
        BEA,
        OPS,
        ("aws:MultiFactorAuthPresent",),
    ),
    TrustCase(
        "cross-account-identity-deny",
        CROSS,
        (user("bea", ASSUME, deny("sts:AssumeRole"), account=B), role("Ops", trust_aws(BEA))),
        BEA,
        OPS,
        None,
    ),
    TrustCase(
        "cross-account-boundary-in-the-callers-account",
        CROSS,
        (user("bea", ASSUME, account=B, boundary=S3_ONLY), role("Ops", trust_aws(BEA))),
        BEA,
        OPS,
        None,
    ),
    TrustCase(
        "cross-account-scp-of-the-callers-account",
        CROSS,
        (user("bea", ASSUME, account=B), role("Ops", trust_aws(BEA))),
        BEA,
        OPS,
        None,
        accounts=(with_scp(deny("sts:AssumeRole"), account=B),),
    ),
    TrustCase(
        "cross-account-scp-of-the-roles-account-does-not-apply",
        CROSS,
        (user("bea", ASSUME, account=B), role("Ops", trust_aws(BEA))),
        BEA,
        OPS,
        (),
        accounts=(with_scp(deny("sts:AssumeRole"), account=A),),
    ),
    TrustCase(
        "cross-account-rcp-of-the-roles-account-applies",
        CROSS,
        (user("bea", ASSUME, account=B), role("Ops", trust_aws(BEA))),
        BEA,
        OPS,
        None,
        accounts=(with_rcp(rcp_deny("sts:AssumeRole"), account=A),),
    ),
    TrustCase(
        "cross-account-role-chaining",
        CHAINING,
        (role("Deployer", trust_aws(B), ASSUME_OPS, account=B), role("Ops", trust_aws(B))),
        role_arn("Deployer", B),
        OPS,
        (),
    ),
    TrustCase(
        "cross-account-into-the-other-sandbox-account",
        CROSS,
        (user("alice", allow("sts:AssumeRole", OPS_B)), role("Ops", trust_aws(A), account=B)),
        ALICE,
        OPS_B,
        (),
    ),
    # --- principals outside the sandbox --------------------------------------------------
    TrustCase(
        "external-account-named-in-trust",
        "id_roles_common-scenarios_aws-accounts",
        (role("Ops", trust_aws(X)),),
        X,
        OPS,
        (),
    ),
    TrustCase(
        "external-account-root-arn-named-in-trust",
        PRINCIPAL,
        (role("Ops", trust_aws(root_arn(X))),),
        X,
        OPS,
        (),
    ),
    TrustCase(
        "external-account-third-party-external-id",
        EXTERNAL_ID,
        (role("Ops", trust_aws(X, condition=EXTERNAL)),),
        X,
        OPS,
        ("sts:ExternalId",),
    ),
    TrustCase(
        "external-account-principal-arn-condition-is-theirs-to-meet",
        KEYS,
        (
            role(
                "Ops",
                trust_aws(
                    X, condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{X}:role/ci-*"}}
                ),
            ),
        ),
        X,
        OPS,
        ("aws:PrincipalArn",),
    ),
    TrustCase(
        "external-user-named-in-trust",
        "id_roles_common-scenarios_third-party",
        (role("Ops", trust_aws(user_arn("eve", X))),),
        user_arn("eve", X),
        OPS,
        (),
    ),
    TrustCase(
        "external-account-denied-in-trust",
        EVAL,
        (role("Ops", trust_then_deny({"AWS": X}, {"AWS": X}, "sts:AssumeRole")),),
        X,
        OPS,
        None,
    ),
    TrustCase(
        "external-account-rcp-denies-outside-the-org",
        EVAL,
        (role("Ops", trust_aws(X)),),
        X,
        OPS,
        None,
        accounts=(with_rcp(PERIMETER, account=A),),
    ),
    TrustCase(
        "cross-account-rcp-lets-the-org-in",
        EVAL,
        (
            user("bea", ASSUME, account=B, context={"aws:PrincipalOrgID": ORG}),
            role("Ops", trust_aws(B)),
        ),
        BEA,
        OPS,
        (),
        accounts=(with_rcp(PERIMETER, account=A),),
    ),
    # --- AWS services: service roles -----------------------------------------------------
    TrustCase(
        "service-role-trusts-lambda",
        FOR_SERVICE,
        (role("FnRole", trust_service(LAMBDA)),),
        LAMBDA,
        role_arn("FnRole"),
        (),
    ),
    TrustCase(
        "service-role-confused-deputy-source-account-is-conditional",
        "confused-deputy",
        (role("FnRole", trust_service(LAMBDA, {"StringEquals": {"aws:SourceAccount": A}})),),
        LAMBDA,
        role_arn("FnRole"),
        ("aws:SourceAccount",),
    ),
    TrustCase(
        "service-role-passes-the-perimeter-rcp",
        EVAL,
        (role("FnRole", trust_service(LAMBDA)),),
        LAMBDA,
        role_arn("FnRole"),
        (),
        accounts=(with_rcp(PERIMETER, account=A),),
    ),
    TrustCase(
        "service-role-denied-in-trust",
        EVAL,
        (
            role(
                "FnRole",
                trust_then_deny({"Service": LAMBDA}, {"Service": LAMBDA}, "sts:AssumeRole"),
            ),
        ),
        LAMBDA,
        role_arn("FnRole"),
        None,
    ),
    TrustCase(
        "service-role-trust-allows-another-action-only",
        FOR_SERVICE,
        (role("FnRole", trust({"Service": LAMBDA}, "sts:TagSession")),),
        LAMBDA,
        role_arn("FnRole"),
        None,
    ),
    TrustCase(
        "service-role-other-service",
        FOR_SERVICE,
        (role("FnRole", trust_service(LAMBDA)),),
        "ec2.amazonaws.com",
        role_arn("FnRole"),
        None,
    ),
]

FEDERATE_CASES = [
    TrustCase(
        "saml-provider-with-audience-is-conditional",
        SAML_ROLE,
        (role("Fed", trust({"Federated": OKTA.arn}, "sts:AssumeRoleWithSAML", SAML_AUD)),),
        OKTA.arn,
        role_arn("Fed"),
        ("SAML:aud", "https://signin.aws.amazon.com/saml"),
        kind="federate",
        providers=(OKTA,),
    ),
    TrustCase(
        "saml-provider-without-conditions",
        SAML,
        (role("Fed", trust({"Federated": OKTA.arn}, "sts:AssumeRoleWithSAML")),),
        OKTA.arn,
        role_arn("Fed"),
        (),
        kind="federate",
        providers=(OKTA,),
    ),
    TrustCase(
        "saml-trust-allows-plain-assume-role-only",
        SAML_ROLE,
        (role("Fed", trust({"Federated": OKTA.arn}, "sts:AssumeRole")),),
        OKTA.arn,
        role_arn("Fed"),
        None,
        kind="federate",
        providers=(OKTA,),
    ),
    TrustCase(
        "saml-denied-in-trust",
        EVAL,
        (
            role(
                "Fed",
                trust_then_deny(
                    {"Federated": OKTA.arn}, {"Federated": OKTA.arn}, "sts:AssumeRoleWithSAML"
                ),
            ),
        ),
        OKTA.arn,
        role_arn("Fed"),
        None,
        kind="federate",
        providers=(OKTA,),
    ),
    TrustCase(
        "saml-rcp-denies",
        EVAL,
        (role("Fed", trust({"Federated": OKTA.arn}, "sts:AssumeRoleWithSAML", SAML_AUD)),),
        OKTA.arn,
        role_arn("Fed"),
        None,
        kind="federate",
        providers=(OKTA,),
        accounts=(with_rcp(rcp_deny("sts:AssumeRoleWithSAML")),),
    ),
    TrustCase(
        "saml-role-boundary-caps-the-session-not-who-federates",
        BOUNDARIES,
        (
            role(
                "Fed",
                trust({"Federated": OKTA.arn}, "sts:AssumeRoleWithSAML"),
                ADMIN,
                boundary=S3_ONLY,
            ),
        ),
        OKTA.arn,
        role_arn("Fed"),
        (),
        kind="federate",
        providers=(OKTA,),
    ),
    TrustCase(
        "oidc-github-sub-is-conditional",
        OIDC_ROLE,
        (
            role(
                "GitHubDeploy",
                trust({"Federated": GITHUB.arn}, "sts:AssumeRoleWithWebIdentity", GITHUB_SUB),
            ),
        ),
        GITHUB.arn,
        role_arn("GitHubDeploy"),
        (f"{GITHUB_HOST}:sub", "repo:octo-org/octo-repo:*", f"{GITHUB_HOST}:aud"),
        kind="federate",
        providers=(GITHUB,),
    ),
    TrustCase(
        "oidc-trust-allows-saml-action-only",
        OIDC,
        (role("GitHubDeploy", trust({"Federated": GITHUB.arn}, "sts:AssumeRoleWithSAML")),),
        GITHUB.arn,
        role_arn("GitHubDeploy"),
        None,
        kind="federate",
        providers=(GITHUB,),
    ),
    TrustCase(
        "oidc-denied-in-trust",
        EVAL,
        (
            role(
                "GitHubDeploy",
                trust_then_deny(
                    {"Federated": GITHUB.arn},
                    {"Federated": GITHUB.arn},
                    "sts:AssumeRoleWithWebIdentity",
                ),
            ),
        ),
        GITHUB.arn,
        role_arn("GitHubDeploy"),
        None,
        kind="federate",
        providers=(GITHUB,),
    ),
    TrustCase(
        "oidc-rcp-denies",
        EVAL,
        (
            role(
                "GitHubDeploy",
                trust({"Federated": GITHUB.arn}, "sts:AssumeRoleWithWebIdentity", GITHUB_SUB),
            ),
        ),
        GITHUB.arn,
        role_arn("GitHubDeploy"),
        None,
        kind="federate",
        providers=(GITHUB,),
        accounts=(with_rcp(rcp_deny("sts:AssumeRoleWithWebIdentity")),),
    ),
    TrustCase(
        "cognito-web-identity-audience-is-conditional",
        "id_roles_providers_oidc_cognito",
        (
            role(
                "MobileApp",
                trust(
                    {"Federated": COGNITO},
                    "sts:AssumeRoleWithWebIdentity",
                    {"StringEquals": {f"{COGNITO}:aud": "us-east-1:12345678-abcd"}},
                ),
            ),
        ),
        COGNITO,
        role_arn("MobileApp"),
        (f"{COGNITO}:aud",),
        kind="federate",
    ),
]


@pytest.mark.parametrize("case", ASSUME_CASES + FEDERATE_CASES, ids=str)
def test_trust_edges(case: TrustCase) -> None:
    assert case.source, f"every case names its page under {DOCS}"
    g = graph(*case.principals, accounts=case.accounts, providers=case.providers)
    found = edges(g, case.caller, case.target, case.kind)
    if case.expected is None:
        assert not found, f"{case.id}: AWS refuses it, but the graph has {found}"
        return
    assert len(found) == 1, f"{case.id}: expected one {case.kind} edge, got {found}"
    edge = found[0]
    assert edge.reason
    if not case.expected:
        assert edge.conditions == ()
        assert not edge.conditional
        return
    assert edge.conditional
    written = " ".join(edge.conditions)
    for fragment in case.expected:
        assert fragment in written, f"{fragment!r} not in {edge.conditions}"
    assert "Only when the request meets" in edge.reason
    # A condition the caller already meets (its own tag) is not listed as one to meet.
    assert "aws:PrincipalTag" not in written


# --- what the edges say ---------------------------------------------------------------------


def test_same_account_reason_says_the_trust_names_it() -> None:
    g = graph(user("alice"), user("bob", ASSUME), role("Ops", trust_aws(ALICE, user_arn("bob"))))
    assert "by name" in one_edge(g, ALICE, OPS, "assume").reason
    named = one_edge(g, user_arn("bob"), OPS, "assume")
    assert named.label == "can assume"
    assert named.actions == ("sts:AssumeRole",)
    through_account = graph(user("bob", ASSUME), role("Ops", trust_aws(A)))
    assert (
        "its own policies allow sts:AssumeRole"
        in one_edge(through_account, user_arn("bob"), OPS, "assume").reason
    )


def test_cross_account_reason_says_both_sides() -> None:
    g = graph(user("bea", ASSUME, account=B), role("Ops", trust_aws(B)))
    edge = one_edge(g, BEA, OPS, "assume")
    assert edge.label == "can assume (cross-account)"
    assert "needs both" in edge.reason


def test_role_chaining_reason() -> None:
    g = graph(role("Caller", trust_aws(A)), role("Ops", trust_aws(role_arn("Caller"))))
    assert "role chaining" in one_edge(g, role_arn("Caller"), OPS, "assume").reason


def test_root_user_never_gets_assume_edges() -> None:
    """STS: "Roles may not be assumed by root accounts" (API_AssumeRole)."""
    g = graph(
        root(),
        root(B),
        role("ByAccount", trust_aws(A)),
        role("ByRootArn", trust_aws(root_arn(A))),
        role("CrossByAccount", trust_aws(A), account=B),
        role("Anyone", trust({"AWS": "*"})),
    )
    for source in (root_arn(A), root_arn(B)):
        assert not edges(g, source=source, kind="assume")
    assert g.nodes[root_arn(A)].type == "root"


def test_trust_naming_anyone_reaches_only_callers_whose_policies_allow() -> None:
    g = graph(
        user("alice", ASSUME),
        user("bob"),
        user("bea", ASSUME, account=B),
        role("Open", trust({"AWS": "*"})),
    )
    sources = {e.source for e in edges(g, target=role_arn("Open"), kind="assume")}
    assert sources == {ALICE, BEA}


def test_trust_naming_the_account_skips_admins_of_that_account() -> None:
    """An admin of the role's account reaches it anyway: the edge is implied, not stored."""
    g = graph(user("admin", ADMIN), role("Ops", trust_aws(A)))
    assert not edges(g, user_arn("admin"), OPS, "assume")
    implied = [e for e in g.edges_from(user_arn("admin")) if e.target == OPS]
    assert [e.kind for e in implied] == ["administers"]


def test_external_account_and_principal_nodes() -> None:
    g = graph(role("Ops", trust_aws(X)), role("Audit", trust_aws(user_arn("eve", X))))
    account = g.nodes[X]
    assert account.type == "account"
    assert account.external
    assert account.account == X
    eve = g.nodes[user_arn("eve", X)]
    assert eve.type == "external"
    assert eve.external
    assert eve.account == X
    assert eve.label == "user/eve"
    edge = one_edge(g, X, OPS, "assume")
    assert edge.label == "can assume (cross-account)"
    assert "iamlab cannot see them" in edge.reason
    # Neither is a principal iamlab evaluates, so neither counts as admin or escalator.
    assert not account.is_principal
    assert X not in g.can_escalate


def test_sandbox_accounts_are_not_external() -> None:
    g = graph(user("bea", ASSUME, account=B), role("Ops", trust_aws(B)))
    assert not g.nodes[B].external
    assert not [n for n in g.nodes.values() if n.type == "external"]


def test_service_node() -> None:
    g = graph(role("FnRole", trust_service(LAMBDA)))
    node = g.nodes[LAMBDA]
    assert node.type == "service"
    assert "service role" in one_edge(g, LAMBDA, role_arn("FnRole"), "assume").reason


def test_federate_edges_say_which_api() -> None:
    g = graph(
        role("Fed", trust({"Federated": OKTA.arn}, "sts:AssumeRoleWithSAML")),
        role("Gh", trust({"Federated": GITHUB.arn}, "sts:AssumeRoleWithWebIdentity")),
        providers=(OKTA, GITHUB),
    )
    saml = one_edge(g, OKTA.arn, role_arn("Fed"), "federate")
    assert saml.actions == ("sts:AssumeRoleWithSAML",)
    assert "SAML 2.0 assertion" in saml.reason
    oidc = one_edge(g, GITHUB.arn, role_arn("Gh"), "federate")
    assert oidc.actions == ("sts:AssumeRoleWithWebIdentity",)
    assert "OpenID Connect token" in oidc.reason
    assert g.nodes[OKTA.arn].type == "provider"
    assert g.nodes[OKTA.arn].detail == "SAML 2.0"
    assert g.nodes[GITHUB.arn].detail == "OpenID Connect"


# --- IAM Identity Center ----------------------------------------------------------------------

SSO_PROVIDER = ProviderIn(
    saml_arn("AWSSSO_1a2b3c4d5e6f7a8b_DO_NOT_DELETE"),
    "saml",
    "AWSSSO_1a2b3c4d5e6f7a8b_DO_NOT_DELETE",
    A,
    identity_center=True,
)
PERMISSION_SET = "arn:aws:sso:::permissionSet/ssoins-1111222233334444/ps-5555666677778888"
SSO_ROLE_NAME = "AWSReservedSSO_AdministratorAccess_0123456789abcdef"
SSO_USER_ID = "906756e2-4041-70c3-5555-0123456789ab"
SSO_USER = f"arn:aws:identitystore:::user/{SSO_USER_ID}"


def sso_role() -> PrincipalIn:
    return role(
        SSO_ROLE_NAME,
        trust(
            {"Federated": SSO_PROVIDER.arn},
            ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            SAML_AUD,
        ),
        ADMIN,
    )


def test_identity_center_user_federates_into_the_provisioned_role() -> None:
    """Identity Center provisions a permission set as an AWSReservedSSO_ role trusting its
    SAML provider; an assigned user signs in to it from the access portal."""
    grant = SsoGrantIn(
        SSO_USER_ID,
        "maria",
        PERMISSION_SET,
        "AdministratorAccess",
        role_arn(SSO_ROLE_NAME),
        via_group="Admins",
    )
    g = graph(sso_role(), providers=(SSO_PROVIDER,), sso=(grant,))
    edge = one_edge(g, SSO_USER, role_arn(SSO_ROLE_NAME), "federate")
    assert edge.technique == "identity-center"
    assert edge.actions == ("sts:AssumeRoleWithSAML",)
    assert "through group Admins" in edge.reason
    assert g.nodes[SSO_USER].type == "sso_user"
    assert g.nodes[PERMISSION_SET].type == "permission_set"
    kinds = {(r.source, r.target, r.kind) for r in g.relations}
    assert (SSO_USER, PERMISSION_SET, "assigned") in kinds
    assert (PERMISSION_SET, role_arn(SSO_ROLE_NAME), "provisions") in kinds
    # The Identity Center SAML provider is not drawn: its users are.
    assert SSO_PROVIDER.arn not in g.nodes
    assert not edges(g, source=SSO_PROVIDER.arn)
    # The user reaches an admin role, so it can escalate; it is no principal.
    assert SSO_USER in g.can_escalate


def test_identity_center_without_assignment_has_no_user() -> None:
    g = graph(sso_role(), providers=(SSO_PROVIDER,))
    assert not edges(g, kind="federate")
    assert not [n for n in g.nodes.values() if n.type == "sso_user"]


def test_identity_center_grant_for_a_role_outside_the_sandbox() -> None:
    grant = SsoGrantIn(
        SSO_USER_ID, "maria", PERMISSION_SET, "AdministratorAccess", role_arn("Gone", B)
    )
    g = graph(sso_role(), providers=(SSO_PROVIDER,), sso=(grant,))
    assert not edges(g, source=SSO_USER)


def test_an_admin_reaches_roles_of_other_accounts_only_through_their_trust() -> None:
    # id_roles_common-scenarios_aws-accounts: an admin of account B gets an edge to a role of
    # account A that trusts B (its own admin powers stop at its account); its edge to a role of
    # its own account is implied, not stored.
    boss = user("boss", ADMIN, account=B)
    shared = role("shared", trust_aws(B))
    local = role("local", trust_aws(B), account=B)
    g = graph(boss, shared, local)
    one_edge(g, boss.arn, shared.arn, "assume")
    assert edges(g, boss.arn, local.arn, "assume") == []
    assert g.path(boss.arn, local.arn) is not None
