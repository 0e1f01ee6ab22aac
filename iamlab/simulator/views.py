from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def simulator(request: HttpRequest) -> HttpResponse:
    return HttpResponse("iamlab")
