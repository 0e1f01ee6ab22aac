"""Temporary credentials in a sandbox: who the learner currently is, and the sessions STS issued.

The engine (:mod:`iamlab.policy.sts`) decides what STS answers; this module keeps the answers.
A :class:`~iamlab.sandbox.models.StsSession` row records what a call returned and what it was
given, and :func:`engine_session` rebuilds the engine's session from it against the sandbox as
it is *now*: as in AWS, a change to a role's permission policies reaches its existing sessions
at once, while its trust policy is only read when a session is issued.

"Who you are" (``Sandbox.acting_as``) is one of: nobody in particular (``""``, the sandbox's
designer, who edits IAM without being anyone in AWS), the root user of an account, an IAM user
(signed in with or without MFA), or a session. A session remembers the identity it started
from, which is what the console's "Back to ..." returns to.

Time is the sandbox's clock (``Sandbox.now()``), which the learner can move forward to watch
credentials expire.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from iamlab.policy import (
    CallerSpec,
    FederatedUserSession,
    Policy,
    PolicyError,
    PolicyType,
    RequestError,
    Session,
    StsDenied,
    UserSession,
    assume_role,
    assume_role_for_service,
    get_caller_identity,
    parse_policy,
)
from iamlab.policy.sts import ASSUME_ROLE, ASSUME_ROLE_WITH_SAML, ASSUME_ROLE_WITH_WEB_IDENTITY

from . import models
from .world import Check, PrincipalInfo, World, stored_policy

if TYPE_CHECKING:
    from .world import EngineSession

# How far the clock moves per click (seconds), as the page offers it.
CLOCK_STEPS = (("15 minutes", 900), ("1 hour", 3600), ("12 hours", 43200))
MAX_CLOCK_OFFSET = 400 * 24 * 3600  # a little over a year: far enough for any lesson


# What a console sign-in with MFA adds to the requests of that sign-in (iamlab's choice: the age
# stays 0, it does not count the seconds since signing in).
MFA_SIGN_IN: dict[str, Any] = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"}
SIGN_IN_FIRST = (
    "Choose who makes the call: sign in as the root user or an IAM user, or use a session, first."
)


class IdentityError(Exception):
    """The identity or session asked for cannot be used; the message says why."""


@dataclass(frozen=True)
class Identity:
    """Who the learner is in a sandbox right now."""

    key: str  # "", "root:<pk>", "user:<pk>", "user:<pk>:mfa", "session:<pk>"
    kind: str  # designer, root, user, session
    label: str
    arn: str = ""
    account_id: str = ""
    mfa: bool = False
    session: models.StsSession | None = None
    expired: bool = False

    @property
    def is_designer(self) -> bool:
        return self.kind == "designer"

    @property
    def principal_key(self) -> str:
        """The World's key of the principal behind long-term credentials (``user:3``), without
        the sign-in's ``:mfa``."""
        return self.key.removesuffix(":mfa")

    @property
    def back_to(self) -> str:
        """The identity a session started from (what "Back to ..." returns to)."""
        return self.session.origin if self.session is not None else ""


DESIGNER = Identity("", "designer", "the sandbox's designer (not signed in to AWS)")


def _split(key: str) -> tuple[str, int | None, bool]:
    parts = key.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return "", None, False
    return parts[0], int(parts[1]), parts[2:] == ["mfa"]


def identity_for(sandbox: models.Sandbox, world: World | None, key: str) -> Identity:
    """The identity a key names in this sandbox; :data:`DESIGNER` if it names nothing (any
    more). Without a World (``None``) the database says who it is: the identity bar on every
    page needs a name, not a World built from every policy of the sandbox."""
    kind, pk, mfa = _split(key)
    if kind == "root" and pk is not None:
        account: tuple[str, str] | None
        if world is None:
            account = (
                models.Account.objects.filter(sandbox=sandbox, pk=pk)
                .values_list("name", "account_id")
                .first()
            )
        else:
            root = world.principal(f"root:{pk}")
            account = (world.accounts.get(root.account_id, ""), root.account_id) if root else None
        if account is not None:
            name, account_id = account
            label = f"Root user of {name} ({account_id})"
            arn = f"arn:aws:iam::{account_id}:root"
            return Identity(key, "root", label, arn, account_id, mfa)
    elif kind == "user" and pk is not None:
        user: tuple[str, str, str] | None
        if world is None:
            row = (
                models.IamUser.objects.filter(sandbox=sandbox, pk=pk)
                .select_related("account")
                .first()
            )
            user = (row.name, row.account.account_id, row.arn) if row else None
        else:
            info = world.principal(f"user:{pk}")
            user = (info.name, info.account_id, info.arn) if info else None
        if user is not None:
            name, account_id, arn = user
            label = f"IAM user {name} ({account_id})"
            return Identity(key, "user", label, arn, account_id, mfa)
    elif kind == "session" and pk is not None:
        row = (
            models.StsSession.objects.filter(sandbox=sandbox, pk=pk)
            .select_related("role", "account", "user")
            .first()
        )
        if row is not None:
            return Identity(
                key,
                "session",
                session_label(row),
                row.arn,
                row.account.account_id,
                bool(
                    row.carried.get("aws:MultiFactorAuthPresent") == "true"
                    or row.mfa_authenticated_at is not None
                ),
                row,
                row.expired(sandbox.now()),
            )
    return DESIGNER


def current(sandbox: models.Sandbox, world: World | None = None) -> Identity:
    return identity_for(sandbox, world, sandbox.acting_as)


def session_label(row: models.StsSession) -> str:
    if row.kind == "assumed-role" and row.role is not None and row.display_name:
        return f"{row.display_name} (role session {row.session_name})"
    if row.kind == "assumed-role" and row.role is not None:
        return f"{row.role.name} (role session {row.session_name} in {row.account.account_id})"
    who = f"IAM user {row.user.name}" if row.user is not None else "the root user"
    if row.kind == "federated-user":
        return (
            f"Federated user {row.session_name} (GetFederationToken by {who} in "
            f"{row.account.account_id})"
        )
    if row.kind == "session-token":
        mfa = ", with MFA" if row.mfa_authenticated_at is not None else ""
        return (
            f"{who[0].upper()}{who[1:]} with temporary credentials (GetSessionToken{mfa}) in "
            f"{row.account.account_id}"
        )
    return row.arn


def _web_identity_subject(row: models.StsSession) -> str:
    """The user a web identity token named: its sub (id or user_id for Facebook and Login
    with Amazon, whose access tokens have no sub)."""
    keys = dict(row.federation_keys or {})
    for claim in ("sub", "id", "user_id"):
        for key, value in keys.items():
            if key.endswith(f":{claim}") and value:
                return str(value)
    return row.session_name


def session_source(row: models.StsSession) -> str:
    """Who asked STS for these credentials, as the hub lists them: not who the learner was
    before (``origin_label``), but the caller AWS saw. AssumeRoleWithSAML and
    AssumeRoleWithWebIdentity need no AWS credentials: the caller is the identity provider's
    user (API_AssumeRoleWithSAML, API_AssumeRoleWithWebIdentity). The access portal signs an
    Identity Center user in. An instance profile's role is assumed by EC2 for the instance
    (id_roles_use_switch-role-ec2.html), a service role by its service."""
    provider = row.federated_provider
    if row.via == "saml":
        name = provider.rsplit("saml-provider/", 1)[-1] if provider else "a SAML provider"
        subject = dict(row.federation_keys or {}).get("saml:sub") or row.session_name
        return f"from {subject}, signed in by SAML identity provider {name}"
    if row.via == "web-identity":
        host = provider.rsplit("oidc-provider/", 1)[-1] if provider else "an OIDC provider"
        return f"from {_web_identity_subject(row)}, with a token from {host}"
    if row.via == "portal":
        return f"from Identity Center user {row.session_name}, through the AWS access portal"
    if row.via == "instance":
        if row.instance is not None:
            name = f"{row.instance.name} ({row.instance.instance_id})"
            return f"issued to Amazon EC2 for instance {name}"
        return "issued to Amazon EC2 for an instance"
    if row.via == "service":
        return f"issued to the service {row.caller_arn or 'an AWS service'} for {row.session_name}"
    if row.via in ("broker", "session-token"):
        who = f"IAM user {row.user.name}" if row.user is not None else "the root user"
        return f"from {who} ({row.account.account_id})"
    return f"from {row.origin_label}" if row.origin_label else ""


def act_as(sandbox: models.Sandbox, world: World, key: str) -> Identity:
    """Become ``key`` in this sandbox; raises :class:`IdentityError` if it names nothing."""
    if "\x00" in key:  # names nothing, and no database stores it
        raise IdentityError("That identity is not in this sandbox.")
    found = identity_for(sandbox, world, key)
    if key and found.is_designer:
        raise IdentityError("That identity is not in this sandbox any more.")
    sandbox.acting_as = key
    sandbox.save(update_fields=["acting_as"])
    return found


def advance_clock(sandbox: models.Sandbox, seconds: int) -> None:
    """Move the sandbox's clock forward (never back: credentials do not un-expire)."""
    if seconds <= 0:
        raise IdentityError("The clock only moves forward.")
    sandbox.clock_offset = min(sandbox.clock_offset + seconds, MAX_CLOCK_OFFSET)
    sandbox.save(update_fields=["clock_offset"])


def reset_clock(sandbox: models.Sandbox) -> None:
    sandbox.clock_offset = 0
    sandbox.save(update_fields=["clock_offset"])


# -- rebuilding the engine's session ------------------------------------------------------------


def managed_policy_document(sandbox: models.Sandbox, arn: str) -> models.ManagedPolicy | None:
    """The managed policy an ARN names, among AWS's and this sandbox's."""
    prefix = "arn:aws:iam::"
    if not arn.startswith(prefix) or ":policy/" not in arn:
        return None
    owner, rest = arn[len(prefix) :].split(":policy", 1)
    path, _, name = rest.rpartition("/")
    qs = models.ManagedPolicy.objects.filter(name=name, path=path + "/")
    if owner == "aws":
        # The copy an import took from its file, if this sandbox has one, else the snapshot's.
        copy = qs.filter(account__isnull=True, sandbox=sandbox).order_by("-pk").first()
        return copy or qs.aws_snapshot().first()
    return qs.filter(sandbox=sandbox, account__account_id=owner).first()


def session_policies(
    sandbox: models.Sandbox, inline: str, arns: list[str]
) -> tuple[tuple[Policy, ...], dict[str, str]]:
    """The session policies (the inline one first, then the managed ones), and a problem per
    input that is not usable, keyed ``policy`` or ``policy_arns``."""
    problems: dict[str, str] = {}
    found: list[Policy] = []
    if inline.strip():
        try:
            found.append(parse_policy(inline, PolicyType.SESSION, name="the inline session policy"))
        except PolicyError as exc:
            problems["policy"] = str(exc)
    for arn in arns:
        policy = managed_policy_document(sandbox, arn)
        version = policy.default_version() if policy is not None else None
        parsed = stored_policy(version.document, PolicyType.SESSION) if version else None
        if parsed is None:
            problems["policy_arns"] = f"No managed policy {arn} in this sandbox or AWS's."
            continue
        found.append(parsed.renamed(f"{policy.name if policy else arn} (session policy)"))
    return tuple(found), problems


def role_info(world: World, row: models.StsSession) -> PrincipalInfo:
    """The principal behind a session: its role, or for credentials from GetSessionToken and
    GetFederationToken the IAM user (or root user) who called STS."""
    if row.kind == "assumed-role" or row.role_id:
        info = world.principal(f"role:{row.role_id}") if row.role_id else None
        if info is None:
            raise IdentityError("The role of this session was deleted, so the session ended.")
        return info
    key = f"user:{row.user_id}" if row.user_id else f"root:{row.account_id}"
    info = world.principal(key)
    if info is None:
        raise IdentityError(
            "The IAM user who got these credentials was deleted, so they no longer work."
        )
    return info


_VIA_OPERATION = {
    "saml": ASSUME_ROLE_WITH_SAML,
    "portal": ASSUME_ROLE_WITH_SAML,
    "web-identity": ASSUME_ROLE_WITH_WEB_IDENTITY,
}


def _federation_keys(stored: Any) -> dict[str, str | tuple[str, ...]]:
    keys: dict[str, str | tuple[str, ...]] = {}
    for key, value in dict(stored or {}).items():
        keys[str(key)] = tuple(str(v) for v in value) if isinstance(value, list) else str(value)
    return keys


def engine_session(world: World, row: models.StsSession) -> EngineSession:
    """The engine's session for a stored one, with the policies as they are now: a
    :class:`Session` for a role session (AssumeRole, SAML, web identity, the access portal), a
    :class:`UserSession` for GetSessionToken, a :class:`FederatedUserSession` for
    GetFederationToken."""
    principal = role_info(world, row)
    policies, problems = session_policies(row.sandbox, row.session_policy, list(row.policy_arns))
    if problems:
        raise IdentityError(" ".join(problems.values()))
    if row.kind == "session-token":
        return UserSession(
            arn=row.arn,
            user=world.caller_spec(principal),
            access_key_id=row.access_key_id,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            duration_seconds=row.duration_seconds,
            mfa_authenticated_at=row.mfa_authenticated_at,
            mfa_serial=row.mfa_serial or None,
        )
    if row.kind == "federated-user":
        return FederatedUserSession(
            arn=row.arn,
            name=row.session_name,
            issuer=world.caller_spec(principal),
            access_key_id=row.access_key_id,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            duration_seconds=row.duration_seconds,
            session_policies=policies,
            tags=dict(row.tags),
        )
    try:
        spec = world.role_spec(principal)
    except RequestError as exc:
        raise IdentityError(exc.message) from exc
    return Session(
        arn=row.arn,
        role=spec,
        session_name=row.session_name,
        access_key_id=row.access_key_id,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        duration_seconds=row.duration_seconds,
        session_policies=policies,
        tags=dict(row.tags),
        source_identity=row.source_identity or None,
        chained=row.chained,
        caller_arn=row.caller_arn,
        mfa_authenticated_at=row.mfa_authenticated_at,
        via=_VIA_OPERATION.get(row.via, ASSUME_ROLE),
        federated_provider=row.federated_provider or None,
        federation_keys=_federation_keys(row.federation_keys),
        transitive_tag_keys=tuple(str(k) for k in row.transitive_tag_keys or ()),
    )


def caller_for(
    sandbox: models.Sandbox,
    world: World,
    who: Identity,
    context: dict[str, Any] | None = None,
    *,
    console: bool = False,
) -> CallerSpec:
    """The identity as the caller of an STS request.

    The MFA of a console sign-in goes with the console's own calls (``console``: switching
    roles) and no further: a call made with the user's access keys (the CLI, an SDK) carries
    MFA only when it passes SerialNumber and TokenCode, or is signed with temporary credentials
    issued with MFA (id_credentials_mfa_configure-api-require.html). A session's keys (MFA
    included) go with every call made with it."""
    extra = dict(context or {})
    if console and who.mfa and who.kind in ("root", "user"):
        extra = MFA_SIGN_IN | extra
    if who.kind == "session" and who.session is not None:
        if who.expired:
            raise IdentityError(expired_message(who.session))
        carried = dict(who.session.carried) | extra
        return engine_session(world, who.session).as_caller(carried)
    principal = world.principal(who.principal_key) if who.key else None
    if principal is None:
        raise IdentityError(SIGN_IN_FIRST)
    return world.caller_spec(principal, extra)


def check_as(
    sandbox: models.Sandbox,
    world: World,
    who: Identity,
    action: str,
    resource: str,
    context: Mapping[str, Any] | None = None,
    region: str | None = None,
) -> Check:
    """A request made by ``who``: with its long-term credentials (carrying the MFA of its
    sign-in) or with its session's, at the sandbox's clock; ``context`` wins over both.

    Raises :class:`IdentityError` when ``who`` cannot make calls (nobody, expired credentials,
    a deleted role) and :class:`~iamlab.policy.RequestError` for a request the engine cannot
    read."""
    if who.session is not None:
        row = who.session
        if who.expired:
            raise IdentityError(expired_message(row))
        return world.check_session(
            engine_session(world, row),
            role_info(world, row),
            action,
            resource,
            dict(row.carried) | dict(context or {}),
            region,
            at=sandbox.now(),
        )
    principal = world.principal(who.principal_key) if who.key else None
    if principal is None:
        raise IdentityError(SIGN_IN_FIRST)
    extra = (MFA_SIGN_IN if who.mfa else {}) | dict(context or {})
    return world.check(principal, action, resource, extra, region=region)


def expired_message(row: models.StsSession) -> str:
    when = row.expires_at.strftime("%H:%M:%S UTC on %d %b")
    return (
        f"The credentials of {session_label(row)} expired at {when} on the sandbox's clock. AWS "
        f"refuses them (ExpiredToken: The security token included in the request is expired); "
        f"get new ones."
    )


@transaction.atomic
def record(
    sandbox: models.Sandbox,
    session: Session,
    role: models.Role,
    *,
    via: str,
    origin: Identity,
    parent: models.StsSession | None = None,
    external_id: str = "",
    session_policy: str = "",
    policy_arns: list[str] | None = None,
    carried: dict[str, Any] | None = None,
    instance: models.Ec2Instance | None = None,
    display_name: str = "",
    color: str = "",
    mfa_serial: str = "",
) -> models.StsSession:
    """Keep a session STS issued."""
    return models.StsSession.objects.create(
        sandbox=sandbox,
        account=role.account,
        kind="assumed-role",
        via=via,
        role=role,
        parent=parent,
        origin=origin.key,
        origin_label=origin.label,
        instance=instance,
        arn=session.arn,
        caller_arn=session.caller_arn,
        session_name=session.session_name,
        access_key_id=session.access_key_id,
        issued_at=session.issued_at,
        expires_at=session.expires_at,
        duration_seconds=session.duration_seconds,
        chained=session.chained,
        external_id=external_id,
        session_policy=session_policy,
        policy_arns=list(policy_arns or []),
        tags=dict(session.tags),
        source_identity=session.source_identity or "",
        carried=dict(carried or {}),
        display_name=display_name,
        color=color,
        federated_provider=session.federated_provider or "",
        federation_keys={
            k: list(v) if isinstance(v, tuple) else v for k, v in session.federation_keys.items()
        },
        transitive_tag_keys=list(session.transitive_tag_keys),
        mfa_authenticated_at=session.mfa_authenticated_at,
        mfa_serial=mfa_serial if session.mfa_authenticated_at is not None else "",
    )


@transaction.atomic
def record_token(
    sandbox: models.Sandbox,
    session: UserSession | FederatedUserSession,
    *,
    origin: Identity,
    user: models.IamUser | None,
    account: models.Account,
    session_policy: str = "",
    policy_arns: list[str] | None = None,
) -> models.StsSession:
    """Keep credentials from GetSessionToken (``via="session-token"``) or GetFederationToken
    (``via="broker"``); ``user`` is the IAM user who called STS (None: the root user)."""
    if isinstance(session, UserSession):
        kind, via, name = "session-token", "session-token", user.name if user else "root"
        mfa_at, serial, tags = session.mfa_authenticated_at, session.mfa_serial or "", {}
        caller_arn = session.arn
    else:
        kind, via, name = "federated-user", "broker", session.name
        mfa_at, serial, tags = None, "", dict(session.tags)
        caller_arn = session.issuer_arn
    return models.StsSession.objects.create(
        sandbox=sandbox,
        account=account,
        kind=kind,
        via=via,
        user=user,
        origin=origin.key,
        origin_label=origin.label,
        arn=session.arn,
        caller_arn=caller_arn,
        session_name=name[:64],
        access_key_id=session.access_key_id,
        issued_at=session.issued_at,
        expires_at=session.expires_at,
        duration_seconds=session.duration_seconds,
        session_policy=session_policy,
        policy_arns=list(policy_arns or []),
        tags=tags,
        mfa_authenticated_at=mfa_at,
        mfa_serial=serial,
    )


def assume(
    sandbox: models.Sandbox,
    world: World,
    who: Identity,
    role: models.Role,
    session_name: str,
    *,
    via: str = "cli",
    duration_seconds: int = 3600,
    external_id: str = "",
    session_policy: str = "",
    policy_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    source_identity: str = "",
    context: dict[str, Any] | None = None,
    display_name: str = "",
    color: str = "",
    serial_number: str = "",
    token_code: str = "",
    mfa_devices: Mapping[str, str] | None = None,
) -> models.StsSession | StsDenied:
    """AssumeRole as ``who`` into ``role`` at the sandbox's clock; keeps the session issued.

    ``via="console"`` is the console's Switch Role, which keeps the MFA of the console sign-in;
    any other call carries MFA only with ``serial_number`` and ``token_code`` (checked against
    ``mfa_devices``, the caller's TOTP devices: serial number -> the code shown now) or from
    credentials issued with MFA (:func:`caller_for`).

    Raises :class:`IdentityError` when ``who`` cannot make calls at all (no identity, expired
    credentials) or a session policy ARN names nothing."""
    caller = caller_for(sandbox, world, who, context, console=via == "console")
    if mfa_devices:
        caller = dataclasses.replace(caller, mfa_devices=dict(mfa_devices))
    info = world.principal(f"role:{role.pk}")
    if info is None:
        raise IdentityError(f"Role {role.name} is not in this sandbox any more.")
    policies, problems = session_policies(sandbox, session_policy, list(policy_arns or []))
    if problems:
        raise IdentityError(" ".join(problems.values()))
    inline = policies[0] if session_policy.strip() else None
    managed = policies[1:] if inline is not None else policies
    result = assume_role(
        caller,
        world.role_spec(info),
        session_name,
        now=sandbox.now(),
        duration_seconds=duration_seconds,
        external_id=external_id or None,
        session_policy=inline,
        policy_arns=managed,
        tags=tags or None,
        source_identity=source_identity or None,
        serial_number=serial_number or None,
        token_code=token_code or None,
    )
    if isinstance(result, StsDenied):
        return result
    carried = {
        k: v
        for k, v in caller.context.items()
        if k in ("aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge")
    }
    return record(
        sandbox,
        result,
        role,
        via=via,
        origin=who,
        parent=who.session,
        external_id=external_id,
        session_policy=session_policy,
        policy_arns=list(policy_arns or []),
        carried=carried,
        display_name=display_name,
        color=color,
        mfa_serial=serial_number,
    )


def credentials_json(row: models.StsSession) -> str:
    """What ``aws sts assume-role`` (or get-session-token, get-federation-token,
    assume-role-with-saml / -web-identity) prints; the secret parts are made up and marked so."""
    answer: dict[str, Any] = {
        "Credentials": {
            "AccessKeyId": row.access_key_id,
            "SecretAccessKey": "(iamlab does not make secrets: this is a simulation)",
            "SessionToken": "(a long opaque token)",
            "Expiration": row.expires_at.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        }
    }
    if row.kind == "federated-user":
        answer["FederatedUser"] = {
            "FederatedUserId": f"{row.account.account_id}:{row.session_name}",
            "Arn": row.arn,
        }
    elif row.kind == "assumed-role":
        answer["AssumedRoleUser"] = {
            "AssumedRoleId": f"{row.role.unique_id if row.role else ''}:{row.session_name}",
            "Arn": row.arn,
        }
        if row.source_identity:
            answer["SourceIdentity"] = row.source_identity
    return json.dumps(answer, indent=4)


# -- MFA devices --------------------------------------------------------------------------------

MFA_STEP = 30  # seconds per one-time code (RFC 6238's default, which authenticator apps use)


def mfa_code(device: models.MfaDevice, at: dt.datetime) -> str:
    """The six digits a simulated TOTP device shows at ``at`` (the sandbox's clock)."""
    window = int(at.timestamp()) // MFA_STEP
    secret = f"iamlab-mfa:{device.sandbox_id}:{device.pk}:{device.created_at.timestamp()}"
    digest = hmac.new(secret.encode(), str(window).encode(), hashlib.sha1).digest()
    return f"{int.from_bytes(digest[-4:]) % 1_000_000:06d}"


def mfa_accepts(device: models.MfaDevice, code: str, at: dt.datetime) -> bool:
    """A code is good in its 30-second window and the one before (clock drift), as AWS allows
    for TOTP devices."""
    code = code.strip()
    return any(
        hmac.compare_digest(code, mfa_code(device, at - dt.timedelta(seconds=back)))
        for back in (0, MFA_STEP)
    )


def caller_identity(world: World, who: Identity) -> str:
    """What ``aws sts get-caller-identity`` prints for this identity (empty for the designer)."""
    if who.is_designer:
        return ""
    if who.session is not None:
        row = who.session
        if row.kind != "assumed-role":
            try:
                return json.dumps(get_caller_identity(engine_session(world, row)), indent=4)
            except (IdentityError, RequestError):
                pass
        unique = row.role.unique_id if row.role is not None else row.account.account_id
        answer = {"UserId": f"{unique}:{row.session_name}", "Account": row.account.account_id}
        answer["Arn"] = row.arn
    else:
        info = world.principal(who.principal_key)
        user_id = info.unique_id if info is not None and info.kind == "user" else None
        answer = get_caller_identity(who.arn, unique_id=user_id)
    return json.dumps(answer, indent=4)


# -- a service assumes a role (service roles, EC2 instance profiles) ---------------------------


def service_assume(
    sandbox: models.Sandbox,
    world: World,
    role: models.Role,
    service: str,
    session_name: str,
    *,
    via: str,
    origin: Identity,
    source_arn: str = "",
    instance: models.Ec2Instance | None = None,
    duration_seconds: int = 3600,
    carried: dict[str, Any] | None = None,
) -> models.StsSession | StsDenied:
    """An AWS service assumes a role for you (:func:`iamlab.policy.assume_role_for_service`);
    the session is kept like any other, with what the service's calls carry (``carried``)."""
    info = world.principal(f"role:{role.pk}")
    if info is None or info.trust is None:
        raise IdentityError(f"Role {role.name} has no trust policy a service could use.")
    session = assume_role_for_service(
        service,
        world.role_spec(info),
        session_name,
        now=sandbox.now(),
        duration_seconds=duration_seconds,
        source_account=role.account.account_id,
        source_arn=source_arn or None,
    )
    if isinstance(session, StsDenied):
        return session
    return record(
        sandbox, session, role, via=via, origin=origin, instance=instance, carried=carried
    )
