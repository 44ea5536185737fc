"""Input validation for playlists and collaboration (no business logic)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError


class PlaylistInput(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=170, trim_whitespace=True
    )
    image = serializers.URLField(required=False, allow_blank=True, allow_null=True, max_length=500)
    public = serializers.BooleanField(required=False, allow_null=True)
    collaborative = serializers.BooleanField(required=False, allow_null=True)

    def validate_description(self, value):
        # OpenAPI: "Short description (between 20 and 170 characters)"; empty clears it.
        if value and len(value) < 20:
            raise ValidationError("The description must be at least 20 characters.")
        return value or ""

    def validate_image(self, value):
        return value or ""

    def validate_public(self, value):
        return bool(value)

    def validate_collaborative(self, value):
        return bool(value)


class TrackIdsInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=500
    )


class TrackOrderInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=500
    )


class UserIdInput(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1)
