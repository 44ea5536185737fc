"""Deep pages of the plain list seek from checkpoints of the public list
(``selectors.page_checkpoint``), remembered per ``TrackListVersion``. These tests check that
the version moves with every write that can reorder the list (and only then), and that a page
read from a checkpoint is the ORM's page for every viewer tier, before and after writes."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from beatpass.api.pagination import page_slice
from conftest import bearer_client
from content.catalog import presenters, selectors
from content.catalog.models import Track, TrackListVersion
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def version() -> int:
    return TrackListVersion.objects.get(scope="all").version


def test_the_version_moves_with_every_write_that_can_reorder_the_list(db):
    track = TrackFactory(visibility="public", bpm=90, key="C", scale="minor")
    writes = {
        "create": lambda: TrackFactory(),
        "hide": lambda: Track.objects.filter(pk=track.pk).update(visibility="private"),
        "sell": lambda: Track.objects.filter(pk=track.pk).update(exclusive_status="sold"),
        "redate": lambda: Track.objects.filter(pk=track.pk).update(
            created_at=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)
        ),
        # the bpm and key lists remember positions under the same version
        "retempo": lambda: Track.objects.filter(pk=track.pk).update(bpm=97),
        "rekey": lambda: Track.objects.filter(pk=track.pk).update(key="F#"),
        "new scale": lambda: Track.objects.filter(pk=track.pk).update(scale="major"),
        "delete": lambda: Track.objects.filter(pk=track.pk).delete(),
    }
    for name, write in writes.items():
        before = version()
        write()
        assert version() > before, name

    other = TrackFactory()
    unchanged = {
        "plays": lambda: Track.objects.filter(pk=other.pk).update(plays=99),
        "rename": lambda: Track.objects.filter(pk=other.pk).update(name="renamed"),
        "same visibility": lambda: Track.objects.filter(pk=other.pk).update(visibility="public"),
        "nothing deleted": lambda: Track.objects.filter(pk=-1).delete(),
    }
    for name, write in unchanged.items():
        before = version()
        write()
        assert version() == before, name


def test_a_rolled_back_version_is_never_seen_again(db):
    # given: a write that bumps the version, rolled back
    from django.db import transaction

    before = version()
    try:
        with transaction.atomic():
            TrackFactory()
            rolled_back = version()
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert version() == before

    # when: the next write
    TrackFactory()

    # then: its version is new (checkpoints read inside the rolled-back write never match)
    assert version() not in (before, rolled_back)


@pytest.fixture
def small_checkpoints(monkeypatch):
    """Checkpoints every 3 rows, none remembered yet."""
    monkeypatch.setattr(selectors, "CHECKPOINT_EVERY", 3)
    monkeypatch.setattr(selectors, "_checkpoints", {})


def catalogue(producer) -> list[Track]:
    """Public, private and sold tracks of the producer and of others, ties on created_at."""
    mine, other = producer.managed_artists.get(), ArtistFactory()
    same = datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)
    tracks = [
        TrackFactory(
            artists=[mine if i % 3 else other],
            visibility="private" if i % 4 == 0 else "public",
            exclusive_status="sold" if i % 7 == 3 else "available",
        )
        for i in range(26)
    ]
    Track.objects.filter(pk__in=[t.pk for t in tracks[5:11]]).update(created_at=same)
    return tracks


def assert_pages_match(viewers, django_assert_num_queries=None):
    for viewer in viewers:
        rows = presenters.track_rows(selectors.track_list(viewer=viewer), viewer=viewer)
        expected_all = list(rows)
        for limit in (1, 4, 50):
            for offset in range(len(expected_all) + 2):
                counts = selectors.track_counts(viewer=viewer)
                got = presenters.track_list_page(
                    rows, viewer=viewer, offset=offset, limit=limit, counts=lambda c=counts: c
                )
                assert got == expected_all[offset : offset + limit], (viewer, offset, limit)


def test_pages_from_checkpoints_are_the_orm_pages(producer, small_checkpoints):
    # given: a catalogue where the producer's own private tracks sit between public ones
    tracks = catalogue(producer)
    viewers = [AnonymousUser(), UserFactory(), producer, UserFactory(is_staff=True)]

    # when / then: every page, every tier
    assert_pages_match(viewers)
    assert selectors._checkpoints, "the deep pages read checkpoints"

    # and after each kind of write, the next pages still are the ORM's
    moved = datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
    writes = [
        lambda: TrackFactory(artists=[producer.managed_artists.get()], visibility="private"),
        lambda: TrackFactory(visibility="public"),
        lambda: Track.objects.filter(pk=tracks[2].pk).delete(),
        lambda: Track.objects.filter(pk=tracks[6].pk).update(visibility="private"),
        lambda: Track.objects.filter(pk=tracks[9].pk).update(exclusive_status="sold"),
        lambda: Track.objects.filter(pk=tracks[13].pk).update(created_at=moved),
    ]
    for write in writes:
        write()
        assert_pages_match(viewers)


def test_a_deep_page_through_the_api_seeks_from_a_checkpoint(
    producer, small_checkpoints, django_assert_num_queries
):
    # given: the catalogue, the checkpoints read once
    catalogue(producer)
    client = bearer_client(producer)
    url = "/api/v1/tracks?per_page=4&page=5"
    first = client.get(url)
    assert first.status_code == 200

    # when: the same page again, and the ORM's page without checkpoints
    with django_assert_num_queries(4):  # user, counts, page, relations: no walk
        again = client.get(url).json()
    selectors._checkpoints.clear()
    selectors.CHECKPOINT_EVERY = 10**9  # monkeypatched: restored after the test
    plain = client.get(url).json()

    # then: the same body
    assert again == plain == first.json()
    assert len(again["data"]) == 4


def test_a_page_read_with_counts_of_another_version_skips_the_checkpoints(
    producer, small_checkpoints
):
    # given: counts read, then a track published before the page is read
    catalogue(producer)
    viewer = AnonymousUser()
    counts = selectors.track_counts(viewer=viewer)
    TrackFactory(visibility="public")

    # when: a deep page is read with the older counts
    rows = presenters.track_rows(selectors.track_list(viewer=viewer), viewer=viewer)
    got = presenters.track_list_page(rows, viewer=viewer, offset=7, limit=4, counts=lambda: counts)

    # then: no checkpoint of the older version was kept, and the page is today's
    assert selectors._checkpoints == {}
    assert got == page_slice(rows, 7, 4)
    with connection.cursor() as cursor:
        cursor.execute("SELECT scope FROM content_tracklistversion ORDER BY scope")
        assert cursor.fetchall() == [("all",), ("links",)]


FILTERS = ["bpm_min=90&bpm_max=93", "bpm_max=91", "key=eb", "key=d%23m", "key=eb&scale=major"]


def filtered_catalogue(producer) -> list[Track]:
    """``catalogue``'s mix of tiers and ties, over a few bpm values and keys."""
    tracks = catalogue(producer)
    for i, track in enumerate(tracks):
        Track.objects.filter(pk=track.pk).update(
            bpm=89 + i % 6, key=["Eb", "D#", "C"][i % 3], scale="minor" if i % 5 else "major"
        )
    return tracks


def assert_filtered_pages_match(viewers):
    from django.http import QueryDict

    from content.catalog.inputs import TrackFilter

    for viewer in viewers:
        for query in FILTERS:
            filterset = TrackFilter(QueryDict(query), queryset=selectors.track_list(viewer=viewer))
            assert filterset.is_valid(), query
            filters = filterset.indexed_filters()
            rows = presenters.track_rows(filterset.qs, viewer=viewer)
            expected_all = list(rows)
            assert expected_all, (viewer, query)
            assert_every_page_is(
                expected_all,
                rows,
                lambda viewer=viewer, filters=filters: selectors.filter_counts(
                    viewer=viewer, filters=filters
                ),
                (viewer, query),
                viewer=viewer,
                filters=filters,
            )


def test_bpm_and_key_pages_from_checkpoints_are_the_orm_pages(producer, small_checkpoints):
    # given: the producer's private tracks between public ones, over bpm values and keys
    tracks = filtered_catalogue(producer)
    viewers = [AnonymousUser(), UserFactory(), producer, UserFactory(is_staff=True)]

    # when / then: every page of every filtered list, every tier
    assert_filtered_pages_match(viewers)
    assert any(key[2] for key in selectors._checkpoints), "the filtered pages read checkpoints"

    # and after writes that move tracks in or out of the lists, the pages are the ORM's
    writes = [
        lambda: TrackFactory(
            artists=[producer.managed_artists.get()], visibility="private", bpm=90, key="Eb"
        ),
        lambda: TrackFactory(visibility="public", bpm=91, key="D#", scale="minor"),
        lambda: Track.objects.filter(pk=tracks[4].pk).update(bpm=120),
        lambda: Track.objects.filter(pk=tracks[7].pk).update(key="A"),
        lambda: Track.objects.filter(pk=tracks[8].pk).update(scale="major"),
        lambda: Track.objects.filter(pk=tracks[9].pk).update(exclusive_status="sold"),
    ]
    for write in writes:
        write()
        assert_filtered_pages_match(viewers)


def test_filtered_checkpoints_are_kept_for_a_bounded_number_of_lists(
    producer, small_checkpoints, monkeypatch
):
    # given: room for two filtered lists' checkpoints
    monkeypatch.setattr(selectors, "CHECKPOINT_LISTS", 2)
    filtered_catalogue(producer)
    viewer = AnonymousUser()

    # when: deep pages of the plain list and of four bpm ranges
    for low in (None, 89, 90, 91, 92):
        filters = {} if low is None else {"bpm_min": low, "bpm_max": low + 2}
        counts = (
            selectors.filter_counts(viewer=viewer, filters=filters)
            if filters
            else selectors.track_counts(viewer=viewer)
        )
        rows = presenters.track_rows(selectors.track_list(viewer=viewer), viewer=viewer)
        presenters.track_list_page(
            rows, viewer=viewer, offset=4, limit=1, filters=filters, counts=lambda c=counts: c
        )

    # then: the plain list's and the two most recent ranges' checkpoints are kept
    kept = sorted(key[3] for key in selectors._checkpoints)
    assert kept == [(), (("bpm_lo", 91),), (("bpm_lo", 92),)]


def links_version() -> int:
    return TrackListVersion.objects.get(scope="links").version


def test_the_links_version_moves_with_the_genre_and_tag_links_and_their_tracks(db):
    from content.tests.factories import GenreFactory, TagFactory

    genre, tag = GenreFactory(), TagFactory()
    track = TrackFactory(genres=[genre], tags=[tag])
    writes = {
        "linked track": lambda: TrackFactory(genres=[genre]),
        "genre added": lambda: track.genres.add(GenreFactory()),
        "tag removed": lambda: track.tags.remove(tag),
        "hide": lambda: Track.objects.filter(pk=track.pk).update(visibility="private"),
        "redate": lambda: Track.objects.filter(pk=track.pk).update(
            created_at=datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)
        ),
        "delete": lambda: Track.objects.filter(pk=track.pk).delete(),
    }
    for name, write in writes.items():
        before = links_version()
        write()
        assert links_version() > before, name
    other = TrackFactory(genres=[genre])
    for name, write in {
        "plays": lambda: Track.objects.filter(pk=other.pk).update(plays=5),
        "track without links": lambda: TrackFactory(),
    }.items():
        before = links_version()
        write()
        assert links_version() == before, name


def assert_scoped_pages_match(viewers, scopes):
    for viewer in viewers:
        for scope, ref_id in scopes:
            rows = presenters.track_rows(
                selectors.tracks_in(selectors.track_list(viewer=viewer), scope, [ref_id]),
                viewer=viewer,
            )
            expected_all = list(rows)
            assert expected_all, (viewer, scope)
            assert_every_page_is(
                expected_all,
                rows,
                lambda viewer=viewer, scope=scope, ref_id=ref_id: selectors.track_counts(
                    viewer=viewer, scope=scope, ref_id=ref_id
                ),
                (viewer, scope),
                viewer=viewer,
                scope=scope,
                ref_id=ref_id,
            )


def test_genre_and_tag_pages_from_checkpoints_are_the_orm_pages(producer, small_checkpoints):
    # given: the catalogue's tracks in one genre and one tag (and a few not)
    from content.catalog.models import TrackCount
    from content.tests.factories import GenreFactory, TagFactory

    tracks = catalogue(producer)
    genre, tag = GenreFactory(), TagFactory()
    for i, track in enumerate(tracks):
        if i % 5:
            track.genres.add(genre)
        if i % 4 != 1:
            track.tags.add(tag)
    scopes = [(TrackCount.Scope.GENRE, genre.pk), (TrackCount.Scope.TAG, tag.pk)]
    viewers = [AnonymousUser(), UserFactory(), producer, UserFactory(is_staff=True)]

    # when / then: every page of both lists, every tier
    assert_scoped_pages_match(viewers, scopes)
    assert any(key[4] != "all" for key in selectors._checkpoints), "checkpoints were read"

    # and after writes to the links and to their tracks, the pages are the ORM's
    mine = producer.managed_artists.get()
    writes = [
        lambda: TrackFactory(artists=[mine], visibility="private", genres=[genre], tags=[tag]),
        lambda: TrackFactory(visibility="public", genres=[genre]),
        lambda: tracks[3].genres.remove(genre),
        lambda: tracks[5].tags.add(tag) if not tracks[5].tags.filter(pk=tag.pk) else None,
        lambda: Track.objects.filter(pk=tracks[6].pk).update(visibility="private"),
        lambda: Track.objects.filter(pk=tracks[8].pk).update(exclusive_status="sold"),
        lambda: Track.objects.filter(pk=tracks[12].pk).update(
            created_at=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC)
        ),
    ]
    for write in writes:
        write()
        assert_scoped_pages_match(viewers, scopes)


def assert_every_page_is(expected_all, rows, read_counts, label, **page):
    """Every page (1 and 4 rows, every offset and one past the end) of ``track_list_page``
    with counts read afresh is the ORM's slice of ``expected_all``, and the total is exact."""
    for limit in (1, 4):
        for offset in range(len(expected_all) + 2):
            counts = read_counts()
            assert counts.total == len(expected_all), label
            got = presenters.track_list_page(
                rows, offset=offset, limit=limit, counts=lambda c=counts: c, **page
            )
            assert got == expected_all[offset : offset + limit], (*label, offset)
