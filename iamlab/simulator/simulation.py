"""The policy simulator's domain logic: from the form's text fields to an explained decision.

Plain Python on top of the engine (no request objects): the view hands in the submitted text,
gets back every policy's findings, the request's errors by field, and the evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify

from iamlab.policy import (
    Evaluation,
    Policy,
    PolicyType,
    Request,
    RequestError,
    evaluate,
)
from iamlab.policy.evaluate import StatementTrace
from iamlab.policy.request import check_account, check_action, check_resource, parse_caller
from iamlab.sandbox.contextkeys import parse_context
from iamlab.sandbox.policybox import PolicyInput, check_policy
from iamlab.web import NUL, NUL_ERROR

__all__ = [
    "LIST_FIELDS",
    "MAX_SLOTS",
    "Outcome",
    "PolicyInput",
    "check_policy",
    "empty_data",
    "normalize",
    "parse_context",
    "run",
]

# Policy kinds that take several documents, and how many slots the form may hold.
LIST_FIELDS = ("identity", "session", "scps", "rcps")
MAX_SLOTS = {"identity": 10, "session": 5, "scps": 6, "rcps": 6}
SCALAR_FIELDS = (
    "principal",
    "action",
    "resource",
    "resource_owner",
    "session_issuer",
    "context",
    "resource_policy",
    "resource_policy_type",
    "boundary",
)


def empty_data() -> dict[str, Any]:
    return {
        "principal": "",
        "action": "",
        "resource": "*",
        "resource_owner": "",
        "session_issuer": "",
        "context": "",
        "identity": [""],
        "resource_policy": "",
        "resource_policy_type": "resource",
        "boundary": "",
        "session": [],
        "scps": [],
        "rcps": [],
    }


def normalize(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce submitted or stored data into the canonical shape (strings and string lists)."""
    data = empty_data()
    for key in SCALAR_FIELDS:
        value = raw.get(key, data[key])
        data[key] = value if isinstance(value, str) else ""
    if data["resource_policy_type"] not in ("resource", "trust"):
        data["resource_policy_type"] = "resource"
    for key in LIST_FIELDS:
        value = raw.get(key, data[key])
        if isinstance(value, str):
            value = [value]
        items = [v if isinstance(v, str) else "" for v in (value or [])]
        data[key] = items[: MAX_SLOTS[key]]
    if not data["identity"]:
        data["identity"] = [""]
    return data


def level_label(kind: str, index: int, count: int) -> str:
    name = "SCP" if kind == "scps" else "RCP"
    if count == 1:
        return name
    if index == 0:
        return f"{name} at the organization root"
    if index == count - 1:
        return f"{name} on the account"
    return f"{name} on OU level {index}"


@dataclass
class Outcome:
    data: dict[str, Any]
    inputs: list[PolicyInput]
    errors: dict[str, str]  # field -> message, for request fields
    evaluation: Evaluation | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.evaluation is not None

    def input(self, name: str) -> PolicyInput | None:
        return next((i for i in self.inputs if i.slot == name), None)

    @property
    def invalid_policies(self) -> list[PolicyInput]:
        return [i for i in self.inputs if i.blocking]


def run(raw: Mapping[str, Any]) -> Outcome:
    data = normalize(raw)
    inputs: list[PolicyInput] = []
    for i, text in enumerate(data["identity"]):
        inputs.append(
            check_policy(text, PolicyType.IDENTITY, f"Identity policy {i + 1}", f"identity-{i}")
        )
    resource_type = PolicyType(data["resource_policy_type"])
    inputs.append(
        check_policy(
            data["resource_policy"],
            resource_type,
            "Trust policy" if resource_type is PolicyType.TRUST else "Resource-based policy",
            "resource_policy",
        )
    )
    inputs.append(
        check_policy(data["boundary"], PolicyType.BOUNDARY, "Permissions boundary", "boundary")
    )
    for i, text in enumerate(data["session"]):
        inputs.append(
            check_policy(text, PolicyType.SESSION, f"Session policy {i + 1}", f"session-{i}")
        )
    for kind, type_ in (("scps", PolicyType.SCP), ("rcps", PolicyType.RCP)):
        count = len(data[kind])
        for i, text in enumerate(data[kind]):
            inputs.append(check_policy(text, type_, level_label(kind, i, count), f"{kind}-{i}"))

    errors: dict[str, str] = {}
    context, context_errors = parse_context(data["context"])
    if context_errors:
        errors["context"] = "; ".join(context_errors)
    for name in ("principal", "action"):
        if not data[name].strip():
            errors[name] = f"Give the {name} of the request."
    # A policy holding NUL does not parse; a request field would be kept as it is, and no
    # database stores NUL (PostgreSQL refuses it).
    for name in ("principal", "action", "resource", "resource_owner", "session_issuer", "context"):
        if NUL in data[name]:
            errors[name] = NUL_ERROR
    checks: list[tuple[str, Callable[[], object]]] = [
        (
            "principal",
            lambda: parse_caller(data["principal"], data["session_issuer"].strip() or None),
        ),
        ("action", lambda: check_action(data["action"])),
        ("resource", lambda: check_resource(data["resource"])),
    ]
    if data["resource_owner"].strip():
        checks.append(
            (
                "resource_owner",
                lambda: check_account(data["resource_owner"].strip(), "resource_owner"),
            )
        )
    for name, check in checks:
        if name in errors or not data.get(name, "x").strip():
            continue
        try:
            check()
        except RequestError as error:
            errors[error.field if error.field in SCALAR_FIELDS else name] = error.message
    order = {name: i for i, name in enumerate(SCALAR_FIELDS)}
    errors = dict(sorted(errors.items(), key=lambda item: order.get(item[0], 99)))
    outcome = Outcome(data, inputs, errors, context=context)
    for kind in ("scps", "rcps"):
        blank = [i for i in inputs if i.slot.startswith(kind) and i.blank]
        if blank and len(blank) != len(data[kind]):
            label = "SCP" if kind == "scps" else "RCP"
            errors[kind] = (
                f"Every {label} level needs a policy (an empty level would deny "
                f"everything): fill it in or remove the level."
            )
    if errors or outcome.invalid_policies:
        return outcome
    try:
        request = Request(
            data["principal"],
            data["action"],
            data["resource"] or "*",
            context=context,
            resource_owner=data["resource_owner"].strip() or None,
            session_issuer=data["session_issuer"].strip() or None,
        )
    except RequestError as error:
        errors[error.field if error.field in SCALAR_FIELDS else "context"] = error.message
        return outcome

    def policies(prefix: str) -> list[Policy]:
        return [i.policy for i in inputs if i.slot.startswith(prefix) and i.policy is not None]

    resource = outcome.input("resource_policy")
    boundary = outcome.input("boundary")
    outcome.evaluation = evaluate(
        request,
        identity=policies("identity-"),
        resource_policy=resource.policy if resource else None,
        boundary=boundary.policy if boundary else None,
        session=policies("session-"),
        scps=[[p] for p in policies("scps-")],
        rcps=[[p] for p in policies("rcps-")],
    )
    return outcome


# --- presentation helpers (plain data for the templates) -------------------------------------


@dataclass
class Line:
    number: int
    text: str
    css: str = ""
    anchor: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)  # (css, text)


def statement_anchor(policy_label: str, index: int) -> str:
    return f"view-{slugify(policy_label)}-{index}"


def annotated_lines(item: PolicyInput, evaluation: Evaluation) -> list[Line]:
    """The policy's lines, with the statements that matched highlighted and each statement's
    outcome noted on its first line."""
    lines = [Line(n, t) for n, t in enumerate((item.text or "").splitlines(), start=1)]
    if item.policy is None:
        return lines
    deciding = {id(m.statement) for m in evaluation.matched}
    traces: list[StatementTrace] = [
        t for layer in evaluation.layers for t in layer.statements if t.policy is item.policy
    ]
    for trace in traces:
        location = trace.statement.location
        if location is None:
            continue
        if id(trace.statement) in deciding:
            css = "hl-deny" if not trace.statement.is_allow else "hl-allow"
        elif trace.matched:
            css = "hl-match"
        else:
            css = ""
        for number in range(location.line, min(location.end_line, len(lines)) + 1):
            if css:
                lines[number - 1].css = css
        if 0 < location.line <= len(lines):
            lines[location.line - 1].anchor = statement_anchor(item.label, trace.statement.index)
            note_css = "note-match" if trace.matched else "note-skip"
            lines[location.line - 1].notes.append(
                (note_css, f"{trace.statement.label}: {trace.summary}")
            )
    return lines
