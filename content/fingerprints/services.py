"""Fingerprint writes: the status machine, the Celery-side computation, duplicate refusal.

Status machine (``Fingerprint.Status``)::

    pending ──start──▶ processing ──finish──▶ completed
       ▲                   │  └────fail────▶ failed ──retry──▶ pending
       └──── sweeper ◀─────┘ (stuck longer than PROCESSING_STUCK_AFTER_SECONDS)

Every transition locks the row (``select_for_update``). A result is stored only if the row is
still in the attempt that computed it and the track still has the audio it was computed from,
so a regenerate or an audio replacement during a computation never leaves a stale fingerprint.

Fingerprints are computed in-process by libchromaprint from one streaming decode that also
hashes the decoded audio (``content.audio.digest``). The result is cached by the file's SHA-256
(Django cache, ``FINGERPRINT_CACHE_SECONDS``): the duplicate check inside ``POST /tracks``
computes it once and the Celery task after commit reuses it.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from beatpass.api.errors import Conflict
from beatpass.celery import enqueue_on_commit
from content.audio import chromaprint, fpmatch
from content.audio import digest as digest_module
from content.catalog.models import Track
from content.fingerprints.models import Fingerprint
from content.fingerprints.presenters import present_duplicates
from content.fingerprints.selectors import (
    Duplicate,
    fingerprint_find_duplicates,
    tracks_with_same_audio,
)
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
    return f"fingerprint:v2:{sha256}"


def _known_sha256(entry: FileEntry) -> str:
    # "0" * 64 marks an unknown hash in old fixtures: never a cache key, never a match.
    return entry.sha256 if entry.sha256 and entry.sha256 != "0" * 64 else ""


def audio_digest_of_file(
    entry: FileEntry, *, query_variants: bool = False, timeout: float | None = None
) -> digest_module.AudioDigest:
    """Decode the upload once: content hash, fingerprints, audible seconds
    (``content.audio.digest``). Cached by the file's SHA-256, so the check inside
    ``POST /tracks`` and the Celery task after commit decode it once. Raises
    ``FingerprintError`` (and ``OSError`` when the stored file is missing).

    Failures are not cached: they may be transient (a timeout under load). ``timeout``
    defaults to ``FPCALC_TIMEOUT_SECONDS`` (workers); requests pass the shorter
    ``FPCALC_REQUEST_TIMEOUT_SECONDS``.
    """
    key = _cache_key(_known_sha256(entry)) if _known_sha256(entry) else None
    cached = cache.get(key) if key else None
    if cached is not None and (cached["variants"] or not query_variants):
        return digest_module.AudioDigest(
            pcm_sha256=cached["pcm_sha256"],
            items=_items_from(cached["items"]),
            duration=cached["duration"],
            audible_seconds=cached["audible_seconds"],
            tuning_cents=cached["tuning_cents"],
            tuned_items=_items_from(cached["tuned_items"]),
            variants={k: _items_from(v) for k, v in cached["variants"].items()},
        )
    with local_audio_path(entry) as path:
        digest = digest_module.digest_file(
            path,
            query_variants=query_variants,
            time_limit=timeout or settings.FPCALC_TIMEOUT_SECONDS,
        )
    if key:
        value = {
            "pcm_sha256": digest.pcm_sha256,
            "items": _items_to(digest.items),
            "duration": digest.duration,
            "audible_seconds": digest.audible_seconds,
            "tuning_cents": digest.tuning_cents,
            "tuned_items": _items_to(digest.tuned_items),
            "variants": {k: _items_to(v) for k, v in digest.variants.items()},
        }
        cache.set(key, value, settings.FINGERPRINT_CACHE_SECONDS)
    return digest


def _items_to(items: np.ndarray) -> bytes:
    return np.asarray(items, dtype=np.int32).astype("<i4").tobytes()


def _items_from(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i4").astype(np.int32)


def fingerprint_of_file(
    entry: FileEntry, *, timeout: float | None = None
) -> chromaprint.Fingerprint | chromaprint.InsufficientAudio:
    """The upload's fingerprint, or why it has none (silence, near-silence, too short)."""
    digest = audio_digest_of_file(entry, timeout=timeout)
    return chromaprint.assess(digest.items, digest.duration, digest.audible_seconds)


def _remember_pcm_sha256(entry: FileEntry, pcm_sha256: str) -> None:
    if pcm_sha256 and entry.pcm_sha256 != pcm_sha256:
        FileEntry.objects.filter(pk=entry.pk).update(pcm_sha256=pcm_sha256)
        entry.pcm_sha256 = pcm_sha256


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
    *,
    fingerprint_id: int,
    attempt: int,
    source_sha256: str,
    result: chromaprint.Fingerprint,
    tuned_items: np.ndarray | None = None,
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
        fingerprint.tuned_items = None if tuned_items is None else tuned_items.tolist()
        fingerprint.terms = fpmatch.stored_terms(items, tuned_items)
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
        fingerprint.items = fingerprint.tuned_items = None
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
        digest = audio_digest_of_file(entry)
        _remember_pcm_sha256(entry, digest.pcm_sha256)
        result = chromaprint.assess(digest.items, digest.duration, digest.audible_seconds)
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
        fingerprint_id=fingerprint.pk,
        attempt=attempt,
        source_sha256=entry.sha256,
        result=result,
        tuned_items=digest.tuned_items,
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

# Namespaces (the first key of the two-key form) of the advisory locks taken per content hash.
_CONTENT_LOCK_NAMESPACES = {"sha256": 0x62700001, "pcm_sha256": 0x62700002}


def _lock_content(kind: str, hexdigest: str) -> None:
    """Serialise duplicate checks of the same content until the transaction ends: a
    transaction-scoped advisory lock keyed by the hash (PostgreSQL). A second upload of the
    same audio waits here until the first one's track is committed (then it sees it and is
    refused) or rolled back. Locks are always taken in the order sha256 → pcm_sha256, so two
    checks cannot wait for each other. SQLite (``make run``) serialises writers anyway."""
    if not hexdigest or connection.vendor != "postgresql":
        return
    key = int(hexdigest[:8], 16) - (1 << 31)  # any 32 bits of a SHA-256 are as good as others
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_CONTENT_LOCK_NAMESPACES[kind], key]
        )


@dataclass(frozen=True)
class UploadCheck:
    status: str  # unique | duplicates_found | insufficient_audio | failed
    duplicates: list[Duplicate]
    message: str = ""


def upload_duplicates(
    *, entry: FileEntry, exclude_track_ids: Sequence[int] = (), lock: bool = False
) -> UploadCheck:
    """Every track the upload duplicates, most certain first, in three steps that stop at the
    first that finds something: the same bytes (SHA-256), the same decoded audio (PCM hash),
    then a fingerprint match at or above ``DUPLICATE_SIMILARITY_THRESHOLD`` (speed- and
    tempo-changed, voice-tagged and excerpted copies included, see ``content.audio.fpmatch``).

    ``lock=True`` (inside the transaction that publishes the upload) takes the advisory locks
    on both hashes first, so two identical uploads at the same moment cannot both pass.
    """
    exclude = list(exclude_track_ids)
    sha256 = _known_sha256(entry)
    if lock:
        _lock_content("sha256", sha256)
    exact = tracks_with_same_audio(sha256=sha256, exclude_track_ids=exclude)
    if exact:
        return UploadCheck("duplicates_found", exact)
    try:
        digest = audio_digest_of_file(
            entry, query_variants=True, timeout=settings.FPCALC_REQUEST_TIMEOUT_SECONDS
        )
    except (chromaprint.FingerprintError, OSError) as exc:
        log.warning("Duplicate check incomplete for file entry %s: %s", entry.pk, exc)
        return UploadCheck("failed", [], f"The duplicate check could not complete: {exc}")
    _remember_pcm_sha256(entry, digest.pcm_sha256)
    if lock:
        _lock_content("pcm_sha256", digest.pcm_sha256)
    exact = tracks_with_same_audio(pcm_sha256=digest.pcm_sha256, exclude_track_ids=exclude)
    if exact:
        return UploadCheck("duplicates_found", exact)
    result = chromaprint.assess(digest.items, digest.duration, digest.audible_seconds)
    if isinstance(result, chromaprint.InsufficientAudio):
        return UploadCheck(result.code, [], result.reason)
    duplicates = fingerprint_find_duplicates(
        items=digest.items,
        tuned=[digest.tuned_items, *digest.variants.values()],
        exclude_track_ids=exclude,
    )
    return UploadCheck("duplicates_found" if duplicates else "unique", duplicates)


def check_upload_for_duplicates(
    *, entry: FileEntry, viewer, exclude_track_id: int | None = None
) -> None:
    """Raise 409 ``duplicate_audio`` when ``entry`` duplicates a track (see
    ``upload_duplicates``). Must run inside the transaction that publishes the upload: it
    holds advisory locks on the content hashes until that transaction ends. An upload the
    check cannot fingerprint is not blocked ("you can still proceed")."""
    if not connection.in_atomic_block:
        raise RuntimeError("check_upload_for_duplicates must run inside a transaction.")
    check = upload_duplicates(
        entry=entry, exclude_track_ids=[exclude_track_id] if exclude_track_id else [], lock=True
    )
    if check.duplicates:
        raise Conflict(
            "Duplicate audio detected.",
            code="duplicate_audio",
            extra={"duplicates": present_duplicates(check.duplicates, viewer=viewer)},
        )


def fingerprint_give_up(*, track_id: int, error: str) -> Fingerprint | None:
    """The task ran out of retries on infrastructure errors: → ``failed``, whatever the claim."""
    fingerprint = Fingerprint.objects.filter(track_id=track_id).first()
    if fingerprint is None:
        return None
    return fingerprint_fail(
        fingerprint_id=fingerprint.pk, error=f"Fingerprinting failed repeatedly: {error}"
    )
