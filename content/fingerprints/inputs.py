"""Input validation for fingerprint endpoints (no business logic)."""

from __future__ import annotations

from rest_framework import serializers

MAX_TRACK_IDS = 100


class CheckDuplicatesInput(serializers.Serializer):
    file_entry_id = serializers.IntegerField(required=False, min_value=1)
    track_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=MAX_TRACK_IDS,
    )

    def validate(self, attrs):
        if ("file_entry_id" in attrs) == ("track_ids" in attrs):
            raise serializers.ValidationError(
                {"file_entry_id": ["Send either file_entry_id or track_ids."]}
            )
        return attrs
