"""STS results: the sessions each operation returns (:class:`Session`, :class:`UserSession`,
:class:`FederatedUserSession`, all :class:`TemporarySession`) and why a call was refused
(:class:`StsDenied`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..credentials import (
    ASSUMED_ROLE,
    FEDERATED_USER,
    LONG_TERM,
    SESSION_TOKEN,
    refusal,
    sts_refusal,
)
from ..evaluate import EXPLICIT_DENY, IMPLICIT_DENY, Evaluation, evaluate
from ..model import Policy
from ..parser import parse_policy
from ..request import PrincipalKind, Request
from .inputs import (
    CallerSpec,
    RoleSpec,
    _context_value,
    _iso,
    _merge_context,
    _user_unique_id,
    _utc,
)

# --- the results ------------------------------------------------------------------------------


def credential_refusal(
    kind: str, action: str, *, mfa: bool = False, root: bool = False
) -> str | None:
    """Why temporary credentials of ``kind`` can never call ``action`` through the CLI or API
    (None: they may try; the policies decide). ``kind`` is ``assumed-role``, ``federated-user``
    or ``session-token``; ``mfa`` says the credentials were authenticated with MFA, ``root``
    that they are the root user's. The rule is :func:`iamlab.policy.credentials.refusal`.
    """
    if kind == LONG_TERM:
        raise ValueError(f"unknown kind of session: {kind!r}")
    found = refusal(kind, action, mfa=mfa, root=root)
    return found.message if found is not None else None


def _credential_problem(caller: CallerSpec, action: str) -> StsDenied | None:
    """The STS operation ``action`` refused because of the credentials ``caller`` signs with
    (:func:`iamlab.policy.credentials.sts_refusal`), before any policy is read."""
    kind = caller.credentials
    if kind is None:
        return None
    who = caller.caller
    found = sts_refusal(kind, action, root=who.kind is PrincipalKind.ROOT)
    if found is None:
        return None
    return StsDenied(
        "caller-type",
        found.message,
        found.aws_error(who.arn, action),
    )


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
        near_misses=(),
        deny_conditions=(),
        changes_of=None,
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


_ROOT_FULL_ACCESS = parse_policy(
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
        return credential_refusal(SESSION_TOKEN, action, mfa=self.mfa, root=self.root)

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

    @property
    def headline(self) -> str:
        """The message without the engine's reason, for a page that shows the reason (and
        the conditions behind it) right below."""
        if self.evaluation is None or not self.message.endswith(self.evaluation.reason):
            return self.message
        return self.message.removesuffix(self.evaluation.reason).strip() or self.message
