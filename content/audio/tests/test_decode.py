import numpy as np
import pytest

from content import testing
from content.audio import probe
from content.audio.decode import DecodeError, iter_mono_chunks, verify_complete
from content.beatgen import render_beat

RATE = 22050


@pytest.fixture(scope="module")
def beat():
    return render_beat(seed=5, bpm=120, key="A", scale="minor", seconds=6, sample_rate=RATE)


def _damage_middle(data: bytes, size: int) -> bytes:
    mid = len(data) // 2
    return data[:mid] + np.random.default_rng(0).bytes(size) + data[mid + size :]


def test_flac_damage_that_ffmpeg_only_logs_is_an_error(tmp_path, beat):
    # FFmpeg's FLAC decoder skips the damaged frame and logs "invalid subframe padding"; the
    # decoded length stays within 2% of the header, so only the log reveals it.
    data = _damage_middle(testing.encode(beat, "flac", sample_rate=RATE), 4000)
    path = testing.write(tmp_path / "damaged.flac", data)
    with pytest.raises(DecodeError, match="corrupt"):
        list(iter_mono_chunks(path))


@pytest.mark.parametrize("fmt", ["flac", "wav", "aiff"])
def test_cut_off_files_are_reported_as_truncated(tmp_path, beat, fmt):
    data = testing.encode(beat, fmt, sample_rate=RATE)
    path = testing.write(tmp_path / f"cut.{fmt}", data[: len(data) // 2])
    info = probe.probe_audio(path, fmt)
    with pytest.raises(DecodeError, match="truncated"):
        verify_complete(path, expected_frames=info.frames)


@pytest.mark.parametrize("fmt", ["flac", "wav", "aiff"])
def test_intact_files_decode_to_exactly_their_header_length(tmp_path, beat, fmt):
    path = testing.write(tmp_path / f"ok.{fmt}", testing.encode(beat, fmt, sample_rate=RATE))
    info = probe.probe_audio(path, fmt)

    decoded = verify_complete(path, expected_frames=info.frames)

    assert decoded.frames == info.frames == 6 * RATE
    assert decoded.duration_ms == 6000


def test_chunks_have_fixed_size_and_resample(tmp_path, beat):
    path = testing.write(tmp_path / "a.wav", testing.encode(beat, "wav", sample_rate=RATE))
    chunks = list(iter_mono_chunks(path, sample_rate=11025, chunk_frames=4096))
    assert all(c.shape == (4096,) for c in chunks[:-1])
    assert abs(sum(c.shape[0] for c in chunks) - 6 * 11025) < 64
    assert chunks[0].dtype == np.float32


def test_random_bytes_cannot_be_opened(tmp_path):
    path = testing.write(tmp_path / "x.mp3", np.random.default_rng(3).bytes(5000))
    with pytest.raises(DecodeError):
        list(iter_mono_chunks(path))
