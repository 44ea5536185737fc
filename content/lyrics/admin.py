"""Admin for lyrics."""

from __future__ import annotations

from django.contrib import admin

from content.lyrics.models import Lyric


@admin.register(Lyric)
class LyricAdmin(admin.ModelAdmin):
    list_display = ("track", "is_synced", "created_by", "updated_at")
    list_filter = ("is_synced",)
    search_fields = ("track__name", "text")
    list_select_related = ("track", "created_by")
    raw_id_fields = ("track", "created_by")
    readonly_fields = ("created_at", "updated_at")
