from django.urls import path

from iamlab.web import LazyViews

views = LazyViews("iamlab.sandbox.views")
views_graph = LazyViews("iamlab.sandbox.views_graph")

app_name = "sandbox"
urlpatterns = [
    path("", views.sandbox_list, name="list"),
    path("example-corp/", views.add_example_corp, name="example_corp"),
    path("jobs/<uuid:pk>/", views.job_page, name="job"),
    path("<int:sb>/", views.overview, name="overview"),
    path("<int:sb>/settings/", views.sandbox_settings, name="settings"),
    path("<int:sb>/delete/", views.sandbox_delete, name="delete_sandbox"),
    path("<int:sb>/check/", views.access_check, name="check"),
    path("<int:sb>/who-can/", views.who_can, name="who_can"),
    path("<int:sb>/validate/", views.validate, name="validate"),
    path("<int:sb>/policy-search/", views.policy_search, name="policy_search"),
    path("<int:sb>/import/", views.import_account, name="import"),
    path("<int:sb>/graph/", views_graph.graph_page, name="graph"),
    path("<int:sb>/graph/node/", views_graph.graph_node, name="graph_node"),
    path("<int:sb>/graph/node/actions/", views_graph.graph_node_actions, name="graph_actions"),
    path("<int:sb>/graph/export.<str:fmt>", views_graph.graph_export, name="graph_export"),
    path("<int:sb>/graph/part/<slug:part>/", views_graph.graph_part, name="graph_part"),
    path("<int:sb>/accounts/<int:pk>/export/", views.export_account, name="export"),
    path("<int:sb>/<slug:kind>/", views.object_list, name="list_kind"),
    path("<int:sb>/<slug:kind>/new/", views.object_create, name="create"),
    path("<int:sb>/<slug:kind>/<int:pk>/", views.object_page, name="object"),
    path("<int:sb>/<slug:kind>/<int:pk>/delete/", views.object_delete, name="delete"),
    path("<int:sb>/<slug:kind>/<int:pk>/do/<slug:action>/", views.object_action, name="action"),
    path("aws-policies/<str:name>/", views.aws_policy, name="aws_policy"),
]
