"""The one bridge between the sandbox's rows and the policy engine.

:meth:`World.load` reads a sandbox in a fixed number of queries (one per table, whatever its
size) and builds plain, immutable engine objects: every principal with its identity policies,
boundary and tags, every resource with its resource-based policy, and the SCP and RCP levels of
every account. The engine never sees the ORM. Worlds are cached per ``(sandbox, version)``; any
change to the sandbox bumps its version (``signals.py``), so a cached world is never stale.

What the world adds to a request, as AWS would (reference_policies_condition-keys.html):
``aws:PrincipalTag/*``, ``aws:ResourceTag/*`` (and ``iam:ResourceTag/*`` for users and roles),
``aws:PrincipalOrgID``, ``aws:PrincipalOrgPaths``, ``aws:ResourceOrgID``, ``aws:ResourceOrgPaths``
and ``aws:userid``. Context the learner types wins over these. S3 buckets' tags are not
resource tags: bucket ABAC is off by default (buckets-tagging-enable-abac.html). A role's trust
policy is its resource-based policy for STS actions only.

Organizations rules (orgs_manage_policies_scps.html, orgs_manage_policies_rcps.html): SCPs
apply to the principals of member accounts, never to the management account; RCPs apply to the
resources of member accounts, never to the management account's. Service-linked roles are not
restricted by SCPs (the engine applies that rule from the role's ``/aws-service-role/`` path).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q

from iamlab.policy import (
    ALLOWED,
    Evaluation,
    Policy,
    PolicyError,
    PolicySet,
    PolicyType,
    Request,
    RequestError,
    parse_policy,
)

from . import models, rules

if TYPE_CHECKING:
    # STS loads with the first session or AssumeRole a process makes: a graph or a page that
    # only asks the engine never needs it (about 15 ms of every new process).
    from iamlab.policy import (
        CallerSpec,
        FederatedUserSession,
        RoleSpec,
        Session,
        StsDenied,
        UserSession,
    )

    # Every kind of temporary credentials the engine makes (iamlab.policy.TemporarySession).
    EngineSession = Session | UserSession | FederatedUserSession

DEFAULT_SESSION_NAME = "iamlab-session"


@dataclass(frozen=True)
class PolicySource:
    """Where a policy in an answer comes from, so the page can link to it."""

    label: str  # e.g. "ReadOnlyAccess (AWS managed, via group Auditors)"
    kind: str  # managed, inline, boundary, trust, resource, scp, rcp
    slug: str | None  # sandbox page kind, None for AWS managed
    pk: int | None
    aws_name: str | None = None  # AWS managed policy name


@dataclass(frozen=True)
class PrincipalInfo:
    key: str  # "user:12", "role:5", "root:3" (model pk)
    kind: str  # user, role, root
    arn: str
    name: str
    account_id: str
    unique_id: str
    path: str
    pk: int
    tags: Mapping[str, str] = field(default_factory=dict)
    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    trust: Policy | None = None
    managed_by: str = ""
    max_session_seconds: int = 3600

    @property
    def label(self) -> str:
        if self.kind == "root":
            return f"Root user of {self.account_id}"
        kind = {"user": "IAM user", "role": "Role"}[self.kind]
        return f"{kind} {self.name} ({self.account_id})"

    @property
    def slug(self) -> str:
        return {"user": "users", "role": "roles", "root": "accounts"}[self.kind]


@dataclass(frozen=True)
class ResourceInfo:
    arn: str
    kind: str  # s3, kms, ..., role
    name: str
    account_id: str
    pk: int
    slug: str
    policy: Policy | None
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        kinds = dict(models.Resource.KIND_CHOICES) | {"role": "Role", "user": "IAM user"}
        return f"{kinds[self.kind]} {self.name} ({self.account_id})"


@dataclass(frozen=True)
class GroupInfo:
    key: str  # "group:7"
    arn: str
    name: str
    account_id: str
    pk: int
    policies: tuple[Policy, ...]
    members: tuple[str, ...]  # user keys


@dataclass(frozen=True)
class Check:
    """One access check: the request as evaluated and the engine's explanation."""

    principal: PrincipalInfo
    request: Request
    evaluation: Evaluation
    resource: ResourceInfo | None
    sources: Mapping[Policy, PolicySource]

    @property
    def allowed(self) -> bool:
        return self.evaluation.allowed

    def source(self, policy: Policy) -> PolicySource | None:
        return self.sources.get(policy)


@functools.lru_cache(maxsize=8192)
def stored_policy(text: str, type_: PolicyType) -> Policy | None:
    """A stored document parsed once per process (None if IAM would refuse it).

    Stored documents were validated when they were saved, so only IAM's grammar is read here
    (``checks=False``: a large AWS managed policy in milliseconds, not a second). Worlds rename
    the result (a new object) before use, so sharing it is safe.
    """
    try:
        return parse_policy(text, type_, checks=False)
    except PolicyError:
        return None


class World:
    """An immutable snapshot of one sandbox, ready for the engine."""

    def __init__(self, sandbox_id: int, version: tuple[int, float]) -> None:
        self.sandbox_id = sandbox_id
        self.version = version
        self.principals: dict[str, PrincipalInfo] = {}
        self.groups: dict[str, GroupInfo] = {}
        self.resources: dict[str, ResourceInfo] = {}  # by ARN
        self.sources: dict[Policy, PolicySource] = {}
        self.problems: list[str] = []  # stored policies the engine could not parse
        self.accounts: dict[str, str] = {}  # account id -> name
        self.org_id: str | None = None
        self._org_path: dict[str, str] = {}  # account id -> o-.../r-.../ou-.../
        self._scps: dict[str, tuple[tuple[Policy, ...], ...]] = {}
        self._rcps: dict[str, tuple[tuple[Policy, ...], ...]] = {}
        self._buckets: dict[str, ResourceInfo] = {}
        self._secrets: dict[str, ResourceInfo] = {}
        self._sets: dict[tuple[str, int, str | None], PolicySet] = {}

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def for_sandbox(cls, sandbox: models.Sandbox) -> World:
        """The cached world of the sandbox's current version (read fresh from the database)."""
        row = (
            models.Sandbox.objects.filter(pk=sandbox.pk)
            .values_list("version", "created_at")
            .first()
        )
        if row is None:
            raise models.Sandbox.DoesNotExist
        # created_at tells apart two sandboxes that reused a primary key (a rolled-back test).
        version = (row[0], row[1].timestamp())
        return _cache.get(sandbox.pk, version, lambda: cls.load(sandbox.pk, version))

    @classmethod
    def load(cls, sandbox_id: int, version: tuple[int, float] = (0, 0.0)) -> World:
        world = cls(sandbox_id, version)
        world._load()
        return world

    def _policy(self, text: str, type_: PolicyType, source: PolicySource) -> Policy | None:
        parsed = stored_policy(text, type_)
        if parsed is None:
            self.problems.append(f"{source.label} is not a valid policy and was left out.")
            return None
        policy = parsed.renamed(source.label, aws_managed=source.aws_name is not None)
        self.sources[policy] = source
        return policy

    def _load(self) -> None:  # noqa: C901 - one pass per table, kept together on purpose
        sid = self.sandbox_id
        m = models
        accounts = {
            a["id"]: a
            for a in m.Account.objects.filter(sandbox_id=sid).values(
                "id", "account_id", "name", "organization_id", "parent_id", "is_management"
            )
        }
        acct_of = {pk: a["account_id"] for pk, a in accounts.items()}
        self.accounts = {a["account_id"]: a["name"] for a in accounts.values()}

        # Managed policies: the default version of every policy this sandbox can attach.
        managed: dict[int, Any] = {}
        for v in m.PolicyVersion.objects.filter(is_default=True, policy__sandbox_id=sid).values(
            "policy_id", "document", "policy__name", "policy__account_id"
        ):
            managed[v["policy_id"]] = v
        aws_names: dict[int, str] = {}
        # Of the ~1,600 AWS managed policies, only those this sandbox uses are read (and parsed).
        used = Q(policy_id__in=m.IamUser.objects.filter(sandbox_id=sid).values("boundary_id"))
        used |= Q(policy_id__in=m.Role.objects.filter(sandbox_id=sid).values("boundary_id"))
        for holder, column in ((m.IamUser, "iamuser"), (m.IamGroup, "iamgroup"), (m.Role, "role")):
            through = holder.managed_policies.through
            used |= Q(
                policy_id__in=through.objects.filter(**{f"{column}__sandbox_id": sid}).values(
                    "managedpolicy_id"
                )
            )
        for v in (
            m.PolicyVersion.objects.filter(is_default=True, policy__account__isnull=True)
            .filter(used)
            .values("policy_id", "document", "policy__name", "policy__account_id")
        ):
            managed[v["policy_id"]] = v
            aws_names[v["policy_id"]] = v["policy__name"]

        def managed_policy(pid: int, via: str, type_: PolicyType) -> Policy | None:
            v = managed.get(pid)
            if v is None:
                return None
            name = v["policy__name"]
            aws = pid in aws_names
            label = f"{name} ({'AWS managed' if aws else 'customer managed'}{via})"
            kind = "boundary" if type_ is PolicyType.BOUNDARY else "managed"
            source = PolicySource(
                label,
                kind,
                None if aws else "policies",
                None if aws else pid,
                name if aws else None,
            )
            return self._policy(v["document"], type_, source)

        def boundary(pid: int | None) -> Policy | None:
            if pid is None:
                return None
            return managed_policy(pid, ", permissions boundary", PolicyType.BOUNDARY)

        inline: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        for p in m.InlinePolicy.objects.filter(sandbox_id=sid).values(
            "id", "name", "document", "user_id", "group_id", "role_id"
        ):
            for owner in ("user", "group", "role"):
                if p[f"{owner}_id"] is not None:
                    inline[(owner, p[f"{owner}_id"])].append(p)

        def inline_policies(owner: str, pk: int, via: str) -> list[Policy]:
            found = []
            for p in inline[(owner, pk)]:
                source = PolicySource(f"{p['name']} (inline{via})", "inline", "inline", p["id"])
                policy = self._policy(p["document"], PolicyType.IDENTITY, source)
                if policy is not None:
                    found.append(policy)
            return found

        def attached(through: Any, column: str) -> dict[int, list[int]]:
            result: dict[int, list[int]] = defaultdict(list)
            for owner_id, policy_id in through.objects.filter(
                **{f"{column}__sandbox_id": sid}
            ).values_list(f"{column}_id", "managedpolicy_id"):
                result[owner_id].append(policy_id)
            return result

        # Groups and their policies (groups are not principals: their policies reach members).
        groups = {
            g["id"]: g
            for g in m.IamGroup.objects.filter(sandbox_id=sid).values(
                "id", "name", "path", "account_id"
            )
        }
        group_managed = attached(m.IamGroup.managed_policies.through, "iamgroup")
        group_policies: dict[int, list[Policy]] = {}
        for gid, g in groups.items():
            via = f", via group {g['name']}"
            found = inline_policies("group", gid, via)
            for pid in group_managed[gid]:
                if (pol := managed_policy(pid, via, PolicyType.IDENTITY)) is not None:
                    found.append(pol)
            group_policies[gid] = found
        member_of: dict[int, list[int]] = defaultdict(list)
        members: dict[int, list[str]] = defaultdict(list)
        for gid, uid in m.IamGroup.members.through.objects.filter(
            iamgroup__sandbox_id=sid
        ).values_list("iamgroup_id", "iamuser_id"):
            member_of[uid].append(gid)
            members[gid].append(f"user:{uid}")
        for gid, g in groups.items():
            acct = acct_of[g["account_id"]]
            self.groups[f"group:{gid}"] = GroupInfo(
                f"group:{gid}",
                rules.iam_arn(acct, "group", g["path"], g["name"]),
                g["name"],
                acct,
                gid,
                tuple(group_policies[gid]),
                tuple(members[gid]),
            )

        user_managed = attached(m.IamUser.managed_policies.through, "iamuser")
        for u in m.IamUser.objects.filter(sandbox_id=sid).values(
            "id", "name", "path", "unique_id", "account_id", "tags", "boundary_id"
        ):
            identity = inline_policies("user", u["id"], "")
            identity += [
                pol
                for pid in user_managed[u["id"]]
                if (pol := managed_policy(pid, "", PolicyType.IDENTITY)) is not None
            ]
            for gid in sorted(member_of[u["id"]], key=lambda g: groups[g]["name"].lower()):
                identity += group_policies[gid]
            acct = acct_of[u["account_id"]]
            info = PrincipalInfo(
                key=f"user:{u['id']}",
                kind="user",
                arn=rules.iam_arn(acct, "user", u["path"], u["name"]),
                name=u["name"],
                account_id=acct,
                unique_id=u["unique_id"],
                path=u["path"],
                pk=u["id"],
                tags=dict(u["tags"] or {}),
                identity=tuple(identity),
                boundary=boundary(u["boundary_id"]),
            )
            self.principals[info.key] = info
            self.resources[info.arn] = ResourceInfo(
                info.arn, "user", info.name, acct, info.pk, "users", None, info.tags
            )

        role_managed = attached(m.Role.managed_policies.through, "role")
        for r in m.Role.objects.filter(sandbox_id=sid).values(
            "id",
            "name",
            "path",
            "unique_id",
            "account_id",
            "tags",
            "boundary_id",
            "trust_policy",
            "managed_by",
            "max_session_duration",
        ):
            acct = acct_of[r["account_id"]]
            arn = rules.iam_arn(acct, "role", r["path"], r["name"])
            identity = inline_policies("role", r["id"], "")
            identity += [
                pol
                for pid in role_managed[r["id"]]
                if (pol := managed_policy(pid, "", PolicyType.IDENTITY)) is not None
            ]
            trust = self._policy(
                r["trust_policy"],
                PolicyType.TRUST,
                PolicySource(f"Trust policy of role {r['name']}", "trust", "roles", r["id"]),
            )
            info = PrincipalInfo(
                key=f"role:{r['id']}",
                kind="role",
                arn=arn,
                name=r["name"],
                account_id=acct,
                unique_id=r["unique_id"],
                path=r["path"],
                pk=r["id"],
                tags=dict(r["tags"] or {}),
                identity=tuple(identity),
                boundary=boundary(r["boundary_id"]),
                trust=trust,
                managed_by=r["managed_by"],
                max_session_seconds=r["max_session_duration"],
            )
            self.principals[info.key] = info
            self.resources[arn] = ResourceInfo(
                arn, "role", r["name"], acct, r["id"], "roles", trust, dict(r["tags"] or {})
            )

        for pk, a in accounts.items():
            root = PrincipalInfo(
                key=f"root:{pk}",
                kind="root",
                arn=f"arn:aws:iam::{a['account_id']}:root",
                name="root",
                account_id=a["account_id"],
                unique_id=a["account_id"],
                path="/",
                pk=pk,
            )
            self.principals[root.key] = root

        for res in m.Resource.objects.filter(sandbox_id=sid).select_related("account"):
            policy = None
            if res.policy.strip():
                type_ = PolicyType.RESOURCE
                policy = self._policy(
                    res.policy,
                    type_,
                    PolicySource(
                        f"{'Key' if res.kind == 'kms' else 'Resource-based'} policy of {res.name}",
                        "resource",
                        "resources",
                        res.pk,
                    ),
                )
            res_info = ResourceInfo(
                res.arn,
                res.kind,
                res.name,
                res.account.account_id,
                res.pk,
                "resources",
                policy,
                dict(res.tags or {}),
            )
            self.resources[res_info.arn] = res_info
            if res.kind == "s3":
                self._buckets[res.name] = res_info
            elif res.kind == "secret":
                # A secret's ARN ends in -XXXXXX; AWS also accepts the ARN without it.
                self._secrets[res_info.arn.rsplit("-", 1)[0]] = res_info

        self._load_organization(accounts)

    def _load_organization(self, accounts: dict[int, dict[str, Any]]) -> None:
        m = models
        org = (
            m.Organization.objects.filter(sandbox_id=self.sandbox_id)
            .values("id", "org_id", "root_id")
            .first()
        )
        if org is None:
            return
        self.org_id = org["org_id"]
        units = {
            u["id"]: u
            for u in m.OrgUnit.objects.filter(organization_id=org["id"]).values(
                "id", "parent_id", "unit_id", "name"
            )
        }
        policies: dict[int, dict[str, Any]] = {
            p["id"]: p
            for p in m.OrgPolicy.objects.filter(organization_id=org["id"]).values(
                "id", "kind", "name", "document"
            )
        }
        parsed: dict[int, Policy | None] = {}
        for pid, row in policies.items():
            type_ = PolicyType.SCP if row["kind"] == "scp" else PolicyType.RCP
            parsed[pid] = self._policy(
                row["document"],
                type_,
                PolicySource(
                    f"{row['name']} ({row['kind'].upper()})", row["kind"], "org-policies", pid
                ),
            )
        on_unit: dict[int, list[int]] = defaultdict(list)
        for policy_id, unit_id in m.OrgPolicy.target_units.through.objects.filter(
            orgpolicy__organization_id=org["id"]
        ).values_list("orgpolicy_id", "orgunit_id"):
            on_unit[unit_id].append(policy_id)
        on_account: dict[int, list[int]] = defaultdict(list)
        for policy_id, account_pk in m.OrgPolicy.target_accounts.through.objects.filter(
            orgpolicy__organization_id=org["id"]
        ).values_list("orgpolicy_id", "account_id"):
            on_account[account_pk].append(policy_id)

        def levels(ids_per_level: Sequence[list[int]], kind: str) -> tuple[tuple[Policy, ...], ...]:
            result = []
            for ids in ids_per_level:
                level = tuple(
                    pol
                    for pid in sorted(ids, key=lambda i: policies[i]["name"].lower())
                    if policies[pid]["kind"] == kind and (pol := parsed[pid]) is not None
                )
                result.append(level)
            return tuple(result)

        for pk, a in accounts.items():
            if a["organization_id"] != org["id"]:
                continue
            chain: list[int] = []
            node = a["parent_id"]
            while node is not None and node in units and node not in chain:  # never loop
                chain.append(node)
                node = units[node]["parent_id"]
            chain.reverse()
            acct = a["account_id"]
            self._org_path[acct] = (
                "/".join([org["org_id"], *(units[u]["unit_id"] for u in chain)]) + "/"
            )
            if a["is_management"]:
                continue  # SCPs and RCPs never apply to the management account
            per_level = [on_unit[u] for u in chain] + [on_account[pk]]
            self._scps[acct] = levels(per_level, "scp")
            self._rcps[acct] = levels(per_level, "rcp")

    # -- questions -------------------------------------------------------------------------

    def principal(self, key: str) -> PrincipalInfo | None:
        return self.principals.get(key)

    def resource_for(self, arn: str) -> ResourceInfo | None:
        """The sandbox resource an ARN names: the resource itself, or an object in a bucket."""
        found = self.resources.get(arn)
        if found is not None:
            return found
        if arn.startswith("arn:aws:s3:::"):
            bucket = arn[len("arn:aws:s3:::") :].split("/", 1)[0]
            return self._buckets.get(bucket)
        if arn.startswith("arn:aws:secretsmanager:"):
            return self._secrets.get(arn)
        return None

    def is_in_org(self, account_id: str) -> bool:
        return account_id in self._org_path

    def scps_for(self, account_id: str) -> tuple[tuple[Policy, ...], ...]:
        return self._scps.get(account_id, ())

    def rcps_for(self, account_id: str) -> tuple[tuple[Policy, ...], ...]:
        return self._rcps.get(account_id, ())

    def request_for(
        self,
        principal: PrincipalInfo,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
        session_name: str = DEFAULT_SESSION_NAME,
        region: str | None = None,
    ) -> tuple[Request, ResourceInfo | None]:
        """The request AWS would see; raises :class:`iamlab.policy.RequestError`.

        ``region`` becomes ``aws:RequestedRegion``: every call AWS receives goes to a region.
        """
        arn, issuer, ctx = self.caller(principal, session_name)
        if region:
            ctx["aws:RequestedRegion"] = region
        target, owner, target_ctx = self.resource_context(resource)
        ctx.update(target_ctx)
        given = {k.lower() for k in (context or {})}
        ctx = {k: v for k, v in ctx.items() if k.lower() not in given}
        ctx.update(context or {})
        request = Request(
            arn,
            action,
            resource,
            ctx,
            resource_owner=owner,
            session_issuer=issuer,
        )
        return request, target

    def resource_context(
        self, resource: str
    ) -> tuple[ResourceInfo | None, str | None, dict[str, Any]]:
        """The sandbox resource an ARN names, its owner, and the context keys AWS derives from
        it (its tags, its organization)."""
        target = self.resource_for(resource)
        ctx: dict[str, Any] = {}
        owner = target.account_id if target is not None else None
        if target is not None and target.kind != "s3":
            # S3 uses bucket tags for access only when the bucket has ABAC turned on, which is
            # off by default (buckets-tagging-enable-abac.html); iamlab's buckets have it off.
            for key, value in target.tags.items():
                ctx[f"aws:ResourceTag/{key}"] = value
                if target.kind in ("user", "role"):
                    ctx[f"iam:ResourceTag/{key}"] = value
        arn_account = resource.split(":")[4] if resource.count(":") >= 5 else ""
        org_owner = owner or (arn_account if arn_account.isdigit() else None)
        if org_owner is not None and org_owner in self._org_path:
            ctx["aws:ResourceOrgID"] = self.org_id
            ctx["aws:ResourceOrgPaths"] = [self._org_path[org_owner]]
        return target, owner, ctx

    def caller(
        self, principal: PrincipalInfo, session_name: str = DEFAULT_SESSION_NAME
    ) -> tuple[str, str | None, dict[str, Any]]:
        """The ARN a principal calls AWS with, its session issuer, and the context keys AWS
        derives from who it is (tags, organization, aws:userid)."""
        ctx: dict[str, Any] = {}
        for key, value in principal.tags.items():
            ctx[f"aws:PrincipalTag/{key}"] = value
        if principal.account_id in self._org_path:
            ctx["aws:PrincipalOrgID"] = self.org_id
            ctx["aws:PrincipalOrgPaths"] = [self._org_path[principal.account_id]]
        if principal.kind == "user":
            ctx["aws:userid"] = principal.unique_id
            return principal.arn, None, ctx
        if principal.kind == "role":
            ctx["aws:userid"] = f"{principal.unique_id}:{session_name}"
            arn = rules.assumed_role_arn(principal.account_id, principal.name, session_name)
            return arn, principal.arn, ctx
        return principal.arn, None, ctx

    # -- STS -------------------------------------------------------------------------------

    def role_spec(self, role: PrincipalInfo) -> RoleSpec:
        """A sandbox role as STS sees it: its trust policy, permissions and account's SCPs."""
        if role.kind != "role" or role.trust is None:
            raise RequestError("role", f"{role.label} has no valid trust policy to assume.")
        from iamlab.policy import RoleSpec

        return RoleSpec(
            arn=role.arn,
            trust=role.trust,
            max_session_seconds=role.max_session_seconds,
            identity=role.identity,
            boundary=role.boundary,
            scps=self.scps_for(role.account_id),
            rcps=self.rcps_for(role.account_id),
            unique_id=role.unique_id,
        )

    def caller_spec(
        self,
        principal: PrincipalInfo,
        context: Mapping[str, Any] | None = None,
        session_name: str = DEFAULT_SESSION_NAME,
    ) -> CallerSpec:
        """A sandbox principal calling STS (a role calls as a session of itself)."""
        arn, issuer, ctx = self.caller(principal, session_name)
        given = {k.lower() for k in (context or {})}
        ctx = {k: v for k, v in ctx.items() if k.lower() not in given} | dict(context or {})
        from iamlab.policy import CallerSpec

        return CallerSpec(
            principal=arn,
            identity=principal.identity,
            boundary=principal.boundary,
            scps=self.scps_for(principal.account_id),
            context=ctx,
            session_issuer=issuer,
        )

    def assume_role(
        self,
        caller: PrincipalInfo,
        role: PrincipalInfo,
        session_name: str,
        *,
        now: dt.datetime,
        context: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> Session | StsDenied:
        """AssumeRole from one sandbox principal into a sandbox role (see iamlab.policy.sts)."""
        from iamlab.policy import assume_role

        return assume_role(
            self.caller_spec(caller, context),
            self.role_spec(role),
            session_name,
            now=now,
            **options,
        )

    def check_session(
        self,
        session: EngineSession,
        principal: PrincipalInfo,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
        region: str | None = None,
        at: dt.datetime | None = None,
    ) -> Check:
        """A request made with temporary credentials: ``session`` is the engine's session
        (rebuilt from the sandbox's record: a role session, GetSessionToken credentials or a
        federated user), ``principal`` the role (or the IAM user / root user) behind it.

        The request carries what the sandbox derives for that principal (its tags, the
        organization, the resource's tags), then the session's own keys (session tags override
        the role's tags with the same key, ``aws:userid``, ``aws:TokenIssueTime``, MFA and
        federation keys), then what the learner typed. ``at`` is the sandbox clock's time.
        The session evaluates the request itself, so what its credentials can never call
        (``credential_refusal``) is refused whatever the policies say.
        """
        from iamlab.policy import Session

        session_name = session.session_name if isinstance(session, Session) else ""
        base, target = self.request_for(
            principal, action, resource, None, session_name or DEFAULT_SESSION_NAME, region
        )
        when = at or session.issued_at
        ctx: dict[str, Any] = dict(base.context)
        for extra in (session.context(when), dict(context or {})):
            given = {k.lower() for k in extra}
            ctx = {k: v for k, v in ctx.items() if k.lower() not in given} | extra
        resource_policy = target.policy if target is not None else None
        if target is not None and target.kind == "role" and base.service != "sts":
            resource_policy = None
        owner = base.resource_owner
        evaluation = session.evaluate(
            base.action,
            base.resource,
            ctx,
            resource_policy=resource_policy,
            rcps=self.rcps_for(owner) if owner else (),
            resource_owner=owner,
            time=when,
        )
        return Check(principal, evaluation.request, evaluation, target, self.sources)

    def policy_set(
        self, principal: PrincipalInfo, target: ResourceInfo | None, request: Request
    ) -> PolicySet:
        """The policies that apply to one principal's request on one resource. A role's trust
        policy is its resource-based policy for STS actions only: it says who may assume the
        role, and grants nothing else (reference_policies_elements_principal.html)."""
        resource_policy = target.policy if target is not None else None
        if target is not None and target.kind == "role" and request.service != "sts":
            resource_policy = None
        resource_owner = request.resource_owner
        key = (principal.key, id(resource_policy), resource_owner)
        found = self._sets.get(key)
        if found is None:
            found = PolicySet(
                identity=principal.identity,
                resource_policy=resource_policy,
                boundary=principal.boundary,
                scps=self.scps_for(principal.account_id),
                rcps=self.rcps_for(resource_owner) if resource_owner else (),
            )
            self._sets[key] = found
        return found

    def check(
        self,
        principal: PrincipalInfo,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
        session_name: str = DEFAULT_SESSION_NAME,
        region: str | None = None,
    ) -> Check:
        request, target = self.request_for(
            principal, action, resource, context, session_name, region
        )
        ps = self.policy_set(principal, target, request)
        return Check(principal, request, ps.evaluate(request), target, self.sources)

    def decide(
        self,
        principal: PrincipalInfo,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
        region: str | None = None,
    ) -> str:
        request, target = self.request_for(
            principal, action, resource, context, DEFAULT_SESSION_NAME, region
        )
        return self.policy_set(principal, target, request).decide(request)

    def who_can(
        self,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
        region: str | None = None,
    ) -> list[Check]:
        """Every principal allowed to make the request, with the engine's explanation."""
        allowed = []
        for principal in self.principals.values():
            request, target = self.request_for(
                principal, action, resource, context, DEFAULT_SESSION_NAME, region
            )
            ps = self.policy_set(principal, target, request)
            if ps.decide(request) == ALLOWED:
                allowed.append(
                    Check(principal, request, ps.evaluate(request), target, self.sources)
                )
        allowed.sort(key=lambda c: (c.principal.account_id, c.principal.kind, c.principal.name))
        return allowed


def world_weight(world: World) -> int:
    """What a world costs to keep, in units of about 3.5 KB: its principals, policies and
    resources (a 1,500-principal imported account is about 7,000 units, 24 MB)."""
    return 1 + len(world.principals) + len(world.sources) + len(world.resources)


class _WorldCache:
    """An LRU of worlds keyed by sandbox, bounded by their weight (IAMLAB_WORLD_CACHE_UNITS):
    a class of 50 students keeps about 125 sandboxes busy, which a cache bounded by count
    (it held 32) kept building again. A newer version replaces the older one."""

    def __init__(self) -> None:
        self._items: OrderedDict[int, tuple[World, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, sandbox_id: int, version: tuple[int, float], build: Callable[[], World]) -> World:
        with self._lock:
            found = self._items.get(sandbox_id)
            if found is not None and found[0].version == version:
                self._items.move_to_end(sandbox_id)
                return found[0]
        world = build()
        budget = settings.IAMLAB_WORLD_CACHE_UNITS
        weight = world_weight(world)
        with self._lock:
            old = self._items.pop(sandbox_id, None)
            if old is not None:
                self._weight -= old[1]
            self._items[sandbox_id] = (world, weight)
            self._weight += weight
            while self._weight > budget and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self._weight -= dropped
        return world

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0


_cache = _WorldCache()
