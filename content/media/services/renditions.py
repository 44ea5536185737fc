"""Download renditions: the MP3 (and the WAV of a FLAC/AIFF original) made once per audio file.

Flow: a download asks ``rendition_request``; the first ask creates the row (unique per source
file and format) and enqueues ``content.transcode_rendition`` after commit; until the file is
ready the download answers 409 ``transcode_pending`` with ``Retry-After``. The task claims the
row under a row lock (``pending``/``failed`` → ``processing``), so concurrent tasks never do the
work twice; a row stuck in ``processing`` (killed worker) is re-queued by the sweeper.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from beatpass.api.errors import ApplicationError, Conflict
from beatpass.celery import enqueue_on_commit
from content.audio.transcode import TranscodeError, transcode
from content.fingerprints.services import local_audio_path
from content.media.models import AudioRendition, ProcessingStatus
from content.uploads.models import FileEntry

log = logging.getLogger(__name__)

TASK = "content.transcode_rendition"


class TranscodePending(Conflict):
    def __init__(self, fmt: str) -> None:
        retry = settings.DOWNLOAD_TRANSCODE_RETRY_SECONDS
        super().__init__(
            f"The {fmt.upper()} file is being prepared. Try again in {retry} seconds.",
            code="transcode_pending",
            extra={"retry_after": retry},
        )


class TranscodeFailed(ApplicationError):
    status_code = 503

    def __init__(self, fmt: str) -> None:
        super().__init__(
            f"The {fmt.upper()} file could not be prepared. Try the other format or contact "
            "support.",
            code="transcode_failed",
        )


def _stuck(rendition: AudioRendition) -> bool:
    limit = timedelta(seconds=settings.PROCESSING_STUCK_AFTER_SECONDS)
    return rendition.started_at is not None and timezone.now() - rendition.started_at > limit


def rendition_request(*, entry: FileEntry, fmt: str) -> AudioRendition:
    """The completed rendition of ``entry`` as ``fmt``; otherwise schedule it and raise 409
    ``transcode_pending`` (503 ``transcode_failed`` once the attempts are used up)."""
    # The hot path (a cached file) is one indexed read; the savepoint only on first use.
    rendition = AudioRendition.objects.filter(source_file=entry, format=fmt).first()
    if rendition is not None and rendition.status == ProcessingStatus.COMPLETED:
        return rendition
    created = False
    if rendition is None:
        try:
            with transaction.atomic():
                rendition, created = AudioRendition.objects.get_or_create(
                    source_file=entry, format=fmt
                )
        except IntegrityError:  # a concurrent first request created it
            rendition = AudioRendition.objects.get(source_file=entry, format=fmt)
    max_attempts = settings.PROCESSING_MAX_ATTEMPTS
    if rendition.status == ProcessingStatus.FAILED and rendition.attempts >= max_attempts:
        raise TranscodeFailed(fmt)
    if (
        created
        or rendition.status == ProcessingStatus.FAILED
        or (rendition.status == ProcessingStatus.PROCESSING and _stuck(rendition))
        or (rendition.status == ProcessingStatus.PENDING and _pending_is_old(rendition))
    ):
        enqueue_on_commit(TASK, rendition.pk)
        # Eager Celery (dev, tests) has done the work by now; a worker has not.
        rendition.refresh_from_db()
        if rendition.status == ProcessingStatus.COMPLETED:
            return rendition
    raise TranscodePending(fmt)


def _pending_is_old(rendition: AudioRendition) -> bool:
    # A pending row whose enqueue was lost (broker outage): ask again after a while.
    limit = timedelta(seconds=max(60, settings.DOWNLOAD_TRANSCODE_RETRY_SECONDS * 6))
    return timezone.now() - rendition.updated_at > limit


def _claim(rendition_id: int) -> AudioRendition | None:
    """Move the row to ``processing`` under its lock; None if there is nothing to do."""
    with transaction.atomic():
        rendition = (
            AudioRendition.objects.select_for_update()
            .select_related("source_file")
            .filter(pk=rendition_id)
            .first()
        )
        if rendition is None or rendition.status == ProcessingStatus.COMPLETED:
            return None
        if rendition.status == ProcessingStatus.PROCESSING and not _stuck(rendition):
            return None  # another worker is on it
        rendition.status = ProcessingStatus.PROCESSING
        rendition.started_at = timezone.now()
        rendition.attempts += 1
        rendition.error = ""
        rendition.save(update_fields=["status", "started_at", "attempts", "error", "updated_at"])
        return rendition


def rendition_compute(*, rendition_id: int) -> AudioRendition | None:
    """Transcode once (the Celery task's body). Idempotent; failures are recorded on the row."""
    rendition = _claim(rendition_id)
    if rendition is None:
        return AudioRendition.objects.filter(pk=rendition_id).first()
    entry = rendition.source_file
    fd, tmp_path = tempfile.mkstemp(suffix=f".{rendition.format}")
    os.close(fd)
    try:
        with local_audio_path(entry) as source:
            transcode(
                source,
                tmp_path,
                fmt=rendition.format,
                mp3_bitrate=settings.DOWNLOAD_MP3_BITRATE,
            )
        size = os.path.getsize(tmp_path)
        with open(tmp_path, "rb") as fh:
            rendition.file.save(f"{entry.uuid.hex}.{rendition.format}", File(fh), save=False)
    except (TranscodeError, OSError) as exc:
        log.warning("transcoding file %s to %s failed: %s", entry.pk, rendition.format, exc)
        AudioRendition.objects.filter(pk=rendition.pk).update(
            status=ProcessingStatus.FAILED, error=str(exc)[:500], updated_at=timezone.now()
        )
        rendition.refresh_from_db()
        return rendition
    finally:
        os.unlink(tmp_path)
    rendition.status = ProcessingStatus.COMPLETED
    rendition.size = size
    rendition.completed_at = timezone.now()
    rendition.save(update_fields=["file", "status", "size", "completed_at", "updated_at"])
    return rendition


def renditions_requeue_stuck() -> int:
    """Re-queue renditions stuck in ``processing`` (a worker died mid-transcode)."""
    cutoff = timezone.now() - timedelta(seconds=settings.PROCESSING_STUCK_AFTER_SECONDS)
    ids = list(
        AudioRendition.objects.filter(
            status=ProcessingStatus.PROCESSING, started_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_on_commit(TASK, pk)
    return len(ids)
