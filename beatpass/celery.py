import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatpass.settings.dev")

app = Celery("beatpass")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """Send the task named ``task_name`` with these arguments once the current transaction
    commits (at once outside a transaction).

    The task is looked up by name when it is sent, so services never import task modules:
    tasks depend on services, never the other way round. A broker outage must not turn a
    committed request into a 500: a connection error while sending is logged and the row's
    pending status lets its sweeper re-queue it. Any other error propagates (under eager Celery,
    in dev and tests, that includes the task's own errors, so they are seen).
    """
    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send() -> None:
        try:
            app.tasks[task_name].delay(*args, **kwargs)
        except (OSError, OperationalError):
            log.exception("could not enqueue %s%r", task_name, args)

    transaction.on_commit(send)
