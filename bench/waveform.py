"""Waveform peaks vs a bare PyAV decode of the same 60-minute file, and RSS growth.

Generates a 60-minute 44.1 kHz stereo FLAC on the fly (a rendered beat, tiled, streamed into
the encoder so the generator never holds an hour of audio), then runs alternately, each in a
fresh subprocess:

* floor: a bare PyAV decode (demux + decode every frame, nothing else);
* candidate: ``content.audio.waveform.compute_peaks`` (streaming decode → mono float32 →
  min/max per block → 1800 buckets).

Reports the median wall times, their ratio (target ≤ 1.5) and the candidate's peak RSS growth
over its own baseline after imports (peak watermark reset first; target ≤ 64 MB). Ends with
one JSON line.

    python bench/waveform.py [--minutes 60] [--repetitions 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

RATE = 44100


def generate(path: Path, minutes: float) -> None:
    import av
    import numpy as np

    from content.beatgen import render_beat

    loop = render_beat(seed=42, bpm=140, key="A", scale="minor", seconds=30, sample_rate=RATE)
    total = int(minutes * 60 * RATE)
    with av.open(str(path), mode="w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE)
        stream.layout = "stereo"
        written = 0
        block = 8192
        while written < total:
            start = written % loop.shape[0]
            chunk = loop[start : start + min(block, total - written)]
            data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo")
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                out.mux(packet)
            written += chunk.shape[0]
        for packet in stream.encode(None):
            out.mux(packet)


CHILD = r"""
import sys, time, json
sys.path.insert(0, {root!r})
import av, numpy as np
from content.audio import waveform, probe  # imports paid before the baseline

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

# Reset the peak-RSS watermark (Linux ≥ 4.0) so the import phase's transient peak does not
# hide what the decode itself needs; the growth is then VmHWM(after) - VmRSS(before).
open("/proc/self/clear_refs", "w").write("5")
baseline = status("VmRSS")
start = time.perf_counter()
if {mode!r} == "floor":
    frames = 0
    with av.open({path!r}) as container:
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        for packet in container.demux(stream):
            for frame in packet.decode():
                frames += frame.samples
else:
    # Like the service: the expected length comes from the header probe (FileEntry fields).
    info = probe.probe_audio({path!r}, "flac")
    result = waveform.compute_peaks({path!r}, expected_frames=info.frames)
    frames = result.frames
elapsed = time.perf_counter() - start
peak = status("VmHWM")
print(json.dumps({{"seconds": elapsed, "frames": frames, "rss_growth_kb": peak - baseline,
                  "rss_baseline_kb": baseline, "rss_peak_kb": peak}}))
"""


def run_child(mode: str, path: Path) -> dict:
    code = CHILD.format(root=str(REPO_ROOT), mode=mode, path=str(path))
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.repetitions = 0.25, 1

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.flac"
        started = time.perf_counter()
        generate(path, args.minutes)
        print(
            f"generated {args.minutes:g} min FLAC ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f}s"
        )
        floor, candidate = [], []
        for i in range(args.repetitions):  # interleaved so drift hits both sides alike
            floor.append(run_child("floor", path))
            candidate.append(run_child("waveform", path))
            print(
                f"rep {i + 1}: bare decode {floor[-1]['seconds']:.2f}s, "
                f"waveform {candidate[-1]['seconds']:.2f}s, "
                f"RSS growth: decode {floor[-1]['rss_growth_kb'] / 1024:.1f} MB, waveform "
                f"{candidate[-1]['rss_growth_kb'] / 1024:.1f} MB (from "
                f"{candidate[-1]['rss_baseline_kb'] / 1024:.0f} MB after imports)"
            )
    floor_s = statistics.median(r["seconds"] for r in floor)
    cand_s = statistics.median(r["seconds"] for r in candidate)
    rss_mb = max(r["rss_growth_kb"] for r in candidate) / 1024
    ratio = cand_s / floor_s
    print(f"bare PyAV decode: {floor_s:.2f}s  waveform: {cand_s:.2f}s  ratio {ratio:.2f}")
    print(
        json.dumps(
            {
                "bench": "waveform",
                "ratio": round(ratio, 3),
                "target": 1.5,
                "rss_growth_mb": round(rss_mb, 1),
                "rss_target_mb": 64,
                "minutes": args.minutes,
                "waveform_seconds": round(cand_s, 2),
                "decode_seconds": round(floor_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
