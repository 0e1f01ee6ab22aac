"""AWS's ``aws iam simulate-custom-policy``, answered by iamlab's policy engine.

This module takes the JSON request of AWS's SimulateCustomPolicy API (what
``aws iam simulate-custom-policy --cli-input-json`` reads) and returns AWS's response shape, so
that the same request files work against AWS and against iamlab. It has no Django imports: the
management command ``simulate_custom_policy`` is a thin wrapper around :func:`simulate` and
:func:`simulate_lines`.

iamlab's extensions to the request:

* ``ServiceControlPolicyInputList``: SCPs, a list of levels (root first, account last), each a
  list of policy documents;
* ``ResourceControlPolicyInputList``: RCPs, in the same shape;
* ``SessionPolicyInputList``: session policies (the caller must be a role session or a
  federated user).

And to each result: ``EvalDecisionExplanation``, the engine's plain-English reason.

Every invalid input raises :class:`SimulationInputError`, whose text names the field
(``ActionNames[1]``, ``ContextEntries[0].ContextKeyType``, ``PolicyInputList[2]``: 0-based, like
a JSON path) and says what is wrong. See docs/simulate-custom-policy.md for the defaults chosen.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import functools
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from iamlab.policy import (
    Evaluation,
    Finding,
    Policy,
    PolicyError,
    PolicyType,
    Request,
    RequestError,
    StatementMatch,
    evaluate,
    parse_policy,
)
from iamlab.policy.conditions import parse_date
from iamlab.policy.jsonsource import kind_of, loads

__all__ = [
    "CONTEXT_KEY_TYPES",
    "DEFAULT_ACCOUNT",
    "DEFAULT_CALLER_NAME",
    "BatchLine",
    "Simulation",
    "SimulationInputError",
    "build_simulation",
    "default_caller_arn",
    "load_request",
    "read_input",
    "read_lines",
    "run_simulation",
    "simulate",
    "simulate_lines",
]

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_CALLER_NAME = "simulated-user"

AWS_KEYS = (
    "PolicyInputList",
    "PermissionsBoundaryPolicyInputList",
    "ActionNames",
    "ResourceArns",
    "ResourcePolicy",
    "ResourceOwner",
    "CallerArn",
    "ContextEntries",
)
IGNORED_KEYS = ("ResourceHandlingOption", "MaxItems", "Marker")
EXTENSION_KEYS = (
    "ServiceControlPolicyInputList",
    "ResourceControlPolicyInputList",
    "SessionPolicyInputList",
)
KNOWN_KEYS = AWS_KEYS + EXTENSION_KEYS + IGNORED_KEYS

CONTEXT_KEY_TYPES = (
    "string",
    "stringList",
    "numeric",
    "numericList",
    "boolean",
    "booleanList",
    "ip",
    "ipList",
    "binary",
    "binaryList",
    "date",
    "dateList",
)

# SourcePolicyType of a matched statement, by the engine's layer.
SOURCE_POLICY_TYPES = {
    "identity": "IAM Policy",
    "resource": "Resource Policy",
    "boundary": "Permissions Boundary Policy",
    "session": "Session Policy",
    "scp": "Service Control Policy",
    "rcp": "Resource Control Policy",
}

_ACCOUNT_ID = re.compile(r"\d{12}")
_ACCOUNT_ROOT = re.compile(r"arn:[\w-]+:iam::(\d{12}):root")
_ARN = re.compile(r"arn:[^:]*:[^:]+:[^:]*:[^:]*:.+", re.DOTALL)
_ROLE_ARN = re.compile(r"arn:[\w-]+:iam::\d{12}:role/.+", re.DOTALL)
_ACTION = re.compile(r"[\w.-]+:[\w.-]+", re.ASCII)


class SimulationInputError(ValueError):
    """A request iamlab cannot simulate; ``field`` names the part that is wrong.

    ``message`` may span several lines (one per blocking finding of a policy document); every
    line of ``str(error)`` starts with the field.
    """

    def __init__(
        self,
        field: str,
        message: str,
        *,
        code: str = "InvalidInput",
        findings: Sequence[Finding] = (),
    ) -> None:
        self.field = field
        self.message = message
        self.code = code
        self.findings = tuple(findings)
        prefix = f"{field}: " if field else ""
        super().__init__("\n".join(prefix + line for line in message.splitlines() or [""]))

    def as_dict(self) -> dict[str, Any]:
        """The ``Error`` object printed for a bad line in batch mode."""
        data: dict[str, Any] = {"Code": self.code, "Field": self.field, "Message": str(self)}
        if self.findings:
            data["Findings"] = [f.as_dict() for f in self.findings]
        return data


# --- reading the request ----------------------------------------------------------------------


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def load_request(text: str, source: str = "--cli-input-json") -> Any:
    """Decode a request's JSON text; errors name ``source`` and the line and column."""
    try:
        return loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as error:
        raise SimulationInputError(
            source, f"line {error.lineno}, column {error.colno}: Invalid JSON: {error.msg}"
        ) from None
    except _DuplicateKeyError as error:
        raise SimulationInputError(
            source, f'Invalid JSON: the key "{error}" appears twice in the same object'
        ) from None


def read_input(path: str, stdin: TextIO, option: str = "--cli-input-json") -> str:
    """The text of ``path`` (``-`` for standard input; AWS CLI's ``file://`` prefix is allowed)."""
    if path == "-":
        return stdin.read()
    path = path.removeprefix("file://")
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as error:
        raise SimulationInputError(option, f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SimulationInputError(option, f"{path} is not UTF-8 text") from None


def read_lines(path: str, stdin: TextIO, option: str = "--batch") -> Iterator[str]:
    """The lines of ``path`` (``-`` for standard input), read as they are needed."""
    if path == "-":
        yield from stdin
        return
    path = path.removeprefix("file://")
    try:
        with open(path, encoding="utf-8") as handle:
            yield from handle
    except OSError as error:
        raise SimulationInputError(option, f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SimulationInputError(option, f"{path} is not UTF-8 text") from None


# --- validation helpers -----------------------------------------------------------------------


def _list(data: Mapping[str, Any], key: str, *, required: bool = False) -> list[Any]:
    if key not in data or data[key] is None:
        if required:
            raise SimulationInputError(key, "required, but missing")
        return []
    value = data[key]
    if not isinstance(value, list):
        raise SimulationInputError(key, f"must be a list, not {kind_of(value)}")
    return value


def _string(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SimulationInputError(key, f"must be a string, not {kind_of(value)}")
    if not value.strip():
        raise SimulationInputError(key, "must not be empty (leave the key out instead)")
    return value.strip()


def _policy_text(value: Any, field: str) -> str:
    """A policy document as text: AWS takes strings; objects are accepted for convenience.

    An object is serialized with an indent of 4, so that MatchedStatements positions refer to
    that layout.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, indent=4, ensure_ascii=False)
    raise SimulationInputError(
        field, f"must be a policy document (a JSON string, or an object), not {kind_of(value)}"
    )


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str, type_: PolicyType, name: str) -> Policy:
    """Policies are immutable: a batch that repeats a document parses it once, and the engine's
    compiled policy sets (cached by Policy identity) are reused too."""
    return parse_policy(text, type=type_, name=name)


def _parse_policy(value: Any, type_: PolicyType, field: str, name: str) -> Policy:
    text = _policy_text(value, field)
    try:
        return _parse_cached(text, type_, name)
    except PolicyError as error:
        blocking = [f for f in error.findings if f.blocking] or list(error.findings)
        lines = []
        for finding in blocking:
            where = str(finding.location) if finding.location else finding.path
            lines.append(f"{where}: {finding.message}" if where else finding.message)
        raise SimulationInputError(
            field,
            "\n".join(lines) or "invalid policy document",
            code="MalformedPolicyDocument",
            findings=blocking,
        ) from None


def _policy_list(items: list[Any], key: str, type_: PolicyType) -> tuple[Policy, ...]:
    return tuple(
        _parse_policy(item, type_, f"{key}[{i}]", f"{key}.{i + 1}") for i, item in enumerate(items)
    )


def _levels(data: Mapping[str, Any], key: str, type_: PolicyType) -> tuple[tuple[Policy, ...], ...]:
    what = "SCP" if type_ is PolicyType.SCP else "RCP"
    default = "FullAWSAccess" if type_ is PolicyType.SCP else "RCPFullAWSAccess"
    levels: list[tuple[Policy, ...]] = []
    for i, level in enumerate(_list(data, key)):
        field = f"{key}[{i}]"
        if not isinstance(level, list):
            raise SimulationInputError(
                field,
                f"each level (root first, account last) must be a list of policy documents, "
                f"not {kind_of(level)}",
            )
        if not level:
            raise SimulationInputError(
                field,
                f"a level needs at least one {what}: in AWS every root, OU and account has one "
                f"attached ({default} by default)",
            )
        levels.append(
            tuple(
                _parse_policy(doc, type_, f"{field}[{j}]", f"{key}.{i + 1}.{j + 1}")
                for j, doc in enumerate(level)
            )
        )
    return tuple(levels)


def _actions(data: Mapping[str, Any]) -> tuple[str, ...]:
    items = _list(data, "ActionNames", required=True)
    if not items:
        raise SimulationInputError("ActionNames", "give at least one action, e.g. s3:GetObject")
    actions: list[str] = []
    for i, item in enumerate(items):
        field = f"ActionNames[{i}]"
        if not isinstance(item, str):
            raise SimulationInputError(field, f"must be a string, not {kind_of(item)}")
        action = item.strip()
        if "*" in action or "?" in action:
            raise SimulationInputError(
                field, f'"{item}" — wildcards are not allowed in ActionNames'
            )
        if not _ACTION.fullmatch(action):
            raise SimulationInputError(
                field,
                f'"{item}" is not an action: write service:Action, for example s3:GetObject',
            )
        actions.append(action)
    return tuple(actions)


def _resources(data: Mapping[str, Any]) -> tuple[str, ...]:
    if data.get("ResourceArns") is None:
        return ("*",)
    items = _list(data, "ResourceArns")
    if not items:
        raise SimulationInputError(
            "ResourceArns", 'give at least one ARN, or leave the key out for the default ["*"]'
        )
    resources: list[str] = []
    for i, item in enumerate(items):
        field = f"ResourceArns[{i}]"
        if not isinstance(item, str):
            raise SimulationInputError(field, f"must be a string, not {kind_of(item)}")
        resource = item.strip()
        if resource != "*" and not _ARN.fullmatch(resource):
            raise SimulationInputError(
                field,
                f'"{item}" is not an ARN: write arn:partition:service:region:account:resource '
                f"(for example arn:aws:s3:::amzn-s3-demo-bucket/key), or * for actions that "
                f"take no resource",
            )
        resources.append(resource)
    return tuple(resources)


def _resource_owner(data: Mapping[str, Any]) -> str | None:
    value = _string(data, "ResourceOwner")
    if value is None:
        return None
    if _ACCOUNT_ID.fullmatch(value):
        return value
    if m := _ACCOUNT_ROOT.fullmatch(value):
        return m.group(1)
    raise SimulationInputError(
        "ResourceOwner",
        f'"{value}" is not an account: give a 12-digit account ID or arn:aws:iam::ACCOUNT-ID:root',
    )


def default_caller_arn(resource_owner: str | None) -> str:
    """The caller when CallerArn is absent: an IAM user in the resource owner's account."""
    return f"arn:aws:iam::{resource_owner or DEFAULT_ACCOUNT}:user/{DEFAULT_CALLER_NAME}"


def _context_value(value: Any, base: str, field: str) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = json.dumps(value)
    elif isinstance(value, str):
        text = value
    else:
        raise SimulationInputError(field, f"a context value must be a string, not {kind_of(value)}")
    shown = json.dumps(text)
    if base == "numeric":
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise SimulationInputError(field, f"{shown} is not a number")
    elif base == "boolean":
        if text.strip().lower() not in ("true", "false"):
            raise SimulationInputError(field, f'{shown} is not a boolean: write "true" or "false"')
        text = text.strip().lower()
    elif base == "ip":
        try:
            ipaddress.ip_address(text.strip())
        except ValueError:
            raise SimulationInputError(
                field,
                f"{shown} is not an IP address (write an IPv4 or IPv6 address such as "
                f"203.0.113.7; a request comes from one address, not a CIDR range)",
            ) from None
    elif base == "binary":
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise SimulationInputError(field, f"{shown} is not base64-encoded binary") from None
    elif base == "date" and parse_date(text) is None:
        raise SimulationInputError(
            field,
            f"{shown} is not a date: write an ISO 8601 date such as 2025-01-31T12:00:00Z, or "
            f"epoch seconds",
        )
    return text


def _context(data: Mapping[str, Any]) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {}
    seen: dict[str, int] = {}
    for i, entry in enumerate(_list(data, "ContextEntries")):
        field = f"ContextEntries[{i}]"
        if not isinstance(entry, dict):
            raise SimulationInputError(
                field,
                f"must be an object with ContextKeyName, ContextKeyValues and ContextKeyType, "
                f"not {kind_of(entry)}",
            )
        unknown = [
            k for k in entry if k not in ("ContextKeyName", "ContextKeyValues", "ContextKeyType")
        ]
        if unknown:
            raise SimulationInputError(
                f"{field}.{unknown[0]}",
                "unknown key: a context entry has ContextKeyName, ContextKeyValues and "
                "ContextKeyType",
            )
        for key in ("ContextKeyName", "ContextKeyValues", "ContextKeyType"):
            if entry.get(key) is None:
                raise SimulationInputError(f"{field}.{key}", "required, but missing")
        name = entry["ContextKeyName"]
        if not isinstance(name, str):
            raise SimulationInputError(
                f"{field}.ContextKeyName", f"must be a string, not {kind_of(name)}"
            )
        prefix, colon, rest = name.partition(":")
        if not (colon and prefix.strip() and rest.strip()) or name != name.strip():
            raise SimulationInputError(
                f"{field}.ContextKeyName",
                f'"{name}" is not a condition key: write prefix:name, for example aws:SourceIp',
            )
        if name.lower() in seen:
            raise SimulationInputError(
                f"{field}.ContextKeyName",
                f'"{name}" is already given in ContextEntries[{seen[name.lower()]}] (condition '
                f"keys are case-insensitive)",
            )
        seen[name.lower()] = i
        key_type = entry["ContextKeyType"]
        if key_type not in CONTEXT_KEY_TYPES:
            raise SimulationInputError(
                f"{field}.ContextKeyType",
                f"{json.dumps(key_type)} is not one of {', '.join(CONTEXT_KEY_TYPES)}",
            )
        values = entry["ContextKeyValues"]
        if not isinstance(values, list):
            raise SimulationInputError(
                f"{field}.ContextKeyValues", f"must be a list of strings, not {kind_of(values)}"
            )
        base = key_type.removesuffix("List")
        checked = [
            _context_value(v, base, f"{field}.ContextKeyValues[{j}]") for j, v in enumerate(values)
        ]
        if key_type.endswith("List"):
            context[name] = checked
        elif len(checked) != 1:
            raise SimulationInputError(
                f"{field}.ContextKeyValues",
                f"a key of type {key_type} takes exactly one value, but {len(checked)} were given "
                f"(use {key_type}List for a multivalued key)",
            )
        else:
            context[name] = checked[0]
    return context


def _caller_request(caller: str) -> Request:
    try:
        return Request(caller, "sts:GetCallerIdentity")
    except RequestError as error:
        raise SimulationInputError("CallerArn", error.message) from None


def _resource_policy_type(action: str, resource: str) -> PolicyType:
    """A role's trust policy for STS actions on a role ARN, a resource-based policy otherwise.

    This follows the engine, which requires the trust policy to allow every STS action on a
    role (sts:AssumeRole*, sts:TagSession, sts:SetSourceIdentity, ...).
    """
    if _ROLE_ARN.fullmatch(resource) and action.lower().startswith("sts:"):
        return PolicyType.TRUST
    return PolicyType.RESOURCE


def _arn_account(resource: str) -> str | None:
    parts = resource.split(":", 5)
    if len(parts) == 6 and _ACCOUNT_ID.fullmatch(parts[4]):
        return parts[4]
    return None


# --- the simulation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """A validated request, its policies parsed."""

    identity: tuple[Policy, ...]
    boundary: Policy | None
    session: tuple[Policy, ...]
    scps: tuple[tuple[Policy, ...], ...]
    rcps: tuple[tuple[Policy, ...], ...]
    resource_policies: Mapping[PolicyType, Policy]  # the resource policy, parsed as needed
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    caller: str
    resource_owner: str | None
    context: Mapping[str, str | list[str]]

    def pairs(self) -> Iterator[tuple[str, str]]:
        """(action, resource) in AWS's order: every resource for the first action, and so on."""
        return _pairs(self.actions, self.resources)


def build_simulation(data: Any) -> Simulation:
    """Validate a SimulateCustomPolicy request (decoded JSON) and parse its policies."""
    if not isinstance(data, dict):
        raise SimulationInputError(
            "request", f"must be a JSON object like AWS's --cli-input-json, not {kind_of(data)}"
        )
    unknown = [key for key in data if key not in KNOWN_KEYS]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.6)
            hints.append(f'"{key}"' + (f' (did you mean "{close[0]}"?)' if close else ""))
        raise SimulationInputError(
            ", ".join(unknown),
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(hints)}; the request "
            f"takes {', '.join(AWS_KEYS + EXTENSION_KEYS)} (and ignores "
            f"{', '.join(IGNORED_KEYS)})",
        )

    identity = _policy_list(
        _list(data, "PolicyInputList", required=True), "PolicyInputList", PolicyType.IDENTITY
    )
    boundaries = _list(data, "PermissionsBoundaryPolicyInputList")
    if len(boundaries) > 1:
        raise SimulationInputError(
            "PermissionsBoundaryPolicyInputList",
            f"AWS's simulator takes one permissions boundary (an identity has at most one), "
            f"but {len(boundaries)} were given",
        )
    boundary = (
        _policy_list(boundaries, "PermissionsBoundaryPolicyInputList", PolicyType.BOUNDARY)[0]
        if boundaries
        else None
    )
    actions = _actions(data)
    resources = _resources(data)
    resource_owner = _resource_owner(data)
    caller = _string(data, "CallerArn") or default_caller_arn(resource_owner)
    caller_request = _caller_request(caller)
    context = _context(data)
    scps = _levels(data, "ServiceControlPolicyInputList", PolicyType.SCP)
    rcps = _levels(data, "ResourceControlPolicyInputList", PolicyType.RCP)
    session_docs = _list(data, "SessionPolicyInputList")
    if session_docs and not caller_request.caller.is_session:
        raise SimulationInputError(
            "SessionPolicyInputList",
            f"session policies limit role sessions and federated users only, but the caller "
            f"{caller} is {caller_request.caller.describe()}; set CallerArn to a role session "
            f"(arn:aws:sts::ACCOUNT-ID:assumed-role/ROLE/SESSION) or a federated user",
        )
    session = _policy_list(session_docs, "SessionPolicyInputList", PolicyType.SESSION)

    resource_policies: dict[PolicyType, Policy] = {}
    document = data.get("ResourcePolicy")
    if document is not None:
        if isinstance(document, str) and not document.strip():
            raise SimulationInputError(
                "ResourcePolicy", "must not be empty (leave the key out instead)"
            )
        needed = {_resource_policy_type(a, r) for a, r in _pairs(actions, resources)}
        for type_ in sorted(needed):
            resource_policies[type_] = _parse_policy(
                document, type_, "ResourcePolicy", "ResourcePolicy"
            )

    return Simulation(
        identity=identity,
        boundary=boundary,
        session=session,
        scps=scps,
        rcps=rcps,
        resource_policies=resource_policies,
        actions=actions,
        resources=resources,
        caller=caller,
        resource_owner=resource_owner,
        context=context,
    )


def _pairs(actions: Iterable[str], resources: Sequence[str]) -> Iterator[tuple[str, str]]:
    for action in actions:
        for resource in resources:
            yield action, resource


def _position(line: int, column: int) -> dict[str, int]:
    return {"Line": line, "Column": column}


def _matched_statement(match: StatementMatch) -> dict[str, Any]:
    """AWS's Statement object.

    Positions follow the AWS simulator's convention (1-based lines; StartPosition is the column
    just after the statement's opening brace, EndPosition the column just after its closing
    brace), as in AWS's documented example of simulate-custom-policy.
    """
    statement: dict[str, Any] = {
        "SourcePolicyId": match.policy.name,
        "SourcePolicyType": SOURCE_POLICY_TYPES.get(match.layer, match.layer),
    }
    location = match.statement.location
    if location is not None:
        statement["StartPosition"] = _position(location.line, location.column + 1)
        statement["EndPosition"] = _position(location.end_line, location.end_column)
    return statement


def _result(sim: Simulation, action: str, resource: str, evaluation: Evaluation) -> dict[str, Any]:
    result: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": evaluation.decision,
        "MatchedStatements": [_matched_statement(m) for m in evaluation.matched],
        "MissingContextValues": list(evaluation.missing_context),
    }
    if sim.scps:
        allowed = evaluation.allowed_by_organizations
        result["OrganizationsDecisionDetail"] = {
            "AllowedByOrganizations": True if allowed is None else allowed
        }
    if sim.boundary is not None:
        allowed = evaluation.allowed_by_boundary
        result["PermissionsBoundaryDecisionDetail"] = {
            "AllowedByPermissionsBoundary": True if allowed is None else allowed
        }
    result["EvalDecisionExplanation"] = evaluation.reason
    return result


def run_simulation(sim: Simulation) -> dict[str, Any]:
    """Evaluate every (action, resource) pair; AWS's SimulatePolicyResponse."""
    results: list[dict[str, Any]] = []
    for action, resource in sim.pairs():
        owner = None if _arn_account(resource) else sim.resource_owner
        try:
            request = Request(
                sim.caller, action, resource, context=sim.context, resource_owner=owner
            )
        except RequestError as error:
            raise SimulationInputError(_request_field(error.field), error.message) from None
        resource_policy = sim.resource_policies.get(_resource_policy_type(action, resource))
        evaluation = evaluate(
            request,
            identity=sim.identity,
            resource_policy=resource_policy,
            boundary=sim.boundary,
            session=sim.session,
            scps=sim.scps,
            rcps=sim.rcps,
        )
        results.append(_result(sim, action, resource, evaluation))
    return {"EvaluationResults": results, "IsTruncated": False}


def _request_field(engine_field: str) -> str:
    """The request key behind a field name of the engine's RequestError."""
    base = engine_field.split("[", 1)[0]
    return {
        "principal": "CallerArn",
        "session_issuer": "CallerArn",
        "action": "ActionNames",
        "resource": "ResourceArns",
        "resource_owner": "ResourceOwner",
        "context": "ContextEntries",
    }.get(base, engine_field)


def simulate(data: Any) -> dict[str, Any]:
    """Answer one SimulateCustomPolicy request (decoded JSON) as AWS would."""
    return run_simulation(build_simulation(data))


# --- batch mode -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchLine:
    """The answer to one line of a JSON Lines batch: a response, or ``{"Error", "Line"}``."""

    line: int  # 1-based
    output: dict[str, Any]
    ok: bool


def simulate_lines(lines: Iterable[str]) -> Iterator[BatchLine]:
    """One response per non-blank line; a bad line gives an error object, not an exception."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            output = simulate(load_request(text.rstrip("\r\n"), "request"))
        except SimulationInputError as error:
            yield BatchLine(number, {"Error": error.as_dict(), "Line": number}, False)
        else:
            yield BatchLine(number, output, True)
