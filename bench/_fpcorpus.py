"""Generated beat corpus for the duplicate benches: beats, their transforms, fingerprints.

Every beat is 60 s of drums, 808 bass, chords and melody (``content.beatgen``); a "sibling"
shares tempo, key, scale, chord progression and drum style with its beat but has another seed.
Fingerprints are cached under ``bench/results/`` so reruns are quick.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content import testing  # noqa: E402
from content.audio import chromaprint, digest  # noqa: E402
from content.beatgen import render_beat, spec_for  # noqa: E402

SR = 44100
CACHE = ROOT / "bench" / "results" / "fp-cache"
KEYS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
TEMPOS = (72, 85, 90, 95, 100, 120, 128, 140, 145, 150, 160, 170)


def beat_params(i: int) -> dict:
    return {
        "bpm": TEMPOS[(i * 5) % len(TEMPOS)],
        "key": KEYS[(i * 7) % len(KEYS)],
        "scale": "minor" if i % 3 else "major",
    }


def render(i: int, *, sibling: bool = False, seconds: float = 60.0) -> np.ndarray:
    params = beat_params(i)
    spec = spec_for(seed=i, **params)
    seed = i + 10_000 if sibling else i
    return render_beat(
        seed=seed,
        seconds=seconds,
        sample_rate=SR,
        progression=spec.progression,
        style=spec.style,
        **params,
    )


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    import av

    layout = "stereo" if samples.ndim == 2 and samples.shape[1] == 2 else "mono"
    planes = samples.T if samples.ndim == 2 else samples[None, :]
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate_out)
    out = []
    for start in range(0, planes.shape[1], 8192):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planes[:, start : start + 8192]), format="fltp", layout=layout
        )
        frame.sample_rate = rate_in
        out += [f.to_ndarray() for f in resampler.resample(frame)]
    out += [f.to_ndarray() for f in resampler.resample(None)]
    return np.concatenate(out, axis=1).T.astype(np.float32)


# name → (samples, sample rate) → (encoded bytes, suffix)
TRANSFORMS = {
    "mp3_128k": lambda x: (testing.encode(x, "mp3", sample_rate=SR, bitrate=128_000), ".mp3"),
    "mp3_64k": lambda x: (testing.encode(x, "mp3", sample_rate=SR, bitrate=64_000), ".mp3"),
    "head_trim_5s": lambda x: (testing.wav_bytes(x[int(5.03 * SR) :], SR), ".wav"),
    "head_trim_15s": lambda x: (testing.wav_bytes(x[int(15.07 * SR) :], SR), ".wav"),
    # 81.5 sub-fingerprints: the worst case, half an item off the stored alignment
    "head_trim_half_item": lambda x: (
        testing.wav_bytes(x[int(81.5 * 4096 / 3 * SR / 11025) :], SR),
        ".wav",
    ),
    "tail_trim_15s": lambda x: (testing.wav_bytes(x[: -15 * SR], SR), ".wav"),
    "head_tail_trim_15s": lambda x: (testing.wav_bytes(x[int(14.9 * SR) : -15 * SR], SR), ".wav"),
    "gain_+6dB": lambda x: (testing.wav_bytes(np.clip(x * 2.0, -1, 1), SR), ".wav"),
    "gain_-6dB": lambda x: (testing.wav_bytes(x * 0.5, SR), ".wav"),
    "mono": lambda x: (testing.wav_bytes(x.mean(axis=1), SR), ".wav"),
    "mono_to_stereo": lambda x: (
        testing.wav_bytes(np.repeat(x.mean(axis=1)[:, None], 2, axis=1), SR),
        ".wav",
    ),
    "48kHz": lambda x: (testing.wav_bytes(resample(x, SR, 48000), 48000), ".wav"),
    "48kHz_mp3_128k": lambda x: (
        testing.encode(resample(x, SR, 48000), "mp3", sample_rate=48000, bitrate=128_000),
        ".mp3",
    ),
}


def digest_bytes(data: bytes, suffix: str, *, query_variants=False) -> digest.AudioDigest:
    """The production analysis (``content.audio.digest``) of an encoded file."""
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as fh:
        fh.write(data)
        path = fh.name
    try:
        return digest.digest_file(path, query_variants=query_variants)
    finally:
        os.unlink(path)


def fingerprint_bytes(data: bytes, suffix: str) -> np.ndarray:
    result = digest_bytes(data, suffix)
    assessed = chromaprint.assess(result.items, result.duration, result.audible_seconds)
    if not isinstance(assessed, chromaprint.Fingerprint):
        raise RuntimeError(f"corpus audio judged insufficient: {assessed}")
    return assessed.items


def cached(key: str, make) -> np.ndarray:
    CACHE.mkdir(parents=True, exist_ok=True)
    # v2: fingerprints from content.audio.digest (libchromaprint on our decode)
    path = CACHE / (hashlib.sha1(f"v2:{key}".encode()).hexdigest()[:16] + ".npy")  # noqa: S324
    if path.exists():
        return np.load(path)
    items = make()
    np.save(path, items)
    return items


# --- looped beats: 2-, 4- or 8-bar loops repeated to 30–90 s ------------------------------------

LOOP_BARS = (2, 4, 8)


def loop_params(i: int) -> dict:
    """Loop ``i``: its bars, tempo, key and length. Unrelated loops often share tempo and key."""
    params = beat_params(i)
    return {**params, "bars": LOOP_BARS[i % 3], "seconds": 30.0 + (i * 17) % 61}


def render_loop(i: int) -> np.ndarray:
    """A quantised loop: ``bars`` bars rendered once, repeated sample-exactly to the length."""
    p = loop_params(i)
    bar_frames = int(round(SR * 240.0 / p["bpm"]))
    spec = spec_for(seed=50_000 + i, bpm=p["bpm"], key=p["key"], scale=p["scale"])
    loop = render_beat(
        seed=50_000 + i,
        seconds=p["bars"] * bar_frames / SR + 0.01,
        sample_rate=SR,
        bpm=p["bpm"],
        key=p["key"],
        scale=p["scale"],
        progression=spec.progression,
        style=spec.style,
    )[: p["bars"] * bar_frames]
    total = int(p["seconds"] * SR)
    return np.tile(loop, (total // loop.shape[0] + 1, 1))[:total]


LOOP_TRANSFORMS = (
    "mp3_128k",
    "mp3_64k",
    "head_trim_5s",
    "head_trim_half_item",
    "tail_trim_15s",
    "gain_-6dB",
    "48kHz_mp3_128k",
)


def loop_original(i: int) -> np.ndarray:
    return cached(
        f"loop-{i}", lambda: fingerprint_bytes(testing.wav_bytes(render_loop(i), SR), ".wav")
    )


def loop_variant(i: int, name: str) -> np.ndarray:
    return cached(f"loop-{i}-{name}", lambda: fingerprint_bytes(*TRANSFORMS[name](render_loop(i))))


def original(i: int) -> np.ndarray:
    return cached(f"orig-{i}", lambda: fingerprint_bytes(testing.wav_bytes(render(i), SR), ".wav"))


def sibling(i: int) -> np.ndarray:
    return cached(
        f"sib-{i}",
        lambda: fingerprint_bytes(testing.wav_bytes(render(i, sibling=True), SR), ".wav"),
    )


def variant(i: int, name: str) -> np.ndarray:
    return cached(f"var-{i}-{name}", lambda: fingerprint_bytes(*TRANSFORMS[name](render(i))))


def query_fingerprints(i: int, name: str | None) -> list[np.ndarray]:
    """What ``POST /tracks/check-duplicates`` looks up for an upload: the fingerprint, the
    retuned one and the retuned middle 45 s a semitone below and above (``content.audio.digest``
    with query variants). ``name`` is a transform of beat ``i``; None is its sibling."""
    key = f"query-{i}-{name or 'sibling'}"

    def make() -> np.ndarray:
        audio = render(i, sibling=name is None)
        data, suffix = TRANSFORMS[name](audio) if name else (testing.wav_bytes(audio, SR), ".wav")
        result = digest_bytes(data, suffix, query_variants=True)
        parts = [result.items, result.tuned_items, *result.variants.values()]
        sizes = [len(part) for part in parts]
        return np.concatenate([[len(parts), *sizes], *[np.asarray(p, np.int64) for p in parts]])

    packed = cached(key, make)  # [count, sizes..., items...]
    count = int(packed[0])
    out, at = [], 1 + count
    for size in packed[1 : 1 + count].tolist():
        out.append(packed[at : at + size].astype(np.uint32).view(np.int32))
        at += size
    return out


if __name__ == "__main__":
    print("bench/_fpcorpus.py: corpus helpers only, nothing to measure.")
