"""Truncated audio: the verdict is a function of the bytes (identical retries never flip), a
decode shorter than the header promises is refused, and the stored duration is the decoded
one."""

from __future__ import annotations

import pytest

from content import testing
from content.beatgen import render_beat
from content.tests.audio_helpers import SR, upload
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db

RETRIES = 6


@pytest.fixture(scope="module")
def beat():
    return render_beat(seed=21, bpm=128, key="E", scale="minor", seconds=4, sample_rate=SR)


def missing_tail(data: bytes, fraction: float) -> bytes:
    return data[: len(data) - int(len(data) * fraction)]


@pytest.mark.parametrize("fmt", ["wav", "aiff", "flac"])
@pytest.mark.parametrize("fraction", [0.001, 0.003, 0.01])
def test_a_file_missing_a_sliver_of_its_samples_is_refused_every_time(
    user_client, beat, fmt, fraction
):
    cut = missing_tail(testing.encode(beat, fmt, sample_rate=SR), fraction)

    answers = [upload(user_client, f"cut.{fmt}", cut) for _ in range(RETRIES)]

    assert [a.status_code for a in answers] == [422] * RETRIES
    messages = {a.json()["errors"]["file"][0] for a in answers}
    assert len(messages) == 1, messages  # the same words every time, too
    assert "truncated" in messages.pop()
    assert not FileEntry.objects.exists()


@pytest.mark.parametrize("fmt", ["wav", "aiff", "flac"])
def test_an_intact_file_is_accepted_every_time_with_its_decoded_duration(user_client, beat, fmt):
    data = testing.encode(beat, fmt, sample_rate=SR)

    answers = [upload(user_client, f"ok.{fmt}", data) for _ in range(RETRIES)]

    assert [a.status_code for a in answers] == [201] * RETRIES
    assert {a.json()["file_entry"]["duration"] for a in answers} == {4000}


def test_a_refused_file_does_not_change_the_verdict_on_the_next_identical_one(user_client, beat):
    # FFmpeg log lines (and PyAV's suppression of a repeated line) once leaked from one decode
    # into the next: refuse, accept, refuse... for the very same bytes.
    wav = testing.encode(beat, "wav", sample_rate=SR)
    cut = missing_tail(wav, 0.001)

    sequence = [
        upload(user_client, name, data).status_code
        for name, data in [
            ("cut.wav", cut),
            ("ok.wav", wav),
            ("cut.wav", cut),
            ("cut.wav", cut),
            ("ok.wav", wav),
        ]
    ]

    assert sequence == [422, 201, 422, 422, 201]


def test_a_wav_whose_header_declares_more_than_it_holds_is_stored_nowhere(user_client, beat):
    wav = bytearray(testing.encode(beat, "wav", sample_rate=SR))
    data_at = wav.index(b"data")
    size = int.from_bytes(wav[data_at + 4 : data_at + 8], "little")
    wav[data_at + 4 : data_at + 8] = (size + 2 * SR).to_bytes(4, "little")  # +1 s promised

    response = upload(user_client, "lies.wav", bytes(wav))

    assert response.status_code == 422
    assert "truncated" in response.json()["errors"]["file"][0]
