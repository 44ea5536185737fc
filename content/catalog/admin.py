from django.contrib import admin

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
