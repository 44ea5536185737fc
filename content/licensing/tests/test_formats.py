"""Download formats: the original WAV, a lossless WAV made from a FLAC original, and the MP3
transcoded once (320 kbps) and streamed with ranges afterwards."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from content import testing
from content.licensing.tests.conftest import body_of, complete_fingerprint, download
from content.media.models import AudioRendition, ProcessingStatus
from content.tests.audio_helpers import stored_entry
from content.tests.factories import TrackFactory

pytestmark = pytest.mark.django_db

SR = 44100
SECONDS = 4.0


def decode(data: bytes) -> tuple[np.ndarray, int, str]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        frames = [f.to_ndarray() for f in container.decode(stream)]
        return np.concatenate(frames, axis=1), stream.rate, stream.codec_context.name


@pytest.fixture
def flac_track(producer, producer_artist):
    samples = testing.tone(SECONDS, sample_rate=SR, channels=2, freq=330)
    data = testing.encode(samples, "flac", sample_rate=SR)
    entry = stored_entry(producer, data, fmt="flac", duration_ms=int(SECONDS * 1000))
    track = TrackFactory(name="Flac Beat", file=entry, artists=[producer_artist])
    complete_fingerprint(track)
    return track, samples


def prepared(client, track, fmt, capture):
    """Ask once (the task is enqueued after commit, then runs: eager Celery), then download."""
    with capture(execute=True):
        pending = download(client, track, fmt)
    assert pending.status_code == 409, pending.content
    return download(client, track, fmt)


def test_mp3_is_transcoded_once_at_320k_and_keeps_the_duration(
    subscriber_client, flac_track, django_capture_on_commit_callbacks
):
    track, _ = flac_track

    first = prepared(subscriber_client, track, "mp3", django_capture_on_commit_callbacks)
    second = download(subscriber_client, track, "mp3")

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "audio/mpeg"
    assert first["Content-Disposition"].endswith('Flac Beat.mp3"')
    data = body_of(first)
    assert body_of(second) == data
    pcm, rate, codec = decode(data)
    assert codec.startswith("mp3")
    assert rate == SR
    assert abs(pcm.shape[1] / rate - SECONDS) < 0.05
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.audio[0].bit_rate == 320_000
    rendition = AudioRendition.objects.get()
    assert (rendition.format, rendition.status, rendition.attempts) == ("mp3", "completed", 1)


def test_mp3_supports_ranges(subscriber_client, flac_track, django_capture_on_commit_callbacks):
    track, _ = flac_track
    whole = body_of(prepared(subscriber_client, track, "mp3", django_capture_on_commit_callbacks))
    part = download(subscriber_client, track, "mp3", HTTP_RANGE="bytes=1000-1999")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1000-1999/{len(whole)}"
    assert body_of(part) == whole[1000:2000]


def test_wav_of_a_flac_original_is_lossless(
    subscriber_client, flac_track, django_capture_on_commit_callbacks
):
    track, samples = flac_track
    response = prepared(subscriber_client, track, "wav", django_capture_on_commit_callbacks)
    data = body_of(response)

    assert response["Content-Type"] == "audio/wav"
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WAVE"
    pcm, rate, codec = decode(data)
    assert codec == "pcm_s16le"
    assert rate == SR
    # Bit for bit the 16-bit samples the FLAC holds (packed s16: interleaved in one row).
    expected = (np.clip(samples, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
    assert np.array_equal(pcm, expected)


def test_wav_original_is_served_as_is(subscriber_client, track):
    response = download(subscriber_client, track, "wav")
    assert body_of(response) == track.file.file.open("rb").read()
    assert not AudioRendition.objects.exists()


def test_pending_mp3_is_409_with_retry_after_and_nothing_issued(subscriber_client, flac_track):
    from content.licensing.models import License

    track, _ = flac_track
    response = download(subscriber_client, track, "mp3")  # the worker has not run yet

    assert response.status_code == 409
    assert response.json()["error_code"] == "transcode_pending"
    assert response["Retry-After"] == "10"
    assert AudioRendition.objects.get().status == ProcessingStatus.PENDING
    assert not License.objects.exists()


def test_undecodable_audio_fails_the_rendition_then_503(
    subscriber_client, producer, settings, django_capture_on_commit_callbacks
):
    settings.PROCESSING_MAX_ATTEMPTS = 1
    entry = stored_entry(producer, b"fLaC" + b"\x00" * 4000, fmt="flac")
    track = TrackFactory(file=entry, artists=[producer.managed_artists.get()])
    complete_fingerprint(track)

    first = prepared(subscriber_client, track, "mp3", django_capture_on_commit_callbacks)

    assert first.status_code == 503
    assert first.json()["error_code"] == "transcode_failed"
    rendition = AudioRendition.objects.get()
    assert rendition.status == ProcessingStatus.FAILED
    assert rendition.error
