"""Catalog lists and details cost a fixed number of queries, whatever the number of rows.

Each test builds the same catalog with 1 and with 50 tracks (2 artists, 2 genres, 2 tags and an
album each; every other track liked by the viewer), pins the exact query count, and checks the
response content so the pin cannot pass on an empty or wrong page.

Authenticated reads cost one extra query for the JWT user lookup, then: count, page, and one
query for the page's relations (artists, genres and tags in one ``UNION ALL``). Anonymous
track pages read only the artists.
"""

from __future__ import annotations

import pytest

from content.catalog.models import AlbumLike, ArtistLike, TrackLike
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

SIZES = [1, 50]


def build_catalog(n: int, *, liker=None) -> dict:
    """``n`` tracks by two artists on one album, each with two genres and two tags.

    Returns the tracks newest first (the default list order) and the ids ``liker`` likes:
    every track at an even index of creation.
    """
    artists = [ArtistFactory(name="Alpha"), ArtistFactory(name="Beta")]
    genres = [GenreFactory(name="house"), GenreFactory(name="techno")]
    tags = [TagFactory(name="dark"), TagFactory(name="warm")]
    album = AlbumFactory(name="The Album", artists=artists)
    tracks = [
        TrackFactory(
            name=f"Track {i:03d}",
            album=album,
            number=i + 1,
            artists=artists,
            genres=genres,
            tags=tags,
        )
        for i in range(n)
    ]
    liked: set[int] = set()
    if liker is not None:
        for track in tracks[::2]:
            TrackLike.objects.create(user=liker, track=track)
            liked.add(track.pk)
    return {
        "artists": artists,
        "album": album,
        "tracks": list(reversed(tracks)),
        "liked": liked,
        "tag": tags[0],
    }


def build_albums(n: int, *, liker=None) -> tuple[list, set[int]]:
    artists = [ArtistFactory(name="Alpha"), ArtistFactory(name="Beta")]
    albums = [AlbumFactory(name=f"Album {i:03d}", artists=artists) for i in range(n)]
    liked = set()
    if liker is not None:
        for album in albums[::2]:
            AlbumLike.objects.create(user=liker, album=album)
            liked.add(album.pk)
    return list(reversed(albums)), liked


def build_artists(n: int, *, liker=None) -> tuple[list, set[int]]:
    artists = [ArtistFactory(name=f"Artist {i:03d}") for i in range(n)]
    liked = set()
    if liker is not None:
        for artist in artists[::2]:
            ArtistLike.objects.create(user=liker, artist=artist)
            liked.add(artist.pk)
    return artists, liked


def assert_rich_track_page(body: dict, catalog: dict) -> None:
    expected = catalog["tracks"][:50]
    assert [t["id"] for t in body["data"]] == [t.pk for t in expected]
    assert body["total"] == len(catalog["tracks"])
    for item in body["data"]:
        assert item["is_liked"] is (item["id"] in catalog["liked"])
        assert [a["name"] for a in item["artists"]] == ["Alpha", "Beta"]
        assert [g["name"] for g in item["genres"]] == ["house", "techno"]
        assert [t["name"] for t in item["tags"]] == ["dark", "warm"]
        assert item["album_id"] == catalog["album"].pk


def assert_public_track_page(body: dict, catalog: dict) -> None:
    expected = catalog["tracks"][:50]
    assert [t["id"] for t in body["data"]] == [t.pk for t in expected]
    for item in body["data"]:
        assert [a["name"] for a in item["artists"]] == ["Alpha", "Beta"]
        assert "is_liked" not in item
        assert "tags" not in item


# --- track lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_track_list_for_a_signed_in_viewer_costs_four_queries(
    n, user, user_client, django_assert_num_queries
):
    # given
    catalog = build_catalog(n, liker=user)
    # when: user, count, page, relations (artists, genres, tags)
    with django_assert_num_queries(4):
        response = user_client.get("/api/v1/tracks?per_page=50")
    # then
    assert response.status_code == 200
    assert_rich_track_page(response.json(), catalog)


@pytest.mark.parametrize("n", SIZES)
def test_track_list_for_an_anonymous_viewer_costs_three_queries(
    n, api_client, django_assert_num_queries
):
    catalog = build_catalog(n)
    # count, page, artists
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/tracks?per_page=50")
    assert response.status_code == 200
    assert_public_track_page(response.json(), catalog)


@pytest.mark.parametrize("n", SIZES)
def test_artist_tracks_cost_a_fixed_number_of_queries(
    n, user, user_client, django_assert_num_queries
):
    catalog = build_catalog(n, liker=user)
    artist = catalog["artists"][0]
    # user, artist, count, page, relations
    with django_assert_num_queries(5):
        response = user_client.get(f"/api/v1/artists/{artist.pk}/tracks?per_page=50")
    assert response.status_code == 200
    assert_rich_track_page(response.json(), catalog)


@pytest.mark.parametrize("n", SIZES)
def test_tag_tracks_cost_a_fixed_number_of_queries(n, user, user_client, django_assert_num_queries):
    catalog = build_catalog(n, liker=user)
    # user, tag, count, page, relations
    with django_assert_num_queries(5):
        response = user_client.get(f"/api/v1/tags/{catalog['tag'].name}/tracks?per_page=50")
    assert response.status_code == 200
    assert_rich_track_page(response.json(), catalog)


@pytest.mark.parametrize("n", SIZES)
def test_liked_tracks_cost_a_fixed_number_of_queries(
    n, user, user_client, django_assert_num_queries
):
    # given: every track liked, in creation order, so the newest like comes first
    catalog = build_catalog(n)
    for track in reversed(catalog["tracks"]):
        TrackLike.objects.create(user=user, track=track)
    # when: user, count, page, relations
    with django_assert_num_queries(4):
        response = user_client.get("/api/v1/users/me/liked-tracks?per_page=50")
    # then
    assert response.status_code == 200
    body = response.json()
    assert [t["id"] for t in body["data"]] == [t.pk for t in catalog["tracks"]]
    assert all(t["is_liked"] is True for t in body["data"])
    assert all([g["name"] for g in t["genres"]] == ["house", "techno"] for t in body["data"])


# --- album and artist lists -------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_album_list_for_a_signed_in_viewer_costs_four_queries(
    n, user, user_client, django_assert_num_queries
):
    albums, liked = build_albums(n, liker=user)
    # user, count, page, artists
    with django_assert_num_queries(4):
        response = user_client.get("/api/v1/albums?per_page=50")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [a["id"] for a in data] == [a.pk for a in albums[:50]]
    for item in data:
        assert item["is_liked"] is (item["id"] in liked)
        assert [a["name"] for a in item["artists"]] == ["Alpha", "Beta"]


@pytest.mark.parametrize("n", SIZES)
def test_album_list_for_an_anonymous_viewer_costs_three_queries(
    n, api_client, django_assert_num_queries
):
    albums, _ = build_albums(n)
    # count, page, artists
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/albums?per_page=50")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [a["id"] for a in data] == [a.pk for a in albums[:50]]
    assert all("is_liked" not in a and len(a["artists"]) == 2 for a in data)


@pytest.mark.parametrize("n", SIZES)
def test_artist_list_for_a_signed_in_viewer_costs_three_queries(
    n, user, user_client, django_assert_num_queries
):
    artists, liked = build_artists(n, liker=user)
    # user, count, page
    with django_assert_num_queries(3):
        response = user_client.get("/api/v1/artists?per_page=50")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [a["id"] for a in data] == [a.pk for a in artists[:50]]
    for item in data:
        assert item["is_liked"] is (item["id"] in liked)


@pytest.mark.parametrize("n", SIZES)
def test_artist_list_for_an_anonymous_viewer_costs_two_queries(
    n, api_client, django_assert_num_queries
):
    artists, _ = build_artists(n)
    # count, page
    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/artists?per_page=50")
    assert response.status_code == 200
    data = response.json()["data"]
    assert [a["id"] for a in data] == [a.pk for a in artists[:50]]
    assert all("is_liked" not in a for a in data)


# --- details ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n_related", [1, 5])
def test_track_detail_costs_the_same_whatever_the_number_of_relations(
    n_related, user, user_client, django_assert_num_queries
):
    # given: a track with n artists, genres and tags
    artists = [ArtistFactory(name=f"Artist {i}") for i in range(n_related)]
    genres = [GenreFactory(name=f"genre-{i}") for i in range(n_related)]
    tags = [TagFactory(name=f"tag{i}") for i in range(n_related)]
    album = AlbumFactory(artists=artists)
    track = TrackFactory(album=album, artists=artists, genres=genres, tags=tags)
    TrackLike.objects.create(user=user, track=track)
    # when: user, the row (visibility checked in it), relations
    with django_assert_num_queries(3):
        response = user_client.get(f"/api/v1/tracks/{track.pk}?with=album,genres,tags")
    # then
    assert response.status_code == 200
    body = response.json()["track"]
    assert body["is_liked"] is True
    assert [a["id"] for a in body["artists"]] == [a.pk for a in artists]
    assert len(body["genres"]) == n_related
    assert len(body["tags"]) == n_related
    assert body["album"]["id"] == album.pk


def test_anonymous_track_detail_costs_two_queries(api_client, django_assert_num_queries):
    # given: a public track and a private one
    artists = [ArtistFactory(name="Alpha"), ArtistFactory(name="Beta")]
    track = TrackFactory(artists=artists, genres=[GenreFactory()], tags=[TagFactory()])
    hidden = TrackFactory(artists=artists, visibility="private")
    # when: the row (visibility checked in it), its artists
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/v1/tracks/{track.pk}")
    # then: the public tier; the private track looks missing (one query, no relations)
    assert response.status_code == 200
    body = response.json()["track"]
    assert [a["name"] for a in body["artists"]] == ["Alpha", "Beta"]
    assert "tags" not in body
    assert "is_liked" not in body
    with django_assert_num_queries(1):
        assert api_client.get(f"/api/v1/tracks/{hidden.pk}").status_code == 404


@pytest.mark.parametrize("n", SIZES)
def test_album_detail_costs_the_same_whatever_the_number_of_tracks(
    n, user, user_client, django_assert_num_queries
):
    # given
    catalog = build_catalog(n, liker=user)
    album = catalog["album"]
    # when: user, album, track rows, track relations, album row, album artists
    with django_assert_num_queries(6):
        response = user_client.get(f"/api/v1/albums/{album.pk}")
    # then: tracks in album order (number), each with its relations
    assert response.status_code == 200
    body = response.json()["album"]
    assert [a["name"] for a in body["artists"]] == ["Alpha", "Beta"]
    in_album_order = sorted(catalog["tracks"], key=lambda t: t.number)
    assert [t["id"] for t in body["tracks"]] == [t.pk for t in in_album_order]
    for item in body["tracks"]:
        assert item["is_liked"] is (item["id"] in catalog["liked"])
        assert [g["name"] for g in item["genres"]] == ["house", "techno"]
