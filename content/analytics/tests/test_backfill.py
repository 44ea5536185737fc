"""Rebuilding rollups from the raw events: equal to the fold, repairing, resumable."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.models import F

from content.analytics.models import PlayEvent, RollupBackfill, TrackDailyStats
from content.analytics.services import backfill, fold
from content.analytics.tests.conftest import TODAY, add_play
from content.analytics.tests.test_fold import EXPECTED, rollups, seed_plays
from content.catalog.models import Album, Track

D0 = TODAY - datetime.timedelta(days=2)


@pytest.fixture(params=["sql", "portable"])
def implementation(request, monkeypatch):
    if request.param == "portable":
        monkeypatch.setattr(backfill, "_rebuild_postgresql", backfill._rebuild_portable)
    return request.param


def run_backfill(first, last):
    run = backfill.backfill_start(first_day=first, last_day=last)
    for day in backfill.backfill_days_left(run):
        backfill.backfill_day(run=run, day=day)
    return run


def test_a_backfill_gives_what_the_fold_gives(catalog, clock_at_now, implementation):
    seed_plays(catalog)

    run_backfill(D0, TODAY)

    assert rollups(catalog) == EXPECTED
    assert Track.objects.get(pk=catalog["first"].pk).plays == 4
    assert Album.objects.get(pk=catalog["album"].pk).plays == 7
    # Every event is marked folded: the fold has nothing left to add.
    assert not PlayEvent.objects.exclude(folded_ms=F("listened_ms")).exists()
    assert fold.fold_plays().events == 0
    assert rollups(catalog) == EXPECTED


def test_a_backfill_repairs_damaged_rollups_and_moves_counters_by_the_difference(
    catalog, clock_at_now, implementation
):
    seed_plays(catalog)
    fold.fold_plays()
    d1 = TODAY - datetime.timedelta(days=1)
    TrackDailyStats.objects.filter(track=catalog["first"], day=d1).update(
        plays=1, listeners=1, listen_ms=5, completed_plays=0
    )
    stray = TrackDailyStats.objects.create(track=catalog["single"], day=d1, plays=4, listeners=2)
    Track.objects.filter(pk=catalog["single"].pk).update(plays=4)

    run_backfill(d1, d1)

    assert rollups(catalog) == {**EXPECTED, ("single", d1): (0, 0, 0, 0)}
    assert TrackDailyStats.objects.get(pk=stray.pk).plays == 0
    assert Track.objects.get(pk=catalog["first"].pk).plays == 4 + (3 - 1)
    assert Track.objects.get(pk=catalog["single"].pk).plays == 0


def test_an_interrupted_command_resumes_after_the_last_committed_day(
    catalog, clock_at_now, monkeypatch
):
    for offset in range(5):
        add_play(catalog["single"], listener=1, day=TODAY - datetime.timedelta(days=offset))
    real = backfill.backfill_day
    calls = []

    def interrupted(*, run, day):
        calls.append(day)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(run=run, day=day)

    monkeypatch.setattr("content.management.commands.backfill_analytics.backfill_day", interrupted)
    first_day = (TODAY - datetime.timedelta(days=4)).isoformat()
    call_command("backfill_analytics", "--from", first_day, "--no-progress")
    run = RollupBackfill.objects.get()
    assert run.last_day_done == TODAY - datetime.timedelta(days=3)
    assert run.finished_at is None

    monkeypatch.setattr("content.management.commands.backfill_analytics.backfill_day", real)
    call_command("backfill_analytics", "--from", first_day, "--no-progress")

    run.refresh_from_db()
    assert (run.last_day_done, run.finished_at is not None) == (TODAY, True)
    assert TrackDailyStats.objects.filter(track=catalog["single"], plays=1).count() == 5
    assert Track.objects.get(pk=catalog["single"].pk).plays == 5


def test_a_finished_range_is_not_redone_unless_restarted(catalog, clock_at_now, capsys):
    add_play(catalog["single"], listener=1)
    call_command("backfill_analytics", "--no-progress")
    call_command("backfill_analytics", "--no-progress")
    assert "already rebuilt" in capsys.readouterr().out

    call_command("backfill_analytics", "--no-progress", "--restart")

    assert Track.objects.get(pk=catalog["single"].pk).plays == 1


def test_a_serialization_failure_is_retried(catalog, clock_at_now, monkeypatch):
    add_play(catalog["single"], listener=1)
    real = backfill._backfill_day_once
    attempts = []

    def flaky(*, run, day):
        attempts.append(day)
        if len(attempts) == 1:
            raise OperationalError("could not serialize access due to concurrent update")
        return real(run=run, day=day)

    monkeypatch.setattr(backfill, "_backfill_day_once", flaky)

    run_backfill(TODAY, TODAY)

    assert len(attempts) == 2
    assert TrackDailyStats.objects.get(track=catalog["single"]).plays == 1


def test_bad_dates_are_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("backfill_analytics", "--from", "yesterday")
    with pytest.raises(CommandError, match="after"):
        call_command("backfill_analytics", "--from", "2025-06-10", "--to", "2025-06-01")
