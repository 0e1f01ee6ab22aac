"""Table-driven evaluation cases: one Case per documented behaviour, each naming its AWS page.

A case describes the request and the policies as plain data, so a table reads like the
documentation it comes from. :func:`check` parses every policy with its proper type, evaluates
the request with both the explaining path (``evaluate``) and the fast path (``decide``), and
asserts that both give the expected decision (and, where given, the deciding layer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from iamlab.policy import Evaluation, Policy, PolicyType, Request, decide, evaluate, parse_policy
from iamlab.policy.conditions import ConditionTrace

DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

Doc = dict[str, Any]


def stmt(effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any) -> Doc:
    """A statement; pass principal=..., condition=..., not_action=..., sid=... as needed."""
    out: Doc = {"Effect": effect}
    names = {
        "sid": "Sid",
        "principal": "Principal",
        "not_principal": "NotPrincipal",
        "condition": "Condition",
        "not_action": "NotAction",
        "not_resource": "NotResource",
    }
    if "not_action" not in extra and action is not None:
        out["Action"] = action
    if "not_resource" not in extra and resource is not None:
        out["Resource"] = resource
    for key, value in extra.items():
        out[names[key]] = value
    return out


def allow(action: Any, resource: Any = "*", **extra: Any) -> Doc:
    """An identity-type policy with one Allow statement."""
    return doc(stmt("Allow", action, resource, **extra))


def deny(action: Any, resource: Any = "*", **extra: Any) -> Doc:
    return doc(stmt("Deny", action, resource, **extra))


def aws(*arns: str) -> dict[str, Any]:
    """A Principal naming AWS principals (one string, or a list for several)."""
    return {"AWS": arns[0] if len(arns) == 1 else list(arns)}


def grant(
    principal: Any, action: Any, resource: Any = "*", effect: str = "Allow", **extra: Any
) -> Doc:
    """A resource-based policy with one statement."""
    return doc(stmt(effect, action, resource, principal=principal, **extra))


def trust(
    principal: Any, action: Any = "sts:AssumeRole", effect: str = "Allow", **extra: Any
) -> Doc:
    """A role trust policy with one statement (no Resource element)."""
    return doc(stmt(effect, action, None, principal=principal, **extra))


def doc(*statements: Doc, version: str | None = "2012-10-17") -> Doc:
    out: Doc = {"Statement": list(statements)}
    if version is not None:
        out = {"Version": version, **out}
    return out


@dataclass
class Case:
    id: str
    source: str  # the AWS documentation page, e.g. "reference_policies_evaluation-logic"
    principal: str
    action: str
    expected: str  # allowed | explicitDeny | implicitDeny
    resource: str = "*"
    identity: list[Doc] = field(default_factory=list)
    resource_policy: Doc | None = None
    resource_policy_type: str = "resource"  # or "trust"
    boundary: Doc | None = None
    session: list[Doc] = field(default_factory=list)
    scps: list[list[Doc]] = field(default_factory=list)
    rcps: list[list[Doc]] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    resource_owner: str | None = None
    session_issuer: str | None = None
    decided_by: str | None = None  # e.g. "identity", "resource", "boundary", "scp:1"
    # A condition decides the answer: the reason must name it (key, the policy's values, the
    # request's value or its absence). allow_when / deny_when set it for their denials.
    condition_decides: bool = False

    def __str__(self) -> str:
        return self.id


def _parse(document: Doc, type_: PolicyType, name: str) -> Policy:
    return parse_policy(json.dumps(document, indent=2), type=type_, name=name)


def check(case: Case) -> None:
    request = Request(
        case.principal,
        case.action,
        case.resource,
        context=case.context,
        resource_owner=case.resource_owner,
        session_issuer=case.session_issuer,
    )
    kwargs: dict[str, Any] = {
        "identity": [
            _parse(d, PolicyType.IDENTITY, f"identity-{i}") for i, d in enumerate(case.identity)
        ],
        "resource_policy": None
        if case.resource_policy is None
        else _parse(case.resource_policy, PolicyType(case.resource_policy_type), "resource"),
        "boundary": None
        if case.boundary is None
        else _parse(case.boundary, PolicyType.BOUNDARY, "boundary"),
        "session": [
            _parse(d, PolicyType.SESSION, f"session-{i}") for i, d in enumerate(case.session)
        ],
        "scps": [
            [_parse(d, PolicyType.SCP, f"scp-{lvl}-{i}") for i, d in enumerate(level)]
            for lvl, level in enumerate(case.scps)
        ],
        "rcps": [
            [_parse(d, PolicyType.RCP, f"rcp-{lvl}-{i}") for i, d in enumerate(level)]
            for lvl, level in enumerate(case.rcps)
        ],
    }
    result = evaluate(request, **kwargs)
    fast = decide(request, **kwargs)
    assert result.decision == case.expected, (
        f"{case.id} ({DOCS}{case.source}.html): expected {case.expected}, got "
        f"{result.decision} — {result.reason}"
    )
    assert fast == result.decision, (
        f"{case.id}: fast path says {fast}, explanation {result.decision}"
    )
    assert result.reason, f"{case.id}: no reason given"
    if case.decided_by is not None:
        assert result.decided_by == case.decided_by, (
            f"{case.id}: decided by {result.decided_by}, expected {case.decided_by}"
        )
    check_condition_named(case, result)


def deciding_conditions(result: Evaluation) -> tuple[ConditionTrace, ...]:
    """The conditions that decided: an explicit Deny's, or those an implicit deny's closest
    Allow fails on when only its conditions stand in the way."""
    if result.deny_conditions:
        return result.deny_conditions
    if result.near_misses and result.near_misses[0].elements == ("condition",):
        return tuple(m.condition for m in result.near_misses[0].misses if m.condition)
    return ()


def check_condition_named(case: Case, result: Evaluation) -> None:
    """Wherever a condition decides, the reason names its key, the values the policy asks for
    and the value the request carried, or that it carried none (issue 15)."""
    decisive = deciding_conditions(result)
    if case.condition_decides:
        assert decisive, f"{case.id}: a condition decides, but the explanation names none"
    reason = result.reason.lower()
    context = {k.lower(): v for k, v in case.context.items()}
    for trace in decisive:
        condition = trace.condition
        assert condition is not None
        key = condition.key
        assert key.lower() in reason, f"{case.id}: the reason does not name {key}: {reason}"
        if condition.operator.spec.name != "Null" and not condition.has_variables:
            for value in condition.values:
                assert value.strip().lower() in reason, (
                    f"{case.id}: the reason does not give the policy's value {value!r}: {reason}"
                )
        # A key the case does not set may still be set by AWS from the caller (aws:username,
        # aws:PrincipalArn, aws:CurrentTime): then the trace's value is what AWS would send.
        sent = context.get(key.lower(), trace.request_values)
        if sent in (None, "", [], ()):
            assert f"has no {key.lower()}" in reason or "absent" in reason, (
                f"{case.id}: the reason does not say {key} was absent: {reason}"
            )
        else:
            for value in sent if isinstance(sent, list | tuple) else [sent]:
                assert str(value).lower() in reason, (
                    f"{case.id}: the reason does not give the request's {key} {value!r}: {reason}"
                )
