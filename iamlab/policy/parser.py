"""From JSON text to a :class:`Policy`, checking the grammar AWS documents.

Source: IAM User Guide, "Grammar of the IAM JSON policy language" (reference_policies_grammar)
and the element pages (reference_policies_elements_*). Problems IAM itself refuses
(MalformedPolicyDocument) are *blocking*: :func:`parse_policy` raises. Everything else is
reported as a finding and the policy still evaluates, as it would in AWS.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any

from .conditions import Condition, ParsedOperator, parse_operator
from .findings import Finding, Location, PolicyError, Severity
from .jsonsource import (
    JArray,
    JNode,
    JObject,
    JScalar,
    JSONSyntaxError,
    Source,
    Span,
    from_python,
    parse_json,
    parse_stored_document,
    to_python,
)
from .model import (
    ActionSpec,
    Effect,
    Policy,
    PolicyType,
    PrincipalSpec,
    ResourceEntry,
    ResourceSpec,
    Statement,
)

__all__ = ["parse_policy", "policy_findings"]

DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
TOP_LEVEL = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")
VERSIONS = ("2012-10-17", "2008-10-17")
PARTITIONS = (
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
)
_STATEMENT_ELEMENTS = frozenset(STATEMENT_KEYS)
_EFFECTS = {"Allow": Effect.ALLOW, "Deny": Effect.DENY}  # Effect("Allow") is a slow call
_ALLOWED_TEXT = re.compile(r"[^\t\n\r\x20-\xff]")
_ACCOUNT = re.compile(r"\d{12}")
_IAM_SID = re.compile(r"[A-Za-z0-9]+")
# An action as IAM accepts it, "*" or service:Action, the rule of _action_format_problem in one
# regex: a statement's actions are checked in one pass in C, and only a list with a bad one
# is gone through again to say which and why.
_WELL_FORMED_ACTION = re.compile(r"\*|[^:*?]+:[^:]*")


class _Ctx:
    """Collects findings while one document is being read."""

    def __init__(self, source: Source | None, type_: PolicyType) -> None:
        self.source = source
        self.type = type_
        self.findings: list[Finding] = []

    def location(self, span: Span | None) -> Location | None:
        if span is None or self.source is None:
            return None
        return self.source.location(span)

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        path: str,
        span: Span | None,
        *,
        blocking: bool = False,
        page: str = "",
    ) -> None:
        self.findings.append(
            Finding(
                severity,
                code,
                message,
                path,
                self.location(span),
                blocking,
                DOC + page if page else "",
            )
        )

    def block(
        self,
        code: str,
        message: str,
        path: str,
        span: Span | None,
        page: str = "reference_policies_grammar.html",
    ) -> None:
        self.add(Severity.ERROR, code, message, path, span, blocking=True, page=page)


def _kind(node: JNode) -> str:
    if isinstance(node, JObject):
        return "an object"
    if isinstance(node, JArray):
        return "a list"
    value = node.value
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    return "a number"


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f' Element names are case-sensitive: write "{lowered[word.lower()]}".'
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


def _strings(ctx: _Ctx, node: JNode, path: str, what: str) -> list[tuple[str, Span | None]]:
    """A string or a list of strings (AWS accepts a single value without brackets)."""
    if isinstance(node, JScalar) and isinstance(node.value, str):
        return [(node.value, node.span)]
    if isinstance(node, JArray):
        items = node.items
        out = [
            (item.value, item.span)
            for item in items
            if isinstance(item, JScalar) and isinstance(item.value, str)
        ]
        if len(out) < len(items):  # rare: a finding for each value that is not a string
            for i, item in enumerate(items):
                if not (isinstance(item, JScalar) and isinstance(item.value, str)):
                    ctx.block(
                        "INVALID_TYPE",
                        f"Each {what} must be a string, but this one is {_kind(item)}.",
                        f"{path}[{i}]",
                        item.span,
                    )
        return out
    ctx.block(
        "INVALID_TYPE",
        f"{what.capitalize()} must be a string or a list of strings, not {_kind(node)}.",
        path,
        node.span,
    )
    return []


def _condition_values(ctx: _Ctx, node: JNode, path: str) -> list[str]:
    """Condition values: strings, numbers or booleans, alone or in a list (compared as text)."""
    items = node.items if isinstance(node, JArray) else (node,)
    values: list[str] = []
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]" if isinstance(node, JArray) else path
        if isinstance(item, JScalar) and item.value is not None:
            if isinstance(item.value, bool):
                values.append("true" if item.value else "false")
            else:
                values.append(item.raw if not isinstance(item.value, str) else item.value)
        else:
            ctx.block(
                "INVALID_TYPE",
                f"A condition value must be a string, number or boolean "
                f"(or a list of them), not {_kind(item)}.",
                item_path,
                item.span,
                "reference_policies_elements_condition.html",
            )
    return values


def _read_statement(
    ctx: _Ctx, node: JNode, index: int, path: str, variables_enabled: bool, sids: dict[str, str]
) -> Statement | None:
    type_ = ctx.type
    if not isinstance(node, JObject):
        ctx.block(
            "INVALID_TYPE",
            f"Each statement must be a JSON object, not {_kind(node)}.",
            path,
            node.span,
        )
        return None
    for member in node.duplicates:
        ctx.block(
            "DUPLICATE_KEY",
            f'"{member.key}" appears twice in this statement; IAM rejects duplicate keys.',
            f"{path}.{member.key}",
            member.key_span,
        )
    # The elements by name, gathered once: each is asked for more than once below.
    elements: dict[str, JNode] = {}
    for member in node.members:
        elements[member.key] = member.value
        if member.key not in _STATEMENT_ELEMENTS:
            ctx.block(
                "UNKNOWN_ELEMENT",
                f'"{member.key}" is not a statement element.'
                + _suggest(member.key, STATEMENT_KEYS),
                f"{path}.{member.key}",
                member.key_span,
            )
    ok = True

    # Sid
    sid: str | None = None
    sid_node = elements.get("Sid")
    if sid_node is not None:
        if isinstance(sid_node, JScalar) and isinstance(sid_node.value, str):
            sid = sid_node.value
            if type_.is_iam and sid and not _IAM_SID.fullmatch(sid):
                ctx.block(
                    "INVALID_SID",
                    f'IAM accepts only letters and digits in a Sid; "{sid}" has other characters.',
                    f"{path}.Sid",
                    sid_node.span,
                    "reference_policies_elements_sid.html",
                )
            if sid in sids:
                if type_.is_iam:
                    ctx.block(
                        "DUPLICATE_SID",
                        f'The Sid "{sid}" is already used by '
                        f"{sids[sid]}; Sids must be unique in a policy.",
                        f"{path}.Sid",
                        sid_node.span,
                        "reference_policies_elements_sid.html",
                    )
                else:
                    ctx.add(
                        Severity.WARNING,
                        "DUPLICATE_SID",
                        f'The Sid "{sid}" is already used by {sids[sid]}.',
                        f"{path}.Sid",
                        sid_node.span,
                    )
            sids.setdefault(sid, f"statement {index + 1}")
        else:
            ctx.block(
                "INVALID_TYPE",
                f"Sid must be a string, not {_kind(sid_node)}.",
                f"{path}.Sid",
                sid_node.span,
            )

    # Effect
    effect: Effect | None = None
    effect_node = elements.get("Effect")
    if effect_node is None:
        ctx.block(
            "MISSING_EFFECT",
            'This statement has no Effect: add "Effect": "Allow" or "Effect": "Deny".',
            path,
            node.span,
            "reference_policies_elements_effect.html",
        )
        ok = False
    elif isinstance(effect_node, JScalar) and effect_node.value in _EFFECTS:
        effect = _EFFECTS[effect_node.value]
    else:
        shown = effect_node.value if isinstance(effect_node, JScalar) else _kind(effect_node)
        hint = (
            " Effect is case-sensitive."
            if isinstance(shown, str) and shown.lower() in ("allow", "deny")
            else ""
        )
        ctx.block(
            "INVALID_EFFECT",
            f'Effect must be exactly "Allow" or "Deny", not '
            f"{json.dumps(shown) if isinstance(shown, str) else shown}.{hint}",
            f"{path}.Effect",
            effect_node.span,
            "reference_policies_elements_effect.html",
        )
        ok = False

    # Action / NotAction
    action: ActionSpec | None = None
    has_action, has_not_action = "Action" in elements, "NotAction" in elements
    if has_action and has_not_action:
        ctx.block(
            "ACTION_AND_NOTACTION",
            "A statement can have Action or NotAction, not both.",
            path,
            node.span,
            "reference_policies_elements_notaction.html",
        )
        ok = False
    elif not (has_action or has_not_action):
        ctx.block(
            "MISSING_ACTION",
            "Policy statement must contain actions: add an Action (or NotAction) element.",
            path,
            node.span,
            "reference_policies_elements_action.html",
        )
        ok = False
    else:
        element = "Action" if has_action else "NotAction"
        action_node = elements.get(element)
        assert action_node is not None
        patterns = _strings(ctx, action_node, f"{path}.{element}", "action")
        if isinstance(action_node, JArray) and not action_node.items:
            ctx.block(
                "EMPTY_ACTION",
                f"{element} is an empty list: name at least one action.",
                f"{path}.{element}",
                action_node.span,
            )
            ok = False
        names = [p for p, _ in patterns]
        if not all(map(_WELL_FORMED_ACTION.fullmatch, names)):  # rare: say which, and why
            for i, (pattern, span) in enumerate(patterns):
                problem = _action_format_problem(pattern)
                if problem is not None:
                    ctx.block(
                        "INVALID_ACTION_FORMAT",
                        problem,
                        _item_path(path, element, action_node, i),
                        span,
                        "reference_policies_elements_action.html",
                    )
        action = ActionSpec(tuple(names), element == "NotAction")

    # Resource / NotResource
    resource: ResourceSpec | None = None
    has_res, has_not_res = "Resource" in elements, "NotResource" in elements
    if type_ is PolicyType.TRUST:
        if has_res or has_not_res:
            element = "Resource" if has_res else "NotResource"
            member_node = elements.get(element)
            ctx.block(
                "TRUST_POLICY_RESOURCE",
                f"A role trust policy has no {element} element: the resource is the role itself.",
                f"{path}.{element}",
                member_node.span if member_node else None,
                "reference_policies_elements_resource.html",
            )
    elif has_res and has_not_res:
        ctx.block(
            "RESOURCE_AND_NOTRESOURCE",
            "A statement can have Resource or NotResource, not both.",
            path,
            node.span,
            "reference_policies_elements_notresource.html",
        )
        ok = False
    elif not (has_res or has_not_res):
        ctx.block(
            "MISSING_RESOURCE",
            "Policy statement must contain resources: add a Resource "
            'element ("*" for every resource).',
            path,
            node.span,
            "reference_policies_elements_resource.html",
        )
        ok = False
    else:
        element = "Resource" if has_res else "NotResource"
        resource_node = elements.get(element)
        assert resource_node is not None
        entries = _strings(ctx, resource_node, f"{path}.{element}", "resource")
        if isinstance(resource_node, JArray) and not resource_node.items:
            ctx.block(
                "EMPTY_RESOURCE",
                f'{element} is an empty list: name at least one resource, or "*".',
                f"{path}.{element}",
                resource_node.span,
            )
            ok = False
        for i, (text, span) in enumerate(entries):
            if text != "*":  # nothing to check: its path is not written either
                _check_resource_syntax(ctx, text, _item_path(path, element, resource_node, i), span)
        resource = ResourceSpec(
            tuple([ResourceEntry.build(t, variables_enabled) for t, _ in entries]),
            element == "NotResource",
        )

    # Principal / NotPrincipal
    principal: PrincipalSpec | None = None
    has_p, has_np = "Principal" in elements, "NotPrincipal" in elements
    if has_p and has_np:
        ctx.block(
            "PRINCIPAL_AND_NOTPRINCIPAL",
            "A statement can have Principal or NotPrincipal, not both.",
            path,
            node.span,
            "reference_policies_elements_principal.html",
        )
        ok = False
    elif has_p or has_np:
        element = "Principal" if has_p else "NotPrincipal"
        principal_node = elements.get(element)
        assert principal_node is not None
        if not type_.has_principal:
            ctx.block(
                "UNSUPPORTED_PRINCIPAL",
                f"{'An' if type_.label[:1] in 'aeiou' else 'A'} {type_.label} cannot have a "
                f"{element} element: "
                f"it applies to whoever it is attached to. (Policy document should not "
                f"specify a principal.)",
                f"{path}.{element}",
                principal_node.span,
                "reference_policies_elements_principal.html",
            )
        elif has_np and type_ in (PolicyType.TRUST, PolicyType.RCP):
            ctx.block(
                "UNSUPPORTED_NOTPRINCIPAL",
                f"NotPrincipal is not allowed in a {type_.label}.",
                f"{path}.NotPrincipal",
                principal_node.span,
                "reference_policies_elements_notprincipal.html",
            )
        principal = _read_principal(ctx, principal_node, f"{path}.{element}", has_np)
        if principal is None:
            ok = False
    elif type_.has_principal:
        ctx.block(
            "MISSING_PRINCIPAL",
            f"A {type_.label} must say whom it applies to: add a Principal element.",
            path,
            node.span,
            "reference_policies_elements_principal.html",
        )
        ok = False

    # Condition
    conditions: list[Condition] = []
    condition_node = elements.get("Condition")
    if condition_node is not None:
        conditions = _read_conditions(ctx, condition_node, f"{path}.Condition", variables_enabled)

    # RCPs: only Deny, except AWS's own RCPFullAWSAccess (orgs_manage_policies_rcps_syntax).
    if type_ is PolicyType.RCP and effect is Effect.ALLOW:
        full_access = (
            action is not None
            and not action.negated
            and action.patterns == ("*",)
            and resource is not None
            and not resource.negated
            and [e.text for e in resource.entries] == ["*"]
            and principal is not None
            and principal.anyone
            and not conditions
        )
        if not full_access:
            ctx.block(
                "RCP_ALLOW",
                "A resource control policy can only deny: the one Allow "
                "is AWS's RCPFullAWSAccess, attached everywhere for you.",
                f"{path}.Effect",
                effect_node.span if effect_node else None,
            )
    if (
        type_ is PolicyType.RCP
        and principal is not None
        and not principal.negated
        and not (principal.anyone and len(principal.entries) == 1)
    ):
        ctx.block(
            "RCP_PRINCIPAL",
            'In a resource control policy the Principal must be "*"; '
            "narrow it with conditions such as aws:PrincipalOrgID instead.",
            f"{path}.Principal",
            None,
        )

    if not ok or effect is None or action is None:
        return None
    return Statement(
        index, sid, effect, action, resource, principal, tuple(conditions), ctx.source, node.span
    )


def _item_path(path: str, element: str, node: JNode, index: int) -> str:
    """Where the ``index``-th value of an element is ("Statement[0].Action[2]"), written only
    for a finding: a statement's values are many, its findings few."""
    return f"{path}.{element}" + (f"[{index}]" if isinstance(node, JArray) else "")


def _action_format_problem(pattern: str) -> str | None:
    """What is wrong with how an action is written (service:Action), or None
    (exactly when ``_WELL_FORMED_ACTION`` matches it)."""
    if pattern == "*":
        return None
    service, colon, name = pattern.partition(":")
    if not colon:
        return (
            f'"{pattern}" is not an action: actions are written service:Action, e.g. '
            f'"s3:GetObject" (Actions must be prefaced by a vendor).'
        )
    if ":" in name:
        return f'"{pattern}" has more than one colon; an action can contain only one.'
    if not service:
        return f'"{pattern}" has no service prefix before the colon.'
    if "*" in service or "?" in service:
        return f'"{pattern}": the service prefix cannot contain wildcards.'
    return None


def _check_resource_syntax(ctx: _Ctx, text: str, path: str, span: Span | None) -> None:
    page = "reference_policies_elements_resource.html"
    if text == "*":
        return
    if not text.startswith("arn:"):
        if ctx.type in (
            PolicyType.IDENTITY,
            PolicyType.BOUNDARY,
            PolicyType.SESSION,
            PolicyType.SCP,
        ):
            ctx.block(
                "INVALID_ARN", f'Resource "{text}" must be in ARN format or "*".', path, span, page
            )
        else:
            ctx.add(
                Severity.ERROR,
                "INVALID_ARN",
                f'Resource "{text}" is not an ARN: resources '
                f'are written arn:partition:service:region:account:resource, or "*".',
                path,
                span,
                page=page,
            )
        return
    parts = text.split(":", 5)
    partition = parts[1] if len(parts) > 1 else ""
    if partition and partition not in PARTITIONS and not any(c in partition for c in "*?$"):
        ctx.block(
            "INVALID_PARTITION",
            f'Partition "{partition}" is not valid for resource '
            f'"{text}": use aws, aws-cn or aws-us-gov.',
            path,
            span,
            "reference-arns.html",
        )
    if len(parts) > 2 and any(c in parts[2] for c in "*?"):
        ctx.block(
            "INVALID_ARN_SERVICE",
            f"Resource vendor must be fully qualified and cannot "
            f'contain wildcards: "{parts[2]}" in "{text}".',
            path,
            span,
            page,
        )


def _read_principal(ctx: _Ctx, node: JNode, path: str, negated: bool) -> PrincipalSpec | None:
    page = "reference_policies_elements_principal.html"
    if isinstance(node, JScalar) and node.value == "*":
        return PrincipalSpec((("AWS", "*"),), negated)
    if not isinstance(node, JObject):
        ctx.block(
            "INVALID_PRINCIPAL",
            'Principal must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}.',
            path,
            node.span,
            page,
        )
        return None
    entries: list[tuple[str, str]] = []
    for member in node.duplicates:
        ctx.block(
            "DUPLICATE_KEY",
            f'"{member.key}" appears twice in the principal.',
            f"{path}.{member.key}",
            member.key_span,
            page,
        )
    if not node.members:
        ctx.block(
            "EMPTY_PRINCIPAL",
            "The principal object is empty: name at least one principal.",
            path,
            node.span,
            page,
        )
        return None
    for member in node.members:
        key_path = f"{path}.{member.key}"
        if member.key not in PRINCIPAL_KEYS:
            ctx.block(
                "INVALID_PRINCIPAL_KEY",
                f'"{member.key}" is not a principal type: use '
                f"AWS, Service, Federated or CanonicalUser." + _suggest(member.key, PRINCIPAL_KEYS),
                key_path,
                member.key_span,
                page,
            )
            continue
        for value, span in _strings(ctx, member.value, key_path, "principal"):
            entries.append((member.key, value))
            _check_principal_value(ctx, member.key, value, key_path, span)
    return PrincipalSpec(tuple(entries), negated)


def _check_principal_value(ctx: _Ctx, kind: str, value: str, path: str, span: Span | None) -> None:
    page = "reference_policies_elements_principal.html"
    if kind == "AWS":
        if value == "*" or _ACCOUNT.fullmatch(value):
            return
        if value.startswith("arn:"):
            if "*" in value or "?" in value:
                ctx.block(
                    "PRINCIPAL_WILDCARD",
                    f'"{value}": a principal ARN cannot contain '
                    f'wildcards. Use "*" with a condition on aws:PrincipalArn '
                    f"(ArnLike) instead.",
                    path,
                    span,
                    page,
                )
                return
            parts = value.split(":", 5)
            if len(parts) < 6 or parts[2] not in ("iam", "sts") or not _ACCOUNT.fullmatch(parts[4]):
                ctx.block(
                    "INVALID_PRINCIPAL",
                    f'"{value}" is not a valid AWS principal: use an '
                    f"account ID, or the ARN of an account root, user, role, assumed-role "
                    f"session or federated user.",
                    path,
                    span,
                    page,
                )
            elif parts[2] == "iam" and parts[5].startswith("group/"):
                ctx.block(
                    "GROUP_PRINCIPAL",
                    f'"{value}" names a user group, which cannot be a principal: groups '
                    f"carry permissions, they do not sign in. Name the users, or the account.",
                    path,
                    span,
                    page,
                )
            return
        if re.fullmatch(r"A[A-Z]{3}[A-Z0-9]{4,}", value):
            return  # a unique ID: what IAM shows after the named user or role was deleted
        ctx.block(
            "INVALID_PRINCIPAL",
            f'"{value}" is not a valid AWS principal: use "*", a '
            f"12-digit account ID or an IAM/STS ARN.",
            path,
            span,
            page,
        )
    elif kind == "Service":
        if "*" in value:
            ctx.block(
                "SERVICE_WILDCARD",
                'A Service principal cannot be "*" or contain wildcards.',
                path,
                span,
                page,
            )
        elif not re.fullmatch(
            r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?|[a-z0-9.-]+\.aws\.internal", value, re.IGNORECASE
        ):
            ctx.add(
                Severity.ERROR,
                "INVALID_SERVICE_PRINCIPAL",
                f'"{value}" does not look '
                f'like a service principal, which is written like "ec2.amazonaws.com".',
                path,
                span,
                page=page,
            )
    elif kind == "Federated" and ctx.type is not PolicyType.TRUST:
        ctx.add(
            Severity.ERROR,
            "FEDERATED_OUTSIDE_TRUST",
            "Federated principals work only in role trust policies.",
            path,
            span,
            page=page,
        )


def _read_conditions(ctx: _Ctx, node: JNode, path: str, variables_enabled: bool) -> list[Condition]:
    page = "reference_policies_elements_condition_operators.html"
    if not isinstance(node, JObject):
        ctx.block(
            "INVALID_CONDITION",
            f"Condition must be an object such as "
            f'{{"StringEquals": {{"aws:username": "alice"}}}}, not {_kind(node)}.',
            path,
            node.span,
            page,
        )
        return []
    for member in node.duplicates:
        ctx.block(
            "DUPLICATE_KEY",
            f'The operator "{member.key}" appears twice in this '
            f"Condition; put all its keys in one block.",
            f"{path}.{member.key}",
            member.key_span,
            page,
        )
    conditions: list[Condition] = []
    for member in node.members:
        op_path = f"{path}.{member.key}"
        operator = parse_operator(member.key)
        if operator is None and member.key.split(":")[-1].lower() == "nullifexists":
            ctx.block(
                "NULL_WITH_IF_EXISTS",
                f'"{member.key}": Null cannot take IfExists. Null already asks whether the key '
                f'is in the request ("true": it is absent); use "Null" alone.',
                op_path,
                member.key_span,
                page,
            )
            continue
        if operator is None:
            ctx.block(
                "UNKNOWN_OPERATOR",
                f'"{member.key}" is not a condition operator.' + _suggest_operator(member.key),
                op_path,
                member.key_span,
                page,
            )
            continue
        if not operator.spelled_as_aws:
            ctx.block(
                "OPERATOR_CASE",
                f'Write the operator as AWS spells it: "{operator.canonical}", not "{member.key}".',
                op_path,
                member.key_span,
                page,
            )
        if not isinstance(member.value, JObject):
            ctx.block(
                "INVALID_CONDITION",
                f'The operator "{member.key}" must map condition '
                f'keys to values, e.g. {{"aws:username": "alice"}}.',
                op_path,
                member.value.span,
                page,
            )
            continue
        for dup in member.value.duplicates:
            ctx.block(
                "DUPLICATE_KEY",
                f'The key "{dup.key}" appears twice under "{member.key}".',
                f"{op_path}.{dup.key}",
                dup.key_span,
                page,
            )
        if not member.value.members:
            ctx.add(
                Severity.WARNING,
                "EMPTY_CONDITION",
                f'"{member.key}" has no condition keys, so it has no effect.',
                op_path,
                member.value.span,
                page=page,
            )
        for key_member in member.value.members:
            key_path = f"{op_path}.{key_member.key}"
            if ":" not in key_member.key:
                ctx.block(
                    "INVALID_CONDITION_KEY",
                    f'"{key_member.key}" is not a condition key: '
                    f"keys are written prefix:name, e.g. aws:SourceIp (Conditions must be "
                    f"prefaced by a vendor).",
                    key_path,
                    key_member.key_span,
                    "reference_policies_condition-keys.html",
                )
                continue
            values = _condition_values(ctx, key_member.value, key_path)
            if isinstance(key_member.value, JArray) and not key_member.value.items:
                _report_empty_values(ctx, operator, key_member.key, key_path, key_member.value.span)
            location = ctx.location(
                Span(key_member.key_span.start, key_member.value.span.end)
                if key_member.key_span and key_member.value.span
                else None
            )
            conditions.append(
                Condition.build(operator, key_member.key, values, variables_enabled, location)
            )
    return conditions


def _report_empty_values(
    ctx: _Ctx, operator: ParsedOperator, key: str, path: str, span: Span | None
) -> None:
    """Access Analyzer's Suggestions - Empty array condition, Empty array condition ForAllValues,
    Empty array condition ForAnyValue, Empty array condition IfExists."""
    if operator.set_op == "ForAllValues":
        code = "EMPTY_ARRAY_CONDITION_FORALLVALUES"
        text = (
            f"With no values, {operator.written} matches only when {key} is absent from the "
            f'request. To test that, write {{"Null": {{"{key}": "true"}}}}.'
        )
    elif operator.set_op == "ForAnyValue":
        code = "EMPTY_ARRAY_CONDITION_FORANYVALUE"
        text = (
            f"With no values, {operator.written} never matches, so this statement never "
            f"applies. Give {key} the values you mean."
        )
    elif operator.if_exists:
        code = "EMPTY_ARRAY_CONDITION_IFEXISTS"
        text = (
            f"With no values, {operator.written} matches only when {key} is absent from the "
            f'request. To test that, write {{"Null": {{"{key}": "true"}}}}.'
        )
    else:
        code = "EMPTY_ARRAY_CONDITION"
        text = (
            f"{key} has an empty list of values, so this condition compares the request with "
            f"nothing. Give it the values you mean."
        )
    ctx.add(
        Severity.SUGGESTION,
        code,
        text,
        path,
        span,
        page="access-analyzer-reference-policy-checks.html",
    )


def _suggest_operator(word: str) -> str:
    from .conditions import BASE_OPERATORS

    names = tuple(spec.name for spec in BASE_OPERATORS.values())
    base = word.split(":")[-1]
    close = difflib.get_close_matches(base, names, n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


def _read_document(
    ctx: _Ctx, root: JNode, name: str
) -> tuple[tuple[Statement, ...], str | None, str | None]:
    if not isinstance(root, JObject):
        ctx.block(
            "INVALID_TYPE",
            f"A policy is a JSON object with a Statement, not {_kind(root)}.",
            "",
            root.span,
        )
        return (), None, None
    for member in root.duplicates:
        ctx.block(
            "DUPLICATE_KEY",
            f'"{member.key}" appears twice at the top of the policy.',
            member.key,
            member.key_span,
        )
    for member in root.members:
        if member.key not in TOP_LEVEL:
            ctx.block(
                "UNKNOWN_ELEMENT",
                f'"{member.key}" is not a policy element: a policy has '
                f"Version, Id and Statement." + _suggest(member.key, TOP_LEVEL),
                member.key,
                member.key_span,
            )
    version: str | None = None
    version_node = root.get("Version")
    if version_node is None:
        ctx.add(
            Severity.WARNING,
            "MISSING_VERSION",
            "There is no Version, so AWS uses "
            "2008-10-17, where policy variables such as ${aws:username} are plain text. "
            'Add "Version": "2012-10-17".',
            "",
            root.span,
            page="reference_policies_elements_version.html",
        )
    elif isinstance(version_node, JScalar) and version_node.value in VERSIONS:
        version = str(version_node.value)
        if version == "2008-10-17":
            ctx.add(
                Severity.WARNING,
                "OLD_VERSION",
                "Version 2008-10-17 is the old policy "
                'language: policy variables are plain text. Use "2012-10-17".',
                "Version",
                version_node.span,
                page="reference_policies_elements_version.html",
            )
    else:
        shown = version_node.value if isinstance(version_node, JScalar) else _kind(version_node)
        ctx.block(
            "INVALID_VERSION",
            f'Version must be "2012-10-17" (or the older '
            f'"2008-10-17"), not {json.dumps(shown) if isinstance(shown, str) else shown}.'
            f" The Version is a fixed date naming the policy language, not your policy's "
            f"version.",
            "Version",
            version_node.span,
            "reference_policies_elements_version.html",
        )
    policy_id: str | None = None
    id_node = root.get("Id")
    if id_node is not None:
        if isinstance(id_node, JScalar) and isinstance(id_node.value, str):
            policy_id = id_node.value
            if ctx.type in (PolicyType.IDENTITY, PolicyType.BOUNDARY):
                ctx.add(
                    Severity.SUGGESTION,
                    "ID_IN_IDENTITY_POLICY",
                    "IAM ignores Id in "
                    "identity-based policies; it is meant for resource-based policies.",
                    "Id",
                    id_node.span,
                    page="reference_policies_elements_id.html",
                )
        else:
            ctx.block(
                "INVALID_TYPE", f"Id must be a string, not {_kind(id_node)}.", "Id", id_node.span
            )
    statement_node = root.get("Statement")
    if statement_node is None:
        ctx.block(
            "MISSING_STATEMENT",
            'The policy has no Statement: add "Statement": [ ... ] with at least one statement.',
            "",
            root.span,
            "reference_policies_elements_statement.html",
        )
        return (), version, policy_id
    items: tuple[JNode, ...]
    if isinstance(statement_node, JArray):
        items = statement_node.items
        if not items:
            ctx.block(
                "EMPTY_STATEMENT",
                "Statement is an empty list: add at least one statement.",
                "Statement",
                statement_node.span,
                "reference_policies_elements_statement.html",
            )
    elif isinstance(statement_node, JObject):
        items = (statement_node,)
    else:
        ctx.block(
            "INVALID_TYPE",
            f"Statement must be an object or a list of objects, not {_kind(statement_node)}.",
            "Statement",
            statement_node.span,
            "reference_policies_elements_statement.html",
        )
        return (), version, policy_id
    statements: list[Statement] = []
    sids: dict[str, str] = {}
    variables_enabled = version == "2012-10-17"
    for index, item in enumerate(items):
        path = f"Statement[{index}]" if isinstance(statement_node, JArray) else "Statement"
        statement = _read_statement(ctx, item, index, path, variables_enabled, sids)
        if statement is not None:
            statements.append(statement)
    return tuple(statements), version, policy_id


def _decode(
    text_or_dict: str | bytes | Mapping[str, Any],
    ctx_holder: list[_Ctx],
    type_: PolicyType,
    stored: bool = False,
) -> tuple[JNode | None, str | None, Source | None, Any]:
    """The document's nodes, text, source and plain value (the policy's ``document``)."""
    if isinstance(text_or_dict, Mapping):
        ctx_holder.append(_Ctx(None, type_))
        try:
            root = from_python(dict(text_or_dict))
        except TypeError as error:
            ctx_holder[0].block(
                "INVALID_TYPE", f"The policy contains a value that is not JSON: {error}.", "", None
            )
            return None, None, None, None
        return root, None, None, to_python(root)
    if isinstance(text_or_dict, bytes):
        try:
            text = text_or_dict.decode("utf-8")
        except UnicodeDecodeError as error:
            ctx_holder.append(_Ctx(None, type_))
            ctx_holder[0].block(
                "INVALID_ENCODING", f"The policy is not UTF-8 text (byte {error.start}).", "", None
            )
            return None, None, None, None
    else:
        text = text_or_dict
    try:
        if stored:  # json has built the plain value already: it is kept, not built again
            root, source, document = parse_stored_document(text)
        else:
            root, source = parse_json(text)
            document = to_python(root)
    except JSONSyntaxError as error:
        ctx = _Ctx(Source(text), type_)
        ctx_holder.append(ctx)
        ctx.findings.append(
            Finding(
                Severity.ERROR,
                "JSON_SYNTAX",
                f"Invalid JSON: {error.message}.",
                "",
                Location(error.line, error.column, error.line, error.column + 1),
                True,
                DOC + "reference_policies_grammar.html",
            )
        )
        return None, text, None, None
    ctx = _Ctx(source, type_)
    ctx_holder.append(ctx)
    # Text that reads as JSON holds no control character outside tab and line breaks (not even
    # in a string), so ASCII text has nothing to find: the search is for other text only.
    bad = None if text.isascii() else _ALLOWED_TEXT.search(text)
    if bad is not None:
        ctx.block(
            "INVALID_CHARACTER",
            f"The policy contains the character "
            f"{bad.group()!r} (U+{ord(bad.group()):04X}); IAM policies may use only tab, "
            f"line breaks and the characters U+0020 to U+00FF.",
            "",
            Span(bad.start(), bad.end()),
            "reference_iam-quotas.html",
        )
    return root, text, source, document


def policy_findings(
    text_or_dict: str | bytes | Mapping[str, Any],
    type_: PolicyType,
    *,
    aws_managed: bool = False,
    checks: bool = True,
) -> tuple[Policy | None, list[Finding]]:
    """Parse and validate; never raises. Returns the policy (None if unusable) and findings.

    ``aws_managed``: an AWS managed policy (no size quota; retired services are suggestions).
    ``checks=False`` skips the Access-Analyzer-style checks and keeps only the grammar IAM
    enforces: for documents that were validated when they were saved and are now only read.
    """
    holder: list[_Ctx] = []
    root, text, source, document = _decode(text_or_dict, holder, type_, stored=not checks)
    ctx = holder[0]
    if root is None:
        return None, ctx.findings
    statements, version, policy_id = _read_document(ctx, root, "")
    policy = Policy(statements, type_, "", version, policy_id, (), text, source, document)
    if checks:
        # The checks beyond IAM's grammar load with the first policy that asks for them: a
        # process that only reads stored documents (a graph, a page) never imports them.
        from .semantics import semantic_findings

        ctx.findings.extend(
            semantic_findings(policy, root, ctx.location, text, aws_managed=aws_managed)
        )
    ctx.findings.sort(
        key=lambda f: (
            f.location.line if f.location else 0,
            f.location.column if f.location else 0,
            f.severity.rank,
        )
    )
    blocking = any(f.blocking for f in ctx.findings)
    return (None if blocking else policy), ctx.findings


def parse_policy(
    text_or_dict: str | bytes | Mapping[str, Any],
    type: PolicyType | str = PolicyType.IDENTITY,  # noqa: A002 - mirrors AWS's PolicyType
    name: str = "",
    *,
    aws_managed: bool = False,
    checks: bool = True,
) -> Policy:
    """Parse and validate a policy; raise :class:`PolicyError` if IAM would refuse it.

    ``aws_managed`` marks an AWS managed policy (no size quota; retired services named in
    AWS's own documents are suggestions). ``checks=False`` keeps only IAM's grammar, for a
    stored document that was validated when it was saved: much faster on large documents.
    """
    type_ = type if isinstance(type, PolicyType) else PolicyType(type)  # a call to Enum is slow
    policy, findings = policy_findings(text_or_dict, type_, aws_managed=aws_managed, checks=checks)
    if policy is None:
        raise PolicyError(findings, name)
    if not (name or findings or aws_managed):
        return policy  # already nameless, without findings, customer managed: a new object
    return policy.renamed(name, tuple(findings), aws_managed)
