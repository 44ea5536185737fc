"""Duplicate matching on Chromaprint raw fingerprints. Pure numpy, no Django.

Two stages, the AcoustID design:

1. **Candidates** come from an inverted index of *terms*: masked sub-fingerprints (their top
   bits; the low bits come from the least stable classifiers and flip under lossy encoding),
   two at a time, half a second apart, hashed (``pair_terms``). A stored track contributes the
   distinct terms of ``WINDOWS`` windows spread over its length; a query uses every term it
   has. A trimmed copy still shares whole windows with its original, whichever of the two is
   stored, so no length filter is needed.
2. **Scoring** is exact: the bit-error rate (BER) between the two raw fingerprints at their
   best alignment. Items sharing a term vote for an offset; the most voted offsets (±1 item)
   are scored with a popcount over the XOR of the aligned int32 arrays. Silence items are
   ignored on both sides. ``compare_all_offsets`` scores every offset at once (FFT over the 32
   bit planes) and is the reference the fast path is tested against.

``similarity_of`` maps the bit errors at the best alignment to 0–100 through the share of items
that differ by at most two bits (tuned on generated beats, see ``bench/duplicates_quality.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from content.audio.chromaprint import ITEM_SECONDS, SILENCE_ITEM

TERM_BITS = 28  # alignment votes: items agreeing on their top 28 bits (AcoustID's choice)
PAIR_BITS = 20  # index terms: top 20 bits of two items PAIR_GAP apart
PAIR_GAP = 4  # half a second
WINDOWS = 8  # at least this many windows per stored fingerprint
WINDOW_ITEMS = 24  # about 3 s each
WINDOW_EVERY = 48  # and one window starting every 6 s: any 15 s excerpt holds a whole window
QUERY_STRIDE = 2  # a query looks up the pairs starting at every other item
MIN_OVERLAP_ITEMS = 64  # about 8 s of shared audio before a score means anything
MIN_COVERAGE = 0.5  # the overlap must cover at least half of the shorter fingerprint
# Similarity comes from the share of aligned items that differ by at most ITEM_TOLERANCE_BITS
# bits from the stored item they face or from its successor (a trimmed copy is off the stored
# item grid by a fraction of an item; comparing with both neighbours absorbs that). Measured on
# 40 generated beats (bench/duplicates_quality.py): re-encodes and trims, including the worst
# case of half an item off, keep ≥ 0.73 of their items; "siblings" (same tempo, key, chords and
# drum style, other seed) keep ≤ 0.51. The mean BER separates them far worse (≤ 0.05 against
# ≥ 0.087): a few items that differ a lot dominate the mean.
ITEM_TOLERANCE_BITS = 2
MATCHED_SAME = 0.70  # at or above → similarity 100 (0.66 → 90)
MATCHED_UNRELATED = 0.30  # at or below → similarity 0 (0.60 → 75)
RECHECK_OFFSETS = 3
# Interrupted copies (voice tags), see clean_blocks: 1 s blocks, clean when 7 of their 8 items
# match; 45 % clean blocks count as MATCHED_SAME, 15 % as MATCHED_UNRELATED.
BLOCK_ITEMS = 8
CLEAN_BLOCK = 0.85
CLEAN_SAME = 0.45
CLEAN_UNRELATED = 0.15
MAX_VOTE_PAIRS = 200_000  # equal-term pairs considered when voting for alignments
# Drifting alignments (copies at another tempo, see drift_line).
MAX_RATE_CHANGE = 0.07
RATE_GRID = np.round(np.arange(1 - MAX_RATE_CHANGE, 1 + MAX_RATE_CHANGE + 1e-9, 0.0025), 4)
MIN_LINE_VOTES = 6
LINE_TOLERANCE = 2.0  # items
SEGMENT_ITEMS = 64  # a least-squares refinement needs pairs spread over 8 s at least
MIN_DRIFT = 0.004  # below this a line is a plain alignment (judged like one)
DRIFT_EXTRA_BITS = 2
MIN_DRIFT_EVIDENCE = 0.03  # share matched at the best fixed offset before drift is searched


def as_items(items) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(items, dtype=np.int64).astype(np.uint32))


def term_of(items) -> np.ndarray:
    """Masked sub-fingerprints (top ``TERM_BITS`` bits) as non-negative int32."""
    return (as_items(items) >> np.uint32(32 - TERM_BITS)).astype(np.int32)


def _useful(items: np.ndarray) -> np.ndarray:
    return items != np.uint32(SILENCE_ITEM)


def pair_terms(items, starts: np.ndarray | None = None) -> np.ndarray:
    """Index terms: each item's top ``PAIR_BITS`` bits paired with those of the item
    ``PAIR_GAP`` later, hashed to a non-negative int32. Pairs involving silence are skipped.

    A single masked item is too common a value to index a large catalogue (at 100k tracks a
    query met hundreds of unrelated rows); a pair is specific, yet both halves survive lossy
    re-encoding and small misalignment well (measured in ``bench/duplicates_quality.py``).
    """
    items = as_items(items)
    if items.size <= PAIR_GAP:
        return np.empty(0, np.int32)
    first = np.arange(items.size - PAIR_GAP) if starts is None else starts
    first = first[first + PAIR_GAP < items.size]
    a, b = items[first], items[first + PAIR_GAP]
    ok = _useful(a) & _useful(b)
    shift = np.uint64(32 - PAIR_BITS)
    high = (a[ok].astype(np.uint64) >> shift) * np.uint64(0x9E3779B1)
    low = (b[ok].astype(np.uint64) >> shift) * np.uint64(0x85EBCA77)
    mixed = (high ^ (low >> np.uint64(7)) ^ (low << np.uint64(11))) & np.uint64(0xFFFFFFFFFFFF)
    return ((mixed ^ (mixed >> np.uint64(31))) & np.uint64(0x7FFFFFFF)).astype(np.int32)


def index_terms(
    items, *, windows: int = WINDOWS, window_items: int = WINDOW_ITEMS, every: int = WINDOW_EVERY
) -> list[int]:
    """Distinct terms of windows spread evenly over the fingerprint (sorted): at least
    ``windows`` of them, and one every ``every`` items on longer tracks, so that an excerpt
    of a stored track still meets whole windows (the candidate lookup cannot find a copy that
    shares no window with its original)."""
    items = as_items(items)
    n = items.size
    count = max(windows, n // every)
    if n <= count * window_items:
        starts = np.arange(n)
    else:
        first = np.linspace(0, n - window_items, count).astype(int)
        starts = (first[:, None] + np.arange(window_items)[None, :]).reshape(-1)
    return np.unique(pair_terms(items, starts)).tolist()


def stored_terms(items, tuned_items=None) -> list[int]:
    """What a stored track puts in the index: the windows of its fingerprint and of its
    retuned fingerprint (``content.audio.digest``: the audio moved onto the A440 grid)."""
    terms = set(index_terms(items))
    if tuned_items is not None and len(tuned_items):
        terms.update(index_terms(tuned_items))
    return sorted(terms)


def query_terms(items, *, stride: int = QUERY_STRIDE) -> list[int]:
    """The distinct terms a query looks up (sorted): pairs starting at every ``stride``-th item.

    Stored windows hold every consecutive pair, so a strided query still meets each window;
    halving the lookups halves the index pages a search touches (the cost that grows with the
    catalogue once the index outgrows the buffer cache).
    """
    items = as_items(items)
    return np.unique(pair_terms(items, np.arange(0, items.size, stride))).tolist()


@dataclass(frozen=True)
class Match:
    ber: float  # bit-error rate at the best alignment, 0..1
    offset: int  # items: b[i] aligns with a[i + offset]
    overlap: int  # compared (non-silent) item pairs
    similarity: float  # 0..100
    matched: float = 0.0  # share of compared items within ITEM_TOLERANCE_BITS bits
    rate: float = 1.0  # the copy's tempo against the stored track (1.03: 3 % faster)

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


def item_errors(a: np.ndarray, b: np.ndarray, offset: int) -> np.ndarray:
    """Differing bits per aligned item pair (b[i] with a[i + offset]), silence skipped:
    a popcount over the XOR of the aligned int32 arrays."""
    a, b = as_items(a), as_items(b)
    start_b = max(0, -offset)
    end_b = min(b.size, a.size - offset)
    if end_b <= start_b:
        return np.empty(0, np.uint8)
    sa = a[start_b + offset : end_b + offset]
    sb = b[start_b:end_b]
    keep = _useful(sa) & _useful(sb)
    return np.bitwise_count(np.bitwise_xor(sa[keep], sb[keep]))


def item_errors_with_neighbour(a: np.ndarray, b: np.ndarray, offset: int) -> np.ndarray:
    """Like :func:`item_errors`, but each ``b[i]`` also faces ``a[i + offset + 1]`` and keeps
    the smaller count: tolerance for copies whose start is off by a fraction of an item."""
    a, b = as_items(a), as_items(b)
    start_b = max(0, -offset)
    end_b = min(b.size, a.size - offset)
    if end_b <= start_b:
        return np.empty(0, np.uint8)
    sa = a[start_b + offset : end_b + offset]
    sb = b[start_b:end_b]
    keep = _useful(sa) & _useful(sb)
    errors = np.bitwise_count(np.bitwise_xor(sa, sb))
    following = a[start_b + offset + 1 : end_b + offset + 1]
    n = following.size
    errors[:n] = np.minimum(errors[:n], np.bitwise_count(np.bitwise_xor(following, sb[:n])))
    return errors[keep]


def bit_errors(a: np.ndarray, b: np.ndarray, offset: int) -> tuple[int, int]:
    """(differing bits, compared items) with b[i] aligned to a[i + offset], silence skipped."""
    errors = item_errors(a, b, offset)
    return int(errors.sum()), int(errors.size)


def clean_blocks(tolerant: np.ndarray, tolerance: int = ITEM_TOLERANCE_BITS) -> float:
    """Share of the ``BLOCK_ITEMS``-item blocks of an alignment where at least ``CLEAN_BLOCK``
    of the items match: what survives of a copy with a producer tag (a voice as loud as the
    beat) every few seconds. Unrelated music matches moderately everywhere, a tagged copy
    matches near-perfectly between the tags: measured on generated "siblings" no block is
    clean, on real music unrelated pairs have none either (``bench/duplicates_quality.py``,
    ``bench/duplicates_real.py``)."""
    n = tolerant.size // BLOCK_ITEMS
    if n == 0:
        return 0.0
    shares = (tolerant[: n * BLOCK_ITEMS] <= tolerance).reshape(n, BLOCK_ITEMS).mean(axis=1)
    return float(np.mean(shares >= CLEAN_BLOCK))


def matched_share(tolerant: np.ndarray, tolerance: int = ITEM_TOLERANCE_BITS) -> float:
    """The share that decides the similarity: items within ``tolerance`` bits, or, for a copy
    whose clean blocks are many though interrupted (a voice tag), those blocks' share mapped
    onto the same scale."""
    plain = float(np.mean(tolerant <= tolerance)) if tolerant.size else 0.0
    clean = clean_blocks(tolerant, tolerance)
    scaled = MATCHED_UNRELATED + (clean - CLEAN_UNRELATED) / (CLEAN_SAME - CLEAN_UNRELATED) * (
        MATCHED_SAME - MATCHED_UNRELATED
    )
    return max(plain, min(scaled, 1.0))


def similarity_of(matched: float) -> float:
    """0–100 from the share of aligned items within ``ITEM_TOLERANCE_BITS`` bits."""
    score = (matched - MATCHED_UNRELATED) / (MATCHED_SAME - MATCHED_UNRELATED)
    return round(100.0 * float(np.clip(score, 0.0, 1.0)), 1)


def compare_all_offsets(a, b) -> Match:
    """Best alignment of ``b`` against ``a`` over *every* offset (FFT over the bit planes),
    re-checked exactly. Slower than :func:`compare`; the reference it is tested against."""
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
    need = _needed_overlap(a, b)
    valid = overlap >= need
    if not valid.any():
        return NO_MATCH
    errors = (32 * overlap - corr) / 2
    ber = np.where(valid, errors / np.maximum(32 * overlap, 1), np.inf)
    best = [int(lags[i]) for i in np.argsort(ber)[:RECHECK_OFFSETS] if np.isfinite(ber[i])]
    return _best_of(a, b, best, need)


def _best_of(a: np.ndarray, b: np.ndarray, offsets, need: int) -> Match:
    result = NO_MATCH
    for offset in offsets:
        errors = item_errors(a, b, offset)
        if errors.size < need:
            continue
        tolerant = item_errors_with_neighbour(a, b, offset)
        matched = matched_share(tolerant)
        ber = float(errors.sum()) / (32 * errors.size)
        if (matched, -ber) > (result.matched, -result.ber):
            result = Match(ber, offset, int(errors.size), similarity_of(matched), matched)
    return result


def _needed_overlap(a: np.ndarray, b: np.ndarray) -> int:
    shorter = min(int(_useful(a).sum()), int(_useful(b).sum()))
    return max(MIN_OVERLAP_ITEMS, int(MIN_COVERAGE * shorter))


def _shared_term_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` where ``a[i]`` and ``b[j]`` share a term; silence is skipped."""
    ia = np.flatnonzero(_useful(a))
    jb = np.flatnonzero(_useful(b))
    ka, kb = term_of(a[ia]), term_of(b[jb])
    order = np.argsort(ka, kind="stable")
    sorted_keys = ka[order]
    left = np.searchsorted(sorted_keys, kb, "left")
    counts = np.searchsorted(sorted_keys, kb, "right") - left
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if total > MAX_VOTE_PAIRS:  # pathological (near-constant) input: sample the query side
        keep = np.cumsum(counts) <= MAX_VOTE_PAIRS
        jb, left, counts = jb[keep], left[keep], counts[keep]
        total = int(counts.sum())
    firsts = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(total) - firsts
    return ia[order[np.repeat(left, counts) + within]], np.repeat(jb, counts)


def alignment_votes(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Offsets at which items of ``b`` and ``a`` share a term, and how many items vote for each.

    ``b[j]`` aligned with ``a[j + offset]``; silence is skipped. Sorted by votes, most first.
    """
    i_idx, j_idx = _shared_term_pairs(as_items(a), as_items(b))
    if i_idx.size == 0:
        return i_idx, j_idx
    offsets, votes = np.unique(i_idx - j_idx, return_counts=True)
    ranking = np.argsort(-votes, kind="stable")
    return offsets[ranking], votes[ranking]


def drift_line(i_idx: np.ndarray, j_idx: np.ndarray) -> tuple[float, float] | None:
    """``(rate, offset)`` of a copy played at another tempo: ``a[rate * j + offset]`` faces
    ``b[j]``. None when no such line is supported by the shared terms.

    A copy sped up or slowed down drifts against its original, so no single offset aligns it.
    Every rate of ``RATE_GRID`` maps the query positions onto the stored ones and the shared
    terms vote for an offset (a Hough transform over rate and offset); the winning line is then
    refined by least squares over the pairs within ``LINE_TOLERANCE`` items of it.
    """
    if i_idx.size < MIN_LINE_VOTES:
        return None
    best_votes, best_rate, best_offset = 0, 1.0, 0
    j = j_idx.astype(np.float64)
    for rate in RATE_GRID:
        offsets = i_idx - np.rint(rate * j).astype(np.int64)
        low = int(offsets.min())
        counts = np.bincount(offsets - low)
        # an offset and its neighbour: the line falls between two items
        smoothed = counts[:-1] + counts[1:] if counts.size > 1 else counts
        k = int(np.argmax(smoothed))
        if smoothed[k] > best_votes:
            best_votes, best_rate, best_offset = int(smoothed[k]), float(rate), k + low
    if best_votes < MIN_LINE_VOTES:
        return None
    residual = i_idx - (best_rate * j + best_offset)
    near = np.abs(residual) <= LINE_TOLERANCE
    if near.sum() < MIN_LINE_VOTES or np.ptp(j[near]) < SEGMENT_ITEMS:
        return best_rate, float(best_offset)
    slope, intercept = np.polyfit(j[near], i_idx[near].astype(np.float64), 1)
    if abs(slope - 1.0) > MAX_RATE_CHANGE:
        return None
    return float(slope), float(intercept)


def line_errors(a: np.ndarray, b: np.ndarray, rate: float, offset: float):
    """Differing bits between each stored item ``a[i]`` and the query item it faces on the
    line ``i = rate * j + offset``: ``(exact, tolerant)``, where ``tolerant`` also lets it face
    the next query item (the line falls between two items). Silence is skipped."""
    a, b = as_items(a), as_items(b)
    i = np.arange(a.size)
    j = (i - offset) / rate
    j0 = np.floor(j).astype(np.int64)
    inside = (j0 >= 0) & (j0 < b.size)
    i, j, j0 = i[inside], j[inside], j0[inside]
    j1 = np.minimum(j0 + 1, b.size - 1)
    nearest = np.where(j - j0 < 0.5, j0, j1)
    keep = _useful(a[i]) & _useful(b[nearest])
    ai = a[i][keep]
    exact = np.bitwise_count(ai ^ b[nearest][keep])
    tolerant = np.minimum(np.bitwise_count(ai ^ b[j0][keep]), np.bitwise_count(ai ^ b[j1][keep]))
    return exact, tolerant


def _score_line(a: np.ndarray, b: np.ndarray, rate: float, offset: float, need: int) -> Match:
    exact, tolerant = line_errors(a, b, rate, offset)
    if exact.size < need:
        return NO_MATCH
    # Time-stretching moves many classifiers of an item to the next quantisation level (one
    # bit each): a drifting copy is judged with DRIFT_EXTRA_BITS more bits of tolerance. Only a
    # line that really drifts gets it; unrelated music scores 0 on drifting lines even so
    # (bench/duplicates_real.py), and generated siblings align at rate 1.
    tolerance = ITEM_TOLERANCE_BITS + DRIFT_EXTRA_BITS * (abs(rate - 1.0) >= MIN_DRIFT)
    matched = matched_share(tolerant, tolerance)
    ber = float(exact.sum()) / (32 * exact.size)
    return Match(ber, int(round(offset)), int(exact.size), similarity_of(matched), matched, rate)


def compare(a, b) -> Match:
    """Best alignment of fingerprint ``b`` against ``a``, scored exactly.

    Alignments are proposed by voting (items sharing a term vote for their offset, the AcoustID
    approach); the best few, ±1 item, are scored by popcount over the XOR of the aligned arrays.
    When none of them is a match, a drifting alignment is tried (a copy at another tempo, see
    ``drift_line``). No shared term at all means no plausible alignment: that is no match.
    """
    a, b = as_items(a), as_items(b)
    if a.size == 0 or b.size == 0:
        return NO_MATCH
    i_idx, j_idx = _shared_term_pairs(a, b)
    if i_idx.size == 0:
        return NO_MATCH
    offsets, votes = np.unique(i_idx - j_idx, return_counts=True)
    offsets = offsets[np.argsort(-votes, kind="stable")]
    tried = []
    for offset in offsets[:RECHECK_OFFSETS].tolist():
        tried += [offset - 1, offset, offset + 1]
    need = _needed_overlap(a, b)
    best = _best_of(a, b, dict.fromkeys(tried), need)
    if best.matched >= MATCHED_SAME or best.matched < MIN_DRIFT_EVIDENCE:
        # A drifting copy still matches around the best fixed offset (a few seconds where the
        # drift is below an item); unrelated audio matches nowhere, and skipping the Hough
        # transform for it keeps the scoring of a candidate list cheap.
        return best
    line = drift_line(i_idx, j_idx)
    if line is not None:
        drifting = _score_line(a, b, line[0], line[1], need)
        if drifting.matched > best.matched:
            best = drifting
    return best


def lookup_terms(items, retuned=()) -> list[int]:
    """The terms a duplicate query looks up: those of the upload's fingerprint and of its
    retuned fingerprints (see ``best_match``), sorted."""
    terms = set(query_terms(items))
    for query in retuned:
        terms.update(query_terms(query))
    return sorted(terms)


def best_match(stored, stored_tuned, items, retuned=(), *, enough: float = 100.0) -> Match:
    """The best of the upload's fingerprint against the stored one and, unless that already
    reaches ``enough``, of its retuned fingerprints against the stored retuned one.

    Retuned fingerprints are of the audio moved onto the A440 grid (``content.audio.digest``),
    and for a query also a semitone below and above: a copy played ``k`` times faster (pitch
    and tempo) lands on its original's retuned audio exactly, or a semitone off when the
    change crossed the middle of a semitone (up to ±6 %).
    """
    match = compare(stored, items)
    if match.similarity >= enough or stored_tuned is None or not len(stored_tuned):
        return match
    for query in retuned:
        candidate = compare(stored_tuned, query)
        if (candidate.similarity, candidate.matched) > (match.similarity, match.matched):
            match = candidate
            if match.similarity >= enough:
                break
    return match


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
