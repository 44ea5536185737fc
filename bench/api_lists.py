"""Track lists at 10k / 100k / 1M tracks against a page floor.

``--size 10k|100k|1M``: the catalogue size (artists = size/20, albums = size/10). Every list
variant (plain signed in and anonymous, ``?genre=``, ``/genres/{name}/tracks``,
``/tags/{name}/tracks``, a bpm range, a key, an artist's tracks, liked tracks, a deep page
and its cursor equivalent) is measured through ``APIClient`` against the **page floor**:
fetching the very rows that request returned (50 tracks) and their relations (artists,
genres, tags, the viewer's likes) by primary key on a raw psycopg connection and dumping them
with orjson. The floor is what a page must cost whatever the catalogue size, so the ratio
endpoint/floor should not grow with ``--size`` (target <= 3 at every size). One JSON line per
endpoint, then the summary line (its ratio: the worst endpoint's).

The sections below describe the original method (same SQL replayed), kept for ``--replay``.

Method (see bench/README.md):
1. A scratch database (``bp_bench_scratch``) is created, migrated and seeded with 100k tracks
   (2 artists, 2 genres and 2 tags each, 60 % on albums, 5 % private) by set-based SQL
   (``INSERT ... SELECT FROM generate_series``), then VACUUM ANALYZE'd.
2. For each page we will ask for (random pages among the first 100, the same sequence for
   both sides) the SQL statements the endpoint issues are captured once with
   ``CaptureQueriesContext``.
3. Side A: the request through ``APIClient`` with a Bearer JWT (middleware, authentication,
   throttling, view, presenters, renderer: the whole Django request path except the socket).
   Side B, the floor: the very same statements replayed on a raw psycopg connection, every
   result turned into dicts and the lot dumped with orjson.
4. A and B run interleaved (A, B, A, B, ...), 30 warm-up rounds then 300 measured ones;
   ratio = median(A) / median(B). Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

import _common

TRACKS = 100_000
ARTISTS = 5_000
ALBUMS = 10_000
GENRES = 40
TAGS = 400
OTHER_LIKERS = 3
PER_PAGE = 50
PAGES = 100
TARGET = 3.0


def seed_sql(TRACKS: int, ARTISTS: int, ALBUMS: int) -> list[str]:  # noqa: N803
    return [
        # Artists, albums, genres, tags.
        f"""
        INSERT INTO content_artist (id, created_at, updated_at, name, bio, image, verified,
                                    likes_count)
        SELECT i, now() - i * interval '1 hour', now(), 'Artist ' || i,
               CASE WHEN i % 3 = 0 THEN 'Bio of artist ' || i ELSE '' END,
               CASE WHEN i % 2 = 0 THEN 'https://img.example.com/a/' || i || '.jpg' ELSE '' END,
               i % 10 = 0, i % 97
        FROM generate_series(1, {ARTISTS}) AS i
        """,
        f"""
        INSERT INTO content_album (id, created_at, updated_at, name, image, release_date,
                                   description, plays, likes_count)
        SELECT i, now() - i * interval '1 hour', now(), 'Album ' || i,
               'https://img.example.com/al/' || i || '.jpg', date '2020-01-01' + (i % 1500), '',
               i * 13 % 100000, i % 50
        FROM generate_series(1, {ALBUMS}) AS i
        """,
        f"""
        INSERT INTO content_albumartist (album_id, artist_id, position)
        SELECT i, 1 + i % {ARTISTS}, 0 FROM generate_series(1, {ALBUMS}) AS i
        """,
        f"""
        INSERT INTO content_genre (id, created_at, updated_at, name, display_name)
        SELECT i, now(), now(), 'genre-' || i, 'Genre ' || i FROM generate_series(1, {GENRES}) AS i
        """,
        f"""
        INSERT INTO content_tag (id, created_at, updated_at, name)
        SELECT i, now(), now(), 'tag' || i FROM generate_series(1, {TAGS}) AS i
        """,
        # Tracks: the newest have the highest ids; 5 % private, 60 % on an album.
        f"""
        INSERT INTO content_track (id, created_at, updated_at, name, album_id, number, duration,
                                   bpm, key, scale, description, image, visibility, release_date,
                                   plays, likes_count, free_download)
        SELECT i, timestamptz '2024-01-01' + i * interval '1 minute', now(), 'Track ' || i,
               CASE WHEN i % 5 < 3 THEN 1 + i % {ALBUMS} END,
               CASE WHEN i % 5 < 3 THEN 1 + i / {ALBUMS} END,
               60000 + (i::bigint * 7919 % 240000)::int, 50 + i % 151,
               (ARRAY['C','C#','D','Eb','E','F','F#','G','Ab','A','Bb','B'])[1 + i % 12],
               CASE WHEN i % 2 = 0 THEN 'major' ELSE 'minor' END,
               CASE WHEN i % 4 = 0 THEN 'A description of track ' || i ELSE '' END,
               'https://img.example.com/t/' || i || '.jpg',
               CASE WHEN i % 20 = 0 THEN 'private' ELSE 'public' END,
               date '2020-01-01' + (i % 1500), i::bigint * 31 % 1000000, i % 500, false
        FROM generate_series(1, {TRACKS}) AS i
        """,
        f"""
        INSERT INTO content_trackartist (track_id, artist_id, role, position)
        SELECT i, 1 + i % {ARTISTS}, 'main', 0 FROM generate_series(1, {TRACKS}) AS i
        UNION ALL
        SELECT i, 1 + (i + 1 + (i / {ARTISTS}) % ({ARTISTS} - 1)) % {ARTISTS}, 'featured', 1
        FROM generate_series(1, {TRACKS}) AS i
        """,
        f"""
        INSERT INTO content_track_genres (track_id, genre_id)
        SELECT i, 1 + i % {GENRES} FROM generate_series(1, {TRACKS}) AS i
        UNION ALL
        SELECT i, 1 + (i + 1 + i % ({GENRES} - 1)) % {GENRES} FROM generate_series(1, {TRACKS}) AS i
        """,
        f"""
        INSERT INTO content_track_tags (track_id, tag_id)
        SELECT i, 1 + i % {TAGS} FROM generate_series(1, {TRACKS}) AS i
        UNION ALL
        SELECT i, 1 + (i + 1 + i % ({TAGS} - 1)) % {TAGS} FROM generate_series(1, {TRACKS}) AS i
        """,
    ]


SIZES = {
    "10k": {"tracks": 10_000, "artists": 500, "albums": 1_000, "pages": 100},
    "100k": {"tracks": 100_000, "artists": 5_000, "albums": 10_000, "pages": 100},
    "1M": {"tracks": 1_000_000, "artists": 50_000, "albums": 100_000, "pages": 100},
}


# ``--bulk``: the catalogue is loaded with the tables' triggers off (``session_replication_role
# = replica``), then what they keep is rebuilt set-based: the list counters, the link rows'
# copies of their track's columns (page keys). The search documents are not built (no list
# reads them): with the triggers on, every link insert re-indexes every track's document (a
# GiST trigram index), which at 1M took well over an hour on this machine.
# The copies are written with the triggers still off (the link tables' search triggers would
# re-index every document), then the counters are refilled.
BULK_REBUILD = [
    *(
        f"""
        UPDATE {table} AS l SET track_created_at = t.created_at, track_visibility = t.visibility,
               track_exclusive_status = t.exclusive_status
        FROM content_track AS t WHERE t.id = l.track_id
        """
        for table in ("content_track_genres", "content_track_tags", "content_tracklike")
    ),
    "RESET session_replication_role",
    "SELECT beatpass_trackcount_refill()",
]


def seed(sizes: dict, *, bulk: bool = False) -> dict:
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from beatpass.accounts.models import User

    viewer = User.objects.filter(email="bench@example.com").first()
    if viewer is not None:  # --reuse of a database seeded by an earlier run
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM content_track")
            seeded = cursor.fetchone()[0]
        if seeded != sizes["tracks"]:
            raise SystemExit(f"the reused database holds {seeded} tracks, not {sizes['tracks']}")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # new migrations may have rewritten rows
        return {"viewer": viewer, "token": str(RefreshToken.for_user(viewer).access_token)}
    with connection.cursor() as cursor:
        if bulk:
            cursor.execute("SET session_replication_role = replica")
        for sql in seed_sql(sizes["tracks"], sizes["artists"], sizes["albums"]):
            cursor.execute(sql)
        for table in ("content_artist", "content_album", "content_genre", "content_tag"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: E501, S608
            )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('content_track', 'id'), %s)", [sizes["tracks"]]
        )
    if bulk:
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")
    viewer = User.objects.create_user("bench@example.com", "bench-password", name="Bench")
    others = [
        User.objects.create_user(f"other{n}@example.com", "bench-password")
        for n in range(OTHER_LIKERS)
    ]
    with connection.cursor() as cursor:
        # The viewer manages one artist (so visibility takes the "or my private tracks" branch)
        # and likes every 7th track; other listeners like plenty too.
        cursor.execute(
            "INSERT INTO content_artist_managers (artist_id, user_id) VALUES (1, %s)", [viewer.pk]
        )
        if bulk:
            cursor.execute("SET session_replication_role = replica")
        for liker, step in [(viewer, 7)] + [(o, 3 + n) for n, o in enumerate(others)]:
            cursor.execute(
                f"""
                INSERT INTO content_tracklike (user_id, track_id, created_at, updated_at)
                SELECT %s, i, now() - i * interval '1 second', now()
                FROM generate_series(1, {sizes["tracks"]}, {step}) AS i
                """,  # noqa: S608
                [liker.pk],
            )
        if bulk:
            for sql in BULK_REBUILD:
                cursor.execute(sql)
        cursor.execute("VACUUM ANALYZE")
    return {"viewer": viewer, "token": str(RefreshToken.for_user(viewer).access_token)}


def backend_cpu(pid: int) -> float:
    """CPU seconds of a PostgreSQL backend on this machine (/proc schedstat: nanoseconds)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except OSError:  # a server on another machine: wall time only
        return 0.0


def loadavg() -> float | None:
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="100k")
    parser.add_argument("--repetitions", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--keep-db", action="store_true", help="Leave the scratch db behind.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the seeded scratch db (bp_bench_lists_<size>) between runs: seed it once.",
    )
    parser.add_argument("--seed-only", action="store_true", help="With --reuse: seed, exit.")
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="Seed with the tables' triggers off, then rebuild the list counters and page-key "
        "copies set-based (no search documents): minutes instead of hours at 1M.",
    )
    parser.add_argument(
        "--db", help="With --reuse: the scratch database's name (default bp_bench_lists_<size>)."
    )
    parser.add_argument(
        "--reseed",
        action="store_true",
        help="With --reuse: drop the scratch database first (e.g. seeded before a migration "
        "was renamed), then seed it again.",
    )
    parser.add_argument(
        "--only", help="Comma-separated endpoint names (e.g. bpm_range,liked): those alone."
    )
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    args.sizes = dict(SIZES[args.size])
    if args.quick:
        args.sizes = {"tracks": 2_000, "artists": 100, "albums": 200, "pages": 10}
        args.repetitions, args.warmup = 3, 1

    env = {
        "DEBUG": "false",
        # Throttling stays on the request path but must never answer 429 here.
        "THROTTLE_RATE_ANON": "1000000/s",
        "THROTTLE_RATE_USER": "1000000/s",
    }
    name = os.environ.get("BENCH_SCRATCH_DB", "bp_bench_scratch")
    if args.reuse:
        name = args.db or f"bp_bench_lists_{'quick' if args.quick else args.size.lower()}"
        if args.reseed:
            _common.drop_database(name)
    with _common.django_scratch_database(name, env=env, keep=args.keep_db, reuse=args.reuse) as url:
        run(url, args)


def endpoints(sizes: dict) -> dict[str, tuple[str, bool]]:
    """name → (URL, signed in). Deep: page 1,000 where the catalogue has it (else the last)."""
    deep = min(1000, int(0.9 * sizes["tracks"]) // PER_PAGE)
    q = f"per_page={PER_PAGE}"
    return {
        "plain": (f"/api/v1/tracks?{q}&page={{page}}", True),
        "anonymous": (f"/api/v1/tracks?{q}&page={{page}}", False),
        "genre_filter": (f"/api/v1/tracks?{q}&genre=genre-3&page={{page}}", True),
        "genre_route": (f"/api/v1/genres/genre-3/tracks?{q}&page={{page}}", True),
        "tag": (f"/api/v1/tags/tag7/tracks?{q}&page={{small_page}}", True),
        "bpm_range": (f"/api/v1/tracks?{q}&bpm_min=90&bpm_max=95&page={{page}}", True),
        "key": (f"/api/v1/tracks?{q}&key=eb&scale=minor&page={{small_page}}", True),
        "artist_tracks": (f"/api/v1/artists/5/tracks?{q}&page=1", True),
        "liked": (f"/api/v1/users/me/liked-tracks?{q}&page={{page}}", True),
        "deep_page": (f"/api/v1/tracks?{q}&page={deep}", True),
        "deep_cursor": (f"/api/v1/tracks?{q}&cursor={{deep_cursor}}", True),
    }


def run(url: str, args) -> None:
    import orjson
    import psycopg
    from django.db import connection
    from rest_framework.test import APIClient

    from beatpass.api.pagination import make_cursor

    started = time.perf_counter()
    seeded = seed(args.sizes, bulk=args.bulk)
    seconds = time.perf_counter() - started
    print(f"seeded {args.sizes['tracks']} tracks in {seconds:.1f} s", flush=True)
    if args.seed_only:
        return

    signed_in, anonymous = APIClient(), APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    viewer_id = seeded["viewer"].pk
    deep = min(1000, int(0.9 * args.sizes["tracks"]) // PER_PAGE)
    with connection.cursor() as cursor:  # the row just before page ``deep``, as a cursor
        cursor.execute(
            "SELECT created_at, id FROM content_track ORDER BY created_at DESC, id DESC "
            "OFFSET %s LIMIT 1",
            [(deep - 1) * PER_PAGE - 1],
        )
        created_at, last_id = cursor.fetchone()
    deep_cursor = make_cursor([("created_at", True), ("id", True)], [created_at, last_id])
    rng = random.Random(20240101)  # noqa: S311 - page choice, not security

    raw = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    cursor = raw.cursor()
    connection.ensure_connection()
    django_pid, raw_pid = connection.connection.info.backend_pid, raw.info.backend_pid

    def floor_for(ids: list[int], rich: bool) -> None:
        out = []
        for sql, params in (
            (
                "SELECT t.id, t.name, t.image, t.created_at, t.duration, t.bpm, t.key, t.scale,"
                " t.plays, t.likes_count, t.description, t.release_date, t.visibility,"
                " t.album_id, a.image AS album_image FROM content_track t"
                " LEFT JOIN content_album a ON a.id = t.album_id WHERE t.id = ANY(%s)",
                [ids],
            ),
            (
                "SELECT ta.track_id, ar.id, ar.name FROM content_trackartist ta"
                " JOIN content_artist ar ON ar.id = ta.artist_id WHERE ta.track_id = ANY(%s)",
                [ids],
            ),
            *(
                [
                    (
                        "SELECT tg.track_id, g.name FROM content_track_genres tg"
                        " JOIN content_genre g ON g.id = tg.genre_id WHERE tg.track_id = ANY(%s)",
                        [ids],
                    ),
                    (
                        "SELECT tt.track_id, tg.name FROM content_track_tags tt"
                        " JOIN content_tag tg ON tg.id = tt.tag_id WHERE tt.track_id = ANY(%s)",
                        [ids],
                    ),
                    (
                        "SELECT track_id FROM content_tracklike"
                        " WHERE user_id = %s AND track_id = ANY(%s)",
                        [viewer_id, ids],
                    ),
                ]
                if rich
                else []
            ),
        ):
            cursor.execute(sql, params)
            names = [column.name for column in cursor.description]
            out.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
        orjson.dumps(out)

    report = {}
    cpu_report = {}
    chosen = endpoints(args.sizes)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    for name, (template, rich) in chosen.items():
        client = signed_in if rich else anonymous
        rounds = args.warmup + args.repetitions
        # Random pages among the first ``pages`` (3 for the rarer lists) that the list has.
        first = client.get(template.format(page=1, small_page=1, deep_cursor=deep_cursor))
        last = first.json().get("last_page", 1)
        if first.json().get("total_is_estimate"):
            last = min(last, 20)  # an estimate: stay well inside the list
        urls = [
            template.format(
                page=rng.randint(1, min(last, args.sizes["pages"])),
                small_page=rng.randint(1, min(last, 3)),
                deep_cursor=deep_cursor,
            )
            for _ in range(rounds)
        ]
        pages = {}
        for u in set(urls):  # what each request returns: the floor fetches the same rows
            response = client.get(u)
            assert response.status_code == 200, (u, response.content[:300])
            body = response.json()
            assert len(body["data"]) > 0, u
            pages[u] = [t["id"] for t in body["data"]]

        cpu = [0.0, 0.0]  # CPU seconds of the measured rounds: this process + its backend

        def candidate(i, client=client, urls=urls, cpu=cpu):
            before = time.thread_time(), backend_cpu(django_pid)
            response = client.get(urls[i + args.warmup])
            if i >= 0:
                cpu[0] += time.thread_time() - before[0] + backend_cpu(django_pid) - before[1]
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}: {response.content[:200]!r}")

        def floor(i, urls=urls, pages=pages, rich=rich, cpu=cpu):
            before = time.thread_time(), backend_cpu(raw_pid)
            floor_for(pages[urls[i + args.warmup]], rich)
            if i >= 0:
                cpu[1] += time.thread_time() - before[0] + backend_cpu(raw_pid) - before[1]

        a, b = _common.interleaved(
            candidate, floor, repetitions=args.repetitions, warmup=args.warmup
        )
        sa, sb = _common.summary(a), _common.summary(b)
        ratio = sa["median"] / sb["median"]
        report[name] = round(ratio, 2)
        cpu_report[name] = round(cpu[0] / cpu[1], 2) if cpu[1] else None
        line = {
            "endpoint": name,
            "size": args.sizes["tracks"],
            "median_ms": round(sa["median"] * 1000, 2),
            "p95_ms": round(sa["p95"] * 1000, 2),
            "floor_ms": round(sb["median"] * 1000, 2),
            "ratio": round(ratio, 2),
            # CPU time (this process + its PostgreSQL backend, summed over the rounds):
            # steadier than wall time on a loaded machine.
            "cpu_ms": round(cpu[0] / args.repetitions * 1000, 2),
            "floor_cpu_ms": round(cpu[1] / args.repetitions * 1000, 2),
            "cpu_ratio": round(cpu[0] / cpu[1], 2) if cpu[1] else None,
            "loadavg": loadavg(),
        }
        print(json.dumps(line), flush=True)
    raw.close()
    worst = max(report.values())
    print(
        json.dumps(
            {
                "bench": "api_lists",
                "size": args.sizes["tracks"],
                "ratio": worst,
                "target": TARGET,
                "endpoints": report,
                "cpu_ratios": cpu_report,
            }
        )
    )


if __name__ == "__main__":
    main()
