"""One way into a sandbox for every view: :func:`in_sandbox` looks up the signed-in person's
sandbox from the URL's ``sb`` (anyone else's is a 404) and hands the view a :class:`Place`,
whose World and current identity are worked out once, when first asked for.

It replaces the lookup helper each views module had, and the World-and-identity pair each
view worked out again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from . import models, sessions
from .world import World

__all__ = ["Place", "in_sandbox"]


class Place:
    """A sandbox a view works in, with its World and who the learner is in it now."""

    def __init__(self, sandbox: models.Sandbox) -> None:
        self.sandbox = sandbox

    @functools.cached_property
    def world(self) -> World:
        return World.for_sandbox(self.sandbox)

    @functools.cached_property
    def who(self) -> sessions.Identity:
        # The World when the view has built it; the database otherwise, which is all a name
        # needs (building a World reads and parses every policy of the sandbox).
        return sessions.current(self.sandbox, self.__dict__.get("world"))


def in_sandbox[**P](
    view: Callable[Concatenate[HttpRequest, Place, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, int, P], HttpResponse]:
    """The view gets ``place`` instead of the URL's ``sb``: the signed-in person's sandbox."""

    # Django passes the URL's values by name (sb=3), so sb cannot be positional-only.
    def wrapped(request: HttpRequest, sb: int, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        sandbox = get_object_or_404(models.Sandbox.owned_by(request.user), pk=sb)
        return view(request, Place(sandbox), *args, **kwargs)

    functools.update_wrapper(wrapped, view)
    return wrapped  # type: ignore[return-value]  # named, not positional-only: see above
