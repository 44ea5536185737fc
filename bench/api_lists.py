"""GET /api/v1/tracks?per_page=50 (authenticated) against a floor: its own SQL, raw.

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
               60000 + i * 7919 % 240000, 50 + i % 151,
               (ARRAY['C','C#','D','Eb','E','F','F#','G','Ab','A','Bb','B'])[1 + i % 12],
               CASE WHEN i % 2 = 0 THEN 'major' ELSE 'minor' END,
               CASE WHEN i % 4 = 0 THEN 'A description of track ' || i ELSE '' END,
               'https://img.example.com/t/' || i || '.jpg',
               CASE WHEN i % 20 = 0 THEN 'private' ELSE 'public' END,
               date '2020-01-01' + (i % 1500), i * 31 % 1000000, i % 500, false
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


def seed(sizes: dict) -> dict:
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from beatpass.accounts.models import User

    with connection.cursor() as cursor:
        for sql in seed_sql(sizes["tracks"], sizes["artists"], sizes["albums"]):
            cursor.execute(sql)
        for table in ("content_artist", "content_album", "content_genre", "content_tag"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: E501, S608
            )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('content_track', 'id'), %s)", [sizes["tracks"]]
        )
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
        for liker, step in [(viewer, 7)] + [(o, 3 + n) for n, o in enumerate(others)]:
            cursor.execute(
                f"""
                INSERT INTO content_tracklike (user_id, track_id, created_at, updated_at)
                SELECT %s, i, now() - i * interval '1 second', now()
                FROM generate_series(1, {sizes["tracks"]}, {step}) AS i
                """,  # noqa: S608
                [liker.pk],
            )
        cursor.execute("VACUUM ANALYZE")
    return {"viewer": viewer, "token": str(RefreshToken.for_user(viewer).access_token)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--keep-db", action="store_true", help="Leave the scratch db behind.")
    parser.add_argument("--show-sql", action="store_true", help="Print the captured SQL.")
    parser.add_argument("--profile", action="store_true", help="cProfile side A, print top 40.")
    parser.add_argument(
        "--anonymous", action="store_true", help="Measure the anonymous list instead."
    )
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    args.sizes = {"tracks": TRACKS, "artists": ARTISTS, "albums": ALBUMS, "pages": PAGES}
    if args.quick:
        args.sizes = {"tracks": 2_000, "artists": 100, "albums": 200, "pages": 10}
        args.repetitions, args.warmup = 10, 2

    env = {
        "DEBUG": "false",
        # Throttling stays on the request path but must never answer 429 here; a one-second
        # window keeps the counter's history as short as production's 300/min.
        "THROTTLE_RATE_ANON": "1000000/s",
        "THROTTLE_RATE_USER": "1000000/s",
    }
    with _common.django_scratch_database("bp_bench_scratch", env=env, keep=args.keep_db) as url:
        run(url, args)


def run(url: str, args) -> None:
    import orjson
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    started = time.perf_counter()
    seeded = seed(args.sizes)
    print(f"seeded {args.sizes['tracks']} tracks in {time.perf_counter() - started:.1f} s")

    client = APIClient()
    if not args.anonymous:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {seeded['token']}")
    rng = random.Random(20240101)  # noqa: S311 - page choice, not security
    pages = [rng.randint(1, args.sizes["pages"]) for _ in range(args.warmup + args.repetitions)]

    def url_for(page: int) -> str:
        return f"/api/v1/tracks?per_page={PER_PAGE}&page={page}"

    statements: dict[int, list[str]] = {}
    for page in sorted(set(pages)):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url_for(page))
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert len(body["data"]) == PER_PAGE
        assert body["total"] > 0.9 * args.sizes["tracks"], body["total"]
        assert args.anonymous or any(t["is_liked"] for t in body["data"])
        statements[page] = [q["sql"] for q in ctx.captured_queries]
    queries = {len(s) for s in statements.values()}
    if args.show_sql:
        print(";\n".join(statements[pages[0]]) + ";")

    raw = psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)
    cursor = raw.cursor()

    def candidate(i: int) -> None:
        response = client.get(url_for(pages[i + args.warmup]))
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:200]!r}")

    def floor(i: int) -> None:
        results = []
        for sql in statements[pages[i + args.warmup]]:
            cursor.execute(sql)
            names = [column.name for column in cursor.description]
            results.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
        orjson.dumps(results)

    if args.profile:
        profile(candidate, args.repetitions)
        return

    a, b = _common.interleaved(candidate, floor, repetitions=args.repetitions, warmup=args.warmup)
    raw.close()
    sa, sb = _common.summary(a), _common.summary(b)
    ratio = sa["median"] / sb["median"]
    viewer = "an anonymous visitor" if args.anonymous else "a signed-in listener"
    print(f"GET {url_for(0).split('&')[0]}&page=<1..{args.sizes['pages']}> as {viewer}")
    print(f"  queries per request: {', '.join(map(str, sorted(queries)))}")
    print(f"  repetitions: {args.repetitions} each, interleaved, after {args.warmup} warm-up")
    for label, stats in (("endpoint (A)", sa), ("floor    (B)", sb)):
        median, p95 = _common.fmt_ms(stats["median"]), _common.fmt_ms(stats["p95"])
        print(f"  {label}: median {median}   p95 {p95}")
    print(f"  ratio A/B (medians): {ratio:.2f} (target <= {TARGET})")
    name = "tracks_list_anonymous" if args.anonymous else "tracks_list"
    print(_common.result_line(name, ratio, target=TARGET))


def profile(candidate, repetitions: int) -> None:
    import cProfile
    import pstats

    for i in range(20):
        candidate(i)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(repetitions):
        candidate(i % 20)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    main()
