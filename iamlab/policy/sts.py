"""AWS STS AssumeRole and GetCallerIdentity as pure functions over the engine's objects.

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

Left out: AssumeRoleWithSAML, AssumeRoleWithWebIdentity, GetSessionToken, GetFederationToken,
MFA parameters (SerialNumber/TokenCode: put ``aws:MultiFactorAuthPresent`` in the caller's
context instead), TransitiveTagKeys and the packed-size limit (PackedPolicyTooLarge is computed
by AWS on a compressed binary form it does not document).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .evaluate import EXPLICIT_DENY, Evaluation, evaluate
from .model import Policy, PolicyType
from .request import Caller, PrincipalKind, Request, RequestError, parse_caller

__all__ = [
    "CallerSpec",
    "RoleSpec",
    "Session",
    "StsDenied",
    "assume_role",
    "get_caller_identity",
]

MIN_DURATION = 900
MAX_DURATION = 43200  # 12 hours: the largest MaxSessionDuration a role can have
CHAINED_MAX_DURATION = 3600
MAX_POLICY_CHARS = 2048
MAX_POLICY_ARNS = 10
MAX_TAGS = 50

_ROLE_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):role/((?:.*/)?)([\w+=,.@-]+)", re.ASCII)
_SESSION_NAME = re.compile(r"[\w+=,.@-]*", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]*", re.ASCII)
_POLICY_CHARS = re.compile(r"[\t\n\r\u0020-\u00ff]*")
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


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
    ``aws:MultiFactorAuthPresent``, ``aws:SourceIp``, ``aws:PrincipalTag/...``).
    """

    principal: str
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    session: tuple[Policy, ...] = ()
    scps: tuple[tuple[Policy, ...], ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)
    session_issuer: str | None = None

    def __post_init__(self) -> None:
        setter = object.__setattr__
        setter(self, "identity", tuple(self.identity))
        setter(self, "session", tuple(self.session))
        setter(self, "scps", tuple(tuple(level) for level in self.scps))
        parse_caller(self.principal, self.session_issuer)  # raises RequestError if unknown

    @property
    def caller(self) -> Caller:
        return parse_caller(self.principal, self.session_issuer)

    @property
    def chained(self) -> bool:
        """The caller is a role session, so a role it assumes is role chaining."""
        return self.caller.kind is PrincipalKind.ROLE_SESSION


# --- the results ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Session:
    """A role session: what AssumeRole returns, and how to evaluate requests made with it."""

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

    def expired(self, at: dt.datetime) -> bool:
        return _utc(at) >= self.expires_at

    def context(self) -> dict[str, Any]:
        """The condition keys AWS adds to every request made with this session."""
        out: dict[str, Any] = {
            "aws:userid": self.user_id,
            "aws:TokenIssueTime": _iso(self.issued_at),
        }
        for key, value in self.tags.items():
            out[f"aws:PrincipalTag/{key}"] = value
        if self.source_identity is not None:
            out["aws:SourceIdentity"] = self.source_identity
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

    def request(
        self,
        action: str,
        resource: str = "*",
        context: Mapping[str, Any] | None = None,
        *,
        resource_owner: str | None = None,
        time: dt.datetime | None = None,
    ) -> Request:
        """A request made with this session's credentials (the session's keys, then ``context``;
        ``time`` defaults to when the session was issued)."""
        merged = _merge_context(self.context(), context or {})
        return Request(
            self.arn,
            action,
            resource,
            context=merged,
            resource_owner=resource_owner,
            session_issuer=self.role.arn,
            time=time or self.issued_at,
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
        """Evaluate a request made with this session."""
        request = self.request(action, resource, context, resource_owner=resource_owner, time=time)
        return evaluate(request, resource_policy=resource_policy, rcps=rcps, **self.engine_inputs())

    def as_caller(self, context: Mapping[str, Any] | None = None) -> CallerSpec:
        """This session as the caller of another STS request (role chaining)."""
        return CallerSpec(
            self.arn,
            identity=self.role.identity,
            boundary=self.role.boundary,
            session=self.session_policies,
            scps=self.role.scps,
            context=_merge_context(self.context(), context or {}),
            session_issuer=self.role.arn,
        )


@dataclass(frozen=True, eq=False)
class StsDenied:
    """Why STS refused the call.

    ``check`` is one of ``input`` (a parameter is invalid), ``caller-type`` (this kind of caller
    cannot call AssumeRole at all), ``caller-permission`` (the caller's own policies, boundary,
    session policies or SCPs do not allow ``sts:AssumeRole``), ``trust-policy`` (the role's
    trust policy does not allow the caller), ``rcp`` (an RCP of the role's account),
    ``tag-session`` (``sts:TagSession`` is not allowed), ``source-identity``
    (``sts:SetSourceIdentity`` is not allowed) or ``duration`` (longer than the role allows or
    than role chaining allows). ``side`` says, for the three permission checks, whose policy
    refused: ``caller``, ``trust-policy`` or ``rcp``. ``aws_error`` is what the API would answer.
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


def _validate(
    session_name: str,
    duration_seconds: int,
    external_id: str | None,
    session_policy: Policy | None,
    policy_arns: Sequence[Policy],
    tags: Mapping[str, str],
    source_identity: str | None,
) -> StsDenied | None:
    problem = _check_length(
        "roleSessionName", "The role session name", session_name, 2, 64, _SESSION_NAME
    )
    if problem:
        return problem
    if duration_seconds < MIN_DURATION:
        return _validation(
            "durationSeconds",
            duration_seconds,
            f"have value greater than or equal to {MIN_DURATION}",
            "DurationSeconds must be at least 900 seconds (15 minutes).",
        )
    if duration_seconds > MAX_DURATION:
        return _validation(
            "durationSeconds",
            duration_seconds,
            f"have value less than or equal to {MAX_DURATION}",
            "DurationSeconds can be at most 43200 seconds (12 hours), the longest maximum "
            "session duration a role can have.",
        )
    if external_id is not None:
        problem = _check_length("externalId", "The external ID", external_id, 2, 1224, _EXTERNAL_ID)
        if problem:
            return problem
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
    if source_identity is not None:
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
    source_identity: str | None = None,
) -> Session | StsDenied:
    """What ``aws sts assume-role`` answers: a :class:`Session`, or why it was refused.

    ``policy_arns`` are the managed policies passed as PolicyArns (their documents: the engine
    needs the statements, not the ARNs). ``now`` is when the call is made; the session expires
    ``duration_seconds`` later.
    """
    tags = dict(tags or {})
    policy_arns = tuple(policy_arns)
    problem = _validate(
        session_name,
        duration_seconds,
        external_id,
        session_policy,
        policy_arns,
        tags,
        source_identity,
    )
    if problem is not None:
        return problem
    who = caller.caller
    problem = _caller_type_problem(who)
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

    extra: dict[str, Any] = {"sts:RoleSessionName": session_name}
    if external_id is not None:
        extra["sts:ExternalId"] = external_id
    if effective_source is not None:
        extra["sts:SourceIdentity"] = effective_source
    if tags:
        extra["aws:TagKeys"] = tuple(tags)
        for key, value in tags.items():
            extra[f"aws:RequestTag/{key}"] = value
    context = _merge_context(caller.context, extra)
    time = _utc(now)
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
        tags=tags,
        source_identity=effective_source,
        chained=chained,
        caller_arn=caller.principal,
    )


def _context_value(context: Mapping[str, Any], key: str) -> str | None:
    lowered = key.lower()
    for k, v in context.items():
        if k.lower() == lowered and isinstance(v, str):
            return v
    return None


# --- GetCallerIdentity ------------------------------------------------------------------------


def get_caller_identity(
    principal: str | Session,
    *,
    session_issuer: str | None = None,
    unique_id: str | None = None,
) -> dict[str, str]:
    """What ``aws sts get-caller-identity`` prints: ``UserId``, ``Account`` and ``Arn``.

    ``unique_id`` is the IAM user's AIDA... ID or the role's AROA... ID; a stable made-up one
    is used if not given. Raises :class:`RequestError` for a principal that has no credentials
    of its own (a role ARN rather than a session, a service, an anonymous caller).
    """
    if isinstance(principal, Session):
        return {"UserId": principal.user_id, "Account": principal.account, "Arn": principal.arn}
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
