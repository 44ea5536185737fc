"""OpenAPI-only declarations of the analytics bodies (runtime output is built by selectors)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from content.analytics import periods
from content.analytics.models import PlaySource

TAG_PLAYS = "Track Plays"
TAG_INSIGHTS = "Insights"
TAG_PRODUCER = "Producer Intelligence"

TRACK_PATH = OpenApiParameter("track_id", int, OpenApiParameter.PATH, description="Track id.")
ALBUM_PATH = OpenApiParameter("album_id", int, OpenApiParameter.PATH, description="Album id.")
ARTIST_PATH = OpenApiParameter("artist_id", int, OpenApiParameter.PATH, description="Artist id.")
OBJECT_PATH = OpenApiParameter(
    "object_id", int, OpenApiParameter.PATH, description="Id of the track, album or artist."
)
KIND_PATH = OpenApiParameter(
    "kind", str, OpenApiParameter.PATH, enum=["tracks", "albums", "artists"],
    description="What the id is.",
)  # fmt: skip
ACHIEVEMENT_PATH = OpenApiParameter(
    "key", str, OpenApiParameter.PATH, description="Achievement id or slug."
)
PERIOD_PARAM = OpenApiParameter(
    "period",
    str,
    enum=list(periods.PERIOD_DAYS),
    description="Days ending today (analytics timezone), compared with as many days before. "
    "Default 30-days.",
)
TIMEFRAME_PARAM = OpenApiParameter(
    "timeframe",
    str,
    enum=list(periods.TIMEFRAME_DAYS),
    description="Chart range: one zero-filled point per day. Default 30d.",
)
ARTIST_PARAM = OpenApiParameter(
    "artist_id",
    int,
    description="The artist profile to report on (one you manage; any for staff). "
    "Default: your first artist profile.",
)

PlayStartedOut = inline_serializer(
    "PlayStarted",
    {
        "status": serializers.CharField(default="success"),
        "play_id": serializers.IntegerField(
            allow_null=True,
            help_text="Send it to update-duration. Null when the play does not count (your "
            "own track, or staff).",
        ),
        "counted": serializers.BooleanField(
            help_text="True when this call recorded a new play; false for a replay inside the "
            "dedupe window (the earlier play's id is returned) and for plays that do not count."
        ),
    },
)

PlayProgressOut = inline_serializer(
    "PlayProgress",
    {
        "status": serializers.CharField(default="success"),
        "play_id": serializers.IntegerField(),
        "listened_ms": serializers.IntegerField(help_text="Never lower than before."),
        "completed": serializers.BooleanField(help_text="At least 80 % of the track heard."),
    },
)

_counts = serializers.DictField(child=serializers.IntegerField(allow_null=True))

AnalyticsOut = inline_serializer(
    "ProducerAnalytics",
    {
        "success": serializers.BooleanField(default=True),
        "data": inline_serializer(
            "ProducerAnalyticsData",
            {
                "period": serializers.ChoiceField(choices=list(periods.PERIOD_DAYS)),
                "range": serializers.DictField(child=serializers.DateField()),
                "previous_range": serializers.DictField(child=serializers.DateField()),
                "plays": _counts,
                "listeners": _counts,
                "engagement": _counts,
                "growth": serializers.DictField(
                    child=serializers.FloatField(allow_null=True),
                    help_text="Percent change from the previous period; null when it was 0.",
                ),
                "top_tracks": serializers.ListField(
                    child=serializers.DictField(), required=False, help_text="Albums, artists."
                ),
            },
        ),
    },
)

ChartOut = inline_serializer(
    "InsightsChart",
    {
        "success": serializers.BooleanField(default=True),
        "data": inline_serializer(
            "InsightsChartData",
            {
                "timeframe": serializers.CharField(),
                "timezone": serializers.CharField(),
                "range": serializers.DictField(child=serializers.DateField()),
                "labels": serializers.ListField(child=serializers.DateField()),
                "series": serializers.DictField(
                    child=serializers.ListField(child=serializers.IntegerField()),
                    help_text="plays, listeners, listen_ms, completed_plays, likes, downloads, "
                    "licenses, avg_listen_ms: one value per label.",
                ),
                "summary": serializers.DictField(),
            },
        ),
    },
)

EngagementOut = inline_serializer(
    "EngagementMetrics",
    {
        "success": serializers.BooleanField(default=True),
        "data": inline_serializer(
            "EngagementMetricsData",
            {
                "plays": serializers.IntegerField(),
                "track_duration": serializers.IntegerField(help_text="Milliseconds."),
                "avg_listen_duration": serializers.IntegerField(help_text="Milliseconds."),
                "avg_completion_rate": serializers.FloatField(help_text="Percent of the track."),
                "retention_level": serializers.ChoiceField(
                    choices=["Excellent", "Good", "Fair", "Poor"]
                ),
                "total_listen_time": serializers.IntegerField(help_text="Milliseconds."),
                "completed_listens": serializers.DictField(),
                "quality_badge": serializers.CharField(),
                "completion_breakdown": serializers.DictField(child=serializers.IntegerField()),
                "quality_score": serializers.IntegerField(allow_null=True),
                "retention_curve": serializers.ListField(
                    child=serializers.DictField(),
                    help_text="{at: percent of the track, share: percent of plays still "
                    "listening}, every 5 %.",
                ),
                "daily": serializers.ListField(child=serializers.DictField()),
            },
        ),
    },
)

DownloadsOut = inline_serializer(
    "DownloadsAnalytics",
    {
        "success": serializers.BooleanField(default=True),
        "data": inline_serializer(
            "DownloadsAnalyticsData",
            {
                "total_downloads": serializers.IntegerField(),
                "period_downloads": serializers.IntegerField(),
                "unique_downloaders": serializers.IntegerField(),
                "per_day": serializers.ListField(child=serializers.DictField()),
                "per_track": serializers.ListField(child=serializers.DictField()),
                "per_format": serializers.ListField(child=serializers.DictField()),
                "licenses": serializers.DictField(child=serializers.IntegerField()),
            },
        ),
    },
)

AchievementOut = inline_serializer(
    "Achievement",
    {
        "id": serializers.IntegerField(),
        "slug": serializers.CharField(),
        "name": serializers.CharField(),
        "description": serializers.CharField(),
        "category": serializers.CharField(),
        "rarity": serializers.ChoiceField(choices=["common", "rare", "epic", "legendary"]),
        "rarity_level": serializers.IntegerField(),
        "xp": serializers.IntegerField(),
        "unlocked": serializers.BooleanField(),
        "unlocked_at": serializers.DateTimeField(allow_null=True),
        "xp_earned": serializers.IntegerField(),
        "available": serializers.BooleanField(),
        "unlock_rate": serializers.FloatField(
            allow_null=True, help_text="Percent of producers holding it."
        ),
    },
)

AchievementsOut = inline_serializer(
    "Achievements",
    {
        "success": serializers.BooleanField(default=True),
        "data": inline_serializer(
            "AchievementsData",
            {
                "artist": serializers.DictField(),
                "achievements": AchievementOut.__class__(many=True),
                "stats": serializers.DictField(child=serializers.FloatField()),
            },
        ),
    },
)

LevelOut = inline_serializer(
    "ProducerLevel",
    {
        "success": serializers.BooleanField(default=True),
        "data": inline_serializer(
            "ProducerLevelData",
            {
                "level": serializers.IntegerField(),
                "title": serializers.CharField(),
                "xp": serializers.IntegerField(),
                "current_level_xp": serializers.IntegerField(),
                "next_level_xp": serializers.IntegerField(allow_null=True),
                "xp_to_next_level": serializers.IntegerField(allow_null=True),
                "progress_percentage": serializers.FloatField(),
                "max_level": serializers.IntegerField(),
            },
        ),
    },
)

GenericSuccessOut = inline_serializer(
    "ProducerIntelligenceBody",
    {"success": serializers.BooleanField(default=True), "data": serializers.DictField()},
)

DashboardOut = inline_serializer(
    "ProducerDashboard",
    {
        "success": serializers.BooleanField(default=True),
        "artist": serializers.DictField(),
        "xp": serializers.IntegerField(),
        "level": serializers.IntegerField(),
        "level_info": serializers.DictField(),
        "achievements": AchievementOut.__class__(many=True, help_text="Recent unlocks."),
        "stats": serializers.DictField(),
        "analytics": serializers.DictField(help_text="30-day producer analytics of the artist."),
    },
)

FormatsOut = inline_serializer(
    "ExportFormats",
    {
        "success": serializers.BooleanField(default=True),
        "formats": serializers.ListField(child=serializers.DictField()),
    },
)

SOURCES_TEXT = ", ".join(PlaySource.values)
