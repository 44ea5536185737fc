"""Waveforms: computed after commit, status machine, GET /wave, POST /wave-batch."""

from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.test import override_settings
from django.utils import timezone

from content import testing
from content.catalog.models import Track
from content.media.models import ProcessingStatus, TrackWaveform
from content.media.services import waveforms
from content.media.tasks import compute_waveform, sweep_stuck_processing
from content.tests.audio_helpers import SR, stored_entry, tone_wav
from content.tests.factories import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

S = ProcessingStatus


def track_with_audio(owner, artist, data: bytes | None = None, **kwargs):
    data = data if data is not None else tone_wav(3.0)
    entry = stored_entry(owner, data, duration_ms=kwargs.pop("duration_ms", 3000))
    return TrackFactory(file=entry, artists=[artist], **kwargs)


def wave(client, track):
    return client.get(f"/api/v1/tracks/{track.pk}/wave")


def test_creating_a_track_computes_its_waveform_after_commit(
    producer_client, producer, django_capture_on_commit_callbacks
):
    entry = stored_entry(producer, tone_wav(3.0))
    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.post(
            "/api/v1/tracks",
            {
                "name": "Wave",
                "file_id": entry.pk,
                "bpm": 140,
                "key": "A",
                "scale": "minor",
                "genres": ["Trap"],
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    waveform = TrackWaveform.objects.get(track_id=response.json()["track"]["id"])
    assert waveform.status == S.COMPLETED
    assert waveform.attempts == 1
    assert waveform.source_file_id == entry.pk
    assert waveform.started_at <= waveform.completed_at
    assert len(waveform.peaks) == 2 * 1800


def test_get_wave_returns_peaks_in_the_openapi_shape(api_client, producer, producer_artist):
    track = track_with_audio(producer, producer_artist)
    compute_waveform(track.pk)

    response = wave(api_client, track)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"peaks"}
    peaks = np.array(body["peaks"])
    assert peaks.shape == (3600,)
    assert peaks.max() == pytest.approx(1.0)
    assert peaks.min() == pytest.approx(-1.0)


@pytest.mark.parametrize("state", [S.PENDING, S.PROCESSING])
def test_wave_is_202_while_pending_or_processing(api_client, producer, producer_artist, state):
    track = track_with_audio(producer, producer_artist)
    TrackWaveform.objects.create(
        track=track, status=state, source_file=track.file, started_at=timezone.now()
    )
    response = wave(api_client, track)
    assert response.status_code == 202
    assert response.json()["status"] == state


def test_failed_waveform_is_a_clear_422(api_client, producer, producer_artist):
    track = track_with_audio(producer, producer_artist, np.random.default_rng(0).bytes(9000))
    compute_waveform(track.pk)

    response = wave(api_client, track)

    assert response.status_code == 422
    body = response.json()
    assert body["error_code"] == "waveform_failed"
    assert body["status"] == "failed"
    assert body["message"].startswith("The waveform could not be computed:")


def test_track_without_a_waveform_row_is_scheduled_on_first_read(
    api_client, producer, producer_artist, django_capture_on_commit_callbacks
):
    track = track_with_audio(producer, producer_artist)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = wave(api_client, track)
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert len(callbacks) == 1
    callbacks[0]()
    assert wave(api_client, track).status_code == 200


def test_wave_honours_track_visibility(api_client, other_client, producer_client, producer):
    artist = producer.managed_artists.get()
    track = track_with_audio(producer, artist, visibility="private")
    compute_waveform(track.pk)
    assert wave(api_client, track).status_code == 404
    assert wave(other_client, track).status_code == 404
    assert wave(producer_client, track).status_code == 200
    assert api_client.get("/api/v1/tracks/999999/wave").status_code == 404


def test_replacing_audio_recomputes_the_waveform(
    producer_client, producer, producer_artist, django_capture_on_commit_callbacks
):
    track = track_with_audio(producer, producer_artist)
    compute_waveform(track.pk)
    loud_then_silent = np.concatenate(
        [testing.tone(1.0, sample_rate=SR)[:, 0], np.zeros(2 * SR, dtype=np.float32)]
    )
    new_entry = stored_entry(producer, testing.wav_bytes(loud_then_silent, SR))

    with django_capture_on_commit_callbacks(execute=True):
        response = producer_client.patch(
            f"/api/v1/tracks/{track.pk}", {"file_id": new_entry.pk}, format="json"
        )

    assert response.status_code == 200, response.content
    waveform = TrackWaveform.objects.get(track=track)
    assert waveform.status == S.COMPLETED
    assert waveform.source_file_id == new_entry.pk
    assert max(waveform.peaks[-200:]) == 0.0  # the new audio's silent tail


def test_task_is_idempotent_for_the_same_audio(producer, producer_artist):
    track = track_with_audio(producer, producer_artist)
    compute_waveform(track.pk)
    first = TrackWaveform.objects.get(track=track)
    compute_waveform(track.pk)
    again = TrackWaveform.objects.get(track=track)
    assert again.attempts == first.attempts == 1
    assert again.completed_at == first.completed_at
    compute_waveform(track.pk, force=True)
    assert TrackWaveform.objects.get(track=track).attempts == 2


def test_truncated_stored_audio_fails_with_a_message(producer, producer_artist):
    data = tone_wav(3.0)
    track = track_with_audio(producer, producer_artist, data[: len(data) // 2])
    compute_waveform(track.pk)
    waveform = TrackWaveform.objects.get(track=track)
    assert waveform.status == S.FAILED
    assert "truncated" in waveform.error


def test_missing_stored_file_fails_with_a_message(producer, producer_artist):
    track = track_with_audio(producer, producer_artist)
    track.file.file.storage.delete(track.file.file.name)
    compute_waveform(track.pk)
    waveform = TrackWaveform.objects.get(track=track)
    assert (waveform.status, waveform.error) == (S.FAILED, "The audio file is missing.")


def test_transient_errors_retry_then_fail_never_stuck(producer, producer_artist, monkeypatch):
    track = track_with_audio(producer, producer_artist)
    calls = []

    def flaky(path, **kwargs):
        calls.append(path)
        raise OSError("storage hiccup")

    monkeypatch.setattr(waveforms, "compute_peaks", flaky)
    # Eager mode re-applies retries in-process (no countdown) when errors do not propagate.
    monkeypatch.setitem(compute_waveform.app.conf, "task_eager_propagates", False)
    result = compute_waveform.apply(args=(track.pk,))

    assert result.failed()
    assert isinstance(result.result, waveforms.TransientWaveformError)

    waveform = TrackWaveform.objects.get(track=track)
    assert len(calls) == 1 + compute_waveform.max_retries
    assert waveform.status == S.FAILED
    assert "storage hiccup" in waveform.error


def test_task_options_follow_the_reliability_conventions():
    assert compute_waveform.name == "content.compute_waveform"
    assert compute_waveform.acks_late is True
    assert compute_waveform.reject_on_worker_lost is True
    assert compute_waveform.max_retries >= 3


# --- sweeper -----------------------------------------------------------------------------------


@override_settings(PROCESSING_STUCK_AFTER_SECONDS=600)
def test_sweeper_requeues_rows_stuck_in_processing(
    producer, producer_artist, django_capture_on_commit_callbacks
):
    stuck = track_with_audio(producer, producer_artist)
    fresh = track_with_audio(producer, producer_artist)
    long_ago = timezone.now() - timedelta(seconds=601)
    TrackWaveform.objects.create(track=stuck, status=S.PROCESSING, started_at=long_ago, attempts=1)
    TrackWaveform.objects.create(
        track=fresh, status=S.PROCESSING, started_at=timezone.now(), attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_stuck_processing()

    assert result["waveforms"] == 1
    assert TrackWaveform.objects.get(track=stuck).status == S.COMPLETED
    assert TrackWaveform.objects.get(track=fresh).status == S.PROCESSING


@override_settings(PROCESSING_STUCK_AFTER_SECONDS=60, PROCESSING_MAX_ATTEMPTS=3)
def test_sweeper_gives_up_after_the_attempt_budget(producer, producer_artist):
    track = track_with_audio(producer, producer_artist)
    TrackWaveform.objects.create(
        track=track,
        status=S.PROCESSING,
        started_at=timezone.now() - timedelta(hours=1),
        attempts=3,
    )
    sweep_stuck_processing()
    waveform = TrackWaveform.objects.get(track=track)
    assert waveform.status == S.FAILED
    assert "Gave up after 3 attempts" in waveform.error


def test_sweeper_is_registered_with_celery_beat_idempotently():
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks", stdout=StringIO())
    call_command("setup_periodic_tasks", stdout=StringIO())
    tasks = PeriodicTask.objects.filter(task="content.sweep_stuck_processing")
    assert tasks.count() == 1
    assert tasks.get().interval.every == 5


# --- wave-batch ---------------------------------------------------------------------------------


def batch(client, ids):
    return client.post("/api/v1/tracks/wave-batch", {"track_ids": ids}, format="json")


def test_wave_batch_returns_peaks_null_and_skips_hidden(api_client, producer, producer_artist):
    done = track_with_audio(producer, producer_artist)
    compute_waveform(done.pk)
    pending = track_with_audio(producer, producer_artist)
    hidden = track_with_audio(producer, producer_artist, visibility="private")
    compute_waveform(hidden.pk)

    response = batch(api_client, [done.pk, pending.pk, hidden.pk, 999999])

    assert response.status_code == 200
    waves = response.json()["waves"]
    assert set(waves) == {str(done.pk), str(pending.pk)}
    assert len(waves[str(done.pk)]["peaks"]) == 3600
    assert waves[str(pending.pk)] is None


def test_wave_batch_shows_private_tracks_to_their_manager(producer_client, producer):
    artist = producer.managed_artists.get()
    hidden = track_with_audio(producer, artist, visibility="private")
    compute_waveform(hidden.pk)
    waves = batch(producer_client, [hidden.pk]).json()["waves"]
    assert waves[str(hidden.pk)] is not None


def _batch_queries(client, ids, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert batch(client, ids).status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_wave_batch_query_count_is_constant(api_client, django_assert_num_queries, count):
    artist = ArtistFactory()
    tracks = []
    for _ in range(count):
        track = TrackFactory(artists=[artist])
        TrackWaveform.objects.create(track=track, status=S.COMPLETED, peaks=[0.0, 0.5], buckets=1)
        tracks.append(track)
    with django_assert_num_queries(1):
        response = batch(api_client, [t.pk for t in tracks])
    assert len(response.json()["waves"]) == count


@pytest.mark.parametrize(
    "payload",
    [
        {"track_ids": list(range(1, 102))},
        {"track_ids": []},
        {"track_ids": ["x"]},
        {"track_ids": "1,2"},
        {},
    ],
)
def test_wave_batch_rejects_bad_input_with_422(api_client, payload):
    response = api_client.post("/api/v1/tracks/wave-batch", payload, format="json")
    assert response.status_code == 422
    assert any(key.startswith("track_ids") for key in response.json()["errors"])


def test_wave_batch_accepts_exactly_100_ids(api_client):
    assert batch(api_client, list(range(1, 101))).status_code == 200
    assert Track.objects.count() == 0
