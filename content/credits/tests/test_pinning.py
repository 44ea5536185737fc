"""Track pinning: pin/unpin/read, who may pin what, and the pinned track on the artist detail."""

from __future__ import annotations

import pytest

from content.catalog.models import Visibility
from content.credits.models import ArtistPinnedTrack
from content.tests.factories import ArtistFactory, TrackFactory


def pin_url(artist, track, verb="pin"):
    return f"/api/v1/artists/{artist.pk}/tracks/{track.pk}/{verb}"


def pinned_url(artist):
    return f"/api/v1/artists/{artist.pk}/pinned-track"


@pytest.fixture
def track(producer_artist):
    return TrackFactory(artists=[producer_artist], name="Best Beat")


def test_manager_pins_a_public_credited_track(producer_client, producer_artist, track, api_client):
    response = producer_client.post(pin_url(producer_artist, track))

    assert response.status_code == 200
    assert response.json()["pinned_track"]["id"] == track.pk
    public = api_client.get(pinned_url(producer_artist)).json()
    assert public["pinned_track"]["name"] == "Best Beat"
    assert public["pinned_track"]["artists"][0]["id"] == producer_artist.pk


def test_artist_without_pin_returns_null(api_client, producer_artist):
    response = api_client.get(pinned_url(producer_artist))

    assert response.status_code == 200
    assert response.json() == {"status": "success", "pinned_track": None}


def test_pinned_track_of_missing_artist_is_404(api_client, db):
    assert api_client.get("/api/v1/artists/999999/pinned-track").status_code == 404


def test_pinning_another_track_replaces_the_old_pin(producer_client, producer_artist, track):
    newer = TrackFactory(artists=[producer_artist])
    producer_client.post(pin_url(producer_artist, track))

    producer_client.post(pin_url(producer_artist, newer))

    assert list(ArtistPinnedTrack.objects.values_list("artist_id", "track_id")) == [
        (producer_artist.pk, newer.pk)
    ]


def test_pinning_another_artists_track_is_422(producer_client, producer_artist):
    foreign = TrackFactory(artists=[ArtistFactory()])

    response = producer_client.post(pin_url(producer_artist, foreign))

    assert response.status_code == 422
    assert "track" in response.json()["errors"]
    assert not ArtistPinnedTrack.objects.exists()


def test_pinning_a_private_track_is_422(producer_client, producer_artist):
    private = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)

    response = producer_client.post(pin_url(producer_artist, private))

    assert response.status_code == 422
    assert not ArtistPinnedTrack.objects.exists()


def test_pinning_a_track_hidden_from_the_caller_is_404(other_client, producer_artist):
    stranger_artist = ArtistFactory(managers=[other_client.user])
    hidden = TrackFactory(artists=[producer_artist], visibility=Visibility.PRIVATE)

    response = other_client.post(pin_url(stranger_artist, hidden))

    assert response.status_code == 404


def test_missing_track_is_404(producer_client, producer_artist):
    assert (
        producer_client.post(f"/api/v1/artists/{producer_artist.pk}/tracks/999999/pin").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [("api_client", 401), ("other_client", 403), ("producer_client", 200), ("staff_client", 200)],
)
def test_pin_and_unpin_permission_matrix(request, producer_artist, track, client_fixture, expected):
    client = request.getfixturevalue(client_fixture)

    pin = client.post(pin_url(producer_artist, track))
    pinned_after_pin = ArtistPinnedTrack.objects.filter(artist=producer_artist).exists()
    ArtistPinnedTrack.objects.update_or_create(artist=producer_artist, defaults={"track": track})
    unpin = client.post(pin_url(producer_artist, track, "unpin"))

    assert (pin.status_code, unpin.status_code) == (expected, expected)
    assert pinned_after_pin is (expected == 200)
    assert ArtistPinnedTrack.objects.filter(artist=producer_artist).exists() is (expected != 200)


def test_unpin_only_removes_that_track(producer_client, producer_artist, track):
    other = TrackFactory(artists=[producer_artist])
    producer_client.post(pin_url(producer_artist, track))

    wrong = producer_client.post(pin_url(producer_artist, other, "unpin"))
    right = producer_client.post(pin_url(producer_artist, track, "unpin"))

    assert wrong.json()["unpinned"] is False
    assert right.json() == {"status": "success", "unpinned": True, "pinned_track": None}
    assert not ArtistPinnedTrack.objects.exists()


def test_pinned_track_made_private_stops_being_returned(
    producer_client, producer_artist, track, api_client
):
    producer_client.post(pin_url(producer_artist, track))

    track.visibility = Visibility.PRIVATE
    track.save(update_fields=["visibility"])

    assert api_client.get(pinned_url(producer_artist)).json()["pinned_track"] is None
    assert producer_client.get(pinned_url(producer_artist)).json()["pinned_track"] is None


def test_deleted_pinned_track_stops_being_returned(producer_client, producer_artist, track):
    producer_client.post(pin_url(producer_artist, track))

    track.delete()

    assert producer_client.get(pinned_url(producer_artist)).json()["pinned_track"] is None
    assert not ArtistPinnedTrack.objects.exists()


def test_artist_detail_includes_the_pinned_track(
    api_client, producer_client, producer_artist, track
):
    producer_client.post(pin_url(producer_artist, track))

    body = api_client.get(f"/api/v1/artists/{producer_artist.pk}").json()

    assert body["artist"]["pinned_track"]["id"] == track.pk


def test_artist_detail_without_pin_has_null_pinned_track(api_client, producer_artist):
    body = api_client.get(f"/api/v1/artists/{producer_artist.pk}").json()

    assert body["artist"]["pinned_track"] is None


@pytest.mark.parametrize("count", [1, 30])
def test_artist_detail_query_count_is_constant(
    user_client, producer_artist, credit_roles, django_assert_num_queries, count
):
    from content.credits.tests.test_api import make_credit

    tracks = [TrackFactory(artists=[producer_artist]) for _ in range(count)]
    for i in range(count):
        make_credit(producer_artist, credit_roles["producer"], title=f"Song {i}", position=i)
    ArtistPinnedTrack.objects.create(artist=producer_artist, track=tracks[-1])

    # user, artist, artist row + is_liked, links, pinned track row, its relations (one query)
    with django_assert_num_queries(6):
        response = user_client.get(f"/api/v1/artists/{producer_artist.pk}")

    assert response.json()["artist"]["pinned_track"]["id"] == tracks[-1].pk
