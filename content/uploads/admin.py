"""Admin for uploaded files."""

from __future__ import annotations

from django.contrib import admin

from content.uploads.models import FileEntry


@admin.register(FileEntry)
class FileEntryAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "mime", "size", "owner", "duration_ms", "created_at")
    list_filter = ("kind", "mime")
    search_fields = ("name", "sha256", "pcm_sha256", "owner__email")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = (
        "uuid",
        "sha256",
        "pcm_sha256",
        "size",
        "mime",
        "extension",
        "file",
        "duration_ms",
        "sample_rate",
        "channels",
        "bitrate",
        "width",
        "height",
        "created_at",
        "updated_at",
    )
