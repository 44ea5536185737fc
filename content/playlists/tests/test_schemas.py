"""The documented playlist/lyric shapes (OpenAPI) match what the endpoints return."""

from __future__ import annotations

import pytest

from content.lyrics.models import Lyric
from content.lyrics.schemas import LyricOut
from content.playlists.schemas import PlaylistDetailOut, PlaylistOut, PlaylistTrackOut
from content.playlists.tests.factories import PlaylistFactory, pending_invitation
from content.tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_documented_playlist_fields_match_the_responses(user, user_client, producer_artist):
    track = TrackFactory(artists=[producer_artist])
    playlist = PlaylistFactory(owner=user, collaborative=True, tracks=[track])
    pending_invitation(playlist, UserFactory())

    item = user_client.get("/api/v1/playlists").json()["data"][0]
    detail = user_client.get(f"/api/v1/playlists/{playlist.pk}").json()["playlist"]
    row = user_client.get(f"/api/v1/playlists/{playlist.pk}/tracks").json()["data"][0]

    assert set(item) == set(PlaylistOut().fields)
    assert set(detail) == set(PlaylistDetailOut().fields)
    assert set(row) == set(PlaylistTrackOut().fields)


def test_documented_lyric_fields_match_the_response(api_client, producer_artist):
    track = TrackFactory(artists=[producer_artist])
    Lyric.objects.create(track=track, text="[00:01.00] hi", is_synced=True)

    lyric = api_client.get(f"/api/v1/tracks/{track.pk}/lyrics").json()["lyric"]

    assert set(lyric) == set(LyricOut().fields)
