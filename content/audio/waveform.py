"""Waveform peaks for players, streamed from the decoder. No Django here.

The decoder's frames (native sample format, all channels, no resampling) are reduced on the fly
to min/max per *block* of sample frames (1/8 of a bucket when the length is known),
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

from .decode import DecodeError, iter_native_frames

DEFAULT_BUCKETS = 1800


class WaveformError(ValueError):
    """No waveform can be computed from this audio."""


def _block_size(expected_frames: int | None, buckets: int) -> int:
    if not expected_frames:
        # Unknown length: 256-frame blocks keep an hour of 44.1 kHz audio at ~5 MB of
        # partial peaks; callers that know the duration (the service does) get finer blocks.
        return 256
    # At least 8 blocks per bucket keeps bucket edges accurate to 1/8 of a bucket.
    return int(max(1, min(4096, expected_frames // (buckets * 8))))


@dataclass(frozen=True)
class Waveform:
    peaks: list[float]
    frames: int  # decoded sample frames (lets callers check against the promised duration)


class _BlockReducer:
    """Streaming min/max per block of ``block`` sample frames × ``channels`` values.

    A block that straddles two inputs is tracked as a running (min, max, count), so no input
    is ever copied or concatenated.
    """

    def __init__(self, block: int, channels: int) -> None:
        self.width = block * channels
        self.channels = channels
        self.mins: list[np.ndarray] = []
        self.maxs: list[np.ndarray] = []
        self.partial_min = np.inf
        self.partial_max = -np.inf
        self.partial_count = 0
        self.values = 0

    def _close_partial(self) -> None:
        self.mins.append(np.array([self.partial_min]))
        self.maxs.append(np.array([self.partial_max]))
        self.partial_min, self.partial_max, self.partial_count = np.inf, -np.inf, 0

    def feed(self, values: np.ndarray) -> None:
        if values.size == 0:
            return
        self.values += values.size
        if self.partial_count:
            head = values[: self.width - self.partial_count]
            self.partial_min = min(self.partial_min, float(head.min()))
            self.partial_max = max(self.partial_max, float(head.max()))
            self.partial_count += head.size
            values = values[head.size :]
            if self.partial_count < self.width:
                return
            self._close_partial()
        usable = values.size - values.size % self.width
        if usable:
            shaped = values[:usable].reshape(-1, self.width)
            self.mins.append(shaped.min(axis=1))
            self.maxs.append(shaped.max(axis=1))
        if usable < values.size:
            tail = values[usable:]
            self.partial_min, self.partial_max = float(tail.min()), float(tail.max())
            self.partial_count = tail.size

    def finish(self) -> tuple[np.ndarray, np.ndarray, int]:
        if self.partial_count:
            self._close_partial()
        if not self.mins:
            return np.zeros(0), np.zeros(0), 0
        block_min = np.concatenate(self.mins).astype(np.float64)
        block_max = np.concatenate(self.maxs).astype(np.float64)
        return block_min, block_max, self.values // self.channels


def _fold(block_min: np.ndarray, block_max: np.ndarray, buckets: int, full_scale: float):
    count = block_min.shape[0]
    # Bucket i covers blocks [edges[i], edges[i+1]); short files repeat blocks rather than
    # leaving gaps, so the output always has exactly ``buckets`` pairs.
    edges = np.linspace(0, count, buckets + 1)
    starts = np.minimum(np.floor(edges[:-1]).astype(np.int64), count - 1)
    ends = np.maximum(np.ceil(edges[1:]).astype(np.int64), starts + 1)
    out_min = np.minimum.reduceat(block_min, starts)
    out_max = np.maximum.reduceat(block_max, starts)
    # reduceat reduces [starts[i], starts[i+1]); buckets that share a start (more buckets
    # than blocks) are a single block each.
    single = ends - starts == 1
    out_min[single] = block_min[starts[single]]
    out_max[single] = block_max[starts[single]]
    out_min = np.clip(out_min / full_scale, -1.0, 1.0)
    out_max = np.clip(out_max / full_scale, -1.0, 1.0)
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
    return np.round(pairs, 4).tolist()


def peaks_from_chunks(
    chunks: Iterable[np.ndarray],
    *,
    buckets: int = DEFAULT_BUCKETS,
    expected_frames: int | None = None,
    channels: int = 1,
    full_scale: float = 1.0,
) -> Waveform:
    """Min/max pairs over ``buckets`` equal slices of the concatenated ``chunks``.

    ``chunks`` hold interleaved samples (``channels`` values per frame; the peaks cover all
    channels) in any numeric dtype whose full scale is ``full_scale``.
    """
    if buckets <= 0:
        raise ValueError("buckets must be positive")
    reducer = _BlockReducer(_block_size(expected_frames, buckets), channels)
    for chunk in chunks:
        reducer.feed(chunk)
    block_min, block_max, frames = reducer.finish()
    if frames == 0:
        raise WaveformError("The audio contains no samples.")
    return Waveform(peaks=_fold(block_min, block_max, buckets, full_scale), frames=frames)


def compute_peaks(
    path: str | Path,
    *,
    buckets: int = DEFAULT_BUCKETS,
    expected_frames: int | None = None,
) -> Waveform:
    """Decode ``path`` as a stream (native sample format, no resampling: the cheapest path)
    and return its peaks over all channels. Raises ``WaveformError``."""
    frames = iter_native_frames(path)
    try:
        first = next(frames, None)
        if first is None:
            raise WaveformError("The audio contains no samples.")
        values, channels, full_scale = first

        def chunks():
            yield values
            for more, more_channels, _ in frames:
                if more_channels != channels:
                    raise WaveformError("The channel layout changes within the stream.")
                yield more

        return peaks_from_chunks(
            chunks(),
            buckets=buckets,
            expected_frames=expected_frames,
            channels=channels,
            full_scale=full_scale,
        )
    except DecodeError as exc:
        raise WaveformError(str(exc)) from exc
