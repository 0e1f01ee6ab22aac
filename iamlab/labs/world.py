"""A scenario's world (``world.yaml``) built into a sandbox.

The world is plain data an instructor writes: accounts, an optional organization with OUs and
SCPs or RCPs, customer managed policies, groups, users, roles, service-linked roles, instance
profiles, EC2 instances, identity providers and resources. ``docs/scenarios.md`` describes each
field. :func:`build_world` checks it all (every name, path, policy document and reference, by
the same rules the sandbox pages apply) and reports every problem it finds with its file, line
and field; the caller runs it in a transaction, so a world with a problem leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Any

from django.core.exceptions import ValidationError

from iamlab.policy import PolicyType
from iamlab.sandbox import awsmanaged, rules, services
from iamlab.sandbox.models import (
    DEFAULT_CONSOLE_PASSWORD,
    REGIONS,
    AccessKey,
    Account,
    Ec2Instance,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    Organization,
    OrgPolicy,
    OrgUnit,
    PermissionSet,
    Resource,
    Role,
    Sandbox,
    ServiceCredential,
    SsoGroup,
    SsoUser,
    known_password_hash,
)

from .yamlsource import Budget, Problem, Source, YamlProblem, dotted, read_yaml

__all__ = ["WORLD_FILE", "WorldInvalid", "build_world", "console_passwords", "world_passwords"]

WORLD_FILE = "world.yaml"

Path = tuple[str | int, ...]

_SECTIONS = {
    "accounts",
    "organization",
    "policies",
    "groups",
    "users",
    "roles",
    "service_linked_roles",
    "instance_profiles",
    "instances",
    "providers",
    "resources",
    "identity_center",
}
_RESOURCE_KINDS = [kind for kind, _ in Resource.KIND_CHOICES]
_JSON_POSITION = re.compile(r"^line \d+, column \d+: ")


def _aws_managed(name: str) -> ManagedPolicy | None:
    """An AWS managed policy by name or ARN (``arn:aws:iam::aws:policy/service-role/X``)."""
    aws_name = name.removeprefix("arn:aws:iam::aws:policy/").rsplit("/", 1)[-1]
    try:
        return awsmanaged.aws_policy(aws_name)
    except ManagedPolicy.DoesNotExist:
        return None


class WorldInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def build_world(sandbox: Sandbox, source: Source, budget: Budget | None = None) -> None:
    """Create the world of ``source`` in ``sandbox`` (which should hold nothing yet); raise
    :class:`WorldInvalid` with every problem found. Run it in a transaction. With ``budget``
    (an upload's), each entry is built only while the budget lasts."""
    _Builder(sandbox, source, budget).build()


def console_passwords(data: Any) -> list[tuple[str, list[str]]]:
    """The console passwords a world gives its IAM users, each with the users that have it, in
    the order the world lists them: what a learner needs to sign in as one of them. A lab's
    passwords are no secret (the world file is the lab's text); the sandbox keeps only their
    hashes."""
    found: dict[str, list[str]] = {}
    users = data.get("users") if isinstance(data, Mapping) else None
    for entry in users if isinstance(users, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        value = entry.get("console_password")
        password = DEFAULT_CONSOLE_PASSWORD if value is True else value
        if isinstance(password, str) and password:
            found.setdefault(password, []).append(entry["name"])
    return list(found.items())


@lru_cache(maxsize=128)
def world_passwords(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """:func:`console_passwords` of a world file's text (read once per text and process)."""
    try:
        data = read_yaml(text, WORLD_FILE).data
    except YamlProblem:
        return ()
    return tuple((password, tuple(names)) for password, names in console_passwords(data))


class _Stop(Exception):
    """A problem that leaves nothing more worth checking in the current entry."""


class _Builder:
    def __init__(self, sandbox: Sandbox, source: Source, budget: Budget | None = None) -> None:
        self.sandbox = sandbox
        self.source = source
        self.budget = budget
        self.problems: list[Problem] = []
        self.accounts: dict[str, Account] = {}
        self.policies: dict[tuple[int, str], ManagedPolicy] = {}
        self.groups: dict[tuple[int, str], IamGroup] = {}
        self.users: dict[tuple[int, str], IamUser] = {}
        self.roles: dict[tuple[int, str], Role] = {}
        self.profiles: dict[tuple[int, str], InstanceProfile] = {}
        self.units: dict[str, OrgUnit] = {}
        self.data: dict[str, Any] = {}
        # Each account's OU, by account name, when the world has an organization.
        self.placement: dict[str, tuple[Path, str]] = {}
        # Trust and resource policies name principals that must exist: checked at the end.
        self.named: list[tuple[Path, str]] = []

    # -- reporting -----------------------------------------------------------------------

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(
            Problem(self.source.file, dotted(path), message, self.source.line(path))
        )

    def fail(self, path: Path, message: str) -> _Stop:
        self.problem(path, message)
        return _Stop()

    # -- reading fields --------------------------------------------------------------------

    def entries(self, name: str) -> list[tuple[Path, dict[str, Any]]]:
        """The entries of a top-level section."""
        return self.entries_of(self.data, (), name)

    def text(self, entry: Mapping[str, Any], path: Path, key: str, required: bool = True) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                raise self.fail((*path, key), f"{key} is required")
            return ""
        if isinstance(value, bool):
            raise self.fail(
                (*path, key),
                f"{key} must be text; YAML reads yes, no, on and off as true or false, so put "
                "quotes around it",
            )
        if not isinstance(value, str | int | float):
            raise self.fail((*path, key), f"{key} must be text")
        return str(value)

    def flag(self, entry: Mapping[str, Any], path: Path, key: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            raise self.fail((*path, key), f"{key} must be true or false")
        return value

    def console_password(
        self, account: Account, entry: Mapping[str, Any], path: Path
    ) -> str | None:
        """A user's ``console_password``: false (none), true (iamlab's default password) or the
        password itself, which the lab's page shows the learner. None: no console access."""
        value = entry.get("console_password", False)
        if value is False or value is None:
            return None
        if value is True:
            return DEFAULT_CONSOLE_PASSWORD
        if not isinstance(value, str):
            raise self.fail(
                (*path, "console_password"),
                "console_password must be true, false or the password, as text",
            )
        if error := rules.check_console_password(value, account.name, account.email):
            raise self.fail((*path, "console_password"), error)
        return value

    def number(self, entry: Mapping[str, Any], path: Path, key: str, default: int) -> int:
        value = entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail((*path, key), f"{key} must be a whole number")
        return value

    def names(self, entry: Mapping[str, Any], path: Path, key: str) -> list[tuple[Path, str]]:
        value = entry.get(key, [])
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail((*path, key), f"{key} must be a list of names")
        return [((*path, key, i), v) for i, v in enumerate(value)]

    def tags(self, entry: Mapping[str, Any], path: Path) -> dict[str, str]:
        value = entry.get("tags", {})
        if not isinstance(value, dict) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
        ):
            raise self.fail((*path, "tags"), "tags must map each tag key to a text value")
        tags = {str(k): str(v) for k, v in value.items()}
        if error := rules.check_tags(tags):
            raise self.fail((*path, "tags"), error)
        return tags

    def document(self, entry: Mapping[str, Any], path: Path, key: str, type_: PolicyType) -> str:
        """A policy document written as YAML (a mapping) or as JSON text, checked as IAM
        checks one of its type."""
        value = entry.get(key)
        if value is None:
            raise self.fail((*path, key), f"{key} is required: the policy document")
        if isinstance(value, dict):
            text = json.dumps(value, indent=2)
        elif isinstance(value, str):
            text = value
        else:
            raise self.fail((*path, key), f"{key} must be a policy document (a mapping or JSON)")
        try:
            services.check_document(text, type_)
        except ValidationError as exc:
            message = " ".join(exc.messages)
            if isinstance(value, dict):
                # The position is in the JSON made from the YAML: the YAML line says more.
                message = _JSON_POSITION.sub("", message, count=1)
            raise self.fail((*path, key), message) from exc
        return text

    def account(self, entry: Mapping[str, Any], path: Path) -> Account:
        """The entry's account: named by ``account``, or the only one there is."""
        name = entry.get("account")
        if name is None:
            if len(self.accounts) == 1:
                return next(iter(self.accounts.values()))
            raise self.fail((*path, "account"), "account is required: the world has several")
        found = self.accounts.get(str(name))
        if found is None:
            known = ", ".join(sorted(self.accounts)) or "none"
            raise self.fail((*path, "account"), f"no account named {name} (accounts: {known})")
        return found

    def check(self, path: Path, call: Callable[[], Any]) -> Any:
        """Run a sandbox operation, turning the rule it refuses by into a problem."""
        try:
            return call()
        except ValidationError as exc:
            raise self.fail(path, " ".join(exc.messages)) from exc

    def each(self, section: str, build: Callable[[Path, dict[str, Any]], None]) -> None:
        for path, entry in self.entries(section):
            if self.budget is not None:
                self.budget.check(f"{self.source.file}, line {self.source.line(path)}")
            try:
                build(path, entry)
            except _Stop:
                continue

    # -- building ----------------------------------------------------------------------------

    def build(self) -> None:
        data = self.source.data
        if not isinstance(data, dict):
            self.problem((), "must be a mapping with an accounts list and the other sections")
            raise WorldInvalid(self.problems)
        self.data = data
        for key in data:
            if key not in _SECTIONS:
                self.problem((key,), f"unknown section; known: {', '.join(sorted(_SECTIONS))}")
        self.each("accounts", self.add_account)
        if not self.accounts:
            if not self.problems:
                self.problem(("accounts",), "the world needs at least one account")
            raise WorldInvalid(self.problems)
        if "organization" in data:
            with contextlib.suppress(_Stop):
                self.add_organization(data["organization"])
        else:
            for upath, _unit in self.placement.values():
                self.problem(upath, "an account joins an OU only in a world with an organization")
        self.each("policies", self.add_policy)
        self.each("groups", self.add_group)
        self.each("users", self.add_user)
        self.each("roles", self.add_role)
        self.each("service_linked_roles", self.add_service_linked_role)
        self.each("instance_profiles", self.add_profile)
        self.each("instances", self.add_instance)
        self.each("providers", self.add_provider)
        self.each("resources", self.add_resource)
        if "identity_center" in data:
            with contextlib.suppress(_Stop):
                self.add_identity_center(data["identity_center"])
        for path, text in self.named:
            try:
                services.check_principals_exist(self.sandbox, text)
            except ValidationError as exc:
                self.problem(path, " ".join(exc.messages))
        if self.problems:
            raise WorldInvalid(self.problems)

    def add_account(self, path: Path, entry: dict[str, Any]) -> None:
        name = self.text(entry, path, "name")
        if name in self.accounts:
            raise self.fail((*path, "name"), f"another account is named {name}")
        account_id = self.text(entry, path, "id", required=False) or rules.account_id()
        if error := rules.check_account_id(account_id):
            raise self.fail((*path, "id"), error)
        if any(a.account_id == account_id for a in self.accounts.values()):
            raise self.fail((*path, "id"), f"another account has the id {account_id}")
        email = self.text(entry, path, "email", required=False)
        unit = self.text(entry, path, "unit", required=False)
        if unit:
            self.placement[name] = ((*path, "unit"), unit)
        slug = "".join(c for c in name.lower() if c.isalnum()) or "account"
        account = Account.objects.create(
            sandbox=self.sandbox,
            account_id=account_id,
            name=name,
            email=email or f"aws-{slug}@example.com",
        )
        self.accounts[name] = account

    def add_organization(self, org: Any) -> None:
        path: Path = ("organization",)
        if not isinstance(org, dict):
            raise self.fail(path, "must be a mapping: management, units, scps, rcps")
        management = self.account(
            {"account": org.get("management")} if "management" in org else {}, path
        )
        organization = services.create_organization(management)
        root = services.org_root(organization)
        self.units = {"Root": root}
        for upath, name in self.names(org, path, "units"):
            if name in self.units:
                self.problem(upath, f"another OU is named {name}")
                continue
            self.units[name] = self.check(upath, partial(services.create_unit, root, name))
        # Every account of the world is in the organization: in its OU, or under the root.
        for name, account in self.accounts.items():
            upath, unit_name = self.placement.get(name, ((), "Root"))
            unit = self.units.get(unit_name)
            if unit is None:
                self.problem(upath, f"no OU named {unit_name} (organization.units)")
                continue
            if account != management:
                services.join_organization(account, unit)
        for kind in ("scp", "rcp"):
            for ppath, entry in self.entries_of(org, path, f"{kind}s"):
                try:
                    self.add_org_policy(organization, kind, ppath, entry)
                except _Stop:
                    continue

    def entries_of(
        self, parent: dict[str, Any], path: Path, key: str
    ) -> list[tuple[Path, dict[str, Any]]]:
        """The entries of the list ``parent[key]`` (at ``path``), each a mapping of fields."""
        value = parent.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem((*path, key), "must be a list of entries (each starting with -)")
            return []
        out: list[tuple[Path, dict[str, Any]]] = []
        for i, entry in enumerate(value):
            if isinstance(entry, dict):
                out.append(((*path, key, i), entry))
            else:
                self.problem((*path, key, i), "must be a mapping of fields (name: ..., and so on)")
        return out

    def add_org_policy(
        self, organization: Any, kind: str, path: Path, entry: dict[str, Any]
    ) -> None:
        name = self.text(entry, path, "name")
        type_ = PolicyType.SCP if kind == "scp" else PolicyType.RCP
        document = self.document(entry, path, "document", type_)
        policy = OrgPolicy.objects.create(
            sandbox=self.sandbox,
            organization=organization,
            kind=kind,
            name=name,
            description=self.text(entry, path, "description", required=False),
            document=document,
        )
        for tpath, target in self.names(entry, path, "attach"):
            where: OrgUnit | Account | None = self.units.get(target) or self.accounts.get(target)
            if where is None:
                self.problem(tpath, f"no OU or account named {target}")
                continue
            self.check(tpath, partial(services.attach_org_policy, policy, where))

    def managed(self, account: Account, path: Path, name: str) -> ManagedPolicy:
        """A customer managed policy of ``account`` by name, else an AWS managed policy by
        name or ARN."""
        found = self.policies.get((account.pk, name))
        if found is not None:
            return found
        aws = _aws_managed(name)
        if aws is None:
            raise self.fail(
                path,
                f"no customer managed policy named {name} in account {account.name}, and no "
                "AWS managed policy of that name",
            )
        return aws

    def attach(
        self, principal: IamUser | IamGroup | Role, entry: dict[str, Any], path: Path
    ) -> None:
        for mpath, name in self.names(entry, path, "managed"):
            try:
                policy = self.managed(principal.account, mpath, name)
                self.check(mpath, partial(services.attach_policy, principal, policy))
            except _Stop:
                continue
        inline = entry.get("inline", {})
        if not isinstance(inline, dict):
            raise self.fail((*path, "inline"), "inline must map each policy name to its document")
        for name, _document in inline.items():
            ipath = (*path, "inline", name)
            try:
                if error := rules.check_name("policy", name):
                    raise self.fail(ipath, error)
                text = self.document(inline, (*path, "inline"), name, PolicyType.IDENTITY)
                owner = {
                    IamUser: "user",
                    IamGroup: "group",
                    Role: "role",
                }[type(principal)]
                InlinePolicy.objects.create(
                    sandbox=self.sandbox, name=name, document=text, **{owner: principal}
                )
            except _Stop:
                continue

    def boundary(self, account: Account, entry: dict[str, Any], path: Path) -> ManagedPolicy | None:
        name = self.text(entry, path, "boundary", required=False)
        return self.managed(account, (*path, "boundary"), name) if name else None

    def named_unique(self, path: Path, kind: str, name: str, taken: bool) -> None:
        if error := rules.check_name(kind, name):
            raise self.fail((*path, "name"), error)
        if taken:
            raise self.fail((*path, "name"), f"another {kind} of this account is named {name}")

    def add_policy(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        name = self.text(entry, path, "name")
        document = self.document(entry, path, "document", PolicyType.IDENTITY)
        policy = self.check(
            path,
            lambda: services.create_policy(
                account,
                name,
                document,
                self.text(entry, path, "path", required=False) or "/",
                self.text(entry, path, "description", required=False),
            ),
        )
        self.policies[(account.pk, name)] = policy

    def add_group(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        name = self.text(entry, path, "name")
        self.named_unique(path, "group", name, (account.pk, name) in self.groups)
        group = IamGroup.objects.create(
            sandbox=self.sandbox,
            account=account,
            name=name,
            path=self.iam_path(entry, path),
        )
        self.groups[(account.pk, name)] = group
        self.attach(group, entry, path)

    def iam_path(self, entry: dict[str, Any], path: Path) -> str:
        value = self.text(entry, path, "path", required=False) or "/"
        if error := rules.check_path(value):
            raise self.fail((*path, "path"), error)
        return value

    def add_user(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        name = self.text(entry, path, "name")
        self.named_unique(path, "user", name, (account.pk, name) in self.users)
        keys = self.number(entry, path, "access_keys", 0)
        if not 0 <= keys <= 2:
            raise self.fail((*path, "access_keys"), "a user has at most 2 access keys")
        password = self.console_password(account, entry, path)
        user = IamUser.objects.create(
            sandbox=self.sandbox,
            account=account,
            name=name,
            path=self.iam_path(entry, path),
            console_password=password is not None,
            password_hash=known_password_hash(password) if password is not None else "",
            tags=self.tags(entry, path),
            boundary=self.boundary(account, entry, path),
        )
        self.users[(account.pk, name)] = user
        for _ in range(keys):
            AccessKey.objects.create(sandbox=self.sandbox, account=account, user=user)
        if self.flag(entry, path, "mfa"):
            MfaDevice.objects.create(
                sandbox=self.sandbox, account=account, user=user, name=f"{name}-mfa"
            )
        services_known = dict(ServiceCredential.SERVICE_CHOICES)
        for spath, service in self.names(entry, path, "service_credentials"):
            if service not in services_known:
                self.problem(spath, f"service credentials exist for {', '.join(services_known)}")
                continue
            ServiceCredential.objects.create(sandbox=self.sandbox, user=user, service=service)
        for gpath, group_name in self.names(entry, path, "groups"):
            group = self.groups.get((account.pk, group_name))
            if group is None:
                self.problem(gpath, f"no group named {group_name} in account {account.name}")
                continue
            self.check(gpath, partial(services.add_to_group, user, group))
        self.attach(user, entry, path)

    def add_role(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        name = self.text(entry, path, "name")
        self.named_unique(path, "role", name, (account.pk, name) in self.roles)
        trust = self.document(entry, path, "trust", PolicyType.TRUST)
        seconds = self.number(entry, path, "max_session_duration", 3600)
        if error := rules.check_session_duration(seconds):
            raise self.fail((*path, "max_session_duration"), error)
        role = Role.objects.create(
            sandbox=self.sandbox,
            account=account,
            name=name,
            path=self.iam_path(entry, path),
            description=self.text(entry, path, "description", required=False),
            trust_policy=trust,
            max_session_duration=seconds,
            tags=self.tags(entry, path),
            boundary=self.boundary(account, entry, path),
        )
        self.roles[(account.pk, name)] = role
        self.named.append(((*path, "trust"), trust))
        self.attach(role, entry, path)

    def add_service_linked_role(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        service = self.text(entry, path, "service")
        role = self.check(
            (*path, "service"), lambda: services.create_service_linked_role(account, service)
        )
        self.roles[(account.pk, role.name)] = role

    def role(self, account: Account, path: Path, name: str) -> Role:
        found = self.roles.get((account.pk, name))
        if found is None:
            raise self.fail(path, f"no role named {name} in account {account.name}")
        return found

    def add_profile(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        name = self.text(entry, path, "name")
        self.named_unique(path, "instance profile", name, (account.pk, name) in self.profiles)
        role_name = self.text(entry, path, "role", required=False)
        role = self.role(account, (*path, "role"), role_name) if role_name else None
        self.profiles[(account.pk, name)] = InstanceProfile.objects.create(
            sandbox=self.sandbox, account=account, name=name, role=role
        )

    def add_instance(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        profile_name = self.text(entry, path, "profile", required=False)
        profile = None
        if profile_name:
            profile = self.profiles.get((account.pk, profile_name))
            if profile is None:
                raise self.fail((*path, "profile"), f"no instance profile named {profile_name}")
        state = self.text(entry, path, "state", required=False) or "running"
        if state not in ("running", "stopped"):
            raise self.fail((*path, "state"), "state is running or stopped")
        region = self.region(entry, path)
        name = self.text(entry, path, "name", required=False)
        # The same id each time the world is built (AWS's are random): a lab's walkthrough
        # and a quiz's worked-out answers can name the instance, and loading again changes
        # nothing.
        seed = f"{account.account_id}/{region}/{name}/{path[-1]}"
        Ec2Instance.objects.create(
            sandbox=self.sandbox,
            account=account,
            name=name,
            region=region,
            instance_profile=profile,
            state=state,
            instance_id="i-" + hashlib.sha256(seed.encode()).hexdigest()[:17],
        )

    def region(self, entry: dict[str, Any], path: Path) -> str:
        region = self.text(entry, path, "region", required=False) or "us-east-1"
        if region not in REGIONS:
            raise self.fail((*path, "region"), f"{region} is not a region iamlab knows")
        return region

    def add_provider(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        kind = self.text(entry, path, "kind")
        if kind not in ("saml", "oidc"):
            raise self.fail((*path, "kind"), "kind is saml or oidc")
        name = self.text(entry, path, "name")
        if kind == "saml" and (error := rules.check_name("SAML provider", name)):
            raise self.fail((*path, "name"), error)
        client_ids = [v for _, v in self.names(entry, path, "client_ids")]
        IdentityProvider.objects.create(
            sandbox=self.sandbox, account=account, kind=kind, name=name, client_ids=client_ids
        )

    def add_identity_center(self, center: Any) -> None:
        """Workforce users and groups, permission sets, and their assignments to accounts
        (each assignment provisions the set's AWSReservedSSO_ role in the account)."""
        path: Path = ("identity_center",)
        if not isinstance(center, dict):
            raise self.fail(path, "must be a mapping: users, groups, permission_sets, assignments")
        organization = Organization.objects.filter(sandbox=self.sandbox).first()
        if organization is None:
            raise self.fail(path, "IAM Identity Center needs an organization (add organization)")
        organization.identity_center_enabled = True
        organization.save()
        users: dict[str, SsoUser] = {}
        for upath, entry in self.entries_of(center, path, "users"):
            try:
                name = self.text(entry, upath, "name")
                if name in users:
                    raise self.fail((*upath, "name"), f"another user is named {name}")
                users[name] = SsoUser.objects.create(
                    sandbox=self.sandbox,
                    user_name=name,
                    display_name=self.text(entry, upath, "display_name", required=False) or name,
                    email=self.text(entry, upath, "email", required=False) or f"{name}@example.com",
                    # The same id each time the world is built, as for instances.
                    user_id=uuid.uuid5(uuid.NAMESPACE_URL, f"iamlab:identity-center-user/{name}"),
                )
            except _Stop:
                continue
        groups: dict[str, SsoGroup] = {}
        for gpath, entry in self.entries_of(center, path, "groups"):
            try:
                name = self.text(entry, gpath, "name")
                group = groups[name] = SsoGroup.objects.create(sandbox=self.sandbox, name=name)
                for mpath, member in self.names(entry, gpath, "members"):
                    if member not in users:
                        self.problem(mpath, f"no Identity Center user named {member}")
                        continue
                    group.members.add(users[member])
            except _Stop:
                continue
        sets: dict[str, PermissionSet] = {}
        for spath, entry in self.entries_of(center, path, "permission_sets"):
            try:
                sets_name = self.text(entry, spath, "name")
                seconds = self.number(entry, spath, "session_duration", 3600)
                inline = ""
                if "inline" in entry:
                    inline = self.document(entry, spath, "inline", PolicyType.IDENTITY)
                permission_set = PermissionSet.objects.create(
                    sandbox=self.sandbox,
                    name=sets_name,
                    description=self.text(entry, spath, "description", required=False),
                    session_duration=seconds,
                    inline_policy=inline,
                )
                for mpath, policy_name in self.names(entry, spath, "managed"):
                    aws = _aws_managed(policy_name)
                    if aws is None:
                        self.problem(mpath, f"no AWS managed policy named {policy_name}")
                    else:
                        permission_set.managed_policies.add(aws)
                sets[sets_name] = permission_set
            except _Stop:
                continue
        for apath, entry in self.entries_of(center, path, "assignments"):
            try:
                set_name = self.text(entry, apath, "permission_set")
                if set_name not in sets:
                    raise self.fail((*apath, "permission_set"), f"no permission set {set_name}")
                account = self.account(entry, apath)
                user_name = self.text(entry, apath, "user", required=False)
                group_name = self.text(entry, apath, "group", required=False)
                if bool(user_name) == bool(group_name):
                    raise self.fail(apath, "an assignment names a user or a group")
                if user_name and user_name not in users:
                    raise self.fail((*apath, "user"), f"no Identity Center user {user_name}")
                if group_name and group_name not in groups:
                    raise self.fail((*apath, "group"), f"no Identity Center group {group_name}")
                self.check(
                    apath,
                    partial(
                        services.assign,
                        sets[set_name],
                        account,
                        sso_user=users.get(user_name),
                        sso_group=groups.get(group_name),
                    ),
                )
            except _Stop:
                continue

    def add_resource(self, path: Path, entry: dict[str, Any]) -> None:
        account = self.account(entry, path)
        kind = self.text(entry, path, "kind")
        if kind not in _RESOURCE_KINDS:
            raise self.fail((*path, "kind"), f"kind is one of {', '.join(_RESOURCE_KINDS)}")
        name = self.text(entry, path, "name")
        policy = ""
        if "policy" in entry:
            if kind in Resource.NO_POLICY_KINDS:
                raise self.fail((*path, "policy"), f"a {kind} takes no resource-based policy")
            policy = self.document(entry, path, "policy", PolicyType.RESOURCE)
            self.named.append(((*path, "policy"), policy))
        role_name = self.text(entry, path, "role", required=False)
        role = None
        if role_name:
            if kind not in Resource.ROLE_KINDS:
                raise self.fail((*path, "role"), f"a {kind} does not run as a role")
            role = self.role(account, (*path, "role"), role_name)
        resource = Resource(
            sandbox=self.sandbox,
            account=account,
            kind=kind,
            name=name,
            region=self.region(entry, path),
            policy=policy,
            tags=self.tags(entry, path),
            role=role,
        )
        try:
            resource.full_clean(exclude=["sandbox"])
        except ValidationError as exc:
            raise self.fail((*path, "name"), " ".join(exc.messages)) from exc
        resource.save()
