"""An in-memory landmark index with the same lookup contract as the PostgreSQL one."""

from __future__ import annotations

import numpy as np

from recon.matching.base import Hits, Landmarks


class MemoryIndex:
    def __init__(self) -> None:
        self._hashes: list[np.ndarray] = []
        self._recs: list[np.ndarray] = []
        self._times: list[np.ndarray] = []
        self._peaks: dict[int, np.ndarray] = {}
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, recording_id: int, landmarks: Landmarks) -> None:
        self._hashes.append(landmarks.hashes)
        self._recs.append(np.full(len(landmarks), recording_id, np.int64))
        self._times.append(landmarks.times)
        if landmarks.peaks is not None:
            self._peaks[recording_id] = landmarks.peaks
        self._sorted = None

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._sorted is None:
            if not self._hashes:
                return np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int32)
            h = np.concatenate(self._hashes)
            order = np.argsort(h, kind="stable")
            self._sorted = (
                h[order],
                np.concatenate(self._recs)[order],
                np.concatenate(self._times)[order],
            )
        return self._sorted

    def lookup(self, hashes: np.ndarray) -> Hits:
        h, r, t = self._arrays()
        wanted = np.unique(hashes)
        lo = np.searchsorted(h, wanted, side="left")
        hi = np.searchsorted(h, wanted, side="right")
        counts = hi - lo
        if not counts.sum():
            return Hits.empty()
        idx = np.repeat(lo, counts) + (
            np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        )
        return Hits(h[idx], r[idx], t[idx])

    def peaks(self, recording_ids: list[int]) -> dict[int, np.ndarray]:
        """The stored peaks of those recordings that have them (``recon.store.peaks``)."""
        return {r: self._peaks[r] for r in recording_ids if r in self._peaks}

    def common_hashes(self, threshold: int) -> np.ndarray:
        """The hashes with more than ``threshold`` postings (sorted): what
        ``recon.store.refresh_common_hashes`` finds in the database index."""
        h = self._arrays()[0]
        distinct, counts = np.unique(h, return_counts=True)
        return distinct[counts > threshold]

    @property
    def size(self) -> int:
        return sum(len(x) for x in self._hashes)
