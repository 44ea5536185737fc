"""Plays, daily rollups and achievements.

Write path: a play is one append-only ``PlayEvent`` row (its listen duration grows while the
listener reports progress). Nothing on the request path touches a shared counter: the fold
(``content.fold_plays``, every minute) adds what changed since the last fold to
``TrackDailyStats`` and to ``Track.plays`` / ``Album.plays`` in one transaction per batch, and
records on each event what it has folded (``folded_ms``), so a re-run never counts twice.

Events and rollup rows deliberately carry no ``updated_at``: at tens of millions of rows every
byte and every index costs, and ``started_at`` is an event's creation time.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import F, Q

from beatpass.api.models import TimeStampedModel
from content.catalog.models import Artist, Track


class PlaySource(models.TextChoices):
    WEB = "web", "Web player"
    EMBED = "embed", "Embedded player"
    API = "api", "API client"
    RADIO = "radio", "Radio"
    PLAYLIST = "playlist", "Playlist"


class PlayEvent(models.Model):
    """One counted play of a track.

    ``listener`` identifies who played, for the counting rules and unique listeners: the user's
    id for signed-in listeners (positive), and for anonymous ones a negative 63-bit prefix of a
    SHA-256 over a random salt of the day, the IP address and the user agent. The salt is
    thrown away after two days (``ListenerSalt``), so nobody, not even us, can tie an old hash
    back to an address. ``day`` is ``started_at``'s date in ``ANALYTICS_TIMEZONE``.

    ``folded_ms`` is the fold's bookmark: -1 until the play has been counted in the rollups,
    then the listen time already added. The fold picks rows where it differs from
    ``listened_ms`` (a partial index holds exactly those).
    """

    UNFOLDED = -1

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    listener = models.BigIntegerField()
    source = models.CharField(max_length=8, choices=PlaySource.choices, default=PlaySource.WEB)
    started_at = models.DateTimeField()
    day = models.DateField()
    track_duration_ms = models.PositiveIntegerField(help_text="The track's duration at play time.")
    listened_ms = models.PositiveIntegerField(default=0)
    completed = models.BooleanField(default=False, help_text="Listened to at least 80 %.")
    folded_ms = models.IntegerField(default=UNFOLDED)
    folded_completed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(listened_ms__lte=F("track_duration_ms")),
                name="playevent_listened_within_track",
            ),
            models.CheckConstraint(
                condition=Q(source__in=PlaySource.values), name="playevent_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(folded_ms__gte=-1) & Q(folded_ms__lte=F("listened_ms")),
                name="playevent_folded_within_listened",
            ),
        ]
        indexes = [
            # The fold's "first play of this listener on this track that day" probe, and the
            # per-track scans of the engagement metrics (leading track_id).
            models.Index(fields=["track", "listener", "day", "id"], name="playevent_listener_day"),
            # Exactly the rows the fold still has to look at; it shrinks back after each fold.
            models.Index(
                fields=["id"],
                name="playevent_unfolded",
                condition=~Q(folded_ms=F("listened_ms")),
            ),
            models.Index(fields=["user"], name="playevent_user", condition=Q(user__isnull=False)),
            # Events arrive in time order: a BRIN index finds a day's events (backfill) at a
            # few kilobytes for millions of rows. PostgreSQL only (see the migration).
            BrinIndex(fields=["day"], name="playevent_day_brin"),
        ]

    def __str__(self) -> str:
        return f"play {self.pk} of track {self.track_id}"


class PlayGate(models.Model):
    """The last counted play per (track, listener): the dedupe window's atomic gate.

    ``INSERT … ON CONFLICT (track, listener) DO UPDATE … WHERE started_at <= now() - window``
    lets exactly one of any number of concurrent identical requests through, in one statement
    and without a lock on anything shared. Rows older than the window are deleted by the fold;
    losing them (UNLOGGED on PostgreSQL) only forgets dedupe windows already over.
    """

    track_id = models.BigIntegerField()
    listener = models.BigIntegerField()
    play_id = models.BigIntegerField()
    started_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["track_id", "listener"], name="playgate_unique"),
        ]
        indexes = [models.Index(fields=["started_at"], name="playgate_started")]

    def __str__(self) -> str:
        return f"gate {self.track_id}:{self.listener}"


class ListenerSalt(models.Model):
    """The random salt of one day for anonymous listener hashes; deleted after two days."""

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"salt of {self.day}"


class TrackDailyStats(models.Model):
    """One track on one day (``ANALYTICS_TIMEZONE``): what every analytics read sums up.

    ``plays``, ``listeners`` (distinct listeners that day), ``listen_ms`` and
    ``completed_plays`` are added by the fold; ``likes`` (likes given that day and still in
    place), ``downloads`` and ``licenses`` are recounted from their own tables for the
    recent days on every fold (``content.analytics.services.fold``).
    """

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    plays = models.PositiveIntegerField(default=0)
    listeners = models.PositiveIntegerField(default=0)
    listen_ms = models.BigIntegerField(default=0)
    completed_plays = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)
    licenses = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "track daily stats"
        constraints = [
            models.UniqueConstraint(fields=["track", "day"], name="trackdailystats_track_day"),
            models.CheckConstraint(
                condition=Q(listeners__lte=F("plays")) & Q(completed_plays__lte=F("plays")),
                name="trackdailystats_counts_consistent",
            ),
            models.CheckConstraint(condition=Q(listen_ms__gte=0), name="trackdailystats_listen"),
        ]
        indexes = [
            # The recent-days refresh of likes/downloads/licenses and platform-wide reads.
            models.Index(fields=["day"], name="trackdailystats_day"),
        ]

    def __str__(self) -> str:
        return f"track {self.track_id} on {self.day}"


class RollupBackfill(TimeStampedModel):
    """Progress of ``manage.py backfill_analytics`` over a day range, for resuming.

    Each day is rebuilt and ``last_day_done`` moved in one transaction, so an interrupted run
    resumes after the last day that committed.
    """

    first_day = models.DateField()
    last_day = models.DateField()
    last_day_done = models.DateField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["first_day", "last_day"], name="rollupbackfill_range"),
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")), name="rollupbackfill_range_order"
            ),
        ]

    def __str__(self) -> str:
        return f"backfill {self.first_day}..{self.last_day}"


# --- achievements ---------------------------------------------------------------------------------


class Rarity(models.IntegerChoices):
    COMMON = 1, "Common"
    RARE = 2, "Rare"
    EPIC = 3, "Epic"
    LEGENDARY = 4, "Legendary"


class AchievementCategory(models.TextChoices):
    UPLOAD = "upload", "Upload"
    TRENDING = "trending", "Trending"
    METADATA = "metadata", "Metadata"
    PROFILE = "profile", "Profile"
    GENRE = "genre", "Genre"
    COLLABORATION = "collaboration", "Collaboration"
    COMPOSITE = "composite", "Composite"
    EXCELLENCE = "excellence", "Excellence"
    MILESTONE = "milestone", "Milestone"
    SEASONAL = "seasonal", "Seasonal"


class Achievement(TimeStampedModel):
    """One achievement of the catalog (seeded by migration from ``achievements.CATALOG``).

    ``criteria`` is data: ``{"kind": ..., ...parameters}``, interpreted by
    ``content.analytics.services.achievements``. Name, description and XP may be edited in the
    admin; criteria are changed through the catalog and a migration.
    """

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255)
    category = models.CharField(max_length=16, choices=AchievementCategory.choices)
    rarity = models.PositiveSmallIntegerField(choices=Rarity.choices)
    xp = models.PositiveIntegerField()
    criteria = models.JSONField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name


class AchievementUnlock(models.Model):
    """An artist earned an achievement. Permanent; the unique constraint makes unlocking twice
    impossible, however many evaluations race."""

    # No index of its own: achievementunlock_unique leads with it (db_index=False).
    artist = models.ForeignKey(
        Artist, on_delete=models.CASCADE, related_name="achievement_unlocks", db_index=False
    )
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="unlocks")
    unlocked_at = models.DateTimeField()
    xp = models.PositiveIntegerField(help_text="XP awarded at unlock time.")

    class Meta:
        ordering = ("-unlocked_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["artist", "achievement"], name="achievementunlock_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.achievement_id} → artist {self.artist_id}"
