"""Operations on a sandbox that do more than save one row, written once for the pages, the
importer, the demo and the tests.

Each raises :class:`django.core.exceptions.ValidationError` with AWS's rule in words when AWS
would refuse the call, and writes nothing in that case.
"""

from __future__ import annotations

import json
import re
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet

from iamlab.policy import Finding, PolicyError, PolicyType, parse_policy

from . import awsmanaged, rules
from .models import (
    Account,
    AccountAssignment,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    ManagedPolicy,
    Organization,
    OrgPolicy,
    OrgUnit,
    PermissionSet,
    PolicyVersion,
    Role,
    Sandbox,
    SsoGroup,
    SsoUser,
)


def check_document(text: str, type_: PolicyType) -> None:
    """Refuse a policy that IAM would refuse, naming the first problem and its position: one
    the grammar rejects (MalformedPolicyDocument) or one over its size quota (LimitExceeded)."""
    try:
        policy = parse_policy(text, type_)
    except PolicyError as exc:
        first = next((f for f in exc.findings if f.blocking), exc.findings[0])
        raise ValidationError(_located(first)) from exc
    for finding in policy.findings:
        if finding.code == "POLICY_SIZE":
            raise ValidationError(finding.message)


_IAM_PRINCIPAL = re.compile(r"arn:aws:iam::(\d{12}):(user|role)(/.*)")


def check_principals_exist(sandbox: Sandbox, text: str) -> None:
    """IAM turns every user and role ARN in a resource-based or trust policy into the entity's
    unique id when the policy is saved, and refuses the policy ("Invalid principal in policy")
    when there is no such entity. iamlab can check the accounts of the sandbox."""
    try:
        document = json.loads(text)
    except ValueError:
        return
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    named: list[str] = []
    for statement in statements if isinstance(statements, list) else []:
        for key in ("Principal", "NotPrincipal"):
            principal = statement.get(key) if isinstance(statement, dict) else None
            if isinstance(principal, dict):
                values = principal.get("AWS", [])
                named += (
                    [values]
                    if isinstance(values, str)
                    else [v for v in values if isinstance(v, str)]
                )
    accounts = set(Account.objects.filter(sandbox=sandbox).values_list("account_id", flat=True))
    for arn in named:
        match = _IAM_PRINCIPAL.fullmatch(arn)
        if match is None or match.group(1) not in accounts:
            continue
        account_id, kind, rest = match.groups()
        path, _, name = rest.rpartition("/")
        model = IamUser if kind == "user" else Role
        if not model.objects.filter(
            sandbox=sandbox, account__account_id=account_id, name=name, path=path + "/"
        ).exists():
            raise ValidationError(
                f"Invalid principal in policy: there is no {kind} {arn}. IAM checks every user "
                f"and role a policy names when it is saved."
            )


def _located(finding: Finding) -> str:
    where = finding.location
    return (
        f"line {where.line}, column {where.column}: {finding.message}"
        if where
        else (finding.message)
    )


def policy_size(text: str) -> int:
    """Characters IAM counts against a quota: all but whitespace (reference_iam-quotas.html)."""
    return sum(1 for c in text if not c.isspace())


# -- sandboxes and organizations ---------------------------------------------------------------


@transaction.atomic
def create_sandbox(owner: User, name: str, description: str = "") -> Sandbox:
    """A sandbox with one standalone account, ready to use."""
    sandbox = Sandbox.objects.create(owner=owner, name=name, description=description)
    Account.objects.create(
        sandbox=sandbox,
        account_id=rules.account_id(),
        name="Main",
        email=f"aws-main+{secrets.token_hex(3)}@example.com",
    )
    return sandbox


def _default_org_policy(org: Organization, kind: str) -> OrgPolicy:
    name = "FullAWSAccess" if kind == "scp" else "RCPFullAWSAccess"
    found: OrgPolicy | None = OrgPolicy.objects.filter(
        organization=org, kind=kind, aws_managed=True
    ).first()
    if found is not None:
        return found
    mp = awsmanaged.managed_policy(name)
    assert mp is not None, f"fixtures/aws-managed-policies/{name}.json is missing"
    return OrgPolicy.objects.create(
        sandbox=org.sandbox,
        organization=org,
        kind=kind,
        name=name,
        description=mp.description,
        document=json.dumps(mp.document, indent=2),
        aws_managed=True,
    )


@transaction.atomic
def create_organization(management: Account) -> Organization:
    """Create an organization with ``management`` as its management account.

    As AWS does when policy types are enabled, ``FullAWSAccess`` (SCP) and ``RCPFullAWSAccess``
    (RCP) are attached to the root and to every account (orgs_manage_policies_scps.html).
    """
    sandbox = management.sandbox
    if Organization.objects.filter(sandbox=sandbox).exists():
        raise ValidationError("This sandbox already has an organization.")
    org = Organization.objects.create(sandbox=sandbox)
    root = OrgUnit.objects.create(sandbox=sandbox, organization=org, name="Root")
    for kind in ("scp", "rcp"):
        _default_org_policy(org, kind).target_units.add(root)
    join_organization(management, root, is_management=True)
    return org


@transaction.atomic
def leave_organization(account: Account) -> None:
    """RemoveAccountFromOrganization: a member account becomes standalone again; policies
    attached to it directly are detached. The management account cannot leave."""
    if account.organization_id is None:
        raise ValidationError(f"{account.name} is not in an organization.")
    if account.is_management:
        raise ValidationError(
            "The management account cannot leave its organization; delete the organization "
            "instead, once it has no other accounts."
        )
    account.org_policies.clear()
    account.organization = None
    account.parent = None
    account.save()


@transaction.atomic
def delete_organization(org: Organization) -> None:
    """DeleteOrganization: only when the management account is the last account in it. Its
    OUs, SCPs, RCPs and Identity Center go with it."""
    members = Account.objects.filter(organization=org, is_management=False)
    if members.exists():
        names = ", ".join(members.values_list("name", flat=True))
        raise ValidationError(
            f"An organization can be deleted only when its management account is the last "
            f"account in it. Remove these first: {names}."
        )
    for account in Account.objects.filter(organization=org):
        account.org_policies.clear()
        account.organization = None
        account.parent = None
        account.is_management = False
        account.save()
    org.delete()


def org_root(org: Organization) -> OrgUnit:
    return OrgUnit.objects.get(organization=org, parent__isnull=True)


@transaction.atomic
def create_unit(parent: OrgUnit, name: str) -> OrgUnit:
    """An OU; AWS attaches ``FullAWSAccess`` to every new OU."""
    unit = OrgUnit.objects.create(
        sandbox=parent.sandbox, organization=parent.organization, parent=parent, name=name
    )
    for kind in ("scp", "rcp"):
        _default_org_policy(parent.organization, kind).target_units.add(unit)
    return unit


@transaction.atomic
def join_organization(account: Account, parent: OrgUnit, is_management: bool = False) -> None:
    org = parent.organization
    account.organization = org
    account.parent = parent
    account.is_management = is_management
    account.save()
    for kind in ("scp", "rcp"):
        _default_org_policy(org, kind).target_accounts.add(account)


def attach_org_policy(policy: OrgPolicy, target: OrgUnit | Account) -> None:
    """At most 5 SCPs (and 5 RCPs) on a root, OU or account (orgs_reference_limits.html)."""
    related = policy.target_units if isinstance(target, OrgUnit) else policy.target_accounts
    attached = target.org_policies.filter(kind=policy.kind).count()
    if attached >= 5 and not related.filter(pk=target.pk).exists():
        raise ValidationError(
            f"{target} already has 5 {policy.kind.upper()}s attached, the most AWS allows."
        )
    related.add(target)  # type: ignore[arg-type]


def detach_org_policy(policy: OrgPolicy, target: OrgUnit | Account) -> None:
    """AWS refuses to detach the last SCP: every root, OU and account keeps at least one; and
    RCPFullAWSAccess can never be detached (orgs_manage_policies_rcps_evaluation.html)."""
    related = policy.target_units if isinstance(target, OrgUnit) else policy.target_accounts
    if not related.filter(pk=target.pk).exists():
        raise ValidationError(f"{policy.name} is not attached to {target}.")
    if policy.kind == "rcp" and policy.aws_managed:
        raise ValidationError(
            f"{policy.name} is attached to every root, OU and account and can never be "
            "detached; restrict access with another RCP instead."
        )
    if target.org_policies.filter(kind=policy.kind).count() <= 1:
        raise ValidationError(
            f"{policy.name} is the last {policy.kind.upper()} on {target}; AWS requires at least "
            f"one. Attach another before detaching this one."
        )
    related.remove(target)  # type: ignore[arg-type]


# -- managed policies and versions -------------------------------------------------------------


@transaction.atomic
def create_policy(
    account: Account, name: str, document: str, path: str = "/", description: str = ""
) -> ManagedPolicy:
    for error in (rules.check_name("policy", name), rules.check_path(path)):
        if error:
            raise ValidationError(error)
    check_document(document, PolicyType.IDENTITY)
    if ManagedPolicy.objects.filter(account=account, name__iexact=name).exists():
        raise ValidationError({"name": f"A policy named {name} already exists in this account."})
    count = ManagedPolicy.objects.filter(account=account).count()
    if count >= rules.CUSTOMER_MANAGED_POLICIES_PER_ACCOUNT:
        raise ValidationError("This account has reached its quota of customer managed policies.")
    policy = ManagedPolicy.objects.create(
        sandbox=account.sandbox, account=account, name=name, path=path, description=description
    )
    PolicyVersion.objects.create(policy=policy, version_id="v1", document=document, is_default=True)
    return policy


@transaction.atomic
def create_policy_version(policy: ManagedPolicy, document: str, set_default: bool) -> PolicyVersion:
    """CreatePolicyVersion: at most five versions; delete one before adding a sixth."""
    if policy.aws_managed:
        raise ValidationError("AWS managed policies are maintained by AWS and cannot be changed.")
    check_document(document, PolicyType.IDENTITY)
    if policy.versions.count() >= rules.POLICY_VERSIONS:
        raise ValidationError(
            "A managed policy keeps at most 5 versions. Delete a version that is not the "
            "default one, then save again."
        )
    highest = max((v.number for v in policy.versions.all()), default=0)
    if set_default:
        policy.versions.update(is_default=False)
    version = PolicyVersion.objects.create(
        policy=policy, version_id=f"v{highest + 1}", document=document, is_default=set_default
    )
    policy.save(update_fields=[])  # bumps the sandbox version through the signal
    return version


@transaction.atomic
def set_default_version(version: PolicyVersion) -> None:
    version.policy.versions.exclude(pk=version.pk).update(is_default=False)
    version.is_default = True
    version.save()


def delete_version(version: PolicyVersion) -> None:
    if version.is_default:
        raise ValidationError(
            "The default version cannot be deleted; make another version the default first."
        )
    version.delete()


_POLICY_ARN = re.compile(r"arn:aws:iam::(aws|\d{12}):policy(/(?:[^/]+/)*)([\w+=,.@-]+)", re.ASCII)


def managed_policy_named(sandbox: Sandbox, account_id: int | None, text: str) -> ManagedPolicy:
    """The managed policy a learner typed, by name or ARN: a name is the account's own policy
    of that name (IAM names ignore case), else the AWS managed one (a copy an import took from
    its file first, then the shipped snapshot). An ARN names its account or ``aws``; a customer
    managed policy of another account is returned for the caller to refuse in its own words."""
    text = text.strip().split(" ")[0]
    found: ManagedPolicy | None
    # a copy taken from an imported file (sandbox set) before the shipped row (no sandbox)
    aws: QuerySet[ManagedPolicy] = (
        ManagedPolicy.objects.visible_in(sandbox)
        .filter(account__isnull=True)
        .order_by(F("sandbox_id").desc(nulls_last=True))
    )
    if text.startswith("arn:"):
        match = _POLICY_ARN.fullmatch(text)
        if match is None:
            raise ValidationError(
                f"{text} is not a policy ARN: one reads arn:aws:iam::aws:policy/NAME (AWS "
                "managed) or arn:aws:iam::ACCOUNT-ID:policy/PATH/NAME."
            )
        owner, path, name = match.groups()
        if owner == "aws":
            found = aws.filter(name__iexact=name, path=path).first()
        else:
            found = ManagedPolicy.objects.filter(
                sandbox=sandbox, account__account_id=owner, name__iexact=name, path=path
            ).first()
        if found is None:
            raise ValidationError(f"No policy in this sandbox has the ARN {text}.")
        return found
    if not text:
        raise ValidationError("Type a policy's name (or ARN).")
    mine: QuerySet[ManagedPolicy] = ManagedPolicy.objects.filter(sandbox=sandbox)
    mine = mine.filter(account_id=account_id) if account_id is not None else mine.none()
    found = mine.filter(name__iexact=text).first() or aws.filter(name__iexact=text).first()
    if found is None:
        raise ValidationError(
            f"No policy is called {text!r}: neither one of this account's nor an AWS managed one."
        )
    return found


def attach_policy(principal: IamUser | IamGroup | Role, policy: ManagedPolicy) -> None:
    """At most 10 managed policies per user, group or role (the default quota)."""
    if isinstance(principal, Role) and not principal.editable:
        raise ValidationError(
            f"{principal.name} is managed by AWS ({principal.get_managed_by_display()}); its "
            "policies cannot be changed (UnmodifiableEntity)."
        )
    if policy.service_role_only:
        raise ValidationError(
            f"{policy.name} is for a service-linked role only: AWS refuses to attach a service "
            "role policy to your users, groups or roles (PolicyNotAttachable)."
        )
    if not policy.aws_managed and policy.account_id != principal.account_id:
        raise ValidationError("A customer managed policy can be attached only in its own account.")
    if principal.managed_policies.filter(pk=policy.pk).exists():
        return
    if principal.managed_policies.count() >= rules.MANAGED_POLICIES_PER_PRINCIPAL:
        raise ValidationError(
            f"{principal.name} already has {rules.MANAGED_POLICIES_PER_PRINCIPAL} managed policies "
            "attached, the default quota."
        )
    principal.managed_policies.add(policy)


def add_to_group(user: IamUser, group: IamGroup) -> None:
    """A user is in at most 10 groups; groups hold users of their own account only."""
    if user.account_id != group.account_id:
        raise ValidationError("A group can contain only users of its own account.")
    if user.groups.filter(pk=group.pk).exists():
        return
    if user.groups.count() >= rules.GROUPS_PER_USER:
        raise ValidationError(f"{user.name} is already in {rules.GROUPS_PER_USER} groups.")
    group.members.add(user)


# -- roles AWS creates -------------------------------------------------------------------------


@transaction.atomic
def create_service_linked_role(account: Account, service: str) -> Role:
    """CreateServiceLinkedRole: the role name, trust policy and permissions are AWS's."""
    if service not in awsmanaged.SERVICE_LINKED_ROLES:
        raise ValidationError(f"iamlab has no service-linked role for {service}.")
    name, policy_name, description = awsmanaged.SERVICE_LINKED_ROLES[service]
    if Role.objects.filter(account=account, name__iexact=name).exists():
        raise ValidationError(f"{name} already exists in this account; a service has one.")
    role = Role.objects.create(
        sandbox=account.sandbox,
        account=account,
        name=name,
        path=f"{rules.SERVICE_ROLE_PATH}{service}/",
        description=description,
        trust_policy=rules.service_trust_policy(service),
        managed_by="service-linked",
        linked_service=service,
    )
    role.managed_policies.add(awsmanaged.aws_policy(policy_name))
    return role


def _sso_provider(account: Account) -> IdentityProvider:
    found: IdentityProvider | None = IdentityProvider.objects.filter(
        account=account, managed_by="identity-center"
    ).first()
    if found is not None:
        return found
    return IdentityProvider.objects.create(
        sandbox=account.sandbox,
        account=account,
        kind="saml",
        name=f"AWSSSO_{secrets.token_hex(8)}_DO_NOT_DELETE",
        managed_by="identity-center",
    )


def _sso_trust(provider: IdentityProvider) -> str:
    """The trust policy Identity Center writes on the roles it provisions."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider.arn},
                    "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                    "Condition": {
                        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
                    },
                }
            ],
        },
        indent=2,
    )


@transaction.atomic
def provision(permission_set: PermissionSet, account: Account) -> Role:
    """Materialize a permission set in an account as ``AWSReservedSSO_<name>_<16 hex>``, under
    ``/aws-reserved/sso.amazonaws.com/``, with the set's policies (permissionsetsconcept.html)."""
    role = Role.objects.filter(account=account, permission_set=permission_set).first()
    provider = _sso_provider(account)
    if role is None:
        role = Role.objects.create(
            sandbox=account.sandbox,
            account=account,
            name=f"AWSReservedSSO_{permission_set.name}_{secrets.token_hex(8)}",
            path=rules.IDENTITY_CENTER_PATH,
            description=permission_set.description[:1000],
            trust_policy=_sso_trust(provider),
            managed_by="identity-center",
            permission_set=permission_set,
        )
    role.max_session_duration = permission_set.session_duration
    role.boundary = permission_set.boundary
    role.save()
    role.managed_policies.set(permission_set.managed_policies.all())
    InlinePolicy.objects.filter(role=role).delete()
    if permission_set.inline_policy.strip():
        InlinePolicy.objects.create(
            sandbox=account.sandbox,
            role=role,
            name="AwsSSOInlinePolicy",
            document=permission_set.inline_policy,
        )
    return role


@transaction.atomic
def assign(
    permission_set: PermissionSet,
    account: Account,
    sso_user: SsoUser | None = None,
    sso_group: SsoGroup | None = None,
) -> AccountAssignment:
    if account.organization_id is None:
        raise ValidationError(
            "Identity Center assigns permission sets to accounts of your organization; "
            "this account is not in it."
        )
    assignment, _ = AccountAssignment.objects.get_or_create(
        sandbox=account.sandbox,
        permission_set=permission_set,
        account=account,
        sso_user=sso_user,
        sso_group=sso_group,
    )
    provision(permission_set, account)
    return assignment


@transaction.atomic
def unassign(assignment: AccountAssignment) -> None:
    """Removing the last assignment of a set in an account deprovisions its role."""
    permission_set, account = assignment.permission_set, assignment.account
    assignment.delete()
    if not AccountAssignment.objects.filter(
        permission_set=permission_set, account=account
    ).exists():
        Role.objects.filter(account=account, permission_set=permission_set).delete()


def reprovision(permission_set: PermissionSet) -> None:
    """After a permission set changes, update its role in every assigned account."""
    accounts = Account.objects.filter(assignments__permission_set=permission_set).distinct()
    for account in accounts:
        provision(permission_set, account)
