"""STS input validation: the parameters' syntax, checked before anything else, with the
ValidationError texts the API answers.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence

from ..model import Policy
from .inputs import (
    _EXTERNAL_ID,
    _MFA_SERIAL,
    _POLICY_CHARS,
    _SESSION_NAME,
    _TAG_PUNCTUATION,
    _TOKEN_CODE,
    MAX_DURATION,
    MAX_POLICY_ARNS,
    MAX_POLICY_CHARS,
    MAX_TAGS,
    MIN_DURATION,
)
from .sessions import StsDenied

# --- input validation -------------------------------------------------------------------------


def _validation(parameter: str, value: object, constraint: str, message: str) -> StsDenied:
    shown = str(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return StsDenied(
        "input",
        message,
        f"ValidationError: 1 validation error detected: Value '{shown}' at '{parameter}' failed "
        f"to satisfy constraint: Member must {constraint}",
        parameter=parameter,
    )


def _check_length(
    parameter: str, label: str, value: str, low: int, high: int, pattern: re.Pattern[str] | None
) -> StsDenied | None:
    if len(value) < low:
        return _validation(
            parameter,
            value,
            f"have length greater than or equal to {low}",
            f"{label} must be at least {low} characters long.",
        )
    if len(value) > high:
        return _validation(
            parameter,
            value,
            f"have length less than or equal to {high}",
            f"{label} can be at most {high} characters long (it has {len(value)}).",
        )
    if pattern is not None and pattern.fullmatch(value) is None:
        return _validation(
            parameter,
            value,
            f"satisfy regular expression pattern: {pattern.pattern}",
            f"{label} may contain only "
            + (
                "tab, line feed, carriage return and the characters U+0020 to U+00FF."
                if pattern is _POLICY_CHARS
                else f"letters, digits, underscores and the characters {pattern.pattern[3:-2]}."
            ),
        )
    return None


def _tag_text_ok(text: str) -> bool:
    """Tag pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] (API_Tag): letters, spaces, numbers, _.:/=+-@."""
    return all(
        unicodedata.category(c)[0] in "LZN" or c in _TAG_PUNCTUATION
        for c in text  # noqa: SIM110
    )


def _policy_text(policy: Policy) -> str:
    if policy.text is not None:
        return policy.text
    return json.dumps(policy.document, separators=(",", ":"))


def _validate_duration(duration_seconds: int, high: int, why_high: str) -> StsDenied | None:
    if duration_seconds < MIN_DURATION:
        return _validation(
            "durationSeconds",
            duration_seconds,
            f"have value greater than or equal to {MIN_DURATION}",
            "DurationSeconds must be at least 900 seconds (15 minutes).",
        )
    if duration_seconds > high:
        return _validation(
            "durationSeconds",
            duration_seconds,
            f"have value less than or equal to {high}",
            f"DurationSeconds can be at most {high} seconds ({why_high}).",
        )
    return None


def _validate_policies(
    session_policy: Policy | None, policy_arns: Sequence[Policy]
) -> StsDenied | None:
    if session_policy is not None:
        text = _policy_text(session_policy)
        problem = _check_length(
            "policy", "The inline session policy", text, 1, MAX_POLICY_CHARS, _POLICY_CHARS
        )
        if problem:
            return problem
    if len(policy_arns) > MAX_POLICY_ARNS:
        return _validation(
            "policyArns",
            f"[{len(policy_arns)} policies]",
            f"have length less than or equal to {MAX_POLICY_ARNS}",
            f"You can pass at most {MAX_POLICY_ARNS} managed session policies "
            f"(PolicyArns); {len(policy_arns)} were given.",
        )
    return None


def _validate_tags(tags: Mapping[str, str], transitive: Sequence[str] = ()) -> StsDenied | None:
    if len(tags) > MAX_TAGS:
        return _validation(
            "tags",
            f"[{len(tags)} tags]",
            f"have length less than or equal to {MAX_TAGS}",
            f"You can pass at most {MAX_TAGS} session tags; {len(tags)} were given.",
        )
    for key, value in tags.items():
        problem = _check_length(
            "tags.member.key", f"The session tag key {key!r}", key, 1, 128, None
        )
        if problem:
            return problem
        problem = _check_length(
            "tags.member.value", f"The value of session tag {key!r}", value, 0, 256, None
        )
        if problem:
            return problem
        for part, text in (("key", key), ("value", value)):
            if not _tag_text_ok(text):
                return _validation(
                    f"tags.member.{part}",
                    text,
                    r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
                    f"The session tag {part} {text!r} may contain only letters, spaces, "
                    f"numbers and the characters _.:/=+-@.",
                )
        for part, text in (("key", key), ("value", value)):
            # id_session-tags: session tags follow the rules for naming tags in IAM and AWS
            # STS (id_tags): "You cannot create a tag key or value that begins with the text
            # aws:. This tag prefix is reserved for AWS internal use." Documented choice: the
            # prefix is compared case-insensitively, as tag keys are.
            if text[:4].lower() == "aws:":
                return StsDenied(
                    "input",
                    f"The session tag {part} {text!r} begins with aws:. You cannot create a tag "
                    f"key or value that begins with the text aws:; this tag prefix is reserved "
                    f"for AWS internal use.",
                    "ValidationError (iamlab's wording; AWS documents the rule, not its error "
                    "text): a session tag key or value cannot begin with aws:",
                    parameter=f"tags.member.{part}",
                )
    lowered = {k.lower() for k in tags}
    if len({k.lower() for k in tags}) != len(tags):
        return StsDenied(
            "input",
            "Two session tags have the same key apart from upper and lower case; tag keys are "
            "not case-sensitive, so AWS cannot keep both.",
            "InvalidParameterValue (iamlab's wording): duplicate tag keys",
            parameter="tags",
        )
    for key in transitive:
        if key.lower() not in lowered:
            return StsDenied(
                "input",
                f"The transitive tag key {key!r} is not one of the session tags passed in the "
                f"same call; only a session tag can be made transitive.",
                "InvalidParameterValue (iamlab's wording): a transitive tag key must be one of "
                "the session tag keys",
                parameter="transitiveTagKeys",
            )
    return None


def _validate_source_identity(source_identity: str | None) -> StsDenied | None:
    if source_identity is None:
        return None
    problem = _check_length(
        "sourceIdentity", "The source identity", source_identity, 2, 64, _SESSION_NAME
    )
    if problem:
        return problem
    if source_identity.lower().startswith("aws:"):
        return StsDenied(
            "input",
            "A source identity cannot begin with aws: (that prefix is reserved for AWS).",
            "ValidationError: SourceIdentity cannot begin with the prefix aws:",
            parameter="sourceIdentity",
        )
    return None


def _validate_mfa(serial_number: str | None, token_code: str | None) -> StsDenied | None:
    if (serial_number is None) != (token_code is None):
        missing = "TokenCode" if token_code is None else "SerialNumber"
        return StsDenied(
            "input",
            f"SerialNumber and TokenCode go together: give the MFA device's serial number (or "
            f"ARN) and the 6-digit code it shows now. {missing} is missing.",
            f"ValidationError (iamlab's wording): {missing} is required with "
            f"{'SerialNumber' if missing == 'TokenCode' else 'TokenCode'}",
            parameter="tokenCode" if token_code is None else "serialNumber",
        )
    if serial_number is None or token_code is None:
        return None
    problem = _check_length(
        "serialNumber", "The MFA serial number", serial_number, 9, 256, _MFA_SERIAL
    )
    if problem:
        return problem
    if len(token_code) != 6 or _TOKEN_CODE.fullmatch(token_code) is None:
        if len(token_code) < 6:
            constraint = "have length greater than or equal to 6"
        elif len(token_code) > 6:
            constraint = "have length less than or equal to 6"
        else:
            constraint = r"satisfy regular expression pattern: [\d]*"
        return _validation(
            "tokenCode",
            token_code,
            constraint,
            "The MFA code (TokenCode) is exactly six digits.",
        )
    return None


def _validate(
    session_name: str,
    duration_seconds: int,
    external_id: str | None,
    session_policy: Policy | None,
    policy_arns: Sequence[Policy],
    tags: Mapping[str, str],
    source_identity: str | None,
    serial_number: str | None = None,
    token_code: str | None = None,
    transitive_tag_keys: Sequence[str] = (),
) -> StsDenied | None:
    problem = _check_length(
        "roleSessionName", "The role session name", session_name, 2, 64, _SESSION_NAME
    )
    if problem:
        return problem
    problem = _validate_duration(
        duration_seconds,
        MAX_DURATION,
        "12 hours, the longest maximum session duration a role can have",
    )
    if problem:
        return problem
    if external_id is not None:
        problem = _check_length("externalId", "The external ID", external_id, 2, 1224, _EXTERNAL_ID)
        if problem:
            return problem
    return (
        _validate_policies(session_policy, policy_arns)
        or _validate_tags(tags, transitive_tag_keys)
        or _validate_source_identity(source_identity)
        or _validate_mfa(serial_number, token_code)
    )
