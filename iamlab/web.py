"""Small helpers shared by the apps' views and forms."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLResolver, get_resolver

NUL = "\x00"
NUL_ERROR = (
    "This holds the NUL character (U+0000), which no text may hold (a database cannot store "
    "it): remove it."
)


def is_htmx_swap(request: HttpRequest) -> bool:
    """An htmx request that swaps a fragment (not a history restore, which wants the page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def has_nul(value: object) -> bool:
    """Whether a submitted value (a string, or a list of them) holds U+0000."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple):
        return any(isinstance(v, str) and NUL in v for v in value)
    return False


def nul_in(data: Any) -> str | None:
    """The first key of a QueryDict (or mapping) whose name or any value holds U+0000."""
    getlist = getattr(data, "getlist", None)
    for key in data:
        values = getlist(key) if getlist is not None else [data[key]]
        if NUL in str(key) or has_nul(values):
            return str(key)
    return None


class RefusesNul(forms.BaseForm):
    """A form that refuses U+0000 (NUL) in any field, with that field's error, before any field
    is cleaned.

    PostgreSQL can neither store NUL nor compare with it (a query that holds one fails), while
    SQLite stores it. Django's ``CharField`` refuses it, but not choices, numbers, model choices
    or the fields built on ``CharField`` that turn text into tags or lists. Put this first in a
    form's bases; what was typed comes back as it was, so it can be corrected.
    """

    def full_clean(self) -> None:
        if self.is_bound and (found := [n for n in self.fields if has_nul(self[n].data)]):
            self._errors = ErrorDict(renderer=self.renderer)
            self.cleaned_data = {}
            for name in found:
                self.add_error(name, NUL_ERROR)
            return
        super().full_clean()


class RefuseNulInAdmin:
    """Middleware: a request to the Django admin whose query string or form holds U+0000
    answers 400. The app's own forms refuse NUL field by field (:class:`RefusesNul`), with a
    message at the field; the admin's forms and filters are Django's, and on PostgreSQL a NUL
    in a list filter or a selected action fails the query (a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            found = nul_in(request.GET)
            if found is None and request.method == "POST":
                found = nul_in(request.POST)
            if found is not None:
                return HttpResponseBadRequest(
                    f"{found}: {NUL_ERROR}", content_type="text/plain; charset=utf-8"
                )
        return self.get_response(request)


class LazyView:
    """A view named by its module and function, imported with the first request it serves.

    Every new process loads the URLconf: a server's worker, runserver after each edit, any
    command that reverses a URL. Importing every app's views there took 0.16 s, most of it the
    engine, STS and Graphviz behind pages the process may never serve; now a page's view loads
    what it needs when it is first asked for. The name and module are known without importing,
    so reversing URLs (which reads them) imports nothing. What else Django reads off a view
    (``csrf_exempt``, ``_non_atomic_requests`` …) is the real view's, loaded on demand.
    ``tests/test_urls.py`` loads every view the URLconf names, so a wrong name fails there.
    """

    def __init__(self, module: str, name: str) -> None:
        self.__module__ = module
        self.__name__ = self.__qualname__ = name
        self._view: Callable[..., HttpResponse] | None = None

    def load(self) -> Callable[..., HttpResponse]:
        if self._view is None:
            view = getattr(importlib.import_module(self.__module__), self.__name__, None)
            if not callable(view):
                raise ImproperlyConfigured(f"{self.__module__} has no view {self.__name__}.")
            self._view = view
        return self._view

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.load()(request, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Reached only for what the proxy itself lacks. Reversing a URL asks every callback
        # for ``view_class``, so answering it (and dunders) must not import the module; a
        # class-based view's class then only goes unnamed in a ResolverMatch's repr.
        if name == "view_class" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.load(), name)

    def __repr__(self) -> str:
        return f"<LazyView {self.__module__}.{self.__name__}>"


class LazyViews:
    """A views module as an app's ``urls.py`` names it (``views.overview``), imported only
    when one of its views first serves a request (see :class:`LazyView`)."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> LazyView:
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyView(self._module, name)


def warm_up() -> None:
    """Load what pages need before a server's worker takes its first request: every view the
    URLconf names lazily, and the template engine with its tag libraries.

    Lazy loading spares what does not serve pages (a command, runserver's reload after an
    edit); a gunicorn worker serves every kind of page for hours, so it pays once, before a
    learner waits (``post_worker_init`` in gunicorn.conf.py). A worker restarted by
    ``max_requests`` warms up while the others keep serving.
    """
    from django.template import engines

    for view in lazy_views():
        view.load()
    engines.all()  # each backend loads its tag libraries as it is made


def lazy_views(resolver: URLResolver | None = None) -> Iterator[LazyView]:
    """Every :class:`LazyView` the URLconf (or ``resolver``) names, included ones too."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from lazy_views(entry)
        elif isinstance(entry.callback, LazyView):
            yield entry.callback
