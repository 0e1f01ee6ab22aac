"""``{{ text|terms }}``: plain text with each glossary term's first mention linked to its
entry (the text is escaped first)."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

register = template.Library()


@register.filter(name="terms")
def terms(text: str) -> SafeString:
    # Tag libraries load with the template engine, in every process before its first page:
    # the primers (with YAML and Graphviz) load with the first text that links terms.
    from ..primers import link_terms

    return link_terms(str(escape(text)))
