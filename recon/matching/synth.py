"""Generated test material: a voice-like signal and a "released song" built around a beat excerpt.

Used by the matcher's tests, the benches and the demo data. The voice is a synthetic vowel
stream (a glottal pulse train with a moving pitch through formant resonators, syllable
envelopes and pauses): it has a singer's harmonic, formant-shaped, time-varying spectrum, which is
what masks a beat's peaks. ``espeak-ng`` speech is used instead by the quality bench when present.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

# (F1, F2, F3) in Hz of a few vowels.
VOWELS = (
    (730, 1090, 2440),
    (270, 2290, 3010),
    (300, 870, 2240),
    (530, 1840, 2480),
    (570, 840, 2410),
)


def voice(seconds: float, sample_rate: int, *, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * sample_rate)
    out = np.zeros(n, np.float32)
    pos = 0
    base_pitch = rng.uniform(110, 240)
    while pos < n:
        syl = int(rng.uniform(0.15, 0.45) * sample_rate)
        if rng.random() < 0.15:  # a breath / pause
            pos += int(rng.uniform(0.1, 0.5) * sample_rate)
            continue
        syl = min(syl, n - pos)
        t = np.arange(syl) / sample_rate
        pitch = (
            base_pitch * 2 ** (rng.uniform(-5, 7) / 12) * (1 + 0.02 * np.sin(2 * np.pi * 5.5 * t))
        )
        phase = np.cumsum(pitch / sample_rate)
        pulses = (np.diff(np.floor(phase), prepend=0) > 0).astype(np.float32)
        excitation = signal.lfilter([1.0], [1.0, -0.97], pulses)  # glottal roll-off
        excitation += 0.02 * rng.standard_normal(syl)  # breathiness
        vowel = VOWELS[int(rng.integers(len(VOWELS)))]
        sound = np.zeros(syl)
        for k, formant in enumerate(vowel):
            if formant >= sample_rate / 2 - 200:
                continue
            bw = 80 + 40 * k
            r = np.exp(-np.pi * bw / sample_rate)
            theta = 2 * np.pi * formant / sample_rate
            sound += signal.lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], excitation) / (
                k + 1
            )
        env = np.minimum(1, np.minimum(t / 0.03, (t[-1] - t + 1e-3) / 0.06)) if syl > 1 else 1
        out[pos : pos + syl] += (sound * env).astype(np.float32)
        pos += syl
    peak = np.max(np.abs(out)) or 1.0
    return out / peak


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12)


def compress(x: np.ndarray, *, sample_rate: int, threshold_db: float = -18.0, ratio: float = 4.0):
    """A simple feed-forward RMS compressor plus make-up gain and a hard limiter (loudness war)."""
    win = max(1, int(0.01 * sample_rate))
    power = signal.lfilter([1.0 / win], [1.0, -(1 - 1.0 / win)], x.astype(np.float64) ** 2)
    level_db = 10 * np.log10(power + 1e-12)
    over = np.maximum(level_db - threshold_db, 0)
    gain = 10 ** (-(over * (1 - 1 / ratio)) / 20)
    y = x * gain
    y = y / (np.max(np.abs(y)) + 1e-9) * 1.6
    return np.clip(y, -0.98, 0.98).astype(np.float32)


def song_with_excerpt(
    beat: np.ndarray,
    *,
    sample_rate: int,
    excerpt_start: float,
    excerpt_seconds: float,
    place_at: float,
    song_seconds: float,
    voice_db: float,
    seed: int,
    other: np.ndarray | None = None,
) -> np.ndarray:
    """A mono "released song": silence or ``other`` music around the beat excerpt placed at
    ``place_at`` seconds, a voice over the whole song at ``voice_db`` relative to the beat's RMS,
    then compressed/limited."""
    mono = beat.mean(axis=1) if beat.ndim == 2 else beat
    a = int(excerpt_start * sample_rate)
    excerpt = mono[a : a + int(excerpt_seconds * sample_rate)]
    n = int(song_seconds * sample_rate)
    song = np.zeros(n, np.float32)
    if other is not None:
        o = other.mean(axis=1) if other.ndim == 2 else other
        song[: min(n, len(o))] = o[:n]
    p = int(place_at * sample_rate)
    end = min(n, p + len(excerpt))
    song[p:end] = excerpt[: end - p]
    vox = voice(song_seconds, sample_rate, seed=seed)[:n]
    vox = vox * (rms(excerpt) / rms(vox)) * 10 ** (voice_db / 20)
    return compress(song + vox, sample_rate=sample_rate)
