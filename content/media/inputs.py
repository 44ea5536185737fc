"""Input validation for the audio pipeline endpoints (no business logic)."""

from __future__ import annotations

from rest_framework import serializers

WAVE_BATCH_MAX = 100


class WaveBatchInput(serializers.Serializer):
    track_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        allow_empty=False,
        max_length=WAVE_BATCH_MAX,
    )
