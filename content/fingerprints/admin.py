"""Admin for fingerprints: read-only results; actions call the same services as the API."""

from __future__ import annotations

from django.contrib import admin, messages

from content.fingerprints import services
from content.fingerprints.models import Fingerprint


@admin.register(Fingerprint)
class FingerprintAdmin(admin.ModelAdmin):
    list_display = ("track", "status", "duration", "attempts", "fingerprinted_at", "error_code")
    list_filter = ("status", "error_code")
    search_fields = ("track__name", "hash")
    list_select_related = ("track",)
    raw_id_fields = ("track",)
    readonly_fields = (
        "status", "duration", "hash", "source_sha256", "error", "error_code", "attempts",
        "started_at", "fingerprinted_at", "created_at", "updated_at",
    )  # fmt: skip
    exclude = ("items", "terms")
    actions = ("regenerate",)

    @admin.action(description="Regenerate the selected fingerprints")
    def regenerate(self, request, queryset):
        for track_id in queryset.values_list("track_id", flat=True):
            services.fingerprint_request(track_id=track_id)
        messages.success(
            request, f"Fingerprint generation started for {queryset.count()} track(s)."
        )
