"""Lyrics: one text per track, plain or synced (LRC)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from beatpass.api.models import TimeStampedModel
from content.catalog.models import Track


class Lyric(TimeStampedModel):
    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="lyric")
    text = models.TextField()
    is_synced = models.BooleanField(default=False, help_text="LRC text ([mm:ss.xx] line).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-updated_at", "-id")

    def __str__(self) -> str:
        return f"Lyrics of {self.track_id}"
