"""Context keys as a learner types them: ``key = value`` lines, as the access check, the
policy simulator and the identity flows take them.

Here, at the lowest floor that needs it (the sandbox's access check), so that the apps above
it share one reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from iamlab.policy.catalog import condition_key_info
from iamlab.policy.conditions.boolean import parse_bool
from iamlab.policy.conditions.date import parse_date
from iamlab.policy.conditions.ip import parse_address
from iamlab.policy.conditions.numeric import parse_number
from iamlab.policy.jsonsource import too_deep

_CONTEXT_LINE = re.compile(r"\s*([^=\s][^=]*?)\s*=\s*(.*?)\s*")

# What a global key's value must look like, by its type in the IAM User Guide's list of global
# condition keys (reference_policies_condition-keys.html). AWS sets these keys itself, so a
# value of another shape is one no request carries: aws:SourceIp = 999.1.1.1 would make a
# NotIpAddress condition hold, an answer about a request that cannot happen. Service keys come
# from the service's request parameters and are taken as typed.
_SHAPES: dict[str, tuple[Callable[[str], bool], str]] = {
    "IPAddress": (
        lambda v: parse_address(v) is not None,
        "an IP address, such as 203.0.113.7 or 2001:db8::1",
    ),
    "Bool": (lambda v: parse_bool(v) is not None, "true or false"),
    "Numeric": (lambda v: parse_number(v) is not None, "a number, such as 3600"),
    "Date": (
        lambda v: parse_date(v) is not None,
        "a date and time, such as 2026-01-15T12:00:00Z, or seconds since 1970",
    ),
}


def _shape_problem(key: str, values: list[str]) -> str | None:
    """Why a global key's value is not one AWS could send, or None."""
    if not key.lower().startswith("aws:"):
        return None
    info = condition_key_info(key)
    shape = _SHAPES.get(info.type.removeprefix("ArrayOf")) if info is not None else None
    if shape is None:
        return None
    fits, words = shape
    for value in values:
        if not fits(value):
            return f'"{value}" is not a value of {key}, which AWS sets to {words}'
    return None


def parse_context(text: str) -> tuple[dict[str, Any], list[str]]:
    """Read ``key = value`` lines; ``[a, b]`` (or a JSON list) makes a multivalued key.

    Returns the context and error messages that name the line.
    """
    context: dict[str, Any] = {}
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _CONTEXT_LINE.fullmatch(line)
        if match is None:
            errors.append(f"line {number}: write key = value, e.g. aws:SourceIp = 203.0.113.7")
            continue
        key, value = match.groups()
        if ":" not in key or " " in key:
            errors.append(
                f'line {number}: "{key}" is not a condition key (keys look like '
                f"aws:SourceIp or s3:prefix)"
            )
            continue
        if key.lower() in seen:
            errors.append(
                f"line {number}: {key} is already given on line {seen[key.lower()]} "
                f"(keys are case-insensitive)"
            )
            continue
        seen[key.lower()] = number
        parsed: Any = value
        if value.startswith("["):
            if too_deep(value, 1) is not None:
                errors.append(f"line {number}: a list value must hold plain values")
                continue
            try:
                loaded = json.loads(value)
            except json.JSONDecodeError:
                if not value.endswith("]"):
                    errors.append(f"line {number}: the list for {key} is not closed with ]")
                    continue
                loaded = [v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()]
            if not isinstance(loaded, list) or any(isinstance(v, list | dict) for v in loaded):
                errors.append(f"line {number}: a list value must hold plain values")
                continue
            parsed = [str(v).lower() if isinstance(v, bool) else str(v) for v in loaded]
        elif len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            parsed = value[1:-1]
        problem = _shape_problem(key, parsed if isinstance(parsed, list) else [parsed])
        if problem is not None:
            errors.append(f"line {number}: {problem}")
            continue
        context[key] = parsed
    return context, errors
