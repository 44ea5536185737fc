"""GET /tracks/{track}/download: one policy, byte ranges, safe filenames, download events."""

import hashlib

import pytest
from django.test import override_settings

from content.licensing.selectors import download_policy
from content.media.models import Download
from content.tests.audio_helpers import stored_entry, tone_wav
from content.tests.factories import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

DATA = tone_wav(1.0)


@pytest.fixture
def track(producer, producer_artist):
    entry = stored_entry(producer, DATA)
    return TrackFactory(name="Night Drive", file=entry, artists=[producer_artist])


def download(client, track, **headers):
    return client.get(f"/api/v1/tracks/{track.pk}/download", **headers)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_permission_matrix(api_client, other_client, producer_client, staff_client, track):
    assert download(api_client, track).status_code == 401
    assert download(other_client, track).status_code == 403
    assert download(producer_client, track).status_code == 200
    assert download(staff_client, track).status_code == 200


def test_free_download_tracks_are_open_to_anyone(api_client, other_client, track):
    track.free_download = True
    track.save()
    response = download(api_client, track)
    assert response.status_code == 200
    assert body_of(response) == DATA
    assert download(other_client, track).status_code == 200


def test_hidden_track_is_404_even_when_free(other_client, api_client, track):
    track.visibility = "private"
    track.free_download = True
    track.save()
    assert download(other_client, track).status_code == 404
    assert download(api_client, track).status_code == 404
    assert api_client.get("/api/v1/tracks/999999/download").status_code == 404


def test_policy_is_one_function(producer, other_user, staff_user, track):
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.exceptions import NotAuthenticated

    from content.licensing.errors import SubscriptionRequired

    assert download_policy(user=producer, track=track).route == "owner"
    assert download_policy(user=staff_user, track=track).route == "owner"
    with pytest.raises(SubscriptionRequired):
        download_policy(user=other_user, track=track)
    with pytest.raises(NotAuthenticated):
        download_policy(user=AnonymousUser(), track=track)


def test_full_download_streams_the_original_with_headers(producer_client, track):
    response = download(producer_client, track)
    assert response.status_code == 200
    assert response.streaming
    assert body_of(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert response["Content-Type"] == "audio/wav"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == (
        'attachment; filename="Producer Artist - Night Drive.wav"'
    )


def test_unicode_names_get_an_ascii_fallback_and_rfc5987_filename(producer, producer_client):
    artist = ArtistFactory(name="Beyoncé", managers=[producer])
    track = TrackFactory(
        name='Café "del" Mar/../x', file=stored_entry(producer, DATA), artists=[artist]
    )
    disposition = download(producer_client, track)["Content-Disposition"]
    ascii_part, star_part = disposition.split("; filename*=")
    assert ascii_part == 'attachment; filename="Beyonce - Cafe del Mar .. x.wav"'
    assert star_part.startswith("UTF-8''Beyonc%C3%A9%20-%20Caf%C3%A9")
    assert "/" not in star_part
    assert '"' not in ascii_part.split("filename=")[1].strip('"')


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, len(DATA) - 1), ("bytes=-50", len(DATA) - 50,
     len(DATA) - 1), ("bytes=10-999999999", 10, len(DATA) - 1)],
)  # fmt: skip
def test_single_byte_ranges_are_206(producer_client, track, header, start, end):
    response = download(producer_client, track, HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body_of(response) == DATA[start : end + 1]


@pytest.mark.parametrize("header", [f"bytes={len(DATA)}-", "bytes=50-10", "bytes=-0"])
def test_unsatisfiable_ranges_are_416(producer_client, track, header):
    response = download(producer_client, track, HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize("header", ["items=0-5", "bytes=0-5,10-20", "bytes=abc"])
def test_unsupported_range_syntax_is_ignored(producer_client, track, header):
    response = download(producer_client, track, HTTP_RANGE=header)
    assert response.status_code == 200
    assert body_of(response) == DATA


def test_a_download_event_is_recorded_with_a_salted_ip_hash(producer_client, producer, track):
    download(producer_client, track, REMOTE_ADDR="203.0.113.9")
    event = Download.objects.get()
    assert (event.track, event.user) == (track, producer)
    assert event.ip_hash
    assert "203.0.113.9" not in event.ip_hash
    assert event.ip_hash != hashlib.sha256(b"203.0.113.9").hexdigest()  # salted


def test_player_range_requests_count_once(producer_client, track):
    download(producer_client, track, HTTP_RANGE="bytes=0-99")
    download(producer_client, track, HTTP_RANGE="bytes=100-")
    assert Download.objects.count() == 1


def test_refused_downloads_record_nothing(api_client, other_client, track):
    download(api_client, track)
    download(other_client, track)
    assert not Download.objects.exists()


def test_anonymous_free_download_records_a_null_user(api_client, track):
    track.free_download = True
    track.save()
    download(api_client, track)
    assert Download.objects.get().user is None


@override_settings(DOWNLOAD_ACCEL_MODE="nginx", DOWNLOAD_ACCEL_PREFIX="/protected/")
def test_nginx_mode_hands_the_file_to_the_web_server(producer_client, track):
    response = download(producer_client, track)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected/" + track.file.file.name
    assert response.content == b""
    assert "attachment" in response["Content-Disposition"]
    assert Download.objects.count() == 1


@override_settings(DOWNLOAD_ACCEL_MODE="apache")
def test_apache_mode_sends_x_sendfile(producer_client, track):
    response = download(producer_client, track)
    assert response["X-Sendfile"] == track.file.file.path
    assert response.content == b""


def test_track_without_audio_is_404(staff_client, producer_artist):
    track = TrackFactory(artists=[producer_artist])
    assert download(staff_client, track).status_code == 404


def test_managers_can_flag_a_track_as_free_download(producer_client, api_client, track):
    response = producer_client.patch(
        f"/api/v1/tracks/{track.pk}", {"free_download": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert download(api_client, track).status_code == 200


def test_head_requests_are_not_counted_as_downloads(producer_client, track):
    response = producer_client.head(f"/api/v1/tracks/{track.pk}/download")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(DATA))
    assert not Download.objects.exists()
