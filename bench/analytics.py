"""Analytics at 10M plays: rollup reads against a hand-written SQL floor, the raw-events
alternative, and play ingest under gunicorn with the fold keeping up.

Method (see bench/README.md):
1. A scratch database gets 1,000 tracks (the bench producer's artist is credited on 200 of
   them: 190 as main artist, 10 featured) and 10M play events over the 365 days ending today,
   generated with numpy in day order and loaded with COPY (secondary indexes are dropped for
   the load and rebuilt after). The events arrive already folded; the rollups are then built
   by the backfill (``manage.py backfill_analytics``'s service), timed.
2. Reads: side A is the endpoint through the WSGI handler gunicorn serves (the project's
   ``beatpass.api.handler.WSGIHandler``; Django's stock one is timed alongside) called with a
   prebuilt environ carrying a Bearer JWT, its body read and closed as a server would: the
   whole middleware stack, routing, authentication, view and rendering, but no socket), side
   B the floor: one hand-written SQL statement over the rollup table that returns the same
   numbers, run on a raw psycopg connection, its rows dumped with orjson. Interleaved (A, B,
   A, B, ...), medians, ratio = A / B. Measured: the track's producer analytics for 1 year,
   the artist's (200 tracks) and the artist's 1-year chart. The query count of each endpoint
   is taken with 200 tracks and with 2, and must be equal. Until the run of the track's lean
   path, side A went through DRF's ``APIClient``, which adds work a server does not (the test
   client's signals, template and query capture hooks, response wrapping): that figure is
   still taken, interleaved with the two others, and printed as ``apiclient_ms``.
3. The raw-events alternative: the same numbers computed by SQL from the 10M events.
4. Ingest: gunicorn serves ``POST /tracks/{id}/plays`` on 127.0.0.1 while wrk (or a Python
   client when wrk is missing) posts anonymous plays of random tracks with random user agents
   for a bounded time; the fold runs every few seconds meanwhile. Reported: requests/s,
   errors, the largest backlog of unfolded events, and how long after the load the fold needed
   to reach zero (the lag).

``--quick``: 20 tracks, 20k events over 30 days, a few repetitions, no load phase.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _common

TARGET = 2.0
PORT = 8401  # this bench's port range: 8400-8499


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--tracks", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--load-seconds", type=int, default=20, help="0 skips the load phase.")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Use --database as named, seeding it only when empty, and keep it (the seed of a "
        "large run is paid once; --events/--tracks/--days must match the first run's).",
    )
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="Only the reads of the track case (no artist/chart/raw events, no load phase).",
    )
    parser.add_argument("--database", default="bp_bench_analytics", help="Scratch database name.")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("BENCH_ANALYTICS_PORT", PORT)),
        help="gunicorn's loopback port (the floor: port + 1; default $BENCH_ANALYTICS_PORT or "
        f"{PORT}).",
    )
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    )
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker.")
    _common.add_cache_option(parser, what="the reads' throttle counters")
    parser.add_argument(
        "--partition-study",
        action="store_true",
        help="Also copy the events into a table partitioned by month and compare the statements "
        "the write path, the fold and the backfill run on each.",
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.tracks, args.days = 20_000, 20, 30
        args.repetitions, args.warmup = 5, 1
        # A short load phase too: gunicorn, the raw-WSGI floor and the fold stay exercised.
        args.load_seconds = min(args.load_seconds, 2)
    env = {
        "DEBUG": "false",
        "THROTTLE_RATE_ANON": "10000000/s",
        "THROTTLE_RATE_USER": "10000000/s",
        "THROTTLE_RATE_PLAYS": "10000000/s",
        "THROTTLE_RATE_WRITE": "10000000/s",
        "CONN_MAX_AGE": "600",
        # Seeding 10M events takes longer than an access token lives by default.
        "JWT_ACCESS_MINUTES": "600",
    }
    with _common.django_scratch_database(
        args.database, env=env, keep=args.keep_db, reuse=args.reuse
    ) as url:
        run(url, args)


# --- seeding -------------------------------------------------------------------------------------


def seed_catalog(tracks: int) -> dict:
    """Tracks, artists and the bench producer (manages artist 1: 190 main + 10 featured credits
    at full size; a tenth of the catalog + a few featured in quick mode)."""
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from beatpass.accounts.models import User

    main_count = max(2, tracks * 19 // 100)
    featured_count = max(1, tracks // 100)
    others = max(1, (tracks - main_count) // 4)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO content_artist (id, created_at, updated_at, name, bio, image, verified,
                                        likes_count)
            SELECT i, now(), now(), 'Artist ' || i, '', '', false, 0
            FROM generate_series(1, {others + 1}) AS i
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO content_track (id, created_at, updated_at, name, duration, bpm, key,
                                       scale, description, image, visibility, plays,
                                       likes_count, free_download)
            SELECT i, now() - interval '400 days', now(), 'Track ' || i,
                   60000 + (i * 7919) % 240000, 90 + i % 80, 'A', 'minor', '', '', 'public', 0,
                   i % 50, false
            FROM generate_series(1, {tracks}) AS i
            """  # noqa: S608
        )
        # Artist 1: main on tracks 1..main_count; featured on the next featured_count tracks.
        cursor.execute(
            f"""
            INSERT INTO content_trackartist (track_id, artist_id, role, position)
            SELECT i, CASE WHEN i <= {main_count} THEN 1 ELSE 2 + (i % {others}) END, 'main', 0
            FROM generate_series(1, {tracks}) AS i
            UNION ALL
            SELECT i, 1, 'featured', 1
            FROM generate_series({main_count + 1}, {main_count + featured_count}) AS i
            """  # noqa: S608
        )
        for table in ("content_artist", "content_track"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    producer = User.objects.create_user("bench-producer@example.com", "bench-password")
    small = User.objects.create_user("bench-small@example.com", "bench-password")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO content_artist_managers (artist_id, user_id) VALUES (1, %s), (2, %s)",
            [producer.pk, small.pk],
        )
    return {
        "token": str(RefreshToken.for_user(producer).access_token),
        "small_token": str(RefreshToken.for_user(small).access_token),
        "artist_tracks": main_count + featured_count,
    }


def copy_events(url: str, *, events: int, tracks: int, days: int, today: datetime.date) -> float:
    """COPY ``events`` play events over ``days`` days ending ``today``, in time order."""
    import numpy as np
    import psycopg

    rng = np.random.default_rng(20250618)
    weights = rng.uniform(0.2, 1.8, tracks)
    weights /= weights.sum()
    durations = 60_000 + (np.arange(1, tracks + 1) * 7919) % 240_000
    # More plays lately (growth) and at weekends.
    day_index = np.arange(days)
    first = today - datetime.timedelta(days=days - 1)
    weekday = np.array([(first + datetime.timedelta(days=int(d))).weekday() for d in day_index])
    per_day = (0.6 + 0.8 * day_index / max(1, days - 1)) * np.where(weekday >= 5, 1.3, 1.0)
    per_day = np.floor(per_day / per_day.sum() * events).astype(int)
    per_day[-1] += events - per_day.sum()
    sources = np.array(["web", "web", "web", "embed", "playlist", "radio", "api"])
    started = time.perf_counter()
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY content_playevent (track_id, listener, source, started_at, day, "
                "track_duration_ms, listened_ms, completed, folded_ms, folded_completed) FROM STDIN"
            ) as copy,
        ):
            for d in range(days):
                n = int(per_day[d])
                if n == 0:
                    continue
                day = first + datetime.timedelta(days=d)
                track_ids = rng.choice(tracks, n, p=weights) + 1
                signed_in = rng.random(n) < 0.15
                listeners = np.where(
                    signed_in,
                    rng.integers(1, 5000, n),
                    -(rng.integers(1, 40_000, n) + d * 40_000),
                )
                duration = durations[track_ids - 1]
                share = np.clip(rng.beta(2.0, 1.2, n) * 1.1, 0, 1)
                listened = (duration * share).astype(int)
                completed = listened * 100 >= duration * 80
                seconds = np.sort(rng.integers(0, 86_400, n))
                source = sources[rng.integers(0, len(sources), n)]
                stamp = day.isoformat()
                lines = [
                    f"{t}\t{lst}\t{src}\t{stamp} {s // 3600:02d}:{s % 3600 // 60:02d}:"
                    f"{s % 60:02d}+00\t{stamp}\t{dur}\t{ms}\t{'t' if c else 'f'}\t{ms}\t"
                    f"{'t' if c else 'f'}\n"
                    for t, lst, src, s, dur, ms, c in zip(
                        track_ids.tolist(),
                        listeners.tolist(),
                        source.tolist(),
                        seconds.tolist(),
                        duration.tolist(),
                        listened.tolist(),
                        completed.tolist(),
                        strict=True,
                    )
                ]
                copy.write("".join(lines))
        conn.commit()
    return time.perf_counter() - started


def without_secondary_indexes(url: str):
    """Drop the event table's secondary indexes and foreign keys for the load; give back a
    function that rebuilds them (from their own definitions) and returns the seconds spent."""
    import psycopg

    conn = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'content_playevent' "
        "AND indexname <> 'content_playevent_pkey'"
    ).fetchall()
    fks = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'content_playevent'::regclass AND contype IN ('f', 'c')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    for name, _ in fks:
        conn.execute(f'ALTER TABLE content_playevent DROP CONSTRAINT "{name}"')

    def restore() -> float:
        started = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            conn.execute(definition)
        for name, definition in fks:
            conn.execute(f'ALTER TABLE content_playevent ADD CONSTRAINT "{name}" {definition}')
        conn.execute("VACUUM ANALYZE content_playevent")
        conn.close()
        return time.perf_counter() - started

    return restore


def build_rollups(first: datetime.date, last: datetime.date) -> float:
    from django.db import connection

    from content.analytics.services.backfill import (
        backfill_day,
        backfill_days_left,
        backfill_start,
    )

    started = time.perf_counter()
    run = backfill_start(first_day=first, last_day=last)
    for day in backfill_days_left(run):
        backfill_day(run=run, day=day)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE content_trackdailystats")
        cursor.execute("VACUUM ANALYZE content_track")
    return time.perf_counter() - started


# --- floors: one hand-written statement each -----------------------------------------------------

_METRICS = ("plays", "listeners", "listen_ms", "completed_plays", "likes", "downloads", "licenses")


def _sums(prefix: str = "") -> str:
    parts = []
    for m in _METRICS:
        parts += [
            f"sum({prefix}{m})",
            f"sum({prefix}{m}) FILTER (WHERE day BETWEEN %(p1)s AND %(p2)s)",
            f"sum({prefix}{m}) FILTER (WHERE day BETWEEN %(q1)s AND %(q2)s)",
        ]
    return ", ".join(parts)


TRACK_FLOOR = f"""
SELECT t.plays, t.likes_count, s.*
FROM content_track t,
     LATERAL (SELECT {_sums()} FROM content_trackdailystats WHERE track_id = t.id) s
WHERE t.id = %(track)s
"""  # noqa: S608

ARTIST_FLOOR = f"""
WITH tracks AS (
    SELECT t.id, t.name, t.plays, t.likes_count FROM content_track t
    WHERE t.id IN (SELECT track_id FROM content_trackartist WHERE artist_id = %(artist)s)
), totals AS (
    SELECT {_sums()} FROM content_trackdailystats
    WHERE track_id = ANY(ARRAY(SELECT id FROM tracks))
), top AS (
    SELECT d.track_id, sum(d.plays) AS plays, sum(d.listeners) AS listeners
    FROM content_trackdailystats d
    WHERE d.track_id = ANY(ARRAY(SELECT id FROM tracks)) AND d.day BETWEEN %(p1)s AND %(p2)s
      AND d.plays > 0
    GROUP BY d.track_id ORDER BY plays DESC, d.track_id LIMIT 10
)
SELECT (SELECT sum(plays) FROM tracks), (SELECT sum(likes_count) FROM tracks),
       (SELECT count(*) FROM tracks), totals.*,
       (SELECT json_agg(json_build_object('id', top.track_id, 'name', tracks.name,
                                          'plays', top.plays, 'listeners', top.listeners,
                                          'total_plays', tracks.plays)
                        ORDER BY top.plays DESC, top.track_id)
        FROM top JOIN tracks ON tracks.id = top.track_id)
FROM totals
"""  # noqa: S608

CHART_FLOOR = """
SELECT g.day::date, coalesce(sum(d.plays), 0), coalesce(sum(d.listeners), 0),
       coalesce(sum(d.listen_ms), 0), coalesce(sum(d.completed_plays), 0),
       coalesce(sum(d.likes), 0), coalesce(sum(d.downloads), 0), coalesce(sum(d.licenses), 0)
FROM generate_series(%(p1)s::date, %(p2)s::date, interval '1 day') AS g(day)
LEFT JOIN content_trackdailystats d
       ON d.day = g.day::date
      AND d.track_id = ANY(ARRAY(SELECT track_id FROM content_trackartist
                                 WHERE artist_id = %(artist)s))
GROUP BY g.day ORDER BY g.day
"""

RAW_TRACK = """
SELECT count(*), count(*) FILTER (WHERE day BETWEEN %(p1)s AND %(p2)s),
       count(DISTINCT (day, listener)), count(DISTINCT (day, listener))
           FILTER (WHERE day BETWEEN %(p1)s AND %(p2)s),
       sum(listened_ms), count(*) FILTER (WHERE completed)
FROM content_playevent WHERE track_id = %(track)s
"""

RAW_ARTIST = """
SELECT count(*), count(*) FILTER (WHERE day BETWEEN %(p1)s AND %(p2)s),
       count(DISTINCT (track_id, day, listener)), sum(listened_ms),
       count(*) FILTER (WHERE completed)
FROM content_playevent
WHERE track_id IN (SELECT track_id FROM content_trackartist WHERE artist_id = %(artist)s)
"""

RAW_CHART = """
SELECT day, count(*), count(DISTINCT (track_id, listener)), sum(listened_ms),
       count(*) FILTER (WHERE completed)
FROM content_playevent
WHERE track_id IN (SELECT track_id FROM content_trackartist WHERE artist_id = %(artist)s)
  AND day BETWEEN %(p1)s AND %(p2)s
GROUP BY day ORDER BY day
"""


# --- the run -------------------------------------------------------------------------------------


def seed(url: str, args, *, today: datetime.date, first_day: datetime.date, t0: float) -> dict:
    """The catalog, the events (COPY) and their rollups (the backfill); the tokens."""
    from django.db import connection

    seeded = seed_catalog(args.tracks)
    restore = without_secondary_indexes(url)
    copy_seconds = copy_events(
        url, events=args.events, tracks=args.tracks, days=args.days, today=today
    )
    index_seconds = restore()
    rollup_seconds = build_rollups(first_day, today)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), sum(plays) FROM content_trackdailystats")
        rollup_rows, rollup_plays = cursor.fetchone()
    assert rollup_plays == args.events, (rollup_plays, args.events)
    print(
        f"seeded {args.events:,} events over {args.days} days and {args.tracks} tracks: "
        f"COPY {copy_seconds:.1f} s, indexes {index_seconds:.1f} s; rollup (backfill of "
        f"{args.days} days) {rollup_seconds:.1f} s -> {rollup_rows:,} rollup rows "
        f"(total {time.perf_counter() - t0:.0f} s)"
    )
    return seeded


def reseeded(args) -> dict | None:
    """A reused database's tokens and sizes, or None when it is not seeded yet."""
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from beatpass.accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM content_trackdailystats)")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT count(*) FROM content_trackartist WHERE artist_id = 1")
        artist_tracks = cursor.fetchone()[0]
    producer = User.objects.get(email="bench-producer@example.com")
    small = User.objects.get(email="bench-small@example.com")
    return {
        "token": str(RefreshToken.for_user(producer).access_token),
        "small_token": str(RefreshToken.for_user(small).access_token),
        "artist_tracks": artist_tracks,
    }


def run(url: str, args) -> None:
    import orjson
    import psycopg
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from content.analytics import periods
    from content.analytics.days import today as analytics_today

    today = analytics_today()
    first_day = today - datetime.timedelta(days=args.days - 1)
    t0 = time.perf_counter()
    seeded = reseeded(args) if args.reuse else None
    if seeded is not None:
        print("reusing the seeded database", args.database)
    else:
        seeded = seed(url, args, today=today, first_day=first_day, t0=t0)
    _vacuum_read_tables()

    # Requests keep their database connection, as served (base settings' CONN_MAX_AGE): the
    # test settings this bench borrows reconnect on every request, which the floor's raw
    # connection never does.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 600
    throttle_cache = _reads_cache(args.cache)
    client = _WSGIClient(seeded["token"])
    small = _WSGIClient(seeded["small_token"])
    # Django's own handler (nested middleware, its URL resolution): the request path before
    # the project's handler (``beatpass.api.handler``), interleaved with it.
    stock = _WSGIClient(seeded["token"], stock=True)
    test_client = APIClient()  # the method of the runs before the WSGI handler's
    test_client.credentials(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    year = periods.ending_today(365, today)
    previous = year.previous()
    params = {
        "track": 1,
        "artist": 1,
        "p1": year.first,
        "p2": year.last,
        "q1": previous.first,
        "q2": previous.last,
    }
    raw = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    raw.execute("SET jit = off")
    cursor = raw.cursor()

    def floor_of(sql):
        def floor(_i):
            cursor.execute(sql, params)
            orjson.dumps(cursor.fetchall(), default=str)

        return floor

    def endpoint(path, who=client):
        def call(_i):
            response = who.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code} {response.content[:200]}")
            return response.content

        return call

    cases = [
        (
            "track producer-analytics, 1 year",
            "/api/v1/tracks/1/producer-analytics?period=1-year",
            "/api/v1/tracks/{small_track}/producer-analytics?period=1-year",
            TRACK_FLOOR,
            RAW_TRACK,
        ),
        (
            f"artist producer-analytics, {seeded['artist_tracks']} tracks, 1 year",
            "/api/v1/artists/1/producer-analytics?period=1-year",
            "/api/v1/artists/2/producer-analytics?period=1-year",
            ARTIST_FLOOR,
            RAW_ARTIST,
        ),
        (
            f"artist chart, {seeded['artist_tracks']} tracks, 1y",
            "/api/v1/producer-intelligence/insights/artists/1/charts?timeframe=1y",
            "/api/v1/producer-intelligence/insights/artists/2/charts?timeframe=1y",
            CHART_FLOOR,
            RAW_CHART,
        ),
    ]
    if args.reads_only:
        cases = cases[:1]
    small_track = _first_track_of_artist(2)
    # The fixed cost of a request, to tell it apart from what the analytics code adds: a plain
    # Django view behind the middleware, and a signed-in DRF no-op (JWT, its user query,
    # throttles, rendering); both answer {} (``_analytics_urls``).
    settings.ROOT_URLCONF = "_analytics_urls"
    references = {}
    for key, label, path in (
        ("plain_view", "plain Django view (middleware, routing, response)", "/bench/plain"),
        ("signed_in_noop", "signed-in DRF no-op (+ JWT and its user query)", "/bench/signed-in"),
    ):
        call = endpoint(path)
        median = _common.summary(
            _common.interleaved(call, repetitions=args.repetitions, warmup=args.warmup)[0]
        )["median"]
        cpu = _cpu_per_call(call, max(5, args.repetitions // 5), _django_backend_pid)
        references[key] = {"ms": round(median * 1000, 2), "cpu_ms": round(cpu * 1000, 3)}
        bare = median  # the last: the signed-in no-op
        print(f"{label}: {_common.fmt_ms(median)}, CPU {_common.fmt_ms(cpu)}")
    results = {"references": references}
    ratios = []
    for name, path, small_path, floor_sql, raw_sql in cases:
        small_path = small_path.format(small_track=small_track)
        # captured_queries reads the log lazily and every request resets it: count at once.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            endpoint(path)(0)
        big_queries = len(captured.captured_queries)
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            endpoint(small_path, small)(0)
        small_queries = len(captured.captured_queries)
        # Both clients give the same body (the WSGI one is no shortcut).
        assert endpoint(path)(0) == endpoint(path, test_client)(0), name
        assert endpoint(path)(0) == endpoint(path, stock)(0), name
        a, b, old_a, stock_a = _common.interleaved(
            endpoint(path),
            floor_of(floor_sql),
            endpoint(path, test_client),
            endpoint(path, stock),
            repetitions=args.repetitions,
            warmup=args.warmup,
        )
        # CPU per call, this process plus its PostgreSQL backend: what the call costs whatever
        # else the machine runs (the wall-clock ratio swells with the load).
        cpu_calls = max(5, args.repetitions // 5)
        cpu_a = _cpu_per_call(endpoint(path), cpu_calls, _django_backend_pid)
        cpu_b = _cpu_per_call(floor_of(floor_sql), cpu_calls, lambda: raw.info.backend_pid)
        cpu_stock = _cpu_per_call(endpoint(path, stock), cpu_calls, _django_backend_pid)
        cpu_a2 = _cpu_per_call(endpoint(path), cpu_calls, _django_backend_pid)
        cpu_a = (cpu_a + cpu_a2) / 2  # either side of the stock handler's, for the drift
        # The raw-events alternative takes seconds to a minute a call: three calls, no warm-up.
        raw_samples = (
            [float("nan")]
            if args.reads_only
            else _common.interleaved(floor_of(raw_sql), repetitions=3, warmup=0)[0]
        )
        sa, sb, sr = _common.summary(a), _common.summary(b), _common.summary(raw_samples)
        old_median = _common.summary(old_a)["median"]
        stock_median = _common.summary(stock_a)["median"]
        ratio = sa["median"] / sb["median"]
        ratios.append(ratio)
        results[name] = {
            "endpoint_ms": round(sa["median"] * 1000, 2),
            "floor_ms": round(sb["median"] * 1000, 2),
            "ratio": round(ratio, 2),
            "cpu_ms": round(cpu_a * 1000, 3),
            "floor_cpu_ms": round(cpu_b * 1000, 3),
            "cpu_ratio": round(cpu_a / cpu_b, 2),
            "apiclient_ms": round(old_median * 1000, 2),
            "apiclient_ratio": round(old_median / sb["median"], 2),
            "django_handler_ms": round(stock_median * 1000, 2),
            "django_handler_ratio": round(stock_median / sb["median"], 2),
            "django_handler_cpu_ms": round(cpu_stock * 1000, 3),
            "load": Path("/proc/loadavg").read_text().split()[0],
            "throttle_cache": throttle_cache,
            "raw_events_ms": round(sr["median"] * 1000, 1),
            "beyond_signed_in_noop_ratio": round((sa["median"] - bare) / sb["median"], 2),
            "queries": (big_queries, small_queries),
        }
        print(f"{name} (throttle counters in {throttle_cache}):")
        print(
            f"  endpoint {_common.fmt_ms(sa['median'])} (p95 {_common.fmt_ms(sa['p95'])})   "
            f"floor {_common.fmt_ms(sb['median'])}   ratio {ratio:.2f} (target <= {TARGET})"
        )
        print(
            f"  CPU per call (this process + its PostgreSQL backend): endpoint "
            f"{_common.fmt_ms(cpu_a)}, floor {_common.fmt_ms(cpu_b)}: {cpu_a / cpu_b:.2f}"
        )
        print(
            f"  through Django's stock handler (before beatpass.api.handler) "
            f"{_common.fmt_ms(stock_median)}: ratio {stock_median / sb['median']:.2f}, CPU "
            f"{_common.fmt_ms(cpu_stock)}"
        )
        print(
            f"  through APIClient (the former method) {_common.fmt_ms(old_median)}: ratio "
            f"{old_median / sb['median']:.2f}"
        )
        print(
            f"  beyond the signed-in no-op: {_common.fmt_ms(sa['median'] - bare)} = "
            f"{(sa['median'] - bare) / sb['median']:.2f} x the floor"
        )
        print(
            f"  raw events instead of rollups: {_common.fmt_ms(sr['median'])} "
            f"({sr['median'] / sb['median']:.0f}x the rollup floor)"
        )
        print(
            f"  queries: {big_queries} with {seeded['artist_tracks']} tracks, "
            f"{small_queries} with the small artist"
        )
        assert big_queries == small_queries, name
    raw.close()

    if args.partition_study:
        results["partitioning"] = partition_study(url, args, first_day, today)

    ingest = None
    if args.load_seconds > 0 and not args.reads_only:
        ingest = load_phase(url, args)
    worst = max(ratios)
    print(json.dumps({"details": results, "ingest": ingest}))
    line = json.loads(_common.result_line("analytics", worst, target=TARGET))
    if ingest:
        line["ingest_rps"] = ingest["requests_per_second"]
        line["fold_lag_s"] = ingest["lag_seconds"]
    print(json.dumps(line))


def _reads_cache(choice: str) -> str:
    """Point the default cache (the throttles' counters) at Redis, as deployed, unless
    ``--cache locmem`` or nothing answers (``auto``); the test settings this bench borrows
    keep them in local memory. Returns which one the reads use."""
    cache_url = _common.chosen_cache_url(choice)
    if cache_url is None:
        return "locmem"
    import environ
    from django.test.utils import override_settings

    config = environ.Env.cache_url_config(cache_url)
    config["KEY_PREFIX"] = f"bench-analytics-{os.getpid()}"
    override_settings(CACHES={"default": config}).enable()  # setting_changed rebuilds caches
    return "redis"


def _vacuum_read_tables() -> None:
    """VACUUM ANALYZE the small tables the reads join (credits, managers, users) as autovacuum
    does on a served database within a minute of the load: the bench's cluster may run without
    it (``autovacuum = off`` here), and without statistics nor a visibility map the access
    check hashes both link tables instead of probing their unique indexes (index-only)."""
    from django.db import connection

    from beatpass.accounts.models import User
    from content.catalog.models import Artist, TrackArtist

    with connection.cursor() as cursor:
        for model in (TrackArtist, Artist.managers.through, User):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _backend_cpu_ns(pid: int) -> int:
    """CPU nanoseconds of process ``pid`` so far (Linux ``/proc/<pid>/schedstat``), else 0."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _django_backend_pid() -> int:
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.info.backend_pid


def _cpu_per_call(call, calls: int, backend_pid) -> float:
    """Seconds of CPU per call: this process's plus the PostgreSQL backend's serving it (0 for
    the backend when its process is not visible here, e.g. another host)."""
    call(0)
    pid = backend_pid()
    started, backend_started = time.process_time(), _backend_cpu_ns(pid)
    for i in range(calls):
        call(i)
    own = time.process_time() - started
    return (own + (_backend_cpu_ns(pid) - backend_started) / 1e9) / calls


class _WSGIResponse:
    def __init__(self, status: str, content: bytes) -> None:
        self.status_code = int(status.split(" ", 1)[0])
        self.content = content


class _WSGIClient:
    """GET requests straight into the WSGI handler gunicorn serves (the project's,
    ``beatpass.api.handler``; ``stock=True``: Django's own), as a server would hand them over:
    a prebuilt environ (copied per request), the body read, then ``close()`` (which sends
    ``request_finished``)."""

    def __init__(self, token: str, *, stock: bool = False) -> None:
        import io

        if stock:
            from django.core.handlers.wsgi import WSGIHandler
        else:
            from beatpass.api.handler import WSGIHandler

        self.handler = WSGIHandler()
        self.environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }

    def get(self, url: str) -> _WSGIResponse:
        path, _, query = url.partition("?")
        environ = {**self.environ, "PATH_INFO": path, "QUERY_STRING": query}
        status = []
        result = self.handler(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            content = b"".join(result)
        finally:
            result.close()
        return _WSGIResponse(status[0], content)


def _first_track_of_artist(artist_id: int) -> int:
    from content.catalog.models import TrackArtist

    return TrackArtist.objects.filter(artist_id=artist_id).order_by("track_id").first().track_id


# --- partitioning by month: measured, not assumed -------------------------------------------------


def partition_study(url: str, args, first_day: datetime.date, today: datetime.date) -> dict:
    """The events again in a table partitioned by month (the same indexes, per partition; the
    primary key cannot stay unique on ``id`` alone), then the statements that touch events,
    on both tables, interleaved."""
    import random

    import psycopg

    conn = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    conn.execute("SET jit = off")
    started = time.perf_counter()
    conn.execute(
        "CREATE TABLE pe_part (LIKE content_playevent INCLUDING DEFAULTS) PARTITION BY RANGE (day)"
    )
    month = first_day.replace(day=1)
    months = 0
    while month <= today:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        conn.execute(
            f"CREATE TABLE pe_part_{month:%Y%m} PARTITION OF pe_part "
            f"FOR VALUES FROM ('{month}') TO ('{following}')"
        )
        month, months = following, months + 1
    conn.execute("INSERT INTO pe_part SELECT * FROM content_playevent")
    conn.execute("SET maintenance_work_mem = '512MB'")
    conn.execute("CREATE INDEX ON pe_part (id)")
    conn.execute("CREATE INDEX ON pe_part (track_id, listener, day, id)")
    conn.execute("CREATE INDEX ON pe_part USING brin (day)")
    conn.execute("VACUUM ANALYZE pe_part")
    build = time.perf_counter() - started
    rng = random.Random(7)  # noqa: S311
    sample = conn.execute(
        "SELECT id, track_id, listener, day FROM content_playevent TABLESAMPLE SYSTEM (1) LIMIT 500"
    ).fetchall()
    days = [first_day + datetime.timedelta(days=rng.randrange(args.days)) for _ in range(200)]

    def timed(sql_for):
        def call(i):
            sql, params = sql_for(i)
            conn.execute(sql, params).fetchall()

        return call

    statements = {
        "point lookup by id (update-duration)": lambda table: (
            lambda i: (
                f"SELECT listened_ms FROM {table} "  # noqa: S608
                "WHERE id = %s AND track_id = %s AND listener = %s",
                sample[i % len(sample)][:3],
            )
        ),
        "first play of the day probe (fold)": lambda table: (
            lambda i: (
                f"SELECT 1 FROM {table} WHERE track_id = %s AND listener = %s AND day = %s "  # noqa: S608
                "AND id < %s LIMIT 1",
                (*sample[i % len(sample)][1:], sample[i % len(sample)][0]),
            )
        ),
        "one day's aggregate (backfill)": lambda table: (
            lambda i: (
                f"SELECT track_id, count(*), count(DISTINCT listener), sum(listened_ms) "  # noqa: S608
                f"FROM {table} WHERE day = %s GROUP BY track_id",
                (days[i % len(days)],),
            )
        ),
    }
    out = {"months": months, "copy_and_index_seconds": round(build, 1)}
    for name, make in statements.items():
        reps = 200 if "aggregate" not in name else 20
        plain, parted = _common.interleaved(
            timed(make("content_playevent")), timed(make("pe_part")), repetitions=reps, warmup=5
        )
        p, q = _common.summary(plain)["median"], _common.summary(parted)["median"]
        out[name] = {"plain_ms": round(p * 1000, 3), "partitioned_ms": round(q * 1000, 3)}
        print(f"  {name}: plain {_common.fmt_ms(p)}, partitioned {_common.fmt_ms(q)}")
    # Retention: dropping the oldest month, inside a transaction that is rolled back.
    oldest = f"pe_part_{first_day.replace(day=1):%Y%m}"
    bound = (first_day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    for label, sql in (
        ("delete oldest month (plain)", f"DELETE FROM content_playevent WHERE day < '{bound}'"),  # noqa: S608
        ("drop oldest month (partitioned)", f"DROP TABLE {oldest}"),
    ):
        conn.execute("BEGIN")
        began = time.perf_counter()
        conn.execute(sql)
        elapsed = time.perf_counter() - began
        conn.execute("ROLLBACK")
        out[label + "_s"] = round(elapsed, 3)
        print(f"  {label}: {elapsed:.3f} s")
    conn.execute("DROP TABLE pe_part")
    conn.close()
    return out


# --- ingest under gunicorn -----------------------------------------------------------------------

WRK_SCRIPT = """
math.randomseed(os.time())
local tracks = %d
request = function()
  local id = math.random(1, tracks)
  local ua = "bench-" .. math.random(1, 100000000)
  return wrk.format("POST", "/api/v1/tracks/" .. id .. "/plays",
                    {["Content-Type"] = "application/json", ["User-Agent"] = ua}, "{}")
end
"""


def _wait_until_serving(port: int, timeout: float = 180) -> None:
    """Until the server on ``port`` answers a play (200/201). Its port listens as soon as the
    gunicorn master binds it, but a worker serves only once it has imported Django and its
    first request has loaded the URLconf, which can take longer than the quick mode's whole
    load phase on a busy machine: wrk then reported 0 requests, and the bench 0 req/s."""
    import http.client

    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request(
                "POST", "/api/v1/tracks/1/plays", "{}", {"Content-Type": "application/json"}
            )
            response = conn.getresponse()
            body = response.read()
            if response.status in (200, 201):
                return
            last = f"{response.status} {body[:300]!r}"
        except OSError as exc:
            last = repr(exc)
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"the server on {port} did not serve a play within {timeout} s: {last}")


def _serve(app: str, port: int, env: dict, args, cwd: Path) -> subprocess.Popen:
    """gunicorn with the bench's worker configuration, in its own session (for its CPU time)."""
    return subprocess.Popen(  # noqa: S603 - our own server, loopback only
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _session_cpu_seconds(session: int) -> float | None:
    """User + system CPU seconds of every process of a session (Linux /proc), else None."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # fields[3]: the session id
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def load_phase(url: str, args) -> dict:
    """The endpoint under gunicorn as deployed (production settings: kept database
    connections, throttle counters in Redis), against its floor (``bench/_ingest_floor.py``:
    a bare WSGI app running the same start statement) under the same gunicorn configuration,
    alternated (endpoint, floor, endpoint, floor), with the fold running meanwhile."""
    from django.db import connection
    from django.db.models import F

    from content.analytics.models import PlayEvent
    from content.analytics.services.fold import fold_plays

    cache_url = _common.redis_cache_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "beatpass.settings.production",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-analytics-" + "0123456789abcdef" * 3,
        "SECURE_SSL_REDIRECT": "false",
        "CACHE_URL": cache_url or "locmemcache://bench",
        "CELERY_BROKER_URL": "memory://",
        "CONN_MAX_AGE": "600",
    }
    endpoint_port, floor_port = args.port, args.port + 1
    servers = {
        "endpoint": (
            _serve("beatpass.wsgi:application", endpoint_port, env, args, _common.REPO_ROOT),
            endpoint_port,
        ),
        "floor": (
            _serve(
                "_ingest_floor:application",
                floor_port,
                # The floor imports the endpoint's statement (content.analytics.sql).
                {**env, "PYTHONPATH": str(_common.REPO_ROOT)},
                args,
                Path(__file__).parent,
            ),
            floor_port,
        ),
    }
    stop = threading.Event()
    samples: list[tuple[float, int, float]] = []

    def unfolded() -> int:
        return PlayEvent.objects.exclude(folded_ms=F("listened_ms")).count()

    def folder() -> None:
        # The periodic task, every few seconds instead of every minute: the backlog it leaves
        # behind is what a listener would wait for.
        try:
            while not stop.is_set():
                started = time.perf_counter()
                result = fold_plays(evaluate=False)
                samples.append((time.perf_counter() - started, result.events, time.monotonic()))
                stop.wait(2.0)
        finally:
            connection.close()

    sides = {name: {"requests": 0, "seconds": 0.0, "errors": 0, "cpu": 0.0} for name in servers}
    tool = p99 = None
    try:
        for _server, port in servers.values():
            _wait_until_serving(port)
        for _server, port in servers.values():  # warm-up: imports, connections, plans
            _drive_load(2, args.tracks, port)
        thread = threading.Thread(target=folder, daemon=True)
        thread.start()
        started = time.monotonic()
        rounds = 2
        for _round in range(rounds):
            for name, (server, port) in servers.items():
                cpu_before = _session_cpu_seconds(server.pid)
                report = _drive_load(max(1, args.load_seconds // rounds), args.tracks, port)
                cpu_after = _session_cpu_seconds(server.pid)
                side = sides[name]
                side["requests"] += report["requests"]
                side["seconds"] += report["seconds"]
                side["errors"] += report["errors"]
                if cpu_before is not None and cpu_after is not None:
                    side["cpu"] += cpu_after - cpu_before
                tool = report["tool"]
                if name == "endpoint":
                    p99 = report["p99_latency"]
        load_end = time.monotonic()
        backlog_at_end = unfolded()
        stop.set()
        thread.join(timeout=300)
        drain_started = time.monotonic()
        while unfolded():
            fold_plays(evaluate=False)
        lag = time.monotonic() - drain_started
    finally:
        for server, _port in servers.values():
            _stop(server)
    for name, side in sides.items():
        if side["requests"] - side["errors"] <= 0:
            raise RuntimeError(f"ingest: the {name} answered no play ({side})")
    folded = sum(n for _s, n, _t in samples)
    fold_seconds = sum(s for s, _n, _t in samples)
    # Answered requests per second (errors, reported apart, do not count).
    rates = {
        name: (side["requests"] - side["errors"]) / side["seconds"] for name, side in sides.items()
    }
    cpu_ms = {
        name: round(side["cpu"] / side["requests"] * 1000, 3) if side["requests"] else None
        for name, side in sides.items()
    }
    ingest = {
        "tool": tool,
        "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
        "throttle_cache": "redis" if cache_url else "locmem",
        "requests_per_second": round(rates["endpoint"], 1),
        "errors": sides["endpoint"]["errors"],
        "p99_latency": p99,
        "floor_requests_per_second": round(rates["floor"], 1),
        "floor_errors": sides["floor"]["errors"],
        "share_of_floor": round(rates["endpoint"] / rates["floor"], 2) if rates["floor"] else None,
        "server_cpu_ms_per_request": cpu_ms["endpoint"],
        "floor_server_cpu_ms_per_request": cpu_ms["floor"],
        "backlog_at_end_of_load": backlog_at_end,
        "lag_seconds": round(lag, 2),
        "fold_runs": len(samples),
        "fold_events_per_second": round(folded / fold_seconds) if fold_seconds else None,
        "load_seconds": round(load_end - started, 1),
        # Other processes on the machine share its cores: read the figures next to this.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(
        f"ingest: {ingest['requests_per_second']:.0f} req/s ({ingest['errors']} errors, p99 "
        f"{p99}), floor {ingest['floor_requests_per_second']:.0f} req/s "
        f"({ingest['floor_errors']} errors) = {ingest['share_of_floor']} of the floor; server "
        f"CPU per request {cpu_ms['endpoint']} ms vs {cpu_ms['floor']} ms; {tool}, gunicorn "
        f"{ingest['gunicorn']}, throttle in {ingest['throttle_cache']}; fold every 2 s: "
        f"{ingest['fold_runs']} runs at {ingest['fold_events_per_second']} events/s, backlog "
        f"{backlog_at_end} at the end of the load, drained in {lag:.1f} s; load average "
        f"{ingest['load_average_1min']}"
    )
    return ingest


def _drive_load(seconds: int, tracks: int, port: int) -> dict:
    wrk = shutil.which("wrk")
    if wrk:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % tracks)
        try:
            output = subprocess.run(  # noqa: S603
                [
                    wrk,
                    "-t2",
                    "-c32",
                    f"-d{seconds}s",
                    "-s",
                    script.name,
                    "--latency",
                    f"http://127.0.0.1:{port}",
                ],  # fmt: skip
                capture_output=True,
                text=True,
                timeout=seconds + 60,
                check=True,
            ).stdout
        finally:
            Path(script.name).unlink()
        # "  2433 requests in 10.07s, 1.63MB read"
        done = next(line.split() for line in output.splitlines() if " requests in " in line)
        errors = 0
        for line in output.splitlines():
            if "Non-2xx" in line:
                errors += int(line.split()[-1])
            if "Socket errors" in line:
                errors += sum(int(p.split()[-1]) for p in line.split(":", 1)[1].split(","))
        p99 = next(
            (line.split()[1] for line in output.splitlines() if line.strip().startswith("99%")),
            None,
        )
        return {
            "tool": "wrk",
            "requests": int(done[0]),
            "seconds": float(done[3].rstrip("s,")),
            "errors": errors,
            "p99_latency": p99,
        }
    return _python_load(seconds, tracks, port)


def _python_load(seconds: int, tracks: int, port: int) -> dict:
    """Keep-alive HTTP client in threads (when wrk is not installed); slower than wrk and on
    the server's cores, so the figure is a lower bound of the server's rate."""
    import http.client
    import random

    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        ok = errors = 0
        while time.monotonic() < deadline:
            headers = {"Content-Type": "application/json", "User-Agent": f"py-{rng.random()}"}
            conn.request("POST", f"/api/v1/tracks/{rng.randint(1, tracks)}/plays", "{}", headers)
            response = conn.getresponse()
            response.read()
            if response.status in (200, 201):
                ok += 1
            else:
                errors += 1
        with lock:
            counts["ok"] += ok
            counts["errors"] += errors

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "tool": "python",
        "requests": counts["ok"] + counts["errors"],
        "seconds": elapsed,
        "errors": counts["errors"],
        "p99_latency": None,
    }


if __name__ == "__main__":
    main()
