"""Access Analyzer's checks on a statement's Condition block that are about particular keys or
about how the block is written, not about a value's type (that is the operator families' job,
in :mod:`iamlab.policy.conditions`).

Source: IAM User Guide, "IAM policy validation check reference"
(access-analyzer-reference-policy-checks); each function names the checks it implements. Keys:
reference_policies_condition-keys (aws:SourceIp, aws:VpcSourceIp, aws:SourceVpc,
aws:SourceVpce, the tag keys); private address ranges: RFC 1918 and RFC 4193.
"""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal, InvalidOperation

from .checks_common import CHECKS, DOC, ConditionEntry, Report, condition_entries
from .conditions import Family, parse_operator
from .conditions.ip import is_private_network
from .findings import Severity
from .jsonsource import JArray, JObject, JScalar

__all__ = ["UNSUPPORTED_KEYS", "check_conditions", "is_tag_key_without_name"]

KEYS_PAGE = DOC + "reference_policies_condition-keys.html"
OPERATORS_PAGE = DOC + "reference_policies_elements_condition_operators.html"
_ANCHOR = CHECKS + "#access-analyzer-reference-policy-checks-"
UNSUPPORTED_KEYS = {"aws:arn": "aws:PrincipalArn or aws:SourceArn"}
_VPC = {
    "aws:sourcevpc": ("vpc-", "VPC", "INVALID_VPC_FORMAT"),
    "aws:sourcevpce": ("vpce-", "VPC endpoint", "INVALID_VPCE_FORMAT"),
}
_TAG_KEY = re.compile(r"[a-z0-9-]+:(resourcetag|requesttag|principaltag)/?", re.IGNORECASE)
_PAIRED = {"aws:vpcsourceip": ("aws:SourceVpc", "aws:SourceVpce")}


def is_tag_key_without_name(key: str) -> bool:
    """``aws:ResourceTag`` or ``aws:RequestTag/`` without the tag key after the slash."""
    return _TAG_KEY.fullmatch(key) is not None


def check_conditions(out: Report, node: JObject, path: str, allow: bool, trust: bool) -> None:
    entries = condition_entries(node, path)
    _check_keys_differing_in_case(out, node, path)
    for entry in entries:
        op = parse_operator(entry.operator)
        _check_unsupported_key(out, entry)
        _check_missing_tag_key(out, entry)
        _check_mixed_json_types(out, entry)
        if op is None:
            continue
        family = op.spec.family
        if family is Family.BOOL:
            _check_multiple_booleans(out, entry)
        if family is Family.NULL and op.set_op is not None:
            _check_null_with_qualifier(out, entry, op.set_op)
        if family is Family.IP:
            _check_ip_ranges(out, entry, op.spec.negated)
        if family is Family.DATE:
            _check_epoch_dates(out, entry)
        if family is Family.NUMERIC and op.spec.test in ("lt", "le", "gt", "ge"):
            _check_redundant_numbers(out, entry, op.spec.test)
        if family is Family.STRING and op.spec.test in ("eq", "eq_ci"):
            _check_vpc_format(out, entry)
        if trust and op.set_op is not None:
            _check_audience_claim(out, entry, op.set_op)
    if allow:
        _check_paired_keys(out, entries)


def _check_keys_differing_in_case(out: Report, node: JObject, path: str) -> None:
    """Error - Duplicate keys with different case."""
    condition = node.get("Condition")
    if not isinstance(condition, JObject):
        return
    for op_member in condition.members:
        if not isinstance(op_member.value, JObject):
            continue
        first: dict[str, str] = {}
        for key_member in op_member.value.members:
            earlier = first.setdefault(key_member.key.lower(), key_member.key)
            if earlier != key_member.key:
                out.add(
                    Severity.ERROR,
                    "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                    f'"{key_member.key}" and "{earlier}" are the same condition key (key names '
                    f"ignore case), given twice under {op_member.key}. Keep one and put all "
                    f"its values in it.",
                    f"{path}.Condition.{op_member.key}.{key_member.key}",
                    key_member.key_span,
                    DOC + "reference_policies_elements_condition.html",
                )


def _check_unsupported_key(out: Report, entry: ConditionEntry) -> None:
    """Error - Unsupported global condition key; General Warning - Deprecated global condition
    key (both are about aws:ARN: one finding says both)."""
    instead = UNSUPPORTED_KEYS.get(entry.key.lower())
    if instead is not None:
        out.add(
            Severity.ERROR,
            "UNSUPPORTED_GLOBAL_CONDITION_KEY",
            f"{entry.key} is an old key AWS no longer supports: use {instead} (the ARN of "
            f"the caller, or of the resource a service acts for).",
            entry.path,
            entry.key_span,
            KEYS_PAGE,
        )


def _check_missing_tag_key(out: Report, entry: ConditionEntry) -> None:
    """Error - Missing tag key in condition."""
    if is_tag_key_without_name(entry.key):
        base = entry.key.rstrip("/")
        out.add(
            Severity.ERROR,
            "MISSING_TAG_KEY_IN_CONDITION",
            f'"{entry.key}" names no tag: write the tag key after a slash, e.g. '
            f'"{base}/team" to compare the value of the tag "team".',
            entry.path,
            entry.key_span,
            DOC + "access_tags.html",
        )


def _check_mixed_json_types(out: Report, entry: ConditionEntry) -> None:
    """Error - Invalid condition data type (values of one key mixing JSON types)."""
    if not isinstance(entry.value, JArray):
        return
    kinds: dict[str, str] = {}
    for i, item in enumerate(entry.value.items):
        if not isinstance(item, JScalar) or item.value is None:
            continue
        kind = (
            "true/false"
            if isinstance(item.value, bool)
            else "a string"
            if isinstance(item.value, str)
            else "a number"
        )
        if kinds and kind not in kinds:
            first_kind, first_text = next(iter(kinds.items()))
            out.add(
                Severity.ERROR,
                "INVALID_CONDITION_DATA_TYPE",
                f"The values of {entry.key} mix JSON types: {item.raw} is {kind} but "
                f"{first_text} is {first_kind}. Write them all the same way, e.g. all as "
                f"strings in quotes.",
                f"{entry.path}[{i}]",
                item.span,
                DOC + "reference_policies_elements_condition.html",
            )
            return
        kinds.setdefault(kind, item.raw if not isinstance(item.value, str) else f'"{item.raw}"')


def _check_multiple_booleans(out: Report, entry: ConditionEntry) -> None:
    """Error - Invalid condition multiple Boolean."""
    if isinstance(entry.value, JArray) and len(entry.value.items) > 1:
        out.add(
            Severity.ERROR,
            "INVALID_CONDITION_MULTIPLE_BOOLEAN",
            f"{entry.key} is given {len(entry.value.items)} true/false values; a Bool "
            f'condition takes one ("true" or "false"). With both, it matches whatever the '
            f"request says, so it checks nothing.",
            entry.path,
            entry.value.span,
            OPERATORS_PAGE + "#Conditions_Boolean",
        )


def _check_null_with_qualifier(out: Report, entry: ConditionEntry, set_op: str) -> None:
    """Suggestion - Null with qualifier."""
    out.add(
        Severity.SUGGESTION,
        "NULL_WITH_QUALIFIER",
        f"{set_op}: does not belong on Null: Null asks only whether {entry.key} is in the "
        f'request. Write "Null" alone.',
        entry.path,
        entry.operator_span,
        OPERATORS_PAGE + "#Conditions_Null",
    )


def _check_ip_ranges(out: Report, entry: ConditionEntry, negated: bool) -> None:
    """Error - Private IP address / Private NotIpAddress; Suggestion - Private IP address
    subset / Private NotIpAddress subset / Improve IP range."""
    networks = []
    for text, path, span in entry.texts:
        if "${" in text:
            continue
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            continue  # the IP family reports the value itself
        networks.append(network)
        exact = ipaddress.ip_network(text.strip().split("/")[0])
        if "/" in text and network.network_address != exact.network_address:
            out.add(
                Severity.SUGGESTION,
                "IMPROVE_IP_RANGE",
                f'"{text.strip()}" has bits set after its /{network.prefixlen} mask, which are '
                f'ignored: it means "{network}". Write "{network}".',
                path,
                span,
                OPERATORS_PAGE + "#Conditions_IPAddress",
            )
    if entry.key.lower() != "aws:sourceip" or not networks:
        return
    private = [n for n in networks if is_private_network(n)]
    if not private:
        return
    page = KEYS_PAGE + "#condition-keys-sourceip"
    names = ", ".join(str(n) for n in private)
    if len(private) == len(networks):
        code = "PRIVATE_NOT_IP_ADDRESS" if negated else "PRIVATE_IP_ADDRESS"
        effect = "is always true" if negated else "never matches"
        out.add(
            Severity.ERROR,
            code,
            f"aws:SourceIp is the public address a request comes from, never a private one "
            f"such as {names}: this condition {effect}. For addresses inside a VPC use "
            f"aws:VpcSourceIp.",
            entry.path,
            entry.key_span,
            page,
        )
    else:
        code = "PRIVATE_NOT_IP_ADDRESS_SUBSET" if negated else "PRIVATE_IP_ADDRESS_SUBSET"
        out.add(
            Severity.SUGGESTION,
            code,
            f"aws:SourceIp is the public address a request comes from, so the private "
            f"{'range' if len(private) == 1 else 'ranges'} {names} here "
            f"{'never match' if not negated else 'exclude nothing'}. For addresses inside a "
            f"VPC use aws:VpcSourceIp.",
            entry.path,
            entry.key_span,
            page,
        )


def _check_epoch_dates(out: Report, entry: ConditionEntry) -> None:
    """General Warning - Invalid date value (a date given as epoch seconds)."""
    if entry.key.lower() == "aws:epochtime":
        return  # epoch seconds are what this key holds
    for text, path, span in entry.texts:
        if re.fullmatch(r"-?\d+(\.\d+)?", text.strip()) and len(text.strip()) != 4:
            out.add(
                Severity.WARNING,
                "INVALID_DATE_VALUE",
                f'"{text}" is read as seconds since 1 January 1970, which is easy to get '
                f"wrong. Write the date as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.",
                path,
                span,
                OPERATORS_PAGE + "#Conditions_Date",
            )


def _check_redundant_numbers(out: Report, entry: ConditionEntry, test: str) -> None:
    """Suggestion - Redundant condition value num."""
    numbers = []
    for text, _, _ in entry.texts:
        try:
            numbers.append((Decimal(text.strip()), text.strip()))
        except InvalidOperation:
            return
    if len(numbers) < 2:
        return
    keep = max(numbers) if test in ("lt", "le") else min(numbers)
    word = "greatest" if test in ("lt", "le") else "least"
    out.add(
        Severity.SUGGESTION,
        "REDUNDANT_CONDITION_VALUE_NUM",
        f"A request matches {entry.operator} if it matches any one of the values, so only "
        f'the {word} one counts: write "{keep[1]}" alone for {entry.key}.',
        entry.path,
        entry.value.span,
        OPERATORS_PAGE + "#Conditions_Numeric",
    )


def _check_vpc_format(out: Report, entry: ConditionEntry) -> None:
    """Error - Invalid vpc format / Invalid vpce format."""
    rule = _VPC.get(entry.key.lower())
    if rule is None:
        return
    prefix, what, code = rule
    for text, path, span in entry.texts:
        if "${" in text:
            continue
        if not re.fullmatch(re.escape(prefix) + r"([0-9a-zA-Z]{8}|[0-9a-zA-Z]{17})", text):
            out.add(
                Severity.ERROR,
                code,
                f'"{text}" is not a {what} ID: those are "{prefix}" followed by 8 or 17 '
                f'letters and digits, e.g. "{prefix}1a2b3c4d".',
                path,
                span,
                KEYS_PAGE + f"#condition-keys-{entry.key.lower().split(':')[1]}",
            )


def _check_audience_claim(out: Report, entry: ConditionEntry, set_op: str) -> None:
    """Suggestion - Confirm audience claim type."""
    issuer, _, claim = entry.key.rpartition(":")
    if claim.lower() != "aud" or not issuer or issuer.lower() in ("saml", "aws"):
        return
    out.add(
        Severity.SUGGESTION,
        "CONFIRM_AUDIENCE_CLAIM_TYPE",
        f"{entry.key} holds the token's audience, which a provider may send as one value or "
        f"as a list. Keep {set_op}: only if {issuer} sends a list; for a single audience "
        f"write the operator without it.",
        entry.path,
        entry.operator_span,
        DOC + "id_roles_create_for-idp_oidc.html",
    )


def _check_paired_keys(out: Report, entries: list[ConditionEntry]) -> None:
    """Security Warning - Missing paired condition keys."""
    present = {e.key.lower() for e in entries}
    for entry in entries:
        partners = _PAIRED.get(entry.key.lower())
        if partners is None or any(p.lower() in present for p in partners):
            continue
        out.add(
            Severity.SECURITY_WARNING,
            "MISSING_PAIRED_CONDITION_KEYS",
            f"{entry.key} compares an address inside a VPC, and the same private addresses "
            f"exist in every VPC, other accounts' included. Add {partners[0]} (or "
            f"{partners[1]}) to this Condition so the request must also come from your VPC.",
            entry.path,
            entry.key_span,
            KEYS_PAGE + "#condition-keys-vpcsourceip",
        )
