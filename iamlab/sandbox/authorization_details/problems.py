"""Why a file cannot be imported, and where in it."""

from __future__ import annotations

Path = tuple[str | int, ...]


class ImportProblem(Exception):
    """Why a file cannot be imported, and where: ``RoleDetailList[3].AssumeRolePolicyDocument``,
    followed for a policy document by ``line L, column C``."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message, where)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def _where(path: Path) -> str:
    out = ""
    for segment in path:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += f".{segment}" if out else segment
    return out


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
