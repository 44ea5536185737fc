"""The real adapter + spotipy against the loopback Spotify stub (no mocks)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from content.credits import spotify


@pytest.fixture
def catalog(spotify_stub):
    return spotify.spotify_catalog()


def test_unconfigured_adapter_raises_spotify_unavailable(settings):
    settings.SPOTIFY_CLIENT_ID = ""
    settings.SPOTIFY_CLIENT_SECRET = ""

    with pytest.raises(spotify.SpotifyNotConfigured) as excinfo:
        spotify.spotify_catalog()

    assert excinfo.value.status_code == 503
    assert excinfo.value.code == "spotify_unavailable"


def test_track_search_is_normalized_and_paged_by_ten(catalog, spotify_stub):
    items, total = catalog.search(query="echo", kind="track", page=3)

    assert total == 23
    assert [i["name"] for i in items] == ["Echo 21", "Echo 22", "Echo 23"]
    first = items[0]
    assert first["id"] == "trkEcho21"
    assert first["type"] == "track"
    assert first["artists"] == [{"id": "artEcho", "name": "The Echoes"}]
    assert first["album"] == {"id": "albEcho", "name": "Echo Chamber"}
    assert first["image"] == "https://i.scdn.co/image/albEcho-300"
    assert first["release_year"] == 2018
    assert first["spotify_url"] == "https://open.spotify.com/track/trkEcho21"


def test_album_search_carries_track_count_and_year(catalog):
    items, total = catalog.search(query="night", kind="album", page=1)

    assert total == 1
    assert items[0]["track_count"] == 3
    assert items[0]["release_year"] == 2021
    assert items[0]["name"] == "Night Drive"


def test_album_follows_track_paging_until_complete(catalog, spotify_stub):
    album = catalog.album("albNight")

    assert [t["id"] for t in album["tracks"]] == ["trkNeon", "trkMidnight", "trkAfter"]
    assert album["tracks"][1]["artists"][1]["name"] == "Kid Nova"
    assert spotify_stub.calls("/v1/albums/albNight/tracks") == 1


def test_responses_and_token_are_cached(catalog, spotify_stub):
    catalog.search(query="neon", kind="track", page=1)
    spotify.spotify_catalog().search(query="  NEON ", kind="track", page=1)
    spotify.spotify_catalog().track("trkNeon")

    assert spotify_stub.calls("/v1/search") == 1
    assert spotify_stub.calls("/v1/tracks") == 1
    assert spotify_stub.calls("/api/token") == 1


def test_unknown_album_is_not_found(catalog):
    with pytest.raises(spotify.SpotifyNotFound):
        catalog.album("doesNotExist")


def test_server_errors_retry_once_then_give_a_502(catalog, spotify_stub):
    spotify_stub.mode = "error"

    with pytest.raises(spotify.SpotifyBadGateway) as excinfo:
        catalog.search(query="neon", kind="track", page=1)

    assert excinfo.value.status_code == 502
    assert spotify_stub.calls("/v1/search") == 2  # SPOTIFY_MAX_RETRIES=1 in the stub settings
    assert cache.get("spotify:search:track:1:None:") is None  # errors are never cached


def test_rate_limit_is_honoured_without_calling_spotify_again(catalog, spotify_stub):
    spotify_stub.mode = "rate_limit"
    spotify_stub.retry_after = 7

    with pytest.raises(spotify.SpotifyRateLimited) as first:
        catalog.search(query="neon", kind="track", page=1)
    spotify_stub.mode = None
    with pytest.raises(spotify.SpotifyRateLimited) as second:
        catalog.album("albNight")

    assert first.value.retry_after == 7
    assert 1 <= second.value.retry_after <= 7
    assert spotify_stub.calls("/v1/search") == 1  # 429 is not retried
    assert spotify_stub.calls("/v1/albums") == 0  # cooldown: no request at all


def test_slow_spotify_times_out_quickly(catalog, spotify_stub):
    catalog.track("trkNeon")  # fetch the token first
    spotify_stub.mode = "slow"

    started = time.monotonic()
    with pytest.raises(spotify.SpotifyUnreachable) as excinfo:
        catalog.album("albNight")

    assert excinfo.value.code == "spotify_timeout"
    assert time.monotonic() - started < 1.2  # one 0.4s attempt: read timeouts are not retried


def test_refused_credentials_are_a_bad_gateway(catalog, spotify_stub):
    spotify_stub.mode = "bad_credentials"

    with pytest.raises(spotify.SpotifyBadGateway) as excinfo:
        catalog.search(query="neon", kind="track", page=1)

    assert excinfo.value.code == "spotify_auth_failed"


def test_unreachable_spotify_is_a_503(settings, spotify_stub):
    settings.SPOTIFY_API_PREFIX = "http://127.0.0.1:9/v1/"
    settings.SPOTIFY_TOKEN_URL = "http://127.0.0.1:9/api/token"
    settings.SPOTIFY_MAX_RETRIES = 0

    with pytest.raises(spotify.SpotifyUnreachable) as excinfo:
        spotify.spotify_catalog().search(query="neon", kind="track", page=1)

    assert excinfo.value.status_code == 503


@pytest.mark.parametrize(
    ("raw", "year"), [("2019", 2019), ("2018-07", 2018), ("2021-03-05", 2021), ("", None)]
)
def test_release_dates_of_any_precision_parse(raw, year):
    parsed = spotify.parse_release_date(raw)
    assert (parsed.year if parsed else None) == year


def test_revoked_token_is_replaced_transparently(catalog, spotify_stub):
    catalog.track("trkNeon")
    spotify_stub.token = "rotated-token"  # Spotify no longer accepts the cached token

    track = spotify.spotify_catalog().track("trkMidnight")

    assert track["name"] == "Midnight Run"
    assert spotify_stub.calls("/api/token") == 2


def test_token_refused_by_the_api_twice_is_a_bad_gateway(catalog, spotify_stub):
    spotify_stub.mode = "unauthorized"

    with pytest.raises(spotify.SpotifyBadGateway):
        catalog.track("trkNeon")

    assert spotify_stub.calls("/v1/tracks") == 2  # one refresh, then give up
    assert spotify_stub.calls("/api/token") == 2
