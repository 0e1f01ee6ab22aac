"""What every part of the reader shares: the plan of rows, the checks of values, ARNs and
policy documents, and reading the file itself."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from django.db import models as dj

from iamlab.policy import Finding, PolicyError, PolicyType, parse_policy
from iamlab.policy.jsonsource import (
    MAX_DEPTH,
    JArray,
    JObject,
    JSONSyntaxError,
    Source,
    kind_of,
    nul_path,
    parse_json,
    too_deep,
)

from .. import rules
from ..models import (
    AccessKey,
    IamGroup,
    IamUser,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    PolicyVersion,
    Role,
    Sandbox,
)
from .problems import ImportProblem, Path, _where

LISTS: Final = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")

_ARN: Final = re.compile(r"arn:([^:]*):iam::([^:]*):(.*)", re.DOTALL)
_UNIQUE_ID: Final = re.compile(r"[A-Z0-9]{16,32}")
_ACCESS_KEY_ID: Final = re.compile(r"AKIA[A-Z0-9]{16}")
_VERSION_ID: Final = re.compile(r"v[1-9][0-9]{0,8}")
_NAME_LENGTH: Final = 128  # MfaDevice.name


@dataclass(slots=True)
class _Doc:
    """A policy document as found in the file and as iamlab stores it."""

    text: str
    path: Path
    embedded: bool  # a JSON object in the file (the CLI's shape), not a string
    encoded: bool  # a URL-encoded string (the raw API's shape)


@dataclass(slots=True)
class _CustomerPolicy:
    obj: ManagedPolicy
    versions: list[PolicyVersion]
    default: _Doc
    boundary_checked: bool = False


@dataclass(slots=True)
class _Carried:
    """An AWS managed policy's default version as the file carries it."""

    name: str
    path: str
    policy_id: str
    description: str
    version_id: str
    text: str
    created: datetime | None
    where: Path


@dataclass(slots=True)
class _Shipped:
    """An AWS managed policy of iamlab's snapshot: its row and its default version's id."""

    obj: ManagedPolicy
    version_id: str


@dataclass(slots=True)
class _Entity:
    """A user, group or role to create, and what hangs off it."""

    obj: IamUser | IamGroup | Role
    attached: list[ManagedPolicy] = field(default_factory=list)
    boundary: ManagedPolicy | None = None
    inline: list[tuple[str, str]] = field(default_factory=list)  # name, document
    groups: list[IamGroup] = field(default_factory=list)  # users only
    keys: list[AccessKey] = field(default_factory=list)
    mfa: list[MfaDevice] = field(default_factory=list)
    profiles: list[InstanceProfile] = field(default_factory=list)


class ReaderBase:
    """The state of one import and the checks every entity reader shares: values, names,
    unique ids, ARNs and the account, policy documents."""

    def __init__(self, sandbox: Sandbox, text: str, data: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.text = text
        self.data = data
        self.account_id: str | None = None
        self.account_where: Path = ()
        self.ids: dict[str, Path] = {}
        self.checked: dict[tuple[str, PolicyType], Finding | None] = {}
        # AWS managed policies (aws_managed.py), by lower-case name.
        self.aws_loaded = False
        self.shipped: dict[str, _Shipped] = {}  # the snapshot's rows and default versions
        self.copies: dict[tuple[str, str, str], ManagedPolicy] = {}  # this sandbox's, by version
        self.carried: dict[str, _Carried] = {}  # the default versions the file carries
        self.aws_used: dict[str, ManagedPolicy] = {}
        self.aws_copies: list[tuple[ManagedPolicy, PolicyVersion]] = []  # new rows to write
        self.from_file: list[tuple[str, str, str | None]] = []  # name, version, snapshot's
        self.unreadable: dict[str, str] = {}  # copies the engine cannot read: name, why
        self.policies: dict[str, _CustomerPolicy] = {}  # by ARN
        self.policy_names: dict[str, Path] = {}
        self.users: list[_Entity] = []
        self.groups: dict[str, _Entity] = {}  # by name
        self.roles: list[_Entity] = []
        self.profile_names: dict[str, Path] = {}
        self.key_ids: dict[str, Path] = {}
        self.serials: dict[str, Path] = {}
        self.dates: dict[type[dj.Model], list[tuple[dj.Model, datetime]]] = defaultdict(list)

    # -- values ----------------------------------------------------------------------------

    @staticmethod
    def obj(value: Any, path: Path) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ImportProblem(f"Expected an object here, not {kind_of(value)}.", _where(path))
        return value

    @staticmethod
    def list_(entry: Mapping[str, Any], key: str, path: Path) -> list[Any]:
        value = entry.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ImportProblem(
                f"{key} must be a list, not {kind_of(value)}.", _where(path + (key,))
            )
        return value

    @staticmethod
    def str_(entry: Mapping[str, Any], key: str, path: Path, *, required: bool = True) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                raise ImportProblem(f"{key} is missing.", _where(path))
            return ""
        if not isinstance(value, str):
            raise ImportProblem(
                f"{key} must be a string, not {kind_of(value)}.", _where(path + (key,))
            )
        return value

    @staticmethod
    def bool_(entry: Mapping[str, Any], key: str, path: Path, default: bool) -> bool:
        value = entry.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ImportProblem(
                f"{key} must be true or false, not {kind_of(value)}.", _where(path + (key,))
            )
        return value

    def date(self, entry: Mapping[str, Any], key: str, path: Path) -> datetime | None:
        value = self.str_(entry, key, path, required=False)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ImportProblem(
                f"{key} {value!r} is not an ISO 8601 date and time such as 2024-05-01T12:00:00Z.",
                _where(path + (key,)),
            ) from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

    def dated(self, obj: dj.Model, when: datetime | None) -> None:
        if when is not None:
            self.dates[type(obj)].append((obj, when))

    def name(self, entry: Mapping[str, Any], key: str, path: Path, kind: str) -> str:
        value = self.str_(entry, key, path)
        if error := rules.check_name(kind, value):
            raise ImportProblem(error, _where(path + (key,)))
        return value

    def path(self, entry: Mapping[str, Any], path: Path) -> str:
        value = self.str_(entry, "Path", path, required=False) or "/"
        if error := rules.check_path(value):
            raise ImportProblem(error, _where(path + ("Path",)))
        return value

    def unique_id(self, entry: Mapping[str, Any], key: str, path: Path, kind: str) -> str:
        """Keep AWS's unique id (reference_identifiers.html#identifiers-unique-ids)."""
        value = self.str_(entry, key, path, required=False)
        if not value:
            return rules.unique_id(kind)
        prefix = rules.ID_PREFIXES[kind]
        if not (_UNIQUE_ID.fullmatch(value) and value.startswith(prefix)):
            raise ImportProblem(
                f"{key} {value!r} is not an IAM unique id: a {kind} id starts with {prefix} "
                f"followed by capital letters and digits.",
                _where(path + (key,)),
            )
        if value in self.ids:
            raise ImportProblem(
                f"The unique id {value} is also the id of {_where(self.ids[value])}; "
                f"AWS never gives two entities the same id.",
                _where(path + (key,)),
            )
        self.ids[value] = path + (key,)
        return value

    def tags(self, entry: Mapping[str, Any], path: Path) -> dict[str, str]:
        tags: dict[str, str] = {}
        for k, item in enumerate(self.list_(entry, "Tags", path)):
            here = path + ("Tags", k)
            tag = self.obj(item, here)
            key = self.str_(tag, "Key", here)
            if key in tags:
                raise ImportProblem(f'The tag key "{key}" appears twice.', _where(here))
            tags[key] = self.str_(tag, "Value", here, required=False)
        if error := rules.check_tags(tags):
            raise ImportProblem(error, _where(path + ("Tags",)))
        return tags

    # -- accounts and ARNs -----------------------------------------------------------------

    def account(self, account_id: str, where: Path) -> None:
        if self.account_id is None:
            if error := rules.check_account_id(account_id):
                raise ImportProblem(f"{error} This ARN has {account_id!r}.", _where(where))
            self.account_id, self.account_where = account_id, where
        elif account_id != self.account_id:
            raise ImportProblem(
                f"This ARN is in account {account_id}, but {_where(self.account_where)} is in "
                f"account {self.account_id}; a file describes one account.",
                _where(where),
            )

    def arn(self, value: str, where: Path) -> tuple[str, str]:
        """The account and the resource part of an IAM ARN (reference_identifiers.html)."""
        match = _ARN.fullmatch(value)
        if match is None:
            raise ImportProblem(
                f"{value!r} is not an IAM ARN (arn:aws:iam::ACCOUNT:...).", _where(where)
            )
        partition, account, resource = match.groups()
        if partition != "aws":
            raise ImportProblem(
                f"iamlab simulates the aws partition; this ARN is in {partition!r}.",
                _where(where),
            )
        return account, resource

    def entity_arn(
        self, entry: Mapping[str, Any], path: Path, arn_kind: str, entity_path: str, name: str
    ) -> None:
        value = self.str_(entry, "Arn", path, required=False)
        if not value:
            return
        where = path + ("Arn",)
        account, _ = self.arn(value, where)
        self.account(account, where)
        expected = rules.iam_arn(account, arn_kind, entity_path, name)
        if value != expected:
            raise ImportProblem(
                f"The ARN does not match the path and name next to it: expected {expected}.",
                _where(where),
            )

    # -- policy documents ------------------------------------------------------------------

    def document_text(self, value: Any, path: Path) -> str:
        """A policy document's text, decoded but not checked."""
        return self.decode(value, path).text

    def document(self, value: Any, path: Path, type_: PolicyType) -> _Doc:
        doc = self.decode(value, path)
        self.check(doc, type_)
        return doc

    @staticmethod
    def decode(value: Any, path: Path) -> _Doc:
        if isinstance(value, str):
            stripped = value.lstrip()
            encoded = not stripped.startswith("{")
            doc = _Doc(urllib.parse.unquote(value) if encoded else value, path, False, encoded)
        elif isinstance(value, dict):
            doc = _Doc(json.dumps(value, indent=2, ensure_ascii=False), path, True, False)
        else:
            raise ImportProblem(
                "A policy document is a JSON object or a URL-encoded string, "
                f"not {kind_of(value)}.",
                _where(path),
            )
        return doc

    def check(self, doc: _Doc, type_: PolicyType, context: str = "") -> None:
        """Parse each distinct text once per policy type; raise for the first blocking finding."""
        key = (doc.text, type_)
        if key not in self.checked:
            self.checked[key] = _first_problem(doc.text, type_)
        finding = self.checked[key]
        if finding is not None:
            raise self.document_problem(doc, type_, finding, context)

    def document_problem(
        self, doc: _Doc, type_: PolicyType, finding: Finding, context: str
    ) -> ImportProblem:
        where = _where(doc.path)
        message = f"{context}{finding.message}"
        if doc.embedded:
            # Point into the file itself, where the reader can see the document.
            located = _locate_in_file(self.text, doc.path, type_)
            if located is not None:
                line, column, in_file = located
                return ImportProblem(
                    f"{context}{in_file.message}", f"{where}, line {line}, column {column}"
                )
        if finding.location is None:
            return ImportProblem(message, where)
        of = " of the decoded document" if doc.encoded else " of the document"
        location = f"line {finding.location.line}, column {finding.location.column}"
        return ImportProblem(message, f"{where}, {location}{of}")

    @staticmethod
    def unique_name(names: dict[str, Path], name: str, path: Path, kind: str) -> None:
        """IAM names are unique in an account whatever their case (reference_identifiers.html)."""
        other = names.get(name.lower())
        if other is not None:
            raise ImportProblem(
                f"{_where(other)} is already a {kind} named {name}; names are unique in an "
                f"account, whatever their case.",
                _where(path),
            )
        names[name.lower()] = path


def _first_problem(text: str, type_: PolicyType, *, aws_managed: bool = False) -> Finding | None:
    try:
        parse_policy(text, type_, aws_managed=aws_managed)
    except PolicyError as error:
        blocking = [f for f in error.findings if f.blocking] or list(error.findings)
        return blocking[0] if blocking else None
    return None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer(r"\r\n|\r|\n", text))
    return starts


def _locate_in_file(text: str, path: Path, type_: PolicyType) -> tuple[int, int, Finding] | None:
    """Where, in the file, the first problem of an embedded policy document is: re-read the file
    with positions (only on this error path) and check the document's own text."""
    try:
        node, source = parse_json(text)
    except JSONSyntaxError:
        return None
    for segment in path:
        if isinstance(segment, int) and isinstance(node, JArray) and segment < len(node.items):
            node = node.items[segment]
        elif isinstance(segment, str) and isinstance(node, JObject):
            child = node.get(segment)
            if child is None:
                return None
            node = child
        else:
            return None
    if node.span is None:
        return None
    snippet = text[node.span.start : node.span.end]
    finding = _first_problem(snippet, type_)
    if finding is None or finding.location is None:
        return None
    starts = _line_starts(snippet)
    if finding.location.line > len(starts):
        return None
    offset = node.span.start + starts[finding.location.line - 1] + finding.location.column - 1
    line, column = Source(text).position(offset)
    return line, column, finding


def load(data: str | bytes) -> tuple[str, dict[str, Any]]:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportProblem(
                f"The file is not UTF-8 text (byte {error.start} cannot be decoded)."
            ) from None
    else:
        text = data.removeprefix("\ufeff")
    if (offset := too_deep(text)) is not None:
        line, column = Source(text).position(offset)
        raise ImportProblem(
            f"Lists and objects are nested more than {MAX_DEPTH} deep here; iamlab reads at most "
            f"{MAX_DEPTH} levels (get-account-authorization-details prints about ten).",
            f"line {line}, column {column}",
        )
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportProblem(
            f"The file is not valid JSON: {error.msg}.",
            f"line {error.lineno}, column {error.colno}",
        ) from None
    if (path := nul_path(parsed)) is not None:
        raise ImportProblem(
            "This text holds the NUL character (U+0000, written \\u0000), which IAM never "
            "prints and iamlab cannot store; remove it.",
            _where(path) or "the file",
        )
    if not isinstance(parsed, dict):
        raise ImportProblem(
            f"The file holds {kind_of(parsed)}; get-account-authorization-details prints an object "
            f"with {', '.join(LISTS)}."
        )
    if not any(key in parsed for key in LISTS):
        raise ImportProblem(
            f"This is not the output of get-account-authorization-details: it has none of "
            f"{', '.join(LISTS)}."
        )
    if parsed.get("IsTruncated") is True:
        raise ImportProblem(
            "The output is truncated: it is one page of several. Run the command without "
            "--max-items (the CLI then fetches every page) and import the whole output.",
            "IsTruncated",
        )
    return text, parsed
