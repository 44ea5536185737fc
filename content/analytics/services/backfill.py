"""Rebuilding daily rollups from the raw events (``manage.py backfill_analytics``).

Each day is one transaction that replaces the day's rollup rows with what its events say,
marks those events folded (so the incremental fold never adds them again), moves
``Track.plays`` by the difference and recounts likes/downloads/licenses; the run's checkpoint
moves in the same transaction, so an interrupted run resumes after the last committed day.
It holds the fold's advisory lock for each day: the fold and a backfill never interleave.

On PostgreSQL the day runs under REPEATABLE READ: the aggregate and the marking see one
snapshot, and an event whose duration a listener raises meanwhile makes the marking fail with a
serialization error; the day is then retried (nothing was written).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from content.analytics.models import PlayEvent, RollupBackfill, TrackDailyStats
from content.analytics.services.fold import FOLD_LOCK_KEY, apply_play_deltas, refresh_day

SERIALIZATION_RETRIES = 5


@dataclass(frozen=True)
class DayRebuilt:
    day: datetime.date
    tracks: int
    plays: int


def backfill_start(*, first_day: datetime.date, last_day: datetime.date, restart: bool = False):
    """The checkpoint row of this range: the unfinished one (resume) or a fresh one."""
    with transaction.atomic():
        run, created = RollupBackfill.objects.select_for_update().get_or_create(
            first_day=first_day, last_day=last_day
        )
        if restart and not created:
            run.last_day_done = None
            run.finished_at = None
            run.save(update_fields=["last_day_done", "finished_at", "updated_at"])
    return run


def backfill_days_left(run: RollupBackfill) -> list[datetime.date]:
    start = run.first_day
    if run.last_day_done is not None:
        start = run.last_day_done + datetime.timedelta(days=1)
    return [
        start + datetime.timedelta(days=i) for i in range(max(0, (run.last_day - start).days + 1))
    ]


def backfill_day(*, run: RollupBackfill, day: datetime.date) -> DayRebuilt:
    """Rebuild ``day`` and advance ``run``'s checkpoint, retrying serialization failures."""
    for attempt in range(SERIALIZATION_RETRIES):
        try:
            return _backfill_day_once(run=run, day=day)
        except OperationalError as exc:  # psycopg's SerializationFailure is an OperationalError
            if "could not serialize" not in str(exc) or attempt == SERIALIZATION_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _backfill_day_once(*, run: RollupBackfill, day: datetime.date) -> DayRebuilt:
    # Inside a caller's transaction (tests) the isolation level is the caller's.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FOLD_LOCK_KEY])
            deltas, tracks, plays = _rebuild_postgresql(day)
        else:
            deltas, tracks, plays = _rebuild_portable(day)
        apply_play_deltas(deltas)
        refresh_day(day)
        RollupBackfill.objects.filter(pk=run.pk).update(
            last_day_done=day,
            finished_at=timezone.now() if day >= run.last_day else None,
            updated_at=timezone.now(),
        )
    return DayRebuilt(day=day, tracks=tracks, plays=plays)


_REBUILD_SQL = """
WITH fresh AS (
    SELECT track_id, count(*) AS plays, count(DISTINCT listener) AS listeners,
           coalesce(sum(listened_ms), 0) AS listen_ms,
           count(*) FILTER (WHERE completed) AS completed
    FROM content_playevent
    WHERE day = %(day)s
    GROUP BY track_id
), old AS (
    SELECT track_id, plays FROM content_trackdailystats WHERE day = %(day)s
), upsert AS (
    INSERT INTO content_trackdailystats AS s
        (track_id, day, plays, listeners, listen_ms, completed_plays, likes, downloads, licenses)
    SELECT track_id, %(day)s, plays, listeners, listen_ms, completed, 0, 0, 0 FROM fresh
    ON CONFLICT (track_id, day) DO UPDATE SET
        plays = EXCLUDED.plays, listeners = EXCLUDED.listeners,
        listen_ms = EXCLUDED.listen_ms, completed_plays = EXCLUDED.completed_plays
), emptied AS (
    UPDATE content_trackdailystats s
    SET plays = 0, listeners = 0, listen_ms = 0, completed_plays = 0
    WHERE s.day = %(day)s AND s.plays > 0
      AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.track_id = s.track_id)
), marked AS (
    UPDATE content_playevent e
    SET folded_ms = e.listened_ms, folded_completed = e.completed
    WHERE e.day = %(day)s AND (e.folded_ms <> e.listened_ms OR e.folded_completed <> e.completed)
)
SELECT coalesce(f.track_id, o.track_id), coalesce(f.plays, 0) - coalesce(o.plays, 0),
       f.plays IS NOT NULL, coalesce(f.plays, 0)
FROM fresh f FULL JOIN old o ON o.track_id = f.track_id
"""


def _rebuild_postgresql(day: datetime.date) -> tuple[dict[int, int], int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD_SQL, {"day": day})
        rows = cursor.fetchall()
    deltas = {track_id: delta for track_id, delta, _fresh, _plays in rows}
    tracks = sum(1 for row in rows if row[2])
    return deltas, tracks, sum(row[3] for row in rows)


def _rebuild_portable(day: datetime.date) -> tuple[dict[int, int], int, int]:
    events = PlayEvent.objects.filter(day=day)
    fresh = {
        row["track_id"]: row
        for row in events.values("track_id").annotate(
            plays=Count("id"),
            listeners=Count("listener", distinct=True),
            listen_ms=Sum("listened_ms"),
            completed=Count("id", filter=Q(completed=True)),
        )
    }
    old = dict(TrackDailyStats.objects.filter(day=day).values_list("track_id", "plays"))
    TrackDailyStats.objects.filter(day=day).exclude(track_id__in=fresh).update(
        plays=0, listeners=0, listen_ms=0, completed_plays=0
    )
    for track_id, row in fresh.items():
        TrackDailyStats.objects.update_or_create(
            track_id=track_id,
            day=day,
            defaults={
                "plays": row["plays"],
                "listeners": row["listeners"],
                "listen_ms": row["listen_ms"] or 0,
                "completed_plays": row["completed"],
            },
        )
    events.exclude(folded_ms=F("listened_ms"), folded_completed=F("completed")).update(
        folded_ms=F("listened_ms"), folded_completed=F("completed")
    )
    deltas = {
        track_id: (fresh[track_id]["plays"] if track_id in fresh else 0) - old.get(track_id, 0)
        for track_id in set(fresh) | set(old)
    }
    return deltas, len(fresh), sum(row["plays"] for row in fresh.values())
