"""A SAML 2.0 authentication response as data: parse it, render it, map it to condition keys.

The learner sees the response a simulated identity provider issues, edits it, and sends it to
:func:`~iamlab.policy.sts.assume_role_with_saml`. Nothing here is signed or encrypted: iamlab
replaces the signature check by comparing the assertion's ``Issuer`` with the SAML provider's
issuer (see :mod:`iamlab.policy.sts`).

Sources (IAM User Guide, current text):

* id_roles_providers_create_saml_assertions: the elements AWS reads. ``Subject`` with ``NameID``
  (and its ``Format``), exactly one ``SubjectConfirmation`` whose ``SubjectConfirmationData`` has
  both ``NotOnOrAfter`` and ``Recipient``; the attributes
  ``https://aws.amazon.com/SAML/Attributes/Role`` (one or more "role ARN,provider ARN" pairs),
  ``.../RoleSessionName``, ``.../SessionDuration``, ``.../PrincipalTag:KEY``,
  ``.../TransitiveTagKeys`` and ``.../SourceIdentity`` (attribute names are case-sensitive);
  and the tables "Mapping SAML attributes to AWS trust policy context keys" (eduPerson/eduOrg,
  Active Directory and X.500 attributes), reproduced in :data:`ATTRIBUTE_KEYS` as published
  (including the OIDs as the page prints them).
* reference_policies_iam-condition-keys, "Available keys for SAML-based AWS STS federation":
  ``saml:aud`` (from ``Recipient``, not ``Audience``), ``saml:iss``, ``saml:sub``,
  ``saml:sub_type``, ``saml:doc``, ``saml:namequalifier`` and the attribute keys, list-typed ones
  multivalued.
* API_AssumeRoleWithSAML: SAMLAssertion is at most 100,000 characters; ``SubjectType`` drops the
  prefix ``urn:oasis:names:tc:SAML:2.0:nameid-format:`` and keeps any other format as is;
  ``NameQualifier`` = BASE64(SHA1(issuer + account ID + "/" + provider name)).

Documented choices: the response is read as XML text (AWS receives it base64-encoded; iamlab
shows it decoded so it can be edited), so the 100,000-character limit applies to the XML.
A document type declaration (and so any entity declaration) is refused outright, as SAML
processors do to avoid entity-expansion attacks. Elements must be in the SAML 2.0 namespaces;
an element in the wrong namespace is reported with its position.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.parsers import expat

__all__ = [
    "ATTRIBUTE_KEYS",
    "ATTR_PREFIX",
    "MAX_RESPONSE_CHARS",
    "SamlAssertion",
    "SamlAttribute",
    "SamlError",
    "attributes_from",
    "name_qualifier",
    "parse_saml_response",
    "render_saml_response",
    "sub_type",
]

MAX_RESPONSE_CHARS = 100_000
PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
NAMEID_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:"
ATTR_PREFIX = "https://aws.amazon.com/SAML/Attributes/"
ROLE = ATTR_PREFIX + "Role"
ROLE_SESSION_NAME = ATTR_PREFIX + "RoleSessionName"
SESSION_DURATION = ATTR_PREFIX + "SessionDuration"
PRINCIPAL_TAG = ATTR_PREFIX + "PrincipalTag:"
TRANSITIVE_TAG_KEYS = ATTR_PREFIX + "TransitiveTagKeys"
SOURCE_IDENTITY = ATTR_PREFIX + "SourceIdentity"

# id_roles_providers_create_saml_assertions, "Mapping SAML attributes to AWS trust policy context
# keys": attribute Name -> (context key, multivalued). As published, OIDs included.
ATTRIBUTE_KEYS: Mapping[str, tuple[str, bool]] = {
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ("saml:eduPersonAffiliation", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.2": ("saml:eduPersonNickname", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.3": ("saml:eduPersonOrgDN", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.4": ("saml:eduPersonOrgUnitDN", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": ("saml:eduPersonPrimaryAffiliation", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": ("saml:eduPersonPrincipalName", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": ("saml:eduPersonEntitlement", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.8": ("saml:eduPersonPrimaryOrgUnitDN", False),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": ("saml:eduPersonScopedAffiliation", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": ("saml:eduPersonTargetedID", True),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.11": ("saml:eduPersonAssurance", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.2": ("saml:eduOrgHomePageURI", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.3": ("saml:eduOrgIdentityAuthNPolicyURI", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.4": ("saml:eduOrgLegalName", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.5": ("saml:eduOrgSuperiorURI", True),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.6": ("saml:eduOrgWhitePagesURI", True),
    "urn:oid:2.5.4.3": ("saml:cn", True),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": ("saml:name", False),
    "http://schemas.xmlsoap.org/claims/CommonName": ("saml:commonName", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname": ("saml:givenName", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname": ("saml:surname", False),
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ("saml:mail", False),
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/primarygroupsid": ("saml:uid", False),
    "2.5.4.3": ("saml:commonName", False),
    "2.5.4.4": ("saml:surname", False),
    "2.4.5.42": ("saml:givenName", False),
    "2.5.4.45": ("saml:x500UniqueIdentifier", False),
    "0.9.2342.19200300100.1.1": ("saml:uid", False),
    "0.9.2342.19200300100.1.3": ("saml:mail", False),
    "0.9.2342.19200300.100.1.45": ("saml:organizationStatus", False),
}


# --- the data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamlAttribute:
    """One ``<Attribute>``: its ``Name``, optional ``FriendlyName`` and its values in order."""

    name: str
    values: tuple[str, ...]
    friendly_name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))


@dataclass(frozen=True)
class SamlAssertion:
    """What AssumeRoleWithSAML reads from a SAML response.

    ``subject_format`` is the ``NameID`` ``Format`` URI as written (may be empty);
    ``recipient`` and ``subject_not_on_or_after`` come from ``SubjectConfirmationData``;
    ``not_before`` / ``not_on_or_after`` / ``audiences`` from ``Conditions``;
    ``session_not_on_or_after`` from ``AuthnStatement``. Times are aware UTC datetimes.
    """

    issuer: str
    subject: str
    recipient: str
    subject_not_on_or_after: dt.datetime | None
    subject_format: str = NAMEID_PREFIX + "persistent"
    not_before: dt.datetime | None = None
    not_on_or_after: dt.datetime | None = None
    audiences: tuple[str, ...] = ("urn:amazon:webservices",)
    session_not_on_or_after: dt.datetime | None = None
    attributes: tuple[SamlAttribute, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "audiences", tuple(self.audiences))
        object.__setattr__(self, "attributes", tuple(self.attributes))

    def values(self, name: str) -> tuple[str, ...] | None:
        """The values of the attribute named exactly ``name`` (names are case-sensitive)."""
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute.values
        return None

    def single(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None

    @property
    def role_values(self) -> tuple[str, ...] | None:
        return self.values(ROLE)

    @property
    def role_session_name(self) -> str | None:
        return self.single(ROLE_SESSION_NAME)

    @property
    def session_duration(self) -> str | None:
        return self.single(SESSION_DURATION)

    @property
    def source_identity(self) -> str | None:
        return self.single(SOURCE_IDENTITY)

    @property
    def principal_tags(self) -> dict[str, str]:
        """``PrincipalTag:KEY`` attributes, first value each (session tags are single-valued)."""
        return {
            a.name[len(PRINCIPAL_TAG) :]: (a.values[0] if a.values else "")
            for a in self.attributes
            if a.name.startswith(PRINCIPAL_TAG)
        }

    @property
    def transitive_tag_keys(self) -> tuple[str, ...]:
        return self.values(TRANSITIVE_TAG_KEYS) or ()

    @property
    def sub_type(self) -> str:
        return sub_type(self.subject_format)

    def role_pairs(self) -> tuple[tuple[str, str], ...]:
        """The Role attribute's (role ARN, provider ARN) pairs; each value may list them in
        either order. A value that is not such a pair is left out (see :meth:`bad_role_values`)."""
        pairs = []
        for value in self.role_values or ():
            pair = _role_pair(value)
            if pair is not None:
                pairs.append(pair)
        return tuple(pairs)

    def bad_role_values(self) -> tuple[str, ...]:
        return tuple(v for v in self.role_values or () if _role_pair(v) is None)

    def context_keys(self) -> dict[str, str | tuple[str, ...]]:
        """The ``saml:`` attribute keys from :data:`ATTRIBUTE_KEYS` (only one claim per key is
        mapped, the first, as the guide says)."""
        out: dict[str, str | tuple[str, ...]] = {}
        for attribute in self.attributes:
            mapped = ATTRIBUTE_KEYS.get(attribute.name)
            if mapped is None or not attribute.values:
                continue
            key, multi = mapped
            if key.lower() in (k.lower() for k in out):
                continue
            out[key] = attribute.values if multi else attribute.values[0]
        return out


def _role_pair(value: str) -> tuple[str, str] | None:
    parts = value.split(",")
    if len(parts) != 2 or any(p != p.strip() or not p for p in parts):
        return None
    first, second = parts
    for role, provider in ((first, second), (second, first)):
        if ":role/" in role and ":saml-provider/" in provider:
            return role, provider
    return None


def sub_type(name_format: str) -> str:
    """``saml:sub_type``: the NameID format without the SAML 2.0 prefix (API_AssumeRoleWithSAML,
    SubjectType); any other format is kept as written."""
    if name_format.startswith(NAMEID_PREFIX):
        return name_format[len(NAMEID_PREFIX) :]
    return name_format


def name_qualifier(issuer: str, account: str, provider_name: str) -> str:
    """``saml:namequalifier`` = BASE64(SHA1(issuer + account + "/" + provider name))."""
    digest = hashlib.sha1(f"{issuer}{account}/{provider_name}".encode()).digest()  # noqa: S324
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class SamlError:
    """Why a SAML response cannot be read; ``line`` and ``column`` (1-based) where known."""

    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}, column {self.column}: {self.message}"


# --- parsing ----------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


Position = tuple[int, int]


def _build(text: str) -> tuple[ET.Element, dict[int, Position]]:
    """Parse with expat into an ElementTree tree, recording each element's start position."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    positions: dict[int, Position] = {}

    def here() -> Position:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})
        positions[id(element)] = here()

    def end(tag: str) -> None:
        builder.end(_clark(tag))

    def doctype(*_: object) -> None:
        line, column = here()
        raise _Refused(
            "a SAML response may not contain a document type declaration (<!DOCTYPE ...>): "
            "it could declare entities, which SAML processors refuse",
            line,
            column,
        )

    def entity(*_: object) -> None:
        line, column = here()
        raise _Refused("entity declarations are not allowed", line, column)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.Parse(text, True)
    root = builder.close()
    return root, positions


def _clark(name: str) -> str:
    if "}" in name:
        ns, _, local = name.partition("}")
        return f"{{{ns}}}{local}"
    return name


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


class _Reader:
    def __init__(self, positions: dict[int, Position]) -> None:
        self.positions = positions

    def error(self, element: ET.Element | None, message: str) -> _Refused:
        line, column = self.positions.get(id(element), (0, 0)) if element is not None else (0, 0)
        return _Refused(message, line, column)

    def children(self, parent: ET.Element, local: str, ns: str = ASSERTION_NS) -> list[ET.Element]:
        found = []
        for child in parent:
            child_ns, child_local = _split(child.tag)
            if child_local != local:
                continue
            if child_ns != ns:
                raise self.error(
                    child,
                    f"<{local}> must be in the namespace {ns}"
                    + (" (it has none)" if not child_ns else f", not {child_ns}")
                    + f"; write it as <saml{'p' if ns == PROTOCOL_NS else ''}:{local}>",
                )
            found.append(child)
        return found

    def one(self, parent: ET.Element, local: str, context: str) -> ET.Element:
        found = self.children(parent, local)
        if not found:
            raise self.error(parent, f"{context} must contain a <saml:{local}> element")
        if len(found) > 1:
            raise self.error(found[1], f"{context} must contain exactly one <saml:{local}>")
        return found[0]

    def optional(self, parent: ET.Element, local: str) -> ET.Element | None:
        found = self.children(parent, local)
        if len(found) > 1:
            raise self.error(found[1], f"only one <saml:{local}> is allowed here")
        return found[0] if found else None

    def time(self, element: ET.Element, name: str, required: bool) -> dt.datetime | None:
        value = element.get(name)
        if value is None:
            if required:
                _, local = _split(element.tag)
                raise self.error(element, f"<saml:{local}> needs a {name} attribute")
            return None
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise self.error(
                element,
                f'{name}="{value}" is not a date and time; write it like 2025-03-01T12:05:00Z',
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.astimezone(dt.UTC)


def parse_saml_response(xml_text: str) -> SamlAssertion | SamlError:
    """Read a SAML ``<samlp:Response>`` (or a bare ``<saml:Assertion>``); never raises."""
    if len(xml_text) > MAX_RESPONSE_CHARS:
        return SamlError(
            f"The SAML response is {len(xml_text):,} characters long; AWS accepts at most "
            f"{MAX_RESPONSE_CHARS:,}."
        )
    if not xml_text.strip():
        return SamlError("The SAML response is empty.")
    try:
        root, positions = _build(xml_text)
    except _Refused as refused:
        return SamlError(refused.message, refused.line, refused.column)
    except expat.ExpatError as exc:
        return SamlError(
            f"The SAML response is not well-formed XML: {expat.ErrorString(exc.code)}.",
            exc.lineno,
            exc.offset + 1,
        )
    reader = _Reader(positions)
    try:
        return _read(root, reader)
    except _Refused as refused:
        return SamlError(refused.message, refused.line or None, refused.column or None)


def _read(root: ET.Element, r: _Reader) -> SamlAssertion:
    ns, local = _split(root.tag)
    if (ns, local) == (PROTOCOL_NS, "Response"):
        assertions = r.children(root, "Assertion")
        if len(assertions) != 1:
            encrypted = r.children(root, "EncryptedAssertion")
            raise r.error(
                root,
                "iamlab reads unencrypted assertions only"
                if encrypted
                else "the <samlp:Response> must contain exactly one <saml:Assertion>",
            )
        assertion = assertions[0]
    elif (ns, local) == (ASSERTION_NS, "Assertion"):
        assertion = root
    else:
        raise r.error(
            root,
            f"the document must be a <samlp:Response> (namespace {PROTOCOL_NS}) or a "
            f"<saml:Assertion> (namespace {ASSERTION_NS}), not <{local}>",
        )
    issuer_el = r.one(assertion, "Issuer", "The <saml:Assertion>")
    issuer = (issuer_el.text or "").strip()
    if not issuer:
        raise r.error(issuer_el, "<saml:Issuer> is empty; it names the identity provider")
    subject_el = r.one(assertion, "Subject", "The <saml:Assertion>")
    name_id = r.one(subject_el, "NameID", "<saml:Subject>")
    subject = (name_id.text or "").strip()
    if not subject:
        raise r.error(name_id, "<saml:NameID> is empty; it identifies the user")
    confirmations = r.children(subject_el, "SubjectConfirmation")
    if len(confirmations) != 1:
        raise r.error(
            confirmations[1] if confirmations else subject_el,
            "<saml:Subject> must contain exactly one <saml:SubjectConfirmation> (AWS requires it)",
        )
    data = r.one(confirmations[0], "SubjectConfirmationData", "<saml:SubjectConfirmation>")
    recipient = data.get("Recipient")
    if not recipient:
        raise r.error(
            data,
            "<saml:SubjectConfirmationData> needs a Recipient attribute: the AWS sign-in "
            "endpoint, such as https://signin.aws.amazon.com/saml",
        )
    subject_expiry = r.time(data, "NotOnOrAfter", required=True)

    not_before = not_after = None
    audiences: tuple[str, ...] = ()
    conditions = r.optional(assertion, "Conditions")
    if conditions is not None:
        not_before = r.time(conditions, "NotBefore", required=False)
        not_after = r.time(conditions, "NotOnOrAfter", required=False)
        for restriction in r.children(conditions, "AudienceRestriction"):
            audiences += tuple((a.text or "").strip() for a in r.children(restriction, "Audience"))
    session_expiry = None
    authn = r.optional(assertion, "AuthnStatement")
    if authn is not None:
        session_expiry = r.time(authn, "SessionNotOnOrAfter", required=False)

    attributes: list[SamlAttribute] = []
    for statement in r.children(assertion, "AttributeStatement"):
        for attribute in r.children(statement, "Attribute"):
            name = attribute.get("Name")
            if not name:
                raise r.error(attribute, "<saml:Attribute> needs a Name attribute")
            values = tuple((v.text or "") for v in r.children(attribute, "AttributeValue"))
            attributes.append(SamlAttribute(name, values, attribute.get("FriendlyName")))
    return SamlAssertion(
        issuer=issuer,
        subject=subject,
        subject_format=name_id.get("Format", ""),
        recipient=recipient,
        subject_not_on_or_after=subject_expiry,
        not_before=not_before,
        not_on_or_after=not_after,
        audiences=audiences,
        session_not_on_or_after=session_expiry,
        attributes=tuple(attributes),
    )


# --- rendering --------------------------------------------------------------------------------


def _stamp(when: dt.datetime) -> str:
    when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_saml_response(assertion: SamlAssertion, *, issue_instant: dt.datetime) -> str:
    """A well-formed, indented ``<samlp:Response>`` carrying ``assertion`` (unsigned), which
    :func:`parse_saml_response` reads back to an equal :class:`SamlAssertion`. The IDs are
    derived from the content, so the same assertion renders the same text."""
    saml = f"{{{ASSERTION_NS}}}"
    samlp = f"{{{PROTOCOL_NS}}}"
    digest = hashlib.sha256(repr(assertion).encode()).hexdigest()
    instant = _stamp(issue_instant)
    response = ET.Element(
        samlp + "Response",
        {
            "ID": "_" + digest[:32],
            "Version": "2.0",
            "IssueInstant": instant,
            "Destination": assertion.recipient,
        },
    )
    ET.SubElement(response, saml + "Issuer").text = assertion.issuer
    status = ET.SubElement(response, samlp + "Status")
    ET.SubElement(
        status, samlp + "StatusCode", {"Value": "urn:oasis:names:tc:SAML:2.0:status:Success"}
    )
    body = ET.SubElement(
        response,
        saml + "Assertion",
        {"ID": "_" + digest[32:64], "Version": "2.0", "IssueInstant": instant},
    )
    ET.SubElement(body, saml + "Issuer").text = assertion.issuer
    subject = ET.SubElement(body, saml + "Subject")
    name_attrs = {"Format": assertion.subject_format} if assertion.subject_format else {}
    ET.SubElement(subject, saml + "NameID", name_attrs).text = assertion.subject
    confirmation = ET.SubElement(
        subject, saml + "SubjectConfirmation", {"Method": "urn:oasis:names:tc:SAML:2.0:cm:bearer"}
    )
    data_attrs = {"Recipient": assertion.recipient}
    if assertion.subject_not_on_or_after is not None:
        data_attrs["NotOnOrAfter"] = _stamp(assertion.subject_not_on_or_after)
    ET.SubElement(confirmation, saml + "SubjectConfirmationData", data_attrs)
    if assertion.not_before or assertion.not_on_or_after or assertion.audiences:
        cond_attrs = {}
        if assertion.not_before is not None:
            cond_attrs["NotBefore"] = _stamp(assertion.not_before)
        if assertion.not_on_or_after is not None:
            cond_attrs["NotOnOrAfter"] = _stamp(assertion.not_on_or_after)
        conditions = ET.SubElement(body, saml + "Conditions", cond_attrs)
        if assertion.audiences:
            restriction = ET.SubElement(conditions, saml + "AudienceRestriction")
            for audience in assertion.audiences:
                ET.SubElement(restriction, saml + "Audience").text = audience
    authn_attrs = {"AuthnInstant": instant}
    if assertion.session_not_on_or_after is not None:
        authn_attrs["SessionNotOnOrAfter"] = _stamp(assertion.session_not_on_or_after)
    authn = ET.SubElement(body, saml + "AuthnStatement", authn_attrs)
    context = ET.SubElement(authn, saml + "AuthnContext")
    ET.SubElement(
        context, saml + "AuthnContextClassRef"
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    if assertion.attributes:
        statement = ET.SubElement(body, saml + "AttributeStatement")
        for attribute in assertion.attributes:
            attrs = {"Name": attribute.name}
            if attribute.friendly_name:
                attrs["FriendlyName"] = attribute.friendly_name
            element = ET.SubElement(statement, saml + "Attribute", attrs)
            for value in attribute.values:
                ET.SubElement(element, saml + "AttributeValue").text = value
    ET.register_namespace("samlp", PROTOCOL_NS)
    ET.register_namespace("saml", ASSERTION_NS)
    ET.indent(response, space="  ")
    text = ET.tostring(response, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


def attributes_from(pairs: Sequence[tuple[str, Sequence[str]]]) -> tuple[SamlAttribute, ...]:
    """Convenience: ``[(name, [values...]), ...]`` as attributes."""
    return tuple(SamlAttribute(name, tuple(values)) for name, values in pairs)
