"""List totals come from trigger-kept counters (``TrackCount``), exact after every kind of
write; other filters count at most ``PAGINATION_COUNT_CAP`` rows; the cursor mode holds still
while tracks are added."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from content.catalog import selectors
from content.catalog.models import Track, TrackArtist, TrackCount, TrackLike, Visibility
from content.tests.factories import ArtistFactory, GenreFactory, TagFactory, TrackFactory


def recounted() -> Counter:
    """The counters as they should be, recomputed from the tables."""
    expected: Counter = Counter()
    for track in Track.objects.prefetch_related("genres", "tags", "track_artists", "likes"):
        state = (track.visibility, track.exclusive_status)
        expected[("all", 0, *state)] += 1
        for genre in track.genres.all():
            expected[("genre", genre.pk, *state)] += 1
        for tag in track.tags.all():
            expected[("tag", tag.pk, *state)] += 1
        for link in track.track_artists.all():
            expected[("artist", link.artist_id, *state)] += 1
        for like in track.likes.all():
            expected[("liked", like.user_id, *state)] += 1
        if track.bpm is not None:
            expected[("bpm", track.bpm, *state)] += 1
        if track.key_pitch_class is not None:
            expected[("key", selectors.key_ref(track.key_pitch_class, track.scale), *state)] += 1
    return expected


def stored() -> Counter:
    return Counter(
        {
            (c.scope, c.ref_id, c.visibility, c.exclusive_status): c.count
            for c in TrackCount.objects.all()
            if c.count
        }
    )


def lists(client, genre, tag, artist) -> dict[str, tuple[int, int]]:
    """(reported total, rows actually listed) for every counted list."""
    out = {}
    for name, url in {
        "all": "/api/v1/tracks",
        "genre": f"/api/v1/genres/{genre.name}/tracks",
        "tag": f"/api/v1/tags/{tag.name}/tracks",
        "artist": f"/api/v1/artists/{artist.pk}/tracks",
    }.items():
        body = client.get(f"{url}?per_page=100").json()
        assert "total_is_estimate" not in body
        out[name] = (body["total"], len(body["data"]))
    return out


def assert_exact(clients, genre, tag, artist):
    assert stored() == recounted()
    for client in clients:
        for name, (total, listed) in lists(client, genre, tag, artist).items():
            assert total == listed, (name, total, listed)


@pytest.fixture
def world(producer_artist):
    genre, tag = GenreFactory(name="trap"), TagFactory(name="dark")
    other = ArtistFactory()
    tracks = [
        TrackFactory(artists=[producer_artist, other], genres=[genre], tags=[tag]) for _ in range(3)
    ]
    TrackFactory(artists=[other], genres=[genre])
    TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE, genres=[genre])
    return {"genre": genre, "tag": tag, "artist": producer_artist, "tracks": tracks}


def test_counts_are_exact_after_creates_deletes_visibility_changes_and_sales(
    world, api_client, user_client, producer_client, staff_client, user
):
    clients = [api_client, user_client, producer_client, staff_client]
    scopes = world["genre"], world["tag"], world["artist"]
    assert_exact(clients, *scopes)
    assert api_client.get("/api/v1/tracks").json()["total"] == 4
    assert producer_client.get("/api/v1/tracks").json()["total"] == 5
    assert staff_client.get("/api/v1/tracks").json()["total"] == 5

    # create (through the API's write path: factories save and then link)
    TrackFactory(artists=[world["artist"]], genres=[world["genre"]], tags=[world["tag"]])
    assert_exact(clients, *scopes)
    # delete through the API
    doomed = world["tracks"][0]
    assert producer_client.delete(f"/api/v1/tracks/{doomed.pk}").status_code in (200, 204)
    assert_exact(clients, *scopes)
    # visibility change, both ways
    hidden = world["tracks"][1]
    Track.objects.filter(pk=hidden.pk).update(visibility=Visibility.PRIVATE)
    assert_exact(clients, *scopes)
    hidden.refresh_from_db()
    hidden.visibility = Visibility.PUBLIC
    hidden.save()
    assert_exact(clients, *scopes)
    # an exclusive sale (the commerce feature's write): the track leaves everyone's lists but
    # staff's, and the totals follow
    totals = [c.get("/api/v1/tracks").json()["total"] for c in (api_client, staff_client)]
    Track.objects.filter(pk=world["tracks"][2].pk).update(
        exclusive_status="sold", exclusive_buyer=user
    )
    assert_exact(clients, *scopes)
    assert [c.get("/api/v1/tracks").json()["total"] for c in (api_client, staff_client)] == [
        totals[0] - 1,
        totals[1],
    ]
    # re-credit and re-genre
    track = world["tracks"][2]
    track.genres.clear()
    TrackArtist.objects.filter(track=track).exclude(artist=world["artist"]).delete()
    TrackArtist.objects.filter(track=track).update(artist=ArtistFactory())
    assert_exact(clients, *scopes)
    # a new tempo, key or scale moves the track between the bpm and key counters
    Track.objects.filter(pk=world["tracks"][1].pk).update(bpm=91)
    assert_exact(clients, *scopes)
    Track.objects.filter(pk__in=[t.pk for t in world["tracks"]]).update(key="D#", scale="minor")
    assert_exact(clients, *scopes)
    Track.objects.filter(pk=world["tracks"][2].pk).update(key="", scale="", bpm=None)
    assert_exact(clients, *scopes)
    # bulk writes: one statement, many rows
    Track.objects.filter(visibility=Visibility.PUBLIC).update(visibility=Visibility.PRIVATE)
    assert_exact(clients, *scopes)
    Track.objects.all().delete()
    assert_exact(clients, *scopes)
    assert stored() == Counter()


def liked_totals(clients) -> list[tuple[int, int]]:
    """(reported total, rows listed) of every client's liked tracks."""
    out = []
    for client in clients:
        body = client.get("/api/v1/users/me/liked-tracks?per_page=100").json()
        assert "total_is_estimate" not in body
        out.append((body["total"], len(body["data"])))
    return out


def assert_liked_exact(clients):
    assert stored() == recounted()
    for total, listed in liked_totals(clients):
        assert total == listed, (total, listed)


def test_liked_tracks_totals_are_exact_after_likes_visibility_changes_sales_and_deletes(
    world, producer_artist, user, producer, staff_user, user_client, producer_client, staff_client
):
    clients = [user_client, producer_client, staff_client]
    public = world["tracks"]
    own_private = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)
    # likes through the API (producer likes their private track too) and the ORM
    for client in clients:
        for track in public[:2]:
            assert client.post(f"/api/v1/tracks/{track.pk}/like").status_code == 200
    assert producer_client.post(f"/api/v1/tracks/{own_private.pk}/like").status_code == 200
    TrackLike.objects.create(user=staff_user, track=own_private)
    assert_liked_exact(clients)
    assert [t for t, _ in liked_totals(clients)] == [2, 3, 3]
    # unlike
    assert user_client.delete(f"/api/v1/tracks/{public[0].pk}/like").status_code == 200
    assert_liked_exact(clients)
    # a liked track goes private: the listener loses it, its producer and staff keep it
    Track.objects.filter(pk=public[1].pk).update(visibility=Visibility.PRIVATE)
    assert_liked_exact(clients)
    assert [t for t, _ in liked_totals(clients)] == [0, 3, 3]
    Track.objects.filter(pk=public[1].pk).update(visibility=Visibility.PUBLIC)
    # a sale keeps a liked track in the liked lists (only the browse lists drop it)
    Track.objects.filter(pk=public[1].pk).update(exclusive_status="sold", exclusive_buyer=user)
    assert_liked_exact(clients)
    assert [t for t, _ in liked_totals(clients)] == [1, 3, 3]
    # deletes: through the API (a sold track is staff's to take down), then in bulk
    assert producer_client.delete(f"/api/v1/tracks/{public[1].pk}").status_code == 409
    assert staff_client.delete(f"/api/v1/tracks/{public[1].pk}").status_code in (200, 204)
    assert_liked_exact(clients)
    Track.objects.all().delete()
    assert_liked_exact(clients)
    assert not TrackCount.objects.filter(scope="liked").exclude(count=0).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_and_deletes_keep_counts_exact(producer_artist):
    genre = GenreFactory(name="concurrent")
    victims = [TrackFactory(artists=[producer_artist], genres=[genre]) for _ in range(6)]
    errors = []

    def create():
        try:
            for _ in range(3):
                TrackFactory(artists=[producer_artist], genres=[genre])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def delete(track):
        try:
            Track.objects.filter(pk=track.pk).delete()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(6)]
    threads += [threading.Thread(target=delete, args=(t,)) for t in victims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stored() == recounted()
    assert TrackCount.objects.get(scope="genre", ref_id=genre.pk).count == 18


def test_other_filters_count_up_to_the_cap_then_say_it_is_an_estimate(
    api_client, producer_artist, settings
):
    settings.PAGINATION_COUNT_CAP = 3
    for bpm in (90, 91, 92, 120, 121):
        TrackFactory(artists=[producer_artist], bpm=bpm, scale="minor")
    exact = api_client.get("/api/v1/tracks?bpm_min=100&scale=minor").json()
    assert exact["total"] == 2
    assert "total_is_estimate" not in exact
    estimated = api_client.get("/api/v1/tracks?bpm_max=130&scale=minor&per_page=2").json()
    assert estimated["total_is_estimate"] is True
    assert estimated["total"] > 3
    assert len(estimated["data"]) == 2
    # a bpm range alone has its counters: exact past the cap
    counted = api_client.get("/api/v1/tracks?bpm_max=130&per_page=2").json()
    assert counted["total"] == 5
    assert "total_is_estimate" not in counted


def walk_with_cursor(client, url, *, between=None) -> list[int]:
    ids, cursor, seen_pages = [], "", 0
    while cursor is not None:
        body = client.get(f"{url}{'&' if '?' in url else '?'}per_page=4&cursor={cursor}").json()
        assert set(body) == {"data", "per_page", "next_cursor", "prev_cursor"}
        ids += [t["id"] for t in body["data"]]
        cursor = body["next_cursor"]
        seen_pages += 1
        if between:
            between(seen_pages)
    return ids


@pytest.mark.parametrize("order", ["newest", "oldest", "popular", "name", "likes"])
def test_cursor_walk_is_stable_under_inserts(api_client, producer_artist, order):
    for n in range(10):
        TrackFactory(artists=[producer_artist], name=f"T{n % 3}", plays=n % 4)
    url = f"/api/v1/tracks?order={order}"
    expected = [t["id"] for t in api_client.get(f"{url}&per_page=100").json()["data"]]

    def insert(_page):  # new tracks arrive while the client scrolls
        TrackFactory(artists=[producer_artist], name="T1", plays=2)

    walked = walk_with_cursor(api_client, url, between=insert)
    if order == "newest":
        assert walked == expected  # arrivals are newer than the cursor: not repeated, not seen
    else:
        assert len(walked) == len(set(walked))  # no row twice, whatever arrives
        assert set(expected) <= set(walked)


def test_cursor_on_a_filtered_list_and_bad_cursors(api_client, producer_artist):
    genre = GenreFactory(name="house")
    mine = [TrackFactory(artists=[producer_artist], genres=[genre]) for _ in range(9)]
    TrackFactory(artists=[producer_artist])
    walked = walk_with_cursor(api_client, "/api/v1/genres/house/tracks")
    assert walked == sorted((t.pk for t in mine), reverse=True)
    first = api_client.get("/api/v1/tracks?per_page=2&cursor=").json()["next_cursor"]
    for bad in ("garbage", "e30", first[:-2]):
        assert api_client.get(f"/api/v1/tracks?cursor={bad}").status_code == 422
    # a cursor of one order is refused by another
    response = api_client.get(f"/api/v1/tracks?order=popular&cursor={first}")
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]
