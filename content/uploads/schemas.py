"""OpenAPI documentation of the uploads' output."""

from __future__ import annotations

from rest_framework import serializers


class FileEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["audio", "image"])
    mime = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    duration = serializers.IntegerField(allow_null=True, help_text="Milliseconds (audio).")
    sample_rate = serializers.IntegerField(allow_null=True)
    channels = serializers.IntegerField(allow_null=True)
    bitrate = serializers.IntegerField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(allow_null=True, help_text="Images only; audio is never exposed.")
    created_at = serializers.DateTimeField()
