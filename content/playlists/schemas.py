"""OpenAPI documentation of the playlist and lyric output (runtime: playlists.py, lyrics.py).

Keep in step with ``present_playlists`` / ``present_playlist`` / ``present_lyric_row``; a test
compares the documented keys with real responses.
"""

from __future__ import annotations

from rest_framework import serializers

from beatpass.api.schema import RICH
from content.catalog.schemas import TrackOut


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)
    model_type = serializers.CharField(default="user")


class PlaylistOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    image = serializers.CharField(allow_null=True, help_text="Image URL.")
    public = serializers.BooleanField()
    collaborative = serializers.BooleanField()
    model_type = serializers.CharField(default="playlist")
    owner_id = serializers.IntegerField()
    owner = UserRef()
    tracks_count = serializers.IntegerField(help_text="Tracks the viewer can see.")
    followers_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    is_owner = serializers.BooleanField(required=False, help_text=RICH)
    is_editor = serializers.BooleanField(required=False, help_text=RICH)
    is_following = serializers.BooleanField(required=False, help_text=RICH)


class InvitationOut(serializers.Serializer):
    id = serializers.IntegerField()
    playlist_id = serializers.IntegerField()
    user = UserRef()
    status = serializers.CharField(help_text="pending, accepted, declined, expired or removed.")
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class PlaylistDetailOut(PlaylistOut):
    totalDuration = serializers.IntegerField(help_text="Milliseconds, visible tracks.")  # noqa: N815
    editors = UserRef(many=True)
    can_edit_tracks = serializers.BooleanField(required=False, help_text=RICH)
    invitations = InvitationOut(
        many=True, required=False, help_text="Pending invitations; the owner only."
    )


class PlaylistTrackOut(TrackOut):
    position = serializers.IntegerField(help_text="1-based position in the playlist.")
    added_at = serializers.DateTimeField()
    added_by_id = serializers.IntegerField(allow_null=True)
