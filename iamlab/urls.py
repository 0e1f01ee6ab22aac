from django.conf import settings
from django.contrib import admin
from django.http import FileResponse, HttpRequest
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links: answer it with the icon."""
    return FileResponse((settings.BASE_DIR / "static" / "favicon.ico").open("rb"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("", include("iamlab.simulator.urls")),
    # Before the sandbox's own URLs, whose <slug:kind>/ would take "identity/".
    path("sandboxes/<int:sb>/identity/", include("iamlab.flows.urls")),
    path("sandboxes/", include("iamlab.sandbox.urls")),
    path("accounts/", include("iamlab.people.urls")),
    path("labs/", include("iamlab.labs.urls")),
    path("admin/", admin.site.urls),
]
