"""Admin for credit roles, credits and pinned tracks (imported from content/admin.py)."""

from django import forms
from django.contrib import admin

from content.credits.models import ArtistPinnedTrack, Credit, CreditRole
from content.credits.services import release_key_for


@admin.register(CreditRole)
class CreditRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category", "position", "created_at")
    list_filter = ("category",)
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("position", "id")
    readonly_fields = ("created_at", "updated_at")


class CreditAdminForm(forms.ModelForm):
    """Computes the release identity before validation, so a duplicate (artist, release, role)
    is a form error rather than an IntegrityError."""

    class Meta:
        model = Credit
        fields = (
            "artist",
            "role",
            "release_type",
            "title",
            "release_artists",
            "album_name",
            "release_date",
            "cover_image_url",
            "spotify_track_id",
            "spotify_track_url",
            "spotify_album_id",
            "spotify_album_url",
            "album_group",
            "popularity",
            "position",
        )

    def clean(self):
        data = super().clean()
        key = release_key_for(
            spotify_track_id=data.get("spotify_track_id") or "",
            title=data.get("title") or "",
            release_artists=data.get("release_artists") or "",
        )
        self.instance.release_key = key
        clash = Credit.objects.filter(
            artist=data.get("artist"), role=data.get("role"), release_key=key
        ).exclude(pk=self.instance.pk)
        if data.get("artist") and data.get("role") and clash.exists():
            raise forms.ValidationError("This artist already has this role on this release.")
        return data


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    form = CreditAdminForm
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
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ArtistPinnedTrack)
class ArtistPinnedTrackAdmin(admin.ModelAdmin):
    """Read and remove only: pinning goes through the API's rules (public, credited track)."""

    list_display = ("artist", "track", "pinned_by", "created_at")
    search_fields = ("artist__name", "track__name")
    list_select_related = ("artist", "track", "pinned_by")
    raw_id_fields = ("artist", "track", "pinned_by")
    readonly_fields = ("created_at", "updated_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
