"""Search writes: audio descriptors (computed after commit, whenever a track gets audio), the
spelling vocabulary's pruning and the bulk rebuild of the search documents.

The documents themselves are never written from Python: the database's triggers keep them
(see ``content/search/models.py``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from beatpass.celery import enqueue_on_commit
from content.audio.decode import DecodeError
from content.audio.descriptor import VERSION, DescriptorError, describe_file, signature
from content.catalog.models import Track
from content.search.models import TrackDescriptor
from content.uploads.services import local_path

log = logging.getLogger(__name__)

TASK = "content.compute_audio_descriptor"
MISSING_BATCH = 500
TERM_GRACE = timedelta(days=1)


class TransientDescriptorError(Exception):
    """Worth retrying (storage hiccup): the task retries it with backoff."""


def descriptor_schedule(*, track_id: int, force: bool = False) -> None:
    """Queue the descriptor of ``track_id`` once the current transaction commits."""
    enqueue_on_commit(TASK, track_id, force=force)


def descriptor_is_current(descriptor: TrackDescriptor | None, track: Track) -> bool:
    return (
        descriptor is not None
        and descriptor.source_file_id == track.file_id
        and descriptor.version == VERSION
    )


def descriptor_compute(*, track_id: int, force: bool = False) -> TrackDescriptor | None:
    """Describe the track's current audio and store the result (the task's body).

    Idempotent: a descriptor already computed for this audio and ``VERSION`` is kept unless
    ``force``. The audio is decoded outside any transaction; the result is stored only if the
    track still has the same audio (a replacement queued its own computation). Bad audio is
    stored as ``failed`` with a message; storage errors raise ``TransientDescriptorError``.
    Returns None when the track or its audio is gone.
    """
    track = Track.objects.select_related("file").filter(pk=track_id).first()
    if track is None or track.file is None:
        return None
    existing = TrackDescriptor.objects.filter(track_id=track_id).first()
    if not force and descriptor_is_current(existing, track):
        return existing
    entry = track.file
    try:
        with local_path(entry) as path:
            result = describe_file(
                path, tempo=track.bpm, key=track.key or None, scale=track.scale or None
            )
    except (DescriptorError, DecodeError) as exc:
        return _store(track_id=track_id, file_id=entry.pk, error=str(exc))
    except FileNotFoundError:
        return _store(track_id=track_id, file_id=entry.pk, error="The audio file is missing.")
    except OSError as exc:
        raise TransientDescriptorError(f"Could not read the audio file: {exc}") from exc
    return _store(
        track_id=track_id,
        file_id=entry.pk,
        vector=list(result.vector),
        signature=signature(result.vector),
        tempo=result.tempo,
        key=result.key or "",
        scale=result.scale or "",
    )


@transaction.atomic
def _store(*, track_id: int, file_id: int, error: str = "", **values) -> TrackDescriptor | None:
    """Upsert the row if ``file_id`` is still the track's audio. Locks the track row, so a
    concurrent audio replacement either happens before (and we store nothing) or after (and
    its own task overwrites us)."""
    current = (
        Track.objects.select_for_update().filter(pk=track_id).values_list("file_id", flat=True)
    )
    if list(current) != [file_id]:
        return None
    status = TrackDescriptor.Status.FAILED if error else TrackDescriptor.Status.COMPLETED
    if error:
        log.warning("audio descriptor of track %s failed: %s", track_id, error)
        values = {"vector": None, "signature": None, "tempo": None, "key": "", "scale": ""}
    descriptor, _ = TrackDescriptor.objects.update_or_create(
        track_id=track_id,
        defaults={
            **values,
            "status": status,
            "error": error[:2000],
            "version": VERSION,
            "source_file_id": file_id,
            "computed_at": timezone.now(),
        },
    )
    return descriptor


def descriptor_mark_failed(*, track_id: int, error: str) -> TrackDescriptor | None:
    """Record a failure that exhausted the task's retries (for the track's current audio)."""
    file_id = Track.objects.filter(pk=track_id).values_list("file_id", flat=True).first()
    if file_id is None:
        return None
    return _store(track_id=track_id, file_id=file_id, error=error)


def tracks_needing_descriptors() -> QuerySet[Track]:
    """Tracks with audio but no descriptor for that audio and ``VERSION`` (failed ones count as
    done: bad audio stays bad), in id order: what the periodic job and ``backfill_descriptors``
    work through."""
    current = TrackDescriptor.objects.filter(
        track=OuterRef("pk"), version=VERSION, source_file=OuterRef("file")
    )
    return Track.objects.filter(file__isnull=False).filter(~Exists(current)).order_by("pk")


def descriptors_queue_missing(*, limit: int = MISSING_BATCH) -> int:
    """Periodic: queue up to ``limit`` missing descriptors (lost enqueues, worker deaths, a new
    ``VERSION``). Returns how many were queued."""
    ids = list(tracks_needing_descriptors().values_list("pk", flat=True)[:limit])
    for track_id in ids:
        descriptor_schedule(track_id=track_id)
    return len(ids)


# --- search documents and vocabulary ----------------------------------------------------------


def search_documents_rebuild(*, after_id: int = 0, batch_size: int = 5000, progress=None) -> int:
    """Rebuild every track and album document (PostgreSQL), in id batches: after a bulk load
    with triggers disabled, or to repair. Returns the number of tracks refreshed. Each batch is
    its own transaction, so a long rebuild never holds locks for long."""
    if connection.vendor != "postgresql":
        return 0
    done = 0
    for table, function in (
        ("content_track", "beatpass_search_track_refresh"),
        ("content_album", "beatpass_search_album_refresh"),
    ):
        last = after_id
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT array_agg(id) FROM (SELECT id FROM {table} WHERE id > %s"  # noqa: S608
                    " ORDER BY id LIMIT %s) AS batch",
                    [last, batch_size],
                )
                ids = cursor.fetchone()[0]
                if not ids:
                    break
                cursor.execute(f"SELECT {function}(%s::bigint[])", [ids])
            last = max(ids)
            if table == "content_track":
                done += len(ids)
                if progress is not None:
                    progress(len(ids))
    return done


def search_terms_prune(*, grace: timedelta = TERM_GRACE) -> int:
    """Delete vocabulary words no document, name or label uses any more (PostgreSQL; older than
    ``grace``, so words of transactions still in flight are spared). Returns how many."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH live AS (
                SELECT word FROM ts_stat(
                    'SELECT ts_filter(document, ''{a,b,c}'') FROM content_searchtrack')
                UNION SELECT word FROM ts_stat(
                    'SELECT ts_filter(document, ''{a,b,c}'') FROM content_searchalbum')
                UNION SELECT unnest(tsvector_to_array(
                    to_tsvector('beatpass_search', name))) FROM content_artist
                UNION SELECT unnest(tsvector_to_array(
                    to_tsvector('beatpass_search', name))) FROM content_playlist
                UNION SELECT unnest(tsvector_to_array(
                    to_tsvector('beatpass_search', name))) FROM accounts_user
                UNION SELECT unnest(tsvector_to_array(
                    to_tsvector('beatpass_search', name))) FROM content_tag
                UNION SELECT unnest(tsvector_to_array(to_tsvector(
                    'beatpass_search', name || ' ' || display_name))) FROM content_genre
            )
            DELETE FROM content_searchterm AS t
            WHERE t.created_at < now() - %s
              AND NOT EXISTS (SELECT 1 FROM live WHERE live.word = t.term)
            """,
            [grace],
        )
        return cursor.rowcount
