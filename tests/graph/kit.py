"""Build :class:`GraphInput` objects for access-graph tests from plain policy documents.

A test describes a small sandbox as data: users, roles and groups with their policy documents
as dicts, and :func:`world` turns them into the input the sandbox app would hand to
``build_graph``. It mirrors ``iamlab.sandbox.graphing``: a user calls AWS as itself, a role as
a session of itself (``arn:aws:sts::ACCT:assumed-role/NAME/iamlab-session``, issuer the role),
and a user's identity policies include those of its groups and of its attached managed
policies.

Account A (111122223333) is the learner's account, account B (444455556666) a second sandbox
account, account X (999988887777) an account outside the sandbox.

Every case names the IAM User Guide page it comes from
(https://docs.aws.amazon.com/IAM/latest/UserGuide/<page>.html).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iamlab.graph import (
    AccessGraph,
    AccountIn,
    Edge,
    GraphInput,
    GroupIn,
    InstanceIn,
    ManagedPolicyIn,
    PrincipalIn,
    ProfileIn,
    ProviderIn,
    ResourceIn,
    SessionIn,
    SsoGrantIn,
    build_graph,
)
from iamlab.policy import Policy, PolicyType, parse_policy

DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

A = "111122223333"
B = "444455556666"
X = "999988887777"  # not in the sandbox
SESSION_NAME = "iamlab-session"
REGION = "us-east-1"

Doc = dict[str, Any]

# --- ARNs -------------------------------------------------------------------------------------


def iam_arn(kind: str, name: str, account: str = A) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def user_arn(name: str, account: str = A) -> str:
    return iam_arn("user", name, account)


def role_arn(name: str, account: str = A) -> str:
    return iam_arn("role", name, account)


def group_arn(name: str, account: str = A) -> str:
    return iam_arn("group", name, account)


def policy_arn(name: str, account: str = A) -> str:
    return iam_arn("policy", name, account)


def profile_arn(name: str, account: str = A) -> str:
    return iam_arn("instance-profile", name, account)


def root_arn(account: str = A) -> str:
    return f"arn:aws:iam::{account}:root"


def session_arn(role: str, account: str = A, session: str = SESSION_NAME) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role}/{session}"


def instance_arn(instance_id: str, account: str = A) -> str:
    return f"arn:aws:ec2:{REGION}:{account}:instance/{instance_id}"


def function_arn(name: str, account: str = A) -> str:
    return f"arn:aws:lambda:{REGION}:{account}:function:{name}"


def stack_arn(name: str, account: str = A) -> str:
    return f"arn:aws:cloudformation:{REGION}:{account}:stack/{name}/4a1b2c3d"


def project_arn(name: str, account: str = A) -> str:
    return f"arn:aws:codebuild:{REGION}:{account}:project/{name}"


def saml_arn(name: str, account: str = A) -> str:
    return iam_arn("saml-provider", name, account)


def oidc_arn(host: str, account: str = A) -> str:
    return iam_arn("oidc-provider", host, account)


# --- policy documents -------------------------------------------------------------------------


def stmt(
    effect: str,
    action: str | list[str] | None = None,
    resource: str | list[str] | None = "*",
    *,
    condition: Doc | None = None,
    principal: Doc | str | None = None,
    not_action: str | list[str] | None = None,
) -> Doc:
    out: Doc = {"Effect": effect}
    if principal is not None:
        out["Principal"] = principal
    if not_action is not None:
        out["NotAction"] = not_action
    elif action is not None:
        out["Action"] = action
    if resource is not None:
        out["Resource"] = resource
    if condition is not None:
        out["Condition"] = condition
    return out


def doc(*statements: Doc) -> Doc:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(
    action: str | list[str], resource: str | list[str] = "*", condition: Doc | None = None
) -> Doc:
    """An identity policy with one Allow statement."""
    return doc(stmt("Allow", action, resource, condition=condition))


def deny(
    action: str | list[str], resource: str | list[str] = "*", condition: Doc | None = None
) -> Doc:
    return doc(stmt("Deny", action, resource, condition=condition))


def trust(
    principal: Doc | str,
    action: str | list[str] = "sts:AssumeRole",
    condition: Doc | None = None,
) -> Doc:
    """A trust policy with one Allow statement (trust policies have no Resource)."""
    return doc(stmt("Allow", action, None, condition=condition, principal=principal))


def trust_aws(*principals: str, condition: Doc | None = None) -> Doc:
    value: str | list[str] = principals[0] if len(principals) == 1 else list(principals)
    return trust({"AWS": value}, condition=condition)


def trust_service(service: str, condition: Doc | None = None) -> Doc:
    return trust({"Service": service}, condition=condition)


ADMIN = allow("*")  # AdministratorAccess
IAM_FULL = allow("iam:*")  # IAMFullAccess (iam:*, organizations read, ...)
READ_ONLY = allow(["iam:Get*", "iam:List*", "s3:Get*", "s3:List*", "ec2:Describe*"])
FULL_AWS_ACCESS = allow("*")  # the FullAWSAccess SCP every OU starts with


def parse(document: Doc, type_: PolicyType = PolicyType.IDENTITY, name: str = "") -> Policy:
    return parse_policy(json.dumps(document), type_, name or type_.value)


def parse_all(documents: Iterable[Doc], prefix: str) -> tuple[Policy, ...]:
    return tuple(parse(d, PolicyType.IDENTITY, f"{prefix}-{i}") for i, d in enumerate(documents))


# --- the sandbox ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Managed:
    """A customer managed policy: its document (the default version) applies to whatever it
    is attached to. ``older`` holds the documents of its other versions, when the sandbox
    knows them; ``versions`` counts them all."""

    name: str
    document: Doc
    versions: int = 1
    account: str = A
    older: tuple[Doc, ...] = ()

    @property
    def arn(self) -> str:
        return policy_arn(self.name, self.account)

    def to_input(self) -> ManagedPolicyIn:
        return ManagedPolicyIn(
            self.arn,
            self.name,
            self.account,
            max(self.versions, 1 + len(self.older)),
            default=parse(self.document, name=self.name),
            other_versions=tuple(parse(d, name=f"v{i}") for i, d in enumerate(self.older, start=1)),
        )


@dataclass(frozen=True)
class Group:
    name: str
    policies: tuple[Doc, ...] = ()
    managed: tuple[Managed, ...] = ()
    account: str = A

    @property
    def arn(self) -> str:
        return group_arn(self.name, self.account)

    def to_input(self) -> GroupIn:
        documents = [*self.policies, *(m.document for m in self.managed)]
        return GroupIn(
            self.arn,
            self.name,
            self.account,
            parse_all(documents, f"group-{self.name}"),
            tuple(m.arn for m in self.managed),
        )


def _tag_keys(tags: Mapping[str, str] | None) -> dict[str, str]:
    return {f"aws:PrincipalTag/{key}": value for key, value in (tags or {}).items()}


def group(name: str, *policies: Doc, managed: Sequence[Managed] = (), account: str = A) -> Group:
    return Group(name, tuple(policies), tuple(managed), account)


def user(
    name: str,
    *policies: Doc,
    account: str = A,
    boundary: Doc | None = None,
    groups: Sequence[Group] = (),
    managed: Sequence[Managed] = (),
    console_password: bool = False,
    access_keys: int = 0,
    mfa: bool = False,
    tags: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> PrincipalIn:
    """An IAM user; its identity policies are its own, its groups' and its managed policies'."""
    documents = [*policies, *(m.document for m in managed)]
    for g in groups:
        documents.extend(g.policies)
        documents.extend(m.document for m in g.managed)
    keys: dict[str, Any] = {"aws:userid": f"AIDA{name.upper()}EXAMPLE"}
    keys.update(_tag_keys(tags))
    keys.update(context or {})
    return PrincipalIn(
        user_arn(name, account),
        "user",
        name,
        account,
        context=keys,
        identity=parse_all(documents, f"user-{name}"),
        boundary=None if boundary is None else parse(boundary, PolicyType.BOUNDARY),
        groups=tuple(g.arn for g in groups),
        managed_policies=tuple(m.arn for m in managed),
        console_password=console_password,
        access_keys=access_keys,
        mfa=mfa,
        ref=f"user:{name}",
    )


def role(
    name: str,
    trust_doc: Doc,
    *policies: Doc,
    account: str = A,
    boundary: Doc | None = None,
    managed: Sequence[Managed] = (),
    service_linked: bool = False,
    tags: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> PrincipalIn:
    """An IAM role; it calls AWS as a session of itself, as graphing.py has it."""
    path = "aws-service-role/" if service_linked else ""
    arn = iam_arn("role", f"{path}{name}", account)
    documents = [*policies, *(m.document for m in managed)]
    keys: dict[str, Any] = {"aws:userid": f"AROA{name.upper()}EXAMPLE:{SESSION_NAME}"}
    keys.update(_tag_keys(tags))
    keys.update(context or {})
    return PrincipalIn(
        arn,
        "role",
        name,
        account,
        caller_arn=session_arn(name, account),
        issuer=arn,
        context=keys,
        identity=parse_all(documents, f"role-{name}"),
        boundary=None if boundary is None else parse(boundary, PolicyType.BOUNDARY),
        trust=parse(trust_doc, PolicyType.TRUST, f"trust-{name}"),
        managed_policies=tuple(m.arn for m in managed),
        service_linked=service_linked,
        ref=f"role:{name}",
    )


def root(account: str = A) -> PrincipalIn:
    return PrincipalIn(root_arn(account), "root", "root", account, context={"aws:userid": account})


def resource(
    kind: str,
    arn: str,
    *,
    runs_as: str | None = None,
    policy: Doc | None = None,
    account: str = A,
    tags: Mapping[str, str] | None = None,
) -> ResourceIn:
    name = arn.split(":")[-1].split("/")[-1] if kind != "stack" else arn.split("/")[1]
    return ResourceIn(
        arn,
        kind,
        name,
        account,
        None if policy is None else parse(policy, PolicyType.RESOURCE, f"policy-{name}"),
        {f"aws:ResourceTag/{key}": value for key, value in (tags or {}).items()},
        role=runs_as,
    )


def profile(name: str, holds: str | None, account: str = A) -> ProfileIn:
    return ProfileIn(profile_arn(name, account), name, account, holds)


def instance(
    instance_id: str, uses: ProfileIn | None, *, running: bool = True, account: str = A
) -> InstanceIn:
    return InstanceIn(
        instance_arn(instance_id, account),
        instance_id,
        f"web-{instance_id[-4:]}",
        account,
        None if uses is None else uses.arn,
        running,
    )


Levels = tuple[tuple[Doc, ...], ...]  # one tuple of documents per level: root, OU, account


def _levels(levels: Levels, type_: PolicyType) -> tuple[tuple[Policy, ...], ...]:
    return tuple(
        tuple(parse(d, type_, f"{type_.value}-{n}-{i}") for i, d in enumerate(level))
        for n, level in enumerate(levels)
    )


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    scps: Levels = ()
    rcps: Levels = ()

    def to_input(self) -> AccountIn:
        return AccountIn(
            self.account_id,
            self.name,
            _levels(self.scps, PolicyType.SCP),
            _levels(self.rcps, PolicyType.RCP),
        )


def with_scp(*documents: Doc, account: str = A, name: str = "learner") -> Account:
    """An account in an organization: FullAWSAccess at the root, ``documents`` on the account
    beside FullAWSAccess (SCPs must allow at every level, so the deny-list style keeps it)."""
    return Account(account, name, ((FULL_AWS_ACCESS,), (FULL_AWS_ACCESS, *documents)))


RCP_FULL_AWS_ACCESS = doc(stmt("Allow", "*", "*", principal="*"))


def rcp_deny(action: str | list[str], condition: Doc | None = None) -> Doc:
    """A resource control policy statement: RCPs name Principal "*" and only deny."""
    return doc(stmt("Deny", action, "*", principal="*", condition=condition))


def with_rcp(*documents: Doc, account: str = A, name: str = "learner") -> Account:
    """An account whose resources are capped by RCPs (beside RCPFullAWSAccess)."""
    return Account(account, name, rcps=((RCP_FULL_AWS_ACCESS,), (RCP_FULL_AWS_ACCESS, *documents)))


@dataclass
class World:
    principals: list[PrincipalIn]
    accounts: list[Account] = field(
        default_factory=lambda: [Account(A, "learner"), Account(B, "partner")]
    )
    groups: list[Group] = field(default_factory=list)
    policies: list[Managed] = field(default_factory=list)
    resources: list[ResourceIn] = field(default_factory=list)
    profiles: list[ProfileIn] = field(default_factory=list)
    instances: list[InstanceIn] = field(default_factory=list)
    providers: list[ProviderIn] = field(default_factory=list)
    sso: list[SsoGrantIn] = field(default_factory=list)
    sessions: list[SessionIn] = field(default_factory=list)

    def to_input(self) -> GraphInput:
        accounts = {a.account_id: a for a in [Account(A, "learner"), Account(B, "partner")]}
        accounts.update({a.account_id: a for a in self.accounts})
        managed = {m.arn: m for m in self.policies}
        for g in self.groups:
            managed.update({m.arn: m for m in g.managed})
        return GraphInput(
            accounts=tuple(a.to_input() for a in accounts.values()),
            principals=tuple(self.principals),
            groups=tuple(g.to_input() for g in self.groups),
            policies=tuple(m.to_input() for m in managed.values()),
            resources=tuple(self.resources),
            profiles=tuple(self.profiles),
            instances=tuple(self.instances),
            providers=tuple(self.providers),
            sso=tuple(self.sso),
            sessions=tuple(self.sessions),
        )

    def build(self) -> AccessGraph:
        return build_graph(self.to_input())


def graph(
    *principals: PrincipalIn,
    accounts: Sequence[Account] = (),
    groups: Sequence[Group] = (),
    policies: Sequence[Managed] = (),
    resources: Sequence[ResourceIn] = (),
    profiles: Sequence[ProfileIn] = (),
    instances: Sequence[InstanceIn] = (),
    providers: Sequence[ProviderIn] = (),
    sso: Sequence[SsoGrantIn] = (),
    sessions: Sequence[SessionIn] = (),
) -> AccessGraph:
    """The graph of a sandbox with these principals and parts."""
    return World(
        list(principals),
        list(accounts),
        list(groups),
        list(policies),
        list(resources),
        list(profiles),
        list(instances),
        list(providers),
        list(sso),
        list(sessions),
    ).build()


# --- looking at the graph ---------------------------------------------------------------------


def edges(
    g: AccessGraph,
    source: str | None = None,
    target: str | None = None,
    kind: str | None = None,
    technique: str | None = None,
) -> list[Edge]:
    """The stored edges that match every filter given."""
    return [
        e
        for e in g.edges
        if (source is None or e.source == source)
        and (target is None or e.target == target)
        and (kind is None or e.kind == kind)
        and (technique is None or e.technique == technique)
    ]


def one_edge(
    g: AccessGraph,
    source: str,
    target: str,
    kind: str,
    technique: str | None = None,
) -> Edge:
    found = edges(g, source, target, kind, technique)
    assert len(found) == 1, f"expected one {kind} edge {source} -> {target}, got {found}"
    return found[0]


def is_admin(g: AccessGraph, arn: str) -> bool:
    return bool(g.nodes[arn].is_admin)
