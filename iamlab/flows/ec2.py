"""An application on EC2 gets its credentials from the instance's role.

Source: id_roles_use_switch-role-ec2.html and id_roles_use_switch-role-ec2_instance-profiles.html.

1. Someone launches an instance with an instance profile. ``ec2:RunInstances`` is not enough:
   the launcher must also be allowed ``iam:PassRole`` on the profile's role, with
   ``iam:PassedToService = ec2.amazonaws.com`` and ``iam:AssociatedResourceArn`` = the
   instance's ARN (id_roles_use_passrole.html, reference_policies_iam-condition-keys.html).
   That is what stops a user from launching an instance with a role more powerful than they are.
2. EC2 assumes the role (its trust policy must trust ``ec2.amazonaws.com``) and the instance
   metadata service (IMDS) serves the temporary credentials at
   ``/latest/meta-data/iam/security-credentials/ROLE-NAME``. AWS makes new credentials
   available at least five minutes before the old ones expire (EC2 User Guide,
   instance-metadata-security-credentials); SDKs fetch them again on their own.
3. The application's calls are made as the role session ``assumed-role/ROLE/i-...``; they carry
   ``ec2:SourceInstanceARN``. Assuming the role through the instance profile is not role
   chaining.

iamlab's choice (AWS publishes no exact lifetime for these credentials): one-hour sessions,
renewed when the application asks IMDS within five minutes of the expiry or after it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from iamlab.policy import RequestError, StsDenied
from iamlab.sandbox import models, sessions
from iamlab.sandbox.world import Check, World

SERVICE = "ec2.amazonaws.com"
RENEW_BEFORE = dt.timedelta(minutes=5)
LIFETIME = 3600


@dataclass
class Launch:
    """What launching asked of AWS, check by check, and what came of it."""

    run: Check | None = None
    pass_role: Check | None = None
    instance: models.Ec2Instance | None = None
    credentials: models.StsSession | None = None
    no_credentials: StsDenied | None = None
    problem: str = ""

    @property
    def launched(self) -> bool:
        return self.instance is not None


def launch(
    sandbox: models.Sandbox,
    world: World,
    who: sessions.Identity,
    name: str,
    profile: models.InstanceProfile,
    region: str,
) -> Launch:
    """Launch an instance as ``who``; nothing is written unless AWS would launch it."""
    if who.is_designer:
        return Launch(problem="Sign in first: someone has to launch the instance.")
    if who.expired and who.session is not None:
        return Launch(problem=sessions.expired_message(who.session))
    if who.account_id != profile.account.account_id:
        return Launch(
            problem=f"The instance profile {profile.name} is in account "
            f"{profile.account.account_id}, and you are in {who.account_id}. An instance is "
            f"launched in your own account, with an instance profile of that account."
        )
    account = profile.account.account_id
    instance_id = "i-" + uuid.uuid4().hex[:17]
    instance_arn = f"arn:aws:ec2:{region}:{account}:instance/{instance_id}"
    result = Launch()
    result.run = sessions.check_as(
        sandbox,
        world,
        who,
        "ec2:RunInstances",
        f"arn:aws:ec2:{region}:{account}:instance/*",
        region=region,
    )
    role = profile.role
    if role is not None:
        result.pass_role = sessions.check_as(
            sandbox,
            world,
            who,
            "iam:PassRole",
            role.arn,
            {"iam:PassedToService": SERVICE, "iam:AssociatedResourceArn": instance_arn},
            region=region,
        )
    if not result.run.allowed or (result.pass_role is not None and not result.pass_role.allowed):
        return result
    with transaction.atomic():
        result.instance = models.Ec2Instance.objects.create(
            sandbox=sandbox,
            account=profile.account,
            instance_id=instance_id,
            name=name,
            region=region,
            instance_profile=profile,
        )
        if role is not None:
            issued = _issue(sandbox, world, result.instance, role, who)
            if isinstance(issued, StsDenied):
                result.no_credentials = issued
            else:
                result.credentials = issued
    return result


def _issue(
    sandbox: models.Sandbox,
    world: World,
    instance: models.Ec2Instance,
    role: models.Role,
    who: sessions.Identity,
) -> models.StsSession | StsDenied:
    return sessions.service_assume(
        sandbox,
        World.for_sandbox(sandbox),  # the instance was just added: a fresh world
        role,
        SERVICE,
        instance.instance_id,
        via="instance",
        origin=who,
        source_arn=instance.arn,
        instance=instance,
        duration_seconds=LIFETIME,
        carried={"ec2:SourceInstanceARN": instance.arn},
    )


def latest(instance: models.Ec2Instance) -> models.StsSession | None:
    found: models.StsSession | None = (
        models.StsSession.objects.filter(instance=instance, via="instance")
        .select_related("role", "account")
        .order_by("-issued_at", "-id")
        .first()
    )
    return found


def fetch(
    sandbox: models.Sandbox, world: World, instance: models.Ec2Instance
) -> tuple[models.StsSession | None, StsDenied | None, bool]:
    """The application asks IMDS for credentials: (credentials, why none, renewed now)."""
    profile = instance.instance_profile
    role = profile.role if profile is not None else None
    if role is None:
        return None, None, False
    current = latest(instance)
    now = sandbox.now()
    if (
        current is not None
        and current.role_id == role.pk
        and now < current.expires_at - RENEW_BEFORE
    ):
        return current, None, False
    origin = sessions.Identity(
        current.origin if current else "", "origin", current.origin_label if current else ""
    )
    issued = _issue(sandbox, world, instance, role, origin)
    if isinstance(issued, StsDenied):
        return None, issued, False
    return issued, None, True


def imds_document(row: models.StsSession) -> str:
    """What ``curl http://169.254.169.254/latest/meta-data/iam/security-credentials/ROLE``
    prints on the instance (the secret parts are made up and marked so)."""
    return json.dumps(
        {
            "Code": "Success",
            "LastUpdated": row.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Type": "AWS-HMAC",
            "AccessKeyId": row.access_key_id,
            "SecretAccessKey": "(simulated: iamlab makes no secrets)",
            "Token": "(a long opaque session token)",
            "Expiration": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        indent=2,
    )


def call(
    sandbox: models.Sandbox,
    world: World,
    row: models.StsSession,
    action: str,
    resource: str,
    region: str | None = None,
    context: dict[str, Any] | None = None,
) -> Check:
    """A call the application makes with the instance's credentials, to ``region`` (the
    instance's own if None) with the learner's extra ``context`` keys; raises RequestError for
    an action or resource the engine cannot read."""
    if row.expired(sandbox.now()):
        raise RequestError("action", sessions.expired_message(row))
    return world.check_session(
        sessions.engine_session(world, row),
        sessions.role_info(world, row),
        action,
        resource or "*",
        dict(row.carried) | dict(context or {}),
        region or (row.instance.region if row.instance else None),
        at=sandbox.now(),
    )


# -- asking the instance metadata service -------------------------------------------------------
# EC2 User Guide, instancedata-data-retrieval.html and configuring-instance-metadata-service.html:
# IMDSv2 is a PUT to /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds, at most 21,600
# seconds: six hours) for a session token, then GETs that carry it in X-aws-ec2-metadata-token.
# IMDSv1 is a plain GET; an instance whose HttpTokens is "required" refuses it (401).

IMDS = "http://169.254.169.254"
IMDS_TOKEN_TTL = 21600


def imds_v2_commands(role_name: str, ttl: int = IMDS_TOKEN_TTL) -> tuple[str, str, str]:
    """The IMDSv2 commands an application on the instance runs: the token, then the role's
    name, then its credentials."""
    return (
        f'TOKEN=$(curl -s -X PUT "{IMDS}/latest/api/token" '
        f'-H "X-aws-ec2-metadata-token-ttl-seconds: {ttl}")',
        f'curl -H "X-aws-ec2-metadata-token: $TOKEN" '
        f"{IMDS}/latest/meta-data/iam/security-credentials/",
        f'curl -H "X-aws-ec2-metadata-token: $TOKEN" '
        f"{IMDS}/latest/meta-data/iam/security-credentials/{role_name}",
    )


def imds_v1_command(role_name: str) -> str:
    """The older IMDSv1 request: no token; answered only while HttpTokens is ``optional``."""
    return f"curl {IMDS}/latest/meta-data/iam/security-credentials/{role_name}"


def imds_commands(instance: models.Ec2Instance | None) -> tuple[tuple[str, str, str], str]:
    """The IMDSv2 commands and the IMDSv1 one, for the role of ``instance``'s profile."""
    profile = instance.instance_profile if instance is not None else None
    role = profile.role if profile is not None else None
    name = role.name if role is not None else "ROLE-NAME"
    return imds_v2_commands(name), imds_v1_command(name)
