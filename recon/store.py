"""The landmark index in the database: COPY in, hash lookups out (see migration 0002).

Raw SQL on purpose: rows are written millions at a time (COPY on PostgreSQL; executemany on the
SQLite dev database) and read back as numpy arrays, never as model instances.
"""

from __future__ import annotations

import time

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection, transaction

from recon.matching import Hits, Landmarks, common_threshold, verify, without_common
from recon.models import (
    REFERENCE_LANDMARK_TABLE,
    TRACK_LANDMARK_TABLE,
    CommonHash,
    RecordingPeaks,
    TrackPeaks,
)

OWNER_COLUMN = {REFERENCE_LANDMARK_TABLE: "recording_id", TRACK_LANDMARK_TABLE: "track_id"}
# Must match migration 0004: 16 equal range partitions of the int32 hash (partition i holds
# [-2^31 + i·2^28, -2^31 + (i+1)·2^28)). A lookup sends each partition only the hashes in its
# range (``hash = ANY(array)`` on one partition is one B-tree descent per value; on the parent it
# would probe every partition with the whole array).
PARTITIONS = 16
PARTITION_SHIFT = 32 - 4
LOOKUP_CHUNK = 5_000  # hashes per query: bounds one aggregated bytea


def write_landmarks(*, table: str, owner_id: int, landmarks: Landmarks, replace: bool) -> int:
    """Store ``landmarks`` for ``owner_id`` (replacing its previous rows if ``replace``).
    Run inside the caller's transaction so the rows and the owner's state commit together."""
    owner = OWNER_COLUMN[table]
    with connection.cursor() as cursor:
        if replace:
            cursor.execute(f"DELETE FROM {table} WHERE {owner} = %s", [owner_id])  # noqa: S608
        if not len(landmarks):
            return 0
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(
                f"COPY {table} (hash, {owner}, t) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.write(_binary_copy(landmarks, owner_id))
        else:
            cursor.executemany(
                f"INSERT INTO {table} (hash, {owner}, t) VALUES (%s, %s, %s)",  # noqa: S608
                [
                    (int(h), owner_id, int(t))
                    for h, t in zip(landmarks.hashes, landmarks.times, strict=True)
                ],
            )
    return len(landmarks)


# PostgreSQL's binary COPY format: a header, then per row a field count (int16) and, per field,
# its length (int32) and value (int32), all big-endian; a -1 trailer. Built with numpy in one go.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("l1", ">i4"),
        ("hash", ">i4"),
        ("l2", ">i4"),
        ("owner", ">i4"),
        ("l3", ">i4"),
        ("t", ">i4"),
    ]
)


def _binary_copy(landmarks: Landmarks, owner_id: int) -> bytes:
    rows = np.empty(len(landmarks), dtype=_COPY_ROW)
    rows["n"] = 3
    rows["l1"] = rows["l2"] = rows["l3"] = 4
    rows["hash"] = landmarks.hashes
    rows["owner"] = owner_id
    rows["t"] = landmarks.times
    return _COPY_HEADER + rows.tobytes() + b"\xff\xff"


def write_recording_peaks(*, recording_id: int, landmarks: Landmarks) -> None:
    """Keep a reference recording's peaks (or drop stale ones when ``landmarks`` has none), in
    the caller's transaction."""
    _write_peaks(RecordingPeaks, {"recording_id": recording_id}, landmarks)


def write_track_peaks(*, track_id: int, landmarks: Landmarks) -> None:
    _write_peaks(TrackPeaks, {"track_id": track_id}, landmarks)


def _write_peaks(model, owner: dict, landmarks: Landmarks) -> None:
    if landmarks.peaks is None:
        model.objects.filter(**owner).delete()
        return
    model.objects.update_or_create(**owner, defaults={"data": verify.to_bytes(landmarks.peaks)})


def recording_peaks(recording_ids: list[int]) -> dict[int, np.ndarray]:
    """Stored peaks of those recordings that have them: one query (the matcher's ``peaks``)."""
    return _peaks(RecordingPeaks, recording_ids)


def track_peaks(track_ids: list[int]) -> dict[int, np.ndarray]:
    return _peaks(TrackPeaks, track_ids)


def _peaks(model, ids: list[int]) -> dict[int, np.ndarray]:
    """One query. On PostgreSQL through a server-binding cursor in binary: a scan reads up to
    a few MB of peaks, and Django's cursor (client-side binding, text results) has the server
    hex-encode the bytea and the client decode it (22 vs 7 ms of CPU for 200 recordings)."""
    if not ids:
        return {}
    ids = [int(i) for i in ids]
    if connection.vendor != "postgresql":
        rows = model.objects.filter(pk__in=ids).values_list("pk", "data")
        return {pk: verify.from_bytes(data) for pk, data in rows}
    table, pk = model._meta.db_table, model._meta.pk.column
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"SELECT {pk}, data FROM {table} WHERE {pk} = ANY(%s)",  # noqa: S608
            [ids],
            binary=True,
        )
        return {owner: verify.from_bytes(data) for owner, data in cursor.fetchall()}


def delete_landmarks(*, table: str, owner_id: int) -> None:
    owner = OWNER_COLUMN[table]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {owner} = %s", [owner_id])  # noqa: S608


def lookup(*, table: str, hashes: np.ndarray, exclude_owner: int | None = None) -> Hits:
    """Every stored (hash, owner, time) whose hash is one of ``hashes``."""
    owner = OWNER_COLUMN[table]
    wanted = np.unique(np.asarray(hashes, dtype=np.int64))
    if connection.vendor == "postgresql":
        rows = _lookup_postgresql(f"{table}_p", owner, wanted)
        if exclude_owner is not None:
            rows = rows[rows["owner"] != exclude_owner]
        return Hits(
            rows["hash"].astype(np.int32),
            rows["owner"].astype(np.int64),
            rows["t"].astype(np.int32),
        )
    parts: list[tuple] = []
    with connection.cursor() as cursor:
        values_all = wanted.tolist()
        for sub in range(0, len(values_all), 900):  # SQLite's bound-parameter limit
            values = values_all[sub : sub + 900]
            marks = ",".join(["%s"] * len(values))
            cursor.execute(
                f"SELECT hash, {owner}, t FROM {table} WHERE hash IN ({marks})",  # noqa: S608
                values,
            )
            parts.extend(cursor.fetchall())
    if not parts:
        return Hits.empty()
    rows = np.asarray(parts, dtype=np.int64)
    if exclude_owner is not None:
        rows = rows[rows[:, 1] != exclude_owner]
    return Hits(rows[:, 0].astype(np.int32), rows[:, 1], rows[:, 2].astype(np.int32))


def hits(*, table: str, hashes: np.ndarray) -> Hits:
    """What a scan reads: the rows of ``hashes`` in ``table``, the common hashes left out (see
    recon.matching.common). Both directions skip them (a beat scanned against the reference
    index, a new recording against the beats' index), so a pair scores the same either way."""
    return lookup(table=table, hashes=without_common(np.asarray(hashes), common_hashes()))


# The common hashes, per process: (loaded at, sorted array). They change once a day; a worker
# sees a refresh within COMMON_CACHE_SECONDS (the refreshing process at once).
COMMON_CACHE_SECONDS = 600.0
_common_cache: tuple[float, np.ndarray] | None = None


def common_hashes() -> np.ndarray:
    global _common_cache
    now = time.monotonic()
    if _common_cache is None or now - _common_cache[0] > COMMON_CACHE_SECONDS:
        values = CommonHash.objects.order_by("hash").values_list("hash", flat=True)
        _common_cache = (now, np.fromiter(values, dtype=np.int32))
    return _common_cache[1]


def forget_common_hashes() -> None:
    global _common_cache
    _common_cache = None


def refresh_common_hashes(*, recordings: int) -> int:
    """Recount the reference index's common hashes (more postings than the threshold for
    ``recordings`` indexed recordings, settings ``RECON_COMMON_HASH_*``) and replace the stored
    set in one transaction: scans read the old set until it commits. One GROUP BY per partition
    over its hash index (index-only, in hash order): ~9 s per partition at 10k recordings."""
    threshold = common_threshold(
        recordings,
        min_postings=settings.RECON_COMMON_HASH_MIN_POSTINGS,
        share=settings.RECON_COMMON_HASH_SHARE,
    )
    table = CommonHash._meta.db_table
    postgresql = connection.vendor == "postgresql"
    sources = (
        [f"{REFERENCE_LANDMARK_TABLE}_p{part:02d}" for part in range(PARTITIONS)]
        if postgresql
        else [REFERENCE_LANDMARK_TABLE]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if postgresql:  # one refresh at a time; scans keep reading meanwhile
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        for source in sources:
            cursor.execute(
                f"INSERT INTO {table} (hash, postings) SELECT hash, count(*) "  # noqa: S608
                f"FROM {source} GROUP BY hash HAVING count(*) > %s",
                [threshold],
            )
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        stored = int(cursor.fetchone()[0])
    forget_common_hashes()
    return stored


def partition_of(hashes: np.ndarray) -> np.ndarray:
    """The partition number of each (int32) hash."""
    return (np.asarray(hashes, dtype=np.int64) + (1 << 31)) >> PARTITION_SHIFT


def _lookup_postgresql(prefix: str, owner: str, wanted: np.ndarray) -> np.ndarray:
    """Rows of the partitions ``prefix``NN whose hash is in ``wanted`` (sorted, unique), as a
    structured array (hash, owner, t). Each partition gets only the hashes in its range; its rows
    come back as ONE bytea (``string_agg`` of the big-endian ints), which numpy reads in one go:
    a scan of a long track against a large index reads millions of rows, and as Python tuples
    (``fetchall``) or as COPY messages (one per row) they cost more than the database's own
    work (1.4M rows: 1.6–2.7 s vs 3.1–3.3 s fetchall and ~6 s binary COPY, bench/recon_speed.py's
    index at 1,000 recordings)."""
    part_of = partition_of(wanted)
    bounds = np.searchsorted(part_of, np.arange(PARTITIONS + 1))
    chunks: list[bytes] = []
    connection.ensure_connection()
    # psycopg's own cursor, results in binary: through Django's cursor the server hex-encodes
    # the bytea and the client decodes it; and the hashes travel as one int4[] literal, which
    # numpy's ints format faster than psycopg adapts a list of Python ints (a 3-min beat:
    # 27k hashes, 317k rows; 9 vs 28 ms of client CPU)
    with psycopg.Cursor(connection.connection) as cursor:
        for part in range(PARTITIONS):
            values = wanted[bounds[part] : bounds[part + 1]]
            for start in range(0, len(values), LOOKUP_CHUNK):
                chunk = values[start : start + LOOKUP_CHUNK]
                cursor.execute(
                    "SELECT string_agg(int4send(hash) || int4send("  # noqa: S608
                    f"{owner}) || int4send(t), ''::bytea) FROM {prefix}{part:02d} "
                    "WHERE hash = ANY(%s::int4[])",
                    ["{" + ",".join(map(str, chunk.tolist())) + "}"],
                    binary=True,
                )
                data = cursor.fetchone()[0]
                if data:
                    chunks.append(bytes(data))
    if not chunks:
        return np.empty(0, dtype=_ROW)
    return np.frombuffer(b"".join(chunks), dtype=_ROW)


# One looked-up row as ``_lookup_postgresql`` receives it.
_ROW = np.dtype([("hash", ">i4"), ("owner", ">i4"), ("t", ">i4")])


def table_bytes(table: str) -> int:
    """Heap + index bytes of a landmark table (all partitions), PostgreSQL only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relname LIKE %s AND c.relkind = 'r'",
            [table + "_p%"],
        )
        return int(cursor.fetchone()[0])
