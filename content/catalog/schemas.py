"""OpenAPI documentation of the catalog's output (the runtime output is built by presenters).

These serializers only describe responses for drf-spectacular; keep them in step with
``presenters.py`` (a test compares the documented track fields with a real response).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from beatpass.api.schema import (
    ID_PATH,
    IDS_PATH,
    RICH,
    WITH_PARAM,
    envelope,
    errors,
    status_only,
)


class ArtistRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model_type = serializers.CharField(default="artist")
    image_small = serializers.CharField(allow_null=True, required=False, help_text=RICH)
    verified = serializers.BooleanField(required=False, help_text=RICH)


class GenreOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    model_type = serializers.CharField(default="genre")


class TagOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model_type = serializers.CharField(default="tag")


class AlbumRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    image = serializers.CharField(allow_null=True)
    model_type = serializers.CharField(default="album")


class TrackOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    image = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    model_type = serializers.CharField(default="track")
    duration_text = serializers.CharField(help_text="m:ss")
    artists = ArtistRef(many=True)
    duration = serializers.IntegerField(required=False, help_text="Milliseconds. " + RICH)
    bpm = serializers.IntegerField(allow_null=True, required=False, help_text=RICH)
    key = serializers.CharField(allow_null=True, required=False, help_text=RICH)
    scale = serializers.CharField(allow_null=True, required=False, help_text=RICH)
    plays = serializers.IntegerField(required=False, help_text=RICH)
    likes_count = serializers.IntegerField(required=False, help_text=RICH)
    description = serializers.CharField(allow_null=True, required=False, help_text=RICH)
    release_date = serializers.DateField(allow_null=True, required=False, help_text=RICH)
    visibility = serializers.CharField(required=False, help_text=RICH)
    number = serializers.IntegerField(allow_null=True, required=False, help_text=RICH)
    updated_at = serializers.DateTimeField(required=False, help_text=RICH)
    album_id = serializers.IntegerField(allow_null=True, required=False, help_text=RICH)
    genres = GenreOut(many=True, required=False, help_text=RICH)
    tags = TagOut(many=True, required=False, help_text=RICH)
    is_liked = serializers.BooleanField(required=False, help_text=RICH)
    price = serializers.FloatField(
        allow_null=True,
        required=False,
        help_text="What the exclusive sells for while it can be bought, else null. " + RICH,
    )
    currency = serializers.CharField(required=False, help_text="ISO 4217. " + RICH)
    licensing_type = serializers.ChoiceField(
        choices=("non_exclusive", "exclusive_available"), required=False, help_text=RICH
    )
    exclusive_status = serializers.ChoiceField(
        choices=("available", "pending", "sold"), required=False, help_text=RICH
    )
    exclusive_price = serializers.FloatField(allow_null=True, required=False, help_text=RICH)
    has_stems = serializers.BooleanField(
        required=False,
        help_text=RICH + " The producer uploaded stems (delivered with the exclusive).",
    )
    album = AlbumRef(allow_null=True, required=False, help_text="With `with=album`.")


class AlbumOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model_type = serializers.CharField(default="album")
    image = serializers.CharField(allow_null=True)
    release_date = serializers.DateField(allow_null=True)
    artists = ArtistRef(many=True)
    description = serializers.CharField(allow_null=True, required=False, help_text=RICH)
    plays = serializers.IntegerField(required=False, help_text=RICH)
    likes_count = serializers.IntegerField(required=False, help_text=RICH)
    created_at = serializers.DateTimeField(required=False, help_text=RICH)
    updated_at = serializers.DateTimeField(required=False, help_text=RICH)
    is_liked = serializers.BooleanField(required=False, help_text=RICH)
    tracks = TrackOut(many=True, required=False, help_text="Album detail only.")
    genres = GenreOut(many=True, required=False, help_text="Album detail with `with=genres`.")
    tags = TagOut(many=True, required=False, help_text="Album detail with `with=tags`.")


class LinkOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.URLField()


class ArtistOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model_type = serializers.CharField(default="artist")
    image_small = serializers.CharField(allow_null=True, required=False, help_text=RICH)
    bio = serializers.CharField(allow_null=True, required=False, help_text=RICH)
    verified = serializers.BooleanField(required=False, help_text=RICH)
    likes_count = serializers.IntegerField(required=False, help_text=RICH)
    created_at = serializers.DateTimeField(required=False, help_text=RICH)
    is_liked = serializers.BooleanField(required=False, help_text=RICH)
    links = LinkOut(many=True, required=False, help_text=RICH)
    top_tracks = TrackOut(many=True, required=False, help_text="With `with=topTracks`.")
    albums = AlbumOut(many=True, required=False, help_text="With `with=albums`.")
    genres = GenreOut(many=True, required=False, help_text="With `with=genres`.")
    pinned_track = TrackOut(allow_null=True, required=False, help_text="Detail only (credits).")


def resource_schemas(
    name: str,
    key: str,
    item,
    input_serializer,
    *,
    deletable: bool = True,
    delete_conflict: str | None = None,
):
    """``extend_schema_view`` entries shared by the catalog viewsets: detail, writes and like.
    ``delete_conflict``: when deleting can be refused with a 409, what it means."""
    one = envelope(name, key, item)
    schemas = {
        "retrieve": extend_schema(parameters=[ID_PATH, WITH_PARAM], responses=one),
        "create": extend_schema(request=input_serializer, responses={201: one}),
        "update": extend_schema(parameters=[ID_PATH], request=input_serializer, responses=one),
        "partial_update": extend_schema(
            parameters=[ID_PATH], request=input_serializer, responses=one
        ),
        "like": extend_schema(
            request=None,
            parameters=[ID_PATH],
            responses=status_only(
                f"{name}LikeResult",
                is_liked=serializers.BooleanField(),
                likes_count=serializers.IntegerField(),
            ),
        ),
    }
    if deletable:
        deleted = status_only(f"{name}sDeleted", deleted=serializers.IntegerField())
        if delete_conflict:
            deleted = {200: deleted, **errors(409, e409=delete_conflict)}
        schemas["destroy"] = extend_schema(parameters=[IDS_PATH], responses=deleted)
    return schemas
