from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "iamlab.labs"
    verbose_name = "Labs (scenarios and quizzes)"

    def ready(self) -> None:
        from . import uploads  # noqa: F401 - registers the scenario uploads' background work
