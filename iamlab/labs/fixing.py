"""Grading "fix this policy": the engine checks what the fix must do, and that it grants no
more than the author's reference fix.

A fix is right when

1. every request the task needs is decided as it should be (``allow``: allowed, ``deny``:
   denied) with the learner's policy in place of the broken one, every other policy of the
   question unchanged; and
2. no request that the learner's policy allows is refused with the reference in its place.

The second check cannot try every request AWS could receive, so it tries a set of probes
chosen to find the usual ways a fix grants too much, for each principal the task names: every
action the learner's policy or the reference names (wildcards expanded from the action
catalog), on every resource either names and on the task's resources moved to another name
and another account, with the task's request context and with none (a dropped condition shows
there). Statements the engine cannot expand (``"Action": "*"``, ``NotAction``) are probed with
the actions of every service the task touches plus a short list of sensitive actions. A fix
that grants more only on a request outside the probes is passed: a limit written down here,
and in ``docs/scenarios.md``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iamlab.policy import Policy, PolicyError, PolicySet, PolicyType, Request, parse_policy
from iamlab.policy.catalog import action_info, actions_matching

__all__ = [
    "LAYERS",
    "FixResult",
    "FixSpec",
    "Required",
    "grade_fix",
    "layered",
    "made_up_resources",
    "probe_actions",
    "probe_resources",
]

# Actions probed when a statement allows every action ("*" or NotAction): a fix that opens
# one of these to the task's principal has granted far more than the task asked.
SENSITIVE = (
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:AttachUserPolicy",
    "iam:PutRolePolicy",
    "iam:PassRole",
    "sts:AssumeRole",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "ec2:TerminateInstances",
    "kms:Decrypt",
    "organizations:LeaveOrganization",
)
_MOST_PER_PATTERN = 250  # actions tried per wildcard pattern
_OTHER_ACCOUNT = "999999999999"
_SHOWN = 3  # extra grants spelled out in the feedback


# The layers a question gives its policies in, by the key a bank writes.
LAYERS = {
    "identity": PolicyType.IDENTITY,
    "boundary": PolicyType.BOUNDARY,
    "scp": PolicyType.SCP,
    "resource": PolicyType.RESOURCE,
    "trust": PolicyType.TRUST,  # a role's trust policy: the resource-based policy of AssumeRole
}


def layered(layers: Mapping[str, Sequence[Policy]]) -> PolicySet:
    """The policy set of a question's layers: one boundary, one level of SCPs, and one
    resource-based policy (a trust policy is the role's)."""
    return PolicySet(
        identity=list(layers.get("identity", ())),
        boundary=layers["boundary"][0] if layers.get("boundary") else None,
        scps=[list(layers["scp"])] if layers.get("scp") else (),
        resource_policy=next(iter(layers.get("resource") or layers.get("trust") or ()), None),
    )


@dataclass(frozen=True)
class Required:
    request: Request
    expect: str  # allowed | denied

    @property
    def label(self) -> str:
        return f"{self.request.action} on {self.request.resource}"


@dataclass(frozen=True)
class FixSpec:
    layer: PolicyType  # the layer the learner rewrites
    others: Mapping[str, tuple[Policy, ...]]  # the question's other policies, by layer key
    reference: Policy
    required: tuple[Required, ...]

    def policy_set(self, policy: Policy) -> PolicySet:
        """The question's policies with ``policy`` in the layer the learner rewrites."""
        key = next(k for k, type_ in LAYERS.items() if type_ == self.layer)
        return layered({**self.others, key: (*self.others.get(key, ()), policy)})


@dataclass(frozen=True)
class FixResult:
    counted: bool  # False: the text is not a policy IAM would accept; no try is counted
    correct: bool
    feedback: str
    details: tuple[str, ...] = ()


def parse_fix(text: str, layer: PolicyType) -> Policy | str:
    """The learner's policy, or what is wrong with it, with its line and column."""
    if not text.strip():
        return "Write your policy first: that try was not counted."
    try:
        return parse_policy(text, layer, name="Your policy")
    except PolicyError as exc:
        finding = next((f for f in exc.findings if f.blocking), exc.findings[0])
        where = (
            f"line {finding.location.line}, column {finding.location.column}: "
            if finding.location
            else ""
        )
        return f"Your policy does not parse ({where}{finding.message}); that try was not counted."


def grade_fix(spec: FixSpec, text: str) -> FixResult:
    parsed = parse_fix(text, spec.layer)
    if isinstance(parsed, str):
        return FixResult(False, False, parsed)
    mine = spec.policy_set(parsed)
    problems = [
        f"{r.label} should be {r.expect}, but: {evaluation.reason}"
        for r in spec.required
        if (evaluation := mine.evaluate(r.request)).allowed != (r.expect == "allowed")
    ]
    told = {(r.request.action, r.request.resource) for r in spec.required}
    extra = [r for r in beyond_reference(spec, parsed) if (r.action, r.resource) not in told]
    problems.extend(_extra_lines(spec, extra))
    if not problems:
        return FixResult(True, True, "Right: the engine agrees, and it grants nothing more.")
    return FixResult(True, False, "Not yet.", tuple(problems))


# Most harmful first: the extra grants a learner should see before the others.
_LEVEL_ORDER = ("Permissions management", "Write", "Tagging", "Read", "List")


def _extra_lines(spec: FixSpec, extra: list[Request]) -> list[str]:
    """What the fix grants beyond the reference, an action per line, most harmful first."""
    by_action: dict[str, list[Request]] = {}
    for request in extra:
        by_action.setdefault(request.action, []).append(request)

    def rank(action: str) -> tuple[int, str]:
        info = action_info(action)
        level = info.access_level if info else ""
        return (_LEVEL_ORDER.index(level) if level in _LEVEL_ORDER else 0, action)

    conditioned = any(r.request.context for r in spec.required)
    lines = []
    for action in sorted(by_action, key=rank)[:_SHOWN]:
        first = by_action[action][0]
        more = len({r.resource for r in by_action[action]}) - 1
        where = f"on {first.resource}" + (
            f" and {more} other resource{'s' if more > 1 else ''}" if more else ""
        )
        when = (
            " even with no condition keys in the request"
            if conditioned and not first.context
            else ""
        )
        lines.append(f"It also allows {action} {where}{when}, which the task does not need.")
    if len(by_action) > _SHOWN:
        rest = len(by_action) - _SHOWN
        lines.append(f"…and {rest} more action{'s' if rest > 1 else ''} beyond the task.")
    return lines


def beyond_reference(spec: FixSpec, policy: Policy) -> list[Request]:
    """Probe requests ``policy`` allows that the reference refuses."""
    mine, reference = spec.policy_set(policy), spec.policy_set(spec.reference)
    return [
        r
        for r in probes(spec, policy)
        if mine.decide(r) == "allowed" and reference.decide(r) != "allowed"
    ]


def probes(spec: FixSpec, policy: Policy) -> list[Request]:
    if not spec.required:
        return []
    callers: dict[str, Request] = {}  # each principal the task names, with its request
    for r in spec.required:
        callers.setdefault(r.request.principal, r.request)
    actions = _actions(spec, (policy, spec.reference))
    resources = _resources(spec, (policy, spec.reference))
    contexts: list[Mapping[str, Any]] = [{}]
    for r in spec.required:
        if r.request.context and r.request.context not in contexts:
            contexts.append(r.request.context)
    out = []
    for caller in callers.values():
        for action in sorted(actions):
            for resource in sorted(resources):
                for context in contexts:
                    try:
                        out.append(
                            Request(
                                caller.principal,
                                action,
                                resource,
                                context,
                                resource_owner=caller.resource_owner,
                            )
                        )
                    except ValueError:  # a probe the request model refuses: nothing to learn
                        continue
    return out


def _actions(spec: FixSpec, policies: Iterable[Policy]) -> set[str]:
    return probe_actions((r.request.action for r in spec.required), policies)


def probe_actions(needed: Iterable[str], policies: Iterable[Policy]) -> set[str]:
    """The actions worth probing: those ``needed``, and every action the Allow statements of
    ``policies`` name (wildcards expanded from the action catalog). A statement that allows
    every action (``*`` or NotAction) adds the sensitive actions and every action of the
    services already in play."""
    actions = set(needed)
    services = {a.split(":")[0].lower() for a in actions}
    wide = False
    for policy in policies:
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            if statement.action.negated or any(":" not in p for p in statement.action.patterns):
                wide = True
                continue
            for pattern in statement.action.patterns:
                found = actions_matching(pattern)[:_MOST_PER_PATTERN]
                actions.update(info.full_name for info in found)
                if not found and "*" not in pattern and "?" not in pattern:
                    actions.add(pattern)
                services.add(pattern.split(":")[0].lower())
    if wide:
        actions.update(SENSITIVE)
        for service in services:
            actions.update(
                i.full_name for i in actions_matching(f"{service}:*")[:_MOST_PER_PATTERN]
            )
    return actions


def _resources(spec: FixSpec, policies: Iterable[Policy]) -> set[str]:
    return probe_resources((r.request.resource for r in spec.required), policies)


def probe_resources(needed: Iterable[str], policies: Iterable[Policy]) -> set[str]:
    """The resources worth probing: those ``needed``, each moved to another name and another
    account (a grant wider than the task shows there), and every ARN the statements of
    ``policies`` name, with a wildcard filled in (:func:`made_up_resources`)."""
    needed, policies = list(needed), list(policies)
    found = set(needed) | made_up_resources(needed, policies)
    found.update(arn for arn in _named_arns(policies) if not _WILD.search(arn))
    return found


def _named_arns(policies: Iterable[Policy]) -> Iterable[str]:
    """Every ARN the statements of ``policies`` name in their Resource, but those holding a
    policy variable (whose value depends on who asks)."""
    for policy in policies:
        for statement in policy.statements:
            if statement.resource is not None:
                for entry in statement.resource.entries:
                    if entry.text.startswith("arn:") and "${" not in entry.text:
                        yield entry.text


def made_up_resources(needed: Iterable[str], policies: Iterable[Policy]) -> set[str]:
    """The ARNs the probes make up (a learner reads them in the feedback, so each looks like
    a real ARN, and no internal name shows): each ``needed`` ARN with another name
    (``function:other-web``, bucket ``other-reports``) and in another account, and each ARN
    of ``policies`` with its wildcards filled in by values the wildcard matches: a real
    region the task does not use (``eu-west-3``), another account (``999999999999``),
    ``other-function`` for a function's name. Each shows what the wildcard lets in."""
    needed = list(needed)
    used_regions = {p[3] for arn in needed if len(p := arn.split(":", 5)) == 6 and p[3]}
    found: set[str] = set()
    for arn in needed:
        parts = arn.split(":", 5)
        if len(parts) != 6:
            continue
        if parts[4]:
            found.add(":".join([*parts[:4], _OTHER_ACCOUNT, parts[5]]))
        found.add(":".join([*parts[:5], _renamed(parts[2], parts[5])]))
    found.update(_filled(arn, used_regions) for arn in _named_arns(policies) if _WILD.search(arn))
    return found


_OTHER = "other"
_WILD = re.compile(r"[*?]")
# Real regions a wildcard region is filled with, the first one the pattern matches that no
# needed ARN is in: eu-west-3 (Paris) is in no sandbox (iamlab.sandbox.models.REGIONS), so
# a request there is never one the story needs.
_PROBE_REGIONS = (
    "eu-west-3",
    "us-west-2",
    "us-east-2",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ca-central-1",
    "sa-east-1",
    "us-east-1",
    "eu-west-1",
)
_FIELD_VALUES = {1: ("aws",), 2: ("s3", "iam", "lambda", "ec2")}  # partition, service


def _renamed(service: str, rest: str) -> str:
    """The resource part of an ARN with another name: the bucket's for S3 (``other-reports``
    or ``other-reports/q1.csv``), the last name otherwise (``role/other-DeployRole``)."""
    if service == "s3":
        return f"{_OTHER}-{rest}"
    head, sep, name = _split_last(rest)
    return f"{head}{sep}{_OTHER}-{name}"


def _split_last(rest: str) -> tuple[str, str, str]:
    """``function:web`` → (``function``, ``:``, ``web``); ``role/a/b`` → (``role/a``,
    ``/``, ``b``); a part with no separator is all name."""
    cut = max(rest.rfind("/"), rest.rfind(":"))
    return (rest[:cut], rest[cut], rest[cut + 1 :]) if cut >= 0 else ("", "", rest)


def _filled(arn: str, used_regions: set[str]) -> str:
    """``arn`` with each wildcard filled in by a value it matches that reads as real."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return _fill_name(arn, "resource")
    out = list(parts)
    for i in (1, 2):
        if _WILD.search(parts[i]):
            out[i] = next(
                (v for v in _FIELD_VALUES[i] if fnmatch.fnmatchcase(v, parts[i])),
                _fill_name(parts[i], _OTHER),
            )
    if _WILD.search(parts[3]):
        fits = [r for r in _PROBE_REGIONS if fnmatch.fnmatchcase(r, parts[3])]
        other = [r for r in fits if r not in used_regions]
        out[3] = (other or fits)[0] if fits else _fill_name(parts[3], _OTHER)
    if _WILD.search(parts[4]):
        # Another account: the pattern's digits, nines for the rest (12 digits in all).
        nines = "9" * max(12 - len(parts[4].replace("*", "")), 0)
        out[4] = parts[4].replace("*", nines, 1).replace("*", "").replace("?", "9")
    out[5] = _fill_resource(parts[2], parts[5])
    return ":".join(out)


def _fill_resource(service: str, rest: str) -> str:
    """The resource part with each wildcard name filled in: a whole name becomes
    ``other-`` and its type (``function:other-function``, ``role/other-role``, S3's
    ``other-bucket`` and ``reports/other-object``); a partial one ``other``
    (``web-*`` → ``web-other``)."""
    if not _WILD.search(rest):
        return rest
    tokens = re.split(r"([:/])", rest)
    kind = tokens[0] if len(tokens) > 1 and not _WILD.search(tokens[0]) else ""
    out = []
    for i, token in enumerate(tokens):
        if i % 2 or not _WILD.search(token):
            out.append(token)
            continue
        if service == "s3":
            what = "bucket" if i == 0 else "object"
        else:
            what = kind if kind and i > 0 else "resource"
        out.append(_fill_name(token, f"{_OTHER}-{what}"))
    return "".join(out)


def _fill_name(text: str, whole: str) -> str:
    """``text`` with ``*`` filled in: ``whole`` when it is the whole text, else ``other``
    joined with a hyphen (``web*`` → ``web-other``); ``?`` becomes ``x``."""
    if text == "*":
        return whole

    def star(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        left = "-" if before.isalnum() else ""
        right = "-" if after.isalnum() else ""
        return f"{left}{_OTHER}{right}"

    return re.sub(r"\*+", star, text).replace("?", "x")
