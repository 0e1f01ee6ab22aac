"""Sequence diagrams of the identity flows: who calls whom, with what, and where the learner is.

Pure Python (no Django). A builder per flow takes the learner's own values (role ARN, provider,
session name, audience...) and how far the flow has gone, and returns a :class:`Sequence`: the
participants, left to right, and the messages, top to bottom, each marked ``done``, ``next``
(the learner's next step), ``now`` (what just happened), ``refused``, ``todo`` or ``skipped``
(not reached, because an earlier step was refused). The template ``flows/_sequence.html``
draws it; it escapes every value, as all Django templates do.

The messages follow the AWS pages each builder cites:

* SAML 2.0 to the console: id_roles_providers_saml.html and
  id_roles_providers_enable-console-saml.html (the IdP authenticates the user and returns a
  SAML authentication response; the browser posts it to ``https://signin.aws.amazon.com/saml``;
  the sign-in endpoint calls ``AssumeRoleWithSAML`` and redirects the browser to the console).
* Web identity (OIDC): id_roles_providers_oidc.html and API_AssumeRoleWithWebIdentity (the app
  gets a token from the provider and calls STS with it, without AWS credentials; STS checks
  the token's signature with the provider's published keys, its issuer, audience and expiry,
  and the role's trust policy).
* A custom identity broker: id_roles_common-scenarios_federated-users.html and
  id_roles_providers_enable-console-custom-url.html (the broker verifies the user with the local
  identity system, calls ``GetFederationToken`` with its IAM user's long-term credentials, then
  hands out the temporary credentials or a console sign-in URL from the federation endpoint).
* The IAM Identity Center access portal: singlesignon/latest/userguide/using-the-portal.html
  (sign in once, choose an account and a permission set; the console session is a role session
  of the ``AWSReservedSSO_`` role, federated with Identity Center's SAML provider; the portal's
  ``GetRoleCredentials`` gives the same role's short-term credentials for the CLI).
* An application on EC2: id_roles_use_switch-role-ec2.html and the EC2 User Guide's
  instancedata-data-retrieval.html / configuring-instance-metadata-service.html (IMDSv2: a PUT
  for a session token, then GETs with the token header).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from iamlab.policy import StsDenied

State = Literal["done", "next", "now", "refused", "todo", "skipped"]
Direction = Literal["right", "left", "self"]

MAX_PARTICIPANTS = 6

STATE_WORDS: dict[str, str] = {
    "done": "Done",
    "next": "Your next step",
    "now": "Just happened",
    "refused": "Refused",
    "todo": "Still to come",
    "skipped": "Not reached",
}

# What an StsDenied's check refused, in words (as flows/_denied.html says it).
CHECK_WORDS: dict[str, str] = {
    "trust-policy": "the role's trust policy",
    "caller-permission": "the caller's own permissions",
    "duration": "the session duration",
    "input": "a parameter",
    "caller-type": "who is calling",
    "tag-session": "passing session tags",
    "source-identity": "setting a source identity",
    "rcp": "a resource control policy",
    "mfa": "multi-factor authentication",
    "provider": "the identity provider",
    "token": "the token or assertion itself",
    "role-mapping": "the assertion's Role attribute",
}

IMDS_HOST = "169.254.169.254"
IMDS_TOKEN_TTL = 21600  # seconds: the maximum, six hours (instancedata-data-retrieval.html)
SIGNIN_SAML = "https://signin.aws.amazon.com/saml"
FEDERATION_ENDPOINT = "https://signin.aws.amazon.com/federation"

Values = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Participant:
    key: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class Message:
    sender: str
    receiver: str
    text: str
    values: Values = ()
    reply: bool = False
    state: State = "todo"
    why: str = ""


@dataclass(frozen=True)
class Step:
    """A message placed on the diagram: its number and the columns its arrow joins (1-based,
    ``first`` <= ``last``; a participant's call to itself spans a neighbour's column too, so
    its text has room)."""

    number: int
    message: Message
    sender: Participant
    receiver: Participant
    first: int
    last: int
    direction: Direction
    sender_column: int

    @property
    def span(self) -> int:
        return self.last - self.first + 1

    @property
    def end(self) -> int:
        """The CSS grid line after the last column."""
        return self.last + 1

    @property
    def state_words(self) -> str:
        return STATE_WORDS[self.message.state]

    @property
    def loop_left(self) -> bool:
        """A call to itself drawn on the left edge of its span (else on the right)."""
        return self.direction == "self" and self.first == self.sender_column


@dataclass(frozen=True)
class Answer:
    """What the call came to: the session STS issued (``arn``), or why it was refused
    (``refused``, in words, and ``error``, what the API answers)."""

    arn: str = ""
    refused: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused


def answer(arn: str = "", denied: StsDenied | None = None, problem: str = "") -> Answer | None:
    """The answer of a flow from what it produced; None when nothing was sent yet."""
    if denied is not None:
        words = CHECK_WORDS.get(denied.check, denied.check)
        return Answer(refused=f"Refused by {words}: {denied.message}", error=denied.aws_error)
    if problem:
        return Answer(refused=problem)
    if arn:
        return Answer(arn=arn)
    return None


@dataclass(frozen=True)
class Sequence:
    title: str
    participants: tuple[Participant, ...]
    messages: tuple[Message, ...]
    sources: tuple[tuple[str, str], ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if not 2 <= len(self.participants) <= MAX_PARTICIPANTS:
            raise ValueError(f"a sequence has 2 to {MAX_PARTICIPANTS} participants")
        keys = [p.key for p in self.participants]
        if len(set(keys)) != len(keys):
            raise ValueError("participants have distinct keys")
        for m in self.messages:
            if m.sender not in keys or m.receiver not in keys:
                raise ValueError(f"unknown participant in {m.text!r}")

    @property
    def width(self) -> int:
        return len(self.participants)

    def column(self, key: str) -> int:
        return [p.key for p in self.participants].index(key) + 1

    def participant(self, key: str) -> Participant:
        return self.participants[self.column(key) - 1]

    def steps(self) -> tuple[Step, ...]:
        placed = []
        for number, m in enumerate(self.messages, start=1):
            a, b = self.column(m.sender), self.column(m.receiver)
            if a == b:
                first, last = (a, a + 1) if a < self.width else (a - 1, a)
                direction: Direction = "self"
            else:
                first, last = min(a, b), max(a, b)
                direction = "right" if b > a else "left"
            placed.append(
                Step(
                    number,
                    m,
                    self.participant(m.sender),
                    self.participant(m.receiver),
                    first,
                    last,
                    direction,
                    a,
                )
            )
        return tuple(placed)

    @property
    def marked(self) -> tuple[Step, ...]:
        """The steps to point out, in order: refused, just happened, the learner's next."""
        return tuple(s for s in self.steps() if s.message.state in ("refused", "now", "next"))

    @property
    def highlighted(self) -> Step | None:
        """The step to look at: the first refused one, else what just happened, else the
        learner's next step."""
        steps = self.steps()
        for state in ("refused", "now", "next"):
            found = next((s for s in steps if s.message.state == state), None)
            if found is not None:
                return found
        return None


def progress(
    messages: Iterable[Message],
    *,
    now: int | None = None,
    next: int | None = None,
    refused: int | None = None,
    refused_through: int | None = None,
    why: str = "",
) -> tuple[Message, ...]:
    """Mark each message (0-based indexes). Refused at ``refused`` (to ``refused_through``):
    those before are done, those after skipped. Otherwise messages before ``now`` (or, without
    it, before ``next``) are done, ``now`` just happened, ``next`` is the learner's next step and
    the rest are still to come."""
    marked = []
    for i, m in enumerate(messages):
        state: State
        if refused is not None:
            last = refused if refused_through is None else refused_through
            if i < refused:
                state = "done"
            elif i <= last:
                state = "refused"
            else:
                state = "skipped"
            marked.append(replace(m, state=state, why=why if i == refused else m.why))
            continue
        if i == now:
            state = "now"
        elif i == next:
            state = "next"
        elif i < (now if now is not None else next if next is not None else 0):
            state = "done"
        else:
            state = "todo"
        marked.append(replace(m, state=state))
    return tuple(marked)


def _answered(
    messages: list[Message],
    result: Answer | None,
    *,
    check: int,
    before: int,
    then: int,
) -> tuple[Message, ...]:
    """Mark a flow whose call STS checks at ``check`` and answers at ``check + 1``: waiting
    for the learner at ``before``, or answered (``then`` just happened), or refused at the
    check, with the error in the reply."""
    if result is None:
        return progress(messages, next=before)
    if not result.ok:
        reply = messages[check + 1]
        messages[check + 1] = replace(
            reply,
            text="Refuses the call: no credentials",
            values=(("Error", result.error),) if result.error else (),
        )
        return progress(messages, refused=check, refused_through=check + 1, why=result.refused)
    return progress(messages, now=then, next=then + 1 if then + 1 < len(messages) else None)


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def role_session_arn(role_arn: str, session_name: str) -> str:
    """``arn:aws:sts::ACCOUNT:assumed-role/ROLE-NAME/SESSION`` (reference_identifiers.html:
    the role's path is not part of a role session's ARN)."""
    return f"arn:aws:sts::{_account(role_arn)}:assumed-role/{_name(role_arn)}/{session_name}"


# -- SAML 2.0 to the console ------------------------------------------------------------------


def saml(
    *,
    provider_arn: str,
    issuer: str,
    role_arn: str,
    subject: str,
    session_name: str,
    session_duration: int | None = None,
    issued: bool = False,
    result: Answer | None = None,
) -> Sequence:
    """SAML 2.0 federation to the AWS Management Console: before the assertion is issued, once
    the browser holds it (``issued``), and after STS answered (``result``)."""
    attributes: Values = (
        ("Issuer", issuer),
        ("NameID", subject),
        ("Attribute Role", f"{role_arn},{provider_arn}"),
        ("Attribute RoleSessionName", session_name),
    )
    if session_duration:
        attributes += (("Attribute SessionDuration", str(session_duration)),)
    session_arn = result.arn if result and result.arn else role_session_arn(role_arn, session_name)
    messages = [
        Message("browser", "idp", "Signs in at the company's IdP", (("User", subject),)),
        Message(
            "idp",
            "browser",
            "Returns a SAML response: an assertion it signs, in a form the browser posts",
            attributes,
            reply=True,
        ),
        Message(
            "browser",
            "signin",
            "Posts the SAML response to AWS sign-in",
            (("POST", SIGNIN_SAML), ("Form field", "SAMLResponse")),
        ),
        Message(
            "signin",
            "sts",
            "Calls AssumeRoleWithSAML",
            (
                ("RoleArn", role_arn),
                ("PrincipalArn", provider_arn),
                ("SAMLAssertion", "the SAML response, base64-encoded"),
            ),
        ),
        Message(
            "sts",
            "sts",
            "Checks the assertion against the SAML provider (signature, issuer, times, "
            "recipient), the Role attribute, and the role's trust policy",
        ),
        Message(
            "sts",
            "signin",
            "Returns temporary credentials of a role session",
            (("AssumedRoleUser", session_arn),),
            reply=True,
        ),
        Message(
            "signin",
            "browser",
            "Redirects the browser to the AWS Management Console, signed in as the role session",
            (("Session", session_arn),),
            reply=True,
        ),
    ]
    if result is None and issued:
        marked = progress(messages, now=1, next=2)
    else:
        marked = _answered(messages, result, check=4, before=0, then=6)
    return Sequence(
        "How a SAML sign-in travels",
        (
            Participant("browser", "Your browser", subject),
            Participant("idp", "Corporate identity provider", issuer),
            Participant("signin", "AWS sign-in", SIGNIN_SAML),
            Participant("sts", "AWS STS", "AssumeRoleWithSAML"),
        ),
        marked,
        (
            (
                "IAM User Guide: SAML 2.0 federation",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html",
            ),
            (
                "IAM User Guide: SAML 2.0 federated principals in the console",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
                "id_roles_providers_enable-console-saml.html",
            ),
        ),
        note="In AWS the IdP signs the assertion and STS checks that signature with the keys "
        "in the SAML provider's metadata; iamlab compares the Issuer instead.",
    )


# -- web identity (OIDC) ----------------------------------------------------------------------


def web_identity(
    *,
    provider: str,
    role_arn: str,
    session_name: str,
    issuer: str = "",
    subject: str = "",
    audience: str = "",
    result: Answer | None = None,
) -> Sequence:
    """An app or a CI workflow trades the provider's token for a role session."""
    host = _name(provider) if provider.startswith("arn:") else provider
    if provider.startswith("arn:") and "oidc-provider/" in provider:
        host = provider.split("oidc-provider/", 1)[1]
    claims: Values = tuple(
        (k, v) for k, v in (("iss", issuer), ("sub", subject), ("aud", audience)) if v
    )
    session_arn = result.arn if result and result.arn else role_session_arn(role_arn, session_name)
    messages = [
        Message(
            "app",
            "idp",
            "Signs in the person (or the workflow) with the provider",
            (("Provider", host),),
        ),
        Message(
            "idp",
            "app",
            "Returns a token it signs: an OpenID Connect ID token (a JWT) with claims",
            claims,
            reply=True,
        ),
        Message(
            "app",
            "sts",
            "Calls AssumeRoleWithWebIdentity: no AWS credentials needed, the token is the proof",
            (
                ("RoleArn", role_arn),
                ("RoleSessionName", session_name),
                ("WebIdentityToken", "the token"),
            ),
        ),
        Message(
            "sts",
            "idp",
            "Gets the provider's public signing keys (its JWKS) to check the token's signature",
            (("From", f"https://{host}/.well-known/openid-configuration"),),
        ),
        Message(
            "sts",
            "sts",
            "Checks the issuer (an IAM OIDC provider, or one built in to AWS), that the audience "
            "is one of the provider's client IDs, the expiry, and the role's trust policy "
            "(conditions on the token's claims)",
            (("Principal", provider),),
        ),
        Message(
            "sts",
            "app",
            "Returns temporary credentials of a role session",
            (("AssumedRoleUser", session_arn),)
            + ((("SubjectFromWebIdentityToken", subject),) if subject else ())
            + ((("Audience", audience),) if audience else ()),
            reply=True,
        ),
        Message("app", "aws", "Calls AWS with the temporary credentials (key, secret, token)"),
    ]
    return Sequence(
        "How a web identity sign-in travels",
        (
            Participant("app", "Your app or workflow"),
            Participant("idp", "Identity provider", host),
            Participant("sts", "AWS STS", "AssumeRoleWithWebIdentity"),
            Participant("aws", "AWS services"),
        ),
        _answered(messages, result, check=4, before=2, then=5),
        (
            (
                "IAM User Guide: OIDC federation",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html",
            ),
            (
                "AWS STS API: AssumeRoleWithWebIdentity",
                "https://docs.aws.amazon.com/STS/latest/APIReference/"
                "API_AssumeRoleWithWebIdentity.html",
            ),
        ),
        note="The provider signs the token and STS checks the signature with the provider's "
        "keys; iamlab checks the claims only.",
    )


# -- a custom identity broker ------------------------------------------------------------------


def broker(
    *,
    broker_arn: str,
    name: str,
    has_policy: bool,
    duration_seconds: int | None = None,
    sample_action: str = "",
    sample_resource: str = "",
    result: Answer | None = None,
    sample_allowed: bool | None = None,
    sample_why: str = "",
) -> Sequence:
    """A broker (an IAM user) gets a federated user's credentials with GetFederationToken;
    then, if the learner tried one, a call made with them."""
    account = _account(broker_arn)
    federated = (
        result.arn
        if result and result.arn
        else f"arn:aws:sts::{account}:federated-user/{name}"
        if account and name
        else ""
    )
    call: Values = (("Name", name), ("Policy", "a session policy" if has_policy else "none"))
    if duration_seconds:
        call += (("DurationSeconds", str(duration_seconds)),)
    call += (("Signed with", f"the long-term access key of {broker_arn or 'its IAM user'}"),)
    messages = [
        Message("user", "broker", "Signs in with corporate credentials", (("User", name),)),
        Message(
            "broker", "directory", "Checks who the user is (for example, LDAP or Active Directory)"
        ),
        Message("directory", "broker", "The user is authenticated", reply=True),
        Message("broker", "sts", "Calls GetFederationToken", call),
        Message(
            "sts",
            "sts",
            "Checks the broker may call sts:GetFederationToken, the name, the session policy and "
            "the duration",
        ),
        Message(
            "sts",
            "broker",
            "Returns temporary credentials of a federated user",
            (("FederatedUser", federated),) if federated else (),
            reply=True,
        ),
        Message(
            "broker",
            "user",
            "Hands out the temporary credentials (or a console sign-in URL from the federation "
            "endpoint)",
            (("Console", f"{FEDERATION_ENDPOINT}?Action=getSigninToken"),),
            reply=True,
        ),
    ]
    if sample_action:
        messages += [
            Message(
                "user",
                "aws",
                "Makes a call with the temporary credentials",
                (("Action", sample_action), ("Resource", sample_resource or "*")),
            ),
            Message(
                "aws",
                "user",
                "Allows it only if the broker's policies and the session policy both do",
                reply=True,
            ),
        ]
    if result is not None and result.ok and sample_action and sample_allowed is not None:
        last = len(messages) - 1
        if sample_allowed:
            messages[last] = replace(
                messages[last],
                text="Allowed: both the broker's policies and the session policy allow it",
            )
            marked = progress(messages, now=last)
        else:
            messages[last] = replace(messages[last], text="Denied")
            marked = progress(messages, refused=last, why=sample_why)
    else:
        marked = _answered(messages, result, check=4, before=3, then=6)
    return Sequence(
        "How a custom identity broker works",
        (
            Participant("user", "Corporate user", name),
            Participant("broker", "Identity broker", broker_arn),
            Participant("directory", "Corporate directory"),
            Participant("sts", "AWS STS", "GetFederationToken"),
            Participant("aws", "AWS services"),
        ),
        marked,
        (
            (
                "IAM User Guide: federated users (a custom identity broker)",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
                "id_roles_common-scenarios_federated-users.html",
            ),
            (
                "IAM User Guide: custom identity broker access to the console",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
                "id_roles_providers_enable-console-custom-url.html",
            ),
        ),
    )


# -- the IAM Identity Center access portal -------------------------------------------------------


def portal(
    *,
    user_name: str = "",
    assignments: int | None = None,
    account: str = "",
    permission_set: str = "",
    role_arn: str = "",
    provider_arn: str = "",
    result: Answer | None = None,
) -> Sequence:
    """Sign in to the access portal, see the assignments, open a session of one."""
    session_arn = (
        result.arn
        if result and result.arn
        else role_session_arn(role_arn, user_name)
        if role_arn
        else ""
    )
    chosen: Values = tuple(
        (k, v) for k, v in (("Account", account), ("Permission set", permission_set)) if v
    )
    call: Values = tuple(
        (k, v)
        for k, v in (
            ("RoleArn", role_arn or "the AWSReservedSSO_ role of the permission set"),
            ("PrincipalArn", provider_arn or "Identity Center's SAML provider in the account"),
            ("RoleSessionName", user_name),
        )
        if v
    )
    messages = [
        Message(
            "browser",
            "portal",
            "Signs in once: user name, password and MFA",
            (("User", user_name),) if user_name else (),
        ),
        Message(
            "portal",
            "browser",
            "Shows the AWS accounts and permission sets assigned to the user",
            (("Assignments", str(assignments)),) if assignments is not None else (),
            reply=True,
        ),
        Message("browser", "portal", "Chooses an account and a permission set", chosen),
        Message(
            "portal",
            "sts",
            "Federates the user into the account with a SAML assertion: AssumeRoleWithSAML",
            call,
        ),
        Message(
            "sts",
            "sts",
            "Checks the assertion and the role's trust policy, which trusts Identity Center's "
            "SAML provider",
        ),
        Message(
            "sts",
            "portal",
            "Returns temporary credentials of a role session",
            (("AssumedRoleUser", session_arn),) if session_arn else (),
            reply=True,
        ),
        Message(
            "portal",
            "browser",
            "Opens the console as the role session (or shows access keys for the CLI)",
            reply=True,
        ),
    ]
    if result is None and not user_name:
        marked = progress(messages, next=0)
    elif result is None and assignments == 0:
        marked = progress(
            messages, refused=1, why=f"{user_name} has no account assigned: the portal is empty."
        )
    elif result is None:
        marked = progress(messages, now=1, next=2)
    else:
        marked = _answered(messages, result, check=4, before=2, then=6)
    return Sequence(
        "How an access portal sign-in travels",
        (
            Participant("browser", "You, in a browser", user_name),
            Participant("portal", "AWS access portal", "IAM Identity Center"),
            Participant("sts", "AWS STS", "AssumeRoleWithSAML"),
        ),
        marked,
        (
            (
                "IAM Identity Center User Guide: the AWS access portal",
                "https://docs.aws.amazon.com/singlesignon/latest/userguide/using-the-portal.html",
            ),
            (
                "IAM Identity Center Portal API: GetRoleCredentials",
                "https://docs.aws.amazon.com/singlesignon/latest/PortalAPIReference/"
                "API_GetRoleCredentials.html",
            ),
        ),
        note="For the CLI, the portal's GetRoleCredentials returns the same role's short-term "
        "credentials.",
    )


# -- an application on EC2 and the instance metadata service -------------------------------------


def ec2(
    *,
    launcher: str = "",
    profile: str = "",
    role_arn: str = "",
    instance_id: str = "",
    region: str = "",
    launch_refused: str = "",
    no_credentials: str = "",
    credentials: bool = False,
    fetched: bool = False,
    action: str = "",
    resource: str = "",
    call_allowed: bool | None = None,
    call_why: str = "",
) -> Sequence:
    """Launch with an instance profile; EC2 gets the role's credentials; the application reads
    them from IMDS (v2) and calls AWS."""
    role_name = _name(role_arn) if role_arn else "ROLE-NAME"
    instance = instance_id or "i-..."
    base = f"http://{IMDS_HOST}/latest"
    messages = [
        Message(
            "you",
            "ec2",
            "RunInstances with an instance profile (needs ec2:RunInstances and iam:PassRole on "
            "its role)",
            tuple((k, v) for k, v in (("IamInstanceProfile", profile), ("Region", region)) if v),
        ),
        Message(
            "ec2",
            "sts",
            "Assumes the profile's role for the instance, as ec2.amazonaws.com",
            (("RoleArn", role_arn or "the profile's role"), ("RoleSessionName", instance)),
        ),
        Message(
            "sts",
            "imds",
            "Temporary credentials, which EC2 serves to the instance through its metadata service",
            (("Session", role_session_arn(role_arn, instance)),) if role_arn else (),
            reply=True,
        ),
        Message(
            "app",
            "imds",
            "IMDSv2: asks for a session token",
            (
                ("PUT", f"{base}/api/token"),
                ("X-aws-ec2-metadata-token-ttl-seconds", str(IMDS_TOKEN_TTL)),
            ),
        ),
        Message("imds", "app", "Returns the token (valid up to six hours)", reply=True),
        Message(
            "app",
            "imds",
            "Asks for the role's credentials, with the token",
            (
                ("GET", f"{base}/meta-data/iam/security-credentials/{role_name}"),
                ("X-aws-ec2-metadata-token", "$TOKEN"),
            ),
        ),
        Message(
            "imds",
            "app",
            "Returns AccessKeyId, SecretAccessKey, Token and Expiration (renewed before they "
            "expire)",
            reply=True,
        ),
        Message(
            "app",
            "aws",
            "Calls AWS, signed with the role's credentials",
            tuple((k, v) for k, v in (("Action", action), ("Resource", resource)) if v),
        ),
        Message("aws", "app", "Allowed or denied by the role's policies", reply=True),
    ]
    if launch_refused:
        marked = progress(messages, refused=0, why=launch_refused)
    elif not instance_id:
        marked = progress(messages, next=0)
    elif no_credentials:
        marked = progress(messages, refused=1, refused_through=2, why=no_credentials)
    elif action and call_allowed is not None:
        last = len(messages) - 1
        if call_allowed:
            messages[last] = replace(messages[last], text="Allowed by the role's policies")
            marked = progress(messages, now=last)
        else:
            messages[last] = replace(messages[last], text="Denied")
            marked = progress(messages, refused=last, why=call_why)
    elif credentials and fetched:
        marked = progress(messages, now=6, next=7)
    elif credentials:
        marked = progress(messages, now=2, next=3)
    else:
        marked = progress(messages, next=3)
    return Sequence(
        "How the application on the instance gets its credentials",
        (
            Participant("you", "You", launcher),
            Participant("ec2", "Amazon EC2", region),
            Participant("sts", "AWS STS", role_name if role_arn else ""),
            Participant("imds", "Instance metadata service", IMDS_HOST),
            Participant("app", "Application on the instance", instance_id),
            Participant("aws", "AWS services"),
        ),
        marked,
        (
            (
                "IAM User Guide: a role for applications on EC2",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html",
            ),
            (
                "EC2 User Guide: retrieve instance metadata (IMDSv2)",
                "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html",
            ),
        ),
    )
