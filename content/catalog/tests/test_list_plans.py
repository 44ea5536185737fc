"""Query plans of the track lists on a table large enough for the planner to care: every
statement a filtered list issues reads the track table through an index, never a Seq Scan, so
its cost follows the page rather than the catalogue. The plan shape is pinned, not
timings."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from conftest import bearer_client
from content.tests.factories import ArtistFactory, UserFactory

TRACKS = 30_000


@pytest.fixture
def seeded(db):
    viewer = UserFactory()
    ArtistFactory(managers=[viewer])  # so visibility takes its "or mine" branch
    return {"viewer": viewer, "artist_id": seed(viewer)}


@pytest.fixture
def vacuumed(transactional_db):
    """``seeded``, committed and vacuumed as a live catalogue is (the visibility map lets the
    planner count on index-only scans)."""
    viewer = UserFactory()
    ArtistFactory(managers=[viewer])
    artist_id = seed(viewer)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"viewer": viewer, "artist_id": artist_id}


def seed(viewer) -> int:
    """30k tracks; returns the id of an artist with tracks."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO content_artist (created_at, updated_at, name, bio, image, verified,
                                        likes_count)
            SELECT now(), now(), 'Seeded artist ' || i, '', '', false, 0
            FROM generate_series(1, 1500) AS i;
            INSERT INTO content_genre (created_at, updated_at, name, display_name)
            SELECT now(), now(), 'g' || i, 'G ' || i FROM generate_series(1, 40) AS i;
            INSERT INTO content_tag (created_at, updated_at, name)
            SELECT now(), now(), 't' || i FROM generate_series(1, 400) AS i;
            """
        )
        cursor.execute(
            f"""
            INSERT INTO content_track (created_at, updated_at, name, duration, bpm, key, scale,
                                       description, image, visibility, plays, likes_count,
                                       free_download)
            SELECT timestamptz '2024-01-01' + i * interval '1 minute', now(), 'Track ' || i,
                   120000, 50 + i % 151,
                   (ARRAY['C','C#','D','Eb','E','F','F#','G','Ab','A','Bb','B'])[1 + i % 12],
                   CASE WHEN i % 2 = 0 THEN 'major' ELSE 'minor' END, '', '',
                   CASE WHEN i % 20 = 0 THEN 'private' ELSE 'public' END, i % 1000, i % 50,
                   false
            FROM generate_series(1, {TRACKS}) AS i;
            """  # noqa: S608 - constants
        )
        cursor.execute(
            """
            WITH t AS (SELECT id, row_number() OVER (ORDER BY id) AS i FROM content_track),
                 a AS (SELECT id, row_number() OVER (ORDER BY id) AS i FROM content_artist),
                 g AS (SELECT id, row_number() OVER (ORDER BY id) AS i FROM content_genre),
                 tg AS (SELECT id, row_number() OVER (ORDER BY id) AS i FROM content_tag),
                 ins_a AS (
                    INSERT INTO content_trackartist (track_id, artist_id, role, position)
                    SELECT t.id, a.id, 'main', 0 FROM t JOIN a ON a.i = 1 + t.i % 1500
                 ),
                 ins_g AS (
                    INSERT INTO content_track_genres (track_id, genre_id)
                    SELECT t.id, g.id FROM t JOIN g ON g.i = 1 + t.i % 40
                 )
            INSERT INTO content_track_tags (track_id, tag_id)
            SELECT t.id, tg.id FROM t JOIN tg ON tg.i = 1 + t.i % 400;
            """
        )
        cursor.execute(
            """
            INSERT INTO content_tracklike (user_id, track_id, created_at, updated_at)
            SELECT %s, id, now() - id * interval '1 second', now()
            FROM content_track WHERE id %% 7 = 0
            """,
            [viewer.pk],
        )
        cursor.execute("ANALYZE")
        # Not "Artist N": ArtistFactory names its artists so, and the viewer's own artist
        # (made first, with private tracks in this seed) would be found once an earlier test
        # had moved the factory's sequence to 5.
        cursor.execute("SELECT id FROM content_artist WHERE name = 'Seeded artist 5'")
        return cursor.fetchone()[0]


def statements_of(client, url: str) -> tuple[object, list[tuple[str, list]]]:
    """The response and every statement (SQL, parameters) the request ran, prepared ones
    included (their logged SQL has server-side ``$n`` placeholders, not the values)."""
    statements: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url)
    return response, statements


def plan_of(sql: str, params: list) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        raw = cursor.fetchone()[0]
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def seq_scans_on_tracks(plan: dict) -> list[dict]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == "content_track":
        found.append(plan)
    for child in plan.get("Plans", []):
        found += seq_scans_on_tracks(child)
    return found


KEYED = [
    # Deep pages picked from one index (``selectors.page_keys``).
    "/api/v1/tracks?per_page=50&page=500",
    "/api/v1/tracks?per_page=50&genre=g3&page=12",
    "/api/v1/genres/g3/tracks?per_page=50&page=12",
    "/api/v1/tags/t7/tracks?per_page=50&page=2",
    "/api/v1/users/me/liked-tracks?per_page=50&page=80",
]
# Filtered deep pages: the planner picks between walking the covering newest-first index
# (filters on its included columns) and the filter's own index plus a sort, by selectivity
# and depth; both read indexes only, pinned by the Seq Scan test.
FILTERED = [
    "/api/v1/tracks?per_page=50&bpm_min=90&bpm_max=95&page=20",
    "/api/v1/tracks?per_page=50&key=eb&scale=minor&page=20",
]
URLS = [
    "/api/v1/tracks?per_page=50",
    "/api/v1/tracks?per_page=50&page=20",
    "/api/v1/tracks?per_page=50&cursor=",
    "/api/v1/tracks?per_page=50&genre=g3",
    "/api/v1/genres/g3/tracks?per_page=50",
    "/api/v1/tags/t7/tracks?per_page=50",
    "/api/v1/tracks?per_page=50&tag=t7",
    "/api/v1/tracks?per_page=50&bpm_min=90&bpm_max=95",
    "/api/v1/tracks?per_page=50&key=eb&scale=minor",
    "/api/v1/artists/{artist}/tracks?per_page=50",
    "/api/v1/tracks?per_page=50&artist={artist}",
    # Liked tracks: the total from the ``liked`` counters, the page from the viewer's likes.
    "/api/v1/users/me/liked-tracks?per_page=50",
    *KEYED,
    *FILTERED,
]
CASES = [(url, True) for url in URLS] + [(url, False) for url in URLS if "/me/" not in url]


def test_list_statements_read_tracks_through_indexes(seeded, api_client):
    # One seeded table for every case (seeding dominates the test's time).
    violations = []
    for url, signed_in in CASES:
        client = bearer_client(seeded["viewer"]) if signed_in else api_client
        response, ran = statements_of(client, url.format(artist=seeded["artist_id"]))
        assert response.status_code == 200, (url, response.content[:300])
        assert response.json()["data"], url
        statements = [
            (sql, params)
            for sql, params in ran
            if "content_track" in sql and not sql.startswith("EXPLAIN")
        ]
        assert statements, url
        for sql, params in statements:
            if seq_scans_on_tracks(plan_of(sql, params)):
                violations.append((url, "signed in" if signed_in else "anonymous", sql))
    assert [(url, who) for url, who, _sql in violations] == [], violations[:1]


KEY_INDEXES = {
    "genre": "track_genres_page_keys",
    "tags": "track_tags_page_keys",
    "liked": "tracklike_page_keys",
}


def scans(plan: dict) -> list[tuple[str, str | None, str | None]]:
    """(node type, relation, index) of every node of a plan."""
    found = [(plan["Node Type"], plan.get("Relation Name"), plan.get("Index Name"))]
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def test_keyed_pages_skip_their_offset_in_one_index(vacuumed, api_client):
    """A deep page's keys come from the scope's index (the link table's, or the covering
    newest-first one of the track table); the track table is otherwise read by primary key
    only, so the page never walks the catalogue."""
    seeded = vacuumed
    shapes = {}
    for url in KEYED:
        for signed_in in (True, False) if "/me/" not in url else (True,):
            client = bearer_client(seeded["viewer"]) if signed_in else api_client
            response, ran = statements_of(client, url)
            assert response.status_code == 200, (url, response.content[:300])
            assert response.json()["data"], url
            # The page's statement, and, on a scope's first deep request in this process, the
            # walk that places its checkpoint (``page_keys``): each skips in the index.
            offsets = [(sql, p) for sql, p in ran if "OFFSET" in sql]
            assert 1 <= len(offsets) <= 2, (url, offsets)
            expected = next(
                (index for word, index in KEY_INDEXES.items() if word in url),
                "track_newest_covering",
            )
            index_scans = {"Index Scan", "Index Only Scan"}
            for k, (sql, params) in enumerate(offsets):
                nodes = scans(plan_of(sql, params))
                on_tracks = {
                    (node, index) for node, relation, index in nodes if relation == "content_track"
                }
                shapes[url, signed_in, k] = (
                    any(node in index_scans and index == expected for node, _r, index in nodes),
                    on_tracks
                    <= {(n, i) for n in index_scans for i in ("content_track_pkey", expected)},
                )
    assert {key: shape for key, shape in shapes.items() if shape != (True, True)} == {}


# Pages whose statement used to be re-planned on every run (their custom plans of shallow
# offsets, or of a user with more likes than the average, looked cheaper than the generic plan).
GENERIC = [
    ("/api/v1/tracks?per_page=50&key=eb&scale=minor&page={page}", True),
    ("/api/v1/tracks?per_page=50&key=eb&scale=minor&page={page}", False),
    ("/api/v1/users/me/liked-tracks?per_page=50&page={page}", True),
    ("/api/v1/tracks?per_page=50&genre=g3&page={page}", True),
]


def test_keyed_page_statements_keep_their_generic_plan(seeded, api_client):
    """Each keyed page statement is prepared once per connection; after PostgreSQL's five
    custom plans it runs the generic plan whatever the page (the offset and the scope's id
    are read through subqueries the planner does not see into: ``page_keys(prepared=True)``)."""
    for url, signed_in in GENERIC:
        client = bearer_client(seeded["viewer"]) if signed_in else api_client
        for page in (1, 2, 3, 1, 2, 3, 4, 2, 1, 3):
            response = client.get(url.format(page=page))
            assert response.status_code == 200, (url, response.content[:300])
            assert response.json()["data"], url
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%%OFFSET (SELECT%%'"
        )
        runs = cursor.fetchall()
    # one statement per list and tier, each planned five times and then run generic
    assert runs == [(5, 5)] * len(GENERIC)
