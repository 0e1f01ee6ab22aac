"""``GroupDetailList``: groups, their inline and attached policies."""

from __future__ import annotations

from typing import Any

from ..models import IamGroup
from .base import _Entity
from .policies import PolicyReader
from .problems import ImportProblem, Path, _where


class GroupReader(PolicyReader):
    def read_group(self, entry: dict[str, Any], path: Path) -> None:
        name = self.name(entry, "GroupName", path, "group")
        group_path = self.path(entry, path)
        if name.lower() in self.groups:
            other = self.groups[name.lower()]
            raise ImportProblem(
                f"Another group in the file is already named {other.obj.name}; names are "
                f"unique in an account, whatever their case.",
                _where(path + ("GroupName",)),
            )
        self.entity_arn(entry, path, "group", group_path, name)
        obj = IamGroup(
            sandbox_id=self.sandbox.pk,
            name=name,
            path=group_path,
            unique_id=self.unique_id(entry, "GroupId", path, "group"),
        )
        self.dated(obj, self.date(entry, "CreateDate", path))
        group = _Entity(obj)
        self.inline(entry, "GroupPolicyList", path, group)
        self.attachments(entry, path, group)
        self.groups[name.lower()] = group
