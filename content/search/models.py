"""Search documents, the spelling vocabulary and audio descriptors.

On PostgreSQL the document tables are written by the database itself: triggers on the catalog
tables (tracks, their artists, genres and tags; albums likewise; artist, genre and tag renames)
call ``beatpass_search_track_refresh`` / ``beatpass_search_album_refresh``, which rebuild the
weighted ``tsvector`` (name A, artists B, genres and tags C, description D) and the ranking
columns in the same transaction as the change. Nothing in Python writes these rows; the SQL
lives in ``content/migrations/_search_sql.py``, installed by the ``0006_search`` migration. On
SQLite (``make run``) the tables stay empty and the simple backend reads the catalog directly.

Deleting a track or album removes its document through an ``ON DELETE CASCADE`` foreign key
that the migration adds (Django's collector is told to leave these rows alone).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Now

from beatpass.api.models import PortableArrayField, TimeStampedModel
from content.catalog.models import Album, Track
from content.uploads.models import FileEntry


class FloatArrayField(PortableArrayField):
    """``double precision[]`` on PostgreSQL; a JSON list in a text column on any other database."""

    element_field = models.FloatField
    element = staticmethod(float)


class TrackDocument(models.Model):
    """The search row of one track (PostgreSQL: maintained by triggers, never by Python).

    ``listed`` is false for private and exclusively-sold tracks: search and radio only ever
    read listed rows. ``popularity`` is the log-damped prior ``ln(1 + plays + 5 * likes)``
    rounded down to eighths, so counting plays rewrites this row only when popularity has grown
    by about 13 %. ``camelot`` is the key on the Camelot wheel: 1-12 for minor keys (1A-12A),
    13-24 for major keys (1B-12B).
    """

    track = models.OneToOneField(
        Track,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    document = SearchVectorField(null=True)
    name_norm = models.TextField(help_text="Lower-case, unaccented name (exact matches).")
    listed = models.BooleanField(default=False)
    popularity = models.FloatField(default=0.0)
    created_at = models.DateTimeField()
    bpm = models.SmallIntegerField(null=True)
    camelot = models.SmallIntegerField(null=True)
    main_artist_id = models.BigIntegerField(null=True)

    class Meta:
        db_table = "content_searchtrack"

    def __str__(self) -> str:
        return f"search document of track {self.track_id}"


class AlbumDocument(models.Model):
    """The search row of one album (PostgreSQL: maintained by triggers)."""

    album = models.OneToOneField(
        Album,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    document = SearchVectorField(null=True)
    name_norm = models.TextField()
    popularity = models.FloatField(default=0.0)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "content_searchalbum"

    def __str__(self) -> str:
        return f"search document of album {self.album_id}"


class SearchTerm(models.Model):
    """The spelling vocabulary: every word of names, artists, genres and tags (PostgreSQL:
    added by the same triggers). A misspelled query word is corrected against it through a
    trigram index, which stays small and fast whatever the size of the catalog. Words no
    longer used anywhere are pruned daily (``manage.py search_prune_terms``)."""

    term = models.CharField(max_length=64, primary_key=True)
    # Set by the database (the triggers insert bare terms); pruning spares young terms whose
    # documents may not be committed yet.
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        db_table = "content_searchterm"

    def __str__(self) -> str:
        return self.term


class TrackDescriptor(TimeStampedModel):
    """A compact description of how a track sounds (``content.audio.descriptor``).

    ``vector`` is L2-normalised, so the Euclidean distance between two vectors orders them as
    their cosine similarity does. On PostgreSQL the migration adds two generated columns:
    ``embedding`` (a ``cube`` of the vector: distances computed in C) and ``signature_bits``
    (``signature`` as ``bit(256)``: Hamming distances for neighbour shortlists). Computed after
    commit whenever a track's audio is set; ``source_file`` and ``version`` tell whether it is
    still current.
    """

    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="audio_descriptor")
    status = models.CharField(max_length=10, choices=Status.choices)
    vector = FloatArrayField(null=True, blank=True)
    signature = models.BinaryField(
        null=True, blank=True, help_text="256-bit SimHash of the vector (neighbour shortlists)."
    )
    tempo = models.FloatField(null=True, blank=True, help_text="Estimated BPM.")
    key = models.CharField(max_length=2, blank=True)
    scale = models.CharField(max_length=5, blank=True)
    version = models.PositiveSmallIntegerField()
    source_file = models.ForeignKey(
        FileEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(vector__isnull=False),
                name="trackdescriptor_completed_has_vector",
            )
        ]

    def __str__(self) -> str:
        return f"descriptor of track {self.track_id} ({self.status})"
