"""The second stage of a match: does the reference hold the beat's *peaks* at the voted offset?

The vote counts triplet hashes, and a triplet survives a voice only if all three of its peaks
do: at 0 dB of speech over real grooves (bench/recon_real.py) a true copy can keep a handful of
triplets while keeping a third of its single peaks. So the best candidates of the vote are
verified peak by peak, at the offset the vote found:

    for each reference peak inside the overlap, matched = the beat has a peak within ±``df``
    bins and ±``dt`` frames of it (the beat's peaks "dilated");
    chance   = the share of that frequency bin the dilated beat peaks cover (a bass that sits
               on one note covers its bin often: matching there proves little);
    z        = Σ (matched − chance) / √Σ chance·(1 − chance)

which is ~N(0, 1) for a reference unrelated to the beat, and grows with the excerpt's length and
with the share of the beat's peaks that survived. The dense side is always the beat (a scan's
query; a track's stored peaks when a new reference is matched against the catalog), the sparse
side a reference recording's peaks. The null is heavier than N(0, 1) (rhythm: two grooves at
one tempo line their drum hits up), so z is mapped to a confidence through the measured null,
like the votes (``calibration.py``).

Peaks travel packed (``pack``): one uint32 per peak, frame << 9 | bin (bins < 512), sorted by
time; stored as little-endian bytes (``to_bytes`` / ``from_bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BIN_BITS = 9
N_BINS = 1 << BIN_BITS
# Columns of the dilated grid: bin b is column b + 1, so that the dilation's overhang (bins −1
# and N_BINS) has cells of its own.
STRIDE = N_BINS + 2


def pack(times: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Peaks (frames, bins: sorted by time) → one uint32 each."""
    times = np.asarray(times, dtype=np.uint32)
    bins = np.asarray(bins, dtype=np.uint32)
    if len(bins) and int(bins.max()) >= N_BINS:
        raise ValueError(f"peak bins must be below {N_BINS}")
    return (times << np.uint32(BIN_BITS)) | bins


def unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    packed = np.asarray(packed, dtype=np.uint32)
    times = (packed >> np.uint32(BIN_BITS)).astype(np.int64)
    return times, (packed & np.uint32(N_BINS - 1)).astype(np.int64)


def to_bytes(packed: np.ndarray) -> bytes:
    return np.asarray(packed, dtype="<u4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32)


@dataclass(frozen=True)
class Coverage:
    """The dense side, ready to verify many references against: its dilated peaks as a
    boolean grid (``frames`` rows of ``STRIDE`` cells: bin b is column b + 1), and each bin's
    chance of a match (the share of the frames its cell is covered in)."""

    grid: np.ndarray
    chance: np.ndarray
    frames: int

    @property
    def cells(self) -> np.ndarray:
        """The grid flattened (cell frame · STRIDE + column): a view, the grid being
        contiguous."""
        return self.grid.reshape(-1)


def coverage(packed: np.ndarray, *, df: int = 1, dt: int = 1) -> Coverage:
    times, bins = unpack(packed)
    frames = int(times.max()) + 1 if len(times) else 0
    grid = np.zeros((frames + 2 * dt, STRIDE), bool)
    for a in range(-dt, dt + 1):
        for b in range(-df, df + 1):
            grid[times + a + dt, bins + b + 1] = True
    grid = grid[dt : dt + frames]  # the frames of the dense side (a view)
    chance = grid[:, 1 : N_BINS + 1].mean(axis=0) if frames else np.zeros(N_BINS)
    return Coverage(grid, chance, frames)


MIN_OVERLAP_PEAKS = 20  # fewer reference peaks in the overlap: no evidence either way


def z_score(dense: Coverage, sparse: np.ndarray, offset: int) -> float:
    """Evidence that ``sparse`` (packed peaks) holds ``dense`` with the dense side's frame 0 at
    the sparse side's frame ``offset``: Σ(matched − chance) / √Σ chance(1 − chance) over the
    sparse peaks that fall inside the dense side's span (0 when fewer than
    ``MIN_OVERLAP_PEAKS`` do, or nothing can match by chance)."""
    packed = np.asarray(sparse, dtype=np.uint32)
    # unpack() in place, cheaper: a scan verifies up to a few hundred references
    at = (packed >> np.uint32(BIN_BITS)).astype(np.int64) - int(offset)
    inside = (at >= 0) & (at < dense.frames)
    if int(np.count_nonzero(inside)) < MIN_OVERLAP_PEAKS:
        return 0.0
    bins = (packed[inside] & np.uint32(N_BINS - 1)).astype(np.int64)
    matched = np.count_nonzero(dense.cells.take(at[inside] * STRIDE + bins + 1))
    chance = dense.chance.take(bins)
    total = float(chance.sum())
    variance = total - float(np.dot(chance, chance))  # Σ chance·(1 − chance)
    if variance <= 1e-12:
        return 0.0
    return float((matched - total) / np.sqrt(variance))
