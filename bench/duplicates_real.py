"""Duplicate detection on real music: recall per transform, false positives, cost per upload.

Originals are recordings and compositions nobody on the project made (game soundtracks and
rendered MIDI from Debian packages, see ``_realcorpus``); the bench installs what it needs and
skips with a clear message when it cannot. Each original is stored the way the Celery task
stores it (fingerprint + retuned fingerprint, their index terms); each copy is checked the way
``POST /tracks`` checks an upload (``content.audio.digest`` with query variants, candidates
ranked by shared terms like the GIN query, ``fpmatch.best_match``). A copy is detected when
its original comes back at similarity ≥ 90.

False positives: every pair of distinct originals, scored exhaustively in both directions
(not only the pairs the index proposes), plus every wrong candidate the index returned for a
copy, must stay below 90, the similarity at which an upload is refused.

Cost: the new check (one decode for hash, fingerprints and tuning) against today's plain
check (fpcalc on the file, then the lookup and scoring of the plain fingerprint), on the same
uploads, interleaved, medians.

    python bench/duplicates_real.py [--originals 48] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time

import _realcorpus as rc
import numpy as np
from _fpcorpus import resample

from content import testing
from content.audio import chromaprint, digest, fpmatch

DETECT_AT = 90.0
FALSE_POSITIVE_AT = 90.0
CANDIDATES = 10
DIGEST_VERSION = 3  # bump when content.audio.digest changes what it computes
CACHE = rc.CACHE.parent / "real-digests"
TARGETS = {  # transform → recall target
    **{f"speed_{s:+d}%": 0.95 for s in (-3, 3)},
    **{f"tempo_{s:+d}%": 0.95 for s in (-3, 3)},
    "voice_tag_every_10s": 0.95,
    "excerpt_30s": 0.95,
    "excerpt_15s": 0.80,
}


def transforms() -> dict:
    tag = rc.voice_tag(rc.TAGS[0])
    out = {}
    for pct in (1, 2, 3, 5):
        for sign in (1, -1):
            out[f"speed_{sign * pct:+d}%"] = lambda a, k=1 + sign * pct / 100: _wav(rc.speed(a, k))
            out[f"tempo_{sign * pct:+d}%"] = lambda a, k=1 + sign * pct / 100: _wav(rc.tempo(a, k))
    if tag is not None:
        out["voice_tag_every_10s"] = lambda a: _wav(rc.with_voice_tag(a, tag, 10.0))
    out["excerpt_30s"] = lambda a: _wav(rc.excerpt(a, 30.0))
    out["excerpt_15s"] = lambda a: _wav(rc.excerpt(a, 15.0))
    # today's transforms
    out["mp3_128k"] = lambda a: (
        testing.encode(a, "mp3", sample_rate=rc.SR, bitrate=128_000),
        ".mp3",
    )
    out["head_tail_trim_15s"] = lambda a: _wav(a[int(14.9 * rc.SR) : -15 * rc.SR])
    out["48kHz_mp3_128k"] = lambda a: (
        testing.encode(resample(a, rc.SR, 48000), "mp3", sample_rate=48000, bitrate=128_000),
        ".mp3",
    )
    return out


def _wav(audio: np.ndarray) -> tuple[bytes, str]:
    return testing.wav_bytes(audio, rc.SR), ".wav"


def _write(data: bytes, suffix: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as fh:
        fh.write(data)
        return fh.name


def digest_of(key: str, make, *, query: bool) -> digest.AudioDigest:
    """The digest of the file ``make()`` builds, cached by ``key``."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / (
        hashlib.sha1(f"{DIGEST_VERSION}:{key}:{query}".encode()).hexdigest()[:20] + ".npz"
    )  # noqa: S324
    if path.exists():
        data = np.load(path)
        return digest.AudioDigest(
            pcm_sha256="",
            items=data["items"],
            duration=float(data["duration"]),
            audible_seconds=float(data["audible"]),
            tuning_cents=float(data["tuning"]),
            tuned_items=data["tuned"],
            variants={-1: data["below"], 1: data["above"]} if query else {},
        )
    file = _write(*make())
    try:
        result = digest.digest_file(file, query_variants=query)
    finally:
        os.unlink(file)
    empty = np.empty(0, np.int32)
    np.savez(
        path,
        items=result.items,
        duration=result.duration,
        audible=result.audible_seconds,
        tuning=result.tuning_cents,
        tuned=result.tuned_items,
        below=result.variants.get(-1, empty),
        above=result.variants.get(1, empty),
    )
    return result


def check(query: digest.AudioDigest, index, stored) -> dict:
    """Production's lookup + scoring: {original: similarity} of the candidates."""
    retuned = [query.tuned_items, *query.variants.values()]
    terms = fpmatch.lookup_terms(query.items, retuned)
    candidates = fpmatch.rank_candidates(terms, index, limit=CANDIDATES, min_hits=2)
    out = {}
    for name, _ in candidates:
        items, tuned = stored[name]
        out[name] = fpmatch.best_match(items, tuned, query.items, retuned, enough=DETECT_AT)
    return {name: m.similarity for name, m in out.items()}


def plain_check(path: str, index_plain, stored) -> None:
    """Today's check: fpcalc on the file, the plain lookup and scoring."""
    result = chromaprint.compute(path)
    if isinstance(result, chromaprint.Fingerprint):
        terms = fpmatch.query_terms(result.items)
        for name, _ in fpmatch.rank_candidates(terms, index_plain, limit=CANDIDATES, min_hits=2):
            fpmatch.compare(stored[name][0], result.items)


def new_check(path: str, index, stored) -> None:
    check(digest.digest_file(path, query_variants=True), index, stored)


def main() -> None:  # noqa: C901 - one linear measurement script
    parser = argparse.ArgumentParser()
    parser.add_argument("--originals", type=int, default=48, help="for the unrelated pairs")
    parser.add_argument("--copied", type=int, default=20, help="originals that get copies")
    parser.add_argument("--cost-uploads", type=int, default=12)
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    if args.quick:
        args.originals, args.copied, args.cost_uploads = 2, 2, 1
    started = time.monotonic()
    all_transforms = transforms()
    names, stored, index, index_plain, copies = [], {}, [], [], {}
    for name, audio in rc.originals(args.originals, small=args.quick):
        original = digest_of(f"orig:{name}", lambda a=audio: _wav(a), query=False)
        names.append(name)
        stored[name] = (original.items, original.tuned_items)
        index.append((name, fpmatch.stored_terms(original.items, original.tuned_items)))
        index_plain.append((name, fpmatch.index_terms(original.items)))
        quick_set = ("speed_+3%", "tempo_-3%", "excerpt_15s")
        picked = all_transforms if not args.quick else {t: all_transforms[t] for t in quick_set}
        if len(names) > args.copied:
            picked = {}
        for transform, make in picked.items():
            copies[(name, transform)] = digest_of(
                f"copy:{name}:{transform}", lambda m=make, a=audio: m(a), query=True
            )
        rc.log(f"{len(names)} originals ready ({time.monotonic() - started:.0f}s)")
    by_name = {p.name: p for p in rc.pieces(small=args.quick)}

    def _audio(name: str) -> np.ndarray:
        return rc.load(by_name[name])

    if len(names) < 2:
        print("SKIPPED: no real music available (see the messages above).")
        print(json.dumps({"bench": "duplicates_real", "skipped": True}))
        return

    recall, worst_wrong = {}, 0.0
    for transform in dict.fromkeys(t for _, t in copies):
        hits = total = 0
        for name in names:
            if (name, transform) not in copies:
                continue
            scores = check(copies[(name, transform)], index, stored)
            total += 1
            hits += scores.get(name, 0.0) >= DETECT_AT
            worst_wrong = max([worst_wrong, *(s for n, s in scores.items() if n != name)])
        recall[transform] = hits / total
        print(f"{transform:22s} recall {hits:3d}/{total} = {hits / total:6.1%}")

    # Every pair of distinct originals, both directions, scored exhaustively.
    pair_scores = []
    queries = {
        n: digest_of(f"copy:{n}:identity", lambda n=n: _wav(_audio(n)), query=True) for n in names
    }
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            forward = fpmatch.best_match(*stored[a], queries[b].items, _retuned(queries[b]))
            backward = fpmatch.best_match(*stored[b], queries[a].items, _retuned(queries[a]))
            pair_scores.append(max(forward.similarity, backward.similarity))
    false_positives = sum(s >= FALSE_POSITIVE_AT for s in pair_scores) + (
        worst_wrong >= FALSE_POSITIVE_AT
    )
    print(f"unrelated pairs: {len(pair_scores)}, max similarity {max(pair_scores):.1f}, "
          f"at ≥ {FALSE_POSITIVE_AT:g}: {false_positives}")  # fmt: skip
    print(f"wrong candidates returned for copies: max similarity {worst_wrong:.1f}")

    # Cost per upload: the new check against today's plain check, same files, interleaved.
    uploads = []
    for n in names[: args.cost_uploads]:
        uploads.append(_write(*_wav(_audio(n)[: int(150 * rc.SR)])))
    try:
        plain, new = [], []
        for path in uploads * (1 if args.quick else 3):
            t = time.perf_counter()
            plain_check(path, index_plain, stored)
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            new_check(path, index, stored)
            new.append(time.perf_counter() - t)
    finally:
        for path in uploads:
            os.unlink(path)
    cost_ratio = float(np.median(new) / np.median(plain))
    print(f"check cost: new {np.median(new) * 1000:.0f} ms vs plain {np.median(plain) * 1000:.0f}"
          f" ms per upload (median): ratio {cost_ratio:.2f} (target ≤ 3)")  # fmt: skip

    met = (
        all(recall.get(t, 1.0) >= target for t, target in TARGETS.items())
        and false_positives == 0
        and len(pair_scores) >= (1 if args.quick else 1000)
        and cost_ratio <= 3.0
    )
    print(
        json.dumps(
            {
                "bench": "duplicates_real",
                "originals": len(names),
                "recall": {k: round(v, 4) for k, v in recall.items()},
                "unrelated_pairs": len(pair_scores),
                "max_unrelated_score": max(pair_scores),
                "max_wrong_candidate_score": worst_wrong,
                "false_positives": false_positives,
                "cost_ratio": round(cost_ratio, 2),
                "new_check_ms": round(float(np.median(new)) * 1000, 1),
                "plain_check_ms": round(float(np.median(plain)) * 1000, 1),
                "seconds": round(time.monotonic() - started, 1),
                "targets": {
                    "recall": TARGETS,
                    "false_positives": 0,
                    "cost_ratio": 3.0,
                    "met": met,
                },
            }
        )
    )


def _retuned(query: digest.AudioDigest) -> list[np.ndarray]:
    return [query.tuned_items, *query.variants.values()]


if __name__ == "__main__":
    sys.exit(main())
