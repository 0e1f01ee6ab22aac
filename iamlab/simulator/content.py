"""Content that ships with iamlab: simulator examples (and, re-exported from the sandbox app,
which owns it, the AWS managed policy catalogue).

Examples live as files under ``fixtures/`` so they are readable and diffable in git; they are
read once per process.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from iamlab.sandbox.awsmanaged import AwsPolicy as ManagedPolicy
from iamlab.sandbox.awsmanaged import managed_policies, managed_policy

__all__ = ["Example", "ManagedPolicy", "examples", "managed_policies", "managed_policy"]


def _fixtures() -> Path:
    return Path(settings.BASE_DIR) / "fixtures"


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    summary: str
    source: str
    expected: str
    data: dict[str, Any]  # the simulator form's data


def _pretty(document: Any) -> str:
    return json.dumps(document, indent=2) if document else ""


def _example_data(raw: dict[str, Any]) -> dict[str, Any]:
    request = raw["request"]
    policies = raw.get("policies", {})
    context = raw.get("context", {})
    context_text = "\n".join(
        f"{k} = {json.dumps(v) if isinstance(v, list) else v}" for k, v in context.items()
    )
    return {
        "principal": request["principal"],
        "action": request["action"],
        "resource": request.get("resource", "*"),
        "resource_owner": request.get("resource_owner", ""),
        "session_issuer": request.get("session_issuer", ""),
        "context": context_text,
        "identity": [_pretty(d) for d in policies.get("identity", [])] or [""],
        "resource_policy": _pretty(policies.get("resource_policy")),
        "resource_policy_type": policies.get("resource_policy_type", "resource"),
        "boundary": _pretty(policies.get("boundary")),
        "session": [_pretty(d) for d in policies.get("session", [])],
        "scps": [_pretty(d) for d in policies.get("scps", [])],
        "rcps": [_pretty(d) for d in policies.get("rcps", [])],
    }


@functools.cache
def examples() -> tuple[Example, ...]:
    found: list[tuple[int, Example]] = []
    for path in sorted((_fixtures() / "simulator-examples").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            (
                raw.get("order", 999),
                Example(
                    slug=raw["slug"],
                    title=raw["title"],
                    summary=raw["summary"],
                    source=raw["source"],
                    expected=raw["expected"],
                    data=_example_data(raw),
                ),
            )
        )
    return tuple(e for _, e in sorted(found, key=lambda pair: pair[0]))


def example(slug: str) -> Example | None:
    return next((e for e in examples() if e.slug == slug), None)
