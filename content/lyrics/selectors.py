"""Reads for lyrics: a lyric is seen with its track; the list is for managers and staff."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from content.catalog.models import Track
from content.lyrics.models import Lyric


def lyric_list(*, user) -> QuerySet[Lyric]:
    """Lyrics of the tracks ``user`` manages (every lyric for staff), newest change first."""
    managed = Track.objects.managed_by(user).values("pk")
    queryset = Lyric.objects.all() if user.is_staff else Lyric.objects.filter(track__in=managed)
    return queryset.order_by("-updated_at", "-id")


def lyric_for_track(*, viewer, track_id: int) -> Lyric:
    """The lyric of a track the viewer may see; 404 for a hidden track or a track without one."""
    lyric = (
        Lyric.objects.select_related("track")
        .filter(track__in=Track.objects.visible_to(viewer).filter(pk=track_id))
        .first()
    )
    if lyric is None:
        raise NotFound()
    return lyric


def lyric_get(*, viewer, lyric_id: int) -> Lyric:
    """A lyric whose track the viewer may see, or 404."""
    lyric = (
        Lyric.objects.select_related("track")
        .filter(pk=lyric_id, track__in=Track.objects.visible_to(viewer))
        .first()
    )
    if lyric is None:
        raise NotFound()
    return lyric


def is_track_manager(user) -> bool:
    """Staff, or a user who manages at least one artist (and so can own lyrics)."""
    if not (user and user.is_authenticated):
        return False
    return user.is_staff or user.managed_artists.exists()
