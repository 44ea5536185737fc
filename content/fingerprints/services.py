"""Fingerprint writes: the status machine, the Celery-side computation, duplicate refusal.

Status machine (``Fingerprint.Status``)::

    pending ──start──▶ processing ──finish──▶ completed
       ▲                   │  └────fail────▶ failed ──retry──▶ pending
       └──── sweeper ◀─────┘ (stuck longer than PROCESSING_STUCK_AFTER_SECONDS)

Every transition locks the row (``select_for_update``). A result is stored only if the row is
still in the attempt that computed it and the track still has the audio it was computed from,
so a regenerate or an audio replacement during a computation never leaves a stale fingerprint.

The fingerprint of an uploaded file is cached by the file's SHA-256 (Django cache,
``FINGERPRINT_CACHE_SECONDS``): the duplicate check inside ``POST /tracks`` computes it once
(fpcalc takes ~0.1 s per minute of audio) and the Celery task after commit reuses it.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from beatpass.api.errors import Conflict
from beatpass.celery import enqueue_on_commit
from content.audio import chromaprint, fpmatch
from content.catalog.models import Track
from content.fingerprints.models import Fingerprint
from content.fingerprints.presenters import present_duplicates
from content.fingerprints.selectors import fingerprint_find_duplicates
from content.uploads.models import FileEntry

log = logging.getLogger(__name__)

ERROR_FAILED = "fingerprint_failed"
ERROR_NO_AUDIO = "no_audio"


# --- computing (cached by file content) ----------------------------------------------------------


@contextlib.contextmanager
def local_audio_path(entry: FileEntry) -> Iterator[str]:
    """A filesystem path for the entry's audio; remote storages are copied to a temp file."""
    try:
        yield entry.file.path
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=entry.extension) as tmp:
        with entry.file.open("rb") as src:
            shutil.copyfileobj(src, tmp, 1024 * 1024)
        tmp.flush()
        yield tmp.name


def _cache_key(sha256: str) -> str:
    return f"fingerprint:v1:{sha256}"


def fingerprint_of_file(
    entry: FileEntry, *, timeout: float | None = None
) -> chromaprint.Fingerprint | chromaprint.InsufficientAudio:
    """Compute (or reuse) the fingerprint of an uploaded file. Raises ``FingerprintError``.

    Failures are not cached: they may be transient (a timeout under load). ``timeout`` defaults
    to ``FPCALC_TIMEOUT_SECONDS`` (workers); requests pass the shorter
    ``FPCALC_REQUEST_TIMEOUT_SECONDS``.
    """
    key = _cache_key(entry.sha256) if entry.sha256 and entry.sha256 != "0" * 64 else None
    cached = cache.get(key) if key else None
    if cached is not None:
        if "insufficient" in cached:
            return chromaprint.InsufficientAudio(cached["insufficient"], cached["duration"])
        items = np.frombuffer(cached["items"], dtype="<i4").astype(np.int32)
        return chromaprint.Fingerprint(items=items, duration=cached["duration"])
    with local_audio_path(entry) as path:
        result = chromaprint.compute(
            path,
            fpcalc=settings.FPCALC_PATH,
            timeout=timeout or settings.FPCALC_TIMEOUT_SECONDS,
        )
    if key:
        if isinstance(result, chromaprint.InsufficientAudio):
            value = {"insufficient": result.reason, "duration": result.duration}
        else:
            value = {"items": result.items.astype("<i4").tobytes(), "duration": result.duration}
        cache.set(key, value, settings.FINGERPRINT_CACHE_SECONDS)
    return result


# --- status machine ------------------------------------------------------------------------------


def fingerprint_request(*, track_id: int) -> Fingerprint:
    """(Re)generate: the track's fingerprint goes back to ``pending`` and a computation is
    queued after commit. Used on create, on audio replacement and by the regenerate endpoint."""
    with transaction.atomic():
        fingerprint, _ = Fingerprint.objects.select_for_update().get_or_create(track_id=track_id)
        fingerprint.status = Fingerprint.Status.PENDING
        fingerprint.error = fingerprint.error_code = ""
        fingerprint.started_at = None
        fingerprint.terms = []  # only completed fingerprints are in the index
        fingerprint.save()
        # A broker outage leaves the row pending; the sweeper re-queues it.
        enqueue_on_commit("content.compute_fingerprint", track_id)
    return fingerprint


def fingerprint_retry(*, fingerprint: Fingerprint) -> Fingerprint:
    """Retry a failed fingerprint. Anything but ``failed`` is a 409. Locks the row."""
    with transaction.atomic():
        locked = Fingerprint.objects.select_for_update().get(pk=fingerprint.pk)
        if locked.status != Fingerprint.Status.FAILED:
            raise Conflict(
                f"Only failed fingerprints can be retried (this one is {locked.status}).",
                code="fingerprint_not_failed",
            )
        return fingerprint_request(track_id=locked.track_id)


def _is_stuck(fingerprint: Fingerprint) -> bool:
    limit = timedelta(seconds=settings.PROCESSING_STUCK_AFTER_SECONDS)
    return fingerprint.started_at is None or fingerprint.started_at < timezone.now() - limit


def fingerprint_start(
    *, track_id: int, takeover: bool = False, force: bool = False
) -> tuple[Fingerprint, int] | None:
    """Claim the track's fingerprint for one computation: → ``processing``, attempts + 1.

    Returns ``(fingerprint, attempt)``, or None when there is nothing to do: the track is gone,
    its fingerprint is already completed for its current audio, or another worker holds a fresh
    claim (``takeover`` lets a task retry reclaim its own row; ``force`` recomputes a completed
    one). Locks the row.
    """
    with transaction.atomic():
        track = Track.objects.filter(pk=track_id).select_related("file").first()
        if track is None:
            return None
        fingerprint, _ = Fingerprint.objects.select_for_update().get_or_create(track_id=track_id)
        source = track.file.sha256 if track.file else ""
        if (
            not force
            and fingerprint.status == Fingerprint.Status.COMPLETED
            and fingerprint.source_sha256 == source
        ):
            return None
        if (
            fingerprint.status == Fingerprint.Status.PROCESSING
            and not takeover
            and not _is_stuck(fingerprint)
        ):
            return None
        fingerprint.status = Fingerprint.Status.PROCESSING
        fingerprint.attempts += 1
        fingerprint.started_at = timezone.now()
        fingerprint.error = fingerprint.error_code = ""
        fingerprint.save()
        return fingerprint, fingerprint.attempts


def _claim(fingerprint_id: int, attempt: int | None) -> Fingerprint | None:
    fingerprint = Fingerprint.objects.select_for_update().filter(pk=fingerprint_id).first()
    if fingerprint is None or fingerprint.status != Fingerprint.Status.PROCESSING:
        return None
    if attempt is not None and fingerprint.attempts != attempt:
        return None
    return fingerprint


def fingerprint_finish(
    *, fingerprint_id: int, attempt: int, source_sha256: str, result: chromaprint.Fingerprint
) -> Fingerprint | None:
    """Store a computed fingerprint (→ ``completed``) unless the claim or the audio changed."""
    with transaction.atomic():
        fingerprint = _claim(fingerprint_id, attempt)
        if fingerprint is None:
            return None
        current = (
            Track.objects.filter(pk=fingerprint.track_id)
            .values_list("file__sha256", flat=True)
            .first()
        )
        if current != source_sha256:
            return None  # the audio was replaced meanwhile; its own computation is queued
        items = result.items.astype(np.int32)
        fingerprint.items = items.tolist()
        fingerprint.terms = fpmatch.index_terms(items)
        fingerprint.duration = round(result.duration, 3)
        fingerprint.hash = result.sha256
        fingerprint.source_sha256 = source_sha256
        fingerprint.status = Fingerprint.Status.COMPLETED
        fingerprint.fingerprinted_at = timezone.now()
        fingerprint.error = fingerprint.error_code = ""
        fingerprint.save()
        return fingerprint


def fingerprint_fail(
    *, fingerprint_id: int, error: str, code: str = ERROR_FAILED, attempt: int | None = None
) -> Fingerprint | None:
    """→ ``failed`` with a message for the producer (only from ``processing``)."""
    with transaction.atomic():
        fingerprint = _claim(fingerprint_id, attempt)
        if fingerprint is None:
            return None
        fingerprint.status = Fingerprint.Status.FAILED
        fingerprint.error = error[:1000]
        fingerprint.error_code = code
        fingerprint.items = None
        fingerprint.terms = []
        fingerprint.hash = ""
        fingerprint.save()
        return fingerprint


def fingerprint_compute(
    *, track_id: int, takeover: bool = False, force: bool = False
) -> Fingerprint | None:
    """The whole computation for one track, as the Celery task runs it. Idempotent.

    Bad audio ends in ``failed`` with a message. Infrastructure errors (database, storage)
    propagate so the task retries; the row stays claimed and the retry takes it over.
    """
    claimed = fingerprint_start(track_id=track_id, takeover=takeover, force=force)
    if claimed is None:
        return None
    fingerprint, attempt = claimed
    entry = FileEntry.objects.filter(track__pk=track_id).first()
    if entry is None:
        return fingerprint_fail(
            fingerprint_id=fingerprint.pk,
            attempt=attempt,
            error="The track has no audio file.",
            code=ERROR_NO_AUDIO,
        )
    try:
        result = fingerprint_of_file(entry)
    except chromaprint.FingerprintError as exc:
        return fingerprint_fail(fingerprint_id=fingerprint.pk, attempt=attempt, error=str(exc))
    except FileNotFoundError:
        return fingerprint_fail(
            fingerprint_id=fingerprint.pk,
            attempt=attempt,
            error="The audio file is missing from storage.",
        )
    if isinstance(result, chromaprint.InsufficientAudio):
        return fingerprint_fail(
            fingerprint_id=fingerprint.pk, attempt=attempt, error=result.reason, code=result.code
        )
    return fingerprint_finish(
        fingerprint_id=fingerprint.pk, attempt=attempt, source_sha256=entry.sha256, result=result
    )


def fingerprints_requeue_stuck(*, older_than_seconds: int | None = None) -> int:
    """Re-queue fingerprints whose task was lost: rows in ``processing`` (a worker died
    mid-task) or still ``pending`` (the enqueue failed, e.g. the broker was down) for longer
    than ``PROCESSING_STUCK_AFTER_SECONDS``. Returns how many were re-queued. Locks the rows it
    moves, skipping rows another transaction holds."""
    seconds = settings.PROCESSING_STUCK_AFTER_SECONDS
    if older_than_seconds is not None:
        seconds = older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    lost = Q(status=Fingerprint.Status.PROCESSING, started_at__lt=cutoff) | Q(
        status=Fingerprint.Status.PENDING, updated_at__lt=cutoff
    )
    with transaction.atomic():
        stuck = list(
            Fingerprint.objects.select_for_update(skip_locked=True)
            .filter(lost)
            .order_by("pk")[:1000]
        )
        for fingerprint in stuck:
            fingerprint.status = Fingerprint.Status.PENDING
            fingerprint.started_at = None
            fingerprint.save(update_fields=["status", "started_at", "updated_at"])
            enqueue_on_commit("content.compute_fingerprint", fingerprint.track_id)
    if stuck:
        log.warning("Re-queued %d lost fingerprint task(s)", len(stuck))
    return len(stuck)


# --- duplicate refusal ---------------------------------------------------------------------------


def check_upload_for_duplicates(
    *, entry: FileEntry, viewer, exclude_track_id: int | None = None
) -> None:
    """Raise 409 ``duplicate_audio`` when ``entry`` matches a completed fingerprint at or above
    the threshold. A failed or insufficient fingerprint never blocks ("you can still proceed")."""
    try:
        result = fingerprint_of_file(entry, timeout=settings.FPCALC_REQUEST_TIMEOUT_SECONDS)
    except (chromaprint.FingerprintError, OSError) as exc:
        log.warning("Duplicate check skipped for file entry %s: %s", entry.pk, exc)
        return
    if isinstance(result, chromaprint.InsufficientAudio):
        return
    exclude = [exclude_track_id] if exclude_track_id else []
    duplicates = fingerprint_find_duplicates(items=result.items, exclude_track_ids=exclude)
    if duplicates:
        raise Conflict(
            "Duplicate audio detected.",
            code="duplicate_audio",
            extra={"duplicates": present_duplicates(duplicates, viewer=viewer)},
        )


def fingerprint_give_up(*, track_id: int, error: str) -> Fingerprint | None:
    """The task ran out of retries on infrastructure errors: → ``failed``, whatever the claim."""
    fingerprint = Fingerprint.objects.filter(track_id=track_id).first()
    if fingerprint is None:
        return None
    return fingerprint_fail(
        fingerprint_id=fingerprint.pk, error=f"Fingerprinting failed repeatedly: {error}"
    )
