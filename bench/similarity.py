"""Audio descriptors (search by sound, radio): do copies find their original, do siblings sit
closer than unrelated beats, and what does describing cost next to decoding?

Method: generated beats (``content.beatgen``: trap, boom-bap and four-on-the-floor, 60-170 BPM,
every key), each with a "sibling" (same style, tempo and key, another seed: musically alike,
acoustically different) and two copies (MP3 128 kbit/s at 44.1 kHz, and 6 dB quieter).

* **copy recall@1**: a copy's nearest original (cosine) is its own.
* **similarities**: mean cosine of copy/original, sibling/original, unrelated pairs.
* **cost**: ``describe_file`` on a 3-minute FLAC against a bare decode of the same file to
  22.05 kHz mono (the floor), interleaved; ratio of medians.

``--calibrate`` prints the standardisation constants (``MEANS``/``SCALES`` in
``content/audio/descriptor.py``) measured on 96 beats of 30 s, the way they were obtained.

    python bench/similarity.py [--beats 24] [--seconds 20] [--quick] [--calibrate]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401 - puts the repository root on sys.path
import numpy as np

from content import testing
from content.audio import descriptor, estimate
from content.audio.decode import iter_mono_chunks
from content.beatgen import render_beat

KEYS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
STYLES = ("trap", "boom-bap", "four-on-floor")
RATE = 44100
COST_TARGET = 3.0


def spec(i: int, rng: np.random.Generator) -> dict:
    style = STYLES[i % 3]
    low, high = (120, 170) if style == "trap" else (60, 130)
    return {
        "bpm": float(round(rng.uniform(low, high))),
        "key": KEYS[int(rng.integers(12))],
        "scale": "minor" if rng.random() < 0.6 else "major",
        "style": style,
    }


def describe(path: Path, beat: dict) -> np.ndarray:
    known = {"tempo": beat["bpm"], "key": beat["key"], "scale": beat["scale"]}
    return np.array(descriptor.describe_file(path, **known).vector)


def calibrate() -> None:
    """32 beats per style (trap 120-170 BPM, the others 60-180), 60 % minor, 30 s each."""
    rng = np.random.default_rng(7)
    rows = []
    for i, style in enumerate(s for s in STYLES for _ in range(32)):
        bpm = float(rng.uniform(120, 170) if style == "trap" else rng.uniform(60, 180))
        key = KEYS[int(rng.integers(12))]
        scale = "minor" if rng.random() < 0.6 else "major"
        samples = render_beat(
            seed=1000 + i, bpm=bpm, key=key, scale=scale, seconds=30,
            sample_rate=descriptor.ANALYSIS_RATE, style=style,
        ).mean(axis=1)  # fmt: skip
        features, *_ = descriptor.raw_features(samples, tempo=bpm, key=key, scale=scale)
        rows.append(features)
    means, scales = descriptor.calibrate(np.array(rows))
    print("MEANS =", means)
    print("SCALES =", scales)


def quality(args, folder: Path) -> dict:
    rng = np.random.default_rng(11)
    originals, copies, siblings = [], {"mp3": [], "quieter": []}, []
    for i in range(args.beats):
        beat = spec(i, rng)
        audio = render_beat(seed=i + 1, seconds=args.seconds, sample_rate=RATE, **beat)
        sibling = render_beat(seed=i + 501, seconds=args.seconds, sample_rate=RATE, **beat)
        files = {
            "original": testing.write(folder / f"{i}.flac", testing.encode(audio, "flac")),
            "mp3": testing.write(
                folder / f"{i}.mp3", testing.encode(audio, "mp3", bitrate=128_000)
            ),
            "quieter": testing.write(folder / f"{i}q.flac", testing.encode(audio * 0.5, "flac")),
            "sibling": testing.write(folder / f"{i}s.flac", testing.encode(sibling, "flac")),
        }
        originals.append(describe(files["original"], beat))
        for name in copies:
            copies[name].append(describe(files[name], beat))
        siblings.append(describe(files["sibling"], beat))
    matrix = np.array(originals)
    out: dict = {}
    for name, vectors in copies.items():
        nearest = [int(np.argmax(matrix @ v)) for v in vectors]
        out[f"{name}_recall_at_1"] = float(np.mean([n == i for i, n in enumerate(nearest)]))
        out[f"{name}_similarity"] = float(np.mean(np.sum(matrix * np.array(vectors), axis=1)))
    out["sibling_similarity"] = float(np.mean(np.sum(matrix * np.array(siblings), axis=1)))
    pairs = [(i, j) for i in range(args.beats) for j in range(args.beats) if i < j]
    out["unrelated_similarity"] = float(np.mean([matrix[i] @ matrix[j] for i, j in pairs]))
    return out


def cost(args, folder: Path) -> dict:
    beat = {"bpm": 140.0, "key": "A", "scale": "minor", "style": "trap"}
    seconds = 30 if args.quick else 180
    audio = render_beat(seed=99, seconds=seconds, sample_rate=RATE, **beat)
    path = testing.write(folder / "long.flac", testing.encode(audio, "flac"))

    def candidate(_: int) -> None:
        describe(path, beat)

    def floor(_: int) -> None:
        estimate.collect(iter_mono_chunks(path, sample_rate=descriptor.ANALYSIS_RATE))

    reps = 3 if args.quick else 10
    a, b = _common.interleaved(candidate, floor, repetitions=reps, warmup=1)
    sa, sb = _common.summary(a), _common.summary(b)
    return {
        "audio_seconds": seconds,
        "describe_ms": sa["median"] * 1000,
        "decode_ms": sb["median"] * 1000,
        "ratio": sa["median"] / sb["median"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beats", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    parser.add_argument("--calibrate", action="store_true", help="Print MEANS and SCALES.")
    args = parser.parse_args()
    if args.calibrate:
        calibrate()
        return
    if args.quick:
        args.beats, args.seconds = 3, 6.0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        found = quality(args, Path(tmp))
        spent = cost(args, Path(tmp))
    print(f"{args.beats} beats of {args.seconds:g} s, each with an MP3 copy, a 6 dB quieter copy")
    print("and a sibling (same style, tempo and key; another seed)")
    print(
        f"  copy recall@1: MP3 {found['mp3_recall_at_1']:.0%},"
        f" quieter {found['quieter_recall_at_1']:.0%}"
    )
    print(
        f"  mean cosine: MP3 copy {found['mp3_similarity']:.3f}, quieter copy"
        f" {found['quieter_similarity']:.3f}, sibling {found['sibling_similarity']:.3f},"
        f" unrelated {found['unrelated_similarity']:.3f}"
    )
    print(
        f"describing {spent['audio_seconds']} s of FLAC: {spent['describe_ms']:.0f} ms vs decoding"
        f" alone {spent['decode_ms']:.0f} ms: ratio {spent['ratio']:.2f} (target <= {COST_TARGET})"
    )
    print(f"(bench time {time.perf_counter() - started:.0f} s)")
    print(
        json.dumps(
            {
                "bench": "similarity",
                **{k: round(v, 3) for k, v in found.items()},
                "ratio": round(spent["ratio"], 3),
                "target": COST_TARGET,
            }
        )
    )


if __name__ == "__main__":
    main()
