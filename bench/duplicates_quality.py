"""Duplicate-detection quality on generated beats: recall per transform, max unrelated score.

Looped beats (2-, 4- and 8-bar loops repeated to 30–90 s) are measured the same way against
their re-encodes and trims and against each other, and identical uploads (one recording as WAV,
FLAC, AIFF, padded with silence) must share their decoded-audio hash.

For each of N beats (default 40, 60 s each) the original is "stored" and every transformed copy
is looked up the way production does it: candidates from the index terms (``rank_candidates``,
the same ranking as the PostgreSQL GIN query), then exact scoring at the best alignment. A copy
counts as detected when its original comes back at similarity ≥ 90. Unrelated pairs (every pair
of distinct beats, and each beat against its "sibling" with the same tempo, key, chords and drum
style) must stay below 75. Prints a table and ends with a JSON line.

    python bench/duplicates_quality.py [--beats 40]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from _fpcorpus import (
    LOOP_TRANSFORMS,
    SR,
    TRANSFORMS,
    digest_bytes,
    loop_original,
    loop_params,
    loop_variant,
    original,
    render,
    sibling,
    variant,
)

from content import testing
from content.audio import fpmatch

DETECT_AT = 90.0
FALSE_POSITIVE_AT = 75.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beats", type=int, default=40)
    parser.add_argument("--loops", type=int, default=45)
    parser.add_argument("--identical", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    if args.quick:
        args.beats, args.loops, args.identical = 2, 2, 1
    started = time.monotonic()
    n = args.beats
    originals = [original(i) for i in range(n)]
    siblings = [sibling(i) for i in range(n)]
    # The index holds originals and siblings (siblings are the hardest distractors).
    index = [(("orig", i), fpmatch.index_terms(o)) for i, o in enumerate(originals)]
    index += [(("sib", i), fpmatch.index_terms(s)) for i, s in enumerate(siblings)]
    stored = {("orig", i): o for i, o in enumerate(originals)}
    stored.update({("sib", i): s for i, s in enumerate(siblings)})

    recall, worst, fewest_shared = {}, {}, {}
    for name in TRANSFORMS:
        hits, scores = 0, []
        for i in range(n):
            query = variant(i, name)
            candidates = fpmatch.rank_candidates(
                fpmatch.query_terms(query), index, limit=10, min_hits=2
            )
            best = {key: fpmatch.compare(stored[key], query).similarity for key, _ in candidates}
            shared = dict(candidates).get(("orig", i), 0)
            fewest_shared[name] = min(fewest_shared.get(name, shared), shared)
            score = best.get(("orig", i), 0.0)
            scores.append(score)
            hits += score >= DETECT_AT
            wrong = [s for key, s in best.items() if key != ("orig", i)]
            worst[f"{name} vs others"] = max([worst.get(f"{name} vs others", 0.0), *wrong])
        recall[name] = hits / n
        print(
            f"{name:22s} recall {hits:3d}/{n} = {hits / n:6.1%}   "
            f"min similarity {min(scores):5.1f}   fewest shared terms {fewest_shared[name]}"
        )

    sibling_scores = [fpmatch.compare(originals[i], siblings[i]).similarity for i in range(n)]
    pair_scores = [
        fpmatch.compare(originals[i], originals[j]).similarity
        for i in range(n)
        for j in range(i + 1, n)
    ]
    max_unrelated = max(max(sibling_scores), max(pair_scores), *worst.values())
    print(f"siblings (same tempo/key/chords): max similarity {max(sibling_scores):.1f}")
    print(f"unrelated pairs ({len(pair_scores)}): max similarity {max(pair_scores):.1f}")
    print(f"wrong candidates returned for copies: max similarity {max(worst.values()):.1f}")
    print(f"max unrelated score: {max_unrelated:.1f} (must stay < {FALSE_POSITIVE_AT:g})")
    loops = measure_loops(args.loops, LOOP_TRANSFORMS[::3] if args.quick else LOOP_TRANSFORMS)
    identical = measure_identical(args.identical)
    min_recall = min(recall.values())
    met = (
        min_recall >= 1.0
        and max_unrelated < FALSE_POSITIVE_AT
        and loops["min_recall"] >= 0.99
        and loops["max_unrelated_score"] < FALSE_POSITIVE_AT
        and identical["caught"] == 1.0
    )
    print(
        json.dumps(
            {
                "bench": "duplicates_quality",
                "beats": n,
                "recall": {k: round(v, 4) for k, v in recall.items()},
                "min_recall": round(min_recall, 4),
                "max_sibling_score": max(sibling_scores),
                "fewest_shared_terms": min(fewest_shared.values()),
                "max_unrelated_score": max_unrelated,
                "loops": loops,
                "identical": identical,
                "seconds": round(time.monotonic() - started, 1),
                "targets": {
                    "recall_at_90": 1.0,
                    "loop_recall_at_90": 0.99,
                    "identical_caught": 1.0,
                    "max_unrelated_below": FALSE_POSITIVE_AT,
                    "met": met,
                },
            }
        )
    )


def measure_loops(n: int, transforms) -> dict:
    """Looped beats (2-, 4-, 8-bar loops repeated to 30–90 s): every loop is fingerprinted
    (none is judged insufficient), its re-encodes and trims are found, unrelated loops are not.
    """
    originals = [loop_original(i) for i in range(n)]
    index = [(i, fpmatch.index_terms(o)) for i, o in enumerate(originals)]
    recall, worst_wrong = {}, 0.0
    for name in transforms:
        hits = 0
        for i in range(n):
            query = loop_variant(i, name)
            candidates = fpmatch.rank_candidates(
                fpmatch.query_terms(query), index, limit=10, min_hits=2
            )
            scores = {k: fpmatch.compare(originals[k], query).similarity for k, _ in candidates}
            hits += scores.get(i, 0.0) >= DETECT_AT
            worst_wrong = max([worst_wrong, *(v for k, v in scores.items() if k != i)])
        recall[name] = hits / n
        print(f"loops {name:16s} recall {hits:3d}/{n} = {hits / n:6.1%}")
    pairs = [
        fpmatch.compare(originals[i], originals[j]).similarity
        for i in range(n)
        for j in range(i + 1, n)
    ]
    worst = max([worst_wrong, *pairs])
    bars = sorted({loop_params(i)["bars"] for i in range(n)})
    print(f"loops ({bars} bars, 30–90 s): unrelated pairs {len(pairs)}, max similarity {worst:.1f}")
    return {
        "loops": n,
        "recall": {k: round(v, 4) for k, v in recall.items()},
        "min_recall": round(min(recall.values()), 4),
        "unrelated_pairs": len(pairs),
        "max_unrelated_score": worst,
    }


def measure_identical(n: int) -> dict:
    """Identical uploads: the same recording as WAV, FLAC, AIFF and padded with digital
    silence has one decoded-audio hash; distinct beats have distinct hashes. (Byte-identical
    files share their SHA-256 by definition; concurrent uploads are the tests' business.)"""
    caught = total = 0
    hashes = set()
    for i in range(n):
        audio = render(i, seconds=30.0)
        pad = audio[:SR] * 0
        versions = [
            (testing.wav_bytes(audio, SR), ".wav"),
            (testing.encode(audio, "flac", sample_rate=SR), ".flac"),
            (testing.encode(audio, "aiff", sample_rate=SR), ".aiff"),
            (testing.wav_bytes(np.concatenate([pad, audio, pad]), SR), ".wav"),
        ]
        found = [digest_bytes(data, suffix).pcm_sha256 for data, suffix in versions]
        caught += sum(h == found[0] for h in found[1:])
        total += len(found) - 1
        hashes.add(found[0])
    distinct = len(hashes) == n
    print(f"identical uploads (FLAC, AIFF, silence-padded WAV of a WAV): {caught}/{total} caught; "
          f"distinct beats distinct: {distinct}")  # fmt: skip
    return {"pairs": total, "caught": caught / total if total else 1.0, "distinct": distinct}


if __name__ == "__main__":
    main()
