"""SAML responses, AssumeRoleWithSAML and AssumeRoleWithWebIdentity.

Every case names the AWS page it comes from: the STS API Reference
(https://docs.aws.amazon.com/STS/latest/APIReference/<page>.html) for API_* pages, the IAM
User Guide (https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>.html) for the others.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from iamlab.policy import (
    Policy,
    PolicyType,
    RoleSpec,
    SamlAssertion,
    SamlAttribute,
    SamlError,
    Session,
    StsDenied,
    assume_role,
    assume_role_with_saml,
    assume_role_with_web_identity,
    parse_policy,
    parse_saml_response,
    render_saml_response,
)
from iamlab.policy import saml as samlmod

from .casekit import Doc, allow, aws, doc, stmt, trust

A = "111111111111"
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
SOON = NOW + dt.timedelta(minutes=5)
ROLE_ARN = f"arn:aws:iam::{A}:role/SamlDev"
PROVIDER = f"arn:aws:iam::{A}:saml-provider/Okta"
ISSUER = "http://www.okta.com/exk1abc"
SIGNIN = "https://signin.aws.amazon.com/saml"
OBJ = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"

SAML_API = "API_AssumeRoleWithSAML"
ASSERTIONS = "id_roles_providers_create_saml_assertions"
SAML_KEYS = "reference_policies_iam-condition-keys#condition-keys-saml"
TROUBLE = "troubleshoot_saml"
TAGS = "id_session-tags"
WEB_API = "API_AssumeRoleWithWebIdentity"
WIF_KEYS = "reference_policies_iam-condition-keys#condition-keys-wif"


def parse(document: Doc, type_: PolicyType = PolicyType.IDENTITY, name: str = "") -> Policy:
    return parse_policy(json.dumps(document), type=type_, name=name)


def attr(name: str, *values: str) -> SamlAttribute:
    return SamlAttribute(name, values)


ROLE_ATTR = attr(samlmod.ROLE, f"{ROLE_ARN},{PROVIDER}")
NAME_ATTR = attr(samlmod.ROLE_SESSION_NAME, "alice@example.com")


def assertion(**changes: Any) -> SamlAssertion:
    base = SamlAssertion(
        issuer=ISSUER,
        subject="_cbb88bf52c2510eabe00c1642d4643f41430fe25e3",
        recipient=SIGNIN,
        subject_not_on_or_after=SOON,
        not_before=NOW - dt.timedelta(minutes=1),
        not_on_or_after=SOON,
        attributes=(ROLE_ATTR, NAME_ATTR),
    )
    extra = changes.pop("extra", ())
    if extra:
        changes["attributes"] = base.attributes + tuple(extra)
    return dataclasses.replace(base, **changes)


SAML_TRUST = trust({"Federated": PROVIDER}, "sts:AssumeRoleWithSAML",
                   condition={"StringEquals": {"saml:aud": SIGNIN}})  # fmt: skip


def saml_role(trust_doc: Doc | None = None, **kw: Any) -> RoleSpec:
    return RoleSpec(ROLE_ARN, parse(trust_doc or SAML_TRUST, PolicyType.TRUST), **kw)


def denied(result: object) -> StsDenied:
    assert isinstance(result, StsDenied), f"expected a refusal, got {result}"
    assert result.message
    assert result.aws_error
    return result


def ok(result: Session | StsDenied) -> Session:
    assert isinstance(result, Session), (
        f"{result.check}: {result.message}" if isinstance(result, StsDenied) else result
    )
    return result


# --- 1. reading and writing SAML responses ------------------------------------------------


def test_render_then_parse_round_trips() -> None:
    """id_roles_providers_create_saml_assertions: the elements AWS reads survive a render and
    a parse unchanged."""
    original = assertion(
        subject_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        audiences=("urn:amazon:webservices", SIGNIN),
        session_not_on_or_after=NOW + dt.timedelta(hours=8),
        extra=(
            attr(samlmod.PRINCIPAL_TAG + "Project", "Automation"),
            attr(samlmod.TRANSITIVE_TAG_KEYS, "Project"),
            attr("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "staff", "member"),
            SamlAttribute("urn:x", ("a & <b>",), friendly_name="x"),
        ),
    )
    text = render_saml_response(original, issue_instant=NOW)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<samlp:Response')
    assert "\n    <saml:Subject>" in text  # indented for reading
    again = parse_saml_response(text)
    assert again == original
    assert render_saml_response(original, issue_instant=NOW) == text  # deterministic


@dataclass
class ParseCase:
    id: str
    source: str
    text: str
    phrase: str
    line: int | None = None

    def __str__(self) -> str:
        return self.id


GOOD = render_saml_response(assertion(), issue_instant=NOW)
PARSE_CASES = [
    ParseCase("empty", SAML_API, "  ", "empty"),
    ParseCase("too-long", SAML_API, "<a>" + "x" * 100_000 + "</a>", "at most 100,000"),
    ParseCase("not-well-formed", SAML_API, "<a>\n<b></a>", "not well-formed", 2),
    ParseCase("doctype-refused", "XML entity expansion (iamlab choice)",
              '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x "y">]>\n<r>&x;</r>',
              "document type declaration", 2),
    ParseCase("wrong-root", SAML_API, "<Response/>", "must be a <samlp:Response>", 1),
    ParseCase("no-issuer", ASSERTIONS,
              GOOD.replace("<saml:Issuer>http://www.okta.com/exk1abc</saml:Issuer>", ""),
              "<saml:Issuer>"),
    ParseCase("no-name-id", ASSERTIONS,
              GOOD.replace(GOOD[GOOD.index("<saml:NameID"):GOOD.index("</saml:NameID>") + 14], ""),
              "<saml:NameID>"),
    ParseCase("no-recipient", ASSERTIONS, GOOD.replace(f'Recipient="{SIGNIN}" ', ""),
              "Recipient", 12),
    ParseCase("no-subject-not-on-or-after", ASSERTIONS,
              GOOD.replace(' NotOnOrAfter="2025-03-01T12:05:00Z" />', " />", 1),
              "NotOnOrAfter"),
    ParseCase("bad-time", ASSERTIONS, GOOD.replace("2025-03-01T12:05:00Z", "tomorrow", 1),
              "is not a date and time"),
    ParseCase("element-without-namespace", ASSERTIONS,
              GOOD.replace("<saml:Subject>", '<Subject xmlns="">', 1)
                  .replace("</saml:Subject>", "</Subject>", 1),
              "must be in the namespace", 9),
    ParseCase("two-subject-confirmations", ASSERTIONS,
              GOOD.replace("</saml:SubjectConfirmation>",
                           "</saml:SubjectConfirmation><saml:SubjectConfirmation/>"),
              "exactly one <saml:SubjectConfirmation>"),
]  # fmt: skip


@pytest.mark.parametrize("case", PARSE_CASES, ids=str)
def test_parse_errors(case: ParseCase) -> None:
    result = parse_saml_response(case.text)
    assert isinstance(result, SamlError), f"{case.id} ({case.source}): parsed"
    assert case.phrase in result.message, f"{case.id}: {result.message}"
    if case.line is not None:
        assert result.line == case.line, f"{case.id}: {result}"
        assert result.column is not None


def test_bare_assertion_and_attribute_helpers() -> None:
    """id_roles_providers_create_saml_assertions: Role values may list the provider first;
    PrincipalTag attributes give tags; list-typed eduPerson keys are multivalued, strings not."""
    text = GOOD[GOOD.index("<saml:Assertion") : GOOD.index("</saml:Assertion>") + 17]
    text = text.replace("<saml:Assertion ", f'<saml:Assertion xmlns:saml="{samlmod.ASSERTION_NS}" ')
    parsed = parse_saml_response(text)
    assert isinstance(parsed, SamlAssertion), parsed
    reversed_pair = assertion(
        attributes=(
            attr(samlmod.ROLE, f"{PROVIDER},{ROLE_ARN}", "nonsense"),
            attr("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "staff"),
            attr("urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "alice@example.edu", "second"),
        )
    )
    assert reversed_pair.role_pairs() == ((ROLE_ARN, PROVIDER),)
    assert reversed_pair.bad_role_values() == ("nonsense",)
    keys = reversed_pair.context_keys()
    assert keys["saml:eduPersonAffiliation"] == ("staff",)
    assert keys["saml:eduPersonPrincipalName"] == "alice@example.edu"


def test_name_qualifier_is_the_documented_hash() -> None:
    """API_AssumeRoleWithSAML NameQualifier: BASE64(SHA1(issuer + account + "/" + name))."""
    expected = base64.b64encode(
        hashlib.sha1(b"https://example.com/saml123456789012/MySAMLIdP").digest()  # noqa: S324
    ).decode()
    assert samlmod.name_qualifier("https://example.com/saml", "123456789012", "MySAMLIdP") == (
        expected
    )
    assert samlmod.sub_type("urn:oasis:names:tc:SAML:2.0:nameid-format:transient") == "transient"
    email = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    assert samlmod.sub_type(email) == email


# --- 2. AssumeRoleWithSAML ----------------------------------------------------------------


@dataclass
class SamlCase:
    id: str
    source: str
    expected: str  # "ok" or the StsDenied check
    changes: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    trust_doc: Doc | None = None
    aws_text: str = ""
    max_session: int = 3600

    def __str__(self) -> str:
        return self.id


TAG_TRUST = trust({"Federated": PROVIDER}, ["sts:AssumeRoleWithSAML", "sts:TagSession"])
SAML_CASES = [
    SamlCase("valid", SAML_API, "ok"),
    SamlCase("provider-missing", TROUBLE, "provider", kwargs={"provider_issuer": None},
             aws_text="Specified provider doesn't exist."),
    SamlCase("issuer-mismatch", TROUBLE, "provider", changes={"issuer": "https://evil.example"},
             aws_text="Issuer not present in specified provider"),
    SamlCase("subject-expired", ASSERTIONS, "token", kwargs={"now": SOON},
             aws_text="expired"),
    SamlCase("conditions-not-yet-valid", ASSERTIONS, "token",
             changes={"not_before": NOW + dt.timedelta(minutes=1)}, aws_text="not yet valid"),
    SamlCase("conditions-expired", ASSERTIONS, "token",
             changes={"not_on_or_after": NOW}, aws_text="expired"),
    SamlCase("recipient-not-aws", ASSERTIONS, "token",
             changes={"recipient": "https://app.example.com/acs"}, aws_text="Recipient"),
    SamlCase("regional-recipient", ASSERTIONS, "ok",
             changes={"recipient": "https://us-east-1.signin.aws.amazon.com/saml"},
             trust_doc=trust({"Federated": PROVIDER}, "sts:AssumeRoleWithSAML")),
    SamlCase("audience-missing", TROUBLE, "token", changes={"audiences": ()},
             aws_text="Response does not contain the required audience."),
    SamlCase("audience-other", TROUBLE, "token", changes={"audiences": ("https://x.example",)},
             aws_text="required audience"),
    SamlCase("no-role-attribute", TROUBLE, "token", changes={"attributes": (NAME_ATTR,)},
             aws_text="invalid SAML response"),
    SamlCase("role-value-with-space", TROUBLE, "token",
             changes={"attributes": (attr(samlmod.ROLE, f"{ROLE_ARN}, {PROVIDER}"), NAME_ATTR)},
             aws_text="invalid SAML response"),
    SamlCase("role-not-offered", TROUBLE, "role-mapping",
             changes={"attributes": (attr(samlmod.ROLE, f"arn:aws:iam::{A}:role/Other,"
                                          f"{PROVIDER}"), NAME_ATTR)},
             aws_text="Not authorized to perform sts:AssumeRoleWithSAML"),
    SamlCase("provider-first-in-pair", ASSERTIONS, "ok",
             changes={"attributes": (attr(samlmod.ROLE, f"{PROVIDER},{ROLE_ARN}"), NAME_ATTR)}),
    SamlCase("no-session-name", TROUBLE, "token", changes={"attributes": (ROLE_ATTR,)},
             aws_text="RoleSessionName is required in AuthnResponse"),
    SamlCase("session-name-with-space", TROUBLE, "token",
             changes={"attributes": (ROLE_ATTR, attr(samlmod.ROLE_SESSION_NAME, "Alice Smith"))},
             aws_text="must match [a-zA-Z_0-9+=,.@-]{2,64}"),
    SamlCase("source-identity-aws-prefix", TROUBLE, "token",
             changes={"extra": (attr(samlmod.SOURCE_IDENTITY, "aws:alice"),)},
             aws_text="Source Identity must match"),
    SamlCase("source-identity-needs-permission", ASSERTIONS, "source-identity",
             changes={"extra": (attr(samlmod.SOURCE_IDENTITY, "alice"),)},
             aws_text="Not authorized to perform sts:AssumeRoleWithSAML"),
    SamlCase("session-duration-not-a-number", ASSERTIONS, "token",
             changes={"extra": (attr(samlmod.SESSION_DURATION, "an hour"),)},
             aws_text="SessionDuration"),
    SamlCase("session-duration-too-long", ASSERTIONS, "token",
             changes={"extra": (attr(samlmod.SESSION_DURATION, "43201"),)}),
    SamlCase("tags-need-tag-session", TAGS, "tag-session",
             changes={"extra": (attr(samlmod.PRINCIPAL_TAG + "team", "red"),)},
             aws_text="Not authorized to perform sts:AssumeRoleWithSAML"),
    SamlCase("tags-with-tag-session", TAGS, "ok", trust_doc=TAG_TRUST,
             changes={"extra": (attr(samlmod.PRINCIPAL_TAG + "team", "red"),)}),
    SamlCase("transitive-key-not-a-tag", TAGS, "input", trust_doc=TAG_TRUST,
             changes={"extra": (attr(samlmod.PRINCIPAL_TAG + "team", "red"),
                                attr(samlmod.TRANSITIVE_TAG_KEYS, "cost"))}),
    SamlCase("trust-names-other-provider", SAML_API, "trust-policy",
             trust_doc=trust({"Federated": f"arn:aws:iam::{A}:saml-provider/Other"},
                             "sts:AssumeRoleWithSAML"),
             aws_text="Not authorized to perform sts:AssumeRoleWithSAML"),
    SamlCase("trust-has-assume-role-only", SAML_API, "trust-policy",
             trust_doc=trust({"Federated": PROVIDER}, "sts:AssumeRole")),
    SamlCase("saml-aud-must-be-recipient", SAML_KEYS, "trust-policy",
             changes={"recipient": "https://us-east-1.signin.aws.amazon.com/saml"}),
    SamlCase("duration-above-role-max", SAML_API, "duration",
             kwargs={"duration_seconds": 7200},
             aws_text="exceeds the MaxSessionDuration set for this role"),
    SamlCase("duration-within-role-max", SAML_API, "ok", kwargs={"duration_seconds": 7200},
             max_session=7200),
    SamlCase("duration-below-900", SAML_API, "input", kwargs={"duration_seconds": 899}),
    SamlCase("bad-provider-arn", SAML_API, "input",
             kwargs={"provider_arn": f"arn:aws:iam::{A}:oidc-provider/x.example"}),
]  # fmt: skip


@pytest.mark.parametrize("case", SAML_CASES, ids=str)
def test_assume_role_with_saml(case: SamlCase) -> None:
    kwargs: dict[str, Any] = {"provider_issuer": ISSUER, "now": NOW, **case.kwargs}
    provider = kwargs.pop("provider_arn", PROVIDER)
    result = assume_role_with_saml(
        assertion(**case.changes),
        saml_role(case.trust_doc, max_session_seconds=case.max_session),
        provider,
        **kwargs,
    )
    label = f"{case.id} ({case.source})"
    if case.expected == "ok":
        ok(result)
        return
    refusal = denied(result)
    assert refusal.check == case.expected, f"{label}: {refusal.check}: {refusal.message}"
    assert case.aws_text in refusal.aws_error, f"{label}: {refusal.aws_error}"


def test_saml_trust_policy_context_keys() -> None:
    """reference_policies_iam-condition-keys (SAML): saml:aud from Recipient, saml:iss,
    saml:sub, saml:sub_type, saml:doc, saml:namequalifier, and the mapped attributes."""
    edu = attr("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "faculty", "staff")
    refused = denied(
        assume_role_with_saml(
            assertion(extra=(edu,)),
            saml_role(trust({"Federated": "accounts.google.com"}, "sts:AssumeRoleWithSAML")),
            PROVIDER,
            provider_issuer=ISSUER,
            now=NOW,
        )
    )
    assert refused.evaluation is not None
    request = refused.evaluation.request
    assert request.action == "sts:AssumeRoleWithSAML"
    assert request.principal == PROVIDER
    assert request.get("saml:aud") == SIGNIN
    assert request.get("saml:iss") == ISSUER
    assert request.get("saml:sub") == "_cbb88bf52c2510eabe00c1642d4643f41430fe25e3"
    assert request.get("saml:sub_type") == "persistent"
    assert request.get("saml:doc") == f"{A}/Okta"
    assert request.get("saml:namequalifier") == samlmod.name_qualifier(ISSUER, A, "Okta")
    assert request.get("saml:edupersonaffiliation") == ("faculty", "staff")


def test_saml_attribute_conditions_in_trust() -> None:
    """reference_policies_iam-condition-keys: "allow any user whose affiliation is faculty or
    staff (but not student)" with ForAllValues:StringLike on saml:edupersonaffiliation."""
    trust_doc = trust(
        {"Federated": PROVIDER},
        "sts:AssumeRoleWithSAML",
        condition={"ForAllValues:StringLike": {"saml:edupersonaffiliation": ["faculty", "staff"]}},
    )
    staff = attr("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "staff")
    student = attr("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "staff", "student")
    ok(
        assume_role_with_saml(
            assertion(extra=(staff,)),
            saml_role(trust_doc),
            PROVIDER,
            provider_issuer=ISSUER,
            now=NOW,
        )
    )
    refusal = denied(
        assume_role_with_saml(
            assertion(extra=(student,)),
            saml_role(trust_doc),
            PROVIDER,
            provider_issuer=ISSUER,
            now=NOW,
        )
    )
    assert refusal.check == "trust-policy"


@dataclass
class SamlDurationCase:
    id: str
    source: str
    expected: int
    duration_seconds: int | None = None
    session_duration: str | None = None
    session_not_on_or_after: dt.datetime | None = None

    def __str__(self) -> str:
        return self.id


SAML_DURATIONS = [
    SamlDurationCase("default-one-hour", SAML_API, 3600),
    SamlDurationCase("duration-seconds", SAML_API, 7200, duration_seconds=7200),
    SamlDurationCase("session-duration-shortens", ASSERTIONS, 1800, session_duration="1800"),
    SamlDurationCase("session-duration-cannot-extend", ASSERTIONS, 3600,
                     session_duration="43200"),
    SamlDurationCase("shorter-of-parameter-and-attribute", ASSERTIONS, 900,
                     duration_seconds=900, session_duration="1800"),
    SamlDurationCase("session-not-on-or-after-shortens", SAML_API, 1200,
                     session_not_on_or_after=NOW + dt.timedelta(minutes=20)),
]  # fmt: skip


@pytest.mark.parametrize("case", SAML_DURATIONS, ids=str)
def test_saml_session_duration(case: SamlDurationCase) -> None:
    extra = (
        (attr(samlmod.SESSION_DURATION, case.session_duration),) if case.session_duration else ()
    )
    result = ok(
        assume_role_with_saml(
            assertion(extra=extra, session_not_on_or_after=case.session_not_on_or_after),
            saml_role(max_session_seconds=43200),
            PROVIDER,
            provider_issuer=ISSUER,
            now=NOW,
            duration_seconds=case.duration_seconds,
        )
    )
    assert result.duration_seconds == case.expected, f"{case.id} ({case.source})"
    assert result.expires_at == NOW + dt.timedelta(seconds=case.expected)


def test_saml_session_shape_and_surviving_keys() -> None:
    """reference_policies_iam-condition-keys (cross-service SAML keys): only
    saml:namequalifier, saml:sub and saml:sub_type reach later requests; session tags become
    principal tags; the source identity persists; no MFA keys for federated identities."""
    trust_doc = trust(
        {"Federated": PROVIDER},
        ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
    )
    session = ok(
        assume_role_with_saml(
            assertion(
                extra=(
                    attr(samlmod.PRINCIPAL_TAG + "Project", "Unicorn"),
                    attr(samlmod.TRANSITIVE_TAG_KEYS, "Project"),
                    attr(samlmod.SOURCE_IDENTITY, "alice"),
                    attr("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "staff"),
                )
            ),
            saml_role(trust_doc, identity=(parse(allow("s3:GetObject")),)),
            PROVIDER,
            provider_issuer=ISSUER,
            now=NOW,
        )
    )
    assert session.arn == f"arn:aws:sts::{A}:assumed-role/SamlDev/alice@example.com"
    assert session.kind == "assumed-role"
    assert session.via == "AssumeRoleWithSAML"
    assert session.caller_arn == PROVIDER
    assert session.federated_provider == PROVIDER
    context = session.context()
    assert set(session.federation_keys) == {"saml:namequalifier", "saml:sub", "saml:sub_type"}
    assert context["saml:sub_type"] == "persistent"
    assert "saml:edupersonaffiliation" not in {k.lower() for k in context}
    assert context["aws:PrincipalTag/Project"] == "Unicorn"
    assert context["aws:SourceIdentity"] == "alice"
    assert "aws:MultiFactorAuthPresent" not in context
    assert "aws:FederatedProvider" not in context  # documented for OIDC sessions only
    assert session.evaluate("s3:GetObject", OBJ).allowed
    assert session.transitive_tag_keys == ("Project",)


def test_chaining_from_a_saml_session() -> None:
    """id_roles_terms-and-concepts: a SAML session that assumes another role is role chaining
    (one hour at most); transitive tags, the source identity and saml:sub follow."""
    trust_doc = trust(
        {"Federated": PROVIDER},
        ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"],
    )
    first = ok(
        assume_role_with_saml(
            assertion(
                extra=(
                    attr(samlmod.PRINCIPAL_TAG + "Project", "Unicorn"),
                    attr(samlmod.TRANSITIVE_TAG_KEYS, "Project"),
                    attr(samlmod.SOURCE_IDENTITY, "alice"),
                )
            ),
            saml_role(
                trust_doc, identity=(parse(allow(["sts:AssumeRole", "sts:SetSourceIdentity"])),)
            ),
            PROVIDER,
            provider_issuer=ISSUER,
            now=NOW,
        )
    )
    # The source identity passes on, so the next role's trust policy must allow
    # sts:SetSourceIdentity too (id_credentials_temp_control-access_monitor).
    target = RoleSpec(
        f"arn:aws:iam::{A}:role/Next",
        parse(
            trust(
                aws(ROLE_ARN),
                ["sts:AssumeRole", "sts:SetSourceIdentity"],
                condition={"StringEquals": {"saml:sub_type": "persistent"}},
            ),
            PolicyType.TRUST,
        ),
        max_session_seconds=43200,
    )
    too_long = denied(
        assume_role(first.as_caller(), target, "next", now=NOW, duration_seconds=7200)
    )
    assert too_long.check == "duration"
    second = ok(assume_role(first.as_caller(), target, "next", now=NOW))
    assert second.chained
    assert second.tags == {"Project": "Unicorn"}
    assert second.source_identity == "alice"


# --- 3. AssumeRoleWithWebIdentity ---------------------------------------------------------


GITHUB = "token.actions.githubusercontent.com"
GITHUB_PROVIDER = f"arn:aws:iam::{A}:oidc-provider/{GITHUB}"
WEB_ROLE = f"arn:aws:iam::{A}:role/Deploy"
EXP = int((NOW + dt.timedelta(minutes=10)).timestamp())


def github_claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": f"https://{GITHUB}",
        "aud": "sts.amazonaws.com",
        "sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
        "repository": "octo-org/octo-repo",
        "exp": EXP,
        "iat": EXP - 600,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


GITHUB_TRUST = trust(
    {"Federated": GITHUB_PROVIDER},
    "sts:AssumeRoleWithWebIdentity",
    condition={
        "StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"},
        "StringLike": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:*"},
    },
)


def web_role(trust_doc: Doc | None = None, **kw: Any) -> RoleSpec:
    return RoleSpec(WEB_ROLE, parse(trust_doc or GITHUB_TRUST, PolicyType.TRUST), **kw)


@dataclass
class WebCase:
    id: str
    source: str
    expected: str
    claims: dict[str, Any] = field(default_factory=github_claims)
    kwargs: dict[str, Any] = field(default_factory=dict)
    trust_doc: Doc | None = None
    aws_text: str = ""

    def __str__(self) -> str:
        return self.id


WEB_CASES = [
    WebCase("github-valid", WIF_KEYS, "ok"),
    WebCase("issuer-other-provider", WEB_API, "provider",
            claims=github_claims(iss="https://gitlab.com"),
            aws_text="No OpenIDConnect provider found in your account for https://gitlab.com"),
    WebCase("audience-not-registered", WEB_API, "token",
            claims=github_claims(aud="my-app"), aws_text="Incorrect token audience"),
    WebCase("audience-list-one-registered", WEB_API, "ok",
            claims=github_claims(aud=["other", "sts.amazonaws.com"])),
    WebCase("expired", WEB_API, "token", claims=github_claims(exp=int(NOW.timestamp())),
            aws_text="Token expired"),
    WebCase("no-exp", WEB_API, "token", claims=github_claims(exp=None)),
    WebCase("no-sub", WEB_API, "token", claims=github_claims(sub=None)),
    WebCase("sub-other-repo", WIF_KEYS, "trust-policy",
            claims=github_claims(sub="repo:evil/repo:ref:refs/heads/main"),
            aws_text="Not authorized to perform sts:AssumeRoleWithWebIdentity"),
    WebCase("custom-claim-condition", WIF_KEYS, "ok",
            trust_doc=trust({"Federated": GITHUB_PROVIDER}, "sts:AssumeRoleWithWebIdentity",
                            condition={"StringEquals": {f"{GITHUB}:repository":
                                                        "octo-org/octo-repo"}})),
    WebCase("trust-names-google", WEB_API, "trust-policy",
            trust_doc=trust({"Federated": "accounts.google.com"},
                            "sts:AssumeRoleWithWebIdentity")),
    WebCase("tags-need-tag-session", TAGS, "tag-session",
            claims=github_claims(**{"https://aws.amazon.com/tags": {
                "principal_tags": {"Project": ["Automation"]}}})),
    WebCase("nested-tags-with-tag-session", TAGS, "ok",
            claims=github_claims(**{"https://aws.amazon.com/tags": {
                "principal_tags": {"Project": ["Automation"]},
                "transitive_tag_keys": ["Project"]}}),
            trust_doc=trust({"Federated": GITHUB_PROVIDER},
                            ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"])),
    WebCase("tag-with-two-values", TAGS, "token",
            claims=github_claims(**{"https://aws.amazon.com/tags": {
                "principal_tags": {"Project": ["a", "b"]}}})),
    WebCase("session-name-bad", WEB_API, "input", kwargs={"session_name": "a b"}),
    WebCase("duration-above-role-max", WEB_API, "duration",
            kwargs={"duration_seconds": 7200}),
    WebCase("unknown-provider", WEB_API, "input", kwargs={"provider": "login.example.com"}),
]  # fmt: skip


@pytest.mark.parametrize("case", WEB_CASES, ids=str)
def test_assume_role_with_web_identity(case: WebCase) -> None:
    kwargs: dict[str, Any] = {
        "provider": GITHUB_PROVIDER,
        "provider_client_ids": ("sts.amazonaws.com",),
        "now": NOW,
        **case.kwargs,
    }
    session_name = kwargs.pop("session_name", "gha-run-1")
    result = assume_role_with_web_identity(
        case.claims, web_role(case.trust_doc), session_name, **kwargs
    )
    label = f"{case.id} ({case.source})"
    if case.expected == "ok":
        ok(result)
        return
    refusal = denied(result)
    assert refusal.check == case.expected, f"{label}: {refusal.check}: {refusal.message}"
    assert case.aws_text in refusal.aws_error, f"{label}: {refusal.aws_error}"


def test_web_identity_keys_and_session() -> None:
    """reference_policies_condition-keys aws:FederatedProvider: the provider ARN for an IAM
    OIDC provider, in the trust evaluation and in the session; the session keeps aud and sub
    but not other claims ("Available in session")."""
    session = ok(
        assume_role_with_web_identity(
            github_claims(),
            web_role(identity=(parse(allow("s3:GetObject")),)),
            "gha-run-1",
            provider=GITHUB_PROVIDER,
            provider_client_ids=("sts.amazonaws.com",),
            now=NOW,
        )
    )
    context = session.context()
    assert context["aws:FederatedProvider"] == GITHUB_PROVIDER
    assert context[f"{GITHUB}:sub"] == "repo:octo-org/octo-repo:ref:refs/heads/main"
    assert context[f"{GITHUB}:aud"] == "sts.amazonaws.com"
    assert f"{GITHUB}:repository" not in context
    assert "aws:MultiFactorAuthPresent" not in context
    assert session.via == "AssumeRoleWithWebIdentity"
    assert session.evaluate("s3:GetObject", OBJ).allowed
    assert session.credential_refusal("sts:GetSessionToken") is not None


def test_google_aud_is_azp_when_set() -> None:
    """reference_policies_iam-condition-keys: accounts.google.com:aud is azp when set, and
    accounts.google.com:oaud is the token's aud."""
    claims = {
        "iss": "https://accounts.google.com",
        "aud": "web-client.apps.googleusercontent.com",
        "azp": "android-client.apps.googleusercontent.com",
        "sub": "110169484474386276334",
        "exp": EXP,
    }
    trust_doc = trust(
        {"Federated": "accounts.google.com"},
        "sts:AssumeRoleWithWebIdentity",
        condition={
            "StringEquals": {
                "accounts.google.com:aud": "android-client.apps.googleusercontent.com",
                "accounts.google.com:oaud": "web-client.apps.googleusercontent.com",
                "accounts.google.com:sub": "110169484474386276334",
            }
        },
    )
    session = ok(
        assume_role_with_web_identity(
            claims, web_role(trust_doc), "app1", provider="accounts.google.com", now=NOW
        )
    )
    assert session.context()["aws:FederatedProvider"] == "accounts.google.com"
    no_azp = {k: v for k, v in claims.items() if k != "azp"}
    refusal = denied(
        assume_role_with_web_identity(
            no_azp, web_role(trust_doc), "app1", provider="accounts.google.com", now=NOW
        )
    )
    assert refusal.check == "trust-policy"


COGNITO = "cognito-identity.amazonaws.com"
POOL = "us-east-1:12345678-abcd-abcd-abcd-123456790ab"
COGNITO_TRUST = trust(
    {"Federated": COGNITO},
    "sts:AssumeRoleWithWebIdentity",
    condition={
        "StringEquals": {f"{COGNITO}:aud": POOL},
        "ForAnyValue:StringLike": {f"{COGNITO}:amr": "authenticated"},
    },
)


@pytest.mark.parametrize(
    ("amr", "allowed"),
    [
        (["authenticated", "graph.facebook.com", "graph.facebook.com:123"], True),
        (["unauthenticated"], False),
        ("authenticated", True),
    ],
    ids=["authenticated-via-facebook", "unauthenticated", "amr-as-one-string"],
)
def test_cognito_identity_pool(amr: Any, allowed: bool) -> None:
    """reference_policies_iam-condition-keys (Amazon Cognito): amr is multivalued,
    "authenticated" plus the login provider, or only "unauthenticated"; the trust policy tests
    it with ForAnyValue; cognito-identity.amazonaws.com:aud is the identity pool."""
    claims = {
        "iss": f"https://{COGNITO}",
        "aud": POOL,
        "sub": "us-east-1:98765432-1234-1234-1243-123456790ab",
        "amr": amr,
        "exp": EXP,
    }
    result = assume_role_with_web_identity(
        claims, web_role(COGNITO_TRUST), "cognito-user", provider=COGNITO, now=NOW
    )
    if allowed:
        session = ok(result)
        context = session.context()
        assert context["aws:FederatedProvider"] == COGNITO
        assert isinstance(context[f"{COGNITO}:amr"], tuple)
        assert set(session.federation_keys) == {f"{COGNITO}:{c}" for c in ("amr", "aud", "sub")}
    else:
        assert denied(result).check == "trust-policy"


def test_facebook_access_token_keys() -> None:
    """reference_policies_iam-condition-keys (Facebook): graph.facebook.com:app_id and :id,
    both available in the session; an OAuth access token has no issuer to check."""
    trust_doc = trust(
        {"Federated": "graph.facebook.com"},
        "sts:AssumeRoleWithWebIdentity",
        condition={"StringEquals": {"graph.facebook.com:app_id": "4223"}},
    )
    session = ok(
        assume_role_with_web_identity(
            {"app_id": "4223", "id": "10153"},
            web_role(trust_doc),
            "fb-user",
            provider="graph.facebook.com",
            now=NOW,
        )
    )
    assert session.context()["graph.facebook.com:id"] == "10153"
    assert session.federated_provider == "graph.facebook.com"


def test_flattened_tags_and_source_identity_claims() -> None:
    """id_session-tags (flattened claim format) and id_credentials_temp_control-access_monitor:
    tags and the source identity come from the token."""
    claims = github_claims(
        **{
            "https://aws.amazon.com/tags/principal_tags/Project": "Automation",
            "https://aws.amazon.com/tags/transitive_tag_keys": ["Project"],
            "https://aws.amazon.com/source_identity": "octocat",
        }
    )
    trust_doc = doc(
        stmt(
            "Allow",
            ["sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity"],
            None,
            principal={"Federated": GITHUB_PROVIDER},
        )
    )
    session = ok(
        assume_role_with_web_identity(
            claims,
            web_role(trust_doc),
            "run",
            provider=GITHUB_PROVIDER,
            provider_client_ids=("sts.amazonaws.com",),
            now=NOW,
        )
    )
    assert session.tags == {"Project": "Automation"}
    assert session.transitive_tag_keys == ("Project",)
    assert session.source_identity == "octocat"
    no_permission = denied(
        assume_role_with_web_identity(
            claims,
            web_role(trust({"Federated": GITHUB_PROVIDER}, ["sts:AssumeRoleWithWebIdentity",
                                                            "sts:TagSession"])),
            "run",
            provider=GITHUB_PROVIDER,
            provider_client_ids=("sts.amazonaws.com",),
            now=NOW,
        )
    )  # fmt: skip
    assert no_permission.check == "source-identity"
