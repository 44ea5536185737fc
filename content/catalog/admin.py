from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.shortcuts import redirect
from django.urls import reverse

from beatpass.api.errors import ApplicationError
from content.catalog.models import (
    Album,
    AlbumArtist,
    AlbumLike,
    Artist,
    ArtistLike,
    ArtistLink,
    Genre,
    Tag,
    Track,
    TrackArtist,
    TrackLike,
)


class TrackArtistInline(admin.TabularInline):
    model = TrackArtist
    extra = 0
    autocomplete_fields = ("artist",)


class AlbumArtistInline(admin.TabularInline):
    model = AlbumArtist
    extra = 0
    autocomplete_fields = ("artist",)


class ArtistLinkInline(admin.TabularInline):
    model = ArtistLink
    extra = 0


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ("name", "verified", "likes_count", "created_at")
    list_filter = ("verified",)
    search_fields = ("name",)
    autocomplete_fields = ("managers",)
    readonly_fields = ("likes_count", "created_at", "updated_at")
    inlines = (ArtistLinkInline,)


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("name", "release_date", "plays", "likes_count", "created_at")
    list_filter = ("genres",)
    search_fields = ("name", "artists__name")
    autocomplete_fields = ("genres", "tags")
    date_hierarchy = "created_at"
    readonly_fields = ("plays", "likes_count", "created_by", "created_at", "updated_at")
    inlines = (AlbumArtistInline,)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "album",
        "bpm",
        "key",
        "scale",
        "visibility",
        "plays",
        "likes_count",
        "created_at",
    )
    list_filter = ("visibility", "scale", "key", "genres")
    search_fields = ("name", "artists__name", "album__name")
    list_select_related = ("album",)
    autocomplete_fields = ("album", "genres", "tags")
    raw_id_fields = ("file",)
    readonly_fields = ("plays", "likes_count", "duration", "created_by", "created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = (TrackArtistInline,)

    # Deleting goes through ``tracks_delete`` as a producer's delete does (the admin is not a
    # takedown, which is the API's staff DELETE): a track sold exclusively or being paid for
    # is refused, and the stems' and audio files leave storage once the delete commits.

    def _refusal(self, tracks) -> str | None:
        from content.commerce.services.purchases import tracks_delete_refusal

        refusal = tracks_delete_refusal(tracks=tracks)
        if refusal is None:
            return None
        names = ", ".join(f"“{t.name}”" for t in tracks if t.pk in refusal.extra["track_ids"])
        return f"{names}: {refusal.message}"

    def delete_view(self, request, object_id, extra_context=None):
        track = self.get_object(request, unquote(object_id))
        refusal = self._refusal([track]) if track is not None else None
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return redirect(reverse("admin:content_track_change", args=[track.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            description = actions["delete_selected"][2]
            actions["delete_selected"] = (
                type(self).delete_selected_tracks,
                "delete_selected",
                description,
            )
        return actions

    def delete_selected_tracks(self, request, queryset):
        refusal = self._refusal(list(queryset))
        if refusal:
            self.message_user(request, f"Nothing was deleted. {refusal}", messages.ERROR)
            return None
        return delete_selected(self, request, queryset)

    def delete_model(self, request, obj):
        self._delete(request, [obj.pk])

    def delete_queryset(self, request, queryset):
        self._delete(request, list(queryset.values_list("pk", flat=True)))

    def _delete(self, request, ids) -> None:
        from content.catalog.services import tracks_delete

        try:
            tracks_delete(user=request.user, ids=ids, visible=Track.objects.all(), takedown=False)
        except ApplicationError as exc:  # a buyer's hold landed since the confirmation page
            self.message_user(request, f"Nothing was deleted. {exc.message}", messages.ERROR)


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "display_name", "created_at")
    search_fields = ("name", "display_name")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


class LikeAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(TrackLike)
class TrackLikeAdmin(LikeAdmin):
    list_display = ("user", "track", "created_at")
    list_select_related = ("user", "track")
    raw_id_fields = ("user", "track")


@admin.register(AlbumLike)
class AlbumLikeAdmin(LikeAdmin):
    list_display = ("user", "album", "created_at")
    list_select_related = ("user", "album")
    raw_id_fields = ("user", "album")


@admin.register(ArtistLike)
class ArtistLikeAdmin(LikeAdmin):
    list_display = ("user", "artist", "created_at")
    list_select_related = ("user", "artist")
    raw_id_fields = ("user", "artist")
