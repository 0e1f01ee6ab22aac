"""``{% identity_bar sandbox %}``: who the learner currently is in a sandbox, on every page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from .. import models

register = template.Library()


@register.inclusion_tag("sandbox/_identity.html", takes_context=True)
def identity_bar(context: template.Context, sandbox: models.Sandbox) -> dict[str, Any]:
    # The sessions module (and STS behind it) loads with the first sandbox page, not with
    # the tag library, which every process loads before its first page of any kind.
    from .. import sessions

    who = sessions.current(sandbox)  # a name from the database: no World for the bar
    now = sandbox.now()
    request = context.get("request")
    return {
        "sandbox": sandbox,
        "who": who,
        "now": now,
        "remaining": who.session.remaining(now) if who.session is not None else None,
        "next": request.get_full_path() if request is not None else "",
    }


def _words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(parts[:2])


@register.filter
def duration_words(value: dt.timedelta | None) -> str:
    """``1 hour 5 minutes`` for a timedelta (the two largest units)."""
    if value is None:
        return ""
    return _words(int(value.total_seconds()))


@register.filter
def seconds_words(value: int | None) -> str:
    return _words(int(value or 0))


@register.filter
def remaining_at(row: Any, now: dt.datetime) -> dt.timedelta:
    """``{{ session|remaining_at:now }}``: how long a stored session has left."""
    return row.remaining(now)  # type: ignore[no-any-return]


@register.filter
def session_source(row: Any) -> str:
    """Who asked STS for a stored session's credentials (:func:`sessions.session_source`)."""
    from .. import sessions

    return sessions.session_source(row)
