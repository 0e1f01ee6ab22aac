"""The course's topics: the seed text's subjects (the IAM user guide's chapter on identities).

A module of its own, free of the YAML reader, so the models that name a topic load without it:
every process sets the models up, few read a scenario folder.
"""

from __future__ import annotations

# In the seed text's order.
TOPICS: dict[str, str] = {
    "root-user": "The AWS account root user",
    "iam-users": "IAM users and access keys",
    "groups": "IAM user groups",
    "switching-roles": "Switching to a role",
    "cross-account": "Cross-account access",
    "service-role": "Service roles",
    "service-linked-role": "Service-linked roles",
    "ec2-instance-profile": "Roles for applications on EC2 (instance profiles)",
    "temporary-credentials": "Temporary security credentials",
    "saml-federation": "SAML 2.0 federation",
    "web-identity": "Web identity and OIDC federation",
    "custom-broker": "A custom identity broker",
    "identity-center": "IAM Identity Center",
    "emergency-access": "Emergency access",
    "service-credentials": "Service-specific credentials",
    "user-or-role": "When to choose a user or a role",
    "privilege-escalation": "Privilege escalation paths",
}
