"""Waveform peaks for players, streamed from the decoder. No Django here.

The decoder's mono blocks are reduced on the fly to min/max per *block* of a few dozen samples,
so memory grows only with duration / block (a 60-minute file keeps ~2.5 MB of partial peaks),
never with the audio itself. At the end the blocks are folded into ``buckets`` min/max pairs
and normalised so the loudest peak is ±1.

Output shape: a flat list ``[min_0, max_0, min_1, max_1, ...]`` of ``2 * buckets`` floats in
[-1, 1], rounded to 4 decimals (the OpenAPI's ``peaks: number[]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decode import DecodeError, iter_mono_chunks

DEFAULT_BUCKETS = 1800


class WaveformError(ValueError):
    """No waveform can be computed from this audio."""


def _block_size(expected_frames: int | None, buckets: int) -> int:
    if not expected_frames:
        return 32
    # At least 8 blocks per bucket keeps bucket edges accurate to 1/8 of a bucket.
    return int(max(1, min(4096, expected_frames // (buckets * 8))))


@dataclass(frozen=True)
class Waveform:
    peaks: list[float]
    frames: int  # decoded mono frames (lets callers check against the promised duration)


def peaks_from_chunks(
    chunks: Iterable[np.ndarray],
    *,
    buckets: int = DEFAULT_BUCKETS,
    expected_frames: int | None = None,
) -> Waveform:
    """Min/max pairs over ``buckets`` equal slices of the concatenated ``chunks``."""
    if buckets <= 0:
        raise ValueError("buckets must be positive")
    block = _block_size(expected_frames, buckets)
    mins: list[np.ndarray] = []
    maxs: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)
    total = 0
    for chunk in chunks:
        total += chunk.shape[0]
        data = np.concatenate([carry, chunk]) if carry.size else chunk
        usable = data.shape[0] - data.shape[0] % block
        if usable:
            shaped = data[:usable].reshape(-1, block)
            mins.append(shaped.min(axis=1))
            maxs.append(shaped.max(axis=1))
        carry = data[usable:].copy()
    if carry.size:
        mins.append(np.array([carry.min()], dtype=np.float32))
        maxs.append(np.array([carry.max()], dtype=np.float32))
    if total == 0:
        raise WaveformError("The audio contains no samples.")
    block_min = np.concatenate(mins)
    block_max = np.concatenate(maxs)
    count = block_min.shape[0]
    # Bucket i covers blocks [edges[i], edges[i+1]); short files repeat blocks rather than
    # leaving gaps, so the output always has exactly ``buckets`` pairs.
    edges = np.linspace(0, count, buckets + 1)
    starts = np.minimum(np.floor(edges[:-1]).astype(np.int64), count - 1)
    ends = np.maximum(np.ceil(edges[1:]).astype(np.int64), starts + 1)
    out_min = np.minimum.reduceat(block_min, starts)
    out_max = np.maximum.reduceat(block_max, starts)
    # reduceat reduces [starts[i], starts[i+1]); fix buckets whose range extends further (only
    # possible when buckets outnumber blocks, where each bucket is a single block anyway).
    single = ends - starts == 1
    out_min[single] = block_min[starts[single]]
    out_max[single] = block_max[starts[single]]
    out_min = np.clip(out_min, -1.0, 1.0)
    out_max = np.clip(out_max, -1.0, 1.0)
    peak = float(max(np.abs(out_min).max(), np.abs(out_max).max()))
    if peak > 1e-6:
        out_min = out_min / peak
        out_max = out_max / peak
    else:
        out_min = np.zeros_like(out_min)
        out_max = np.zeros_like(out_max)
    pairs = np.empty(2 * buckets, dtype=np.float64)
    pairs[0::2] = out_min
    pairs[1::2] = out_max
    return Waveform(peaks=np.round(pairs, 4).tolist(), frames=total)


def compute_peaks(
    path: str | Path,
    *,
    buckets: int = DEFAULT_BUCKETS,
    expected_frames: int | None = None,
    sample_rate: int | None = None,
) -> Waveform:
    """Decode ``path`` as a stream and return its peaks. Raises ``WaveformError``."""
    try:
        return peaks_from_chunks(
            iter_mono_chunks(path, sample_rate=sample_rate),
            buckets=buckets,
            expected_frames=expected_frames,
        )
    except DecodeError as exc:
        raise WaveformError(str(exc)) from exc
