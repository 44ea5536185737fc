"""Fingerprint status machine, Celery task, sweeper, duplicate refusal and backfill."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from conftest import bearer_client
from content import testing
from content.audio import chromaprint
from content.audio import digest as digest_module
from content.catalog.models import Track
from content.fingerprints import services
from content.fingerprints.models import Fingerprint
from content.fingerprints.tasks import compute_fingerprint, requeue_stuck_fingerprints
from content.fingerprints.tests.helpers import (
    audio_entry,
    beat,
    beat_entry,
    create_track,
)
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_track(producer, producer_client, django_capture_on_commit_callbacks):
    def make(seed=1, **kwargs):
        entry = beat_entry(producer, seed, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            response = create_track(producer_client, entry, name=f"Beat {seed}")
        assert response.status_code == 201, response.json()
        return Track.objects.get(pk=response.json()["track"]["id"])

    return make


def test_creating_a_track_fingerprints_it_after_commit(make_track):
    track = make_track(seed=1)

    fingerprint = Fingerprint.objects.get(track=track)
    assert fingerprint.status == Fingerprint.Status.COMPLETED
    assert fingerprint.attempts == 1
    assert fingerprint.duration == pytest.approx(20, abs=0.2)
    assert len(fingerprint.hash) == 64
    assert len(fingerprint.items) >= 140  # ~8 per second
    assert fingerprint.terms
    assert fingerprint.source_sha256 == track.file.sha256
    assert fingerprint.fingerprinted_at is not None


def test_the_task_is_idempotent_for_unchanged_audio(make_track):
    track = make_track(seed=1)

    assert compute_fingerprint.delay(track.pk).get() == "skipped"
    assert Fingerprint.objects.get(track=track).attempts == 1


def test_a_failing_fingerprinter_marks_the_fingerprint_failed_and_a_retry_completes_it(
    make_track, monkeypatch, django_capture_on_commit_callbacks
):
    real = digest_module.digest_file

    def broken(*args, **kwargs):
        raise chromaprint.FingerprintError("The audio could not be decoded: cannot decode")

    monkeypatch.setattr(digest_module, "digest_file", broken)
    track = make_track(seed=2)
    fingerprint = Fingerprint.objects.get(track=track)
    assert fingerprint.status == Fingerprint.Status.FAILED
    assert "cannot decode" in fingerprint.error
    assert fingerprint.error_code == "fingerprint_failed"

    monkeypatch.setattr(digest_module, "digest_file", real)
    with django_capture_on_commit_callbacks(execute=True):
        services.fingerprint_retry(fingerprint=fingerprint)

    fingerprint.refresh_from_db()
    assert fingerprint.status == Fingerprint.Status.COMPLETED
    assert fingerprint.attempts == 2
    assert fingerprint.error == ""


def test_only_failed_fingerprints_can_be_retried(make_track):
    fingerprint = make_track(seed=1).fingerprint

    with pytest.raises(services.Conflict):
        services.fingerprint_retry(fingerprint=fingerprint)


def test_silent_audio_fails_with_insufficient_audio(
    producer, producer_client, django_capture_on_commit_callbacks
):
    entry = audio_entry(producer, testing.wav_bytes(testing.tone(20, amplitude=0.0)))
    with django_capture_on_commit_callbacks(execute=True):
        response = create_track(producer_client, entry)

    assert response.status_code == 201
    fingerprint = Fingerprint.objects.get(track_id=response.json()["track"]["id"])
    assert fingerprint.status == Fingerprint.Status.FAILED
    assert fingerprint.error_code == "insufficient_audio"
    assert fingerprint.items is None


def test_a_result_from_a_superseded_attempt_is_discarded(make_track):
    track = make_track(seed=1)
    fingerprint, attempt = services.fingerprint_start(track_id=track.pk, force=True)
    result = services.fingerprint_of_file(track.file)

    services.fingerprint_request(track_id=track.pk)  # regenerate meanwhile
    stored = services.fingerprint_finish(
        fingerprint_id=fingerprint.pk, attempt=attempt, source_sha256=track.file.sha256,
        result=result,
    )  # fmt: skip

    assert stored is None
    assert Fingerprint.objects.get(track=track).status == Fingerprint.Status.PENDING


def test_a_result_for_replaced_audio_is_discarded(make_track, producer):
    track = make_track(seed=1)
    fingerprint, attempt = services.fingerprint_start(track_id=track.pk, force=True)
    result = services.fingerprint_of_file(track.file)
    old_sha = track.file.sha256
    Track.objects.filter(pk=track.pk).update(file=beat_entry(producer, 3))

    stored = services.fingerprint_finish(
        fingerprint_id=fingerprint.pk, attempt=attempt, source_sha256=old_sha, result=result
    )

    assert stored is None
    assert Fingerprint.objects.get(track=track).status == Fingerprint.Status.PROCESSING


def test_a_transient_storage_error_is_retried_by_the_task(make_track, monkeypatch):
    track = make_track(seed=1)
    real = services.audio_digest_of_file
    calls = []

    def flaky(entry, **kwargs):
        calls.append(entry.pk)
        if len(calls) == 1:
            raise OSError("storage hiccup")
        return real(entry, **kwargs)

    monkeypatch.setattr(services, "audio_digest_of_file", flaky)
    Fingerprint.objects.filter(track=track).update(status=Fingerprint.Status.PENDING)

    # throw=False: eager apply() then runs the retries itself instead of raising Retry
    compute_fingerprint.apply(args=(track.pk,), throw=False)

    fingerprint = Fingerprint.objects.get(track=track)
    assert len(calls) == 2
    assert fingerprint.status == Fingerprint.Status.COMPLETED


def test_a_task_out_of_retries_marks_the_fingerprint_failed(make_track, monkeypatch):
    track = make_track(seed=1)

    def broken(entry, **kwargs):
        raise OSError("storage is down")

    monkeypatch.setattr(services, "audio_digest_of_file", broken)
    # eager retries re-apply with the app's propagate setting: let them run to the end
    monkeypatch.setitem(compute_fingerprint.app.conf, "task_eager_propagates", False)
    Fingerprint.objects.filter(track=track).update(status=Fingerprint.Status.PENDING)

    # throw=False: eager apply() then runs the retries itself instead of raising Retry
    compute_fingerprint.apply(args=(track.pk,), throw=False)

    fingerprint = Fingerprint.objects.get(track=track)
    assert fingerprint.status == Fingerprint.Status.FAILED
    assert "storage is down" in fingerprint.error


def test_the_sweeper_requeues_only_rows_stuck_in_processing(
    make_track, settings, django_capture_on_commit_callbacks
):
    settings.PROCESSING_STUCK_AFTER_SECONDS = 600
    stuck, fresh = make_track(seed=1), make_track(seed=2)
    long_ago = timezone.now() - timedelta(seconds=601)
    Fingerprint.objects.filter(track=stuck).update(status="processing", started_at=long_ago)
    Fingerprint.objects.filter(track=fresh).update(status="processing", started_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_fingerprints.delay().get() == 1

    assert Fingerprint.objects.get(track=stuck).status == Fingerprint.Status.COMPLETED
    assert Fingerprint.objects.get(track=fresh).status == Fingerprint.Status.PROCESSING


def test_the_sweeper_requeues_pending_rows_whose_task_was_lost(
    make_track, settings, django_capture_on_commit_callbacks
):
    settings.PROCESSING_STUCK_AFTER_SECONDS = 600
    lost, queued = make_track(seed=1), make_track(seed=2)
    long_ago = timezone.now() - timedelta(seconds=601)
    Fingerprint.objects.filter(track=lost).update(status="pending", updated_at=long_ago)
    Fingerprint.objects.filter(track=queued).update(status="pending", updated_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stuck_fingerprints.delay().get() == 1

    assert Fingerprint.objects.get(track=lost).status == Fingerprint.Status.COMPLETED
    assert Fingerprint.objects.get(track=queued).status == Fingerprint.Status.PENDING


def test_a_broker_outage_does_not_fail_the_request(
    producer, producer_client, monkeypatch, django_capture_on_commit_callbacks
):
    from content.fingerprints import tasks as fingerprint_tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(fingerprint_tasks.compute_fingerprint, "delay", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = create_track(producer_client, beat_entry(producer, 1))

    assert response.status_code == 201
    assert Fingerprint.objects.get().status == Fingerprint.Status.PENDING


def test_periodic_tasks_are_registered_idempotently():
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks", stdout=io.StringIO())
    call_command("setup_periodic_tasks", stdout=io.StringIO())

    task = PeriodicTask.objects.get(task="content.requeue_stuck_fingerprints")
    assert task.interval.every == 5
    assert PeriodicTask.objects.filter(task="content.requeue_stuck_fingerprints").count() == 1


# --- duplicate refusal ---------------------------------------------------------------------------


def test_creating_a_track_with_a_reencoded_copy_is_refused_with_409(
    make_track, producer, producer_client
):
    original = make_track(seed=1)
    copy = beat_entry(producer, 1, fmt="mp3", bitrate=128000)

    response = create_track(producer_client, copy, name="Sneaky copy")

    assert response.status_code == 409
    body = response.json()
    assert body["message"] == "Duplicate audio detected."
    assert body["error_code"] == "duplicate_audio"
    [duplicate] = body["duplicates"]
    assert duplicate["track"]["id"] == original.pk
    assert duplicate["track"]["name"] == "Beat 1"
    assert duplicate["track"]["artists"][0]["name"] == "Producer Artist"
    assert duplicate["similarity"] >= 90
    assert duplicate["fingerprinted_at"]
    assert not Track.objects.filter(name="Sneaky copy").exists()


def test_a_copy_of_someone_elses_private_track_is_refused_without_revealing_it(make_track):
    # given another producer's private track
    original = make_track(seed=1)
    Track.objects.filter(pk=original.pk).update(visibility="private")
    rival = UserFactory()
    ArtistFactory(managers=[rival])

    # when a copy is uploaded by someone who cannot see it
    response = create_track(bearer_client(rival), beat_entry(rival, 1, fmt="mp3", bitrate=128000))

    # then it is still refused, but the private track is not identified
    assert response.status_code == 409
    [duplicate] = response.json()["duplicates"]
    assert duplicate["track"] is None
    assert duplicate["similarity"] >= 90


def test_a_different_beat_is_accepted(make_track):
    make_track(seed=1)

    make_track(seed=2)  # asserts 201

    assert Fingerprint.objects.filter(status="completed").count() == 2


def test_a_pending_or_failed_fingerprint_does_not_block_a_reencoded_upload(
    make_track, producer, producer_client
):
    original = make_track(seed=1)
    Fingerprint.objects.filter(track=original).update(status="failed", error="x")

    response = create_track(producer_client, beat_entry(producer, 1, fmt="mp3", bitrate=128000))

    assert response.status_code == 201


def test_a_lossless_copy_is_refused_even_when_the_original_has_no_fingerprint(
    make_track, producer, producer_client
):
    original = make_track(seed=1)  # WAV
    Fingerprint.objects.filter(track=original).update(status="failed", error="x")

    response = create_track(producer_client, beat_entry(producer, 1, fmt="flac"))

    assert response.status_code == 409
    assert response.json()["error_code"] == "duplicate_audio"
    assert response.json()["duplicates"][0]["track"]["id"] == original.pk
    assert response.json()["duplicates"][0]["similarity"] == 100


def test_a_failed_duplicate_check_does_not_block_the_upload(
    make_track, producer, producer_client, monkeypatch
):
    make_track(seed=1)

    def broken(*args, **kwargs):
        raise chromaprint.FingerprintError("The audio could not be decoded.")

    monkeypatch.setattr(digest_module, "digest_file", broken)

    response = create_track(producer_client, beat_entry(producer, 1, fmt="mp3", bitrate=128000))

    assert response.status_code == 201


def test_replacing_audio_with_a_copy_of_another_track_is_refused(
    make_track, producer, producer_client
):
    make_track(seed=1)
    mine = make_track(seed=2)

    response = producer_client.put(
        f"/api/v1/tracks/{mine.pk}",
        {"file_id": beat_entry(producer, 1, fmt="flac").pk},
        format="json",
    )

    assert response.status_code == 409
    mine.refresh_from_db()
    assert mine.file.extension == ".wav"


def test_replacing_audio_with_a_new_master_of_itself_is_allowed_and_refingerprinted(
    make_track, producer, producer_client, django_capture_on_commit_callbacks
):
    track = make_track(seed=2)
    old_hash = track.fingerprint.source_sha256
    new_entry = beat_entry(producer, 2, fmt="mp3", bitrate=128000)

    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.put(
            f"/api/v1/tracks/{track.pk}", {"file_id": new_entry.pk}, format="json"
        )

    assert response.status_code == 200
    fingerprint = Fingerprint.objects.get(track=track)
    assert fingerprint.status == Fingerprint.Status.COMPLETED
    assert fingerprint.source_sha256 == new_entry.sha256 != old_hash


def test_the_upload_is_decoded_once_for_the_check_and_the_task(make_track, monkeypatch):
    calls = []
    real = digest_module.digest_file
    monkeypatch.setattr(
        digest_module, "digest_file", lambda *a, **k: calls.append(1) or real(*a, **k)
    )

    make_track(seed=3)

    assert len(calls) == 1


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_track_compute_it_once(producer):
    track = TrackFactory(file=beat_entry(producer, 1))
    Fingerprint.objects.create(track=track)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(services.fingerprint_compute(track_id=track.pk))
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(r is not None for r in results) == 1
    fingerprint = Fingerprint.objects.get(track=track)
    assert fingerprint.status == Fingerprint.Status.COMPLETED
    assert fingerprint.attempts == 1


# --- backfill ------------------------------------------------------------------------------------


@pytest.fixture
def unfingerprinted(producer):
    return [TrackFactory(file=beat_entry(producer, seed)) for seed in range(4)]


def test_backfill_dry_run_changes_nothing(unfingerprinted, capsys):
    call_command("backfill_fingerprints", "--dry-run")

    assert "4 track(s) would be fingerprinted" in capsys.readouterr().out
    assert not Fingerprint.objects.exists()


def test_backfill_fingerprints_missing_tracks_and_summarises(unfingerprinted, capsys):
    call_command("backfill_fingerprints", "--batch-size", "3", "--no-progress")

    assert Fingerprint.objects.filter(status="completed").count() == 4
    assert "Fingerprinted 4 track(s)" in capsys.readouterr().out
    call_command("backfill_fingerprints", "--no-progress")
    assert "nothing to do" in capsys.readouterr().out


def test_backfill_resumes_after_an_interrupted_run(unfingerprinted, monkeypatch, capsys):
    from content.management.commands import backfill_fingerprints as command

    real = command.fingerprint_compute
    seen = []

    def interrupted_after_two(**kwargs):
        if len(seen) == 2:
            raise KeyboardInterrupt
        seen.append(kwargs["track_id"])
        return real(**kwargs)

    monkeypatch.setattr(command, "fingerprint_compute", interrupted_after_two)
    with pytest.raises(SystemExit):
        call_command("backfill_fingerprints", "--batch-size", "1", "--no-progress")
    assert Fingerprint.objects.filter(status="completed").count() == 2
    assert "Interrupted" in capsys.readouterr().out

    resumed = []
    monkeypatch.setattr(
        command, "fingerprint_compute", lambda **kw: resumed.append(kw["track_id"]) or real(**kw)
    )
    call_command("backfill_fingerprints", "--no-progress")

    assert Fingerprint.objects.filter(status="completed").count() == 4
    assert set(resumed).isdisjoint(seen)
    assert len(resumed) == 2


def test_backfill_all_recomputes_and_track_id_limits(unfingerprinted, capsys):
    call_command("backfill_fingerprints", "--no-progress")
    first = unfingerprinted[0]

    call_command("backfill_fingerprints", "--all", "--track-id", str(first.pk), "--no-progress")

    assert Fingerprint.objects.get(track=first).attempts == 2
    assert Fingerprint.objects.exclude(track=first).filter(attempts=1).count() == 3


def test_beat_helper_renders_distinct_beats():
    assert not (beat(1)[:1000] == beat(2)[:1000]).all()
