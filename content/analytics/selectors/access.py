"""Who may play and who may read analytics.

Analytics of a track, album or artist are read by the managers of an artist credited on it
(featured artists included: their managers see how the track does) and by staff. Anyone else
gets 403 for what they can see and 404 for what they cannot (a private track of someone else).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from rest_framework.exceptions import NotFound, PermissionDenied

from beatpass.api.errors import ApplicationError
from content.catalog.models import Album, AlbumArtist, Artist, Track, TrackArtist, Visibility


@dataclass(frozen=True)
class PlayTarget:
    duration_ms: int
    viewer_is_insider: bool  # staff, or a manager of a credited artist: plays do not count


# Raw SQL on the ingest hot path: compiling the equivalent ORM query costs more than running it.
_TARGET_ANONYMOUS = "SELECT duration, visibility = 'public' FROM content_track WHERE id = %s"
_TARGET_SIGNED_IN = """
    SELECT t.duration, t.visibility = 'public',
           EXISTS (SELECT 1 FROM content_trackartist ta
                   JOIN content_artist_managers m ON m.artist_id = ta.artist_id
                   WHERE ta.track_id = t.id AND m.user_id = %s)
    FROM content_track t WHERE t.id = %s
"""


def play_target(*, viewer, track_id: int) -> PlayTarget | None:
    """The track to count a play of, or None when it is missing or hidden from ``viewer``."""
    signed_in = viewer is not None and viewer.is_authenticated
    with connection.cursor() as cursor:
        if signed_in:
            cursor.execute(_TARGET_SIGNED_IN, [viewer.pk, track_id])
        else:
            cursor.execute(_TARGET_ANONYMOUS, [track_id])
        row = cursor.fetchone()
    if row is None:
        return None
    duration, public = row[0], bool(row[1])
    insider = signed_in and (viewer.is_staff or bool(row[2]))
    if not public and not insider:
        return None
    return PlayTarget(duration_ms=duration, viewer_is_insider=insider)


# The reads below run on every analytics request: raw SQL (via ``Model.objects.raw``) instead
# of ORM querysets, whose compilation cost more than the queries (bench/analytics.py).
_MANAGERS = Artist.managers.through._meta.db_table
_TRACK_SQL = f"""
    SELECT t.id, t.name, t.duration, t.visibility, t.album_id, t.plays, t.likes_count,
           EXISTS (SELECT 1 FROM {TrackArtist._meta.db_table} ta
                   JOIN {_MANAGERS} m ON m.artist_id = ta.artist_id
                   WHERE ta.track_id = t.id AND m.user_id = %s) AS can_read
    FROM {Track._meta.db_table} t WHERE t.id = %s
"""  # noqa: S608 - table names only
_ALBUM_SQL = f"""
    SELECT a.id, a.name,
           EXISTS (SELECT 1 FROM {AlbumArtist._meta.db_table} aa
                   JOIN {_MANAGERS} m ON m.artist_id = aa.artist_id
                   WHERE aa.album_id = a.id AND m.user_id = %s) AS can_read
    FROM {Album._meta.db_table} a WHERE a.id = %s
"""  # noqa: S608
_ARTIST_SQL = f"""
    SELECT a.id, a.name, a.created_at, a.likes_count,
           EXISTS (SELECT 1 FROM {_MANAGERS} m
                   WHERE m.artist_id = a.id AND m.user_id = %s) AS can_read
    FROM {Artist._meta.db_table} a WHERE a.id = %s
"""  # noqa: S608
DENIED = "Only the managers of a credited artist can see its analytics."


def _one(model, sql: str, *, viewer, pk: int):
    return next(iter(model.objects.raw(sql, [viewer.pk, pk])), None)


def analytics_track(*, viewer, track_id: int) -> Track:
    """A track whose analytics ``viewer`` may read: 404 when it is hidden from them (private
    and not theirs), 403 when they see it but manage no credited artist."""
    track = _one(Track, _TRACK_SQL, viewer=viewer, pk=track_id)
    if track is None:
        raise NotFound()
    check_track_read(
        viewer_is_staff=viewer.is_staff, visibility=track.visibility, can_read=track.can_read
    )
    return track


def check_track_read(*, viewer_is_staff: bool, visibility: str, can_read: bool) -> None:
    """The rule of ``analytics_track`` for a track already read (``can_read``: the viewer
    manages a credited artist): 404 when hidden from the viewer, 403 when only visible."""
    if viewer_is_staff or can_read:
        return
    if visibility != Visibility.PUBLIC:
        raise NotFound()
    raise PermissionDenied(DENIED)


def analytics_album(*, viewer, album_id: int) -> Album:
    album = _one(Album, _ALBUM_SQL, viewer=viewer, pk=album_id)
    if album is None:
        raise NotFound()
    if not viewer.is_staff and not album.can_read:
        raise PermissionDenied(DENIED)
    return album


def analytics_artist(*, viewer, artist_id: int) -> Artist:
    artist = _one(Artist, _ARTIST_SQL, viewer=viewer, pk=artist_id)
    if artist is None:
        raise NotFound()
    if not viewer.is_staff and not artist.can_read:
        raise PermissionDenied("Only the artist's managers can see its analytics.")
    return artist


class NoArtistProfile(ApplicationError):
    status_code = 403


def producer_artist(*, viewer, artist_id: int | None) -> Artist:
    """The artist the producer-intelligence endpoints speak about: ``artist_id`` when given
    (one the viewer manages; any for staff), else the viewer's first managed artist."""
    if artist_id is not None:
        return analytics_artist(viewer=viewer, artist_id=artist_id)
    artist = (
        Artist.objects.managed_by(viewer)
        .order_by("id")
        .only("id", "name", "created_at", "likes_count")
        .first()
    )
    if artist is None:
        raise NoArtistProfile(
            "You need an artist profile to use producer intelligence.",
            code="no_artist_profile",
        )
    return artist
