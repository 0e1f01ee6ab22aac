"""iamlab's IAM policy engine: pure Python, no Django.

The stable API::

    from iamlab.policy import Request, evaluate, parse_policy

    policy = parse_policy(text)                     # raises PolicyError(findings) if invalid
    request = Request(principal="arn:aws:iam::111122223333:user/alice",
                      action="s3:GetObject", resource="arn:aws:s3:::bucket/key",
                      context={"aws:SourceIp": "203.0.113.7"})
    result = evaluate(request, identity=[policy])   # also resource_policy, boundary, session,
    result.decision                                 # scps=[[root], [ou], [account]], rcps=...
    result.reason, result.matched, result.layers, result.missing_context

Every rule cites the AWS documentation page it implements; see the module docstrings.

Names load on first use (PEP 562): a process that only reads stored policies and asks the
engine (a graph, a page) does not import the checks, STS or SAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Two functions share their name with their module: importing the module later would put the
# module in the function's place, so both are imported now (the evaluator is the engine's core,
# which every user of the package loads anyway).
from .evaluate import evaluate
from .model import PolicyType  # validate()'s default below needs it
from .reach import reach

if TYPE_CHECKING:  # what type checkers and readers see; the names load on first use
    from .conditions import (
        ConditionTrace,
    )
    from .diff import (
        DiffLine,
        diff_documents,
        normalise_document,
        reach_changes,
    )
    from .evaluate import (
        ALLOWED,
        EXPLICIT_DENY,
        IMPLICIT_DENY,
        ROOT_USER_LIMITS,
        Evaluation,
        LayerResult,
        PolicySet,
        StatementMatch,
        StatementTrace,
        decide,
        evaluate,
    )
    from .findings import (
        Finding,
        Location,
        PolicyError,
        Severity,
    )
    from .model import (
        Effect,
        Policy,
        PolicyType,
        Statement,
    )
    from .parser import (
        parse_policy,
        policy_findings,
    )
    from .reach import (
        LevelReach,
        ServiceReach,
        reach,
    )
    from .request import (
        Caller,
        PrincipalKind,
        Request,
        RequestError,
    )
    from .saml import (
        SamlAssertion,
        SamlAttribute,
        SamlError,
        parse_saml_response,
        render_saml_response,
    )
    from .sts import (
        BUILT_IN_WEB_IDENTITY_PROVIDERS,
        CallerSpec,
        FederatedUserSession,
        RoleSpec,
        Session,
        StsDenied,
        TemporarySession,
        UserSession,
        assume_role,
        assume_role_for_service,
        assume_role_with_saml,
        assume_role_with_web_identity,
        credential_refusal,
        get_caller_identity,
        get_federation_token,
        get_session_token,
    )

_WHERE: dict[str, str] = {
    "ConditionTrace": "conditions",
    "DiffLine": "diff",
    "diff_documents": "diff",
    "normalise_document": "diff",
    "reach_changes": "diff",
    "ALLOWED": "evaluate",
    "EXPLICIT_DENY": "evaluate",
    "Evaluation": "evaluate",
    "IMPLICIT_DENY": "evaluate",
    "LayerResult": "evaluate",
    "PolicySet": "evaluate",
    "ROOT_USER_LIMITS": "evaluate",
    "StatementMatch": "evaluate",
    "StatementTrace": "evaluate",
    "decide": "evaluate",
    "evaluate": "evaluate",
    "Finding": "findings",
    "Location": "findings",
    "PolicyError": "findings",
    "Severity": "findings",
    "Effect": "model",
    "Policy": "model",
    "PolicyType": "model",
    "Statement": "model",
    "parse_policy": "parser",
    "policy_findings": "parser",
    "LevelReach": "reach",
    "ServiceReach": "reach",
    "reach": "reach",
    "Caller": "request",
    "PrincipalKind": "request",
    "Request": "request",
    "RequestError": "request",
    "SamlAssertion": "saml",
    "SamlAttribute": "saml",
    "SamlError": "saml",
    "parse_saml_response": "saml",
    "render_saml_response": "saml",
    "BUILT_IN_WEB_IDENTITY_PROVIDERS": "sts",
    "CallerSpec": "sts",
    "FederatedUserSession": "sts",
    "RoleSpec": "sts",
    "Session": "sts",
    "StsDenied": "sts",
    "TemporarySession": "sts",
    "UserSession": "sts",
    "assume_role": "sts",
    "assume_role_for_service": "sts",
    "assume_role_with_saml": "sts",
    "assume_role_with_web_identity": "sts",
    "credential_refusal": "sts",
    "get_caller_identity": "sts",
    "get_federation_token": "sts",
    "get_session_token": "sts",
}

__all__ = [
    "parse_policy",
    "ALLOWED",
    "BUILT_IN_WEB_IDENTITY_PROVIDERS",
    "EXPLICIT_DENY",
    "IMPLICIT_DENY",
    "ROOT_USER_LIMITS",
    "Caller",
    "CallerSpec",
    "ConditionTrace",
    "DiffLine",
    "Effect",
    "Evaluation",
    "FederatedUserSession",
    "Finding",
    "LayerResult",
    "LevelReach",
    "Location",
    "Policy",
    "PolicyError",
    "PolicySet",
    "PolicyType",
    "PrincipalKind",
    "Request",
    "RequestError",
    "RoleSpec",
    "SamlAssertion",
    "SamlAttribute",
    "SamlError",
    "ServiceReach",
    "Session",
    "Severity",
    "Statement",
    "StatementMatch",
    "StatementTrace",
    "StsDenied",
    "TemporarySession",
    "UserSession",
    "assume_role",
    "assume_role_for_service",
    "assume_role_with_saml",
    "assume_role_with_web_identity",
    "credential_refusal",
    "decide",
    "diff_documents",
    "evaluate",
    "get_caller_identity",
    "get_federation_token",
    "get_session_token",
    "normalise_document",
    "parse_saml_response",
    "policy_findings",
    "reach",
    "reach_changes",
    "render_saml_response",
    "validate",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups find it without this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


def validate(
    text: str,
    type: PolicyType | str = PolicyType.IDENTITY,  # noqa: A002
    *,
    aws_managed: bool = False,
) -> list[Finding]:
    """All findings for a policy document, most important first; never raises."""
    from .parser import policy_findings

    _, findings = policy_findings(text, PolicyType(type), aws_managed=aws_managed)
    return findings
