"""Genre, tag and liked pages are picked from the link table's index (``selectors.page_keys``):
the link rows carry their track's ``created_at``, visibility and exclusive status, kept equal
by triggers on every write path. These tests check the copies after each kind of write and
that any page read that way is the ORM's page, for every viewer tier."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction

from beatpass.api.pagination import after as after_key
from beatpass.api.pagination import page_slice
from content.catalog import presenters, selectors
from content.catalog.models import Track, TrackCount, TrackLike
from content.tests.factories import (
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Scope = TrackCount.Scope
LINKS = ("content_track_genres", "content_track_tags", "content_tracklike")


def stale_links() -> list[tuple]:
    """Link rows whose copies differ from their track's columns (or are missing)."""
    out = []
    with connection.cursor() as cursor:
        for table in LINKS:
            cursor.execute(
                f"SELECT '{table}', l.track_id FROM {table} l "  # noqa: S608 - constants
                "JOIN content_track t ON t.id = l.track_id "
                "WHERE (l.track_created_at, l.track_visibility, l.track_exclusive_status) "
                "IS DISTINCT FROM (t.created_at, t.visibility, t.exclusive_status)"
            )
            out += cursor.fetchall()
    return out


def link_copies(table: str, track_id: int) -> set[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT track_created_at, track_visibility, track_exclusive_status "  # noqa: S608
            f"FROM {table} WHERE track_id = %s",
            [track_id],
        )
        return set(cursor.fetchall())


def test_links_copy_their_track_on_every_write_path(producer):
    # given: a track in a genre, with a tag, liked by a listener
    genre, tag, listener = GenreFactory(), TagFactory(), UserFactory()
    track = TrackFactory(
        artists=[producer.managed_artists.get()], genres=[genre], tags=[tag], visibility="public"
    )
    TrackLike.objects.create(user=listener, track=track)
    assert link_copies("content_track_genres", track.pk) == {
        (track.created_at, "public", "available")
    }
    assert stale_links() == []

    # when: the ORM changes its visibility, a bulk update sells it, raw SQL moves its date
    track.visibility = "private"
    track.save()
    expected = {(track.created_at, "private", "available")}
    assert link_copies("content_tracklike", track.pk) == expected
    Track.objects.filter(pk=track.pk).update(exclusive_status="sold")
    moved = datetime.datetime(2020, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE content_track SET created_at = %s WHERE id = %s", [moved, track.pk])

    # then: every link follows
    for table in LINKS:
        assert link_copies(table, track.pk) == {(moved, "private", "sold")}, table
    assert stale_links() == []


def test_a_link_written_before_its_track_is_filled_when_the_track_arrives(db):
    # given: Django's foreign keys are checked at commit, so a loader may write links first
    genre = GenreFactory()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('content_track', 'id'))")
        track_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO content_track_genres (track_id, genre_id) VALUES (%s, %s)",
            [track_id, genre.pk],
        )
        assert link_copies("content_track_genres", track_id) == {(None, None, None)}
        # when: the track is inserted in the same transaction
        cursor.execute(
            "INSERT INTO content_track (id, created_at, updated_at, name, duration, key, scale, "
            "description, image, visibility, plays, likes_count, free_download) "
            "VALUES (%s, now(), now(), 'Late', 0, '', '', '', '', 'public', 0, 0, false)",
            [track_id],
        )
    # then
    assert stale_links() == []
    assert link_copies("content_track_genres", track_id) != {(None, None, None)}


def test_a_link_moved_to_another_track_copies_the_new_track(db):
    genre = GenreFactory()
    public, private = TrackFactory(genres=[genre]), TrackFactory(visibility="private")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE content_track_genres SET track_id = %s WHERE track_id = %s",
            [private.pk, public.pk],
        )
    assert link_copies("content_track_genres", private.pk) == {
        (private.created_at, "private", "available")
    }


def orm_rows(viewer, scope, ref_id):
    if scope == Scope.LIKED:
        return presenters.track_rows(selectors.liked_tracks(user=viewer), viewer=viewer)
    if scope == Scope.ALL:
        return presenters.track_rows(selectors.track_list(viewer=viewer), viewer=viewer)
    tracks = selectors.tracks_in(selectors.track_list(viewer=viewer), scope, [ref_id], share=1.0)
    return presenters.track_rows(tracks, viewer=viewer)


def test_keyed_pages_answer_what_the_orm_pages_answer(producer, django_assert_num_queries):
    # given: public, private, sold tracks of the producer and of someone else in one genre
    # and tag, several created at the same instant (the id breaks the tie), some liked
    mine, other = producer.managed_artists.get(), ArtistFactory()
    genre, tag = GenreFactory(), TagFactory()
    same = datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)
    tracks = []
    for i in range(14):
        tracks.append(
            TrackFactory(
                artists=[mine if i % 3 else other],
                genres=[genre],
                tags=[tag] if i % 2 else [],
                visibility="private" if i % 5 == 0 else "public",
                exclusive_status="sold" if i % 7 == 3 else "available",
            )
        )
    Track.objects.filter(pk__in=[t.pk for t in tracks[4:9]]).update(created_at=same)
    listener, staff = UserFactory(), UserFactory(is_staff=True)
    for user in (listener, producer, staff):
        for i, track in enumerate(tracks):
            if i % 2 == 0 or user is staff:
                TrackLike.objects.create(user=user, track=track)
    TrackLike.objects.filter(track__in=tracks[:6]).update(created_at=same)  # tied likes

    # when / then: every page of every scope and tier, as the ORM pages it
    for viewer in (AnonymousUser(), listener, producer, staff):
        scopes = [(Scope.ALL, 0), (Scope.GENRE, genre.pk), (Scope.TAG, tag.pk)]
        if viewer.is_authenticated:
            scopes.append((Scope.LIKED, viewer.pk))
        for scope, ref_id in scopes:
            rows = orm_rows(viewer, scope, ref_id)
            expected_all = list(rows)
            assert expected_all, (viewer, scope)
            for limit in (1, 4, 50):
                for offset in range(0, len(expected_all) + 1, 3):
                    page = {"scope": scope, "ref_id": ref_id, "offset": offset, "limit": limit}
                    with django_assert_num_queries(1):
                        got = presenters.track_list_page(rows, viewer=viewer, **page)
                    assert got == page_slice(rows, offset, limit), (viewer, page)
            if scope == Scope.LIKED:
                continue  # liked tracks have no cursor
            for row in expected_all[::2]:  # a cursor after each other row, ties included
                after = [row["created_at"], row["id"]]
                expected = page_slice(rows.filter(after_key(presenters.NEWEST, after)), 0, 4)
                with django_assert_num_queries(1):
                    got = presenters.track_list_page(
                        rows, viewer=viewer, scope=scope, ref_id=ref_id, offset=0, limit=4,
                        after=after,
                    )  # fmt: skip
                assert got == expected, (viewer, scope, after)


def test_filtered_keyed_pages_answer_what_the_filterset_answers(producer, client):
    # given: tracks over a few bpm values and keys (enharmonic spellings too), some private
    # (the producer's) and sold
    from django.http import QueryDict

    from content.catalog.inputs import TrackFilter

    mine = producer.managed_artists.get()
    for i in range(24):
        TrackFactory(
            artists=[mine] if i % 4 == 0 else [],
            bpm=88 + i % 10,
            key=["Eb", "D#", "C", "A"][i % 4],
            scale="minor" if i % 3 else "major",
            visibility="private" if i % 5 == 0 else "public",
            exclusive_status="sold" if i % 7 == 2 else "available",
        )
    queries = [
        "bpm_min=90&bpm_max=95",
        "bpm_min=90",
        "bpm_max=91&key=eb",
        "key=d%23m",
        "key=Eb&scale=major",
        "scale=minor&order=newest",
        "bpm_min=",
        # one merged walk per bpm value / per scale of a key (page_key_branches)
        "key=eb",
        "bpm_min=92&bpm_max=92",
        "bpm_min=30&bpm_max=89",  # 40 values: the newest-first walk
        "bpm_min=95&bpm_max=300",
    ]
    for viewer in (AnonymousUser(), UserFactory(), producer, UserFactory(is_staff=True)):
        for query in queries:
            filterset = TrackFilter(QueryDict(query), queryset=selectors.track_list(viewer=viewer))
            assert filterset.is_valid(), query
            filters = filterset.indexed_filters()
            assert filters is not None, query
            rows = presenters.track_rows(filterset.qs, viewer=viewer)
            assert list(rows), (viewer, query)
            for offset in (0, 3, 7):
                got = presenters.track_list_page(
                    rows, viewer=viewer, offset=offset, limit=4, filters=filters
                )
                assert got == page_slice(rows, offset, 4), (viewer, query, offset)


def test_filter_branches_follow_the_bpm_range_and_the_key(db):
    branches = selectors.page_key_branches
    assert branches({"bpm_min": 90, "bpm_max": 95}) == (("bpm", 6), {"bpm_lo": 90})
    assert branches({"bpm_max": 60, "scale": "minor"}) == (
        ("bpm", 11),
        {"scale": "minor", "bpm_lo": 50},
    )
    assert branches({"bpm_min": 100, "bpm_max": 90}) is None  # nothing can match
    assert branches({"bpm_min": 201}) is None
    wide = {"bpm_min": 60, "bpm_max": 150, "pitch_class": 3}
    assert branches(wide) == (("key", 3), wide)
    assert branches({"pitch_class": 3, "key_scale": "minor"}) == ((), {
        "pitch_class": 3, "key_scale": "minor"
    })  # fmt: skip
    assert branches({"bpm_min": 60}) == ((), {"bpm_min": 60})


def test_an_empty_bpm_range_lists_nothing(user_client):
    TrackFactory(bpm=95)
    body = user_client.get("/api/v1/tracks?bpm_min=100&bpm_max=90").json()
    assert (body["data"], body["total"]) == ([], 0)


def test_other_filters_and_orders_are_not_indexed(db):
    from django.http import QueryDict

    from content.catalog.inputs import TrackFilter

    for query in ("bpm_min=90.5", "bpm_min=90&order=popular", "bpm_min=90&query=x", "genre=a"):
        filterset = TrackFilter(QueryDict(query), queryset=selectors.track_list(viewer=None))
        assert filterset.is_valid(), query
        assert filterset.indexed_filters() is None, query


def test_indexed_params_are_the_filtersets_indexed_filters_without_building_it(db):
    from django.http import QueryDict

    from content.catalog.inputs import TrackFilter

    # given: valid bpm / key / scale queries (blank, repeated and spaced values, spellings)
    valid = [
        "bpm_min=90&bpm_max=95",
        "bpm_max=91&key=eb",
        "key=d%23m",
        "key=%20Eb%20&scale=major",
        "scale=minor&order=newest",
        "bpm_min=&bpm_max=95",
        "bpm_min=80&bpm_min=90",  # the last value, as the form's widget reads it
        "bpm_min=90.0&order=",
        "key=&scale=",
        "bpm_min=90.5",
        "bpm_min=90&per_page=5&page=3",
    ]
    for query in valid:
        filterset = TrackFilter(QueryDict(query), queryset=selectors.track_list(viewer=None))
        assert filterset.is_valid(), query
        # then: the same filters as the FilterSet's, without one
        assert TrackFilter.indexed_params(QueryDict(query)) == filterset.indexed_filters(), query

    # and: what it leaves to the FilterSet (another filter or order, an invalid value)
    for query in (
        "bpm_min=ninety",
        "key=H",
        "scale=dorian",
        "bpm_min=90&order=popular",
        "bpm_min=90&order=%20newest",
        "bpm_min=90&query=x",
        "genre=a",
        "page=2",
    ):
        assert TrackFilter.indexed_params(QueryDict(query)) is None, query


def test_a_counted_bpm_or_key_list_builds_no_filterset(user_client, monkeypatch):
    from content.catalog.inputs import TrackFilter

    # given: a FilterSet that cannot be built
    TrackFactory(bpm=92, key="Eb", scale="minor")

    def refuse(*args, **kwargs):
        raise AssertionError("a FilterSet was built")

    TrackFilter.indexed_params({"bpm_min": "1"})  # its form's fields: read before the patch
    monkeypatch.setattr(TrackFilter, "__init__", refuse)

    # when / then: the counted lists answer without one
    for query in ("bpm_min=90&bpm_max=95", "key=eb&scale=minor", "key=d%23m&page=1"):
        body = user_client.get(f"/api/v1/tracks?{query}").json()
        assert (body["total"], len(body["data"])) == (1, 1), query


def test_bpm_and_key_totals_come_from_their_counters_and_combinations_count_capped(
    producer, api_client
):
    # given: 7 tracks at 90-95 bpm the producer sees (one of them private, theirs), others not
    from django.test.utils import CaptureQueriesContext

    from conftest import bearer_client

    mine = producer.managed_artists.get()
    for bpm in (90, 92, 95, 89, 96, 93, 94, 91):
        TrackFactory(artists=[mine], bpm=bpm, key="Eb", scale="minor")
    TrackFactory(artists=[mine], bpm=93, key="D#", scale="minor", visibility="private")
    TrackFactory(bpm=93, key="Eb", scale="minor", visibility="private")  # someone else's
    TrackFactory(bpm=93, key="Eb", scale="minor", exclusive_status="sold")
    client = bearer_client(producer)
    counted = {  # query: (producer's total, anonymous total)
        "bpm_min=90&bpm_max=95": (7, 6),
        "bpm_max=92": (4, 4),
        "bpm_min=100&bpm_max=90": (0, 0),
        "key=d%23m": (9, 8),
        "key=eb": (9, 8),
        "key=eb&scale=minor": (9, 8),
        "key=ebm&scale=major": (0, 0),
        "key=eb&scale=major": (0, 0),
    }
    for query, totals in counted.items():
        for viewer_client, expected in zip((client, api_client), totals, strict=True):
            # when
            with CaptureQueriesContext(connection) as ctx:
                body = viewer_client.get(f"/api/v1/tracks?{query}&per_page=100").json()

            # then: exact, from the counters (no capped count), and what is listed
            assert (body["total"], len(body["data"])) == (expected, expected), query
            assert "total_is_estimate" not in body
            assert not [q for q in ctx.captured_queries if "COUNT(*)" in q["sql"]], query
            assert any("content_trackcount" in q["sql"] for q in ctx.captured_queries), query

    # A combination of filters has no counter: a capped count through the bpm index.
    with CaptureQueriesContext(connection) as ctx:
        body = client.get("/api/v1/tracks?bpm_min=90&bpm_max=95&key=d%23m").json()
    assert body["total"] == 7
    (count_sql,) = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"]]
    assert 'ORDER BY "content_track"."bpm"' in count_sql, count_sql


def test_a_keyed_genre_filter_skips_the_plan_share_query(user_client):
    # given: a genre with tracks
    from django.test.utils import CaptureQueriesContext

    genre = GenreFactory(name="dub")
    tracks = [TrackFactory(genres=[genre]) for _ in range(3)]
    newest_first = [t.pk for t in sorted(tracks, key=lambda t: (t.created_at, t.pk), reverse=True)]
    for query, share_queries in (
        ("genre=dub", 0),  # keyed page, counters' total: the plan is never used
        ("genre=dub&order=popular", 1),  # the ORM page: the plan follows the share
        ("genre=dub&bpm_min=1", 1),  # capped count and ORM page
    ):
        # when
        with CaptureQueriesContext(connection) as ctx:
            body = user_client.get(f"/api/v1/tracks?{query}").json()
        # then
        standalone = [q for q in ctx.captured_queries if q["sql"].startswith("SELECT (SELECT")]
        assert len(standalone) == share_queries, query
        assert sorted(t["id"] for t in body["data"]) == sorted(newest_first), query
    assert [t["id"] for t in user_client.get("/api/v1/tracks?genre=dub").json()["data"]] == (
        newest_first
    )
