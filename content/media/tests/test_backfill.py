"""manage.py backfill_waveforms: missing-only by default, resumable, idempotent, summarised."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from content.media.models import ProcessingStatus, TrackWaveform
from content.media.services import waveforms
from content.tests.audio_helpers import stored_entry, tone_wav
from content.tests.factories import TrackFactory

pytestmark = pytest.mark.django_db
S = ProcessingStatus


@pytest.fixture
def tracks(producer, producer_artist):
    return [
        TrackFactory(file=stored_entry(producer, tone_wav(1.0), duration_ms=1000),
                     artists=[producer_artist])
        for _ in range(5)
    ]  # fmt: skip


def run(*args) -> str:
    out = StringIO()
    call_command("backfill_waveforms", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def statuses(tracks):
    rows = dict(TrackWaveform.objects.values_list("track_id", "status"))
    return [rows.get(t.pk) for t in tracks]


def test_dry_run_counts_without_writing(tracks):
    assert "5 track(s) would be processed" in run("--dry-run")
    assert not TrackWaveform.objects.exists()


def test_computes_missing_waveforms_and_summarises(tracks):
    out = run("--batch-size", "2")
    assert statuses(tracks) == [S.COMPLETED] * 5
    assert "5 completed, 0 failed" in out


def test_rerun_is_a_no_op_unless_all(tracks):
    run()
    completed_at = list(TrackWaveform.objects.order_by("pk").values_list("completed_at", flat=True))
    assert "0 completed" in run()
    assert "5 completed" in run("--all")
    again = list(TrackWaveform.objects.order_by("pk").values_list("completed_at", flat=True))
    assert all(a > b for a, b in zip(again, completed_at, strict=True))


def test_track_id_limits_the_run(tracks):
    run("--track-id", str(tracks[1].pk), "--track-id", str(tracks[3].pk))
    assert statuses(tracks) == [None, S.COMPLETED, None, S.COMPLETED, None]


def test_bad_audio_is_counted_as_failed_and_the_run_continues(producer, producer_artist, tracks):
    bad = TrackFactory(
        file=stored_entry(producer, np.random.default_rng(0).bytes(4000)),
        artists=[producer_artist],
    )
    out = run()
    assert "5 completed, 1 failed" in out
    assert TrackWaveform.objects.get(track=bad).status == S.FAILED


def test_interrupted_run_resumes_where_it_stopped(tracks, monkeypatch):
    real = waveforms.waveform_compute
    done = []

    def crash_on_third(**kwargs):
        if len(done) == 2:
            raise KeyboardInterrupt
        done.append(kwargs["track_id"])
        return real(**kwargs)

    monkeypatch.setattr(waveforms, "waveform_compute", crash_on_third)
    with pytest.raises(SystemExit) as exit_info:
        run("--batch-size", "2")
    assert exit_info.value.code == 130
    assert statuses(tracks) == [S.COMPLETED, S.COMPLETED, None, None, None]

    monkeypatch.setattr(waveforms, "waveform_compute", real)
    out = run("--batch-size", "2")
    assert "3 completed" in out  # only the rest
    assert statuses(tracks) == [S.COMPLETED] * 5


def test_track_left_processing_by_a_crash_is_picked_up_again(tracks):
    from django.utils import timezone

    TrackWaveform.objects.create(
        track=tracks[0], status=S.PROCESSING, started_at=timezone.now(), attempts=5
    )
    run("--track-id", str(tracks[0].pk))
    assert statuses(tracks)[0] == S.COMPLETED


def test_queue_mode_enqueues_tasks(tracks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = run("--queue")
    assert "5 queued" in out
    assert statuses(tracks) == [S.COMPLETED] * 5  # eager Celery in tests


def test_admin_recompute_action_requeues_through_the_service(
    staff_client, staff_user, tracks, django_capture_on_commit_callbacks
):
    staff_user.is_superuser = True
    staff_user.save()
    staff_client.force_login(staff_user)
    run("--track-id", str(tracks[0].pk))
    waveform = TrackWaveform.objects.get(track=tracks[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/content/trackwaveform/",
            {"action": "recompute", "_selected_action": [waveform.pk]},
        )
    assert response.status_code == 302
    waveform.refresh_from_db()
    assert waveform.status == S.COMPLETED
    assert waveform.attempts == 1  # a fresh budget, then one new computation
    assert waveform.completed_at > waveform.created_at
