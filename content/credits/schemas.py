"""OpenAPI documentation of the credits/pinning output (runtime output: presenters.py).

Keep in step with ``present_credit`` / ``group_credits`` / the Spotify normalizers; a test
compares the documented keys with real responses.
"""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from beatpass.api.schema import envelope, status_only
from content.catalog.schemas import TrackOut


class CreditRoleOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()


class CreditRolePillOut(CreditRoleOut):
    count = serializers.IntegerField(help_text="Credits of the artist with this role.")


class CreditCategoryOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    roles = CreditRoleOut(many=True)


class CreditOut(serializers.Serializer):
    id = serializers.IntegerField()
    role = CreditRoleOut()
    release_type = serializers.CharField(help_text="`track` or `album`.")
    title = serializers.CharField()
    release_artists = serializers.CharField(allow_null=True)
    album_name = serializers.CharField(allow_null=True)
    release_date = serializers.DateField(allow_null=True)
    release_year = serializers.IntegerField(allow_null=True)
    cover_image_url = serializers.CharField(allow_null=True)
    spotify_track_id = serializers.CharField(allow_null=True)
    spotify_track_url = serializers.CharField(allow_null=True)
    spotify_album_id = serializers.CharField(allow_null=True)
    spotify_album_url = serializers.CharField(allow_null=True)
    album_group = serializers.CharField(allow_null=True, help_text="Spotify album id (albums).")
    popularity = serializers.IntegerField(allow_null=True, help_text="Spotify, 0-100.")
    position = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    model_type = serializers.CharField(default="credit")


class CreditGroupTrackOut(serializers.Serializer):
    title = serializers.CharField()
    artists = serializers.CharField(allow_null=True)
    spotify_track_id = serializers.CharField(allow_null=True)
    spotify_url = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField(), help_text="Role slugs.")
    credit_ids = serializers.ListField(child=serializers.IntegerField())


class CreditGroupOut(serializers.Serializer):
    key = serializers.CharField(help_text="Stable id of the card (release or album group).")
    type = serializers.CharField(help_text="`track` or `album`.")
    title = serializers.CharField()
    artists = serializers.CharField(allow_null=True)
    album_name = serializers.CharField(allow_null=True)
    image = serializers.CharField(allow_null=True)
    release_date = serializers.DateField(allow_null=True)
    release_year = serializers.IntegerField(allow_null=True)
    spotify_url = serializers.CharField(allow_null=True)
    popularity = serializers.IntegerField(allow_null=True)
    position = serializers.IntegerField()
    roles = CreditRoleOut(many=True, help_text="Role badges.")
    credits = CreditOut(many=True)
    tracks = CreditGroupTrackOut(many=True, required=False, help_text="Album cards only.")
    track_count = serializers.IntegerField(required=False, help_text="Album cards only.")


class SpotifyArtistOut(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class SpotifyAlbumRefOut(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class SpotifyItemOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField(help_text="`track` or `album`.")
    name = serializers.CharField()
    artists = SpotifyArtistOut(many=True)
    album = SpotifyAlbumRefOut(allow_null=True, help_text="Tracks only.")
    image = serializers.CharField(allow_null=True)
    release_date = serializers.CharField(allow_null=True, help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    release_year = serializers.IntegerField(allow_null=True)
    track_count = serializers.IntegerField(allow_null=True, help_text="Albums only.")
    spotify_url = serializers.CharField(allow_null=True)
    track_number = serializers.IntegerField(allow_null=True, required=False)
    disc_number = serializers.IntegerField(allow_null=True, required=False)
    duration_ms = serializers.IntegerField(allow_null=True, required=False)
    popularity = serializers.IntegerField(allow_null=True, required=False)
    album_type = serializers.CharField(allow_null=True, required=False)
    already_credited_roles = serializers.ListField(
        child=serializers.CharField(), help_text="Role slugs the `artist_id` already holds."
    )


class SpotifyAlbumOut(SpotifyItemOut):
    tracks = SpotifyItemOut(many=True)


ROLES_RESPONSE = status_only("CreditRoles", categories=CreditCategoryOut(many=True))

CREDIT_GROUPS_PAGE = inline_serializer(
    "PaginatedCreditGroups",
    {
        "data": CreditGroupOut(many=True),
        "current_page": serializers.IntegerField(),
        "per_page": serializers.IntegerField(),
        "total": serializers.IntegerField(help_text="Cards (releases), not rows."),
        "last_page": serializers.IntegerField(),
        "from": serializers.IntegerField(allow_null=True),
        "to": serializers.IntegerField(allow_null=True),
        "roles": CreditRolePillOut(many=True, help_text="Filter pills (unfiltered)."),
        "credits_count": serializers.IntegerField(help_text="Matching credit rows."),
    },
)

CREDITS_CREATED = status_only("CreditsCreated", credits=CreditOut(many=True))
ALBUM_CREDITS_CREATED = status_only(
    "AlbumCreditsCreated",
    credits=CreditOut(many=True),
    tracks_added=serializers.IntegerField(),
)
CREDIT_RESPONSE = envelope("Credit", "credit", CreditOut())
CREDITS_DELETED = status_only("CreditsDeleted", deleted=serializers.IntegerField())
CREDITS_REORDERED = status_only(
    "CreditsReordered", ids=serializers.ListField(child=serializers.IntegerField())
)

SPOTIFY_SEARCH_PAGE = inline_serializer(
    "PaginatedSpotifyItems",
    {
        "data": SpotifyItemOut(many=True),
        "current_page": serializers.IntegerField(),
        "per_page": serializers.IntegerField(default=10),
        "total": serializers.IntegerField(help_text="Capped at 1000 (Spotify's offset limit)."),
        "last_page": serializers.IntegerField(),
        "from": serializers.IntegerField(allow_null=True),
        "to": serializers.IntegerField(allow_null=True),
    },
)
SPOTIFY_ALBUM_RESPONSE = envelope("SpotifyAlbum", "album", SpotifyAlbumOut())

PINNED_TRACK_RESPONSE = status_only(
    "PinnedTrack", pinned_track=TrackOut(allow_null=True, help_text="Null when none is pinned.")
)
UNPINNED_RESPONSE = status_only(
    "TrackUnpinned",
    unpinned=serializers.BooleanField(help_text="False when this track was not the pinned one."),
    pinned_track=TrackOut(allow_null=True),
)

ERROR_503 = inline_serializer(
    "SpotifyUnavailableError",
    {
        "message": serializers.CharField(),
        "error_code": serializers.ChoiceField(
            choices=[
                "spotify_unavailable",
                "spotify_rate_limited",
                "spotify_timeout",
                "spotify_unreachable",
            ]
        ),
        "retry_after": serializers.IntegerField(required=False, help_text="Rate limits only."),
    },
)
ERROR_502 = inline_serializer(
    "SpotifyBadGatewayError",
    {"message": serializers.CharField(), "error_code": serializers.CharField()},
)
