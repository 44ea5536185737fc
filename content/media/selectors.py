"""Reads for waveforms: one track's row, and many tracks' peaks in a single query."""

from __future__ import annotations

from collections.abc import Sequence

from content.catalog.models import Track
from content.catalog.selectors import track_is_manageable
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


# --- downloads ------------------------------------------------------------------------------------
# Who may download a track's original file. One policy, extended by commerce later.


def can_download(user, track: Track) -> bool:
    """Managers of the track's artists, staff, and anyone when the track is a free download.

    The commerce feature adds purchase entitlement here (one place for every caller).
    """
    if track.free_download:
        return True
    if user is None or not user.is_authenticated:
        return False
    return track_is_manageable(user=user, track=track)
