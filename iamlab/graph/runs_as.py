"""What runs as a role: the services a role's trust policy lets assume it (service roles),
instances and resources that run with a role's credentials, and passing a role to a service
that then runs code of the caller's choosing as it (id_roles_use_passrole,
id_roles_use_switch-role-ec2)."""

from __future__ import annotations

from collections.abc import Mapping

from . import techniques as tq
from .core import _ANY_RESOURCE, _RESOURCE_LABELS, _Core, _if, _Template
from .inputs import PrincipalIn
from .model import Edge

_PASS_ROLE_ACTIONS = tuple(
    dict.fromkeys(
        (
            "iam:PassRole",
            "iam:CreateInstanceProfile",
            "iam:AddRoleToInstanceProfile",
            *(a for t in tq.PASS_ROLE for alt in t.alternatives for a in alt),
        )
    )
)


class _RunsAs(_Core):
    """Service roles, what runs as a role, and PassRole. The service roles it finds
    (:attr:`service_roles`) are what PassRole and the takeovers of
    :class:`.escalation._Escalation` aim at, so the trust walk fills them in first."""

    def _service(self, role: PrincipalIn, service: str) -> None:
        allowed, conditions = self.ask.outsider(
            service, "sts:AssumeRole", role.arn, role.trust, role.account_id
        )
        if not allowed:
            return
        node = self.external(service)
        self.service_roles[service].append((role, conditions))
        what = "service-linked role" if role.service_linked else "service role"
        self.edge(
            Edge(
                node.id,
                role.arn,
                "assume",
                "can assume",
                f"The trust policy of {role.name} lets the AWS service {service} assume it: "
                f"it is a {what} the service uses to act in the account." + _if(conditions),
                conditions,
                actions=("sts:AssumeRole",),
            )
        )

    def runs_as(self) -> None:
        profiles = {prof.arn: prof for prof in self.input.profiles}
        ec2_roles = {r.arn for r, _ in self.service_roles.get("ec2.amazonaws.com", [])}
        for inst in self.input.instances:
            prof = profiles.get(inst.profile or "")
            if prof is None or not prof.role or prof.role not in self.nodes:
                continue
            if prof.role not in ec2_roles:
                continue  # EC2 cannot assume it: the instance gets no credentials
            self.edge(
                Edge(
                    inst.arn,
                    prof.role,
                    "runs_as",
                    "runs as",
                    f"Instance {inst.instance_id} was launched with instance profile "
                    f"{prof.name}; EC2 assumes its role and code on the instance gets the "
                    "credentials from the instance metadata service.",
                )
            )
        for r in self.input.resources:
            if r.role and r.role in self.nodes:
                self.edge(
                    Edge(
                        r.arn,
                        r.role,
                        "runs_as",
                        "runs as",
                        f"{_RESOURCE_LABELS.get(r.kind, r.kind)} {r.name} runs with the "
                        "permissions of this role.",
                    )
                )

    def _pass_role(self, p: PrincipalIn, hits: frozenset[str], profile_roles: set[str]) -> None:
        if "iam:PassRole" not in hits:
            return
        techniques = self._passable(p.account_id)
        if not techniques:
            return
        # Each action with the resources it is asked about: the roles, any resource ("*") for
        # the service's own actions, and the account's instance profiles. Only the actions
        # of techniques with a role to pass in p's account: the others draw no edge, so
        # their answers (and their class keys) are not needed.
        where = {
            "iam:PassRole": self.roles[p.account_id],
            "iam:CreateInstanceProfile": self._profiles_pool(p.account_id),
            "iam:AddRoleToInstanceProfile": self._profiles_pool(p.account_id),
        }
        needed = {"iam:PassRole"}
        for technique in techniques:
            needed.update(a for alt in technique.alternatives for a in alt)
            if technique.needs_profile:
                needed.update(("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"))
        uses = [
            (a, where.get(a, _ANY_RESOURCE))
            for a in _PASS_ROLE_ACTIONS
            if a in hits and a in needed
        ]
        self.emit(
            p,
            self.per_class(
                p, "pass_role", uses, lambda: self._pass_role_edges(p, hits, profile_roles)
            ),
        )

    def _passable(self, account: str) -> tuple[tq.PassRoleTechnique, ...]:
        """The PassRole techniques with a role to pass in ``account``: one its service may
        assume, not service-linked (the edges :meth:`_pass_role_edges` can draw). Asked
        once the trust edges have found the service roles."""
        found = self._passable_in.get(account)
        if found is None:
            found = self._passable_in[account] = tuple(
                technique
                for technique in tq.PASS_ROLE
                if any(
                    role.account_id == account and not role.service_linked
                    for role, _ in self.service_roles.get(technique.service, ())
                )
            )
        return found

    def _pass_role_edges(
        self, p: PrincipalIn, hits: frozenset[str], profile_roles: set[str]
    ) -> list[_Template]:
        out: list[_Template] = []
        for technique in self._passable(p.account_id):
            candidates = self.service_roles[technique.service]
            alternative = self._alternative(p, hits, technique.alternatives, "*")
            if alternative is None:
                continue
            profiles = next(iter(self._profiles_pool(p.account_id)))
            can_make_profile = technique.needs_profile and all(
                a in hits and self.ask.decide(p, a, profiles)
                for a in ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile")
            )
            for role, trust_conditions in candidates:
                if role.account_id != p.account_id or role.service_linked:
                    continue
                actions = ("iam:PassRole", *alternative)
                if technique.needs_profile and role.arn not in profile_roles:
                    if not can_make_profile:
                        continue
                    actions += ("iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile")
                if not self.could(p, "iam:PassRole", role.arn):
                    continue
                extra = {"iam:PassedToService": technique.service}
                allowed, conditions = self.ask.conditional(p, "iam:PassRole", role.arn, extra)
                if not allowed:
                    continue
                conditions = conditions + trust_conditions
                out.append(
                    (
                        role.arn,
                        "pass_role",
                        f"passes to {technique.label}",
                        f"It may pass {role.name} to {technique.label} (iam:PassRole with "
                        f"iam:PassedToService {technique.service}) and {technique.what}; "
                        f"{role.name} trusts {technique.service}." + _if(conditions),
                        conditions,
                        technique.id,
                        actions,
                    )
                )
        return out

    def _profiles_pool(self, account: str) -> Mapping[str, str]:
        """The ARN pattern a new instance profile of ``account`` is asked on, as a pool that
        lives as long as the build."""
        found = self._profile_pools.get(account)
        if found is None:
            arn = f"arn:aws:iam::{account}:instance-profile/*"
            found = self._profile_pools[account] = {arn: arn}
        return found

    def _alternative(
        self,
        p: PrincipalIn,
        hits: frozenset[str],
        alternatives: tuple[tuple[str, ...], ...],
        resource: str,
    ) -> tuple[str, ...] | None:
        for alternative in alternatives:
            if all(a in hits for a in alternative) and all(
                self.ask.decide(p, a, resource) for a in alternative
            ):
                return alternative
        return None

    def _runner_pools(self) -> None:
        """What already runs as a role, per account and kind: functions, stacks, build
        projects and running instances whose profile's role EC2 may assume."""
        for r in self.input.resources:
            if r.role:
                self.runners[(r.account_id, r.kind)][r.arn] = (r.name, r.role, r)
                if r.policy is None:
                    self.plain_runners[(r.account_id, r.kind)][r.arn] = r.arn
                else:
                    self.policy_runners[(r.account_id, r.kind)][r.arn] = (r.name, r.role, r)
        profiles = {prof.arn: prof for prof in self.input.profiles}
        ec2_roles = {r.arn for r, _ in self.service_roles.get("ec2.amazonaws.com", [])}
        for inst in self.input.instances:
            prof = profiles.get(inst.profile or "")
            if inst.running and prof is not None and prof.role and prof.role in ec2_roles:
                self.runners[(inst.account_id, "instance")][inst.arn] = (
                    inst.instance_id,
                    prof.role,
                    None,
                )
                self.plain_runners[(inst.account_id, "instance")][inst.arn] = inst.arn
