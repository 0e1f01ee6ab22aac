from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "iamlab.sandbox"
    verbose_name = "Sandbox (simulated AWS accounts)"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import awsmanaged, jobs, signals  # noqa: F401 - signals and jobs register themselves

        post_migrate.connect(awsmanaged.sync, sender=self, dispatch_uid="sync-aws-managed")
