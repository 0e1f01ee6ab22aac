"""Trust edges: who may assume a role (sts:AssumeRole), by the role's trust policy and, for
a caller in the sandbox, its own identity-based policies (id_roles_use_permissions-to-switch,
reference_policies_evaluation-logic-cross-account). Reading a trust policy also finds the
services (:mod:`.runs_as`) and the identity providers (:mod:`.federation`) it names."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from iamlab.policy import Policy

from .asking import _caller_keys
from .core import _if
from .federation import _Federation
from .inputs import PrincipalIn
from .model import Edge
from .runs_as import _RunsAs


class _Trust(_Federation, _RunsAs):
    """Assume-role edges. Built on federation and runs-as because one walk over each role's
    trust policy finds every principal it names, and the edges are drawn in that order."""

    def trust_edges(self) -> None:
        providers = {prov.arn: prov for prov in self.input.providers}
        # Roles whose trust policy names a whole account (or anyone): any principal of that
        # account whose own policies allow sts:AssumeRole on the role may assume it.
        trusting = self.trusting
        trusting_anyone = self.trusting_anyone
        for role in self.input.principals:
            if role.kind != "role" or role.trust is None:
                continue
            named: dict[str, set[str]] = defaultdict(set)  # kind -> values
            for statement in role.trust.statements:
                if not statement.is_allow or statement.principal is None:
                    continue
                spec = statement.principal
                if spec.anyone or spec.negated:
                    named["anyone"].add("*")
                named["account"].update(spec.accounts)
                named["arn"].update(spec.arns)
                named["service"].update(spec.services)
                named["federated"].update(spec.federated)
            if named["anyone"]:
                trusting_anyone[role.arn] = role
            for account in named["account"]:
                if account in self.ask.accounts:
                    trusting[account][role.arn] = role
                else:
                    self._outsider_assume(role, account)
            for arn in named["arn"]:
                p = self.principals.get(arn)
                if p is not None:
                    self.named_by[p.arn].append(role)
                    self._assume(role, p)
                elif not _is_session_arn(arn):
                    self._outsider_assume(role, arn)
            for service in named["service"]:
                self._service(role, service)
            for federated in named["federated"]:
                prov = providers.get(federated)
                if prov is not None and prov.identity_center:
                    continue  # shown as Identity Center users reaching the role
                kind = prov.kind if prov is not None else "web"
                self._federate(role, federated, kind)
        for p in self.input.principals:
            if "sts:AssumeRole" not in self.hits.get(p.arn, frozenset()) or p.kind == "root":
                continue  # the trust names a whole account: the caller's own policies must allow
            self._account_trusts(p)
        self._sso_edges()

    def _account_trusts(self, p: PrincipalIn) -> None:
        """The roles ``p`` may assume because their trust policy names its whole account (or
        anyone) and its own policies allow sts:AssumeRole on them."""
        admin = p.arn in self.admins
        pool = self.trusting.get(p.account_id)
        for role, conditions in self._assumable(p, pool) if pool else ():
            if role.arn == p.arn or (admin and role.account_id == p.account_id):
                continue  # an admin of the role's account reaches it anyway (implied)
            self._assume_edge(role, p, conditions)
        anyone = self.trusting_anyone
        for role in self.pick(p, "sts:AssumeRole", anyone) if anyone else ():
            if admin and p.account_id == role.account_id:
                continue
            self._assume(role, p)

    def _assumable(
        self, p: PrincipalIn, pool: Mapping[str, PrincipalIn]
    ) -> list[tuple[PrincipalIn, tuple[str, ...]]]:
        """The roles of ``pool`` (roles whose trust policy names ``p``'s account, in it or in
        another account of the sandbox) that ``p`` may assume, with the conditions of each;
        ``p`` itself among them if its own trust allows. Worked out once per class of
        principal (see :meth:`_pool_key`)."""
        key = self._pool_key(p, pool)
        found = self._assumables.get(key) if key is not None else None
        if found is None:
            found = []
            for role in self.pick(p, "sts:AssumeRole", pool):
                allowed, conditions = self.ask.conditional(
                    p, "sts:AssumeRole", role.arn, resource_policy=role.trust
                )
                if allowed:
                    found.append((role, conditions))
            if key is not None:
                self._assumables[key] = found
        return found

    def _pool_key(self, p: PrincipalIn, pool: Mapping[str, PrincipalIn]) -> tuple[Any, ...] | None:
        """Principals with the same key may assume the same roles of ``pool``: the same
        class for sts:AssumeRole, the same values of what the pool's trust policies read
        about the caller, and not named by any of them (a principal they name keys on
        itself). None when a trust policy names callers in a way only the engine can match
        (NotPrincipal, unique IDs)."""
        reads = self._trust_reads.get(id(pool))
        if reads is None:
            reads = self._trust_reads[id(pool)] = self._reads_of_trusts(pool)
        owners, keys, named, opaque = reads
        if opaque:
            return None
        # The caller's class in its own account, and what each other account's RCPs read.
        cls = (
            self.ask.class_key(p, "sts:AssumeRole", p.account_id),
            *(self.ask.owner_key(p, "sts:AssumeRole", o) for o in owners if o != p.account_id),
        )
        if None in cls:
            return None
        base = self.ask.base(p)
        about = tuple((key, base.get(key)) for key in keys)
        itself = p.arn if p.arn in named or p.caller_arn in named else None
        return (cls, id(pool), about, itself)

    def _reads_of_trusts(
        self, pool: Mapping[str, PrincipalIn]
    ) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str], bool]:
        """The accounts of the roles of ``pool`` (whose RCPs apply), and what their trust
        policies read about the caller for sts:AssumeRole: the keys, the ARNs they name, and
        whether one names callers another way."""
        keys: set[str] = set()
        named: set[str] = set()
        owners = tuple(sorted({role.account_id for role in pool.values()}))
        for role in pool.values():
            if role.trust is None:
                continue
            for statement in role.trust.statements:
                if not statement.action.matches("sts:assumerole"):
                    continue
                spec = statement.principal
                if spec is not None and (spec.unique_ids or spec.negated):
                    return owners, (), frozenset(), True
                if spec is not None:
                    named.update(spec.arns)
                keys.update(_caller_keys(statement, self.ask.personal_keys))
        return owners, tuple(sorted(keys)), frozenset(named), False

    def _assume(self, role: PrincipalIn, p: PrincipalIn) -> None:
        if p.arn == role.arn or p.kind == "root":
            return  # STS refuses AssumeRole with root user credentials (id_roles_use_switch-role)
        allowed, conditions = self.ask.conditional(
            p, "sts:AssumeRole", role.arn, resource_policy=role.trust
        )
        if allowed:
            self._assume_edge(role, p, conditions)

    def _assume_edge(self, role: PrincipalIn, p: PrincipalIn, conditions: tuple[str, ...]) -> None:
        cross = p.account_id != role.account_id
        if cross:
            how = (
                f"The trust policy of {role.name} (account {role.account_id}) trusts it, and its "
                f"own policies in account {p.account_id} allow sts:AssumeRole on the role: a "
                "cross-account request needs both."
            )
        else:
            how = f"The trust policy of {role.name} trusts it" + (
                " by name, which is enough in the same account."
                if role.trust is not None and _names(role.trust, p.arn)
                else ", and its own policies allow sts:AssumeRole on the role."
            )
        if p.kind == "role":
            how += " A role assumes another through a session of itself (role chaining)."
        self.edge(
            Edge(
                p.arn,
                role.arn,
                "assume",
                "can assume" + (" (cross-account)" if cross else ""),
                how + _if(conditions),
                conditions,
                actions=("sts:AssumeRole",),
            )
        )

    def _outsider_assume(self, role: PrincipalIn, principal: str) -> None:
        node = self.external(principal)
        # A trust naming an account trusts the principals its administrators allow; STS refuses
        # the root user itself ("Roles may not be assumed by root accounts"), so ask as an IAM
        # user of that account standing in for them.
        caller = _outsider_stand_in(principal) if principal.isdigit() else principal
        allowed, conditions = self.ask.outsider(
            caller, "sts:AssumeRole", role.arn, role.trust, role.account_id
        )
        if not allowed:
            return
        who = (
            f"any principal of account {principal} that its administrators allow"
            if principal.isdigit()
            else principal
        )
        self.edge(
            Edge(
                node.id,
                role.arn,
                "assume",
                "can assume (cross-account)",
                f"The trust policy of {role.name} trusts {who}; that account's own policies "
                "must also allow sts:AssumeRole, and iamlab cannot see them." + _if(conditions),
                conditions,
                actions=("sts:AssumeRole",),
            )
        )


_SESSION = re.compile(r"arn:[\w-]+:sts::\d{12}:assumed-role/")


def _outsider_stand_in(account: str) -> str:
    return f"arn:aws:iam::{account}:user/iamlab-outsider"


def _is_session_arn(arn: str) -> bool:
    return _SESSION.match(arn) is not None


def _names(policy: Policy, arn: str) -> bool:
    return any(
        s.is_allow and s.principal is not None and arn in s.principal.arns
        for s in policy.statements
    )
