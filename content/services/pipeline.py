"""Hooks around a track's audio. The audio pipeline plugs its steps in here.

- ``check_audio_before_publish`` runs inside the create/replace transaction and may refuse
  the audio (e.g. duplicate detection answers 409).
- ``on_track_audio_set`` runs after commit whenever a track gets new audio (create or
  replacement) and enqueues the heavy work (waveform, fingerprint) in Celery.
"""

from __future__ import annotations

from django.db import transaction


def check_audio_before_publish(*, user, entry, track=None) -> None:
    """Raise an ApplicationError to refuse ``entry`` as the audio of ``track`` (None = new)."""
    from content.services.fingerprints import check_upload_for_duplicates

    check_upload_for_duplicates(
        entry=entry, viewer=user, exclude_track_id=track.pk if track else None
    )


def on_track_audio_set(*, track_id: int) -> None:
    """Called after commit when a track's audio was set or replaced."""
    from content.services.fingerprints import fingerprint_request
    from content.services.waveforms import waveform_schedule

    waveform_schedule(track_id=track_id)
    fingerprint_request(track_id=track_id)


def track_audio_changed(*, track_id: int) -> None:
    transaction.on_commit(lambda: on_track_audio_set(track_id=track_id))
