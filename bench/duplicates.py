"""Duplicate search speed on PostgreSQL at 10k and 100k fingerprints.

Creates a scratch database (``_common.django_scratch_database``, dropped at the end) and loads
fingerprints: real ones
computed from generated beats (``_fpcorpus``), padded with pseudo-fingerprints. A pseudo-
fingerprint is stitched from chunks (2–10 s) of the real ones, each chunk XORed with its own
random 8-bit mask (at least two bits in the indexed top bits): it keeps the temporal structure
and the skewed value distribution of real Chromaprint output, but is not a copy of anything.
Lengths are 2–4 minutes, like real tracks.

The timed operation is ``fingerprint_find_duplicates`` (index lookup + exact re-scoring),
excluding fingerprinting of the query. Queries are copies of indexed beats (MP3 128k, 15 s head
trim) and unrelated beats. Ends with a JSON line: ``ratio`` is p95 at 100k over p95 at 10k
(target ≤ 2), ``p95_ms`` the p95 at 100k (target ≤ 20 ms).

    python bench/duplicates.py [--total 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import uuid

import _common
import numpy as np
from _fpcorpus import original, sibling, variant

P95_TARGET_MS = 20.0
RATIO_TARGET = 2.0


def pseudo_fingerprints(real: list[np.ndarray], count: int, rng: np.random.Generator):
    item_s = 0.1238
    for _ in range(count):
        length = int(rng.uniform(120, 240) / item_s)
        parts, size = [], 0
        while size < length:
            source = real[int(rng.integers(len(real)))].astype(np.uint32)
            chunk = int(rng.uniform(2, 10) / item_s)
            start = int(rng.integers(0, max(1, source.size - chunk)))
            bits = rng.choice(32, size=8, replace=False)
            bits[:2] = rng.choice(np.arange(8, 32), size=2, replace=False)
            mask = np.uint32(sum(1 << int(b) for b in set(bits.tolist())))
            piece = source[start : start + chunk] ^ mask
            parts.append(piece)
            size += piece.size
        yield np.concatenate(parts)[:length].view(np.int32)


def pg_array(values) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def load(connection, start_id: int, fingerprints, fpmatch) -> None:
    """COPY tracks and completed fingerprints (ids from ``start_id``)."""
    tracks, rows = io.StringIO(), io.StringIO()
    now = "2026-01-01 00:00:00+00"
    for offset, items in enumerate(fingerprints):
        pk = start_id + offset
        tracks.write(f"{pk}\tBench track {pk}\t{now}\t{now}\t180000\t\t\t\t\tpublic\t0\t0\tf\n")
        terms = fpmatch.index_terms(items)
        rows.write(
            f"{pk}\t{pk}\tcompleted\t{pg_array(items.tolist())}\t{items.size * 0.1238:.2f}\t"
            f"{uuid.uuid4().hex * 2}\t{pg_array(terms)}\t{now}\t{now}\t{now}\t\t\t\t0\n"
        )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY content_track (id, name, created_at, updated_at, duration, key, scale, "
            "description, image, visibility, plays, likes_count, free_download) FROM STDIN"
        ) as copy:
            copy.write(tracks.getvalue())
        with raw.copy(
            "COPY content_fingerprint (id, track_id, status, items, duration, hash, terms, "
            "fingerprinted_at, created_at, updated_at, source_sha256, error, error_code, attempts) "
            "FROM STDIN"
        ) as copy:
            copy.write(rows.getvalue())


def measure(find, queries, repeat: int = 1) -> tuple[list[float], int]:
    times, found = [], 0
    for _ in range(repeat):
        for query in queries:
            t = time.perf_counter()
            result = find(items=query)
            times.append((time.perf_counter() - t) * 1000)
            found += bool(result)
    return times, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--beats", type=int, default=40)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep-db", action="store_true", help="Leave the scratch database.")
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    if args.quick:
        args.total, args.small, args.beats, args.queries = 300, 150, 2, 10
    with _common.django_scratch_database("bp_bench_duplicates", keep=args.keep_db):
        result = run(args)
    print(json.dumps(result))


def run(args) -> dict:
    from django.db import connection

    from content.audio import fpmatch
    from content.fingerprints.selectors import fingerprint_find_duplicates

    rng = np.random.default_rng(2026)
    started = time.monotonic()
    real = [original(i) for i in range(args.beats)]
    copies = [variant(i, name) for i in range(args.beats) for name in ("mp3_128k", "head_trim_15s")]
    unrelated = [sibling(i) for i in range(args.beats)]
    queries = [copies[i % len(copies)] if i % 2 == 0 else unrelated[i % len(unrelated)]
               for i in range(args.queries)]  # fmt: skip
    print(f"corpus ready in {time.monotonic() - started:.0f}s", file=sys.stderr)

    results = {}
    loaded = 0
    for target in (args.small, args.total):
        t = time.monotonic()
        reals = real if loaded == 0 else []
        pseudo_count = target - loaded - len(reals)
        next_id = loaded + 1
        with connection.cursor() as cursor:  # bulk load without the index, then build it once
            cursor.execute("DROP INDEX IF EXISTS fingerprint_terms_gin")
        for chunk_start in range(0, pseudo_count, 5000):
            size = min(5000, pseudo_count - chunk_start)
            load(connection, next_id, list(pseudo_fingerprints(real, size, rng)), fpmatch)
            next_id += size
        if reals:  # the real beats go after the first pseudo block, not at the lowest ids
            load(connection, next_id, reals, fpmatch)
        loaded = target
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE INDEX fingerprint_terms_gin ON content_fingerprint "
                "USING gin (terms gin__int_ops)"
            )
            cursor.execute("ANALYZE content_fingerprint")
            cursor.execute("SELECT count(*) FROM content_fingerprint")
            count = cursor.fetchone()[0]
        print(f"loaded {count} fingerprints in {time.monotonic() - t:.0f}s", file=sys.stderr)
        measure(fingerprint_find_duplicates, queries[:20])  # warm the cache
        times, found = measure(fingerprint_find_duplicates, queries)
        p50, p95 = np.percentile(times, [50, 95])
        copies_found = sum(bool(fingerprint_find_duplicates(items=q)) for q in queries[::2]) / len(
            queries[::2]
        )
        results[count] = {"p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2),
                          "copies_found": round(copies_found, 3), "matches": found}  # fmt: skip
        print(f"{count:>7d} fingerprints: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
              f"copies found {copies_found:.0%}")  # fmt: skip

    small, large = results[min(results)], results[max(results)]
    ratio = large["p95_ms"] / small["p95_ms"]
    return {
        "bench": "duplicates",
        "ratio": round(ratio, 2),
        "target": RATIO_TARGET,
        "fingerprints": max(results),
        "p95_ms": large["p95_ms"],
        "p50_ms": large["p50_ms"],
        "p95_ms_10k": small["p95_ms"],
        "ratio_100k_10k": round(ratio, 2),
        "copies_found": large["copies_found"],
        "targets": {
            "p95_ms": P95_TARGET_MS,
            "ratio_100k_10k": RATIO_TARGET,
            "met": large["p95_ms"] <= P95_TARGET_MS and ratio <= RATIO_TARGET,
        },
    }


if __name__ == "__main__":
    main()
