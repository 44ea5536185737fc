"""The fold: play events → daily rollups and the ``Track.plays`` / ``Album.plays`` counters.

Runs every minute (``content.fold_plays``; ``manage.py fold_plays`` runs it once). Each batch
is one transaction that

1. takes the oldest events whose ``folded_ms`` differs from ``listened_ms`` (new plays, and
   plays whose listen duration grew since the last fold), row-locked, skipping rows an
   update-duration request holds at that instant (they come next time);
2. adds, per (track, day), the new plays, the new listeners (a play is a new listener when it
   is that listener's first play of the track that day, by id: deterministic, so re-running
   gives the same answer), the listen time gained and the plays newly completed;
3. adds the new plays to ``Track.plays``, recounts ``Album.plays`` for the albums touched
   (the sum of their tracks, so moving a track between albums heals on the next play), and
4. sets ``folded_ms`` / ``folded_completed`` to the values it used.

Steps 2-4 commit together or not at all: a crash at any point leaves either the whole batch or
nothing, and a re-run continues from the first event not yet folded. A run only folds events
that existed when it started, so it ends even under constant ingest. Runs exclude each other
(and the backfill) through an advisory lock; a second run simply returns.

After the batches, ``likes``, ``downloads`` and ``licenses`` of the recent days
(``ANALYTICS_REFRESH_DAYS``) are recounted from their own tables (idempotent by construction),
expired dedupe gates and old listener salts are deleted, and the achievements that plays can
unlock are evaluated for the artists whose tracks were played.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from beatpass.celery import enqueue_on_commit
from content import clock
from content.analytics.days import day_bounds, local_day
from content.analytics.models import ListenerSalt, PlayEvent, PlayGate, TrackDailyStats
from content.catalog.models import Album, Track, TrackArtist, TrackLike
from content.media.models import Download

log = logging.getLogger(__name__)

# Advisory lock key shared by the fold and the backfill ("plays" in ASCII).
FOLD_LOCK_KEY = 0x706C617973
MAX_ARTISTS_PER_EVALUATION = 2000


@dataclass
class FoldResult:
    events: int = 0
    plays: int = 0
    batches: int = 0
    skipped: bool = False  # another fold or a backfill held the lock
    tracks: set[int] = field(default_factory=set)


@contextlib.contextmanager
def fold_lock(*, wait: bool) -> Iterator[bool]:
    """Session advisory lock on PostgreSQL (released by PostgreSQL itself if the process dies);
    elsewhere (SQLite in ``make run``) a no-op: SQLite serialises writers."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s)", [FOLD_LOCK_KEY])
            acquired = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [FOLD_LOCK_KEY])
            acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [FOLD_LOCK_KEY])


def fold_plays(
    *, batch_size: int | None = None, max_batches: int | None = None, evaluate: bool = True
) -> FoldResult:
    """Fold pending play events, then refresh the recent days. See the module docstring."""
    result = FoldResult()
    batch_size = batch_size or settings.ANALYTICS_FOLD_BATCH_SIZE
    with fold_lock(wait=False) as acquired:
        if not acquired:
            result.skipped = True
            return result
        upto = PlayEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        fold_batch = (
            _fold_batch_postgresql if connection.vendor == "postgresql" else fold_batch_portable
        )
        while max_batches is None or result.batches < max_batches:
            with transaction.atomic():
                events, plays_by_track = fold_batch(upto=upto, batch_size=batch_size)
                if events == 0:
                    break
                apply_play_deltas(plays_by_track)
            result.events += events
            result.plays += sum(plays_by_track.values())
            result.tracks.update(plays_by_track)
            result.batches += 1
        refresh_recent_days()
        prune()
    if evaluate and result.tracks:
        _evaluate_played_artists(result.tracks)
    return result


# --- one batch (PostgreSQL: one statement) --------------------------------------------------------

_BATCH_SQL = """
WITH batch AS (
    SELECT id, track_id, listener, day, listened_ms, completed, folded_ms, folded_completed
    FROM content_playevent
    WHERE folded_ms <> listened_ms AND id <= %(upto)s
    ORDER BY id
    LIMIT %(batch_size)s
    FOR UPDATE SKIP LOCKED
), marked AS (
    UPDATE content_playevent e
    SET folded_ms = b.listened_ms, folded_completed = b.completed
    FROM batch b
    WHERE e.id = b.id
), per_day AS (
    SELECT b.track_id, b.day,
           count(*) FILTER (WHERE b.folded_ms = -1) AS plays,
           count(*) FILTER (WHERE b.folded_ms = -1 AND NOT EXISTS (
               SELECT 1 FROM content_playevent p
               WHERE p.track_id = b.track_id AND p.listener = b.listener
                 AND p.day = b.day AND p.id < b.id)) AS listeners,
           sum(b.listened_ms - greatest(b.folded_ms, 0)) AS listen_ms,
           count(*) FILTER (WHERE b.completed AND NOT b.folded_completed) AS completed
    FROM batch b
    GROUP BY b.track_id, b.day
), updated AS (
    UPDATE content_trackdailystats s SET
        plays = s.plays + p.plays,
        listeners = s.listeners + p.listeners,
        listen_ms = s.listen_ms + p.listen_ms,
        completed_plays = s.completed_plays + p.completed
    FROM per_day p
    WHERE s.track_id = p.track_id AND s.day = p.day
    RETURNING s.track_id, s.day
), inserted AS (
    -- Not INSERT ... ON CONFLICT DO UPDATE: the proposed row (the deltas alone) would have to
    -- pass the check constraints too, and a delta of listen time alone does not.
    INSERT INTO content_trackdailystats
        (track_id, day, plays, listeners, listen_ms, completed_plays, likes, downloads, licenses)
    SELECT p.track_id, p.day, p.plays, p.listeners, p.listen_ms, p.completed, 0, 0, 0
    FROM per_day p
    WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.track_id = p.track_id AND u.day = p.day)
)
SELECT track_id, sum(plays)::bigint, (SELECT count(*) FROM batch)
FROM per_day
GROUP BY track_id
"""


def _fold_batch_postgresql(*, upto: int, batch_size: int) -> tuple[int, dict[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(_BATCH_SQL, {"upto": upto, "batch_size": batch_size})
        rows = cursor.fetchall()
    if not rows:
        return 0, {}
    return rows[0][2], {track_id: plays for track_id, plays, _ in rows}


def fold_batch_portable(*, upto: int, batch_size: int) -> tuple[int, dict[int, int]]:
    """The same batch in plain ORM steps (SQLite in ``make run``; tests run it on PostgreSQL
    too, against the set-based statement). Call inside a transaction."""
    batch = list(
        PlayEvent.objects.select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked
        )
        .filter(id__lte=upto)
        .exclude(folded_ms=F("listened_ms"))
        .order_by("id")[:batch_size]
    )
    if not batch:
        return 0, {}
    per_day: dict[tuple[int, datetime.date], dict[str, int]] = defaultdict(
        lambda: {"plays": 0, "listeners": 0, "listen_ms": 0, "completed_plays": 0}
    )
    for event in batch:
        counts = per_day[(event.track_id, event.day)]
        if event.folded_ms == PlayEvent.UNFOLDED:
            counts["plays"] += 1
            earlier = PlayEvent.objects.filter(
                track_id=event.track_id, listener=event.listener, day=event.day, id__lt=event.pk
            )
            if not earlier.exists():
                counts["listeners"] += 1
        counts["listen_ms"] += event.listened_ms - max(event.folded_ms, 0)
        if event.completed and not event.folded_completed:
            counts["completed_plays"] += 1
        event.folded_ms, event.folded_completed = event.listened_ms, event.completed
    for (track_id, day), counts in per_day.items():
        stats, _ = TrackDailyStats.objects.select_for_update().get_or_create(
            track_id=track_id, day=day
        )
        TrackDailyStats.objects.filter(pk=stats.pk).update(
            **{name: F(name) + value for name, value in counts.items()}
        )
    PlayEvent.objects.bulk_update(batch, ["folded_ms", "folded_completed"])
    plays_by_track: dict[int, int] = defaultdict(int)
    for (track_id, _day), counts in per_day.items():
        plays_by_track[track_id] += counts["plays"]
    return len(batch), dict(plays_by_track)


def apply_play_deltas(deltas: dict[int, int]) -> None:
    """Move ``Track.plays`` by ``deltas`` (track id → plays, negative from a backfill that
    found fewer) and recount ``Album.plays`` of the albums touched. Track rows are locked in
    id order first, so two writers never wait on each other in a circle."""
    moved = {track_id: n for track_id, n in deltas.items() if n}
    if not moved:
        return
    ids = sorted(moved)
    # FOR NO KEY UPDATE: the foreign-key checks of concurrent play inserts take KEY SHARE
    # locks on these rows, which a plain FOR UPDATE would make wait for the whole batch.
    locked = Track.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    album_ids = sorted({album for _pk, album in locked.values_list("pk", "album_id") if album})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE content_track t SET plays = greatest(t.plays + d.n, 0) "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS d(id, n) WHERE t.id = d.id",
                [ids, [moved[i] for i in ids]],
            )
    else:
        for track_id in ids:
            Track.objects.filter(pk=track_id).update(
                plays=Greatest(F("plays") + moved[track_id], Value(0))
            )
    if album_ids:
        albums = Album.objects.select_for_update(no_key=True).filter(pk__in=album_ids)
        list(albums.order_by("pk").values("pk"))
        album_total = (
            Track.objects.filter(album=OuterRef("pk"))
            .values("album")
            .annotate(total=Sum("plays"))
            .values("total")
        )
        Album.objects.filter(pk__in=album_ids).update(
            plays=Coalesce(Subquery(album_total), Value(0))
        )


# --- recent days: likes, downloads, licenses ------------------------------------------------------


def license_counts(start: datetime.datetime, end: datetime.datetime) -> dict[int, int]:
    """Licenses issued per track in [start, end), from ``ANALYTICS_LICENSE_MODEL`` when set
    (``app_label.Model`` with a track foreign key ``ANALYTICS_LICENSE_TRACK_FIELD`` and a
    timestamp ``ANALYTICS_LICENSE_TIME_FIELD``); empty otherwise."""
    label = settings.ANALYTICS_LICENSE_MODEL
    if not label:
        return {}
    model = apps.get_model(label)
    track_field = settings.ANALYTICS_LICENSE_TRACK_FIELD
    time_field = settings.ANALYTICS_LICENSE_TIME_FIELD
    rows = (
        model.objects.filter(**{f"{time_field}__gte": start, f"{time_field}__lt": end})
        .values(track_field)
        .annotate(n=Count("pk"))
        .values_list(track_field, "n")
    )
    return dict(rows)


def _counts(queryset, start, end) -> dict[int, int]:
    return dict(
        queryset.filter(created_at__gte=start, created_at__lt=end)
        .values("track_id")
        .annotate(n=Count("id"))
        .values_list("track_id", "n")
    )


def refresh_day(day: datetime.date) -> int:
    """Recount likes, downloads and licenses of ``day`` into its rollup rows (upsert; rows
    whose counts vanished go back to 0). Returns the number of rows written."""
    start, end = day_bounds(day)
    likes = _counts(TrackLike.objects, start, end)
    downloads = _counts(Download.objects, start, end)
    licenses = license_counts(start, end)
    touched = set(likes) | set(downloads) | set(licenses)
    stale = (
        TrackDailyStats.objects.filter(day=day)
        .exclude(track_id__in=touched)
        .exclude(likes=0, downloads=0, licenses=0)
    )
    written = stale.update(likes=0, downloads=0, licenses=0)
    existing_tracks = set(Track.objects.filter(pk__in=touched).values_list("pk", flat=True))
    rows = [
        TrackDailyStats(
            track_id=track_id,
            day=day,
            likes=likes.get(track_id, 0),
            downloads=downloads.get(track_id, 0),
            licenses=licenses.get(track_id, 0),
        )
        for track_id in sorted(touched & existing_tracks)
    ]
    TrackDailyStats.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["track", "day"],
        update_fields=["likes", "downloads", "licenses"],
    )
    return written + len(rows)


def refresh_recent_days() -> None:
    today = local_day(clock.now())
    for offset in range(settings.ANALYTICS_REFRESH_DAYS):
        with transaction.atomic():
            refresh_day(today - datetime.timedelta(days=offset))


def prune() -> None:
    """Forget dedupe gates whose window is over, and salts older than yesterday (after which
    nobody can recompute an anonymous listener's hash)."""
    now = clock.now()
    PlayGate.objects.filter(
        started_at__lt=now - datetime.timedelta(seconds=settings.ANALYTICS_DEDUPE_SECONDS)
    ).delete()
    ListenerSalt.objects.filter(day__lt=local_day(now) - datetime.timedelta(days=1)).delete()


def _evaluate_played_artists(track_ids: set[int]) -> None:
    artist_ids = sorted(
        set(TrackArtist.objects.filter(track_id__in=track_ids).values_list("artist_id", flat=True))
    )
    if not artist_ids:
        return
    if len(artist_ids) > MAX_ARTISTS_PER_EVALUATION:
        artist_ids = None  # cheaper to evaluate everyone, set-based
    enqueue_on_commit("content.evaluate_achievements", artist_ids=artist_ids, event="plays")
