"""Which audio an upload may be (WAV, FLAC, AIFF; never MP3, whatever the name says), what
its stream must hold, and how client file names are kept."""

from __future__ import annotations

import struct

import pytest

from content import testing
from content.tests.audio_helpers import SR, upload
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db

# The error catalog's "Invalid file format" entry, word for word.
CATALOG_MESSAGE = "Unsupported audio format. Use WAV, FLAC, or AIFF. MP3 files are not accepted."
MAX_NAME_LENGTH = 200


@pytest.fixture(scope="module")
def tone():
    return testing.tone(2.0, sample_rate=SR)


def rejected_with(response, fragment: str) -> None:
    assert response.status_code == 422, response.content
    assert fragment in response.json()["errors"]["file"][0]
    assert not FileEntry.objects.exists()


@pytest.mark.parametrize("name", ["beat.mp3", "beat.wav", "beat.flac", "beat"])
def test_an_mp3_is_refused_with_the_catalog_message_whatever_its_name(user_client, tone, name):
    mp3 = testing.encode(tone, "mp3", sample_rate=SR)

    rejected_with(upload(user_client, name, mp3), CATALOG_MESSAGE)


def _wav_with_format_tag(tag: int) -> bytes:
    wav = bytearray(testing.wav_bytes(testing.tone(2.0, sample_rate=8000), 8000))
    fmt = wav.index(b"fmt ")
    wav[fmt + 8 : fmt + 10] = struct.pack("<H", tag)
    return bytes(wav)


def test_mp3_audio_inside_a_riff_wave_file_is_refused_as_mp3(user_client, tone):
    # Format tag 0x55 (MPEG Layer 3): FFmpeg reads such a stream with its MP3 decoder.
    wav = _wav_with_format_tag(0x55)

    rejected_with(upload(user_client, "beat.wav", wav), CATALOG_MESSAGE)


@pytest.mark.parametrize("tag", [0xFFFF, 0x0002, 0x0011, 0xFFFE])
def test_wav_whose_stream_is_not_pcm_is_a_clean_422(user_client, tag):
    # 0xFFFF: FFmpeg has no decoder at all (PyAV's stream then has no rate: this was a 500).
    response = upload(user_client, "beat.wav", _wav_with_format_tag(tag))

    rejected_with(response, "Unsupported audio encoding")


def test_float_wav_is_accepted(user_client, tone):
    import io

    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="wav") as out:
        stream = out.add_stream("pcm_f32le", rate=SR, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(tone.T.astype(np.float32)), format="flt", layout="mono"
        )
        frame.sample_rate = SR
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)

    response = upload(user_client, "float.wav", buf.getvalue())

    assert response.status_code == 201, response.content
    assert response.json()["file_entry"]["duration"] == 2000


# --- file names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [199, 200, 250, 900])
def test_a_long_name_keeps_its_extension_and_loses_the_end_of_its_stem(user_client, tone, length):
    name = "a" * (length - len(".wav")) + ".wav"

    response = upload(user_client, name, testing.encode(tone, "wav", sample_rate=SR))

    assert response.status_code == 201, response.content
    stored = response.json()["file_entry"]["name"]
    assert stored.endswith(".wav")
    assert len(stored) == min(length, MAX_NAME_LENGTH)
    assert stored == name if length <= MAX_NAME_LENGTH else stored == "a" * 196 + ".wav"


@pytest.mark.parametrize(
    ("fmt", "name"), [("wav", "beat"), ("flac", "final mix v1.2"), ("aiff", "take 3.")]
)
def test_a_name_without_a_media_extension_is_accepted_by_its_content(user_client, tone, fmt, name):
    response = upload(user_client, name, testing.encode(tone, fmt, sample_rate=SR))

    assert response.status_code == 201, response.content
    entry = response.json()["file_entry"]
    assert entry["name"] == name
    assert entry["mime"] == {"wav": "audio/wav", "flac": "audio/flac", "aiff": "audio/aiff"}[fmt]
    row = FileEntry.objects.get(pk=entry["id"])
    assert row.file.name.endswith({"wav": ".wav", "flac": ".flac", "aiff": ".aif"}[fmt])


def test_an_image_without_an_extension_is_accepted_by_its_content(user_client):
    response = upload(user_client, "cover", testing.png_bytes(40, 30))

    assert response.status_code == 201, response.content
    assert (response.json()["file_entry"]["width"], response.json()["file_entry"]["height"]) == (
        40,
        30,
    )


def test_a_name_claiming_another_media_format_is_still_refused(user_client, tone):
    wav = testing.encode(tone, "wav", sample_rate=SR)

    rejected_with(upload(user_client, "beat.ogg", wav), "does not match")
