from django.urls import path

from iamlab.web import LazyViews

views = LazyViews("iamlab.simulator.views")

app_name = "simulator"
urlpatterns = [
    path("", views.simulator, name="simulator"),
    path("simulations/<uuid:pk>/", views.simulation_detail, name="simulation"),
    path("simulator/validate/", views.validate_policy, name="validate"),
    path("simulator/actions/", views.action_suggestions, name="actions"),
    path("simulator/managed-policies/", views.managed_search, name="managed-search"),
    path("simulator/managed-policies/<str:name>/", views.managed_policy, name="managed-policy"),
]
