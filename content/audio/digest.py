"""One decode of an audio file gives everything the duplicate check needs. Pure, no Django.

* ``pcm_sha256``: SHA-256 of the decoded audio, independent of container and codec. The
  canonical form is the decoded samples as signed 16-bit integers, interleaved, at the file's
  own sample rate and channel count (more than two channels are mixed down to stereo), with
  leading and trailing frames of exact digital silence left out. So a WAV, its FLAC and its
  AIFF hash alike, and so does a copy padded with silence; a 24-bit master and its 16-bit
  export of the same samples hash alike too. Nothing is resampled: resampling two identical
  streams gives identical results anyway, so a canonical rate would buy nothing but cost time,
  and leaving the rate out of the hash also catches a copy whose header merely claims another
  rate (the cheapest speed change there is). Empty for audio that is digital silence
  throughout (all such files would otherwise be "the same content").
* ``items``: the raw Chromaprint fingerprint, computed by libchromaprint from those very
  samples (the same items fpcalc prints for the file).
* ``variants``: fingerprints of the audio as if played ``k`` times faster, for the speed
  factors asked for (queries for speed-changed copies; see ``content.audio.fpquery``).
* ``audible_seconds``: how much of it is louder than ``AUDIBLE_DBFS`` (near-silence test).

Memory stays constant whatever the duration: blocks are hashed and fed to the fingerprinters
as they are decoded.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from content.audio.chromaprint import FingerprintError, PcmFingerprinter

AUDIBLE_DBFS = -60.0  # blocks quieter than this (RMS) count as near-silence
_AUDIBLE_RMS = 32768.0 * 10 ** (AUDIBLE_DBFS / 20)
_ZEROS = np.zeros(1 << 16, np.int16)


@dataclass(frozen=True)
class AudioDigest:
    pcm_sha256: str
    items: np.ndarray  # int32 raw Chromaprint fingerprint
    duration: float  # seconds decoded
    audible_seconds: float
    variants: dict[float, np.ndarray] = field(default_factory=dict)


class _SilenceTrimmingHash:
    """SHA-256 of int16 frames, leaving out leading and trailing all-zero frames."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._started = False
        self._held_zero_samples = 0  # zeros seen since the last sound; hashed if sound follows

    def update(self, samples: np.ndarray, channels: int) -> None:
        frames = samples.reshape(-1, channels)
        sounding = np.flatnonzero(samples)
        if sounding.size == 0:
            if self._started:
                self._held_zero_samples += samples.size
            return
        first = 0 if self._started else int(sounding[0]) // channels
        last = int(sounding[-1]) // channels
        self._started = True
        while self._held_zero_samples:
            n = min(self._held_zero_samples, _ZEROS.size)
            self._digest.update(_ZEROS[:n].tobytes())
            self._held_zero_samples -= n
        self._digest.update(frames[first : last + 1].astype("<i2", copy=False).tobytes())
        self._held_zero_samples = (frames.shape[0] - last - 1) * channels

    def hexdigest(self) -> str:
        return self._digest.hexdigest() if self._started else ""


def digest_file(
    path: str | Path, *, speeds: Iterable[float] = (), time_limit: float | None = None
) -> AudioDigest:
    """Decode ``path`` once; hash, fingerprint and measure it. Raises ``FingerprintError`` when
    the audio cannot be decoded or the work takes longer than ``time_limit`` seconds."""
    import av

    started = time.monotonic()
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise FingerprintError(f"Cannot open the audio: {type(exc).__name__}") from exc
    with container:
        if not container.streams.audio:
            raise FingerprintError("The file has no audio stream.")
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        hasher = _SilenceTrimmingHash()
        state: dict = {}
        frames = audible = 0
        try:
            for frame in container.decode(stream):
                if not state:
                    state.update(_start(frame, speeds))
                for out in state["resampler"].resample(frame):
                    samples = out.to_ndarray().reshape(-1)
                    n = samples.size // state["channels"]
                    frames += n
                    audible += _audible_frames(samples, n)
                    hasher.update(samples, state["channels"])
                    for fingerprinter in state["fingerprinters"].values():
                        fingerprinter.feed(samples)
                if time_limit is not None and time.monotonic() - started > time_limit:
                    raise FingerprintError(f"Fingerprinting took longer than {time_limit:g}s.")
        except (av.error.FFmpegError, ValueError) as exc:
            raise FingerprintError(f"The audio could not be decoded: {exc}") from exc
    if not state:
        raise FingerprintError("The audio stream holds no samples.")
    fingerprinters = state["fingerprinters"]
    items = fingerprinters.pop(1.0).finish()
    rate = state["rate"]
    return AudioDigest(
        pcm_sha256=hasher.hexdigest(),
        items=items,
        duration=frames / rate,
        audible_seconds=audible / rate,
        variants={k: fp.finish() for k, fp in fingerprinters.items()},
    )


def _start(frame, speeds: Iterable[float]) -> dict:
    import av

    channels = min(2, frame.layout.nb_channels)
    layout = "mono" if channels == 1 else "stereo"
    rate = frame.sample_rate
    factors = dict.fromkeys([1.0, *(float(k) for k in speeds if float(k) != 1.0)])
    return {
        "channels": channels,
        "rate": rate,
        # Packed s16 at the stream's own rate: a pass-through for 16-bit PCM and FLAC.
        "resampler": av.AudioResampler(format="s16", layout=layout, rate=rate),
        "fingerprinters": {k: PcmFingerprinter(int(round(rate * k)), channels) for k in factors},
    }


def _audible_frames(samples: np.ndarray, frames: int) -> int:
    """The block's frames if its RMS (all channels) reaches AUDIBLE_DBFS, else 0."""
    if not samples.size:
        return 0
    as_float = samples.astype(np.float32)
    energy = float(np.dot(as_float, as_float))
    return frames if energy / samples.size >= _AUDIBLE_RMS**2 else 0
