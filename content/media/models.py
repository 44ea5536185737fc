"""Audio pipeline records: waveform peaks per track and download events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from beatpass.api.models import TimeStampedModel
from content.catalog.models import Track
from content.uploads.models import FileEntry


class ProcessingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class TrackWaveform(TimeStampedModel):
    """Min/max peaks of a track's audio, computed in Celery (``content.compute_waveform``).

    One row per track, upserted by the task. ``source_file`` is the audio the peaks were
    computed from: when a track's audio is replaced the row goes back to ``pending``.
    ``peaks`` is a flat ``[min_0, max_0, min_1, max_1, ...]`` list normalised to [-1, 1].
    """

    Status = ProcessingStatus

    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="waveform")
    status = models.CharField(
        max_length=10, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING
    )
    source_file = models.ForeignKey(
        FileEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    peaks = models.JSONField(null=True, blank=True)
    buckets = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProcessingStatus.COMPLETED) | Q(peaks__isnull=False),
                name="trackwaveform_completed_has_peaks",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProcessingStatus.PROCESSING) | Q(started_at__isnull=False),
                name="trackwaveform_processing_has_start",
            ),
        ]
        indexes = [
            # The sweeper looks for old rows per status.
            models.Index(fields=["status", "started_at"], name="trackwaveform_status_started"),
        ]

    def __str__(self) -> str:
        return f"waveform of track {self.track_id} ({self.status})"


class Download(TimeStampedModel):
    """One download of a track's original file. The client IP is kept only as a salted hash."""

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
    )
    ip_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["track", "-created_at"], name="download_track_recent"),
            models.Index(fields=["user", "-created_at"], name="download_user_recent"),
        ]

    def __str__(self) -> str:
        return f"download of track {self.track_id}"
