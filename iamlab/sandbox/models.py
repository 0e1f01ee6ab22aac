"""The sandbox: simulated AWS accounts, as AWS models them.

Every object carries a direct ``sandbox`` foreign key (AWS managed policies excepted: they are
global, ``sandbox`` is null). That one column is what scoping relies on: a view reads objects
only through ``Model.objects.owned_by(user)``, so nobody reaches another person's sandbox by
guessing an id. Any change to a sandbox object bumps ``Sandbox.version`` (see ``signals.py``),
which is what :class:`iamlab.sandbox.world.World` caches on.

Naming, id and quota rules live in ``rules.py``; they are enforced by ``clean()`` here and by
the forms and importers, which share its messages.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from . import rules

REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
    "ca-central-1",
]
REGION_CHOICES = [(r, r) for r in REGIONS]


class Sandbox(models.Model):
    """One learner's simulated AWS world: an optional organization and its accounts."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandboxes"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    version = models.PositiveBigIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The sandbox's clock runs this many seconds ahead of real time: the learner moves it
    # forward to watch temporary credentials expire (identity flows, iamlab.sandbox.sessions).
    clock_offset = models.PositiveIntegerField(default=0)
    # Who the learner currently is in this sandbox: "" (its designer, outside AWS),
    # "root:<account pk>", "user:<IamUser pk>" or "session:<StsSession pk>".
    acting_as = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("name"),
                name="sandbox_name_unique_per_owner",
                violation_error_message="You already have a sandbox with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sandbox:overview", args=[self.pk])

    def now(self) -> dt.datetime:
        """The sandbox's clock: real time plus how far the learner moved it forward."""
        return timezone.now() + dt.timedelta(seconds=self.clock_offset)

    @classmethod
    def owned_by(cls, user: AbstractBaseUser | AnonymousUser) -> models.QuerySet[Sandbox]:
        if not user.is_authenticated:
            return cls.objects.none()
        return cls.objects.filter(owner=user)


class OwnedQuerySet(models.QuerySet[Any]):
    def owned_by(self, user: AbstractBaseUser | AnonymousUser) -> OwnedQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(sandbox__owner=user)


class SandboxObject(models.Model):
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    # The URL slug of this kind of object in the sandbox pages (``None``: no page of its own).
    slug: ClassVar[str | None] = None

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        assert self.slug is not None
        return reverse("sandbox:object", args=[self.sandbox_id, self.slug, self.pk])


# -- organization ------------------------------------------------------------------------------


class Organization(SandboxObject):
    """AWS Organizations with all features enabled (so SCPs and RCPs are available)."""

    org_id = models.CharField(max_length=12, default="", blank=True)
    root_id = models.CharField(max_length=6, default="", blank=True)
    # Identity Center, when enabled: one organization instance.
    identity_center_enabled = models.BooleanField(default=False)
    identity_store_id = models.CharField(max_length=12, blank=True)
    sso_instance_id = models.CharField(max_length=30, blank=True)

    slug = "organization"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "sandbox",
                name="one_organization_per_sandbox",
                violation_error_message="This sandbox already has an organization.",
            )
        ]

    def __str__(self) -> str:
        return self.org_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.org_id:
            self.org_id = rules.org_id("o")
        if not self.root_id:
            self.root_id = rules.org_id("r")
        super().save(*args, **kwargs)

    @property
    def management_account(self) -> Account | None:
        return Account.objects.filter(organization=self, is_management=True).first()

    @property
    def arn(self) -> str:
        mgmt = self.management_account
        return (
            f"arn:aws:organizations::{mgmt.account_id if mgmt else ''}:organization/{self.org_id}"
        )


class OrgUnit(SandboxObject):
    """The organization root (``parent`` is null) or an organizational unit."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=128)
    unit_id = models.CharField(max_length=40, blank=True)

    slug = "ous"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return "Root" if self.is_root else self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.unit_id:
            root = self.organization.root_id
            self.unit_id = root if self.parent_id is None else rules.ou_id(root)
        super().save(*args, **kwargs)

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    def chain(self) -> list[OrgUnit]:
        """Root first, this unit last."""
        units: list[OrgUnit] = []
        node: OrgUnit | None = self
        while node is not None and node not in units:
            units.append(node)
            node = node.parent
        return units[::-1]


class Account(SandboxObject):
    """An AWS account and its root user."""

    account_id = models.CharField(max_length=12)
    name = models.CharField(max_length=50)
    email = models.EmailField()
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    parent = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    is_management = models.BooleanField(default=False)
    alias = models.CharField(max_length=63, blank=True)
    # The root user (id_root-user.html): its credentials are the account's email and password.
    root_password_set = models.BooleanField(default=True)
    root_password_last_used = models.DateTimeField(null=True, blank=True)

    slug = "accounts"

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "sandbox",
                "account_id",
                name="account_id_unique_in_sandbox",
                violation_error_message="This sandbox already has an account with this id.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"

    def clean(self) -> None:
        if error := rules.check_account_id(self.account_id):
            raise ValidationError({"account_id": error})

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"

    @property
    def root_mfa_enabled(self) -> bool:
        return self.mfa_devices.filter(user__isnull=True).exists()


# -- policies ----------------------------------------------------------------------------------


class ManagedPolicyQuerySet(OwnedQuerySet):
    def attachable(self) -> ManagedPolicyQuerySet:
        """Policies a user, group, role or permission set may use: not those AWS keeps for
        service-linked roles, which IAM refuses to attach elsewhere (PolicyNotAttachable)."""
        return self.exclude(path__startswith=rules.SERVICE_ROLE_PATH)

    def aws_snapshot(self) -> ManagedPolicyQuerySet:
        """The AWS managed policies iamlab ships: global rows, shared by every sandbox."""
        return self.filter(account__isnull=True, sandbox__isnull=True)

    def visible_in(self, sandbox: Sandbox) -> ManagedPolicyQuerySet:
        """What a sandbox may use: its own policies (customer managed, and AWS managed ones an
        import took from its file) and the shipped AWS managed policies."""
        return self.filter(models.Q(sandbox=sandbox) | models.Q(sandbox__isnull=True))


class ManagedPolicy(SandboxObject):
    """A managed policy: customer managed (in an account), or AWS managed (no account).

    An AWS managed policy is usually a global row of the shipped snapshot (no sandbox either;
    ``awsmanaged.py``). An imported authorization-details file may carry one that the snapshot
    lacks or holds at another version: the import then keeps the file's default version as a
    copy in the importing sandbox (a sandbox, no account; ``from_file``), so that what one
    person's file says never changes the policy other sandboxes see.
    """

    sandbox = models.ForeignKey(  # type: ignore[assignment]
        Sandbox, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="policies"
    )
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    policy_id = models.CharField(max_length=32, blank=True)
    description = models.CharField(max_length=1000, blank=True)

    objects = ManagedPolicyQuerySet.as_manager()  # type: ignore[misc]

    slug = "policies"

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                name="policy_name_unique_in_account",
                violation_error_message=(
                    "This account already has a policy with this name (IAM names are not "
                    "case-sensitive)."
                ),
            ),
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(account__isnull=True, sandbox__isnull=True),
                name="aws_managed_policy_name_unique",
                violation_error_message="There is already an AWS managed policy with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.policy_id:
            self.policy_id = rules.unique_id("policy")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        if self.aws_managed and not self.from_file:
            return reverse("sandbox:aws_policy", args=[self.name])
        return super().get_absolute_url()

    @property
    def aws_managed(self) -> bool:
        return self.account_id is None

    @property
    def from_file(self) -> bool:
        """An AWS managed policy as an imported file carried it, kept in its sandbox."""
        return self.account_id is None and self.sandbox_id is not None

    @property
    def service_role_only(self) -> bool:
        return self.path.startswith(rules.SERVICE_ROLE_PATH)

    @property
    def arn(self) -> str:
        owner = "aws" if self.account is None else self.account.account_id
        return f"arn:aws:iam::{owner}:policy{self.path}{self.name}"

    def default_version(self) -> PolicyVersion | None:
        return self.versions.filter(is_default=True).first()


class PolicyVersion(models.Model):
    policy = models.ForeignKey(ManagedPolicy, on_delete=models.CASCADE, related_name="versions")
    version_id = models.CharField(max_length=10)  # v1, v2, ...
    document = models.TextField()
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["policy", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "policy",
                "version_id",
                name="version_id_unique",
                violation_error_message="This policy already has a version with this id.",
            ),
            models.UniqueConstraint(
                "policy",
                condition=models.Q(is_default=True),
                name="one_default_version",
                violation_error_message="A policy has exactly one default version.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} {self.version_id}"

    @property
    def number(self) -> int:
        return int(self.version_id.lstrip("v") or 0)


class Principal(SandboxObject):
    """Shared columns of IAM users and roles (and, for paths and attachments, groups)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="%(class)ss")
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    unique_id = models.CharField(max_length=32, blank=True)
    managed_policies = models.ManyToManyField(ManagedPolicy, blank=True, related_name="+")

    id_kind: ClassVar[str] = ""
    arn_kind: ClassVar[str] = ""

    class Meta:
        abstract = True
        ordering = [Lower("name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.unique_id:
            self.unique_id = rules.unique_id(self.id_kind)
        super().save(*args, **kwargs)

    @property
    def arn(self) -> str:
        return rules.iam_arn(self.account.account_id, self.arn_kind, self.path, self.name)


# The console password of every IAM user that iamlab creates with console access but without a
# password of its own: a lab world's ``console_password: true``, the demo, an import of
# get-account-authorization-details (which never carries passwords) and users from before
# passwords were kept. It is public on purpose (the sign-in page, the lab pages and
# docs/scenarios.md give it), so a learner can sign in as those users; a password the designer
# types on the user's page is kept only as a hash and shown to nobody.
DEFAULT_CONSOLE_PASSWORD = "Sandbox-Pass-1"  # noqa: S105 (public on purpose, see above)


@functools.cache
def known_password_hash(raw: str) -> str:
    """The hash of a password that is no secret (the default, or one a lab world writes out),
    made once per process: a strong hasher takes most of a second per password."""
    return make_password(raw)


class IamUser(Principal):
    # Whether the user has a console password (a login profile, CreateLoginProfile) ...
    console_password = models.BooleanField(default=False)
    # ... and the password, hashed by Django's password hashers, never shown (blank: none).
    password_hash = models.CharField(max_length=128, blank=True, editable=False)
    password_reset_required = models.BooleanField(default=False)
    password_last_used = models.DateTimeField(null=True, blank=True)
    boundary = models.ForeignKey(
        ManagedPolicy, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    tags = models.JSONField(default=dict, blank=True)

    id_kind = "user"
    arn_kind = "user"
    slug = "users"

    class Meta(Principal.Meta):
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                name="user_name_unique",
                violation_error_message=(
                    "This account already has an IAM user with this name (IAM names are not"
                    " case-sensitive)."
                ),
            )
        ]
        indexes = [models.Index(fields=["sandbox", "account"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.console_password:
            self.password_hash = ""
        elif not self.password_hash:
            self.password_hash = known_password_hash(DEFAULT_CONSOLE_PASSWORD)
        super().save(*args, **kwargs)

    def set_console_password(self, raw: str | None, *, known: bool = False) -> None:
        """Give the user console access with the password ``raw`` (the default one if None),
        as CreateLoginProfile / UpdateLoginProfile do. ``known``: the password is no secret
        (it is written in a lab world), so its hash may be shared. Not saved here."""
        self.console_password = True
        if raw is None:
            raw, known = DEFAULT_CONSOLE_PASSWORD, True
        self.password_hash = known_password_hash(raw) if known else make_password(raw)

    def check_console_password(self, raw: str) -> bool:
        """Whether ``raw`` is the user's console password (False if it has none)."""
        if not self.console_password or not self.password_hash:
            return False
        return check_password(raw, self.password_hash)


class IamGroup(Principal):
    members = models.ManyToManyField(IamUser, blank=True, related_name="groups")

    id_kind = "group"
    arn_kind = "group"
    slug = "groups"

    class Meta(Principal.Meta):
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                name="group_name_unique",
                violation_error_message=(
                    "This account already has a user group with this name (IAM names are "
                    "not case-sensitive)."
                ),
            )
        ]


class Role(Principal):
    MANAGED_BY_CHOICES = [
        ("", "You"),
        ("service-linked", "An AWS service (service-linked role)"),
        ("identity-center", "IAM Identity Center"),
    ]

    description = models.CharField(max_length=1000, blank=True)
    trust_policy = models.TextField()
    max_session_duration = models.PositiveIntegerField(default=3600)
    boundary = models.ForeignKey(
        ManagedPolicy, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    tags = models.JSONField(default=dict, blank=True)
    managed_by = models.CharField(max_length=20, choices=MANAGED_BY_CHOICES, blank=True)
    linked_service = models.CharField(max_length=100, blank=True)  # service-linked roles
    permission_set = models.ForeignKey(
        "PermissionSet",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="provisioned_roles",
    )

    id_kind = "role"
    arn_kind = "role"
    slug = "roles"

    class Meta(Principal.Meta):
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                name="role_name_unique",
                violation_error_message=(
                    "This account already has a role with this name (IAM names are not "
                    "case-sensitive)."
                ),
            )
        ]
        indexes = [models.Index(fields=["sandbox", "account"])]

    @property
    def editable(self) -> bool:
        """Service-linked and Identity Center roles are managed by AWS: view, never edit."""
        return not self.managed_by

    @property
    def trusted_services(self) -> list[str]:
        import json

        try:
            doc = json.loads(self.trust_policy)
        except ValueError:
            return []
        found: list[str] = []
        statements = doc.get("Statement", []) if isinstance(doc, dict) else []
        for st in statements if isinstance(statements, list) else [statements]:
            principal = st.get("Principal") if isinstance(st, dict) else None
            if isinstance(principal, dict):
                svc = principal.get("Service", [])
                found.extend([svc] if isinstance(svc, str) else list(svc))
        return found

    @property
    def is_service_role(self) -> bool:
        return not self.managed_by and bool(self.trusted_services)


class InlinePolicy(SandboxObject):
    """A policy embedded in one user, group or role (exactly one of the three)."""

    user = models.ForeignKey(
        IamUser, null=True, blank=True, on_delete=models.CASCADE, related_name="inline_policies"
    )
    group = models.ForeignKey(
        IamGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="inline_policies"
    )
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.CASCADE, related_name="inline_policies"
    )
    name = models.CharField(max_length=128)
    document = models.TextField()

    slug = "inline"

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, group__isnull=True, role__isnull=True)
                    | models.Q(user__isnull=True, group__isnull=False, role__isnull=True)
                    | models.Q(user__isnull=True, group__isnull=True, role__isnull=False)
                ),
                name="inline_policy_has_one_owner",
            ),
            models.UniqueConstraint(
                "user",
                Lower("name"),
                name="inline_name_unique_user",
                violation_error_message="This user already has an inline policy with this name.",
            ),
            models.UniqueConstraint(
                "group",
                Lower("name"),
                name="inline_name_unique_group",
                violation_error_message="This group already has an inline policy with this name.",
            ),
            models.UniqueConstraint(
                "role",
                Lower("name"),
                name="inline_name_unique_role",
                violation_error_message="This role already has an inline policy with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def owner(self) -> IamUser | IamGroup | Role:
        owner = self.user or self.group or self.role
        assert owner is not None
        return owner


# -- credentials -------------------------------------------------------------------------------


class AccessKey(SandboxObject):
    """A long-term access key of an IAM user, or of the root user when ``user`` is null."""

    STATUS_CHOICES = [("Active", "Active"), ("Inactive", "Inactive")]

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="access_keys")
    user = models.ForeignKey(
        IamUser, null=True, blank=True, on_delete=models.CASCADE, related_name="access_keys"
    )
    key_id = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=8, choices=STATUS_CHOICES, default="Active")
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_service = models.CharField(max_length=64, blank=True)
    last_used_region = models.CharField(max_length=20, blank=True)

    slug = "keys"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.key_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.key_id:
            self.key_id = rules.unique_id("access-key")
        super().save(*args, **kwargs)


class MfaDevice(SandboxObject):
    KIND_CHOICES = [
        ("virtual", "Authenticator app"),
        ("passkey", "Passkey or security key"),
        ("hardware", "Hardware TOTP token"),
    ]

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mfa_devices")
    user = models.ForeignKey(
        IamUser, null=True, blank=True, on_delete=models.CASCADE, related_name="mfa_devices"
    )
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=10, choices=KIND_CHOICES, default="virtual")

    slug = "mfa"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def serial(self) -> str:
        """Virtual devices are named by an ARN; others by a serial number (list-mfa-devices)."""
        if self.kind == "virtual":
            return f"arn:aws:iam::{self.account.account_id}:mfa/{self.name}"
        return self.name


class ServiceCredential(SandboxObject):
    """Service-specific credentials (id_credentials_ssh-keys / id_credentials_keyspaces)."""

    SERVICE_CHOICES = [
        ("codecommit.amazonaws.com", "AWS CodeCommit (Git HTTPS)"),
        ("cassandra.amazonaws.com", "Amazon Keyspaces (for Apache Cassandra)"),
    ]

    user = models.ForeignKey(IamUser, on_delete=models.CASCADE, related_name="service_credentials")
    service = models.CharField(max_length=40, choices=SERVICE_CHOICES)
    credential_id = models.CharField(max_length=32, blank=True)
    service_user_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=AccessKey.STATUS_CHOICES, default="Active")

    slug = "service-credentials"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.service_user_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.credential_id:
            self.credential_id = rules.unique_id("service-credential")
        if not self.service_user_name:
            # AWS composes it from the user name and the account id.
            self.service_user_name = f"{self.user.name}-at-{self.user.account.account_id}"
        super().save(*args, **kwargs)


class SshPublicKey(SandboxObject):
    user = models.ForeignKey(IamUser, on_delete=models.CASCADE, related_name="ssh_keys")
    key_id = models.CharField(max_length=20, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=AccessKey.STATUS_CHOICES, default="Active")

    slug = "ssh-keys"

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.key_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.key_id:
            self.key_id = rules.unique_id("ssh-key")
        super().save(*args, **kwargs)

    @property
    def fingerprint(self) -> str:
        import base64
        import hashlib

        parts = self.body.split()
        try:
            raw = base64.b64decode(parts[1]) if len(parts) > 1 else self.body.encode()
        except ValueError:
            raw = self.body.encode()
        digest = hashlib.md5(raw, usedforsecurity=False).hexdigest()
        return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


# -- compute and identity providers -----------------------------------------------------------


class InstanceProfile(SandboxObject):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="instance_profiles")
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    profile_id = models.CharField(max_length=32, blank=True)
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="instance_profiles"
    )

    slug = "instance-profiles"

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                name="instance_profile_name_unique",
                violation_error_message=(
                    "This account already has an instance profile with this name."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.profile_id:
            self.profile_id = rules.unique_id("instance-profile")
        super().save(*args, **kwargs)

    @property
    def arn(self) -> str:
        return rules.iam_arn(self.account.account_id, "instance-profile", self.path, self.name)


class Ec2Instance(SandboxObject):
    STATE_CHOICES = [("running", "running"), ("stopped", "stopped")]

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="instances")
    instance_id = models.CharField(max_length=19, blank=True)
    name = models.CharField(max_length=256, blank=True)
    region = models.CharField(max_length=20, choices=REGION_CHOICES, default="us-east-1")
    instance_profile = models.ForeignKey(
        InstanceProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="instances"
    )
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default="running")

    slug = "instances"

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or self.instance_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.instance_id:
            self.instance_id = "i-" + uuid.uuid4().hex[:17]
        super().save(*args, **kwargs)

    @property
    def arn(self) -> str:
        return f"arn:aws:ec2:{self.region}:{self.account.account_id}:instance/{self.instance_id}"


class IdentityProvider(SandboxObject):
    """An IAM SAML 2.0 or OIDC identity provider (id_roles_providers.html)."""

    KIND_CHOICES = [("saml", "SAML 2.0"), ("oidc", "OpenID Connect")]

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="providers")
    kind = models.CharField(max_length=4, choices=KIND_CHOICES)
    # SAML: the provider name. OIDC: the issuer URL without https://.
    name = models.CharField(max_length=255)
    metadata = models.TextField(blank=True)  # SAML metadata document
    client_ids = models.JSONField(default=list, blank=True)  # OIDC audiences
    thumbprints = models.JSONField(default=list, blank=True)
    managed_by = models.CharField(max_length=20, blank=True)  # "identity-center"

    slug = "providers"

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                "account",
                "kind",
                "name",
                name="provider_unique",
                violation_error_message=(
                    "This account already has an identity provider of this kind with this name."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        kind = "saml-provider" if self.kind == "saml" else "oidc-provider"
        return f"arn:aws:iam::{self.account.account_id}:{kind}/{self.name}"


# -- IAM Identity Center -----------------------------------------------------------------------


class SsoUser(SandboxObject):
    user_name = models.CharField(max_length=128)
    display_name = models.CharField(max_length=256)
    email = models.EmailField()
    user_id = models.UUIDField(default=uuid.uuid4, editable=False)

    slug = "sso-users"

    class Meta:
        ordering = [Lower("user_name")]
        constraints = [
            models.UniqueConstraint(
                "sandbox",
                Lower("user_name"),
                name="sso_user_unique",
                violation_error_message="Identity Center already has a user with this user name.",
            )
        ]

    def __str__(self) -> str:
        return self.user_name


class SsoGroup(SandboxObject):
    name = models.CharField(max_length=128)
    description = models.CharField(max_length=1024, blank=True)
    members = models.ManyToManyField(SsoUser, blank=True, related_name="groups")
    group_id = models.UUIDField(default=uuid.uuid4, editable=False)

    slug = "sso-groups"

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                "sandbox",
                Lower("name"),
                name="sso_group_unique",
                violation_error_message="Identity Center already has a group with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PermissionSet(SandboxObject):
    """A template of permissions that Identity Center provisions as a role in each assigned
    account (permissionsetsconcept.html)."""

    name = models.CharField(max_length=32)
    description = models.CharField(max_length=700, blank=True)
    session_duration = models.PositiveIntegerField(default=3600)
    managed_policies = models.ManyToManyField(ManagedPolicy, blank=True, related_name="+")
    inline_policy = models.TextField(blank=True)
    boundary = models.ForeignKey(
        ManagedPolicy, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    set_id = models.CharField(max_length=20, blank=True)

    slug = "permission-sets"

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                "sandbox",
                Lower("name"),
                name="permission_set_unique",
                violation_error_message="There is already a permission set with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.set_id:
            self.set_id = "ps-" + uuid.uuid4().hex[:16]
        super().save(*args, **kwargs)


class AccountAssignment(SandboxObject):
    permission_set = models.ForeignKey(
        PermissionSet, on_delete=models.CASCADE, related_name="assignments"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="assignments")
    sso_user = models.ForeignKey(
        SsoUser, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    sso_group = models.ForeignKey(
        SsoGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )

    slug = "assignments"

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(sso_user__isnull=False, sso_group__isnull=True)
                    | models.Q(sso_user__isnull=True, sso_group__isnull=False)
                ),
                name="assignment_has_one_principal",
            )
        ]

    def __str__(self) -> str:
        who = self.sso_user or self.sso_group
        return f"{who} → {self.permission_set} in {self.account}"


# -- organization policies ---------------------------------------------------------------------


class OrgPolicy(SandboxObject):
    """A service control policy or resource control policy (orgs_manage_policies_scps.html)."""

    KIND_CHOICES = [("scp", "Service control policy"), ("rcp", "Resource control policy")]

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="policies"
    )
    kind = models.CharField(max_length=3, choices=KIND_CHOICES)
    name = models.CharField(max_length=128)
    description = models.CharField(max_length=512, blank=True)
    document = models.TextField()
    policy_id = models.CharField(max_length=20, blank=True)
    aws_managed = models.BooleanField(default=False)
    target_units = models.ManyToManyField(OrgUnit, blank=True, related_name="org_policies")
    target_accounts = models.ManyToManyField(Account, blank=True, related_name="org_policies")

    slug = "org-policies"

    class Meta:
        ordering = ["kind", "-aws_managed", Lower("name")]
        constraints = [
            models.UniqueConstraint(
                "organization",
                "kind",
                Lower("name"),
                name="org_policy_name_unique",
                violation_error_message=(
                    "The organization already has a policy of this kind with this name."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.policy_id:
            self.policy_id = f"p-{self.name}" if self.aws_managed else rules.org_id("p")
        super().save(*args, **kwargs)


# -- resources with resource-based policies ---------------------------------------------------


class Resource(SandboxObject):
    KIND_CHOICES = [
        ("s3", "S3 bucket"),
        ("kms", "KMS key"),
        ("sqs", "SQS queue"),
        ("sns", "SNS topic"),
        ("lambda", "Lambda function"),
        ("secret", "Secrets Manager secret"),
        ("stack", "CloudFormation stack"),
        ("build", "CodeBuild project"),
    ]
    # Kinds that run as a role (the ``role`` field): a Lambda function runs as its execution
    # role, a CloudFormation stack and a CodeBuild project as their service role.
    ROLE_KINDS: ClassVar[tuple[str, ...]] = ("lambda", "stack", "build")
    # Kinds that take no resource-based policy in iamlab (CloudFormation and CodeBuild have
    # none of their own: access to them is granted by identity-based policies only).
    NO_POLICY_KINDS: ClassVar[tuple[str, ...]] = ("stack", "build")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(max_length=6, choices=KIND_CHOICES)
    name = models.CharField(max_length=256)
    region = models.CharField(max_length=20, choices=REGION_CHOICES, default="us-east-1")
    # KMS key id, secret suffix, CloudFormation stack id
    resource_id = models.CharField(max_length=64, blank=True)
    policy = models.TextField(blank=True)
    tags = models.JSONField(default=dict, blank=True)
    # The role it runs as: a Lambda function's execution role, a CloudFormation stack's or a
    # CodeBuild project's service role (ROLE_KINDS); always a role of the same account.
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="functions"
    )

    slug = "resources"

    class Meta:
        ordering = ["kind", Lower("name")]
        constraints = [
            models.UniqueConstraint(
                "account",
                "kind",
                "region",
                "name",
                name="resource_unique",
                violation_error_message=(
                    "This account already has a resource of this kind with this name in "
                    "this region."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.resource_id:
            if self.kind in ("kms", "stack"):
                self.resource_id = str(uuid.uuid4())
            elif self.kind == "secret":
                self.resource_id = uuid.uuid4().hex[:6]
        super().save(*args, **kwargs)

    @property
    def arn(self) -> str:
        acct = self.account.account_id
        region = self.region
        match self.kind:
            case "s3":
                return f"arn:aws:s3:::{self.name}"
            case "kms":
                return f"arn:aws:kms:{region}:{acct}:key/{self.resource_id}"
            case "sqs":
                return f"arn:aws:sqs:{region}:{acct}:{self.name}"
            case "sns":
                return f"arn:aws:sns:{region}:{acct}:{self.name}"
            case "lambda":
                return f"arn:aws:lambda:{region}:{acct}:function:{self.name}"
            case "stack":
                # The stack id is a UUID CloudFormation assigns when it creates the stack.
                stack = f"{self.name}/{self.resource_id}"
                return f"arn:aws:cloudformation:{region}:{acct}:stack/{stack}"
            case "build":
                return f"arn:aws:codebuild:{region}:{acct}:project/{self.name}"
            case _:
                return (
                    f"arn:aws:secretsmanager:{region}:{acct}:secret:{self.name}-{self.resource_id}"
                )

    @property
    def policy_required(self) -> bool:
        """Every KMS key has a key policy; other resources may have none."""
        return self.kind == "kms"

    @property
    def sample_action(self) -> str:
        """The action a learner most often asks about for this kind of resource."""
        return {
            "s3": "s3:GetObject",
            "kms": "kms:Decrypt",
            "sqs": "sqs:SendMessage",
            "sns": "sns:Publish",
            "lambda": "lambda:InvokeFunction",
            "secret": "secretsmanager:GetSecretValue",
            "stack": "cloudformation:UpdateStack",
            "build": "codebuild:StartBuild",
        }[self.kind]

    @property
    def takes_role(self) -> bool:
        """Whether this kind of resource runs as a role of its account."""
        return self.kind in self.ROLE_KINDS

    @property
    def takes_policy(self) -> bool:
        """Whether this kind of resource has a resource-based policy (in iamlab)."""
        return self.kind not in self.NO_POLICY_KINDS

    @property
    def role_label(self) -> str:
        """What AWS calls the role it runs as."""
        return "Execution role" if self.kind == "lambda" else "Service role"

    @property
    def sample_resource(self) -> str:
        """An ARN to ask about: an object in a bucket, the resource itself otherwise."""
        return f"{self.arn}/example.txt" if self.kind == "s3" else self.arn


# -- temporary credentials ---------------------------------------------------------------------


class StsSession(models.Model):
    """Temporary credentials AWS STS issued in this sandbox, by one of the identity flows.

    Not a :class:`SandboxObject`: issuing credentials changes nothing in IAM, so it does not
    bump the sandbox's version (the cached World stays valid). The row keeps what the call
    returned and what it was given (session policies, tags, source identity, the keys that
    survive from MFA or federation), so :mod:`iamlab.sandbox.sessions` can rebuild the engine's
    session and evaluate requests made with it against the sandbox as it is now, as AWS does:
    a role's permission policies apply to its existing sessions the moment they change.
    """

    KIND_CHOICES = [
        ("assumed-role", "Role session"),
        ("federated-user", "Federated user"),
        ("session-token", "Session token"),
    ]
    VIA_CHOICES = [
        ("cli", "AssumeRole (CLI or API)"),
        ("console", "Switch role (console)"),
        ("instance", "EC2 instance profile"),
        ("service", "AWS service (service role)"),
        ("portal", "IAM Identity Center access portal"),
        ("saml", "SAML 2.0 federation"),
        ("web-identity", "Web identity federation"),
        ("broker", "Custom identity broker (GetFederationToken)"),
        ("session-token", "GetSessionToken"),
    ]

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="sts_sessions")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default="assumed-role")
    via = models.CharField(max_length=16, choices=VIA_CHOICES, default="cli")
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        IamUser, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The session whose credentials made the call (role chaining), if any.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    # Who the learner was before this session: the identity "Back to ..." returns to.
    origin = models.CharField(max_length=40, blank=True)
    origin_label = models.CharField(max_length=300, blank=True)
    instance = models.ForeignKey(
        Ec2Instance, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    arn = models.CharField(max_length=400)
    caller_arn = models.CharField(max_length=400, blank=True)
    session_name = models.CharField(max_length=64)
    access_key_id = models.CharField(max_length=20)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField()
    chained = models.BooleanField(default=False)
    external_id = models.CharField(max_length=1224, blank=True)
    session_policy = models.TextField(blank=True)
    policy_arns = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    source_identity = models.CharField(max_length=64, blank=True)
    # Condition keys the session carries into every request (MFA, federation keys).
    carried = models.JSONField(default=dict, blank=True)
    # Switch role in the console: the display name and colour shown in the navigation bar.
    display_name = models.CharField(max_length=64, blank=True)
    color = models.CharField(max_length=16, blank=True)
    # Federation (SAML, web identity, the access portal): the identity provider (its ARN, or a
    # built-in provider's host name) and the provider's keys that survive into the session.
    federated_provider = models.CharField(max_length=400, blank=True)
    federation_keys = models.JSONField(default=dict, blank=True)
    transitive_tag_keys = models.JSONField(default=list, blank=True)
    # When MFA was checked for these credentials (GetSessionToken or AssumeRole with MFA).
    mfa_authenticated_at = models.DateTimeField(null=True, blank=True)
    mfa_serial = models.CharField(max_length=256, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.arn

    @property
    def key(self) -> str:
        return f"session:{self.pk}"

    def expired(self, at: dt.datetime) -> bool:
        return at >= self.expires_at

    def remaining(self, at: dt.datetime) -> dt.timedelta:
        return max(self.expires_at - at, dt.timedelta(0))


class Job(models.Model):
    """Long work done off the request path (a big import, a scenario upload) by a task worker:
    what it is, whose, how far it got and how it ended. See :mod:`iamlab.sandbox.jobs`."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Working"
        DONE = "done", "Done"
        FAILED = "failed", "Nothing was written"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    title = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    payload = models.BinaryField(default=b"", blank=True)  # the upload, dropped once done
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    step = models.CharField(max_length=300, blank=True)  # what it is doing now
    done_steps = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)  # 0: not known
    message = models.TextField(blank=True)  # how it ended, for the person
    problems = models.JSONField(default=list, blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    back_url = models.CharField(max_length=300, blank=True)  # where to try again
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sandbox:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total_steps:
            return None
        return min(100, round(100 * self.done_steps / self.total_steps))
