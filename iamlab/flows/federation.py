"""Federation and temporary credentials in a sandbox: the simulated identity providers, the
custom identity broker, GetSessionToken and the IAM Identity Center access portal.

The engine (:mod:`iamlab.policy.sts`) decides; this module builds what the engine reads from
the sandbox (the SAML assertion a corporate identity provider would issue, the claims of a
web identity token, the broker's and the user's caller specs) and keeps the sessions issued
(:mod:`iamlab.sandbox.sessions`).

Documented choices:

* A SAML provider's issuer is the ``entityID`` of its metadata; a provider without metadata
  (Identity Center's ``AWSSSO_..._DO_NOT_DELETE`` provider, whose metadata AWS keeps) uses
  :data:`IDENTITY_CENTER_ISSUER` for Identity Center and :data:`DEFAULT_SAML_ISSUER` otherwise.
* Nothing is signed: AWS checks the assertion's XML signature with the keys in the provider's
  metadata; iamlab compares the issuers instead (see :func:`iamlab.policy.assume_role_with_saml`).
* The access portal signs the user in with a SAML assertion built here, as Identity Center does
  behind the scenes, and the role session is named after the user's user name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from iamlab.policy import (
    CallerSpec,
    FederatedUserSession,
    Policy,
    StsDenied,
    UserSession,
    assume_role_with_saml,
    assume_role_with_web_identity,
    get_federation_token,
    get_session_token,
)
from iamlab.policy.jsonsource import loads
from iamlab.policy.saml import (
    PRINCIPAL_TAG,
    ROLE,
    ROLE_SESSION_NAME,
    SESSION_DURATION,
    SamlAssertion,
    SamlAttribute,
    SamlError,
    parse_saml_response,
    render_saml_response,
)
from iamlab.policy.sts import fresh_token_claims
from iamlab.sandbox import models, sessions
from iamlab.sandbox.world import World

SIGNIN_SAML = "https://signin.aws.amazon.com/saml"
DEFAULT_SAML_ISSUER = "urn:iamlab:corporate-idp"
IDENTITY_CENTER_ISSUER = "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/{instance}"
ASSERTION_LIFETIME = dt.timedelta(minutes=5)
_ENTITY_ID = re.compile(r"""entityID\s*=\s*["']([^"']+)["']""")

# What Identity Center provides (the seed's list, reworded).
IDENTITY_CENTER_PROVIDES = (
    "One place to manage your workforce's access to all the accounts of your organization.",
    "Users and groups in Identity Center's own directory, or from your identity provider "
    "(Microsoft Entra ID, Okta, Active Directory...) kept in sync.",
    "Permission sets: templates of permissions it provisions as roles in each account you "
    "assign them to.",
    "An access portal where people sign in once and choose an account and a permission set.",
    "Temporary credentials only: no long-term access keys for people, and MFA at sign-in.",
)

# The built-in web identity providers AssumeRoleWithWebIdentity accepts without an IAM OIDC
# provider (API_AssumeRoleWithWebIdentity), with what a learner recognizes them by.
BUILT_IN_PROVIDERS = (
    ("cognito-identity.amazonaws.com", "Amazon Cognito identity pool"),
    ("accounts.google.com", "Google"),
    ("graph.facebook.com", "Facebook"),
    ("www.amazon.com", "Login with Amazon"),
)


# -- SAML ---------------------------------------------------------------------------------------


def provider_issuer(provider: models.IdentityProvider) -> str:
    """The issuer (entity ID) STS expects in assertions from this SAML provider."""
    found = _ENTITY_ID.search(provider.metadata or "")
    if found is not None:
        return found.group(1)
    if provider.managed_by == "identity-center":
        org = models.Organization.objects.filter(sandbox_id=provider.sandbox_id).first()
        instance = org.sso_instance_id if org is not None and org.sso_instance_id else "ssoins"
        return IDENTITY_CENTER_ISSUER.format(instance=instance)
    return DEFAULT_SAML_ISSUER


def saml_providers(sandbox: models.Sandbox) -> list[models.IdentityProvider]:
    """The sandbox's own SAML providers (not Identity Center's)."""
    return list(
        models.IdentityProvider.objects.filter(sandbox=sandbox, kind="saml")
        .exclude(managed_by="identity-center")
        .select_related("account")
    )


def roles_trusting(sandbox: models.Sandbox, arn_or_host: str) -> list[models.Role]:
    """Roles whose trust policy names this provider (by ARN or host name)."""
    return list(
        models.Role.objects.filter(sandbox=sandbox, trust_policy__contains=arn_or_host)
        .select_related("account")
        .order_by("account__name", "name")
    )


def build_assertion(
    *,
    issuer: str,
    role_arn: str,
    provider_arn: str,
    subject: str,
    session_name: str,
    now: dt.datetime,
    session_duration: int | None = None,
    tags: dict[str, str] | None = None,
) -> SamlAssertion:
    attributes = [
        SamlAttribute(ROLE, (f"{role_arn},{provider_arn}",)),
        SamlAttribute(ROLE_SESSION_NAME, (session_name,)),
    ]
    if session_duration:
        attributes.append(SamlAttribute(SESSION_DURATION, (str(session_duration),)))
    for key, value in (tags or {}).items():
        attributes.append(SamlAttribute(PRINCIPAL_TAG + key, (value,)))
    return SamlAssertion(
        issuer=issuer,
        subject=subject,
        recipient=SIGNIN_SAML,
        subject_not_on_or_after=now + ASSERTION_LIFETIME,
        not_before=now - dt.timedelta(seconds=1),
        not_on_or_after=now + ASSERTION_LIFETIME,
        attributes=tuple(attributes),
    )


def render(assertion: SamlAssertion, now: dt.datetime) -> str:
    return render_saml_response(assertion, issue_instant=now)


@dataclass
class Outcome:
    """What a flow answered: a session kept in the sandbox, STS's refusal, or why the input
    could not be read (``problem``; with ``line`` / ``column`` for XML and JSON)."""

    row: models.StsSession | None = None
    denied: StsDenied | None = None
    problem: str = ""
    line: int | None = None
    column: int | None = None
    assertion: SamlAssertion | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def saml_sign_in(
    sandbox: models.Sandbox,
    world: World,
    who: sessions.Identity,
    role: models.Role,
    provider: models.IdentityProvider,
    xml_text: str,
    *,
    via: str = "saml",
    duration_seconds: int | None = None,
) -> Outcome:
    """AssumeRoleWithSAML with the assertion the learner sends. The PrincipalArn is the
    provider the assertion's Role attribute pairs with ``role`` (the sign-in page posts that
    pair), else ``provider``."""
    parsed = parse_saml_response(xml_text)
    if isinstance(parsed, SamlError):
        return Outcome(problem=parsed.message, line=parsed.line, column=parsed.column)
    provider_arn = next((p for r, p in parsed.role_pairs() if r == role.arn), provider.arn)
    named = (
        models.IdentityProvider.objects.filter(sandbox=sandbox, kind="saml")
        .select_related("account")
        .all()
    )
    match = next((p for p in named if p.arn == provider_arn), None)
    info = world.principal(f"role:{role.pk}")
    if info is None or info.trust is None:
        return Outcome(problem=f"Role {role.name} has no valid trust policy.", assertion=parsed)
    result = assume_role_with_saml(
        parsed,
        world.role_spec(info),
        provider_arn,
        provider_issuer=provider_issuer(match) if match is not None else None,
        now=sandbox.now(),
        duration_seconds=duration_seconds,
    )
    if isinstance(result, StsDenied):
        return Outcome(denied=result, assertion=parsed)
    row = sessions.record(sandbox, result, role, via=via, origin=who)
    return Outcome(row=row, assertion=parsed)


# -- Identity Center access portal ---------------------------------------------------------------


@dataclass(frozen=True)
class PortalEntry:
    assignment: models.AccountAssignment
    role: models.Role | None
    through: str  # "directly" or "through group NAME"


def portal_entries(sandbox: models.Sandbox, user: models.SsoUser) -> list[PortalEntry]:
    """The accounts and permission sets assigned to ``user``, directly or through a group."""
    groups = list(user.groups.filter(sandbox=sandbox))
    qs = (
        models.AccountAssignment.objects.filter(sandbox=sandbox)
        .filter(Q(sso_user=user) | Q(sso_group__in=groups))
        .select_related("permission_set", "account", "sso_group")
        .order_by("account__name", "permission_set__name")
    )
    provisioned = {
        (r.account_id, r.permission_set_id): r
        for r in models.Role.objects.filter(sandbox=sandbox, permission_set__isnull=False)
    }
    seen: set[tuple[int, int]] = set()
    entries = []
    for assignment in qs:
        pair = (assignment.account_id, assignment.permission_set_id)
        if pair in seen:
            continue
        seen.add(pair)
        role = provisioned.get(pair)
        through = (
            "directly"
            if assignment.sso_user_id
            else f"through group {assignment.sso_group.name if assignment.sso_group else ''}"
        )
        entries.append(PortalEntry(assignment, role, through))
    return entries


def portal_sign_in(
    sandbox: models.Sandbox,
    world: World,
    who: sessions.Identity,
    user: models.SsoUser,
    entry: PortalEntry,
) -> Outcome:
    """The portal's "Access keys" / console link: AssumeRoleWithSAML into the provisioned
    ``AWSReservedSSO_`` role with an assertion Identity Center builds."""
    role = entry.role
    if role is None:
        return Outcome(
            problem="The permission set is assigned but its role is not provisioned in the "
            "account; reprovision the permission set."
        )
    provider = models.IdentityProvider.objects.filter(
        sandbox=sandbox, account=role.account, managed_by="identity-center"
    ).first()
    if provider is None:
        return Outcome(problem="Identity Center's SAML provider is missing from the account.")
    now = sandbox.now()
    duration = entry.assignment.permission_set.session_duration
    assertion = build_assertion(
        issuer=provider_issuer(provider),
        role_arn=role.arn,
        provider_arn=provider.arn,
        subject=user.email or user.user_name,
        session_name=user.user_name,
        now=now,
    )
    xml = render(assertion, now)
    outcome = saml_sign_in(
        sandbox, world, who, role, provider, xml, via="portal", duration_seconds=duration
    )
    outcome.extra["xml"] = xml
    return outcome


# -- web identity -------------------------------------------------------------------------------


def oidc_providers(sandbox: models.Sandbox) -> list[models.IdentityProvider]:
    return list(
        models.IdentityProvider.objects.filter(sandbox=sandbox, kind="oidc").select_related(
            "account"
        )
    )


def default_claims(
    provider: str, client_ids: list[str], role: models.Role | None, now: dt.datetime
) -> dict[str, Any]:
    """A plausible token from this provider for a signed-in person or workflow."""
    if provider == "cognito-identity.amazonaws.com":
        pool = "us-east-1:8c7a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e2f"
        return {
            **fresh_token_claims(provider, [pool], now),
            "sub": "us-east-1:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "amr": ["authenticated", "accounts.google.com"],
        }
    if provider == "accounts.google.com":
        client = "123456789012-example.apps.googleusercontent.com"
        return {
            **fresh_token_claims(provider, [client], now),
            "sub": "110169484474386276334",
            "email": "player@example.com",
        }
    if provider == "graph.facebook.com":
        return {"app_id": "1234567890123456", "id": "10153456789012345"}
    if provider == "www.amazon.com":
        return {"app_id": "amzn1.application.0123456789abcdef", "user_id": "amzn1.account.ABC"}
    claims = {**fresh_token_claims(provider, client_ids, now), "sub": "user-1234"}
    if provider == "token.actions.githubusercontent.com":
        claims["sub"] = "repo:example-corp/web-app:ref:refs/heads/main"
        claims["repository"] = "example-corp/web-app"
        claims["ref"] = "refs/heads/main"
    return claims


def parse_claims(text: str) -> tuple[dict[str, Any] | None, str, int | None, int | None]:
    """The token's claims, or a message with the line and column of the JSON problem."""
    if not text.strip():
        return None, "Enter the token's claims as a JSON object.", None, None
    try:
        value = loads(text)
    except json.JSONDecodeError as exc:
        return None, f"The claims are not valid JSON: {exc.msg}.", exc.lineno, exc.colno
    if not isinstance(value, dict):
        return None, "The claims must be one JSON object: { ... }.", 1, 1
    return value, "", None, None


def web_identity_sign_in(
    sandbox: models.Sandbox,
    world: World,
    who: sessions.Identity,
    role: models.Role,
    provider: str,
    client_ids: list[str],
    claims: dict[str, Any],
    session_name: str,
) -> Outcome:
    info = world.principal(f"role:{role.pk}")
    if info is None or info.trust is None:
        return Outcome(problem=f"Role {role.name} has no valid trust policy.")
    result = assume_role_with_web_identity(
        claims,
        world.role_spec(info),
        session_name,
        provider=provider,
        provider_client_ids=client_ids,
        now=sandbox.now(),
    )
    if isinstance(result, StsDenied):
        return Outcome(denied=result)
    return Outcome(row=sessions.record(sandbox, result, role, via="web-identity", origin=who))


# -- GetSessionToken and GetFederationToken -----------------------------------------------------


def mfa_devices(
    sandbox: models.Sandbox, user: models.IamUser | None, account: models.Account
) -> list[tuple[models.MfaDevice, str]]:
    """The user's (or root user's) TOTP devices with the code each shows now. Passkeys and
    security keys cannot be used with the API (id_credentials_mfa_fido_supported_configurations)."""
    qs = models.MfaDevice.objects.filter(sandbox=sandbox, account=account, user=user).exclude(
        kind="passkey"
    )
    now = sandbox.now()
    return [(d, sessions.mfa_code(d, now)) for d in qs.select_related("account")]


def token_holder(
    sandbox: models.Sandbox, who: sessions.Identity
) -> tuple[models.IamUser | None, models.Account] | None:
    """The IAM user (None: the root user) and account of a long-term identity."""
    kind, _, rest = who.key.partition(":")
    pk = rest.split(":")[0]
    if not pk.isdigit():
        return None
    if kind == "user":
        user = (
            models.IamUser.objects.filter(sandbox=sandbox, pk=int(pk))
            .select_related("account")
            .first()
        )
        return (user, user.account) if user is not None else None
    if kind == "root":
        account = models.Account.objects.filter(sandbox=sandbox, pk=int(pk)).first()
        return (None, account) if account is not None else None
    return None


def caller_mfa_devices(
    sandbox: models.Sandbox, who: sessions.Identity
) -> list[tuple[models.MfaDevice, str]]:
    """The MFA devices an API call made as ``who`` can name in SerialNumber: those of the IAM
    user (or root user) behind long-term credentials or GetSessionToken credentials, each with
    the code it shows now ("" for a passkey or security key, which the API cannot use). A
    role session has none: MFA devices belong to users (API_AssumeRole, SerialNumber)."""
    holder = token_holder(sandbox, who)
    row = who.session
    if holder is None and row is not None and row.kind == "session-token":
        holder = (row.user, row.account)
    if holder is None:
        return []
    user, account = holder
    now = sandbox.now()
    qs = models.MfaDevice.objects.filter(sandbox=sandbox, account=account, user=user)
    return [
        (d, "" if d.kind == "passkey" else sessions.mfa_code(d, now))
        for d in qs.select_related("account")
    ]


SAMPLE_CALLS = (
    ("iam:ListUsers", "an IAM API operation"),
    ("iam:CreateAccessKey", "an IAM API operation"),
    ("sts:AssumeRole", "switch to a role"),
    ("sts:GetCallerIdentity", "who am I?"),
    ("sts:GetFederationToken", "act as an identity broker"),
    ("s3:ListAllMyBuckets", "any other service"),
)


def session_token(
    sandbox: models.Sandbox,
    world: World,
    who: sessions.Identity,
    *,
    duration_seconds: int | None,
    serial: str | None,
    code: str | None,
) -> Outcome:
    holder = token_holder(sandbox, who)
    if holder is None:
        return Outcome(
            problem="GetSessionToken is called with an IAM user's (or the root user's) "
            "long-term credentials: sign in as one first."
        )
    user, account = holder
    caller: CallerSpec = sessions.caller_for(sandbox, world, who)
    devices = {d.serial: c for d, c in mfa_devices(sandbox, user, account)}
    caller = dataclasses.replace(caller, mfa_devices=devices)
    result = get_session_token(
        caller,
        now=sandbox.now(),
        duration_seconds=duration_seconds,
        serial_number=serial,
        token_code=code,
    )
    if isinstance(result, StsDenied):
        return Outcome(denied=result)
    row = sessions.record_token(sandbox, result, origin=who, user=user, account=account)
    return Outcome(row=row, extra={"session": result, "calls": refusals(result)})


def refusals(session: UserSession | FederatedUserSession) -> list[tuple[str, str, str | None]]:
    return [(action, what, session.credential_refusal(action)) for action, what in SAMPLE_CALLS]


def federation_token(
    sandbox: models.Sandbox,
    world: World,
    who: sessions.Identity,
    broker: models.IamUser,
    name: str,
    policy_text: str,
    policy: Policy | None,
    duration_seconds: int | None,
    sample_action: str,
    sample_resource: str,
    region: str | None = None,
    context: dict[str, Any] | None = None,
) -> Outcome:
    """GetFederationToken as ``broker``; then the sample call (to ``region``, with the extra
    ``context`` keys) as the broker and as the federated user, to show the intersection."""
    info = world.principal(f"user:{broker.pk}")
    if info is None:
        return Outcome(problem=f"IAM user {broker.name} is not in this sandbox any more.")
    caller = world.caller_spec(info)
    result = get_federation_token(
        caller,
        name,
        now=sandbox.now(),
        duration_seconds=duration_seconds,
        session_policy=policy,
    )
    if isinstance(result, StsDenied):
        return Outcome(denied=result)
    row = sessions.record_token(
        sandbox, result, origin=who, user=broker, account=broker.account, session_policy=policy_text
    )
    extra: dict[str, Any] = {"session": result, "calls": refusals(result)}
    if sample_action:
        extra["as_broker"] = world.check(
            info, sample_action, sample_resource or "*", context, region=region
        )
        extra["as_federated"] = world.check_session(
            result, info, sample_action, sample_resource or "*", context, region, at=sandbox.now()
        )
    return Outcome(row=row, extra=extra)
