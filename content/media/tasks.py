"""Celery tasks of the audio pipeline (waveforms). Thin: take ids, call one service, retry with
backoff.

Conventions shared by every content task (the other sub-domains' ``tasks.py`` follow them):
explicit ``content.*`` names, ``acks_late`` + ``reject_on_worker_lost`` (a killed worker's task
is redelivered, so bodies are idempotent upserts keyed by track), retries with exponential
backoff for transient errors only, and a final failure recorded on the row by ``on_failure``.
"""

from __future__ import annotations

from celery import Task, shared_task

from content.media.services import renditions, waveforms


class WaveformTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted (or an unexpected error): never leave the row in "processing".
        track_id = args[0] if args else kwargs.get("track_id")
        if track_id is not None:
            waveforms.waveform_mark_failed(
                track_id=track_id, error=f"Waveform computation failed: {exc}"[:500]
            )


@shared_task(
    base=WaveformTask,
    name="content.compute_waveform",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(waveforms.TransientWaveformError,),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=4,
)
def compute_waveform(track_id: int, force: bool = False) -> str | None:
    waveform = waveforms.waveform_compute(track_id=track_id, force=force)
    return waveform.status if waveform is not None else None


@shared_task(
    name="content.transcode_rendition",
    acks_late=True,
    reject_on_worker_lost=True,
)
def transcode_rendition(rendition_id: int) -> str | None:
    """Transcode a download rendition (MP3 / WAV) once; see services/renditions.py."""
    rendition = renditions.rendition_compute(rendition_id=rendition_id)
    return rendition.status if rendition is not None else None


# Each sweeper re-queues its own stuck rows and returns how many it handled. (Fingerprints have
# their own periodic task, content.requeue_stuck_fingerprints.)
STUCK_SWEEPERS = {
    "waveforms": waveforms.waveforms_requeue_stuck,
    "renditions": renditions.renditions_requeue_stuck,
}


@shared_task(name="content.sweep_stuck_processing", acks_late=True, reject_on_worker_lost=True)
def sweep_stuck_processing() -> dict[str, int]:
    """Periodic (see setup_periodic_tasks): re-queue rows stuck in processing."""
    return {name: sweep() for name, sweep in STUCK_SWEEPERS.items()}
