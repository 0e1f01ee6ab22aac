"""Build the access graph of a :class:`GraphInput`, every edge decided by the policy engine.

How it keeps the questions few (``benchmarks/graph.py`` measures it):

* Candidates come from indexes, never from all pairs. A role's trust policy names who may
  assume it, so only those principals (or, for a whole account, the principals of that account
  whose identity policies mention ``sts:AssumeRole``) are asked. A technique is tried only by a
  principal whose identity policies allow at least one of its actions (one regex per distinct
  Action element, cached), only against targets in its own account (IAM actions never reach
  another account's identities), and only against the ARNs its Resource elements could cover
  (exact ARNs looked up, ``user/${aws:username}`` filled in).
* Each question is one :meth:`PolicySet.decide`; the full evaluation with its explanation is
  computed only to find the conditions of a conditional edge, and only when a conditional
  Allow covers the action.
* Answers are shared: when the statements that could decide look at nothing but the
  resource's ARN, one answer serves every resource they cover alike (and every resource when
  each covers all, per region); principals whose deciding statements (and what those read
  about the caller) agree share answers, and a whole pool of targets is worked out once per
  such class. A statement that covers only the caller itself (``user/${aws:username}``), or
  none of the pool, sets no class apart. So are whole techniques, and the roles that trust an
  account: what one principal gets from its answers on its account's pools is worked out once
  per class and copied to the others (:meth:`_Builder.per_class`, :meth:`_Builder._assumable`).
  ``build_graph(share=False)`` asks everything anew; tests check the graph is the same.
* Admins get no technique edges: an admin reaches every principal of its account anyway, which
  :class:`AccessGraph` implies rather than stores.
* "Can escalate" is one breadth-first search backwards from the admins.

Where AWS leaves a choice, the choice is written where it is made (look for "Choice:").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import json
import re
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Mapping
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
from iamlab.policy.model import ActionSpec, ResourceSpec, Statement
from iamlab.policy.request import normalize_context
from iamlab.policy.wildcards import resource_regex

from . import techniques as tq
from .inputs import GraphInput, GroupIn, ManagedPolicyIn, PrincipalIn, ResourceIn
from .model import AccessGraph, Edge, Node, Relation

__all__ = ["ADMIN_POLICY_ARN", "build_graph", "satisfying_context"]

ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"

_ASSUME_ACTIONS = {
    "AWS": "sts:AssumeRole",
    "Service": "sts:AssumeRole",
    "saml": "sts:AssumeRoleWithSAML",
    "oidc": "sts:AssumeRoleWithWebIdentity",
    "web": "sts:AssumeRoleWithWebIdentity",
}

_TECHNIQUE_ACTIONS = tq.all_actions()
_PASS_ROLE_ACTIONS = tuple(
    dict.fromkeys(
        (
            "iam:PassRole",
            "iam:CreateInstanceProfile",
            "iam:AddRoleToInstanceProfile",
            *(a for t in tq.PASS_ROLE for alt in t.alternatives for a in alt),
        )
    )
)

# Condition keys (lower-case prefixes) whose value is a fact about the sandbox principal that
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


_RESOURCE_LABELS = {
    "s3": "S3 bucket",
    "kms": "KMS key",
    "sqs": "SQS queue",
    "sns": "SNS topic",
    "lambda": "Lambda function",
    "secret": "Secrets Manager secret",
    "stack": "CloudFormation stack",
    "build": "CodeBuild project",
}


@functools.lru_cache(maxsize=4096)
def _spec_hits(patterns: tuple[str, ...], negated: bool) -> frozenset[str]:
    """Which technique actions an Action / NotAction element covers."""
    spec = ActionSpec(patterns, negated)
    return frozenset(a for a in _TECHNIQUE_ACTIONS if spec.matches(a.lower()))


def _policy_hits(statements: tuple[Statement, ...]) -> frozenset[str]:
    """The technique actions some Allow statement of one policy covers."""
    found: set[str] = set()
    for statement in statements:
        if statement.is_allow:
            found |= _spec_hits(statement.action.patterns, statement.action.negated)
    return frozenset(found)


def _probe_arns(account: str) -> tuple[tuple[str, str], ...]:
    user = f"arn:aws:iam::{account}:user/iamlab-admin-probe"
    role = f"arn:aws:iam::{account}:role/iamlab-admin-probe"
    policy = f"arn:aws:iam::{account}:policy/iamlab-admin-probe"
    return (
        ("iam:PutUserPolicy", user),
        ("iam:PutRolePolicy", role),
        ("iam:AttachUserPolicy", user),
        ("iam:AttachRolePolicy", role),
        ("iam:CreateAccessKey", user),
        ("iam:UpdateAssumeRolePolicy", role),
        ("iam:CreatePolicyVersion", policy),
        ("iam:PassRole", role),
        ("iam:DeleteUserPermissionsBoundary", user),
        ("iam:DeleteRolePermissionsBoundary", role),
    )


_PROBE_ACTIONS = frozenset(action for action, _ in _probe_arns("000000000000"))
# The actions a group's member could give itself anything with (see _Builder._self_ways).
_SELF_ACTIONS = frozenset(
    {
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
    }
)


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
        self._shared: dict[tuple[Any, ...], bool | tuple[bool, tuple[str, ...]]] = {}
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
        owner = _owner(resource, p.account_id)
        ukey = _answer_key(p, action, resource, owner, extra, resource_policy)
        known = self._uniform.get(ukey)
        if known is not None:
            return known
        ps = self.policy_set(p.identity, p.boundary, p.account_id, resource_policy, owner)
        alike = self._alike_key(ps, ukey, action, resource)
        if alike is not None and alike is not ukey:
            known = self._uniform.get(alike)
            if known is not None:
                return known
        shared = self._share_key(ps, p, action, resource, ukey[4])
        if shared is not None:
            found = self._shared.get(shared)
            if isinstance(found, bool):
                return found
        try:
            request = self.request(p, action, resource, extra)
        except RequestError:
            return False  # an ARN the engine cannot read (a name IAM would refuse) grants nothing
        verdict = ps.decide(request) == ALLOWED
        if alike is not None:
            self._uniform[alike] = verdict
        if shared is not None:
            self._shared[shared] = verdict
        return verdict

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
    ) -> tuple[bool, tuple[str, ...]]:
        """(allowed, conditions): allowed outright, or allowed once the request carries the
        condition values listed."""
        owner = _owner(resource, p.account_id)
        ukey = _answer_key(p, action, resource, owner, extra, resource_policy)
        known = self._answers.get(ukey)
        if known is not None:
            return known
        ps = self.policy_set(p.identity, p.boundary, p.account_id, resource_policy, owner)
        alike = self._alike_key(ps, ukey, action, resource)
        if alike is not None and alike is not ukey:
            known = self._answers.get(alike)
            if known is not None:
                return known
        shared = self._share_key(ps, p, action, resource, ("conditional", *ukey[4]))
        if shared is not None:
            found = self._shared.get(shared)
            if isinstance(found, tuple):
                return found
        try:
            request = self.request(p, action, resource, extra)
        except RequestError:
            return False, ()
        answer: tuple[bool, tuple[str, ...]]
        if ps.decide(request) == ALLOWED:
            answer = (True, ())
        elif not _conditional_allow(ps, request.action_lower):
            answer = (False, ())
        else:
            answer = self._retry(ps, request, _PRINCIPAL_FACTS + _RESOURCE_FACTS + _REQUEST_FACTS)
        if alike is not None:
            self._answers[alike] = answer
        if shared is not None:
            self._shared[shared] = answer
        return answer

    def _retry(
        self, ps: PolicySet, request: Request, facts: tuple[str, ...]
    ) -> tuple[bool, tuple[str, ...]]:
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
        return self._retry(ps, request, _RESOURCE_FACTS + _REQUEST_FACTS)


# The resource a service's own action is asked on ("create a function"), as a pool.
_ANY_RESOURCE: Mapping[str, str] = {"*": "*"}
_T = TypeVar("_T")
# An edge from whoever asks: target, kind, label, reason, conditions, technique, actions.
_Template = tuple[str, str, str, str, tuple[str, ...], str, tuple[str, ...]]
# A way to give oneself more: technique, what it does, actions, conditions, what it gains.
_Way = tuple[str, str, tuple[str, ...], tuple[str, ...], str]
_ANY_PERMISSION = "give itself any permission"

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
    return tuple(sorted((k.lower(), str(v)) for k, v in (extra or {}).items()))


def _conditional_allow(ps: PolicySet, action_lower: str) -> bool:
    """Whether an Allow statement with a Condition covers the action in some layer: only
    then can a request carrying other keys be allowed."""
    return any(
        statement.is_allow and statement.conditions
        for layer in ps.for_action(action_lower)
        for _policy, statement in layer
    )


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


# -- building --------------------------------------------------------------------------------


class _Builder:
    def __init__(self, graph_input: GraphInput, share: bool = True) -> None:
        self.input = graph_input
        self.ask = _Asker(graph_input, share)
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.relations: list[Relation] = []
        self.principals = {p.arn: p for p in graph_input.principals}
        self.groups = {g.arn: g for g in graph_input.groups}
        self.hits: dict[str, frozenset[str]] = {}
        self.admins: set[str] = set()
        self.admin_groups: set[str] = set()
        self.managed = {m.arn: m for m in graph_input.policies}
        self._variants: list[PrincipalIn] = []
        self._whatif_asker: _Asker | None = None
        self.service_roles: dict[str, list[tuple[PrincipalIn, tuple[str, ...]]]] = defaultdict(list)
        self._edge_keys: set[tuple[str, str, str, str]] = set()
        self._pattern_cache: dict[
            tuple[str, str], tuple[frozenset[str], tuple[re.Pattern[str], ...]] | None
        ] = {}
        self._scans: dict[tuple[int, int], frozenset[str]] = {}
        self._allowed: dict[tuple[Any, ...], tuple[tuple[str, ...], str]] = {}
        self._templates: dict[tuple[Any, ...], list[_Template]] = {}
        self._policy_hits: dict[int, frozenset[str]] = {}
        self._profile_pools: dict[str, Mapping[str, str]] = {}
        self._assumables: dict[tuple[Any, ...], list[tuple[PrincipalIn, tuple[str, ...]]]] = {}
        self._trust_reads: dict[
            int, tuple[tuple[str, ...], tuple[str, ...], frozenset[str], bool]
        ] = {}
        # What runs as a role without a resource-based policy, per account and kind (ARN -> ARN).
        self.plain_runners: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self.policy_runners: dict[
            tuple[str, str], dict[str, tuple[str, str, ResourceIn | None]]
        ] = defaultdict(dict)
        self.trusting: dict[str, dict[str, PrincipalIn]] = defaultdict(dict)
        self.trusting_anyone: dict[str, PrincipalIn] = {}
        self._allow_cache: dict[tuple[int, str], tuple[Statement, ...]] = {}
        # Per account, what techniques aim at, by ARN.
        self.users: dict[str, dict[str, PrincipalIn]] = defaultdict(dict)
        self.roles: dict[str, dict[str, PrincipalIn]] = defaultdict(dict)
        for p in graph_input.principals:
            if p.kind == "user":
                self.users[p.account_id][p.arn] = p
            elif p.kind == "role":
                self.roles[p.account_id][p.arn] = p
        self.account_groups: dict[str, dict[str, GroupIn]] = defaultdict(dict)
        for g in graph_input.groups:
            self.account_groups[g.account_id][g.arn] = g
        self.runners: dict[tuple[str, str], dict[str, tuple[str, str, ResourceIn | None]]] = (
            defaultdict(dict)
        )

    # nodes -------------------------------------------------------------------------------

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def edge(self, edge: Edge) -> None:
        key = (edge.source, edge.target, edge.kind, edge.technique)
        if key in self._edge_keys or (edge.source == edge.target and edge.kind != "escalate"):
            return
        self._edge_keys.add(key)
        self.edges.append(edge)

    def could(self, p: PrincipalIn, action: str, arn: str) -> bool:
        """A cheap first look before the engine: could an Allow statement of ``p``'s
        identity-based policies for ``action`` cover ``arn`` at all? Policy variables
        (``user/${aws:username}``) are filled in with ``p``'s own values."""
        patterns = self._patterns(p, action)
        if patterns is None:
            return True
        literal, regexes = patterns
        return arn in literal or any(regex.fullmatch(arn) for regex in regexes)

    def allowed_in(
        self, p: PrincipalIn, action: str, pool: Mapping[str, _T], others: bool = False
    ) -> list[_T]:
        """The members of ``pool`` (resources of ``p``'s account without a resource-based
        policy, by ARN) the engine allows ``p`` the action on. Principals of one class (see
        :meth:`_Asker.class_key`) get one answer: it is worked out for the first of them.
        With ``others``, a pool where ``p`` could cover only itself (``user/${aws:username}``)
        is not asked about: the caller wants the others."""
        if others and self._only_itself(p, action, pool):
            return []
        cls = self.ask.class_key(p, action, p.account_id, others, pool)
        key = (cls, id(pool)) if cls is not None else None
        cached = self._allowed.get(key) if key is not None else None
        if cached is None:
            picked = set(self._picked(p, action, pool))
            if others:
                picked.discard(p.arn)
            found = tuple(arn for arn in pool if arn in picked and self.ask.decide(p, action, arn))
            cached = (found, p.arn)
            if key is not None:
                self._allowed[key] = cached
        found, first = cached
        if not others or first == p.arn:
            return [pool[arn] for arn in found]
        # Worked out by ``first``, who left itself out: the others of the class get the
        # answers but their own ARN, and ask about ``first``'s themselves.
        allowed = [pool[arn] for arn in found if arn != p.arn]
        if (
            first in pool
            and first in self._picked(p, action, pool)
            and self.ask.decide(p, action, first)
        ):
            allowed.append(pool[first])
        return allowed

    def _only_itself(self, p: PrincipalIn, action: str, pool: Mapping[str, Any]) -> bool:
        if p.arn not in pool:
            return False
        picked = self._picked(p, action, pool)
        return len(picked) == 1 and p.arn in picked

    def per_class(
        self,
        p: PrincipalIn,
        tag: str,
        uses: Iterable[tuple[str, Mapping[str, Any]]],
        compute: Callable[[], list[_Template]],
    ) -> list[_Template]:
        """The edges ``compute`` works out for ``p`` from its answers for each action of
        ``uses`` on the resources given with it (a pool by ARN, of its account and without a
        resource-based policy; ``compute`` asks about no other), shared by every principal of
        its class for all of those actions (see
        :meth:`_Asker.class_key`). ``compute`` may read ``p``'s answers and its hits among
        those actions only, and leaves ``p`` itself among the targets (:meth:`emit` skips it)."""
        parts: list[Any] = [tag]
        for action, pool in uses:
            cls = self.ask.class_key(p, action, p.account_id, pool=pool)
            if cls is None:
                return compute()
            # Where only p itself could be covered, allowed_in(others=True) does not ask.
            parts.append((cls, id(pool), p.arn if self._only_itself(p, action, pool) else None))
        key = tuple(parts)
        found = self._templates.get(key)
        if found is None:
            found = self._templates[key] = compute()
        return found

    def emit(self, p: PrincipalIn, templates: Iterable[_Template]) -> None:
        """Edges from ``p`` to every target of ``templates`` but itself."""
        source = p.arn
        keys = self._edge_keys
        for target, kind, label, reason, conditions, technique, actions in templates:
            key = (source, target, kind, technique)
            if target != source and key not in keys:  # as edge() does, before building one
                keys.add(key)
                self.edges.append(
                    Edge(source, target, kind, label, reason, conditions, technique, actions)
                )

    def pick(self, p: PrincipalIn, action: str, pool: Mapping[str, _T]) -> list[_T]:
        """The members of ``pool`` (by ARN) that :meth:`could` be covered: exact ARNs are
        looked up, only wildcard patterns are matched against the whole pool."""
        return [pool[arn] for arn in self._picked(p, action, pool)]

    def _picked(self, p: PrincipalIn, action: str, pool: Mapping[str, Any]) -> Collection[str]:
        patterns = self._patterns(p, action)
        if patterns is None:
            return pool.keys()
        literal, regexes = patterns
        arns = {arn for arn in literal if arn in pool}
        for regex in regexes:
            # Principals with the same policies share their patterns: one scan per pattern.
            # Pools live as long as the builder, so their id() is theirs alone.
            key = (id(regex), id(pool))
            matched = self._scans.get(key)
            if matched is None:
                matched = self._scans[key] = frozenset(a for a in pool if regex.fullmatch(a))
            arns |= matched
        return arns

    def _patterns(
        self, p: PrincipalIn, action: str
    ) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]] | None:
        key = (p.arn, action)
        if key in self._pattern_cache:
            return self._pattern_cache[key]
        try:
            base = self.ask.base(p)
        except RequestError:  # an ARN the engine cannot read: nothing can be asked as it
            self._pattern_cache[key] = (frozenset(), ())
            return self._pattern_cache[key]

        def lookup(name: str) -> str | None:
            value = base.get(name)
            return value if isinstance(value, str) else None

        literal: set[str] = set()
        regexes: list[re.Pattern[str]] = []
        everything = False
        for statements in p.identity:
            for statement in self._allowing(statements.statements, action):
                spec = statement.resource
                if spec is None or spec.negated or any(e.match_all for e in spec.entries):
                    everything = True
                    break
                for entry in spec.entries:
                    if entry.regex is not None:
                        if "*" in entry.text or "?" in entry.text:
                            expanded = self._any_account(entry.text)
                            if expanded is None:
                                regexes.append(entry.regex)
                            else:
                                literal.update(expanded)
                        else:
                            literal.add(entry.text)
                        continue
                    pieces, _missing = entry.template.resolve(lookup)
                    if pieces is None:
                        continue
                    wild = [
                        not is_literal and ("*" in text or "?" in text)
                        for text, is_literal in pieces
                    ]
                    text = "".join(t for t, _ in pieces)
                    if not any(wild):
                        literal.add(text)
                    elif (expanded := self._any_account(text)) is not None and sum(wild) == 1:
                        literal.update(expanded)  # user/${aws:username} in any account
                    else:
                        regexes.append(resource_regex(pieces))
            if everything:
                break
        result = None if everything else (frozenset(literal), tuple(regexes))
        self._pattern_cache[key] = result
        return result

    def _any_account(self, pattern: str) -> list[str] | None:
        """An ARN pattern whose only wildcard is a whole ``*`` account field, written out for
        each account of the sandbox (exact ARNs are looked up, not matched); else None."""
        parts = pattern.split(":", 5)
        if (
            len(parts) == 6
            and parts[4] == "*"
            and not any(c in part for part in (*parts[:4], parts[5]) for c in "*?")
        ):
            return [":".join((*parts[:4], account, parts[5])) for account in self.ask.accounts]
        return None

    def _allowing(self, statements: tuple[Statement, ...], action: str) -> tuple[Statement, ...]:
        """The Allow statements of one policy that cover ``action``, cached per policy text
        (renamed policies share their statements)."""
        key = (id(statements), action)
        found = self._allow_cache.get(key)
        if found is None:
            lower = action.lower()
            found = tuple(s for s in statements if s.is_allow and s.action.matches(lower))
            self._allow_cache[key] = found
        return found

    def _hits(self, policies: Iterable[Policy]) -> frozenset[str]:
        """The technique actions some Allow statement of ``policies`` covers, worked out once
        per policy text (renamed policies share their statements, which outlive the build)."""
        found: set[str] = set()
        for policy in policies:
            key = id(policy.statements)
            hits = self._policy_hits.get(key)
            if hits is None:
                hits = self._policy_hits[key] = _policy_hits(policy.statements)
            found |= hits
        return frozenset(found)

    def relation(self, source: str, target: str, kind: str, label: str) -> None:
        if source in self.nodes and target in self.nodes:
            self.relations.append(Relation(source, target, kind, label))

    def external(self, principal: str) -> Node:
        """A node for a principal a trust or resource policy names outside the sandbox."""
        if principal in self.nodes:
            return self.nodes[principal]
        if principal == "*":
            node = Node("*", "anyone", "Anyone", detail="any AWS principal")
        elif principal.isdigit():
            node = Node(
                principal,
                "account",
                f"Account {principal}",
                principal,
                external=True,
                detail="outside the sandbox",
            )
        elif principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
            node = Node(principal, "service", principal)
        else:
            account = principal.split(":")[4] if principal.count(":") >= 5 else ""
            node = Node(
                principal,
                "external",
                principal.rsplit(":", 1)[-1],
                account,
                external=True,
                detail="outside the sandbox",
            )
        self.nodes[principal] = node
        return node

    def add_nodes(self) -> None:
        inp = self.input
        for account in inp.accounts:
            self.add(Node(account.account_id, "account", account.name, account.account_id))
        for p in inp.principals:
            detail = ""
            if p.kind == "role" and p.service_linked:
                detail = "service-linked role"
            self.add(
                Node(p.arn, p.kind, _principal_label(p), p.account_id, ref=p.ref, detail=detail)
            )
        for g in inp.groups:
            self.add(Node(g.arn, "group", g.name, g.account_id, ref=g.ref))
        for r in inp.resources:
            self.add(
                Node(
                    r.arn,
                    "resource",
                    r.name,
                    r.account_id,
                    ref=r.ref,
                    detail=_RESOURCE_LABELS.get(r.kind, r.kind),
                )
            )
        for prof in inp.profiles:
            self.add(Node(prof.arn, "profile", prof.name, prof.account_id, ref=prof.ref))
        for inst in inp.instances:
            label = f"{inst.name} ({inst.instance_id})" if inst.name else inst.instance_id
            self.add(
                Node(
                    inst.arn,
                    "instance",
                    label,
                    inst.account_id,
                    ref=inst.ref,
                    detail="running" if inst.running else "stopped",
                )
            )
        for prov in inp.providers:
            if not prov.identity_center:
                detail = {"saml": "SAML 2.0", "oidc": "OpenID Connect"}.get(
                    prov.kind, "web identity"
                )
                self.add(
                    Node(
                        prov.arn,
                        "provider",
                        prov.name,
                        prov.account_id,
                        ref=prov.ref,
                        detail=detail,
                    )
                )
        for grant in inp.sso:
            self.add(
                Node(f"arn:aws:identitystore:::user/{grant.user_id}", "sso_user", grant.user_name)
            )
            self.add(Node(grant.permission_set, "permission_set", grant.permission_set_name))
        for s in inp.sessions:
            self.add(
                Node(
                    s.arn,
                    "session",
                    s.label,
                    _owner(s.arn, ""),
                    ref=s.ref,
                    detail="expired" if s.expired else "live",
                )
            )

    def add_relations(self) -> None:
        inp = self.input
        for p in inp.principals:
            for g in p.groups:
                self.relation(p.arn, g, "member_of", "member of")
        for prof in inp.profiles:
            if prof.role:
                self.relation(prof.arn, prof.role, "profile_of", "holds")
        for inst in inp.instances:
            if inst.profile:
                self.relation(inst.arn, inst.profile, "uses_profile", "instance profile")
        for s in inp.sessions:
            self.relation(s.arn, s.role, "session_of", "session of")
        seen: set[tuple[str, str]] = set()
        for grant in inp.sso:
            user = f"arn:aws:identitystore:::user/{grant.user_id}"
            if (user, grant.permission_set) not in seen:
                seen.add((user, grant.permission_set))
                via = f" (via group {grant.via_group})" if grant.via_group else ""
                self.relation(user, grant.permission_set, "assigned", f"assigned{via}")
            if (grant.permission_set, grant.role) not in seen:
                seen.add((grant.permission_set, grant.role))
                self.relation(grant.permission_set, grant.role, "provisions", "provisioned as")
        for r in inp.resources:
            if r.policy is None:
                continue
            named: set[str] = set()
            for statement in r.policy.statements:
                if not statement.is_allow or statement.principal is None:
                    continue
                spec = statement.principal
                if spec.anyone or spec.negated:
                    named.add("*")
                named.update(spec.accounts)
                named.update(spec.arns)
                named.update(spec.services)
            for principal in sorted(named):
                if principal in self.ask.accounts:
                    # The account as a whole: drawn on its root user, which stands for it.
                    principal = f"arn:aws:iam::{principal}:root"
                node = self.nodes.get(principal) or self.external(principal)
                self.relation(node.id, r.arn, "resource_policy", "resource policy allows")

    # admins ------------------------------------------------------------------------------

    def find_admins(self) -> None:
        """Choice: a principal is an admin when the engine allows it every IAM action that gives
        full control of its account (writing any user's or role's policies, access keys and
        trust policies, new policy versions, passing any role, removing boundaries), on
        resources of its own account, with no condition to meet. AdministratorAccess and
        IAMFullAccess both qualify: with IAM unrestricted, a principal can grant itself `*`.
        The root user qualifies unless SCPs hold it back. SCPs still cap what an admin can
        then do; iamlab calls it an admin of its account within its organization's limits."""
        for p in self.input.principals:
            hits = self._hits(p.identity)
            self.hits[p.arn] = hits
            if p.kind != "root" and not hits >= _PROBE_ACTIONS:
                continue
            extra = {"iam:PolicyARN": ADMIN_POLICY_ARN}
            if all(
                self.ask.decide(p, action, arn, extra) for action, arn in _probe_arns(p.account_id)
            ):
                self.admins.add(p.arn)
                reason = (
                    "The root user has full access to its account."
                    if p.kind == "root"
                    else "Its policies allow every IAM action on its account's users, roles and "
                    "policies, so it can give itself any permission."
                )
                self.nodes[p.arn] = _replace(self.nodes[p.arn], is_admin=True, admin_reason=reason)
        for g in self.input.groups:
            # A member that has nothing but the group's policies: an admin by the probe, or
            # by a way to grant itself anything (a policy on itself or on the group, a new or
            # an older version of a policy attached to the group). Asked apart (the what-if
            # asker shares no answers), as the probe's ARN is the same for every group.
            hits = self._hits(g.policies)
            if not hits & _SELF_ACTIONS and not hits >= _PROBE_ACTIONS:
                continue
            probe = PrincipalIn(
                f"arn:aws:iam::{g.account_id}:user/iamlab-group-probe",
                "user",
                "iamlab-group-probe",
                g.account_id,
                identity=g.policies,
                groups=(g.arn,),
            )
            if self._would_be_admin(probe, versions=True):
                self.admin_groups.add(g.arn)
                self.nodes[g.arn] = _replace(self.nodes[g.arn], grants_admin=True)

    # trust: assume and federate ----------------------------------------------------------

    def trust_edges(self) -> None:
        providers = {prov.arn: prov for prov in self.input.providers}
        # Roles whose trust policy names a whole account (or anyone): any principal of that
        # account whose own policies allow sts:AssumeRole on the role may assume it.
        trusting = self.trusting
        trusting_anyone = self.trusting_anyone
        for role in self.input.principals:
            if role.kind != "role" or role.trust is None:
                continue
            named: dict[str, set[str]] = defaultdict(set)  # kind -> values
            for statement in role.trust.statements:
                if not statement.is_allow or statement.principal is None:
                    continue
                spec = statement.principal
                if spec.anyone or spec.negated:
                    named["anyone"].add("*")
                named["account"].update(spec.accounts)
                named["arn"].update(spec.arns)
                named["service"].update(spec.services)
                named["federated"].update(spec.federated)
            if named["anyone"]:
                trusting_anyone[role.arn] = role
            for account in named["account"]:
                if account in self.ask.accounts:
                    trusting[account][role.arn] = role
                else:
                    self._outsider_assume(role, account)
            for arn in named["arn"]:
                p = self.principals.get(arn)
                if p is not None:
                    self._assume(role, p)
                elif not _is_session_arn(arn):
                    self._outsider_assume(role, arn)
            for service in named["service"]:
                self._service(role, service)
            for federated in named["federated"]:
                prov = providers.get(federated)
                if prov is not None and prov.identity_center:
                    continue  # shown as Identity Center users reaching the role
                kind = prov.kind if prov is not None else "web"
                self._federate(role, federated, kind)
        for p in self.input.principals:
            if "sts:AssumeRole" not in self.hits.get(p.arn, frozenset()) or p.kind == "root":
                continue  # the trust names a whole account: the caller's own policies must allow
            admin = p.arn in self.admins
            pool = trusting.get(p.account_id)
            for role, conditions in self._assumable(p, pool) if pool else ():
                if role.arn == p.arn or (admin and role.account_id == p.account_id):
                    continue  # an admin of the role's account reaches it anyway (implied)
                self._assume_edge(role, p, conditions)
            for role in self.pick(p, "sts:AssumeRole", trusting_anyone) if trusting_anyone else ():
                if admin and p.account_id == role.account_id:
                    continue
                self._assume(role, p)
        for grant in self.input.sso:
            if grant.role not in self.nodes:
                continue
            via = f", through group {grant.via_group}," if grant.via_group else ""
            self.edge(
                Edge(
                    f"arn:aws:identitystore:::user/{grant.user_id}",
                    grant.role,
                    "federate",
                    f"signs in as {grant.permission_set_name}",
                    f"Identity Center user {grant.user_name} is assigned permission set "
                    f"{grant.permission_set_name}{via} in account {_owner(grant.role, '')}; "
                    "the access portal signs them in to its provisioned role through SAML "
                    "(sts:AssumeRoleWithSAML).",
                    technique="identity-center",
                    actions=("sts:AssumeRoleWithSAML",),
                )
            )

    def _assumable(
        self, p: PrincipalIn, pool: Mapping[str, PrincipalIn]
    ) -> list[tuple[PrincipalIn, tuple[str, ...]]]:
        """The roles of ``pool`` (roles whose trust policy names ``p``'s account, in it or in
        another account of the sandbox) that ``p`` may assume, with the conditions of each;
        ``p`` itself among them if its own trust allows. Worked out once per class of
        principal (see :meth:`_pool_key`)."""
        key = self._pool_key(p, pool)
        found = self._assumables.get(key) if key is not None else None
        if found is None:
            found = []
            for role in self.pick(p, "sts:AssumeRole", pool):
                allowed, conditions = self.ask.conditional(
                    p, "sts:AssumeRole", role.arn, resource_policy=role.trust
                )
                if allowed:
                    found.append((role, conditions))
            if key is not None:
                self._assumables[key] = found
        return found

    def _pool_key(self, p: PrincipalIn, pool: Mapping[str, PrincipalIn]) -> tuple[Any, ...] | None:
        """Principals with the same key may assume the same roles of ``pool``: the same
        class for sts:AssumeRole, the same values of what the pool's trust policies read
        about the caller, and not named by any of them (a principal they name keys on
        itself). None when a trust policy names callers in a way only the engine can match
        (NotPrincipal, unique IDs)."""
        reads = self._trust_reads.get(id(pool))
        if reads is None:
            reads = self._trust_reads[id(pool)] = self._reads_of_trusts(pool)
        owners, keys, named, opaque = reads
        if opaque:
            return None
        # The caller's class in its own account, and what each other account's RCPs read.
        cls = (
            self.ask.class_key(p, "sts:AssumeRole", p.account_id),
            *(self.ask.owner_key(p, "sts:AssumeRole", o) for o in owners if o != p.account_id),
        )
        if None in cls:
            return None
        base = self.ask.base(p)
        about = tuple((key, base.get(key)) for key in keys)
        itself = p.arn if p.arn in named or p.caller_arn in named else None
        return (cls, id(pool), about, itself)

    def _reads_of_trusts(
        self, pool: Mapping[str, PrincipalIn]
    ) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str], bool]:
        """The accounts of the roles of ``pool`` (whose RCPs apply), and what their trust
        policies read about the caller for sts:AssumeRole: the keys, the ARNs they name, and
        whether one names callers another way."""
        keys: set[str] = set()
        named: set[str] = set()
        owners = tuple(sorted({role.account_id for role in pool.values()}))
        for role in pool.values():
            if role.trust is None:
                continue
            for statement in role.trust.statements:
                if not statement.action.matches("sts:assumerole"):
                    continue
                spec = statement.principal
                if spec is not None and (spec.unique_ids or spec.negated):
                    return owners, (), frozenset(), True
                if spec is not None:
                    named.update(spec.arns)
                keys.update(_caller_keys(statement, self.ask.personal_keys))
        return owners, tuple(sorted(keys)), frozenset(named), False

    def _assume(self, role: PrincipalIn, p: PrincipalIn) -> None:
        if p.arn == role.arn or p.kind == "root":
            return  # STS refuses AssumeRole with root user credentials (id_roles_use_switch-role)
        allowed, conditions = self.ask.conditional(
            p, "sts:AssumeRole", role.arn, resource_policy=role.trust
        )
        if allowed:
            self._assume_edge(role, p, conditions)

    def _assume_edge(self, role: PrincipalIn, p: PrincipalIn, conditions: tuple[str, ...]) -> None:
        cross = p.account_id != role.account_id
        if cross:
            how = (
                f"The trust policy of {role.name} (account {role.account_id}) trusts it, and its "
                f"own policies in account {p.account_id} allow sts:AssumeRole on the role: a "
                "cross-account request needs both."
            )
        else:
            how = f"The trust policy of {role.name} trusts it" + (
                " by name, which is enough in the same account."
                if role.trust is not None and _names(role.trust, p.arn)
                else ", and its own policies allow sts:AssumeRole on the role."
            )
        if p.kind == "role":
            how += " A role assumes another through a session of itself (role chaining)."
        self.edge(
            Edge(
                p.arn,
                role.arn,
                "assume",
                "can assume" + (" (cross-account)" if cross else ""),
                how + _if(conditions),
                conditions,
                actions=("sts:AssumeRole",),
            )
        )

    def _outsider_assume(self, role: PrincipalIn, principal: str) -> None:
        node = self.external(principal)
        # A trust naming an account trusts the principals its administrators allow; STS refuses
        # the root user itself ("Roles may not be assumed by root accounts"), so ask as an IAM
        # user of that account standing in for them.
        caller = _outsider_stand_in(principal) if principal.isdigit() else principal
        allowed, conditions = self.ask.outsider(
            caller, "sts:AssumeRole", role.arn, role.trust, role.account_id
        )
        if not allowed:
            return
        who = (
            f"any principal of account {principal} that its administrators allow"
            if principal.isdigit()
            else principal
        )
        self.edge(
            Edge(
                node.id,
                role.arn,
                "assume",
                "can assume (cross-account)",
                f"The trust policy of {role.name} trusts {who}; that account's own policies "
                "must also allow sts:AssumeRole, and iamlab cannot see them." + _if(conditions),
                conditions,
                actions=("sts:AssumeRole",),
            )
        )

    def _service(self, role: PrincipalIn, service: str) -> None:
        allowed, conditions = self.ask.outsider(
            service, "sts:AssumeRole", role.arn, role.trust, role.account_id
        )
        if not allowed:
            return
        node = self.external(service)
        self.service_roles[service].append((role, conditions))
        what = "service-linked role" if role.service_linked else "service role"
        self.edge(
            Edge(
                node.id,
                role.arn,
                "assume",
                "can assume",
                f"The trust policy of {role.name} lets the AWS service {service} assume it: "
                f"it is a {what} the service uses to act in the account." + _if(conditions),
                conditions,
                actions=("sts:AssumeRole",),
            )
        )

    def _federate(self, role: PrincipalIn, provider: str, kind: str) -> None:
        action = _ASSUME_ACTIONS.get(kind, "sts:AssumeRoleWithWebIdentity")
        allowed, conditions = self.ask.outsider(
            provider, action, role.arn, role.trust, role.account_id
        )
        if not allowed:
            return
        node = self.nodes.get(provider) or self.external(provider)
        if node.type == "external":
            node = Node(provider, "provider", provider, detail="web identity provider")
            self.nodes[provider] = node
        kind_text = {"saml": "a SAML 2.0 assertion", "oidc": "an OpenID Connect token"}.get(
            kind, "a web identity token"
        )
        self.edge(
            Edge(
                node.id,
                role.arn,
                "federate",
                "can federate into",
                f"Users of {node.label} can exchange {kind_text} for credentials of "
                f"{role.name} ({action}), because its trust policy names the provider."
                + _if(conditions),
                conditions,
                actions=(action,),
            )
        )

    # things that run as a role ------------------------------------------------------------

    def runs_as(self) -> None:
        profiles = {prof.arn: prof for prof in self.input.profiles}
        ec2_roles = {r.arn for r, _ in self.service_roles.get("ec2.amazonaws.com", [])}
        for inst in self.input.instances:
            prof = profiles.get(inst.profile or "")
            if prof is None or not prof.role or prof.role not in self.nodes:
                continue
            if prof.role not in ec2_roles:
                continue  # EC2 cannot assume it: the instance gets no credentials
            self.edge(
                Edge(
                    inst.arn,
                    prof.role,
                    "runs_as",
                    "runs as",
                    f"Instance {inst.instance_id} was launched with instance profile "
                    f"{prof.name}; EC2 assumes its role and code on the instance gets the "
                    "credentials from the instance metadata service.",
                )
            )
        for r in self.input.resources:
            if r.role and r.role in self.nodes:
                self.edge(
                    Edge(
                        r.arn,
                        r.role,
                        "runs_as",
                        "runs as",
                        f"{_RESOURCE_LABELS.get(r.kind, r.kind)} {r.name} runs with the "
                        "permissions of this role.",
                    )
                )

    # techniques --------------------------------------------------------------------------

    def techniques(self) -> None:
        profile_roles = {prof.role for prof in self.input.profiles if prof.role}
        self._runner_pools()
        for p in self.input.principals:
            if p.arn in self.admins or p.kind == "root" or p.service_linked:
                continue  # admins reach everything anyway; only AWS controls service-linked roles
            hits = self.hits.get(p.arn, frozenset())
            if not hits:
                continue
            self._credentials(p, hits)
            self._self(p, hits)
            self._pass_role(p, hits, profile_roles)
            self._takeovers(p, hits)

    def _credentials(self, p: PrincipalIn, hits: frozenset[str]) -> None:
        # Not shared per class: a policy on user/${aws:username} sets each user apart, and
        # allowed_in(others=True) already shares the answers on the other users.
        self.emit(p, self._credential_edges(p, hits))
        if "iam:UpdateAssumeRolePolicy" in hits:
            for r in self.allowed_in(p, "iam:UpdateAssumeRolePolicy", self.roles[p.account_id]):
                if r.arn == p.arn or r.service_linked:
                    continue
                if not self._could_assume_if_trusted(p, r):
                    continue
                self.edge(
                    Edge(
                        p.arn,
                        r.arn,
                        "escalate",
                        "rewrites trust",
                        f"It may rewrite the trust policy of {r.name} "
                        "(iam:UpdateAssumeRolePolicy) to trust itself, then assume the role.",
                        technique="update-assume-role-policy",
                        actions=("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
                    )
                )
        if "iam:AddUserToGroup" in hits and p.kind == "user":
            for g in self.allowed_in(p, "iam:AddUserToGroup", self.account_groups[p.account_id]):
                if g.arn in p.groups:
                    continue
                capped = " Its permissions boundary still caps what it gains." if p.boundary else ""
                self.edge(
                    Edge(
                        p.arn,
                        g.arn,
                        "escalate",
                        "joins group",
                        f"It may add itself to group {g.name} (iam:AddUserToGroup) and so get "
                        f"the group's permissions.{capped}",
                        technique="add-user-to-group",
                        actions=("iam:AddUserToGroup",),
                    )
                )

    def _credential_edges(self, p: PrincipalIn, hits: frozenset[str]) -> list[_Template]:
        """Access keys and console passwords of the other users of ``p``'s account."""
        users = self.users[p.account_id]
        out: list[_Template] = []
        if "iam:CreateAccessKey" in hits:
            for u in self.allowed_in(p, "iam:CreateAccessKey", users, others=True):
                actions: tuple[str, ...] = ("iam:CreateAccessKey",)
                if u.access_keys >= 2:
                    # IAM allows two access keys per user: a third needs one deleted first.
                    if not (
                        "iam:DeleteAccessKey" in hits
                        and self.ask.decide(p, "iam:DeleteAccessKey", u.arn)
                    ):
                        continue
                    actions += ("iam:DeleteAccessKey",)
                out.append(
                    (
                        u.arn,
                        "escalate",
                        "creates access key",
                        f"It may create an access key for {u.name} ({', '.join(actions)}) and "
                        f"then call AWS as {u.name}, with all of {u.name}'s permissions.",
                        (),
                        "create-access-key",
                        actions,
                    )
                )
        for action, has in (("iam:CreateLoginProfile", False), ("iam:UpdateLoginProfile", True)):
            if action not in hits:
                continue
            for u in self.allowed_in(p, action, users, others=True):
                if u.console_password != has:
                    continue
                what = "set a console password for" if not has else "change the console password of"
                out.append(
                    (
                        u.arn,
                        "escalate",
                        "creates password" if not has else "resets password",
                        f"It may {what} {u.name} ({action}) and sign in to the console as "
                        f"{u.name}."
                        + (
                            f" {u.name} has MFA, so the sign-in also needs that device."
                            if u.mfa
                            else ""
                        ),
                        (f"{u.name}'s MFA device, to sign in",) if u.mfa else (),
                        "create-login-profile" if not has else "update-login-profile",
                        (action,),
                    )
                )
        return out

    def _could_assume_if_trusted(self, p: PrincipalIn, role: PrincipalIn) -> bool:
        """Would the engine allow ``p`` to assume ``role`` once the trust policy names it?"""
        trust = _trust_naming(p.arn)
        return self.ask.decide(p, "sts:AssumeRole", role.arn, resource_policy=trust)

    def _self(self, p: PrincipalIn, hits: frozenset[str]) -> None:
        """Attach, put or version a policy that applies to itself: more of its own
        permissions. Choice: this makes it an admin (it can grant itself anything) unless a
        permissions boundary caps it and it may not remove the boundary, or a condition the
        request must meet stands in the way (then the edge is conditional)."""
        ways = self._self_ways(p, hits, self.ask)
        if not ways:
            return
        ways = self._past_boundary(p, hits, ways, self.ask)
        for technique, what, actions, conditions, gain in ways:
            self.edge(
                Edge(
                    p.arn,
                    p.arn,
                    "escalate",
                    "grants itself more",
                    f"It may {what}, and so {gain}." + _if(conditions),
                    conditions,
                    technique=technique,
                    actions=actions,
                )
            )
        unconditional = [w for w in ways if not w[3] and w[4] == _ANY_PERMISSION]
        if unconditional:
            self.admins.add(p.arn)
            self.nodes[p.arn] = _replace(
                self.nodes[p.arn],
                is_admin=True,
                admin_reason=f"It may {unconditional[0][1]}, and so {_ANY_PERMISSION}.",
            )

    def _self_ways(
        self, p: PrincipalIn, hits: frozenset[str], ask: _Asker, versions: bool = True
    ) -> list[_Way]:
        """The ways ``p`` may give itself more: a policy on itself or on one of its groups, a
        new version of a customer managed policy attached to it (directly or through a group),
        and (with ``versions``) another of those policies' versions made the default. Each
        with the conditions a request must meet (a key the caller chooses)."""
        ways: list[_Way] = []
        extra = {"iam:PolicyARN": ADMIN_POLICY_ARN}
        kind = "User" if p.kind == "user" else "Role"
        for action, technique in (
            (f"iam:Put{kind}Policy", "put-own-policy"),
            (f"iam:Attach{kind}Policy", "attach-own-policy"),
        ):
            if action in hits:
                allowed, conditions = ask.conditional(p, action, p.arn, extra)
                if allowed:
                    ways.append(
                        (
                            technique,
                            f"add a policy to itself ({action})",
                            (action,),
                            conditions,
                            _ANY_PERMISSION,
                        )
                    )
        for group in p.groups:
            g = self.groups.get(group)
            if g is None:
                continue
            for action, technique in (
                ("iam:PutGroupPolicy", "put-group-policy"),
                ("iam:AttachGroupPolicy", "attach-group-policy"),
            ):
                if action in hits:
                    allowed, conditions = ask.conditional(p, action, g.arn, extra)
                    if allowed:
                        ways.append(
                            (
                                technique,
                                f"add a policy to its group {g.name} ({action})",
                                (action,),
                                conditions,
                                _ANY_PERMISSION,
                            )
                        )
        attached = list(p.managed_policies)
        for group in p.groups:
            g = self.groups.get(group)
            if g is not None:
                attached.extend(g.managed_policies)
        for arn in dict.fromkeys(attached):
            m = self.managed.get(arn)
            if m is None:
                continue  # AWS managed: nobody but AWS versions it
            if "iam:CreatePolicyVersion" in hits:
                allowed, conditions = ask.conditional(p, "iam:CreatePolicyVersion", arn)
                actions: tuple[str, ...] = ("iam:CreatePolicyVersion",)
                if allowed and m.versions >= 5:
                    # A managed policy keeps at most five versions: one must go first.
                    allowed, more = ask.conditional(p, "iam:DeletePolicyVersion", arn)
                    actions += ("iam:DeletePolicyVersion",)
                    conditions = _merged(conditions, more)
                if allowed:
                    ways.append(
                        (
                            "create-policy-version",
                            f"write a new default version of {m.name}, attached to it "
                            f"({', '.join(actions)})",
                            actions,
                            conditions,
                            _ANY_PERMISSION,
                        )
                    )
            if versions and "iam:SetDefaultPolicyVersion" in hits and m.versions > 1:
                allowed, conditions = ask.conditional(p, "iam:SetDefaultPolicyVersion", arn)
                if allowed:
                    way = self._older_version(p, m, hits, conditions)
                    if way is not None:
                        ways.append(way)
        return ways

    def _past_boundary(
        self, p: PrincipalIn, hits: frozenset[str], ways: list[_Way], ask: _Asker
    ) -> list[_Way]:
        """``ways`` once ``p`` removes its permissions boundary, which would cap whatever it
        grants itself; none when it may not."""
        if p.boundary is None:
            return ways
        action = f"iam:Delete{'User' if p.kind == 'user' else 'Role'}PermissionsBoundary"
        if action not in hits:
            return []
        allowed, conditions = ask.conditional(p, action, p.arn)
        if not allowed:
            return []
        return [
            (
                t,
                w + f" and remove its permissions boundary ({action})",
                a + (action,),
                _merged(c, conditions),
                gain,
            )
            for t, w, a, c, gain in ways
        ]

    def _older_version(
        self,
        p: PrincipalIn,
        m: ManagedPolicyIn,
        hits: frozenset[str],
        conditions: tuple[str, ...],
    ) -> _Way | None:
        """SetDefaultPolicyVersion on ``m``, attached to ``p``: worth it when another version
        grants more (access_policies_managed-versioning: "you can use the
        SetDefaultPolicyVersion operation to roll back to a previous version"). When the
        versions' documents are known, each is put in the default's place among ``p``'s
        policies and asked about: a version that makes ``p`` an admin (the admin probe, or a
        way to grant itself anything) makes the edge unconditional; one that only adds
        technique actions gives a conditional edge; none, no edge. Unknown documents leave
        the edge conditional on an older version granting more."""
        action = ("iam:SetDefaultPolicyVersion",)
        if not m.other_versions:
            return (
                "set-default-policy-version",
                f"make another version of {m.name} the default (iam:SetDefaultPolicyVersion)",
                action,
                (*conditions, f"an older version of {m.name} grants more"),
                _ANY_PERMISSION,
            )
        for version in m.other_versions:
            named = f" ({version.name})" if version.name else ""
            why = self._would_be_admin(self._with_version(p, m, version))
            if why:
                return (
                    "set-default-policy-version",
                    f"make an older version{named} of {m.name} the default "
                    f"(iam:SetDefaultPolicyVersion); that version {why}",
                    action,
                    conditions,
                    _ANY_PERMISSION,
                )
        more = sorted(
            frozenset().union(*(self._hits((v,)) for v in m.other_versions))
            - hits
            - {"sts:AssumeRole"}
        )
        if not more:
            return None
        return (
            "set-default-policy-version",
            f"make an older version of {m.name} the default (iam:SetDefaultPolicyVersion), "
            f"which also allows {', '.join(more[:4])}{', ...' if len(more) > 4 else ''}",
            action,
            conditions,
            "gain what that version allows",
        )

    def _with_version(self, p: PrincipalIn, m: ManagedPolicyIn, version: Policy) -> PrincipalIn:
        """``p`` as it would be with ``version`` the default of ``m``: the version takes the
        default's place among its identity policies. Choice: when iamlab cannot tell which
        of them is the default (no ``default`` given, or none matches), the version is
        added beside them. Without its permissions boundary: a way to grant itself more
        counts only once it removes it (see :meth:`_past_boundary`)."""
        identity = list(p.identity)
        default = m.default
        for i, policy in enumerate(identity):
            if default is not None and (
                policy.statements is default.statements
                or (default.text is not None and policy.text == default.text)
            ):
                identity[i] = version
                break
        else:
            identity.append(version)
        variant = dataclasses.replace(p, identity=tuple(identity), boundary=None)
        self._variants.append(variant)  # kept alive: the what-if asker keys on id(identity)
        return variant

    def _would_be_admin(self, p: PrincipalIn, versions: bool = False) -> str:
        """Why ``p`` (a what-if principal) would be an admin, or "" when not: the admin
        probe, or a way to grant itself anything (an older version counted with
        ``versions`` only)."""
        ask = self._whatif()
        hits = self._hits(p.identity)
        extra = {"iam:PolicyARN": ADMIN_POLICY_ARN}
        if hits >= _PROBE_ACTIONS and all(
            ask.decide(p, action, arn, extra) for action, arn in _probe_arns(p.account_id)
        ):
            return "allows every IAM action on its account's users, roles and policies"
        ways = self._self_ways(p, hits, ask, versions=versions)
        if ways:
            ways = self._past_boundary(p, hits, ways, ask)
        for _technique, what, _actions, conditions, gain in ways:
            if not conditions and gain == _ANY_PERMISSION:
                return f"lets it {what}"
        return ""

    def _whatif(self) -> _Asker:
        """The asker for principals as they would be (see :meth:`_Asker.what_if`)."""
        if self._whatif_asker is None:
            self._whatif_asker = self.ask.what_if()
        return self._whatif_asker

    def _pass_role(self, p: PrincipalIn, hits: frozenset[str], profile_roles: set[str]) -> None:
        if "iam:PassRole" not in hits:
            return
        # Each action with the resources it is asked about: the roles, any resource ("*") for
        # the service's own actions, and the account's instance profiles.
        where = {
            "iam:PassRole": self.roles[p.account_id],
            "iam:CreateInstanceProfile": self._profiles_pool(p.account_id),
            "iam:AddRoleToInstanceProfile": self._profiles_pool(p.account_id),
        }
        uses = [(a, where.get(a, _ANY_RESOURCE)) for a in _PASS_ROLE_ACTIONS if a in hits]
        self.emit(
            p,
            self.per_class(
                p, "pass_role", uses, lambda: self._pass_role_edges(p, hits, profile_roles)
            ),
        )

    def _pass_role_edges(
        self, p: PrincipalIn, hits: frozenset[str], profile_roles: set[str]
    ) -> list[_Template]:
        out: list[_Template] = []
        for technique in tq.PASS_ROLE:
            candidates = self.service_roles.get(technique.service)
            if not candidates:
                continue
            alternative = self._alternative(p, hits, technique.alternatives, "*")
            if alternative is None:
                continue
            profiles = next(iter(self._profiles_pool(p.account_id)))
            can_make_profile = technique.needs_profile and all(
                a in hits and self.ask.decide(p, a, profiles)
                for a in ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile")
            )
            for role, trust_conditions in candidates:
                if role.account_id != p.account_id or role.service_linked:
                    continue
                actions = ("iam:PassRole", *alternative)
                if technique.needs_profile and role.arn not in profile_roles:
                    if not can_make_profile:
                        continue
                    actions += ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile")
                if not self.could(p, "iam:PassRole", role.arn):
                    continue
                extra = {"iam:PassedToService": technique.service}
                allowed, conditions = self.ask.conditional(p, "iam:PassRole", role.arn, extra)
                if not allowed:
                    continue
                conditions = conditions + trust_conditions
                out.append(
                    (
                        role.arn,
                        "pass_role",
                        f"passes to {technique.label}",
                        f"It may pass {role.name} to {technique.label} (iam:PassRole with "
                        f"iam:PassedToService {technique.service}) and {technique.what}; "
                        f"{role.name} trusts {technique.service}." + _if(conditions),
                        conditions,
                        technique.id,
                        actions,
                    )
                )
        return out

    def _profiles_pool(self, account: str) -> Mapping[str, str]:
        """The ARN pattern a new instance profile of ``account`` is asked on, as a pool that
        lives as long as the build."""
        found = self._profile_pools.get(account)
        if found is None:
            arn = f"arn:aws:iam::{account}:instance-profile/*"
            found = self._profile_pools[account] = {arn: arn}
        return found

    def _alternative(
        self,
        p: PrincipalIn,
        hits: frozenset[str],
        alternatives: tuple[tuple[str, ...], ...],
        resource: str,
    ) -> tuple[str, ...] | None:
        for alternative in alternatives:
            if all(a in hits for a in alternative) and all(
                self.ask.decide(p, a, resource) for a in alternative
            ):
                return alternative
        return None

    def _runner_pools(self) -> None:
        """What already runs as a role, per account and kind: functions, stacks, build
        projects and running instances whose profile's role EC2 may assume."""
        for r in self.input.resources:
            if r.role:
                self.runners[(r.account_id, r.kind)][r.arn] = (r.name, r.role, r)
                if r.policy is None:
                    self.plain_runners[(r.account_id, r.kind)][r.arn] = r.arn
                else:
                    self.policy_runners[(r.account_id, r.kind)][r.arn] = (r.name, r.role, r)
        profiles = {prof.arn: prof for prof in self.input.profiles}
        ec2_roles = {r.arn for r, _ in self.service_roles.get("ec2.amazonaws.com", [])}
        for inst in self.input.instances:
            prof = profiles.get(inst.profile or "")
            if inst.running and prof is not None and prof.role and prof.role in ec2_roles:
                self.runners[(inst.account_id, "instance")][inst.arn] = (
                    inst.instance_id,
                    prof.role,
                    None,
                )
                self.plain_runners[(inst.account_id, "instance")][inst.arn] = inst.arn

    def _takeovers(self, p: PrincipalIn, hits: frozenset[str]) -> None:
        uses = [
            (a, self.plain_runners[(p.account_id, takeover.kind)])
            for takeover in tq.TAKEOVERS
            for a in dict.fromkeys(a for alt in takeover.alternatives for a in alt)
            if a in hits
        ]
        if not uses:
            return
        # Without a resource-based policy, the answers come per class of principal; with
        # one, they are the principal's own.
        self.emit(p, self.per_class(p, "takeovers", uses, lambda: self._takeover_edges(p, hits)))
        self.emit(p, self._takeover_edges(p, hits, with_policy=True))

    def _takeover_edges(
        self, p: PrincipalIn, hits: frozenset[str], with_policy: bool = False
    ) -> list[_Template]:
        """Takeovers of what runs as a role: without a resource-based policy, or (with
        ``with_policy``) with one."""
        out: list[_Template] = []
        for takeover in tq.TAKEOVERS:
            alternatives = [alt for alt in takeover.alternatives if all(a in hits for a in alt)]
            if not alternatives:
                continue
            if with_policy:
                pool = self.policy_runners.get((p.account_id, takeover.kind), {})
                allowed: dict[str, set[str]] = {}
            else:
                plain = self.plain_runners[(p.account_id, takeover.kind)]
                allowed = {
                    a: set(self.allowed_in(p, a, plain)) for alt in alternatives for a in alt
                }
                candidates = set().union(*(allowed[alt[0]] for alt in alternatives))
                runners = self.runners[(p.account_id, takeover.kind)]
                pool = {arn: runners[arn] for arn in plain if arn in candidates}
            for arn, (name, role, res) in pool.items():
                policy = res.policy if res is not None else None
                chosen = None
                for alternative in alternatives:
                    if all(
                        arn in allowed[a]
                        if policy is None
                        else self.ask.decide(p, a, arn, resource_policy=policy)
                        for a in alternative
                    ):
                        chosen = alternative
                        break
                if chosen is None:
                    continue
                out.append(
                    (
                        role,
                        "escalate",
                        f"takes over {takeover.label}",
                        f"{takeover.label} {name} runs as {role.rsplit('/', 1)[-1]}; it may "
                        f"{takeover.what}.",
                        (),
                        takeover.id,
                        chosen,
                    )
                )
        return out

    # the reverse search ------------------------------------------------------------------

    def can_escalate(self) -> frozenset[str]:
        """Every node with a way to an admin (or to a group that makes its members admins):
        one breadth-first search backwards from them, whatever the number of paths."""
        into: dict[str, list[str]] = defaultdict(list)
        for edge in self.edges:
            if edge.source != edge.target:
                into[edge.target].append(edge.source)
        start = set(self.admins) | self.admin_groups
        seen = set(start)
        queue = deque(start)
        while queue:
            for source in into.get(queue.popleft(), ()):
                if source not in seen:
                    seen.add(source)
                    queue.append(source)
        return frozenset(n for n in seen - start if n in self.nodes)

    def sessions(self) -> None:
        for s in self.input.sessions:
            role = self.nodes.get(s.role)
            if role is None or s.arn not in self.nodes:
                continue
            admin = bool(role.is_admin) and not s.narrowed and not s.expired
            self.nodes[s.arn] = _replace(
                self.nodes[s.arn],
                is_admin=admin,
                admin_reason=f"A session of {role.label}, an admin." if admin else "",
            )

    def build(self) -> AccessGraph:
        self.add_nodes()
        self.find_admins()
        self.trust_edges()
        self.runs_as()
        self.techniques()
        self.sessions()
        self.add_relations()
        escalators = self.can_escalate()
        for node_id in escalators:
            node = self.nodes[node_id]
            if node.is_principal and node.is_admin is None:
                self.nodes[node_id] = _replace(node, is_admin=False)
        for node_id, node in list(self.nodes.items()):
            if node.is_principal and node.is_admin is None:
                self.nodes[node_id] = _replace(node, is_admin=False)
        return AccessGraph(self.nodes, self.edges, self.relations, escalators)


def build_graph(graph_input: GraphInput, *, share: bool = True) -> AccessGraph:
    """The access graph of one sandbox (see the module docstring). ``share=False`` works out
    every answer and edge for each principal on its own: slower, the same graph.

    The cyclic garbage collector is paused while it builds: a large sandbox makes hundreds of
    thousands of edges that all outlive the build, and every collection in between would walk
    them again for nothing (a third of the build time at 5,000 principals). Whatever cyclic
    garbage the build leaves, the first collection after it frees."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return _Builder(graph_input, share).build()
    finally:
        if paused:
            gc.enable()


# -- helpers -----------------------------------------------------------------------------------


def _replace(node: Node, **changes: Any) -> Node:
    from dataclasses import replace

    return replace(node, **changes)


def _principal_label(p: PrincipalIn) -> str:
    if p.kind == "root":
        return "root user"
    return p.name


def _merged(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))


def _if(conditions: tuple[str, ...]) -> str:
    if not conditions:
        return ""
    return " Only when the request meets: " + "; ".join(conditions) + "."


_SESSION = re.compile(r"arn:[\w-]+:sts::\d{12}:assumed-role/")

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


def _outsider_stand_in(account: str) -> str:
    return f"arn:aws:iam::{account}:user/iamlab-outsider"


def _is_session_arn(arn: str) -> bool:
    return _SESSION.match(arn) is not None


def _names(policy: Policy, arn: str) -> bool:
    return any(
        s.is_allow and s.principal is not None and arn in s.principal.arns
        for s in policy.statements
    )


@functools.lru_cache(maxsize=4096)
def _trust_naming(arn: str) -> Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"}
            ],
        },
        PolicyType.TRUST,
        name="The trust policy it would write",
        checks=False,
    )
