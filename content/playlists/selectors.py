"""Reads for playlists: who sees what, who may do what, and listing querysets.

Visibility: public playlists are seen by everyone; private ones by their owner, their editors
and staff (moderation). Everyone else gets 404, as for a missing playlist.
"""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from rest_framework.exceptions import NotFound

from content.catalog.models import Track, TrackArtist, Visibility
from content.playlists.models import (
    InvitationStatus,
    Playlist,
    PlaylistEditor,
    PlaylistFollower,
    PlaylistInvitation,
    PlaylistTrack,
)


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def _member_q(user) -> Q:
    """Owner or editor of the outer playlist."""
    editor = PlaylistEditor.objects.filter(playlist=OuterRef("pk"), user=user)
    return Q(owner=user) | Q(Exists(editor))


def playlist_list(*, viewer, query: str = "", owner_id: int | None = None) -> QuerySet[Playlist]:
    """``GET /playlists``: public ones, plus the viewer's own and those they edit; newest first."""
    queryset = Playlist.objects.all()
    if _signed_in(viewer):
        queryset = queryset.filter(Q(public=True) | _member_q(viewer))
    else:
        queryset = queryset.filter(public=True)
    if query:
        queryset = queryset.filter(name__icontains=query[:255])
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    return queryset.order_by("-created_at", "-id")


def playlist_library(*, user) -> QuerySet[Playlist]:
    """``GET /users/me/playlists``: the user's own, edited and followed playlists (a followed
    playlist that turned private drops out), most recently changed first."""
    followed = PlaylistFollower.objects.filter(playlist=OuterRef("pk"), user=user)
    return Playlist.objects.filter(_member_q(user) | Q(public=True) & Q(Exists(followed))).order_by(
        "-updated_at", "-id"
    )


def playlist_visible(*, viewer) -> QuerySet[Playlist]:
    queryset = Playlist.objects.all()
    if not _signed_in(viewer):
        return queryset.filter(public=True)
    if viewer.is_staff:
        return queryset
    return queryset.filter(Q(public=True) | _member_q(viewer))


def playlist_get(*, viewer, playlist_id: int) -> Playlist:
    """A playlist the viewer may see, or 404 (private and missing look the same)."""
    playlist = (
        playlist_visible(viewer=viewer).select_related("owner").filter(pk=playlist_id).first()
    )
    if playlist is None:
        raise NotFound()
    return playlist


def playlist_is_editor(*, user, playlist: Playlist) -> bool:
    if not _signed_in(user):
        return False
    return PlaylistEditor.objects.filter(playlist=playlist, user=user).exists()


def playlist_can_edit_tracks(*, user, playlist: Playlist) -> bool:
    """Role table: the owner and (on a collaborative playlist) its editors; staff moderate."""
    if not _signed_in(user):
        return False
    if user.is_staff or playlist.owner_id == user.pk:
        return True
    return playlist.collaborative and playlist_is_editor(user=user, playlist=playlist)


def playlist_can_manage(*, user, playlist: Playlist) -> bool:
    """Settings and deletion: the owner only (staff moderate)."""
    return _signed_in(user) and (user.is_staff or playlist.owner_id == user.pk)


# --- tracks ---------------------------------------------------------------------------------------


def _entry_visible_q(viewer) -> Q:
    """Filter on PlaylistTrack rows whose track the viewer may see (Track.visible_to's rule)."""
    if _signed_in(viewer) and viewer.is_staff:
        return Q()
    public = Q(track__visibility=Visibility.PUBLIC)
    if not _signed_in(viewer):
        return public
    managed = TrackArtist.objects.filter(track=OuterRef("track_id"), artist__managers=viewer)
    return public | Q(Exists(managed))


def playlist_tracks(*, viewer, playlist: Playlist) -> QuerySet[Track]:
    """Tracks the viewer may see, in playlist order, annotated with ``position``/``added_at``."""
    entries = PlaylistTrack.objects.filter(playlist=playlist)
    entry = entries.filter(track=OuterRef("pk"))
    return (
        # The IN narrows to the playlist's rows first (≤ 500) before the per-row subqueries.
        Track.objects.visible_to(viewer)
        .filter(pk__in=entries.values("track_id"))
        .annotate(
            position=Subquery(entry.values("position")[:1]),
            added_at=Subquery(entry.values("added_at")[:1]),
        )
        .order_by("position")
    )


def _count_entries(viewer) -> Coalesce:
    counted = (
        PlaylistTrack.objects.filter(playlist=OuterRef("pk"))
        .filter(_entry_visible_q(viewer))
        .order_by()
        .values("playlist_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _sum_duration(viewer) -> Coalesce:
    summed = (
        PlaylistTrack.objects.filter(playlist=OuterRef("pk"))
        .filter(_entry_visible_q(viewer))
        .order_by()
        .values("playlist_id")
        .annotate(ms=Sum("track__duration"))
        .values("ms")
    )
    return Coalesce(Subquery(summed, output_field=IntegerField()), 0)


def _count_followers() -> Coalesce:
    counted = (
        PlaylistFollower.objects.filter(playlist=OuterRef("pk"))
        .order_by()
        .values("playlist_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


PLAYLIST_FIELDS = (
    "id",
    "name",
    "description",
    "image",
    "public",
    "collaborative",
    "created_at",
    "updated_at",
    "owner_id",
    "owner__name",
    "owner__avatar",
    "tracks_count",
    "followers_count",
)


def playlist_rows(queryset: QuerySet[Playlist], *, viewer, with_duration: bool = False):
    """The values() queryset a page of playlists is sliced from; one query for the whole page."""
    queryset = queryset.annotate(
        tracks_count=_count_entries(viewer), followers_count=_count_followers()
    )
    fields = list(PLAYLIST_FIELDS)
    if with_duration:
        queryset = queryset.annotate(total_duration=_sum_duration(viewer))
        fields.append("total_duration")
    if _signed_in(viewer):
        queryset = queryset.annotate(
            is_following=Exists(
                PlaylistFollower.objects.filter(playlist=OuterRef("pk"), user=viewer)
            ),
            is_editor=Exists(PlaylistEditor.objects.filter(playlist=OuterRef("pk"), user=viewer)),
        )
        fields += ["is_following", "is_editor"]
    return queryset.values(*fields)


def playlist_editors(*, playlist: Playlist) -> list[dict]:
    return list(
        PlaylistEditor.objects.filter(playlist=playlist)
        .order_by("created_at", "id")
        .values("user_id", "user__name", "user__avatar", "created_at")
    )


def playlist_pending_invitations(*, playlist: Playlist, now) -> list[PlaylistInvitation]:
    return list(
        PlaylistInvitation.objects.filter(
            playlist=playlist, status=InvitationStatus.PENDING, expires_at__gt=now
        )
        .select_related("invitee")
        .order_by("sent_at", "id")
    )
