"""Admin for analytics: read-only play events and rollups, the achievement catalog (names,
descriptions and XP editable) and unlocks. Actions call the same services as the tasks."""

from __future__ import annotations

from django.contrib import admin, messages

from content.analytics.models import (
    Achievement,
    AchievementUnlock,
    PlayEvent,
    RollupBackfill,
    TrackDailyStats,
)
from content.analytics.services.achievements import achievements_evaluate


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the fold and the services only: viewing, never editing by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlayEvent)
class PlayEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "track", "source", "started_at", "listened_ms", "completed", "folded_ms")
    list_filter = ("source", "completed")
    search_fields = ("track__name",)
    list_select_related = ("track",)
    raw_id_fields = ("track", "user")
    readonly_fields = (
        "track", "user", "listener", "source", "started_at", "day", "track_duration_ms",
        "listened_ms", "completed", "folded_ms", "folded_completed",
    )  # fmt: skip
    show_full_result_count = False  # no count(*) over millions of events per page view


@admin.register(TrackDailyStats)
class TrackDailyStatsAdmin(ReadOnlyAdmin):
    list_display = (
        "track", "day", "plays", "listeners", "listen_ms", "completed_plays", "likes",
        "downloads", "licenses",
    )  # fmt: skip
    list_filter = ("day",)
    search_fields = ("track__name",)
    list_select_related = ("track",)
    raw_id_fields = ("track",)
    readonly_fields = (
        "track", "day", "plays", "listeners", "listen_ms", "completed_plays", "likes",
        "downloads", "licenses",
    )  # fmt: skip
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(RollupBackfill)
class RollupBackfillAdmin(ReadOnlyAdmin):
    list_display = ("first_day", "last_day", "last_day_done", "finished_at", "created_at")
    list_filter = ("finished_at",)
    search_fields = ("first_day",)
    readonly_fields = ("first_day", "last_day", "last_day_done", "finished_at", "created_at")


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "rarity", "xp", "position")
    list_filter = ("category", "rarity")
    search_fields = ("name", "slug", "description")
    readonly_fields = ("slug", "category", "rarity", "criteria", "created_at", "updated_at")
    ordering = ("position",)

    def has_add_permission(self, request):
        return False  # the catalog comes from content/analytics/achievements.py


@admin.register(AchievementUnlock)
class AchievementUnlockAdmin(ReadOnlyAdmin):
    list_display = ("achievement", "artist", "unlocked_at", "xp")
    list_filter = ("achievement__category", "achievement__rarity")
    search_fields = ("artist__name", "achievement__name")
    list_select_related = ("achievement", "artist")
    raw_id_fields = ("artist", "achievement")
    readonly_fields = ("artist", "achievement", "unlocked_at", "xp")
    actions = ("evaluate_artists",)

    @admin.action(description="Evaluate achievements of these artists now")
    def evaluate_artists(self, request, queryset):
        artist_ids = sorted(set(queryset.values_list("artist_id", flat=True)))
        unlocked = achievements_evaluate(artist_ids=artist_ids)
        self.message_user(request, f"{len(unlocked)} new unlock(s).", messages.SUCCESS)
