from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "iamlab.labs"
    verbose_name = "Labs (scenarios and quizzes)"
