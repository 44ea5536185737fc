"""Common hashes: landmark hashes posted so often across the reference index that a scan skips
them (the stop words of the index, after audfprint's cap on entries per hash).

A hash of a few bass-band peaks at common spacings (a kick and an 808 a beat apart in F) turns
up in a large share of all songs. Its probe returns hundreds of rows that vote for hundreds of
recordings at scattered offsets: a true copy gets at most a vote or two from it, and the scan
pays for every row. Measured on bench/recon_speed.py's 10k index: the 222 query hashes with
more than 200 postings (0.6 % of the probes) returned 39 % of the rows, and dropping them took
one vote of 186 from the true song.

A hash is common when its postings exceed ``common_threshold``: a fixed floor (a small catalog
has no common hashes), or a share of the recordings (the bar rises with the catalog, so the
fraction of skipped hashes does not grow with it). Pure: the database side counts postings in
SQL with the same threshold (``recon.store.refresh_common_hashes``).
"""

from __future__ import annotations

import math

import numpy as np

# The defaults of settings RECON_COMMON_HASH_MIN_POSTINGS and RECON_COMMON_HASH_SHARE: a hash
# posted more than 200 times, or (in a catalog over 10,000 recordings) more than once per 50
# recordings, is common.
DEFAULT_MIN_POSTINGS = 200
DEFAULT_SHARE = 0.02


def common_threshold(
    recordings: int, *, min_postings: int = DEFAULT_MIN_POSTINGS, share: float = DEFAULT_SHARE
) -> int:
    """The posting count above which a hash is common in an index of ``recordings``."""
    return max(int(min_postings), math.ceil(share * max(recordings, 0)))


def without_common(hashes: np.ndarray, common: np.ndarray) -> np.ndarray:
    """``hashes`` minus the common ones (``common`` sorted, unique)."""
    if not len(common) or not len(hashes):
        return hashes
    at = np.minimum(np.searchsorted(common, hashes), len(common) - 1)
    return hashes[common[at] != hashes]
