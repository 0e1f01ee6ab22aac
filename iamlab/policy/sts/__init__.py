"""AWS STS as pure functions over the engine's objects: AssumeRole, AssumeRoleWithSAML,
AssumeRoleWithWebIdentity, GetSessionToken, GetFederationToken and GetCallerIdentity.

The package, one module per part: :mod:`.inputs` (RoleSpec, CallerSpec, the limits),
:mod:`.sessions` (the sessions returned and StsDenied), :mod:`.validation` (the parameters'
syntax), :mod:`.assume` (AssumeRole), :mod:`.tokens` (GetSessionToken, GetFederationToken),
:mod:`.federation` (AssumeRoleWithSAML, AssumeRoleWithWebIdentity), :mod:`.service` (a service
assumes a role) and :mod:`.caller_identity` (GetCallerIdentity). Everything public is imported
here: ``from iamlab.policy.sts import X``.

Sources (AWS STS API Reference and IAM User Guide, current text):

* API_AssumeRole: the parameters and their constraints (RoleSessionName 2-64 characters of
  ``[\\w+=,.@-]``; DurationSeconds 900 s up to the role's maximum session duration, at most
  43200 s; ExternalId 2-1224 characters of ``[\\w+=,.@:/-]``; Policy at most 2,048 characters;
  PolicyArns at most 10; Tags at most 50, keys 1-128 and values 0-256 characters; SourceIdentity
  2-64 characters of ``[\\w+=,.@-]``, not starting with ``aws:``), the error texts, and "you
  cannot call AssumeRole with the root user credentials".
* id_roles_terms-and-concepts / id_roles_use (role chaining): "Role chaining limits your AWS CLI
  or AWS API role session to a maximum of one hour"; a chained AssumeRole asking for more fails
  with "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role
  chaining." The Knowledge Center's iam-role-chaining-limit: temporary credentials from
  GetSessionToken that assume a role are held to the same hour, with the same error.
* id_session-tags: passing session tags needs ``sts:TagSession`` on top of ``sts:AssumeRole``;
  the tags reach the request as ``aws:RequestTag/<key>`` and ``aws:TagKeys``, and requests made
  with the session carry them as ``aws:PrincipalTag/<key>``. Session tags follow the tag rules
  of id_tags: "You cannot create a tag key or value that begins with the text aws:".
* id_credentials_temp_control-access_monitor: passing a source identity needs
  ``sts:SetSourceIdentity``; a chained session keeps the source identity of the session it
  came from, so in role chaining ``sts:SetSourceIdentity`` is needed in the caller's permissions
  and in the next role's trust policy even when no SourceIdentity is passed.
* id_roles_update-role-trust-policy: a trust policy naming an IAM user does not lift the
  user's permissions boundary, which must allow ``sts:AssumeRole`` (evaluate.py's D7).
* iamlab.policy.credentials: which credentials may call which STS operation, the one rule
  the evaluator applies too.
* id_credentials_temp_request: who may call which STS API (a federated user from
  GetFederationToken can call no STS operation but GetCallerIdentity).
* access_policies#policies_session: a session's permissions are the intersection of the role's
  identity-based policies and the session policies passed (inline and managed).
* reference_policies_iam-condition-keys: ``sts:ExternalId``, ``sts:RoleSessionName``,
  ``sts:SourceIdentity``, ``aws:SourceIdentity``, ``aws:TokenIssueTime``.
* API_GetCallerIdentity: the ``UserId`` / ``Account`` / ``Arn`` it prints for each caller.

The order of the checks in :func:`assume_role` (documented choice; AWS does not publish it):
the parameters' syntax first (a ValidationError, as the API does before anything else), then
who the caller is, then authorization (``sts:AssumeRole``, then ``sts:TagSession`` if tags are
passed, then ``sts:SetSourceIdentity`` if a source identity is passed or inherited), and last
the duration against the role's maximum and the one-hour limit (role chaining, GetSessionToken
credentials), which need the role.

MFA (API_AssumeRole and API_GetSessionToken SerialNumber / TokenCode;
reference_policies_condition-keys aws:MultiFactorAuthPresent / aws:MultiFactorAuthAge;
id_credentials_sts-comparison):

* SerialNumber is 9-256 characters of ``[\\w+=/:,.@-]``, TokenCode exactly 6 digits; the two are
  given together (documented choice: one without the other is a ValidationError).
* A serial number the caller has no device for is refused with AWS's "MultiFactorAuthentication
  failed, unable to validate MFA code. Please verify your MFA serial number is valid and
  associated with this user."; a wrong code with "MultiFactorAuthentication failed with invalid
  MFA one time pass code." (the texts AWS returns; the API reference only says "access denied").
  A role session has no MFA device of its own (``CallerSpec.mfa_devices`` is empty).
* The current condition-key page: aws:MultiFactorAuthPresent "is included in the request context
  only when the principal uses temporary credentials", namely "IAM roles and IAM users with
  temporary tokens from AssumeRole or GetSessionToken"; with long-term access keys it is absent;
  and both MFA keys are "not present for federated identities". So: sessions from AssumeRole and
  GetSessionToken carry ``aws:MultiFactorAuthPresent`` = ``true`` or ``false``, and
  ``aws:MultiFactorAuthAge`` (seconds since the MFA code was checked) only when MFA was used;
  sessions from AssumeRoleWithSAML, AssumeRoleWithWebIdentity and GetFederationToken carry
  neither key. The AssumeRole call itself made with long-term keys and a valid code carries
  ``true`` and an age of 0.
* Documented choice: a session made with MFA-authenticated temporary credentials (for example
  GetSessionToken with MFA, then AssumeRole) stays MFA-authenticated, with the age counted from
  the original authentication; AWS does not document this propagation.

GetSessionToken (API_GetSessionToken): an IAM user or the root user with long-term credentials;
900-129,600 s for a user (default 43,200); for the root user "if the duration is longer than one
hour, the session ... defaults to one hour", so a longer request is cut to 3,600 s rather than
refused. No permission is needed ("You cannot use policies to control authentication
operations"). The credentials act as the user; they cannot call IAM API operations unless MFA
was included, and no STS operation except AssumeRole and GetCallerIdentity.

GetFederationToken (API_GetFederationToken, id_session-tags): an IAM user (or the root user,
allowed but not recommended) with long-term credentials; Name 2-32 characters of ``[\\w+=,.@-]``;
durations as GetSessionToken (root cut to one hour); the caller needs ``sts:GetFederationToken``
(on ``arn:aws:sts::ACCOUNT:federated-user/NAME``), and ``sts:TagSession`` to pass tags, which
cannot be transitive. Without a session policy the federated user gets nothing from the user's
policies (evaluate.py's D3); with one, the intersection. The session's principal tags are the
user's tags (``aws:PrincipalTag/*`` in the caller's context) overridden by the session tags,
case-insensitively. Its credentials cannot call IAM operations (through the API) nor any STS
operation but GetCallerIdentity. Documented choice: a root-issued federated user is evaluated
as the root user's full access intersected with the session policies.

AssumeRoleWithSAML and AssumeRoleWithWebIdentity: see :func:`assume_role_with_saml` and
:func:`assume_role_with_web_identity` for their sources and choices.

Transitive session tags (id_session-tags, "Chaining roles with session tags"): tags named in
TransitiveTagKeys pass to the sessions of later AssumeRole calls; documented choice: passing a
session tag with the key of an inherited transitive tag is refused.

Every kind of session (:class:`Session`, :class:`UserSession`, :class:`FederatedUserSession`)
has the interface :class:`TemporarySession`; ``credential_refusal(action)`` says which API calls its
credentials can never make (iam:PassRole is a permission, not an IAM API operation, so it is not
refused).

Left out: the packed-size limit (PackedPolicyTooLarge is computed by AWS on a compressed binary
form it does not document), clock-skew allowances on SAML and OIDC token times, XML signatures
and token signatures (replaced by the issuer checks described there).
"""

from ..credentials import ASSUMED_ROLE, FEDERATED_USER, SESSION_TOKEN
from .assume import assume_role
from .caller_identity import get_caller_identity
from .federation import (
    BUILT_IN_WEB_IDENTITY_PROVIDERS,
    assume_role_with_saml,
    assume_role_with_web_identity,
    fresh_token_claims,
)
from .inputs import (
    CHAINED_MAX_DURATION,
    MAX_DURATION,
    MAX_POLICY_ARNS,
    MAX_POLICY_CHARS,
    MAX_TAGS,
    MIN_DURATION,
    ROOT_TOKEN_MAX_DURATION,
    TOKEN_DEFAULT_DURATION,
    TOKEN_MAX_DURATION,
    CallerSpec,
    RoleSpec,
)
from .service import assume_role_for_service
from .sessions import (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    FederatedUserSession,
    Session,
    StsDenied,
    TemporarySession,
    UserSession,
    credential_refusal,
)
from .tokens import get_federation_token, get_session_token

__all__ = [
    "ASSUMED_ROLE",
    "ASSUME_ROLE",
    "ASSUME_ROLE_WITH_SAML",
    "ASSUME_ROLE_WITH_WEB_IDENTITY",
    "BUILT_IN_WEB_IDENTITY_PROVIDERS",
    "CHAINED_MAX_DURATION",
    "FEDERATED_USER",
    "MAX_DURATION",
    "MAX_POLICY_ARNS",
    "MAX_POLICY_CHARS",
    "MAX_TAGS",
    "MIN_DURATION",
    "ROOT_TOKEN_MAX_DURATION",
    "SESSION_TOKEN",
    "TOKEN_DEFAULT_DURATION",
    "TOKEN_MAX_DURATION",
    "CallerSpec",
    "FederatedUserSession",
    "RoleSpec",
    "Session",
    "StsDenied",
    "TemporarySession",
    "UserSession",
    "assume_role",
    "assume_role_for_service",
    "assume_role_with_saml",
    "assume_role_with_web_identity",
    "credential_refusal",
    "fresh_token_claims",
    "get_caller_identity",
    "get_federation_token",
    "get_session_token",
]
