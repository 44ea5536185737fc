"""Input validation for lyrics (no business logic)."""

from __future__ import annotations

from rest_framework import serializers

MAX_LYRIC_CHARS = 50_000


class LyricInput(serializers.Serializer):
    track_id = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=MAX_LYRIC_CHARS, trim_whitespace=False)
    is_synced = serializers.BooleanField(required=False, default=False)


class LyricUpdateInput(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_LYRIC_CHARS, trim_whitespace=False, required=False)
    is_synced = serializers.BooleanField(required=False)
