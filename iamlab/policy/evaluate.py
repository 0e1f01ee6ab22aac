"""Policy evaluation: the decision AWS makes for one request, and the reasons for it.

Source: IAM User Guide, "Policy evaluation logic" and its subpages (current text):
reference_policies_evaluation-logic, reference_policies_evaluation-logic_policy-eval-denyallow
(the normative steps), reference_policies_evaluation-logic-cross-account, access_policies
(session policies), access_policies_boundaries, reference_policies_elements_principal; AWS
Organizations User Guide orgs_manage_policies_scps and orgs_manage_policies_rcps; STS API
reference API_AssumeRole.

The steps (denyallow page):
1. an explicit Deny in any applicable policy wins;
2. RCPs of the resource's account must allow, at every level of the organization;
3. SCPs of the principal's account must allow, at every level;
4. a resource-based policy can allow on its own in the same account, how far depending on the
   principal it names (user ARN, session ARN: not limited by anything else; role ARN: still
   limited by the boundary and session policy; the account: only delegates, the principal
   still needs an identity-based Allow). Role trust policies and KMS key policies must always
   allow explicitly;
5. otherwise an identity-based policy must allow;
6. a permissions boundary, if set, must allow;
7. a session policy, if passed, must allow.
Across accounts both sides must allow: the principal's account (identity, boundary, session,
SCPs) and the resource's account (resource-based policy, RCPs).

Documented choices where the guides disagree (tested in tests/policy):
* D2: a resource-based policy naming the *session ARN* is not limited by the session policy
  (access_policies, denyallow), even though iam-simulate gates on the session policy first.
* D3: a federated user (GetFederationToken) whose session has no session policy gets nothing
  from the IAM user's policies; only grants that name the federated user directly work
  (id_credentials_temp_request: "the temporary security credentials will not grant any
  permissions"), although the current denyallow page mentions a "default session policy".
* D4: a resource policy naming an IAM user is not limited by that user's boundary.
* D7: except a role's trust policy (the ``sts:`` actions on a role): an IAM user it names is
  still limited by the user's permissions boundary, which must allow ``sts:AssumeRole``
  (id_roles_update-role-trust-policy: "If a permissions boundary is set for the user, then it
  must allow the sts:AssumeRole action"). The page speaks of users only, so a trust policy
  naming a role session's ARN is left as D2 has it.
* D5: an SCP or RCP level without an Allow is reported as ``implicitDeny`` decided by that
  layer, as iam-simulate and AWS's simulator do (the 2023 guide calls it an explicit deny).
* STS refuses some callers whatever the policies say: root cannot assume roles ("Roles may not
  be assumed by root accounts"); a federated user (GetFederationToken) can call no STS operation
  but GetCallerIdentity (API_GetFederationToken); a role session cannot call GetFederationToken
  or GetSessionToken (API_AssumeRole). These are reported as ``implicitDeny`` decided by "sts".
  The rule is :func:`iamlab.policy.credentials.refusal_by_arn`, the one STS applies too.
* RCPs apply only to actions that authorize a resource; an action whose only resource is ``*``
  (no resource type in the Service Authorization Reference, e.g. s3:ListAllMyBuckets) is not
  subject to RCPs (orgs_manage_policies_rcps, "RCPs apply to the resources that are authorized
  as part of an operation request").
* D6: NotPrincipal excludes a caller only when every identity AWS may check for it is listed:
  the account, plus the user, or the role and the session (reference_policies_elements_notprincipal
  asks to list the account and the role along with the assumed-role session). A Deny with
  NotPrincipal always applies to a user or role that has a permissions boundary.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import catalog, why
from .conditions import ConditionTrace
from .credentials import refusal_by_arn
from .model import Policy, PolicyType, PrincipalSpec, ResourceSpec, Statement
from .request import Caller, PrincipalKind, Request

__all__ = [
    "ALLOWED",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "Evaluation",
    "LayerResult",
    "PolicySet",
    "StatementMatch",
    "StatementTrace",
    "decide",
    "evaluate",
]

# What can limit the root user, in the one sentence every page and the engine's reason use
# (id_root-user.html; orgs_manage_policies_scps.html: SCPs affect a member account's root user,
# never the management account; orgs_manage_policies_rcps.html; and an explicit Deny in a
# resource-based policy applies to every principal). No identity-based policy or permissions
# boundary can be attached to the root user.
ROOT_USER_LIMITS = (
    "The root user has full access to its own account, and no identity-based policy or "
    "permissions boundary can limit it: only SCPs and RCPs, in a member account of an "
    "organization, and an explicit deny in a resource-based policy apply to it."
)

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"

# How a resource-based policy's matching Allow names the caller; one value per statement, and
# the strongest over all statements counts. Powers of two, so ``grants & DIRECT`` reads well.
VIA_ACCOUNT = 1  # the caller's account: delegation, an identity-based Allow is still needed
VIA_PARENT = 2  # the role of a session / the IAM user behind a federated user
DIRECT = 4  # the caller itself (user, session, federated user), "*", a service, a provider

GRANT_NAMES = {
    DIRECT: "names the caller directly",
    VIA_PARENT: "names the caller's role (or the IAM user behind the federated user)",
    VIA_ACCOUNT: "names the caller's account",
}

_IDENTITY_KINDS = (PrincipalKind.USER, PrincipalKind.ROLE_SESSION, PrincipalKind.FEDERATED_USER)
_NO_SCP_KINDS = (PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS, PrincipalKind.IDENTITY_PROVIDER)


# --- principal matching ------------------------------------------------------------------------


def principal_grant(
    spec: PrincipalSpec, caller: Caller, request: Request, deny_with_boundary: bool = False
) -> int:
    """How strongly a Principal element names the caller (0: not at all).

    ``deny_with_boundary``: the statement is a Deny and the caller has a permissions boundary.
    reference_policies_elements_notprincipal: "The NotPrincipal element with a Deny effect will
    always deny any IAM principal that has a permissions boundary policy attached, regardless of
    the values specified in the NotPrincipal element."
    """
    if spec.negated:
        if deny_with_boundary and caller.kind in (PrincipalKind.USER, PrincipalKind.ROLE_SESSION):
            return DIRECT
        return 0 if _excluded(spec, caller) else DIRECT
    if spec.anyone:
        return DIRECT
    kind = caller.kind
    if kind is PrincipalKind.SERVICE:
        return DIRECT if caller.arn in spec.services else 0
    if kind is PrincipalKind.IDENTITY_PROVIDER:
        return DIRECT if caller.arn in spec.federated else 0
    if kind is PrincipalKind.ANONYMOUS:
        return 0
    best = 0
    if kind is not PrincipalKind.ROOT and caller.arn in spec.arns:
        return DIRECT
    if spec.arns and caller.issuer_arn is not None and _names_issuer(spec, caller):
        best = VIA_PARENT
    if spec.unique_ids:
        userid = request.scalar("aws:userid")
        if userid is not None:
            if userid in spec.unique_ids and kind is PrincipalKind.USER:
                return DIRECT
            if userid.split(":")[0] in spec.unique_ids and kind is PrincipalKind.ROLE_SESSION:
                best = max(best, VIA_PARENT)
    if best == 0 and caller.account in spec.accounts:
        best = VIA_ACCOUNT
    return best


def _names_issuer(spec: PrincipalSpec, caller: Caller) -> bool:
    issuer = caller.issuer_arn
    assert issuer is not None
    if issuer in spec.arns:
        return True
    if caller.kind is PrincipalKind.ROLE_SESSION:
        # Role names are unique in an account whatever their path, so a role ARN written with
        # a path names the same role as the session's (path-less) issuer ARN.
        prefix = f"arn:{caller.partition}:iam::{caller.account}:role/"
        return any(a.startswith(prefix) and a.rsplit("/", 1)[-1] == caller.name for a in spec.arns)
    return False


def _excluded(spec: PrincipalSpec, caller: Caller) -> bool:
    """D6: NotPrincipal excludes the caller only if every identity of it is listed."""
    if spec.anyone:
        return True
    kind = caller.kind
    if kind is PrincipalKind.SERVICE:
        return caller.arn in spec.services
    if kind is PrincipalKind.IDENTITY_PROVIDER:
        return caller.arn in spec.federated
    if kind is PrincipalKind.ANONYMOUS:
        return False
    if caller.account not in spec.accounts:
        return False
    if kind is PrincipalKind.ROOT:
        return True
    if caller.arn not in spec.arns:
        return False
    if kind is PrincipalKind.ROLE_SESSION:
        return caller.issuer_arn is not None and _names_issuer(spec, caller)
    return True


def not_principal_identities(spec: PrincipalSpec, caller: Caller) -> tuple[why.Identity, ...]:
    """D6: every identity AWS checks for the caller against a NotPrincipal, each with whether
    the NotPrincipal lists it. It leaves the caller out only if it lists every one of them
    (reference_policies_elements_notprincipal: list the account, and the role along with the
    assumed-role session, because the request is evaluated for each)."""
    kind = caller.kind
    if kind is PrincipalKind.SERVICE:
        return (why.Identity("the service", caller.arn, caller.arn in spec.services),)
    if kind is PrincipalKind.IDENTITY_PROVIDER:
        return (why.Identity("the identity provider", caller.arn, caller.arn in spec.federated),)
    if kind is PrincipalKind.ANONYMOUS or caller.account is None:
        return ()
    root = f"arn:{caller.partition}:iam::{caller.account}:root"
    found = [why.Identity("account", root, caller.account in spec.accounts)]
    if kind is PrincipalKind.ROOT:
        return tuple(found)
    if kind is PrincipalKind.ROLE_SESSION:
        issuer = caller.issuer_arn
        found.append(
            why.Identity(
                "role", issuer or "its role", issuer is not None and _names_issuer(spec, caller)
            )
        )
    found.append(why.Identity("self", caller.arn, caller.arn in spec.arns))
    return tuple(found)


def _not_principal_reading(
    statement: Statement, caller: Caller, boundary: bool, applies: bool
) -> str:
    """How a statement's NotPrincipal was read for the caller, in words."""
    spec = statement.principal
    assert spec is not None
    assert spec.negated
    boundary_rule = (
        boundary
        and not statement.is_allow
        and caller.kind in (PrincipalKind.USER, PrincipalKind.ROLE_SESSION)
    )
    return why.not_principal_reading(
        statement.effect,
        caller,
        spec.anyone,
        not_principal_identities(spec, caller),
        boundary_rule,
        applies,
    )


# --- compiled policy sets ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Layer:
    kind: str  # identity, boundary, session, scp, rcp, resource
    label: str
    level: int  # organization level for scp/rcp, else 0
    policies: tuple[Policy, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    ready: tuple[StatementTrace | None, ...]  # None where the statement must be traced
    todo: tuple[tuple[int, Policy, Statement, str], ...]  # (position, policy, statement, label)


# One statement as the fast path tests it: (statement, the compiled test of the ARN when its
# Resource has no variables and does not cover every ARN, its Resource when it has variables,
# its Principal when it names someone: not absent and not a plain "*").
_Check = tuple[Statement, Callable[[str], bool] | None, ResourceSpec | None, PrincipalSpec | None]


@dataclass(frozen=True, slots=True)
class _Candidates:
    """The statements that can apply to one action, split by layer and effect, each ready to
    be tested against the request's resource, caller and context. The same for every request
    with that action, whatever resource it names, so it is worked out once per action."""

    allows: tuple[tuple[_Check, ...], ...]  # indexed like PolicySet.layers
    denies: tuple[tuple[_Check, ...], ...]
    # Per layer: an Allow applies whatever the request's resource, context and caller (no
    # condition, a Resource covering every ARN, no principal or "*"), so the layer allows
    # without a check.
    unconditional: tuple[bool, ...]


def _check(statement: Statement) -> _Check:
    resource = statement.resource
    spec = statement.principal
    return (
        statement,
        None if resource is None or resource.covers_all else resource.test,
        resource if resource is not None and not resource.static else None,
        spec if spec is not None and not (spec.anyone and not spec.negated) else None,
    )


def _free(check: _Check) -> bool:
    """An Allow that needs no test at all: it applies to every request with its action."""
    statement, arn, variable, named = check
    return not statement.conditions and arn is None and variable is None and named is None


def _level_labels(kind: str, count: int) -> list[str]:
    name = "SCPs" if kind == "scp" else "RCPs"
    if count == 1:
        return [f"{name} (one level)"]
    labels = []
    for i in range(count):
        if i == 0:
            labels.append(f"{name} at the organization root")
        elif i == count - 1:
            labels.append(f"{name} on the account")
        else:
            labels.append(f"{name} on OU level {i}")
    return labels


_SINGULAR = {
    "identity": "identity-based policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "scp": "SCP",
    "rcp": "RCP",
}


class PolicySet:
    """The policies that apply to requests of one principal, compiled for fast evaluation.

    Statements are indexed by action on first use, so a question only tests the statements
    that cover its action. Nothing is kept per resource: a request often names a resource
    never asked about before (a bucket's objects), and each Resource element's test of the
    ARN is compiled once instead (see ResourceSpec.test).
    """

    CACHE_SIZE = 4096

    def __init__(
        self,
        identity: Sequence[Policy] = (),
        resource_policy: Policy | None = None,
        boundary: Policy | None = None,
        session: Sequence[Policy] = (),
        scps: Sequence[Sequence[Policy]] = (),
        rcps: Sequence[Sequence[Policy]] = (),
    ) -> None:
        layers: list[_Layer] = [_Layer("identity", "Identity-based policies", 0, tuple(identity))]
        if boundary is not None:
            layers.append(_Layer("boundary", "Permissions boundary", 0, (boundary,)))
        if session:
            layers.append(_Layer("session", "Session policies", 0, tuple(session)))
        for i, (level, label) in enumerate(zip(scps, _level_labels("scp", len(scps)), strict=True)):
            layers.append(_Layer("scp", label, i, tuple(level)))
        for i, (level, label) in enumerate(zip(rcps, _level_labels("rcp", len(rcps)), strict=True)):
            layers.append(_Layer("rcp", label, i, tuple(level)))
        if resource_policy is not None:
            label = {PolicyType.TRUST: "Role trust policy"}.get(
                resource_policy.type, "Resource-based policy"
            )
            layers.append(_Layer("resource", label, 0, (resource_policy,)))
        self.layers = tuple(layers)
        self._labels: dict[int, str] | None = None
        self.identity = tuple(identity)
        self.resource_policy = resource_policy
        self.boundary = boundary
        self.session = tuple(session)
        self.scp_levels = len(scps)
        self.rcp_levels = len(rcps)
        self._index = {layer.kind: i for i, layer in enumerate(layers) if layer.level == 0}
        self._scp_indexes = tuple(i for i, layer in enumerate(layers) if layer.kind == "scp")
        self._rcp_indexes = tuple(i for i, layer in enumerate(layers) if layer.kind == "rcp")
        self._principal_layers = tuple(layer.kind in ("resource", "rcp") for layer in layers)
        self._applicability: dict[tuple[str, PrincipalKind, bool], tuple[bool, ...]] = {}
        self._candidates: dict[str, _Candidates] = {}
        self._plans: dict[str, tuple[_Plan, ...]] = {}
        self._by_action: dict[str, tuple[tuple[tuple[Policy, Statement], ...], ...]] = {}
        # Per (layer, action): where the statements that could be near misses are (why.py).
        self.near_candidates: dict[tuple[int, str], tuple[int, ...]] = {}

    @property
    def labels(self) -> dict[int, str]:
        """How an explanation names each policy (by id()): its name, or its place. Worked out
        on first use: most policy sets only decide, and never explain."""
        if self._labels is None:
            labels: dict[int, str] = {}
            for layer in self.layers:
                singular = _SINGULAR.get(layer.kind, layer.label.lower())
                # Where an SCP or RCP is attached: "at the organization root", "on the
                # account"; nothing when there is one level only.
                where = ""
                if layer.kind in ("scp", "rcp") and not layer.label.endswith("(one level)"):
                    where = " " + layer.label.split(" ", 1)[1]
                for n, policy in enumerate(layer.policies, start=1):
                    if policy.name:
                        label = policy.name
                    elif len(layer.policies) == 1:
                        label = f"the {singular}{where}"
                    else:
                        label = f"{singular} #{n}{where}"
                    labels.setdefault(id(policy), label)
            self._labels = labels
        return self._labels

    # -- indexing ---------------------------------------------------------------------------

    def trace_plan(self, action: str) -> tuple[_Plan, ...]:
        """Per layer: the finished traces of statements whose Action does not cover the action
        (the same for every request with that action) and the statements still to trace."""
        plan = self._plans.get(action)
        if plan is None:
            candidates = self._for_action(action.lower())
            layers = []
            for i, layer in enumerate(self.layers):
                covered = {id(s) for _, s in candidates[i]}
                ready: list[StatementTrace | None] = []
                todo: list[tuple[int, Policy, Statement, str]] = []
                for p in layer.policies:
                    for s in p.statements:
                        if id(s) in covered:
                            todo.append((len(ready), p, s, self.labels[id(p)]))
                            ready.append(None)
                        else:
                            ready.append(_untouched(self, layer, p, s, action))
                layers.append(_Plan(tuple(ready), tuple(todo)))
            plan = tuple(layers)
            if len(self._plans) >= self.CACHE_SIZE:
                self._plans.clear()
            self._plans[action] = plan
        return plan

    def for_action(self, action: str) -> tuple[tuple[tuple[Policy, Statement], ...], ...]:
        """Per layer, the statements whose Action / NotAction covers ``action`` (lower-cased),
        cached: who asks many questions can see which statements could answer them."""
        return self._for_action(action)

    def _for_action(self, action: str) -> tuple[tuple[tuple[Policy, Statement], ...], ...]:
        found = self._by_action.get(action)
        if found is None:
            found = tuple(
                tuple((p, s) for p in layer.policies for s in p.statements_for(action))
                for layer in self.layers
            )
            if len(self._by_action) >= self.CACHE_SIZE:
                self._by_action.clear()
            self._by_action[action] = found
        return found

    def candidates(self, action: str) -> _Candidates:
        """The statements that can apply to ``action`` (lower-cased), ready for the fast path.
        Cached per action only: a resource is often asked about once (a bucket's objects), so
        what depends on it is tested per request, with each Resource's test compiled once."""
        found = self._candidates.get(action)
        if found is None:
            allows: list[tuple[_Check, ...]] = []
            denies: list[tuple[_Check, ...]] = []
            for covering in self._for_action(action):
                allows.append(tuple(_check(s) for _, s in covering if s.is_allow))
                denies.append(tuple(_check(s) for _, s in covering if not s.is_allow))
            unconditional = tuple(any(_free(c) for c in layer) for layer in allows)
            found = _Candidates(tuple(allows), tuple(denies), unconditional)
            if len(self._candidates) >= self.CACHE_SIZE:
                self._candidates.clear()
            self._candidates[action] = found
        return found

    # -- applicability -------------------------------------------------------------------------

    def applicable(self, request: Request) -> tuple[bool, ...]:
        """Which layers apply to this request (cached: it depends on the action and caller kind)."""
        caller = request.caller
        key = (request.action_lower, caller.kind, caller.service_linked)
        found = self._applicability.get(key)
        if found is None:
            found = tuple(self.applies(layer, request)[0] for layer in self.layers)
            if len(self._applicability) >= self.CACHE_SIZE:
                self._applicability.clear()
            self._applicability[key] = found
        return found

    def applies(self, layer: _Layer, request: Request) -> tuple[bool, str]:
        """Whether a layer applies to this request, and if not, why not (for the explanation)."""
        caller = request.caller
        kind = caller.kind
        if layer.kind in ("identity", "boundary"):
            if kind in _IDENTITY_KINDS:
                return True, ""
            if kind is PrincipalKind.ROOT:
                what = (
                    "identity-based policies"
                    if layer.kind == "identity"
                    else "a permissions boundary"
                )
                return False, f"the root user cannot have {what}, so they are ignored"
            return False, f"{caller.describe()} has no IAM identity, so this layer does not apply"
        if layer.kind == "session":
            if caller.is_session:
                return True, ""
            return False, (
                "session policies limit role sessions and federated users only; "
                f"{caller.describe()} is neither, so they are ignored"
            )
        if layer.kind == "scp":
            if kind in _NO_SCP_KINDS:
                return False, f"SCPs do not apply to {caller.describe()}"
            if caller.service_linked:
                return False, "SCPs do not apply to service-linked roles"
            return True, ""
        if layer.kind == "rcp":
            if not catalog.rcp_applies_to_service(request.service):
                return False, (
                    f"RCPs do not apply to {request.service} (it is not on the list "
                    f"of services that support RCPs)"
                )
            if caller.service_linked:
                return False, "RCPs do not apply to service-linked roles"
            if request.action_lower == "kms:retiregrant":
                return False, "RCPs do not apply to kms:RetireGrant"
            info = catalog.action_info(request.action)
            if info is not None and not info.resource_types:
                return False, (
                    f"RCPs apply to the resources an action authorizes, and {info.full_name} "
                    f"authorizes none (its resource is *)"
                )
            return True, ""
        return True, ""

    # -- the fast path -------------------------------------------------------------------------

    def decide(self, request: Request) -> str:
        """The decision only: ``allowed``, ``explicitDeny`` or ``implicitDeny``."""
        return _decide(request, self, _LazyFacts(self, request))[0]

    def evaluate(self, request: Request) -> Evaluation:
        """The decision with the full explanation."""
        return _explain(request, self)

    def traces(self, request: Request) -> tuple[tuple[StatementTrace, ...], ...]:
        """Per layer, how each statement met the request, without the decision or its
        explanation: what :meth:`evaluate` shows in ``layers[i].statements``."""
        return tuple(_trace_layers(request, self)[0])


# --- facts and the decision ------------------------------------------------------------------


class _LazyFacts:
    """The facts the decision needs, computed only when asked, short-circuiting."""

    __slots__ = ("_applicable", "_candidates", "_grants", "_ps", "_req")

    def __init__(self, ps: PolicySet, request: Request) -> None:
        self._ps = ps
        self._req = request
        self._candidates = ps.candidates(request.action_lower)
        self._applicable = ps.applicable(request)
        self._grants = -1

    def _hit(self, check: _Check, principal: bool) -> bool:
        statement, arn, variable, named = check
        request = self._req
        if arn is not None and not arn(request.resource):
            return False
        if variable is not None and not variable.matches(request.resource, request.scalar):
            return False
        if (
            principal
            and named is not None
            and not principal_grant(
                named,
                request.caller,
                request,
                not statement.is_allow and self._ps.boundary is not None,
            )
        ):
            return False
        return statement.conditions_hold(request.get)

    def _allows(self, i: int, principal: bool) -> bool:
        if self._candidates.unconditional[i]:
            return True
        for check in self._candidates.allows[i]:
            if self._hit(check, principal):
                return True
        return False

    def explicit_deny(self) -> bool:
        applicable = self._applicable
        principal_layers = self._ps._principal_layers
        for i, denies in enumerate(self._candidates.denies):
            if not denies or not applicable[i]:
                continue
            principal = principal_layers[i]
            for check in denies:
                if self._hit(check, principal):
                    return True
        return False

    def _failed_level(self, indexes: tuple[int, ...], principal: bool) -> int:
        applicable = self._applicable
        for i in indexes:
            if not applicable[i]:
                return -1
            if not self._allows(i, principal):
                return self._ps.layers[i].level
        return -1

    def rcp_failed_level(self) -> int:
        return self._failed_level(self._ps._rcp_indexes, True)

    def scp_failed_level(self) -> int:
        return self._failed_level(self._ps._scp_indexes, False)

    def grants(self) -> int:
        if self._grants < 0:
            best = 0
            i = self._ps._index.get("resource")
            if i is not None:
                request = self._req
                for check in self._candidates.allows[i]:
                    statement = check[0]
                    if statement.principal is None:
                        continue
                    grant = principal_grant(statement.principal, request.caller, request)
                    if grant > best and self._hit(check, False):
                        best = grant
                        if best == DIRECT:
                            break
            self._grants = best
        return self._grants

    def _layer_allows(self, kind: str) -> bool:
        i = self._ps._index.get(kind)
        return i is not None and self._allows(i, False)

    def id_ok(self) -> bool:
        kind = self._req.caller.kind
        if kind is PrincipalKind.ROOT:
            return True
        return kind in _IDENTITY_KINDS and self._layer_allows("identity")

    def boundary_ok(self) -> bool:
        return self._ps.boundary is None or self._layer_allows("boundary")

    def session_policies_allow(self) -> bool | None:
        if not self._ps.session:
            return None
        return self._layer_allows("session")


def _requires_resource_allow(request: Request) -> str | None:
    """Role trust policies and KMS key policies must allow explicitly, even in one account."""
    resource = request.resource
    parts = resource.split(":", 5)
    if (
        len(parts) == 6
        and parts[2] == "iam"
        and parts[5].startswith("role/")
        and request.service == "sts"
    ):
        return "trust"
    if len(parts) == 6 and parts[2] == "kms" and parts[5].startswith("key/"):
        return "kms"
    return None


# Decision codes, turned into sentences by the explanation.
def _decide(request: Request, ps: PolicySet, facts: Any) -> tuple[str, str, str]:
    """(decision, deciding layer, reason code). The single place the steps are ordered."""
    caller = request.caller
    action = request.action_lower
    if action == "sts:getcalleridentity":
        return ALLOWED, "sts", "get-caller-identity"
    if facts.explicit_deny():
        return EXPLICIT_DENY, "deny", "explicit-deny"
    if request.service == "sts":
        refused = refusal_by_arn(caller.kind, action)  # the rule STS uses too (credentials.py)
        if refused is not None:
            return IMPLICIT_DENY, "sts", refused.code
    level = facts.rcp_failed_level()
    if level >= 0:
        return IMPLICIT_DENY, f"rcp:{level}", "rcp"
    level = facts.scp_failed_level()
    if level >= 0:
        return IMPLICIT_DENY, f"scp:{level}", "scp"

    kind = caller.kind
    grants = facts.grants()
    if kind in (PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS, PrincipalKind.IDENTITY_PROVIDER):
        if grants & DIRECT:
            return ALLOWED, "resource", "resource-direct"
        return IMPLICIT_DENY, "resource", "no-identity-principal"

    is_session = caller.is_session
    if request.cross_account:
        if not facts.id_ok():
            return IMPLICIT_DENY, "identity", "cross-identity"
        if kind is not PrincipalKind.ROOT and not facts.boundary_ok():
            return IMPLICIT_DENY, "boundary", "cross-boundary"
        if is_session:
            session_allows = facts.session_policies_allow()
            if session_allows is False:
                return IMPLICIT_DENY, "session", "cross-session"
            if session_allows is None and kind is PrincipalKind.FEDERATED_USER:
                return IMPLICIT_DENY, "session", "federated-no-session-policy"
        if not grants:
            return IMPLICIT_DENY, "resource", "cross-resource"
        return ALLOWED, "cross-account", "cross-allowed"

    required = _requires_resource_allow(request)
    if required is not None and not grants:
        return IMPLICIT_DENY, "resource", f"requires-{required}"
    if kind is PrincipalKind.ROOT:
        return ALLOWED, "root", "root"
    if grants & DIRECT:
        if required == "trust" and kind is PrincipalKind.USER and not facts.boundary_ok():
            return IMPLICIT_DENY, "boundary", "boundary"  # D7: a trust policy is not D4
        return ALLOWED, "resource", "resource-direct"
    id_ok = facts.id_ok()
    if not id_ok and not grants & VIA_PARENT:
        return IMPLICIT_DENY, "identity", "no-identity-allow"
    if not facts.boundary_ok():
        return IMPLICIT_DENY, "boundary", "boundary"
    if is_session:
        session_allows = facts.session_policies_allow()
        if session_allows is False:
            return IMPLICIT_DENY, "session", "session"
        if session_allows is None and kind is PrincipalKind.FEDERATED_USER:
            return IMPLICIT_DENY, "session", "federated-no-session-policy"
    if id_ok:
        return ALLOWED, "identity", "identity"
    return ALLOWED, "resource", "resource-parent"


# --- the explanation --------------------------------------------------------------------------


@dataclass(slots=True)
class StatementTrace:
    """How one statement fared against the request."""

    layer: str
    layer_label: str
    policy_label: str
    policy: Policy
    statement: Statement
    action_matched: bool
    resource_matched: bool | None  # None: the statement has no Resource (trust policy)
    principal_grant: int | None  # None: the layer does not name principals
    conditions: tuple[ConditionTrace, ...]
    matched: bool
    summary: str

    @property
    def principal_matched(self) -> bool | None:
        return None if self.principal_grant is None else self.principal_grant > 0


@dataclass(slots=True)
class StatementMatch:
    """A statement that decided (or helped decide) the request."""

    layer: str
    layer_label: str
    policy_label: str
    policy: Policy
    statement: Statement
    grant: int = 0
    conditions: tuple[ConditionTrace, ...] = ()  # how its conditions met the request

    def describe(self) -> str:
        return f"{self.statement.label} of {self.policy_label}"


@dataclass(slots=True)
class LayerResult:
    kind: str
    label: str
    applies: bool
    verdict: str  # allow | deny | no match | not applicable | absent
    note: str
    statements: tuple[StatementTrace, ...]
    policies: tuple[Policy, ...]


@dataclass(frozen=True)
class Evaluation:
    """The decision for one request with everything a teacher would say about it."""

    request: Request
    decision: str
    decided_by: str  # identity, resource, boundary, session, scp:N, rcp:N, deny, root, ...
    reason: str  # one or two plain sentences
    matched: tuple[StatementMatch, ...]
    layers: tuple[LayerResult, ...]
    missing_context: tuple[str, ...]
    allowed_by_boundary: bool | None
    allowed_by_organizations: bool | None
    allowed_by_session: bool | None
    notes: tuple[str, ...] = field(default=())
    # An implicit deny's closest Allow statements, each with what it misses (why.py).
    near_misses: tuple[why.NearMiss, ...] = field(default=())
    # An explicit deny's conditions: what made the Deny apply.
    deny_conditions: tuple[ConditionTrace, ...] = field(default=())
    # Works out :attr:`change_steps` when a page first asks: most evaluations are never asked.
    changes_of: Callable[[], tuple[tuple[str, ...], ...]] | None = field(
        default=None, repr=False, compare=False
    )

    @functools.cached_property
    def change_steps(self) -> tuple[tuple[str, ...], ...]:
        """What would change the answer, as steps that are all needed, each a tuple of changes
        any one of which would do (the conditions of an explicit Deny: failing one is enough).
        """
        return self.changes_of() if self.changes_of is not None else ()

    @functools.cached_property
    def changes(self) -> tuple[str, ...]:
        """What would change the answer, in a learner's words: every step still refusing."""
        return tuple(change for step in self.change_steps for change in step)

    @property
    def changes_lead(self) -> str:
        """How :attr:`changes` go together: "" for one change, else whether all are needed or
        any one would do (a step with alternatives is shown as one item, "any one of")."""
        steps = self.change_steps
        if len(self.changes) <= 1:
            return ""
        if len(steps) == 1:
            return "Any one of these would do:"
        return "Do all of these; each one is needed:"

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED

    @property
    def because(self) -> str:
        """The reason without its leading "Implicitly denied:", for a page that shows the
        decision right above it."""
        text = self.reason.removeprefix("Implicitly denied: ")
        return text[:1].upper() + text[1:]

    @property
    def decided_by_label(self) -> str:
        kind, _, level = self.decided_by.partition(":")
        if kind == "deny" and self.matched:
            return f"An explicit Deny ({self.matched[0].layer_label.removesuffix(' (one level)')})"
        if level:
            return _level_labels(kind, sum(1 for layer in self.layers if layer.kind == kind))[
                int(level)
            ]
        for layer in self.layers:
            if layer.kind == kind:
                return layer.label
        return _DECIDER_LABELS.get(kind, kind)


_DECIDER_LABELS = {
    "deny": "An explicit Deny",
    "root": "The root user's full access",
    "sts": "AWS STS",
    "cross-account": "Both accounts",
    "identity": "Identity-based policies",
    "resource": "Resource-based policy",
    "boundary": "Permissions boundary",
    "session": "Session policies",
}


def _untouched(
    ps: PolicySet, layer: _Layer, policy: Policy, statement: Statement, action: str
) -> StatementTrace:
    """The trace of a statement whose Action does not cover the action: nothing else about it
    is evaluated. Most statements end here."""
    return StatementTrace(
        layer.kind,
        layer.label,
        ps.labels[id(policy)],
        policy,
        statement,
        False,
        None,
        None,
        (),
        False,
        f"{statement.action.element} does not cover {action}",
    )


def _trace(
    ps: PolicySet,
    layer: _Layer,
    label: str,
    policy: Policy,
    statement: Statement,
    request: Request,
) -> StatementTrace:
    """The trace of a statement whose Action covers the request's action."""
    resource_ok: bool | None = None
    if statement.resource is not None:
        resource_ok = statement.resource.matches(request.resource, request.scalar)
    grant: int | None = None
    if layer.kind in ("resource", "rcp") and statement.principal is not None:
        grant = principal_grant(
            statement.principal,
            request.caller,
            request,
            not statement.is_allow and ps.boundary is not None,
        )
    conditions: tuple[ConditionTrace, ...] = ()
    if resource_ok is not False and grant != 0:
        conditions = tuple(c.explain(request.get) for c in statement.conditions)
    matched = resource_ok is not False and grant != 0 and all(c.result for c in conditions)
    if resource_ok is False:
        summary = (
            f"{statement.resource.element if statement.resource else 'Resource'} does not "
            f"cover {request.resource}"
        )
    elif grant == 0 and statement.principal is not None and statement.principal.negated:
        summary = _not_principal_reading(
            statement, request.caller, ps.boundary is not None, applies=False
        )
    elif grant == 0:
        summary = (
            f"{statement.principal.element if statement.principal else 'Principal'} does "
            f"not name {request.caller.describe()}"
        )
    elif not matched:
        failed = next(c for c in conditions if not c.result)
        summary = f"condition {failed.operator} on {failed.key} is false: {failed.reason}"
    else:
        verb = "allows" if statement.is_allow else "denies"
        summary = f"matches: {verb} the request"
        if grant and statement.principal is not None and statement.principal.negated:
            # A NotPrincipal names no one: say whom it leaves out, and why not this caller.
            reading = _not_principal_reading(
                statement, request.caller, ps.boundary is not None, applies=True
            )
            summary += f" — {reading}"
        elif grant == VIA_PARENT and statement.is_allow:
            caller = request.caller
            parent = (
                f"role {caller.name}"
                if caller.kind is PrincipalKind.ROLE_SESSION
                else "the IAM user behind the federated user"
            )
            summary += (
                f" (the Principal names {parent}, not the caller itself, so a permissions "
                f"boundary or session policy still limits it)"
            )
        elif grant:
            summary += f" (the Principal {GRANT_NAMES[grant]})"
    return StatementTrace(
        layer.kind,
        layer.label,
        label,
        policy,
        statement,
        True,
        resource_ok,
        grant,
        conditions,
        matched,
        summary,
    )


class _EagerFacts:
    """Every fact, computed up front from the statement traces."""

    def __init__(
        self,
        ps: PolicySet,
        request: Request,
        traces: dict[int, tuple[StatementTrace, ...]],
        applicable: dict[int, bool],
        touched: Sequence[Sequence[StatementTrace]],
    ) -> None:
        """``touched``: per layer, the traces of the statements whose Action covers the
        request's action, in order; no other statement can match."""
        self.ps = ps
        self.request = request
        self.traces = traces
        self.touched = touched
        self.applicable = applicable
        self._allow: dict[int, list[StatementTrace]] = {}
        self._deny: dict[int, list[StatementTrace]] = {}
        denies: list[StatementTrace] = []
        for i, layer_touched in enumerate(touched):
            allow: list[StatementTrace] = []
            deny: list[StatementTrace] = []
            if applicable[i]:
                for t in layer_touched:
                    if t.matched:
                        (allow if t.statement.is_allow else deny).append(t)
            self._allow[i] = allow
            self._deny[i] = deny
            denies.extend(deny)
        self._denies = denies

    def _matched(self, i: int, allow: bool) -> list[StatementTrace]:
        return self._allow[i] if allow else self._deny[i]

    def deny_matches(self) -> list[StatementTrace]:
        return self._denies

    def explicit_deny(self) -> bool:
        return bool(self.deny_matches())

    def _failed(self, indexes: tuple[int, ...]) -> int:
        for i in indexes:
            if not self.applicable[i]:
                return -1
            if not self._matched(i, True):
                return self.ps.layers[i].level
        return -1

    def rcp_failed_level(self) -> int:
        return self._failed(self.ps._rcp_indexes)

    def scp_failed_level(self) -> int:
        return self._failed(self.ps._scp_indexes)

    def allow_matches(self, kind: str) -> list[StatementTrace]:
        i = self.ps._index.get(kind)
        return [] if i is None else self._matched(i, True)

    def grants(self) -> int:
        best = 0
        for t in self.allow_matches("resource"):
            best = max(best, t.principal_grant or 0)
        return best

    def id_ok(self) -> bool:
        kind = self.request.caller.kind
        if kind is PrincipalKind.ROOT:
            return True
        return kind in _IDENTITY_KINDS and bool(self.allow_matches("identity"))

    def boundary_ok(self) -> bool:
        return self.ps.boundary is None or bool(self.allow_matches("boundary"))

    def session_policies_allow(self) -> bool | None:
        if not self.ps.session:
            return None
        return bool(self.allow_matches("session"))


def _trace_layers(
    request: Request, ps: PolicySet
) -> tuple[list[tuple[StatementTrace, ...]], list[list[StatementTrace]]]:
    """Per layer: every statement's trace, and the traces of the statements whose Action
    covers the request's action (the only ones that can match; the others come ready-made
    from the plan, so the explanation's loops skip them)."""
    plan = ps.trace_plan(request.action)
    traces: list[tuple[StatementTrace, ...]] = []
    touched: list[list[StatementTrace]] = []
    for i, layer in enumerate(ps.layers):
        layer_plan = plan[i]
        done: list[StatementTrace] = []
        if layer_plan.todo:
            built = list(layer_plan.ready)
            for position, p, s, label in layer_plan.todo:
                trace = _trace(ps, layer, label, p, s, request)
                built[position] = trace
                done.append(trace)
            traces.append(tuple(built))  # type: ignore[arg-type]
        else:
            traces.append(layer_plan.ready)  # type: ignore[arg-type]
        touched.append(done)
    return traces, touched


def _explain(request: Request, ps: PolicySet) -> Evaluation:
    all_traces, touched = _trace_layers(request, ps)
    traces: dict[int, tuple[StatementTrace, ...]] = dict(enumerate(all_traces))
    applicability = ps.applicable(request)
    applicable: dict[int, bool] = dict(enumerate(applicability))
    notes_by_layer: dict[int, str] = {}
    for i, layer in enumerate(ps.layers):
        notes_by_layer[i] = "" if applicability[i] else ps.applies(layer, request)[1]
    facts = _EagerFacts(ps, request, traces, applicable, touched)
    decision, decided_by, code = _decide(request, ps, facts)

    layers: list[LayerResult] = []
    for i, layer in enumerate(ps.layers):
        if not applicable[i]:
            verdict = "not applicable"
        elif facts._deny[i]:
            verdict = "deny"
        elif facts._allow[i]:
            verdict = "allow"
        else:
            verdict = "no match"
        if not layer.policies:
            verdict = "absent" if applicable[i] else verdict
        layers.append(
            LayerResult(
                layer.kind,
                layer.label,
                applicable[i],
                verdict,
                notes_by_layer[i],
                traces[i],
                layer.policies,
            )
        )

    matched_statements = _deciding_statements(decision, decided_by, code, facts)
    missing: list[str] = []
    seen: set[str] = set()
    for layer_touched in touched:
        for t in layer_touched:
            # Keys of statements that could still have applied: the action matched, and the
            # resource and principal matched or failed only for want of a variable's value.
            if t.principal_grant == 0:
                continue
            resource = t.statement.resource
            if t.resource_matched is False and resource is not None and resource.static:
                continue
            for key in t.statement.needed_keys:
                lowered = key.lower()
                if lowered not in seen and request.get(lowered) is None:
                    seen.add(lowered)
                    missing.append(key)

    boundary_ok: bool | None = None
    if ps.boundary is not None and applicable[ps._index["boundary"]]:
        boundary_ok = facts.boundary_ok() and not any(
            t.layer == "boundary" for t in facts.deny_matches()
        )
    orgs_ok: bool | None = None
    if ps.scp_levels and any(applicable[i] for i in ps._scp_indexes):
        orgs_ok = facts.scp_failed_level() < 0 and not any(
            t.layer == "scp" for t in facts.deny_matches()
        )
    session_ok: bool | None = None
    if ps.session and request.caller.is_session:
        session_ok = facts.session_policies_allow()
    near: tuple[why.NearMiss, ...] = ()
    deny_conditions: tuple[ConditionTrace, ...] = ()
    if decision == IMPLICIT_DENY:
        near = why.near_misses(
            ps, request, traces, _near_miss_layers(ps, decided_by, code), principal_grant
        )
    elif decision == EXPLICIT_DENY and matched_statements:
        deny_conditions = matched_statements[0].conditions
    reason = _reason(
        request, ps, decision, decided_by, code, facts, matched_statements, near, deny_conditions
    )

    def changes() -> tuple[tuple[str, ...], ...]:
        return _changes(
            request,
            ps,
            decision,
            decided_by,
            code,
            matched_statements,
            near,
            deny_conditions,
            facts,
        )

    notes = tuple(n for i, n in notes_by_layer.items() if n and ps.layers[i].policies)
    return Evaluation(
        request,
        decision,
        decided_by,
        reason,
        tuple(matched_statements),
        tuple(layers),
        tuple(missing),
        boundary_ok,
        orgs_ok,
        session_ok,
        notes,
        near,
        deny_conditions,
        None if decision == ALLOWED else changes,
    )


def _near_miss_layers(ps: PolicySet, decided_by: str, code: str) -> tuple[int, ...]:
    """The layers whose Allow statements could have changed an implicit deny."""
    kind, _, level = decided_by.partition(":")
    if kind == "scp" and level:
        return (ps._scp_indexes[int(level)],)
    if kind == "rcp" and level:
        return (ps._rcp_indexes[int(level)],)
    kinds = {
        "no-identity-allow": ("identity", "resource"),
        "cross-identity": ("identity",),
        "boundary": ("boundary",),
        "cross-boundary": ("boundary",),
        "session": ("session",),
        "cross-session": ("session",),
        "requires-trust": ("resource",),
        "requires-kms": ("resource",),
        "cross-resource": ("resource",),
        "no-identity-principal": ("resource",),
    }.get(code, ())
    return tuple(ps._index[k] for k in kinds if k in ps._index)


def _owner(caller: Caller, groups: bool = True) -> str:
    """Whose identity-based policies (``groups``: which a group can also give) or whose
    permissions boundary a caller's requests use, in words."""
    if caller.kind is PrincipalKind.ROLE_SESSION:
        return f"role {caller.name}"
    if caller.kind is PrincipalKind.USER:
        return f"IAM user {caller.name}" + (" (directly or through a group)" if groups else "")
    return caller.describe()


_STS_REFUSALS = {
    "root-cannot-assume": "sign in as an IAM user, or use a role session, to assume the role",
    "federated-no-sts": "call with the IAM user's own credentials or a role session instead",
    "session-no-token": "call with an IAM user's long-term credentials instead",
}


def _changes(
    request: Request,
    ps: PolicySet,
    decision: str,
    decided_by: str,
    code: str,
    matched: list[StatementMatch],
    near: tuple[why.NearMiss, ...],
    deny_conditions: tuple[ConditionTrace, ...],
    facts: _EagerFacts,
) -> tuple[tuple[str, ...], ...]:
    """What would change the answer: every step of the evaluation that stands in the way, not
    only the one that decided, each from its closest statements when there are some. Doing
    all of them makes the request allowed: each tuple is one change that is needed, given as
    the alternatives any one of which would do (the conditions of an explicit Deny)."""
    if decision == ALLOWED:
        return ()
    if code in _STS_REFUSALS:
        return ((_STS_REFUSALS[code],),)
    steps: list[tuple[str, ...]] = []
    if decision == EXPLICIT_DENY and matched:
        steps.append(_deny_change(request, ps, matched[0], deny_conditions))
    found: list[str] = []
    # The grant the fixed resource-based statement would give: naming the caller directly
    # needs nothing more; naming its account still needs the caller's own permission.
    grant = DIRECT
    from_resource = bool(near) and near[0].layer == "resource"
    if from_resource and near[0].statement.principal is not None:
        given = principal_grant(near[0].statement.principal, request.caller, request)
        # A Principal that misses is fixed by naming why.principal_ref: a session's role.
        parent = request.caller.kind is PrincipalKind.ROLE_SESSION
        grant = given or (VIA_PARENT if parent else DIRECT)
    for step in _blocking(request, ps, facts, grant, from_resource and code == "no-identity-allow"):
        if near and step in (code, decided_by):
            found.extend(c for n in near[:1] for c in n.changes)
        else:
            found.extend(_step_change(request, ps, facts, step))
    # Every change of a step, and every change a near miss asks for, is needed.
    steps.extend((change,) for change in found)
    seen: set[str] = set()
    unique: list[tuple[str, ...]] = []
    for alternatives in steps:
        kept = tuple(c for c in dict.fromkeys(alternatives) if c not in seen)
        seen.update(kept)
        if kept:
            unique.append(kept)
    return tuple(unique)


def _deny_change(
    request: Request,
    ps: PolicySet,
    deny: StatementMatch,
    conditions: tuple[ConditionTrace, ...],
) -> tuple[str, ...]:
    """What keeps an explicit Deny from applying."""
    place = why.statement_place(deny.statement, deny.policy_label)
    statement = deny.statement
    spec = statement.principal
    if deny.layer in ("resource", "rcp") and spec is not None and spec.negated:
        # The Deny applies because its NotPrincipal leaves out not every identity of the
        # caller (D6), or because the caller has a boundary: no condition or action is at fault.
        caller = request.caller
        boundary_rule = ps.boundary is not None and caller.kind in (
            PrincipalKind.USER,
            PrincipalKind.ROLE_SESSION,
        )
        change = why.not_principal_change(
            caller, not_principal_identities(spec, caller), boundary_rule, place
        )
        if change:
            return (*why.deny_changes(conditions, caller), change)
    if conditions:
        return why.deny_changes(conditions, request.caller)
    if statement.resource is not None and statement.resource.negated:
        return (f"add {request.resource} to the NotResource of {place}, so the Deny skips it",)
    if statement.action.negated:
        return (f"add {request.action} to the NotAction of {place}, so the Deny skips it",)
    if deny.policy.aws_managed:
        return (f"detach {deny.policy_label}: an AWS managed policy cannot be edited",)
    return (
        f"take {request.action} out of {place}, or remove that statement: a Deny without "
        f"a condition applies to every request it covers",
    )


def _blocking(
    request: Request, ps: PolicySet, facts: _EagerFacts, grant: int, resource_fix: bool = False
) -> list[str]:
    """Every step of :func:`_decide` after the explicit denies that would still refuse the
    request, in AWS's order. ``grant``: how the resource-based policy would name the caller
    once the step that asks for it is fixed; ``resource_fix``: the missing identity-based
    Allow is to be made up for by fixing the resource-based policy."""
    steps: list[str] = []
    for kind, indexes in (("rcp", ps._rcp_indexes), ("scp", ps._scp_indexes)):
        for i in indexes:
            if facts.applicable[i] and not facts._allow[i]:
                steps.append(f"{kind}:{ps.layers[i].level}")
    caller = request.caller
    kind = caller.kind
    grants = facts.grants()
    if kind in (PrincipalKind.SERVICE, PrincipalKind.ANONYMOUS, PrincipalKind.IDENTITY_PROVIDER):
        if not grants & DIRECT:
            steps.append("no-identity-principal")
        return steps
    own_side: list[str] = []
    if kind is not PrincipalKind.ROOT:
        if not facts.boundary_ok():
            own_side.append("boundary")
        if caller.is_session:
            allows = facts.session_policies_allow()
            if allows is False:
                own_side.append("session")
            elif allows is None and kind is PrincipalKind.FEDERATED_USER:
                own_side.append("federated-no-session-policy")
    if request.cross_account:
        if not facts.id_ok():
            steps.append("cross-identity")
        steps.extend(f"cross-{s}" if s in ("boundary", "session") else s for s in own_side)
        if not grants:
            steps.append("cross-resource")
        return steps
    required = _requires_resource_allow(request)
    if required is not None and not grants:
        steps.append(f"requires-{required}")
        grants = grant
    if kind is PrincipalKind.ROOT:
        return steps
    if grants & DIRECT:
        if required == "trust" and kind is PrincipalKind.USER and "boundary" in own_side:
            steps.append("boundary")  # D7
        return steps
    if not facts.id_ok() and not grants & VIA_PARENT:
        steps.append("no-identity-allow")
        if resource_fix and grant & DIRECT:
            # A resource-based policy naming the caller itself is enough on its own: no
            # boundary or session policy limits it (D2, D4).
            return steps
    return steps + own_side


def _step_change(request: Request, ps: PolicySet, facts: _EagerFacts, step: str) -> list[str]:
    """What would make one step allow: its closest statement's changes, else the layer's."""
    caller = request.caller
    if step == "no-identity-allow":
        # The resource side is its own step; here only the caller's own policies count.
        layers: tuple[int, ...] = (ps._index["identity"],)
    else:
        layers = _near_miss_layers(ps, step, step)
    near = why.near_misses(ps, request, facts.traces, layers, principal_grant) if layers else ()
    if near:
        return list(near[0].changes)
    what = f"{request.action} on {request.resource}"
    kind, _, level = step.partition(":")
    if kind in ("scp", "rcp") and level:
        count = ps.scp_levels if kind == "scp" else ps.rcp_levels
        where = _level_labels(kind, count)[int(level)].split(" ", 1)
        attached = "" if len(where) == 1 or where[1].startswith("(") else f" {where[1]}"
        noun = "an SCP" if kind == "scp" else "an RCP"
        attached = attached.replace(" at the ", " attached to the ").replace(
            " on ", " attached to "
        )
        return [f"allow {request.action} in {noun}{attached}"]
    principal = why.principal_ref(caller)
    match step:
        case "no-identity-allow" | "cross-identity":
            return [f"add {what} to an identity-based policy of {_owner(caller)}"]
        case "requires-trust":
            return [
                f"add {principal} to the Principal of the role's trust policy, with "
                f"{request.action}"
            ]
        case "no-identity-principal" if caller.kind is PrincipalKind.ANONYMOUS:
            return [
                f'allow {what} to "*" in the resource-based policy: that makes it public, '
                f"open to anyone on the internet"
            ]
        case "requires-kms" | "cross-resource" | "no-identity-principal":
            account = (
                f" (or its account {caller.account})"
                if caller.account and caller.kind is not PrincipalKind.IDENTITY_PROVIDER
                else ""
            )
            return [
                f"add a statement to the resource-based policy that allows {what} to "
                f"{principal}{account}"
            ]
        case "boundary" | "cross-boundary":
            return [f"add {request.action} to the permissions boundary of {_owner(caller, False)}"]
        case "session" | "cross-session":
            return [f"pass a session policy that also allows {request.action}, or none"]
        case "federated-no-session-policy":
            return [f"pass a session policy that allows {request.action} to GetFederationToken"]
    return []


def _as_match(t: StatementTrace) -> StatementMatch:
    return StatementMatch(
        t.layer,
        t.layer_label,
        t.policy_label,
        t.policy,
        t.statement,
        t.principal_grant or 0,
        t.conditions,
    )


def _deciding_statements(
    decision: str, decided_by: str, code: str, facts: _EagerFacts
) -> list[StatementMatch]:
    """AWS's MatchedStatements: on a deny only the Deny statements; on allow the Allows used."""
    if decision == EXPLICIT_DENY:
        return [_as_match(t) for t in facts.deny_matches()]
    if decision != ALLOWED:
        return []
    if code == "get-caller-identity":
        return []
    kinds: list[str] = []
    if code in ("resource-direct", "resource-parent") or code == "root":
        kinds = ["resource"]
    else:
        kinds = ["identity", "resource"] if code == "cross-allowed" else ["identity"]
    if code not in ("resource-direct",):
        kinds += ["boundary", "session"]
    found = [_as_match(t) for kind in kinds for t in facts.allow_matches(kind)]
    if code == "resource-direct":
        found = [m for m in found if m.grant == DIRECT]
    return found


def _reason(
    request: Request,
    ps: PolicySet,
    decision: str,
    decided_by: str,
    code: str,
    facts: _EagerFacts,
    matched: list[StatementMatch],
    near: tuple[why.NearMiss, ...] = (),
    deny_conditions: tuple[ConditionTrace, ...] = (),
) -> str:
    text = _reason_text(request, ps, decision, decided_by, code, facts, matched, near)
    if deny_conditions:
        held = "; ".join(_with_note(c, request.caller) for c in deny_conditions)
        text += f" The Deny applies because its condition holds: {held}."
    elif near and near[0].elements == ("condition",):
        # The statement was written for this request; only a condition stands in the way.
        # Say that first: it is what the learner has to change.
        text = (
            f"Implicitly denied: {near[0].place} would allow this request, but its condition "
            f"is not met: {near[0].details}. " + _sentence(text.removeprefix("Implicitly denied: "))
        )
    elif near:
        text += f" Closest: {near[0].sentence}."
    elif decision == ALLOWED and matched and matched[0].conditions:
        held = "; ".join(c.words for c in matched[0].conditions)
        text += f" Its condition holds: {held}."
    if decision == ALLOWED:
        text += _idle_deny(request, facts)
    return text


def _parent_grant(request: Request, facts: _EagerFacts) -> str:
    """ "Statement 1 of the bucket policy, line 4 grants s3:GetObject to role R (arn...)": the
    resource-based Allow that names the caller's role, or the IAM user behind a federated user.
    """
    caller = request.caller
    place = next(
        (
            why.statement_place(t.statement, t.policy_label)
            for t in facts.allow_matches("resource")
            if t.principal_grant == VIA_PARENT
        ),
        "the resource-based policy",
    )
    parent = (
        f"role {caller.name}"
        if caller.kind is PrincipalKind.ROLE_SESSION
        else "the IAM user behind it"
    )
    arn = f" ({caller.issuer_arn})" if caller.issuer_arn else ""
    return f"{_sentence(place)} grants {request.action} to {parent}{arn}"


def _idle_deny(request: Request, facts: _EagerFacts) -> str:
    """An allowed request that a Deny was written for, which does not apply because its
    condition is not met: the learner who wrote it needs to see why it stays idle (a
    ``Bool aws:MultiFactorAuthPresent "false"`` Deny never applies to a request signed with
    long-term keys, which carries no such key)."""
    for layer in facts.touched:  # statements whose Action covers the request's action
        for t in layer:
            if (
                t.statement.effect == "Deny"
                and not t.matched
                and t.resource_matched is not False
                and t.principal_grant != 0
                and any(not c.result for c in t.conditions)
            ):
                # Worded as what the Deny needs, not as a rule for the request: "must be
                # none of us-east-1" read as an order the request had to follow.
                failed = "; ".join(
                    _deny_needs(c, request.caller) for c in t.conditions if not c.result
                )
                place = why.statement_place(t.statement, t.policy_label)
                return (
                    f" {place} would deny it, but only when its condition holds, and here it "
                    f"does not: {failed}."
                )
    return ""


def _deny_needs(trace: ConditionTrace, caller: Caller) -> str:
    """An idle Deny's condition: what it needs to apply, and what the request carried."""
    carried = _noted(trace.request_words, trace, caller)
    return f"{trace.rule} ({trace.operator}) for the Deny to apply, but {carried}"


def _with_note(trace: ConditionTrace, caller: Caller) -> str:
    """A condition's words, with whether AWS sets its key for this caller when it is absent."""
    return _noted(trace.words, trace, caller)


def _noted(text: str, trace: ConditionTrace, caller: Caller) -> str:
    """``text`` (ending with what the request carried for the condition's key), followed by
    whether AWS sets that key for this caller when the request has none."""
    note = why.key_note(trace, caller) if trace.request_values is None else ""
    return f"{text} ({note})" if note else text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _reason_text(
    request: Request,
    ps: PolicySet,
    decision: str,
    decided_by: str,
    code: str,
    facts: _EagerFacts,
    matched: list[StatementMatch],
    near: tuple[why.NearMiss, ...],
) -> str:
    caller = request.caller
    who = caller.describe()
    what = f"{request.action} on {request.resource}"
    first = why.statement_place(matched[0].statement, matched[0].policy_label) if matched else ""
    none_does = "none allows this request" if near else "none does"
    resource_kind = (
        ps.layers[ps._index["resource"]].label.lower()
        if ps.resource_policy is not None
        else "resource-based policy"
    )
    deny_layer = matched[0].layer_label if matched else ""
    level_label = ""
    if ":" in decided_by:
        kind, _, level = decided_by.partition(":")
        labels = _level_labels(kind, ps.scp_levels if kind == "scp" else ps.rcp_levels)
        level_label = labels[int(level)]
    match code:
        case "get-caller-identity":
            return (
                "sts:GetCallerIdentity always succeeds: it only tells the caller "
                "who they are, and no policy can deny it."
            )
        case "explicit-deny":
            short = deny_layer.removesuffix(" (one level)")
            layer = "" if short in first else f" ({short})"
            deny = matched[0].statement
            read = ""
            spec = deny.principal
            if matched[0].layer in ("resource", "rcp") and spec is not None and spec.negated:
                reading = _not_principal_reading(deny, caller, ps.boundary is not None, True)
                read = f" {_sentence(reading)}."
            return (
                f"Explicitly denied by {first}{layer}.{read} An explicit Deny in any policy "
                f"overrides every Allow."
            )
        case "root-cannot-assume":
            return (
                'The root user cannot assume roles: STS answers "Roles may not be '
                'assumed by root accounts". Sign in as an IAM user or use a role '
                "session instead."
            )
        case "federated-no-sts":
            return (
                f"{who} got its credentials from GetFederationToken, and such "
                f"credentials cannot call any AWS STS operation except GetCallerIdentity (STS API "
                f"reference, GetFederationToken). No policy can change that."
            )
        case "session-no-token":
            return (
                f"{who} uses temporary credentials from AssumeRole, and those cannot "
                f"call GetFederationToken or GetSessionToken (STS API reference, "
                f"AssumeRole). No policy can change that."
            )
        case "rcp":
            return (
                f"No statement in the {level_label} allows {request.action} for this resource. "
                f"RCPs never grant access, but the action must be allowed at every level of the "
                f"resource's organization (RCPFullAWSAccess does that by default)."
            )
        case "scp":
            return (
                f"No statement in the {level_label} allows {request.action}. SCPs never grant "
                f"access, but an action must be allowed by an SCP at every level from the "
                f"organization root down to the account (FullAWSAccess does that by default)."
            )
        case "resource-direct":
            return (
                f"Allowed by {first}: the resource-based policy "
                f"{GRANT_NAMES[DIRECT]}, which is enough on its own — neither an "
                f"identity-based policy nor a permissions boundary or session policy "
                f"is needed."
            )
        case "no-identity-principal":
            return (
                f"Implicitly denied: {who} has no identity-based policies, so "
                f"only a {resource_kind} that names it can allow "
                f"{request.action}, and {none_does}."
            )
        case "cross-identity":
            return (
                f"Cross-account request ({who} is in account {caller.account}, the "
                f"resource belongs to {request.resource_owner}): both accounts must "
                f"allow it, and no identity-based policy in the caller's account "
                f"allows {what}."
            )
        case "cross-boundary":
            return (
                f"Cross-account request: the caller's permissions boundary does not "
                f"allow {request.action}, so the caller's account does not allow it."
            )
        case "cross-session":
            return (
                f"Cross-account request: the session policy does not allow "
                f"{request.action}, so the caller's side does not allow it."
            )
        case "cross-resource":
            return (
                f"Cross-account request ({who} is in account {caller.account}, the "
                f"resource belongs to {request.resource_owner}): the caller's account "
                f"allows it, but the resource's account must allow it too, with a "
                f"{resource_kind} that names the caller or its account, and "
                f"{none_does}."
            )
        case "cross-allowed":
            own_side = (
                "the root user has full access on its own account's side"
                if request.caller.kind is PrincipalKind.ROOT
                else f"the caller's identity-based policies allow {what}"
            )
            return (
                f"Allowed across accounts: {own_side}, and the resource-based policy in "
                f"account {request.resource_owner} allows the caller. Both sides must allow."
            )
        case "requires-trust":
            return (
                (
                    "A role's trust policy must allow the caller explicitly (or trust its "
                    "account); an identity-based policy alone is never enough to assume a role."
                    if near and near[0].elements == ("condition",)
                    else f"A role's trust policy must allow the caller explicitly (or trust "
                    f"its account); an identity-based policy alone is never enough to "
                    f"assume a role, and this trust policy does not allow {who}"
                    + (" to make this request." if near else ".")
                )
                if ps.resource_policy is not None
                else "To assume a role, its trust policy must allow the caller, but no "
                "trust policy was given."
            )
        case "requires-kms":
            return (
                "A KMS key policy must allow access explicitly, even in the key's own "
                "account (the root user included)"
                + (
                    ", and this key policy does not."
                    if ps.resource_policy is not None
                    else "; no key policy was given."
                )
            )
        case "root":
            return f"Allowed. {ROOT_USER_LIMITS}"
        case "no-identity-allow":
            return (
                f"Implicitly denied: the {resource_kind} names the caller's account, which only "
                f"delegates the decision to that account's identity-based policies — and none of "
                f"them allows {what}."
                if facts.grants() & VIA_ACCOUNT
                else f"Implicitly denied: no identity-based policy allows {what}"
                + (
                    f", and the {resource_kind} does not name the caller"
                    if ps.resource_policy is not None
                    else ""
                )
                + ". In AWS everything that is not explicitly allowed is denied."
            )
        case "boundary" if facts.grants() & DIRECT:
            return (
                f"The role's trust policy names {who}, but a trust policy does not lift an IAM "
                f"user's permissions boundary, and the boundary does not allow "
                f"{request.action}. To assume a role, a user's boundary must allow it too."
            )
        case "boundary" | "session" if not facts.id_ok():
            # _decide gets here without an identity-based Allow only when the resource-based
            # policy names the session's role (or the federated user's IAM user): such a grant
            # is still limited by the boundary and the session policy (evaluation-logic).
            limit = "permissions boundary" if code == "boundary" else "session policy"
            return (
                f"{_parent_grant(request, facts)}, not to {who} itself, so the {limit} still "
                f"limits it — and the {limit} does not allow {request.action}. Only a "
                f"resource-based policy that names the session's own ARN is not limited by it."
                if caller.kind is PrincipalKind.ROLE_SESSION
                else f"{_parent_grant(request, facts)}, not to {who} itself, so the {limit} "
                f"still limits it — and the {limit} does not allow {request.action}."
            )
        case "boundary":
            return (
                f"An identity-based policy allows {request.action}, but the permissions "
                f"boundary does not. A boundary sets the maximum permissions: the "
                f"effective permissions are what both allow."
            )
        case "session":
            owner = "the role" if caller.kind is PrincipalKind.ROLE_SESSION else "the IAM user"
            return (
                f"The policies of {owner} allow {request.action}, but the session policy "
                f"passed when the session was created does not. A session gets the "
                f"intersection of the two."
            )
        case "federated-no-session-policy":
            return (
                f"{who} was created by GetFederationToken without a "
                f"session policy, so it gets no permissions from the "
                f"IAM user's policies; only resource-based policies that "
                f"name the federated user directly could allow this."
            )
        case "identity":
            return (
                f"Allowed by {first}."
                + (" The permissions boundary allows it too." if ps.boundary is not None else "")
                + (" The session policy allows it too." if ps.session and caller.is_session else "")
            )
        case "resource-parent":
            return (
                f"Allowed by {first}: the resource-based policy names the caller's "
                f"role (or the IAM user behind the federated user). That is enough "
                f"without an identity-based policy, but the boundary and session "
                f"policies still apply — and they allow it."
            )
        case _:
            raise AssertionError(f"no reason text for {code}")


# --- the public function ----------------------------------------------------------------------


def _as_tuple(policies: Iterable[Policy] | Policy | None) -> tuple[Policy, ...]:
    if policies is None:
        return ()
    if isinstance(policies, Policy):
        return (policies,)
    return tuple(policies)


@functools.lru_cache(maxsize=512)
def _policy_set(
    identity: tuple[Policy, ...],
    resource_policy: Policy | None,
    boundary: Policy | None,
    session: tuple[Policy, ...],
    scps: tuple[tuple[Policy, ...], ...],
    rcps: tuple[tuple[Policy, ...], ...],
) -> PolicySet:
    return PolicySet(identity, resource_policy, boundary, session, scps, rcps)


def _compiled(
    identity: Iterable[Policy] | Policy | None,
    resource_policy: Policy | None,
    boundary: Policy | None,
    session: Iterable[Policy] | Policy | None,
    scps: Iterable[Iterable[Policy]],
    rcps: Iterable[Iterable[Policy]],
) -> PolicySet:
    return _policy_set(
        _as_tuple(identity),
        resource_policy,
        boundary,
        _as_tuple(session),
        tuple(tuple(level) for level in scps),
        tuple(tuple(level) for level in rcps),
    )


def evaluate(
    request: Request,
    identity: Iterable[Policy] | Policy | None = (),
    resource_policy: Policy | None = None,
    boundary: Policy | None = None,
    session: Iterable[Policy] | Policy | None = (),
    scps: Iterable[Iterable[Policy]] = (),
    rcps: Iterable[Iterable[Policy]] = (),
) -> Evaluation:
    """Evaluate one request against the policies that apply to it.

    ``scps`` and ``rcps`` are lists of levels, root first and account last, each a list of the
    policies attached at that level. Compiled policy sets are cached, so evaluating many
    requests against the same Policy objects is fast.
    """
    return _compiled(identity, resource_policy, boundary, session, scps, rcps).evaluate(request)


def decide(
    request: Request,
    identity: Iterable[Policy] | Policy | None = (),
    resource_policy: Policy | None = None,
    boundary: Policy | None = None,
    session: Iterable[Policy] | Policy | None = (),
    scps: Iterable[Iterable[Policy]] = (),
    rcps: Iterable[Iterable[Policy]] = (),
) -> str:
    """Like :func:`evaluate`, but only the decision word, without building the explanation."""
    return _compiled(identity, resource_policy, boundary, session, scps, rcps).decide(request)
