"""Celery tasks for fingerprints. Thin: ids in, one service call, retries with backoff.

Registered through ``content.tasks``, which Celery's autodiscovery and ``ContentConfig.ready()``
import.
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from content.fingerprints import services

MAX_RETRIES = 5


@shared_task(
    name="content.compute_fingerprint",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def compute_fingerprint(self, track_id: int) -> str:
    """Compute and upsert the fingerprint of one track (idempotent, keyed by track)."""
    try:
        fingerprint = services.fingerprint_compute(
            track_id=track_id, takeover=self.request.retries > 0
        )
    except (DatabaseError, OSError) as exc:
        if self.request.retries >= self.max_retries:
            services.fingerprint_give_up(track_id=track_id, error=str(exc))
            return "failed"
        raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries)) from exc
    return fingerprint.status if fingerprint is not None else "skipped"


@shared_task(name="content.requeue_stuck_fingerprints", acks_late=True)
def requeue_stuck_fingerprints() -> int:
    """Periodic: re-queue fingerprints stuck in ``processing`` (see setup_periodic_tasks)."""
    return services.fingerprints_requeue_stuck()
