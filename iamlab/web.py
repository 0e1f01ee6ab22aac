"""Small helpers shared by the apps' views."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx_swap(request: HttpRequest) -> bool:
    """An htmx request that swaps a fragment (not a history restore, which wants the page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request
