"""AWS managed policies as database rows, kept in step with ``fixtures/aws-managed-policies``.

They are global (no sandbox, no account) and read-only; every sandbox can attach them. SCPs and
RCPs among the files (``FullAWSAccess``, ``RCPFullAWSAccess``) are not IAM policies: each
organization gets its own copy as an AWS managed :class:`~iamlab.sandbox.models.OrgPolicy`.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from iamlab.simulator import content

from .models import ManagedPolicy, PolicyVersion

# Service-linked roles iamlab can create: the service principal, the role name AWS gives it
# and the AWS managed policy AWS attaches (using-service-linked-roles.html and each service's
# "Using service-linked roles" page). Only services whose policy ships in fixtures/ are listed.
SERVICE_LINKED_ROLES: dict[str, tuple[str, str, str]] = {
    "support.amazonaws.com": (
        "AWSServiceRoleForSupport",
        "AWSSupportServiceRolePolicy",
        "Enables resource access for AWS to provide billing, administrative and support services",
    ),
    "autoscaling.amazonaws.com": (
        "AWSServiceRoleForAutoScaling",
        "AutoScalingServiceRolePolicy",
        "Default Service-Linked Role enables access to AWS Services and Resources used or "
        "managed by Auto Scaling",
    ),
    "rds.amazonaws.com": (
        "AWSServiceRoleForRDS",
        "AmazonRDSServiceRolePolicy",
        "Allows Amazon RDS to manage AWS resources on your behalf",
    ),
}


def sync(**_: Any) -> int:
    """Create or update the AWS managed IAM policies from the fixtures; return how many."""
    count = 0
    with transaction.atomic():
        for mp in content.managed_policies().values():
            if mp.kind != "identity":
                continue
            policy, _created = ManagedPolicy.objects.update_or_create(
                account=None,
                name=mp.name,
                defaults={"path": mp.path, "description": mp.description[:1000]},
            )
            text = json.dumps(mp.document, indent=2)
            current = policy.versions.filter(is_default=True).first()
            if current is None or current.document != text or current.version_id != mp.version_id:
                policy.versions.all().delete()
                PolicyVersion.objects.create(
                    policy=policy, version_id=mp.version_id, document=text, is_default=True
                )
            count += 1
    return count


def aws_policy(name: str) -> ManagedPolicy:
    return ManagedPolicy.objects.get(account=None, name=name)
