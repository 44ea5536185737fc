"""Audio Recon speed: one track's scan against a reference index of N recordings in PostgreSQL.

The index is filled through the production path (``recon.store.write_landmarks``: COPY into the
hash-partitioned table) with *synthesized* landmarks, because decoding N × duration of audio is
too slow here: each recording gets spectral peaks at the rate of a real generated song (beatgen +
voice, the reference-side density), with that song's peak bins (the skew that matters: bass-band
bins dominate) at uniform random times, hashed by the matcher itself
(``LandmarkMatcher.landmarks_of_peaks``: the real triplets of those peaks). Every recording
draws from one song's bins, so a scan reads more rows here than bench/recon_quality.py's varied
songs predict (~780 vs ~450 per indexed hour for a 3-min beat): pessimistic; the index probes,
which dominate, are the same. One real song containing the scanned beat is indexed too, and must
be found.

Reported per size: the scan time (decode the 3-min MP3 track + landmarks + index lookup +
voting, as ``recon.services.scan_run`` does, skipping the common hashes recounted after the
load as the daily job does) and its ratio to decoding the track once (target
≤ 3×), index bytes (heap + B-tree + BRIN) per hour of indexed audio, and how the lookup+vote
time grows between the smallest and largest size (sublinear: growth < size ratio). A track's
first scan decodes it; its rescans (the daily job's every ~30 days) re-derive the landmarks from
the peaks the first one stored, so a rescan is timed too (no decode: landmarks of the stored
peaks + lookup + score), and must find what the scan found. The result line is the first scan's.
Both are timed in wall-clock and in CPU seconds (this process, FFmpeg's threads included, plus its
PostgreSQL backend's, read from /proc); the result line's ratio is the CPU scan / decode at the
largest size, which a loaded shared machine distorts far less than the wall ratio.
Full: --sizes 1000,10000 --seconds 180 (a 3-min track); --quick: --sizes 20,80 --seconds 30
(a 60-s track).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import django_scratch_database, result_line  # noqa: E402

SR = 22050


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--seconds", type=float, default=180.0, help="Per reference recording.")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="Load like a first bulk import: the partitions unlogged and without their indexes "
        "during the COPYs, the indexes built afterwards (CREATE INDEX sorts once instead of "
        "inserting every row into a B-tree). Lookups are unchanged.",
    )
    parser.add_argument(
        "--database", default="bp_bench_recon_speed", help="Scratch database name (+ pid)."
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the database (named --database exactly) and reuse what it holds: recordings "
        "already loaded are not loaded again, so a 10k index is built once across runs (a size "
        "below what it holds is skipped). Drop it yourself when done.",
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.seconds, args.repetitions = "20,80", 30.0, 1
    sizes = sorted(int(s) for s in args.sizes.split(","))

    from content import testing
    from content.audio.decode import iter_mono_chunks
    from content.beatgen import render_beat
    from recon.matching import Landmarks, default_matcher
    from recon.matching.synth import song_with_excerpt

    matcher = default_matcher()
    track_seconds = 60 if args.quick else 180
    beat = render_beat(
        seed=5, bpm=140, key="F", scale="minor", seconds=track_seconds, sample_rate=SR
    )
    track_mp3 = testing.encode(beat, "mp3", sample_rate=SR, bitrate=192_000)
    placed = song_with_excerpt(
        beat,
        sample_rate=SR,
        excerpt_start=40,
        excerpt_seconds=25,
        place_at=3,
        song_seconds=30,
        voice_db=0,
        seed=11,
    )
    placed_lm = matcher.landmarks(placed, SR)
    # The indexed side's peaks of a real song: their rate and their bins (the skew that makes
    # some hashes common: bass-band bins dominate) drive the synthesized recordings.
    peak_times, peak_bins = matcher.peaks(matcher.resample(placed, SR))
    peaks_per_second = len(peak_times) / placed_lm.duration
    density = len(placed_lm) / placed_lm.duration
    rng = np.random.default_rng(0)

    def synthetic(seconds: float) -> Landmarks:
        """Peaks at the real song's rate with its bins, at uniform random times, hashed by the
        matcher itself (the real triplets of those peaks)."""
        n = int(peaks_per_second * seconds)
        bins = rng.choice(peak_bins, size=n).astype(np.int32)
        times = rng.integers(0, int(seconds * matcher.frames_per_second), n).astype(np.int32)
        order = np.lexsort((bins, times))
        return matcher.landmarks_of_peaks(times[order], bins[order], seconds)

    with django_scratch_database(args.database, reuse=args.reuse):
        from django.db import DatabaseError, connection, transaction

        from recon import store
        from recon.matching import verify
        from recon.models import (
            REFERENCE_LANDMARK_TABLE,
            CommonHash,
            RecordingPeaks,
            ReferenceRecording,
        )

        with tempfile.NamedTemporaryFile(suffix=".mp3") as tmp:
            tmp.write(track_mp3)
            tmp.flush()

            def decode_once():
                return np.concatenate(list(iter_mono_chunks(tmp.name, sample_rate=11025)))

            def scan_once():
                samples = decode_once()
                query = matcher.landmarks(samples, 11025, query=True)
                t = time.perf_counter()
                hits = store.hits(table=REFERENCE_LANDMARK_TABLE, hashes=query.hashes)
                found = matcher.score(query, hits, minimum=80, peaks=store.recording_peaks)
                return found, time.perf_counter() - t

            def rescan_once(stored: bytes, duration: float):
                """A rescan of unchanged audio (recon.services): the landmarks re-derived from
                the track's stored peaks (its TrackPeaks bytes), then lookup + score."""
                query = matcher.landmarks_of_packed(verify.from_bytes(stored), duration, query=True)
                hits = store.hits(table=REFERENCE_LANDMARK_TABLE, hashes=query.hashes)
                return matcher.score(query, hits, minimum=80, peaks=store.recording_peaks)

            def verify_cap(query, ids):
                """The verification stage at its cap: ``verify_limit`` recordings' peaks read
                and checked (a real catalog's null puts a few % of its recordings past the
                vote's gate; these synthesized ones almost never pass it)."""
                stored = store.recording_peaks(ids)
                return matcher.verify(query, dict.fromkeys(ids, 0), stored)

            def lookup_tuples(hashes):
                """The previous lookup (rows as Python tuples, ``fetchall``): the floor the
                aggregated-bytea lookup is compared with."""
                wanted = np.unique(np.asarray(hashes, dtype=np.int64))
                out = []
                with connection.cursor() as cursor:
                    for part in range(store.PARTITIONS):
                        values = wanted[store.partition_of(wanted) == part].tolist()
                        for a in range(0, len(values), store.LOOKUP_CHUNK):
                            cursor.execute(
                                f"SELECT hash, recording_id, t FROM "  # noqa: S608
                                f"{REFERENCE_LANDMARK_TABLE}_p{part:02d} WHERE hash = ANY(%s)",
                                [values[a : a + store.LOOKUP_CHUNK]],
                            )
                            out.extend(cursor.fetchall())
                return np.asarray(out, dtype=np.int64)

            def set_bulk(on: bool):
                """Before a bulk load: partitions unlogged (this scratch database is thrown
                away; the WAL would double the writes), indexes dropped. After it: indexes
                built as migration 0002 creates them. The partitions stay unlogged (making them
                logged again rewrites every row into the WAL; lookups do not differ)."""
                with connection.cursor() as cursor:
                    if on:
                        for part in range(store.PARTITIONS):
                            name = f"{REFERENCE_LANDMARK_TABLE}_p{part:02d}"
                            cursor.execute(f"ALTER TABLE {name} SET UNLOGGED")
                        cursor.execute(f"DROP INDEX IF EXISTS {REFERENCE_LANDMARK_TABLE}_hash")
                        cursor.execute(f"DROP INDEX IF EXISTS {REFERENCE_LANDMARK_TABLE}_owner")
                    else:
                        cursor.execute("SET maintenance_work_mem = '512MB'")
                        cursor.execute(
                            f"CREATE INDEX {REFERENCE_LANDMARK_TABLE}_hash ON "
                            f"{REFERENCE_LANDMARK_TABLE} (hash) INCLUDE (recording_id, t)"
                        )
                        cursor.execute(
                            f"CREATE INDEX {REFERENCE_LANDMARK_TABLE}_owner ON "
                            f"{REFERENCE_LANDMARK_TABLE} USING brin (recording_id)"
                        )

            loaded = ReferenceRecording.objects.count()
            target_id = (
                ReferenceRecording.objects.filter(external_id="ref-0")
                .values_list("pk", flat=True)
                .first()
            )
            if loaded:
                print(f"reusing {args.database}: {loaded:,} recordings already indexed")
            rows = []
            for size in sizes:
                if size < loaded:
                    print(f"{size:>6} recordings: skipped (the reused database holds {loaded:,})")
                    continue
                t0 = time.perf_counter()
                grew = loaded < size
                if args.bulk and loaded < size:
                    set_bulk(True)
                bulk_loading = args.bulk and loaded < size
                while loaded < size:
                    with transaction.atomic():
                        batch = ReferenceRecording.objects.bulk_create(
                            ReferenceRecording(
                                title=f"Ref {i}", source="local", external_id=f"ref-{i}"
                            )
                            for i in range(loaded, min(size, loaded + 200))
                        )
                        peaks = []
                        for rec in batch:
                            lm = synthetic(args.seconds)
                            if target_id is None:
                                lm, target_id = placed_lm, rec.pk
                            store.write_landmarks(
                                table=REFERENCE_LANDMARK_TABLE,
                                owner_id=rec.pk,
                                landmarks=lm,
                                replace=False,
                            )
                            peaks.append(
                                RecordingPeaks(recording=rec, data=verify.to_bytes(lm.peaks))
                            )
                        RecordingPeaks.objects.bulk_create(peaks)
                    loaded += len(batch)
                if bulk_loading:
                    set_bulk(False)
                if grew:
                    # then flush what the load and the vacuum dirtied: the checkpointer writing
                    # gigabytes while the scans are timed slowed decode and scan alike, by up
                    # to half, and unevenly (a reused index skips both: nothing changed)
                    with connection.cursor() as cursor:
                        cursor.execute(f"VACUUM ANALYZE {REFERENCE_LANDMARK_TABLE}")
                        try:
                            cursor.execute("CHECKPOINT")
                        except DatabaseError as exc:  # needs superuser or pg_checkpoint
                            print(f"no CHECKPOINT before timing: {exc}".strip())
                load_s = time.perf_counter() - t0
                # the daily recount of the common hashes, which scans skip (recon.matching.common):
                # after a load, or on a reused index never counted
                t0 = time.perf_counter()
                if grew or not CommonHash.objects.exists():
                    n_common = store.refresh_common_hashes(recordings=size)
                    counted = f"recounted in {time.perf_counter() - t0:.1f} s"
                else:
                    n_common = CommonHash.objects.count()
                    counted = "counted by an earlier run"
                scan_once()  # warm-up (caches, plans)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    backend = cursor.fetchone()[0]

                def cpu(backend: int = backend) -> float:
                    """CPU seconds of this process (FFmpeg's threads included) plus its
                    PostgreSQL backend's: what a scan costs whatever else the machine runs."""
                    try:
                        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1]
                        ticks = sum(int(x) for x in fields.split()[11:13])  # utime, stime
                        server = ticks / os.sysconf("SC_CLK_TCK")
                    except OSError:  # the database on another host: its share is not counted
                        server = 0.0
                    return time.process_time() + server

                # a reused index loaded before peaks were kept: give its recordings some
                missing = ReferenceRecording.objects.exclude(
                    pk__in=RecordingPeaks.objects.values("pk")
                ).values_list("pk", flat=True)
                for a in range(0, len(missing), 1000):
                    RecordingPeaks.objects.bulk_create(
                        RecordingPeaks(
                            recording_id=pk, data=verify.to_bytes(synthetic(args.seconds).peaks)
                        )
                        for pk in missing[a : a + 1000]
                    )
                capped = list(
                    ReferenceRecording.objects.order_by("?").values_list("pk", flat=True)[
                        : matcher.verify_limit
                    ]
                )
                decode_c, scan_c, verify_c, rescan_c = [], [], [], []
                decode_t, scan_t, lookup_t, copy_t, tuples_t = [], [], [], [], []
                found = []
                query_lm = matcher.landmarks(decode_once(), 11025, query=True)
                query_hashes = query_lm.hashes
                stored_peaks = verify.to_bytes(query_lm.peaks)
                for _ in range(args.repetitions):
                    t, c = time.perf_counter(), cpu()
                    verify_cap(query_lm, capped)
                    verify_c.append(cpu() - c)
                    t, c = time.perf_counter(), cpu()
                    decode_once()
                    decode_t.append(time.perf_counter() - t)
                    decode_c.append(cpu() - c)
                    t, c = time.perf_counter(), cpu()
                    found, lookup_s = scan_once()
                    scan_t.append(time.perf_counter() - t)
                    scan_c.append(cpu() - c)
                    lookup_t.append(lookup_s)
                    c = cpu()
                    rescanned = rescan_once(stored_peaks, query_lm.duration)
                    rescan_c.append(cpu() - c)
                    assert rescanned == found, "a rescan from stored peaks differs from a scan"
                    t = time.perf_counter()
                    n_hits = len(
                        store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=query_hashes).hashes
                    )
                    copy_t.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    lookup_tuples(query_hashes)
                    tuples_t.append(time.perf_counter() - t)
                ok = any(c.recording_id == target_id for c in found)
                false = [c for c in found if c.recording_id != target_id]
                nbytes = store.table_bytes(REFERENCE_LANDMARK_TABLE)
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_total_relation_size(%s)", [RecordingPeaks._meta.db_table]
                    )
                    peak_bytes = int(cursor.fetchone()[0])
                hours = (size - 1) * args.seconds / 3600 + placed_lm.duration / 3600
                row = {
                    "size": size,
                    "decode": statistics.median(decode_t),
                    "scan": statistics.median(scan_t),
                    "decode_cpu": statistics.median(decode_c),
                    "scan_cpu": statistics.median(scan_c),
                    "verify_cpu": statistics.median(verify_c),
                    "rescan_cpu": statistics.median(rescan_c),
                    "peak_bytes_per_hour": peak_bytes / hours,
                    "lookup": statistics.median(lookup_t),
                    "bytes_per_hour": nbytes / hours,
                    "found": ok,
                    "hits": n_hits,
                    "copy": statistics.median(copy_t),
                    "tuples": statistics.median(tuples_t),
                    "false": len(false),
                }
                rows.append(row)
                print(
                    f"{size:>6} recordings ({args.seconds:.0f} s each, loaded in {load_s:.0f} s): "
                    f"decode {row['decode'] * 1000:.0f} ms, scan {row['scan'] * 1000:.0f} ms "
                    f"(lookup+vote {row['lookup'] * 1000:.0f} ms), ratio "
                    f"{row['scan'] / row['decode']:.2f}× (CPU incl. the database backend: decode "
                    f"{row['decode_cpu'] * 1000:.0f} ms, scan {row['scan_cpu'] * 1000:.0f} ms, "
                    f"{row['scan_cpu'] / row['decode_cpu']:.2f}×); index {nbytes / 1e6:.0f} MB = "
                    f"{row['bytes_per_hour'] / 1e6:.1f} MB per hour of audio (+ the peaks: "
                    f"{row['peak_bytes_per_hour'] / 1e6:.2f} MB per hour); verification at its "
                    f"cap ({len(capped)} recordings): {row['verify_cpu'] * 1000:.0f} ms CPU, so "
                    f"{(row['scan_cpu'] + row['verify_cpu']) / row['decode_cpu']:.2f}× with it; "
                    f"a rescan (unchanged audio: landmarks from the stored peaks, no decode) "
                    f"{row['rescan_cpu'] * 1000:.0f} ms CPU, "
                    f"{(row['rescan_cpu'] + row['verify_cpu']) / row['decode_cpu']:.2f}× with "
                    "the verification at its cap; "
                    "true song found: "
                    f"{ok}; other matches ≥80: {len(false)}; {n_common:,} common hashes "
                    f"({counted}) skipped; lookup alone, none skipped "
                    f"({n_hits:,} rows of "
                    f"{len(np.unique(query_hashes)):,} hashes): one bytea per query "
                    f"{row['copy'] * 1000:.0f} ms vs fetchall {row['tuples'] * 1000:.0f} ms",
                    flush=True,
                )
            first, last = rows[0], rows[-1]
            growth = last["lookup"] / first["lookup"]
            if len(rows) > 1:  # (a reused index skips the sizes below what it holds)
                print(
                    f"lookup+vote grows {growth:.2f}× for {last['size'] / first['size']:.0f}× the "
                    f"recordings ({'' if growth < last['size'] / first['size'] else 'NOT '}"
                    "sublinear)"
                )
            sample = synthetic(args.seconds)
            print(
                f"landmark density (indexed side): {density:.0f} hashes/s in the real song, "
                f"{len(sample) / args.seconds:.0f} synthesized"
            )
            print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            if not last["found"]:
                print("ERROR: the true song was not found")
                sys.exit(1)
    # CPU, not wall: on a shared machine the wall ratio moves with the other processes' load.
    # The scan plus a verification at its cap: what a scan costs against a real catalog, whose
    # null sends the verification its full quota of candidates.
    worst = (last["scan_cpu"] + last["verify_cpu"]) / last["decode_cpu"]
    print(result_line("recon_speed", worst, target=3.0))


if __name__ == "__main__":
    main()
