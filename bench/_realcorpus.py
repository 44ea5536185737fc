"""Real music for the duplicate benches: recordings and compositions nobody on the project made.

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
import os
import shutil
import subprocess
import sys
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


def render_midi(path: Path) -> np.ndarray:
    """fluidsynth's offline render of a MIDI file with the GM soundfont (44.1 kHz stereo)."""
    font = soundfont()
    out = _cache_path(f"midi-wav:{path}" + ("" if font == SOUNDFONT else f":{font}"), ".wav")
    if not out.exists():
        tmp = out.with_suffix(".tmp.wav")
        subprocess.run(  # noqa: S603
            ["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(SR), "-F", str(tmp),  # noqa: S607
             str(font), str(path)],
            capture_output=True,
            check=True,
            timeout=600,
        )  # fmt: skip
        tmp.rename(out)
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


def tempo(audio: np.ndarray, factor: float) -> np.ndarray:
    """Time-stretched by ``factor`` with the pitch kept (FFmpeg's atempo, WSOLA)."""
    import av
    from av.filter import Graph

    graph = Graph()
    source = graph.add_abuffer(format="fltp", sample_rate=SR, layout="stereo")
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
        frame.sample_rate = SR
        frame.pts = start
        frame.time_base = Fraction(1, SR)
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


if __name__ == "__main__":
    print("bench/_realcorpus.py: corpus helpers only, nothing to measure.")
