"""Input validation for credits and the Spotify look-ups (no business logic)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from content.credits import spotify


class SpotifyIdField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not spotify.valid_spotify_id(value):
            raise ValidationError("Must be a Spotify id (letters and digits).")
        return value


class CreditInput(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=50
    )
    spotify_track_id = SpotifyIdField(required=False)
    title = serializers.CharField(max_length=255, required=False)
    release_artists = serializers.CharField(max_length=500, required=False, allow_blank=True)
    album_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    release_date = serializers.DateField(required=False, allow_null=True)
    cover_image_url = serializers.URLField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("spotify_track_id") and not attrs.get("title"):
            raise ValidationError(
                {"title": ["The title field is required when no spotify track id is given."]}
            )
        return attrs


class AlbumCreditInput(serializers.Serializer):
    spotify_album_id = SpotifyIdField()
    roles_all = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=50, required=False, default=list
    )
    tracks = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=64), max_length=50),
        required=False,
        default=dict,
    )

    def validate_tracks(self, value):
        if len(value) > spotify.MAX_ALBUM_TRACKS:
            raise ValidationError("Too many tracks.")
        return value


class CreditUpdateInput(serializers.Serializer):
    role = serializers.CharField(max_length=64, required=False)
    title = serializers.CharField(max_length=255, required=False)
    release_artists = serializers.CharField(
        max_length=500, required=False, allow_blank=True, allow_null=True
    )
    album_name = serializers.CharField(
        max_length=255, required=False, allow_blank=True, allow_null=True
    )
    release_date = serializers.DateField(required=False, allow_null=True)
    cover_image_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, allow_null=True
    )


class ReorderInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=10000
    )


class SpotifySearchInput(serializers.Serializer):
    q = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=spotify.SEARCH_TYPES, default="track")
    page = serializers.IntegerField(min_value=1, max_value=100, default=1)
    artist_id = serializers.IntegerField(min_value=1, required=False)


class SpotifyAlbumInput(serializers.Serializer):
    id = SpotifyIdField()
    artist_id = serializers.IntegerField(min_value=1, required=False)
