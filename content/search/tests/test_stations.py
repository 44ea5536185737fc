"""Composing radio stations from scored candidates (pure: no database)."""

from __future__ import annotations

import math

from content.search import camelot, stations
from content.search.backends.base import RadioCandidate, RadioProfile

A_MINOR = camelot.code_for("A", "minor")


def candidate(track_id: int, **values) -> RadioCandidate:
    defaults = {
        "main_artist_id": track_id,
        "camelot": None,
        "bpm": None,
        "popularity": 0.0,
        "distance": None,
        "shared_genres": 0,
        "shared_tags": 0,
        "colistens": 0,
    }
    return RadioCandidate(track_id=track_id, **{**defaults, **values})


def profile(**values) -> RadioProfile:
    defaults = {
        "seed_track_ids": (1,),
        "camelot_codes": (A_MINOR,),
        "tempos": (140,),
        "vector": None,
        "genre_ids": (1,),
        "tag_ids": (),
        "exclude_track_ids": (1,),
    }
    return RadioProfile(**{**defaults, **values})


def test_tempo_matches_within_six_percent_and_at_half_or_double_time():
    assert stations.tempo_match(140, 140) == 1.0
    assert 0.5 < stations.tempo_match(140, 146) < 1.0
    assert stations.tempo_match(140, 150) == 0.0  # 7 % off
    assert stations.tempo_match(140, 70) == 0.8  # half time
    assert stations.tempo_match(140, 280) == 0.8  # double time
    assert stations.tempo_match(70, 140) == 0.8  # double time
    assert stations.tempo_match(140, 100) == 0.0
    assert stations.tempo_match(140, None) == 0.0


def test_a_harmonic_tempo_match_outscores_a_clash():
    matching = candidate(2, camelot=camelot.code_for("C", "major"), bpm=70)
    clashing = candidate(3, camelot=camelot.code_for("D#", "major"), bpm=97)

    scored = dict((c.track_id, s) for s, c in stations.score_all([clashing, matching], profile()))

    assert scored[2] > scored[3]


def test_sound_similarity_is_the_cosine_of_unit_descriptors():
    same = candidate(2, distance=0.0)
    orthogonal = candidate(3, distance=math.sqrt(2))

    values = stations.signals(same, profile(), max_colistens=0, max_popularity=0)
    other = stations.signals(orthogonal, profile(), max_colistens=0, max_popularity=0)

    assert values["sound"] == 1.0
    assert other["sound"] == 0.0


def test_no_more_than_three_tracks_per_artist():
    many = [candidate(i, main_artist_id=7 if i < 20 else i, camelot=A_MINOR) for i in range(2, 40)]

    station = stations.compose(many, profile=profile(), seed=1)

    by_seven = [t for t in station if t < 20]
    assert len(by_seven) == 3
    assert len(station) == 3 + 20


def test_the_seed_track_is_never_on_its_own_station():
    station = stations.compose(
        [candidate(1, camelot=A_MINOR, bpm=140), candidate(2)], profile=profile(), seed=3
    )

    assert station == [2]


def test_the_same_seed_gives_the_same_station_and_other_seeds_reorder_it():
    pool = [candidate(i, camelot=A_MINOR, bpm=140) for i in range(2, 80)]

    first = stations.compose(pool, profile=profile(), seed=42)
    again = stations.compose(list(reversed(pool)), profile=profile(), seed=42)
    other = stations.compose(pool, profile=profile(), seed=43)

    assert first == again
    assert first != other
    assert len(first) == stations.STATION_SIZE


def test_shuffling_stays_within_score_bands():
    strong = [candidate(i, camelot=A_MINOR, bpm=140, shared_genres=1) for i in range(2, 12)]
    weak = [candidate(i) for i in range(12, 22)]

    for seed in range(5):
        station = stations.compose(strong + weak, profile=profile(), seed=seed)
        assert set(station[:10]) == {c.track_id for c in strong}


def test_centroid_of_unit_vectors_is_a_unit_vector():
    mean = stations.centroid([(1.0, 0.0), (0.0, 1.0)])

    assert math.isclose(math.hypot(*mean), 1.0)
    assert math.isclose(mean[0], mean[1])
    assert stations.centroid([]) is None
