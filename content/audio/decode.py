"""Streaming decode with PyAV (bundled FFmpeg). Memory stays constant whatever the duration.

``iter_mono_chunks`` yields float32 mono blocks of a fixed size. Decoder errors, and streams that
end well before their headers promised (truncation), raise :class:`DecodeError` even where FFmpeg
itself would only log a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np


class DecodeError(ValueError):
    """The audio cannot be decoded completely."""


def iter_mono_chunks(
    path: str | Path,
    *,
    sample_rate: int | None = None,
    chunk_frames: int = 65536,
) -> Iterator[np.ndarray]:
    """Decode ``path`` to mono float32 in blocks of ``chunk_frames`` (the last one may be shorter).

    With ``sample_rate`` the audio is resampled; otherwise the native rate is kept.
    """
    import av

    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise DecodeError(f"Cannot open audio: {exc}") from exc
    with container:
        if not container.streams.audio:
            raise DecodeError("The file has no audio stream.")
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate or stream.rate)
        buffer = np.empty(chunk_frames, dtype=np.float32)
        filled = 0
        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    for out in resampler.resample(frame):
                        samples = out.to_ndarray().reshape(-1)
                        filled = yield from _emit(samples, buffer, filled)
            for out in resampler.resample(None):
                samples = out.to_ndarray().reshape(-1)
                filled = yield from _emit(samples, buffer, filled)
        except (av.error.FFmpegError, ValueError) as exc:
            raise DecodeError(f"The audio stream is corrupt: {exc}") from exc
        if filled:
            yield buffer[:filled].copy()


def _emit(samples: np.ndarray, buffer: np.ndarray, filled: int):
    size = buffer.shape[0]
    pos = 0
    while pos < samples.shape[0]:
        take = min(size - filled, samples.shape[0] - pos)
        buffer[filled : filled + take] = samples[pos : pos + take]
        filled += take
        pos += take
        if filled == size:
            yield buffer.copy()
            filled = 0
    return filled


def count_decoded_frames(path: str | Path) -> tuple[int, int]:
    """Decode the whole file at its native rate; return (frames, sample_rate)."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise DecodeError("The file has no audio stream.")
            rate = container.streams.audio[0].rate
    except (av.error.FFmpegError, OSError) as exc:
        raise DecodeError(f"Cannot open audio: {exc}") from exc
    frames = 0
    for chunk in iter_mono_chunks(path, chunk_frames=262144):
        frames += chunk.shape[0]
    return frames, rate


def verify_complete(path: str | Path, *, expected_ms: int, tolerance: float = 0.02) -> int:
    """Full streaming decode; raise if it yields clearly less audio than the header promised.

    Returns the decoded duration in milliseconds.
    """
    frames, rate = count_decoded_frames(path)
    if frames == 0 or not rate:
        raise DecodeError("The audio stream contains no decodable audio.")
    decoded_ms = int(frames * 1000 / rate)
    if expected_ms and decoded_ms < expected_ms * (1 - tolerance) - 50:
        raise DecodeError(
            f"The audio file is truncated: its header promises {expected_ms / 1000:.1f}s "
            f"but only {decoded_ms / 1000:.1f}s could be decoded."
        )
    return decoded_ms
