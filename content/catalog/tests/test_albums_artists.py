"""Albums, artists, likes and the liked-items lists."""

import pytest

from content.catalog.models import Album, Artist, Track
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- albums -----------------------------------------------------------------------------------


def test_album_detail_includes_its_visible_tracks_in_order(user_client, producer_artist):
    album = AlbumFactory(artists=[producer_artist])
    second = TrackFactory(artists=[producer_artist], album=album, number=2, name="Second")
    first = TrackFactory(artists=[producer_artist], album=album, number=1, name="First")
    TrackFactory(artists=[producer_artist], album=album, number=3, visibility="private")
    body = user_client.get(f"/api/v1/albums/{album.pk}").json()
    assert body["status"] == "success"
    assert [t["id"] for t in body["album"]["tracks"]] == [first.pk, second.pk]
    assert body["album"]["artists"][0]["id"] == producer_artist.pk


def test_anonymous_album_fields_are_minimal(api_client, producer_artist):
    AlbumFactory(artists=[producer_artist], plays=5)
    item = api_client.get("/api/v1/albums").json()["data"][0]
    assert set(item) == {"id", "name", "model_type", "image", "release_date", "artists"}


def test_producer_creates_album_with_own_tracks(producer_client, producer_artist):
    t1, t2 = TrackFactory.create_batch(2, artists=[producer_artist])
    response = producer_client.post(
        "/api/v1/albums",
        {"name": "Beat Tape", "release_date": "2026-01-02", "tracks": [t2.pk, t1.pk], "plays": 9},
        format="json",
    )
    assert response.status_code == 201, response.json()
    album = Album.objects.get()
    assert album.plays == 0
    assert list(album.tracks.order_by("number").values_list("pk", flat=True)) == [t2.pk, t1.pk]
    assert response.json()["album"]["name"] == "Beat Tape"


def test_album_cannot_take_other_producers_tracks(producer_client):
    foreign = TrackFactory(artists=[ArtistFactory()])
    response = producer_client.post(
        "/api/v1/albums", {"name": "x", "tracks": [foreign.pk]}, format="json"
    )
    assert response.status_code == 403
    assert not Album.objects.exists()
    assert Track.objects.get().album_id is None


def test_album_write_permission_matrix(
    api_client, user_client, producer_client, staff_client, producer_artist
):
    album = AlbumFactory(artists=[producer_artist], name="Old")
    url = f"/api/v1/albums/{album.pk}"
    assert api_client.put(url, {"name": "a"}, format="json").status_code == 401
    assert user_client.put(url, {"name": "b"}, format="json").status_code == 403
    assert producer_client.put(url, {"name": "c"}, format="json").status_code == 200
    assert staff_client.put(url, {"name": "d"}, format="json").status_code == 200
    assert api_client.post("/api/v1/albums", {"name": "x"}, format="json").status_code == 401
    assert user_client.delete(url).status_code == 403
    assert api_client.delete(url).status_code == 401
    assert producer_client.delete(url).status_code == 200
    assert not Album.objects.exists()


def test_album_bulk_delete_is_all_or_nothing(producer_client, producer_artist):
    mine = AlbumFactory(artists=[producer_artist])
    theirs = AlbumFactory(artists=[ArtistFactory()])
    assert producer_client.delete(f"/api/v1/albums/{mine.pk},{theirs.pk}").status_code == 403
    assert Album.objects.count() == 2


def test_deleting_an_album_keeps_its_tracks(producer_client, producer_artist):
    album = AlbumFactory(artists=[producer_artist])
    track = TrackFactory(artists=[producer_artist], album=album, number=1)
    producer_client.delete(f"/api/v1/albums/{album.pk}")
    track.refresh_from_db()
    assert track.album_id is None


# --- artists ----------------------------------------------------------------------------------


def test_only_staff_create_artists(api_client, user_client, staff_client, user):
    data = {
        "name": "New Artist",
        "description": "bio text",
        "image_small": "https://img.example/a.jpg",
        "verified": True,
        "likes_count": 50,
        "manager_ids": [user.pk],
    }
    assert api_client.post("/api/v1/artists", data, format="json").status_code == 401
    assert user_client.post("/api/v1/artists", data, format="json").status_code == 403
    response = staff_client.post("/api/v1/artists", data, format="json")
    assert response.status_code == 201
    artist = Artist.objects.get()
    assert (artist.bio, artist.image, artist.verified, artist.likes_count) == (
        "bio text",
        "https://img.example/a.jpg",
        False,
        0,
    )
    assert list(artist.managers.all()) == [user]
    assert response.json()["artist"]["image_small"] == "https://img.example/a.jpg"


def test_artist_update_permission_matrix_and_mass_assignment(
    api_client, user_client, producer_client, staff_client, producer_artist, user
):
    url = f"/api/v1/artists/{producer_artist.pk}"
    assert api_client.put(url, {"name": "a"}, format="json").status_code == 401
    assert user_client.put(url, {"name": "b"}, format="json").status_code == 403
    response = producer_client.put(
        url,
        {
            "bio": "New bio",
            "verified": True,
            "manager_ids": [user.pk],
            "links": [{"title": "Site", "url": "https://example.com"}],
        },
        format="json",
    )
    assert response.status_code == 200
    producer_artist.refresh_from_db()
    assert producer_artist.bio == "New bio"
    assert not producer_artist.verified
    assert not producer_artist.managers.filter(pk=user.pk).exists()
    assert response.json()["artist"]["links"] == [
        {"id": producer_artist.links.get().pk, "title": "Site", "url": "https://example.com"}
    ]
    assert staff_client.put(url, {"name": "Renamed"}, format="json").status_code == 200


def test_artist_tracks_and_albums(api_client, producer_artist):
    mine = TrackFactory(artists=[producer_artist])
    TrackFactory(artists=[producer_artist], visibility="private")
    TrackFactory(artists=[ArtistFactory()])
    album = AlbumFactory(artists=[producer_artist])
    AlbumFactory(artists=[ArtistFactory()])
    tracks = api_client.get(f"/api/v1/artists/{producer_artist.pk}/tracks").json()
    assert [t["id"] for t in tracks["data"]] == [mine.pk]
    albums = api_client.get(f"/api/v1/artists/{producer_artist.pk}/albums").json()
    assert [a["id"] for a in albums["data"]] == [album.pk]
    assert api_client.get("/api/v1/artists/999999/tracks").status_code == 404


def test_artist_detail_with_relations(user_client, producer_artist):
    TrackFactory(artists=[producer_artist], plays=3)
    AlbumFactory(artists=[producer_artist])
    body = user_client.get(
        f"/api/v1/artists/{producer_artist.pk}?with=albums,topTracks,genres"
    ).json()
    artist = body["artist"]
    assert body["status"] == "success"
    assert len(artist["top_tracks"]) == 1
    assert len(artist["albums"]) == 1
    assert artist["verified"] is False
    assert "genres" in artist


def test_check_ownership(api_client, producer_client, user_client, producer_artist):
    url = f"/api/v1/artists/{producer_artist.pk}/check-ownership"
    assert producer_client.get(url).json() == {"is_owner": True}
    assert user_client.get(url).json() == {"is_owner": False}
    assert api_client.get(url).status_code == 401


# --- likes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tracks", "albums", "artists"])
def test_like_and_unlike_are_idempotent_and_count(user_client, producer_artist, kind):
    obj = {
        "tracks": lambda: TrackFactory(artists=[producer_artist]),
        "albums": lambda: AlbumFactory(artists=[producer_artist]),
        "artists": lambda: producer_artist,
    }[kind]()
    url = f"/api/v1/{kind}/{obj.pk}/like"
    assert user_client.post(url).json() == {"status": "success", "is_liked": True, "likes_count": 1}
    assert user_client.post(url).json()["likes_count"] == 1
    liked = user_client.get(f"/api/v1/users/me/liked-{kind}").json()
    assert [item["id"] for item in liked["data"]] == [obj.pk]
    assert user_client.delete(url).json() == {
        "status": "success",
        "is_liked": False,
        "likes_count": 0,
    }
    assert user_client.delete(url).json()["likes_count"] == 0
    assert user_client.get(f"/api/v1/users/me/liked-{kind}").json()["total"] == 0


def test_like_needs_auth_and_a_visible_track(api_client, user_client, producer_artist):
    hidden = TrackFactory(artists=[producer_artist], visibility="private")
    assert api_client.post(f"/api/v1/tracks/{hidden.pk}/like").status_code == 401
    assert user_client.post(f"/api/v1/tracks/{hidden.pk}/like").status_code == 404


def test_liked_tracks_hide_tracks_that_became_private(user_client, producer_artist):
    track = TrackFactory(artists=[producer_artist])
    user_client.post(f"/api/v1/tracks/{track.pk}/like")
    Track.objects.filter(pk=track.pk).update(visibility="private")
    assert user_client.get("/api/v1/users/me/liked-tracks").json()["total"] == 0


def test_likes_count_is_shared_between_users(producer_artist):
    from conftest import bearer_client

    track = TrackFactory(artists=[producer_artist])
    for user in UserFactory.create_batch(3):
        bearer_client(user).post(f"/api/v1/tracks/{track.pk}/like")
    track.refresh_from_db()
    assert track.likes_count == 3


def test_artist_genres_come_only_from_visible_tracks(api_client, producer_artist):
    TrackFactory(artists=[producer_artist], genres=[GenreFactory(name="trap")])
    TrackFactory(
        artists=[producer_artist], genres=[GenreFactory(name="secret")], visibility="private"
    )
    body = api_client.get(f"/api/v1/artists/{producer_artist.pk}?with=genres").json()
    assert [g["name"] for g in body["artist"]["genres"]] == ["trap"]
