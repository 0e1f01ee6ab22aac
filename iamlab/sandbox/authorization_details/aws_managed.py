"""AWS managed policies in an imported file: the shipped snapshot's, or the file's own.

An export's ``Policies`` list carries every policy it uses, AWS managed ones included, each with
its versions (``PolicyVersionList``, ``DefaultVersionId``). iamlab ships a snapshot of AWS's
policies (global rows, ``awsmanaged.py``), but AWS updates them and adds new ones, so a real
export may attach one the snapshot lacks or holds at another version. Such a file is never
refused for it: when the file carries the policy and the snapshot lacks it or holds another
default version, the import uses the file's default version, kept as a copy in the importing
sandbox (``ManagedPolicy.from_file``: a sandbox, no account). A copy is reused by later imports
into the same sandbox that carry the same version and document, and is never written to the
shared snapshot: a file is one person's upload, and what it says must not change the policy
every other sandbox sees. :func:`taken_from_file` says, for the import's summary, which ones.

Only an AWS managed policy that is used (attached, or a permissions boundary) but neither in the
snapshot nor carried by the file stops the import, with a message naming it and where.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iamlab.policy import PolicyType

from .. import rules
from ..models import Account, IamGroup, IamUser, ManagedPolicy, PolicyVersion, Role
from .base import ReaderBase, _Carried, _first_problem, _Shipped
from .problems import ImportProblem, Path, _where

__all__ = ["AwsManagedReader", "taken_from_file"]


class AwsManagedReader(ReaderBase):
    """Resolves AWS managed policy names: the file's own version when it carries another one
    than the snapshot's, else the snapshot's (two queries, the first time a name is needed)."""

    def carry(self, entry: Mapping[str, Any], path: Path, name: str) -> None:
        """Note the default version of an AWS managed policy in ``Policies``. Nothing here
        refuses the file: an entry iamlab cannot use is as if the file did not carry it."""
        version_id = self.str_(entry, "DefaultVersionId", path, required=False)
        listed = entry.get("PolicyVersionList")
        if not isinstance(listed, list):
            return
        chosen: tuple[int, dict[str, Any]] | None = None
        for k, item in enumerate(listed):
            if not isinstance(item, dict):
                continue
            if (version_id and item.get("VersionId") == version_id) or (
                not version_id and item.get("IsDefaultVersion") is True
            ):
                chosen = (k, item)
                break
        if chosen is None and len(listed) == 1 and isinstance(listed[0], dict):
            chosen = (0, listed[0])
        if chosen is None:
            return
        k, version = chosen
        here = path + ("PolicyVersionList", k)
        found_id = version.get("VersionId")
        version_id = found_id if isinstance(found_id, str) else ""
        if not version_id or "Document" not in version:
            return
        try:
            doc = self.document_text(version["Document"], here + ("Document",))
            created = self.date(version, "CreateDate", here)
        except ImportProblem:
            return
        given = entry.get("Path")
        policy_path = given if isinstance(given, str) else "/"
        if rules.check_path(policy_path):
            policy_path = "/"
        policy_id = entry.get("PolicyId")
        description = entry.get("Description")
        self.carried[name.lower()] = _Carried(
            name,
            policy_path,
            policy_id if isinstance(policy_id, str) and len(policy_id) <= 32 else "",
            description[:1000] if isinstance(description, str) else "",
            version_id[:10],
            doc,
            created,
            path,
        )

    def _load_aws(self) -> None:
        self.shipped = {
            name.lower(): _Shipped(ManagedPolicy(id=pk, name=name), version)
            for pk, name, version in PolicyVersion.objects.filter(
                is_default=True, policy__in=ManagedPolicy.objects.aws_snapshot()
            ).values_list("policy_id", "policy__name", "version_id")
        }
        # Copies an earlier import into this sandbox took from its file: reused when equal.
        self.copies = {
            (name.lower(), version, document): ManagedPolicy(id=pk, name=name)
            for pk, name, version, document in PolicyVersion.objects.filter(
                is_default=True,
                policy__sandbox_id=self.sandbox.pk,
                policy__account__isnull=True,
            ).values_list("policy_id", "policy__name", "version_id", "document")
        }

    def aws_policy(self, name: str, where: Path) -> ManagedPolicy:
        """The row an attachment or boundary of the AWS managed policy ``name`` uses."""
        key = name.lower()
        if key in self.aws_used:
            return self.aws_used[key]
        if not self.aws_loaded:
            self._load_aws()
            self.aws_loaded = True
        shipped = self.shipped.get(key)
        carried = self.carried.get(key)
        if carried is None or (shipped is not None and shipped.version_id == carried.version_id):
            if shipped is None:
                raise ImportProblem(
                    f"The AWS managed policy {name} is used here, but iamlab's snapshot of AWS "
                    f"managed policies does not have it and the file's Policies list does not "
                    f"carry its document. Export again without --filter (or with "
                    f"AWSManagedPolicy in it), so that the file carries the policies it uses.",
                    _where(where),
                )
            found = shipped.obj
        else:
            found = self._copy(carried)
            self.from_file.append(
                (carried.name, carried.version_id, shipped.version_id if shipped else None)
            )
        self.aws_used[key] = found
        return found

    def _copy(self, carried: _Carried) -> ManagedPolicy:
        """This sandbox's copy of the file's version: an earlier import's, or a new row."""
        reused = self.copies.get((carried.name.lower(), carried.version_id, carried.text))
        if reused is not None:
            return reused
        # AWS managed policies have no size quota; a document the engine cannot read is kept
        # all the same: the World leaves it out and says so, as for any stored policy.
        finding = _first_problem(carried.text, PolicyType.IDENTITY, aws_managed=True)
        if finding is not None:
            self.unreadable[carried.name] = finding.message
        obj = ManagedPolicy(
            sandbox_id=self.sandbox.pk,
            name=carried.name,
            path=carried.path,
            policy_id=carried.policy_id or rules.unique_id("policy"),
            description=carried.description,
        )
        version = PolicyVersion(version_id=carried.version_id, document=carried.text)
        version.is_default = True
        self.dated(version, carried.created)
        self.aws_copies.append((obj, version))
        return obj


def taken_from_file(account: Account) -> list[str]:
    """The AWS managed policies the account uses as its import's file carried them: ``"Name
    vN (iamlab's snapshot has vM)"`` or ``"Name vN (not in iamlab's snapshot)"``, by name."""
    used: set[int] = set()
    for through, column in (
        (IamUser.managed_policies.through, "iamuser"),
        (IamGroup.managed_policies.through, "iamgroup"),
        (Role.managed_policies.through, "role"),
    ):
        used.update(
            through.objects.filter(**{f"{column}__account": account}).values_list(
                "managedpolicy_id", flat=True
            )
        )
    for model in (IamUser, Role):
        used.update(
            model.objects.filter(account=account, boundary__isnull=False).values_list(
                "boundary_id", flat=True
            )
        )
    copies = dict(
        PolicyVersion.objects.filter(
            is_default=True,
            policy_id__in=used,
            policy__sandbox_id=account.sandbox_id,
            policy__account__isnull=True,
        ).values_list("policy__name", "version_id")
    )
    if not copies:
        return []
    shipped = dict(
        PolicyVersion.objects.filter(
            is_default=True,
            policy__in=ManagedPolicy.objects.aws_snapshot().filter(name__in=copies),
        ).values_list("policy__name", "version_id")
    )
    lines = []
    for name in sorted(copies, key=str.lower):
        other = shipped.get(name)
        held = f"iamlab's snapshot has {other}" if other else "not in iamlab's snapshot"
        lines.append(f"{name} {copies[name]} ({held})")
    return lines
