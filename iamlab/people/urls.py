from django.urls import path

from iamlab.web import LazyViews

views = LazyViews("iamlab.people.views")

app_name = "people"
urlpatterns = [
    path("", views.account, name="account"),
    path("sign-up/", views.sign_up, name="signup"),
    path("sign-in/", views.sign_in, name="login"),
    path("sign-out/", views.sign_out, name="logout"),
]
