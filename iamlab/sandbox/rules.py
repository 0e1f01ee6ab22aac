"""AWS's naming, id, ARN and quota rules for the sandbox, as plain functions (no Django).

Sources:

* IAM identifiers (names, paths, unique id prefixes, ARN shapes):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
* IAM and AWS STS quotas:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
* Role max session duration (1 to 12 hours):
  https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html
* Organizations ids (``o-``, ``r-``, ``ou-``, ``p-``):
  https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html
* CloudFormation stack names and CodeBuild project names:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
  https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html

Every check returns an error message (``str``) naming what is wrong, or ``None`` when the value
is valid, so forms, importers and fixtures share one wording.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

# -- quotas ------------------------------------------------------------------------------------
# reference_iam-quotas.html, "IAM object quotas" (the default values) and "IAM and STS character
# limits".
USERS_PER_ACCOUNT: Final = 5000
GROUPS_PER_ACCOUNT: Final = 300
ROLES_PER_ACCOUNT: Final = 1000
CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT: Final = 1500
INSTANCE_PROFILES_PER_ACCOUNT: Final = 1000
SAML_PROVIDERS_PER_ACCOUNT: Final = 100
OIDC_PROVIDERS_PER_ACCOUNT: Final = 100
GROUPS_PER_USER: Final = 10
MANAGED_POLICIES_PER_PRINCIPAL: Final = 10  # users, groups and roles (default quota)
ACCESS_KEYS_PER_USER: Final = 2
ACCESS_KEYS_PER_ROOT: Final = 2
MFA_DEVICES_PER_USER: Final = 8
SSH_KEYS_PER_USER: Final = 5
SERVICE_CREDENTIALS_PER_SERVICE: Final = 2
POLICY_VERSIONS: Final = 5
ROLES_PER_INSTANCE_PROFILE: Final = 1
TAGS_PER_ENTITY: Final = 50
CLIENT_IDS_PER_OIDC_PROVIDER: Final = 100
THUMBPRINTS_PER_OIDC_PROVIDER: Final = 5
# Inline policies: the total of all of one identity's inline policies, whitespace not counted.
INLINE_POLICY_TOTAL: Final = {"user": 2048, "group": 5120, "role": 10240}
MIN_SESSION_SECONDS: Final = 3600
MAX_SESSION_SECONDS: Final = 43200

# -- unique ids (reference_identifiers.html#identifiers-unique-ids) ---------------------------
ID_PREFIXES: Final = {
    "user": "AIDA",
    "group": "AGPA",
    "role": "AROA",
    "policy": "ANPA",
    "instance-profile": "AIPA",
    "access-key": "AKIA",
    "temporary-key": "ASIA",
    "ssh-key": "APKA",
    "service-credential": "ACCA",
}
_ID_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def unique_id(kind: str) -> str:
    """A fresh AWS-shaped unique id: 21 characters for entities, 20 for access keys."""
    prefix = ID_PREFIXES[kind]
    length = 16 if kind in ("access-key", "temporary-key", "ssh-key") else 17
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def account_id() -> str:
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def org_id(kind: str) -> str:
    """Organizations ids: ``o-`` + 10, ``r-`` + 4, ``p-`` + 8 lowercase letters or digits."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    length = {"o": 10, "r": 4, "p": 8}[kind]
    return f"{kind}-" + "".join(secrets.choice(alphabet) for _ in range(length))


def ou_id(root_id: str) -> str:
    """``ou-`` + the root id's 4 characters + ``-`` + 8 (API_OrganizationalUnit.html)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return f"ou-{root_id[2:]}-" + "".join(secrets.choice(alphabet) for _ in range(8))


# -- names and paths ---------------------------------------------------------------------------
_NAME: Final = re.compile(r"[\w+=,.@-]+", re.ASCII)
NAME_LIMITS: Final = {
    "user": 64,
    "group": 128,
    "role": 64,
    "policy": 128,
    "instance profile": 128,
    "inline policy": 128,
    "SAML provider": 128,
}


def article(word: str) -> str:
    """ "a" or "an" before ``word``, by its first letter (right for the words used here)."""
    return "an" if word[:1].lower() in "aeio" else "a"


def check_name(kind: str, name: str) -> str | None:
    """IAM friendly names: letters, digits and ``+=,.@_-``; length per entity type."""
    limit = NAME_LIMITS[kind]
    a = article(kind)
    if not name:
        return f"Enter {a} {kind} name."
    if len(name) > limit:
        return (
            f"{a.capitalize()} {kind} name has at most {limit} characters; "
            f"this one has {len(name)}."
        )
    if not _NAME.fullmatch(name):
        bad = sorted({c for c in name if not _NAME.fullmatch(c)})
        shown = " ".join(repr(c) for c in bad)
        return (
            f"{a.capitalize()} {kind} name may use only letters, digits and + = , . @ _ - "
            f"(not {shown})."
        )
    if kind == "SAML provider" and name.startswith("AWSSSO_"):
        # IAM Identity Center names the providers it creates AWSSSO_<id>_DO_NOT_DELETE; iamlab
        # keeps that prefix for them so a learner's provider is never mistaken for one.
        return 'A SAML provider name may not start with "AWSSSO_": IAM Identity Center uses it.'
    return None


def check_path(path: str) -> str | None:
    """Paths begin and end with ``/``, hold printable ASCII and are at most 512 characters."""
    if not path:
        return 'Enter a path; "/" is the default.'
    if not (path.startswith("/") and path.endswith("/")):
        return 'A path begins and ends with "/", for example /division_abc/subdivision_xyz/.'
    if len(path) > 512:
        return f"A path has at most 512 characters; this one has {len(path)}."
    if any(not ("\u0021" <= c <= "\u007e") for c in path):
        return "A path may hold only printable ASCII characters, without spaces."
    if "//" in path:
        return 'A path may not contain "//".'
    return None


# -- resource names ----------------------------------------------------------------------------
# CloudFormation stack names (AWS::CloudFormation::Stack, CreateStack's StackName): 1 to 128
# characters, letters, digits and hyphens, starting with a letter.
_STACK_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
# CodeBuild project names (CreateProject's name): 2 to 255 characters, letters, digits, hyphens
# and underscores, starting with a letter or digit.
_PROJECT_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,254}")


def check_stack_name(name: str) -> str | None:
    """A CloudFormation stack name (API_CreateStack.html, StackName)."""
    if not name:
        return "Enter a stack name."
    if len(name) > 128:
        return f"A stack name has at most 128 characters; this one has {len(name)}."
    if not _STACK_NAME.fullmatch(name):
        return (
            "A stack name may use only letters, digits and hyphens, and must start with a letter."
        )
    return None


def check_project_name(name: str) -> str | None:
    """A CodeBuild project name (API_CreateProject.html, name)."""
    if len(name) < 2 or len(name) > 255:
        return f"A CodeBuild project name has 2 to 255 characters; this one has {len(name)}."
    if not _PROJECT_NAME.fullmatch(name):
        return (
            "A CodeBuild project name may use only letters, digits, hyphens and underscores, "
            "and must start with a letter or digit."
        )
    return None


# Where AWS puts service-linked roles and their policies (using-service-linked-roles.html), and
# the roles IAM Identity Center provisions (referencingpermissionsets.html).
SERVICE_ROLE_PATH: Final = "/aws-service-role/"
IDENTITY_CENTER_PATH: Final = "/aws-reserved/sso.amazonaws.com/"


def check_reserved_path(path: str) -> str | None:
    """Paths that only AWS creates entities under."""
    if path.startswith(SERVICE_ROLE_PATH) or path.startswith("/aws-reserved/"):
        return f"The path {path} is reserved for roles that AWS services create."
    return None


def check_account_id(value: str) -> str | None:
    if not re.fullmatch(r"\d{12}", value):
        return "An AWS account id is exactly 12 digits."
    return None


# -- console passwords -------------------------------------------------------------------------
# CreateLoginProfile / UpdateLoginProfile take 1 to 128 characters of tab, line feed, carriage
# return and U+0020 to U+00FF (id_credentials_passwords_admin-change-user.html). With no custom
# password policy, IAM applies the default one (id_credentials_passwords_account-policy.html,
# "Default password policy"): 8 to 128 characters, at least three of uppercase letters,
# lowercase letters, numbers and the symbols below, and not the account's name or email address.
PASSWORD_SYMBOLS: Final = "!@#$%^&*()_+-=[]{}|'"  # noqa: S105 (not a password)
_PASSWORD_CHARS: Final = re.compile(r"[\t\n\r\x20-\xff]+")


def check_console_password(password: str, account_name: str = "", email: str = "") -> str | None:
    """AWS's default password policy, in words. The message never repeats the password."""
    if not 8 <= len(password) <= 128:
        return "A console password has 8 to 128 characters (AWS's default password policy)."
    if not _PASSWORD_CHARS.fullmatch(password):
        return (
            "A console password holds only printable characters of the Latin-1 range "
            "(UpdateLoginProfile's Password parameter)."
        )
    kinds = sum(
        (
            any(c.isascii() and c.isupper() for c in password),
            any(c.isascii() and c.islower() for c in password),
            any(c.isascii() and c.isdigit() for c in password),
            any(c in PASSWORD_SYMBOLS for c in password),
        )
    )
    if kinds < 3:
        return (
            "A console password mixes at least three of: uppercase letters, lowercase letters, "
            f"numbers and the symbols {PASSWORD_SYMBOLS} (AWS's default password policy)."
        )
    if password.lower() in {account_name.lower(), email.lower()} - {""}:
        return (
            "A console password cannot be the account's name or email address (AWS's default "
            "password policy)."
        )
    return None


def check_session_duration(seconds: int) -> str | None:
    if not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
        return "The maximum session duration is between 1 hour (3600) and 12 hours (43200)."
    return None


_TAG_KEY: Final = re.compile(r"[\w .:/=+\-@]+", re.UNICODE)


def check_tags(tags: dict[str, str], case_sensitive: bool = False) -> str | None:
    """Tag rules: at most 50; keys 1-128 characters, values 0-256, letters, digits, spaces and
    ``_ . : / = + - @``; keys may not start with ``aws:`` (reference_tags.html). IAM tag keys
    are case-insensitive (id_tags.html); other services' are case-sensitive."""
    if len(tags) > TAGS_PER_ENTITY:
        return f"An entity has at most {TAGS_PER_ENTITY} tags; there are {len(tags)}."
    seen: set[str] = set()
    for key, value in tags.items():
        if not key or len(key) > 128:
            return f'Tag key "{key}": a key has 1 to 128 characters.'
        if key.lower().startswith("aws:"):
            return f'Tag key "{key}": the aws: prefix is reserved for AWS.'
        if not _TAG_KEY.fullmatch(key):
            return f'Tag key "{key}" may use only letters, digits, spaces and _ . : / = + - @.'
        folded = key if case_sensitive else key.lower()
        if folded in seen:
            return f'Tag key "{key}" appears twice; IAM tag keys are case-insensitive.'
        seen.add(folded)
        if len(value) > 256:
            return f'Tag "{key}": a value has at most 256 characters.'
        if value and not _TAG_KEY.fullmatch(value):
            return (
                f'Tag "{key}": the value may use only letters, digits, spaces and _ . : / = + - @.'
            )
    return None


def parse_tags(text: str, case_sensitive: bool = False) -> tuple[dict[str, str], str | None]:
    """``key = value`` lines (blank lines ignored) into a dict, or an error naming the line."""
    tags: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if "=" not in line:
            return {}, f"Line {number}: write each tag as key = value."
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        taken = set(tags) if case_sensitive else {k.lower() for k in tags}
        if (key if case_sensitive else key.lower()) in taken:
            return {}, f'Line {number}: the tag key "{key}" is already set.'
        if error := check_tags({key: value}, case_sensitive):
            return {}, f"Line {number}: {error}"
        tags[key] = value
    return tags, check_tags(tags, case_sensitive)


def format_tags(tags: dict[str, str]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in tags.items())


# -- ARNs (reference_identifiers.html#identifiers-arns) ---------------------------------------
def iam_arn(account: str, kind: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account}:{kind}{path}{name}"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    """Session ARNs carry the role name without its path."""
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"


_SESSION_NAME: Final = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def check_session_name(name: str) -> str | None:
    """RoleSessionName: 2 to 64 characters of ``[\\w+=,.@-]`` (API_AssumeRole.html)."""
    if not _SESSION_NAME.fullmatch(name):
        return "A role session name has 2 to 64 letters, digits or + = , . @ _ - characters."
    return None


# -- service-linked roles (using-service-linked-roles.html) ------------------------------------
def service_linked_role_name(service_principal: str, suffix: str = "") -> str:
    """``AWSServiceRoleFor`` + the service's name, e.g. ``AWSServiceRoleForSupport``."""
    known = {
        "support.amazonaws.com": "Support",
        "autoscaling.amazonaws.com": "AutoScaling",
        "rds.amazonaws.com": "RDS",
        "sso.amazonaws.com": "SSO",
        "organizations.amazonaws.com": "Organizations",
        "elasticloadbalancing.amazonaws.com": "ElasticLoadBalancing",
        "ssm.amazonaws.com": "AmazonSSM",
        "trustedadvisor.amazonaws.com": "TrustedAdvisor",
    }
    base = known.get(service_principal)
    if base is None:
        stem = service_principal.split(".")[0]
        base = stem[:1].upper() + stem[1:]
    return f"AWSServiceRoleFor{base}" + (f"_{suffix}" if suffix else "")


def service_trust_policy(service_principal: str) -> str:
    """The trust policy AWS writes for a service role or a service-linked role."""
    return (
        "{\n"
        '  "Version": "2012-10-17",\n'
        '  "Statement": [\n'
        "    {\n"
        '      "Effect": "Allow",\n'
        f'      "Principal": {{"Service": "{service_principal}"}},\n'
        '      "Action": "sts:AssumeRole"\n'
        "    }\n"
        "  ]\n"
        "}"
    )
