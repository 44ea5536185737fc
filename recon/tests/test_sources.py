"""Source adapters against a loopback fake of their HTTP APIs, and ingesting from them."""

from __future__ import annotations

from datetime import date

import pytest

from content import testing
from recon import services
from recon.matching.synth import song_with_excerpt
from recon.models import Match, ReferenceRecording
from recon.sources import SourceError
from recon.sources.deezer import DeezerSource
from recon.sources.spotify import SpotifySource
from recon.sources.youtube import YouTubeSource
from recon.tests.conftest import SR
from recon.tests.source_stub import running_stub

pytestmark = pytest.mark.django_db


@pytest.fixture
def stub(settings, beat_audio):
    with running_stub(settings) as fake:
        song = song_with_excerpt(
            beat_audio,
            sample_rate=SR,
            excerpt_start=3.0,
            excerpt_seconds=20.0,
            place_at=5.0,
            song_seconds=28.0,
            voice_db=0.0,
            seed=3,
        )
        fake.audio["placed.mp3"] = testing.encode(song, "mp3", sample_rate=SR, bitrate=128_000)
        yield fake


def test_spotify_search_normalizes_tracks(stub):
    found = list(SpotifySource().search("placed", limit=10))
    assert [r.external_id for r in found] == ["spPlaced", "spNoPreview"]
    placed = found[0]
    assert placed.artist_name == "Rapper, Singer"
    assert placed.release_date == date(2025, 6, 1)
    assert placed.isrc == "USABC2500001"
    assert placed.spotify_url == "https://open.spotify.com/track/spPlaced"
    assert placed.audio_url.endswith("/audio/placed.mp3")
    assert found[1].audio_url is None
    assert "POST /api/token" in stub.requests


def test_spotify_ingest_matches_the_preview_and_keeps_previewless_tracks_as_metadata(
    stub, recon_track
):
    services.scan_track(track_id=recon_track.pk)  # scanned before the song exists
    counts = services.source_ingest(source=SpotifySource(), query="placed", limit=10)
    assert counts == {"ingested": 1, "skipped": 0, "metadata_only": 1, "failed": 0}
    match = Match.objects.get(track=recon_track)
    assert match.recording.external_id == "spPlaced"
    assert match.confidence >= 90
    assert ReferenceRecording.objects.get(external_id="spNoPreview").ingested_at is None
    again = services.source_ingest(source=SpotifySource(), query="placed", limit=10)
    assert again["skipped"] == 1
    assert again["ingested"] == 0


def test_spotify_not_configured(settings):
    settings.SPOTIFY_CLIENT_ID = ""
    with pytest.raises(SourceError, match="not configured"):
        SpotifySource()


def test_deezer_search_reads_isrc_and_date_from_the_track_endpoint(stub):
    (found,) = DeezerSource().search("placed", limit=5)
    assert found.external_id == "3135556"
    assert found.isrc == "GBDUW0000059"
    assert found.release_date == date(2025, 6, 15)
    assert found.deezer_url == "https://www.deezer.com/track/3135556"
    assert DeezerSource().fetch_audio(found) == stub.audio["placed.mp3"]
    counts = services.source_ingest(source=DeezerSource(), query="placed")
    assert counts["ingested"] == 1
    assert ReferenceRecording.objects.get(source="deezer").landmark_count > 0


def test_deezer_error_objects_and_missing_audio_are_source_errors(stub):
    with pytest.raises(SourceError, match="800"):
        DeezerSource()._get("track/1")
    source = DeezerSource()
    (found,) = source.search("placed")
    stub.audio.clear()
    with pytest.raises(SourceError, match="404"):
        source.fetch_audio(found)


def test_youtube_is_metadata_only(stub):
    (found,) = YouTubeSource().search("placed", limit=5)
    assert found.youtube_url == "https://youtube.com/watch?v=dQw4w9WgXcQ"
    assert found.artist_name == "RapperVEVO"
    assert found.release_date == date(2025, 6, 20)
    assert YouTubeSource().fetch_audio(found) is None
    counts = services.source_ingest(source=YouTubeSource(), query="placed")
    assert counts["metadata_only"] == 1
    assert ReferenceRecording.objects.get(source="youtube").ingested_at is None


def test_youtube_bad_key_is_a_source_error(stub, settings):
    settings.RECON_YOUTUBE_API_KEY = "wrong"
    with pytest.raises(SourceError, match="403"):
        list(YouTubeSource().search("x"))
