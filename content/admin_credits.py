"""Admin for credit roles, credits and pinned tracks (imported from content/admin.py)."""

from django.contrib import admin

from .models import ArtistPinnedTrack, Credit, CreditRole
from .services.credits import release_key_for


@admin.register(CreditRole)
class CreditRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category", "position", "created_at")
    list_filter = ("category",)
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("position", "id")
    readonly_fields = ("created_at", "updated_at")


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "artist",
        "role",
        "release_type",
        "album_name",
        "release_date",
        "position",
        "created_at",
    )
    list_filter = (
        "role__category",
        "role",
        "release_type",
        ("artist", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "title",
        "release_artists",
        "album_name",
        "artist__name",
        "spotify_track_id",
        "spotify_album_id",
    )
    list_select_related = ("artist", "role")
    autocomplete_fields = ("artist",)
    raw_id_fields = ("created_by",)
    readonly_fields = ("release_key", "created_by", "created_at", "updated_at")
    ordering = ("artist", "position", "id")

    def save_model(self, request, obj, form, change):
        # The release identity drives the uniqueness rule; keep it in step with edits here.
        obj.release_key = release_key_for(
            spotify_track_id=obj.spotify_track_id,
            title=obj.title,
            release_artists=obj.release_artists,
        )
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ArtistPinnedTrack)
class ArtistPinnedTrackAdmin(admin.ModelAdmin):
    list_display = ("artist", "track", "pinned_by", "created_at")
    search_fields = ("artist__name", "track__name")
    list_select_related = ("artist", "track", "pinned_by")
    raw_id_fields = ("artist", "track", "pinned_by")
    readonly_fields = ("created_at", "updated_at")
