"""Query parsing: words, BPM and keys in the notations producers type (pure, no database)."""

from __future__ import annotations

import pytest

from content.search import camelot
from content.search.parsing import (
    Key,
    allowed_edits,
    corrections,
    edit_distance,
    normalise,
    one_edit_away,
    parse,
)

A_MINOR = Key(pitch_class=9, scale="minor")


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("Am", A_MINOR),
        ("a minor", A_MINOR),
        ("A min", A_MINOR),
        ("8A", A_MINOR),
        ("8a", A_MINOR),
        ("F#m", Key(6, "minor")),
        ("f# minor", Key(6, "minor")),
        ("Ebmin", Key(3, "minor")),
        ("Bbmaj", Key(10, "major")),
        ("C major", Key(0, "major")),
        ("8B", Key(0, "major")),
        ("12b", Key(4, "major")),
        ("C#", Key(1, None)),
    ],
)
def test_keys_are_understood_in_every_usual_notation(query, key):
    parsed = parse(f"dark {query}")

    assert parsed.key == key
    assert parsed.words == ("dark",)


def test_a_bare_letter_is_a_word_not_a_key():
    parsed = parse("a night in tunisia")

    assert parsed.key is None
    assert parsed.words == ("a", "night", "in", "tunisia")


@pytest.mark.parametrize("query", ["trap 140", "trap 140bpm", "trap 140 bpm", "140 BPM trap"])
def test_a_bpm_number_is_a_tempo_and_an_optional_word(query):
    parsed = parse(query)

    assert parsed.bpm == 140
    assert "trap" in parsed.words
    assert "140" in parsed.words
    assert parsed.optional_words == frozenset({"140"})
    assert "bpm" not in parsed.words


@pytest.mark.parametrize("query", ["808 mafia", "90s vibe", "30 seconds", "2024"])
def test_numbers_outside_50_to_200_are_plain_words(query):
    parsed = parse(query)

    assert parsed.bpm is None
    assert parsed.words[0] == query.split()[0]
    assert not parsed.optional_words


def test_dark_trap_140_in_a_minor_is_split_into_its_parts():
    parsed = parse("Dark Trap 140 A minor")

    assert parsed.words == ("dark", "trap", "140")
    assert parsed.bpm == 140
    assert parsed.key == A_MINOR


def test_words_are_folded_like_the_database_does():
    assert normalise("  Beyoncé   NIGHT  ") == "beyonce night"
    assert parse("Beyoncé, #Dark!").words == ("beyonce", "dark")


def test_repeated_words_count_once_and_long_queries_are_cut():
    parsed = parse("dark dark " + " ".join(f"w{i}" for i in range(30)))

    assert parsed.words.count("dark") == 1
    assert len(parsed.words) == 12


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("midnight", "midnight", 0),
        ("midnigt", "midnight", 1),  # deletion
        ("midnihgt", "midnight", 1),  # neighbours swapped
        ("mudnight", "midnight", 1),  # substitution
        ("midniight", "midnight", 1),  # insertion
        ("nidmight", "midnight", 2),
    ],
)
def test_edit_distance_counts_a_swap_as_one_edit(a, b, distance):
    assert edit_distance(a, b, 3) == distance


def test_edit_distance_stops_past_its_limit():
    assert edit_distance("abcdefgh", "zzzzzzzz", 2) == 3


def test_short_words_are_never_corrected_and_long_ones_may_be_two_edits_away():
    assert allowed_edits("808") == 0
    assert allowed_edits("dark") == 1
    assert allowed_edits("midnight") == 2
    assert corrections("drk", ["dark"]) == []
    assert corrections("midnigth", ["midnight", "midday", "night"]) == ["midnight"]


def test_corrections_prefer_the_closest_words():
    assert corrections("koriel", ["korel", "koriels", "kariel", "zzz"], limit=2) == [
        "kariel",
        "korel",
    ]


def test_key_codes_cover_both_scales_when_none_was_given():
    assert set(Key(9, None).codes) == {
        camelot.code_for("A", "minor"),
        camelot.code_for("A", "major"),
    }


def test_one_edit_away_covers_every_kind_of_typo():
    variants = set(one_edit_away("money"))

    assert {"mony", "moeny", "mooney", "honey"} <= variants  # deletion, swap, insertion, change
    assert "money" not in variants
    assert len(variants) < 80 * len("money")
