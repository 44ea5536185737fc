"""Pinned cases from the real-material bench (``bench/estimation_real.py``), rendered at test time.

Octave choice, minor keys and speed-changed duplicates on music nobody on the project wrote:
MMA's groove library over chord charts and OpenMSX compositions, played by fluidsynth (see
``bench/_realcorpus.py``, shared with the bench). Each case is one the estimator gets right
today; if a change breaks one, the bench will have lost it too. The tools are installed by
``make test-system-deps``; without them these tests fail with what to install, they do not
skip.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.conf import settings

from bench._realcorpus import (
    RATE,
    Renders,
    clip,
    mma_chart,
    read_wav,
    speed_exact,
    stereo_excerpt,
    tempo,
    write_wav,
)
from content.audio import digest, estimate, fpmatch

SECONDS = 20.0  # the excerpt analysed: long enough for a stable answer, quick to render


@pytest.fixture(scope="session")
def renders(tmp_path_factory) -> Renders:
    return Renders(tmp_path_factory.mktemp("real-music"))


# name: (groove, bpm, chords) — charts as the bench writes them, one chord per bar.
CHARTS = {
    # trance at 140: the tempo trap is filed under, whose half (70) is the classic mistake
    "Trance-140-Dm": ("Trance", 140, ("Dm", "Gm", "A7", "Dm", "Dm", "Gm", "A7", "Dm")),
    # R&B at a hip-hop tempo: 86, not 172
    "RnB-86-Gm": ("R&B", 86, ("Gm", "Cm", "D7", "Gm", "Gm", "Cm", "D7", "Gm")),
    # slow R&B: without a genre the double (144) wins; the genre says 72
    "RnB-72-C": ("R&B", 72, ("C", "G", "Am", "F", "C", "G", "F", "C")),
    # minor keys over the bench's other minor progressions (spelled as the bench spells them)
    "Twist-150-Bbm": ("Twist", 150, ("Bbm", "F#", "C#", "Ab", "Bbm", "F#", "Ebm", "F")),
    "DSoul-88-Am": ("DSoul", 88, ("Am", "G", "F", "G", "Am", "G", "F", "E")),
    "BVFunk-94-Ebm": ("BVFunk", 94, ("Ebm", "Ebm", "Abm", "Abm", "B", "Bb", "Ebm", "Ebm")),
    # I-vi-IV-V: the relative minor's chord as long as the tonic's (read as B minor before the
    # tonic triad decided between the two)
    "RnB-96-D": ("R&B", 96, ("D", "Bm", "G", "A", "D", "Bm", "G", "A7")),
}


def mma_clip(renders: Renders, name: str) -> np.ndarray:
    groove, bpm, chords = CHARTS[name]
    return clip(renders.mma(name, mma_chart(groove, bpm, chords, SECONDS)), SECONDS)


# --- tempo: the metrical level a producer counts -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "bpm", "other_octave"), [("Trance-140-Dm", 140, 70), ("RnB-86-Gm", 86, 172)]
)
def test_the_tempo_is_the_counted_level_and_the_other_octave_an_alternative(
    renders, name, bpm, other_octave
):
    result = estimate.estimate_tempo(mma_clip(renders, name))

    assert abs(result.bpm_exact - bpm) <= 1, result
    assert result.bpm == bpm
    # the other octave is offered ("did you mean 70?"), with less of the evidence
    [alternative] = [a for a in result.alternatives if abs(a.bpm - other_octave) <= 1]
    assert alternative.score < 0.5


def test_a_trap_genre_keeps_140_at_140(renders):
    samples = mma_clip(renders, "Trance-140-Dm")

    assert estimate.estimate_tempo(samples, genre="trap").bpm == 140
    # and the estimate is sure of it without the genre too
    assert estimate.estimate_tempo(samples).confidence >= 0.5


def test_the_genre_picks_the_octave_of_a_slow_rnb_groove(renders):
    samples = mma_clip(renders, "RnB-72-C")

    with_genre = estimate.estimate_tempo(samples, genre="r&b")

    assert abs(with_genre.bpm_exact - 72) <= 1, with_genre
    assert [round(a.bpm_exact) for a in with_genre.alternatives] == [144]
    # without it the evidence alone prefers the double: the genre is what decides here
    assert abs(estimate.estimate_tempo(samples).bpm_exact - 144) <= 2


def test_an_openmsx_composition_at_140_is_140(renders):
    # "Mosey Along" (OpenMSX): 140 BPM in its tempo map, a swung feel that halves easily.
    result = estimate.estimate_tempo(clip(renders.openmsx("mosey_along_redfarn"), SECONDS))

    assert abs(result.bpm_exact - 140) <= 1, result


@pytest.mark.parametrize(
    ("stem", "bpm"),
    [
        ("careless_perc_redfarn", 64),  # was read at 96 (3:2)
        ("moo_redfarn", 120),  # was 180 (3:2)
        ("ttsong_iii_imuh3", 120),  # was 150 (5:4)
    ],
)
def test_openmsx_pieces_with_a_triplet_feel_are_read_at_their_notated_tempo(renders, stem, bpm):
    # Their spectrum peaks at a ternary or quintuple relation of the beat; the autocorrelation
    # at the beat and at the bar picks the notated level.
    result = estimate.estimate_tempo(clip(renders.openmsx(stem), SECONDS))

    assert abs(result.bpm_exact - bpm) <= 1, result


# --- key: minor keys stay minor --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key", "camelot"),
    [
        ("Trance-140-Dm", "D", "7A"),
        ("RnB-86-Gm", "G", "6A"),
        ("Twist-150-Bbm", "Bb", "3A"),  # i-VI-III-VII: the relative major's chords throughout
        ("DSoul-88-Am", "A", "8A"),
        ("BVFunk-94-Ebm", "Eb", "2A"),
    ],
)
def test_minor_keys_are_found_with_their_tonic(renders, name, key, camelot):
    result = estimate.estimate_key(mma_clip(renders, name))

    assert (result.key, result.scale) == (key, "minor"), result
    assert result.camelot == camelot
    assert result.confidence >= 0.5


def test_a_major_loop_through_its_relative_minor_stays_major(renders):
    result = estimate.estimate_key(mma_clip(renders, "RnB-96-D"))

    assert (result.key, result.scale) == ("D", "major"), result
    assert result.camelot == "10B"


# --- duplicates: a copy at another speed or tempo ------------------------------------------------


@pytest.fixture(scope="module")
def original(renders, tmp_path_factory):
    """30 s of "Linn's Basket" (OpenMSX) as a stored track would have it, and its digest."""
    audio = stereo_excerpt(renders.openmsx("linns_basket"), 30.0)
    path = tmp_path_factory.mktemp("dup") / "original.wav"
    write_wav(path, audio)
    return audio, digest.digest_file(path)


def _check(stored: digest.AudioDigest, upload: digest.AudioDigest) -> fpmatch.Match:
    """What the duplicate check does with a candidate (``fingerprint_find_duplicates``): the
    upload's fingerprint and its retuned ones against the stored track's."""
    retuned = [upload.tuned_items, *upload.variants.values()]
    retuned = [fpmatch.as_items(t) for t in retuned if t is not None and len(t)]
    threshold = settings.DUPLICATE_SIMILARITY_THRESHOLD
    return fpmatch.best_match(
        stored.items, stored.tuned_items, fpmatch.as_items(upload.items), retuned, enough=threshold
    )


@pytest.mark.parametrize(
    ("change", "factor"),
    [("speed", 0.97), ("speed", 1.03), ("tempo", 0.97), ("tempo", 1.03)],
)
def test_a_copy_three_percent_faster_or_slower_is_a_duplicate(original, tmp_path, change, factor):
    audio, stored = original
    copy = speed_exact(audio, factor) if change == "speed" else tempo(audio, factor, rate=RATE)
    assert abs(copy.shape[0] / audio.shape[0] - 1 / factor) < 0.01  # really 3 % shorter/longer
    path = tmp_path / "copy.wav"
    write_wav(path, copy)

    match = _check(stored, digest.digest_file(path, query_variants=True))

    assert match.similarity >= settings.DUPLICATE_SIMILARITY_THRESHOLD, match


def test_another_real_piece_is_not_a_duplicate(original, renders, tmp_path):
    _, stored = original
    other = read_wav(renders.openmsx("mosey_along_redfarn"))[: 30 * RATE]
    path = tmp_path / "other.wav"
    write_wav(path, other)

    match = _check(stored, digest.digest_file(path, query_variants=True))

    assert match.similarity < settings.DUPLICATE_SIMILARITY_THRESHOLD / 2, match
