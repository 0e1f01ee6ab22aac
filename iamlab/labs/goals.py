"""A scenario's goals checked against a sandbox, by the policy engine and the access graph.

A finding goal holds when the policy checker no longer reports its finding in any policy the
learner can change, or when no principal (or the one named) can escalate to admin.

A request goal holds when the engine's decision for the request is the one expected (``denied``
accepts an explicit or an implicit deny); a path goal holds when the access graph has (or has
not) a way from one identity to another. Each result carries the engine's own words, which the
learner's page shows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from iamlab.graph import AccessGraph, build_graph
from iamlab.policy import (
    PolicyError,
    PolicyType,
    RequestError,
    StsDenied,
    assume_role_with_web_identity,
    parse_policy,
)
from iamlab.policy.evaluate import StatementMatch
from iamlab.policy.sts import fresh_token_claims
from iamlab.policy.why import statement_place
from iamlab.sandbox import models
from iamlab.sandbox.graphing import access_graph, graph_input
from iamlab.sandbox.world import PrincipalInfo, World

from . import least
from .scenario import ACCESS_KEY, ESCALATION, Goal
from .yamlsource import Budget

__all__ = ["GoalResult", "check_goals", "resolve"]

_DECISIONS = {
    "allowed": "Allowed",
    "explicitDeny": "Denied explicitly",
    "implicitDeny": "Denied implicitly (nothing allows it)",
}


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    holds: bool
    detail: str  # what the engine or the graph found, in words
    problem: str = ""  # a reference that names nothing in the sandbox
    ends: tuple[str, str] | None = None  # a path goal's two nodes, to show it on the graph


def resolve(world: World, sandbox: models.Sandbox, ref: str) -> PrincipalInfo | None:
    """The principal a goal names: ``Account/user/name``, ``Account/role/name``,
    ``Account/root``, ``Account/permission-set/name`` (the role Identity Center provisions
    for it there) or an ARN."""
    if ref.startswith("arn:"):
        return next((p for p in world.principals.values() if p.arn == ref), None)
    parts = ref.split("/")
    account = models.Account.objects.filter(sandbox=sandbox, name=parts[0]).first()
    if account is None:
        return None
    if parts[1:] == ["root"]:
        kind, name = "root", ""
    elif len(parts) == 3 and parts[1] in ("user", "role"):
        kind, name = parts[1], parts[2]
    elif len(parts) == 3 and parts[1] == "permission-set":
        # The role Identity Center provisions for the set in the account (its name ends in
        # random hex, so a goal names the set).
        role = models.Role.objects.filter(account=account, permission_set__name=parts[2]).first()
        if role is None:
            return None
        return next((p for p in world.principals.values() if p.arn == role.arn), None)
    else:
        return None
    for p in world.principals.values():
        if (
            p.account_id == account.account_id
            and p.kind == kind
            and (kind == "root" or p.name == name)
        ):
            return p
    return None


def check_goals(
    sandbox: models.Sandbox,
    goals: Iterable[Goal],
    *,
    world: World | None = None,
    budget: Budget | None = None,
    where: str = "",
) -> list[GoalResult]:
    """Each goal checked against the sandbox as it is now. Given the sandbox's ``world`` (read
    afresh), nothing is cached: for a world built only to be checked, then rolled back. With
    an upload's ``budget``, each goal is checked only while it lasts (``where`` names the file
    in the message)."""
    trial = world is not None
    if world is None:
        world = World.for_sandbox(sandbox)
    goals = list(goals)
    graphs: list[AccessGraph] = []

    def graph_of() -> AccessGraph:
        if not graphs:
            graphs.append(
                build_graph(graph_input(world, sandbox)) if trial else access_graph(sandbox)
            )
        return graphs[0]

    checks: dict[str, Callable[..., GoalResult]] = {
        "request": functools.partial(_request, goals=goals),
        "path": _path,
        "finding": _finding,
        "least": _least,
        "federate": _federate,
    }
    results = []
    for goal in goals:
        if budget is not None:
            budget.check(where)
        results.append(checks[goal.kind](goal, world, sandbox, graph_of))
    return results


def _request(
    goal: Goal,
    world: World,
    sandbox: models.Sandbox,
    _graph: Callable[[], AccessGraph],
    goals: Iterable[Goal] = (),
) -> GoalResult:
    who = resolve(world, sandbox, goal.principal)
    if who is None:
        return _unknown(goal, goal.principal, refused=goal.expect in ("denied", "implicitDeny"))
    try:
        check = world.check(who, goal.action, goal.resource, goal.context)
    except RequestError as exc:
        return GoalResult(goal, False, "", f"{exc.field}: {exc.message}")
    evaluation = check.evaluation
    decision = evaluation.decision
    holds = decision != "allowed" if goal.expect == "denied" else decision == goal.expect
    if not holds and evaluation.allowed and evaluation.matched:
        return GoalResult(goal, False, _allowed_by(goal, evaluation.matched, goals))
    # The decision is said once: the reason's own "Implicitly denied:" or "Allowed by" would
    # repeat it.
    because = evaluation.because
    label = _DECISIONS.get(decision, decision)
    detail = (
        because if because.startswith(("Allowed", "Explicitly denied")) else f"{label}: {because}"
    )
    return GoalResult(goal, holds, detail)


def _allowed_by(goal: Goal, matched: Sequence[StatementMatch], goals: Iterable[Goal]) -> str:
    """Why a request that must be refused is allowed: each statement that allows it, where it
    is, and its condition (or that it has none): what the learner has to change. The resource's
    side (a trust or bucket policy) is named first. A key another goal adds to the same
    request, allowed there, is named as missing here: "Allowed without sts:ExternalId"."""
    given = {k.lower() for k in goal.context}
    missing: list[str] = []
    for other in goals:
        if (other.kind, other.principal, other.action, other.resource) == (
            goal.kind,
            goal.principal,
            goal.action,
            goal.resource,
        ) and other.expect == "allowed":
            missing.extend(k for k in other.context if k.lower() not in given and k not in missing)
    ordered = sorted(matched, key=lambda m: m.layer != "resource")
    bare = [
        statement_place(m.statement, m.policy_label) for m in ordered if not m.statement.conditions
    ]
    parts = (
        [f"{' and '.join(bare)} allow{'s' if len(bare) == 1 else ''} it with no condition"]
        if bare
        else []
    )
    for m in ordered:
        if m.statement.conditions:
            held = "; ".join(c.words for c in m.conditions)
            parts.append(
                f"{statement_place(m.statement, m.policy_label)} allows it"
                + (f", its condition holding: {held}" if held else "")
            )
    without = f" without {', '.join(missing)}" if missing else ""
    return f"Allowed{without}: " + "; ".join(parts) + "."


def _least(
    goal: Goal, world: World, sandbox: models.Sandbox, _graph: Callable[[], AccessGraph]
) -> GoalResult:
    """Least privilege: every request the story needs is allowed, and the probes find nothing
    else allowed (:mod:`iamlab.labs.least`)."""
    who = resolve(world, sandbox, goal.principal)
    if who is None:
        return _unknown(goal, goal.principal)
    name = who.name or who.label
    for need in goal.needs:
        try:
            check = world.check(who, need["action"], need["resource"], need.get("context"))
        except RequestError as exc:
            return GoalResult(goal, False, "", f"{exc.field}: {exc.message}")
        if not check.allowed:
            return GoalResult(
                goal,
                False,
                f"{name} needs {need['action']} on {need['resource']}, and it is not allowed: "
                f"{check.evaluation.because}",
            )
    key = json.dumps([goal.principal, goal.needs, goal.may], sort_keys=True, default=str)
    tried, found = least.beyond(world, who, key, goal.needs, goal.may)
    if found:
        # Where to look: the statements that let each request in, said once when the same.
        places = {by for _, by in found[:3]}
        same = places.pop() if len(places) == 1 else ""
        shown = "; ".join(
            what if same or not by else f"{what} (allowed by {by})" for what, by in found[:3]
        ) + (" and more" if len(found) > 3 else "")
        allowed = f" Allowed by {same}." if same else ""
        return GoalResult(
            goal,
            False,
            f"{name} may also make requests the story does not need: {shown}.{allowed}",
        )
    needed = len(goal.needs)
    return GoalResult(
        goal,
        True,
        f"{name} may make the {needed} request{'s' if needed > 1 else ''} the story needs, and "
        f"none of the {tried} other requests tried is allowed.",
    )


def _federate(
    goal: Goal, world: World, sandbox: models.Sandbox, _graph: Callable[[], AccessGraph]
) -> GoalResult:
    """AssumeRoleWithWebIdentity with a token of these claims from the goal's OIDC provider
    (id_roles_providers_oidc.html): STS checks the issuer, the audience against the
    provider's client IDs, then the role's trust policy with the claims as condition keys.
    Claims the goal leaves out get a fresh token's values (iss, aud, iat, exp)."""
    parts = goal.provider.split("/")
    provider = None
    if len(parts) == 3 and parts[1] == "provider":
        provider = (
            models.IdentityProvider.objects.filter(
                sandbox=sandbox, kind="oidc", account__name=parts[0], name=parts[2]
            )
            .select_related("account")
            .first()
        )
    if provider is None:
        return GoalResult(
            goal,
            False,
            f"{goal.provider} is not an OIDC identity provider of your sandbox.",
            f"{goal.provider} names no OIDC provider of the world (write "
            "Account/provider/host, the issuer URL without https://)",
        )
    role = resolve(world, sandbox, goal.principal)
    if role is None or role.kind != "role":
        return _unknown(goal, goal.principal)
    try:
        spec = world.role_spec(role)
    except RequestError as exc:
        return GoalResult(goal, goal.expect == "denied", exc.message)
    now = sandbox.now()
    claims = {**fresh_token_claims(provider.name, provider.client_ids, now), **goal.context}
    shown = ", ".join(f"{k}={v}" for k, v in goal.context.items()) or "a fresh token"
    result = assume_role_with_web_identity(
        claims,
        spec,
        "lab-goal",
        provider=provider.arn,
        provider_client_ids=list(provider.client_ids),
        now=now,
    )
    if isinstance(result, StsDenied):
        return GoalResult(
            goal, goal.expect == "denied", f"STS refuses a token with {shown}: {result.message}"
        )
    return GoalResult(
        goal,
        goal.expect == "allowed",
        f"STS accepts a token with {shown} and hands out a session of {role.name}.",
    )


def _path(
    goal: Goal, world: World, sandbox: models.Sandbox, graph_of: Callable[[], AccessGraph]
) -> GoalResult:
    ends = []
    for ref in (goal.principal, goal.target):
        node = _node(world, sandbox, ref)
        if node is None:
            return _unknown(goal, ref, refused=goal.expect == "none")
        ends.append(node)
    graph = graph_of()
    way = graph.path(ends[0][0], ends[1][0])
    if way is None:
        detail = f"No way leads from {ends[0][1]} to {ends[1][1]}."
    else:
        detail = "A way exists: " + " → ".join(
            [graph.nodes[way[0].source].label] + [graph.nodes[e.target].label for e in way]
        )
    holds = (way is not None) == (goal.expect == "exists")
    return GoalResult(goal, holds, detail, ends=(ends[0][0], ends[1][0]))


def _finding(
    goal: Goal, world: World, sandbox: models.Sandbox, graph_of: Callable[[], AccessGraph]
) -> GoalResult:
    """A finding that must be gone: a policy checker finding (by its code) in any policy the
    learner can change, or a principal that can escalate to admin."""
    if goal.action == ACCESS_KEY:
        return _access_keys(goal, world, sandbox)
    if goal.action == ESCALATION:
        graph = graph_of()
        # A principal that can escalate: it has a way to an admin, or it is an admin only
        # because it may grant itself more (the graph counts it an admin, by a self-edge).
        escalates = set(graph.can_escalate) | {
            e.source for e in graph.edges if e.kind == "escalate" and e.source == e.target
        }
        if goal.principal:
            node = _node(world, sandbox, goal.principal)
            if node is None:
                return _unknown(goal, goal.principal)
            left = [node[0]] if node[0] in escalates else []
        else:
            left = sorted(n for n in escalates if graph.nodes[n].is_principal)
        if not left:
            return GoalResult(goal, True, "No principal here can make itself an admin.")
        names = ", ".join(graph.nodes[n].label for n in left[:5])
        more = f" and {len(left) - 5} more" if len(left) > 5 else ""
        return GoalResult(goal, False, f"Can still escalate to admin: {names}{more}.")
    seen: set[str] = set()
    found = []
    for policy, source in world.sources.items():
        if source.aws_name or source.label in seen or policy.text is None:
            continue  # AWS managed policies are not the learner's to change
        seen.add(source.label)
        for code, message in _findings(policy.text, policy.type):
            if code == goal.action:
                found.append(f"{source.label}: {message}")
    if not found:
        return GoalResult(goal, True, f"No policy has the finding {goal.action} any more.")
    more = f" (and {len(found) - 2} more)" if len(found) > 2 else ""
    return GoalResult(goal, False, "Still found in " + "; ".join(found[:2]) + more)


def _access_keys(goal: Goal, world: World, sandbox: models.Sandbox) -> GoalResult:
    """No active long-term access key is left (of the principal ``in`` names, if any): a key
    deactivated or deleted, or its user deleted, is gone."""
    keys = models.AccessKey.objects.filter(account__sandbox=sandbox, status="Active")
    if goal.principal:
        who = resolve(world, sandbox, goal.principal)
        if who is not None and who.kind not in ("user", "root"):
            return GoalResult(goal, False, "", f"{goal.principal} is not a user or root user")
        if who is None:
            # A user deleted has no keys left; the fixed world must name it, so a typo is
            # still caught when the scenario loads.
            parts = goal.principal.split("/")
            gone = len(parts) == 3 and parts[1] == "user"
            problem = "" if gone else _unknown(goal, goal.principal).problem
            return GoalResult(goal, gone, f"{goal.principal} and its keys are gone.", problem)
        keys = (
            keys.filter(user__pk=who.pk)
            if who.kind == "user"
            else keys.filter(user__isnull=True, account__account_id=who.account_id)
        )
    held = sorted(
        f"{k.key_id or 'a key'} of {k.user.name if k.user else 'the root user'}"
        for k in keys.select_related("user")
    )
    if not held:
        return GoalResult(goal, True, "No active long-term access key is left.")
    return GoalResult(
        goal,
        False,
        "Still active: " + ", ".join(held[:3]) + (" and more" if len(held) > 3 else "") + ".",
    )


@functools.lru_cache(maxsize=1024)
def _findings(text: str, type_: PolicyType) -> tuple[tuple[str, str], ...]:
    """The policy checker's findings of a stored document (worlds parse without the
    checks, for speed)."""
    try:
        return tuple((f.code, f.message) for f in parse_policy(text, type_).findings)
    except PolicyError as exc:
        return tuple((f.code, f.message) for f in exc.findings)


def _node(world: World, sandbox: models.Sandbox, ref: str) -> tuple[str, str] | None:
    """(ARN, label) of a path's end: a principal, a group (joining one is a step of
    escalation), an EC2 instance (it runs as its profile's role), an identity provider (its
    users federate into roles) or an Identity Center user, written ``Account/group/name``,
    ``Account/instance/name``, ``Account/provider/name``, ``sso-user/name`` or as an ARN."""
    principal = resolve(world, sandbox, ref)
    if principal is not None:
        return principal.arn, principal.label
    parts = ref.split("/")
    if len(parts) == 2 and parts[0] == "sso-user":
        person = models.SsoUser.objects.filter(sandbox=sandbox, user_name=parts[1]).first()
        if person is None:
            return None
        return f"arn:aws:identitystore:::user/{person.user_id}", f"Identity Center user {parts[1]}"
    kinds: dict[str, Any] = {
        "group": models.IamGroup.objects.filter(sandbox=sandbox),
        "instance": models.Ec2Instance.objects.filter(sandbox=sandbox),
        "provider": models.IdentityProvider.objects.filter(sandbox=sandbox),
    }
    for kind, rows in kinds.items():
        rows = rows.select_related("account")
        if ref.startswith("arn:"):
            found = next((row for row in rows if row.arn == ref), None)
        elif len(parts) == 3 and parts[1] == kind:
            found = rows.filter(account__name=parts[0], name=parts[2]).first()
        else:
            found = None
        if found is not None:
            label = {"group": "Group", "instance": "EC2 instance", "provider": "Identity provider"}
            return found.arn, f"{label[kind]} {found.name} ({found.account.account_id})"
    return None


def _unknown(goal: Goal, ref: str, refused: bool = False) -> GoalResult:
    """A goal about something the sandbox does not have (yet: the learner may be meant to
    create it, or has deleted it). ``problem`` says it for the scenario's author. A goal that
    something be refused (or have no way) holds when the learner deleted it: a deleted user
    can make no request at all. The fixed world must still have it, so a typo is caught."""
    parts = ref.split("/")
    if len(parts) == 3 and parts[1] == "permission-set":
        # The set may well exist: what is missing is its role in that account, which only an
        # assignment there creates.
        detail = (
            f"The permission set {parts[2]} is not assigned in {parts[0]}: {parts[0]} has no "
            "role for it until the set is assigned to a user or group for that account."
        )
    elif refused:
        detail = f"{ref} is not in your sandbox any more, so it can make no request at all."
    else:
        detail = f"{ref} is not in your sandbox."
    return GoalResult(
        goal,
        refused,
        detail,
        f"{ref} names nothing in the world (write Account/user/name, Account/role/name, "
        "Account/root, Account/permission-set/name or an ARN; a path may also start or end at "
        "Account/group/name, Account/instance/name, Account/provider/name or sso-user/name)",
    )
