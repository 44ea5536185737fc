"""Hostile audio through upload → extract-metadata → waveform: clean 4xx or a failed status
with a message; never a 5xx, never a row stuck in processing."""

import numpy as np
import pytest

from content import testing
from content.beatgen import render_beat
from content.media.models import ProcessingStatus, TrackWaveform
from content.media.tasks import compute_waveform
from content.tests.audio_helpers import SR, stored_entry, upload
from content.tests.factories import TrackFactory
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def beat():
    return render_beat(seed=9, bpm=130, key="G", scale="minor", seconds=8, sample_rate=SR)


def _hostile(beat) -> dict[str, tuple[str, bytes]]:
    flac = testing.encode(beat, "flac", sample_rate=SR)
    mp3 = testing.encode(beat, "mp3", sample_rate=SR)
    wav = testing.encode(beat, "wav", sample_rate=SR)
    return {
        "truncated mp3": ("cut.mp3", mp3[: len(mp3) // 2]),
        "truncated flac": ("cut.flac", flac[: len(flac) // 2]),
        "wav header lies": ("lie.wav", wav[: len(wav) // 3]),
        "45 ms clip": ("clip.wav", testing.wav_bytes(testing.tone(0.045, sample_rate=SR), SR)),
        "random bytes": ("noise.wav", np.random.default_rng(7).bytes(50_000)),
    }


CASES = ["truncated mp3", "truncated flac", "wav header lies", "45 ms clip", "random bytes"]


@pytest.mark.parametrize("case", CASES)
def test_hostile_uploads_are_clean_422s(user_client, beat, case):
    name, data = _hostile(beat)[case]
    response = upload(user_client, name, data)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["file"][0]
    assert not FileEntry.objects.exists()


def test_hour_long_file_above_the_duration_cap_is_refused(user_client, settings):
    settings.UPLOAD_MAX_AUDIO_SECONDS = 30 * 60
    silence = np.zeros((3600 * 8000, 1), dtype=np.float32)
    response = upload(user_client, "hour.flac", testing.encode(silence, "flac", sample_rate=8000))
    assert response.status_code == 422
    assert "may not exceed 30 minutes" in response.json()["errors"]["file"][0]


@pytest.mark.parametrize("case", CASES)
def test_hostile_stored_audio_fails_the_waveform_with_a_message(
    api_client, producer, producer_artist, beat, case
):
    # Bytes that slipped past validation (older uploads, storage corruption) reach the task.
    name, data = _hostile(beat)[case]
    fmt = name.rsplit(".", 1)[1]
    entry = stored_entry(producer, data, fmt=fmt, duration_ms=8000)
    track = TrackFactory(file=entry, artists=[producer_artist])

    compute_waveform(track.pk)

    waveform = TrackWaveform.objects.get(track=track)
    assert waveform.status == ProcessingStatus.FAILED
    assert waveform.error
    response = api_client.get(f"/api/v1/tracks/{track.pk}/wave")
    assert response.status_code == 422
    assert response.json()["error_code"] == "waveform_failed"


@pytest.mark.parametrize("case", CASES)
def test_hostile_stored_audio_gives_a_clean_extract_response(user_client, user, beat, case):
    name, data = _hostile(beat)[case]
    entry = stored_entry(user, data, fmt=name.rsplit(".", 1)[1], duration_ms=8000)
    response = user_client.post(f"/api/v1/tracks/{entry.pk}/extract-metadata")
    assert response.status_code in (200, 422), response.content


def test_silence_is_accepted_with_a_flat_waveform_and_no_estimates(
    user_client, producer, producer_artist
):
    silence = testing.wav_bytes(np.zeros((SR * 4, 1), dtype=np.float32), SR)
    response = upload(user_client, "quiet.wav", silence)
    assert response.status_code == 201
    entry = FileEntry.objects.get(pk=response.json()["file_entry"]["id"])
    meta = user_client.post(f"/api/v1/tracks/{entry.pk}/extract-metadata").json()["metadata"]
    assert meta["bpm"] is None
    assert meta["key"] is None

    entry.owner = producer
    entry.save()
    track = TrackFactory(file=entry, artists=[producer_artist])
    compute_waveform(track.pk)
    waveform = TrackWaveform.objects.get(track=track)
    assert waveform.status == ProcessingStatus.COMPLETED
    assert set(waveform.peaks) == {0.0}
