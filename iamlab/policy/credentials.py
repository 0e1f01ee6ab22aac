"""Which credentials may call which AWS STS operation (and, for temporary credentials, which
IAM API operations): the one rule that the evaluator (:func:`iamlab.policy.evaluate`) and STS
(:mod:`iamlab.policy.sts`) both ask. No policy can change these answers.

Sources (STS API Reference and IAM User Guide, current text):

* API_AssumeRole: "You cannot call AssumeRole with the root user credentials" (AWS answers
  "Roles may not be assumed by root accounts."); role session credentials "cannot call the
  GetFederationToken or GetSessionToken API operations";
* API_GetSessionToken: its credentials "cannot call any STS API except AssumeRole or
  GetCallerIdentity", and no IAM API operation unless MFA was included in the request;
* API_GetFederationToken: its credentials cannot call IAM operations through the AWS CLI or API
  (a console session made from them can), and no STS operation except GetCallerIdentity;
* id_credentials_sts-comparison and id_credentials_temp_request (the comparison table).

Kinds of credentials: :data:`LONG_TERM` (an IAM user's or the root user's access keys or
password), :data:`SESSION_TOKEN` (GetSessionToken), :data:`ASSUMED_ROLE` (AssumeRole,
AssumeRoleWithSAML, AssumeRoleWithWebIdentity, a service for a role) and
:data:`FEDERATED_USER` (GetFederationToken).

:func:`sts_refusal` is the STS part, :func:`iam_refusal` the IAM part; :func:`refusal` both.
The evaluator knows a caller only by its ARN, so it asks :func:`refusal_by_arn`
(an IAM user's ARN reads as long-term credentials; whether a request is made
through the console or the API it cannot tell, so it leaves the IAM part to the sessions).
iam:PassRole is a permission, not an IAM API operation, so it is never refused here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .request import PrincipalKind

__all__ = [
    "ASSUMED_ROLE",
    "FEDERATED_USER",
    "LONG_TERM",
    "SESSION_TOKEN",
    "Refusal",
    "iam_refusal",
    "kind_of",
    "refusal",
    "refusal_by_arn",
    "sts_refusal",
]

LONG_TERM = "long-term"
SESSION_TOKEN = "session-token"  # noqa: S105 (a kind of credentials, not a secret)
ASSUMED_ROLE = "assumed-role"
FEDERATED_USER = "federated-user"
KINDS = (LONG_TERM, SESSION_TOKEN, ASSUMED_ROLE, FEDERATED_USER)

# The actions that assume a role, and the operations that need long-term access keys.
_ASSUME_ACTIONS = frozenset(
    {"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"}
)
_TOKEN_ACTIONS = frozenset({"sts:getfederationtoken", "sts:getsessiontoken"})
_SESSION_TOKEN_STS = frozenset({"sts:assumerole", "sts:getcalleridentity"})


@dataclass(frozen=True)
class Refusal:
    """Why these credentials can never make the call.

    ``code`` is the evaluator's reason code (``root-cannot-assume``, ``federated-no-sts``,
    ``session-no-token``, ``session-token-sts``, ``federated-no-iam``, ``session-token-no-iam``);
    ``message`` says it in a learner's words.
    """

    code: str
    message: str

    def aws_error(self, caller_arn: str, action: str) -> str:
        """What the API answers (for an STS operation: ``action`` is ``sts:NAME``)."""
        operation = action.partition(":")[2] or action
        if self.code == "root-cannot-assume":
            return "AccessDenied: Roles may not be assumed by root accounts."
        if self.code in ("session-no-token", "session-token-sts") and action.lower() in (
            _TOKEN_ACTIONS
        ):
            return f"AccessDenied: Cannot call {operation} with session credentials"
        return f"AccessDenied: User: {caller_arn} is not authorized to perform: {action}"


def kind_of(principal: PrincipalKind, *, temporary: bool = False) -> str | None:
    """The kind of credentials a caller of this kind signs with (None: it has none of its own,
    as a service, an identity provider or an anonymous caller). ``temporary``: an IAM user or
    the root user signs with credentials from GetSessionToken."""
    if principal in (PrincipalKind.USER, PrincipalKind.ROOT):
        return SESSION_TOKEN if temporary else LONG_TERM
    if principal is PrincipalKind.ROLE_SESSION:
        return ASSUMED_ROLE
    if principal is PrincipalKind.FEDERATED_USER:
        return FEDERATED_USER
    return None


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of credentials: {kind!r}")


def sts_refusal(kind: str, action: str, *, root: bool = False) -> Refusal | None:
    """Why credentials of ``kind`` can never call the STS operation ``action`` (None: they may
    try, and the policies decide). ``root``: the credentials are the root user's."""
    _check_kind(kind)
    lowered = action.strip().lower()
    if not lowered.startswith("sts:") or lowered == "sts:getcalleridentity":
        return None
    if root and lowered in _ASSUME_ACTIONS and kind in (LONG_TERM, SESSION_TOKEN):
        return Refusal(
            "root-cannot-assume",
            'The root user cannot assume roles: STS answers "Roles may not be assumed by root '
            'accounts". Sign in as an IAM user (or use a role session) and assume the role '
            "from there.",
        )
    if kind == FEDERATED_USER:
        return Refusal(
            "federated-no-sts",
            "Credentials from GetFederationToken cannot call any AWS STS operation except "
            "GetCallerIdentity.",
        )
    if kind == ASSUMED_ROLE and lowered in _TOKEN_ACTIONS:
        return Refusal(
            "session-no-token",
            "Role session credentials (from AssumeRole, AssumeRoleWithSAML or "
            "AssumeRoleWithWebIdentity) cannot call GetFederationToken or GetSessionToken; "
            "those need an IAM user's long-term access keys.",
        )
    if kind == SESSION_TOKEN and lowered not in _SESSION_TOKEN_STS:
        return Refusal(
            "session-token-sts",
            "Credentials from GetSessionToken can call only two AWS STS operations: "
            "AssumeRole and GetCallerIdentity.",
        )
    return None


def refusal_by_arn(principal: PrincipalKind, action: str) -> Refusal | None:
    """:func:`sts_refusal` for a caller known only by the kind of its ARN, as the evaluator
    knows it: an IAM user's or the root user's ARN reads as long-term credentials."""
    kind = kind_of(principal)
    if kind is None:
        return None
    return sts_refusal(kind, action, root=principal is PrincipalKind.ROOT)


def iam_refusal(kind: str, action: str, *, mfa: bool = False) -> Refusal | None:
    """Why temporary credentials of ``kind`` can never call the IAM API operation ``action``
    through the AWS CLI or API (None: the policies decide). ``mfa``: the credentials were
    authenticated with MFA."""
    _check_kind(kind)
    service, _, name = action.strip().lower().partition(":")
    if service != "iam" or name == "passrole":
        return None
    if kind == FEDERATED_USER:
        return Refusal(
            "federated-no-iam",
            "Credentials from GetFederationToken cannot call IAM API operations (only a "
            "console session made from them can).",
        )
    if kind == SESSION_TOKEN and not mfa:
        return Refusal(
            "session-token-no-iam",
            "Credentials from GetSessionToken cannot call IAM API operations unless MFA was "
            "used when they were requested: call GetSessionToken again with SerialNumber and "
            "TokenCode.",
        )
    return None


def refusal(kind: str, action: str, *, root: bool = False, mfa: bool = False) -> Refusal | None:
    """:func:`iam_refusal` or :func:`sts_refusal`, for a call made through the CLI or API."""
    return iam_refusal(kind, action, mfa=mfa) or sts_refusal(kind, action, root=root)
