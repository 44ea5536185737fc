"""Analytics reads. Everything per period comes from the daily rollups (``TrackDailyStats``):
an endpoint reads a constant number of queries whatever the number of tracks or days, and
never touches the play events, except the per-play engagement metrics of one track.

Totals: plays and likes are the live counters on the tracks (the fold moves ``Track.plays``
in the same transaction as the rollups, so both agree); listeners, downloads and licenses are
rollup sums over all days.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, Least
from rest_framework.exceptions import NotFound

from beatpass.api.compiled import prepared_fetchone, prepared_send
from content.analytics import periods
from content.analytics.days import day_bounds
from content.analytics.models import PlayEvent, TrackDailyStats
from content.analytics.selectors import access
from content.catalog.models import Album, Artist, Track, TrackArtist
from content.media.models import Download

METRICS = ("plays", "listeners", "listen_ms", "completed_plays", "likes", "downloads", "licenses")
TOP_TRACKS = 10


@dataclass(frozen=True)
class Scope:
    """What an analytics read is about: a track, an album or an artist, and its tracks."""

    kind: str  # "track" | "album" | "artist"
    obj: Track | Album | Artist
    tracks: dict[int, dict]  # id → {"id", "name", "plays", "likes_count"}

    @property
    def track_ids(self) -> list[int]:
        return list(self.tracks)

    def header(self) -> dict:
        return {"id": self.obj.pk, "name": self.obj.name}


_TRACKS = Track._meta.db_table
_ROLLUPS = TrackDailyStats._meta.db_table
_TRACK_ROWS_SQL = f"SELECT id, name, plays, likes_count FROM {_TRACKS} WHERE {{where}} ORDER BY id"  # noqa: S608
_CREDITED = f"id IN (SELECT track_id FROM {TrackArtist._meta.db_table} WHERE artist_id = %s)"  # noqa: S608


def _track_rows(where: str, params: list) -> dict[int, dict]:
    with connection.cursor() as cursor:
        cursor.execute(_TRACK_ROWS_SQL.format(where=where), params)
        rows = cursor.fetchall()
    return {
        pk: {"id": pk, "name": name, "plays": plays, "likes_count": likes}
        for pk, name, plays, likes in rows
    }


def _in(count: int) -> str:
    return ", ".join(["%s"] * count)


def track_scope(track: Track) -> Scope:
    row = {
        "id": track.pk,
        "name": track.name,
        "plays": track.plays,
        "likes_count": track.likes_count,
    }
    return Scope("track", track, {track.pk: row})


def album_scope(album: Album) -> Scope:
    """The album's tracks, private ones included (its managers read them)."""
    return Scope("album", album, _track_rows("album_id = %s", [album.pk]))


def artist_scope(artist: Artist) -> Scope:
    """Every track credited to the artist, as main or featured artist."""
    return Scope("artist", artist, _track_rows(_CREDITED, [artist.pk]))


def _rollups(track_ids: Sequence[int]):
    return TrackDailyStats.objects.filter(track_id__in=list(track_ids))


def _between(days: periods.DayRange) -> Q:
    return Q(day__gte=days.first, day__lte=days.last)


def _sum_columns() -> str:
    return _sum_columns_for(connection.vendor)


@functools.cache
def _sum_columns_for(vendor: str) -> str:
    """Totals, period and previous-period sums of every metric (placeholders: the period's
    first and last day, then the previous period's, per metric). On PostgreSQL aggregate
    FILTERs (a fifth cheaper than CASE over a year of rollups); CASE elsewhere (SQLite)."""
    columns = []
    for metric in METRICS:
        if vendor == "postgresql":
            columns += [
                f"COALESCE(SUM({metric}), 0)",
                f"COALESCE(SUM({metric}) FILTER (WHERE day BETWEEN %s AND %s), 0)",
                f"COALESCE(SUM({metric}) FILTER (WHERE day BETWEEN %s AND %s), 0)",
            ]
        else:
            columns += [
                f"COALESCE(SUM({metric}), 0)",
                f"COALESCE(SUM(CASE WHEN day BETWEEN %s AND %s THEN {metric} END), 0)",
                f"COALESCE(SUM(CASE WHEN day BETWEEN %s AND %s THEN {metric} END), 0)",
            ]
    return ", ".join(columns)


@functools.cache
def _named_sum_columns() -> str:
    """``_sum_columns_for("postgresql")`` with named placeholders (``_named_sum_params``): the
    four days are sent once each instead of 28 values, and the sums come back as int8 (the
    text of a numeric became a ``Decimal`` per column before ``int()``)."""
    columns = []
    for metric in METRICS:
        columns += [
            f"COALESCE(SUM({metric}), 0)::int8",
            f"COALESCE(SUM({metric}) FILTER (WHERE day BETWEEN %(p1)s AND %(p2)s), 0)::int8",
            f"COALESCE(SUM({metric}) FILTER (WHERE day BETWEEN %(q1)s AND %(q2)s), 0)::int8",
        ]
    return ", ".join(columns)


def _named_sum_params(current: periods.DayRange, previous: periods.DayRange) -> dict:
    return {"p1": current.first, "p2": current.last, "q1": previous.first, "q2": previous.last}


def _sums_sql(count: int) -> str:
    """The sums over ``count`` tracks in one statement, written out rather than compiled by
    the ORM on every request (21 aggregates cost more to compile than to run)."""
    return f"SELECT {_sum_columns()} FROM {_ROLLUPS} WHERE track_id IN ({_in(count)})"  # noqa: S608


def _sum_params(current: periods.DayRange, previous: periods.DayRange) -> list:
    return [current.first, current.last, previous.first, previous.last] * len(METRICS)


def _sums_from(values) -> dict[str, dict[str, int]]:
    """{"total"|"period"|"previous": {metric: sum}} from the columns of ``_sum_columns``
    (per metric: total, period, previous period)."""
    values = [int(value) for value in values]
    return {
        "total": dict(zip(METRICS, values[0::3], strict=True)),
        "period": dict(zip(METRICS, values[1::3], strict=True)),
        "previous": dict(zip(METRICS, values[2::3], strict=True)),
    }


def _period_sums(
    track_ids: Sequence[int], current: periods.DayRange, previous: periods.DayRange
) -> dict[str, dict[str, int]]:
    """{"total"|"period"|"previous": {metric: sum}} over the rollups of ``track_ids``."""
    if not track_ids:
        return {which: dict.fromkeys(METRICS, 0) for which in ("total", "period", "previous")}
    with connection.cursor() as cursor:
        cursor.execute(_sums_sql(len(track_ids)), _sum_params(current, previous) + list(track_ids))
        return _sums_from(cursor.fetchone())


# --- producer analytics ---------------------------------------------------------------------------


_MANAGERS = Artist.managers.through._meta.db_table
_TRACK_ANALYTICS_SQL = """
    SELECT t.id, t.name, t.visibility, t.plays, t.likes_count,
           EXISTS (SELECT 1 FROM {credits} ta JOIN {managers} m ON m.artist_id = ta.artist_id
                   WHERE ta.track_id = t.id AND m.user_id = %(viewer)s),
           s.*
    FROM {tracks} t, LATERAL (SELECT {sums} FROM {rollups} WHERE track_id = t.id) s
    WHERE t.id = %(track)s
"""


@functools.cache
def _track_analytics_sql() -> str:
    return _TRACK_ANALYTICS_SQL.format(
        credits=TrackArtist._meta.db_table,
        managers=_MANAGERS,
        tracks=_TRACKS,
        rollups=_ROLLUPS,
        sums=_named_sum_columns(),
    )


def _prepared_fetchone(conn, sql: str, params) -> tuple | None:
    """One row of a hot statement run as a prepared statement (``prepared_fetchone``): half
    of the track analytics statement's server time was planning its 21 FILTER aggregates."""
    return prepared_fetchone(conn, sql, params)


def track_producer_analytics(*, viewer, track_id: int, period: str, today: datetime.date) -> dict:
    """``producer_analytics`` of one track with its read check (``access.analytics_track``'s
    rule, 403/404) in the same statement: the track's row, whether the viewer manages a
    credited artist, and the sums of its rollups. One round trip instead of two (the read
    check was as costly as the sums). PostgreSQL (LATERAL); elsewhere the two reads."""
    if connection.vendor != "postgresql":
        track = access.analytics_track(viewer=viewer, track_id=track_id)
        return producer_analytics(scope=track_scope(track), period=period, today=today)
    current = periods.ending_today(periods.PERIOD_DAYS[period], today)
    previous = current.previous()
    sql = _track_analytics_sql()
    params = {"viewer": viewer.pk, "track": track_id, **_named_sum_params(current, previous)}
    row = _prepared_fetchone(connection, sql, params)
    if row is None:
        raise NotFound()
    return _track_body(
        row, viewer_is_staff=viewer.is_staff, period=period, current=current, previous=previous
    )


def _track_body(
    row: Sequence,
    *,
    viewer_is_staff: bool,
    period: str,
    current: periods.DayRange,
    previous: periods.DayRange,
) -> dict:
    """The read check (403/404) and the body of ``_TRACK_ANALYTICS_SQL``'s row."""
    pk, name, visibility, plays, likes_count, can_read = row[:6]
    access.check_track_read(
        viewer_is_staff=viewer_is_staff, visibility=visibility, can_read=can_read
    )
    # ``track_scope``'s body without a model instance nor a ``Scope`` (building them was a
    # twentieth of the request's CPU).
    return _body(
        "track",
        {"id": pk, "name": name},
        plays_total=plays,
        likes_total=likes_count,
        period=period,
        current=current,
        previous=previous,
        sums=_sums_from(row[6:]),
    )


# The lean path of ``GET /tracks/{id}/producer-analytics`` (``api.insights``) reads the signed-in
# viewer's row in the same statement: the columns the Bearer authentication's checks and the read
# check use (``VIEWER_FIELDS``), by ``SIMPLE_JWT["USER_ID_FIELD"]``, then ``_TRACK_ANALYTICS_SQL``'s
# columns, NULL when there is no such track. No row at all: no such user.
_VIEWER_TRACK_ANALYTICS_SQL = """
    SELECT {user_columns}, t.id, t.name, t.visibility, t.plays, t.likes_count,
           EXISTS (SELECT 1 FROM {credits} ta JOIN {managers} m ON m.artist_id = ta.artist_id
                   WHERE ta.track_id = t.id AND m.user_id = u.{user_pk}),
           s.*
    FROM {users} u
    LEFT JOIN {tracks} t ON t.id = %(track)s
    LEFT JOIN LATERAL (SELECT {sums} FROM {rollups} WHERE track_id = t.id) s ON true
    WHERE u.{user_id_column} = %(user)s
"""

# What the lean path needs of the viewer: ``lean.token_user``'s checks (active, password hash)
# and the read check (staff). The rest of the row is left deferred on the user built from it.
VIEWER_FIELDS = ("is_active", "is_staff", "password")


class ViewerTrackRead(NamedTuple):
    """One round trip of the lean path: the viewer's columns (``user_fields`` order, through
    Django's converters) and, unless the track is missing, its analytics row."""

    user_fields: tuple[str, ...]
    user_row: tuple
    track_row: tuple | None
    period: str
    current: periods.DayRange
    previous: periods.DayRange


@functools.cache
def _viewer_track_statement(user_model, id_field: str, alias: str) -> tuple:
    """(sql, user attnames, converters of the user columns) for ``read_viewer_and_track``."""
    fields = [user_model._meta.get_field(name) for name in VIEWER_FIELDS]
    names = tuple(f.attname for f in fields)
    qn = connections[alias].ops.quote_name
    sql = _VIEWER_TRACK_ANALYTICS_SQL.format(
        user_columns=", ".join(f"u.{qn(f.column)}" for f in fields),
        credits=TrackArtist._meta.db_table,
        managers=_MANAGERS,
        user_pk=qn(user_model._meta.pk.column),
        users=qn(user_model._meta.db_table),
        tracks=_TRACKS,
        rollups=_ROLLUPS,
        sums=_named_sum_columns(),
        user_id_column=qn(user_model._meta.get_field(id_field).column),
    )
    # The converters ``values_list()`` of these columns would apply (none for today's user
    # model on PostgreSQL; a custom field would get its own).
    compiler = user_model._default_manager.values_list(*names).query.get_compiler(using=alias)
    compiler.as_sql()
    columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
    return sql, names, tuple(compiler.get_converters(columns).items())


def read_viewer_and_track(
    *, user_model, id_field: str, user_id: int, track_id: int, period: str, today: datetime.date
) -> ViewerTrackRead | None:
    """The viewer's ``VIEWER_FIELDS`` (``user_model`` whose ``id_field`` is ``user_id``) and
    track ``track_id``'s analytics for ``period`` in one statement; None when there is no
    such user. PostgreSQL only."""
    with send_viewer_and_track(
        user_model=user_model,
        id_field=id_field,
        user_id=user_id,
        track_id=track_id,
        period=period,
        today=today,
    ) as pending:
        return pending.result()


class PendingViewerTrackRead:
    """``read_viewer_and_track`` sent, not read yet (``send_viewer_and_track``): a context
    manager, whose ``result()`` waits for the row."""

    def __init__(
        self, conn, sql: str, params: dict, statement: tuple, days: tuple, *, send: bool
    ) -> None:
        self._conn, self._sql, self._params = conn, sql, params
        self._statement, self._days = statement, days
        self._pending = prepared_send(conn, sql, params) if send else None

    def __enter__(self) -> PendingViewerTrackRead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pending is not None:
            self._pending.close()

    def result(self) -> ViewerTrackRead | None:
        if self._pending is None:
            row = _prepared_fetchone(self._conn, self._sql, self._params)
        else:
            row = self._pending.fetchone()
        return _viewer_track_read(row, self._conn, self._statement, self._days)


def send_viewer_and_track(
    *,
    user_model,
    id_field: str,
    user_id: int,
    track_id: int,
    period: str,
    today: datetime.date,
    using: str = DEFAULT_DB_ALIAS,
    send: bool = True,
) -> PendingViewerTrackRead:
    """``read_viewer_and_track``'s statement sent now (unless ``send`` is false: then run whole
    by ``result()``), to be read by ``result()`` once the caller's other work (the throttle)
    is done: PostgreSQL runs it meanwhile. The caller must not use the connection before.
    ``using``: the rollups' database (the default one); the caller checks the users' is the
    same."""
    alias = using
    statement = _viewer_track_statement(user_model, id_field, alias)
    days, day_params = _period_days(period, today)
    params = {"track": track_id, "user": user_id, **day_params}
    return PendingViewerTrackRead(
        connections[alias], statement[0], params, statement, days, send=send
    )


@functools.lru_cache(maxsize=32)
def _period_days(period: str, today: datetime.date) -> tuple[tuple, dict]:
    """((period, current range, previous range), their ``_named_sum_params``) of ``period``
    ending ``today``: the same for every request of the day (the dict is copied, not
    changed)."""
    current = periods.ending_today(periods.PERIOD_DAYS[period], today)
    previous = current.previous()
    return (period, current, previous), _named_sum_params(current, previous)


def _viewer_track_read(row, conn, statement: tuple, days: tuple) -> ViewerTrackRead | None:
    _sql, names, converters = statement
    period, current, previous = days
    if row is None:
        return None
    count = len(names)
    user_row = row[:count]
    if converters:
        user_row = list(user_row)
        for position, (functions, expression) in converters:
            for function in functions:
                user_row[position] = function(user_row[position], expression, conn)
        user_row = tuple(user_row)
    track_row = row[count:]
    return ViewerTrackRead(
        user_fields=names,
        user_row=user_row,
        track_row=None if track_row[0] is None else track_row,
        period=period,
        current=current,
        previous=previous,
    )


def viewer_track_analytics(read: ViewerTrackRead) -> dict:
    """``track_producer_analytics``'s answer (404, 403 or the body) from a ``ViewerTrackRead``,
    for the viewer whose columns it holds (their ``is_staff``: the read check)."""
    if read.track_row is None:
        raise NotFound()
    return _track_body(
        read.track_row,
        viewer_is_staff=read.user_row[read.user_fields.index("is_staff")],
        period=read.period,
        current=read.current,
        previous=read.previous,
    )


def producer_analytics(*, scope: Scope, period: str, today: datetime.date) -> dict:
    """The insights.mdx body: plays, listeners, engagement and growth for ``period``."""
    current = periods.ending_today(periods.PERIOD_DAYS[period], today)
    previous = current.previous()
    sums = _period_sums(scope.track_ids, current, previous)
    return _analytics_body(
        scope=scope, period=period, current=current, previous=previous, sums=sums
    )


def _analytics_body(
    *,
    scope: Scope,
    period: str,
    current: periods.DayRange,
    previous: periods.DayRange,
    sums: dict[str, dict[str, int]],
) -> dict:
    data = _body(
        scope.kind,
        scope.header(),
        plays_total=sum(t["plays"] for t in scope.tracks.values()),
        likes_total=sum(t["likes_count"] for t in scope.tracks.values()),
        period=period,
        current=current,
        previous=previous,
        sums=sums,
    )
    if scope.kind != "track":
        data["tracks_count"] = len(scope.tracks)
        data["top_tracks"] = top_tracks(scope=scope, days=current)
    return data


# (growth key, metric) of the body's "growth".
_GROWTH = tuple(
    (f"{metric}_change", metric)
    for metric in ("plays", "listeners", "likes", "downloads", "licenses")
)


def _body(
    kind: str,
    header: dict,
    *,
    plays_total: int,
    likes_total: int,
    period: str,
    current: periods.DayRange,
    previous: periods.DayRange,
    sums: dict[str, dict[str, int]],
) -> dict:
    """The body every scope shares: ``kind``'s header, the ranges, the totals (the live
    counters ``plays_total``, ``likes_total`` and the rollups' ``sums``) and the growth."""
    total, now, before = sums["total"], sums["period"], sums["previous"]
    return {
        kind: header,
        "period": period,
        "range": current.as_dict(),
        "previous_range": previous.as_dict(),
        "plays": {"total": plays_total, "period": now["plays"], "previous_period": before["plays"]},
        "listeners": {
            "total": total["listeners"],
            "unique": now["listeners"],
            "previous_period": before["listeners"],
        },
        "engagement": {
            "likes": likes_total,
            "likes_period": now["likes"],
            "likes_previous_period": before["likes"],
            "downloads": total["downloads"],
            "downloads_period": now["downloads"],
            "downloads_previous_period": before["downloads"],
            "licenses": total["licenses"],
            "licenses_period": now["licenses"],
            "licenses_previous_period": before["licenses"],
            "completed_plays": total["completed_plays"],
            "completed_plays_period": now["completed_plays"],
            "completed_plays_previous_period": before["completed_plays"],
            "listen_time_ms": total["listen_ms"],
            "listen_time_ms_period": now["listen_ms"],
            "listen_time_ms_previous_period": before["listen_ms"],
        },
        "growth": {key: periods.growth(now[metric], before[metric]) for key, metric in _GROWTH},
    }


def top_tracks(*, scope: Scope, days: periods.DayRange, limit: int = TOP_TRACKS) -> list[dict]:
    """The most played tracks of the scope in ``days`` (help: Most Played Tracks)."""
    if not scope.tracks:
        return []
    sql = (
        f"SELECT track_id, SUM(plays) AS p, SUM(listeners) FROM {_ROLLUPS} "  # noqa: S608
        f"WHERE track_id IN ({_in(len(scope.tracks))}) AND day BETWEEN %s AND %s AND plays > 0 "
        "GROUP BY track_id ORDER BY p DESC, track_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*scope.track_ids, days.first, days.last, limit])
        rows = [
            {"track_id": t, "period_plays": int(p), "period_listeners": int(n)}
            for t, p, n in cursor.fetchall()
        ]
    return [
        {
            "id": row["track_id"],
            "name": scope.tracks[row["track_id"]]["name"],
            "plays": row["period_plays"],
            "listeners": row["period_listeners"],
            "total_plays": scope.tracks[row["track_id"]]["plays"],
        }
        for row in rows
    ]


# --- charts ---------------------------------------------------------------------------------------


def chart(*, scope: Scope, timeframe: str, today: datetime.date, timezone_name: str) -> dict:
    """One point per day for each series, zero-filled (help: Plays Over Time)."""
    days = periods.ending_today(periods.TIMEFRAME_DAYS[timeframe], today)
    by_day: dict[datetime.date, dict] = {}
    if scope.tracks:
        sums = ", ".join(f"SUM({metric})" for metric in METRICS)
        sql = (
            f"SELECT day, {sums} FROM {_ROLLUPS} "  # noqa: S608
            f"WHERE track_id IN ({_in(len(scope.tracks))}) AND day BETWEEN %s AND %s "
            "GROUP BY day"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*scope.track_ids, days.first, days.last])
            # PostgreSQL gives dates and sums bigints as numeric (Decimal); SQLite gives ISO
            # strings. Plain dates and ints either way.
            for day, *values in cursor.fetchall():
                by_day[datetime.date.fromisoformat(str(day))] = dict(
                    zip(METRICS, map(int, values), strict=True)
                )
    labels = days.dates()
    series = {
        metric: [by_day[d][metric] if d in by_day else 0 for d in labels] for metric in METRICS
    }
    series["avg_listen_ms"] = [
        round(ms / plays) if plays else 0
        for ms, plays in zip(series["listen_ms"], series["plays"], strict=True)
    ]
    plays = series["plays"]
    peak = max(range(len(plays)), key=lambda i: (plays[i], -i)) if any(plays) else None
    return {
        scope.kind: scope.header(),
        "timeframe": timeframe,
        "timezone": timezone_name,
        "range": days.as_dict(),
        "labels": [d.isoformat() for d in labels],
        "series": series,
        "summary": {
            "total_plays": sum(plays),
            "peak_day": (
                {"date": labels[peak].isoformat(), "plays": plays[peak]}
                if peak is not None
                else None
            ),
            "daily_average": round(sum(plays) / len(plays), 2),
            "data_points": len(plays),
            "trend": periods.half_trend(plays),
        },
    }


# --- engagement (one track, from its play events) -------------------------------------------------


def engagement(*, track: Track, days: periods.DayRange | None, today: datetime.date) -> dict:
    """Listen duration, completion, quality and the retention curve of ``track``'s plays in
    ``days`` (all time when None). One grouped query over the track's events: each play falls
    in a 5 % bucket of the track (0-20), from which every figure follows exactly."""
    steps = 100 // periods.RETENTION_STEP
    events = PlayEvent.objects.filter(track_id=track.pk, track_duration_ms__gt=0)
    if days is not None:
        events = events.filter(day__gte=days.first, day__lte=days.last)
    bucket = ExpressionWrapper(
        Least(F("listened_ms") * steps / F("track_duration_ms"), steps),
        output_field=IntegerField(),
    )
    permille = ExpressionWrapper(
        F("listened_ms") * 1000 / F("track_duration_ms"), output_field=IntegerField()
    )
    rows = (
        events.annotate(bucket=bucket, permille=permille)
        .values("bucket")
        .annotate(
            n=Count("id"),
            listened=Sum("listened_ms"),
            ratio=Sum("permille"),
            completed=Count("id", filter=Q(completed=True)),
        )
        .order_by("bucket")
    )
    buckets = [0] * (steps + 1)
    plays = listened = ratio = completed = 0
    for row in rows:
        buckets[row["bucket"]] += row["n"]
        plays += row["n"]
        listened += row["listened"] or 0
        ratio += row["ratio"] or 0
        completed += row["completed"]
    avg_ms = round(listened / plays) if plays else 0
    completion_rate = round(ratio / plays / 10, 1) if plays else 0.0
    completed_share = round(completed * 100 / plays, 1) if plays else 0.0
    breakdown = {name: 0 for name, _lowest, _weight in periods.BREAKDOWN}
    for index, count in enumerate(buckets):
        breakdown[periods.breakdown_category(index * periods.RETENTION_STEP)] += count
    score = periods.quality_score(breakdown)
    skipped_share = breakdown["skipped"] * 100 / plays if plays else 0.0
    retention = []
    remaining = plays
    for index in range(steps + 1):
        retention.append(
            {
                "at": index * periods.RETENTION_STEP,
                "share": round(remaining * 100 / plays, 1) if plays else 0.0,
            }
        )
        remaining -= buckets[index]
    daily_range = days or periods.ending_today(30, today)
    daily_rows = {
        row["day"]: row
        for row in TrackDailyStats.objects.filter(track_id=track.pk)
        .filter(_between(daily_range))
        .values("day", "plays", "listen_ms", "completed_plays")
    }
    daily = []
    for day in daily_range.dates():
        row = daily_rows.get(day)
        n = row["plays"] if row else 0
        daily.append(
            {
                "date": day.isoformat(),
                "plays": n,
                "avg_listen_ms": round(row["listen_ms"] / n) if n else 0,
                "completion_rate": round(row["completed_plays"] * 100 / n, 1) if n else 0.0,
            }
        )
    return {
        "track": {"id": track.pk, "name": track.name},
        "range": days.as_dict() if days else None,
        "track_duration": track.duration,
        "plays": plays,
        "avg_listen_duration": avg_ms,
        "avg_listen_duration_text": periods.duration_text(avg_ms),
        "avg_listen_share": round(avg_ms * 100 / track.duration, 1) if track.duration else 0.0,
        "avg_completion_rate": completion_rate,
        "retention_level": periods.retention_level(completion_rate),
        "total_listen_time": listened,
        "total_listen_time_text": periods.total_time_text(listened),
        "completed_listens": {"count": completed, "share": completed_share},
        "quality_badge": periods.quality_badge(completed_share, completion_rate),
        "completion_breakdown": breakdown,
        "quality_score": score,
        "quality_rating": periods.quality_rating(score) if score is not None else None,
        "insight": periods.engagement_insight(completion_rate, skipped_share) if plays else None,
        "retention_curve": retention,
        "listen_duration_trend": periods.half_trend([d["avg_listen_ms"] for d in daily]),
        "daily": daily,
    }


# --- downloads ------------------------------------------------------------------------------------


def downloads_analytics(*, scope: Scope, period: str, today: datetime.date) -> dict:
    """Downloads per day, per track and per format, unique downloaders and licenses issued.

    Per day and per track come from the rollups (like every other figure); per format and
    unique downloaders need the download rows themselves. No personal data: downloaders are
    counted, never listed, and no location is recorded.
    """
    ids = scope.track_ids
    rollups = _rollups(ids)
    if period == "all":
        first = rollups.filter(downloads__gt=0).aggregate(first=Min("day"))["first"] or today
        days = periods.DayRange(min(first, today), today)
    else:
        days = periods.ending_today(periods.PERIOD_DAYS[period], today)
    totals = rollups.aggregate(
        all_downloads=Coalesce(Sum("downloads"), 0),
        period_downloads=Coalesce(Sum("downloads", filter=_between(days)), 0),
        all_licenses=Coalesce(Sum("licenses"), 0),
        period_licenses=Coalesce(Sum("licenses", filter=_between(days)), 0),
    )
    per_day_rows = dict(
        rollups.filter(_between(days), downloads__gt=0)
        .values("day")
        .annotate(n=Sum("downloads"))
        .values_list("day", "n")
    )
    per_track = [
        {
            "id": row["track_id"],
            "name": scope.tracks[row["track_id"]]["name"],
            "downloads": row["n"],
        }
        for row in rollups.filter(_between(days), downloads__gt=0)
        .values("track_id")
        .annotate(n=Sum("downloads"))
        .order_by("-n", "track_id")
    ]
    start, _ = day_bounds(days.first)
    _, end = day_bounds(days.last)
    downloads = Download.objects.filter(track_id__in=ids, created_at__gte=start, created_at__lt=end)
    # The track's file type, or ``stem`` / ``stems`` (the zip) for downloads of its stems.
    file_type = Case(
        When(format__in=(Download.STEM, Download.STEMS_ZIP), then=F("format")),
        default=F("track__file__extension"),
    )
    per_format = [
        {"format": (row["file_type"] or "").lstrip(".") or "unknown", "downloads": row["n"]}
        for row in downloads.annotate(file_type=file_type)
        .values("file_type")
        .annotate(n=Count("id"))
        .order_by("-n", "file_type")
    ]
    people = downloads.aggregate(
        users=Count("user", distinct=True),
        guests=Count("ip_hash", distinct=True, filter=Q(user__isnull=True) & ~Q(ip_hash="")),
    )
    return {
        scope.kind: scope.header(),
        "period": period,
        "range": days.as_dict(),
        "total_downloads": totals["all_downloads"],
        "period_downloads": totals["period_downloads"],
        "unique_downloaders": people["users"] + people["guests"],
        "top_track": per_track[0] if per_track else None,
        "per_day": [
            {"date": d.isoformat(), "downloads": per_day_rows.get(d, 0)} for d in days.dates()
        ],
        "per_track": per_track,
        "per_format": per_format,
        "licenses": {"total": totals["all_licenses"], "period": totals["period_licenses"]},
    }


# --- export rows ----------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "date",
    "track_id",
    "track_name",
    "plays",
    "listeners",
    "listen_time_ms",
    "completed_plays",
    "likes",
    "downloads",
    "licenses",
)


def export_rows(*, scope: Scope, days: periods.DayRange) -> Iterator[tuple]:
    """Every (day, track) rollup row of the scope in ``days``, in day then track order, read
    through a server-side cursor in chunks: memory stays flat whatever the size."""
    rows = (
        _rollups(scope.track_ids)
        .filter(_between(days))
        .order_by("day", "track_id")
        .values_list("day", "track_id", *METRICS)
        .iterator(chunk_size=2000)
    )
    names = {track_id: row["name"] for track_id, row in scope.tracks.items()}
    for day, track_id, plays, listeners, listen_ms, completed, likes, dls, licenses in rows:
        yield (
            day.isoformat(), track_id, names.get(track_id, ""), plays, listeners, listen_ms,
            completed, likes, dls, licenses,
        )  # fmt: skip
