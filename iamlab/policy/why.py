"""Why a request was denied, down to the condition, and what would change the answer.

:func:`evaluate` asks this module only when it explains a decision; :func:`decide` never does.
Three things come out of it, all worked out from the statement traces, never written per case:

* **the deciding conditions** of an explicit Deny: the conditions that made the Deny apply,
  each with the policy's values and the request's value;
* **near misses** of an implicit deny: Allow statements of the layer that said no which match
  the request on all but one or two of its elements (action, resource, principal, conditions),
  ranked closest first, each with what is missing;
* **what would change the answer**, in a learner's words ("sign in with MFA", "call from
  10.0.0.0/8"), taken from the near misses, or from the deciding layer when there are none.

What AWS puts in the request for each kind of caller comes from the global condition keys page
(reference_policies_condition-keys) and the IAM and STS keys page
(reference_policies_iam-condition-keys).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .conditions import Condition, ConditionTrace, join_or
from .conditions.date import parse_date
from .conditions.ip import is_private_network, parse_network
from .model import Policy, ResourceEntry, Statement
from .request import Caller, PrincipalKind, Request

if TYPE_CHECKING:
    from .evaluate import PolicySet, StatementTrace

__all__ = [
    "Identity",
    "Miss",
    "NearMiss",
    "condition_change",
    "deny_changes",
    "key_note",
    "near_misses",
    "not_principal_change",
    "not_principal_reading",
    "principal_ref",
    "statement_place",
]

# How many near misses an explanation keeps, and how many elements a statement may miss.
KEEP = 3
MAX_MISSES = 2


def statement_place(statement: Statement, policy_label: str) -> str:
    """ "Statement 1 (AllowOps) of OpsTrust, line 4": where a learner finds the statement."""
    where = f"{statement.label} of {policy_label}"
    if statement.location is not None:
        where += f", line {statement.location.line}"
    return where


# --- NotPrincipal ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """One identity AWS evaluates a request for against a NotPrincipal (the account, the role,
    the caller itself), and whether the NotPrincipal lists it (evaluate.not_principal_identities).
    """

    kind: str  # account | role | self | the service | the identity provider
    arn: str
    listed: bool


def _named(identity: Identity, caller: Caller, with_arn: bool) -> str:
    if identity.kind == "account":
        return f"its account ({identity.arn})" if with_arn else f"account {caller.account}"
    if identity.kind == "role":
        return f"its role ({identity.arn})" if with_arn else f"role {caller.name}"
    who = caller.describe()
    if identity.kind == "self" and with_arn and caller.kind is not PrincipalKind.USER:
        return f"{who} itself ({identity.arn})"
    return who


_SHORT = {"account": "the account", "role": "the role"}


def not_principal_reading(
    effect: str,
    caller: Caller,
    anyone: bool,
    identities: Sequence[Identity],
    boundary_rule: bool,
    applies: bool,
) -> str:
    """How a NotPrincipal was read for the caller: whom it leaves out, and, when the statement
    applies, which of the caller's identities it does not list (reference_policies_elements_
    notprincipal). ``boundary_rule``: a Deny, and the caller has a permissions boundary."""
    who = caller.describe()
    if not applies:
        if anyone:
            return 'NotPrincipal "*" leaves out every principal, so the statement applies to none'
        shown = ", ".join(i.arn for i in identities)
        return (
            f"NotPrincipal leaves out {who}: it lists every identity AWS evaluates the request "
            f"for ({shown})"
        )
    if boundary_rule:
        return (
            f"a Deny with NotPrincipal always applies to a principal that has a permissions "
            f"boundary, whatever NotPrincipal lists, and {who} has one"
        )
    listed = [i for i in identities if i.listed]
    missing = [i for i in identities if not i.listed]
    if not missing:  # an anonymous caller: only "*" leaves it out
        return f'its NotPrincipal leaves out {who} only with "*", so the {effect} applies'
    if not listed:
        return f"its NotPrincipal does not list {who}, so the {effect} applies to it"
    short = _SHORT.get(missing[0].kind, "it") if len(missing) == 1 else "each of these"
    left_out = _join_and([_named(i, caller, False) for i in listed])
    not_left_out = _join_and([_named(i, caller, True) for i in missing])
    return (
        f"its NotPrincipal leaves out {left_out} but not {not_left_out}; AWS evaluates the "
        f"request for {short} too, so the {effect} applies to {who}"
    )


def _join_and(values: Sequence[str]) -> str:
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


def not_principal_change(
    caller: Caller, identities: Sequence[Identity], boundary_rule: bool, place: str
) -> str:
    """What keeps a Deny with NotPrincipal from applying to the caller ("" if nothing can)."""
    if boundary_rule:
        principal_arn = caller.principal_arn or caller.arn
        return (
            f'replace the NotPrincipal of {place} with "Principal": "*" and the condition '
            f'"ArnNotEquals": {{"aws:PrincipalArn": "{principal_arn}"}}: a Deny with '
            f"NotPrincipal always applies to a principal that has a permissions boundary"
        )
    missing = [i.arn for i in identities if not i.listed]
    if not missing or not identities:
        return ""
    return (
        f"add {' and '.join(missing)} to the NotPrincipal of {place}, so the Deny leaves out "
        f"{caller.describe()}"
    )


# --- what AWS puts in the request ----------------------------------------------------------


def key_note(trace: ConditionTrace, caller: Caller) -> str:
    """Whether AWS sets the condition's key for this kind of caller, when that explains the
    request's value ("" when there is nothing useful to say)."""
    key = trace.key.lower()
    absent = trace.request_values is None
    kind = caller.kind
    if key == "aws:multifactorauthpresent":
        if absent and kind is PrincipalKind.USER:
            # The access check asks as the user's own request: one signed with its long-term
            # keys. A learner whose user only signs in to the console needs to know that.
            return (
                "a request made directly as an IAM user is signed with its long-term access "
                "keys (the CLI or an SDK), and AWS leaves aws:MultiFactorAuthPresent out of "
                "those; it is true only in a console session signed in with MFA, or with "
                "temporary credentials obtained with MFA"
            )
        if absent:
            return (
                "AWS sets aws:MultiFactorAuthPresent for temporary credentials, true only "
                "when MFA was used to get them"
            )
        if trace.request_values == ("false",):
            return "false means these credentials were issued without MFA"
        return ""
    if key == "aws:multifactorauthage" and absent:
        return "AWS sets aws:MultiFactorAuthAge only for credentials obtained with MFA"
    if key == "sts:externalid" and absent:
        return "AWS sets sts:ExternalId only when the caller passes an external ID to AssumeRole"
    if key in ("sts:sourceidentity", "aws:sourceidentity") and absent:
        return "it is set only when a source identity is passed when assuming the role"
    if key == "aws:sourceip" and absent:
        return (
            "AWS sets aws:SourceIp from the caller's IP address; a call an AWS service "
            "makes on the caller's behalf has none"
        )
    if key.startswith("aws:principaltag/") and absent:
        return f"{caller.describe()} has no tag {trace.key.split('/', 1)[1]}"
    if key.startswith("aws:resourcetag/") and absent:
        return f"the resource has no tag {trace.key.split('/', 1)[1]}"
    if key.startswith("aws:requesttag/") and absent:
        return f"the request passes no tag {trace.key.split('/', 1)[1]}"
    if key == "aws:principalorgid" and absent:
        return "AWS sets aws:PrincipalOrgID only when the caller's account is in an organization"
    if key in ("aws:sourcevpce", "aws:sourcevpc") and absent:
        return f"AWS sets {trace.key} only for calls made through a VPC endpoint"
    if key.startswith("saml:") and absent:
        return f"{trace.key} comes from the SAML assertion, and it carried no such value"
    if _is_web_identity_key(key) and absent:
        return f"{trace.key} comes from the web identity token's claims, and it had none"
    return ""


def _case_note(trace: ConditionTrace) -> str:
    """StringEquals is case-sensitive: say so when only the letter case differs."""
    condition = trace.condition
    if (
        condition is None
        or condition.operator.spec.name != "StringEquals"
        or not trace.request_values
    ):
        return ""
    wanted = {v.lower(): v for v in trace.policy_values}
    for value in trace.request_values:
        if value.lower() in wanted and value not in trace.policy_values:
            return (
                f"StringEquals tells letter case apart: {value} is not {wanted[value.lower()]}; "
                f"StringEqualsIgnoreCase would match"
            )
    return ""


def _is_web_identity_key(key: str) -> bool:
    prefix, _, claim = key.rpartition(":")
    return bool(prefix) and ("." in prefix or "/" in prefix) and claim in ("sub", "aud", "amr")


# --- what would make a condition hold (or fail) -------------------------------------------


def _wanted(trace: ConditionTrace, hold: bool) -> tuple[bool, tuple[str, ...]] | None:
    """(positive, values): what the key must be for the condition to end up ``hold``;
    positive means "one of values", negative "none of them". None for comparisons."""
    condition = trace.condition
    if condition is None:
        return None
    spec = condition.operator.spec
    if spec.test in ("lt", "le", "gt", "ge", "null"):
        return None
    if spec.test == "bool":
        want = {v.strip().lower() for v in trace.policy_values}
        if len(want) != 1:
            return None
        value = want.pop()
        if not hold:
            value = "false" if value == "true" else "true"
        return True, (value,)
    positive = not spec.negated
    if not hold:
        positive = not positive
    return positive, trace.policy_values


def condition_change(trace: ConditionTrace, caller: Caller, hold: bool = True) -> str:
    """In a learner's words, what would make the condition ``hold`` (an Allow's condition) or
    fail (``hold=False``: a Deny's condition)."""
    condition = trace.condition
    if (
        condition is not None
        and not condition.has_variables
        and condition.key_lower not in ("aws:currenttime", "aws:epochtime")
    ):
        # The words depend on the condition and the caller only: written once for both.
        return _static_change(condition, trace, caller, hold)
    return _change(trace, caller, hold)


# By the identities of the condition and the caller (hashing a Caller's fields costs more than
# the words), each kept with its objects so that a reused id is never taken for them.
_CHANGES: dict[tuple[int, int, bool], tuple[Condition, Caller, str]] = {}


def _static_change(condition: Condition, trace: ConditionTrace, caller: Caller, hold: bool) -> str:
    key = (id(condition), id(caller), hold)
    found = _CHANGES.get(key)
    if found is None or found[0] is not condition or found[1] is not caller:
        if len(_CHANGES) >= 8192:
            _CHANGES.clear()
        found = (condition, caller, _change(trace, caller, hold))
        _CHANGES[key] = found
    return found[2]


def _change(trace: ConditionTrace, caller: Caller, hold: bool) -> str:
    key = trace.key.lower()
    if key == "aws:tagkeys":
        tag_keys = _tag_keys(trace, hold)
        if tag_keys:
            return tag_keys
    wanted = _wanted(trace, hold)
    if wanted is not None:
        positive, values = wanted
        shown = join_or(values)
        advice = _ADVICE.get(key)
        if advice is None:
            for prefix, found in _PREFIX_ADVICE:
                if key.startswith(prefix) or (prefix == "oidc" and _is_web_identity_key(key)):
                    advice = found
                    break
        if advice is not None:
            text = advice(trace.key, positive, values, shown, caller)
            if text:
                return text
    compared = _compared(trace, hold)
    if compared:
        return compared
    if hold:
        return f"meet the condition: {trace.rule}"
    return f"keep the Deny's condition from holding (it says {trace.rule})"


# A comparison turned around: what the key must be for a Deny's condition not to hold.
_OPPOSITE = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}
_WHEN = {"lt": "before", "le": "at or before", "gt": "after", "ge": "at or after"}


def _tag_keys(trace: ConditionTrace, hold: bool) -> str:
    """aws:TagKeys: the tag keys a request passes (reference_policies_condition-keys)."""
    condition = trace.condition
    if condition is None or condition.operator.spec.test not in ("eq", "eq_ci", "like"):
        return ""
    listed = join_or(list(trace.policy_values))
    positive = not condition.operator.spec.negated
    set_op = condition.operator.set_op
    if set_op == "ForAnyValue" and positive:
        return f"pass a tag key {listed}" if hold else f"pass no tag key {listed}"
    if set_op == "ForAllValues" and positive:
        return f"pass only tag keys {listed}" if hold else f"pass a tag key other than {listed}"
    if set_op == "ForAllValues" and not positive:
        return f"pass no tag key {listed}" if hold else f"pass a tag key {listed}"
    return ""


def _compared(trace: ConditionTrace, hold: bool) -> str:
    """Advice for a date or number the caller controls by when it acts: the request time, and
    how long ago it signed in with MFA (reference_policies_condition-keys)."""
    condition = trace.condition
    if condition is None or len(trace.policy_values) != 1:
        return ""
    test = condition.operator.spec.test
    if test not in _OPPOSITE:
        return ""
    want = test if hold else _OPPOSITE[test]
    value = trace.policy_values[0]
    key = trace.key.lower()
    if key in ("aws:currenttime", "aws:epochtime"):
        now = parse_date(trace.request_values[0]) if trace.request_values else None
        then = parse_date(value)
        if now is not None and then is not None and want in ("lt", "le") and then <= now:
            # The request time only moves forward: the policy has to change.
            return (
                f"change the date in the policy: it asks for a request {_WHEN[want]} {value}, "
                f"and that time has passed"
            )
        return f"make the request {_WHEN[want]} {value}"
    if key == "aws:multifactorauthage" and want in ("lt", "le"):
        return (
            f"sign in with MFA again: the MFA sign-in must be "
            f"{'less than' if want == 'lt' else 'at most'} {value} seconds old"
        )
    return ""


Advice = Callable[[str, bool, Sequence[str], str, Caller], str]


def _mfa(key: str, positive: bool, values: Sequence[str], shown: str, caller: Caller) -> str:
    wants_mfa = positive == ("true" in values)
    if not wants_mfa:
        return ""
    if caller.kind is PrincipalKind.USER:
        return (
            "sign in with MFA (in the console), or call with temporary credentials obtained "
            "with MFA (GetSessionToken with --serial-number and --token-code)"
        )
    return "sign in with MFA, or pass --serial-number and --token-code when you call AssumeRole"


def _one_of(verb: str, other: str) -> Advice:
    def advice(key: str, positive: bool, values: Sequence[str], shown: str, _c: Caller) -> str:
        if positive:
            return f"{verb} {shown}"
        return f"{other} {', '.join(values)}"

    return advice


def _tag(where: str) -> Advice:
    def advice(key: str, positive: bool, values: Sequence[str], shown: str, c: Caller) -> str:
        tag = key.split("/", 1)[1]
        target = c.describe() if where == "principal" else where
        if where == "the request":
            if positive:
                return f"pass the tag {tag} = {shown} in the request"
            return f"pass no {tag} tag, or one other than {', '.join(values)}, in the request"
        if positive:
            return f"tag {target} with {tag} = {shown}"
        return f"give {target} a {tag} tag other than {', '.join(values)}, or none"

    return advice


def _principal_arn(positive: bool, values: Sequence[str], shown: str) -> str:
    if any("*" in v or "?" in v for v in values):
        if positive:
            return f"call as a principal whose ARN matches {shown}"
        return f"call as a principal whose ARN matches none of {', '.join(values)}"
    return f"call as {shown}" if positive else f"call as someone other than {', '.join(values)}"


def _source_ip(positive: bool, values: Sequence[str], shown: str) -> str:
    private = [v for v in values if (n := parse_network(v)) is not None and is_private_network(n)]
    if positive and private and len(private) == len(values):
        # reference_policies_condition-keys: aws:SourceIp is the public address; a private one
        # never appears in it, so no call can meet this condition.
        return (
            f"change the condition, not the call: aws:SourceIp is the caller's public address, "
            f"never a private one such as {shown}, so no call meets it; for addresses inside a "
            f"VPC, use aws:VpcSourceIp"
        )
    return f"call from {shown}" if positive else f"call from an address outside {', '.join(values)}"


def _claim(key: str, positive: bool, values: Sequence[str], shown: str, _c: Caller) -> str:
    claim = key.rpartition(":")[2]
    if positive:
        return f"sign in with a web identity token whose {claim} claim matches {shown}"
    return f"sign in with a web identity token whose {claim} claim is not {shown}"


def _saml(key: str, positive: bool, values: Sequence[str], shown: str, _c: Caller) -> str:
    attribute = key.split(":", 1)[1]
    if positive:
        return f"sign in with a SAML assertion whose {attribute} is {shown}"
    return f"sign in with a SAML assertion whose {attribute} is not {shown}"


_ADVICE: dict[str, Advice] = {
    "aws:multifactorauthpresent": _mfa,
    "sts:externalid": _one_of(
        "pass the external ID the role expects:", "pass an external ID other than"
    ),
    "aws:sourceip": lambda k, p, v, s, c: _source_ip(p, v, s),
    "aws:requestedregion": _one_of("make the call in", "make the call in a region other than"),
    "aws:securetransport": lambda k, p, v, s, c: (
        "call over HTTPS" if p == ("true" in v) else "call without TLS"
    ),
    "aws:viaawsservice": lambda k, p, v, s, c: (
        "have an AWS service make the call on your behalf (for example CloudFormation)"
        if p == ("true" in v)
        else "make the call yourself, not through an AWS service"
    ),
    "aws:principalorgid": _one_of(
        "call from an account in organization", "call from outside organization"
    ),
    "aws:principalaccount": _one_of("call from account", "call from an account other than"),
    "aws:principalarn": lambda k, p, v, s, c: _principal_arn(p, v, s),
    "aws:sourcevpce": _one_of("call through VPC endpoint", "call through an endpoint other than"),
    "aws:sourcevpc": _one_of("call from VPC", "call from outside VPC"),
    "sts:sourceidentity": _one_of(
        "set the source identity when you assume the role to", "set a source identity other than"
    ),
    "aws:sourceidentity": _one_of(
        "use a session whose source identity is", "use a session whose source identity is not"
    ),
    "sts:rolesessionname": _one_of("name the session", "name the session something other than"),
}
_PREFIX_ADVICE: tuple[tuple[str, Advice], ...] = (
    ("aws:principaltag/", _tag("principal")),
    ("aws:resourcetag/", _tag("the resource")),
    ("aws:requesttag/", _tag("the request")),
    ("saml:", _saml),
    ("oidc", _claim),
)


# --- near misses ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Miss:
    """One element of a statement that does not fit the request."""

    element: str  # action | resource | principal | condition
    text: str  # what does not fit, in words
    change: str  # what would make it fit, in a learner's words
    condition: ConditionTrace | None = None
    note: str = ""  # whether AWS sets the key for this caller


@dataclass(frozen=True)
class NearMiss:
    """An Allow statement that fits the request on all but one or two elements. What each
    element misses is put in words on first use: a reason needs only the closest one's."""

    layer: str
    layer_label: str
    policy_label: str
    policy: Policy
    statement: Statement
    gaps: tuple[Gap, ...] = field(repr=False)
    trace: StatementTrace = field(repr=False, compare=False)
    request: Request = field(repr=False, compare=False)

    @functools.cached_property
    def misses(self) -> tuple[Miss, ...]:
        return _misses(self.trace, self.gaps, self.request)

    @property
    def place(self) -> str:
        return statement_place(self.statement, self.policy_label)

    @property
    def conditions(self) -> tuple[ConditionTrace, ...]:
        """The conditions it fails, as traced against the request."""
        return tuple(m.condition for m in self.misses if m.condition is not None)

    @property
    def elements(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(element for element, _ in self.gaps))

    @property
    def details(self) -> str:
        """What each missed element lacks, with what AWS sets for the caller."""
        parts = []
        for miss in self.misses:
            text = miss.text
            if miss.note:
                text += f" ({miss.note})"
            parts.append(text)
        return "; ".join(parts)

    @property
    def sentence(self) -> str:
        """ "Statement 1 of OpsTrust, line 4, fits the request except for its condition:
        aws:MultiFactorAuthPresent must be true (Bool), but the request has none." """
        what = join_or(list(self.elements)).replace(" or ", " and ")
        return f"{self.place} fits the request except for its {what}: {self.details}"

    @property
    def changes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.change for m in self.misses))


_ORDER = {"condition": 0, "principal": 1, "resource": 2, "action": 3}


def principal_ref(caller: Caller) -> str:
    """The ARN a Principal element names this caller by (a role session: its role)."""
    if caller.kind is PrincipalKind.ROLE_SESSION and caller.issuer_arn:
        return caller.issuer_arn
    return caller.arn


@functools.lru_cache(maxsize=4096)
def _services(patterns: tuple[str, ...]) -> frozenset[str]:
    """The service prefixes an Action element names ("*" for a bare wildcard)."""
    return frozenset(p.split(":", 1)[0].lower() for p in patterns)


# How strongly a Principal element names the caller (evaluate.principal_grant).
Grant = Callable[..., int]


# One element a statement misses: its name, and for a condition how it met the request.
Gap = tuple[str, ConditionTrace | None]


def _gaps(
    ps: PolicySet, trace: StatementTrace, request: Request, principal_layer: bool, grant_of: Grant
) -> tuple[Gap, ...] | None:
    """Every element of the statement that does not fit, or None if more than MAX_MISSES do.
    Only the facts: the words are written for the near misses that are kept."""
    statement = trace.statement
    gaps: list[Gap] = []
    if not trace.action_matched:
        gaps.append(("action", None))
    resource = statement.resource
    if resource is not None and not resource.matches(request.resource, request.scalar):
        gaps.append(("resource", None))
    if (
        principal_layer
        and statement.principal is not None
        and not grant_of(
            statement.principal,
            request.caller,
            request,
            not statement.is_allow and ps.boundary is not None,
        )
    ):
        gaps.append(("principal", None))
    if len(gaps) > MAX_MISSES:
        return None
    if len(gaps) == MAX_MISSES:
        # A failing condition would make a third miss: the quick check is enough.
        return tuple(gaps) if statement.conditions_hold(request.get) else None
    if trace.conditions:
        gaps.extend(("condition", c) for c in trace.conditions if not c.result)
    else:
        # Not traced (the action or the resource did not fit): explain only what fails.
        get = request.get
        gaps.extend(
            ("condition", c.explain(get)) for c in statement.conditions if not c.evaluate(get)
        )
    if not gaps or len({element for element, _ in gaps}) > MAX_MISSES:
        return None
    return tuple(gaps)


def _filled_for_caller(entries: Sequence[ResourceEntry], request: Request) -> str:
    """What each Resource entry with a policy variable names for this request ("" if none
    has one): "arn:aws:s3:::b/home/${aws:username}/* is arn:aws:s3:::b/home/alice/* here", or
    that it matches nothing when a variable has no value and no default."""
    said: list[str] = []
    for entry in entries:
        if not entry.template.has_variables:
            continue
        pieces, missing = entry.template.resolve(request.scalar)
        if pieces is None:
            keys = ", ".join(missing)
            said.append(f"{entry.text} matches nothing here: the request has no {keys}")
        else:
            said.append(f"{entry.text} is {''.join(text for text, _ in pieces)} here")
    return "; ".join(said)


def _misses(trace: StatementTrace, gaps: tuple[Gap, ...], request: Request) -> tuple[Miss, ...]:
    """The gaps of a kept near miss, in words, each with what would close it."""
    statement = trace.statement
    caller = request.caller
    place = statement_place(statement, trace.policy_label)
    misses: list[Miss] = []
    for element, condition in gaps:
        if element == "action":
            if statement.action.negated:
                listed = statement.action.matching_patterns(request.action_lower)
                text, change = _excluded("NotAction", request.action, listed, place)
            else:
                text = f"its Action does not cover {request.action}"
                change = f"add {request.action} to the Action of {place}"
            if trace.policy.aws_managed:
                change = _attach(trace, request)
            misses.append(Miss("action", text, change))
        elif element == "resource":
            resource = statement.resource
            assert resource is not None
            if resource.negated:
                listed = tuple(
                    e.text for e in resource.entries if e.matches(request.resource, request.scalar)
                )
                text, change = _excluded("NotResource", request.resource, listed, place)
            else:
                text = f"its Resource does not cover {request.resource}"
                change = f"add {request.resource} to the Resource of {place}"
                filled = _filled_for_caller(resource.entries, request)
                if filled:
                    # A per-caller ARN: show what it became, and that a fixed ARN beside it
                    # reaches further than this caller (reference_policies_variables).
                    text += f" ({filled})"
                    change += (
                        ": every principal the policy applies to would then reach it, not only "
                        "the one its policy variables name"
                    )
            if trace.policy.aws_managed:
                change = _attach(trace, request)
            misses.append(Miss("resource", text, change))
        elif element == "principal":
            assert statement.principal is not None
            who = caller.describe()
            if statement.principal.negated:
                text = f"its NotPrincipal lists {who}"
                change = f"take {who} out of the NotPrincipal of {place}"
            elif caller.account and request.cross_account:
                text = f"its Principal does not name {who}"
                change = (
                    f"add {principal_ref(caller)} (or account {caller.account}) to the "
                    f"Principal of {place}"
                )
            elif caller.account and caller.kind is not PrincipalKind.ROOT:
                text = f"its Principal does not name {who}"
                change = (
                    f"add {principal_ref(caller)} to the Principal of {place} (naming account "
                    f"{caller.account} instead would also need an identity-based policy of "
                    f"{who} that allows {request.action})"
                )
            elif caller.kind is PrincipalKind.ANONYMOUS:
                text = 'its Principal does not name everyone ("*")'
                change = (
                    f'add "*" to the Principal of {place}: that makes it public, open to anyone '
                    f"on the internet"
                )
            else:
                text = f"its Principal does not name {who}"
                change = f"name {who} in the Principal of {place}"
            misses.append(Miss("principal", text, change))
        else:
            assert condition is not None
            misses.append(
                Miss(
                    "condition",
                    condition.words,
                    condition_change(condition, caller),
                    condition,
                    key_note(condition, caller) or _case_note(condition),
                )
            )
    return tuple(misses)


def _excluded(element: str, value: str, listed: Sequence[str], place: str) -> tuple[str, str]:
    """A NotAction or NotResource that lists the request's value, or a wildcard covering it."""
    if not listed or list(listed) == [value]:
        return (
            f"its {element} lists {value}",
            f"take {value} out of the {element} of {place}",
        )
    shown = join_or(list(listed)).replace(" or ", " and ")
    return (
        f"its {element} lists {shown}, which covers {value}",
        f"narrow the {element} of {place} so that it no longer covers {value} (it lists {shown})",
    )


def _attach(trace: StatementTrace, request: Request) -> str:
    """An AWS managed policy cannot be edited: the change is another policy."""
    return (
        f"attach to {request.caller.describe()} a policy that allows {request.action} on "
        f"{request.resource} ({trace.policy_label} is AWS managed and cannot be edited)"
    )


def _candidates(
    ps: PolicySet, i: int, request: Request, layer_traces: Sequence[StatementTrace]
) -> tuple[int, ...]:
    """Where, in a layer's traces, the Allow statements are that can be near misses for the
    request's action: those that cover it, and those of its service (or NotAction) that do
    not. The same for every request with that action, so it is worked out once."""
    key = (i, request.action_lower)
    found = ps.near_candidates.get(key)
    if found is None:
        service = request.service
        positions = []
        for position, trace in enumerate(layer_traces):
            statement = trace.statement
            if not statement.is_allow:
                continue
            if not trace.action_matched and not statement.action.negated:
                services = _services(statement.action.patterns)
                if service not in services and "*" not in services:
                    continue
            positions.append(position)
        found = tuple(positions)
        if len(ps.near_candidates) >= ps.CACHE_SIZE:
            ps.near_candidates.clear()
        ps.near_candidates[key] = found
    return found


def near_misses(
    ps: PolicySet,
    request: Request,
    traces: dict[int, tuple[StatementTrace, ...]],
    layer_indexes: Sequence[int],
    grant_of: Grant,
) -> tuple[NearMiss, ...]:
    """The Allow statements of the given layers that come closest to allowing the request."""
    found: list[tuple[tuple[int, int, int, int], StatementTrace, tuple[Gap, ...]]] = []
    for rank, i in enumerate(layer_indexes):
        principal_layer = ps.layers[i].kind in ("resource", "rcp")
        layer_traces = traces[i]
        for position in _candidates(ps, i, request, layer_traces):
            trace = layer_traces[position]
            if trace.matched:
                continue
            gaps = _gaps(ps, trace, request, principal_layer, grant_of)
            if gaps is None:
                continue
            elements = {element for element, _ in gaps}
            key = (len(elements), min(_ORDER[e] for e in elements), rank, position)
            found.append((key, trace, gaps))
    found.sort(key=lambda item: item[0])
    return tuple(
        NearMiss(
            trace.layer,
            trace.layer_label,
            trace.policy_label,
            trace.policy,
            trace.statement,
            gaps,
            trace,
            request,
        )
        for _, trace, gaps in found[:KEEP]
    )


def deny_changes(conditions: Sequence[ConditionTrace], caller: Caller) -> tuple[str, ...]:
    """What would keep an explicit Deny from applying: failing any one of its conditions."""
    return tuple(dict.fromkeys(condition_change(c, caller, hold=False) for c in conditions))
