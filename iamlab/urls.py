from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("iamlab.simulator.urls")),
    # Before the sandbox's own URLs, whose <slug:kind>/ would take "identity/".
    path("sandboxes/<int:sb>/identity/", include("iamlab.flows.urls")),
    path("sandboxes/", include("iamlab.sandbox.urls")),
    path("accounts/", include("iamlab.people.urls")),
    path("labs/", include("iamlab.labs.urls")),
    path("admin/", admin.site.urls),
]
