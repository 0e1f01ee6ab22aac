"""Access Analyzer's checks on principals: trust policies, federation, service principals.

Source: IAM User Guide, "IAM policy validation check reference"
(access-analyzer-reference-policy-checks); each function names the checks it implements. The
STS actions each kind of principal calls: id_roles_create_for-idp_saml, id_roles_create_for-idp_oidc
and the IAM Roles Anywhere trust model page (rolesanywhere/latest/userguide/trust-model.html).
"""

from __future__ import annotations

import re

from .checks_common import CHECKS, DOC, Report, condition_entries, string_items
from .findings import Severity
from .jsonsource import JArray, JObject, JScalar, Span
from .model import PolicyType
from .wildcards import action_regex

__all__ = ["check_principals"]

GITHUB = "token.actions.githubusercontent.com"
ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
ROLES_ANYWHERE_ACTIONS = ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession")
SOURCE_KEYS = frozenset(
    k.lower()
    for k in ("aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths")
)
_SAML_PROVIDER = re.compile(r"arn:[a-z-]+:iam::\d{12}:saml-provider/[\w+=,.@-]+")
_OIDC_PROVIDER = re.compile(r"arn:[a-z-]+:iam::\d{12}:oidc-provider/(\S+)")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
_UNIQUE_ID = re.compile(r"A(ROA|IDA)[A-Z0-9]{4,}")


def check_principals(
    out: Report, policy_type: PolicyType, node: JObject, path: str, allow: bool
) -> None:
    element = "Principal" if node.get("Principal") is not None else "NotPrincipal"
    principal = node.get(element)
    if principal is None:
        return
    principal_path = f"{path}.{element}"
    _check_empty_principal_lists(out, principal, principal_path)
    _check_unique_id_references(out, principal, principal_path)
    if policy_type is PolicyType.TRUST and element == "Principal":
        _check_trust_wildcard(out, principal, principal_path)
        _check_federated_syntax(out, principal, principal_path)
        _check_redundant_session_principal(out, principal, principal_path)
        if allow:
            _check_action_for_principal(out, node, principal, path)
            _check_roles_anywhere_actions(out, node, principal, path)
            _check_web_identity_conditions(out, node, principal, path)
    if policy_type is PolicyType.RESOURCE and element == "Principal" and allow:
        _check_service_principal_source(out, node, principal, path)


def _entries(principal: object, kind: str, path: str) -> list[tuple[str, str, Span | None]]:
    if not isinstance(principal, JObject):
        return []
    return list(string_items(principal.get(kind), f"{path}.{kind}"))


def _check_empty_principal_lists(out: Report, principal: object, path: str) -> None:
    """Suggestion - Empty array principal."""
    if not isinstance(principal, JObject):
        return
    for member in principal.members:
        value = member.value
        if isinstance(value, JArray) and not value.items:
            out.add(
                Severity.SUGGESTION,
                "EMPTY_ARRAY_PRINCIPAL",
                f'"{member.key}" is an empty list: this part of the principal names no one. '
                f"Name the principals, or remove the empty list.",
                f"{path}.{member.key}",
                value.span,
                CHECKS
                + "#access-analyzer-reference-policy-checks-suggestion-empty-array-principal",
            )


def _check_unique_id_references(out: Report, principal: object, path: str) -> None:
    """General Warning - Invalid role reference / Invalid user reference."""
    for value, item_path, span in _entries(principal, "AWS", path):
        match = _UNIQUE_ID.fullmatch(value)
        if match is None:
            continue
        role = match.group(1) == "ROA"
        what, code = (
            ("role", "INVALID_ROLE_REFERENCE") if role else ("user", "INVALID_USER_REFERENCE")
        )
        out.add(
            Severity.WARNING,
            code,
            f'"{value}" is the unique ID of an IAM {what}, not its ARN. Write the {what}\'s ARN '
            f"(arn:aws:iam::ACCOUNT:{what}/NAME): IAM stores it as this ID for you, and an ID "
            f"stops matching if the {what} is deleted and created again.",
            item_path,
            span,
            DOC + "reference_identifiers.html#identifiers-unique-ids",
        )


def _check_trust_wildcard(out: Report, principal: object, path: str) -> None:
    """Error - Role trust policy unsupported wildcard in principal (the bare "Principal": "*")."""
    if isinstance(principal, JScalar) and principal.value == "*":
        out.add(
            Severity.ERROR,
            "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            'A role trust policy does not take "Principal": "*". Name who may assume the '
            'role (an account, role or user ARN), or write {"AWS": "*"} and narrow it with a '
            "condition such as aws:PrincipalOrgID.",
            path,
            principal.span,
            CHECKS + "#access-analyzer-reference-policy-checks-error-role-trust-policy-unsupported-"
            "wildcard-in-principal",
        )


def _federated_kind(value: str) -> str | None:
    """'saml', 'oidc' or None (not a provider ARN or an identity provider's domain)."""
    if _SAML_PROVIDER.fullmatch(value):
        return "saml"
    if _OIDC_PROVIDER.fullmatch(value):
        return "oidc"
    if not value.startswith("arn:") and _DOMAIN.fullmatch(value):
        return "oidc"  # accounts.google.com, cognito-identity.amazonaws.com, graph.facebook.com
    return None


def _provider_host(value: str) -> str:
    match = _OIDC_PROVIDER.fullmatch(value)
    return (match.group(1) if match else value).lower()


def _check_federated_syntax(out: Report, principal: object, path: str) -> None:
    """Error - Invalid federated principal syntax in role trust policy."""
    for value, item_path, span in _entries(principal, "Federated", path):
        if _federated_kind(value) is None:
            out.add(
                Severity.ERROR,
                "INVALID_FEDERATED_PRINCIPAL_SYNTAX",
                f'"{value}" is not an identity provider. A Federated principal is the ARN of a '
                f"SAML provider (arn:aws:iam::ACCOUNT:saml-provider/NAME), the ARN of an OIDC "
                f"provider (arn:aws:iam::ACCOUNT:oidc-provider/HOST), or a well-known web "
                f"identity provider's domain such as accounts.google.com.",
                item_path,
                span,
                DOC + "reference_policies_elements_principal.html#principal-federated-users",
            )


def _check_redundant_session_principal(out: Report, principal: object, path: str) -> None:
    """Suggestion - Redundant principal in role trust policy."""
    items = _entries(principal, "AWS", path)
    roles: dict[tuple[str, str], str] = {}
    for value, _, _ in items:
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
            roles[(parts[4], parts[5].rsplit("/", 1)[-1])] = value
    for value, item_path, span in items:
        parts = value.split(":", 5)
        if len(parts) != 6 or parts[2] != "sts" or not parts[5].startswith("assumed-role/"):
            continue
        name = parts[5].split("/")[1] if parts[5].count("/") >= 2 else ""
        parent = roles.get((parts[4], name))
        if parent is not None:
            out.add(
                Severity.SUGGESTION,
                "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
                f'"{value}" is one session of the role "{parent}", which this statement already '
                f"trusts with all its sessions; remove the session.",
                item_path,
                span,
                DOC + "reference_policies_elements_principal.html#principal-role-session",
            )


def _actions(node: JObject, path: str) -> list[tuple[str, str, Span | None]]:
    return list(string_items(node.get("Action"), f"{path}.Action"))


_PRINCIPAL_WORDS = {
    "saml": "the SAML provider",
    "oidc": "the web identity (OIDC) provider",
    "AWS": "the AWS principal",
    "Service": "the service",
    "CanonicalUser": "the canonical user",
}
_ACTION_FITS = {
    "sts:assumerolewithsaml": ("saml",),
    "sts:assumerolewithwebidentity": ("oidc",),
    "sts:assumerole": ("AWS", "Service"),
}
_HOW = {
    "saml": "A SAML provider's users assume a role with sts:AssumeRoleWithSAML",
    "oidc": "A web identity provider's users assume a role with sts:AssumeRoleWithWebIdentity",
    "AWS": "AWS principals (accounts, users, roles) assume a role with sts:AssumeRole",
    "Service": "A service assumes a role with sts:AssumeRole",
    "CanonicalUser": "A canonical user cannot assume a role",
}


def _kinds(principal: object, path: str) -> list[tuple[str, str]]:
    """(kind, value) of each principal: Federated ones split into 'saml' and 'oidc'."""
    if not isinstance(principal, JObject):
        return []  # "*": everyone, whatever way they come in
    kinds = []
    for member in principal.members:
        for value, _, _ in string_items(member.value, ""):
            if member.key == "Federated":
                kind = _federated_kind(value)
                if kind is not None:
                    kinds.append((kind, value))
            elif value != "*":
                kinds.append((member.key, value))
    return kinds


def _check_action_for_principal(out: Report, node: JObject, principal: object, path: str) -> None:
    """Error - Mismatched action for principal.

    Each way of assuming a role has its own STS operation: AssumeRoleWithSAML for a SAML
    provider, AssumeRoleWithWebIdentity for an OIDC provider, AssumeRole for AWS principals and
    services. A trust statement that pairs a principal with another kind's operation lets no one
    in through that pair (sts:TagSession, sts:SetSourceIdentity and sts:SetContext go with any).
    """
    kinds = _kinds(principal, path)
    if not kinds:
        return
    for action, item_path, span in _actions(node, path):
        fits = _ACTION_FITS.get(action.lower())
        if fits is None:
            continue  # a wildcard, or an action that goes with any principal
        wrong = [(kind, value) for kind, value in kinds if kind not in fits]
        if not wrong:
            continue
        named = "; ".join(f'{_PRINCIPAL_WORDS[kind]} "{value}"' for kind, value in wrong)
        hows = []
        for kind, _ in wrong:
            if _HOW[kind] not in hows:
                hows.append(_HOW[kind])
        out.add(
            Severity.ERROR,
            "MISMATCHED_ACTION_FOR_PRINCIPAL",
            f"{action} does not go with {named}: no one can assume the role through this pair. "
            + ". ".join(hows)
            + f"; put that action here, or move {action} to a statement for its own kind of "
            f"principal.",
            item_path,
            span,
            CHECKS
            + "#access-analyzer-reference-policy-checks-error-mismatched-action-for-principal",
        )


def _check_roles_anywhere_actions(out: Report, node: JObject, principal: object, path: str) -> None:
    """Error - Missing action for roles anywhere trust policy."""
    if not any(v == ROLES_ANYWHERE for v, _, _ in _entries(principal, "Service", path)):
        return
    actions = tuple(a.lower() for a, _, _ in _actions(node, path))
    if not actions:
        return
    covers = action_regex(actions)
    missing = [a for a in ROLES_ANYWHERE_ACTIONS if covers.fullmatch(a.lower()) is None]
    if missing:
        action_node = node.get("Action")
        out.add(
            Severity.ERROR,
            "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
            f"IAM Roles Anywhere ({ROLES_ANYWHERE}) needs sts:AssumeRole, "
            f"sts:SetSourceIdentity and sts:TagSession to hand out credentials for this role; "
            f"add {', '.join(missing)}.",
            f"{path}.Action",
            action_node.span if action_node is not None else None,
            "https://docs.aws.amazon.com/rolesanywhere/latest/userguide/trust-model.html",
        )


def _check_web_identity_conditions(
    out: Report, node: JObject, principal: object, path: str
) -> None:
    """Security Warning - Missing condition key for oidc principal; Missing github repo
    condition key. General Warning - Specific github repo and branch recommended."""
    keys = condition_entries(node, path)
    prefixes = {e.key.rsplit(":", 1)[0].lower() for e in keys if ":" in e.key}
    for value, item_path, span in _entries(principal, "Federated", path):
        if _federated_kind(value) != "oidc":
            continue
        host = _provider_host(value)
        if host == GITHUB:
            subs = [e for e in keys if e.key.lower() == f"{GITHUB}:sub"]
            if not subs:
                out.add(
                    Severity.SECURITY_WARNING,
                    "MISSING_GITHUB_REPO_CONDITION_KEY",
                    f"Without a condition on {GITHUB}:sub, a GitHub Actions workflow of any "
                    f"repository, in any organization, can assume this role. Add "
                    f'{GITHUB}:sub naming your repository and branch, e.g. "repo:ORG/REPO:ref:'
                    f'refs/heads/main".',
                    item_path,
                    span,
                    DOC + "id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub",
                )
            for entry in subs:
                for text, value_path, value_span in entry.texts:
                    if _github_sub_too_wide(text):
                        out.add(
                            Severity.WARNING,
                            "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
                            f'"{text}" lets workflows of repositories you do not control '
                            f"assume this role: the wildcard reaches beyond one GitHub "
                            f"organization. Name the organization, repository and branch, "
                            f'e.g. "repo:ORG/REPO:ref:refs/heads/main".',
                            value_path,
                            value_span,
                            DOC + "id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub",
                        )
        elif host not in prefixes:
            out.add(
                Severity.SECURITY_WARNING,
                "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
                f"Anyone with a token from {host} can assume this role: no condition checks "
                f"a key of that provider. Add one, e.g. {host}:aud (your app's client ID) or "
                f"{host}:sub (the user or workload).",
                item_path,
                span,
                DOC + "id_roles_create_for-idp_oidc.html",
            )


def _github_sub_too_wide(text: str) -> bool:
    """A wildcard that can reach another owner's repositories: one in the organization (or
    user) part of a GitHub subject, or one before it ("*", "repo:*"). A wildcard after
    "repo:ORG/" stays inside the organization, which is its owner's choice."""
    if "*" not in text and "?" not in text:
        return False
    match = re.fullmatch(r"repo:([^:/]+)/.*", text)
    return match is None or any(c in match.group(1) for c in "*?")


def _check_service_principal_source(
    out: Report, node: JObject, principal: object, path: str
) -> None:
    """Security Warning - Restrict access to service principal; Suggestion - Recommended
    condition key for service principal (the confused deputy problem)."""
    services = _entries(principal, "Service", path)
    if not services:
        return
    keys = condition_entries(node, path)
    if any(e.key.lower() in SOURCE_KEYS for e in keys):
        return
    page = DOC + "confused-deputy.html"
    value, item_path, span = services[0]
    if not keys:
        out.add(
            Severity.SECURITY_WARNING,
            "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
            f'"{value}" acts for every AWS customer: without aws:SourceArn or '
            f"aws:SourceAccount, another account's resource can get this service to use this "
            f"access (the confused deputy problem). Add one of them naming your resource or "
            f"account.",
            item_path,
            span,
            page,
        )
        return
    used = ", ".join(dict.fromkeys(e.key for e in keys))
    out.add(
        Severity.SUGGESTION,
        "RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL",
        f'To limit "{value}" to requests made for your own resources, use aws:SourceArn or '
        f"aws:SourceAccount rather than {used}.",
        item_path,
        span,
        page,
    )
