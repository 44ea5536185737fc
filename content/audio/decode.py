"""Streaming decode with PyAV (bundled FFmpeg). Memory stays constant whatever the duration.

``iter_mono_chunks`` yields float32 mono blocks of a fixed size. Decoder errors, and streams that
end well before their headers promised (truncation), raise :class:`DecodeError` even where FFmpeg
itself would only log a warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DecodeError(ValueError):
    """The audio cannot be decoded completely.

    ``at_end`` is True when the damage is in the stream's last packet (a cut-off file) and
    ``frames`` counts the mono frames decoded before it, so callers can word it as truncation.
    """

    def __init__(self, message: str, *, frames: int = 0, at_end: bool = False) -> None:
        super().__init__(message)
        self.frames = frames
        self.at_end = at_end


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
    import av.logging

    # FFmpeg's decoders skip damaged frames and only *log* an error; capture those messages
    # so that a damaged stream is an error here, not a silent gap. Not thread-local: frame
    # threading decodes in FFmpeg's own threads (one decode per worker process is the norm).
    if av.logging.get_level() is None:
        av.logging.set_level(av.logging.ERROR)
    with av.logging.Capture(local=False) as logs:
        yield from _decode(path, sample_rate, chunk_frames, logs)


def _logged_error(logs: list, decoder: str) -> str | None:
    """The first error logged by *our* decoder (PyAV delivers log lines lazily, so lines of an
    earlier decode in this process can show up here; they name another decoder)."""
    import av.logging

    for level, name, message in logs:
        if level <= av.logging.ERROR and name == decoder:
            return f"The audio stream is corrupt: {name}: {message.strip()}"
    return None


def _describe(exc: Exception) -> str:
    """The error without the file's path (messages end up in API responses)."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip() or type(exc).__name__


def _near(position: int, file_size: int) -> bool:
    """Is a byte position within the last few packets of the file? (log lines arrive late)"""
    return file_size - position <= max(32768, file_size // 100)


def _audio_frames(path, logs, on_stream):
    """Demux and decode the first audio stream, yielding PyAV frames at the native format.

    ``on_stream(stream)`` is called once the stream is open. Raises ``DecodeError`` for files
    that cannot be opened, and for decoder errors whether raised or only logged.
    """
    import av

    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise DecodeError(f"Cannot open audio: {_describe(exc)}") from exc
    with container:
        if not container.streams.audio:
            raise DecodeError("The file has no audio stream.")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # FFmpeg has no decoder for it (WAV format tag 0xFFFF)
            raise DecodeError("Unsupported audio encoding: unknown.")
        stream.thread_type = "AUTO"
        decoder = stream.codec_context.name
        on_stream(stream)
        decoded = 0
        # An error is held back for one packet: damage in the very last packet is what a
        # cut-off file looks like, and callers report that as truncation.
        pending: str | None = None
        file_size = os.path.getsize(path)
        last_end = 0
        try:
            for packet in container.demux(stream):
                if packet.pos is not None and packet.pos >= 0:
                    last_end = packet.pos + packet.size
                if pending:
                    raise DecodeError(pending, frames=decoded, at_end=_near(last_end, file_size))
                for frame in packet.decode():
                    decoded += frame.samples
                    yield frame
                if logs:
                    pending = _logged_error(logs, decoder)
        except DecodeError:
            raise
        except (av.error.FFmpegError, ValueError) as exc:
            raise DecodeError(
                f"The audio stream is corrupt: {_describe(exc)}",
                frames=decoded,
                at_end=_near(last_end, file_size),
            ) from exc
        pending = pending or _logged_error(logs, decoder)
        if pending:
            raise DecodeError(pending, frames=decoded, at_end=True)


def _decode(path, sample_rate, chunk_frames, logs):
    import av

    state = {}

    def on_stream(stream):
        state["resampler"] = av.AudioResampler(
            format="flt", layout="mono", rate=sample_rate or stream.rate
        )

    buffer = np.empty(chunk_frames, dtype=np.float32)
    filled = 0
    try:
        for frame in _audio_frames(path, logs, on_stream):
            for out in state["resampler"].resample(frame):
                filled = yield from _emit(out.to_ndarray().reshape(-1), buffer, filled)
        for out in state["resampler"].resample(None):
            filled = yield from _emit(out.to_ndarray().reshape(-1), buffer, filled)
    except DecodeError:
        raise
    except (av.error.FFmpegError, ValueError) as exc:
        raise DecodeError(f"The audio stream is corrupt: {_describe(exc)}") from exc
    if filled:
        yield buffer[:filled].copy()


# Full-scale value of PyAV's sample formats (planar or packed), for scaling raw min/max.
FULL_SCALE = {"s16": 32768.0, "s32": 2147483648.0, "flt": 1.0, "dbl": 1.0, "u8": 128.0}


def iter_native_frames(path: str | Path) -> Iterator[tuple[np.ndarray, int, float]]:
    """Decode without resampling: yield ``(values, channels, full_scale)`` per decoded frame.

    ``values`` holds the frame's samples interleaved (frame-major, ``channels`` values per
    sample frame) in the decoder's own dtype, so a caller reducing min/max pays no conversion;
    divide results by ``full_scale`` to get [-1, 1]. Same error semantics as
    ``iter_mono_chunks``.
    """
    import av.logging

    if av.logging.get_level() is None:
        av.logging.set_level(av.logging.ERROR)
    with av.logging.Capture(local=False) as logs:
        for frame in _audio_frames(path, logs, lambda stream: None):
            fmt = frame.format
            array = frame.to_ndarray()
            channels = len(frame.layout.channels)
            # Planar frames are (channels, samples): interleave so blocks span all channels.
            planar = fmt.is_planar and channels > 1
            values = array.T.reshape(-1) if planar else array.reshape(-1)
            name = fmt.name.rstrip("p")
            if name == "u8":
                values = values.astype(np.int16) - 128
            yield values, channels, FULL_SCALE.get(name, 1.0)


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


# --- upload verification ------------------------------------------------------------------------
# The verdict on an upload must be a function of its bytes: the same file is accepted or refused
# every time. So it rests only on what a single-threaded decode deterministically produces (the
# decoder's name, the frames it outputs, the errors it raises), never on FFmpeg's log lines: PyAV
# drops a log line identical to the previous one (even from an earlier file) and frame threads
# log or swallow errors depending on timing, which made identical retries flip.

# A shortfall below one millisecond is accepted: durations are stored in whole milliseconds, and
# the header's frame count of a WAV/AIFF comes from mutagen's float length (rounded back to
# frames). Any cut of a real packet loses more: the smallest decode unit of the accepted codecs
# (a FLAC block, a 4 KB PCM packet) is several milliseconds.
TRUNCATION_TOLERANCE_SECONDS = 0.001


class UnsupportedCodec(DecodeError):
    """The container holds a stream no accepted decoder reads (``codec`` is None when FFmpeg
    has no decoder for it at all, e.g. a WAV whose format tag is 0xFFFF)."""

    def __init__(self, codec: str | None) -> None:
        super().__init__(f"Unsupported audio encoding: {codec or 'unknown'}.")
        self.codec = codec


@dataclass(frozen=True)
class DecodedLength:
    codec: str  # FFmpeg's decoder name: "flac", "pcm_s16le", ...
    sample_rate: int
    channels: int
    frames: int  # sample frames the decoder produced

    @property
    def duration_ms(self) -> int:
        return self.frames * 1000 // self.sample_rate


def verify_complete(
    path: str | Path,
    *,
    expected_frames: int | None,
    accept_codec: Callable[[str], bool] = lambda codec: True,
) -> DecodedLength:
    """Decode the whole file once, single-threaded, counting sample frames.

    Raises ``UnsupportedCodec`` before decoding when ``accept_codec`` refuses the stream's
    decoder; ``DecodeError`` when nothing decodes, when the decoded length falls short of
    ``expected_frames`` (the header's promise) by more than the tolerance (truncated, or frames
    the decoder had to drop), or when a decoder error interrupts a stream of unknown length.
    A decoder error after every promised frame (trailing junk, an appended tag) is accepted.
    """
    import av

    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise DecodeError(f"Cannot open audio: {_describe(exc)}") from exc
    with container:
        if not container.streams.audio:
            raise DecodeError("The file has no audio stream.")
        stream = container.streams.audio[0]
        context = stream.codec_context
        if context is None:
            raise UnsupportedCodec(None)
        if not accept_codec(context.name):
            raise UnsupportedCodec(context.name)
        sample_rate, channels = int(context.sample_rate or 0), int(context.channels or 0)
        if sample_rate <= 0:
            raise DecodeError("The audio stream has no sample rate.")
        stream.thread_type = "NONE"
        frames, failure = 0, None
        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    frames += frame.samples
        except (av.error.FFmpegError, ValueError) as exc:
            failure = exc
    if frames == 0:
        raise DecodeError("The audio stream contains no decodable audio.") from failure
    tolerance = int(sample_rate * TRUNCATION_TOLERANCE_SECONDS)
    if expected_frames and frames < expected_frames - tolerance:
        raise DecodeError(
            f"The audio file is truncated or damaged: its header promises "
            f"{expected_frames / sample_rate:.3f}s but only {frames / sample_rate:.3f}s "
            "could be decoded."
        ) from failure
    if failure is not None and not expected_frames:
        raise DecodeError(f"The audio stream is corrupt: {_describe(failure)}") from failure
    return DecodedLength(
        codec=context.name, sample_rate=sample_rate, channels=channels, frames=frames
    )
