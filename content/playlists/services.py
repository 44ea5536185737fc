"""Playlist writes: CRUD, follows, ordered tracks and collaboration invitations.

Every write that depends on the playlist's current state (positions, counts, editors) locks the
playlist row first (``select_for_update``), so concurrent writers to one playlist serialize;
database constraints (unique position, unique track, one pending invitation) back the rules up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from beatpass.accounts.services import absolute_url, notify
from beatpass.api.errors import Conflict, Gone, LimitReached, validation_error
from content import clock
from content.catalog.models import Track
from content.playlists import selectors
from content.playlists.models import (
    INVITATION_TTL,
    MAX_EDITORS,
    MAX_PLAYLISTS_PER_USER,
    MAX_TRACKS_PER_PLAYLIST,
    REINVITE_COOLDOWN,
    InvitationStatus,
    Playlist,
    PlaylistEditor,
    PlaylistFollower,
    PlaylistInvitation,
    PlaylistTrack,
)

User = get_user_model()

PLAYLIST_LIMIT_REACHED = "Playlist limit reached"
PLAYLIST_FULL = "Playlist full"
TRACK_ALREADY_IN_PLAYLIST = "Track already in playlist"
MAX_EDITORS_REACHED = "Max editors reached"
INVITATION_EXPIRED = "Invitation expired"
ALREADY_INVITED = "Already invited"
CANNOT_REINVITE_YET = "Cannot re-invite yet"

SETTINGS_FIELDS = ("name", "description", "image", "public", "collaborative")


def _lock(playlist: Playlist) -> Playlist:
    return Playlist.objects.select_for_update().select_related("owner").get(pk=playlist.pk)


def _touch(playlist: Playlist) -> None:
    Playlist.objects.filter(pk=playlist.pk).update(updated_at=clock.now())


def _require_track_editor(*, actor, playlist: Playlist) -> None:
    if not selectors.playlist_can_edit_tracks(user=actor, playlist=playlist):
        raise PermissionDenied("Only the owner and editors can change this playlist's tracks.")


def _require_owner(*, actor, playlist: Playlist, allow_staff: bool = True) -> None:
    if playlist.owner_id == actor.pk or (allow_staff and actor.is_staff):
        return
    raise PermissionDenied("Only the playlist owner can do this.")


# --- playlists ----------------------------------------------------------------------------------


def playlist_create(*, owner, data: dict[str, Any]) -> Playlist:
    """Create a playlist; 429 once the owner has 100. Locks the owner's user row so two
    concurrent creates cannot both pass the count."""
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=owner.pk)
        if Playlist.objects.filter(owner=owner).count() >= MAX_PLAYLISTS_PER_USER:
            raise LimitReached(PLAYLIST_LIMIT_REACHED, code="playlist_limit_reached")
        return Playlist.objects.create(
            owner=owner, **{f: data[f] for f in SETTINGS_FIELDS if f in data}
        )


def playlist_update(*, playlist: Playlist, actor, data: dict[str, Any]) -> Playlist:
    """Owner (or staff) edits the settings. Editors and followers get 403."""
    with transaction.atomic():
        playlist = _lock(playlist)
        _require_owner(actor=actor, playlist=playlist)
        fields = [f for f in SETTINGS_FIELDS if f in data]
        for field in fields:
            setattr(playlist, field, data[field])
        if fields:
            playlist.save(update_fields=[*fields, "updated_at"])
    return playlist


def playlists_delete(*, actor, ids: Sequence[int]) -> int:
    """Delete all the given playlists or none: 404 if any is missing or hidden from the actor,
    403 if any is not theirs (staff may delete any)."""
    with transaction.atomic():
        visible = selectors.playlist_visible(viewer=actor).filter(pk__in=ids)
        rows = list(Playlist.objects.select_for_update().filter(pk__in=visible.values("pk")))
        if len(rows) != len(ids):
            raise NotFound()
        for playlist in rows:
            _require_owner(actor=actor, playlist=playlist)
        Playlist.objects.filter(pk__in=[p.pk for p in rows]).delete()
    return len(rows)


def playlist_follow(*, playlist: Playlist, user) -> bool:
    """Follow (idempotent); returns False if already following. The owner cannot follow."""
    if playlist.owner_id == user.pk:
        raise validation_error("playlist", "You cannot follow your own playlist.")
    _, created = PlaylistFollower.objects.get_or_create(playlist=playlist, user=user)
    return created


def playlist_unfollow(*, playlist: Playlist, user) -> bool:
    deleted, _ = PlaylistFollower.objects.filter(playlist=playlist, user=user).delete()
    return bool(deleted)


# --- tracks -------------------------------------------------------------------------------------


def _unique(ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _renumber(playlist: Playlist) -> None:
    """Close gaps: positions become 1..n in the current order (deferred unique constraint)."""
    rows = list(
        PlaylistTrack.objects.filter(playlist=playlist)
        .order_by("position", "id")
        .values_list("pk", "position")
    )
    changed = [
        PlaylistTrack(pk=pk, position=index)
        for index, (pk, position) in enumerate(rows, start=1)
        if position != index
    ]
    if changed:
        PlaylistTrack.objects.bulk_update(changed, ["position"], batch_size=500)


def playlist_add_tracks(*, playlist: Playlist, actor, track_ids: Sequence[int]) -> list[int]:
    """Append the tracks in the given order, skipping those already there; returns the added ids.

    409 if every id was already in the playlist; 429 if the result would pass 500 tracks (then
    nothing is added); 422 for ids the actor cannot see (missing and private look the same).
    Locks the playlist row: concurrent adds get contiguous positions.
    """
    ids = _unique(track_ids)
    with transaction.atomic():
        playlist = _lock(playlist)
        _require_track_editor(actor=actor, playlist=playlist)
        visible = set(
            Track.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)
        )
        errors = {
            f"ids.{index}": [f"The selected ids.{index} is invalid."]
            for index, track_id in enumerate(track_ids)
            if track_id not in visible
        }
        if errors:
            raise ValidationError(errors)
        present = set(
            PlaylistTrack.objects.filter(playlist=playlist, track_id__in=ids).values_list(
                "track_id", flat=True
            )
        )
        new = [track_id for track_id in ids if track_id not in present]
        if not new:
            raise Conflict(TRACK_ALREADY_IN_PLAYLIST, code="track_already_in_playlist")
        entries = PlaylistTrack.objects.filter(playlist=playlist)
        if entries.count() + len(new) > MAX_TRACKS_PER_PLAYLIST:
            raise LimitReached(PLAYLIST_FULL, code="playlist_full")
        last = entries.aggregate(last=Max("position"))["last"] or 0
        now = clock.now()
        PlaylistTrack.objects.bulk_create(
            PlaylistTrack(
                playlist=playlist,
                track_id=track_id,
                position=last + i,
                added_by=actor,
                added_at=now,
            )
            for i, track_id in enumerate(new, start=1)
        )
        _touch(playlist)
    return new


def playlist_remove_tracks(*, playlist: Playlist, actor, track_ids: Sequence[int]) -> int:
    """Remove the tracks and close the gaps. Ids not in the playlist are ignored, and so are,
    for an editor, tracks hidden from them (another artist's private track is out of their
    reach, as in ``playlist_reorder_tracks``); the owner may remove any of their playlist's
    tracks. Locks the playlist row."""
    with transaction.atomic():
        playlist = _lock(playlist)
        _require_track_editor(actor=actor, playlist=playlist)
        targets = _unique(track_ids)
        if playlist.owner_id != actor.pk:
            targets = Track.objects.visible_to(actor).filter(pk__in=targets).values("pk")
        removed, _ = PlaylistTrack.objects.filter(playlist=playlist, track_id__in=targets).delete()
        if removed:
            _renumber(playlist)
            _touch(playlist)
    return removed


def playlist_reorder_tracks(*, playlist: Playlist, actor, track_ids: Sequence[int]) -> None:
    """Put the tracks in the given order. ``track_ids`` must be a permutation of the playlist's
    tracks the actor can see (422 otherwise); tracks hidden from the actor keep their slots and
    the visible ones fill the remaining slots in the given order. Locks the playlist row."""
    with transaction.atomic():
        playlist = _lock(playlist)
        _require_track_editor(actor=actor, playlist=playlist)
        entries = list(
            PlaylistTrack.objects.filter(playlist=playlist)
            .order_by("position")
            .values_list("pk", "track_id", "position")
        )
        visible = set(
            Track.objects.visible_to(actor)
            .filter(pk__in=[track_id for _, track_id, _ in entries])
            .values_list("pk", flat=True)
        )
        mine = [
            (pk, track_id, position) for pk, track_id, position in entries if track_id in visible
        ]
        if len(track_ids) != len(set(track_ids)) or set(track_ids) != {t for _, t, _ in mine}:
            raise ValidationError(
                {"ids": ["The ids must list every track of this playlist exactly once."]}
            )
        entry_of_track = {track_id: pk for pk, track_id, _ in mine}
        slots = [position for _, _, position in mine]
        current = {pk: position for pk, _, position in mine}
        changed = [
            PlaylistTrack(pk=entry_of_track[track_id], position=slot)
            for track_id, slot in zip(track_ids, slots, strict=True)
            if current[entry_of_track[track_id]] != slot
        ]
        if changed:
            PlaylistTrack.objects.bulk_update(changed, ["position"], batch_size=500)
            _touch(playlist)


# --- collaboration ------------------------------------------------------------------------------


def _expire(invitation: PlaylistInvitation) -> None:
    invitation.status = InvitationStatus.EXPIRED
    invitation.expired_at = invitation.expires_at
    invitation.save(update_fields=["status", "expired_at", "updated_at"])


def playlist_invitations_expire(*, now=None) -> int:
    """Mark overdue pending invitations expired (the periodic sweep). The expiry time is the
    deadline itself, not the sweep time, so the re-invite cooldown never depends on the sweep."""
    now = now or clock.now()
    # One UPDATE: PostgreSQL re-checks the WHERE on rows a concurrent accept has just changed.
    return PlaylistInvitation.objects.filter(
        status=InvitationStatus.PENDING, expires_at__lte=now
    ).update(status=InvitationStatus.EXPIRED, expired_at=F("expires_at"), updated_at=now)


def _latest_invitation(playlist: Playlist, user) -> PlaylistInvitation | None:
    return (
        PlaylistInvitation.objects.select_for_update()
        .filter(playlist=playlist, invitee=user)
        .order_by("-sent_at", "-id")
        .first()
    )


def playlist_invite(*, playlist: Playlist, actor, invitee_id: int) -> PlaylistInvitation:
    """The owner invites a user to edit a collaborative playlist; the invitee is notified.

    Rules (error catalog): 409 "Already invited" for a live pending invitation; 429 "Cannot
    re-invite yet" within 24 h of the user's last invitation being declined, expired or removed;
    429 "Max editors reached" when editors + live pending invitations already make 10; 422 for
    yourself, an existing editor, an unknown user or a non-collaborative playlist. Locks the
    playlist row.
    """
    with transaction.atomic():
        playlist = _lock(playlist)
        _require_owner(actor=actor, playlist=playlist, allow_staff=False)
        if not playlist.collaborative:
            raise validation_error(
                "collaborative", "Only collaborative playlists can have editors."
            )
        invitee = User.objects.filter(pk=invitee_id, is_active=True).first()
        if invitee is None:
            raise validation_error("user_id", "The selected user id is invalid.")
        if invitee.pk == playlist.owner_id:
            raise validation_error("user_id", "You cannot invite yourself.")
        if PlaylistEditor.objects.filter(playlist=playlist, user=invitee).exists():
            raise validation_error("user_id", "This user is already an editor of the playlist.")

        now = clock.now()
        latest = _latest_invitation(playlist, invitee)
        if latest is not None and latest.status == InvitationStatus.PENDING:
            if latest.expires_at > now:
                raise Conflict(ALREADY_INVITED, code="already_invited")
            _expire(latest)  # overdue but not swept yet
        closed_at = latest.closed_at if latest is not None else None
        if closed_at is not None and now < closed_at + REINVITE_COOLDOWN:
            wait = math.ceil((closed_at + REINVITE_COOLDOWN - now).total_seconds())
            raise LimitReached(
                CANNOT_REINVITE_YET, code="cannot_reinvite_yet", extra={"retry_after": wait}
            )

        editors = PlaylistEditor.objects.filter(playlist=playlist).count()
        pending = PlaylistInvitation.objects.filter(
            playlist=playlist, status=InvitationStatus.PENDING, expires_at__gt=now
        ).count()
        if editors + pending >= MAX_EDITORS:
            raise LimitReached(MAX_EDITORS_REACHED, code="max_editors_reached")

        invitation = PlaylistInvitation.objects.create(
            playlist=playlist,
            invitee=invitee,
            invited_by=actor,
            sent_at=now,
            expires_at=now + INVITATION_TTL,
        )
        notify(
            user=invitee,
            kind="playlist.invited",
            title=f'{actor.display_name} invited you to edit the playlist "{playlist.name}"',
            body="Accept the invitation within 7 days to add and remove tracks: "
            f"{absolute_url(f'/api/v1/playlists/{playlist.pk}/accept-invite')} (POST).",
            data={
                "playlist_id": playlist.pk,
                "invitation_id": invitation.pk,
                "url": absolute_url(f"/api/v1/playlists/{playlist.pk}"),
            },
        )
    return invitation


def _respond(*, playlist: Playlist, user, accept: bool) -> Playlist:
    expired = False
    with transaction.atomic():
        playlist = _lock(playlist)
        now = clock.now()
        invitation = _latest_invitation(playlist, user)
        if invitation is None:
            raise NotFound()
        if invitation.status == InvitationStatus.PENDING and invitation.expires_at <= now:
            _expire(invitation)  # committed below even though the caller gets 410
            expired = True
        elif invitation.status == InvitationStatus.EXPIRED:
            expired = True
        elif accept and invitation.status == InvitationStatus.ACCEPTED:
            if PlaylistEditor.objects.filter(playlist=playlist, user=user).exists():
                return playlist  # accepting twice is harmless
            raise NotFound()
        elif invitation.status != InvitationStatus.PENDING:
            raise NotFound()
        elif not accept:
            invitation.status = InvitationStatus.DECLINED
            invitation.declined_at = now
            invitation.save(update_fields=["status", "declined_at", "updated_at"])
        else:
            if not playlist.collaborative:
                raise validation_error("collaborative", "The playlist is no longer collaborative.")
            if PlaylistEditor.objects.filter(playlist=playlist).count() >= MAX_EDITORS:
                raise LimitReached(MAX_EDITORS_REACHED, code="max_editors_reached")
            PlaylistEditor.objects.create(playlist=playlist, user=user)
            PlaylistFollower.objects.get_or_create(playlist=playlist, user=user)
            invitation.status = InvitationStatus.ACCEPTED
            invitation.accepted_at = now
            invitation.save(update_fields=["status", "accepted_at", "updated_at"])
    if expired:
        raise Gone(INVITATION_EXPIRED, code="invitation_expired")
    return playlist


def playlist_invitation_accept(*, playlist: Playlist, user) -> Playlist:
    """The invitee becomes an editor (and a follower). 410 once expired — checked here, whether
    or not the sweep ran; 429 if the playlist already has 10 editors. Locks the playlist row, so
    concurrent accepts cannot pass the limit."""
    return _respond(playlist=playlist, user=user, accept=True)


def playlist_invitation_decline(*, playlist: Playlist, user) -> Playlist:
    return _respond(playlist=playlist, user=user, accept=False)


def playlist_remove_editor(*, playlist: Playlist, actor, user_id: int) -> None:
    """The owner removes an editor (or cancels a pending invitation); an editor may remove
    themselves (leave). Either way the invitation turns ``removed``, which starts the cooldown.
    Locks the playlist row."""
    with transaction.atomic():
        playlist = _lock(playlist)
        is_owner = playlist.owner_id == actor.pk
        if not is_owner and actor.pk != user_id:
            raise PermissionDenied("Only the playlist owner can remove editors.")
        if user_id == playlist.owner_id:
            raise validation_error("user_id", "The owner cannot be removed from the playlist.")
        now = clock.now()
        deleted, _ = PlaylistEditor.objects.filter(playlist=playlist, user_id=user_id).delete()
        statuses = [InvitationStatus.ACCEPTED] if deleted else []
        if is_owner:
            statuses.append(InvitationStatus.PENDING)
        closed = PlaylistInvitation.objects.filter(
            playlist=playlist, invitee_id=user_id, status__in=statuses
        ).update(status=InvitationStatus.REMOVED, removed_at=now, updated_at=now)
        if not deleted and not closed:
            raise validation_error("user_id", "This user is not an editor of the playlist.")
