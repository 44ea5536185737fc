"""Tempo and key estimation accuracy on a labelled set of generated beats.

48 beats (every one of the 24 keys twice, tempos spread over 60-180 BPM, styles: half-time
trap from 125 BPM up, boom-bap and four-on-the-floor below), each rendered by
``content.beatgen``, written as a 44.1 kHz stereo WAV and analysed through the same path as
``extract-metadata`` (streaming decode to 22.05 kHz mono, first 90 s, ``estimate_tempo`` /
``estimate_key``).

Tempo is correct within ±1 BPM of the label (so octave errors count as wrong); key is correct
when tonic (enharmonics equal) and scale both match. A naive baseline — the strongest
periodicity in 50-200 BPM without octave resolution — is reported for comparison.

    python bench/estimation.py [--seconds 60] [--count 48]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

KEYS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def labelled_set(count: int) -> list[dict]:
    cases = []
    for i in range(count):
        scale = "minor" if (i // 12) % 2 == 0 else "major"
        key = KEYS[(i * 5) % 12]  # walk the circle of fourths so neighbours differ
        bpm = 60 + (i * 37) % 121
        if bpm >= 125:
            style = "trap" if i % 4 else "four-on-floor"
        elif bpm >= 100:
            style = "four-on-floor" if i % 2 else "boom-bap"
        else:
            style = "boom-bap"
        if style == "four-on-floor" and bpm > 135:
            style = "trap"
        cases.append({"seed": 1000 + i, "bpm": bpm, "key": key, "scale": scale, "style": style})
    return cases


def naive_tempo(samples) -> float:
    import numpy as np

    from content.audio import estimate

    envelope = estimate.onset_envelope(samples)
    magnitudes, bpm_per_bin = estimate._periodicity_spectrum(
        envelope, estimate.ANALYSIS_RATE / estimate.ONSET_HOP
    )
    lo, hi = int(50 / bpm_per_bin), int(200 / bpm_per_bin)
    return float((lo + int(np.argmax(magnitudes[lo:hi]))) * bpm_per_bin)


def key_relation(true_pc: int, true_scale: str, pc: int, scale: str) -> str:
    interval = (pc - true_pc) % 12
    if scale == true_scale:
        return {7: "fifth", 5: "fourth"}.get(interval, "other")
    if true_scale == "minor" and interval == 3 or true_scale == "major" and interval == 9:
        return "relative"
    if interval == 0:
        return "parallel"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.count = 8.0, 3

    from content import testing
    from content.audio import estimate
    from content.audio.decode import iter_mono_chunks
    from content.beatgen import NOTE_INDEX, render_beat

    cases = labelled_set(args.count)
    assert {(c["key"], c["scale"]) for c in cases} >= {
        (k, s) for k in KEYS for s in ("major", "minor")
    } or args.count < 24
    tempo_ok = key_ok = naive_ok = 0
    per_style: Counter = Counter()
    per_style_ok: Counter = Counter()
    key_errors: Counter = Counter()
    seconds_spent = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            audio = render_beat(
                seed=case["seed"],
                bpm=case["bpm"],
                key=case["key"],
                scale=case["scale"],
                style=case["style"],
                seconds=args.seconds,
            )
            path = testing.write(Path(tmp) / "beat.wav", testing.wav_bytes(audio, 44100))
            started = time.perf_counter()
            samples = estimate.collect(
                iter_mono_chunks(path, sample_rate=estimate.ANALYSIS_RATE), max_seconds=90
            )
            tempo = estimate.estimate_tempo(samples)
            key = estimate.estimate_key(samples)
            seconds_spent += time.perf_counter() - started
            t_ok = abs(tempo.bpm_exact - case["bpm"]) <= 1
            k_ok = NOTE_INDEX[key.key] == NOTE_INDEX[case["key"]] and key.scale == case["scale"]
            n_ok = abs(naive_tempo(samples) - case["bpm"]) <= 1
            tempo_ok += t_ok
            key_ok += k_ok
            naive_ok += n_ok
            per_style[case["style"]] += 1
            per_style_ok[case["style"]] += t_ok
            if not k_ok:
                key_errors[
                    key_relation(
                        NOTE_INDEX[case["key"]], case["scale"], NOTE_INDEX[key.key], key.scale
                    )
                ] += 1
            print(
                f"{case['style']:14s} {case['bpm']:4d} BPM → {tempo.bpm_exact:7.2f} "
                f"(conf {tempo.confidence:.2f}) {'ok' if t_ok else 'WRONG'} | "
                f"{case['key']:>2s} {case['scale']:5s} → {key.key:>2s} {key.scale:5s} "
                f"(conf {key.confidence:.2f}) {'ok' if k_ok else 'WRONG'}"
            )
    n = len(cases)
    print(f"\ntempo accuracy {tempo_ok / n:.1%} (naive strongest periodicity: {naive_ok / n:.1%})")
    for style in sorted(per_style):
        print(f"  {style}: {per_style_ok[style]}/{per_style[style]}")
    print(f"key accuracy {key_ok / n:.1%}; errors by kind: {dict(key_errors)}")
    print(f"analysis time per beat: {seconds_spent / n * 1000:.0f} ms ({args.seconds:g}s beats)")
    print(
        json.dumps(
            {
                "bench": "estimation",
                "tempo_accuracy": round(tempo_ok / n, 3),
                "key_accuracy": round(key_ok / n, 3),
                "naive_tempo_accuracy": round(naive_ok / n, 3),
                "beats": n,
                "targets": {"tempo_accuracy": 0.9, "key_accuracy": 0.8},
            }
        )
    )


if __name__ == "__main__":
    main()
