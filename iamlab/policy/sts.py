"""AWS STS as pure functions over the engine's objects: AssumeRole, AssumeRoleWithSAML,
AssumeRoleWithWebIdentity, GetSessionToken, GetFederationToken and GetCallerIdentity.

Sources (AWS STS API Reference and IAM User Guide, current text):

* API_AssumeRole: the parameters and their constraints (RoleSessionName 2-64 characters of
  ``[\\w+=,.@-]``; DurationSeconds 900 s up to the role's maximum session duration, at most
  43200 s; ExternalId 2-1224 characters of ``[\\w+=,.@:/-]``; Policy at most 2,048 characters;
  PolicyArns at most 10; Tags at most 50, keys 1-128 and values 0-256 characters; SourceIdentity
  2-64 characters of ``[\\w+=,.@-]``, not starting with ``aws:``), the error texts, and "you
  cannot call AssumeRole with the root user credentials".
* id_roles_terms-and-concepts / id_roles_use (role chaining): "Role chaining limits your AWS CLI
  or AWS API role session to a maximum of one hour"; a chained AssumeRole asking for more fails
  with "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role
  chaining."
* id_session-tags: passing session tags needs ``sts:TagSession`` on top of ``sts:AssumeRole``;
  the tags reach the request as ``aws:RequestTag/<key>`` and ``aws:TagKeys``, and requests made
  with the session carry them as ``aws:PrincipalTag/<key>``.
* id_credentials_temp_control-access_monitor: passing a source identity needs
  ``sts:SetSourceIdentity``; a chained session keeps the source identity of the session it
  came from.
* id_credentials_temp_request: who may call which STS API (a federated user from
  GetFederationToken can call no STS operation but GetCallerIdentity).
* access_policies#policies_session: a session's permissions are the intersection of the role's
  identity-based policies and the session policies passed (inline and managed).
* reference_policies_iam-condition-keys: ``sts:ExternalId``, ``sts:RoleSessionName``,
  ``sts:SourceIdentity``, ``aws:SourceIdentity``, ``aws:TokenIssueTime``.
* API_GetCallerIdentity: the ``UserId`` / ``Account`` / ``Arn`` it prints for each caller.

The order of the checks in :func:`assume_role` (documented choice; AWS does not publish it):
the parameters' syntax first (a ValidationError, as the API does before anything else), then
who the caller is, then authorization (``sts:AssumeRole``, then ``sts:TagSession`` if tags are
passed, then ``sts:SetSourceIdentity`` if a source identity is set), and last the duration
against the role's maximum and the one-hour role-chaining limit, which need the role.

MFA (API_AssumeRole and API_GetSessionToken SerialNumber / TokenCode;
reference_policies_condition-keys aws:MultiFactorAuthPresent / aws:MultiFactorAuthAge;
id_credentials_sts-comparison):

* SerialNumber is 9-256 characters of ``[\\w+=/:,.@-]``, TokenCode exactly 6 digits; the two are
  given together (documented choice: one without the other is a ValidationError).
* A serial number the caller has no device for is refused with AWS's "MultiFactorAuthentication
  failed, unable to validate MFA code. Please verify your MFA serial number is valid and
  associated with this user."; a wrong code with "MultiFactorAuthentication failed with invalid
  MFA one time pass code." (the texts AWS returns; the API reference only says "access denied").
  A role session has no MFA device of its own (``CallerSpec.mfa_devices`` is empty).
* The current condition-key page: aws:MultiFactorAuthPresent "is included in the request context
  only when the principal uses temporary credentials", namely "IAM roles and IAM users with
  temporary tokens from AssumeRole or GetSessionToken"; with long-term access keys it is absent;
  and both MFA keys are "not present for federated identities". So: sessions from AssumeRole and
  GetSessionToken carry ``aws:MultiFactorAuthPresent`` = ``true`` or ``false``, and
  ``aws:MultiFactorAuthAge`` (seconds since the MFA code was checked) only when MFA was used;
  sessions from AssumeRoleWithSAML, AssumeRoleWithWebIdentity and GetFederationToken carry
  neither key. The AssumeRole call itself made with long-term keys and a valid code carries
  ``true`` and an age of 0.
* Documented choice: a session made with MFA-authenticated temporary credentials (for example
  GetSessionToken with MFA, then AssumeRole) stays MFA-authenticated, with the age counted from
  the original authentication; AWS does not document this propagation.

GetSessionToken (API_GetSessionToken): an IAM user or the root user with long-term credentials;
900-129,600 s for a user (default 43,200); for the root user "if the duration is longer than one
hour, the session ... defaults to one hour", so a longer request is cut to 3,600 s rather than
refused. No permission is needed ("You cannot use policies to control authentication
operations"). The credentials act as the user; they cannot call IAM API operations unless MFA
was included, and no STS operation except AssumeRole and GetCallerIdentity.

GetFederationToken (API_GetFederationToken, id_session-tags): an IAM user (or the root user,
allowed but not recommended) with long-term credentials; Name 2-32 characters of ``[\\w+=,.@-]``;
durations as GetSessionToken (root cut to one hour); the caller needs ``sts:GetFederationToken``
(on ``arn:aws:sts::ACCOUNT:federated-user/NAME``), and ``sts:TagSession`` to pass tags, which
cannot be transitive. Without a session policy the federated user gets nothing from the user's
policies (evaluate.py's D3); with one, the intersection. The session's principal tags are the
user's tags (``aws:PrincipalTag/*`` in the caller's context) overridden by the session tags,
case-insensitively. Its credentials cannot call IAM operations (through the API) nor any STS
operation but GetCallerIdentity. Documented choice: a root-issued federated user is evaluated
as the root user's full access intersected with the session policies.

AssumeRoleWithSAML and AssumeRoleWithWebIdentity: see :func:`assume_role_with_saml` and
:func:`assume_role_with_web_identity` for their sources and choices.

Transitive session tags (id_session-tags, "Chaining roles with session tags"): tags named in
TransitiveTagKeys pass to the sessions of later AssumeRole calls; documented choice: passing a
session tag with the key of an inherited transitive tag is refused.

Every kind of session (:class:`Session`, :class:`UserSession`, :class:`FederatedUserSession`)
has the interface :class:`TemporarySession`; ``credential_refusal(action)`` says which API calls its
credentials can never make (iam:PassRole is a permission, not an IAM API operation, so it is not
refused).

Left out: the packed-size limit (PackedPolicyTooLarge is computed by AWS on a compressed binary
form it does not document), clock-skew allowances on SAML and OIDC token times, XML signatures
and token signatures (replaced by the issuer checks described there).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .evaluate import EXPLICIT_DENY, IMPLICIT_DENY, Evaluation, evaluate
from .model import Policy, PolicyType
from .request import Caller, PrincipalKind, Request, RequestError, parse_caller
from .saml import ATTR_PREFIX, SamlAssertion, name_qualifier

__all__ = [
    "BUILT_IN_WEB_IDENTITY_PROVIDERS",
    "CallerSpec",
    "FederatedUserSession",
    "RoleSpec",
    "Session",
    "StsDenied",
    "TemporarySession",
    "UserSession",
    "assume_role",
    "assume_role_for_service",
    "assume_role_with_saml",
    "assume_role_with_web_identity",
    "credential_refusal",
    "get_caller_identity",
    "get_federation_token",
    "get_session_token",
]

MIN_DURATION = 900
MAX_DURATION = 43200  # 12 hours: the largest MaxSessionDuration a role can have
CHAINED_MAX_DURATION = 3600
MAX_POLICY_CHARS = 2048
MAX_POLICY_ARNS = 10
MAX_TAGS = 50
TOKEN_MAX_DURATION = 129600  # 36 hours: GetSessionToken and GetFederationToken for a user
TOKEN_DEFAULT_DURATION = 43200
ROOT_TOKEN_MAX_DURATION = 3600

_ROLE_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):role/((?:.*/)?)([\w+=,.@-]+)", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]*", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]*", re.ASCII)
_POLICY_CHARS = re.compile(r"[\t\n\r\u0020-\u00ff]*")
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_MFA_SERIAL = re.compile(r"[\w+=/:,.@-]*", re.ASCII)
_TOKEN_CODE = re.compile(r"[\d]*", re.ASCII)


def _hashed_id(prefix: str, length: int, *parts: str) -> str:
    """A deterministic AWS-looking identifier: prefix + upper-case base32 of a hash."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:length]


def _role_unique_id(account: str, role_name: str) -> str:
    # Role IDs are 21 characters starting AROA (reference_identifiers#identifiers-unique-ids).
    return _hashed_id("AROA", 17, "role", account, role_name)


def _user_unique_id(account: str, user_name: str) -> str:
    return _hashed_id("AIDA", 17, "user", account, user_name)


def _utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _iso(when: dt.datetime) -> str:
    return _utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the inputs -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RoleSpec:
    """The role to assume, as IAM stores it.

    ``identity`` and ``boundary`` are the role's permissions policies and permissions boundary;
    ``scps`` the SCP levels (root first) of the role's account and ``rcps`` its RCP levels.
    ``max_session_seconds`` is the role's MaxSessionDuration (3600 to 43200 seconds, UpdateRole).
    ``unique_id`` is the role's AROA... ID; a stable one is made up from the ARN if not given.
    """

    arn: str
    trust: Policy
    max_session_seconds: int = 3600
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    scps: tuple[tuple[Policy, ...], ...] = ()
    rcps: tuple[tuple[Policy, ...], ...] = ()
    unique_id: str = ""

    def __post_init__(self) -> None:
        m = _ROLE_ARN.fullmatch(self.arn)
        if m is None:
            raise RequestError(
                "role_arn",
                f'"{self.arn}" is not a role ARN (arn:aws:iam::ACCOUNT-ID:role/NAME)',
            )
        if self.trust.type is not PolicyType.TRUST:
            raise RequestError(
                "trust", f"the trust policy must be parsed as a trust policy, not {self.trust.type}"
            )
        if not 3600 <= self.max_session_seconds <= MAX_DURATION:
            raise RequestError(
                "max_session_seconds",
                "a role's maximum session duration is 1 hour (3600) to 12 hours (43200)",
            )
        setter = object.__setattr__
        setter(self, "identity", tuple(self.identity))
        setter(self, "scps", tuple(tuple(level) for level in self.scps))
        setter(self, "rcps", tuple(tuple(level) for level in self.rcps))
        if not self.unique_id:
            setter(self, "unique_id", _role_unique_id(m.group(2), m.group(4)))

    @property
    def partition(self) -> str:
        return self.arn.split(":")[1]

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    @property
    def path(self) -> str:
        resource = self.arn.split(":", 5)[5]
        return resource[len("role") : -len(self.name)]


@dataclass(frozen=True, eq=False)
class CallerSpec:
    """Who calls STS, with the inputs the engine needs to evaluate their requests.

    ``principal`` is an ARN as :class:`~iamlab.policy.Request` takes it (user, root, role
    session, federated user, service); ``session_issuer`` names a role session's role when its
    path matters. ``identity``, ``boundary`` and ``session`` are the caller's policies (for a
    role session: the role's policies and the session policies); ``scps`` the SCP levels of the
    caller's account; ``context`` extra condition keys of the caller's requests (for example
    ``aws:SourceIp``, ``aws:PrincipalTag/...`` for the user's tags).

    ``mfa_devices`` maps the serial number (or virtual device ARN) of each MFA device of the
    caller to the code it shows right now. ``temporary`` says the caller signs with temporary
    credentials (always so for role sessions and federated users; for a user or the root user:
    credentials from GetSessionToken). ``mfa_authenticated_at`` is when those temporary
    credentials were authenticated with MFA, if they were. ``transitive_tags`` are the
    transitive session tags a role session passes on to the roles it assumes. The sessions'
    ``as_caller()`` fill these in.
    """

    principal: str
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    session: tuple[Policy, ...] = ()
    scps: tuple[tuple[Policy, ...], ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)
    session_issuer: str | None = None
    mfa_devices: Mapping[str, str] = field(default_factory=dict)
    temporary: bool = False
    mfa_authenticated_at: dt.datetime | None = None
    transitive_tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        setter = object.__setattr__
        setter(self, "identity", tuple(self.identity))
        setter(self, "session", tuple(self.session))
        setter(self, "scps", tuple(tuple(level) for level in self.scps))
        setter(self, "mfa_devices", dict(self.mfa_devices))
        setter(self, "transitive_tags", dict(self.transitive_tags))
        if self.mfa_authenticated_at is not None:
            setter(self, "mfa_authenticated_at", _utc(self.mfa_authenticated_at))
        parse_caller(self.principal, self.session_issuer)  # raises RequestError if unknown

    @property
    def caller(self) -> Caller:
        return parse_caller(self.principal, self.session_issuer)

    @property
    def chained(self) -> bool:
        """The caller is a role session, so a role it assumes is role chaining."""
        return self.caller.kind is PrincipalKind.ROLE_SESSION

    @property
    def uses_temporary_credentials(self) -> bool:
        return self.temporary or self.caller.kind in (
            PrincipalKind.ROLE_SESSION,
            PrincipalKind.FEDERATED_USER,
        )


# --- the results ------------------------------------------------------------------------------


ASSUMED_ROLE = "assumed-role"
FEDERATED_USER = "federated-user"
SESSION_TOKEN = "session-token"  # noqa: S105 (a kind of session, not a secret)


def credential_refusal(kind: str, action: str, *, mfa: bool = False) -> str | None:
    """Why temporary credentials of ``kind`` can never call ``action`` (None: they may try; the
    policies decide). ``kind`` is ``assumed-role``, ``federated-user`` or ``session-token``;
    ``mfa`` says the credentials were authenticated with MFA.

    Sources: id_credentials_sts-comparison, API_AssumeRole, API_GetFederationToken,
    API_GetSessionToken ("Restrictions on resulting temporary credentials").
    """
    lowered = action.strip().lower()
    service, _, name = lowered.partition(":")
    if kind == ASSUMED_ROLE:
        if lowered in ("sts:getfederationtoken", "sts:getsessiontoken"):
            return (
                "Role session credentials (from AssumeRole, AssumeRoleWithSAML or "
                "AssumeRoleWithWebIdentity) cannot call GetFederationToken or GetSessionToken; "
                "those need an IAM user's long-term access keys."
            )
        return None
    if kind == FEDERATED_USER:
        if service == "iam" and name != "passrole":
            return (
                "Credentials from GetFederationToken cannot call IAM API operations (only a "
                "console session made from them can)."
            )
        if service == "sts" and name != "getcalleridentity":
            return (
                "Credentials from GetFederationToken cannot call any AWS STS operation except "
                "GetCallerIdentity."
            )
        return None
    if kind == SESSION_TOKEN:
        if service == "iam" and name != "passrole" and not mfa:
            return (
                "Credentials from GetSessionToken cannot call IAM API operations unless MFA "
                "was used when they were requested: call GetSessionToken again with "
                "SerialNumber and TokenCode."
            )
        if service == "sts" and name not in ("assumerole", "getcalleridentity"):
            return (
                "Credentials from GetSessionToken can call only two AWS STS operations: "
                "AssumeRole and GetCallerIdentity."
            )
        return None
    raise ValueError(f"unknown kind of session: {kind!r}")


def _with_refusal(evaluation: Evaluation, refusal: str | None) -> Evaluation:
    """The engine's answer, unless the credentials themselves cannot make the call. As in the
    engine, an explicit Deny is reported first."""
    if refusal is None or evaluation.decision == EXPLICIT_DENY:
        return evaluation
    if not evaluation.allowed and evaluation.decided_by == "sts":
        return evaluation
    return dataclasses.replace(
        evaluation,
        decision=IMPLICIT_DENY,
        decided_by="sts",
        reason=f"{refusal} No policy can change that.",
        matched=(),
    )


def _mfa_keys(mfa_at: dt.datetime | None, at: dt.datetime) -> dict[str, str]:
    """aws:MultiFactorAuthPresent, and aws:MultiFactorAuthAge when MFA was used."""
    if mfa_at is None:
        return {"aws:MultiFactorAuthPresent": "false"}
    age = max(0, int((_utc(at) - mfa_at).total_seconds()))
    return {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": str(age)}


def _principal_tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {f"aws:PrincipalTag/{key}": value for key, value in tags.items()}


ASSUME_ROLE = "AssumeRole"
ASSUME_ROLE_WITH_SAML = "AssumeRoleWithSAML"
ASSUME_ROLE_WITH_WEB_IDENTITY = "AssumeRoleWithWebIdentity"


class TemporarySession:
    """What every kind of temporary credentials offers (:class:`Session`,
    :class:`UserSession`, :class:`FederatedUserSession`): a request made with them carries
    their condition keys (:meth:`context`), is evaluated with their policies
    (:meth:`engine_inputs`), and is refused outright where the credentials cannot make the
    call (:meth:`credential_refusal`)."""

    arn: str
    access_key_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime

    @property
    def kind(self) -> str:  # "assumed-role", "federated-user" or "session-token"
        raise NotImplementedError

    @property
    def account(self) -> str:
        raise NotImplementedError

    @property
    def user_id(self) -> str:
        raise NotImplementedError

    @property
    def mfa(self) -> bool:
        raise NotImplementedError

    def as_caller(self, context: Mapping[str, Any] | None = None) -> CallerSpec:
        raise NotImplementedError

    def _session_issuer(self) -> str | None:
        return None

    def context(self, at: dt.datetime | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def engine_inputs(self) -> dict[str, Any]:
        raise NotImplementedError

    def credential_refusal(self, action: str) -> str | None:
        raise NotImplementedError

    def expired(self, at: dt.datetime) -> bool:
        return _utc(at) >= self.expires_at

    def request(
        self,
        action: str,
        resource: str = "*",
        context: Mapping[str, Any] | None = None,
        *,
        resource_owner: str | None = None,
        time: dt.datetime | None = None,
    ) -> Request:
        """A request made with these credentials (their keys, then ``context``; ``time``
        defaults to when they were issued)."""
        when = time or self.issued_at
        return Request(
            self.arn,
            action,
            resource,
            context=_merge_context(self.context(when), context or {}),
            resource_owner=resource_owner,
            session_issuer=self._session_issuer(),
            time=when,
        )

    def evaluate(
        self,
        action: str,
        resource: str = "*",
        context: Mapping[str, Any] | None = None,
        *,
        resource_policy: Policy | None = None,
        rcps: Sequence[Sequence[Policy]] = (),
        resource_owner: str | None = None,
        time: dt.datetime | None = None,
    ) -> Evaluation:
        """Evaluate a request made with these credentials (refused outright where they cannot
        make the call, see :meth:`credential_refusal`)."""
        request = self.request(action, resource, context, resource_owner=resource_owner, time=time)
        evaluation = evaluate(
            request, resource_policy=resource_policy, rcps=rcps, **self.engine_inputs()
        )
        return _with_refusal(evaluation, self.credential_refusal(action))


@dataclass(frozen=True, eq=False)
class Session(TemporarySession):
    """A role session: what AssumeRole, AssumeRoleWithSAML and AssumeRoleWithWebIdentity
    return, and how to evaluate requests made with it.

    ``via`` names the operation that made it. ``caller_arn`` is who called it (for the
    federation operations: the identity provider). ``mfa_authenticated_at`` is when MFA was
    checked for these credentials (None: no MFA). ``federated_provider`` is the identity
    provider of a federation session (the SAML provider ARN, the IAM OIDC provider ARN, or a
    built-in provider's host name); ``federation_keys`` the provider's condition keys that
    survive into the session's requests; ``transitive_tag_keys`` the session tags passed on to
    the roles this session assumes.
    """

    arn: str  # arn:aws:sts::ACCOUNT:assumed-role/ROLE_NAME/SESSION_NAME
    role: RoleSpec
    session_name: str
    access_key_id: str  # ASIA + 16 characters
    issued_at: dt.datetime
    expires_at: dt.datetime
    duration_seconds: int
    session_policies: tuple[Policy, ...]  # the inline policy first, then the managed ones
    tags: Mapping[str, str]
    source_identity: str | None
    chained: bool
    caller_arn: str  # who called AssumeRole
    mfa_authenticated_at: dt.datetime | None = None
    via: str = ASSUME_ROLE
    federated_provider: str | None = None
    federation_keys: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return ASSUMED_ROLE

    @property
    def role_arn(self) -> str:
        return self.role.arn

    @property
    def account(self) -> str:
        return self.role.account

    @property
    def user_id(self) -> str:
        """What GetCallerIdentity prints as UserId: ROLE-ID:SESSION-NAME."""
        return f"{self.role.unique_id}:{self.session_name}"

    @property
    def mfa(self) -> bool:
        return self.mfa_authenticated_at is not None

    def context(self, at: dt.datetime | None = None) -> dict[str, Any]:
        """The condition keys AWS adds to every request made with this session at ``at``
        (default: when it was issued; it matters for aws:MultiFactorAuthAge)."""
        out: dict[str, Any] = {
            "aws:userid": self.user_id,
            "aws:TokenIssueTime": _iso(self.issued_at),
        }
        out.update(_principal_tags(self.tags))
        if self.source_identity is not None:
            out["aws:SourceIdentity"] = self.source_identity
        if self.via == ASSUME_ROLE:
            out.update(_mfa_keys(self.mfa_authenticated_at, at or self.issued_at))
        if self.via == ASSUME_ROLE_WITH_WEB_IDENTITY and self.federated_provider is not None:
            out["aws:FederatedProvider"] = self.federated_provider
        out.update(self.federation_keys)
        return out

    def engine_inputs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`~iamlab.policy.evaluate` for a request of this session:
        the role's identity-based policies and boundary, the session policies, and the SCPs of
        the role's account. Add ``resource_policy`` and ``rcps`` for the resource if needed."""
        return {
            "identity": self.role.identity,
            "boundary": self.role.boundary,
            "session": self.session_policies,
            "scps": self.role.scps,
        }

    def _session_issuer(self) -> str | None:
        return self.role.arn

    def credential_refusal(self, action: str) -> str | None:
        return credential_refusal(ASSUMED_ROLE, action, mfa=self.mfa)

    def as_caller(self, context: Mapping[str, Any] | None = None) -> CallerSpec:
        """This session as the caller of another STS request (role chaining)."""
        transitive = {k: v for k, v in self.tags.items() if k in self.transitive_tag_keys}
        return CallerSpec(
            self.arn,
            identity=self.role.identity,
            boundary=self.role.boundary,
            session=self.session_policies,
            scps=self.role.scps,
            context=_merge_context(self.context(), context or {}),
            session_issuer=self.role.arn,
            temporary=True,
            mfa_authenticated_at=self.mfa_authenticated_at,
            transitive_tags=transitive,
        )


_ROOT_FULL_ACCESS = Policy.parse(
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    name="the root user's full access (implicit)",
)


@dataclass(frozen=True, eq=False)
class UserSession(TemporarySession):
    """Temporary credentials from GetSessionToken: the same IAM user (or root user) with the
    same permissions, limited by :meth:`credential_refusal`.

    ``user`` is the caller of GetSessionToken (its policies evaluate the requests);
    ``mfa_serial`` the MFA device used, if any.
    """

    arn: str  # the user's (or root user's) own ARN
    user: CallerSpec
    access_key_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    duration_seconds: int
    mfa_authenticated_at: dt.datetime | None = None
    mfa_serial: str | None = None

    @property
    def kind(self) -> str:
        return SESSION_TOKEN

    @property
    def root(self) -> bool:
        return self.user.caller.kind is PrincipalKind.ROOT

    @property
    def account(self) -> str:
        return self.user.caller.account or ""

    @property
    def user_id(self) -> str:
        """What GetCallerIdentity prints: the user's AIDA... ID, or the account for root."""
        if self.root:
            return self.account
        given = _context_value(self.user.context, "aws:userid")
        return given or _user_unique_id(self.account, self.user.caller.name or "")

    @property
    def mfa(self) -> bool:
        return self.mfa_authenticated_at is not None

    def context(self, at: dt.datetime | None = None) -> dict[str, Any]:
        out = dict(self.user.context)
        out = _merge_context(
            out,
            {
                "aws:userid": self.user_id,
                "aws:TokenIssueTime": _iso(self.issued_at),
                **_mfa_keys(self.mfa_authenticated_at, at or self.issued_at),
            },
        )
        return out

    def engine_inputs(self) -> dict[str, Any]:
        return {
            "identity": self.user.identity,
            "boundary": self.user.boundary,
            "session": (),
            "scps": self.user.scps,
        }

    def credential_refusal(self, action: str) -> str | None:
        return credential_refusal(SESSION_TOKEN, action, mfa=self.mfa)

    def as_caller(self, context: Mapping[str, Any] | None = None) -> CallerSpec:
        """These credentials as the caller of AssumeRole (not role chaining: the caller is
        still the IAM user)."""
        return CallerSpec(
            self.arn,
            identity=self.user.identity,
            boundary=self.user.boundary,
            scps=self.user.scps,
            context=_merge_context(self.context(), context or {}),
            mfa_devices=self.user.mfa_devices,
            temporary=True,
            mfa_authenticated_at=self.mfa_authenticated_at,
        )


@dataclass(frozen=True, eq=False)
class FederatedUserSession(TemporarySession):
    """A federated user from GetFederationToken (a custom identity broker).

    ``issuer`` is the IAM user (or root user) who called GetFederationToken; its identity-based
    policies, boundary and SCPs apply, intersected with ``session_policies`` (without any, the
    session gets nothing from them: evaluate.py's D3). ``tags`` are the session tags passed;
    :attr:`principal_tags` adds the user's own tags under them.
    """

    arn: str  # arn:aws:sts::ACCOUNT:federated-user/NAME
    name: str
    issuer: CallerSpec
    access_key_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    duration_seconds: int
    session_policies: tuple[Policy, ...]
    tags: Mapping[str, str]

    @property
    def kind(self) -> str:
        return FEDERATED_USER

    @property
    def issuer_arn(self) -> str:
        return self.issuer.principal

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    @property
    def user_id(self) -> str:
        """What GetCallerIdentity prints: ACCOUNT:NAME."""
        return f"{self.account}:{self.name}"

    @property
    def mfa(self) -> bool:
        return False

    @property
    def principal_tags(self) -> dict[str, str]:
        """The user's tags (``aws:PrincipalTag/*`` of the issuer's context), with the session
        tags replacing those of the same key whatever its case (API_GetFederationToken)."""
        inherited = {
            key.split("/", 1)[1]: str(value)
            for key, value in self.issuer.context.items()
            if key.lower().startswith("aws:principaltag/")
        }
        lowered = {k.lower() for k in self.tags}
        out = {k: v for k, v in inherited.items() if k.lower() not in lowered}
        out.update(self.tags)
        return out

    def context(self, at: dt.datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "aws:userid": self.user_id,
            "aws:TokenIssueTime": _iso(self.issued_at),
        }
        out.update(_principal_tags(self.principal_tags))
        return out

    def engine_inputs(self) -> dict[str, Any]:
        root = self.issuer.caller.kind is PrincipalKind.ROOT
        return {
            "identity": (_ROOT_FULL_ACCESS,) if root else self.issuer.identity,
            "boundary": self.issuer.boundary,
            "session": self.session_policies,
            "scps": self.issuer.scps,
        }

    def _session_issuer(self) -> str | None:
        return self.issuer_arn

    def credential_refusal(self, action: str) -> str | None:
        return credential_refusal(FEDERATED_USER, action)

    def as_caller(self, context: Mapping[str, Any] | None = None) -> CallerSpec:
        """The federated user as a caller (every STS call but GetCallerIdentity is refused)."""
        inputs = self.engine_inputs()
        return CallerSpec(
            self.arn,
            identity=inputs["identity"],
            boundary=inputs["boundary"],
            session=self.session_policies,
            scps=self.issuer.scps,
            context=_merge_context(self.context(), context or {}),
            session_issuer=self.issuer_arn,
            temporary=True,
        )


@dataclass(frozen=True, eq=False)
class StsDenied:
    """Why STS refused the call.

    ``check`` is one of:

    * ``input``: a parameter is invalid (``parameter`` names it);
    * ``caller-type``: this kind of caller (or these credentials) cannot call the operation;
    * ``mfa``: the MFA serial number or code was not accepted;
    * ``caller-permission``: the caller's own policies, boundary, session policies or SCPs do
      not allow the action (``sts:AssumeRole``, ``sts:GetFederationToken``...);
    * ``trust-policy``: the role's trust policy does not allow the caller;
    * ``rcp``: an RCP of the role's account;
    * ``tag-session``: ``sts:TagSession`` is not allowed;
    * ``source-identity``: ``sts:SetSourceIdentity`` is not allowed;
    * ``duration``: longer than the role allows or than role chaining allows;
    * ``provider``: the SAML or OIDC identity provider does not exist or did not issue the
      assertion / token;
    * ``token``: the SAML assertion or web identity token is expired, addressed elsewhere or
      lacks something AWS needs;
    * ``role-mapping``: the SAML assertion does not offer this role with this provider.

    ``side`` says, for the permission checks, whose policy refused: ``caller``,
    ``trust-policy`` or ``rcp``. ``aws_error`` is what the API would answer ("iamlab's wording"
    marks texts AWS does not publish).
    """

    check: str
    message: str
    aws_error: str
    evaluation: Evaluation | None = None
    parameter: str | None = None
    side: str | None = None

    @property
    def allowed(self) -> bool:
        return False


# --- input validation -------------------------------------------------------------------------


def _validation(parameter: str, value: object, constraint: str, message: str) -> StsDenied:
    shown = str(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return StsDenied(
        "input",
        message,
        f"ValidationError: 1 validation error detected: Value '{shown}' at '{parameter}' failed "
        f"to satisfy constraint: Member must {constraint}",
        parameter=parameter,
    )


def _check_length(
    parameter: str, label: str, value: str, low: int, high: int, pattern: re.Pattern[str] | None
) -> StsDenied | None:
    if len(value) < low:
        return _validation(
            parameter,
            value,
            f"have length greater than or equal to {low}",
            f"{label} must be at least {low} characters long.",
        )
    if len(value) > high:
        return _validation(
            parameter,
            value,
            f"have length less than or equal to {high}",
            f"{label} can be at most {high} characters long (it has {len(value)}).",
        )
    if pattern is not None and pattern.fullmatch(value) is None:
        return _validation(
            parameter,
            value,
            f"satisfy regular expression pattern: {pattern.pattern}",
            f"{label} may contain only "
            + (
                "tab, line feed, carriage return and the characters U+0020 to U+00FF."
                if pattern is _POLICY_CHARS
                else f"letters, digits, underscores and the characters {pattern.pattern[3:-2]}."
            ),
        )
    return None


def _tag_text_ok(text: str) -> bool:
    """Tag pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] (API_Tag): letters, spaces, numbers, _.:/=+-@."""
    return all(
        unicodedata.category(c)[0] in "LZN" or c in _TAG_PUNCTUATION
        for c in text  # noqa: SIM110
    )


def _policy_text(policy: Policy) -> str:
    if policy.text is not None:
        return policy.text
    return json.dumps(policy.document, separators=(",", ":"))


def _validate_duration(duration_seconds: int, high: int, why_high: str) -> StsDenied | None:
    if duration_seconds < MIN_DURATION:
        return _validation(
            "durationSeconds",
            duration_seconds,
            f"have value greater than or equal to {MIN_DURATION}",
            "DurationSeconds must be at least 900 seconds (15 minutes).",
        )
    if duration_seconds > high:
        return _validation(
            "durationSeconds",
            duration_seconds,
            f"have value less than or equal to {high}",
            f"DurationSeconds can be at most {high} seconds ({why_high}).",
        )
    return None


def _validate_policies(
    session_policy: Policy | None, policy_arns: Sequence[Policy]
) -> StsDenied | None:
    if session_policy is not None:
        text = _policy_text(session_policy)
        problem = _check_length(
            "policy", "The inline session policy", text, 1, MAX_POLICY_CHARS, _POLICY_CHARS
        )
        if problem:
            return problem
    if len(policy_arns) > MAX_POLICY_ARNS:
        return _validation(
            "policyArns",
            f"[{len(policy_arns)} policies]",
            f"have length less than or equal to {MAX_POLICY_ARNS}",
            f"You can pass at most {MAX_POLICY_ARNS} managed session policies "
            f"(PolicyArns); {len(policy_arns)} were given.",
        )
    return None


def _validate_tags(tags: Mapping[str, str], transitive: Sequence[str] = ()) -> StsDenied | None:
    if len(tags) > MAX_TAGS:
        return _validation(
            "tags",
            f"[{len(tags)} tags]",
            f"have length less than or equal to {MAX_TAGS}",
            f"You can pass at most {MAX_TAGS} session tags; {len(tags)} were given.",
        )
    for key, value in tags.items():
        problem = _check_length(
            "tags.member.key", f"The session tag key {key!r}", key, 1, 128, None
        )
        if problem:
            return problem
        problem = _check_length(
            "tags.member.value", f"The value of session tag {key!r}", value, 0, 256, None
        )
        if problem:
            return problem
        for part, text in (("key", key), ("value", value)):
            if not _tag_text_ok(text):
                return _validation(
                    f"tags.member.{part}",
                    text,
                    r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
                    f"The session tag {part} {text!r} may contain only letters, spaces, "
                    f"numbers and the characters _.:/=+-@.",
                )
    lowered = {k.lower() for k in tags}
    if len({k.lower() for k in tags}) != len(tags):
        return StsDenied(
            "input",
            "Two session tags have the same key apart from upper and lower case; tag keys are "
            "not case-sensitive, so AWS cannot keep both.",
            "InvalidParameterValue (iamlab's wording): duplicate tag keys",
            parameter="tags",
        )
    for key in transitive:
        if key.lower() not in lowered:
            return StsDenied(
                "input",
                f"The transitive tag key {key!r} is not one of the session tags passed in the "
                f"same call; only a session tag can be made transitive.",
                "InvalidParameterValue (iamlab's wording): a transitive tag key must be one of "
                "the session tag keys",
                parameter="transitiveTagKeys",
            )
    return None


def _validate_source_identity(source_identity: str | None) -> StsDenied | None:
    if source_identity is None:
        return None
    problem = _check_length(
        "sourceIdentity", "The source identity", source_identity, 2, 64, _SESSION_NAME
    )
    if problem:
        return problem
    if source_identity.lower().startswith("aws:"):
        return StsDenied(
            "input",
            "A source identity cannot begin with aws: (that prefix is reserved for AWS).",
            "ValidationError: SourceIdentity cannot begin with the prefix aws:",
            parameter="sourceIdentity",
        )
    return None


def _validate_mfa(serial_number: str | None, token_code: str | None) -> StsDenied | None:
    if (serial_number is None) != (token_code is None):
        missing = "TokenCode" if token_code is None else "SerialNumber"
        return StsDenied(
            "input",
            f"SerialNumber and TokenCode go together: give the MFA device's serial number (or "
            f"ARN) and the 6-digit code it shows now. {missing} is missing.",
            f"ValidationError (iamlab's wording): {missing} is required with "
            f"{'SerialNumber' if missing == 'TokenCode' else 'TokenCode'}",
            parameter="tokenCode" if token_code is None else "serialNumber",
        )
    if serial_number is None or token_code is None:
        return None
    problem = _check_length(
        "serialNumber", "The MFA serial number", serial_number, 9, 256, _MFA_SERIAL
    )
    if problem:
        return problem
    if len(token_code) != 6 or _TOKEN_CODE.fullmatch(token_code) is None:
        if len(token_code) < 6:
            constraint = "have length greater than or equal to 6"
        elif len(token_code) > 6:
            constraint = "have length less than or equal to 6"
        else:
            constraint = r"satisfy regular expression pattern: [\d]*"
        return _validation(
            "tokenCode",
            token_code,
            constraint,
            "The MFA code (TokenCode) is exactly six digits.",
        )
    return None


def _validate(
    session_name: str,
    duration_seconds: int,
    external_id: str | None,
    session_policy: Policy | None,
    policy_arns: Sequence[Policy],
    tags: Mapping[str, str],
    source_identity: str | None,
    serial_number: str | None = None,
    token_code: str | None = None,
    transitive_tag_keys: Sequence[str] = (),
) -> StsDenied | None:
    problem = _check_length(
        "roleSessionName", "The role session name", session_name, 2, 64, _SESSION_NAME
    )
    if problem:
        return problem
    problem = _validate_duration(
        duration_seconds,
        MAX_DURATION,
        "12 hours, the longest maximum session duration a role can have",
    )
    if problem:
        return problem
    if external_id is not None:
        problem = _check_length("externalId", "The external ID", external_id, 2, 1224, _EXTERNAL_ID)
        if problem:
            return problem
    return (
        _validate_policies(session_policy, policy_arns)
        or _validate_tags(tags, transitive_tag_keys)
        or _validate_source_identity(source_identity)
        or _validate_mfa(serial_number, token_code)
    )


# --- AssumeRole -------------------------------------------------------------------------------


def _merge_context(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``extra``, condition keys compared case-insensitively."""
    lowered = {k.lower() for k in extra}
    merged = {k: v for k, v in base.items() if k.lower() not in lowered}
    merged.update(extra)
    return merged


def _caller_type_problem(caller: Caller) -> StsDenied | None:
    kind = caller.kind
    if kind is PrincipalKind.ROOT:
        return StsDenied(
            "caller-type",
            "The root user cannot assume roles. Sign in as an IAM user (or use a role session) "
            "and assume the role from there.",
            "AccessDenied: Roles may not be assumed by root accounts.",
        )
    if kind is PrincipalKind.FEDERATED_USER:
        return StsDenied(
            "caller-type",
            f"{caller.describe()} got its credentials from GetFederationToken, and those "
            f"credentials cannot call any STS operation except GetCallerIdentity.",
            f"AccessDenied: User: {caller.arn} is not authorized to perform: sts:AssumeRole",
        )
    if kind is PrincipalKind.ANONYMOUS:
        return StsDenied(
            "caller-type",
            "AssumeRole must be signed with AWS credentials; an anonymous caller cannot call it.",
            "MissingAuthenticationToken: Request is missing Authentication Token",
        )
    if kind is PrincipalKind.IDENTITY_PROVIDER:
        return StsDenied(
            "caller-type",
            f"{caller.describe()} signs in through AssumeRoleWithSAML or "
            f"AssumeRoleWithWebIdentity, not AssumeRole.",
            "AccessDenied: AssumeRole needs AWS credentials",
        )
    return None


def _side(evaluation: Evaluation) -> str:
    kind = evaluation.decided_by.partition(":")[0]
    if kind == "deny":
        kind = evaluation.matched[0].layer if evaluation.matched else "identity"
    if kind == "resource":
        return "trust-policy"
    if kind == "rcp":
        return "rcp"
    return "caller"


def _access_denied(
    check: str | None, action: str, caller: Caller, role: RoleSpec, evaluation: Evaluation
) -> StsDenied:
    side = _side(evaluation)
    who = caller.describe()
    if side == "trust-policy":
        what = f"The trust policy of role {role.name} does not allow {who} to call {action}."
    elif side == "rcp":
        what = f"A resource control policy of account {role.account} does not allow {action}."
    else:
        what = (
            f"The policies of {who} (in account {caller.account}) do not allow it to call "
            f"{action} on role {role.name}."
        )
    explicit = " with an explicit deny" if evaluation.decision == EXPLICIT_DENY else ""
    return StsDenied(
        check or {"trust-policy": "trust-policy", "rcp": "rcp"}.get(side, "caller-permission"),
        f"{what} {evaluation.reason}",
        f"AccessDenied: User: {caller.arn} is not authorized to perform: {action} on "
        f"resource: {role.arn}{explicit}",
        evaluation,
        side=side,
    )


_UNABLE_TO_VALIDATE = (
    "AccessDenied: MultiFactorAuthentication failed, unable to validate MFA code.  Please "
    "verify your MFA serial number is valid and associated with this user."
)
_INVALID_CODE = (
    "AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code."
)


def _check_mfa(
    caller: CallerSpec, serial_number: str | None, token_code: str | None
) -> StsDenied | None:
    """The simulated MFA device check: ``caller.mfa_devices`` maps serial -> current code."""
    if serial_number is None:
        return None
    who = caller.caller.describe()
    expected = caller.mfa_devices.get(serial_number)
    if expected is None:
        devices = ", ".join(sorted(caller.mfa_devices)) or "none"
        return StsDenied(
            "mfa",
            f"{who} has no MFA device with the serial number {serial_number} (its devices: "
            f"{devices}). A virtual device's serial number is its ARN, "
            f"arn:aws:iam::ACCOUNT-ID:mfa/DEVICE-NAME.",
            _UNABLE_TO_VALIDATE,
            parameter="serialNumber",
        )
    if token_code != expected:
        return StsDenied(
            "mfa",
            f"{token_code} is not the code the MFA device {serial_number} shows right now; the "
            f"code changes every 30 seconds, so read it again.",
            _INVALID_CODE,
            parameter="tokenCode",
        )
    return None


def assume_role(
    caller: CallerSpec,
    role: RoleSpec,
    session_name: str,
    *,
    now: dt.datetime,
    duration_seconds: int = 3600,
    external_id: str | None = None,
    session_policy: Policy | None = None,
    policy_arns: Sequence[Policy] = (),
    tags: Mapping[str, str] | None = None,
    transitive_tag_keys: Sequence[str] = (),
    source_identity: str | None = None,
    serial_number: str | None = None,
    token_code: str | None = None,
) -> Session | StsDenied:
    """What ``aws sts assume-role`` answers: a :class:`Session`, or why it was refused.

    ``policy_arns`` are the managed policies passed as PolicyArns (their documents: the engine
    needs the statements, not the ARNs). ``now`` is when the call is made; the session expires
    ``duration_seconds`` later. ``serial_number`` / ``token_code`` are checked against
    ``caller.mfa_devices``. The order of the checks: syntax, caller type, MFA, transitive tags,
    authorization (``sts:AssumeRole``, ``sts:TagSession``, ``sts:SetSourceIdentity``), duration.
    """
    tags = dict(tags or {})
    policy_arns = tuple(policy_arns)
    transitive_tag_keys = tuple(transitive_tag_keys)
    problem = _validate(
        session_name,
        duration_seconds,
        external_id,
        session_policy,
        policy_arns,
        tags,
        source_identity,
        serial_number,
        token_code,
        transitive_tag_keys,
    )
    if problem is not None:
        return problem
    who = caller.caller
    problem = _caller_type_problem(who) or _check_mfa(caller, serial_number, token_code)
    if problem is not None:
        return problem

    # A chained session keeps the source identity of the session it came from
    # (id_credentials_temp_control-access_monitor).
    inherited = _context_value(caller.context, "aws:SourceIdentity")
    if inherited is not None and source_identity is not None and source_identity != inherited:
        return StsDenied(
            "input",
            f"The caller's session already has the source identity {inherited!r}; a role it "
            f"assumes keeps that value and cannot be given another one.",
            "ValidationError (iamlab's wording): a source identity cannot be changed once set",
            parameter="sourceIdentity",
        )
    effective_source = source_identity if source_identity is not None else inherited

    # Transitive tags of the calling session pass on (id_session-tags, role chaining).
    passed_on = dict(caller.transitive_tags)
    clash = sorted(k for k in tags if k.lower() in {t.lower() for t in passed_on})
    if clash:
        return StsDenied(
            "input",
            f"The calling session passes on the transitive session tag {clash[0]!r}; the new "
            f"session inherits it and cannot be given another value for it.",
            "InvalidParameterValue (iamlab's wording): a session tag cannot replace an "
            "inherited transitive tag",
            parameter="tags",
        )

    time = _utc(now)
    mfa_at = time if serial_number is not None else caller.mfa_authenticated_at
    extra: dict[str, Any] = {"sts:RoleSessionName": session_name}
    if mfa_at is not None:
        extra.update(_mfa_keys(mfa_at, time))
    if external_id is not None:
        extra["sts:ExternalId"] = external_id
    if effective_source is not None:
        extra["sts:SourceIdentity"] = effective_source
    if tags:
        extra["aws:TagKeys"] = tuple(tags)
        for key, value in tags.items():
            extra[f"aws:RequestTag/{key}"] = value
    if transitive_tag_keys:
        extra["sts:TransitiveTagKeys"] = transitive_tag_keys
    context = _merge_context(caller.context, extra)
    inputs: dict[str, Any] = {
        "identity": caller.identity,
        "boundary": caller.boundary,
        "session": caller.session,
        "scps": caller.scps,
        "rcps": role.rcps,
        "resource_policy": role.trust,
    }

    steps: list[tuple[str, str | None]] = [("sts:AssumeRole", None)]
    if tags:
        steps.append(("sts:TagSession", "tag-session"))
    if source_identity is not None:
        steps.append(("sts:SetSourceIdentity", "source-identity"))
    for action, check in steps:
        request = Request(
            caller.principal,
            action,
            role.arn,
            context=context,
            session_issuer=caller.session_issuer,
            time=time,
        )
        evaluation = evaluate(request, **inputs)
        if not evaluation.allowed:
            return _access_denied(check, action, who, role, evaluation)

    chained = caller.chained
    problem = _duration_problem(role, duration_seconds, chained, str(who.describe()))
    if problem is not None:
        return problem

    policies = ((session_policy,) if session_policy is not None else ()) + policy_arns
    return Session(
        arn=f"arn:{role.partition}:sts::{role.account}:assumed-role/{role.name}/{session_name}",
        role=role,
        session_name=session_name,
        access_key_id=_hashed_id(
            "ASIA", 16, caller.principal, role.arn, session_name, time.isoformat()
        ),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration_seconds),
        duration_seconds=duration_seconds,
        session_policies=policies,
        tags={**passed_on, **tags},
        source_identity=effective_source,
        chained=chained,
        caller_arn=caller.principal,
        mfa_authenticated_at=mfa_at,
        transitive_tag_keys=tuple(passed_on) + transitive_tag_keys,
    )


def _duration_problem(
    role: RoleSpec, duration_seconds: int, chained: bool, who: str
) -> StsDenied | None:
    if chained and duration_seconds > CHAINED_MAX_DURATION:
        return StsDenied(
            "duration",
            f"{who} is itself a role session, so assuming {role.name} is role chaining, which "
            f"limits the new session to one hour (3600 seconds); {duration_seconds} were asked.",
            "ValidationError: The requested DurationSeconds exceeds the 1 hour session limit "
            "for roles assumed by role chaining.",
            parameter="durationSeconds",
        )
    if duration_seconds > role.max_session_seconds:
        return StsDenied(
            "duration",
            f"Role {role.name} allows sessions of at most {role.max_session_seconds} seconds "
            f"(its maximum session duration); {duration_seconds} were asked.",
            "ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set "
            "for this role.",
            parameter="durationSeconds",
        )
    return None


def _context_value(context: Mapping[str, Any], key: str) -> str | None:
    lowered = key.lower()
    for k, v in context.items():
        if k.lower() == lowered and isinstance(v, str):
            return v
    return None


# --- GetSessionToken and GetFederationToken ---------------------------------------------------


def _long_term_caller_problem(caller: CallerSpec, operation: str) -> StsDenied | None:
    """GetSessionToken and GetFederationToken need an IAM user's (or the root user's)
    long-term access keys."""
    who = caller.caller
    if who.kind in (PrincipalKind.USER, PrincipalKind.ROOT) and not caller.temporary:
        return None
    if who.kind in (PrincipalKind.USER, PrincipalKind.ROOT, PrincipalKind.ROLE_SESSION):
        source = (
            "GetSessionToken"
            if who.kind is not PrincipalKind.ROLE_SESSION
            else "a role (AssumeRole, AssumeRoleWithSAML or AssumeRoleWithWebIdentity)"
        )
        return StsDenied(
            "caller-type",
            f"{who.describe()} is using temporary credentials from {source}; {operation} must "
            f"be called with an IAM user's long-term access keys.",
            f"AccessDenied: Cannot call {operation} with session credentials",
        )
    if who.kind is PrincipalKind.FEDERATED_USER:
        return StsDenied(
            "caller-type",
            f"{who.describe()} got its credentials from GetFederationToken, and those "
            f"credentials cannot call any STS operation except GetCallerIdentity.",
            f"AccessDenied: User: {who.arn} is not authorized to perform: sts:{operation}",
        )
    return StsDenied(
        "caller-type",
        f"{operation} must be called by an IAM user (or the root user) with long-term access "
        f"keys; {who.describe()} has none.",
        "MissingAuthenticationToken: Request is missing Authentication Token",
    )


def _token_duration(
    caller: CallerSpec, duration_seconds: int | None
) -> tuple[int, StsDenied | None]:
    """User: 900..129600, default 43200. Root: default 3600, a longer request cut to 3600."""
    root = caller.caller.kind is PrincipalKind.ROOT
    if duration_seconds is None:
        return (ROOT_TOKEN_MAX_DURATION if root else TOKEN_DEFAULT_DURATION), None
    problem = _validate_duration(duration_seconds, TOKEN_MAX_DURATION, "36 hours")
    if problem:
        return duration_seconds, problem
    if root:
        return min(duration_seconds, ROOT_TOKEN_MAX_DURATION), None
    return duration_seconds, None


def get_session_token(
    caller: CallerSpec,
    *,
    now: dt.datetime,
    duration_seconds: int | None = None,
    serial_number: str | None = None,
    token_code: str | None = None,
) -> UserSession | StsDenied:
    """What ``aws sts get-session-token`` answers: temporary credentials for the same IAM user
    (or root user), MFA-authenticated when a valid ``serial_number`` / ``token_code`` is given.

    No policy is evaluated: "You cannot use policies to control authentication operations"
    (API_GetSessionToken). A root user's request for more than an hour gets one hour.
    """
    duration, problem = _token_duration(caller, duration_seconds)
    problem = (
        problem
        or _validate_mfa(serial_number, token_code)
        or _long_term_caller_problem(caller, "GetSessionToken")
        or _check_mfa(caller, serial_number, token_code)
    )
    if problem is not None:
        return problem
    time = _utc(now)
    return UserSession(
        arn=caller.caller.arn,
        user=caller,
        access_key_id=_hashed_id("ASIA", 16, "session-token", caller.principal, time.isoformat()),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration),
        duration_seconds=duration,
        mfa_authenticated_at=time if serial_number is not None else None,
        mfa_serial=serial_number,
    )


def get_federation_token(
    caller: CallerSpec,
    name: str,
    *,
    now: dt.datetime,
    duration_seconds: int | None = None,
    session_policy: Policy | None = None,
    policy_arns: Sequence[Policy] = (),
    tags: Mapping[str, str] | None = None,
) -> FederatedUserSession | StsDenied:
    """What ``aws sts get-federation-token`` answers: a :class:`FederatedUserSession` named
    ``name`` (``arn:aws:sts::ACCOUNT:federated-user/NAME``), or why it was refused.

    Order of the checks: syntax, caller type, ``sts:GetFederationToken`` (then
    ``sts:TagSession`` if tags are passed) evaluated with the caller's policies on the
    federated user's ARN. Without session policies the session gets nothing from the user's
    policies (the API reference: "the resulting federated user session has no permissions").
    """
    tags = dict(tags or {})
    policy_arns = tuple(policy_arns)
    duration, problem = _token_duration(caller, duration_seconds)
    problem = (
        _check_length("name", "The federated user name", name, 2, 32, _SESSION_NAME)
        or problem
        or _validate_policies(session_policy, policy_arns)
        or _validate_tags(tags)
        or _long_term_caller_problem(caller, "GetFederationToken")
    )
    if problem is not None:
        return problem
    who = caller.caller
    account = who.account or ""
    arn = f"arn:{who.partition}:sts::{account}:federated-user/{name}"
    time = _utc(now)
    extra: dict[str, Any] = {}
    if tags:
        extra["aws:TagKeys"] = tuple(tags)
        for key, value in tags.items():
            extra[f"aws:RequestTag/{key}"] = value
    context = _merge_context(caller.context, extra)
    steps: list[tuple[str, str]] = [("sts:GetFederationToken", "caller-permission")]
    if tags:
        steps.append(("sts:TagSession", "tag-session"))
    for action, check in steps:
        request = Request(caller.principal, action, arn, context=context, time=time)
        evaluation = evaluate(
            request,
            identity=caller.identity,
            boundary=caller.boundary,
            scps=caller.scps,
        )
        if not evaluation.allowed:
            explicit = " with an explicit deny" if evaluation.decision == EXPLICIT_DENY else ""
            return StsDenied(
                check,
                f"The policies of {who.describe()} do not allow it to call {action} for the "
                f"federated user {name}. {evaluation.reason}",
                f"AccessDenied: User: {who.arn} is not authorized to perform: {action} on "
                f"resource: {arn}{explicit}",
                evaluation,
                side="caller",
            )
    policies = ((session_policy,) if session_policy is not None else ()) + policy_arns
    return FederatedUserSession(
        arn=arn,
        name=name,
        issuer=caller,
        access_key_id=_hashed_id(
            "ASIA", 16, "federation", caller.principal, name, time.isoformat()
        ),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration),
        duration_seconds=duration,
        session_policies=policies,
        tags=tags,
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
            f"The trust policy of role {role.name} does not allow users of identity provider "
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
    problem = _duration_problem(role, requested_duration, False, "")
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


def assume_role_for_service(
    service: str,
    role: RoleSpec,
    session_name: str,
    *,
    now: dt.datetime,
    duration_seconds: int = 3600,
    source_account: str | None = None,
    source_arn: str | None = None,
) -> Session | StsDenied:
    """An AWS service (``ec2.amazonaws.com``, ``lambda.amazonaws.com``) assumes a role for you.

    Only the role's trust policy (and the RCPs of the role's account) decide: a service
    principal has no identity-based policies. The request carries ``aws:SourceAccount`` and
    ``aws:SourceArn`` of the resource the service acts for, which trust policies use against
    the confused deputy (id_roles_create_for-service.html, confused-deputy.html). The session is
    named after what the service runs (for EC2 the instance id, so aws:userid is
    ROLE-ID:i-..., id_roles_use_switch-role-ec2.html); it is not role chaining.
    """
    time = _utc(now)
    context: dict[str, Any] = {}
    if source_account is not None:
        context["aws:SourceAccount"] = source_account
    if source_arn is not None:
        context["aws:SourceArn"] = source_arn
    request = Request(service, "sts:AssumeRole", role.arn, context=context, time=time)
    evaluation = evaluate(request, resource_policy=role.trust, rcps=role.rcps)
    if not evaluation.allowed:
        return StsDenied(
            "trust-policy",
            f"Role {role.name}'s trust policy does not let the service {service} assume it, so "
            f"the service gets no credentials. A role meant for {service} trusts it as "
            f'"Principal": {{"Service": "{service}"}} with the action sts:AssumeRole.',
            f"(the service reports it cannot assume {role.arn})",
            evaluation=evaluation,
            side="trust-policy",
        )
    return Session(
        arn=f"arn:{role.partition}:sts::{role.account}:assumed-role/{role.name}/{session_name}",
        role=role,
        session_name=session_name,
        access_key_id=_hashed_id("ASIA", 16, service, role.arn, session_name, time.isoformat()),
        issued_at=time,
        expires_at=time + dt.timedelta(seconds=duration_seconds),
        duration_seconds=duration_seconds,
        session_policies=(),
        tags={},
        source_identity=None,
        chained=False,
        caller_arn=service,
    )


# --- GetCallerIdentity ------------------------------------------------------------------------


def get_caller_identity(
    principal: str | TemporarySession,
    *,
    session_issuer: str | None = None,
    unique_id: str | None = None,
) -> dict[str, str]:
    """What ``aws sts get-caller-identity`` prints: ``UserId``, ``Account`` and ``Arn``.

    ``principal`` is an ARN or any session (:class:`Session`, :class:`UserSession`,
    :class:`FederatedUserSession`). ``unique_id`` is the IAM user's AIDA... ID or the role's
    AROA... ID; a stable made-up one is used if not given. Raises :class:`RequestError` for a
    principal that has no credentials of its own (a role ARN rather than a session, a service,
    an anonymous caller).
    """
    if isinstance(principal, Session | UserSession | FederatedUserSession):
        return {"UserId": principal.user_id, "Account": principal.account, "Arn": principal.arn}
    if not isinstance(principal, str):
        raise RequestError("principal", "give an ARN or a session")
    caller = parse_caller(principal, session_issuer)
    account = caller.account or ""
    kind = caller.kind
    if kind is PrincipalKind.ROOT:
        return {"UserId": account, "Account": account, "Arn": caller.arn}
    if kind is PrincipalKind.USER:
        user_id = unique_id or _user_unique_id(account, caller.name or "")
        return {"UserId": user_id, "Account": account, "Arn": caller.arn}
    if kind is PrincipalKind.ROLE_SESSION and caller.session_name is not None:
        role_id = unique_id or _role_unique_id(account, caller.name or "")
        return {
            "UserId": f"{role_id}:{caller.session_name}",
            "Account": account,
            "Arn": caller.arn,
        }
    if kind is PrincipalKind.FEDERATED_USER:
        return {"UserId": f"{account}:{caller.name}", "Account": account, "Arn": caller.arn}
    raise RequestError(
        "principal",
        f"{caller.describe()} has no credentials of its own to call GetCallerIdentity with"
        + (
            "; a role is used through a session: give the session's ARN "
            "(arn:aws:sts::ACCOUNT-ID:assumed-role/ROLE/SESSION)"
            if kind is PrincipalKind.ROLE_SESSION
            else ""
        ),
    )
