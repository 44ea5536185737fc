"""The catalog: artists, albums, tracks, genres and tags."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Lower, Replace

from beatpass.api.models import TimeStampedModel
from content.search.camelot import PITCH_CLASSES
from content.uploads.models import FileEntry

KEYS = (
    "C",
    "C#",
    "Db",
    "D",
    "D#",
    "Eb",
    "E",
    "F",
    "F#",
    "Gb",
    "G",
    "G#",
    "Ab",
    "A",
    "A#",
    "Bb",
    "B",
)
BPM_MIN, BPM_MAX = 50, 200


class Scale(models.TextChoices):
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class ExclusiveStatus(models.TextChoices):
    """Where a track's exclusive sale stands (the commerce feature moves it)."""

    AVAILABLE = "available", "Available"
    PENDING = "pending", "Pending (a buyer is paying)"
    SOLD = "sold", "Sold"


class LicensingType(models.TextChoices):
    """What a track offers beyond subscription downloads (the commerce feature sells it)."""

    NON_EXCLUSIVE = "non_exclusive", "Non-exclusive only"
    EXCLUSIVE_AVAILABLE = "exclusive_available", "Exclusive available"


def squashed(expression):
    """``expression`` lower-cased without spaces, hyphens and underscores ("Hip Hop" → "hiphop"),
    as the genre and tag filters compare names."""
    for char in (" ", "-", "_"):
        expression = Replace(expression, Value(char), Value(""))
    return Lower(expression)


def squash(text: str) -> str:
    return "".join(c for c in text.lower() if c not in " -_")


class NamedQuerySet(models.QuerySet):
    def matching_any(self, names: list[str], *, fields=("name",)) -> models.QuerySet:
        """Rows whose name (or another of ``fields``) equals one of ``names`` ignoring case,
        spaces, hyphens and underscores. Genres and tags are small tables: no index needed."""
        return self.matching_squashed({squash(n) for n in names} - {""}, fields=fields)

    def matching_squashed(self, wanted, *, fields=("name",)) -> models.QuerySet:
        """``matching_any`` of names already squashed (``squash``), none of them empty."""
        condition = Q()
        for field in fields:
            condition |= Q(**{f"_squashed_{field}__in": wanted})
        return self.annotate(**{f"_squashed_{f}": squashed(F(f)) for f in fields}).filter(condition)


class GenreQuerySet(NamedQuerySet):
    def matching_any(self, names, *, fields=("name", "display_name")):
        return super().matching_any(names, fields=fields)

    def matching_squashed(self, wanted, *, fields=("name", "display_name")):
        return super().matching_squashed(wanted, fields=fields)


class Genre(TimeStampedModel):
    name = models.SlugField(max_length=64, unique=True, help_text="URL name, e.g. 'lo-fi-hip-hop'.")
    display_name = models.CharField(max_length=100)

    objects = GenreQuerySet.as_manager()

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.display_name or self.name


class Tag(TimeStampedModel):
    name = models.CharField(max_length=64, unique=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ArtistQuerySet(models.QuerySet):
    def managed_by(self, user) -> ArtistQuerySet:
        return self.filter(managers=user)


class Artist(TimeStampedModel):
    name = models.CharField(max_length=255, db_index=True)
    bio = models.TextField(blank=True)
    image = models.URLField(max_length=500, blank=True)
    verified = models.BooleanField(default=False)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="managed_artists", blank=True
    )
    likes_count = models.PositiveIntegerField(default=0)

    objects = ArtistQuerySet.as_manager()

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class ArtistLink(TimeStampedModel):
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.title


class Album(TimeStampedModel):
    name = models.CharField(max_length=255, db_index=True)
    artists = models.ManyToManyField(Artist, through="AlbumArtist", related_name="albums")
    image = models.URLField(max_length=500, blank=True)
    release_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    plays = models.BigIntegerField(default=0)
    likes_count = models.PositiveIntegerField(default=0)
    genres = models.ManyToManyField(Genre, related_name="albums", blank=True)
    tags = models.ManyToManyField(Tag, related_name="albums", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.name


class AlbumArtist(models.Model):
    # No index of its own: albumartist_unique leads with it (db_index=False).
    album = models.ForeignKey(
        Album, on_delete=models.CASCADE, related_name="album_artists", db_index=False
    )
    artist = models.ForeignKey(Artist, on_delete=models.CASCADE, related_name="artist_albums")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["album", "artist"], name="albumartist_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.album_id}:{self.artist_id}"


class TrackQuerySet(models.QuerySet):
    def visible_to(self, user) -> TrackQuerySet:
        """Public tracks, plus private ones of artists the user manages; staff see everything."""
        if user is not None and user.is_authenticated and user.is_staff:
            return self
        public = Q(visibility=Visibility.PUBLIC)
        if user is None or not user.is_authenticated:
            return self.filter(public)
        # An uncorrelated ``IN`` (one hashed subplan) rather than a correlated EXISTS: the
        # planner costs the EXISTS per row, which on 100k tracks pushes the count past
        # jit_above_cost and JIT compilation alone then costs ~100 ms (bench/api_lists.py).
        managed = TrackArtist.objects.filter(artist__managers=user).values("track_id")
        return self.filter(public | Q(pk__in=managed))

    def visible_or_bought_by(self, user) -> TrackQuerySet:
        """``visible_to(user)``, plus the tracks ``user`` bought the exclusive of, even if the
        producer has hidden them since: the buyer keeps the files they paid for. The download
        policy still decides (a refund clears ``exclusive_buyer``)."""
        visible = self.visible_to(user)
        if user is None or not user.is_authenticated or user.is_staff:
            return visible
        return visible | self.filter(exclusive_status=ExclusiveStatus.SOLD, exclusive_buyer=user)

    def managed_by(self, user) -> TrackQuerySet:
        """Tracks ``user`` may write (edit, delete, re-credit, lyrics, download as owner): those
        of a main artist they manage; staff, every track. Managers of a featured artist only
        read (see ``visible_to``)."""
        if user.is_staff:
            return self
        return self.filter(Exists(manager_link(user)))


def manager_link(user):
    """Correlated subquery: does ``user`` manage a main artist of the outer track?"""
    return TrackArtist.objects.filter(
        track=OuterRef("pk"), role=TrackArtist.Role.MAIN, artist__managers=user
    )


class Track(TimeStampedModel):
    # No single-column index (TimeStampedModel's): ``track_newest_covering`` (created_at DESC,
    # id DESC) serves every order and range on it. With both, the planner took the smaller one
    # plus an incremental sort for deep pages whenever the table's visibility map lagged (a
    # heap fetch per skipped row instead of an index-only skip).
    created_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(max_length=255, db_index=True)
    artists = models.ManyToManyField(Artist, through="TrackArtist", related_name="tracks")
    # No index of its own: track_album_order leads with it (db_index=False).
    album = models.ForeignKey(
        Album,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tracks",
        db_index=False,
    )
    number = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Position in album.")
    file = models.OneToOneField(
        FileEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="track"
    )
    duration = models.PositiveIntegerField(default=0, help_text="Milliseconds.")
    bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    key = models.CharField(max_length=2, blank=True, choices=[(k, k) for k in KEYS])
    scale = models.CharField(max_length=5, blank=True, choices=Scale.choices)
    # The key as a pitch class (0 = C .. 11 = B), so enharmonic spellings (D#/Eb) are one key
    # for the filter; ``key`` keeps the producer's spelling for display. Computed by the
    # database, so no write path (services, bulk loaders, raw SQL) can leave it stale.
    key_pitch_class = models.GeneratedField(
        expression=Case(
            *(When(key=name, then=Value(pc)) for name, pc in PITCH_CLASSES.items()),
            default=None,
            output_field=models.SmallIntegerField(null=True),
        ),
        output_field=models.SmallIntegerField(null=True),
        db_persist=True,
    )
    genres = models.ManyToManyField(Genre, related_name="tracks", blank=True)
    tags = models.ManyToManyField(Tag, related_name="tracks", blank=True)
    description = models.TextField(blank=True)
    image = models.URLField(max_length=500, blank=True)
    # No index of its own: track_public_newest leads with it (db_index=False).
    visibility = models.CharField(
        max_length=7, choices=Visibility.choices, default=Visibility.PUBLIC, db_index=False
    )
    release_date = models.DateField(null=True, blank=True)
    plays = models.BigIntegerField(default=0)
    likes_count = models.PositiveIntegerField(default=0)
    free_download = models.BooleanField(
        default=False, help_text="Anyone may download the original file."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Exclusive sale state, read by the download flow (a sold track is 410 to everyone but its
    # buyer and its managers); written by the commerce feature. ``db_default`` keeps raw
    # INSERTs (bench loaders) valid.
    exclusive_status = models.CharField(
        max_length=9,
        choices=ExclusiveStatus.choices,
        default=ExclusiveStatus.AVAILABLE,
        db_default=ExclusiveStatus.AVAILABLE,
    )
    exclusive_buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exclusive_tracks",
    )
    # Pricing and exclusive terms (commerce): edited by the main artist's managers through
    # PUT /tracks/{id}; the money fields are Decimal in ``currency``.
    licensing_type = models.CharField(
        max_length=19,
        choices=LicensingType.choices,
        default=LicensingType.NON_EXCLUSIVE,
        db_default=LicensingType.NON_EXCLUSIVE,
    )
    exclusive_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD", db_default="USD")
    exclusive_terms = models.JSONField(
        null=True,
        blank=True,
        help_text="The producer's exclusive license configuration; empty = platform defaults.",
    )
    # While a buyer pays (exclusive_status ``pending``): the hold ends here, then the periodic
    # release or the next buyer frees it.
    exclusive_preset = models.ForeignKey(
        "content.ExclusiveLicensePreset",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tracks",
        help_text="The preset its terms were copied from (a preset in use cannot be deleted).",
    )
    exclusive_hold_until = models.DateTimeField(null=True, blank=True)
    exclusive_sold_at = models.DateTimeField(null=True, blank=True)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(bpm__isnull=True) | Q(bpm__gte=BPM_MIN, bpm__lte=BPM_MAX),
                name="track_bpm_range",
            ),
            models.CheckConstraint(condition=Q(plays__gte=0), name="track_plays_nonnegative"),
            models.CheckConstraint(
                condition=Q(exclusive_price__isnull=True) | Q(exclusive_price__gte=Decimal("0.01")),
                name="track_exclusive_price_positive",
            ),
            models.CheckConstraint(
                condition=Q(licensing_type="non_exclusive") | Q(exclusive_price__isnull=False),
                name="track_exclusive_has_price",
            ),
            models.CheckConstraint(
                condition=~Q(exclusive_status="pending") | Q(exclusive_hold_until__isnull=False),
                name="track_exclusive_pending_has_hold",
            ),
        ]
        indexes = [
            models.Index(fields=["visibility", "-created_at", "-id"], name="track_public_newest"),
            # ``page=N`` of the newest-first list skips its rows in this index alone: the
            # visibility test and the bpm and key filters read the included columns, not the
            # table.
            models.Index(
                fields=["-created_at", "-id"],
                include=["visibility", "exclusive_status", "bpm", "key_pitch_class", "scale"],
                name="track_newest_covering",
            ),
            models.Index(fields=["-plays", "-id"], name="track_popular"),
            models.Index(fields=["album", "number"], name="track_album_order"),
            # the periodic release of expired exclusive holds
            models.Index(
                fields=["exclusive_hold_until"],
                condition=Q(exclusive_status="pending"),
                name="track_exclusive_holds",
            ),
            # The bpm and key filters: their capped counts read these alone (visibility
            # included), and a page walks each bpm value's / key's tracks newest first and
            # merges them (``selectors.page_key_branches``), so page N reads about N pages of
            # index entries whatever the catalogue's size or the filter's selectivity.
            models.Index(
                fields=["key_pitch_class", "scale", "-created_at", "-id"],
                include=["visibility", "exclusive_status", "bpm"],
                name="track_key_pitch_class",
            ),
            models.Index(
                fields=["bpm", "-created_at", "-id"],
                include=["visibility", "exclusive_status", "key_pitch_class", "scale"],
                name="track_bpm",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrackArtist(models.Model):
    class Role(models.TextChoices):
        MAIN = "main", "Main artist"
        FEATURED = "featured", "Featured"
        PRODUCER = "producer", "Co-producer"

    # No index of its own: trackartist_unique leads with it (db_index=False).
    track = models.ForeignKey(
        Track, on_delete=models.CASCADE, related_name="track_artists", db_index=False
    )
    # No index of its own: trackartist_by_artist leads with it (db_index=False).
    artist = models.ForeignKey(
        Artist, on_delete=models.CASCADE, related_name="artist_tracks", db_index=False
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MAIN)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.UniqueConstraint(fields=["track", "artist"], name="trackartist_unique"),
        ]
        indexes = [models.Index(fields=["artist", "track"], name="trackartist_by_artist")]

    def __str__(self) -> str:
        return f"{self.track_id}:{self.artist_id} ({self.role})"


# --- likes ----------------------------------------------------------------------------------------
# Likes for tracks, albums and artists. Counters on the liked row are kept by the services.


class LikeBase(models.Model):
    # No index of its own: each like's *_unique (user, …) leads with it (db_index=False).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
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
        indexes = [
            models.Index(fields=["user", "-created_at"], name="tracklike_user_recent"),
            # Analytics recount the likes given on recent days (content.analytics fold).
            models.Index(fields=["created_at"], name="tracklike_created"),
        ]


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


# --- list counts ----------------------------------------------------------------------------------
class TrackCount(models.Model):
    """How many tracks each list holds, kept exact by database triggers in the same transaction
    as every write (migration ``0013_track_counts``): all tracks (``scope="all"``, ``ref_id=0``),
    and per genre, tag and credited artist (``ref_id`` = its id), split by visibility and
    exclusive status so each list sums the rows it shows. Paginating a list then reads a few
    rows instead of counting the catalogue. Statement-level triggers with transition
    tables: a bulk insert costs one grouped upsert, not one per row."""

    class Scope(models.TextChoices):
        ALL = "all", "All tracks"
        GENRE = "genre", "Genre"
        TAG = "tag", "Tag"
        ARTIST = "artist", "Artist"
        # ref_id = a user: the tracks they liked (migration 0018_scale_liked_counts).
        LIKED = "liked", "Liked by a user"
        # ref_id = a bpm value / a key (``selectors.key_ref``): the bpm and key filters'
        # totals (migration 0025_lists_filter_counts).
        BPM = "bpm", "Tracks of a bpm"
        KEY = "key", "Tracks of a key and scale"

    scope = models.CharField(max_length=6, choices=Scope.choices)
    ref_id = models.BigIntegerField()
    visibility = models.CharField(max_length=7, choices=Visibility.choices)
    exclusive_status = models.CharField(max_length=9, choices=ExclusiveStatus.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "ref_id", "visibility", "exclusive_status"],
                name="trackcount_unique",
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="trackcount_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.ref_id} {self.visibility}/{self.exclusive_status}={self.count}"


class TrackListVersion(models.Model):
    """A number that changes whenever the newest-first track list can change order or
    membership: database triggers bump it in the same transaction as every insert, delete,
    and change of a track's date, visibility or exclusive status (migration
    ``0023_lists_filter_branches``; a change of its bpm, key or scale too since
    ``0025_lists_filter_counts``, for the bpm and key lists). Deep pages seek from remembered
    positions of the list (``selectors.page_checkpoint``), which hold only while it has not
    changed."""

    scope = models.CharField(max_length=6, primary_key=True)  # "all": the plain list
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}@{self.version}"
