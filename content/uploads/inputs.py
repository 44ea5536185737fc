"""Input validation for uploads (no business logic)."""

from __future__ import annotations

from rest_framework import serializers


class UploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
