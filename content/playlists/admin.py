"""Admin for playlists, collaboration invitations and lyrics (imported from content/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages

from content import clock
from content.playlists import services as playlist_services
from content.playlists.models import Playlist, PlaylistEditor, PlaylistInvitation, PlaylistTrack


class PlaylistTrackInline(admin.TabularInline):
    model = PlaylistTrack
    extra = 0
    ordering = ("position",)
    raw_id_fields = ("track", "added_by")
    fields = ("position", "track", "added_by", "added_at")


class PlaylistEditorInline(admin.TabularInline):
    model = PlaylistEditor
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("created_at",)


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "public", "collaborative", "created_at", "updated_at")
    list_filter = ("public", "collaborative")
    search_fields = ("name", "owner__email", "owner__name")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "created_at"
    inlines = (PlaylistTrackInline, PlaylistEditorInline)


@admin.register(PlaylistInvitation)
class PlaylistInvitationAdmin(admin.ModelAdmin):
    list_display = ("playlist", "invitee", "invited_by", "status", "sent_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("playlist__name", "invitee__email", "invited_by__email")
    list_select_related = ("playlist", "invitee", "invited_by")
    raw_id_fields = ("playlist", "invitee", "invited_by")
    readonly_fields = (
        "status",
        "sent_at",
        "expires_at",
        "accepted_at",
        "declined_at",
        "expired_at",
        "removed_at",
        "created_at",
        "updated_at",
    )
    actions = ("expire_overdue",)

    def has_add_permission(self, request):
        return False  # invitations go through the invite service (rules, limits, notification)

    @admin.action(description="Expire overdue pending invitations now")
    def expire_overdue(self, request, queryset):
        count = playlist_services.playlist_invitations_expire(now=clock.now())
        self.message_user(request, f"{count} invitation(s) expired.", messages.SUCCESS)
