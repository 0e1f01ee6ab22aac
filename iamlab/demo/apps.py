from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "iamlab.demo"
    verbose_name = "Demo content"
