"""Small changes made from an object's page: attach a policy, add a member, create an access
key, make a version the default, ...

Each action takes the sandbox, the object and the posted data, changes the sandbox and returns
a sentence saying what happened, or raises ValidationError with AWS's rule in words. Every id
in the posted data is looked up inside the sandbox, never outside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from . import models, rules, services

Action = Callable[[models.Sandbox, Any, QueryDict], str]


def _pick(model: type[Any], sandbox: models.Sandbox, value: str | None, **extra: Any) -> Any:
    if not value or not value.isdigit():
        raise ValidationError("Choose one from the list.")
    found = model.objects.filter(sandbox=sandbox, pk=int(value), **extra).first()
    if found is None:
        raise ValidationError("That choice is not in this sandbox.")
    return found


def _policy(sandbox: models.Sandbox, value: str | None) -> models.ManagedPolicy:
    if not value or not value.isdigit():
        raise ValidationError("Choose a policy.")
    found: models.ManagedPolicy | None = (
        models.ManagedPolicy.objects.visible_in(sandbox).filter(pk=int(value)).first()
    )
    if found is None:
        raise ValidationError("That policy is not available in this sandbox.")
    return found


def attach(sandbox: models.Sandbox, obj: Any, data: QueryDict) -> str:
    value = (data.get("policy") or "").strip()
    policy = (
        _policy(sandbox, value)
        if value.isdigit() or not value
        else services.managed_policy_named(sandbox, obj.account_id, value)
    )
    services.attach_policy(obj, policy)
    return f"Attached {policy.name} to {obj.name}."


def detach(sandbox: models.Sandbox, obj: Any, data: QueryDict) -> str:
    policy = _policy(sandbox, data.get("policy"))
    obj.managed_policies.remove(policy)
    return f"Detached {policy.name} from {obj.name}."


def add_to_group(sandbox: models.Sandbox, user: models.IamUser, data: QueryDict) -> str:
    group = _pick(models.IamGroup, sandbox, data.get("group"))
    services.add_to_group(user, group)
    return f"Added {user.name} to {group.name}."


def remove_from_group(sandbox: models.Sandbox, user: models.IamUser, data: QueryDict) -> str:
    group = _pick(models.IamGroup, sandbox, data.get("group"))
    group.members.remove(user)
    return f"Removed {user.name} from {group.name}."


def add_member(sandbox: models.Sandbox, group: models.IamGroup, data: QueryDict) -> str:
    user = _pick(models.IamUser, sandbox, data.get("user"))
    services.add_to_group(user, group)
    return f"Added {user.name} to {group.name}."


def remove_member(sandbox: models.Sandbox, group: models.IamGroup, data: QueryDict) -> str:
    user = _pick(models.IamUser, sandbox, data.get("user"))
    group.members.remove(user)
    return f"Removed {user.name} from {group.name}."


def _key_owner(obj: Any) -> tuple[models.Account, models.IamUser | None]:
    if isinstance(obj, models.IamUser):
        return obj.account, obj
    return obj, None


def create_key(sandbox: models.Sandbox, obj: Any, data: QueryDict) -> str:
    """CreateAccessKey: at most two per user (and per root user)."""
    account, user = _key_owner(obj)
    keys = models.AccessKey.objects.filter(account=account, user=user)
    if keys.count() >= rules.ACCESS_KEYS_PER_USER:
        raise ValidationError(
            "A user has at most two access keys. To rotate, make the old key inactive, check "
            "nothing uses it, then delete it before creating another."
        )
    key = models.AccessKey.objects.create(sandbox=sandbox, account=account, user=user)
    who = user.name if user else "the root user"
    return f"Created access key {key.key_id} for {who}. In AWS, the secret is shown only now."


def key_status(sandbox: models.Sandbox, obj: Any, data: QueryDict) -> str:
    account, user = _key_owner(obj)
    key = _pick(models.AccessKey, sandbox, data.get("key"), account=account, user=user)
    key.status = "Inactive" if key.status == "Active" else "Active"
    key.save()
    return f"Access key {key.key_id} is now {key.status.lower()}."


def delete_key(sandbox: models.Sandbox, obj: Any, data: QueryDict) -> str:
    account, user = _key_owner(obj)
    key = _pick(models.AccessKey, sandbox, data.get("key"), account=account, user=user)
    key.delete()
    return f"Deleted access key {key.key_id}."


def add_mfa(sandbox: models.Sandbox, obj: Any, data: QueryDict) -> str:
    """At most eight MFA devices of any type per user or root user."""
    account, user = _key_owner(obj)
    name = (data.get("name") or "").strip()
    kind = data.get("kind") or "virtual"
    if kind not in dict(models.MfaDevice.KIND_CHOICES):
        raise ValidationError("Choose a type of MFA device.")
    if error := rules.check_name("user", name):
        raise ValidationError(error.replace("user name", "device name"))
    devices = models.MfaDevice.objects.filter(account=account, user=user)
    if devices.count() >= rules.MFA_DEVICES_PER_USER:
        raise ValidationError("A user has at most eight MFA devices.")
    if devices.filter(name__iexact=name).exists():
        raise ValidationError(f"There is already a device named {name}.")
    models.MfaDevice.objects.create(
        sandbox=sandbox, account=account, user=user, name=name, kind=kind
    )
    return f"Assigned the MFA device {name}."


def remove_mfa(sandbox: models.Sandbox, obj: Any, data: QueryDict) -> str:
    account, user = _key_owner(obj)
    device = _pick(models.MfaDevice, sandbox, data.get("device"), account=account, user=user)
    device.delete()
    return f"Removed the MFA device {device.name}."


def add_credential(sandbox: models.Sandbox, user: models.IamUser, data: QueryDict) -> str:
    """Service-specific credentials: at most two per service per user."""
    service = data.get("service") or ""
    if service not in dict(models.ServiceCredential.SERVICE_CHOICES):
        raise ValidationError("Choose CodeCommit or Keyspaces.")
    existing = user.service_credentials.filter(service=service)
    if existing.count() >= rules.SERVICE_CREDENTIALS_PER_SERVICE:
        raise ValidationError("A user has at most two credentials for each service.")
    cred = models.ServiceCredential.objects.create(sandbox=sandbox, user=user, service=service)
    return f"Created {cred.get_service_display()} credentials; user name {cred.service_user_name}."


def delete_credential(sandbox: models.Sandbox, user: models.IamUser, data: QueryDict) -> str:
    cred = _pick(models.ServiceCredential, sandbox, data.get("credential"), user=user)
    cred.delete()
    return f"Deleted the credential {cred.credential_id}."


def add_ssh_key(sandbox: models.Sandbox, user: models.IamUser, data: QueryDict) -> str:
    """UploadSSHPublicKey: ssh-rsa in OpenSSH format; at most five per user."""
    body = (data.get("body") or "").strip()
    parts = body.split()
    if len(parts) < 2 or parts[0] not in ("ssh-rsa",):
        raise ValidationError(
            'Paste an OpenSSH public key that starts with "ssh-rsa" (CodeCommit accepts RSA keys).'
        )
    if user.ssh_keys.count() >= rules.SSH_KEYS_PER_USER:
        raise ValidationError("A user has at most five SSH public keys.")
    key = models.SshPublicKey.objects.create(sandbox=sandbox, user=user, body=body)
    return f"Uploaded SSH public key {key.key_id}."


def delete_ssh_key(sandbox: models.Sandbox, user: models.IamUser, data: QueryDict) -> str:
    key = _pick(models.SshPublicKey, sandbox, data.get("key"), user=user)
    key.delete()
    return f"Deleted SSH public key {key.key_id}."


def set_default(sandbox: models.Sandbox, policy: models.ManagedPolicy, data: QueryDict) -> str:
    version = _version(policy, data.get("version"))
    services.set_default_version(version)
    return f"{version.version_id} is now the default version."


def delete_version(sandbox: models.Sandbox, policy: models.ManagedPolicy, data: QueryDict) -> str:
    version = _version(policy, data.get("version"))
    services.delete_version(version)
    return f"Deleted version {version.version_id}."


def _version(policy: models.ManagedPolicy, value: str | None) -> models.PolicyVersion:
    found = policy.versions.filter(version_id=value or "").first()
    if found is None:
        raise ValidationError("That version does not exist.")
    return found


def _target(sandbox: models.Sandbox, value: str | None) -> models.OrgUnit | models.Account:
    kind, _, pk = (value or "").partition(":")
    if kind == "ou":
        unit: models.OrgUnit = _pick(models.OrgUnit, sandbox, pk)
        return unit
    if kind == "account":
        account: models.Account = _pick(models.Account, sandbox, pk, organization__isnull=False)
        return account
    raise ValidationError("Choose the root, an OU or an account.")


def attach_target(sandbox: models.Sandbox, policy: models.OrgPolicy, data: QueryDict) -> str:
    target = _target(sandbox, data.get("target"))
    services.attach_org_policy(policy, target)
    return f"Attached {policy.name} to {target}."


def detach_target(sandbox: models.Sandbox, policy: models.OrgPolicy, data: QueryDict) -> str:
    target = _target(sandbox, data.get("target"))
    services.detach_org_policy(policy, target)
    return f"Detached {policy.name} from {target}."


def create_organization(sandbox: models.Sandbox, account: models.Account, data: QueryDict) -> str:
    org = services.create_organization(account)
    return f"Created organization {org.org_id} with {account.name} as its management account."


def leave_organization(sandbox: models.Sandbox, account: models.Account, data: QueryDict) -> str:
    services.leave_organization(account)
    return f"{account.name} left the organization; no SCP or RCP applies to it now."


def delete_organization(sandbox: models.Sandbox, account: models.Account, data: QueryDict) -> str:
    org = models.Organization.objects.filter(sandbox=sandbox, accounts=account).first()
    if org is None or not account.is_management:
        raise ValidationError("Only the management account can delete its organization.")
    services.delete_organization(org)
    return f"Deleted the organization {org.org_id}."


def move_account(sandbox: models.Sandbox, account: models.Account, data: QueryDict) -> str:
    """Invite a standalone account into the organization, or move a member to another OU."""
    unit = _pick(models.OrgUnit, sandbox, data.get("parent"))
    if account.organization_id is None:
        services.join_organization(account, unit)
        return f"{account.name} joined the organization under {unit}."
    account.parent = unit
    account.save()
    return f"Moved {account.name} to {unit}."


def create_service_linked_role(
    sandbox: models.Sandbox, account: models.Account, data: QueryDict
) -> str:
    role = services.create_service_linked_role(account, data.get("service") or "")
    return f"The service created {role.name}."


ACTIONS: dict[str, dict[str, Action]] = {
    "users": {
        "attach": attach,
        "detach": detach,
        "add-group": add_to_group,
        "remove-group": remove_from_group,
        "create-key": create_key,
        "key-status": key_status,
        "delete-key": delete_key,
        "add-mfa": add_mfa,
        "remove-mfa": remove_mfa,
        "add-credential": add_credential,
        "delete-credential": delete_credential,
        "add-ssh-key": add_ssh_key,
        "delete-ssh-key": delete_ssh_key,
    },
    "groups": {
        "attach": attach,
        "detach": detach,
        "add-member": add_member,
        "remove-member": remove_member,
    },
    "roles": {"attach": attach, "detach": detach},
    "policies": {
        "set-default": set_default,
        "delete-version": delete_version,
    },
    "org-policies": {"attach-target": attach_target, "detach-target": detach_target},
    "accounts": {
        "create-key": create_key,
        "key-status": key_status,
        "delete-key": delete_key,
        "add-mfa": add_mfa,
        "remove-mfa": remove_mfa,
        "create-organization": create_organization,
        "leave-organization": leave_organization,
        "delete-organization": delete_organization,
        "move": move_account,
        "service-linked-role": create_service_linked_role,
    },
}

# Actions that change something the object's "why not edit" rule protects.
PROTECTED = {"attach", "detach"}
