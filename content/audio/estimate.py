"""Tempo and key estimation for beat music. Pure numpy/scipy, no Django.

Tempo
    An onset-strength envelope (log-magnitude spectral flux, 172 frames/s) is analysed with a
    zero-padded FFT, which gives its periodicities to a hundredth of a BPM on steady material.
    The candidate beat rates are the peaks of a metrical comb (salience at the beat, half-beat
    and bar levels). Octave errors are then resolved the way producers count: the beat is the
    fastest in-range level that is itself *subdivided* by a strong pulse at twice its rate
    (hats on eighths). A half-time trap beat at 140 has its snare every bar and its kick
    pattern every two beats (the 70 a naive tracker reports), but hats at 280 per minute, so
    140 wins; a boom-bap beat at 90 has hats at 180 and nothing at 360, so 180 loses.

Key
    A chroma vector from the harmonic part of the spectrum (median-filtered in time to drop drum
    hits, whitened across frequency so only sharp partials count) and a bass chroma (notes
    below C3) first decide the diatonic collection (which 7 notes), then its tonic (major key
    or relative minor) from the bass. See ``estimate_key``.

Results carry ``estimated=True`` and a confidence in [0, 1].
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

ANALYSIS_RATE = 22050
ONSET_HOP = 128
ONSET_FFT = 1024
BPM_MIN, BPM_MAX = 50.0, 200.0
# A level counts as subdivided when the pulse at twice its rate is at least this strong
# relative to its own pulse (measured on bench/estimation.py).
SUBDIVISION_RATIO = 0.5
CHROMA_MEDIAN_FRAMES = 3
CHROMA_OVERTONE_SUPPRESSION = 0.0
CHROMA_PEAK_THRESHOLD = 1.0
BASS_WEIGHT = 0.5
OPENING_FRAMES = 8
OPENING_WEIGHT = 0.5
DIATONIC_MASK = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], dtype=float)
PITCH_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = {"C#": "Db", "D#": "Eb", "F#": "F#", "G#": "Ab", "A#": "Bb"}


@dataclass(frozen=True)
class TempoEstimate:
    bpm: int
    bpm_exact: float
    confidence: float
    estimated: bool = True


@dataclass(frozen=True)
class KeyEstimate:
    key: str  # pitch class name as the catalog spells it (sharps, except Eb/Ab/Bb)
    scale: str  # "major" | "minor"
    confidence: float
    estimated: bool = True


class EstimationError(ValueError):
    """Not enough audible material to estimate from."""


# --- shared analysis --------------------------------------------------------------------------


def _frames(signal: np.ndarray, size: int, hop: int) -> np.ndarray:
    if signal.shape[0] < size:
        signal = np.pad(signal, (0, size - signal.shape[0]))
    count = 1 + (signal.shape[0] - size) // hop
    return np.lib.stride_tricks.as_strided(
        signal, shape=(count, size), strides=(signal.strides[0] * hop, signal.strides[0])
    )


def onset_envelope(samples: np.ndarray, sample_rate: int = ANALYSIS_RATE) -> np.ndarray:
    """Log-magnitude spectral flux, half-wave rectified, one value per ``ONSET_HOP`` samples."""
    window = np.hanning(ONSET_FFT).astype(np.float32)
    envelope_parts = []
    previous = None
    block = 4096  # frames per block keeps the STFT's memory bounded on long inputs
    frames = _frames(samples.astype(np.float32, copy=False), ONSET_FFT, ONSET_HOP)
    for start in range(0, frames.shape[0], block):
        spectrum = np.abs(np.fft.rfft(frames[start : start + block] * window, axis=1))
        log_spec = np.log1p(1000.0 * spectrum)
        if previous is not None:
            log_spec_full = np.vstack([previous[None, :], log_spec])
        else:
            log_spec_full = np.vstack([log_spec[:1], log_spec])
        flux = np.maximum(0.0, np.diff(log_spec_full, axis=0)).sum(axis=1)
        envelope_parts.append(flux)
        previous = log_spec[-1]
    envelope = np.concatenate(envelope_parts) if envelope_parts else np.zeros(1)
    # Remove the slow trend so that only the pulses remain.
    from scipy.ndimage import uniform_filter1d

    trend = uniform_filter1d(envelope, size=int(sample_rate / ONSET_HOP))
    return np.maximum(0.0, envelope - trend)


def _periodicity_spectrum(envelope: np.ndarray, fps: float) -> tuple[np.ndarray, float]:
    """Magnitude of the zero-padded FFT of the envelope; returns (magnitudes, bpm per bin)."""
    centred = envelope - envelope.mean()
    centred = centred * np.hanning(centred.shape[0])
    size = 1 << 20
    while size < 8 * centred.shape[0]:
        size <<= 1
    magnitudes = np.abs(np.fft.rfft(centred, n=size))
    return magnitudes, fps * 60.0 / size


def _autocorrelation(envelope: np.ndarray) -> np.ndarray:
    """Autocorrelation normalised so that lag 0 is 1 (computed through the FFT)."""
    centred = envelope - envelope.mean()
    size = 1 << int(np.ceil(np.log2(2 * centred.shape[0])))
    spectrum = np.fft.rfft(centred, n=size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), n=size)[: centred.shape[0]]
    # Unbiased: correct for the shrinking overlap at long lags.
    acf = acf / np.maximum(centred.shape[0] - np.arange(centred.shape[0]), 1)
    return acf / acf[0] if acf[0] > 0 else acf


def _salience(magnitudes: np.ndarray, bpm_per_bin: float, bpm: float) -> float:
    """Peak magnitude within ±1.5% of ``bpm`` (tolerates slight drift and bin spacing)."""
    lo = int((bpm * 0.985) / bpm_per_bin)
    hi = int(np.ceil((bpm * 1.015) / bpm_per_bin)) + 1
    hi = min(hi, magnitudes.shape[0])
    if lo >= hi:
        return 0.0
    return float(magnitudes[lo:hi].max())


def _refine_peak(magnitudes: np.ndarray, bpm_per_bin: float, bpm: float) -> float:
    lo = int((bpm * 0.985) / bpm_per_bin)
    hi = min(int(np.ceil((bpm * 1.015) / bpm_per_bin)) + 1, magnitudes.shape[0] - 1)
    idx = lo + int(np.argmax(magnitudes[lo:hi]))
    if 0 < idx < magnitudes.shape[0] - 1:
        a, b, c = magnitudes[idx - 1], magnitudes[idx], magnitudes[idx + 1]
        denom = a - 2 * b + c
        offset = 0.5 * (a - c) / denom if denom else 0.0
        return (idx + offset) * bpm_per_bin
    return idx * bpm_per_bin


# --- tempo ------------------------------------------------------------------------------------


def estimate_tempo(samples: np.ndarray, sample_rate: int = ANALYSIS_RATE) -> TempoEstimate:
    """Tempo of mono ``samples`` (float32 at ``sample_rate``), octave-resolved for beat music."""
    if samples.shape[0] < sample_rate * 3:
        raise EstimationError("At least 3 seconds of audio are needed to estimate the tempo.")
    envelope = onset_envelope(samples, sample_rate)
    if float(envelope.max(initial=0.0)) <= 1e-6:
        raise EstimationError("The audio has no rhythmic content to estimate a tempo from.")
    fps = sample_rate / ONSET_HOP
    magnitudes, bpm_per_bin = _periodicity_spectrum(envelope, fps)

    def sal(bpm: float) -> float:
        return _salience(magnitudes, bpm_per_bin, bpm)

    # Metrical comb over the catalog's range, 0.25 BPM steps: the beat, its eighths and its bar.
    grid = np.arange(BPM_MIN * 0.97, BPM_MAX * 1.03, 0.25)
    comb = np.array(
        [sal(b) + 0.5 * sal(2 * b) + 0.5 * sal(b / 2) + 0.25 * sal(4 * b) for b in grid]
    )
    from scipy.signal import find_peaks

    peak_idx, _ = find_peaks(comb)
    if peak_idx.size == 0:
        peak_idx = np.array([int(np.argmax(comb))])
    best = grid[peak_idx[np.argmax(comb[peak_idx])]]
    best = _refine_peak(magnitudes, bpm_per_bin, best) if sal(best) > 0 else best

    # Octave candidates of the winning pulse inside the allowed range.
    candidates = sorted(
        {round(best * f, 4) for f in (0.25, 0.5, 1.0, 2.0, 4.0) if BPM_MIN <= best * f <= BPM_MAX},
        reverse=True,
    )
    if not candidates:
        candidates = [min(max(best, BPM_MIN), BPM_MAX)]
    # The periodicity spectrum of a pulse train also peaks at its harmonics, so whether a level
    # is really subdivided is asked of the autocorrelation instead (which has no harmonics,
    # only sub-harmonics: it cannot invent a faster pulse).
    acf = _autocorrelation(envelope)

    def pulse(bpm: float) -> float:
        lag = 60.0 * fps / bpm
        lo, hi = int(lag * 0.98), int(np.ceil(lag * 1.02)) + 1
        if hi >= acf.shape[0]:
            return 0.0
        return float(acf[lo:hi].max())

    chosen = None
    for bpm in candidates:  # fastest first
        if pulse(bpm) >= 0.2 and pulse(2 * bpm) >= SUBDIVISION_RATIO * pulse(bpm):
            chosen = bpm
            break
    if chosen is None:
        chosen = max(candidates, key=sal)
    exact = _refine_peak(magnitudes, bpm_per_bin, chosen)
    # Confidence: how much the chosen pulse stands out from the periodicity floor.
    band = magnitudes[int(BPM_MIN / bpm_per_bin) : int(4 * BPM_MAX / bpm_per_bin)]
    floor = float(np.median(band)) or 1e-9
    contrast = sal(exact) / floor
    confidence = float(np.clip((contrast - 2.0) / 18.0, 0.0, 1.0))
    return TempoEstimate(
        bpm=int(round(min(max(exact, BPM_MIN), BPM_MAX))),
        bpm_exact=round(float(exact), 2),
        confidence=round(confidence, 3),
    )


# --- key --------------------------------------------------------------------------------------


def chroma(
    samples: np.ndarray, sample_rate: int = ANALYSIS_RATE, *, opening_frames: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (chroma above the bass, bass chroma), each of shape (12,).

    With ``opening_frames`` only that many analysis frames (186 ms each) are summed, starting
    at the first frame with tonal content (leading silence is skipped).

    Pipeline: STFT (16384 points) → harmonic part (median across ~1.7 s removes drum hits) →
    semitone spectrum (MIDI 33-96) → harmonic suppression (each note's overtones, at the
    energies of a bright synth, are subtracted from the notes they land on, lowest first) →
    folded onto pitch classes.
    """
    from scipy.ndimage import median_filter

    size = 16384
    hop = 4096
    window = np.hanning(size).astype(np.float32)
    freqs = np.fft.rfftfreq(size, 1.0 / sample_rate)
    low_midi, high_midi = 33, 96
    valid = (freqs >= 440.0 * 2 ** ((low_midi - 0.5 - 69) / 12)) & (
        freqs < 440.0 * 2 ** ((high_midi + 0.5 - 69) / 12)
    )
    midi = np.round(69 + 12 * np.log2(np.maximum(freqs[valid], 1e-9) / 440.0)).astype(int)
    note_index = midi - low_midi
    n_notes = high_midi - low_midi + 1
    frames = _frames(samples.astype(np.float32, copy=False), size, hop)
    spectrum = np.empty((frames.shape[0], int(valid.sum())), dtype=np.float32)
    for start in range(0, frames.shape[0], 64):
        block = np.abs(np.fft.rfft(frames[start : start + 64] * window, axis=1))
        spectrum[start : start + 64] = block[:, valid]
    harmonic = median_filter(spectrum, size=(CHROMA_MEDIAN_FRAMES, 1), mode="nearest")
    harmonic = harmonic.astype(np.float64)
    # Whitening: each bin relative to its spectral neighbourhood (a sliding mean over ~40 bins),
    # so sharp partials stand out and broad humps (kick drums, noise) flatten to nothing.
    from scipy.ndimage import uniform_filter1d

    envelope = uniform_filter1d(harmonic, size=41, axis=1, mode="nearest")
    ratio = np.log(harmonic + 1e-9) - np.log(envelope + 1e-9)
    peakiness = np.maximum(0.0, ratio - CHROMA_PEAK_THRESHOLD)
    notes = np.zeros((harmonic.shape[0], n_notes))
    for i in range(n_notes):
        cols = note_index == i
        if cols.any():
            notes[:, i] = peakiness[:, cols].max(axis=1)
    if CHROMA_OVERTONE_SUPPRESSION:
        for i in range(n_notes):
            for h in range(2, 7):
                j = i + int(round(12 * np.log2(h)))
                if j < n_notes:
                    notes[:, j] = np.maximum(
                        0.0, notes[:, j] - CHROMA_OVERTONE_SUPPRESSION * notes[:, i] / h
                    )
    totals = notes.sum(axis=1, keepdims=True)
    notes = notes / np.maximum(totals, 1e-12)
    if opening_frames is not None:
        voiced = np.flatnonzero(totals[:, 0] > 0)
        first = int(voiced[0]) if voiced.size else 0
        notes = notes[first : first + opening_frames]
    per_note = notes.sum(axis=0)
    pcs = (np.arange(n_notes) + low_midi) % 12
    bass_notes = np.arange(n_notes) + low_midi < 48
    full_chroma = np.bincount(pcs[~bass_notes], weights=per_note[~bass_notes], minlength=12)
    bass_chroma = np.bincount(pcs[bass_notes], weights=per_note[bass_notes], minlength=12)
    return full_chroma, bass_chroma


def estimate_key(samples: np.ndarray, sample_rate: int = ANALYSIS_RATE) -> KeyEstimate:
    """Key in two steps: the diatonic collection, then its tonic (major or relative minor).

    1. The collection: the chroma (plus half the bass chroma) is correlated with the 12
       rotations of a flat 7-note diatonic mask. Which notes are present is robust evidence;
       how strongly each is weighted (the job of a key profile) is where profiles confuse a
       key with its dominant or subdominant.
    2. The tonic, between the collection's major key and its relative minor: the bass plays
       chord roots and lands on the tonic most, then the tonic in the upper chroma, then the
       bass fifth; plus the opening (~1.5 s of the first tonal audio): a beat's loop most often
       starts on its tonic chord, which settles relative major/minor when a progression gives
       both roots equal time (i-VI-III-VII).
    Measured on bench/estimation.py (48 beats, 24 keys, seeds never used for tuning): key
    profiles 72.9% → collection + bass tonic 87.5% → with the opening cue 91.7%.
    """
    if samples.shape[0] < sample_rate * 2:
        raise EstimationError("At least 2 seconds of audio are needed to estimate the key.")
    if float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) < 1e-4:
        raise EstimationError("The audio is silent; no key can be estimated.")
    full_chroma, bass_chroma = chroma(samples, sample_rate)
    if full_chroma.sum() <= 0 and bass_chroma.sum() <= 0:
        raise EstimationError("The audio has no tonal content to estimate a key from.")
    upper = full_chroma / max(full_chroma.sum(), 1e-12)
    bass = bass_chroma / max(bass_chroma.sum(), 1e-12)
    vector = upper + BASS_WEIGHT * bass
    if np.allclose(vector, vector[0]):
        raise EstimationError("The audio has no tonal content to estimate a key from.")
    fits = sorted(
        ((float(np.corrcoef(vector, np.roll(DIATONIC_MASK, t))[0, 1]), t) for t in range(12)),
        reverse=True,
    )
    fit, collection = fits[0]
    candidates = [(collection, "major"), ((collection + 9) % 12, "minor")]

    opening_upper, opening_bass = chroma(samples, sample_rate, opening_frames=OPENING_FRAMES)
    opening_upper = opening_upper / max(opening_upper.sum(), 1e-12)
    opening_bass = opening_bass / max(opening_bass.sum(), 1e-12)

    def tonic_score(candidate) -> float:
        tonic = candidate[0]
        return float(
            bass[tonic]
            + 0.5 * upper[tonic]
            + 0.25 * bass[(tonic + 7) % 12]
            + OPENING_WEIGHT * (opening_bass[tonic] + 0.5 * opening_upper[tonic])
        )

    scored = sorted(((tonic_score(c), c) for c in candidates), reverse=True)
    (best_score, (tonic, scale)), (runner_score, _) = scored
    collection_margin = fit - fits[1][0]
    tonic_margin = (best_score - runner_score) / max(best_score, 1e-12)
    confidence = float(np.clip(2.0 * collection_margin + 0.5 * tonic_margin, 0.0, 1.0))
    name = PITCH_NAMES[tonic]
    return KeyEstimate(key=FLAT_NAMES.get(name, name), scale=scale, confidence=round(confidence, 3))


# --- convenience ------------------------------------------------------------------------------


def collect(chunks: Iterable[np.ndarray], *, max_seconds: float = 120.0) -> np.ndarray:
    """Concatenate decoded chunks up to ``max_seconds`` of audio at ``ANALYSIS_RATE``."""
    limit = int(max_seconds * ANALYSIS_RATE)
    parts: list[np.ndarray] = []
    total = 0
    for chunk in chunks:
        take = chunk[: limit - total]
        parts.append(take)
        total += take.shape[0]
        if total >= limit:
            break
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
