"""A compact description of how a track sounds, for similarity search and radio. Pure numpy.

From up to two minutes of mono audio at 22.05 kHz, five groups of statistics:

==========  ==  ======================================================================
group       n   what
==========  ==  ======================================================================
timbre      12  mean MFCC 1-12 (40 mel bands, 30 Hz-11 kHz; MFCC 0, loudness, dropped)
texture     12  standard deviation of MFCC 1-12 over time
spectrum     5  centroid (log) and its variation, flatness, energy below 150 Hz and
                above 5 kHz
rhythm       3  tempo (octaves from 120 BPM), onset density, pulse clarity
tonality     3  chroma entropy, chroma concentration, major (+1) or minor (-1)
==========  ==  ======================================================================

Each statistic is standardised with fixed constants (``MEANS``/``SCALES``, measured on
generated beats of every style, tempo and key: ``bench/estimation.py``'s corpus), each group
is weighted (``GROUP_WEIGHTS``: how much of the similarity it decides), and the whole vector is
scaled to unit length. Two unit vectors' Euclidean distance ``d`` gives their cosine similarity
``1 - d²/2``, so a nearest-neighbour index on distance ranks by cosine.

Loudness does not move the vector (MFCC 0 is dropped and every other statistic is a ratio or
a shape), and lossy re-encoding moves it little; ``test_descriptor.py`` checks both.
Bump ``VERSION`` whenever the vector changes meaning: stored descriptors of another version are
recomputed by ``manage.py backfill_descriptors``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from content.audio import estimate

VERSION = 1
ANALYSIS_RATE = estimate.ANALYSIS_RATE
MAX_SECONDS = 120.0
MIN_SECONDS = 3.0
N_FFT = 2048
HOP = 512
N_MELS = 40
N_MFCC = 13
FRAME_BLOCK = 512  # STFT frames per block: bounded memory on long inputs

FEATURES = (
    *(f"mfcc{i}_mean" for i in range(1, 13)),
    *(f"mfcc{i}_std" for i in range(1, 13)),
    "centroid",
    "centroid_variation",
    "flatness",
    "low_energy",
    "high_energy",
    "tempo",
    "onset_density",
    "pulse_clarity",
    "chroma_entropy",
    "chroma_concentration",
    "mode",
)
GROUPS = {
    "timbre": range(0, 12),
    "texture": range(12, 24),
    "spectrum": range(24, 29),
    "rhythm": range(29, 32),
    "tonality": range(32, 35),
}
GROUP_WEIGHTS = {
    "timbre": 0.30,
    "texture": 0.15,
    "spectrum": 0.20,
    "rhythm": 0.25,
    "tonality": 0.10,
}
DIMENSIONS = len(FEATURES)

# Standardisation constants (mean, spread) per feature, measured on 96 generated beats (30 s
# each, content.beatgen: 32 per style, 60-180 BPM, all keys): `bench/similarity.py --calibrate`.
MEANS = (
    9.3369, 8.1751, 3.8615, 3.2941, 2.8953, 1.7679, 1.1861, 1.3622, 0.3832, 0.6837, 0.6844, 0.2969,
    10.3882, 3.3519, 2.1333, 1.7815, 1.9433, 1.8674, 1.9241, 1.9440, 1.9742, 1.7058, 1.6389, 1.6450,
    -1.2490, 1.3626, -1.4621, 0.7382, 0.1019,
    0.0270, 3.5649, 0.8291,
    0.8624, 0.4976, -0.1458,
)  # fmt: skip
SCALES = (
    3.8016, 1.6924, 1.3648, 0.9723, 1.0549, 1.3422, 1.4182, 1.1707, 0.9842, 0.6100, 0.6392, 0.7156,
    3.0646, 0.7092, 0.7007, 0.6544, 0.7081, 0.7321, 0.7645, 0.6549, 0.6737, 0.5684, 0.5398, 0.5764,
    0.4674, 0.1723, 0.2055, 0.1193, 0.0306,
    0.4175, 0.7628, 0.0869,
    0.0448, 0.0528, 0.9893,
)  # fmt: skip


class DescriptorError(ValueError):
    """Not enough audible material to describe."""


@dataclass(frozen=True)
class AudioDescriptor:
    vector: tuple[float, ...]  # unit length, DIMENSIONS values
    tempo: float | None
    key: str | None
    scale: str | None


# --- spectra ---------------------------------------------------------------------------------


def mel_filterbank(sample_rate: int = ANALYSIS_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """Triangular filters on the mel scale, shape (N_MELS, n_fft // 2 + 1), each of area 1."""

    def mel(hz):
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(30.0), mel(min(11000.0, sample_rate / 2)), N_MELS + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    bank = np.zeros((N_MELS, freqs.shape[0]))
    for i in range(N_MELS):
        low, centre, high = edges[i], edges[i + 1], edges[i + 2]
        rising = (freqs - low) / max(centre - low, 1e-9)
        falling = (high - freqs) / max(high - centre, 1e-9)
        bank[i] = np.maximum(0.0, np.minimum(rising, falling))
        area = bank[i].sum()
        if area > 0:
            bank[i] /= area
    return bank


def _dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Orthonormal DCT-II as a matrix (rows: coefficients)."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    matrix = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * math.sqrt(2.0 / n_in)
    matrix[0] /= math.sqrt(2.0)
    return matrix


def _power_frames(samples: np.ndarray):
    """Yield blocks of power spectra, shape (frames, N_FFT // 2 + 1)."""
    window = np.hanning(N_FFT).astype(np.float32)
    if samples.shape[0] < N_FFT:
        samples = np.pad(samples, (0, N_FFT - samples.shape[0]))
    count = 1 + (samples.shape[0] - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        samples, shape=(count, N_FFT), strides=(samples.strides[0] * HOP, samples.strides[0])
    )
    for start in range(0, count, FRAME_BLOCK):
        spectrum = np.fft.rfft(frames[start : start + FRAME_BLOCK] * window, axis=1)
        yield (spectrum.real**2 + spectrum.imag**2).astype(np.float64)


def spectral_statistics(
    samples: np.ndarray, sample_rate: int = ANALYSIS_RATE
) -> tuple[list[float], np.ndarray]:
    """The timbre, texture and spectrum groups (29 values), and an onset envelope (positive
    log-mel flux, one value per STFT hop) for the rhythm group, from one pass of the STFT."""
    bank = mel_filterbank(sample_rate)
    dct = _dct_matrix(N_MELS, N_MFCC)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / sample_rate)
    low_bins, high_bins = freqs < 150.0, freqs > 5000.0
    mfccs, centroids, flatness, energies, lows, highs, fluxes = [], [], [], [], [], [], []
    previous = None
    for power in _power_frames(samples.astype(np.float32, copy=False)):
        total = power.sum(axis=1)
        log_mel = np.log(power @ bank.T + 1e-10)
        mfccs.append(log_mel @ dct.T)
        stacked = log_mel if previous is None else np.vstack([previous[None, :], log_mel])
        flux = np.maximum(0.0, np.diff(stacked, axis=0)).sum(axis=1)
        fluxes.append(flux if previous is not None else np.concatenate([[0.0], flux]))
        previous = log_mel[-1]
        centroids.append((power @ freqs) / np.maximum(total, 1e-12))
        flatness.append(
            np.exp(np.mean(np.log(power + 1e-12), axis=1)) / np.maximum(power.mean(axis=1), 1e-12)
        )
        energies.append(total)
        lows.append(power[:, low_bins].sum(axis=1))
        highs.append(power[:, high_bins].sum(axis=1))
    energy = np.concatenate(energies)
    # Quiet frames (fades, gaps) describe nothing; statistics use frames within 60 dB of the
    # loudest.
    audible = energy > energy.max() * 1e-6
    if audible.sum() < 8:
        raise DescriptorError("The audio is too quiet to describe.")
    mfcc = np.concatenate(mfccs)[audible][:, 1:N_MFCC]
    centroid = np.concatenate(centroids)[audible]
    log_centroid = np.log2(np.maximum(centroid, 1.0) / 1000.0)
    total_energy = energy[audible].sum()
    values = [
        *mfcc.mean(axis=0).tolist(),
        *mfcc.std(axis=0).tolist(),
        float(log_centroid.mean()),
        float(centroid.std() / max(centroid.mean(), 1e-9)),
        float(np.log10(max(float(np.concatenate(flatness)[audible].mean()), 1e-12))),
        float(np.concatenate(lows)[audible].sum() / total_energy),
        float(np.concatenate(highs)[audible].sum() / total_energy),
    ]
    return values, np.concatenate(fluxes)


def rhythm_statistics(
    envelope: np.ndarray, samples: np.ndarray, *, tempo: float | None,
    sample_rate: int = ANALYSIS_RATE,
) -> tuple[list[float], float | None]:  # fmt: skip
    """The rhythm group (3 values) and the tempo: ``tempo`` when known (the track's BPM),
    otherwise estimated (``estimate.estimate_tempo``, the slow part of the descriptor)."""
    fps = sample_rate / HOP
    seconds = samples.shape[0] / sample_rate
    threshold = envelope.mean() + envelope.std()
    peaks = (
        (envelope[1:-1] > envelope[:-2])
        & (envelope[1:-1] >= envelope[2:])
        & (envelope[1:-1] > threshold)
    )
    density = float(peaks.sum() / max(seconds, 1e-9))
    centred = envelope - envelope.mean()
    size = 1 << int(np.ceil(np.log2(2 * max(centred.shape[0], 1))))
    spectrum = np.fft.rfft(centred, n=size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), n=size)[: centred.shape[0]]
    clarity = 0.0
    if acf.shape[0] and acf[0] > 0:
        low, high = int(0.25 * fps), min(int(2.0 * fps), acf.shape[0] - 1)
        if high > low:
            clarity = float(acf[low:high].max() / acf[0])
    if not tempo:
        try:
            tempo = estimate.estimate_tempo(samples, sample_rate).bpm_exact
        except estimate.EstimationError:
            tempo = None
    tempo_octaves = math.log2(tempo / 120.0) if tempo else 0.0
    return [tempo_octaves, density, clarity], tempo


def tonal_statistics(
    samples: np.ndarray, *, key: str | None, scale: str | None, sample_rate: int = ANALYSIS_RATE
):
    """The tonality group (3 values) and the key and scale: the given ones (the track's) when
    known, otherwise estimated (or None, None)."""
    upper, bass = estimate.chroma(samples, sample_rate)
    chroma = upper + 0.5 * bass
    total = chroma.sum()
    if total <= 0:
        entropy, concentration = 1.0, 0.25
    else:
        p = chroma / total
        entropy = float(-(p * np.log(np.maximum(p, 1e-12))).sum() / math.log(12))
        concentration = float(np.sort(p)[-3:].sum())
    if scale not in ("major", "minor"):
        try:
            estimated = estimate.estimate_key(samples, sample_rate)
            key, scale = estimated.key, estimated.scale
        except estimate.EstimationError:
            key, scale = None, None
    mode = {"major": 1.0, "minor": -1.0}.get(scale or "", 0.0)
    return [entropy, concentration, mode], key, scale


def raw_features(
    samples: np.ndarray,
    sample_rate: int = ANALYSIS_RATE,
    *,
    tempo: float | None = None,
    key: str | None = None,
    scale: str | None = None,
):
    """All DIMENSIONS statistics before standardisation, and tempo, key, scale."""
    if samples.shape[0] < MIN_SECONDS * sample_rate:
        raise DescriptorError(f"At least {MIN_SECONDS:.0f} seconds of audio are needed.")
    if float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) < 1e-4:
        raise DescriptorError("The audio is silent.")
    spectral, envelope = spectral_statistics(samples, sample_rate)
    rhythm, tempo = rhythm_statistics(envelope, samples, tempo=tempo, sample_rate=sample_rate)
    tonal, key, scale = tonal_statistics(samples, key=key, scale=scale, sample_rate=sample_rate)
    return np.array(spectral + rhythm + tonal, dtype=np.float64), tempo, key, scale


def to_vector(features: np.ndarray) -> tuple[float, ...]:
    """Standardise, weight each group, scale to unit length."""
    z = (features - np.asarray(MEANS)) / np.asarray(SCALES)
    z = np.clip(z, -6.0, 6.0)  # one freak statistic must not own the whole vector
    for group, indices in GROUPS.items():
        z[list(indices)] *= math.sqrt(GROUP_WEIGHTS[group] / len(indices))
    norm = float(np.linalg.norm(z))
    if norm == 0.0:
        raise DescriptorError("The audio has nothing to tell it apart.")
    return tuple(round(float(x), 6) for x in z / norm)


def describe_samples(
    samples: np.ndarray,
    sample_rate: int = ANALYSIS_RATE,
    *,
    tempo: float | None = None,
    key: str | None = None,
    scale: str | None = None,
) -> AudioDescriptor:
    """Describe mono float32 ``samples``. A known tempo/key/scale (the track's own, set by its
    producer) is used as is; only missing ones are estimated."""
    features, tempo, key, scale = raw_features(
        samples, sample_rate, tempo=tempo, key=key, scale=scale
    )
    return AudioDescriptor(
        vector=to_vector(features),
        tempo=round(tempo, 2) if tempo else None,
        key=key,
        scale=scale,
    )


def describe_file(
    path: str | Path,
    *,
    max_seconds: float = MAX_SECONDS,
    tempo: float | None = None,
    key: str | None = None,
    scale: str | None = None,
) -> AudioDescriptor:
    """Decode (streaming, resampled to 22.05 kHz mono) and describe the first ``max_seconds``.
    Raises ``DecodeError`` for undecodable audio, ``DescriptorError`` for too little sound."""
    from content.audio.decode import iter_mono_chunks

    chunks = iter_mono_chunks(path, sample_rate=ANALYSIS_RATE)
    samples = estimate.collect(chunks, max_seconds=max_seconds)
    return describe_samples(samples, tempo=tempo, key=key, scale=scale)


SIGNATURE_BITS = 256
_HYPERPLANES = np.random.default_rng(20260101).standard_normal((SIGNATURE_BITS, DIMENSIONS))


def signature(vector) -> bytes:
    """A 256-bit SimHash of a unit vector: one bit per fixed random hyperplane, set when the
    vector lies on its positive side. The share of differing bits between two signatures
    estimates the angle between their vectors (angle = pi * share), so the Hamming distance
    shortlists near neighbours from 32 bytes per track instead of 35 floats."""
    bits = (_HYPERPLANES @ np.asarray(vector, dtype=np.float64)) >= 0.0
    return np.packbits(bits).tobytes()


def similarity(a, b) -> float:
    """Cosine similarity of two descriptor vectors."""
    return float(np.dot(np.asarray(a), np.asarray(b)))


def calibrate(feature_rows: np.ndarray) -> tuple[list[float], list[float]]:
    """MEANS and SCALES from raw feature rows (one per reference track): mean and standard
    deviation per feature (a spread of 0 becomes 1)."""
    means = feature_rows.mean(axis=0)
    spreads = feature_rows.std(axis=0)
    spreads[spreads < 1e-6] = 1.0
    return [round(float(m), 4) for m in means], [round(float(s), 4) for s in spreads]
