"""Chromaprint raw fingerprints computed from audio files we hold. No Django here.

We run Chromaprint's ``fpcalc`` (package ``libchromaprint-tools``) as a subprocess: it brings
its own decoder, runs with a timeout, and a decoder crash on hostile input cannot take the
worker down. We never accept a fingerprint from a client.

Exit codes: Debian 12's fpcalc 1.5.1 prints a complete, valid fingerprint and then exits with
code 3 ("Error decoding audio frame") at the end of many perfectly good files, which is why
pyacoustid's ``force_fpcalc`` path raises on them. We accept exit code 3 *only* when the output
holds a fingerprint and the only complaint is a decoding error; any other failure is an error.

A sub-fingerprint covers about 0.124 s (``ITEM_SECONDS``). Audio that is too short, silent or
nearly silent gives an :class:`InsufficientAudio` result instead of a fingerprint, so it can
never be reported as a (false) match. Production fingerprints come from libchromaprint itself
(``PcmFingerprinter``, fed by ``content.audio.digest``); ``compute`` runs fpcalc on a file and
gives the same items.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Chromaprint's default algorithm: 4096-sample frames at 11025 Hz with a 2/3 overlap.
ITEM_SECONDS = 4096 / 3 / 11025
# The sub-fingerprint Chromaprint emits for digital silence (every classifier at rest).
SILENCE_ITEM = 627964279
MIN_SECONDS = 8.0  # below this a match would not be reliable (also: audible seconds needed)
INSUFFICIENT_AUDIO = "insufficient_audio"
EXIT_DECODE_ERROR = 3


class FingerprintError(RuntimeError):
    """fpcalc could not fingerprint the file (missing tool, timeout, undecodable audio)."""


@dataclass(frozen=True)
class Fingerprint:
    items: np.ndarray  # int32 raw sub-fingerprints
    duration: float  # seconds of audio analysed

    @property
    def sha256(self) -> str:
        return fingerprint_sha256(self.items)


@dataclass(frozen=True)
class InsufficientAudio:
    """Too short or too silent for a reliable fingerprint (never a match, never a failure)."""

    reason: str
    duration: float
    code: str = INSUFFICIENT_AUDIO


def fingerprint_sha256(items) -> str:
    """The fingerprint's "hash" shown to producers: SHA-256 of the little-endian int32 items."""
    return hashlib.sha256(np.asarray(items, dtype="<i4").tobytes()).hexdigest()


def fpcalc_command() -> str:
    return os.environ.get("FPCALC", "fpcalc")


def run_fpcalc(path: str | Path, *, fpcalc: str | None = None, timeout: float = 120.0) -> dict:
    """Run fpcalc on ``path`` and return its parsed JSON output (``duration``, ``fingerprint``).

    Exit code 0 → the output. Exit code 3 with a fingerprint and a decoding complaint → the
    output (fpcalc 1.5.1 reports the end of many valid files that way). "Empty fingerprint"
    (decodable but far too short) → an empty fingerprint, judged insufficient by ``assess``.
    Anything else raises :class:`FingerprintError`.
    """
    binary = fpcalc or fpcalc_command()
    if shutil.which(binary) is None:
        raise FingerprintError(f"fpcalc is not installed ({binary!r} not found).")
    command = [binary, "-raw", "-signed", "-length", "0", "-ignore-errors", "-json", str(path)]
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise FingerprintError(f"fpcalc timed out after {timeout:g}s.") from exc
    except OSError as exc:
        raise FingerprintError(f"fpcalc could not run: {exc}") from exc
    stderr = (proc.stderr or "").strip()
    output = _parse_output(proc.stdout)
    if proc.returncode == 0 and output is not None:
        return output
    if (
        proc.returncode == EXIT_DECODE_ERROR
        and output is not None
        and output["fingerprint"]
        and "decod" in stderr.lower()
    ):
        return output
    if "empty fingerprint" in stderr.lower():
        # Decodable but far too short (a 45 ms clip): insufficient audio, not a failure.
        return {"duration": 0.0, "fingerprint": []}
    detail = stderr.splitlines()[-1] if stderr else f"exit code {proc.returncode}"
    raise FingerprintError(f"fpcalc failed: {detail[:200]}")


def _parse_output(stdout: str) -> dict | None:
    try:
        data = json.loads(stdout or "")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    raw = data.get("fingerprint")
    if not isinstance(raw, list) or not all(isinstance(v, int) for v in raw):
        return None
    try:
        duration = float(data.get("duration") or 0.0)
    except (TypeError, ValueError):
        duration = 0.0
    return {"duration": duration, "fingerprint": raw}


def sounding_items(items: np.ndarray) -> int:
    """Sub-fingerprints that are not Chromaprint's digital-silence item."""
    items = np.asarray(items, dtype=np.int32)
    return int(np.count_nonzero(items != np.int32(SILENCE_ITEM)))


def assess(
    items: np.ndarray, duration: float, audible_seconds: float | None = None
) -> Fingerprint | InsufficientAudio:
    """Wrap the items, or say why they are not enough for a reliable comparison.

    Only two things make audio unfit: being shorter than ``MIN_SECONDS``, and being silent or
    nearly so (fewer than ``MIN_SECONDS`` of it louder than -60 dBFS, or of sub-fingerprints
    that are not silence). Repetition is no reason: a loop repeated 8 times is a unique beat,
    and its fingerprint matches its copies like any other (``bench/duplicates_quality.py``).
    """
    items = np.asarray(items, dtype=np.int32)
    seconds = items.size * ITEM_SECONDS
    if min(duration or seconds, seconds) < MIN_SECONDS:
        return InsufficientAudio(
            f"The audio is too short to fingerprint reliably (at least {MIN_SECONDS:g}s needed).",
            duration=float(duration),
        )
    sounding = sounding_items(items) * ITEM_SECONDS
    if min(sounding, seconds if audible_seconds is None else audible_seconds) < MIN_SECONDS:
        return InsufficientAudio(
            "The audio is silent or nearly silent: there is nothing to fingerprint.",
            duration=float(duration),
        )
    return Fingerprint(items=items, duration=float(duration))


def compute(
    path: str | Path, *, fpcalc: str | None = None, timeout: float = 120.0
) -> Fingerprint | InsufficientAudio:
    """Fingerprint the audio file at ``path``. Raises :class:`FingerprintError` on failure."""
    output = run_fpcalc(path, fpcalc=fpcalc, timeout=timeout)
    raw = output["fingerprint"]
    try:
        items = np.asarray(raw, dtype=np.int64)
    except (OverflowError, ValueError) as exc:  # pragma: no cover - fpcalc prints int32
        raise FingerprintError("fpcalc printed an invalid fingerprint.") from exc
    if items.size and (items.min() < -(2**31) or items.max() >= 2**32):
        raise FingerprintError("fpcalc printed an invalid fingerprint.")
    return assess(items.astype(np.uint32).view(np.int32), output["duration"])


# --- in-process fingerprinting of decoded PCM ---------------------------------------------------
# libchromaprint (the library fpcalc wraps, package libchromaprint1) fed with PCM we decoded
# ourselves. Feeding it the same samples gives the very same items as fpcalc; it also lets one
# decode serve several fingerprints (the speed-changed query variants, see ``content.audio.
# fpquery``) without a subprocess each. It only ever sees PCM, never a file.

ALGORITHM_DEFAULT = 1  # CHROMAPRINT_ALGORITHM_TEST2, fpcalc's default
_library = None


def _lib():
    """libchromaprint through ctypes, loaded once. Raises FingerprintError when missing."""
    global _library
    if _library is None:
        import ctypes
        import ctypes.util

        names = ["libchromaprint.so.1", ctypes.util.find_library("chromaprint")]
        for name in filter(None, names):
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                continue
            lib.chromaprint_new.argtypes = (ctypes.c_int,)
            lib.chromaprint_new.restype = ctypes.c_void_p
            lib.chromaprint_free.argtypes = (ctypes.c_void_p,)
            lib.chromaprint_free.restype = None
            lib.chromaprint_start.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_int)
            lib.chromaprint_start.restype = ctypes.c_int
            lib.chromaprint_feed.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
            lib.chromaprint_feed.restype = ctypes.c_int
            lib.chromaprint_finish.argtypes = (ctypes.c_void_p,)
            lib.chromaprint_finish.restype = ctypes.c_int
            lib.chromaprint_get_raw_fingerprint.argtypes = (
                ctypes.c_void_p,
                ctypes.POINTER(ctypes.POINTER(ctypes.c_uint32)),
                ctypes.POINTER(ctypes.c_int),
            )
            lib.chromaprint_get_raw_fingerprint.restype = ctypes.c_int
            lib.chromaprint_dealloc.argtypes = (ctypes.c_void_p,)
            lib.chromaprint_dealloc.restype = None
            _library = lib
            break
        else:
            raise FingerprintError("libchromaprint is not installed (package libchromaprint1).")
    return _library


class PcmFingerprinter:
    """Raw Chromaprint fingerprint of interleaved int16 PCM fed in blocks.

    ``sample_rate`` is what the library is told: declaring ``rate * k`` for audio recorded at
    ``rate`` fingerprints it as if it were played ``k`` times faster (pitch and tempo).
    """

    def __init__(self, sample_rate: int, channels: int) -> None:
        self._lib = _lib()
        self._ctx = self._lib.chromaprint_new(ALGORITHM_DEFAULT)
        if not self._ctx or not self._lib.chromaprint_start(self._ctx, sample_rate, channels):
            self.close()
            raise FingerprintError(f"libchromaprint rejected {sample_rate} Hz × {channels}.")

    def feed(self, pcm: np.ndarray) -> None:
        pcm = np.ascontiguousarray(pcm, dtype=np.int16)
        if pcm.size and not self._lib.chromaprint_feed(self._ctx, pcm.ctypes.data, pcm.size):
            raise FingerprintError("libchromaprint could not process the audio.")

    def finish(self) -> np.ndarray:
        """The raw fingerprint as int32 (like fpcalc's ``-raw -signed``)."""
        import ctypes

        try:
            if not self._lib.chromaprint_finish(self._ctx):
                raise FingerprintError("libchromaprint could not finish the fingerprint.")
            pointer = ctypes.POINTER(ctypes.c_uint32)()
            size = ctypes.c_int()
            if not self._lib.chromaprint_get_raw_fingerprint(
                self._ctx, ctypes.byref(pointer), ctypes.byref(size)
            ):
                raise FingerprintError("libchromaprint returned no fingerprint.")
            try:
                if size.value <= 0:
                    return np.empty(0, np.int32)
                items = np.ctypeslib.as_array(pointer, shape=(size.value,)).copy()
            finally:
                self._lib.chromaprint_dealloc(pointer)
            return items.view(np.int32)
        finally:
            self.close()

    def close(self) -> None:
        if getattr(self, "_ctx", None):
            self._lib.chromaprint_free(self._ctx)
            self._ctx = None

    def __del__(self) -> None:
        self.close()
