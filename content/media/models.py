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
    """One download of a track's original file, or of its stems (``format`` ``stem`` for one,
    ``stems`` for the zip of all): both count as downloads of the track (analytics, the refund
    policy's "not downloaded any files"). The client IP is kept only as a salted hash."""

    STEM = "stem"
    STEMS_ZIP = "stems"

    # No index of its own: download_track_recent leads with it (db_index=False).
    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="downloads", db_index=False
    )
    # No index of its own: download_user_recent leads with it (db_index=False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
        db_index=False,
    )
    ip_hash = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=8, blank=True, help_text="wav or mp3.")
    license = models.ForeignKey(
        "content.License",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
        help_text="The license this download was made under (none for owners and free tracks).",
    )

    class Meta:
        indexes = [
            models.Index(fields=["track", "-created_at"], name="download_track_recent"),
            models.Index(fields=["user", "-created_at"], name="download_user_recent"),
        ]

    def __str__(self) -> str:
        return f"download of track {self.track_id}"


def rendition_path(instance: AudioRendition, filename: str) -> str:
    uid = instance.source_file.uuid.hex
    return f"renditions/{uid[:2]}/{uid}.{instance.format}"


class AudioRendition(TimeStampedModel):
    """An audio file transcoded for download (MP3 320 kbps, or WAV from a FLAC/AIFF original),
    made once per source file and format by the Celery task ``content.transcode_rendition``.

    One row per (source file, format): the unique constraint means concurrent first downloads
    create one row, and the task claims it under a row lock, so the work is done once. A new
    source file (audio replaced) gets new rows; the old ones go with their file entry.
    """

    class Format(models.TextChoices):
        MP3 = "mp3", "MP3"
        WAV = "wav", "WAV"

    Status = ProcessingStatus

    # No index of its own: rendition_unique leads with it (db_index=False).
    source_file = models.ForeignKey(
        FileEntry, on_delete=models.CASCADE, related_name="renditions", db_index=False
    )
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(
        max_length=10, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING
    )
    file = models.FileField(upload_to=rendition_path, max_length=255, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_file", "format"], name="rendition_unique"),
            models.CheckConstraint(
                condition=~Q(status=ProcessingStatus.COMPLETED) | (~Q(file="") & Q(size__gt=0)),
                name="rendition_completed_has_file",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "started_at"], name="rendition_status_started"),
        ]

    def __str__(self) -> str:
        return f"{self.format} of file {self.source_file_id} ({self.status})"

    @property
    def mime(self) -> str:
        return "audio/mpeg" if self.format == self.Format.MP3 else "audio/wav"
