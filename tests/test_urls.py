"""The URLconf names its views lazily (iamlab.web.LazyView): each must exist, be the function
it names, and load only when it serves a request."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.views.decorators.csrf import csrf_exempt

from iamlab.web import LazyView, LazyViews, lazy_views


def test_every_view_the_urlconf_names_exists_in_the_module_it_names() -> None:
    lazy = list(lazy_views())
    assert len(lazy) >= 60  # the apps' pages; the admin's are Django's own
    for view in lazy:
        real = view.load()
        assert callable(real)
        assert real.__module__ == view.__module__, view
        # A function is its own name; an as_view() result is named after its class.
        assert real.__name__ in (view.__name__, "view"), view


def test_a_resolved_url_names_its_view_without_loading_it() -> None:
    match = resolve(reverse("sandbox:overview", args=[1]))
    assert match.url_name == "overview"
    assert match._func_path == "iamlab.sandbox.views.overview"


@csrf_exempt
def exempt_view(request, word=""):
    return HttpResponse(f"said {word}")


def test_the_view_serves_the_request_and_lends_its_attributes_to_django() -> None:
    view = LazyViews(__name__).exempt_view
    assert view._view is None
    response = view(RequestFactory().get("/"), word="hello")
    assert response.content == b"said hello"
    assert view.csrf_exempt is True  # what CsrfViewMiddleware reads off the callback
    assert not hasattr(LazyView(__name__, "exempt_view"), "view_class")


def test_a_wrong_name_says_which_module_lacks_which_view() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"tests\.test_urls has no view missing\."):
        LazyView(__name__, "missing").load()
