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


class ExtractMetadataQuery(serializers.Serializer):
    """``?genre=``: the genre the producer files the track under; it steers the tempo estimate
    to the level that genre is counted at (trap at 140, not 70). Unknown genres are ignored."""

    genre = serializers.CharField(
        required=False, allow_blank=True, max_length=50, trim_whitespace=True
    )
