from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        # Register every sub-domain's task names, in the web process too: services enqueue
        # tasks by name (beatpass.celery.enqueue_on_commit), and eager Celery runs them here.
        from content import tasks  # noqa: F401
