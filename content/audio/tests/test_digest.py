"""One decode → content hash, fingerprints, tuning; and the copies they find: loops, speed and
tempo changes, voice tags, excerpts. Audio is generated here (beatgen), nothing else needed."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from content import testing
from content.audio import chromaprint, digest, fpmatch
from content.beatgen import render_beat

SR = 22050


def digest_of(tmp_path, samples, fmt="wav", *, query=False, name="a", rate=SR):
    data = testing.wav_bytes(samples, rate) if fmt == "wav" else testing.encode(
        samples, fmt, sample_rate=rate, bitrate=128_000 if fmt == "mp3" else None
    )  # fmt: skip
    path = testing.write(tmp_path / f"{name}.{fmt}", data)
    return digest.digest_file(path, query_variants=query)


@pytest.fixture(scope="module")
def beat():
    return render_beat(seed=21, bpm=120, key="E", scale="minor", seconds=45, sample_rate=SR)


@pytest.fixture(scope="module")
def other_beat():
    return render_beat(seed=22, bpm=120, key="E", scale="minor", seconds=45, sample_rate=SR)


def speed(samples: np.ndarray, factor: float) -> np.ndarray:
    """Played ``factor`` times faster (pitch and tempo): the samples declared at another rate."""
    import av

    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SR)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T), "fltp", "stereo")
    frame.sample_rate = int(round(SR * factor))
    out = [f.to_ndarray() for f in (*resampler.resample(frame), *resampler.resample(None))]
    return np.concatenate(out, axis=1).T


def tempo(samples: np.ndarray, factor: float) -> np.ndarray:
    """Time-stretched, pitch kept (FFmpeg's atempo)."""
    import av
    from av.filter import Graph

    graph = Graph()
    source = graph.add_abuffer(format="fltp", sample_rate=SR, layout="stereo")
    stretch, sink = graph.add("atempo", f"{factor}"), graph.add("abuffersink")
    source.link_to(stretch)
    stretch.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T), "fltp", "stereo")
    frame.sample_rate, frame.pts, frame.time_base = SR, 0, Fraction(1, SR)
    graph.push(frame)
    graph.push(None)
    out = []
    while True:
        try:
            pulled = graph.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            break
        data = pulled.to_ndarray()
        out.append(data.T if pulled.format.is_planar else data.reshape(-1, 2))
    return np.concatenate(out).astype(np.float32)


def found(stored: digest.AudioDigest, query: digest.AudioDigest) -> fpmatch.Match:
    """How production scores a query against a stored track (the index lookup included)."""
    retuned = [query.tuned_items, *query.variants.values()]
    stored_terms = set(fpmatch.stored_terms(stored.items, stored.tuned_items))
    if len(stored_terms.intersection(fpmatch.lookup_terms(query.items, retuned))) < 2:
        return fpmatch.NO_MATCH
    return fpmatch.best_match(stored.items, stored.tuned_items, query.items, retuned)


# --- the decoded-audio hash ----------------------------------------------------------------------


def test_one_recording_in_wav_flac_and_aiff_has_one_pcm_hash(tmp_path, beat):
    hashes = {
        digest_of(tmp_path, beat[: 10 * SR], fmt).pcm_sha256 for fmt in ("wav", "flac", "aiff")
    }

    assert len(hashes) == 1
    assert len(hashes.pop()) == 64


def test_digital_silence_around_the_audio_does_not_change_its_hash(tmp_path, beat):
    clip = beat[: 10 * SR]
    padded = np.concatenate(
        [np.zeros((SR // 2, 2), np.float32), clip, np.zeros((777, 2), np.float32)]
    )

    assert digest_of(tmp_path, padded, name="p").pcm_sha256 == digest_of(tmp_path, clip).pcm_sha256


def test_a_one_sample_change_or_a_lossy_copy_changes_the_hash(tmp_path, beat):
    clip = beat[: 10 * SR].copy()
    changed = clip.copy()
    changed[SR, 0] += 0.01

    reference = digest_of(tmp_path, clip).pcm_sha256
    assert digest_of(tmp_path, changed, name="c").pcm_sha256 != reference
    assert digest_of(tmp_path, clip, "mp3").pcm_sha256 != reference  # the fingerprint's job


def test_silence_has_no_content_hash_and_is_insufficient_audio(tmp_path):
    result = digest_of(tmp_path, np.zeros(SR * 20, np.float32))

    assert result.pcm_sha256 == ""
    assessed = chromaprint.assess(result.items, result.duration, result.audible_seconds)
    assert isinstance(assessed, chromaprint.InsufficientAudio)
    assert "silent" in assessed.reason


def test_near_silence_is_insufficient_audio_though_chromaprint_sees_noise(tmp_path):
    hiss = np.random.default_rng(1).normal(0, 10 ** (-72 / 20), SR * 20).astype(np.float32)

    result = digest_of(tmp_path, hiss)

    assert chromaprint.sounding_items(result.items) > 100  # fpcalc alone would fingerprint it
    assert result.audible_seconds < 1
    assessed = chromaprint.assess(result.items, result.duration, result.audible_seconds)
    assert isinstance(assessed, chromaprint.InsufficientAudio)


def test_the_fingerprint_agrees_with_fpcalc(tmp_path, beat):
    path = testing.write(tmp_path / "b.wav", testing.wav_bytes(beat[: 20 * SR], SR))

    ours, theirs = digest.digest_file(path).items, chromaprint.compute(path).items

    assert ours.size == theirs.size
    assert fpmatch.compare(theirs, ours).similarity == 100


# --- loops ---------------------------------------------------------------------------------------


def loop(seed: int, bars: int, repeats: int, bpm: int = 140) -> np.ndarray:
    bar = int(round(SR * 240 / bpm))
    once = render_beat(seed=seed, bpm=bpm, key="C", scale="minor", seconds=bars * bar / SR + 0.01,
                       sample_rate=SR)[: bars * bar]  # fmt: skip
    return np.tile(once, (repeats, 1))


def test_a_one_bar_loop_repeated_is_fingerprinted_and_its_copies_found(tmp_path):
    # 1 bar at 150 BPM repeated 12×: the old "too uniform" rule refused this one
    looped = loop(seed=5, bars=1, repeats=12, bpm=150)
    stored = digest_of(tmp_path, looped)

    assessed = chromaprint.assess(stored.items, stored.duration, stored.audible_seconds)
    assert isinstance(assessed, chromaprint.Fingerprint)
    for copy in (
        digest_of(tmp_path, looped, "mp3", name="m"),
        digest_of(tmp_path, looped[SR * 3 :], name="t"),
    ):
        assert found(stored, copy).similarity >= 90


def test_unrelated_loops_at_the_same_tempo_are_not_duplicates(tmp_path):
    first = digest_of(tmp_path, loop(seed=6, bars=2, repeats=8), name="a")
    second = digest_of(tmp_path, loop(seed=7, bars=2, repeats=8), name="b", query=True)

    assert found(first, second).similarity < 75


# --- copies that evade a plain comparison -------------------------------------------------------


def test_tuning_estimates_move_with_a_speed_change(beat):
    mono = beat.mean(axis=1) * 32767
    sped = speed(beat, 1.03).mean(axis=1) * 32767

    shift = digest.tuning_offset(sped, SR) - digest.tuning_offset(mono, SR)

    expected = 1200 * np.log2(1.03)  # 51.2 cents
    assert abs((shift - expected + 50) % 100 - 50) < 2


@pytest.mark.parametrize("factor", [0.97, 1.03, 1.05])
def test_a_copy_played_faster_or_slower_is_found_through_its_retuned_fingerprint(
    tmp_path, beat, factor
):
    stored = digest_of(tmp_path, beat)
    copy = digest_of(tmp_path, speed(beat, factor), name="s", query=True)

    assert fpmatch.compare(stored.items, copy.items).similarity < 90  # the plain check misses it
    assert found(stored, copy).similarity >= 90


@pytest.mark.parametrize("factor", [0.97, 1.03])
def test_a_time_stretched_copy_is_found_on_a_drifting_alignment(tmp_path, beat, factor):
    stored = digest_of(tmp_path, beat)
    copy = digest_of(tmp_path, tempo(beat, factor), name="t", query=True)

    match = found(stored, copy)

    assert match.similarity >= 90
    assert match.rate == pytest.approx(factor, abs=0.01)  # aligned on a drifting line


def test_a_voice_tag_every_10_seconds_does_not_hide_a_copy(tmp_path, beat):
    rng = np.random.default_rng(3)
    t = np.arange(int(2.5 * SR)) / SR
    # a "voice": formant-like chirps with a syllable envelope, as loud as the beat
    voice = sum(np.sin(2 * np.pi * (f + 40 * np.sin(7 * t)) * t) for f in (300, 900, 2400))
    voice *= np.abs(np.sin(2 * np.pi * 3 * t)) * (1 + 0.1 * rng.standard_normal(t.size))
    voice *= np.sqrt(np.mean(beat**2)) / np.sqrt(np.mean(voice**2))
    tagged = beat.copy()
    for start in range(SR, tagged.shape[0] - voice.size, 10 * SR):
        tagged[start : start + voice.size] += voice[:, None].astype(np.float32)
    tagged /= max(1.0, float(np.abs(tagged).max()) / 0.99)

    stored = digest_of(tmp_path, beat)
    assert found(stored, digest_of(tmp_path, tagged, name="v", query=True)).similarity >= 90


@pytest.mark.parametrize("seconds", [15, 30])
def test_an_excerpt_is_found_through_the_index(tmp_path, seconds):
    long_beat = render_beat(seed=31, bpm=95, key="G", scale="minor", seconds=150, sample_rate=SR)
    stored = digest_of(tmp_path, long_beat)
    start = int(61.3 * SR)
    excerpt = digest_of(tmp_path, long_beat[start : start + seconds * SR], name="e", query=True)

    assert found(stored, excerpt).similarity >= 90


def test_unrelated_beats_stay_below_the_threshold_with_every_query_variant(
    tmp_path, beat, other_beat
):
    stored = digest_of(tmp_path, beat)
    query = digest_of(tmp_path, other_beat, name="o", query=True)
    retuned = [query.tuned_items, *query.variants.values()]

    assert (
        fpmatch.best_match(stored.items, stored.tuned_items, query.items, retuned).similarity < 75
    )
