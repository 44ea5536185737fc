"""The pure matcher on generated audio: a beat under a louder voice is found at the right offset;
unrelated audio scores below the storage threshold."""

from __future__ import annotations

import numpy as np
import pytest

from content.beatgen import render_beat
from recon.matching import Calibration, Hits, LandmarkMatcher, Landmarks, MemoryIndex, verify
from recon.matching.landmarks import BAND_EDGES, _maximum_filter, triplet_hash
from recon.matching.synth import song_with_excerpt, voice

SR = 22050
PARAMS = [(150, "C", "minor"), (92, "F", "major"), (128, "A", "minor"), (101, "D", "major")]


@pytest.fixture(scope="module")
def beats():
    return [
        render_beat(seed=40 + i, bpm=bpm, key=key, scale=scale, seconds=40, sample_rate=SR)
        for i, (bpm, key, scale) in enumerate(PARAMS)
    ]


@pytest.fixture(scope="module")
def matcher():
    return LandmarkMatcher()


def _song(beat, *, seed, voice_db=6.0):
    return song_with_excerpt(
        beat,
        sample_rate=SR,
        excerpt_start=11.0,
        excerpt_seconds=20.0,
        place_at=17.5,
        song_seconds=45.0,
        voice_db=voice_db,
        seed=seed,
    )


def test_beat_under_a_louder_voice_is_found_at_its_offset(beats, matcher):
    # given a song containing 20 s of beat 0 (from 11.0 s, placed at 17.5 s) under a voice 6 dB
    # louder than the beat, indexed with songs made from the other beats
    index = MemoryIndex()
    for i, beat in enumerate(beats):
        index.add(100 + i, matcher.landmarks(_song(beat, seed=i), SR))
    # when beat 0 is scanned
    query = matcher.landmarks(beats[0], SR, query=True)
    candidates = matcher.score(query, index.lookup(query.hashes))
    # then its song is the best candidate, with high confidence, at the right offset: the
    # beat repeats bar by bar, so any whole number of bars away is the same audio
    best = candidates[0]
    assert best.recording_id == 100
    assert best.confidence >= 90
    bar = 240.0 / PARAMS[0][0]
    expected = 17.5 - 11.0
    bars_away = (best.offset - expected) / bar
    assert abs(bars_away - round(bars_away)) * bar < 0.05
    assert all(c.confidence < 80 for c in candidates[1:])


def test_unrelated_voiced_songs_score_below_the_storage_threshold(beats, matcher):
    index = MemoryIndex()
    for i, beat in enumerate(beats[1:], start=1):
        index.add(i, matcher.landmarks(_song(beat, seed=10 + i, voice_db=0.0), SR))
    index.add(99, matcher.landmarks(voice(45.0, SR, seed=5), SR))
    query = matcher.landmarks(beats[0], SR, query=True)
    candidates = matcher.score(query, index.lookup(query.hashes))
    assert all(c.confidence < 80 for c in candidates)
    # and the threshold is not met by vacuity: the same query finds its own song
    index.add(0, matcher.landmarks(_song(beats[0], seed=3, voice_db=0.0), SR))
    found = matcher.score(query, index.lookup(query.hashes), minimum=80)
    assert [c.recording_id for c in found] == [0]


def test_the_query_side_is_denser_and_holds_the_reference_sides_triplets(beats, matcher):
    # the same audio extracted as a reference (indexed) and as a query (a scanned beat)
    mono = beats[1].mean(axis=1)
    reference = matcher.landmarks(mono, SR)
    query = matcher.landmarks(mono, SR, query=True)
    assert len(query) > 2 * len(reference)
    # the query keeps most (time, hash) of the reference triplets anchored in the bands it
    # anchors (sub/bass and air), so a clean copy votes fully there
    times, bins = matcher.peaks(matcher.resample(mono, SR))
    band = np.searchsorted(BAND_EDGES, bins, side="right") - 1
    outer = np.isin(band, matcher.query_anchor_bands)
    ref_h, ref_t = matcher._triplets(
        times, bins, fan_out=matcher.fan_out, gap=matcher.gap, anchors=outer
    )
    ref_pairs = set(zip(ref_t.tolist(), ref_h.tolist(), strict=True))
    assert len(ref_pairs) > 0.8 * len(reference)
    query_pairs = set(zip(query.times.tolist(), query.hashes.tolist(), strict=True))
    # (three quarters: 6 targets an anchor, not 7, cost a few points here, 29 % fewer index
    # probes; the verification stage wins the weak copies back, see test_verify.py)
    assert len(ref_pairs & query_pairs) >= 0.75 * len(ref_pairs)
    # and most reference peaks sit in the sub/bass and air bands, where a voice masks least
    assert outer.mean() > 0.8


def test_the_query_anchors_only_in_the_sub_bass_and_air_bands(beats, matcher):
    # a beat's query with every band anchoring vs the shipped query (bass and air anchors):
    # the shipped one is the first's triplets anchored there, a third fewer index probes
    mono = matcher.resample(beats[3].mean(axis=1), SR)
    all_bands = LandmarkMatcher(query_anchor_bands=tuple(range(len(BAND_EDGES) - 1)))
    full = all_bands.landmarks(mono, matcher.sample_rate, query=True)
    query = matcher.landmarks(mono, matcher.sample_rate, query=True)
    full_pairs = set(zip(full.times.tolist(), full.hashes.tolist(), strict=True))
    query_pairs = set(zip(query.times.tolist(), query.hashes.tolist(), strict=True))
    assert query_pairs < full_pairs
    assert len(np.unique(query.hashes)) < 0.8 * len(np.unique(full.hashes))
    # every dropped triplet is anchored on a peak of the low-mid, mid or presence band
    times, bins = matcher.peaks(mono, per_second=matcher.query_peaks_per_band_per_second)
    band = np.searchsorted(BAND_EDGES, bins, side="right") - 1
    mid_anchor_times = set(times[np.isin(band, (1, 2, 3))].tolist())
    assert {t for t, _ in full_pairs - query_pairs} <= mid_anchor_times


def test_triplet_hashes_move_with_the_audio_and_spread_over_the_int32_range(beats, matcher):
    # the same peaks 100 frames later give the same hashes 100 frames later
    times, bins = matcher.peaks(matcher.resample(beats[2].mean(axis=1), SR))
    first = matcher.landmarks_of_peaks(times, bins, 40.0)
    later = matcher.landmarks_of_peaks(times + 100, bins, 40.0)
    assert len(first) > 1000
    assert np.array_equal(first.hashes, later.hashes)
    assert np.array_equal(first.times + 100, later.times)
    # distinct triplets almost never share a hash, and the values fill the 16 hash partitions
    # evenly (the index's range partitions assume it)
    rng = np.random.default_rng(1)
    n = 200_000
    fields = np.unique(
        np.stack(
            [
                rng.integers(0, 512, n),
                rng.integers(-63, 64, n),
                rng.integers(1, 49, n),
                rng.integers(-63, 64, n),
                rng.integers(1, 49, n),
            ],
            axis=1,
        ),
        axis=0,
    )
    hashes = triplet_hash(*fields.T)
    assert hashes.dtype == np.int32
    assert len(np.unique(hashes)) > 0.999 * len(fields)
    shares = np.bincount((hashes.astype(np.int64) + (1 << 31)) >> 28, minlength=16) / len(hashes)
    assert shares.min() > 0.055
    assert shares.max() < 0.07


def test_the_fast_maximum_filter_equals_scipys():
    from scipy import ndimage

    values = np.random.default_rng(2).standard_normal((41, 29)).astype(np.float32)
    for size in ((9, 5), (3, 3), (4, 2), (1, 1), (8, 7), (16, 3), (31, 1)):
        expected = ndimage.maximum_filter(values, size=size, mode="nearest")
        assert np.array_equal(_maximum_filter(values, size), expected)


def _brute_force_votes(matcher, query, hits):
    """recording → (best votes, earliest best offset), by counting every pair in Python."""
    occurrences: dict[int, list[int]] = {}
    for h, t in zip(query.hashes.tolist(), query.times.tolist(), strict=True):
        occurrences.setdefault(h, []).append(t)
    for times in occurrences.values():
        times.sort()
    per_rec: dict[int, dict[int, int]] = {}
    for h, rec, t in zip(
        hits.hashes.tolist(), hits.recording_ids.tolist(), hits.times.tolist(), strict=True
    ):
        for qt in occurrences.get(h, [])[: matcher.max_occurrences]:
            hist = per_rec.setdefault(rec, {})
            hist[t - qt] = hist.get(t - qt, 0) + 1
    out = {}
    tol = matcher.tolerance
    for rec, hist in per_rec.items():
        scored = [(sum(hist.get(o + d, 0) for d in range(-tol, tol + 1)), -o) for o in hist]
        value, neg = max(scored)
        out[rec] = (value, -neg)
    return out


@pytest.mark.parametrize("block_pairs", [1 << 22, 50])
def test_the_vote_counts_every_pair_at_the_best_offset_like_a_brute_force_count(block_pairs):
    # given a query whose hashes repeat (a loop) and hits of 40 recordings, some holding a
    # true copy at an offset, with times close enough for the ±1 tolerance to merge neighbours
    rng = np.random.default_rng(7)
    q_hash = rng.integers(0, 300, 2_000).astype(np.int32)
    q_time = np.sort(rng.integers(0, 400, 2_000)).astype(np.int32)
    query = Landmarks(q_hash, q_time, 43.07, 10.0)
    n = 6_000
    hits = Hits(
        rng.integers(0, 320, n).astype(np.int32),
        rng.integers(1, 41, n).astype(np.int64) * 1_000,
        rng.integers(0, 500, n).astype(np.int32),
    )
    matcher = LandmarkMatcher(vote_block_pairs=block_pairs)
    # when voted
    got = matcher.votes(query, hits)
    # then every recording gets the brute-force count and offset
    assert got == _brute_force_votes(matcher, query, hits)
    assert len(got) == 40


@pytest.mark.parametrize("query", [True, False])
def test_landmarks_of_the_stored_peaks_are_the_landmarks_of_the_audio(beats, matcher, query):
    # given a beat's landmarks, and its packed peaks as a scan stores them
    extracted = matcher.landmarks(beats[1], SR, query=query)
    stored = verify.from_bytes(verify.to_bytes(extracted.peaks))
    # when its landmarks are made again from those peaks alone
    again = matcher.landmarks_of_packed(stored, extracted.duration, query=query)
    # then they are the same hashes at the same times, the same peaks and density
    assert len(extracted) > 100
    assert np.array_equal(again.hashes, extracted.hashes)
    assert np.array_equal(again.times, extracted.times)
    assert np.array_equal(again.peaks, extracted.peaks)
    assert again.dense == extracted.dense == query


def test_silence_and_tiny_inputs_give_no_landmarks(matcher):
    assert len(matcher.landmarks(np.zeros(SR * 3, np.float32), SR)) == 0
    assert len(matcher.landmarks(np.zeros(10, np.float32), SR)) == 0


def test_calibration_maps_the_null_tail_below_80_and_grows_with_votes():
    rng = np.random.default_rng(0)
    null = rng.geometric(0.3, size=100_000)  # a geometric tail like the measured one
    calibration = Calibration.fit(null)
    assert calibration.confidence(int(np.quantile(null, 0.999))) < 80
    assert calibration.confidence(int(null.max())) < 90
    scores = [calibration.confidence(v) for v in range(0, 200, 5)]
    assert scores == sorted(scores)
    assert scores[-1] == 100


@pytest.mark.parametrize(
    ("block_pairs", "max_cells"), [(1 << 22, 1 << 25), (50, 1 << 25), (1 << 22, 8)]
)
def test_the_vote_with_a_minimum_keeps_exactly_the_recordings_that_reach_it(block_pairs, max_cells):
    # given hits of 300 recordings over a wide range of offsets (most groups of 16 offsets
    # below the minimum), some holding a planted copy at one offset, the others noise
    rng = np.random.default_rng(11)
    q_hash = rng.integers(0, 3_000, 4_000).astype(np.int32)
    q_time = np.sort(rng.integers(0, 3_000, 4_000)).astype(np.int32)
    query = Landmarks(q_hash, q_time, 43.07, 70.0)
    n = 30_000
    hashes = rng.integers(0, 3_200, n).astype(np.int32)
    recs = rng.integers(1, 301, n).astype(np.int64)
    times = rng.integers(0, 6_000, n).astype(np.int32)
    # copies at offset 500 (± 1); 11's is strong enough for a minimum past a byte's range
    for rec, copies in ((7, 40), (8, 25), (9, 18), (10, 12), (11, 200)):
        pick = rng.integers(0, len(q_hash), copies)
        hashes = np.concatenate([hashes, q_hash[pick]])
        recs = np.concatenate([recs, np.full(copies, rec)])
        times = np.concatenate([times, q_time[pick] + 500 + rng.integers(-1, 2, copies)])
    hits = Hits(hashes, recs, times.astype(np.int32))
    matcher = LandmarkMatcher(vote_block_pairs=block_pairs)
    matcher.COARSE_MAX_CELLS = max_cells
    full = _brute_force_votes(matcher, query, hits)
    for min_votes in (2, 8, 15, 24, 150):
        # when voted with a minimum
        got = matcher.votes(query, hits, min_votes=min_votes)
        # then it is exactly the full count restricted to the recordings that reach it
        assert got == {rec: v for rec, v in full.items() if v[0] >= min_votes}
    assert {7, 8, 9} <= set(matcher.votes(query, hits, min_votes=15))
    assert set(matcher.votes(query, hits, min_votes=150)) == {11}
    # and scoring at a confidence keeps the same candidates as scoring everything
    everything = matcher.score(query, hits)
    assert matcher.score(query, hits, minimum=80) == [c for c in everything if c.confidence >= 80]


def test_min_votes_is_the_fewest_votes_reaching_a_confidence():
    calibration = Calibration(null_p999=7.0, null_tail=2.0)
    for confidence in (1, 60, 80, 90, 99):
        v = calibration.min_votes(confidence)
        assert calibration.confidence(v) >= confidence > calibration.confidence(v - 1)
    assert calibration.min_votes(0) == 0
    assert (calibration.min_votes(80), calibration.min_votes(90)) == (13, 19)
