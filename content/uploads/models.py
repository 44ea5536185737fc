from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from beatpass.api.models import TimeStampedModel


def upload_path(instance: FileEntry, filename: str) -> str:
    # Storage names never reuse the client's filename: no traversal, no collisions, no leaks.
    return (
        f"uploads/{instance.kind}/{instance.uuid.hex[:2]}/{instance.uuid.hex}{instance.extension}"
    )


class FileEntry(TimeStampedModel):
    """An uploaded file: audio for tracks, images for artwork. Owned by the uploader."""

    class Kind(models.TextChoices):
        AUDIO = "audio", "Audio"
        IMAGE = "image", "Image"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="file_entries"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=255, help_text="Client file name, sanitised.")
    extension = models.CharField(max_length=8)
    mime = models.CharField(max_length=64)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # SHA-256 of the decoded audio (content.audio.digest), filled by the duplicate check: the
    # same recording in another container or codec. Empty until computed, and for silence.
    pcm_sha256 = models.CharField(max_length=64, blank=True, default="")
    file = models.FileField(upload_to=upload_path, max_length=255)
    # What the cheap probe learned, so later steps need not open the file again.
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    sample_rate = models.PositiveIntegerField(null=True, blank=True)
    channels = models.PositiveSmallIntegerField(null=True, blank=True)
    bitrate = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "file entries"
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="fileentry_size_positive"),
        ]
        indexes = [
            models.Index(
                fields=["pcm_sha256"],
                name="fileentry_pcm_sha256",
                condition=~models.Q(pcm_sha256=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"
