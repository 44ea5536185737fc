"""Audio Recon: the reference catalog, its landmark index, per-track scan state and matches.

The two landmark tables (``recon_reference_landmark``: hashes of released songs;
``recon_track_landmark``: hashes of our beats, so a newly ingested song can be matched against
the catalog without decoding every beat again) are plain (hash, owner id, time) rows, created by
the migration's SQL — range-partitioned on the hash on PostgreSQL — and written with COPY.
They are not Django
models: nothing reads them through the ORM, and a model would invite per-row saves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from beatpass.api.models import TimeStampedModel

STORE_THRESHOLD = 80  # help page: matches below 80 are not kept
DISPLAY_THRESHOLD = 90  # seed: the placements endpoint returns 90+

REFERENCE_LANDMARK_TABLE = "recon_reference_landmark"
TRACK_LANDMARK_TABLE = "recon_track_landmark"


class ReferenceSource(models.TextChoices):
    LOCAL = "local", "Local files"
    SPOTIFY = "spotify", "Spotify"
    DEEZER = "deezer", "Deezer"
    YOUTUBE = "youtube", "YouTube"


class ReferenceRecording(TimeStampedModel):
    """A released song the beats are looked for in. ``ingested_at`` is set once its landmarks
    are in the index (a recording without it is skipped by scans and re-ingested on resume)."""

    title = models.CharField(max_length=255)
    artist_name = models.CharField(max_length=255, blank=True)
    album_name = models.CharField(max_length=255, blank=True)
    release_date = models.DateField(null=True, blank=True)
    isrc = models.CharField(max_length=12, blank=True, db_index=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    # No index of its own: recon_reference_unique_external leads with it (db_index=False).
    source = models.CharField(max_length=8, choices=ReferenceSource.choices, db_index=False)
    external_id = models.CharField(
        max_length=128, help_text="Id at the source (file name for local files)."
    )
    spotify_url = models.URLField(max_length=500, blank=True)
    youtube_url = models.URLField(max_length=500, blank=True)
    deezer_url = models.URLField(max_length=500, blank=True)
    matcher = models.CharField(max_length=32, blank=True, help_text="Matcher that indexed it.")
    landmark_count = models.PositiveIntegerField(default=0)
    ingested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="recon_reference_unique_external"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ReferenceSource.values), name="recon_reference_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artist_name} – {self.title}" if self.artist_name else self.title


class ScanStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    COMPLETE = "complete", "Complete"
    NO_RESULTS = "no_results", "No results"
    FAILED = "failed", "Failed"


class TrackScan(TimeStampedModel):
    """Scan state of one track. ``status`` is null until the first scan starts.

    ``scanned_at`` is the latest attempt's start (the rolling schedule reads it); a worker claims
    the row with ``SELECT … FOR UPDATE SKIP LOCKED`` and holds the lock for the whole scan, so a
    second worker skips the track, and a killed worker's lock dies with its connection (the row
    then still says ``processing`` with an old ``started_at`` and is due again)."""

    track = models.OneToOneField("content.Track", on_delete=models.CASCADE, related_name="recon")
    status = models.CharField(max_length=10, choices=ScanStatus.choices, null=True, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField(
        null=True, blank=True, help_text="A rescan asked for (API/admin); due at the next run."
    )
    source_sha256 = models.CharField(
        max_length=64, blank=True, help_text="Audio the track's landmarks were computed from."
    )
    landmark_count = models.PositiveIntegerField(default=0)
    matcher = models.CharField(
        max_length=32, blank=True, help_text="Matcher that computed the stored landmarks."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__isnull=True) | Q(status__in=ScanStatus.values),
                name="recon_scan_status_valid",
            ),
        ]
        indexes = [
            # The rolling schedule: oldest (or never) scanned first.
            models.Index(fields=["scanned_at"], name="recon_scan_due"),
        ]

    def __str__(self) -> str:
        return f"scan of track {self.track_id} ({self.status})"


class Match(TimeStampedModel):
    """A reference recording that contains the track's audio, at ``confidence`` ≥ 80.
    ``offset`` (seconds) is where the beat's time 0 falls in the recording."""

    # No index of its own: recon_match_by_track leads with it (db_index=False).
    track = models.ForeignKey(
        "content.Track", on_delete=models.CASCADE, related_name="placements", db_index=False
    )
    recording = models.ForeignKey(
        ReferenceRecording, on_delete=models.CASCADE, related_name="matches"
    )
    confidence = models.PositiveSmallIntegerField()
    votes = models.PositiveIntegerField()
    offset = models.FloatField()

    class Meta:
        ordering = ("-confidence", "-id")
        constraints = [
            models.UniqueConstraint(fields=["track", "recording"], name="recon_match_unique"),
            models.CheckConstraint(
                condition=Q(confidence__gte=STORE_THRESHOLD, confidence__lte=100),
                name="recon_match_confidence_range",
            ),
        ]
        indexes = [
            models.Index(fields=["track", "-confidence", "-id"], name="recon_match_by_track"),
        ]

    def __str__(self) -> str:
        return f"track {self.track_id} ⊂ recording {self.recording_id} ({self.confidence})"


class MatchNotice(models.Model):
    """One row per (match, producer user) notified: the database makes notifications
    once-only, whatever retries or concurrent scans do."""

    # No index of its own: recon_notice_unique leads with it (db_index=False).
    match = models.ForeignKey(
        Match, on_delete=models.CASCADE, related_name="notices", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "user"], name="recon_notice_unique"),
        ]

    def __str__(self) -> str:
        return f"notice of match {self.match_id} → user {self.user_id}"


class CommonHash(models.Model):
    """A landmark hash posted more than ``recon.matching.common_threshold`` times in the
    reference index: scans (and the matching of new recordings) skip it. Rebuilt whole by
    ``recon.store.refresh_common_hashes`` (daily; ``manage.py recon_common_hashes``)."""

    hash = models.IntegerField(primary_key=True)
    postings = models.BigIntegerField()

    class Meta:
        db_table = "recon_common_hash"

    def __str__(self) -> str:
        return f"hash {self.hash} ({self.postings} postings)"


class RecordingPeaks(models.Model):
    """The spectral peaks a reference recording's landmarks were made of, packed
    (``recon.matching.verify``: 4 bytes a peak, ~36 a second): what a scan's verification stage
    checks a beat against. One row per recording, written with its landmarks; a recording
    indexed before peaks were kept has none and is scored by its votes alone."""

    recording = models.OneToOneField(
        ReferenceRecording, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"peaks of recording {self.recording_id}"


class TrackPeaks(models.Model):
    """A scanned track's (dense) peaks, so that a newly ingested recording is verified against
    the beats without decoding them: the ``TrackScan`` writes it with the track's landmarks."""

    track = models.OneToOneField(
        "content.Track", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"peaks of track {self.track_id}"
