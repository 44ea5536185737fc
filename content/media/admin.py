"""Admin for the audio pipeline: waveform status rows and download events."""

from django.contrib import admin, messages

from content.media.models import Download, TrackWaveform
from content.media.services.waveforms import waveform_schedule


@admin.register(TrackWaveform)
class TrackWaveformAdmin(admin.ModelAdmin):
    list_display = ("track", "status", "attempts", "buckets", "started_at", "completed_at")
    list_filter = ("status",)
    search_fields = ("track__name", "error")
    list_select_related = ("track",)
    raw_id_fields = ("track", "source_file")
    readonly_fields = (
        "status", "source_file", "buckets", "error", "attempts", "started_at", "completed_at",
        "created_at", "updated_at",
    )  # fmt: skip
    exclude = ("peaks",)
    actions = ("recompute",)

    @admin.action(description="Recompute the waveform")
    def recompute(self, request, queryset):
        count = 0
        for track_id in queryset.values_list("track_id", flat=True):
            if waveform_schedule(track_id=track_id, force=True) is not None:
                count += 1
        self.message_user(request, f"{count} waveform(s) queued.", messages.SUCCESS)


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = ("track", "user", "created_at")
    list_select_related = ("track", "user")
    raw_id_fields = ("track", "user")
    readonly_fields = ("track", "user", "ip_hash", "created_at", "updated_at")
    date_hierarchy = "created_at"
