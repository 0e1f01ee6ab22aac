"""Validation findings, shaped like IAM Access Analyzer's ``ValidatePolicyFinding``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Finding", "Location", "PolicyError", "Severity"]


class Severity(StrEnum):
    """Access Analyzer's four finding types, most serious first."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class Location:
    """1-based line and column of the start and the (exclusive) end of a JSON value."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str  # e.g. INVALID_ACTION, like Access Analyzer's issueCode
    message: str  # a sentence a student understands
    path: str = ""  # where in the document, e.g. "Statement[0].Action[1]"
    location: Location | None = None
    blocking: bool = False  # IAM would refuse to save this document (MalformedPolicyDocument)
    learn_more: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else (f"{self.path}: " if self.path else "")
        return f"{self.severity.value} {where}{self.message}"

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "blocking": self.blocking,
        }
        if self.location is not None:
            data.update(
                line=self.location.line,
                column=self.location.column,
                endLine=self.location.end_line,
                endColumn=self.location.end_column,
            )
        if self.learn_more:
            data["learnMore"] = self.learn_more
        return data


class PolicyError(ValueError):
    """A policy document that IAM would refuse; ``findings`` says what is wrong and where."""

    def __init__(self, findings: list[Finding] | tuple[Finding, ...], name: str = "") -> None:
        self.findings = tuple(findings)
        self.name = name
        blocking = [f for f in self.findings if f.blocking] or list(self.findings)
        first = blocking[0] if blocking else None
        prefix = f"{name}: " if name else ""
        more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        super().__init__(f"{prefix}{first}{more}" if first else f"{prefix}invalid policy")
