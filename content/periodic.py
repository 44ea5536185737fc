"""Periodic jobs of the content app, registered idempotently with django-celery-beat.

``PERIODIC_TASKS`` maps a schedule name to ``(task name, schedule kwargs)``; the kwargs are an
``IntervalSchedule`` (``every``/``period``) or a ``CrontabSchedule`` (``minute``/``hour``/...).
``upsert_periodic_tasks()`` creates or updates them; it is safe to run on every deploy.
"""

from __future__ import annotations

from typing import Any

PERIODIC_TASKS: dict[str, tuple[str, dict[str, Any]]] = {
    # Every 5 minutes: a worker killed mid-task (OOM, deploy) leaves rows in "processing";
    # the sweeper re-queues them once they are older than PROCESSING_STUCK_AFTER_SECONDS.
    "content: sweep stuck processing": (
        "content.sweep_stuck_processing",
        {"every": 5, "period": "minutes"},
    ),
}


def upsert_periodic_tasks(tasks: dict[str, tuple[str, dict[str, Any]]] | None = None) -> list:
    """Create or update the periodic tasks (keyed by name). Returns the PeriodicTask rows."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    rows = []
    for name, (task, schedule) in (tasks or PERIODIC_TASKS).items():
        defaults: dict[str, Any] = {"task": task, "enabled": True}
        if "every" in schedule:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=schedule["every"], period=schedule["period"]
            )
            defaults.update(interval=interval, crontab=None)
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(**schedule)
            defaults.update(crontab=crontab, interval=None)
        row, _ = PeriodicTask.objects.update_or_create(name=name, defaults=defaults)
        rows.append(row)
    return rows
