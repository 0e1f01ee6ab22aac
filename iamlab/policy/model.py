"""Parsed policies: immutable statements with their source positions, compiled for matching."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .conditions import Condition, ContextGet
from .findings import Finding, Location, Severity
from .jsonsource import Source, Span
from .variables import Template, parse_template
from .wildcards import action_regex, resource_pattern, resource_regex

__all__ = [
    "ActionSpec",
    "Effect",
    "Policy",
    "PolicyType",
    "PrincipalSpec",
    "ResourceEntry",
    "ResourceSpec",
    "Statement",
]


class PolicyType(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]

    @property
    def has_principal(self) -> bool:
        """Resource-based policies (trust policies included) and RCPs name principals."""
        return self in (PolicyType.RESOURCE, PolicyType.TRUST, PolicyType.RCP)

    @property
    def is_iam(self) -> bool:
        """Documents stored by IAM itself, which applies IAM's stricter grammar."""
        return self in (PolicyType.IDENTITY, PolicyType.BOUNDARY, PolicyType.TRUST)


_TYPE_LABELS = {
    PolicyType.IDENTITY: "identity-based policy",
    PolicyType.RESOURCE: "resource-based policy",
    PolicyType.TRUST: "role trust policy",
    PolicyType.BOUNDARY: "permissions boundary",
    PolicyType.SESSION: "session policy",
    PolicyType.SCP: "service control policy (SCP)",
    PolicyType.RCP: "resource control policy (RCP)",
}


# How many answers an ActionSpec keeps (a "what may it do" page asks about every action).
_SEEN_LIMIT = 512


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, slots=True, eq=False)
class ActionSpec:
    """An Action / NotAction element. Most patterns are a whole action or a service prefix
    ending in its only wildcard ("s3:Get*"): a set and ``startswith`` answer those, and only
    the rest ("s3:*Object", "?") become a regex, compiled the first time one is asked about.
    Parsing a sandbox's documents then compiles almost nothing."""

    patterns: tuple[str, ...]
    negated: bool  # NotAction
    match_all: bool = field(init=False)
    _exact: frozenset[str] = field(init=False, repr=False)
    _prefixes: tuple[str, ...] = field(init=False, repr=False)
    _rest: tuple[str, ...] = field(init=False, repr=False)
    _regex: re.Pattern[str] | None = field(init=False, repr=False, default=None)
    # Answers already given, by action: the same few actions are asked again and again.
    _seen: dict[str, bool] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        exact: set[str] = set()
        prefixes: list[str] = []
        rest: list[str] = []
        for pattern in self.patterns:
            lowered = pattern.lower()
            if "*" not in lowered and "?" not in lowered:
                exact.add(lowered)
            elif lowered.endswith("*") and not any(c in lowered[:-1] for c in "*?"):
                prefixes.append(lowered[:-1])  # "*" matches any run: wildcards.action_regex
            else:
                rest.append(lowered)
        setter = object.__setattr__
        setter(self, "match_all", "*" in self.patterns)
        setter(self, "_exact", frozenset(exact))
        setter(self, "_prefixes", tuple(prefixes))
        setter(self, "_rest", tuple(rest))

    def _covers(self, action_lower: str) -> bool:
        if self.match_all or action_lower in self._exact:
            return True
        if self._prefixes and action_lower.startswith(self._prefixes):
            return True
        if not self._rest:
            return False
        regex = self._regex
        if regex is None:
            regex = action_regex(self._rest)
            object.__setattr__(self, "_regex", regex)
        return regex.fullmatch(action_lower) is not None

    def matches(self, action_lower: str) -> bool:
        found = self._seen.get(action_lower)
        if found is None:
            found = self._covers(action_lower) != self.negated
            if len(self._seen) < _SEEN_LIMIT:
                self._seen[action_lower] = found
        return found

    def matching_patterns(self, action_lower: str) -> tuple[str, ...]:
        return tuple(
            p
            for p in self.patterns
            if p == "*" or action_regex((p.lower(),)).fullmatch(action_lower)
        )

    @property
    def element(self) -> str:
        return "NotAction" if self.negated else "Action"


@dataclass(frozen=True, slots=True, eq=False)
class ResourceEntry:
    text: str
    template: Template
    match_all: bool
    static: bool  # no variables: the regex depends on the text alone
    _regex: re.Pattern[str] | None = field(init=False, repr=False, default=None)

    @classmethod
    def build(cls, text: str, variables_enabled: bool) -> ResourceEntry:
        # Variables are allowed only in the resource part of the ARN (after the fifth colon).
        template = parse_template(text, variables_enabled)
        if template.has_variables:
            head = text.split(":", 5)
            if len(head) < 6 or "${" in ":".join(head[:5]):
                template = parse_template(text, False)
        if template.has_variables:
            return cls(text, template, False, False)
        return cls(text, template, text == "*", True)

    @property
    def regex(self) -> re.Pattern[str] | None:
        """The entry's regex when it has no variables (None with them: compiled per request),
        compiled the first time it is needed: many entries are matched without one."""
        if not self.static:
            return None
        regex = self._regex
        if regex is None:
            regex = resource_regex(self.template.static_pieces())
            object.__setattr__(self, "_regex", regex)
        return regex

    def matches(self, resource: str, lookup: Callable[[str], str | None]) -> bool:
        if self.match_all:
            return True
        if self.regex is not None:
            return self.regex.fullmatch(resource) is not None
        pieces, _ = self.template.resolve(lookup)
        return pieces is not None and resource_regex(pieces).fullmatch(resource) is not None


@dataclass(frozen=True, slots=True, eq=False)
class ResourceSpec:
    entries: tuple[ResourceEntry, ...]
    negated: bool  # NotResource
    static: bool = field(init=False)  # no variables: the match depends on the ARN only
    # Static and covering every ARN ("*" without NotResource): no request needs a test.
    covers_all: bool = field(init=False)
    _test: Callable[[str], bool] | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        static = all(e.static or e.match_all for e in self.entries)
        setter = object.__setattr__
        setter(self, "static", static)
        setter(
            self,
            "covers_all",
            static and not self.negated and any(e.match_all for e in self.entries),
        )

    @property
    def test(self) -> Callable[[str], bool] | None:
        """Static: the whole element as one test of the ARN (None with variables), built the
        first time a request asks. Every request names a resource, often one never seen
        before, so this test is what counts; parsing builds none."""
        if not self.static:
            return None
        test = self._test
        if test is None:
            test = _arn_test(self.entries, self.negated)
            object.__setattr__(self, "_test", test)
        return test

    def matches(self, resource: str, lookup: Callable[[str], str | None]) -> bool:
        test = self.test
        if test is not None:
            return test(resource)
        hit = any(e.matches(resource, lookup) for e in self.entries)
        return hit != self.negated

    @property
    def element(self) -> str:
        return "NotResource" if self.negated else "Resource"


def _arn_test(entries: tuple[ResourceEntry, ...], negated: bool) -> Callable[[str], bool]:
    """One test of an ARN against static entries: whether any entry matches, != ``negated``.

    Most entries are an exact ARN or an ARN ending in its only wildcard, a trailing ``*``
    (which matches any run of characters wherever it stands, see wildcards.resource_regex):
    a set lookup and a ``startswith`` answer those faster than a regex. The rest share one
    regex of alternatives."""
    if any(e.match_all for e in entries):
        return _ALWAYS[not negated]
    exact: set[str] = set()
    prefixes: list[str] = []
    patterns: list[str] = []
    for entry in entries:
        assert entry.static
        text = _plain_text(entry)
        if text is not None and "*" not in text and "?" not in text:
            exact.add(text)
        elif text is not None and text.endswith("*") and not any(c in text[:-1] for c in "*?"):
            prefixes.append(text[:-1])
        else:
            patterns.append(f"(?:{resource_pattern(entry.template.static_pieces())})")
    regex = re.compile("|".join(patterns), re.DOTALL) if patterns else None
    return _compose(frozenset(exact), tuple(prefixes), regex, negated)


def _plain_text(entry: ResourceEntry) -> str | None:
    """The entry's text when it is one piece whose ``*`` and ``?`` are wildcards (not the
    literal ``${*}`` or ``${?}`` of a policy with variables); else None."""
    pieces = entry.template.static_pieces()
    if len(pieces) == 1 and not pieces[0][1]:
        return pieces[0][0]
    return None


def _compose(
    exact: frozenset[str], prefixes: tuple[str, ...], regex: re.Pattern[str] | None, negated: bool
) -> Callable[[str], bool]:
    """The test as a closure with only the parts it needs: it runs for every request."""
    if not exact and not prefixes and regex is not None:
        fullmatch = regex.fullmatch
        if negated:
            return lambda resource: fullmatch(resource) is None
        return lambda resource: fullmatch(resource) is not None
    if not exact and regex is None:
        return lambda resource: resource.startswith(prefixes) != negated

    def test(resource: str) -> bool:
        hit = (
            resource in exact
            or (bool(prefixes) and resource.startswith(prefixes))
            or (regex is not None and regex.fullmatch(resource) is not None)
        )
        return hit != negated

    return test


def _always_true(_resource: str) -> bool:
    return True


def _always_false(_resource: str) -> bool:
    return False


_ALWAYS = {True: _always_true, False: _always_false}


@dataclass(frozen=True, slots=True, eq=False)
class PrincipalSpec:
    """A Principal / NotPrincipal element, pre-sorted for matching.

    Source: reference_policies_elements_principal. Entries are ORed; "*" and {"AWS": "*"} mean
    everyone, anonymous callers included; an account (ID or ``arn:...:root``) means the whole
    account, not only its root user.
    """

    entries: tuple[tuple[str, str], ...]  # (AWS|Service|Federated|CanonicalUser, value)
    negated: bool  # NotPrincipal
    anyone: bool = field(init=False)
    accounts: frozenset[str] = field(init=False)
    arns: frozenset[str] = field(init=False)
    unique_ids: frozenset[str] = field(init=False)
    services: frozenset[str] = field(init=False)
    federated: frozenset[str] = field(init=False)
    canonical: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        anyone = False
        accounts: set[str] = set()
        arns: set[str] = set()
        unique_ids: set[str] = set()
        services: set[str] = set()
        federated: set[str] = set()
        canonical: set[str] = set()
        for kind, value in self.entries:
            if kind == "AWS":
                if value == "*":
                    anyone = True
                elif re.fullmatch(r"\d{12}", value):
                    accounts.add(value)
                elif m := re.fullmatch(r"arn:[\w-]+:iam::(\d{12}):root", value):
                    accounts.add(m.group(1))
                elif value.startswith("arn:"):
                    arns.add(value)
                else:
                    unique_ids.add(value)
            elif kind == "Service":
                services.add(value.lower())
            elif kind == "Federated":
                federated.add(value)
            elif kind == "CanonicalUser":
                canonical.add(value)
        setter = object.__setattr__
        setter(self, "anyone", anyone)
        setter(self, "accounts", frozenset(accounts))
        setter(self, "arns", frozenset(arns))
        setter(self, "unique_ids", frozenset(unique_ids))
        setter(self, "services", frozenset(services))
        setter(self, "federated", frozenset(federated))
        setter(self, "canonical", frozenset(canonical))

    @property
    def element(self) -> str:
        return "NotPrincipal" if self.negated else "Principal"


@dataclass(frozen=True, slots=True, eq=False)
class Statement:
    index: int
    sid: str | None
    effect: Effect
    action: ActionSpec
    resource: ResourceSpec | None  # None: no Resource element (role trust policies)
    principal: PrincipalSpec | None
    conditions: tuple[Condition, ...]
    # Where the statement is in its source text, as offsets: its line and column are worked
    # out the first time they are asked for (a trace, a finding), which most statements never
    # are. None for a policy parsed from a dict.
    source: Source | None = field(default=None, repr=False)
    span: Span | None = field(default=None, repr=False)
    # Keys the statement reads from the request: condition keys (not Null's, whose absence is
    # an answer) and the keys of policy variables in the conditions and the Resource element.
    needed_keys: tuple[str, ...] = field(init=False)
    _location: Location | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        keys: list[str] = []
        for condition in self.conditions:
            if condition.operator.spec.family.value != "Null":
                keys.append(condition.key)
            for template in condition.templates:
                keys.extend(template.keys)
        if self.resource is not None:
            for entry in self.resource.entries:
                keys.extend(entry.template.keys)
        object.__setattr__(self, "needed_keys", tuple(dict.fromkeys(keys)))

    @property
    def location(self) -> Location | None:
        """1-based line and column where the statement starts and ends (None without text)."""
        location = self._location
        if location is None and self.source is not None and self.span is not None:
            location = self.source.location(self.span)
            object.__setattr__(self, "_location", location)
        return location

    @property
    def is_allow(self) -> bool:
        return self.effect is Effect.ALLOW

    @property
    def label(self) -> str:
        return f"Statement {self.index + 1}" + (f" ({self.sid})" if self.sid else "")

    def conditions_hold(self, get: ContextGet) -> bool:
        # A plain loop: this is the engine's hottest path, and all() over a generator is slower.
        for condition in self.conditions:  # noqa: SIM110
            if not condition.evaluate(get):
                return False
        return True


@dataclass(frozen=True, eq=False)
class Policy:
    """A parsed policy document. Build one with :func:`iamlab.policy.parse_policy`.

    Policies compare and hash by identity: two parses of the same text are different objects,
    which lets evaluation cache compiled policy sets safely.
    """

    statements: tuple[Statement, ...]
    type: PolicyType
    name: str
    version: str | None
    id: str | None
    findings: tuple[Finding, ...]
    text: str | None = None  # the source text, when parsed from text
    source: Source | None = field(default=None, repr=False)
    document: Any = field(default=None, repr=False)  # the decoded JSON value
    # An AWS managed policy: nobody can edit it, so an explanation never suggests to.
    aws_managed: bool = False
    _by_action: dict[str, tuple[Statement, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def statements_for(self, action_lower: str) -> tuple[Statement, ...]:
        """The statements whose Action / NotAction covers ``action_lower``, remembered: the
        SCPs of an account sit in every policy set of its principals."""
        found = self._by_action.get(action_lower)
        if found is None:
            found = tuple(s for s in self.statements if s.action.matches(action_lower))
            if len(self._by_action) < _SEEN_LIMIT:
                self._by_action[action_lower] = found
        return found

    @property
    def variables_enabled(self) -> bool:
        return self.version == "2012-10-17"

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    def renamed(
        self,
        name: str,
        findings: tuple[Finding, ...] | None = None,
        aws_managed: bool | None = None,
    ) -> Policy:
        """The same parsed policy under another name (a new object: caches key on identity)."""
        return dataclasses.replace(
            self,
            name=name,
            findings=self.findings if findings is None else findings,
            aws_managed=self.aws_managed if aws_managed is None else aws_managed,
        )

    def __repr__(self) -> str:
        return f"<Policy {self.name or self.type.value}: {len(self.statements)} statement(s)>"
