"""A small beat synthesizer for tests, benches and demo data. Pure numpy, no Django.

``render_beat`` makes a beat with drums, an 808-style bass, chords and a melody at a known tempo
and key, so tempo/key estimation and duplicate detection can be measured against ground truth.
Everything that is not fixed by the arguments (drum pattern, melody, timbres, mix, panning) comes
from ``seed``: two beats with the same tempo, key and ``progression`` but different seeds are
"siblings" — musically alike, acoustically different.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NOTE_INDEX = {
    "C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6,
    "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11,
}  # fmt: skip
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
# Chord progressions as 0-based scale degrees, one chord per bar; each starts on the tonic.
PROGRESSIONS = {
    "minor": ((0, 5, 2, 6), (0, 3, 4, 0), (0, 6, 5, 6), (0, 5, 3, 4), (0, 0, 5, 4)),
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 4, 4), (0, 3, 0, 4), (0, 5, 1, 4)),
}
STYLES = ("trap", "boom-bap", "four-on-floor")


@dataclass(frozen=True)
class BeatSpec:
    seed: int
    bpm: float
    key: str
    scale: str
    progression: tuple[int, ...]
    style: str


def midi_to_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12)


def _env(n: int, sr: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(n) / sr
    a = np.minimum(1.0, t / max(attack, 1e-4))
    return (a * np.exp(-t / max(decay, 1e-4))).astype(np.float32)


def _add(buf: np.ndarray, start: int, sound: np.ndarray) -> None:
    if start >= buf.shape[0]:
        return
    end = min(buf.shape[0], start + sound.shape[0])
    buf[start:end] += sound[: end - start]


def _kick(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.35 * sr)
    t = np.arange(n) / sr
    f0, f1 = rng.uniform(120, 180), rng.uniform(42, 55)
    freq = f1 + (f0 - f1) * np.exp(-t * rng.uniform(25, 45))
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return (np.sin(phase) * _env(n, sr, 0.001, rng.uniform(0.12, 0.25))).astype(np.float32)


def _snare(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.25 * sr)
    noise = rng.standard_normal(n).astype(np.float32)
    noise = np.diff(noise, prepend=0.0)  # crude high-pass: brighter noise
    tone = np.sin(2 * np.pi * rng.uniform(170, 230) * np.arange(n) / sr)
    body = 0.6 * noise * _env(n, sr, 0.001, rng.uniform(0.05, 0.12))
    return (body + 0.5 * tone * _env(n, sr, 0.001, 0.05)).astype(np.float32) * 0.7


def _hat(sr: int, rng: np.random.Generator, length: float = 0.05) -> np.ndarray:
    n = int(length * sr)
    noise = np.diff(np.diff(rng.standard_normal(n + 2))).astype(np.float32)
    return noise * _env(n, sr, 0.0005, length / 3) * 0.18


def _osc(freq: float, n: int, sr: int, shape: str, detune: float = 0.0) -> np.ndarray:
    t = np.arange(n) / sr
    phase = (freq * (1 + detune)) * t
    if shape == "sine":
        return np.sin(2 * np.pi * phase).astype(np.float32)
    if shape == "triangle":
        return (2 * np.abs(2 * (phase % 1) - 1) - 1).astype(np.float32)
    if shape == "square":
        return np.sign(np.sin(2 * np.pi * phase)).astype(np.float32) * 0.6
    return (2 * (phase % 1) - 1).astype(np.float32)  # saw


def _smooth(x: np.ndarray, width: int) -> np.ndarray:
    if width <= 1:
        return x
    kernel = np.ones(width, dtype=np.float32) / width
    return np.convolve(x, kernel, mode="same").astype(np.float32)


def _chord_notes(root_pc: int, scale: tuple[int, ...], degree: int, sevenths: bool) -> list[int]:
    steps = (0, 2, 4, 6) if sevenths else (0, 2, 4)
    notes = []
    for step in steps:
        idx = degree + step
        octave, pos = divmod(idx, 7)
        notes.append(48 + root_pc + scale[pos] + 12 * octave)
    return notes


def spec_for(
    *,
    seed: int,
    bpm: float,
    key: str,
    scale: str,
    progression: tuple[int, ...] | None = None,
    style: str | None = None,
) -> BeatSpec:
    rng = np.random.default_rng(seed)
    if progression is None:
        options = PROGRESSIONS[scale]
        progression = options[int(rng.integers(len(options)))]
    if style is None:
        style = "trap" if bpm >= 125 else STYLES[int(rng.integers(len(STYLES)))]
    return BeatSpec(seed, float(bpm), key, scale, tuple(progression), style)


def render_beat(
    *,
    seed: int,
    bpm: float,
    key: str,
    scale: str,
    seconds: float = 60.0,
    sample_rate: int = 44100,
    progression: tuple[int, ...] | None = None,
    style: str | None = None,
) -> np.ndarray:
    """Render a beat as float32 stereo, shape ``(frames, 2)``, peak about -1 dBFS.

    ``style`` is one of ``trap`` (half-time drums: snare on beat 3, fast hats — the feel a naive
    tempo tracker halves), ``boom-bap`` (snare on 2 and 4) or ``four-on-floor``; by default trap
    for 125 BPM and faster, otherwise chosen by ``seed``.
    """
    spec = spec_for(seed=seed, bpm=bpm, key=key, scale=scale, progression=progression, style=style)
    rng = np.random.default_rng(seed + 1_000_003)
    sr = sample_rate
    n = int(seconds * sr)
    beat = 60.0 / spec.bpm
    sixteenth = beat / 4
    bar = 4 * beat
    n_bars = int(np.ceil(seconds / bar))
    root_pc = NOTE_INDEX[key]
    scale_steps = SCALES[scale]

    drums = np.zeros(n, np.float32)
    bass = np.zeros(n, np.float32)
    chords = np.zeros(n, np.float32)
    melody = np.zeros(n, np.float32)

    kick, snare = _kick(sr, rng), _snare(sr, rng)
    hat, open_hat = _hat(sr, rng), _hat(sr, rng, 0.18)

    # Drum pattern: 16 steps per bar, generated once per beat and varied slightly per bar.
    kick_steps = {0}
    if spec.style == "trap":
        snare_steps = {8}
        kick_steps |= set(rng.choice([3, 6, 7, 10, 11, 14], size=3, replace=False).tolist())
        hat_div = 2  # eighth-note hats... with rolls of sixteenths below
    elif spec.style == "boom-bap":
        snare_steps = {4, 12}
        kick_steps |= set(rng.choice([3, 7, 8, 10, 11, 15], size=2, replace=False).tolist())
        hat_div = 2
    else:
        snare_steps = {4, 12}
        kick_steps = {0, 4, 8, 12}
        hat_div = 2
    swing = rng.uniform(0.0, 0.12) * sixteenth if spec.style == "boom-bap" else 0.0

    melody_shape = rng.choice(["triangle", "square", "saw", "sine"])
    pad_shape = rng.choice(["saw", "triangle", "square"])
    melody_rhythm = rng.random(16) < rng.uniform(0.3, 0.55)
    melody_rhythm[0] = True
    melody_degrees = rng.integers(0, 7, size=16)
    melody_octave = 72 if rng.random() < 0.5 else 60
    sevenths = bool(rng.random() < 0.5)

    for b in range(n_bars):
        bar_start = b * bar
        degree = spec.progression[b % len(spec.progression)]
        # --- drums
        for step in range(16):
            t = bar_start + step * sixteenth + (swing if step % 2 else 0.0)
            pos = int(t * sr)
            if step in kick_steps:
                _add(drums, pos, kick * rng.uniform(0.85, 1.0))
                bass_note = 24 + root_pc + scale_steps[degree % 7] + 12
                length = int(min(beat * 1.5, 0.9) * sr)
                tone = _osc(midi_to_hz(bass_note), length, sr, "sine")
                _add(bass, pos, tone * _env(length, sr, 0.003, 0.45) * 0.55)
            if step in snare_steps:
                _add(drums, pos, snare)
            if step % hat_div == 0:
                _add(drums, pos, hat * (1.0 if step % 4 == 0 else 0.7))
            elif spec.style == "trap" and rng.random() < 0.35:
                _add(drums, pos, hat * 0.5)  # sixteenth rolls
        if spec.style != "four-on-floor" and rng.random() < 0.25:
            _add(drums, int((bar_start + 14 * sixteenth) * sr), open_hat)
        # --- chords: one per bar, sustained pad
        notes = _chord_notes(root_pc, scale_steps, degree, sevenths)
        length = int(bar * sr)
        pad = np.zeros(length, np.float32)
        for note in notes:
            f = midi_to_hz(note)
            pad += _osc(f, length, sr, pad_shape, detune=0.003)
            pad += _osc(f, length, sr, pad_shape, detune=-0.003)
        pad = _smooth(pad, 6) * _env(length, sr, 0.05, bar * 1.2) * (0.09 / len(notes))
        _add(chords, int(bar_start * sr), pad)
        # --- melody: eighth notes drawn from the scale, resolving to the tonic each 4 bars
        for step in range(16):
            if not melody_rhythm[step] or step % 2:
                continue
            deg = int(melody_degrees[(step + b * 3) % 16])
            if b % 4 == 3 and step >= 12:
                deg = 0
            note = melody_octave + root_pc + scale_steps[deg % 7]
            length = int(beat * 0.9 * sr)
            tone = _osc(midi_to_hz(note), length, sr, melody_shape)
            _add(
                melody,
                int((bar_start + step * sixteenth) * sr),
                tone * _env(length, sr, 0.004, 0.25) * 0.12,
            )

    gains = rng.uniform([0.8, 0.8, 0.7, 0.7], [1.0, 1.0, 1.0, 1.0])
    pans = rng.uniform(-0.4, 0.4, size=2)
    left = (
        gains[0] * drums
        + gains[1] * bass
        + gains[2] * chords * (1 - pans[0])
        + gains[3] * melody * (1 - pans[1])
    )
    right = (
        gains[0] * drums
        + gains[1] * bass
        + gains[2] * chords * (1 + pans[0])
        + gains[3] * melody * (1 + pans[1])
    )
    stereo = np.stack([left, right], axis=1)
    peak = float(np.max(np.abs(stereo))) or 1.0
    return (stereo * (0.89 / peak)).astype(np.float32)
