"""Federation edges: an identity provider's users signing in to a role (SAML 2.0, OpenID
Connect, web identity), and Identity Center users signing in to the roles their permission
sets are provisioned as (id_roles_providers, id_roles_create_for-idp)."""

from __future__ import annotations

from .asking import _owner
from .core import _Core, _if
from .inputs import PrincipalIn
from .model import Edge, Node

_ASSUME_ACTIONS = {
    "AWS": "sts:AssumeRole",
    "Service": "sts:AssumeRole",
    "saml": "sts:AssumeRoleWithSAML",
    "oidc": "sts:AssumeRoleWithWebIdentity",
    "web": "sts:AssumeRoleWithWebIdentity",
}


class _Federation(_Core):
    """Edges from identity providers and Identity Center users into roles. The trust walk
    (:class:`.trust._Trust`) finds the providers a trust policy names and hands each here."""

    def _federate(self, role: PrincipalIn, provider: str, kind: str) -> None:
        action = _ASSUME_ACTIONS.get(kind, "sts:AssumeRoleWithWebIdentity")
        allowed, conditions = self.ask.outsider(
            provider, action, role.arn, role.trust, role.account_id
        )
        if not allowed:
            return
        node = self.nodes.get(provider) or self.external(provider)
        if node.type == "external":
            node = Node(provider, "provider", provider, detail="web identity provider")
            self.nodes[provider] = node
        kind_text = {"saml": "a SAML 2.0 assertion", "oidc": "an OpenID Connect token"}.get(
            kind, "a web identity token"
        )
        self.edge(
            Edge(
                node.id,
                role.arn,
                "federate",
                "can federate into",
                f"Users of {node.label} can exchange {kind_text} for credentials of "
                f"{role.name} ({action}), because its trust policy names the provider."
                + _if(conditions),
                conditions,
                actions=(action,),
            )
        )

    def _sso_edges(self) -> None:
        """Identity Center users to the roles their permission sets are provisioned as."""
        for grant in self.input.sso:
            if grant.role not in self.nodes:
                continue
            via = f", through group {grant.via_group}," if grant.via_group else ""
            self.edge(
                Edge(
                    f"arn:aws:identitystore:::user/{grant.user_id}",
                    grant.role,
                    "federate",
                    f"signs in as {grant.permission_set_name}",
                    f"Identity Center user {grant.user_name} is assigned permission set "
                    f"{grant.permission_set_name}{via} in account {_owner(grant.role, '')}; "
                    "the access portal signs them in to its provisioned role through SAML "
                    "(sts:AssumeRoleWithSAML).",
                    technique="identity-center",
                    actions=("sts:AssumeRoleWithSAML",),
                )
            )
