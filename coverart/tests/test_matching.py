"""Matching rules (pure): genre names, the mood table, ranking, related-genre fallback."""

from __future__ import annotations

import pytest

from coverart.matching import Candidate, mood_for, normalize_genre, rank, related_genres


@pytest.mark.parametrize(
    ("raw", "slug"),
    [("R&B", "r-n-b"), ("rnb", "r-n-b"), ("Lo Fi", "lo-fi"), ("HipHop", "hip-hop"),
     ("Boom Bap", "boom-bap"), ("UK Drill", "drill"), ("Afrobeat", "afrobeats")],
)  # fmt: skip
def test_genre_names_are_normalised_to_catalog_slugs(raw, slug):
    assert normalize_genre(raw) == slug


@pytest.mark.parametrize(
    ("genres", "scale", "bpm", "mood"),
    [
        (["drill"], "major", 100, "dark"),  # a genre with its own mood wins
        (["trap", "lo-fi"], "minor", 140, "chill"),  # the first genre that has one
        (["trap"], "minor", 140, "dark"),
        (["trap"], "major", 145, "energetic"),
        (["r-n-b"], "minor", 76, "melancholic"),
        (["r-n-b"], "major", 72, "chill"),
        (["hip-hop"], "major", 100, "uplifting"),
        (["hip-hop"], "minor", 95, "dark"),
        (["hip-hop"], None, None, None),
    ],
)
def test_mood_table(genres, scale, bpm, mood):
    assert mood_for(genres=genres, scale=scale, bpm=bpm) == mood


def c(slug, genres, moods=()):
    return Candidate(id=hash(slug) % 1000, slug=slug, genres=tuple(genres), moods=tuple(moods))


CANDIDATES = [
    c("trap-dark", ["trap"], ["dark"]),
    c("trap-bright", ["trap"], ["uplifting"]),
    c("trap-drill-dark", ["trap", "drill"], ["dark"]),
    c("lofi", ["lo-fi"], ["chill"]),
    c("house", ["house"], ["energetic"]),
    c("boom-bap", ["boom-bap"], ["chill"]),
]


def slugs(matches):
    return [m.candidate.slug for m in matches]


def test_more_shared_genres_first_then_mood():
    matches = rank(CANDIDATES, genres=["trap", "drill"], mood="dark", seed="t", limit=10)

    assert slugs(matches) == ["trap-drill-dark", "trap-dark", "trap-bright"]
    assert {m.match for m in matches} == {"genre"}
    assert matches[0].matched_genres == ("trap", "drill")


def test_mood_breaks_ties_between_equal_genre_matches():
    assert slugs(rank(CANDIDATES[:2], genres=["trap"], mood="uplifting", seed="x", limit=5)) == [
        "trap-bright",
        "trap-dark",
    ]


def test_ties_are_shuffled_stably_per_seed():
    same = [c(f"t{n}", ["trap"]) for n in range(8)]

    first = slugs(rank(same, genres=["trap"], mood=None, seed="track:1", limit=8))
    again = slugs(rank(same, genres=["trap"], mood=None, seed="track:1", limit=8))
    other = slugs(rank(same, genres=["trap"], mood=None, seed="track:2", limit=8))

    assert first == again
    assert first != other
    assert sorted(first) == sorted(other)


def test_related_genres_are_the_fallback():
    matches = rank(CANDIDATES, genres=["phonk"], mood="dark", seed="s", limit=10)

    assert {m.match for m in matches} == {"related"}
    assert "house" not in slugs(matches)
    assert set(slugs(matches)) == {"trap-dark", "trap-bright", "trap-drill-dark", "lofi",
                                   "boom-bap"}  # fmt: skip


def test_with_nothing_related_every_template_is_offered_by_mood():
    matches = rank(CANDIDATES, genres=["polka"], mood="energetic", seed="s", limit=3)

    assert {m.match for m in matches} == {"any"}
    assert slugs(matches)[0] == "house"
    assert len(matches) == 3


def test_related_genres_share_a_family():
    assert {"trap", "drill", "boom-bap"} <= related_genres(["hip-hop"])
    assert "hip-hop" not in related_genres(["hip-hop"])
