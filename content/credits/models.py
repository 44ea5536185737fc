"""Professional credits (an artist's work on external releases) and the artist's pinned track."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from beatpass.api.models import TimeStampedModel
from content.catalog.models import Artist, Track


class CreditCategory(models.TextChoices):
    PRODUCTION = "production", "Production"
    ENGINEERING = "engineering", "Engineering"
    WRITING = "writing", "Writing"
    PERFORMANCE = "performance", "Performance"
    OTHER = "other", "Other"


class CreditRole(TimeStampedModel):
    """A role an artist can claim on a release. Seeded by migration; editable in the admin."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=16, choices=CreditCategory.choices, db_index=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name


class ReleaseType(models.TextChoices):
    TRACK = "track", "Song"
    ALBUM = "album", "Album"


class Credit(TimeStampedModel):
    """One (artist, release, role). A song with two roles is two rows grouped in the output.

    ``release_key`` is the identity of the credited recording, used by the uniqueness rule:
    ``spotify:track:<id>`` when the recording is linked to Spotify (also for tracks added through an
    album), otherwise ``manual:<casefolded title>|<casefolded release artists>``. Album credits are
    per-track rows (``release_type=album``) sharing ``album_group`` (the Spotify album id).
    """

    # No index of its own: credit_artist_order leads with it (db_index=False).
    artist = models.ForeignKey(
        Artist, on_delete=models.CASCADE, related_name="credits", db_index=False
    )
    role = models.ForeignKey(CreditRole, on_delete=models.PROTECT, related_name="credits")
    release_type = models.CharField(
        max_length=5, choices=ReleaseType.choices, default=ReleaseType.TRACK
    )
    release_key = models.CharField(max_length=600, editable=False)
    title = models.CharField(max_length=255)
    release_artists = models.CharField(max_length=500, blank=True)
    album_name = models.CharField(max_length=255, blank=True)
    release_date = models.DateField(null=True, blank=True)
    cover_image_url = models.URLField(max_length=500, blank=True)
    spotify_track_id = models.CharField(max_length=64, blank=True)
    spotify_track_url = models.URLField(max_length=500, blank=True)
    spotify_album_id = models.CharField(max_length=64, blank=True)
    spotify_album_url = models.URLField(max_length=500, blank=True)
    album_group = models.CharField(
        max_length=64, blank=True, help_text="Spotify album id shared by an album's track credits."
    )
    popularity = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["artist", "release_key", "role"], name="credit_unique_release_role"
            ),
            models.CheckConstraint(
                condition=Q(release_type__in=ReleaseType.values), name="credit_release_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(release_type=ReleaseType.TRACK) | ~Q(album_group=""),
                name="credit_album_has_group",
            ),
        ]
        indexes = [models.Index(fields=["artist", "position", "id"], name="credit_artist_order")]

    def __str__(self) -> str:
        return f"{self.title} ({self.role_id})"


class ArtistPinnedTrack(TimeStampedModel):
    """The one track an artist features on top of their discography (OneToOne = at most one)."""

    artist = models.OneToOneField(Artist, on_delete=models.CASCADE, related_name="pinned")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="pins")
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.artist_id} → {self.track_id}"
