"""Duplicate matching on Chromaprint raw fingerprints. Pure numpy, no Django.

Two stages, the AcoustID design:

1. **Candidates** come from an inverted index of *terms*: the top ``TERM_BITS`` bits of each
   sub-fingerprint (the low bits come from the least stable classifiers and flip under lossy
   encoding). A stored track contributes the distinct terms of ``WINDOWS`` windows spread over
   its length; a query uses every term it has. A trimmed copy still shares whole windows with
   its original, whichever of the two is stored, so no length filter is needed.
2. **Scoring** is exact: the bit-error rate (BER) between the two raw fingerprints at their
   best alignment. Every offset is evaluated at once with a bitwise cross-correlation (FFT over
   the 32 bit planes), then the best offsets are re-checked with a popcount over the XOR of the
   aligned int32 arrays. Silence items are ignored on both sides.

``similarity`` maps the BER to 0–100: identical audio ≈ 0 BER, unrelated audio ≈ 0.45–0.5 BER.
The two anchors were tuned on generated beats (see ``bench/duplicates_quality.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from content.audio.chromaprint import ITEM_SECONDS, SILENCE_ITEM

TERM_BITS = 24
WINDOWS = 6
WINDOW_ITEMS = 48  # about 6 s each
MIN_OVERLAP_ITEMS = 64  # about 8 s of shared audio before a score means anything
MIN_COVERAGE = 0.5  # the overlap must cover at least half of the shorter fingerprint
BER_SAME = 0.10  # at or below → similarity 100
BER_UNRELATED = 0.40  # at or above → similarity 0
RECHECK_OFFSETS = 3


def as_items(items) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(items, dtype=np.int64).astype(np.uint32))


def term_of(items) -> np.ndarray:
    """Masked sub-fingerprints (top ``TERM_BITS`` bits) as non-negative int32."""
    return (as_items(items) >> np.uint32(32 - TERM_BITS)).astype(np.int32)


def _useful(items: np.ndarray) -> np.ndarray:
    return items != np.uint32(SILENCE_ITEM)


def index_terms(items, *, windows: int = WINDOWS, window_items: int = WINDOW_ITEMS) -> list[int]:
    """Distinct terms of ``windows`` windows spread evenly over the fingerprint (sorted)."""
    items = as_items(items)
    n = items.size
    if n == 0:
        return []
    if n <= windows * window_items:
        chosen = items
    else:
        starts = np.linspace(0, n - window_items, windows).astype(int)
        chosen = np.concatenate([items[s : s + window_items] for s in starts])
    chosen = chosen[_useful(chosen)]
    return np.unique(term_of(chosen)).tolist()


def query_terms(items) -> list[int]:
    """Every distinct term of a fingerprint: what a query looks up in the index (sorted)."""
    items = as_items(items)
    return np.unique(term_of(items[_useful(items)])).tolist()


@dataclass(frozen=True)
class Match:
    ber: float  # bit-error rate at the best alignment, 0..1
    offset: int  # items: b[i] aligns with a[i + offset]
    overlap: int  # compared (non-silent) item pairs
    similarity: float  # 0..100

    @property
    def offset_seconds(self) -> float:
        return self.offset * ITEM_SECONDS


NO_MATCH = Match(ber=1.0, offset=0, overlap=0, similarity=0.0)


def _bit_planes(items: np.ndarray, useful: np.ndarray) -> np.ndarray:
    """(32, n) float matrix of ±1 per bit, 0 where the item is silence."""
    bits = ((items[None, :] >> np.arange(32, dtype=np.uint32)[:, None]) & 1).astype(np.float64)
    return (2 * bits - 1) * useful[None, :]


def _correlate(x: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    """Cross-correlation c[k] = Σ_i x[i + k] · y[i] for every lag, summed over rows."""
    fx = np.fft.rfft(x, size, axis=-1)
    fy = np.fft.rfft(y, size, axis=-1)
    prod = fx * np.conj(fy)
    if prod.ndim == 2:
        prod = prod.sum(axis=0)
    return np.fft.irfft(prod, size)


def bit_errors(a: np.ndarray, b: np.ndarray, offset: int) -> tuple[int, int]:
    """(differing bits, compared items) with b[i] aligned to a[i + offset], silence skipped."""
    a, b = as_items(a), as_items(b)
    start_b = max(0, -offset)
    end_b = min(b.size, a.size - offset)
    if end_b <= start_b:
        return 0, 0
    sa = a[start_b + offset : end_b + offset]
    sb = b[start_b:end_b]
    keep = _useful(sa) & _useful(sb)
    xor = np.bitwise_xor(sa[keep], sb[keep])
    return int(np.bitwise_count(xor).sum()), int(keep.sum())


def similarity_of(ber: float) -> float:
    score = (BER_UNRELATED - ber) / (BER_UNRELATED - BER_SAME)
    return round(100.0 * float(np.clip(score, 0.0, 1.0)), 1)


def compare(a, b) -> Match:
    """Best alignment of fingerprint ``b`` against ``a`` over every offset, scored exactly."""
    a, b = as_items(a), as_items(b)
    if a.size == 0 or b.size == 0:
        return NO_MATCH
    ua, ub = _useful(a), _useful(b)
    size = 1 << int(np.ceil(np.log2(a.size + b.size)))
    corr = _correlate(_bit_planes(a, ua), _bit_planes(b, ub), size)
    overlap = np.rint(_correlate(ua.astype(np.float64), ub.astype(np.float64), size))
    # lag k ≥ 0 sits at index k; negative lags wrap to the end of the buffer.
    lags = np.concatenate([np.arange(0, a.size), np.arange(-(b.size - 1), 0)])
    idx = np.concatenate([np.arange(0, a.size), size + np.arange(-(b.size - 1), 0)])
    corr, overlap = corr[idx], overlap[idx]
    shorter = min(int(ua.sum()), int(ub.sum()))
    need = max(MIN_OVERLAP_ITEMS, int(MIN_COVERAGE * shorter))
    valid = overlap >= need
    if not valid.any():
        return NO_MATCH
    errors = (32 * overlap - corr) / 2
    ber = np.where(valid, errors / np.maximum(32 * overlap, 1), np.inf)
    best = np.argsort(ber)[:RECHECK_OFFSETS]
    result = NO_MATCH
    for i in best:
        if not np.isfinite(ber[i]):
            continue
        offset = int(lags[i])
        wrong, compared = bit_errors(a, b, offset)
        if compared < need:
            continue
        exact = wrong / (32 * compared)
        if exact < result.ber:
            result = Match(exact, offset, compared, similarity_of(exact))
    return result


def rank_candidates(
    query: list[int], rows, *, limit: int, min_hits: int = 1
) -> list[tuple[int, int]]:
    """The index lookup without an index (SQLite fallback, tests): ``rows`` are (key, terms).

    Returns up to ``limit`` (key, shared terms) pairs, most shared first, like the SQL path.
    """
    wanted = set(query)
    scored = []
    for key, terms in rows:
        hits = len(wanted.intersection(terms or ()))
        if hits >= min_hits:
            scored.append((key, hits))
    scored.sort(key=lambda kv: (-kv[1], kv[0]))
    return scored[:limit]
