"""Celery tasks of search: audio descriptors and the vocabulary's upkeep. Thin: ids in, one
service call, retries with backoff for transient errors only (conventions: content/media/tasks.py).
"""

from __future__ import annotations

from celery import Task, shared_task

from content.search import services


class DescriptorTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted (or an unexpected error): record it, so the track is not retried
        # by the periodic job forever and the API can say "failed".
        track_id = args[0] if args else kwargs.get("track_id")
        if track_id is not None:
            services.descriptor_mark_failed(
                track_id=track_id, error=f"Audio analysis failed: {exc}"[:500]
            )


@shared_task(
    base=DescriptorTask,
    name="content.compute_audio_descriptor",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(services.TransientDescriptorError,),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=4,
)
def compute_audio_descriptor(track_id: int, force: bool = False) -> str | None:
    descriptor = services.descriptor_compute(track_id=track_id, force=force)
    return descriptor.status if descriptor is not None else None


@shared_task(name="content.queue_missing_descriptors", acks_late=True, reject_on_worker_lost=True)
def queue_missing_descriptors() -> int:
    """Periodic (see setup_periodic_tasks): descriptors lost to a broker or worker outage."""
    return services.descriptors_queue_missing()


@shared_task(name="content.prune_search_terms", acks_late=True, reject_on_worker_lost=True)
def prune_search_terms() -> int:
    """Periodic (see setup_periodic_tasks): drop vocabulary words nothing uses any more."""
    return services.search_terms_prune()
