"""Admin for audio descriptors: see which tracks failed analysis, and queue a recomputation
(the same service the backfill command and the task use)."""

from __future__ import annotations

from django.contrib import admin, messages

from content.search import services
from content.search.models import TrackDescriptor


@admin.register(TrackDescriptor)
class TrackDescriptorAdmin(admin.ModelAdmin):
    list_display = ("track", "status", "version", "tempo", "key", "scale", "computed_at")
    list_filter = ("status", "version")
    search_fields = ("track__name",)
    list_select_related = ("track",)
    raw_id_fields = ("track", "source_file")
    readonly_fields = (
        "track", "status", "vector", "signature", "tempo", "key", "scale", "version",
        "source_file", "error", "computed_at", "created_at", "updated_at",
    )  # fmt: skip
    actions = ("recompute",)

    def has_add_permission(self, request) -> bool:
        return False  # descriptors come from audio analysis only

    @admin.action(description="Recompute the audio descriptor (queued)")
    def recompute(self, request, queryset):
        for track_id in queryset.values_list("track_id", flat=True):
            services.descriptor_schedule(track_id=track_id, force=True)
        self.message_user(request, f"{queryset.count()} descriptor(s) queued.", messages.SUCCESS)
