"""Audio Recon in the admin: the reference catalog, scans (with a rescan action), matches."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from recon import selectors, services
from recon.models import Match, ReferenceRecording, TrackScan


def _links(recording: ReferenceRecording):
    links = [
        (label, url)
        for label, url in (
            ("Spotify", recording.spotify_url),
            ("YouTube", recording.youtube_url),
            ("Deezer", recording.deezer_url),
        )
        if url
    ]
    return (
        format_html_join(
            " · ",
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
            ((url, label) for label, url in links),
        )
        or "—"
    )


@admin.register(ReferenceRecording)
class ReferenceRecordingAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "artist_name",
        "source",
        "isrc",
        "release_date",
        "landmark_count",
        "ingested_at",
    )
    list_filter = ("source", ("ingested_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "artist_name", "album_name", "isrc", "external_id")
    readonly_fields = (
        "matcher",
        "landmark_count",
        "ingested_at",
        "duration",
        "created_at",
        "updated_at",
        "links",
    )
    show_full_result_count = False  # the catalog is meant to hold millions of rows

    @admin.display(description="Links")
    def links(self, obj):
        return _links(obj)


@admin.register(TrackScan)
class TrackScanAdmin(admin.ModelAdmin):
    list_display = (
        "track",
        "status",
        "scanned_at",
        "finished_at",
        "attempts",
        "requested_at",
        "short_error",
    )
    list_filter = ("status",)
    list_select_related = ("track",)
    search_fields = ("track__name",)
    raw_id_fields = ("track",)
    readonly_fields = (
        "status",
        "scanned_at",
        "started_at",
        "finished_at",
        "attempts",
        "last_error",
        "requested_at",
        "source_sha256",
        "landmark_count",
        "created_at",
        "updated_at",
    )
    actions = ["rescan"]

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description="Rescan now (queue a scan of the selected tracks)")
    def rescan(self, request, queryset):
        queued = skipped = 0
        for scan in queryset.select_related("track"):
            if selectors.track_is_eligible(track_id=scan.track_id):
                services.scan_request(track=scan.track)
                queued += 1
            else:
                skipped += 1
        self.message_user(
            request,
            f"{queued} scan(s) queued, {skipped} ineligible track(s).",
            messages.SUCCESS if queued else messages.WARNING,
        )


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ("track", "recording", "confidence", "votes", "offset", "created_at")
    list_filter = ("confidence",)
    list_select_related = ("track", "recording")
    search_fields = ("track__name", "recording__title", "recording__artist_name")
    raw_id_fields = ("track", "recording")
    readonly_fields = (
        "confidence",
        "votes",
        "offset",
        "links",
        "beat_player",
        "created_at",
        "updated_at",
    )

    @admin.display(description="Listen on")
    def links(self, obj):
        return _links(obj.recording)

    @admin.display(description="Beat excerpt")
    def beat_player(self, obj):
        entry = obj.track.file
        if entry is None:
            return "—"
        # The beat from the matched part: the recording's excerpt starts at offset (≥ 0) in it.
        start = max(0.0, -obj.offset)
        return format_html(
            '<audio controls preload="none" src="{}#t={}"></audio>', entry.file.url, f"{start:.1f}"
        )
