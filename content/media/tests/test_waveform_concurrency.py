"""Waveform rows under real concurrency: one row per track, no lost or doubled work states."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beatpass.testing import run_concurrently
from content.media.models import ProcessingStatus, TrackWaveform
from content.media.services import waveforms
from content.tests.audio_helpers import stored_entry, tone_wav
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory


@pytest.fixture
def track():
    owner = UserFactory()
    entry = stored_entry(owner, tone_wav(1.0), duration_ms=1000)
    return TrackFactory(file=entry, artists=[ArtistFactory(managers=[owner])])


@pytest.mark.django_db(transaction=True)
def test_concurrent_computations_of_one_track_leave_one_completed_row(track):
    # A redelivered task (acks_late) can run next to the original: both upsert the same row.
    results = run_concurrently(lambda i: waveforms.waveform_compute(track_id=track.pk), 6)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert TrackWaveform.objects.filter(track=track).count() == 1
    waveform = TrackWaveform.objects.get(track=track)
    assert waveform.status == ProcessingStatus.COMPLETED
    assert len(waveform.peaks) == 3600
    assert 1 <= waveform.attempts <= 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweepers_handle_each_stuck_row_once(track, monkeypatch):
    TrackWaveform.objects.create(
        track=track,
        status=ProcessingStatus.PROCESSING,
        started_at=timezone.now() - timedelta(hours=2),
        attempts=1,
    )
    queued = []
    monkeypatch.setattr(waveforms, "enqueue_waveform", lambda track_id, **kw: queued.append(1))

    results = run_concurrently(lambda i: waveforms.waveforms_requeue_stuck(), 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 1  # SKIP LOCKED: exactly one sweeper took the row
    assert len(queued) == 1
    assert TrackWaveform.objects.get(track=track).status == ProcessingStatus.PENDING
