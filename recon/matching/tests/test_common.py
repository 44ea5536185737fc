"""Common hashes (the index's stop words): the threshold, the filter, the in-memory index."""

from __future__ import annotations

import numpy as np

from recon.matching import Landmarks, MemoryIndex, common_threshold, without_common


def test_the_threshold_is_the_floor_for_a_small_catalog_and_a_share_for_a_large_one():
    assert common_threshold(0, min_postings=200, share=0.02) == 200
    assert common_threshold(10_000, min_postings=200, share=0.02) == 200
    assert common_threshold(10_001, min_postings=200, share=0.02) == 201
    assert common_threshold(1_000_000, min_postings=200, share=0.02) == 20_000


def test_without_common_removes_exactly_the_common_hashes_keeping_order_and_repeats():
    hashes = np.array([5, -3, 9, 5, 2**31 - 1, -(2**31), 7], dtype=np.int32)
    common = np.array([-(2**31), 5, 8], dtype=np.int32)

    kept = without_common(hashes, common)

    assert kept.tolist() == [-3, 9, 2**31 - 1, 7]
    assert without_common(hashes, np.empty(0, np.int32)).tolist() == hashes.tolist()
    assert without_common(np.empty(0, np.int32), common).tolist() == []


def test_memory_index_finds_the_hashes_with_more_postings_than_the_threshold():
    index = MemoryIndex()
    for rec in range(4):
        # hash 11 posted 3 times per recording (12 in all), hash 22 once per recording (4)
        hashes = np.array([11, 11, 11, 22, 100 + rec], dtype=np.int32)
        index.add(rec, Landmarks(hashes, np.arange(5, dtype=np.int32), 1.0, 5.0))

    assert index.common_hashes(4).tolist() == [11]
    assert index.common_hashes(3).tolist() == [11, 22]
    assert index.common_hashes(12).tolist() == []
