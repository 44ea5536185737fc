"""MP3 transcodes: the promised 320 kbps holds whatever the source's sample rate."""

from __future__ import annotations

import av
import pytest

from content import testing
from content.audio.transcode import _lame_rate, transcode

SECONDS = 2.0


@pytest.mark.parametrize(
    ("rate", "bitrate", "expected"),
    [
        (44100, 320_000, 44100),
        (48000, 320_000, 48000),
        (32000, 320_000, 32000),
        (22050, 320_000, 44100),  # MPEG-2 would cap at 160 kbps
        (16000, 320_000, 44100),
        (8000, 320_000, 44100),
        (88200, 320_000, 44100),
        (96000, 320_000, 48000),
        (192000, 320_000, 48000),
        (22050, 128_000, 22050),  # a bitrate MPEG-2 carries: the source rate stays
        (96000, 128_000, 48000),
    ],
)
def test_the_mp3_rate_carries_the_bitrate(rate, bitrate, expected):
    assert _lame_rate(rate, bitrate) == expected


@pytest.mark.parametrize("source_rate", [22050, 96000])
def test_a_320k_mp3_of_an_unusual_rate_is_320k_and_as_long(tmp_path, source_rate):
    source = tmp_path / "in.flac"
    samples = testing.tone(SECONDS, sample_rate=source_rate, channels=2, freq=330)
    source.write_bytes(testing.encode(samples, "flac", sample_rate=source_rate))
    target = tmp_path / "out.mp3"

    result = transcode(source, target, fmt="mp3")

    with av.open(str(target)) as container:
        stream = container.streams.audio[0]
        assert stream.bit_rate == 320_000
        assert stream.rate == result.sample_rate == _lame_rate(source_rate)
        decoded = sum(frame.samples for frame in container.decode(stream))
    assert abs(decoded / stream.rate - SECONDS) < 0.05
