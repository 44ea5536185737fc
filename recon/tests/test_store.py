"""The PostgreSQL landmark index: rows written by COPY come back by hash, across partitions."""

from __future__ import annotations

import numpy as np
import pytest

from recon import store
from recon.matching import Landmarks
from recon.models import REFERENCE_LANDMARK_TABLE, CommonHash, ReferenceRecording

pytestmark = pytest.mark.django_db


def _landmarks(rng, n):
    hashes = rng.integers(-(1 << 31), 1 << 31, size=n).astype(np.int32)
    times = np.sort(rng.integers(0, 8000, size=n)).astype(np.int32)
    return Landmarks(hashes, times, 43.07, n / 170)


def test_lookup_returns_exactly_the_stored_rows_of_the_asked_hashes_in_every_partition(
    monkeypatch,
):
    # given three recordings with random hashes spread over all 16 range partitions, sharing
    # some hashes, and more asked hashes than one lookup chunk
    rng = np.random.default_rng(3)
    recs = [
        ReferenceRecording.objects.create(title=f"R{i}", source="local", external_id=f"r{i}")
        for i in range(3)
    ]
    stored = {rec.pk: _landmarks(rng, 30_000) for rec in recs}
    stored[recs[1].pk].hashes[:500] = stored[recs[0].pk].hashes[:500]
    stored[recs[2].pk].hashes[500:600] = stored[recs[0].pk].hashes[500:600]
    for owner, lm in stored.items():
        store.write_landmarks(
            table=REFERENCE_LANDMARK_TABLE, owner_id=owner, landmarks=lm, replace=False
        )
    asked = np.concatenate(
        [
            stored[recs[0].pk].hashes[:25_000],
            rng.integers(-(1 << 31), 1 << 31, 5_000).astype(np.int32),
        ]
    )
    asked_set = set(asked.tolist())
    expected = {
        (int(h), owner, int(t))
        for owner, lm in stored.items()
        for h, t in zip(lm.hashes, lm.times, strict=True)
        if h in asked_set
    }
    # when they are looked up (with and without excluding one owner), several queries per
    # partition
    monkeypatch.setattr(store, "LOOKUP_CHUNK", 700)
    hits = store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=asked)
    excluded = store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=asked, exclude_owner=recs[0].pk)
    # then every stored row of those hashes comes back once, with its owner and time
    got = list(
        zip(hits.hashes.tolist(), hits.recording_ids.tolist(), hits.times.tolist(), strict=True)
    )
    assert len(got) == len(set(got))
    assert set(got) == expected
    assert set(store.partition_of(np.array([h for h, _, _ in got])).tolist()) == set(
        range(store.PARTITIONS)
    )
    assert hits.hashes.dtype == np.int32
    assert hits.recording_ids.dtype == np.int64
    assert set(excluded.recording_ids.tolist()) == {recs[1].pk, recs[2].pk}
    assert len(excluded.hashes) == sum(1 for _, owner, _ in expected if owner != recs[0].pk)


def test_each_partition_holds_exactly_the_hashes_lookup_sends_it():
    # given hashes at both ends of the int32 range and at every partition boundary
    width = (1 << 32) // store.PARTITIONS
    edges = [-(1 << 31) + i * width for i in range(store.PARTITIONS)]
    hashes = np.array(
        sorted({*edges, *(e - 1 for e in edges[1:]), (1 << 31) - 1}), dtype=np.int64
    ).astype(np.int32)
    rec = ReferenceRecording.objects.create(title="R", source="local", external_id="edges")
    lm = Landmarks(hashes, np.arange(len(hashes), dtype=np.int32), 43.07, 1.0)
    store.write_landmarks(
        table=REFERENCE_LANDMARK_TABLE, owner_id=rec.pk, landmarks=lm, replace=False
    )
    # when each partition is read directly
    from django.db import connection

    with connection.cursor() as cursor:
        for part in range(store.PARTITIONS):
            cursor.execute(f"SELECT hash FROM {REFERENCE_LANDMARK_TABLE}_p{part:02d}")  # noqa: S608
            held = sorted(h for (h,) in cursor.fetchall())
            # then it holds exactly the hashes partition_of assigns to it
            assert held == sorted(int(h) for h in hashes if store.partition_of(h) == part)
            assert held
    # and a lookup finds each of them
    assert sorted(store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=hashes).hashes) == sorted(
        hashes.tolist()
    )


def test_lookup_of_absent_hashes_is_empty():
    assert len(store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=np.array([5, 7])).hashes) == 0


def _write(owner_id: int, hashes: list[int]) -> None:
    store.write_landmarks(
        table=REFERENCE_LANDMARK_TABLE,
        owner_id=owner_id,
        landmarks=Landmarks(
            np.array(hashes, dtype=np.int32), np.arange(len(hashes), dtype=np.int32), 1.0, 1.0
        ),
        replace=False,
    )


def test_common_hashes_are_counted_across_partitions_and_skipped_by_scans(settings):
    # given a common hash in the lowest partition (5 postings), one in the highest (4, spread
    # over two recordings), one at the threshold (3 postings) and rare ones
    settings.RECON_COMMON_HASH_MIN_POSTINGS = 3
    settings.RECON_COMMON_HASH_SHARE = 0.0
    low, high, edge = -(2**31), 2**31 - 1, 12345
    a = ReferenceRecording.objects.create(title="A", source="local", external_id="a")
    b = ReferenceRecording.objects.create(title="B", source="local", external_id="b")
    _write(a.pk, [low, low, low, high, high, edge, edge, 1])
    _write(b.pk, [low, low, high, high, edge, 2])
    assert store.common_hashes().tolist() == []  # nothing counted yet

    # when they are recounted
    stored = store.refresh_common_hashes(recordings=2)

    # then exactly the hashes over the threshold are stored, with their postings
    assert stored == 2
    assert sorted(CommonHash.objects.values_list("hash", "postings")) == [(low, 5), (high, 4)]
    # and a scan's read leaves them out while a plain lookup still returns them
    asked = np.array([low, high, edge, 1, 2], dtype=np.int32)
    scanned = store.hits(table=REFERENCE_LANDMARK_TABLE, hashes=asked)
    assert sorted(set(scanned.hashes.tolist())) == [1, 2, edge]
    assert len(scanned.hashes) == 5
    assert len(store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=asked).hashes) == 14


def test_the_common_threshold_rises_with_the_number_of_recordings(settings):
    settings.RECON_COMMON_HASH_MIN_POSTINGS = 2
    settings.RECON_COMMON_HASH_SHARE = 0.5
    rec = ReferenceRecording.objects.create(title="A", source="local", external_id="a")
    _write(rec.pk, [7, 7, 7, 7, 8, 8, 8])

    assert store.refresh_common_hashes(recordings=1) == 2  # threshold 2: 7 and 8
    assert store.refresh_common_hashes(recordings=6) == 1  # threshold 3: 7 only
    assert list(CommonHash.objects.values_list("hash", flat=True)) == [7]
    assert store.refresh_common_hashes(recordings=8) == 0  # threshold 4: none above


def test_a_refresh_replaces_the_set_and_this_process_sees_it_at_once(settings):
    settings.RECON_COMMON_HASH_MIN_POSTINGS = 2
    settings.RECON_COMMON_HASH_SHARE = 0.0
    a = ReferenceRecording.objects.create(title="A", source="local", external_id="a")
    b = ReferenceRecording.objects.create(title="B", source="local", external_id="b")
    _write(a.pk, [3, 3, 3, 4])
    store.refresh_common_hashes(recordings=1)
    assert store.common_hashes().tolist() == [3]

    _write(b.pk, [4, 4])
    store.refresh_common_hashes(recordings=2)
    assert store.common_hashes().tolist() == [3, 4]

    store.delete_landmarks(table=REFERENCE_LANDMARK_TABLE, owner_id=a.pk)
    store.refresh_common_hashes(recordings=1)
    assert store.common_hashes().tolist() == []
    assert not CommonHash.objects.exists()
