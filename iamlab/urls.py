from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("iamlab.simulator.urls")),
    path("sandboxes/", include("iamlab.sandbox.urls")),
    path("accounts/", include("iamlab.people.urls")),
    path("admin/", admin.site.urls),
]
