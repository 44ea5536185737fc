"""Periodic jobs of the fingerprint pipeline, for django-celery-beat.

``PERIODIC_TASKS`` maps a schedule name to ``(task name, IntervalSchedule kwargs)``;
``register_periodic_tasks()`` upserts them (idempotent: run it from a command or a migration as
often as you like). The integrator unifies this registry with the other features' ones.
"""

from __future__ import annotations

PERIODIC_TASKS: dict[str, tuple[str, dict]] = {
    # Every 5 minutes: a worker that died mid-task leaves its fingerprint in "processing";
    # re-queue those older than PROCESSING_STUCK_AFTER_SECONDS so none stays stuck.
    "content: re-queue stuck fingerprints": (
        "content.requeue_stuck_fingerprints",
        {"every": 5, "period": "minutes"},
    ),
}


def register_periodic_tasks() -> list[str]:
    """Create or update the schedules above; returns their names."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    names = []
    for name, (task, schedule) in PERIODIC_TASKS.items():
        interval, _ = IntervalSchedule.objects.get_or_create(**schedule)
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": interval, "enabled": True}
        )
        names.append(name)
    return names
