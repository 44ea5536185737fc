"""Likes for tracks, albums and artists. Counters on the liked row are kept by the services."""

from django.conf import settings
from django.db import models

from .catalog import Album, Artist, Track


class LikeBase(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"like by {self.user_id}"


class TrackLike(LikeBase):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="likes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="tracklike_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="tracklike_user_recent")]


class AlbumLike(LikeBase):
    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="likes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "album"], name="albumlike_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="albumlike_user_recent")]


class ArtistLike(LikeBase):
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="likes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "artist"], name="artistlike_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="artistlike_user_recent")]
