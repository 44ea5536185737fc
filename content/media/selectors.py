"""Reads for waveforms: one track's row, and many tracks' peaks in a single query."""

from __future__ import annotations

from collections.abc import Sequence

from content.catalog.models import Track
from content.media.models import ProcessingStatus, TrackWaveform


def waveform_for(*, track: Track) -> TrackWaveform | None:
    return TrackWaveform.objects.filter(track=track).first()


def waveform_batch(*, viewer, track_ids: Sequence[int]) -> dict[int, list[float] | None]:
    """{track id: peaks or None} for the tracks ``viewer`` may see; one query (visibility
    subquery and a LEFT JOIN on the waveform). Invisible and missing ids are left out."""
    rows = (
        Track.objects.visible_to(viewer)
        .filter(pk__in=list(track_ids))
        .values_list("pk", "waveform__status", "waveform__peaks")
    )
    return {
        pk: (peaks if status == ProcessingStatus.COMPLETED else None) for pk, status, peaks in rows
    }
