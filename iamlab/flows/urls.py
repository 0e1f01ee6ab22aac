from django.urls import path

from iamlab.web import LazyViews

views = LazyViews("iamlab.flows.views")
views_federation = LazyViews("iamlab.flows.views_federation")
views_more = LazyViews("iamlab.flows.views_more")

app_name = "flows"
urlpatterns = [
    path("", views.hub, name="hub"),
    path("act/", views.act, name="act"),
    path("clock/", views.clock, name="clock"),
    path("sessions/<int:pk>/forget/", views.forget, name="forget"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("assume-role/", views.assume_role, name="assume_role"),
    path("switch-role/", views.switch_role, name="switch_role"),
    path("ec2/", views.ec2, name="ec2"),
    path("cross-account/", views_more.cross_account, name="cross_account"),
    path("services/", views_more.services, name="services"),
    path("portal/", views_federation.portal, name="portal"),
    path("saml/", views_federation.saml, name="saml"),
    path("broker/", views_federation.broker, name="broker"),
    path("session-token/", views_federation.session_token, name="session_token"),
    path("web-identity/", views_federation.web_identity, name="web_identity"),
]
