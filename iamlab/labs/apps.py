from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "iamlab.labs"
    verbose_name = "Labs (scenarios and quizzes)"

    def ready(self) -> None:
        from iamlab.sandbox.jobs import handled_in

        handled_in("scenarios", "iamlab.labs.uploads")  # imported when an upload first runs
