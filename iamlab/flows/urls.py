from django.urls import path

from . import views

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
]
