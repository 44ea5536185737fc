"""Chromaprint fingerprints of tracks and the inverted index used for duplicate detection.

PostgreSQL is the supported database: ``items`` and ``terms`` are ``integer[]`` columns, and
each completed fingerprint's terms are posted to ``FingerprintTerm`` (one row per term and
fingerprint, kept by a trigger): the duplicate search counts a query's shared terms per
fingerprint from that index alone. On SQLite (the ``make run`` default) the same fields are
stored as JSON text and the duplicate search falls back to a scan (see
``content/fingerprints/selectors.py``).
"""

from __future__ import annotations

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


class FingerprintTerm(models.Model):
    """A posting of the duplicate search's inverted index: ``term`` is one of the index terms
    of the fingerprint ``fingerprint_id``. On PostgreSQL a trigger on ``content_fingerprint``
    writes and deletes these rows with the fingerprint's ``terms`` (migration 0024), so every
    writer (services, bulk loads, the admin) keeps them in step; the ORM only reads them.

    The search (``fingerprint_candidates``) reads the primary key alone: each query term is one
    descent of the B-tree, and the fingerprints sharing terms are counted from the postings it
    returns, without reading any fingerprint's terms."""

    pk = models.CompositePrimaryKey("term", "fingerprint_id")
    term = models.IntegerField()
    fingerprint_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"term {self.term} of fingerprint {self.fingerprint_id}"
