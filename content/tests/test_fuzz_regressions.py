"""Inputs that schemathesis found answered with a 500; each must now be a clean answer."""

import pytest

from content.catalog.models import Album
from content.playlists.models import PlaylistTrack
from content.playlists.tests.factories import PlaylistFactory
from content.tests.factories import AlbumFactory, TrackFactory

pytestmark = pytest.mark.django_db

BEYOND_BIGINT = 31884224354142138662912


def test_signed_in_playlist_tracks_include_the_album(user_client, user, producer_artist):
    album = AlbumFactory(name="Night Shift", artists=[producer_artist])
    track = TrackFactory(artists=[producer_artist], album=album, number=1)
    playlist = PlaylistFactory(owner=user, tracks=[track])

    response = user_client.get(f"/api/v1/playlists/{playlist.pk}/tracks")

    assert response.status_code == 200
    assert response.json()["data"][0]["album"]["name"] == "Night Shift"


def test_signed_in_pinned_track_is_presented(producer_client, producer_artist):
    track = TrackFactory(artists=[producer_artist], album=AlbumFactory(artists=[producer_artist]))
    pin = producer_client.post(f"/api/v1/artists/{producer_artist.pk}/tracks/{track.pk}/pin")
    assert pin.status_code == 200

    body = producer_client.get(f"/api/v1/artists/{producer_artist.pk}/pinned-track").json()

    assert body["pinned_track"]["id"] == track.pk
    assert body["pinned_track"]["album"]["id"] == track.album_id


@pytest.mark.parametrize("resource", ["albums", "tracks"])
def test_repeated_artists_are_a_422_not_a_unique_violation(
    producer_client, producer_artist, resource
):
    response = producer_client.post(
        f"/api/v1/{resource}", {"name": "x", "artists": [producer_artist.pk] * 3}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["artists"] == ["Each artist can appear only once."]
    assert not Album.objects.exists()


def test_id_beyond_bigint_is_422_and_adds_nothing(user_client, user, producer_artist):
    playlist = PlaylistFactory(owner=user)
    track = TrackFactory(artists=[producer_artist])

    response = user_client.post(
        f"/api/v1/playlists/{playlist.pk}/tracks/add",
        {"ids": [track.pk, BEYOND_BIGINT]},
        format="json",
    )

    assert 400 <= response.status_code < 500
    assert not PlaylistTrack.objects.exists()


def test_remove_editor_with_an_id_beyond_bigint_is_4xx(user_client, user):
    playlist = PlaylistFactory(owner=user, collaborative=True)
    response = user_client.post(
        f"/api/v1/playlists/{playlist.pk}/remove-editor", {"user_id": BEYOND_BIGINT}, format="json"
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("raw", ["false", "null,null"])
def test_non_numeric_notification_id_is_404(user_client, raw):
    assert user_client.post(f"/api/v1/notifications/{raw}/read").status_code == 404


@pytest.mark.parametrize("param", ["artist", "album", "bpm_min"])
def test_filter_value_beyond_bigint_is_not_a_500(api_client, producer_artist, param):
    TrackFactory(artists=[producer_artist])
    response = api_client.get(f"/api/v1/tracks?{param}={BEYOND_BIGINT}")
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["total"] == 0
