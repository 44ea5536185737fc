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
REUSE_DB = "bp_dupes_bench"
SEED_VERSION = 2  # bump when the seeded rows change


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


def backend_cpu_ns(connection):
    """CPU time used so far by this connection's PostgreSQL backend (same machine), or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    path = f"/proc/{pid}/schedstat"

    def read() -> int:
        with open(path) as fh:
            return int(fh.read().split()[0])

    try:
        read()
    except OSError:  # another host, or no procfs
        return None
    return read


def measure(find, queries, repeat: int = 1, backend=None) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds per search (CPU: this process plus its PostgreSQL
    backend, so other load on a shared machine does not count), and how many found a match."""
    times, cpu, found = [], [], 0
    for _ in range(repeat):
        for query in queries:
            b = backend() if backend else 0
            c = time.process_time_ns()
            t = time.perf_counter()
            result = find(items=query)
            times.append((time.perf_counter() - t) * 1000)
            used = time.process_time_ns() - c + ((backend() - b) if backend else 0)
            cpu.append(used / 1e6)
            found += bool(result)
    return times, cpu, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--beats", type=int, default=40)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep-db", action="store_true", help="Leave the scratch database.")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"Seed {REUSE_DB}_<size> once and keep them: later runs only measure.",
    )
    parser.add_argument("--quick", action="store_true", help="Tiny sizes: checks the bench runs.")
    args = parser.parse_args()
    if args.quick:
        args.total, args.small, args.beats, args.queries = 300, 150, 2, 10
    if args.reuse:
        name = f"{REUSE_DB}_{args.small}"
        with _common.django_scratch_database(name, reuse=True):
            result = run(args)
    else:
        with _common.django_scratch_database("bp_dupes_bench", keep=args.keep_db):
            result = run(args)
    print(json.dumps(result))


def use_database(name: str) -> None:
    """Point Django at the kept database ``name`` (created and migrated if missing)."""
    from django.core.management import call_command
    from django.db import connection

    try:
        _common._admin_execute(f'CREATE DATABASE "{name}"')
    except Exception as e:  # noqa: BLE001 - already there is the point of reusing
        if "already exists" not in str(e):
            raise
    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, interactive=False)


def seed_signature(args) -> str:
    """What the seeded rows depend on: a database seeded under another one is reseeded."""
    from content.audio import fpmatch

    params = (SEED_VERSION, args.beats, fpmatch.PAIR_BITS, fpmatch.PAIR_GAP, fpmatch.WINDOWS,
              fpmatch.WINDOW_ITEMS, fpmatch.WINDOW_EVERY)  # fmt: skip
    return ":".join(map(str, params))


def seed(connection, real, target: int, loaded: int, rng, fpmatch) -> None:
    """COPY rows ``loaded + 1 .. target`` (the real beats go in the first batch, after the
    first pseudo block), then (re)build the GIN index once."""
    reals = real if loaded == 0 else []
    pseudo_count = target - loaded - len(reals)
    next_id = loaded + 1
    t = time.monotonic()
    with connection.cursor() as cursor:  # bulk load without the index, then build it once
        cursor.execute("DROP INDEX IF EXISTS fingerprint_terms_gin")
    for chunk_start in range(0, pseudo_count, 5000):
        size = min(5000, pseudo_count - chunk_start)
        load(connection, next_id, list(pseudo_fingerprints(real, size, rng)), fpmatch)
        next_id += size
        if reals and chunk_start == 0:  # not at the lowest ids
            load(connection, next_id, reals, fpmatch)
            next_id += len(reals)
        done = next_id - 1 - loaded
        print(f"  seeded {done}/{target - loaded} in {time.monotonic() - t:.0f}s",
              file=sys.stderr, flush=True)  # fmt: skip
    if reals and pseudo_count <= 0:
        load(connection, next_id, reals[: target - loaded], fpmatch)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            "CREATE INDEX fingerprint_terms_gin ON content_fingerprint "
            "USING gin (terms gin__int_ops)"
        )
        cursor.execute("VACUUM ANALYZE content_fingerprint")
    print(f"  index built, {time.monotonic() - t:.0f}s in all", file=sys.stderr, flush=True)


def run(args) -> dict:
    from django.db import connection

    from content.audio import fpmatch
    from content.fingerprints import selectors

    rng = np.random.default_rng(2026)
    started = time.monotonic()
    real = [original(i) for i in range(args.beats)]
    copies = [variant(i, name) for i in range(args.beats) for name in ("mp3_128k", "head_trim_15s")]
    unrelated = [sibling(i) for i in range(args.beats)]
    queries = [copies[i % len(copies)] if i % 2 == 0 else unrelated[i % len(unrelated)]
               for i in range(args.queries)]  # fmt: skip
    print(f"corpus ready in {time.monotonic() - started:.0f}s", file=sys.stderr)

    sql_times: list[float] = []
    plain_candidates = selectors._candidates

    def timed_candidates(*a, **kw):
        t = time.perf_counter()
        rows = plain_candidates(*a, **kw)
        sql_times.append((time.perf_counter() - t) * 1000)
        return rows

    selectors._candidates = timed_candidates
    find = selectors.fingerprint_find_duplicates
    signature = seed_signature(args)
    results = {}
    loaded = 0
    for target in (args.small, args.total):
        if args.reuse:
            use_database(f"{REUSE_DB}_{target}")
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE IF NOT EXISTS bench_seed (signature text)")
                cursor.execute("SELECT signature FROM bench_seed")
                row = cursor.fetchone()
                cursor.execute("SELECT count(*) FROM content_fingerprint")
                present = cursor.fetchone()[0]
            if row and row[0] == signature and present == target:
                print(f"{target} fingerprints already seeded", file=sys.stderr)
            else:
                with connection.cursor() as cursor:
                    cursor.execute("TRUNCATE content_track CASCADE")
                    cursor.execute("DELETE FROM bench_seed")
                rng = np.random.default_rng(2026)  # each database holds the same first rows
                seed(connection, real, target, 0, rng, fpmatch)
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO bench_seed VALUES (%s)", [signature])
        else:
            seed(connection, real, target, loaded, rng, fpmatch)
        loaded = target
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM content_fingerprint")
            count = cursor.fetchone()[0]
        backend = backend_cpu_ns(connection)
        measure(find, queries[:20])  # warm the cache
        sql_times.clear()
        times, cpu, found = measure(find, queries, backend=backend)
        p50, p95 = np.percentile(times, [50, 95])
        cpu_p50, cpu_p95 = np.percentile(cpu, [50, 95])
        sql_p95 = float(np.percentile(sql_times, 95))
        copies_found = sum(bool(find(items=q)) for q in queries[::2]) / len(queries[::2])
        results[count] = {"p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2),
                          "sql_p95_ms": round(sql_p95, 2),
                          "cpu_p50_ms": round(float(cpu_p50), 2),
                          "cpu_p95_ms": round(float(cpu_p95), 2),
                          "copies_found": round(copies_found, 3), "matches": found}  # fmt: skip
        print(f"{count:>7d} fingerprints: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
              f"(candidate query p95 {sql_p95:.1f} ms; CPU p50 {cpu_p50:.1f} ms, "
              f"p95 {cpu_p95:.1f} ms), copies found {copies_found:.0%}",
              file=sys.stderr)  # fmt: skip

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
