from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "iamlab.flows"
    verbose_name = "Identities in action"
