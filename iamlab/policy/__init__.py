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
"""

# Import the validate submodule before defining validate() below: a first import of a
# submodule sets it as an attribute of this package, which would otherwise replace the function.
from . import validate as _validate_module  # noqa: F401
from .conditions import ConditionTrace
from .diff import DiffLine, diff_documents, normalise_document, reach_changes
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
from .findings import Finding, Location, PolicyError, Severity
from .model import Effect, Policy, PolicyType, Statement
from .parser import parse_policy, policy_findings
from .reach import LevelReach, ServiceReach, reach
from .request import Caller, PrincipalKind, Request, RequestError
from .saml import SamlAssertion, SamlAttribute, SamlError, parse_saml_response, render_saml_response
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


def validate(
    text: str,
    type: PolicyType | str = PolicyType.IDENTITY,  # noqa: A002
    *,
    aws_managed: bool = False,
) -> list[Finding]:
    """All findings for a policy document, most important first; never raises."""
    _, findings = policy_findings(text, PolicyType(type), aws_managed=aws_managed)
    return findings
