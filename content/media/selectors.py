"""Reads for waveforms (one track's row, many tracks' peaks in a single query) and for a
download (the track, its file, the rendition, the credits and the whole download policy in one
query)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, FilteredRelation, OuterRef, Q
from rest_framework.exceptions import NotFound

from content.catalog.models import Track, TrackArtist
from content.licensing.selectors import with_download_facts
from content.media.models import AudioRendition, ProcessingStatus, TrackWaveform


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

_RENDITION_FIELDS = ("id", "source_file_id", "format", "status", "file", "size")


def download_track_get(*, viewer, track_id: int, fmt: str) -> Track:
    """The track ``viewer`` asks to download (404 when hidden or missing), read in one query
    with everything the download needs: its file entry, the ``fmt`` rendition of it
    (``track.download_rendition``, None when there is none), the credited artists' names in credit
    order (``track.download_artist_names``), and, for an authenticated viewer, the download
    policy's facts (``content.licensing.selectors.download_facts_of``)."""
    tracks = (
        Track.objects.visible_to(viewer)
        .filter(pk=track_id)
        .select_related("file")
        .annotate(
            dl_rendition=FilteredRelation(
                "file__renditions", condition=Q(file__renditions__format=fmt)
            ),
            **{f"dl_rendition_{f}": F(f"dl_rendition__{f}") for f in _RENDITION_FIELDS},
        )
    )
    credits = TrackArtist.objects.filter(track=OuterRef("pk")).order_by("position", "id")
    if connection.vendor == "postgresql":
        tracks = tracks.annotate(dl_artist_names=ArraySubquery(credits.values("artist__name")))
    if viewer is not None and viewer.is_authenticated:
        tracks = with_download_facts(tracks, user=viewer)
    track = tracks.first()
    if track is None:
        raise NotFound()
    values = track.__dict__
    track.download_rendition = None
    if values["dl_rendition_id"] is not None:
        track.download_rendition = AudioRendition.from_db(
            "default",
            list(_RENDITION_FIELDS),
            [values[f"dl_rendition_{f}"] for f in _RENDITION_FIELDS],
        )
    if "dl_artist_names" in values:
        track.download_artist_names = list(values["dl_artist_names"])
    else:
        track.download_artist_names = list(
            TrackArtist.objects.filter(track=track)
            .order_by("position", "id")
            .values_list("artist__name", flat=True)
        )
    return track
