"""Audio Recon quality: is a beat found inside "released songs" (a beat excerpt under a voice,
compressed, MP3 128 kbps), and how often does it match unrelated songs?

Corpus (generated, deterministic): ``--beats`` beats from content/beatgen.py (60 s each, the
scanned tracks); for each, three songs containing one excerpt of it (≥ 20 s, starting anywhere in
the beat, placed anywhere in a 40–60 s song) under a voice at −6, 0 and +6 dB relative to the
beat, then loudness-compressed and MP3-encoded at 128 kbps (PyAV/FFmpeg); plus ``--unrelated``
songs built the same way from other beats (not scanned). The voice is espeak-ng speech when
espeak-ng is installed, else the synthetic vowel stream of recon/matching/synth.py (formant
vowels on a moving pitch: a harmonic, formant-shaped masker like a singer).

Every scanned beat is scored against every song (in-memory index, the same matcher as the
services). Reported: recall at each ratio (confidence ≥ 80 and ≥ 90) and the false-match rate
over all unrelated (beat, song) pairs at 80 and 90; the null distribution of votes on those
pairs is fitted (recon.matching.calibration) and printed next to the shipped calibration.

The result line's ratio is the weakest recall target's margin: min(recall −6 dB / 0.95,
recall 0 dB / 0.90) (≥ 1 passes), reported only if false matches at 90 are ≤ 0.1 %.
Full: --beats 100 --unrelated 1000 --jobs 2 --cache DIR (generating the 1,400 recordings takes
~25 CPU-minutes, then a rerun from the cache ~3); --quick: 2 beats, 4 unrelated.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import result_line  # noqa: E402

from content import testing  # noqa: E402
from content.beatgen import render_beat  # noqa: E402
from recon.matching import (  # noqa: E402
    Calibration,
    MemoryIndex,
    common_threshold,
    default_matcher,
    without_common,
)
from recon.matching.synth import compress, rms, voice  # noqa: E402

SR = 22050
RATIOS = (-6, 0, 6)
KEYS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def beat(i: int) -> np.ndarray:
    bpm = 70 + (i * 37) % 100
    return render_beat(
        seed=1000 + i,
        bpm=bpm,
        key=KEYS[(i * 5) % 12],
        scale="minor" if i % 3 else "major",
        seconds=60,
        sample_rate=SR,
    ).mean(axis=1)


def speech(seconds: float, seed: int) -> np.ndarray:
    """espeak-ng reading random words (if installed), else the synthetic voice."""
    if not shutil.which("espeak-ng"):
        return voice(seconds, SR, seed=seed)
    rng = np.random.default_rng(seed)
    words = " ".join(
        "".join(rng.choice(list("aeioubdfgklmnprstvz"), size=rng.integers(2, 7)))
        for _ in range(int(seconds * 3))
    )
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(  # noqa: S603
            ["espeak-ng", "-s", "160", "-p", str(int(rng.integers(20, 80))), "-w", tmp.name, words],  # noqa: S607
            check=True,
            capture_output=True,
        )
        out = np.concatenate(list(_decode(tmp.name)))
    out = np.resize(out, int(seconds * SR))
    return out / (np.max(np.abs(out)) or 1.0)


def _decode(path: str):
    from content.audio.decode import iter_mono_chunks

    return iter_mono_chunks(path, sample_rate=SR)


def song(source: np.ndarray, *, ratio_db: float, seed: int) -> tuple[np.ndarray, float]:
    """A released song around one excerpt of ``source``; returns (mp3-decoded audio, expected
    offset of the beat's time 0 in the song, seconds)."""
    rng = np.random.default_rng(seed)
    excerpt_len = rng.uniform(20, 30)
    start = rng.uniform(0, 60 - excerpt_len)
    length = rng.uniform(max(40, excerpt_len + 5), 60)
    place = rng.uniform(0, length - excerpt_len)
    a = int(start * SR)
    excerpt = source[a : a + int(excerpt_len * SR)]
    mix = np.zeros(int(length * SR), np.float32)
    p = int(place * SR)
    mix[p : p + len(excerpt)] = excerpt
    vox = speech(length, seed)[: len(mix)]
    vox = vox * (rms(excerpt) / rms(vox)) * 10 ** (ratio_db / 20)
    mastered = compress(mix + vox, sample_rate=SR)
    mp3 = testing.encode(mastered, "mp3", sample_rate=SR, bitrate=128_000)
    with tempfile.NamedTemporaryFile(suffix=".mp3") as tmp:
        tmp.write(mp3)
        tmp.flush()
        decoded = np.concatenate(list(_decode(tmp.name)))
    return decoded, place - start


def _cached_audio(cache: Path | None, key: str, make) -> np.ndarray:
    """``make()`` → mono float audio at SR, as 16-bit samples (memoised as ``key``.npy under
    ``cache``; None: no cache). Generating a song (beat synthesis, voice, compressor, MP3 round
    trip) costs ~1 s; the landmarks ~0.07 s, so a rerun or a matcher change only pays for the
    latter."""
    path = cache / f"{key}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path).astype(np.float32) / 32767.0
    pcm = to_pcm16(make())
    if path is not None:
        tmp = path.with_name(path.stem + ".tmp.npy")
        np.save(tmp, pcm)
        tmp.replace(path)  # atomic: a killed run never leaves half a file
    # the 16-bit samples either way: a first run scores what a rerun will load
    return pcm.astype(np.float32) / 32767.0


def to_pcm16(audio) -> np.ndarray:
    return np.round(np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0) * 32767.0).astype(
        np.int16
    )


def scanned_audio(b: int, *, seed_base: int = 0, cache: Path | None = None):
    """Scanned beat ``b``: (its audio, [(song id, ratio, song audio)] for each voice ratio)."""
    bi = seed_base + b
    rendered = None

    def render():
        nonlocal rendered
        if rendered is None:
            rendered = beat(bi)
        return rendered

    audio = _cached_audio(cache, f"beat-{bi}", render)
    songs = []
    for k, ratio in enumerate(RATIOS):
        song_id = bi * 10 + k
        mixed = _cached_audio(
            cache,
            f"song-{song_id}-{ratio}-{_voice_kind()}",
            lambda r=ratio, s=song_id: song(render(), ratio_db=r, seed=s)[0],
        )
        songs.append((song_id, ratio, mixed))
    return audio, songs


def unrelated_audio(u: int, *, seed_base: int = 0, cache: Path | None = None):
    """Unrelated song ``u`` (from a beat that is never scanned): (song id, ratio, audio)."""
    song_id = 1_000_000 + seed_base * 10 + u
    ratio = RATIOS[u % 3]
    mixed = _cached_audio(
        cache,
        f"unrelated-{song_id}-{ratio}-{_voice_kind()}",
        lambda: song(beat(100_000 + seed_base + u), ratio_db=float(ratio), seed=song_id)[0],
    )
    return song_id, ratio, mixed


def _voice_kind() -> str:
    return "espeak" if shutil.which("espeak-ng") else "synth"


def _scanned_task(args):
    b, seed_base, cache = args
    matcher = default_matcher()
    audio, songs = scanned_audio(b, seed_base=seed_base, cache=cache)
    return (
        b,
        matcher.landmarks(audio, SR, query=True),
        [(song_id, ratio, matcher.landmarks(mixed, SR)) for song_id, ratio, mixed in songs],
    )


def _unrelated_cached(u: int, seed_base: int, cache: Path | None) -> bool:
    song_id = 1_000_000 + seed_base * 10 + u
    key = f"unrelated-{song_id}-{RATIOS[u % 3]}-{_voice_kind()}"
    return cache is not None and (cache / f"{key}.npy").exists()


def _unrelated_task(args):
    u, seed_base, cache = args
    song_id, ratio, mixed = unrelated_audio(u, seed_base=seed_base, cache=cache)
    return song_id, ratio, default_matcher().landmarks(mixed, SR)


@dataclass
class Scores:
    found: dict[int, list[int]]  # voice ratio → [true songs found at ≥ 80, at ≥ 90]
    true_votes: dict[int, list[int]]  # voice ratio → votes of each true song
    true_confidence: dict[int, list[int]]  # voice ratio → confidence of each true song
    null: list[tuple[int, int, int]]  # (votes, beat, song id) of every unrelated pair
    null_z: list[float]  # the verification's z of every unrelated pair (0: not verified)
    false_pairs: list[tuple[int, int, int]]  # (confidence, beat, song id) of those ≥ 80
    false80: int
    false90: int
    common: int  # common hashes skipped


def score_corpus(
    queries: list,
    index: MemoryIndex,
    truth: dict[int, tuple[int, int]],
    *,
    same_music: frozenset[tuple[int, int]] = frozenset(),
) -> Scores:
    """Every beat (``queries[b]``) against every song of ``truth`` (song id → (the beat it
    holds or -1, voice ratio)), as the services score: the shipped matcher and calibrations,
    the index's common hashes skipped, the best candidates verified against the songs' peaks.
    ``same_music``: (beat, song id) pairs whose material is the same music under two names,
    neither true nor unrelated (left out)."""
    matcher = default_matcher()
    scores = Scores(
        found={r: [0, 0] for r in RATIOS},
        true_votes={r: [] for r in RATIOS},
        true_confidence={r: [] for r in RATIOS},
        null=[],
        null_z=[],
        false_pairs=[],
        false80=0,
        false90=0,
        common=0,
    )
    common = index.common_hashes(common_threshold(len(truth)))
    scores.common = len(common)
    for b, query in enumerate(queries):
        hits = index.lookup(without_common(query.hashes, common))
        votes = matcher.votes(query, hits)
        checked = matcher.to_verify(votes)
        z = matcher.verify(query, {rec: votes[rec][1] for rec in checked}, index.peaks(checked))
        confidence_of = {c.recording_id: c.confidence for c in matcher.score(
            query, hits, peaks=index.peaks
        )}  # fmt: skip
        for song_id, (owner, ratio) in truth.items():
            if (b, song_id) in same_music:
                continue
            count = votes.get(song_id, (0, 0))[0]
            confidence = confidence_of.get(song_id, 0)
            if owner == b:
                scores.true_votes[ratio].append(count)
                scores.true_confidence[ratio].append(confidence)
                scores.found[ratio][0] += confidence >= 80
                scores.found[ratio][1] += confidence >= 90
            else:
                scores.null.append((count, b, song_id))
                scores.null_z.append(z.get(song_id, 0.0))
                scores.false80 += confidence >= 80
                if confidence >= 80:
                    scores.false_pairs.append((confidence, b, song_id))
                scores.false90 += confidence >= 90
    return scores


def report(scores: Scores, beats: int) -> float:
    """Print recall per voice ratio, false matches and the null votes; returns the result
    line's ratio: min(recall −6 dB / 0.95, recall 0 dB / 0.90), 0 if false matches at 90 are
    above 0.1 %."""
    for ratio in RATIOS:
        r80, r90 = (n / beats for n in scores.found[ratio])
        votes = scores.true_votes[ratio]
        print(
            f"recall at voice {ratio:+d} dB: {r80:.1%} (≥80), {r90:.1%} (≥90); "
            f"true votes min {min(votes)}, median {np.median(votes):.0f}"
        )
    pairs = len(scores.null)
    print(
        f"false matches: {scores.false80 / pairs:.4%} at ≥80, {scores.false90 / pairs:.4%} at "
        f"≥90 ({scores.false80} and {scores.false90} of {pairs:,} pairs)"
    )
    null = np.array([votes for votes, _, _ in scores.null])
    print(
        f"null votes: median {np.median(null):.0f}, p99 {np.quantile(null, 0.99):.0f}, "
        f"p99.9 {np.quantile(null, 0.999):.0f}, max {null.max()}"
    )
    null_z = np.array(scores.null_z)
    print(
        f"null verification z (0 when not verified): p99 {np.quantile(null_z, 0.99):.1f}, "
        f"p99.9 {np.quantile(null_z, 0.999):.1f}, max {null_z.max():.1f}; fitted "
        f"{Calibration.fit(null_z)}, shipped {default_matcher().verification}"
    )
    ratio = min(scores.found[-6][1] / beats / 0.95, scores.found[0][1] / beats / 0.90)
    return 0.0 if scores.false90 / pairs > 0.001 else ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--beats", type=int, default=100)
    parser.add_argument("--unrelated", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1, help="Worker processes.")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="Directory keeping the generated audio between runs (16-bit, keyed by seed, ratio "
        "and voice; ~3 GB at full size): a rerun or a matcher change only computes landmarks.",
    )
    parser.add_argument(
        "--seed-base",
        type=int,
        default=0,
        help="Shift every beat and song seed: a disjoint corpus (e.g. 500000) to fit the "
        "calibration on, never the measured one.",
    )
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="Score only the unrelated songs already in --cache (the report says how many).",
    )
    args = parser.parse_args()
    if args.quick:
        args.beats, args.unrelated = 2, 4
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    voice_kind = _voice_kind()
    t0 = time.perf_counter()
    index = MemoryIndex()
    truth: dict[int, tuple[int, int]] = {}  # song id → (beat, ratio)
    queries: list = [None] * args.beats
    scanned = [(b, args.seed_base, args.cache) for b in range(args.beats)]
    unrelated = [(u, args.seed_base, args.cache) for u in range(args.unrelated)]
    if args.cached_only:  # a deadline: score the unrelated songs generated so far
        unrelated = [task for task in unrelated if _unrelated_cached(*task)]
    pool = multiprocessing.get_context("fork").Pool(args.jobs) if args.jobs > 1 else None
    mapper = (lambda f, xs: pool.imap(f, xs, chunksize=4)) if pool else map
    try:
        for b, query, songs in mapper(_scanned_task, scanned):
            queries[b] = query
            for song_id, ratio, lm in songs:
                index.add(song_id, lm)
                truth[song_id] = (b, ratio)
        for n, (song_id, ratio, lm) in enumerate(mapper(_unrelated_task, unrelated), 1):
            index.add(song_id, lm)
            truth[song_id] = (-1, ratio)
            if n % 100 == 0:
                print(f"  {n} unrelated songs ({time.perf_counter() - t0:.0f} s)", flush=True)
    finally:
        if pool:
            pool.close()
            pool.join()
    built = time.perf_counter() - t0
    songs = len(truth)

    scores = score_corpus(queries, index, truth)
    voice_kind = "espeak-ng" if voice_kind == "espeak" else "synthetic voice (no espeak-ng)"
    print(
        f"corpus: {args.beats} beats, {songs} songs ({len(unrelated)} unrelated"
        f"{f' of {args.unrelated}: only those cached' if args.cached_only else ''}), {voice_kind}"
    )
    print(
        f"built in {built:.0f} s; {index.size:,} song landmarks; {len(scores.null):,} unrelated "
        f"pairs; {scores.common:,} common hashes skipped (more than {common_threshold(songs)} "
        "postings)"
    )
    ratio = report(scores, args.beats)
    fitted = Calibration.fit(np.array([votes for votes, _, _ in scores.null]))
    print(f"null fitted {fitted}, shipped {default_matcher().calibration}")
    print(result_line("recon_quality", ratio, target=1.0))


if __name__ == "__main__":
    main()
