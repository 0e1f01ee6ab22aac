from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "iamlab.people"
    verbose_name = "People"
