"""OpenAPI-only declarations for the placements endpoints."""

from __future__ import annotations

from rest_framework import serializers

from recon.models import ScanStatus


class PlacementOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    artist_name = serializers.CharField()
    album_name = serializers.CharField()
    release_date = serializers.DateField(allow_null=True)
    confidence_score = serializers.IntegerField(min_value=90, max_value=100)
    spotify_url = serializers.URLField(allow_null=True)
    youtube_url = serializers.URLField(allow_null=True)
    deezer_url = serializers.URLField(allow_null=True)
    created_at = serializers.DateTimeField()


class PlacementsOut(serializers.Serializer):
    placements = PlacementOut(many=True)
    scan_status = serializers.ChoiceField(choices=ScanStatus.choices, allow_null=True)
    scanned_at = serializers.DateTimeField(allow_null=True)
    total_count = serializers.IntegerField()
    artist_verified = serializers.BooleanField()


class RescanOut(serializers.Serializer):
    message = serializers.CharField()
    scan_status = serializers.ChoiceField(choices=ScanStatus.choices, allow_null=True)
    scanned_at = serializers.DateTimeField(allow_null=True)
    requested_at = serializers.DateTimeField()
