"""Audio Recon on real material: are beats nobody on the project wrote found inside "released
songs", and how often do they match unrelated real music?

bench/recon_quality.py takes its beats from content/beatgen.py, and a generator can tune a
matcher to itself. Here the beats come from material made elsewhere (bench/_realcorpus.py,
Debian packages):

* MMA grooves: drum, bass and chord loops written by the authors of MMA (Musical MIDI
  Accompaniment: rock, funk, R&B, trance, swing, bossa, salsa, ska, ...; bench/estimation_real.py's
  list, every tempo) over pop/jazz progressions, played by the General MIDI soundfont through
  fluidsynth: the closest free stand-in for a producer's beat (loops of sampled drums and
  instruments);
* recorded and composed music: game soundtracks in Ogg Vorbis (Endgame: Singularity,
  HyperRogue, Drascula) and the OpenMSX / Planet Blupi MIDI compositions, rendered the same way.

Every groove and every other piece is a scanned beat (its first 60 s); the remaining pieces are
unrelated. Songs are made exactly as in recon_quality.py: a 20–30 s excerpt placed anywhere in a
40–60 s song under espeak-ng speech at −6, 0 and +6 dB, loudness-compressed, MP3 128 kbps. Every
beat is scored against every song that does not contain it: the unrelated pieces' songs, the
other beats' songs, and the songs of the same groove at another tempo and key (the same drum
pattern and samples: the hardest null this material has). Scoring is the services': the shipped
matcher and calibration, common hashes skipped (an in-memory index).

Reported as recon_quality.py: recall at each ratio (confidence ≥ 80 and ≥ 90), false matches at
80 and 90, the null votes; the result line's ratio is min(recall −6 dB / 0.95, recall 0 dB /
0.90), 0 if more than 0.1 % of unrelated pairs reach 90. Rendered material is cached under
bench/results/real-corpus/. --quick: two grooves, two MIDI pieces.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import _realcorpus as corpus  # noqa: E402
from _common import result_line  # noqa: E402
from estimation_real import GROOVES, MMA_PACKAGES, PITCHES, mma_song  # noqa: E402
from recon_quality import RATIOS, SR, report, score_corpus, song, to_pcm16  # noqa: E402
from scipy import signal  # noqa: E402

from recon.matching import MemoryIndex, default_matcher  # noqa: E402

BEAT_SECONDS = 60.0  # recon_quality.song() takes its excerpt from the first 60 s
# Pieces that are the same music under two names (Chromaprint's fingerprints of their first
# minute agree): a song of one holds the other, so their pairs are neither true nor unrelated.
SAME_MUSIC = (frozenset({"drascula-music/track1", "drascula-music/track30"}),)


def _mono(audio: np.ndarray) -> np.ndarray | None:
    """44.1 kHz stereo → the first BEAT_SECONDS at SR mono, leading silence removed; None when
    shorter."""
    audio = corpus.trim_silence(audio)
    mono = signal.resample_poly(audio.mean(axis=1), SR, corpus.SR).astype(np.float32)
    if len(mono) < BEAT_SECONDS * SR:
        return None
    mono = mono[: int(BEAT_SECONDS * SR)]
    return mono * (0.89 / (float(np.abs(mono).max()) or 1.0))


def groove_beats(limit: int | None) -> list[tuple[str, np.ndarray]]:
    if corpus.ensure_packages(list(MMA_PACKAGES)) or corpus.soundfont() is None:
        corpus.log("SKIPPED: the MMA grooves (packages mma and fluidsynth, a GM soundfont).")
        return []
    out, n = [], 0
    for groove, _genre, tempos in GROOVES:
        for bpm in tempos:
            if limit is not None and len(out) >= limit:
                return out
            scale = "minor" if n % 2 == 0 else "major"
            tonic = (n * 7 + n // 12) % 12
            n += 1
            chart = mma_song(groove, bpm, tonic, scale, n // 2, BEAT_SECONDS + 8)
            mid = corpus._cache_path(f"mma:v2:{chart}", ".mid")
            if not mid.exists():
                corpus.mma_compile(chart, mid)
            if not mid.exists():
                corpus.log(f"left out {groove} {bpm}: mma could not write it")
                continue
            name = f"mma/{groove}-{bpm}-{PITCHES[tonic]}{'m' * (scale == 'minor')}"
            audio = _mono(corpus.render_midi(mid.resolve()))
            if audio is not None:
                out.append((name, audio))
    return out


def real_pieces(limit: int | None, *, small: bool) -> list[tuple[str, np.ndarray]]:
    out = []
    for name, audio in corpus.originals(small=small):
        mono = _mono(audio)
        if mono is not None:
            out.append((name, mono))
        if limit is not None and len(out) >= limit:
            break
    return out


def _songs_task(job):
    """(beat index or -1, name, [(song id, ratio, landmarks)], query landmarks or None)."""
    index, beat_index, name, audio, ratios = job
    matcher = default_matcher()
    songs = []
    # Keyed by the beat's own samples: a beat rendered again differently (another soundfont,
    # another fluidsynth) never meets songs made from its former rendering.
    digest = hashlib.sha1(np.ascontiguousarray(audio).tobytes()).hexdigest()[:16]  # noqa: S324
    for k, ratio in enumerate(ratios):
        song_id = index * 10 + k
        key = f"recon-real:song:v2:{name}:{ratio}:{song_id}:{digest}"
        path = corpus._cache_path(key)
        if not path.exists():
            np.save(path, to_pcm16(song(audio, ratio_db=float(ratio), seed=song_id)[0]))
        # the stored 16-bit samples, also on the run that made them: every run scores the same
        mixed = np.load(path).astype(np.float32) / 32767.0
        songs.append((song_id, ratio, matcher.landmarks(mixed, SR)))
    query = matcher.landmarks(audio, SR, query=True) if beat_index >= 0 else None
    return beat_index, name, songs, query


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--grooves", type=int, default=None, help="At most this many grooves.")
    parser.add_argument("--pieces", type=int, default=None, help="At most this many pieces.")
    parser.add_argument("--jobs", type=int, default=1, help="Worker processes.")
    args = parser.parse_args()
    if args.quick:
        args.grooves, args.pieces = 2, 2
    t0 = time.perf_counter()
    grooves = groove_beats(args.grooves)
    pieces = real_pieces(args.pieces, small=args.quick)
    beats = grooves + pieces[0::2]
    unrelated = pieces[1::2]
    if not beats:
        print("ERROR: no real material (see the SKIPPED lines)")
        sys.exit(1)
    print(
        f"material: {len(grooves)} MMA grooves, {len(pieces)} pieces "
        f"({len(pieces[0::2])} as beats, {len(unrelated)} unrelated) in "
        f"{time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    jobs = [(i, i, name, audio, RATIOS) for i, (name, audio) in enumerate(beats)]
    jobs += [
        (len(beats) + u, -1, name, audio, (RATIOS[u % 3],))
        for u, (name, audio) in enumerate(unrelated)
    ]
    index = MemoryIndex()
    truth: dict[int, tuple[int, int]] = {}  # song id → (beat index or -1, ratio)
    queries: list = [None] * len(beats)
    pool = multiprocessing.get_context("fork").Pool(args.jobs) if args.jobs > 1 else None
    try:
        results = pool.imap(_songs_task, jobs) if pool else map(_songs_task, jobs)
        for beat_index, _name, songs, query in results:
            if beat_index >= 0:
                queries[beat_index] = query
            for song_id, ratio, landmarks in songs:
                index.add(song_id, landmarks)
                truth[song_id] = (beat_index, ratio)
    finally:
        if pool:
            pool.close()
            pool.join()
    names = [name for name, _ in beats] + [name for name, _ in unrelated]
    source_of = {song_id: names[song_id // 10] for song_id in truth}  # song id = job index·10 + k
    same_music = frozenset(
        (b, song_id)
        for b, (name, _) in enumerate(beats)
        for song_id, source in source_of.items()
        if source != name and any({name, source} <= group for group in SAME_MUSIC)
    )
    scores = score_corpus(queries, index, truth, same_music=same_music)
    print(
        f"{len(beats)} beats, {len(truth)} songs, {len(scores.null):,} unrelated pairs, "
        f"{scores.common:,} common hashes skipped, {len(same_music)} pairs of the same music "
        f"under two names left out; built and scored in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    ratio = report(scores, len(beats))
    missed = [  # true_votes[ratio] holds one song per beat, in beat order
        (votes, beats[b][0])
        for b, (votes, confidence) in enumerate(
            zip(scores.true_votes[0], scores.true_confidence[0], strict=True)
        )
        if confidence < 90
    ]
    kinds = sorted({name.split("/")[0] for _, name in missed})
    print(f"missed at 0 dB (< 90): {len(missed)}, from {', '.join(kinds) or 'nothing'}")
    for votes, name in sorted(missed)[:12]:
        print(f"  {name}: {votes} votes")
    for count, b, song_id in sorted(scores.null, reverse=True)[:3]:
        owner = truth[song_id][0]
        source = beats[owner][0] if owner >= 0 else "an unrelated piece"
        print(f"  highest unrelated: {beats[b][0]} vs a song of {source}: {count} votes")
    for confidence, b, song_id in sorted(scores.false_pairs, reverse=True):
        owner = truth[song_id][0]
        source = beats[owner][0] if owner >= 0 else f"unrelated song {song_id}"
        print(f"  false match: {beats[b][0]} in a song of {source}: confidence {confidence}")
    print(result_line("recon_real", ratio, target=1.0))


if __name__ == "__main__":
    main()
