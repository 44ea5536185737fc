from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        # Celery autodiscovery only imports ``content.tasks``; register the fingerprint tasks.
        from content import tasks_fingerprints  # noqa: F401
