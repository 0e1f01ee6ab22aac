"""STS inputs: the role to assume (:class:`RoleSpec`), who calls (:class:`CallerSpec`), the
limits AWS documents for the parameters, and small helpers the other modules share.

See the package docstring (:mod:`iamlab.policy.sts`) for the sources.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..credentials import kind_of
from ..model import Policy, PolicyType
from ..request import Caller, PrincipalKind, RequestError, parse_caller

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


def _merge_context(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``extra``, condition keys compared case-insensitively."""
    lowered = {k.lower() for k in extra}
    merged = {k: v for k, v in base.items() if k.lower() not in lowered}
    merged.update(extra)
    return merged


def _context_value(context: Mapping[str, Any], key: str) -> str | None:
    lowered = key.lower()
    for k, v in context.items():
        if k.lower() == lowered and isinstance(v, str):
            return v
    return None


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
    def credentials(self) -> str | None:
        """The kind of credentials the caller signs with (:mod:`iamlab.policy.credentials`);
        None for a caller with none of its own (a service, an identity provider, anonymous)."""
        return kind_of(self.caller.kind, temporary=self.temporary)

    @property
    def uses_temporary_credentials(self) -> bool:
        return self.temporary or self.caller.kind in (
            PrincipalKind.ROLE_SESSION,
            PrincipalKind.FEDERATED_USER,
        )
