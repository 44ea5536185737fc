"""Chromaprint fingerprints of tracks and the inverted index used for duplicate detection.

PostgreSQL is the supported database: ``items`` and ``terms`` are ``integer[]`` columns and
``terms`` carries a GIN index with intarray's ``gin__int_ops`` (the AcoustID design). On SQLite
(the ``make run`` default) the same fields are stored as JSON text and the duplicate search falls
back to a scan (see ``content/fingerprints/selectors.py``).
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from beatpass.api.models import PortableArrayField, TimeStampedModel


class IntArrayField(PortableArrayField):
    """``integer[]`` on PostgreSQL; a JSON list in a text column on any other database."""

    element_field = models.IntegerField
    element = staticmethod(int)


class Fingerprint(TimeStampedModel):
    """One per track. The status machine: pending → processing → completed | failed.

    ``failed`` → pending again through a retry; a row stuck in ``processing`` is re-queued by the
    sweeper. ``source_sha256`` is the SHA-256 of the audio file the result was computed from, so a
    result for audio that has since been replaced is never stored.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    track = models.OneToOneField(
        "content.Track", on_delete=models.CASCADE, related_name="fingerprint"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    items = IntArrayField(null=True, blank=True, help_text="Chromaprint raw fingerprint (int32).")
    tuned_items = IntArrayField(
        null=True, blank=True, help_text="Fingerprint of the audio retuned to A440 (fpmatch)."
    )
    duration = models.FloatField(null=True, blank=True, help_text="Seconds of audio analysed.")
    hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the fingerprint.")
    terms = IntArrayField(default=list, blank=True, help_text="Index terms (see fpmatch).")
    source_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    fingerprinted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # OpClass("terms", ...) renders as an expression index (("terms" gin__int_ops)),
            # which PostgreSQL rejects; ``opclasses`` renders the plain column form.
            GinIndex(fields=["terms"], opclasses=["gin__int_ops"], name="fingerprint_terms_gin"),
            models.Index(
                fields=["started_at"],
                name="fingerprint_processing",
                condition=Q(status="processing"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | (Q(items__isnull=False) & ~Q(hash="")),
                name="fingerprint_completed_has_items",
            ),
        ]

    def __str__(self) -> str:
        return f"Fingerprint of track {self.track_id} ({self.status})"
