"""The PostgreSQL landmark index: rows written by COPY come back by hash, across partitions."""

from __future__ import annotations

import numpy as np
import pytest

from recon import store
from recon.matching import Landmarks
from recon.models import REFERENCE_LANDMARK_TABLE, ReferenceRecording

pytestmark = pytest.mark.django_db


def _landmarks(rng, n):
    hashes = rng.integers(0, 1 << 22, size=n).astype(np.int32)
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
    shared = stored[recs[0].pk].hashes[:500]
    stored[recs[1].pk].hashes[:500] = shared
    for owner, lm in stored.items():
        store.write_landmarks(
            table=REFERENCE_LANDMARK_TABLE, owner_id=owner, landmarks=lm, replace=False
        )
    asked = np.concatenate(
        [stored[recs[0].pk].hashes[:25_000], rng.integers(0, 1 << 22, 5_000).astype(np.int32)]
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
    assert len({h >> store.PARTITION_SHIFT for h, _, _ in got}) == store.PARTITIONS
    assert hits.hashes.dtype == np.int32
    assert hits.recording_ids.dtype == np.int64
    assert set(excluded.recording_ids.tolist()) == {recs[1].pk, recs[2].pk}
    assert len(excluded.hashes) == sum(1 for _, owner, _ in expected if owner != recs[0].pk)


def test_lookup_of_absent_hashes_is_empty():
    assert len(store.lookup(table=REFERENCE_LANDMARK_TABLE, hashes=np.array([5, 7])).hashes) == 0
