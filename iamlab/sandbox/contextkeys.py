"""Context keys as a learner types them: ``key = value`` lines, as the access check, the
policy simulator and the identity flows take them.

Here, at the lowest floor that needs it (the sandbox's access check), so that the apps above
it share one reading.
"""

from __future__ import annotations

import json
import re
from typing import Any

from iamlab.policy.jsonsource import too_deep

_CONTEXT_LINE = re.compile(r"\s*([^=\s][^=]*?)\s*=\s*(.*?)\s*")


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
        context[key] = parsed
    return context, errors
