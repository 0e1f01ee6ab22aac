"""A lab's least-privilege goal: a principal may make every request the story needs, and the
engine finds nothing else it may do.

"Nothing else" is probed as a "fix this policy" answer is (:mod:`iamlab.labs.fixing`): every
action the principal's own policies name, and every action the world's resource-based and
trust policies name (wildcards expanded from the action catalog; a statement allowing every
action adds the sensitive actions and the services in play), on every resource of the world
and every ARN those policies name, and on the needed resources moved to another name and
another account; with the story's request context and with none. A request the story
``needs`` or ``may`` make is not counted, except that a need's global context keys
(``aws:``) are part of the need: the same request without them must be refused (a switch the
story needs with MFA, allowed without it, grants more than the story asks). A service's own
keys (``iam:PolicyARN``) are on every such request, so leaving them out is not probed. Real
resources of the world are named
before made-up probe ARNs. A grant the probes miss passes: the limit is the fix questions'
one, written down in ``docs/scenarios.md``.

A world is immutable, so each answer is kept with the world it was worked out for: the lab
panel checks the goals on every sandbox page.
"""

from __future__ import annotations

import fnmatch
import re
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from iamlab.policy import ALLOWED, Policy, RequestError
from iamlab.policy.catalog import action_info
from iamlab.policy.why import statement_place
from iamlab.sandbox.world import PrincipalInfo, World

from .fixing import made_up_resources, probe_actions, probe_resources

__all__ = ["Beyond", "beyond", "probe_policies"]

_SHOWN = 3  # requests beyond the story named in the goal's words
# (probes tried, what is allowed beyond the story: each request in words, with the statements
# that allow it, "Statement 1 of DeployWeb (inline), line 4")
Beyond = tuple[int, list[tuple[str, str]]]
_answers: weakref.WeakKeyDictionary[World, dict[str, Beyond]] = weakref.WeakKeyDictionary()


def probe_policies(world: World, who: PrincipalInfo) -> list[Policy]:
    """The policies that may grant ``who`` something: its own identity-based policies, and
    every resource-based policy and trust policy of the world."""
    found = list(who.identity)
    found.extend(r.policy for r in world.resources.values() if r.policy is not None)
    found.extend(p.trust for p in world.principals.values() if p.trust is not None)
    return found


def _fits(types: tuple[str, ...], arn: str) -> bool:
    """Whether ``arn`` is of a resource type the action takes (the catalog's names: user,
    role, function, bucket, object…): UpdateLoginProfile is never probed on a role."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return False
    service, rest = parts[2], parts[5]
    if service == "s3":
        kind = "object" if "/" in rest else "bucket"
        return any(kind in t for t in types)
    kind = re.split(r"[:/]", rest, maxsplit=1)[0]
    return kind in types


def _service(arn: str) -> str:
    parts = arn.split(":", 3)
    return parts[2].lower() if len(parts) > 2 else ""


def _tolerated(action: str, resource: str, allowances: Iterable[Mapping[str, str]]) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), a["action"].lower())
        and fnmatch.fnmatchcase(resource, a["resource"])
        for a in allowances
    )


def beyond(
    world: World,
    who: PrincipalInfo,
    key: str,
    needs: Iterable[Mapping[str, Any]],
    may: Iterable[Mapping[str, str]],
) -> Beyond:
    """How many probes were tried, and the first requests (one per action) ``who`` is allowed
    that neither ``needs`` nor ``may`` covers. ``key`` names the goal, for the answer kept
    with the world."""
    kept = _answers.setdefault(world, {})
    if key in kept:
        return kept[key]
    needs = list(needs)
    allowances = [
        *({"action": n["action"], "resource": n["resource"]} for n in needs),
        *may,
    ]
    policies = probe_policies(world, who)
    actions = probe_actions((n["action"] for n in needs), policies)
    needed = [n["resource"] for n in needs]
    resources = probe_resources(needed, policies)
    made_up = made_up_resources(needed, policies) - set(world.resources)
    resources.update(world.resources)
    resources.update(g.arn for g in world.groups.values())  # what AddUserToGroup names
    resources.add("*")
    by_service: dict[str, list[str]] = {}
    # The world's own resources first: the learner should read a real name, not a probe's.
    for resource in sorted(resources, key=lambda r: (r in made_up, r)):
        by_service.setdefault(_service(resource), []).append(resource)
    contexts: list[Mapping[str, Any]] = [{}]
    for need in needs:
        if need.get("context") and need["context"] not in contexts:
            contexts.append(need["context"])
    tried = 0
    found: list[tuple[str, str]] = []
    for need in needs:
        # A global key the caller may leave out (MFA, a source IP…) is part of the need; a
        # service's own key (iam:PolicyARN, iam:AWSServiceName) AWS always sets on that
        # action, so a request without it is not one AWS would see.
        keys = [k for k in need.get("context") or {} if k.lower().startswith("aws:")]
        if keys:
            tried += 1
            rest = {k: v for k, v in need["context"].items() if k not in keys}
            try:
                bare = world.decide(who, need["action"], need["resource"], rest)
            except (RequestError, ValueError):
                continue
            if bare == ALLOWED:
                found.append(
                    (
                        f"{need['action']} on {need['resource']} without {', '.join(keys)}",
                        _allowed_by(world, who, need["action"], need["resource"], [rest]),
                    )
                )
    for action in sorted(actions):
        service = action.split(":")[0].lower()
        # A role is an IAM resource that STS actions name.
        info = action_info(action)
        typed = [
            r
            for r in by_service.get("iam" if service == "sts" else service, [])
            if info is None or _fits(info.resource_types, r)
        ]
        on = typed + by_service.get("", [])
        hit = _first_allowed(world, who, action, on, contexts, allowances)
        tried += hit[0]
        if hit[1]:
            found.append(
                (f"{action} on {hit[1]}", _allowed_by(world, who, action, hit[1], contexts))
            )
            if len(found) > _SHOWN:
                break
    kept[key] = (tried, found)
    return tried, found


def _allowed_by(
    world: World,
    who: PrincipalInfo,
    action: str,
    resource: str,
    contexts: list[Mapping[str, Any]],
) -> str:
    """The statements that allow a request found beyond the story, where the learner finds
    them, the resource's side first (a trust policy that lets anyone in): "" if none is
    named (the root user's own access)."""
    for context in contexts:
        try:
            evaluation = world.check(who, action, resource, context).evaluation
        except (RequestError, ValueError):
            return ""
        if evaluation.allowed:
            ordered = sorted(evaluation.matched, key=lambda m: m.layer != "resource")
            return " and ".join(statement_place(m.statement, m.policy_label) for m in ordered)
    return ""


def _first_allowed(
    world: World,
    who: PrincipalInfo,
    action: str,
    resources: list[str],
    contexts: list[Mapping[str, Any]],
    allowances: list[Mapping[str, str]],
) -> tuple[int, str]:
    tried = 0
    for resource in resources:
        if _tolerated(action, resource, allowances):
            continue
        for context in contexts:
            tried += 1
            try:
                if world.decide(who, action, resource, context) == ALLOWED:
                    return tried, resource
            except (RequestError, ValueError):  # a probe the request model refuses
                break
    return tried, ""
