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
* ``items``: the raw Chromaprint fingerprint, computed by libchromaprint from those samples
  mixed to mono and decimated to about 11025 Hz (as fpcalc does with FFmpeg: the items agree
  with fpcalc's within a bit or two).
* ``tuning_cents`` and ``tuned_items``: how far the music sits from the A440 grid, and the
  fingerprint of the audio played that much faster or slower to sit on it; ``variants`` (for
  queries) a semitone below and above. A copy sped up or slowed down (pitch and tempo) has
  the same retuned audio as its original, give or take a semitone (``fpmatch.best_match``).
* ``audible_seconds``: how much of it is louder than ``AUDIBLE_DBFS`` (near-silence test).

Memory stays constant whatever the duration: blocks are hashed and fed to the fingerprinters
as they are decoded.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from content.audio.chromaprint import FingerprintError, PcmFingerprinter

VARIANT_SECONDS = 45.0
AUDIBLE_DBFS = -60.0  # blocks quieter than this (RMS) count as near-silence
_AUDIBLE_RMS = 32768.0 * 10 ** (AUDIBLE_DBFS / 20)
_ZEROS = np.zeros(1 << 16, np.int16)


@dataclass(frozen=True)
class AudioDigest:
    pcm_sha256: str
    items: np.ndarray  # int32 raw Chromaprint fingerprint
    duration: float  # seconds decoded
    audible_seconds: float
    tuning_cents: float = 0.0  # offset from the A440 semitone grid, in [-50, 50)
    tuned_items: np.ndarray | None = None  # fingerprint of the audio retuned to A440
    # query-only: the retuned audio a semitone lower (-1) and higher (+1)
    variants: dict[int, np.ndarray] = field(default_factory=dict)


class _SilenceTrimmingHash:
    """SHA-256 of int16 frames, leaving out leading and trailing all-zero frames."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._started = False
        self._held_zero_samples = 0  # zeros seen since the last sound; hashed if sound follows

    def update(self, samples: np.ndarray, channels: int) -> None:
        if self._started and not self._held_zero_samples and samples[-channels:].any():
            self._digest.update(samples.astype("<i2", copy=False).tobytes())  # the usual case
            return
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
    path: str | Path, *, query_variants: bool = False, time_limit: float | None = None
) -> AudioDigest:
    """Decode ``path`` once; hash, fingerprint and measure it. ``query_variants`` adds the
    semitone-shifted retuned fingerprints a duplicate *query* needs. Raises
    ``FingerprintError`` when the audio cannot be decoded or the work takes longer than
    ``time_limit`` seconds."""
    import av

    started = time.monotonic()

    def check_time() -> None:
        if time_limit is not None and time.monotonic() - started > time_limit:
            raise FingerprintError(f"Fingerprinting took longer than {time_limit:g}s.")

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
        pending: list[np.ndarray] = []
        frames = audible = 0

        def process() -> None:
            nonlocal frames, audible
            samples = np.concatenate(pending) if len(pending) > 1 else pending[0]
            pending.clear()
            n = samples.size // state["channels"]
            frames += n
            audible += _audible_frames(samples, n)
            hasher.update(samples, state["channels"])
            low = state["decimator"].feed(samples, state["channels"])
            state["fingerprinter"].feed(low)

        try:
            for frame in container.decode(stream):
                if not state:
                    state.update(_start(frame))
                if state["passthrough"] and frame.format.name == "s16":
                    pending.append(frame.to_ndarray().reshape(-1))
                else:
                    for out in state["resampler"].resample(frame):
                        pending.append(out.to_ndarray().reshape(-1))
                if sum(p.size for p in pending) >= state["chunk"]:
                    process()
                    check_time()
            if pending:
                process()
        except (av.error.FFmpegError, ValueError) as exc:
            raise FingerprintError(f"The audio could not be decoded: {exc}") from exc
    if not state:
        raise FingerprintError("The audio stream holds no samples.")
    rate = state["rate"]
    items = state["fingerprinter"].finish()
    low_rate, low = state["decimator"].result()
    tuning = tuning_offset(low, low_rate)
    shifts = (0, -1, 1) if query_variants else (0,)
    retuned = {}
    for semitones in shifts:
        check_time()
        # The semitone-shifted variants only serve as queries: the middle 45 s are enough
        # to find and score the original, at a quarter of the cost of a 3-minute track.
        part = low if semitones == 0 else _middle(low, VARIANT_SECONDS * low_rate)
        speed = 2.0 ** ((100.0 * semitones - tuning) / 1200.0)
        fingerprinter = PcmFingerprinter(int(round(low_rate * speed)), 1)
        fingerprinter.feed(part)
        retuned[semitones] = fingerprinter.finish()
    return AudioDigest(
        pcm_sha256=hasher.hexdigest(),
        items=items,
        duration=frames / rate,
        audible_seconds=audible / rate,
        tuning_cents=tuning,
        tuned_items=retuned.pop(0),
        variants=retuned,
    )


def _middle(samples: np.ndarray, length: float) -> np.ndarray:
    start = max(0, (samples.size - int(length)) // 2)
    return samples[start : start + int(length)]


def _start(frame) -> dict:
    import av

    channels = min(2, frame.layout.nb_channels)
    layout = "mono" if channels == 1 else "stereo"
    rate = frame.sample_rate
    decimator = _Decimator(rate)
    return {
        "channels": channels,
        "rate": rate,
        "chunk": rate * channels,  # process about a second at a time
        "passthrough": frame.layout.nb_channels == channels,
        # Packed s16 at the stream's own rate: a pass-through for 16-bit PCM and FLAC.
        "resampler": av.AudioResampler(format="s16", layout=layout, rate=rate),
        "decimator": decimator,
        # Fed the decimated mono audio (as fpcalc feeds it FFmpeg's 11025 Hz mono): the items
        # match fpcalc's within a bit or two, and libchromaprint's own resampler, which is
        # slow at 44.1 kHz, has little or nothing to do.
        "fingerprinter": PcmFingerprinter(int(round(decimator.rate)), 1),
    }


class _Decimator:
    """Mono, low-passed and decimated to about Chromaprint's 11025 Hz (a whole factor of the
    stream's rate), kept as int16: 22 kB per second, 40 MB for the longest upload allowed.
    The tuning estimate and the retuned fingerprints need the whole track before they start."""

    TAPS = 32

    def __init__(self, rate: int) -> None:
        self.factor = max(1, int(rate // 11025))
        self.rate = rate / self.factor
        cutoff = 0.45 / self.factor  # of the input rate: below the new Nyquist frequency
        t = np.arange(self.TAPS) - (self.TAPS - 1) / 2
        taps = 2 * cutoff * np.sinc(2 * cutoff * t) * np.hamming(self.TAPS)
        self._taps = (taps / taps.sum())[::-1].astype(np.float32)
        self._history = np.zeros(self.TAPS - 1, np.float32)
        self._phase = 0  # input samples to skip before the next kept one
        self._blocks: list[np.ndarray] = []

    def feed(self, samples: np.ndarray, channels: int) -> np.ndarray:
        """Take interleaved int16 samples, return (and keep) their decimated mono int16."""
        mono = samples.astype(np.float32)
        if channels == 2:
            mono = (mono[0::2] + mono[1::2]) * np.float32(0.5)
        buffer = np.concatenate([self._history, mono])
        self._history = buffer[-(self.TAPS - 1) :]
        windows = np.lib.stride_tricks.sliding_window_view(buffer, self.TAPS)
        kept = windows[self._phase :: self.factor]
        self._phase = (self._phase - windows.shape[0]) % self.factor
        out = np.clip(np.rint(kept @ self._taps), -32768, 32767).astype(np.int16)
        self._blocks.append(out)
        return out

    def result(self) -> tuple[float, np.ndarray]:
        low = np.concatenate(self._blocks) if self._blocks else np.empty(0, np.int16)
        return self.rate, low


def tuning_offset(samples: np.ndarray, rate: float, *, max_frames: int = 300) -> float:
    """How far the music sits from the A440 equal-tempered grid, in cents, in [-50, 50).

    The magnitude-weighted circular mean, over the period of a semitone, of the pitch of every
    spectral peak between 100 Hz and 3 kHz (parabolic interpolation on a 4096-point FFT). A
    copy played ``k`` times faster shifts every peak by ``1200 log2 k`` cents, so its estimate
    shifts by the same amount (measured: within 1 cent on real music), whatever the error of
    the estimate itself: that is what lets a speed-changed copy be retuned onto its original.
    0 when there is no peak at all.
    """
    size, hop = 4096, 2048
    x = np.asarray(samples, dtype=np.float32)
    if x.size < size:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(x, size)[::hop]
    if frames.shape[0] > max_frames:
        frames = frames[np.linspace(0, frames.shape[0] - 1, max_frames).astype(int)]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(size).astype(np.float32), axis=1))
    freqs = np.arange(spectrum.shape[1]) * rate / size
    middle, left, right = spectrum[:, 1:-1], spectrum[:, :-2], spectrum[:, 2:]
    band = ((freqs > 100) & (freqs < 3000))[1:-1]
    frame_index, bin_index = np.nonzero((middle > left) & (middle >= right) & band[None, :])
    if bin_index.size == 0:
        return 0.0
    bin_index = bin_index + 1
    logs = [np.log(spectrum[frame_index, bin_index + d] + 1e-9) for d in (-1, 0, 1)]
    curvature = logs[0] - 2 * logs[1] + logs[2]
    shift = np.where(curvature < 0, 0.5 * (logs[0] - logs[2]) / np.minimum(curvature, -1e-9), 0)
    peak_hz = (bin_index + np.clip(shift, -0.5, 0.5)) * rate / size
    cents = 1200.0 * np.log2(peak_hz / 440.0)
    weights = spectrum[frame_index, bin_index]
    resultant = np.sum(weights * np.exp(2j * np.pi * cents / 100.0))
    if abs(resultant) == 0:
        return 0.0
    offset = float(np.angle(resultant) * 100.0 / (2 * np.pi))
    return (offset + 50.0) % 100.0 - 50.0


def _audible_frames(samples: np.ndarray, frames: int) -> int:
    """The block's frames if its RMS (all channels) reaches AUDIBLE_DBFS, else 0."""
    if not samples.size:
        return 0
    as_float = samples.astype(np.float32)
    energy = float(np.dot(as_float, as_float))
    return frames if energy / samples.size >= _AUDIBLE_RMS**2 else 0
