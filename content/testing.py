"""Test-data builders shared by the test suite, seed_demo and the benches.

Audio is generated (numpy → PCM WAV / FLAC / MP3 via PyAV), never shipped.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np


def tone(
    seconds: float,
    *,
    freq: float = 440.0,
    sample_rate: int = 44100,
    channels: int = 1,
    amplitude: float = 0.3,
) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    mono = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)


def wav_bytes(samples: np.ndarray, sample_rate: int = 44100) -> bytes:
    """16-bit PCM WAV from float samples shaped (frames,) or (frames, channels)."""
    if samples.ndim == 1:
        samples = samples[:, None]
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def encode(
    samples: np.ndarray, fmt: str, *, sample_rate: int = 44100, bitrate: int | None = None
) -> bytes:
    """Encode float samples with PyAV: fmt in {"wav", "flac", "mp3", "aiff"}."""
    import av

    if fmt == "wav":
        return wav_bytes(samples, sample_rate)
    if samples.ndim == 1:
        samples = samples[:, None]
    channels = samples.shape[1]
    codec, container_fmt, sample_fmt = {
        "flac": ("flac", "flac", "s16"),
        "mp3": ("libmp3lame", "mp3", "fltp"),
        "aiff": ("pcm_s16be", "aiff", "s16"),
    }[fmt]
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=sample_rate)
        stream.layout = "stereo" if channels == 2 else "mono"
        if bitrate:
            stream.bit_rate = bitrate
        block = 4096
        for start in range(0, samples.shape[0], block):
            chunk = samples[start : start + block]
            if sample_fmt == "s16":
                data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            else:
                data = np.ascontiguousarray(chunk.T.astype(np.float32))
            frame = av.AudioFrame.from_ndarray(
                data, format=sample_fmt, layout="stereo" if channels == 2 else "mono"
            )
            frame.sample_rate = sample_rate
            frame.pts = start  # in samples (time base 1/sample_rate): monotonic dts for the muxer
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def write(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.write_bytes(data)
    return path


def png_bytes(width: int = 64, height: int = 64, color=(200, 30, 90)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def bomb_png_bytes(width: int = 10000, height: int = 10000) -> bytes:
    """A tiny file that declares a huge canvas (1-bit, compresses to almost nothing)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (width, height), 0).save(buf, format="PNG", optimize=True)
    return buf.getvalue()
