"""Privilege-escalation edges: the techniques of :mod:`.techniques` that need no service to
run code (credentials of another user, a rewritten trust policy, joining a group, a policy on
itself, a new or older policy version, taking over what already runs as a role), and who is
an admin to begin with."""

from __future__ import annotations

import dataclasses
import functools

from iamlab.policy import Policy, PolicyType, parse_policy

from . import techniques as tq
from .asking import _Asker
from .core import _if, _merged, _replace, _Template
from .inputs import ManagedPolicyIn, PrincipalIn
from .model import Edge
from .runs_as import _RunsAs

ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"

# A way to give oneself more: technique, what it does, actions, conditions, what it gains.
_Way = tuple[str, str, tuple[str, ...], tuple[str, ...], str]
_ANY_PERMISSION = "give itself any permission"


def _probe_arns(account: str) -> tuple[tuple[str, str], ...]:
    user = f"arn:aws:iam::{account}:user/iamlab-admin-probe"
    role = f"arn:aws:iam::{account}:role/iamlab-admin-probe"
    policy = f"arn:aws:iam::{account}:policy/iamlab-admin-probe"
    return (
        ("iam:PutUserPolicy", user),
        ("iam:PutRolePolicy", role),
        ("iam:AttachUserPolicy", user),
        ("iam:AttachRolePolicy", role),
        ("iam:CreateAccessKey", user),
        ("iam:UpdateAssumeRolePolicy", role),
        ("iam:CreatePolicyVersion", policy),
        ("iam:PassRole", role),
        ("iam:DeleteUserPermissionsBoundary", user),
        ("iam:DeleteRolePermissionsBoundary", role),
    )


_PROBE_ACTIONS = frozenset(action for action, _ in _probe_arns("000000000000"))
# The actions a group's member could give itself anything with (see _Builder._self_ways).
_SELF_ACTIONS = frozenset(
    {
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
    }
)


class _Escalation(_RunsAs):
    """Who is an admin, and the techniques that lead elsewhere or to more of one's own
    permissions. Built on runs-as: PassRole is one of the techniques a principal is asked
    about, after the others of its kind."""

    def find_admins(self) -> None:
        """Choice: a principal is an admin when the engine allows it every IAM action that gives
        full control of its account (writing any user's or role's policies, access keys and
        trust policies, new policy versions, passing any role, removing boundaries), on
        resources of its own account, with no condition to meet. AdministratorAccess and
        IAMFullAccess both qualify: with IAM unrestricted, a principal can grant itself `*`.
        The root user qualifies unless SCPs hold it back. SCPs still cap what an admin can
        then do; iamlab calls it an admin of its account within its organization's limits."""
        for p in self.input.principals:
            hits = self._hits(p.identity)
            self.hits[p.arn] = hits
            if p.kind != "root" and not hits >= _PROBE_ACTIONS:
                continue
            extra = {"iam:PolicyARN": ADMIN_POLICY_ARN}
            if all(
                self.ask.decide(p, action, arn, extra) for action, arn in _probe_arns(p.account_id)
            ):
                self.admins.add(p.arn)
                reason = (
                    "The root user has full access to its account."
                    if p.kind == "root"
                    else "Its policies allow every IAM action on its account's users, roles and "
                    "policies, so it can give itself any permission."
                )
                self.nodes[p.arn] = _replace(self.nodes[p.arn], is_admin=True, admin_reason=reason)
        for g in self.input.groups:
            # A member that has nothing but the group's policies: an admin by the probe, or
            # by a way to grant itself anything (a policy on itself or on the group, a new or
            # an older version of a policy attached to the group). Asked apart (the what-if
            # asker shares no answers), as the probe's ARN is the same for every group.
            hits = self._hits(g.policies)
            if not hits & _SELF_ACTIONS and not hits >= _PROBE_ACTIONS:
                continue
            probe = PrincipalIn(
                f"arn:aws:iam::{g.account_id}:user/iamlab-group-probe",
                "user",
                "iamlab-group-probe",
                g.account_id,
                identity=g.policies,
                groups=(g.arn,),
            )
            if self._would_be_admin(probe, versions=True):
                self.admin_groups.add(g.arn)
                self.nodes[g.arn] = _replace(self.nodes[g.arn], grants_admin=True)

    def techniques(self) -> None:
        profile_roles = {prof.role for prof in self.input.profiles if prof.role}
        self._runner_pools()
        for p in self.input.principals:
            if p.arn in self.admins or p.kind == "root" or p.service_linked:
                continue  # admins reach everything anyway; only AWS controls service-linked roles
            hits = self.hits.get(p.arn, frozenset())
            if not hits:
                continue
            self._credentials(p, hits)
            self._self(p, hits)
            self._pass_role(p, hits, profile_roles)
            self._takeovers(p, hits)

    def _credentials(self, p: PrincipalIn, hits: frozenset[str]) -> None:
        # Not shared per class: a policy on user/${aws:username} sets each user apart, and
        # allowed_in(others=True) already shares the answers on the other users.
        self.emit(p, self._credential_edges(p, hits))
        if "iam:UpdateAssumeRolePolicy" in hits:
            for r in self.allowed_in(p, "iam:UpdateAssumeRolePolicy", self.roles[p.account_id]):
                if r.arn == p.arn or r.service_linked:
                    continue
                if not self._could_assume_if_trusted(p, r):
                    continue
                self.edge(
                    Edge(
                        p.arn,
                        r.arn,
                        "escalate",
                        "rewrites trust",
                        f"It may rewrite the trust policy of {r.name} "
                        "(iam:UpdateAssumeRolePolicy) to trust itself, then assume the role.",
                        technique="update-assume-role-policy",
                        actions=("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
                    )
                )
        if "iam:AddUserToGroup" in hits and p.kind == "user":
            for g in self.allowed_in(p, "iam:AddUserToGroup", self.account_groups[p.account_id]):
                if g.arn in p.groups:
                    continue
                capped = " Its permissions boundary still caps what it gains." if p.boundary else ""
                self.edge(
                    Edge(
                        p.arn,
                        g.arn,
                        "escalate",
                        "joins group",
                        f"It may add itself to group {g.name} (iam:AddUserToGroup) and so get "
                        f"the group's permissions.{capped}",
                        technique="add-user-to-group",
                        actions=("iam:AddUserToGroup",),
                    )
                )

    def _credential_edges(self, p: PrincipalIn, hits: frozenset[str]) -> list[_Template]:
        """Access keys and console passwords of the other users of ``p``'s account."""
        users = self.users[p.account_id]
        out: list[_Template] = []
        if "iam:CreateAccessKey" in hits:
            for u in self.allowed_in(p, "iam:CreateAccessKey", users, others=True):
                actions: tuple[str, ...] = ("iam:CreateAccessKey",)
                if u.access_keys >= 2:
                    # IAM allows two access keys per user: a third needs one deleted first.
                    if not (
                        "iam:DeleteAccessKey" in hits
                        and self.ask.decide(p, "iam:DeleteAccessKey", u.arn)
                    ):
                        continue
                    actions += ("iam:DeleteAccessKey",)
                out.append(
                    (
                        u.arn,
                        "escalate",
                        "creates access key",
                        f"It may create an access key for {u.name} ({', '.join(actions)}) and "
                        f"then call AWS as {u.name}, with all of {u.name}'s permissions.",
                        (),
                        "create-access-key",
                        actions,
                    )
                )
        for action, has in (("iam:CreateLoginProfile", False), ("iam:UpdateLoginProfile", True)):
            if action not in hits:
                continue
            for u in self.allowed_in(p, action, users, others=True):
                if u.console_password != has:
                    continue
                what = "set a console password for" if not has else "change the console password of"
                out.append(
                    (
                        u.arn,
                        "escalate",
                        "creates password" if not has else "resets password",
                        f"It may {what} {u.name} ({action}) and sign in to the console as "
                        f"{u.name}."
                        + (
                            f" {u.name} has MFA, so the sign-in also needs that device."
                            if u.mfa
                            else ""
                        ),
                        (f"{u.name}'s MFA device, to sign in",) if u.mfa else (),
                        "create-login-profile" if not has else "update-login-profile",
                        (action,),
                    )
                )
        return out

    def _could_assume_if_trusted(self, p: PrincipalIn, role: PrincipalIn) -> bool:
        """Would the engine allow ``p`` to assume ``role`` once the trust policy names it?"""
        trust = _trust_naming(p.arn)
        return self.ask.decide(p, "sts:AssumeRole", role.arn, resource_policy=trust)

    def _self(self, p: PrincipalIn, hits: frozenset[str]) -> None:
        """Attach, put or version a policy that applies to itself: more of its own
        permissions. Choice: this makes it an admin (it can grant itself anything) unless a
        permissions boundary caps it and it may not remove the boundary, or a condition the
        request must meet stands in the way (then the edge is conditional)."""
        ways = self._self_ways(p, hits, self.ask)
        if not ways:
            return
        ways = self._past_boundary(p, hits, ways, self.ask)
        for technique, what, actions, conditions, gain in ways:
            self.edge(
                Edge(
                    p.arn,
                    p.arn,
                    "escalate",
                    "grants itself more",
                    f"It may {what}, and so {gain}." + _if(conditions),
                    conditions,
                    technique=technique,
                    actions=actions,
                )
            )
        unconditional = [w for w in ways if not w[3] and w[4] == _ANY_PERMISSION]
        if unconditional:
            self.admins.add(p.arn)
            self.nodes[p.arn] = _replace(
                self.nodes[p.arn],
                is_admin=True,
                admin_reason=f"It may {unconditional[0][1]}, and so {_ANY_PERMISSION}.",
            )

    def _self_ways(
        self, p: PrincipalIn, hits: frozenset[str], ask: _Asker, versions: bool = True
    ) -> list[_Way]:
        """The ways ``p`` may give itself more: a policy on itself or on one of its groups, a
        new version of a customer managed policy attached to it (directly or through a group),
        and (with ``versions``) another of those policies' versions made the default. Each
        with the conditions a request must meet (a key the caller chooses)."""
        ways: list[_Way] = []
        extra = {"iam:PolicyARN": ADMIN_POLICY_ARN}
        kind = "User" if p.kind == "user" else "Role"
        for action, technique in (
            (f"iam:Put{kind}Policy", "put-own-policy"),
            (f"iam:Attach{kind}Policy", "attach-own-policy"),
        ):
            if action in hits:
                allowed, conditions = ask.conditional(p, action, p.arn, extra)
                if allowed:
                    ways.append(
                        (
                            technique,
                            f"add a policy to itself ({action})",
                            (action,),
                            conditions,
                            _ANY_PERMISSION,
                        )
                    )
        for group in p.groups:
            g = self.groups.get(group)
            if g is None:
                continue
            for action, technique in (
                ("iam:PutGroupPolicy", "put-group-policy"),
                ("iam:AttachGroupPolicy", "attach-group-policy"),
            ):
                if action in hits:
                    allowed, conditions = ask.conditional(p, action, g.arn, extra)
                    if allowed:
                        ways.append(
                            (
                                technique,
                                f"add a policy to its group {g.name} ({action})",
                                (action,),
                                conditions,
                                _ANY_PERMISSION,
                            )
                        )
        attached = list(p.managed_policies)
        for group in p.groups:
            g = self.groups.get(group)
            if g is not None:
                attached.extend(g.managed_policies)
        for arn in dict.fromkeys(attached):
            m = self.managed.get(arn)
            if m is None:
                continue  # AWS managed: nobody but AWS versions it
            if "iam:CreatePolicyVersion" in hits:
                allowed, conditions = ask.conditional(p, "iam:CreatePolicyVersion", arn)
                actions: tuple[str, ...] = ("iam:CreatePolicyVersion",)
                if allowed and m.versions >= 5:
                    # A managed policy keeps at most five versions: one must go first.
                    allowed, more = ask.conditional(p, "iam:DeletePolicyVersion", arn)
                    actions += ("iam:DeletePolicyVersion",)
                    conditions = _merged(conditions, more)
                if allowed:
                    ways.append(
                        (
                            "create-policy-version",
                            f"write a new default version of {m.name}, attached to it "
                            f"({', '.join(actions)})",
                            actions,
                            conditions,
                            _ANY_PERMISSION,
                        )
                    )
            if versions and "iam:SetDefaultPolicyVersion" in hits and m.versions > 1:
                allowed, conditions = ask.conditional(p, "iam:SetDefaultPolicyVersion", arn)
                if allowed:
                    way = self._older_version(p, m, hits, conditions)
                    if way is not None:
                        ways.append(way)
        return ways

    def _past_boundary(
        self, p: PrincipalIn, hits: frozenset[str], ways: list[_Way], ask: _Asker
    ) -> list[_Way]:
        """``ways`` once ``p`` removes its permissions boundary, which would cap whatever it
        grants itself; none when it may not."""
        if p.boundary is None:
            return ways
        action = f"iam:Delete{'User' if p.kind == 'user' else 'Role'}PermissionsBoundary"
        if action not in hits:
            return []
        allowed, conditions = ask.conditional(p, action, p.arn)
        if not allowed:
            return []
        return [
            (
                t,
                w + f" and remove its permissions boundary ({action})",
                a + (action,),
                _merged(c, conditions),
                gain,
            )
            for t, w, a, c, gain in ways
        ]

    def _older_version(
        self,
        p: PrincipalIn,
        m: ManagedPolicyIn,
        hits: frozenset[str],
        conditions: tuple[str, ...],
    ) -> _Way | None:
        """SetDefaultPolicyVersion on ``m``, attached to ``p``: worth it when another version
        grants more (access_policies_managed-versioning: "you can use the
        SetDefaultPolicyVersion operation to roll back to a previous version"). When the
        versions' documents are known, each is put in the default's place among ``p``'s
        policies and asked about: a version that makes ``p`` an admin (the admin probe, or a
        way to grant itself anything) makes the edge unconditional; one that only adds
        technique actions gives a conditional edge; none, no edge. Unknown documents leave
        the edge conditional on an older version granting more."""
        action = ("iam:SetDefaultPolicyVersion",)
        if not m.other_versions:
            return (
                "set-default-policy-version",
                f"make another version of {m.name} the default (iam:SetDefaultPolicyVersion)",
                action,
                (*conditions, f"an older version of {m.name} grants more"),
                _ANY_PERMISSION,
            )
        for version in m.other_versions:
            named = f" ({version.name})" if version.name else ""
            why = self._would_be_admin(self._with_version(p, m, version))
            if why:
                return (
                    "set-default-policy-version",
                    f"make an older version{named} of {m.name} the default "
                    f"(iam:SetDefaultPolicyVersion); that version {why}",
                    action,
                    conditions,
                    _ANY_PERMISSION,
                )
        more = sorted(
            frozenset().union(*(self._hits((v,)) for v in m.other_versions))
            - hits
            - {"sts:AssumeRole"}
        )
        if not more:
            return None
        return (
            "set-default-policy-version",
            f"make an older version of {m.name} the default (iam:SetDefaultPolicyVersion), "
            f"which also allows {', '.join(more[:4])}{', ...' if len(more) > 4 else ''}",
            action,
            conditions,
            "gain what that version allows",
        )

    def _with_version(
        self, p: PrincipalIn, m: ManagedPolicyIn, version: Policy, keep_boundary: bool = False
    ) -> PrincipalIn:
        """``p`` as it would be with ``version`` the default of ``m``: the version takes the
        default's place among its identity policies. Choice: when iamlab cannot tell which
        of them is the default (no ``default`` given, or none matches), the version is
        added beside them. Without its permissions boundary unless ``keep_boundary``: a way
        to grant itself more counts only once it removes it (see :meth:`_past_boundary`),
        while what it does with the version's permissions on others stays capped by it."""
        identity = list(p.identity)
        default = m.default
        for i, policy in enumerate(identity):
            if default is not None and (
                policy.statements is default.statements
                or (default.text is not None and policy.text == default.text)
            ):
                identity[i] = version
                break
        else:
            identity.append(version)
        boundary = p.boundary if keep_boundary else None
        variant = dataclasses.replace(p, identity=tuple(identity), boundary=boundary)
        self._variants.append(variant)  # kept alive: the what-if asker keys on id(identity)
        return variant

    def _would_be_admin(self, p: PrincipalIn, versions: bool = False) -> str:
        """Why ``p`` (a what-if principal) would be an admin, or "" when not: the admin
        probe, or a way to grant itself anything (an older version counted with
        ``versions`` only)."""
        ask = self._whatif()
        hits = self._hits(p.identity)
        extra = {"iam:PolicyARN": ADMIN_POLICY_ARN}
        if hits >= _PROBE_ACTIONS and all(
            ask.decide(p, action, arn, extra) for action, arn in _probe_arns(p.account_id)
        ):
            return "allows every IAM action on its account's users, roles and policies"
        ways = self._self_ways(p, hits, ask, versions=versions)
        if ways:
            ways = self._past_boundary(p, hits, ways, ask)
        for _technique, what, _actions, conditions, gain in ways:
            if not conditions and gain == _ANY_PERMISSION:
                return f"lets it {what}"
        return ""

    def _takeovers(self, p: PrincipalIn, hits: frozenset[str]) -> None:
        """Only kinds with something in ``p``'s account that runs as a role are asked about:
        an empty pool takes nothing over, and asking about it (even its class key) is the
        bulk of the work in an account without functions, stacks, projects or instances."""
        account = p.account_id
        uses = [
            (a, pool)
            for takeover in tq.TAKEOVERS
            if (pool := self.plain_runners.get((account, takeover.kind)))
            for a in dict.fromkeys(a for alt in takeover.alternatives for a in alt)
            if a in hits
        ]
        # Without a resource-based policy, the answers come per class of principal; with
        # one, they are the principal's own.
        if uses:
            self.emit(
                p, self.per_class(p, "takeovers", uses, lambda: self._takeover_edges(p, hits))
            )
        if any(self.policy_runners.get((account, t.kind)) for t in tq.TAKEOVERS):
            self.emit(p, self._takeover_edges(p, hits, with_policy=True))

    def _takeover_edges(
        self, p: PrincipalIn, hits: frozenset[str], with_policy: bool = False
    ) -> list[_Template]:
        """Takeovers of what runs as a role: without a resource-based policy, or (with
        ``with_policy``) with one."""
        out: list[_Template] = []
        for takeover in tq.TAKEOVERS:
            alternatives = [alt for alt in takeover.alternatives if all(a in hits for a in alt)]
            if not alternatives:
                continue
            if with_policy:
                pool = self.policy_runners.get((p.account_id, takeover.kind), {})
                allowed: dict[str, set[str]] = {}
            else:
                plain = self.plain_runners.get((p.account_id, takeover.kind), {})
                if not plain:
                    continue  # nothing of its kind runs as a role (see _takeovers)
                allowed = {
                    a: set(self.allowed_in(p, a, plain)) for alt in alternatives for a in alt
                }
                candidates = set().union(*(allowed[alt[0]] for alt in alternatives))
                runners = self.runners[(p.account_id, takeover.kind)]
                pool = {arn: runners[arn] for arn in plain if arn in candidates}
            for arn, (name, role, res) in pool.items():
                policy = res.policy if res is not None else None
                chosen = None
                for alternative in alternatives:
                    if all(
                        arn in allowed[a]
                        if policy is None
                        else self.ask.decide(p, a, arn, resource_policy=policy)
                        for a in alternative
                    ):
                        chosen = alternative
                        break
                if chosen is None:
                    continue
                out.append(
                    (
                        role,
                        "escalate",
                        f"takes over {takeover.label}",
                        f"{takeover.label} {name} runs as {role.rsplit('/', 1)[-1]}; it may "
                        f"{takeover.what}.",
                        (),
                        takeover.id,
                        chosen,
                    )
                )
        return out


@functools.lru_cache(maxsize=4096)
def _trust_naming(arn: str) -> Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"}
            ],
        },
        PolicyType.TRUST,
        name="The trust policy it would write",
        checks=False,
    )
