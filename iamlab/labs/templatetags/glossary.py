"""``{{ text|terms }}``: plain text with each glossary term's first mention linked to its
entry (the text is escaped first)."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

from ..primers import link_terms

register = template.Library()


@register.filter(name="terms")
def terms(text: str) -> SafeString:
    return link_terms(str(escape(text)))
