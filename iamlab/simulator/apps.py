from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "iamlab.simulator"
    verbose_name = "Policy simulator"
