from django.apps import AppConfig


class ReconConfig(AppConfig):
    name = "recon"
    verbose_name = "Audio Recon"

    def ready(self) -> None:
        # Register the Celery tasks (enqueue_on_commit looks them up by name).
        from recon import tasks  # noqa: F401
