"""Audio descriptors: unit vectors that place copies together and different beats apart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from content import testing
from content.audio import descriptor
from content.beatgen import render_beat

RATE = descriptor.ANALYSIS_RATE


@pytest.fixture(scope="module")
def trap_beat() -> np.ndarray:
    return render_beat(
        seed=5, bpm=140, key="A", scale="minor", seconds=20, sample_rate=44100, style="trap"
    )


def describe(stereo: np.ndarray, rate: int = 44100, **known) -> np.ndarray:
    mono = stereo.mean(axis=1) if stereo.ndim == 2 else stereo
    if rate != RATE:
        from scipy.signal import resample_poly

        mono = resample_poly(mono, RATE, rate).astype(np.float32)
    return np.array(descriptor.describe_samples(mono, **known).vector)


def test_the_vector_has_unit_length_and_the_documented_size(trap_beat):
    vector = describe(trap_beat, tempo=140, key="A", scale="minor")

    assert vector.shape == (descriptor.DIMENSIONS,)
    assert math.isclose(float(np.linalg.norm(vector)), 1.0, abs_tol=1e-5)
    assert len(descriptor.FEATURES) == len(descriptor.MEANS) == len(descriptor.SCALES)
    assert sum(len(r) for r in descriptor.GROUPS.values()) == descriptor.DIMENSIONS


def test_loudness_does_not_move_the_vector(trap_beat):
    loud = describe(trap_beat, tempo=140, key="A", scale="minor")
    quiet = describe(trap_beat * 0.25, tempo=140, key="A", scale="minor")

    assert descriptor.similarity(loud, quiet) > 0.999


def test_an_mp3_copy_is_closer_than_a_sibling_beat_and_far_closer_than_another_style(
    trap_beat, tmp_path
):
    original = describe(trap_beat, tempo=140, key="A", scale="minor")
    mp3 = testing.write(tmp_path / "copy.mp3", testing.encode(trap_beat, "mp3", bitrate=128000))
    copy = np.array(descriptor.describe_file(mp3, tempo=140, key="A", scale="minor").vector)
    sibling = describe(
        render_beat(seed=6, bpm=140, key="A", scale="minor", seconds=20, style="trap"),
        tempo=140,
        key="A",
        scale="minor",
    )
    boom_bap = describe(
        render_beat(seed=7, bpm=86, key="D", scale="major", seconds=20, style="boom-bap"),
        tempo=86,
        key="D",
        scale="major",
    )

    to_copy = descriptor.similarity(original, copy)
    to_sibling = descriptor.similarity(original, sibling)
    to_boom_bap = descriptor.similarity(original, boom_bap)
    assert to_copy > 0.97
    assert to_copy > to_sibling > to_boom_bap


def test_tempo_and_key_are_estimated_only_when_unknown(trap_beat):
    known = descriptor.describe_samples(
        trap_beat.mean(axis=1)[::2].copy(), tempo=141.0, key="C", scale="major"
    )
    estimated = descriptor.describe_samples(trap_beat.mean(axis=1)[::2].copy())

    assert (known.tempo, known.key, known.scale) == (141.0, "C", "major")
    assert abs(estimated.tempo - 140) <= 1
    assert estimated.scale in ("major", "minor")


@pytest.mark.parametrize(
    "samples",
    [np.zeros(RATE * 10, dtype=np.float32), np.full(RATE * 2, 0.2, dtype=np.float32)],
    ids=["silence", "two-seconds"],
)
def test_silence_and_too_short_audio_are_refused(samples):
    with pytest.raises(descriptor.DescriptorError):
        descriptor.describe_samples(samples)


def test_calibration_standardises_its_own_rows():
    rows = np.random.default_rng(1).normal(3.0, 2.0, size=(200, descriptor.DIMENSIONS))

    means, spreads = descriptor.calibrate(rows)

    assert np.allclose(means, rows.mean(axis=0), atol=1e-3)
    assert np.allclose(spreads, rows.std(axis=0), atol=1e-3)
