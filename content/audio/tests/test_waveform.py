import numpy as np
import pytest

from content import testing
from content.audio.waveform import WaveformError, compute_peaks, peaks_from_chunks


def _chunks(samples: np.ndarray, size: int = 1000):
    for start in range(0, samples.shape[0], size):
        yield samples[start : start + size]


def test_tone_with_a_silent_second_half_has_flat_second_half(tmp_path):
    rate = 8000
    loud = testing.tone(2.0, freq=200, sample_rate=rate, amplitude=0.5)[:, 0]
    samples = np.concatenate([loud, np.zeros_like(loud)])
    path = testing.write(tmp_path / "half.wav", testing.wav_bytes(samples, rate))

    waveform = compute_peaks(path, buckets=100, expected_frames=samples.shape[0])

    peaks = np.array(waveform.peaks).reshape(-1, 2)
    assert peaks.shape == (100, 2)
    assert waveform.frames == samples.shape[0]
    # Normalised: the loud half reaches ±1, the silent half is exactly flat.
    assert np.allclose(peaks[:49, 0], -1.0, atol=0.01)
    assert np.allclose(peaks[:49, 1], 1.0, atol=0.01)
    assert np.all(peaks[51:] == 0.0)


def test_ramp_peaks_grow_linearly_and_stay_in_range():
    samples = np.linspace(0.0, 0.5, 48000, dtype=np.float32)

    peaks = np.array(peaks_from_chunks(_chunks(samples), buckets=10).peaks).reshape(-1, 2)

    maxima = peaks[:, 1]
    assert np.all(np.diff(maxima) > 0)
    assert maxima[-1] == pytest.approx(1.0)
    assert maxima[4] == pytest.approx(0.5, abs=0.02)
    assert peaks.min() >= -1.0
    assert peaks.max() <= 1.0


def test_more_buckets_than_samples_still_gives_every_bucket():
    samples = np.array([0.1, -0.2, 0.4], dtype=np.float32)
    peaks = peaks_from_chunks(iter([samples]), buckets=8).peaks
    assert len(peaks) == 16
    assert max(peaks) == 1.0


def test_default_resolution_is_1800_buckets():
    samples = np.sin(np.linspace(0, 400, 44100)).astype(np.float32)
    assert len(peaks_from_chunks(_chunks(samples)).peaks) == 3600


def test_empty_audio_is_an_error():
    with pytest.raises(WaveformError):
        peaks_from_chunks(iter([]))


def test_random_bytes_are_a_waveform_error(tmp_path):
    path = testing.write(tmp_path / "noise.wav", np.random.default_rng(1).bytes(20000))
    with pytest.raises(WaveformError):
        compute_peaks(path)


@pytest.mark.parametrize("fmt", ["flac", "mp3", "aiff"])
def test_stereo_peaks_cover_both_channels_in_packed_and_planar_formats(tmp_path, fmt):
    # Left channel loud in the first half only, right channel always silent: whatever the
    # decoder's layout (FLAC/AIFF packed s16, MP3 planar float), the halves must show.
    rate = 22050
    left = np.concatenate([testing.tone(2.0, sample_rate=rate)[:, 0], np.zeros(2 * rate)])
    stereo = np.stack([left, np.zeros_like(left)], axis=1).astype(np.float32)
    path = testing.write(tmp_path / f"s.{fmt}", testing.encode(stereo, fmt, sample_rate=rate))

    waveform = compute_peaks(path, buckets=40, expected_frames=4 * rate)

    peaks = np.array(waveform.peaks).reshape(-1, 2)
    assert peaks[2:18, 1].min() > 0.9
    assert peaks[2:18, 0].max() < -0.9
    assert np.abs(peaks[23:38]).max() < 0.05
