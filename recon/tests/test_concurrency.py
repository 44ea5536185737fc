"""Two workers never scan the same track: real transactions on PostgreSQL, two threads."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from content.tests.factories import ArtistFactory, UserFactory
from recon import selectors, services
from recon.models import TrackScan
from recon.tests.conftest import make_track

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertions below
            results[key] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_row_locked_by_one_worker_is_skipped_by_the_other(beat_wav):
    artist = ArtistFactory(verified=True, managers=[UserFactory()])
    first, second = (make_track(main=artist, data=beat_wav) for _ in range(2))
    services.scan_rows_ensure()
    locked, release = threading.Event(), threading.Event()
    results: dict = {}

    def worker_a():
        # worker A holds the lock on the oldest due row (as scan_claim does) and waits
        with transaction.atomic():
            rows = selectors.due_scans(now=services.clock.now())
            row = rows.select_for_update(skip_locked=True, of=("self",)).first()
            locked.set()
            release.wait(10)
            return row.track_id

    a = _in_thread(worker_a, results, "a")
    assert locked.wait(10)
    # worker B claims while A's transaction is open: it gets the other track, without waiting
    b = _in_thread(lambda: services.scan_claim(limit=2), results, "b")
    b.join(10)
    release.set()
    a.join(10)
    assert results["a"] == first.pk or results["a"] == second.pk
    assert results["b"] == [({first.pk, second.pk} - {results["a"]}).pop()]


def test_two_workers_running_the_daily_job_scan_each_track_once(beat_wav):
    artist = ArtistFactory(verified=True, managers=[UserFactory()])
    tracks = [make_track(main=artist, data=beat_wav) for _ in range(4)]
    start = threading.Barrier(2)
    results: dict = {}

    def worker():
        start.wait(10)
        return [s.track_id for s in services.scan_due()]

    threads = [_in_thread(worker, results, k) for k in ("a", "b")]
    for t in threads:
        t.join(120)
    assert not isinstance(results["a"], Exception), results["a"]
    assert not isinstance(results["b"], Exception), results["b"]
    scanned = results["a"] + results["b"]
    assert sorted(scanned) == sorted(t.pk for t in tracks)
    assert list(TrackScan.objects.values_list("attempts", flat=True).distinct()) == [1]
