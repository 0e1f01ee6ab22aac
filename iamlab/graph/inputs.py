"""What the access graph is built from: a plain description of one sandbox, no Django.

The sandbox app fills these in from its World (``iamlab.sandbox.graphing``); tests and
benchmarks can build them by hand. Every policy is an already parsed :class:`Policy`, and every
principal carries the context keys AWS derives for its requests (tags, organization,
``aws:userid``), so the graph asks the engine exactly the question the access check would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iamlab.policy import Policy

__all__ = [
    "AccountIn",
    "GraphInput",
    "GroupIn",
    "InstanceIn",
    "ManagedPolicyIn",
    "PrincipalIn",
    "ProfileIn",
    "ProviderIn",
    "ResourceIn",
    "SessionIn",
    "SsoGrantIn",
]

Levels = tuple[tuple[Policy, ...], ...]


@dataclass(frozen=True)
class AccountIn:
    account_id: str
    name: str
    scps: Levels = ()
    rcps: Levels = ()


@dataclass(frozen=True)
class PrincipalIn:
    """An IAM user, an IAM role or an account's root user.

    ``caller_arn`` is the ARN its requests carry (a role calls as a session of itself) and
    ``issuer`` the role behind that session. ``identity`` holds every identity-based policy that
    applies, the groups' included.
    """

    arn: str
    kind: str  # user | role | root
    name: str
    account_id: str
    caller_arn: str = ""
    issuer: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    # The keys a request *on* this principal carries (iam:ResourceTag/..., aws:ResourceOrgID).
    resource_context: Mapping[str, Any] = field(default_factory=dict)
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    trust: Policy | None = None  # roles
    groups: tuple[str, ...] = ()  # group ARNs (users)
    managed_policies: tuple[str, ...] = ()  # ARNs of managed policies attached directly
    service_linked: bool = False
    console_password: bool = False  # users
    access_keys: int = 0  # users
    mfa: bool = False  # users with an MFA device
    ref: str = ""  # the sandbox's key for it ("user:12"), for links

    def __post_init__(self) -> None:
        if not self.caller_arn:
            object.__setattr__(self, "caller_arn", self.arn)


@dataclass(frozen=True)
class GroupIn:
    arn: str
    name: str
    account_id: str
    policies: tuple[Policy, ...] = ()
    managed_policies: tuple[str, ...] = ()
    ref: str = ""


@dataclass(frozen=True)
class ManagedPolicyIn:
    """A customer managed policy: versioning it changes every identity it is attached to.

    ``default`` is its default version, as it sits among the identity policies of what it is
    attached to (the same parsed statements, or the same text), and ``other_versions`` its
    other versions, which ``iam:SetDefaultPolicyVersion`` can make the default. Left empty,
    the graph can only say that an older version *might* grant more. Any sequence will do:
    the sandbox hands over one that parses the versions when the graph first reads them.
    """

    arn: str
    name: str
    account_id: str
    versions: int = 1
    ref: str = ""
    default: Policy | None = None
    other_versions: Sequence[Policy] = ()


@dataclass(frozen=True)
class ResourceIn:
    """A resource the graph shows: one with a resource-based policy, or one that runs as a role
    (a Lambda function, a CloudFormation stack, a CodeBuild project)."""

    arn: str
    kind: str  # s3 kms sqs sns lambda secret stack build
    name: str
    account_id: str
    policy: Policy | None = None
    context: Mapping[str, Any] = field(default_factory=dict)  # aws:ResourceTag/..., org keys
    role: str | None = None  # ARN of the role it runs as
    ref: str = ""


@dataclass(frozen=True)
class ProfileIn:
    arn: str
    name: str
    account_id: str
    role: str | None = None
    ref: str = ""


@dataclass(frozen=True)
class InstanceIn:
    arn: str
    instance_id: str
    name: str
    account_id: str
    profile: str | None = None  # instance profile ARN
    running: bool = True
    ref: str = ""


@dataclass(frozen=True)
class ProviderIn:
    """A SAML or OIDC identity provider; ``principal`` is what trust policies name."""

    arn: str
    kind: str  # saml | oidc | web (Cognito, Google, Facebook, Login with Amazon)
    name: str
    account_id: str
    identity_center: bool = False
    ref: str = ""

    @property
    def principal(self) -> str:
        return self.arn


@dataclass(frozen=True)
class SsoGrantIn:
    """One Identity Center user's way into one account: a permission set provisioned as a
    role, reached directly or through an Identity Center group."""

    user_id: str
    user_name: str
    permission_set: str  # permission set ARN
    permission_set_name: str
    role: str  # the provisioned AWSReservedSSO_ role
    via_group: str = ""


@dataclass(frozen=True)
class SessionIn:
    """Temporary credentials issued in the sandbox (a role session)."""

    arn: str
    role: str
    label: str
    expired: bool = False
    narrowed: bool = False  # session policies limit it below the role's permissions
    ref: str = ""


@dataclass(frozen=True)
class GraphInput:
    accounts: tuple[AccountIn, ...]
    principals: tuple[PrincipalIn, ...]
    groups: tuple[GroupIn, ...] = ()
    policies: tuple[ManagedPolicyIn, ...] = ()
    resources: tuple[ResourceIn, ...] = ()
    profiles: tuple[ProfileIn, ...] = ()
    instances: tuple[InstanceIn, ...] = ()
    providers: tuple[ProviderIn, ...] = ()
    sso: tuple[SsoGrantIn, ...] = ()
    sessions: tuple[SessionIn, ...] = ()
    org_id: str | None = None
