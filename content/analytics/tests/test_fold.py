"""The fold: events → daily rollups and play counters, idempotent and crash-safe."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from content.analytics.models import ListenerSalt, PlayEvent, PlayGate, TrackDailyStats
from content.analytics.services import fold
from content.analytics.tests.conftest import TODAY, add_play
from content.catalog.models import Album, Track, TrackLike
from content.media.models import Download
from content.tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

ROOT = Path(__file__).resolve().parents[3]
D1, D2 = TODAY - datetime.timedelta(days=1), TODAY


@pytest.fixture(params=["sql", "portable"])
def implementation(request, monkeypatch):
    """Every fold test runs the set-based statement and the portable ORM batch (``make run``'s
    SQLite path) on PostgreSQL: both must give the same numbers."""
    if request.param == "portable":
        monkeypatch.setattr(fold, "_fold_batch_postgresql", fold.fold_batch_portable)
    return request.param


def seed_plays(catalog):
    """The hand-computed fixture (expected numbers in ``EXPECTED``)."""
    first, second = catalog["first"], catalog["second"]  # 200 s and 100 s long
    add_play(first, listener=1, day=D1, listened_ms=200_000, hour=8)
    add_play(first, listener=1, day=D1, listened_ms=60_000, hour=9)
    add_play(first, listener=-5, day=D1, listened_ms=10_000, hour=10)
    add_play(first, listener=1, day=D2, listened_ms=170_000, hour=8)
    add_play(second, listener=2, day=D2, listened_ms=50_000, hour=8)
    add_play(second, listener=3, day=D2, listened_ms=100_000, hour=9)
    add_play(second, listener=2, day=D2, listened_ms=0, hour=10)


# (track key, day) → (plays, listeners, listen_ms, completed_plays)
EXPECTED = {
    ("first", D1): (3, 2, 270_000, 1),
    ("first", D2): (1, 1, 170_000, 1),
    ("second", D2): (3, 2, 150_000, 1),
}


def rollups(catalog) -> dict:
    names = {catalog[k].pk: k for k in ("first", "second", "single", "featured", "unrelated")}
    return {
        (names[r.track_id], r.day): (r.plays, r.listeners, r.listen_ms, r.completed_plays)
        for r in TrackDailyStats.objects.all()
    }


def test_the_fold_builds_rollups_and_counters(catalog, clock_at_now, implementation):
    seed_plays(catalog)

    result = fold.fold_plays()

    assert (result.events, result.plays, result.skipped) == (7, 7, False)
    assert rollups(catalog) == EXPECTED
    assert Track.objects.get(pk=catalog["first"].pk).plays == 4
    assert Track.objects.get(pk=catalog["second"].pk).plays == 3
    assert Album.objects.get(pk=catalog["album"].pk).plays == 7
    assert not PlayEvent.objects.exclude(folded_ms=F("listened_ms")).exists()


def test_a_second_fold_changes_nothing(catalog, clock_at_now, implementation):
    seed_plays(catalog)
    fold.fold_plays()

    again = fold.fold_plays()

    assert (again.events, again.plays) == (0, 0)
    assert rollups(catalog) == EXPECTED
    assert Track.objects.get(pk=catalog["first"].pk).plays == 4


def test_small_batches_give_the_same_numbers(catalog, clock_at_now, implementation):
    seed_plays(catalog)

    result = fold.fold_plays(batch_size=1)

    assert result.batches == 7
    assert rollups(catalog) == EXPECTED
    assert Album.objects.get(pk=catalog["album"].pk).plays == 7


def test_a_longer_listen_after_the_fold_adds_only_the_difference(
    catalog, clock_at_now, implementation
):
    event = add_play(catalog["second"], listener=9, day=D2, listened_ms=50_000)
    fold.fold_plays()

    PlayEvent.objects.filter(pk=event.pk).update(listened_ms=90_000, completed=True)
    result = fold.fold_plays()

    assert (result.events, result.plays) == (1, 0)
    assert rollups(catalog) == {("second", D2): (1, 1, 90_000, 1)}
    assert Track.objects.get(pk=catalog["second"].pk).plays == 1


def test_album_plays_are_recounted_from_its_tracks(catalog, clock_at_now, implementation):
    # A counter that drifted (a track moved away, a manual edit) heals on the next play.
    Album.objects.filter(pk=catalog["album"].pk).update(plays=1000)
    Track.objects.filter(pk=catalog["first"].pk).update(plays=10)
    add_play(catalog["second"], listener=1)

    fold.fold_plays()

    assert Album.objects.get(pk=catalog["album"].pk).plays == 11


@pytest.mark.django_db(transaction=True)
def test_an_event_held_by_a_running_update_is_skipped_then_folded(clock_at_now):
    track = TrackFactory(artists=[ArtistFactory()], duration=100_000)
    held = add_play(track, listener=1, listened_ms=10_000)
    add_play(track, listener=2, listened_ms=20_000)
    other = _connect()
    other.autocommit = False
    try:
        # An update-duration request holds the row at the moment the fold runs.
        other.execute("SELECT 1 FROM content_playevent WHERE id = %s FOR UPDATE", [held.pk])

        first = fold.fold_plays()

        assert (first.events, first.plays) == (1, 1)
    finally:
        other.rollback()
        other.close()
    second = fold.fold_plays()
    assert (second.events, second.plays) == (1, 1)
    day = TrackDailyStats.objects.get(track=track)
    assert (day.plays, day.listeners, day.listen_ms) == (2, 2, 30_000)
    assert Track.objects.get(pk=track.pk).plays == 2


def test_likes_downloads_and_licenses_of_recent_days_are_recounted(catalog, clock_at_now):
    from content.licensing.models import License
    from content.licensing.services import IssuanceContext, license_issue
    from content.licensing.tests.conftest import complete_fingerprint

    first = catalog["first"]
    users = [UserFactory() for _ in range(3)]
    for u in users:
        TrackLike.objects.create(user=u, track=first)
    Download.objects.create(track=first)
    Download.objects.create(track=catalog["single"])
    for track in (first, catalog["single"]):
        complete_fingerprint(track)
        license_issue(
            user=users[0], track=track, license_type="non_exclusive", context=IssuanceContext()
        )
    License.objects.update(issued_at=clock_at_now.now())
    yesterday_like = TrackLike.objects.create(user=UserFactory(), track=catalog["single"])
    TrackLike.objects.filter(pk=yesterday_like.pk).update(
        created_at=clock_at_now.now() - datetime.timedelta(days=1)
    )
    TrackLike.objects.exclude(pk=yesterday_like.pk).update(created_at=clock_at_now.now())
    Download.objects.update(created_at=clock_at_now.now())

    fold.fold_plays()
    stats = {
        (r.track_id, r.day): (r.likes, r.downloads, r.licenses)
        for r in TrackDailyStats.objects.all()
    }

    assert stats == {
        (first.pk, D2): (3, 1, 1),
        (catalog["single"].pk, D2): (0, 1, 1),
        (catalog["single"].pk, D1): (1, 0, 0),
    }

    # A like taken back is no longer counted on its day.
    TrackLike.objects.filter(user=users[0]).delete()
    fold.fold_plays()
    assert TrackDailyStats.objects.get(track=first, day=D2).likes == 2


def test_the_fold_forgets_expired_gates_and_old_salts(catalog, clock_at_now):
    now = clock_at_now.now()
    PlayGate.objects.create(track_id=1, listener=1, play_id=1, started_at=now)
    PlayGate.objects.create(
        track_id=2, listener=1, play_id=2, started_at=now - datetime.timedelta(minutes=5)
    )
    for days_ago in (0, 1, 2):
        ListenerSalt.objects.create(day=TODAY - datetime.timedelta(days=days_ago), salt=b"x" * 32)

    fold.fold_plays()

    assert list(PlayGate.objects.values_list("track_id", flat=True)) == [1]
    assert sorted(ListenerSalt.objects.values_list("day", flat=True)) == [D1, D2]


@pytest.mark.django_db(transaction=True)
def test_a_fold_that_finds_another_running_returns_at_once(clock_at_now):
    track = TrackFactory(artists=[ArtistFactory()], duration=100_000)
    add_play(track, listener=1)
    other = _connect()
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [fold.FOLD_LOCK_KEY])

        result = fold.fold_plays()

        assert result.skipped is True
        assert Track.objects.get(pk=track.pk).plays == 0
    finally:
        # Unlock explicitly: the server may process a closed connection's exit later.
        other.execute("SELECT pg_advisory_unlock(%s)", [fold.FOLD_LOCK_KEY])
        other.close()
    assert fold.fold_plays().plays == 1


def _connect() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_fold_killed_half_way_is_rolled_back_and_the_rerun_counts_everything_once():
    # Given plays of two tracks: the first batch folds track A, the second track B.
    day = timezone.now().date()
    a = TrackFactory(artists=[ArtistFactory()], album=AlbumFactory(), duration=100_000)
    b = TrackFactory(artists=[ArtistFactory()], duration=100_000)
    for listener in range(1, 6):
        add_play(a, listener=listener, day=day, listened_ms=90_000)
    for listener in range(1, 4):
        add_play(b, listener=listener, day=day, listened_ms=10_000)
    # Track B's rollup row exists, and another transaction holds it: batch 2 will wait there
    # after it has already marked its events and counted track B.
    TrackDailyStats.objects.create(track=b, day=day)
    blocker = _connect()
    blocker.autocommit = False
    blocker.execute("SELECT 1 FROM content_trackdailystats WHERE track_id = %s FOR UPDATE", [b.pk])

    # When `manage.py fold_plays` runs in another process and is killed inside batch 2...
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "beatpass.settings.test",
        "DATABASE_URL": _database_url(),
        "PGAPPNAME": "fold-crash-test",
    }
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "fold_plays", "--batch-size", "5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    watcher = _connect()
    try:
        _wait_for(lambda: _fold_is_blocked(watcher), what="the fold to block inside batch 2")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        # The server notices the client is gone: end its backend (as a dead connection would).
        watcher.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'fold-crash-test'"
        )
        blocker.rollback()
        _wait_for(lambda: not _fold_backends(watcher), what="the fold's backend to end")
    finally:
        blocker.close()
        if process.poll() is None:
            process.kill()

    # Then batch 1 (track A) is committed and batch 2 (track B) left no trace...
    assert Track.objects.get(pk=a.pk).plays == 5
    assert Track.objects.get(pk=b.pk).plays == 0
    assert TrackDailyStats.objects.get(track=b, day=day).plays == 0
    assert PlayEvent.objects.filter(track=b, folded_ms=PlayEvent.UNFOLDED).count() == 3
    # ...and running the fold again counts every play exactly once.
    fold.fold_plays()
    a_day = TrackDailyStats.objects.get(track=a, day=day)
    b_day = TrackDailyStats.objects.get(track=b, day=day)
    assert (a_day.plays, a_day.listeners, a_day.listen_ms, a_day.completed_plays) == (
        5, 5, 450_000, 5,
    )  # fmt: skip
    assert (b_day.plays, b_day.listeners, b_day.listen_ms, b_day.completed_plays) == (
        3, 3, 30_000, 0,
    )  # fmt: skip
    assert Track.objects.get(pk=a.pk).plays == 5
    assert Track.objects.get(pk=b.pk).plays == 3
    assert Album.objects.get(pk=a.album_id).plays == 5
    watcher.close()


def _database_url() -> str:
    settings = connection.settings_dict
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{settings['USER']}@{host}:{port}/{settings['NAME']}"


def _fold_backends(watcher) -> list:
    return watcher.execute(
        "SELECT pid, wait_event_type FROM pg_stat_activity "
        "WHERE application_name = 'fold-crash-test'"
    ).fetchall()


def _fold_is_blocked(watcher) -> bool:
    return any(wait == "Lock" for _pid, wait in _fold_backends(watcher))


def _wait_for(condition, *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
