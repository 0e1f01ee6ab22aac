"""Asking the policy engine the graph's questions, with the answers shared and cached.

:class:`_Asker` makes each request the way the access check would (the caller's ARN, the keys
AWS sets on every request of its kind, the target's tags and region) and keeps the answers:
per resource, per set of resources the deciding statements cannot tell apart, and per class
of principals whose deciding statements agree (see the ``build`` module's docstring). The
edge families ask it only through :meth:`_Asker.decide`, :meth:`_Asker.conditional` and
:meth:`_Asker.outsider`; both of the first two go through one walk of those caches
(:meth:`_Asker._answer`), so a cache can never serve one of them an answer the other would
not give.

Also here: the keys every request carries (:func:`always_present`) and the context that
would meet a conditional Allow (:func:`satisfying_context`), which the asker retries with.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from iamlab.policy import (
    ALLOWED,
    Policy,
    PolicySet,
    PolicyType,
    Request,
    RequestError,
    StatementTrace,
    parse_policy,
)
from iamlab.policy.conditions import Condition
from iamlab.policy.model import ResourceSpec, Statement
from iamlab.policy.request import normalize_context

from .inputs import GraphInput, PrincipalIn

__all__ = ["always_present", "describe_condition", "requested_region", "satisfying_context"]

_A = TypeVar("_A")
# The answer of conditional(): allowed, and the conditions a request must meet.
_Conditional = tuple[bool, tuple[str, ...]]

# calls or about the target, not something a request can choose: a condition on one of them
# that the request fails cannot be met (reference_policies_condition-keys).
_PRINCIPAL_FACTS = (
    "aws:principaltag/",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principaltype",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:userid",
    "aws:username",
)
_RESOURCE_FACTS = (
    "aws:resourcetag/",
    "iam:resourcetag/",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
)
# Keys about the request itself that nobody chooses: the time it is made.
_REQUEST_FACTS = ("aws:currenttime", "aws:epochtime")


def always_present(p: PrincipalIn, now: dt.datetime) -> dict[str, str]:
    """The context keys AWS sets on every request of ``p``'s kind that the input does not
    carry already, with the values they would have when ``p`` calls now.

    Source: IAM User Guide, "AWS global condition context keys"
    (reference_policies_condition-keys), each key's "Availability":

    * ``aws:TokenIssueTime``: "only in requests signed with temporary security credentials".
      A role calls as a session of itself, so every request of a role carries it; the session
      is taken when the role escalates, so it is issued now. An IAM user's long-term access
      keys do not carry it (a user may call GetSessionToken first, so a condition on it
      stays the user's to meet, a conditional edge); nor does the root user's.
    * ``aws:SecureTransport``: "always included in the request context". Choice: ``true``.
      Its value says whether the request came over TLS; the SDKs and the CLI call over HTTPS,
      and the IAM and STS endpoints answer HTTPS only, so a principal that can escalate over
      HTTPS can escalate.
    * ``aws:CurrentTime``, ``aws:EpochTime`` ("always included"), ``aws:PrincipalArn``
      ("all signed requests"), ``aws:PrincipalAccount``, ``aws:PrincipalType`` ("always"),
      ``aws:username`` (IAM users only): the engine derives them from the caller's ARN and
      the request's time (:meth:`Request.get`), which the graph fixes once per build.
    * ``aws:userid``, ``aws:PrincipalOrgID`` / ``aws:PrincipalOrgPaths`` ("when the
      principal's account is in an organization") and ``aws:PrincipalTag/*`` ("when the
      principal has tags") come with the principal's ``context`` (``iamlab.sandbox.graphing``
      fills them from the World).

    Not given: ``aws:ViaAWSService`` (included "for most services", not every one),
    ``aws:MultiFactorAuthPresent`` (only with temporary credentials, and true only when the
    session was taken with MFA: the caller's doing), ``aws:SourceIp``, ``aws:SourceVpc``,
    ``aws:UserAgent``, ``aws:CalledVia`` and the other keys the caller controls or that only
    some requests carry. A condition on one of them stays a conditional edge.
    """
    keys = {"aws:SecureTransport": "true"}
    if p.kind == "role" or p.issuer is not None:
        keys["aws:TokenIssueTime"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    given = {key.lower() for key in p.context}
    return {k: v for k, v in keys.items() if k.lower() not in given}


# -- conditions: what a request would have to carry --------------------------------------------


def _satisfying_value(condition: Condition) -> tuple[bool, Any]:
    """(present, value): a request value that makes ``condition`` hold, or (False, None) when
    leaving the key out does. Raises ValueError when no value can be found. The value itself
    comes from the operator's family, the one place that knows what its values mean."""
    spec = condition.operator.spec
    values = condition.values
    if condition.has_variables or not values:
        raise ValueError("depends on a policy variable")
    if spec.test == "null":
        if values[0].lower() == "true":
            return False, None
        return True, "present"
    if spec.negated:
        if condition.operator.if_exists or spec.test in ("eq", "eq_ci", "like", "arn"):
            return False, None
        raise ValueError("negated operator")
    return True, condition.family.satisfying(spec, values)


def describe_condition(condition: Condition) -> str:
    values = ", ".join(json.dumps(v) for v in condition.values)
    return f"{condition.operator.written} {condition.key} {values}"


def _described_key(text: str) -> str:
    """The (lower-case) condition key of a :func:`describe_condition` text."""
    return text.split(" ", 2)[1].lower()


def satisfying_context(
    layers: Iterable[Iterable[StatementTrace]],
) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """The context keys that would satisfy the conditions of every Allow statement that
    matched the request except for its conditions (``layers``: the statement traces of each
    policy layer, :meth:`PolicySet.traces`), and their descriptions; None when no such
    statement exists or its conditions cannot be met by choosing key values."""
    context: dict[str, Any] = {}
    absent: set[str] = set()
    described: list[str] = []
    for layer in layers:
        for trace in layer:
            statement = trace.statement
            if (
                not statement.is_allow
                or trace.matched
                or not trace.action_matched
                or trace.resource_matched is False
                or trace.principal_grant == 0
                or not statement.conditions
            ):
                continue
            for condition in statement.conditions:
                try:
                    present, value = _satisfying_value(condition)
                except ValueError:
                    return None
                if present:
                    if condition.operator.set_op:
                        value = [value]
                    context[condition.key] = value
                else:
                    absent.add(condition.key)
                text = describe_condition(condition)
                if text not in described:
                    described.append(text)
    if not described:
        return None
    for key in absent:
        context.pop(key, None)
    return context, tuple(described)


# -- asking the engine -------------------------------------------------------------------------


class _Asker:
    """Requests as the access check makes them, with the policy sets cached."""

    def __init__(self, graph_input: GraphInput, share: bool = True) -> None:
        # share=False asks every question anew, for tests that check sharing changes nothing.
        self.share = share
        # Every request of one build is made at the same moment (aws:CurrentTime and
        # aws:TokenIssueTime agree, and answers do not depend on when they were asked).
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.accounts = {a.account_id: a for a in graph_input.accounts}
        self._sets: dict[tuple[Any, ...], PolicySet] = {}
        self._bases: dict[str, Request] = {}
        # Answers shared by resources the deciding statements cannot tell apart (see _shape),
        # under _answer_key alone when they tell none apart; decide's and conditional's.
        self._uniform: dict[tuple[Any, ...], bool] = {}
        self._answers: dict[tuple[Any, ...], tuple[bool, tuple[str, ...]]] = {}
        self._shapes: dict[tuple[Any, ...], tuple[ResourceSpec, ...] | None] = {}
        # Answers shared by principals with the same policies (see _share_key).
        self._shared: dict[tuple[Any, ...], Any] = {}
        self._signatures: dict[
            tuple[int, str],
            tuple[tuple[Any, ...], tuple[tuple[Statement, tuple[str, ...] | None], ...]],
        ] = {}
        # What a request on each target carries (its tags, its organization), normalized once.
        self._targets: dict[str, dict[str, str | tuple[str, ...]]] = {}
        for p in graph_input.principals:
            self._targets[p.arn] = normalize_context(
                {"aws:RequestedRegion": requested_region(p.arn), **p.resource_context}
            )
        for r in graph_input.resources:
            self._targets[r.arn] = normalize_context(
                {"aws:RequestedRegion": requested_region(r.arn), **r.context}
            )
        self.personal_keys = (
            frozenset(key.lower() for p in graph_input.principals for key in p.context)
            - _ACCOUNT_KEYS
        )
        self._coverage: dict[tuple[int, int], bool] = {}
        self._statement_reads: dict[int, tuple[str, ...] | None] = {}
        # A principal's policies as a content key (see policy_set), computed once.
        self._content: dict[int, tuple[int, ...]] = {}

    def what_if(self) -> _Asker:
        """An asker for principals as they would be (another policy version the default, a
        group's member): it shares no answers, which are keyed by ARN, but shares what
        depends on content alone (policy sets, the targets' context, the time)."""
        other = object.__new__(_Asker)
        other.__dict__.update(self.__dict__)
        other.share = False
        other._uniform = {}
        other._answers = {}
        other._shared = {}
        other._content = {}
        return other

    def policy_set(
        self,
        identity: tuple[Policy, ...],
        boundary: Policy | None,
        account: str,
        resource_policy: Policy | None,
        owner: str,
    ) -> PolicySet:
        # Keyed by content: principals with the same policies (members of the same groups)
        # share one PolicySet and its warm per-action caches. Renamed policies share their
        # statements, so the statements' identity is the content's.
        content = self._content.get(id(identity))
        if content is None:
            content = self._content[id(identity)] = tuple(id(p.statements) for p in identity)
        key = (
            content,
            id(boundary.statements) if boundary is not None else 0,
            account,
            owner,
            id(resource_policy.statements) if resource_policy is not None else 0,
        )
        found = self._sets.get(key)
        if found is None:
            acct = self.accounts.get(account)
            own = self.accounts.get(owner)
            found = PolicySet(
                identity=identity,
                resource_policy=resource_policy,
                boundary=boundary,
                scps=acct.scps if acct else (),
                rcps=own.rcps if own else (),
            )
            self._sets[key] = found
        return found

    def base(self, p: PrincipalIn) -> Request:
        """The principal's own request, built once: others are variants of it."""
        found = self._bases.get(p.arn)
        if found is None:
            found = Request(
                p.caller_arn,
                "sts:GetCallerIdentity",
                "*",
                {**always_present(p, self.now), **p.context},
                session_issuer=p.issuer,
                time=self.now,
            )
            self._bases[p.arn] = found
        return found

    def request(
        self,
        p: PrincipalIn,
        action: str,
        resource: str,
        extra: Mapping[str, Any] | None = None,
    ) -> Request:
        target = self._targets.get(resource)
        if target is None:
            target = self._targets[resource] = {"aws:requestedregion": requested_region(resource)}
        return self.base(p).variant(
            action,
            resource,
            extra,
            resource_owner=_owner(resource, p.account_id),
            normalized_extra=target,
        )

    def _shape(
        self, ps: PolicySet, action: str, extra: tuple[Any, ...]
    ) -> tuple[ResourceSpec, ...] | None:
        """How the statements that could decide ``action`` look at the resource, when they
        look at nothing but its ARN: the Resource / NotResource elements to match it against
        (none when each covers every resource). Resources that match the same ones get the
        same answer. None when a statement reads more (a policy variable in its Resource, a
        condition on the target's tags or account). KMS keys have rules of their own; the STS
        actions asked here always name roles, whose trust policy is part of ``ps``."""
        key = (id(ps), action, extra)
        if key in self._shapes:
            return self._shapes[key]
        found: tuple[ResourceSpec, ...] | None = None
        if action.split(":", 1)[0].lower() != "kms":
            given = {k for k, _ in extra}
            specs: dict[int, ResourceSpec] = {}
            readable = True
            for layer in ps.for_action(action.lower()):
                for _policy, statement in layer:
                    spec = statement.resource
                    if spec is not None:
                        if not spec.static:
                            readable = False
                        elif spec.negated or not any(e.match_all for e in spec.entries):
                            specs[id(spec)] = spec
                    for condition in statement.conditions:
                        name = condition.key_lower
                        if name not in given and not name.startswith(_CALLER_KEYS):
                            readable = False
            if readable:
                found = tuple(specs.values())
        self._shapes[key] = found
        return found

    def _alike_key(
        self, ps: PolicySet, ukey: tuple[Any, ...], action: str, resource: str
    ) -> tuple[Any, ...] | None:
        """The key of an answer every resource matching the same Resource elements shares
        (see :meth:`_shape`); None when the answer is the resource's own."""
        if not self.share:
            return None
        shape = self._shape(ps, action, ukey[4])
        if shape is None:
            return None
        if not shape:
            return ukey
        return (ukey, tuple(spec.matches(resource, _no_variables) for spec in shape))

    def _set_for(
        self, p: PrincipalIn, request: Request, resource_policy: Policy | None
    ) -> PolicySet:
        return self.policy_set(
            p.identity, p.boundary, p.account_id, resource_policy, request.resource_owner or ""
        )

    def decide(
        self,
        p: PrincipalIn,
        action: str,
        resource: str,
        extra: Mapping[str, Any] | None = None,
        resource_policy: Policy | None = None,
    ) -> bool:
        """Whether the engine allows ``p`` the action on ``resource``."""
        return self._answer(
            self._uniform, (), _verdict, False, p, action, resource, extra, resource_policy
        )

    def allowed_among(self, p: PrincipalIn, action: str, resources: Iterable[str]) -> list[str]:
        """The members of ``resources`` :meth:`decide` allows ``p`` the action on, in their
        order. An answer that holds for every resource of one owner and region is stored
        under its answer key alone (see :meth:`_shape`), where :meth:`decide` looks first:
        once it is there, the others of that owner and region get it without the walk (a
        principal allowed ``iam:CreateAccessKey`` on ``*`` is asked about every user once)."""
        found: list[str] = []
        alike: dict[tuple[str, str], bool] = {}
        for resource in resources:
            owner = _owner(resource, p.account_id)
            where = (owner, requested_region(resource))
            allowed = alike.get(where)
            if allowed is None:
                allowed = self.decide(p, action, resource)
                known = self._uniform.get(_answer_key(p, action, resource, owner, None, None))
                if known is not None:
                    alike[where] = known
            if allowed:
                found.append(resource)
        return found

    def _signature(
        self, ps: PolicySet, action: str
    ) -> tuple[tuple[Any, ...], tuple[tuple[Statement, tuple[str, ...] | None], ...]]:
        """The statements that could decide ``action`` (only they matter: principals whose
        other policies differ still share answers), and those among them that read something
        about the caller, with the keys they read (None: they name callers by ARN)."""
        found = self._signatures.get((id(ps), action))
        if found is None:
            covering = ps.for_action(action.lower())
            signature = tuple(
                (layer.kind, layer.level, tuple(id(s) for _p, s in statements))
                for layer, statements in zip(ps.layers, covering, strict=True)
            )
            personal = tuple(
                (statement, keys)
                for statements in covering
                for _policy, statement in statements
                if (keys := self._reads(statement)) != ()
            )
            found = self._signatures[(id(ps), action)] = (signature, personal)
        return found

    def _reads(self, statement: Statement) -> tuple[str, ...] | None:
        """:func:`_reads_about_caller`, once per statement (statements outlive the build)."""
        key = id(statement)
        if key in self._statement_reads:
            return self._statement_reads[key]
        found = self._statement_reads[key] = _reads_about_caller(statement, self.personal_keys)
        return found

    def _share_key(
        self, ps: PolicySet, p: PrincipalIn, action: str, resource: str, extra: tuple[Any, ...]
    ) -> tuple[Any, ...] | None:
        """A key under which principals with the same deciding statements share this answer.
        When a deciding statement reads something about the caller (its tags, its name), the
        key holds the caller's values of what it reads: members of one team share answers an
        ABAC policy gives by team. A statement that names callers by ARN keys on the caller."""
        if not self.share:
            return None
        signature, personal = self._signature(ps, action)
        about: list[Any] = []
        for statement, keys in personal:
            spec = statement.resource
            if spec is not None and spec.static and not spec.matches(resource, _no_variables):
                continue  # it does not apply to this resource
            if keys is None:
                about.append(p.caller_arn)  # it names callers
                continue
            base = self.base(p)
            about.extend((key, base.get(key)) for key in keys)
        return (
            signature,
            p.account_id,
            p.kind,
            p.service_linked,
            action,
            resource,
            extra,
            tuple(about),
        )

    def class_key(
        self,
        p: PrincipalIn,
        action: str,
        owner: str,
        others: bool = False,
        pool: Mapping[str, Any] | None = None,
    ) -> tuple[Any, ...] | None:
        """Principals with the same class key get the same answers for ``action`` on every
        resource of ``owner`` without a resource-based policy; None when only ``p`` itself
        does (a deciding statement names it). With ``others``, the same answers on every
        such resource but their own ARNs: a statement that covers only the caller itself
        (``user/${aws:username}``) then sets no class apart. With ``pool`` (ARNs), the same
        answers on its members: a statement that covers none of them sets no class apart."""
        if not self.share:
            return None
        ps = self.policy_set(p.identity, p.boundary, p.account_id, None, owner)
        signature, personal = self._signature(ps, action)
        about: list[Any] = []
        for statement, keys in personal:
            if pool is not None and not self._covers_any(statement, pool):
                continue
            if keys is None:
                return None
            if others and self._only_about_itself(p, statement):
                about.append("itself")
                continue
            base = self.base(p)
            about.extend((key, base.get(key)) for key in keys)
        return (
            signature,
            owner,
            p.account_id,
            p.kind,
            p.service_linked,
            action,
            tuple(about),
            others,
        )

    def owner_key(self, p: PrincipalIn, action: str, owner: str) -> tuple[Any, ...] | None:
        """The part of ``p``'s answers for ``action`` on resources of ``owner`` that ``owner``
        adds: its RCPs' deciding statements and what they read about ``p``; None when one
        names callers by ARN."""
        if not self.share:
            return None
        ps = self.policy_set((), None, "", None, owner)
        signature, personal = self._signature(ps, action)
        about: list[Any] = []
        for _statement, keys in personal:
            if keys is None:
                return None
            base = self.base(p)
            about.extend((key, base.get(key)) for key in keys)
        return (signature, owner, tuple(about))

    def _covers_any(self, statement: Statement, pool: Mapping[str, Any]) -> bool:
        """Whether the Resource of ``statement`` could cover a member of ``pool``; pools
        live as long as the build, so their id() is theirs alone."""
        spec = statement.resource
        if spec is None or not spec.static:
            return True
        key = (id(statement), id(pool))
        found = self._coverage.get(key)
        if found is None:
            found = self._coverage[key] = any(spec.matches(arn, _no_variables) for arn in pool)
        return found

    def _only_about_itself(self, p: PrincipalIn, statement: Statement) -> bool:
        """Whether ``statement`` reads about the caller only in its Resource, and that names
        no ARN of ``p``'s account but ``p``'s own once ``p``'s values are filled in."""
        spec = statement.resource
        if spec is None or spec.negated:
            return False
        for condition in statement.conditions:
            key = condition.key_lower
            if key.startswith(_PERSONAL_KEYS) or key in self.personal_keys:
                return False
            if any(not isinstance(part, str) for t in condition.templates for part in t.parts):
                return False
        base = self.base(p)

        def lookup(name: str) -> str | None:
            value = base.get(name)
            return value if isinstance(value, str) else None

        for entry in spec.entries:
            if entry.match_all:
                return False
            if entry.regex is not None:
                if "*" in entry.text or "?" in entry.text:
                    return False
                arns = [entry.text]
            else:
                pieces, _missing = entry.template.resolve(lookup)
                if pieces is None:
                    continue  # a variable the caller lacks: it covers nothing
                wild = [
                    not is_literal and ("*" in text or "?" in text) for text, is_literal in pieces
                ]
                text = "".join(t for t, _ in pieces)
                if not any(wild):
                    arns = [text]
                else:
                    parts = text.split(":", 5)
                    if (
                        sum(wild) != 1
                        or len(parts) != 6
                        or parts[4] != "*"
                        or any(c in part for part in (*parts[:4], parts[5]) for c in "*?")
                    ):
                        return False
                    arns = [":".join((*parts[:4], p.account_id, parts[5]))]
            for arn in arns:
                if arn != p.arn and _owner(arn, p.account_id) == p.account_id:
                    return False
        return True

    def conditional(
        self,
        p: PrincipalIn,
        action: str,
        resource: str,
        extra: Mapping[str, Any] | None = None,
        resource_policy: Policy | None = None,
    ) -> _Conditional:
        """(allowed, conditions): allowed outright, or allowed once the request carries the
        condition values listed."""
        return self._answer(
            self._answers,
            _CONDITIONAL,
            _conditional_verdict,
            (False, ()),
            p,
            action,
            resource,
            extra,
            resource_policy,
        )

    def _answer(
        self,
        answers: dict[tuple[Any, ...], _A],
        tag: tuple[str, ...],
        work: Callable[[PolicySet, Request], _A],
        refused: _A,
        p: PrincipalIn,
        action: str,
        resource: str,
        extra: Mapping[str, Any] | None,
        resource_policy: Policy | None,
    ) -> _A:
        """The walk :meth:`decide` and :meth:`conditional` share, written once so that both
        look in their caches in the same order and store under the same keys: the answer for
        this very request (``answers``, by :func:`_answer_key`), then the one every resource
        matching the same Resource elements shares (:meth:`_alike_key`), then the one
        principals with the same deciding statements share (:meth:`_share_key`, set apart
        from the other kind of answer by ``tag``); else ``work`` asks the engine.
        ``refused``: the answer for an ARN the engine cannot read (a name IAM would refuse
        grants nothing)."""
        owner = _owner(resource, p.account_id)
        ukey = _answer_key(p, action, resource, owner, extra, resource_policy)
        known = answers.get(ukey)
        if known is not None:
            return known
        ps = self.policy_set(p.identity, p.boundary, p.account_id, resource_policy, owner)
        alike = self._alike_key(ps, ukey, action, resource)
        if alike is not None and alike is not ukey:
            known = answers.get(alike)
            if known is not None:
                return known
        shared = self._share_key(ps, p, action, resource, tag + ukey[4] if tag else ukey[4])
        if shared is not None:
            found = self._shared.get(shared)
            if found is not None:
                return found  # type: ignore[no-any-return]
        try:
            request = self.request(p, action, resource, extra)
        except RequestError:
            return refused
        answer = work(ps, request)
        if alike is not None:
            answers[alike] = answer
        if shared is not None:
            self._shared[shared] = answer
        return answer

    def outsider(
        self,
        principal: str,
        action: str,
        resource: str,
        resource_policy: Policy | None,
        owner: str,
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[bool, tuple[str, ...]]:
        """A caller with no identity-based policies in the sandbox (a service, an identity
        provider, a principal of another account): only the resource-based policy and the
        owner's RCPs decide (for another account, its own policies are assumed to allow)."""
        context = dict(self._targets.get(resource, {}))
        context.update(extra or {})
        try:
            request = Request(
                principal, action, resource, context, resource_owner=owner, time=self.now
            )
        except RequestError:
            return False, ()
        own = self.accounts.get(owner)
        # Another account's principal also needs its own identity-based policies to allow a
        # cross-account request (reference_policies_evaluation-logic-cross-account): iamlab
        # cannot see them, so they are assumed to allow.
        identity = _ASSUMED_ALLOW if request.cross_account else ()
        ps = self.policy_set(identity, None, "", resource_policy, owner)
        if own is None:  # pragma: no cover - resources are always in a sandbox account
            return False, ()
        if ps.decide(request) == ALLOWED:
            return True, ()
        # The caller stands for principals iamlab cannot see: who they are is theirs to choose.
        return _retry(ps, request, _RESOURCE_FACTS + _REQUEST_FACTS)


_CONDITIONAL = ("conditional",)


def _verdict(ps: PolicySet, request: Request) -> bool:
    return ps.decide(request) == ALLOWED


def _conditional_verdict(ps: PolicySet, request: Request) -> _Conditional:
    """Allowed outright; or, when an Allow statement with a Condition covers the action,
    allowed once the request carries what meets it (who the caller is, what the target is
    and when it is asked stay as they are)."""
    if ps.decide(request) == ALLOWED:
        return True, ()
    if not _conditional_allow(ps, request.action_lower):
        return False, ()
    return _retry(ps, request, _PRINCIPAL_FACTS + _RESOURCE_FACTS + _REQUEST_FACTS)


def _retry(ps: PolicySet, request: Request, facts: tuple[str, ...]) -> tuple[bool, tuple[str, ...]]:
    """Retry with the context that satisfies the failing Allow statements. A key the
    request already carries (``request.context`` is lower-cased), or one of ``facts``
    (who the caller is, what the target is), is not the caller's to choose: it keeps its
    value (or its absence), so a condition on it that fails now still fails, and one it
    meets is not listed."""
    found = satisfying_context(ps.traces(request))
    if found is None:
        return False, ()
    context, described = found
    merged: dict[str, Any] = dict(request.context)
    fixed: set[str] = set()
    for key, value in context.items():
        lower = key.lower()
        if lower in merged or lower.startswith(facts):
            fixed.add(lower)
        else:
            merged[lower] = value
    described = tuple(d for d in described if _described_key(d) not in fixed)
    retried = Request(
        request.principal,
        request.action,
        request.resource,
        merged,
        resource_owner=request.resource_owner,
        session_issuer=request.caller.issuer_arn,
        time=request.time,
    )
    if ps.decide(retried) == ALLOWED:
        return True, described
    return False, ()


# Condition keys about the caller or the request itself, the same whatever resource it names
# (aws:RequestedRegion follows the resource's region, which every answer key carries).
_CALLER_KEYS = (
    "aws:principal",
    "aws:userid",
    "aws:username",
    "aws:multifactor",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:requestedregion",
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
    "aws:tokenissuetime",
    "aws:calledvia",
    "aws:viaawsservice",
    "aws:useragent",
    "aws:referer",
    "aws:federatedprovider",
    "aws:sourceidentity",
    "aws:requesttag/",
    "aws:tagkeys",
)


# Condition keys whose value differs from one principal to the next. A principal's context
# holds only these (its tags, aws:userid) and account-wide keys (organization), so answers
# that read none of them are the same for every principal of the account with those policies.
_PERSONAL_KEYS = (
    "aws:username",
    "aws:userid",
    "aws:principalarn",
    "aws:principaltag/",
    "aws:sourceidentity",
    "aws:federatedprovider",
    "aws:principalservicename",
)
# Keys every principal of one account has alike.
_ACCOUNT_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount"})


def _reads_about_caller(
    statement: Statement, context_keys: frozenset[str]
) -> tuple[str, ...] | None:
    """The (lower-case) keys about the caller a statement reads, in its conditions or as
    policy variables; () when none; None when it names callers by ARN (then only the caller
    itself shares its answer). ``context_keys`` are the keys some principal's context
    carries: they differ from one principal to the next."""
    spec = statement.principal
    if spec is not None and (spec.arns or spec.unique_ids or spec.negated):
        return None
    return _caller_keys(statement, context_keys)


def _caller_keys(statement: Statement, context_keys: frozenset[str]) -> tuple[str, ...]:
    """The (lower-case) keys about the caller a statement reads, in its conditions or as
    policy variables (see _reads_about_caller)."""
    keys: set[str] = set()

    def personal(key: str) -> bool:
        return key.startswith(_PERSONAL_KEYS) or key in context_keys

    if statement.resource is not None and not statement.resource.static:
        for entry in statement.resource.entries:
            keys.update(
                part.key_lower for part in entry.template.parts if not isinstance(part, str)
            )
    for condition in statement.conditions:
        if personal(condition.key_lower):
            keys.add(condition.key_lower)
        for template in condition.templates:
            keys.update(part.key_lower for part in template.parts if not isinstance(part, str))
    return tuple(sorted(keys))


def _no_variables(_key: str) -> str | None:
    return None


def _answer_key(
    p: PrincipalIn,
    action: str,
    resource: str,
    owner: str,
    extra: Mapping[str, Any] | None,
    resource_policy: Policy | None,
) -> tuple[Any, ...]:
    """Who asks what, under which resource-based policy, in which account and region: the
    key of an answer that holds for every resource alike (see _Asker._shape). The
    region is part of it: a request goes to its resource's region, and an SCP may refuse
    some regions (aws:RequestedRegion) with statements that cover every resource."""
    return (
        p.arn,
        id(resource_policy.statements) if resource_policy is not None else 0,
        owner,
        action,
        _frozen(extra) if extra else (),
        requested_region(resource),
    )


def _frozen(extra: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    if extra is not None and len(extra) == 1:  # most are one key: nothing to sort
        ((key, value),) = extra.items()
        return ((key.lower(), str(value)),)
    return tuple(sorted((k.lower(), str(v)) for k, v in (extra or {}).items()))


def _conditional_allow(ps: PolicySet, action_lower: str) -> bool:
    """Whether an Allow statement with a Condition covers the action in some layer: only
    then can a request carrying other keys be allowed."""
    return any(
        statement.is_allow and statement.conditions
        for layer in ps.for_action(action_lower)
        for _policy, statement in layer
    )


@functools.lru_cache(maxsize=65536)  # a build asks about the same ARNs again and again
def requested_region(resource: str) -> str:
    """The region a request on ``resource`` goes to, for ``aws:RequestedRegion``.

    Choice: a regional resource's request goes to the region in its ARN; a global one (IAM,
    an S3 bucket ARN, ``*``) to us-east-1, where AWS's global endpoints (IAM, STS's global
    endpoint) live (reference_policies_condition-keys, aws:RequestedRegion). Without it, an
    SCP that allows only some regions would deny every request the graph asks about.
    """
    parts = resource.split(":", 4)
    if len(parts) == 5 and parts[3]:
        return parts[3]
    return "us-east-1"


@functools.lru_cache(maxsize=65536)
def _owner(resource: str, default: str) -> str:
    parts = resource.split(":")
    if len(parts) >= 5 and parts[4].isdigit():
        return parts[4]
    return default


_ASSUMED_ALLOW: tuple[Policy, ...] = (
    parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
        PolicyType.IDENTITY,
        name="The other account's own policies (assumed to allow)",
        checks=False,
    ),
)
