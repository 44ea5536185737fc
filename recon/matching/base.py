"""The matcher interface and the value types that cross it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Landmarks:
    """Hashes of one recording: ``hashes`` (int32) and ``times`` (int32, in frames) of equal
    length. ``frames_per_second`` converts times to seconds. ``peaks``: the spectral peaks the
    hashes were made of, packed (``recon.matching.verify``), for the verification stage;
    ``dense``: extracted as a scanned beat (the query side), not as a reference recording."""

    hashes: np.ndarray
    times: np.ndarray
    frames_per_second: float
    duration: float
    peaks: np.ndarray | None = None
    dense: bool = False

    def __len__(self) -> int:
        return len(self.hashes)


@dataclass(frozen=True)
class Hits:
    """Index rows whose hash is one of the query's: parallel arrays (hash, recording id, time)."""

    hashes: np.ndarray
    recording_ids: np.ndarray
    times: np.ndarray

    @classmethod
    def empty(cls) -> Hits:
        return cls(np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int32))


@dataclass(frozen=True)
class Candidate:
    """A recording that contains the query. ``offset`` (seconds) is where the query's time 0
    falls in the recording (negative when the recording starts inside the query);
    ``votes`` is the raw evidence, ``confidence`` its calibrated 0–100 score."""

    recording_id: int
    votes: int
    offset: float
    confidence: int


class Matcher(Protocol):
    name: str
    sample_rate: int

    def landmarks(self, samples: np.ndarray, sample_rate: int, *, query: bool = False) -> Landmarks:
        """Mono float samples → the hashes to index (a reference recording) or, with
        ``query``, to scan with (a beat; may be denser than the indexed side)."""

    def landmarks_of_packed(
        self, packed: np.ndarray, duration: float, *, query: bool = False
    ) -> Landmarks:
        """The landmarks of stored peaks (the ``peaks`` of landmarks this matcher extracted
        earlier): the same landmarks again, without decoding the audio (a rescan)."""

    def score(
        self,
        query: Landmarks,
        hits: Hits,
        *,
        minimum: int = 0,
        peaks: Callable[[list[int]], dict[int, np.ndarray]] | None = None,
    ) -> list[Candidate]:
        """Vote the hits per (recording, time offset); candidates with ``confidence >=
        minimum``, best first. ``peaks`` (recording ids → their stored packed peaks, the ids
        without any left out) lets the matcher verify its best candidates peak by peak."""
