"""Duplicate matching on generated beats: exact scoring at the best alignment, index terms."""

from __future__ import annotations

import numpy as np
import pytest

from content import testing
from content.audio import chromaprint, fpmatch
from content.beatgen import render_beat, spec_for

SR = 22050


def fingerprint(tmp_path, samples, name="a.wav"):
    path = testing.write(tmp_path / name, testing.wav_bytes(samples, SR))
    result = chromaprint.compute(path)
    assert isinstance(result, chromaprint.Fingerprint)
    return result.items


@pytest.fixture(scope="module")
def beat():
    return render_beat(seed=11, bpm=96, key="D", scale="minor", seconds=40, sample_rate=SR)


def test_identical_fingerprints_are_100_similar(tmp_path, beat):
    items = fingerprint(tmp_path, beat)

    match = fpmatch.compare(items, items)

    assert match.similarity == 100
    assert match.ber == 0
    assert match.matched == 1
    assert match.overlap == items.size


def test_a_head_trimmed_copy_is_found_at_its_offset(tmp_path, beat):
    original = fingerprint(tmp_path, beat)
    trimmed = fingerprint(tmp_path, beat[int(10.3 * SR) :], "t.wav")

    match = fpmatch.compare(original, trimmed)

    assert match.similarity >= 90
    # the beat loops every 4 bars, so any loop-aligned offset is as good as the true one
    bar = 4 * 60 / 96
    loops = (match.offset_seconds - 10.3) / (4 * bar)
    assert abs(loops - round(loops)) * 4 * bar < 0.3


def test_a_sibling_beat_with_the_same_chords_is_not_similar(tmp_path, beat):
    spec = spec_for(seed=11, bpm=96, key="D", scale="minor")
    sibling = render_beat(
        seed=99, bpm=96, key="D", scale="minor", seconds=40, sample_rate=SR,
        progression=spec.progression, style=spec.style,
    )  # fmt: skip

    match = fpmatch.compare(fingerprint(tmp_path, beat), fingerprint(tmp_path, sibling, "s.wav"))

    assert match.similarity < 75


def test_bit_errors_count_differing_bits_at_an_offset():
    a = np.array([0, 0b1111, 7, 0], dtype=np.int32)
    b = np.array([0b1110, 7], dtype=np.int32)

    assert fpmatch.bit_errors(a, b, 1) == (1, 2)
    assert fpmatch.bit_errors(a, b, 2) == (2 + 3, 2)  # 1110^0111, 0111^0000


def test_silence_items_are_ignored_when_scoring():
    silence = np.full(200, chromaprint.SILENCE_ITEM, dtype=np.uint32).view(np.int32)
    rng = np.random.default_rng(0)
    music_a = rng.integers(-(2**31), 2**31, 200, dtype=np.int64).astype(np.int32)
    music_b = rng.integers(-(2**31), 2**31, 200, dtype=np.int64).astype(np.int32)

    match = fpmatch.compare(np.concatenate([silence, music_a]), np.concatenate([silence, music_b]))

    assert match.similarity == 0


def test_voting_finds_the_same_alignment_as_the_exhaustive_search(tmp_path, beat):
    original = fingerprint(tmp_path, beat)
    copy = fingerprint(tmp_path, beat[int(3.3 * SR) : int(33.3 * SR)], "c.wav")

    fast, exhaustive = fpmatch.compare(original, copy), fpmatch.compare_all_offsets(original, copy)

    assert fast.similarity >= exhaustive.similarity - 1
    assert fast.similarity >= 90


def test_too_short_an_overlap_is_no_match():
    items = np.arange(40, dtype=np.int32)

    assert fpmatch.compare(items, items) == fpmatch.NO_MATCH


def test_similarity_grows_with_the_share_of_near_identical_items():
    scores = [fpmatch.similarity_of(matched) for matched in np.linspace(0, 1, 11)]

    assert scores[0] == 0
    assert scores[-1] == 100
    assert scores == sorted(scores)


def test_stored_terms_of_an_original_are_found_in_a_trimmed_query(tmp_path, beat):
    stored = set(fpmatch.index_terms(fingerprint(tmp_path, beat)))
    query = set(fpmatch.query_terms(fingerprint(tmp_path, beat[int(12.7 * SR) :], "q.wav")))

    assert len(stored & query) >= 10  # far above the 2 a candidate needs


def test_index_terms_are_non_negative_int32_pairs_that_skip_silence():
    rng = np.random.default_rng(3)
    items = rng.integers(-(2**31), 2**31, 20, dtype=np.int64).astype(np.int32)
    items[10] = np.uint32(chromaprint.SILENCE_ITEM).view(np.int32)

    terms = fpmatch.pair_terms(items)

    assert terms.size == (20 - fpmatch.PAIR_GAP) - 2  # the two pairs touching item 10
    assert (terms >= 0).all()
    silence = np.full(100, chromaprint.SILENCE_ITEM, dtype=np.uint32).view(np.int32)
    assert fpmatch.index_terms(silence) == []


def test_terms_ignore_the_low_bits_of_each_item():
    rng = np.random.default_rng(4)
    items = rng.integers(0, 2**31, 50, dtype=np.int64).astype(np.int32)
    noisy = items ^ np.int32(0b101)  # low bits flip under lossy encoding

    assert fpmatch.query_terms(items) == fpmatch.query_terms(noisy)


def test_rank_candidates_without_an_index_orders_by_shared_terms():
    rows = [(1, [1, 2, 3]), (2, [1, 2, 3, 4, 5]), (3, [9]), (4, None)]

    assert fpmatch.rank_candidates([1, 2, 3, 4, 5], rows, limit=5, min_hits=2) == [(2, 5), (1, 3)]
