"""Output of playlists, their editors and invitations, built in bulk."""

from __future__ import annotations

from typing import Any

from beatpass.accounts.models import display_name_for
from content import clock
from content.catalog import presenters
from content.playlists import selectors
from content.playlists.models import Playlist, PlaylistInvitation


def present_user(user_id: int, name: str, avatar: str) -> dict[str, Any]:
    """Public user shape (OpenAPI ``User``); nothing derived from the email address."""
    return {
        "id": user_id,
        "display_name": display_name_for(name, user_id),
        "avatar": avatar or None,
        "model_type": "user",
    }


def present_playlists(rows, *, viewer) -> list[dict[str, Any]]:
    rich = presenters.is_rich(viewer)
    out = []
    for row in rows:
        item: dict[str, Any] = {
            "id": row["id"],
            "name": row["name"],
            "description": row["description"] or None,
            "image": row["image"] or None,
            "public": row["public"],
            "collaborative": row["collaborative"],
            "model_type": "playlist",
            "owner_id": row["owner_id"],
            "owner": present_user(row["owner_id"], row["owner__name"], row["owner__avatar"]),
            "tracks_count": row["tracks_count"],
            "followers_count": row["followers_count"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
        if "total_duration" in row:
            item["totalDuration"] = row["total_duration"]
        if rich:
            item["is_owner"] = row["owner_id"] == viewer.pk
            item["is_editor"] = row["is_editor"]
            item["is_following"] = row["is_following"]
        out.append(item)
    return out


def present_invitation(invitation: PlaylistInvitation) -> dict[str, Any]:
    invitee = invitation.invitee
    return {
        "id": invitation.pk,
        "playlist_id": invitation.playlist_id,
        "user": present_user(invitee.pk, invitee.name, invitee.avatar),
        "status": invitation.status,
        "sent_at": invitation.sent_at,
        "expires_at": invitation.expires_at,
    }


def present_playlist(playlist: Playlist, *, viewer) -> dict[str, Any]:
    """Detail: the list shape plus total duration, editors, the viewer's rights, and the
    pending invitations when the viewer is the owner."""
    rows = selectors.playlist_rows(
        Playlist.objects.filter(pk=playlist.pk), viewer=viewer, with_duration=True
    )
    item = present_playlists(rows, viewer=viewer)[0]
    item["editors"] = [
        present_user(e["user_id"], e["user__name"], e["user__avatar"])
        for e in selectors.playlist_editors(playlist=playlist)
    ]
    if presenters.is_rich(viewer):
        item["can_edit_tracks"] = selectors.playlist_can_edit_tracks(user=viewer, playlist=playlist)
        if playlist.owner_id == viewer.pk:
            item["invitations"] = [
                present_invitation(i)
                for i in selectors.playlist_pending_invitations(playlist=playlist, now=clock.now())
            ]
    return item
