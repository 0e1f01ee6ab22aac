"""AssumeRoleWithSAML and AssumeRoleWithWebIdentity: a role session for a user of a SAML or
OIDC identity provider; the provider is the caller the trust policy names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..evaluate import Evaluation, evaluate
from ..model import Policy
from ..request import Request
from ..saml import ATTR_PREFIX, SamlAssertion, name_qualifier
from .assume import _condition_refused, _duration_problem, _side
from .inputs import _SESSION_NAME, MAX_DURATION, MIN_DURATION, RoleSpec, _hashed_id, _iso, _utc
from .sessions import ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY, Session, StsDenied
from .validation import (
    _check_length,
    _validate_duration,
    _validate_policies,
    _validate_source_identity,
    _validate_tags,
    _validation,
)

# --- AssumeRoleWithSAML and AssumeRoleWithWebIdentity -----------------------------------------


_SAML_PROVIDER_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):saml-provider/([\w.-]+)", re.ASCII)
_OIDC_PROVIDER_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):oidc-provider/(\S+)", re.ASCII)
_SIGNIN = re.compile(
    r"https://(?:[a-z0-9-]+\.)?signin\.(?:aws\.amazon\.com|amazonaws-us-gov\.com|amazonaws\.cn)"
    r"/(?:static/)?saml(?:/acs/[\w-]+)?/?"
)
_SOURCE_IDENTITY_SAML = re.compile(r"[a-zA-Z_0-9+=,.@-]{2,256}")
BUILT_IN_WEB_IDENTITY_PROVIDERS = (
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "cognito-identity.amazonaws.com",
)
_OAUTH_PROVIDERS = ("graph.facebook.com", "www.amazon.com")  # access tokens, not ID tokens
_JWT_REGISTERED = frozenset(
    {"iss", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "at_hash", "c_hash", "azp"}
)
_SURVIVING_CLAIMS = ("amr", "aud", "sub", "id", "app_id", "user_id")
_TAGS_CLAIM = "https://aws.amazon.com/tags"
_SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"


def _token_problem(message: str, aws_error: str, check: str = "token") -> StsDenied:
    return StsDenied(check, message, aws_error)


def _federated_denied(
    main: str, action: str, check: str | None, provider: str, role: RoleSpec, evaluation: Evaluation
) -> StsDenied:
    """troubleshoot_saml: the trust policy's refusal is "Not authorized to perform
    sts:AssumeRoleWithSAML", also when sts:TagSession or sts:SetSourceIdentity is missing."""
    side = _side(evaluation)
    if side == "rcp":
        what = f"A resource control policy of account {role.account} does not allow {action}."
    else:
        side = "trust-policy"
        what = (
            f"The trust policy of role {role.name} names identity provider {provider}, but a "
            f"condition of it is not met for {action}"
            if _condition_refused(evaluation)
            else f"The trust policy of role {role.name} does not allow users of identity provider "
            f"{provider} to call {action}"
            + (" (needed to pass session tags)." if action == "sts:TagSession" else "")
            + (" (needed to set a source identity)." if action == "sts:SetSourceIdentity" else "")
            + ("." if action == main else "")
        )
    return StsDenied(
        check or ("rcp" if side == "rcp" else "trust-policy"),
        f"{what} {evaluation.reason}",
        f"AccessDenied: Not authorized to perform {main}",
        evaluation,
        side=side,
    )


def _assume_federated(
    *,
    operation: str,
    provider: str,
    role: RoleSpec,
    session_name: str,
    context: dict[str, Any],
    tags: Mapping[str, str],
    transitive: tuple[str, ...],
    source_identity: str | None,
    time: dt.datetime,
    duration: int,
    session_policy: Policy | None,
    policy_arns: tuple[Policy, ...],
    federation_keys: Mapping[str, str | tuple[str, ...]],
    requested_duration: int,
) -> Session | StsDenied:
    """The part AssumeRoleWithSAML and AssumeRoleWithWebIdentity share: the trust policy (the
    provider is the caller), sts:TagSession and sts:SetSourceIdentity, the duration."""
    main = f"sts:{operation}"
    if tags:
        context["aws:TagKeys"] = tuple(tags)
        for key, value in tags.items():
            context[f"aws:RequestTag/{key}"] = value
    if transitive:
        context["sts:TransitiveTagKeys"] = transitive
    if source_identity is not None:
        context["sts:SourceIdentity"] = source_identity
    steps: list[tuple[str, str | None]] = [(main, None)]
    if tags:
        steps.append(("sts:TagSession", "tag-session"))
    if source_identity is not None:
        steps.append(("sts:SetSourceIdentity", "source-identity"))
    for action, check in steps:
        request = Request(provider, action, role.arn, context=context, time=time)
        evaluation = evaluate(request, resource_policy=role.trust, rcps=role.rcps)
        if not evaluation.allowed:
            return _federated_denied(main, action, check, provider, role, evaluation)
    problem = _duration_problem(role, requested_duration, None, "")
    if problem is not None:
        return problem
    policies = ((session_policy,) if session_policy is not None else ()) + policy_arns
    return Session(
        arn=f"arn:{role.partition}:sts::{role.account}:assumed-role/{role.name}/{session_name}",
        role=role,
        session_name=session_name,
        access_key_id=_hashed_id(
            "ASIA", 16, operation, provider, role.arn, session_name, time.isoformat()
        ),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration),
        duration_seconds=duration,
        session_policies=policies,
        tags=dict(tags),
        source_identity=source_identity,
        chained=False,
        caller_arn=provider,
        via=operation,
        federated_provider=provider,
        federation_keys=dict(federation_keys),
        transitive_tag_keys=transitive,
    )


def assume_role_with_saml(
    assertion: SamlAssertion,
    role: RoleSpec,
    provider_arn: str,
    *,
    provider_issuer: str | None,
    now: dt.datetime,
    duration_seconds: int | None = None,
    session_policy: Policy | None = None,
    policy_arns: Sequence[Policy] = (),
) -> Session | StsDenied:
    """What ``aws sts assume-role-with-saml`` answers for ``assertion`` (already parsed with
    :func:`~iamlab.policy.saml.parse_saml_response`).

    ``provider_arn`` is the PrincipalArn parameter; ``provider_issuer`` the issuer (entity ID)
    in the metadata of that SAML provider in IAM, or None if the account has no such provider.

    Sources: API_AssumeRoleWithSAML, id_roles_providers_create_saml_assertions,
    reference_policies_iam-condition-keys (SAML keys), troubleshoot_saml (the error texts),
    id_session-tags. Checks, in this order (documented choice):

    1. the parameters' syntax (DurationSeconds 900-43200, session policies);
    2. the provider exists ("Specified provider doesn't exist."), and the assertion's Issuer is
       the provider's issuer. This stands in for the signature check AWS makes with the keys of
       the provider's metadata: iamlab's assertions are not signed (AWS: "Issuer not present in
       specified provider");
    3. the assertion's times: SubjectConfirmationData NotOnOrAfter, Conditions NotBefore and
       NotOnOrAfter, AuthnStatement SessionNotOnOrAfter (no clock-skew allowance);
    4. the Recipient is an AWS sign-in endpoint and the Audience is AWS
       ("urn:amazon:webservices" or a sign-in endpoint): "Response does not contain the
       required audience.";
    5. the Role attribute offers this role with this provider (either order in each value;
       no value with spaces around the ARNs), RoleSessionName, SourceIdentity,
       SessionDuration and the PrincipalTag attributes are valid;
    6. the trust policy with the provider as the principal: ``sts:AssumeRoleWithSAML`` with
       ``saml:aud`` (the Recipient), ``saml:iss``, ``saml:sub``, ``saml:sub_type``,
       ``saml:doc``, ``saml:namequalifier`` and the mapped attribute keys; then
       ``sts:TagSession`` if PrincipalTag attributes are present (with ``aws:RequestTag/*``,
       ``aws:TagKeys``, ``sts:TransitiveTagKeys``) and ``sts:SetSourceIdentity`` if a
       SourceIdentity attribute is present;
    7. DurationSeconds (default 3600) against the role's maximum (fails above it). The session
       lasts DurationSeconds, shortened by the SessionDuration attribute ("it can be used to
       shorten the duration of the session") and by SessionNotOnOrAfter ("whichever is
       shorter").

    The session's requests carry ``saml:namequalifier``, ``saml:sub`` and ``saml:sub_type``, the
    only SAML keys available after sign-in. ``aws:FederatedProvider`` is not added: the
    condition-key page documents it for sessions from OIDC providers only.
    """
    policy_arns = tuple(policy_arns)
    if duration_seconds is not None:
        problem = _validate_duration(
            duration_seconds, MAX_DURATION, "12 hours, the longest maximum session duration"
        )
        if problem:
            return problem
    problem = _validate_policies(session_policy, policy_arns)
    if problem:
        return problem
    m = _SAML_PROVIDER_ARN.fullmatch(provider_arn)
    if m is None:
        return _validation(
            "principalArn",
            provider_arn,
            "be the ARN of a SAML provider",
            f'"{provider_arn}" is not a SAML provider ARN '
            f"(arn:aws:iam::ACCOUNT-ID:saml-provider/NAME).",
        )
    account, provider_name = m.group(2), m.group(3)
    if provider_issuer is None:
        return _token_problem(
            f"Account {account} has no SAML identity provider named {provider_name}: create it "
            f"in IAM (with the identity provider's metadata) before its users can sign in.",
            "InvalidIdentityToken: Specified provider doesn't exist.",
            "provider",
        )
    if assertion.issuer != provider_issuer:
        return _token_problem(
            f"The assertion was issued by {assertion.issuer!r}, but the metadata of SAML "
            f"provider {provider_name} names the issuer {provider_issuer!r}. (AWS checks the "
            f"assertion's signature with the provider's keys; iamlab compares the issuers.)",
            "AuthSamlInvalidSamlResponseException: Failed to assume role: Issuer not present in "
            "specified provider",
            "provider",
        )
    time = _utc(now)
    expired = _saml_time_problem(assertion, time)
    if expired is not None:
        return expired
    if _SIGNIN.fullmatch(assertion.recipient) is None:
        return _token_problem(
            f"The Recipient of the assertion is {assertion.recipient}, not the AWS sign-in "
            f"endpoint (https://signin.aws.amazon.com/saml, or a regional one such as "
            f"https://us-east-1.signin.aws.amazon.com/saml).",
            "InvalidIdentityToken (iamlab's wording): the SAML Recipient is not an AWS sign-in "
            "endpoint",
        )
    if not any(a == "urn:amazon:webservices" or _SIGNIN.fullmatch(a) for a in assertion.audiences):
        return _token_problem(
            "The assertion's AudienceRestriction does not name AWS: add "
            "<saml:Audience>urn:amazon:webservices</saml:Audience> (or the sign-in endpoint).",
            "InvalidIdentityToken: Response does not contain the required audience.",
        )
    if not assertion.role_values:
        return _token_problem(
            f"The assertion has no {ATTR_PREFIX}Role attribute, so it offers no role to assume. "
            f"Each value is a role ARN and a provider ARN separated by a comma.",
            "InvalidIdentityToken: Your request included an invalid SAML response.",
        )
    bad = assertion.bad_role_values()
    if bad:
        return _token_problem(
            f"The Role attribute value {bad[0]!r} is not a role ARN and a SAML provider ARN "
            f"separated by one comma (no spaces).",
            "InvalidIdentityToken: Your request included an invalid SAML response.",
        )
    if (role.arn, provider_arn) not in assertion.role_pairs():
        offered = "; ".join(f"{r} with {p}" for r, p in assertion.role_pairs())
        return _token_problem(
            f"The assertion does not offer role {role.arn} with provider {provider_arn}. "
            f"It offers: {offered}.",
            "AccessDenied: Not authorized to perform sts:AssumeRoleWithSAML",
            "role-mapping",
        )
    session_name = assertion.role_session_name
    if session_name is None:
        return _token_problem(
            f"The assertion has no {ATTR_PREFIX}RoleSessionName attribute; AWS needs it to name "
            f"the session.",
            "InvalidIdentityToken: RoleSessionName is required in AuthnResponse",
        )
    if not (2 <= len(session_name) <= 64) or _SESSION_NAME.fullmatch(session_name) is None:
        return _token_problem(
            f"The RoleSessionName {session_name!r} must be 2 to 64 letters, digits or _+=,.@- "
            f"(no spaces).",
            "InvalidIdentityToken: RoleSessionName in AuthnResponse must match "
            "[a-zA-Z_0-9+=,.@-]{2,64}",
        )
    source_identity = assertion.source_identity
    if source_identity is not None and (
        _SOURCE_IDENTITY_SAML.fullmatch(source_identity) is None
        or source_identity.lower().startswith("aws:")
    ):
        return _token_problem(
            f"The SourceIdentity {source_identity!r} must be 2 to 256 letters, digits or "
            f"_+=,.@- and must not begin with aws:.",
            "InvalidIdentityToken: Source Identity must match [a-zA-Z_0-9+=,.@-]{2,256} and not "
            'begin with "aws:"',
        )
    shortest: int | None = None
    raw = assertion.session_duration
    if raw is not None:
        if not raw.strip().isdigit() or not MIN_DURATION <= int(raw) <= MAX_DURATION:
            return _token_problem(
                f"The SessionDuration attribute {raw!r} must be a whole number of seconds from "
                f"900 to 43200.",
                "InvalidIdentityToken (iamlab's wording): invalid SessionDuration",
            )
        shortest = int(raw)
    tags = assertion.principal_tags
    transitive = assertion.transitive_tag_keys
    problem = _validate_tags(tags, transitive)
    if problem is not None:
        return problem

    context: dict[str, Any] = dict(assertion.context_keys())
    context.update(
        {
            "saml:aud": assertion.recipient,
            "saml:iss": assertion.issuer,
            "saml:sub": assertion.subject,
            "saml:sub_type": assertion.sub_type,
            "saml:doc": f"{account}/{provider_name}",
            "saml:namequalifier": name_qualifier(assertion.issuer, account, provider_name),
        }
    )
    requested = duration_seconds if duration_seconds is not None else 3600
    duration = requested if shortest is None else min(requested, shortest)
    if assertion.session_not_on_or_after is not None:
        left = int((assertion.session_not_on_or_after - time).total_seconds())
        duration = min(duration, left)
    surviving = {
        k: v for k, v in context.items() if k in ("saml:namequalifier", "saml:sub", "saml:sub_type")
    }
    return _assume_federated(
        operation=ASSUME_ROLE_WITH_SAML,
        provider=provider_arn,
        role=role,
        session_name=session_name,
        context=context,
        tags=tags,
        transitive=transitive,
        source_identity=source_identity,
        time=time,
        duration=duration,
        session_policy=session_policy,
        policy_arns=policy_arns,
        federation_keys=surviving,
        requested_duration=requested,
    )


def _saml_time_problem(assertion: SamlAssertion, time: dt.datetime) -> StsDenied | None:
    limits = (
        ("SubjectConfirmationData NotOnOrAfter", assertion.subject_not_on_or_after),
        ("Conditions NotOnOrAfter", assertion.not_on_or_after),
        ("AuthnStatement SessionNotOnOrAfter", assertion.session_not_on_or_after),
    )
    for label, limit in limits:
        if limit is not None and time >= limit:
            return _token_problem(
                f"The assertion is no longer valid: its {label} is {_iso(limit)} and the "
                f"request is made at {_iso(time)}. Sign in at the identity provider again.",
                "ExpiredTokenException (iamlab's wording): the SAML assertion has expired",
            )
    if assertion.not_before is not None and time < assertion.not_before:
        return _token_problem(
            f"The assertion is not valid yet: its Conditions NotBefore is "
            f"{_iso(assertion.not_before)} and the request is made at {_iso(time)}.",
            "InvalidIdentityToken (iamlab's wording): the SAML assertion is not yet valid",
        )
    return None


def _claim_value(value: Any) -> str | tuple[str, ...] | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list | tuple) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
    ):
        return tuple(str(v) for v in value)
    return None


def _claim_time(value: Any) -> dt.datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return None


def _token_tags(claims: Mapping[str, Any]) -> tuple[dict[str, str], tuple[str, ...], str | None]:
    """Session tags from a token (id_session-tags): the nested ``https://aws.amazon.com/tags``
    claim or the flattened ``.../tags/principal_tags/KEY`` claims; a problem message, if any."""
    tags: dict[str, str] = {}
    transitive: tuple[str, ...] = ()
    nested = claims.get(_TAGS_CLAIM)
    if nested is not None:
        if not isinstance(nested, Mapping):
            return {}, (), f"the {_TAGS_CLAIM} claim must be an object"
        principal = nested.get("principal_tags", {})
        if not isinstance(principal, Mapping):
            return {}, (), "principal_tags must be an object"
        for key, value in principal.items():
            values = value if isinstance(value, list) else [value]
            if len(values) != 1 or not isinstance(values[0], str):
                return {}, (), f"the session tag {key!r} must have exactly one string value"
            tags[str(key)] = values[0]
        keys = nested.get("transitive_tag_keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            return {}, (), "transitive_tag_keys must be a list of tag keys"
        transitive = tuple(keys)
    prefix = _TAGS_CLAIM + "/principal_tags/"
    for claim, value in claims.items():
        if claim.startswith(prefix):
            if not isinstance(value, str):
                return {}, (), f"the claim {claim} must be a string"
            tags[claim[len(prefix) :]] = value
    flat = claims.get(_TAGS_CLAIM + "/transitive_tag_keys")
    if flat is not None:
        if not isinstance(flat, list) or not all(isinstance(k, str) for k in flat):
            return {}, (), "transitive_tag_keys must be a list of tag keys"
        transitive += tuple(flat)
    return tags, transitive, None


# The audience GitHub Actions and AWS's own examples put in a token for STS; a provider that
# lists no client IDs gets it (id_roles_providers_create_oidc.html).
DEFAULT_AUDIENCE = "sts.amazonaws.com"


def fresh_token_claims(
    provider_host: str, client_ids: Sequence[str], now: dt.datetime
) -> dict[str, Any]:
    """The claims every OIDC ID token carries, as a provider would issue one now: ``iss`` (its
    URL), ``aud`` (its first client ID), ``iat`` and ``exp`` (valid for an hour). What the
    token says about its user (``sub`` and the rest) is the caller's to add."""
    issued = int(now.timestamp())
    return {
        "iss": f"https://{provider_host}",
        "aud": client_ids[0] if client_ids else DEFAULT_AUDIENCE,
        "iat": issued,
        "exp": issued + 3600,
    }


def assume_role_with_web_identity(
    token_claims: Mapping[str, Any],
    role: RoleSpec,
    session_name: str,
    *,
    provider: str,
    provider_client_ids: Sequence[str] = (),
    now: dt.datetime,
    duration_seconds: int | None = None,
    session_policy: Policy | None = None,
    policy_arns: Sequence[Policy] = (),
) -> Session | StsDenied:
    """What ``aws sts assume-role-with-web-identity`` answers for a token with these claims
    (the decoded JWT payload; for Facebook and Login with Amazon, the OAuth access token's
    user data such as ``app_id`` / ``id`` / ``user_id``).

    ``provider`` is the IAM OIDC provider's ARN (``arn:aws:iam::ACCOUNT:oidc-provider/URL``)
    when the account has one for the token's issuer, or one of
    :data:`BUILT_IN_WEB_IDENTITY_PROVIDERS`; ``provider_client_ids`` are the IAM OIDC
    provider's audiences (client IDs).

    Sources: API_AssumeRoleWithWebIdentity, reference_policies_iam-condition-keys ("Available
    keys for AWS OIDC federation", per provider), reference_policies_condition-keys
    (aws:FederatedProvider), id_session-tags (tags in the token). Checks, in order: syntax;
    the token's ``iss`` is the provider ("No OpenIDConnect provider found in your account");
    ``aud`` is one of the provider's client IDs (IAM OIDC providers only); ``exp`` has not
    passed; ``sub`` is present (ID tokens); the trust policy with the provider as the principal
    (``sts:AssumeRoleWithWebIdentity``, then ``sts:TagSession`` / ``sts:SetSourceIdentity``);
    DurationSeconds (default 3600) against the role's maximum.

    Condition keys, named ``HOST:claim`` with HOST the provider's URL without ``https://``:
    ``aud`` is ``azp`` when set, else the token's audience (the client ID that matched);
    ``oaud`` is the token's ``aud``; ``amr`` is multivalued; ``aws:FederatedProvider`` is the
    provider ARN, or the host name of a built-in provider. Documented choice: every other
    string claim (GitHub's ``repository``, ``job_workflow_ref``...) is mapped the same way,
    the registered JWT claims (iss, exp, iat, nbf, jti, ...) excepted. The session keeps only
    the claims the guide marks "available in session": amr, aud, sub, id, app_id and user_id.
    """
    policy_arns = tuple(policy_arns)
    problem = _check_length(
        "roleSessionName", "The role session name", session_name, 2, 64, _SESSION_NAME
    )
    if problem is None and duration_seconds is not None:
        problem = _validate_duration(
            duration_seconds, MAX_DURATION, "12 hours, the longest maximum session duration"
        )
    problem = problem or _validate_policies(session_policy, policy_arns)
    if problem:
        return problem
    m = _OIDC_PROVIDER_ARN.fullmatch(provider)
    if m is not None:
        host = m.group(3)
        built_in = False
    elif provider.lower() in BUILT_IN_WEB_IDENTITY_PROVIDERS:
        host = provider = provider.lower()
        built_in = True
    else:
        return _validation(
            "provider",
            provider,
            "be an OIDC provider ARN or a built-in provider",
            f'"{provider}" is neither an IAM OIDC provider ARN '
            f"(arn:aws:iam::ACCOUNT-ID:oidc-provider/URL) nor one of "
            f"{', '.join(BUILT_IN_WEB_IDENTITY_PROVIDERS)}.",
        )
    oauth = host in _OAUTH_PROVIDERS
    issuer = token_claims.get("iss")
    issuer_host = issuer.removeprefix("https://").rstrip("/") if isinstance(issuer, str) else None
    if not oauth and issuer_host != host:
        return _token_problem(
            f"The token was issued by {issuer!r}, but the provider given is {provider}. "
            + (
                "An account needs an IAM OIDC identity provider whose URL is the token's issuer."
                if not built_in
                else f"A {host} token has the issuer https://{host}."
            ),
            f"InvalidIdentityToken: No OpenIDConnect provider found in your account for {issuer}",
            "provider",
        )
    expires = _claim_time(token_claims.get("exp"))
    if not oauth and expires is None:
        return _token_problem(
            "The token has no exp (expiration time, in seconds since 1970) claim.",
            "InvalidIdentityToken (iamlab's wording): the token has no expiration time",
        )
    time = _utc(now)
    if expires is not None and time >= expires:
        return _token_problem(
            f"The token expired at {_iso(expires)}; the request is made at {_iso(time)}. Get "
            f"a new token from the identity provider.",
            f"ExpiredTokenException: Token expired: current date/time {int(time.timestamp())} "
            f"must be before the expiration date/time {int(expires.timestamp())}",
        )
    raw_aud = token_claims.get("aud")
    audiences = (
        (
            (raw_aud,)
            if isinstance(raw_aud, str)
            else tuple(a for a in raw_aud or () if isinstance(a, str))
        )
        if isinstance(raw_aud, str | list | tuple)
        else ()
    )
    matched_aud = audiences[0] if audiences else None
    if not built_in:
        matched = [a for a in audiences if a in provider_client_ids]
        if not matched:
            return _token_problem(
                f"The token's audience ({', '.join(audiences) or 'none'}) is not a client ID "
                f"(audience) of the IAM OIDC provider {host} "
                f"({', '.join(provider_client_ids) or 'none registered'}).",
                "InvalidIdentityToken: Incorrect token audience",
            )
        matched_aud = matched[0]
    if not oauth and not isinstance(token_claims.get("sub"), str):
        return _token_problem(
            "The token has no sub (subject) claim identifying the user.",
            "InvalidIdentityToken (iamlab's wording): the token has no subject",
        )
    tags, transitive, tag_problem = _token_tags(token_claims)
    if tag_problem is not None:
        return _token_problem(
            f"The session tags in the token are malformed: {tag_problem}.",
            "InvalidIdentityToken (iamlab's wording): malformed session tags claim",
        )
    problem = _validate_tags(tags, transitive)
    if problem is not None:
        return problem
    source_identity = token_claims.get(_SOURCE_IDENTITY_CLAIM)
    if source_identity is not None:
        if not isinstance(source_identity, str):
            return _token_problem(
                "The source_identity claim must be a string.",
                "InvalidIdentityToken (iamlab's wording): invalid source identity",
            )
        problem = _validate_source_identity(source_identity)
        if problem is not None:
            return problem

    context: dict[str, Any] = {}
    for claim, value in token_claims.items():
        if claim in _JWT_REGISTERED or claim.startswith("https://aws.amazon.com/"):
            continue
        mapped = _claim_value(value)
        if mapped is not None:
            context[f"{host}:{claim}"] = mapped
    if "amr" in token_claims and isinstance(context.get(f"{host}:amr"), str):
        context[f"{host}:amr"] = (context[f"{host}:amr"],)
    if not oauth:
        azp = token_claims.get("azp")
        aud_value = azp if isinstance(azp, str) else matched_aud
        if aud_value is not None:
            context[f"{host}:aud"] = aud_value
        if audiences:
            context[f"{host}:oaud"] = audiences[0] if len(audiences) == 1 else audiences
    context["aws:FederatedProvider"] = provider
    surviving = {
        key: value
        for key, value in context.items()
        if key.startswith(host + ":") and key[len(host) + 1 :] in _SURVIVING_CLAIMS
    }
    requested = duration_seconds if duration_seconds is not None else 3600
    return _assume_federated(
        operation=ASSUME_ROLE_WITH_WEB_IDENTITY,
        provider=provider,
        role=role,
        session_name=session_name,
        context=context,
        tags=tags,
        transitive=transitive,
        source_identity=source_identity,
        time=time,
        duration=requested,
        session_policy=session_policy,
        policy_arns=policy_arns,
        federation_keys=surviving,
        requested_duration=requested,
    )
