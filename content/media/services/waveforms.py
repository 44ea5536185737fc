"""Waveform peaks per track: scheduling, computing (called by the Celery task) and sweeping.

Status machine (``TrackWaveform.status``)::

    pending ──task starts──▶ processing ──peaks saved──▶ completed
       ▲                        │  └──bad audio / attempts exhausted──▶ failed
       └── audio replaced, ─────┘
           sweeper (stuck), backfill --all

Every write locks the row (``select_for_update``); the task is an idempotent upsert keyed by
track: a completed row for the track's current audio is left alone unless ``force``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from beatpass.celery import enqueue_on_commit
from content.audio.decode import DecodeError
from content.audio.waveform import WaveformError, compute_peaks
from content.catalog.models import Track
from content.media.models import ProcessingStatus, TrackWaveform
from content.uploads.services import local_path

log = logging.getLogger(__name__)

Status = ProcessingStatus


class TransientWaveformError(Exception):
    """A failure worth retrying (storage hiccup, lost file handle): the task retries it."""


def _max_attempts() -> int:
    return int(getattr(settings, "PROCESSING_MAX_ATTEMPTS", 5))


def _buckets() -> int:
    return int(getattr(settings, "WAVEFORM_BUCKETS", 1800))


def enqueue_waveform(track_id: int, *, force: bool = False) -> None:
    """Queue ``content.compute_waveform`` once the current transaction commits."""
    enqueue_on_commit("content.compute_waveform", track_id, force=force)


@transaction.atomic
def waveform_schedule(*, track_id: int, force: bool = False) -> TrackWaveform | None:
    """Upsert the track's row as ``pending`` and queue the task after commit.

    Called when a track's audio is set or replaced, by the sweeper and by the backfill. Returns
    None when the track (or its audio) no longer exists. Locks the row.
    """
    track = Track.objects.filter(pk=track_id).only("pk", "file_id").first()
    if track is None or track.file_id is None:
        return None
    waveform, _ = TrackWaveform.objects.get_or_create(track_id=track_id)
    waveform = TrackWaveform.objects.select_for_update().get(pk=waveform.pk)
    up_to_date = waveform.status == Status.COMPLETED and waveform.source_file_id == track.file_id
    if up_to_date and not force:
        return waveform
    waveform.attempts = 0  # an explicit request (new audio, backfill) gets a fresh budget
    waveform.status = Status.PENDING
    waveform.error = ""
    waveform.started_at = None
    waveform.save(update_fields=["status", "error", "started_at", "attempts", "updated_at"])
    enqueue_waveform(track_id, force=force)
    return waveform


def waveform_compute(
    *, track_id: int, force: bool = False, fresh: bool = False
) -> TrackWaveform | None:
    """Compute and store the peaks of the track's current audio (the task's body).

    Three short transactions: claim the row (``processing``, attempts + 1), decode outside any
    transaction, then store the result if the track still has the same audio. Bad audio marks
    the row ``failed`` with a message; storage errors raise ``TransientWaveformError``.
    ``fresh`` (backfills) starts a new attempt budget.
    """
    with transaction.atomic():
        track = Track.objects.select_related("file").filter(pk=track_id).first()
        if track is None:
            return None
        waveform, _ = TrackWaveform.objects.get_or_create(track_id=track_id)
        waveform = TrackWaveform.objects.select_for_update().get(pk=waveform.pk)
        if track.file is None:
            return _fail(waveform, "The track has no audio file.")
        if (
            not force
            and waveform.status == Status.COMPLETED
            and waveform.source_file_id == track.file_id
        ):
            return waveform
        if fresh:
            waveform.attempts = 0
        if waveform.attempts >= _max_attempts():
            return _fail(waveform, f"Gave up after {waveform.attempts} attempts.")
        waveform.status = Status.PROCESSING
        waveform.source_file_id = track.file_id  # what this attempt (and its outcome) is about
        waveform.started_at = timezone.now()
        waveform.completed_at = None
        waveform.attempts += 1
        waveform.error = ""
        waveform.save(
            update_fields=[
                "status", "source_file", "started_at", "completed_at", "attempts", "error",
                "updated_at",
            ]
        )  # fmt: skip
        entry = track.file

    try:
        with local_path(entry) as path:
            result = compute_peaks(path, buckets=_buckets(), expected_frames=_frames_of(entry))
    except (WaveformError, DecodeError) as exc:
        return waveform_mark_failed(track_id=track_id, error=str(exc))
    except FileNotFoundError:
        return waveform_mark_failed(track_id=track_id, error="The audio file is missing.")
    except OSError as exc:
        raise TransientWaveformError(f"Could not read the audio file: {exc}") from exc

    if entry.duration_ms and entry.sample_rate:
        decoded_ms = result.frames * 1000 / entry.sample_rate
        if decoded_ms < entry.duration_ms * 0.98 - 50:
            return waveform_mark_failed(
                track_id=track_id,
                error=(
                    f"The audio file is truncated: {entry.duration_ms / 1000:.1f}s expected, "
                    f"{decoded_ms / 1000:.1f}s decoded."
                ),
            )

    with transaction.atomic():
        waveform = TrackWaveform.objects.select_for_update().get(track_id=track_id)
        current_file = Track.objects.filter(pk=track_id).values_list("file_id", flat=True).first()
        if current_file != entry.pk:
            # The audio was replaced while we decoded; the replacement queued its own task.
            return waveform
        waveform.status = Status.COMPLETED
        waveform.peaks = result.peaks
        waveform.buckets = len(result.peaks) // 2
        waveform.source_file_id = entry.pk
        waveform.completed_at = timezone.now()
        waveform.error = ""
        waveform.save(
            update_fields=[
                "status", "peaks", "buckets", "source_file", "completed_at", "error",
                "updated_at",
            ]
        )  # fmt: skip
    return waveform


def _frames_of(entry) -> int | None:
    if entry.duration_ms and entry.sample_rate:
        return int(entry.duration_ms * entry.sample_rate / 1000)
    return None


def _fail(waveform: TrackWaveform, error: str) -> TrackWaveform:
    waveform.status = Status.FAILED
    waveform.error = error[:2000]
    waveform.peaks = None
    waveform.completed_at = timezone.now()
    waveform.save(update_fields=["status", "error", "peaks", "completed_at", "updated_at"])
    return waveform


@transaction.atomic
def waveform_mark_failed(*, track_id: int, error: str) -> TrackWaveform | None:
    """Record a permanent failure with its message. Locks the row."""
    waveform = TrackWaveform.objects.select_for_update().filter(track_id=track_id).first()
    if waveform is None:
        return None
    log.warning("waveform of track %s failed: %s", track_id, error)
    return _fail(waveform, error)


def waveforms_requeue_stuck(*, older_than: timedelta | None = None) -> int:
    """Re-queue rows stuck in ``processing`` (worker died) or ``pending`` (enqueue lost).

    Rows whose attempts are used up are marked failed instead. Locks with SKIP LOCKED so two
    sweepers never handle the same row. Returns the number of rows re-queued or failed.
    """
    if older_than is None:
        seconds = int(getattr(settings, "PROCESSING_STUCK_AFTER_SECONDS", 900))
        older_than = timedelta(seconds=seconds)
    cutoff = timezone.now() - older_than
    handled = 0
    with transaction.atomic():
        stuck = list(
            TrackWaveform.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Status.PROCESSING, started_at__lt=cutoff)
                | Q(status=Status.PENDING, updated_at__lt=cutoff)
            )
            .order_by("pk")[:500]
        )
        for waveform in stuck:
            if waveform.attempts >= _max_attempts():
                _fail(waveform, f"Gave up after {waveform.attempts} attempts (stuck).")
            else:
                waveform.status = Status.PENDING
                waveform.started_at = None
                waveform.save(update_fields=["status", "started_at", "updated_at"])
                enqueue_waveform(waveform.track_id)
            handled += 1
    return handled
