"""Real music for the benches and the real-material tests: recordings and compositions nobody
on the project made. The one home of the MIDI rendering (fluidsynth, MMA): the benches import it
as ``_realcorpus`` (``bench/`` on ``sys.path``), the tests as ``bench._realcorpus``; it needs
no Django (numpy, PyAV, scipy and ``content.audio``'s pure estimator only).

Sources (Debian packages, installed with apt-get by name when missing and root; otherwise the
bench says which package to install and runs on what it has):

* game soundtracks shipped as Ogg Vorbis: ``singularity-music`` (Endgame: Singularity),
  ``hyperrogue-music`` (HyperRogue), ``drascula-music`` (Drascula);
* MIDI compositions (``openttd-openmsx``, ``planetblupi-music-midi``) rendered with
  ``fluidsynth`` and the General MIDI soundfont ``fluid-soundfont-gm``;
* spoken producer tags from ``espeak-ng``.

Each original is the first ``SECONDS`` seconds of a piece (pieces shorter than
``MIN_SECONDS`` are left out), decoded to 44.1 kHz stereo float32 and cached under
``bench/results/real-corpus/`` so reruns skip the rendering.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import sys
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / "results" / "real-corpus"
SR = 44100
SECONDS = 75.0
MIN_SECONDS = 50.0
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
# --quick runs install only this small set (a few MB): MIDI with the small GM soundfont, unless
# the full one is there already.
SMALL_SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
SMALL_PACKAGES = ("openttd-openmsx", "fluidsynth", "timgm6mb-soundfont")

OGG_DIRS = {
    "singularity-music": Path("/usr/share/games/singularity/music"),
    "hyperrogue-music": Path("/usr/share/hyperrogue/music"),
    # The language folders of Drascula hold the same music again: only "audio" is used.
    "drascula-music": Path("/usr/share/scummvm/drascula/audio"),
}
MIDI_DIRS = {
    "openttd-openmsx": Path("/usr/share/games/openttd/baseset/openmsx"),
    "planetblupi-music-midi": Path("/usr/share/planetblupi/music"),
}
RENDER_PACKAGES = ("fluidsynth", "fluid-soundfont-gm")
VOICE_PACKAGE = "espeak-ng"


@dataclass(frozen=True)
class Piece:
    name: str  # "<package>/<file stem>"
    path: Path
    kind: str  # "ogg" | "midi"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_packages(packages: list[str]) -> list[str]:
    """Install missing Debian packages (root only). Returns the packages still missing."""
    missing = [p for p in packages if not _installed(p)]
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing {' '.join(missing)} (apt-get) …")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        base = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]
        install = [*base, "install", "-y", "-qq", "--no-install-recommends", *missing]
        result = subprocess.run(install, capture_output=True, env=env, check=False)  # noqa: S603
        if result.returncode != 0:  # maybe stale package lists
            subprocess.run([*base, "update", "-qq"], capture_output=True, env=env, check=False)  # noqa: S603
            subprocess.run(install, capture_output=True, env=env, check=False)  # noqa: S603
        missing = [p for p in packages if not _installed(p)]
    for package in missing:
        log(f"SKIPPED: Debian package {package!r} is not installed (apt-get install {package}).")
    return missing


def _installed(package: str) -> bool:
    result = subprocess.run(  # noqa: S603
        ["dpkg-query", "-W", "-f=${Status}", package],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and "install ok installed" in result.stdout


def pieces(*, small: bool = False) -> list[Piece]:
    """Every usable piece, sorted by name; installs the packages when it can. ``small``: only
    the few MB of MIDI a quick run needs."""
    if small:
        wanted = [] if SOUNDFONT.exists() else ["timgm6mb-soundfont"]
        missing = set(ensure_packages(["openttd-openmsx", "fluidsynth", *wanted]))
        ogg_dirs, midi_dirs = {}, {"openttd-openmsx": MIDI_DIRS["openttd-openmsx"]}
    else:
        missing = set(ensure_packages([*OGG_DIRS, *MIDI_DIRS, *RENDER_PACKAGES, VOICE_PACKAGE]))
        ogg_dirs, midi_dirs = OGG_DIRS, MIDI_DIRS
    found: list[Piece] = []
    for package, folder in ogg_dirs.items():
        if package not in missing and folder.is_dir():
            found += [Piece(f"{package}/{p.stem}", p, "ogg") for p in sorted(folder.glob("*.ogg"))]
    can_render = "fluidsynth" not in missing and soundfont() is not None
    for package, folder in midi_dirs.items():
        if package not in missing and folder.is_dir() and can_render:
            found += [Piece(f"{package}/{p.stem}", p, "midi") for p in sorted(folder.glob("*.mid"))]
    return sorted(found, key=lambda p: p.name)


def soundfont() -> Path | None:
    return next((p for p in (SOUNDFONT, SMALL_SOUNDFONT) if p.exists()), None)


def _cache_path(key: str, suffix: str = ".npy") -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE / (hashlib.sha1(key.encode()).hexdigest()[:20] + suffix)  # noqa: S324


def decode(path: Path, *, limit: float | None = None) -> np.ndarray:
    """Decode any audio file to float32 stereo at ``SR`` (first ``limit`` seconds)."""
    import av

    resampler = av.AudioResampler(format="flt", layout="stereo", rate=SR)
    blocks, frames = [], 0
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                block = out.to_ndarray().reshape(-1, 2)
                blocks.append(block)
                frames += block.shape[0]
            if limit and frames >= limit * SR:
                break
    for out in resampler.resample(None):
        blocks.append(out.to_ndarray().reshape(-1, 2))
    audio = np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
    return audio[: int(limit * SR)] if limit else audio


def fluidsynth_render(mid: Path, wav: Path, *, rate: int, font: Path, timeout: int = 600) -> Path:
    """fluidsynth's offline render of a MIDI file to a WAV (gain 0.6, stereo at ``rate``),
    written under a temporary name and renamed, so an interrupted render leaves no WAV."""
    tmp = wav.with_suffix(".tmp.wav")
    subprocess.run(  # noqa: S603
        ["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(rate), "-F", str(tmp),  # noqa: S607
         str(font), str(mid)],
        capture_output=True,
        check=True,
        timeout=timeout,
    )  # fmt: skip
    tmp.rename(wav)
    return wav


def mma_compile(chart: str, mid: Path, *, check: bool = False) -> subprocess.CompletedProcess:
    """MMA (Musical MIDI Accompaniment) writes ``mid`` from a chart (the chart is kept next to
    it, ``.mma``). ``check``: raise when MMA fails; otherwise the caller looks for ``mid``."""
    source = mid.with_suffix(".mma")
    source.write_text(chart)
    return subprocess.run(  # noqa: S603
        ["mma", "-f", str(mid), str(source)],  # noqa: S607
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def render_midi(path: Path) -> np.ndarray:
    """fluidsynth's offline render of a MIDI file with the GM soundfont (44.1 kHz stereo)."""
    font = soundfont()
    out = _cache_path(f"midi-wav:{path}" + ("" if font == SOUNDFONT else f":{font}"), ".wav")
    if not out.exists():
        fluidsynth_render(path, out, rate=SR, font=font)
    return decode(out)


def trim_silence(audio: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio).max(axis=1) > threshold)
    return audio[loud[0] : loud[-1] + 1] if loud.size else audio[:0]


def load(piece: Piece) -> np.ndarray | None:
    """The original: the piece's first SECONDS seconds, leading silence removed, peak -1 dBFS.

    None for pieces too short to be a track."""
    font = "" if piece.kind != "midi" or soundfont() == SOUNDFONT else f":{soundfont()}"
    path = _cache_path(f"original:v1:{piece.name}{font}")
    if path.exists():
        audio = np.load(path)
        return audio if audio.size else None
    try:
        raw = render_midi(piece.path) if piece.kind == "midi" else decode(piece.path)
    except Exception as exc:  # noqa: BLE001 - a broken file is left out, not fatal
        log(f"left out {piece.name}: {exc}")
        np.save(path, np.zeros((0, 2), np.float32))
        return None
    audio = trim_silence(raw)[: int(SECONDS * SR)]
    if audio.shape[0] < MIN_SECONDS * SR:
        np.save(path, np.zeros((0, 2), np.float32))
        return None
    peak = float(np.abs(audio).max()) or 1.0
    audio = (audio * (0.89 / peak)).astype(np.float32)
    np.save(path, audio)
    return audio


def originals(limit: int | None = None, *, small: bool = False) -> Iterator[tuple[str, np.ndarray]]:
    """(name, audio) of up to ``limit`` usable originals, loaded one at a time, in a fixed
    order that takes the sources in turn (so a short run still sees every kind of material)."""
    by_source: dict[str, list[Piece]] = {}
    for piece in pieces(small=small):
        by_source.setdefault(piece.name.split("/")[0], []).append(piece)
    order = []
    while any(by_source.values()):
        for source in sorted(by_source):
            if by_source[source]:
                order.append(by_source[source].pop(0))
    count = 0
    for piece in order:
        if limit is not None and count >= limit:
            return
        audio = load(piece)
        if audio is not None:
            count += 1
            yield piece.name, audio


# --- transforms ----------------------------------------------------------------------------------


def speed(audio: np.ndarray, factor: float) -> np.ndarray:
    """Played ``factor`` times faster: tempo and pitch change together (a resampled copy)."""
    from _fpcorpus import resample

    # Declare the samples at SR * factor and resample them to SR.
    return resample(audio, int(round(SR * factor)), SR)


def tempo(audio: np.ndarray, factor: float, *, rate: int = SR) -> np.ndarray:
    """Stereo ``audio`` at ``rate`` time-stretched by ``factor`` with the pitch kept (FFmpeg's
    atempo, WSOLA)."""
    import av
    from av.filter import Graph

    graph = Graph()
    source = graph.add_abuffer(format="fltp", sample_rate=rate, layout="stereo")
    stretch = graph.add("atempo", f"{factor:.4f}")
    sink = graph.add("abuffersink")
    source.link_to(stretch)
    stretch.link_to(sink)
    graph.configure()
    planes = np.ascontiguousarray(audio.T)
    out = []
    for start in range(0, planes.shape[1], 8192):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planes[:, start : start + 8192]), format="fltp", layout="stereo"
        )
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        graph.push(frame)
        out += _drain(graph)
    graph.push(None)
    out += _drain(graph)
    return np.concatenate(out).astype(np.float32)


def _drain(graph) -> list[np.ndarray]:
    import av

    frames = []
    while True:
        try:
            frame = graph.pull()
            data = frame.to_ndarray()
            # planar (channels, n) or packed (1, n * channels) → (n, channels)
            frames.append(data.T if frame.format.is_planar else data.reshape(-1, 2))
        except (av.error.BlockingIOError, av.error.EOFError):
            return frames


TAGS = ("BeatPass exclusive", "Produced by Nova", "Metro on the beat", "You are listening to K")


def voice_tag(text: str) -> np.ndarray | None:
    """A 2–3 s spoken tag (espeak-ng), mono float32 at SR, or None without espeak-ng."""
    if not shutil.which("espeak-ng"):
        return None
    path = _cache_path(f"tag:{text}", ".wav")
    if not path.exists():
        subprocess.run(  # noqa: S603
            ["espeak-ng", "-s", "150", "-w", str(path), text],  # noqa: S607
            capture_output=True,
            check=True,
            timeout=60,
        )
    return trim_silence(decode(path)).mean(axis=1)


def with_voice_tag(audio: np.ndarray, tag: np.ndarray, every: float = 10.0) -> np.ndarray:
    """The tag mixed in every ``every`` seconds at the loudness (RMS) of the beat."""
    out = audio.copy()
    beat_rms = float(np.sqrt(np.mean(audio**2))) or 1e-3
    tag = tag * (beat_rms / (float(np.sqrt(np.mean(tag**2))) or 1e-3))
    for start in range(int(1.0 * SR), out.shape[0], int(every * SR)):
        part = tag[: out.shape[0] - start]
        out[start : start + part.size] += part[:, None]
    peak = float(np.abs(out).max()) or 1.0
    return (out * min(1.0, 0.99 / peak)).astype(np.float32)


def excerpt(audio: np.ndarray, seconds: float) -> np.ndarray:
    """``seconds`` from the middle of the piece (off the item grid: +0.37 s)."""
    start = max(0, (audio.shape[0] - int(seconds * SR)) // 2 + int(0.37 * SR))
    return audio[start : start + int(seconds * SR)]


# --- pieces rendered at test time (content/audio/tests, content/fingerprints/tests) -------------
#
# Two sources, both Debian packages that ``scripts/system-deps.sh --browser`` (``make
# test-system-deps``) installs, with ``fluidsynth`` and the small General MIDI soundfont
# ``timgm6mb-soundfont`` to play them: accompaniments written by MMA from its groove library
# over a chord chart, exactly as ``estimation_real.py`` writes them (tempo and key are what MMA
# is told), and compositions of OpenMSX, whose tempo comes from the file. Rendered at the
# estimator's analysis rate (no resampling in the tests). Nothing is skipped: a missing tool
# fails the test that needs it, saying what to install (a silent skip would let the pinned
# cases rot unnoticed).

OPENMSX = MIDI_DIRS["openttd-openmsx"]
INSTALL = "run scripts/system-deps.sh --browser as root (make test-system-deps)"


def _analysis_rate() -> int:
    from content.audio import estimate  # pure numpy: no Django

    return estimate.ANALYSIS_RATE


RATE = _analysis_rate()  # the tests' renders and copies are at the estimator's analysis rate


def require(*, mma: bool = False, openmsx: bool = False) -> None:
    """Fail (not skip) the calling test with what to install when a tool is missing."""
    import pytest

    missing = []
    if not shutil.which("fluidsynth"):
        missing.append("fluidsynth (package fluidsynth)")
    if not SMALL_SOUNDFONT.exists():
        missing.append(f"{SMALL_SOUNDFONT} (package timgm6mb-soundfont)")
    if mma and not shutil.which("mma"):
        missing.append("mma (package mma)")
    if openmsx and not OPENMSX.is_dir():
        missing.append(f"{OPENMSX} (package openttd-openmsx)")
    if missing:
        pytest.fail(f"Missing for the real-material tests: {', '.join(missing)}; {INSTALL}.")


def mma_chart(groove: str, bpm: int, chords: tuple[str, ...], seconds: float) -> str:
    """The chart ``estimation_real.py`` writes (``mma_song``): tempo, groove, then one chord per
    bar, the progression repeated for ``seconds`` plus a bar.

    With a fixed random seed: MMA's grooves vary timing and velocity at random, so an unseeded
    chart gives another MIDI file on every run (the pinned answers held on seeds 1-6 and
    unseeded renders when they were chosen)."""
    bars = math.ceil(seconds * bpm / 240.0) + 1
    lines = ["RndSeed 1", f"Tempo {bpm}", f"Groove {groove}"]
    lines += [f"{bar + 1} {chords[bar % len(chords)]}" for bar in range(bars)]
    return "\n".join(lines) + "\n"


class Renders:
    """MIDI → WAV at the analysis rate with the small soundfont, once per test session (files
    in a session tmp dir)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def mma(self, name: str, chart: str) -> Path:
        require(mma=True)
        wav = self.folder / f"{name}.wav"
        if not wav.exists():
            mid = self.folder / f"{name}.mid"
            done = mma_compile(chart, mid)
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
        fluidsynth_render(mid, wav, rate=RATE, font=SMALL_SOUNDFONT, timeout=300)


def clip(wav: Path, seconds: float) -> np.ndarray:
    """The first ``seconds`` of sound, decoded the way ``extract-metadata`` decodes an upload
    (mono at the analysis rate), leading silence left out as the bench does."""
    from content.audio import estimate
    from content.audio.decode import iter_mono_chunks

    audio = estimate.collect(iter_mono_chunks(wav, sample_rate=RATE), max_seconds=600)
    loud = np.flatnonzero(np.abs(audio) > 1e-3)
    start = int(loud[0]) if loud.size else 0
    return np.ascontiguousarray(audio[start : start + int(seconds * RATE)])


def read_wav(path) -> np.ndarray:
    with wave.open(str(path)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        return frames.reshape(-1, w.getnchannels()).astype(np.float32) / 32768.0


def write_wav(path, audio: np.ndarray, *, rate: int | None = None) -> None:
    """16-bit WAV (default: at the analysis rate), to a path or a binary file object."""
    with wave.open(path if hasattr(path, "write") else str(path), "wb") as w:
        w.setnchannels(audio.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate or RATE)
        w.writeframes(np.clip(np.rint(audio * 32767), -32768, 32767).astype("<i2").tobytes())


def stereo_excerpt(wav: Path, seconds: float) -> np.ndarray:
    """The first ``seconds`` of sound of a render, stereo, peak at -1 dBFS: a track's audio."""
    audio = read_wav(wav)
    loud = np.flatnonzero(np.abs(audio).max(axis=1) > 1e-3)
    audio = audio[loud[0] : loud[0] + int(seconds * RATE)]
    return audio * np.float32(0.89 / float(np.abs(audio).max()))


def speed_exact(audio: np.ndarray, factor: float) -> np.ndarray:
    """Played ``factor`` times faster, pitch and tempo together, by an exact rational polyphase
    resampling (scipy; the tests' copies, whatever the rate). ``speed`` above is the benches'
    (PyAV's resampler): their figures were measured with it."""
    from scipy.signal import resample_poly

    ratio = Fraction(factor).limit_denominator(1000)
    return resample_poly(audio, ratio.denominator, ratio.numerator, axis=0).astype(np.float32)


if __name__ == "__main__":
    print("bench/_realcorpus.py: corpus helpers only, nothing to measure.")
