"""Pieces of the real-material bench (``bench/estimation_real.py``), rendered at test time.

Two sources, both Debian packages that ``scripts/system-deps.sh --browser`` (``make
test-system-deps``) installs, with ``fluidsynth`` and the small General MIDI soundfont
``timgm6mb-soundfont`` to play them:

* accompaniments written by MMA (Musical MIDI Accompaniment, package ``mma``) from its groove
  library over a chord chart, exactly as the bench writes them: tempo and key are what MMA is
  told;
* compositions of OpenMSX (package ``openttd-openmsx``), whose tempo comes from the file.

Nothing here is skipped: a missing tool fails the test that needs it, saying what to install
(CI installs it; a silent skip would let the pinned cases rot unnoticed).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from content.audio import estimate
from content.audio.decode import iter_mono_chunks

SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
OPENMSX = Path("/usr/share/games/openttd/baseset/openmsx")
RATE = estimate.ANALYSIS_RATE  # rendered at the analysis rate: no resampling in the tests
INSTALL = "run scripts/system-deps.sh --browser as root (make test-system-deps)"


def require(*, mma: bool = False, openmsx: bool = False) -> None:
    """Fail (not skip) with what to install when a tool the real cases need is missing."""
    missing = []
    if not shutil.which("fluidsynth"):
        missing.append("fluidsynth (package fluidsynth)")
    if not SOUNDFONT.exists():
        missing.append(f"{SOUNDFONT} (package timgm6mb-soundfont)")
    if mma and not shutil.which("mma"):
        missing.append("mma (package mma)")
    if openmsx and not OPENMSX.is_dir():
        missing.append(f"{OPENMSX} (package openttd-openmsx)")
    if missing:
        pytest.fail(f"Missing for the real-material tests: {', '.join(missing)}; {INSTALL}.")


def mma_chart(groove: str, bpm: int, chords: tuple[str, ...], seconds: float) -> str:
    """The chart ``bench/estimation_real.py`` writes (``mma_song``): tempo, groove, then one
    chord per bar, the progression repeated for ``seconds`` plus a bar.

    With a fixed random seed: MMA's grooves vary timing and velocity at random, so an unseeded
    chart gives another MIDI file on every run (the pinned answers held on seeds 1-6 and
    unseeded renders when they were chosen)."""
    bars = math.ceil(seconds * bpm / 240.0) + 1
    lines = ["RndSeed 1", f"Tempo {bpm}", f"Groove {groove}"]
    lines += [f"{bar + 1} {chords[bar % len(chords)]}" for bar in range(bars)]
    return "\n".join(lines) + "\n"


class Renders:
    """MIDI → WAV with fluidsynth, once per test session (files in a session tmp dir)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def mma(self, name: str, chart: str) -> Path:
        require(mma=True)
        wav = self.folder / f"{name}.wav"
        if not wav.exists():
            source, mid = self.folder / f"{name}.mma", self.folder / f"{name}.mid"
            source.write_text(chart)
            done = subprocess.run(  # noqa: S603
                ["mma", "-f", str(mid), str(source)],  # noqa: S607
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert mid.exists(), f"mma wrote no MIDI for {name}: {done.stdout}{done.stderr}"
            self._render(mid, wav)
        return wav

    def openmsx(self, stem: str) -> Path:
        require(openmsx=True)
        wav = self.folder / f"openmsx-{stem}.wav"
        if not wav.exists():
            self._render(OPENMSX / f"{stem}.mid", wav)
        return wav

    def _render(self, mid: Path, wav: Path) -> None:
        require()
        tmp = wav.with_suffix(".tmp.wav")
        subprocess.run(  # noqa: S603
            ["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(RATE), "-F", str(tmp),  # noqa: S607
             str(SOUNDFONT), str(mid)],
            capture_output=True,
            check=True,
            timeout=300,
        )  # fmt: skip
        tmp.rename(wav)


def clip(wav: Path, seconds: float) -> np.ndarray:
    """The first ``seconds`` of sound, decoded the way ``extract-metadata`` decodes an upload
    (mono at the analysis rate), leading silence left out as the bench does."""
    audio = estimate.collect(iter_mono_chunks(wav, sample_rate=RATE), max_seconds=600)
    loud = np.flatnonzero(np.abs(audio) > 1e-3)
    start = int(loud[0]) if loud.size else 0
    return np.ascontiguousarray(audio[start : start + int(seconds * RATE)])


# --- copies: WAV files at the analysis rate, sped up or time-stretched ---------------------------


def read_wav(path) -> np.ndarray:
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return frames.reshape(-1, w.getnchannels()).astype(np.float32) / 32768.0


def write_wav(path, audio: np.ndarray) -> None:
    """16-bit WAV at the analysis rate, to a path or a binary file object."""
    with wave.open(path if hasattr(path, "write") else str(path), "wb") as w:
        w.setnchannels(audio.shape[1])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.clip(np.rint(audio * 32767), -32768, 32767).astype("<i2").tobytes())


def stereo_excerpt(wav: Path, seconds: float) -> np.ndarray:
    """The first ``seconds`` of sound of a render, stereo, peak at -1 dBFS: a track's audio."""
    audio = read_wav(wav)
    loud = np.flatnonzero(np.abs(audio).max(axis=1) > 1e-3)
    audio = audio[loud[0] : loud[0] + int(seconds * RATE)]
    return audio * np.float32(0.89 / float(np.abs(audio).max()))


def speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Played ``factor`` times faster, pitch and tempo together (a resampled copy)."""
    ratio = Fraction(factor).limit_denominator(1000)
    return resample_poly(audio, ratio.denominator, ratio.numerator, axis=0).astype(np.float32)


def tempo(audio: np.ndarray, factor: float) -> np.ndarray:
    """Time-stretched ``factor`` times faster with the pitch kept (FFmpeg's atempo, as the
    bench does)."""
    import av
    from av.filter import Graph

    graph = Graph()
    source = graph.add_abuffer(format="fltp", sample_rate=RATE, layout="stereo")
    stretch = graph.add("atempo", f"{factor:.4f}")
    sink = graph.add("abuffersink")
    source.link_to(stretch)
    stretch.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(audio.T), format="fltp", layout="stereo"
    )
    frame.sample_rate, frame.pts, frame.time_base = RATE, 0, Fraction(1, RATE)
    out = []
    for pushed in (frame, None):
        graph.push(pushed)
        while True:
            try:
                result = graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                break
            data = result.to_ndarray()
            out.append(data.T if result.format.is_planar else data.reshape(-1, 2))
    return np.concatenate(out).astype(np.float32)
