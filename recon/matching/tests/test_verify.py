"""The verification stage: peaks packed and unpacked, the z statistic, and a copy that keeps too
few triplets for the vote but enough single peaks for the verification."""

from __future__ import annotations

import numpy as np
import pytest

from content.beatgen import render_beat
from recon.matching import LandmarkMatcher, MemoryIndex, verify

SR = 22050
PARAMS = [(150, "C", "minor"), (92, "F", "major"), (128, "A", "minor"), (101, "D", "major")]


@pytest.fixture(scope="module")
def matcher():
    return LandmarkMatcher()


@pytest.fixture(scope="module")
def beats():
    return [
        render_beat(seed=40 + i, bpm=bpm, key=key, scale=scale, seconds=40, sample_rate=SR)
        for i, (bpm, key, scale) in enumerate(PARAMS)
    ]


def test_peaks_pack_to_four_bytes_each_and_back():
    times = np.array([0, 0, 7, 8_000_000], np.int64)
    bins = np.array([2, 511, 40, 300], np.int64)
    packed = verify.pack(times, bins)
    data = verify.to_bytes(packed)
    assert len(data) == 4 * len(times)
    back_t, back_f = verify.unpack(verify.from_bytes(data))
    assert back_t.tolist() == times.tolist()
    assert back_f.tolist() == bins.tolist()
    with pytest.raises(ValueError):
        verify.pack(np.array([1]), np.array([512]))


def _random_peaks(rng, n, frames):
    times = np.sort(rng.integers(0, frames, n))
    return times, rng.integers(2, 512, n)


def test_z_is_large_at_the_copys_offset_and_near_zero_elsewhere():
    rng = np.random.default_rng(3)
    beat_t, beat_f = _random_peaks(rng, 2500, 2000)  # ~54 dense peaks a second for 46 s
    dense = verify.coverage(verify.pack(beat_t, beat_f))
    # a song holding a third of the beat's peaks 300 frames in, among as many other peaks
    kept = rng.random(len(beat_t)) < 0.33
    song_t = np.concatenate([beat_t[kept] + 300, rng.integers(0, 2300, kept.sum())])
    song_f = np.concatenate([beat_f[kept], rng.integers(2, 512, kept.sum())])
    order = np.argsort(song_t, kind="stable")
    song = verify.pack(song_t[order], song_f[order])
    assert verify.z_score(dense, song, 300) > 20
    # elsewhere the beat's peaks explain the song's no better than chance
    others = [verify.z_score(dense, song, offset) for offset in (-700, -200, 90, 520, 1100)]
    assert max(abs(z) for z in others) < 4
    # an unrelated song scores like chance at any offset
    other_t, other_f = _random_peaks(rng, 1500, 2300)
    unrelated = verify.pack(other_t, other_f)
    assert abs(verify.z_score(dense, unrelated, 300)) < 4
    # and a song that barely overlaps the beat gives no evidence either way
    assert verify.z_score(dense, song, 2290) == 0.0


def test_chance_follows_how_often_the_beat_fills_a_bin():
    # a bass that sits on bin 20 in every frame: a song peak there matches whatever the song
    times = np.arange(1000)
    dense = verify.coverage(verify.pack(times, np.full(1000, 20)))
    assert dense.chance[19] == dense.chance[20] == dense.chance[21] == 1.0
    assert dense.chance[22] == 0.0
    song = verify.pack(np.arange(0, 1000, 10), np.full(100, 20))
    assert verify.z_score(dense, song, 0) == 0.0  # certain matches prove nothing


def _song_peaks(matcher, beat, *, keep, seed, offset=300, frames=2000):
    """A song's reference peaks holding ``keep`` of the beat's first 1000 frames' peaks at
    ``offset``, among random peaks (the voice) at the reference density."""
    rng = np.random.default_rng(seed)
    times, bins = matcher.peaks(matcher.resample(beat.mean(axis=1), SR))
    chosen = (rng.random(len(times)) < keep) & (times < 1000)
    n = int(36 * frames / matcher.frames_per_second)
    times = np.concatenate([times[chosen] + offset, rng.integers(0, frames, n)])
    bins = np.concatenate([bins[chosen], rng.integers(2, 512, n)])
    order = np.lexsort((bins, times))
    return matcher.landmarks_of_peaks(
        times[order].astype(np.int32), bins[order].astype(np.int32), frames / 43.07
    )


def test_a_copy_with_too_few_triplets_for_the_vote_is_verified_by_its_peaks(beats, matcher):
    # given songs that each keep 30 % of one beat's peaks (a triplet survives 3 % of the time)
    index = MemoryIndex()
    for i, beat in enumerate(beats):
        index.add(100 + i, _song_peaks(matcher, beat, keep=0.3, seed=i))
    by_votes, verified = [], []
    for beat in beats:
        query = matcher.landmarks(beat, SR, query=True)
        assert query.dense
        assert query.peaks is not None
        hits = index.lookup(query.hashes)
        by_votes.append({c.recording_id: c for c in matcher.score(query, hits)})
        # when scored with the songs' stored peaks
        verified.append({c.recording_id: c for c in matcher.score(query, hits, peaks=index.peaks)})
    # then every beat's own song shows (>= 90) at its offset, no other song is stored (< 80)
    for i, found in enumerate(verified):
        assert found[100 + i].confidence >= 90
        assert round(found[100 + i].offset * matcher.frames_per_second) == 300
        assert all(c.confidence < 80 for rec, c in found.items() if rec != 100 + i)
    # while the votes alone leave some of them below the storage threshold
    assert min(found[100 + i].confidence for i, found in enumerate(by_votes)) < 80


def test_a_new_recording_is_verified_against_the_beats_stored_peaks(beats, matcher):
    # the other direction (ingest): the song is the query, the beats' dense peaks are stored
    tracks = MemoryIndex()
    for i, beat in enumerate(beats):
        tracks.add(i, matcher.landmarks(beat, SR, query=True))
    song = _song_peaks(matcher, beats[1], keep=0.3, seed=1)
    assert not song.dense
    found = matcher.score(song, tracks.lookup(song.hashes), minimum=80, peaks=tracks.peaks)
    assert [c.recording_id for c in found] == [1]
    assert found[0].confidence >= 90
    assert round(found[0].offset * matcher.frames_per_second) == -300  # the beat's 0 in the song


def test_the_quota_limits_the_weak_candidates_never_the_storable_ones(matcher):
    # 13 votes score 80 by the votes' calibration
    assert matcher.calibration.min_votes(80) == 13
    votes = {7: (30, 0), 8: (5, 0), 9: (6, 10), 10: (30, 4), 11: (12, 2), 12: (13, 1)}
    assert matcher.to_verify(votes) == [7, 10, 12, 11, 9]
    capped = LandmarkMatcher(verify_limit=1)
    assert capped.to_verify(votes) == [7, 10, 12, 11]
    none_weak = LandmarkMatcher(verify_limit=0)
    assert none_weak.to_verify(votes) == [7, 10, 12]
