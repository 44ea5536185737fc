"""OpenAPI documentation of the lyrics' output."""

from __future__ import annotations

from rest_framework import serializers


class LyricLineOut(serializers.Serializer):
    time_ms = serializers.IntegerField()
    text = serializers.CharField()


class LyricTrackRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    model_type = serializers.CharField(default="track")


class LyricOut(serializers.Serializer):
    id = serializers.IntegerField()
    track_id = serializers.IntegerField()
    track = LyricTrackRef()
    text = serializers.CharField(help_text="Plain text, or LRC when is_synced.")
    is_synced = serializers.BooleanField()
    lines = LyricLineOut(many=True, allow_null=True, help_text="Synced lyrics only, else null.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
