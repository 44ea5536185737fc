"""Playlists: ordered tracks, followers, editors and collaboration invitations."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from beatpass.api.models import TimeStampedModel
from content.catalog.models import Track

MAX_PLAYLISTS_PER_USER = 100
MAX_TRACKS_PER_PLAYLIST = 500
MAX_EDITORS = 10
INVITATION_TTL = timedelta(days=7)
REINVITE_COOLDOWN = timedelta(hours=24)


class Playlist(TimeStampedModel):
    # No index of its own: playlist_owner_recent leads with it (db_index=False).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists", db_index=False
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    image = models.URLField(max_length=500, blank=True)
    public = models.BooleanField(default=False)
    collaborative = models.BooleanField(default=False)
    tracks = models.ManyToManyField(Track, through="PlaylistTrack", related_name="playlists")
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PlaylistFollower",
        related_name="followed_playlists",
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PlaylistEditor",
        related_name="edited_playlists",
    )

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["public", "-created_at", "-id"], name="playlist_public_newest"),
            models.Index(fields=["owner", "-created_at"], name="playlist_owner_recent"),
        ]

    def __str__(self) -> str:
        return self.name


class PlaylistTrack(models.Model):
    """One track at one position (1..n, contiguous after every service write)."""

    # No index of its own: playlisttrack_unique_track leads with it (db_index=False).
    playlist = models.ForeignKey(
        Playlist, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    # No index of its own: playlisttrack_by_track leads with it (db_index=False).
    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="playlist_entries", db_index=False
    )
    position = models.PositiveIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ("playlist", "position")
        constraints = [
            # Deferred: a reorder or a gap-closing renumber swaps positions inside one
            # transaction; uniqueness is checked once, at commit.
            models.UniqueConstraint(
                fields=["playlist", "position"],
                name="playlisttrack_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(
                fields=["playlist", "track"], name="playlisttrack_unique_track"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="playlisttrack_position_gte_1"
            ),
        ]
        indexes = [models.Index(fields=["track"], name="playlisttrack_by_track")]

    def __str__(self) -> str:
        return f"{self.playlist_id}#{self.position}: {self.track_id}"


class PlaylistFollower(TimeStampedModel):
    # No index of its own: playlistfollower_unique leads with it (db_index=False).
    playlist = models.ForeignKey(
        Playlist, on_delete=models.CASCADE, related_name="follows", db_index=False
    )
    # No index of its own: playlistfollower_user leads with it (db_index=False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="playlist_follows",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["playlist", "user"], name="playlistfollower_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="playlistfollower_user")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.playlist_id}"


class PlaylistEditor(TimeStampedModel):
    # No index of its own: playlisteditor_unique leads with it (db_index=False).
    playlist = models.ForeignKey(
        Playlist, on_delete=models.CASCADE, related_name="editor_links", db_index=False
    )
    # No index of its own: playlisteditor_user leads with it (db_index=False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="playlist_editor_links",
        db_index=False,
    )

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["playlist", "user"], name="playlisteditor_unique"),
        ]
        indexes = [models.Index(fields=["user"], name="playlisteditor_user")]

    def __str__(self) -> str:
        return f"{self.user_id} edits {self.playlist_id}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    REMOVED = "removed", "Removed"


class PlaylistInvitation(TimeStampedModel):
    """An invitation to edit a collaborative playlist.

    ``pending`` until the invitee accepts or declines, ``expires_at`` passes (swept to
    ``expired``; accept checks the time itself), or the owner cancels it. An accepted
    invitation turns ``removed`` when the editor is removed or leaves. The closing timestamp
    starts the 24 h re-invite cooldown.
    """

    # No index of its own: invitation_latest leads with it (db_index=False).
    playlist = models.ForeignKey(
        Playlist, on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlist_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-sent_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["playlist", "invitee"],
                condition=Q(status="pending"),
                name="playlistinvitation_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values),
                name="playlistinvitation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")),
                name="playlistinvitation_expires_after_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["playlist", "invitee", "-sent_at"], name="invitation_latest"),
            models.Index(
                fields=["expires_at"],
                condition=Q(status="pending"),
                name="invitation_pending_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee_id} → {self.playlist_id} ({self.status})"

    @property
    def closed_at(self):
        """When it stopped being pending or active (starts the re-invite cooldown)."""
        if self.status == InvitationStatus.DECLINED:
            return self.declined_at
        if self.status == InvitationStatus.EXPIRED:
            return self.expired_at or self.expires_at
        if self.status == InvitationStatus.REMOVED:
            return self.removed_at
        return None
