"""The request context: who calls, which action, on which resource, with which context keys.

Source: IAM User Guide, "Policy evaluation logic" §"Processing the request context"
(reference_policies_evaluation-logic) and "Principal key values" in reference_policies_variables.

Where the context does not give them, the keys AWS itself derives from the caller are filled
in: ``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:username``
(IAM users only), ``aws:userid`` (where it follows from the ARN), ``aws:PrincipalIsAWSService``,
``aws:PrincipalServiceName``, ``aws:ResourceAccount``, ``aws:CurrentTime`` and
``aws:EpochTime``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Caller",
    "PrincipalKind",
    "Request",
    "RequestError",
    "check_account",
    "check_action",
    "check_resource",
    "parse_caller",
]


class RequestError(ValueError):
    """A request that cannot be evaluated, with the field that is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class PrincipalKind(StrEnum):
    ROOT = "root user"
    USER = "IAM user"
    ROLE_SESSION = "role session"
    FEDERATED_USER = "federated user"
    SERVICE = "AWS service"
    ANONYMOUS = "anonymous caller"
    IDENTITY_PROVIDER = "identity provider"  # SAML / OIDC caller of AssumeRoleWith*


_ACCOUNT = r"(\d{12})"
_PARTITION = r"(aws|aws-cn|aws-us-gov|aws-iso[\w-]*|aws-eusc)"
_ROOT = re.compile(rf"arn:{_PARTITION}:iam::{_ACCOUNT}:root")
_USER = re.compile(rf"arn:{_PARTITION}:iam::{_ACCOUNT}:user/(?:(.*)/)?([\w+=,.@-]+)")
_ROLE = re.compile(rf"arn:{_PARTITION}:iam::{_ACCOUNT}:role/(?:(.*)/)?([\w+=,.@-]+)")
_SESSION = re.compile(rf"arn:{_PARTITION}:sts::{_ACCOUNT}:assumed-role/([\w+=,.@-]+)/(.+)")
_FEDERATED = re.compile(rf"arn:{_PARTITION}:sts::{_ACCOUNT}:federated-user/([\w+=,.@-]+)")
_PROVIDER = re.compile(rf"arn:{_PARTITION}:iam::{_ACCOUNT}:(saml-provider|oidc-provider)/(.+)")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9.-]*\.(amazonaws\.com(\.cn)?|aws\.internal)")
_WEB_IDENTITY = (
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
    "cognito-identity.amazonaws.com",
)
_SERVICE_LINKED_PATH = "aws-service-role/"


@dataclass(frozen=True, slots=True)
class Caller:
    """Everything the engine needs to know about a principal, derived from its ARN."""

    arn: str  # as given (session ARN for sessions; "*" for anonymous; the service name)
    kind: PrincipalKind
    account: str | None
    partition: str
    # The identity behind a session: the role (for a role session) or the IAM user who called
    # GetFederationToken (for a federated user), when known.
    issuer_arn: str | None = None
    name: str | None = None  # user name, role name, federated user name, service name
    session_name: str | None = None
    service_linked: bool = False

    @property
    def is_session(self) -> bool:
        return self.kind in (PrincipalKind.ROLE_SESSION, PrincipalKind.FEDERATED_USER)

    @property
    def principal_arn(self) -> str | None:
        """The value of aws:PrincipalArn (a role session reports its role's ARN)."""
        if self.kind is PrincipalKind.ROLE_SESSION:
            return self.issuer_arn
        if self.kind in (PrincipalKind.USER, PrincipalKind.ROOT, PrincipalKind.FEDERATED_USER):
            return self.arn
        return None

    @property
    def principal_type(self) -> str | None:
        return {
            PrincipalKind.ROOT: "Account",
            PrincipalKind.USER: "User",
            PrincipalKind.ROLE_SESSION: "AssumedRole",
            PrincipalKind.FEDERATED_USER: "FederatedUser",
            PrincipalKind.ANONYMOUS: "Anonymous",
        }.get(self.kind)

    def describe(self) -> str:
        if self.kind is PrincipalKind.ROOT:
            return f"the root user of account {self.account}"
        if self.kind is PrincipalKind.USER:
            return f"IAM user {self.name}"
        if self.kind is PrincipalKind.ROLE_SESSION:
            if self.session_name:
                return f"session {self.session_name} of role {self.name}"
            return f"a session of role {self.name}"
        if self.kind is PrincipalKind.FEDERATED_USER:
            return f"federated user {self.name}"
        if self.kind is PrincipalKind.SERVICE:
            return f"the service {self.arn}"
        if self.kind is PrincipalKind.IDENTITY_PROVIDER:
            return f"a user of identity provider {self.arn}"
        return "an anonymous caller"


@functools.lru_cache(maxsize=8192)
def parse_caller(principal: str, issuer: str | None = None) -> Caller:
    """Classify a principal ARN. Raises :class:`RequestError` with a helpful message."""
    text = principal.strip()
    if text in ("*", "anonymous", ""):
        if text == "":
            raise RequestError(
                "principal",
                "give the ARN of the caller (for example arn:aws:iam::111122223333:user/alice)",
            )
        return Caller("*", PrincipalKind.ANONYMOUS, None, "aws")
    if m := _ROOT.fullmatch(text):
        return Caller(text, PrincipalKind.ROOT, m.group(2), m.group(1))
    if re.fullmatch(r"\d{12}", text):
        return Caller(f"arn:aws:iam::{text}:root", PrincipalKind.ROOT, text, "aws")
    if m := _USER.fullmatch(text):
        return Caller(text, PrincipalKind.USER, m.group(2), m.group(1), name=m.group(4))
    if m := _ROLE.fullmatch(text):
        path = (m.group(3) or "") + "/" if m.group(3) else ""
        return Caller(
            text,
            PrincipalKind.ROLE_SESSION,
            m.group(2),
            m.group(1),
            issuer_arn=text,
            name=m.group(4),
            service_linked=path.startswith(_SERVICE_LINKED_PATH),
        )
    if m := _SESSION.fullmatch(text):
        partition, account, role, session = m.groups()
        issuer_arn = issuer or f"arn:{partition}:iam::{account}:role/{role}"
        role_match = _ROLE.fullmatch(issuer_arn)
        if role_match is None or role_match.group(4) != role or role_match.group(2) != account:
            raise RequestError(
                "session_issuer", f"{issuer_arn} is not the ARN of role {role} in account {account}"
            )
        path = (role_match.group(3) or "") + "/"
        return Caller(
            text,
            PrincipalKind.ROLE_SESSION,
            account,
            partition,
            issuer_arn=issuer_arn,
            name=role,
            session_name=session,
            service_linked=path.startswith(_SERVICE_LINKED_PATH),
        )
    if m := _FEDERATED.fullmatch(text):
        partition, account, name = m.groups()
        if issuer is not None and not (_USER.fullmatch(issuer) or _ROOT.fullmatch(issuer)):
            raise RequestError(
                "session_issuer",
                f"{issuer} is not the ARN of an IAM user or "
                f"root user (the caller of GetFederationToken)",
            )
        return Caller(
            text, PrincipalKind.FEDERATED_USER, account, partition, issuer_arn=issuer, name=name
        )
    if m := _PROVIDER.fullmatch(text):
        return Caller(text, PrincipalKind.IDENTITY_PROVIDER, m.group(2), m.group(1))
    if text.lower() in _WEB_IDENTITY:
        return Caller(text.lower(), PrincipalKind.IDENTITY_PROVIDER, None, "aws")
    if _SERVICE.fullmatch(text.lower()):
        return Caller(text.lower(), PrincipalKind.SERVICE, None, "aws", name=text.lower())
    raise RequestError(
        "principal",
        f'"{principal}" is not a principal iamlab understands. Use an ARN such as '
        f"arn:aws:iam::111122223333:user/alice or "
        f"arn:aws:sts::111122223333:assumed-role/Admin/alice, a service such as "
        f"ec2.amazonaws.com, or * for an anonymous caller",
    )


@functools.lru_cache(maxsize=8192)
def check_action(action: str) -> str:
    """One action, service:Action, no wildcards; returns it stripped or raises RequestError."""
    action = action.strip()
    if action.count(":") != 1 or not all(action.split(":")) or any(c in action for c in "*?"):
        raise RequestError(
            "action",
            f'"{action}" is not an action: write service:Action, for example s3:GetObject '
            f"(no wildcards; a request is one action)",
        )
    return action


@functools.lru_cache(maxsize=8192)
def check_resource(resource: str) -> str:
    resource = resource.strip() or "*"
    if resource != "*" and not resource.startswith("arn:"):
        raise RequestError(
            "resource",
            f'"{resource}" is not an ARN; give the resource\'s ARN, or * for actions that take '
            f"no resource",
        )
    return resource


def check_account(account: str, field_name: str) -> str:
    if not re.fullmatch(r"\d{12}", account):
        raise RequestError(field_name, f'"{account}" is not a 12-digit account ID')
    return account


ContextInput = str | int | float | bool | Iterable[str | int | float | bool] | None


def _normalize_value(key: str, value: Any) -> str | tuple[str, ...]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Iterable):
        return tuple(str(_normalize_value(key, v)) for v in value)
    raise RequestError(
        f"context[{key}]",
        f"a context value must be a string, number, boolean "
        f"or a list of them, not {type(value).__name__}",
    )


def normalize_context(context: Mapping[str, Any]) -> dict[str, str | tuple[str, ...]]:
    """Context keys lower-cased and values normalized once, for :meth:`Request.variant`."""
    out: dict[str, str | tuple[str, ...]] = {}
    for key, value in context.items():
        if value is not None:
            out[key.lower()] = _normalize_value(key, value)
    return out


_ARN_SHAPE = re.compile(r"arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)", re.DOTALL)


@dataclass(frozen=True, slots=True, init=False)
class Request:
    """One API call to authorize.

    ``context`` maps condition keys (any case) to a value or a list of values; a list makes the
    key multivalued. ``resource_owner`` defaults to the account in the resource ARN, or the
    caller's account where the ARN has none (S3 buckets, ``*``). ``session_issuer`` names the
    role behind a role session when its path matters, or the IAM user who called
    GetFederationToken for a federated user.
    """

    principal: str
    action: str
    resource: str
    context: Mapping[str, str | tuple[str, ...]]
    resource_owner: str | None
    caller: Caller
    action_lower: str
    service: str
    time: dt.datetime
    _derived: dict[str, str | tuple[str, ...] | None] = field(repr=False)

    def __init__(
        self,
        principal: str,
        action: str,
        resource: str = "*",
        context: Mapping[str, Any] | None = None,
        resource_owner: str | None = None,
        session_issuer: str | None = None,
        time: dt.datetime | None = None,
    ) -> None:
        caller = parse_caller(principal, session_issuer)
        action = check_action(action)
        resource = check_resource(resource)
        if resource_owner is not None:
            check_account(resource_owner, "resource_owner")
        normalized: dict[str, str | tuple[str, ...]] = {}
        names: dict[str, str] = {}
        for key, value in (context or {}).items():
            if not isinstance(key, str) or ":" not in key:
                raise RequestError(
                    "context",
                    f'"{key}" is not a condition key: keys are '
                    f"written prefix:name, e.g. aws:SourceIp",
                )
            lower = key.lower()
            if lower in normalized:
                raise RequestError(
                    f"context[{key}]",
                    f"the key is given twice ({names[lower]} "
                    f"and {key}); condition keys are case-insensitive",
                )
            if value is None:
                continue
            normalized[lower] = _normalize_value(key, value)
            names[lower] = key
        when = time or dt.datetime.now(dt.UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        self._fill(principal, caller, action, resource, normalized, resource_owner, when)

    def _fill(
        self,
        principal: str,
        caller: Caller,
        action: str,
        resource: str,
        context: dict[str, str | tuple[str, ...]],
        resource_owner: str | None,
        when: dt.datetime,
    ) -> None:
        """Set the fields of a checked request. The resource owner defaults to the account in
        the resource ARN, else the caller's account."""
        owner = resource_owner
        if owner is None:
            m = _ARN_SHAPE.fullmatch(resource)
            owner = m.group(4) if m and re.fullmatch(r"\d{12}", m.group(4)) else caller.account
        setter = object.__setattr__
        setter(self, "principal", principal)
        setter(self, "action", action)
        setter(self, "resource", resource)
        setter(self, "context", context)
        setter(self, "resource_owner", owner)
        setter(self, "caller", caller)
        setter(self, "action_lower", action.lower())
        setter(self, "service", action.split(":")[0].lower())
        setter(self, "time", when)
        setter(self, "_derived", {})

    def variant(
        self,
        action: str,
        resource: str,
        extra: Mapping[str, Any] | None = None,
        resource_owner: str | None = None,
        *,
        normalized_extra: Mapping[str, str | tuple[str, ...]] | None = None,
    ) -> Request:
        """The same caller, context and time asking for another action on another resource,
        with ``extra`` keys added (or replacing keys of the same name). Much cheaper than a new
        :class:`Request` when one caller asks many questions (the access graph does).
        ``normalized_extra`` holds keys already lower-cased with values already normalized
        (see :func:`normalize_context`), merged as they are."""
        action = check_action(action)
        resource = check_resource(resource)
        normalized = dict(self.context)
        if normalized_extra:
            normalized.update(normalized_extra)
        for key, value in (extra or {}).items():
            if not isinstance(key, str) or ":" not in key:
                raise RequestError("context", f'"{key}" is not a condition key')
            lower = key.lower()
            if value is None:
                normalized.pop(lower, None)
            else:
                normalized[lower] = _normalize_value(key, value)
        if resource_owner is not None:
            check_account(resource_owner, "resource_owner")
        clone = object.__new__(Request)
        clone._fill(
            self.principal, self.caller, action, resource, normalized, resource_owner, self.time
        )
        return clone

    # -- context lookup (the hot path of condition evaluation) ---------------------------------

    def get(self, key_lower: str) -> str | tuple[str, ...] | None:
        """Value of a lower-cased condition key: given in the context, or derived by AWS."""
        value = self.context.get(key_lower)
        if value is not None:
            return value
        derived = self._derived
        if key_lower in derived:
            return derived[key_lower]
        value = self._derive(key_lower)
        derived[key_lower] = value
        return value

    def scalar(self, key_lower: str) -> str | None:
        value = self.get(key_lower)
        return value if isinstance(value, str) else None

    def _derive(self, key: str) -> str | None:
        caller = self.caller
        if key == "aws:principalarn":
            return caller.principal_arn
        if key == "aws:principalaccount":
            if caller.kind is PrincipalKind.ANONYMOUS:
                return "anonymous"
            return caller.account if caller.kind is not PrincipalKind.IDENTITY_PROVIDER else None
        if key == "aws:principaltype":
            return caller.principal_type
        if key == "aws:username":
            return caller.name if caller.kind is PrincipalKind.USER else None
        if key == "aws:userid":
            if caller.kind is PrincipalKind.ROOT:
                return caller.account
            if caller.kind is PrincipalKind.FEDERATED_USER:
                return f"{caller.account}:{caller.name}"
            if caller.kind is PrincipalKind.ANONYMOUS:
                return "anonymous"
            return None
        if key == "aws:principalisawsservice":
            if caller.kind in (PrincipalKind.ANONYMOUS, PrincipalKind.IDENTITY_PROVIDER):
                return None
            return "true" if caller.kind is PrincipalKind.SERVICE else "false"
        if key == "aws:principalservicename":
            return caller.name if caller.kind is PrincipalKind.SERVICE else None
        if key == "aws:resourceaccount":
            return self.resource_owner
        if key == "aws:currenttime":
            return self.time.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if key == "aws:epochtime":
            return str(int(self.time.timestamp()))
        return None

    @property
    def cross_account(self) -> bool:
        account = self.caller.account
        return (
            self.caller.kind
            not in (PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS, PrincipalKind.IDENTITY_PROVIDER)
            and account is not None
            and self.resource_owner is not None
            and account != self.resource_owner
        )
