"""Request validation for plays, analytics reads and exports (no business logic)."""

from __future__ import annotations

from rest_framework import serializers

from content.analytics import periods
from content.analytics.models import PlaySource

MAX_ID = 2**62
# A listen longer than a day is a client bug; the service clamps to the track's duration anyway.
MAX_LISTENED_MS = 24 * 3600 * 1000


class PlayStartInput(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=PlaySource.values,
        default=PlaySource.WEB,
        help_text="Where the play happens: " + ", ".join(PlaySource.values) + ".",
    )


class UpdateDurationInput(serializers.Serializer):
    play_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    listened_ms = serializers.IntegerField(
        min_value=0,
        max_value=MAX_LISTENED_MS,
        help_text="How much of the track was heard so far, in milliseconds.",
    )


class PlayLogInput(serializers.Serializer):
    source = serializers.ChoiceField(choices=PlaySource.values, default=PlaySource.WEB)
    listened_ms = serializers.IntegerField(min_value=0, max_value=MAX_LISTENED_MS, default=0)


class PeriodQuery(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=list(periods.PERIOD_DAYS), default=periods.DEFAULT_PERIOD
    )


class EngagementQuery(serializers.Serializer):
    period = serializers.ChoiceField(choices=[*periods.PERIOD_DAYS, "all"], default="all")


class DownloadsQuery(serializers.Serializer):
    period = serializers.ChoiceField(choices=[*periods.PERIOD_DAYS, "all"], default="30-days")


class ChartQuery(serializers.Serializer):
    timeframe = serializers.ChoiceField(
        choices=list(periods.TIMEFRAME_DAYS), default=periods.DEFAULT_TIMEFRAME
    )


class ArtistQuery(serializers.Serializer):
    artist_id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="The artist profile to speak about (default: your first one).",
    )


SCOPE_ALIASES = {"tracks": "track", "albums": "album", "artists": "artist"}
# Named for OpenAPI in settings (ENUM_NAME_OVERRIDES): other "type" fields have other choices.
EXPORT_TYPES = ["track", "album", "artist", "tracks", "albums", "artists"]


class ExportInput(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=EXPORT_TYPES,
        default="artist",
        help_text="What to export: a track, an album or an artist's whole catalog.",
    )
    id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="Its id; for an artist, defaults to your first artist profile.",
    )
    period = serializers.ChoiceField(
        choices=list(periods.PERIOD_DAYS), default=periods.DEFAULT_PERIOD
    )

    def validate(self, attrs):
        attrs["type"] = SCOPE_ALIASES.get(attrs["type"], attrs["type"])
        if attrs["type"] != "artist" and "id" not in attrs:
            raise serializers.ValidationError({"id": ["The id field is required."]})
        return attrs
