"""Access Analyzer's checks on a statement's Sid, Action and Resource, and on the whole Statement
list: redundancy, iam:PassRole and iam:CreateServiceLinkedRole reach, policy variable syntax.

Source: IAM User Guide, "IAM policy validation check reference"
(access-analyzer-reference-policy-checks); each function names the checks it implements.
Variables: reference_policies_variables.
"""

from __future__ import annotations

import json
import re

from .checks_common import CHECKS, DOC, Report, condition_entries, string_items
from .findings import Severity
from .jsonsource import JArray, JNode, JObject, JScalar
from .model import PolicyType
from .wildcards import action_regex

__all__ = ["check_redundant_statements", "check_statement"]

VARIABLES_PAGE = DOC + "reference_policies_variables.html"
_ANCHOR = CHECKS + "#access-analyzer-reference-policy-checks-"
# What may stand inside ${...}: a key (letters, digits and the characters of tag keys) and an
# optional default after ", ". ${*}, ${?} and ${$} are the escapes for *, ? and $.
_KEY_CHARS = re.compile(r"[A-Za-z0-9_.:/+=@-]+")
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": "'", "\u201d": "'", '"': "'"}


def check_statement(
    out: Report,
    policy_type: PolicyType,
    node: JObject,
    path: str,
    allow: bool,
    variables_enabled: bool,
) -> None:
    _check_empty_sid(out, node, path)
    _check_empty_condition(out, node, path)
    _check_redundant_actions(out, node, path)
    _check_redundant_resources(out, node, path)
    _check_arn_service_case(out, node, path)
    if variables_enabled:
        _check_variable_syntax(out, node, path)
        _check_variable_elements(out, node, path)
    if allow and policy_type in (PolicyType.IDENTITY, PolicyType.SESSION):
        _check_broad_grant(out, policy_type, node, path, _PASS_ROLE)
        _check_broad_grant(out, policy_type, node, path, _CREATE_SLR)


def _check_empty_sid(out: Report, node: JObject, path: str) -> None:
    """Suggestion - Empty Sid value."""
    sid = node.get("Sid")
    if isinstance(sid, JScalar) and sid.value == "":
        out.add(
            Severity.SUGGESTION,
            "EMPTY_SID_VALUE",
            "The Sid is an empty string. Give the statement a name (letters and digits, e.g. "
            '"ReadReports"), or leave the Sid out.',
            f"{path}.Sid",
            sid.span,
            DOC + "reference_policies_elements_sid.html",
        )


def _check_empty_condition(out: Report, node: JObject, path: str) -> None:
    """Suggestion - Empty object condition."""
    condition = node.get("Condition")
    if isinstance(condition, JObject) and not condition.members:
        out.add(
            Severity.SUGGESTION,
            "EMPTY_OBJECT_CONDITION",
            "The Condition block is empty, so it changes nothing: add a condition such as "
            '{"Bool": {"aws:SecureTransport": "true"}}, or remove the Condition.',
            f"{path}.Condition",
            condition.span,
            DOC + "reference_policies_elements_condition.html",
        )


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _covers(wide: str, narrow: str, ignore_case: bool) -> bool:
    """Whether the pattern ``wide`` matches everything ``narrow`` does, judged safely: a plain
    ``narrow`` must match ``wide``; a pattern ``narrow`` must start with the fixed text of a
    ``wide`` that ends in its only ``*`` (``iam:*`` covers ``iam:Get*``)."""
    if ignore_case:
        wide, narrow = wide.lower(), narrow.lower()
    if wide == narrow or not _has_wildcard(wide):
        return False
    if not _has_wildcard(narrow):
        return (
            action_regex((wide,)).fullmatch(narrow) is not None
            if ignore_case
            else bool(re.fullmatch(_glob(wide), narrow, re.DOTALL))
        )
    head = wide[:-1]
    return wide.endswith("*") and not _has_wildcard(head) and narrow.startswith(head)


def _glob(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _check_redundant_actions(out: Report, node: JObject, path: str) -> None:
    """Suggestion - Redundant action (an action a wildcard of the same element already covers;
    an action listed twice is reported by validate's REDUNDANT_ACTION)."""
    items = list(string_items(node.get("Action"), f"{path}.Action"))
    for value, item_path, span in items:
        wider = next((w for w, _, _ in items if _covers(w, value, ignore_case=True)), None)
        if wider is not None:
            out.add(
                Severity.SUGGESTION,
                "REDUNDANT_ACTION",
                f'"{value}" is already covered by "{wider}" in this statement; remove it.',
                item_path,
                span,
                _ANCHOR + "suggestion-redundant-action",
            )


def _check_redundant_resources(out: Report, node: JObject, path: str) -> None:
    """Suggestion - Redundant resource (listed twice, or covered by a wildcard entry)."""
    element = "Resource" if node.get("Resource") is not None else "NotResource"
    items = list(string_items(node.get(element), f"{path}.{element}"))
    seen: set[str] = set()
    for value, item_path, span in items:
        if "${" in value:
            continue
        if value in seen:
            why = "is listed twice"
        else:
            wider = next(
                (w for w, _, _ in items if "${" not in w and _covers(w, value, ignore_case=False)),
                None,
            )
            why = f'is already covered by "{wider}"' if wider is not None else ""
        seen.add(value)
        if why:
            out.add(
                Severity.SUGGESTION,
                "REDUNDANT_RESOURCE",
                f'"{value}" {why} in this statement; remove it.',
                item_path,
                span,
                _ANCHOR + "suggestion-redundant-resource",
            )


def _check_arn_service_case(out: Report, node: JObject, path: str) -> None:
    """Error - Invalid ARN service case."""
    element = "Resource" if node.get("Resource") is not None else "NotResource"
    for value, item_path, span in string_items(node.get(element), f"{path}.{element}"):
        parts = value.split(":", 3)
        if len(parts) > 2 and parts[0] == "arn" and parts[2] != parts[2].lower():
            out.add(
                Severity.ERROR,
                "INVALID_ARN_SERVICE_CASE",
                f'The service in "{value}" is written "{parts[2]}"; ARNs spell it in lowercase '
                f'("{parts[2].lower()}"), and Resource is case-sensitive, so this matches '
                f"nothing.",
                item_path,
                span,
                DOC + "reference-arns.html",
            )


def _variables(text: str) -> list[tuple[str | None, str]]:
    """Each ``${`` of ``text``: (what is inside up to its ``}``, or None if unclosed; the raw)."""
    found: list[tuple[str | None, str]] = []
    start = text.find("${")
    while start != -1:
        end = text.find("}", start + 2)
        following = text.find("${", start + 2)
        if end == -1 or (following != -1 and following < end):
            found.append((None, text[start:]))
            start = following
            continue
        found.append((text[start + 2 : end], text[start : end + 1]))
        start = text.find("${", end + 1)
    return found


def _variable_problem(inner: str | None, raw: str) -> tuple[str, str] | None:
    """(code, message) for a badly written variable, or None."""
    if inner is None:
        return (
            "MISSING_BRACE_IN_VARIABLE",
            f'The policy variable "{raw}" has no closing brace: write it as ${{key}}, e.g. '
            f"${{aws:username}}.",
        )
    if inner in ("*", "?", "$"):
        return None
    if not inner.strip():
        return (
            "EMPTY_VARIABLE",
            f'"{raw}" is an empty policy variable: name a key inside the braces, e.g. '
            f"${{aws:username}}, or remove it.",
        )
    key, comma, default = inner.partition(",")
    if key != key.strip() or " " in key or "\t" in key:
        return (
            "UNSUPPORTED_SPACE_IN_VARIABLE",
            f'The policy variable "{raw}" has a space in its key; remove it '
            f"(a space is allowed only after the comma that starts a default).",
        )
    bad = [c for c in key if c in _QUOTES or not _KEY_CHARS.fullmatch(c)]
    if bad:
        return (
            "UNSUPPORTED_SYMBOL_IN_VARIABLE",
            f'The policy variable "{raw}" contains "{bad[0]}", which a key cannot contain; '
            f"remove it.",
        )
    if comma:
        value = default.strip()
        curly = next((c for c in value if c in _QUOTES), None)
        if curly is not None:
            return (
                "UNSUPPORTED_SYMBOL_IN_VARIABLE",
                f'The default in "{raw}" is quoted with {curly}; use straight single quotes: '
                f"${{{key}, 'default'}}.",
            )
        if len(value) < 2 or not (value.startswith("'") and value.endswith("'")):
            return (
                "MISSING_QUOTE_IN_VARIABLE",
                f"The default value in \"{raw}\" must be in single quotes: ${{{key}, 'default'}}.",
            )
    return None


def _check_variable_syntax(out: Report, node: JObject, path: str) -> None:
    """Error - Missing brace in variable, Unsupported symbol in variable, Missing quote in
    variable, Unsupported space in variable, Empty variable."""
    element = "Resource" if node.get("Resource") is not None else "NotResource"
    places = list(string_items(node.get(element), f"{path}.{element}"))
    for entry in condition_entries(node, path):
        places.extend(entry.texts)
    for text, item_path, span in places:
        for inner, raw in _variables(text):
            problem = _variable_problem(inner, raw)
            if problem is not None:
                code, message = problem
                out.add(Severity.ERROR, code, message, item_path, span, VARIABLES_PAGE)


def _check_variable_elements(out: Report, node: JObject, path: str) -> None:
    """Error - Variable unsupported in element (policy variables work in Resource and in
    Condition values only)."""
    for element in ("Action", "NotAction"):
        for text, item_path, span in string_items(node.get(element), f"{path}.{element}"):
            _report_variable_in_element(out, element, text, item_path, span)
    for element in ("Principal", "NotPrincipal"):
        principal = node.get(element)
        if not isinstance(principal, JObject):
            continue
        for member in principal.members:
            key_path = f"{path}.{element}.{member.key}"
            for text, item_path, span in string_items(member.value, key_path):
                _report_variable_in_element(out, element, text, item_path, span)


def _report_variable_in_element(
    out: Report, element: str, text: str, path: str, span: object
) -> None:
    match = re.search(r"\$\{[^}]*\}", text)
    if match is None or match.group() in ("${*}", "${?}", "${$}"):
        return
    out.add(
        Severity.ERROR,
        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        f'{element} cannot use policy variables: "{match.group()}" in "{text}" is not replaced. '
        f"Variables work in Resource and in Condition values.",
        path,
        span,  # type: ignore[arg-type]
        VARIABLES_PAGE,
    )


class _Grant:
    """A sensitive action and the words for the checks on how widely a statement grants it."""

    def __init__(
        self, action: str, severity: Severity, codes: dict[str, str], narrowing_key: str, what: str
    ) -> None:
        self.action = action
        self.severity = severity
        self.codes = codes
        self.narrowing_key = narrowing_key
        self.what = what


_PASS_ROLE = _Grant(
    "iam:PassRole",
    Severity.SECURITY_WARNING,
    {
        "NotResource": "PASS_ROLE_WITH_NOT_RESOURCE",
        "star action, NotResource": "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "NotAction, NotResource": "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        "star action, star resource": "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "NotAction, star resource": "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        "action, star resource": "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    },
    "iam:PassedToService",
    "hand roles (including admin roles) to services that run code with them",
)
_CREATE_SLR = _Grant(
    "iam:CreateServiceLinkedRole",
    Severity.WARNING,
    {
        "NotResource": "CREATE_SLR_WITH_NOT_RESOURCE",
        "star action, NotResource": "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "NotAction, NotResource": "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        "star action, star resource": "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "NotAction, star resource": "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        "action, star resource": "CREATE_SLR_WITH_STAR_IN_RESOURCE",
    },
    "iam:AWSServiceName",
    "create service-linked roles for services you did not mean",
)


def _check_broad_grant(
    out: Report, policy_type: PolicyType, node: JObject, path: str, grant: _Grant
) -> None:
    """Security Warning - Pass role with NotResource / with star in action and NotResource /
    with NotAction and NotResource / with star in resource / with star in action and resource /
    with star in resource and NotAction. General Warning - the six Create SLR checks, the same
    shapes for iam:CreateServiceLinkedRole."""
    keys = {e.key.lower() for e in condition_entries(node, path)}
    if grant.narrowing_key.lower() in keys:
        return
    action = grant.action.lower()
    not_action = node.get("NotAction") is not None
    patterns = [
        v.lower() for v, _, _ in string_items(node.get("NotAction" if not_action else "Action"), "")
    ]
    granting = [p for p in patterns if _covers_action(p, action)]
    if bool(granting) == not_action:
        return  # Action does not name it, or NotAction excludes it
    star_action = any(_has_wildcard(p) for p in granting)
    resources = node.get("Resource")
    resource_values = [v for v, _, _ in string_items(resources, "")]
    not_resource = node.get("NotResource")
    where: JNode | None
    if not_resource is not None:
        if not_action:
            shape = "NotAction, NotResource"
        else:
            shape = "star action, NotResource" if star_action else "NotResource"
        where, where_path = not_resource, f"{path}.NotResource"
    elif any(_has_wildcard(v) and _resource_could_be_role(v) for v in resource_values):
        if not_action:
            shape = "NotAction, star resource"
        else:
            shape = "star action, star resource" if star_action else "action, star resource"
        where, where_path = resources, f"{path}.Resource"
    else:
        return
    if (
        policy_type is PolicyType.IDENTITY
        and patterns == ["*"]
        and resource_values == ["*"]
        and node.get("Condition") is None
    ):
        return  # validate's FULL_ADMIN says it, and more
    if (
        grant is _PASS_ROLE
        and "*" in resource_values
        and any(p != "*" for p in granting)
        and not not_action
    ):
        return  # validate's PASS_ROLE_WITH_STAR_IN_RESOURCE
    code = grant.codes[shape]
    how = {
        "NotResource": f"{grant.action} with NotResource",
        "star action, NotResource": f"an action wildcard that includes {grant.action}, with "
        f"NotResource,",
        "NotAction, NotResource": f"NotAction (which does not exclude {grant.action}) with "
        f"NotResource",
        "star action, star resource": f"an action wildcard that includes {grant.action}, on "
        f"resources given with a wildcard,",
        "NotAction, star resource": f"NotAction (which does not exclude {grant.action}) on "
        f"resources given with a wildcard",
        "action, star resource": f"{grant.action} on resources given with a wildcard",
    }[shape]
    out.add(
        grant.severity,
        code,
        f"This statement allows {how} so it lets the principal {grant.what}. Name the "
        f"resources (ARNs) in Resource, or add a {grant.narrowing_key} condition.",
        where_path,
        where.span if where is not None else None,
        _ANCHOR
        + ("security-warning-" if grant is _PASS_ROLE else "general-warning-")
        + code.lower().replace("_", "-"),
    )


def _covers_action(pattern: str, action: str) -> bool:
    return action_regex((pattern,)).fullmatch(action) is not None


def _resource_could_be_role(value: str) -> bool:
    """A wildcard resource that can name an IAM role (``*``, ``arn:aws:iam::*:role/*``...)."""
    if value == "*":
        return True
    parts = value.split(":", 5)
    if len(parts) < 6:
        return value.endswith("*")
    return re.fullmatch(_glob(parts[2]), "iam") is not None and (
        parts[5][:1] in ("*", "?") or parts[5].startswith("role")
    )


def check_redundant_statements(out: Report, statements: list[tuple[str, JObject]]) -> None:
    """Suggestion - Redundant statement (the same statement twice, Sid aside)."""
    seen: dict[str, str] = {}
    for index, (path, node) in enumerate(statements):
        key = json.dumps(
            {m.key: _plain(m.value) for m in node.members if m.key != "Sid"}, sort_keys=True
        )
        if key in seen:
            out.add(
                Severity.SUGGESTION,
                "REDUNDANT_STATEMENT",
                f"This statement repeats {seen[key]} exactly; remove one of them (editing one "
                f"later and not the other is how policies drift).",
                path,
                node.span,
                _ANCHOR + "suggestion-redundant-statement",
            )
        else:
            seen[key] = f"statement {index + 1}"


def _plain(node: JNode) -> object:
    if isinstance(node, JObject):
        return {m.key: _plain(m.value) for m in node.members}
    if isinstance(node, JArray):
        return [_plain(i) for i in node.items]
    return node.value
