"""A sandbox's access graph: the World and a few structural tables, handed to iamlab.graph.

The graph is cached per sandbox version and set of issued sessions, like the World: editing
the sandbox bumps the version, so the next page shows the new graph.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from django.conf import settings

from iamlab.graph import (
    AccessGraph,
    AccountIn,
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
from iamlab.policy import Policy, PolicyType

from . import models, rules
from .world import World, stored_policy

__all__ = ["access_graph", "graph_input"]


def graph_input(world: World, sandbox: models.Sandbox) -> GraphInput:  # noqa: C901 - one pass per table
    sid = sandbox.pk
    m = models
    accounts = tuple(
        AccountIn(acct, name, world.scps_for(acct), world.rcps_for(acct))
        for acct, name in world.accounts.items()
    )
    # Queries read into dicts are not ordered: their models' orderings (by Lower(name) for
    # most) cost more to build than the rows take to read.
    acct_of = dict(
        m.Account.objects.filter(sandbox_id=sid).order_by().values_list("id", "account_id")
    )

    policy_arn: dict[int, str] = {}
    customer: list[ManagedPolicyIn] = []
    # Every version's document: the graph puts an older one in the default's place to see
    # what iam:SetDefaultPolicyVersion would give (stored_policy shares the parsed
    # statements with the World's, which is how the graph finds the default among them).
    default_of: dict[int, Policy] = {}
    others_of: dict[int, list[tuple[str, str]]] = defaultdict(list)
    versions: dict[int, int] = defaultdict(int)
    for pid, vid, text, is_default in m.PolicyVersion.objects.filter(
        policy__sandbox_id=sid, policy__account__isnull=False
    ).values_list("policy_id", "version_id", "document", "is_default"):
        versions[pid] += 1
        if not is_default:
            others_of[pid].append((vid, text))  # parsed if the graph reads them
            continue
        parsed = stored_policy(text, PolicyType.IDENTITY)
        if parsed is not None:
            default_of[pid] = parsed
    for p in m.ManagedPolicy.objects.filter(sandbox_id=sid, account__isnull=False).values(
        "id", "name", "path", "account_id"
    ):
        arn = rules.iam_arn(acct_of[p["account_id"]], "policy", p["path"], p["name"])
        policy_arn[p["id"]] = arn
        customer.append(
            ManagedPolicyIn(
                arn,
                p["name"],
                acct_of[p["account_id"]],
                versions[p["id"]],  # counted above: the same policies' versions
                f"policy:{p['id']}",
                default=default_of.get(p["id"]),
                other_versions=_OtherVersions(others_of.get(p["id"], ())),
            )
        )

    def attached(through: Any, column: str) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = defaultdict(list)
        for owner, pid in through.objects.filter(**{f"{column}__sandbox_id": sid}).values_list(
            f"{column}_id", "managedpolicy_id"
        ):
            if pid in policy_arn:
                found[owner].append(policy_arn[pid])
        return {k: tuple(v) for k, v in found.items()}

    user_policies = attached(m.IamUser.managed_policies.through, "iamuser")
    role_policies = attached(m.Role.managed_policies.through, "role")
    group_policies = attached(m.IamGroup.managed_policies.through, "iamgroup")

    # Each user's access keys and MFA devices, counted here: two plain reads cost less than
    # counting them in the users' query (two joins, grouped).
    keys = Counter(
        m.AccessKey.objects.filter(user__sandbox_id=sid)
        .order_by()
        .values_list("user_id", flat=True)
    )
    mfas = Counter(
        m.MfaDevice.objects.filter(user__sandbox_id=sid)
        .order_by()
        .values_list("user_id", flat=True)
    )
    users = {
        pk: {"console_password": password, "keys": keys[pk], "mfas": mfas[pk]}
        for pk, password in m.IamUser.objects.filter(sandbox_id=sid)
        .order_by()
        .values_list("id", "console_password")
    }
    # The World holds every role of the sandbox: its ARN (for what refers to it by primary
    # key) and who manages it need no query of their own.
    roles = {info.pk: info.arn for info in world.principals.values() if info.kind == "role"}
    groups_of: dict[str, list[str]] = defaultdict(list)
    groups = []
    for g in world.groups.values():
        groups.append(
            GroupIn(g.arn, g.name, g.account_id, g.policies, group_policies.get(g.pk, ()), g.key)
        )
        for member in g.members:
            groups_of[member].append(g.arn)

    principals = []
    for info in world.principals.values():
        caller, issuer, context = world.caller(info)
        _, _, target_context = world.resource_context(info.arn)
        extra: dict[str, Any] = {}
        if info.kind == "user":
            u = users.get(info.pk, {})
            extra = {
                "groups": tuple(groups_of.get(info.key, ())),
                "managed_policies": user_policies.get(info.pk, ()),
                "console_password": bool(u.get("console_password")),
                "access_keys": int(u.get("keys", 0)),
                "mfa": bool(u.get("mfas", 0)),
            }
        elif info.kind == "role":
            extra = {
                "trust": info.trust,
                "managed_policies": role_policies.get(info.pk, ()),
                "service_linked": info.managed_by == "service-linked",
            }
        principals.append(
            PrincipalIn(
                info.arn,
                info.kind,
                info.name,
                info.account_id,
                caller_arn=caller,
                issuer=issuer,
                context=context,
                resource_context=target_context,
                identity=info.identity,
                boundary=info.boundary,
                ref=info.key,
                **extra,
            )
        )

    resources = []
    for res in m.Resource.objects.filter(sandbox_id=sid).select_related("account"):
        found = world.resources.get(res.arn)
        _, _, context = world.resource_context(res.arn)
        resources.append(
            ResourceIn(
                res.arn,
                res.kind,
                res.name,
                res.account.account_id,
                found.policy if found is not None else None,
                context,
                roles.get(res.role_id) if res.role_id else None,
                f"resource:{res.pk}",
            )
        )

    profiles = []
    profile_arns: dict[int, str] = {}
    for prof in m.InstanceProfile.objects.filter(sandbox_id=sid).values(
        "id", "name", "path", "account_id", "role_id"
    ):
        arn = rules.iam_arn(
            acct_of[prof["account_id"]], "instance-profile", prof["path"], prof["name"]
        )
        profile_arns[prof["id"]] = arn
        profiles.append(
            ProfileIn(
                arn,
                prof["name"],
                acct_of[prof["account_id"]],
                roles.get(prof["role_id"]) if prof["role_id"] else None,
                f"instanceprofile:{prof['id']}",
            )
        )
    instances = [
        InstanceIn(
            f"arn:aws:ec2:{i['region']}:{acct_of[i['account_id']]}:instance/{i['instance_id']}",
            i["instance_id"],
            i["name"],
            acct_of[i["account_id"]],
            profile_arns.get(i["instance_profile_id"]) if i["instance_profile_id"] else None,
            i["state"] == "running",
            f"instance:{i['id']}",
        )
        for i in m.Ec2Instance.objects.filter(sandbox_id=sid).values(
            "id", "instance_id", "name", "region", "account_id", "instance_profile_id", "state"
        )
    ]
    providers = tuple(
        ProviderIn(
            f"arn:aws:iam::{acct_of[p['account_id']]}:"
            f"{'saml-provider' if p['kind'] == 'saml' else 'oidc-provider'}/{p['name']}",
            p["kind"],
            p["name"],
            acct_of[p["account_id"]],
            p["managed_by"] == "identity-center",
            f"provider:{p['id']}",
        )
        for p in m.IdentityProvider.objects.filter(sandbox_id=sid).values(
            "id", "kind", "name", "account_id", "managed_by"
        )
    )
    return GraphInput(
        accounts=accounts,
        principals=tuple(principals),
        groups=tuple(groups),
        policies=tuple(customer),
        resources=tuple(resources),
        profiles=tuple(profiles),
        instances=tuple(instances),
        providers=providers,
        sso=_sso_grants(sandbox, roles),
        sessions=_sessions(sandbox),
        org_id=world.org_id,
    )


class _OtherVersions(Sequence[Policy]):
    """A managed policy's other versions (as ``ManagedPolicyIn.other_versions``), parsed
    the first time the graph reads them, each once. The graph reads only those of policies
    a principal may roll back, a few of them, and parsing every stored version was half the
    time of :func:`graph_input`. A version IAM would refuse is left out, as before."""

    __slots__ = ("_parsed", "_rows")

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        self._rows = tuple(rows)  # (version id, document)
        self._parsed: tuple[Policy, ...] | None = () if not self._rows else None

    def _versions(self) -> tuple[Policy, ...]:
        if self._parsed is None:
            found = []
            for vid, text in self._rows:
                parsed = stored_policy(text, PolicyType.IDENTITY)
                if parsed is not None:
                    found.append(parsed.renamed(vid))
            self._parsed = tuple(found)
        return self._parsed

    @overload
    def __getitem__(self, index: int) -> Policy: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Policy, ...]: ...

    def __getitem__(self, index: int | slice) -> Policy | tuple[Policy, ...]:
        return self._versions()[index]

    def __len__(self) -> int:
        return len(self._versions())

    def __iter__(self) -> Iterator[Policy]:
        return iter(self._versions())

    def __repr__(self) -> str:
        return f"<other versions: {len(self._rows)} stored>"


def _sso_grants(sandbox: models.Sandbox, roles: dict[int, str]) -> tuple[SsoGrantIn, ...]:
    m = models
    org = m.Organization.objects.filter(sandbox=sandbox).first()
    if org is None or not org.identity_center_enabled:
        return ()
    provisioned = {
        (r["permission_set_id"], r["account_id"]): roles[r["id"]]
        for r in m.Role.objects.filter(sandbox=sandbox, permission_set__isnull=False).values(
            "id", "permission_set_id", "account_id"
        )
    }
    group_members: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for gid, member, uname, uuid in m.SsoGroup.members.through.objects.filter(
        ssogroup__sandbox=sandbox
    ).values_list("ssogroup_id", "ssouser_id", "ssouser__user_name", "ssouser__user_id"):
        group_members[gid].append((member, uname, str(uuid)))
    grants = []
    for a in m.AccountAssignment.objects.filter(sandbox=sandbox).select_related(
        "permission_set", "sso_user", "sso_group"
    ):
        role = provisioned.get((a.permission_set_id, a.account_id))
        if role is None:
            continue
        ps = a.permission_set
        ps_arn = f"arn:aws:sso:::permissionSet/{org.sso_instance_id}/{ps.set_id}"
        if a.sso_user is not None:
            who: list[tuple[str, str, str]] = [(a.sso_user.user_name, str(a.sso_user.user_id), "")]
        else:
            assert a.sso_group is not None
            who = [(n, u, a.sso_group.name) for _, n, u in group_members[a.sso_group_id]]
        for name, uid, via in who:
            grants.append(SsoGrantIn(uid, name, ps_arn, ps.name, role, via))
    return tuple(grants)


def _sessions(sandbox: models.Sandbox) -> tuple[SessionIn, ...]:
    now = sandbox.now()
    found = []
    for s in models.StsSession.objects.filter(
        sandbox=sandbox, kind="assumed-role", role__isnull=False
    ).select_related("role", "role__account"):
        assert s.role is not None
        label = f"{s.role.name}/{s.session_name}"
        found.append(
            SessionIn(
                s.arn,
                s.role.arn,
                label,
                s.expired(now),
                bool(s.session_policy.strip() or s.policy_arns),
                f"session:{s.pk}",
            )
        )
    return tuple(found)


class _GraphCache:
    """An LRU of access graphs keyed by sandbox, bounded by their nodes and edges
    (IAMLAB_GRAPH_CACHE_UNITS, about 2 KB each), not by count: a class keeps about 125 small
    sandboxes busy, and 16 of them was too few."""

    def __init__(self) -> None:
        self._items: OrderedDict[int, tuple[Any, AccessGraph, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, sandbox: models.Sandbox, key: Any) -> AccessGraph | None:
        with self._lock:
            found = self._items.get(sandbox.pk)
            if found is not None and found[0] == key:
                self._items.move_to_end(sandbox.pk)
                return found[1]
        return None

    def put(self, sandbox: models.Sandbox, key: Any, graph: AccessGraph) -> None:
        weight = 1 + len(graph.nodes) + len(graph.edges)
        budget = settings.IAMLAB_GRAPH_CACHE_UNITS
        with self._lock:
            old = self._items.pop(sandbox.pk, None)
            if old is not None:
                self._weight -= old[2]
            self._items[sandbox.pk] = (key, graph, weight)
            self._weight += weight
            while self._weight > budget and len(self._items) > 1:
                _, (_, _, dropped) = self._items.popitem(last=False)
                self._weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0


_cache = _GraphCache()


def access_graph(sandbox: models.Sandbox) -> AccessGraph:
    """The sandbox's access graph, rebuilt when the sandbox or its sessions change."""
    world = World.for_sandbox(sandbox)
    sessions = tuple(models.StsSession.objects.filter(sandbox=sandbox).values_list("id", flat=True))
    key = (world.version, sessions, sandbox.clock_offset)
    graph = _cache.get(sandbox, key)
    if graph is None:
        graph = build_graph(graph_input(world, sandbox))
        _cache.put(sandbox, key, graph)
    return graph
