"""Credit writes: add (track / whole album), update, delete, reorder, and the role catalog seed.

Every write runs in one transaction holding a row lock on the artist (``select_for_update``), so
concurrent writes for one artist serialize: duplicate checks, position numbering and reorder
permutation checks see a stable set of credits. The unique constraint
(artist, release_key, role) stays the last line of defence; a violation becomes a 409.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from rest_framework.exceptions import ValidationError

from beatpass.api.errors import Conflict
from content.catalog.models import Artist, Track, TrackArtist, Visibility
from content.credits.models import (
    ArtistPinnedTrack,
    Credit,
    CreditCategory,
    CreditRole,
    ReleaseType,
)
from content.credits.spotify import parse_release_date

DEFAULT_CREDIT_ROLES: tuple[tuple[str, str, str], ...] = (
    (CreditCategory.PRODUCTION, "producer", "Producer"),
    (CreditCategory.PRODUCTION, "co-producer", "Co-Producer"),
    (CreditCategory.PRODUCTION, "beat-maker", "Beat Maker"),
    (CreditCategory.ENGINEERING, "mixing-engineer", "Mixing Engineer"),
    (CreditCategory.ENGINEERING, "mastering-engineer", "Mastering Engineer"),
    (CreditCategory.ENGINEERING, "recording-engineer", "Recording Engineer"),
    (CreditCategory.WRITING, "songwriter", "Songwriter"),
    (CreditCategory.WRITING, "composer", "Composer"),
    (CreditCategory.WRITING, "arranger", "Arranger"),
    (CreditCategory.PERFORMANCE, "featured-artist", "Featured Artist"),
    (CreditCategory.PERFORMANCE, "vocalist", "Vocalist"),
    (CreditCategory.PERFORMANCE, "musician", "Musician"),
    (CreditCategory.OTHER, "executive-producer", "Executive Producer"),
    (CreditCategory.OTHER, "a-and-r", "A&R"),
    (CreditCategory.OTHER, "creative-director", "Creative Director"),
)

METADATA_FIELDS = ("title", "release_artists", "album_name", "release_date", "cover_image_url")


def credit_roles_seed() -> int:
    """Create the default roles that are missing (idempotent; the migration does the same)."""
    existing = set(CreditRole.objects.values_list("slug", flat=True))
    missing = [
        CreditRole(slug=slug, name=name, category=category, position=position)
        for position, (category, slug, name) in enumerate(DEFAULT_CREDIT_ROLES)
        if slug not in existing
    ]
    CreditRole.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def _normalize_text(value: str) -> str:
    return " ".join((value or "").casefold().split())


def release_key_for(
    *, spotify_track_id: str = "", title: str = "", release_artists: str = ""
) -> str:
    """The identity of a credited recording (see :class:`content.models.Credit`)."""
    if spotify_track_id:
        return f"spotify:track:{spotify_track_id}"
    return f"manual:{_normalize_text(title)}|{_normalize_text(release_artists)}"[:600]


def _lock_artist(artist: Artist) -> Artist:
    return Artist.objects.select_for_update().get(pk=artist.pk)


def _next_position(artist: Artist) -> int:
    top = Credit.objects.filter(artist=artist).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def _existing_roles(artist: Artist, keys: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    rows = Credit.objects.filter(artist=artist, release_key__in=list(keys)).values_list(
        "release_key", "role__slug"
    )
    for key, slug in rows:
        out.setdefault(key, set()).add(slug)
    return out


def _insert(credits: list[Credit]) -> list[Credit]:
    try:
        with transaction.atomic():
            return Credit.objects.bulk_create(credits)
    except IntegrityError:
        raise Conflict(
            "This credit already exists for this artist.", code="duplicate_credit"
        ) from None


@transaction.atomic
def credit_add_track(
    *,
    artist: Artist,
    actor,
    roles: Sequence[CreditRole],
    spotify_track: dict[str, Any] | None = None,
    manual: dict[str, Any] | None = None,
) -> list[Credit]:
    """One row per role for a song, from a normalized Spotify track or manual metadata.

    Any role the artist already holds on that recording makes the whole request a 409
    (``duplicates`` lists them) and nothing is written.
    """
    artist = _lock_artist(artist)
    if spotify_track is not None:
        album = spotify_track.get("album") or {}
        fields = {
            "title": spotify_track["name"][:255],
            "release_artists": ", ".join(a["name"] for a in spotify_track["artists"])[:500],
            "album_name": (album.get("name") or "")[:255],
            "release_date": parse_release_date(spotify_track.get("release_date")),
            "cover_image_url": (spotify_track.get("image") or "")[:500],
            "spotify_track_id": spotify_track["id"],
            "spotify_track_url": spotify_track.get("spotify_url") or "",
            "spotify_album_id": album.get("id") or "",
            "spotify_album_url": (
                f"https://open.spotify.com/album/{album['id']}" if album.get("id") else ""
            ),
            "popularity": spotify_track.get("popularity"),
        }
    else:
        manual = manual or {}
        fields = {name: manual.get(name) for name in METADATA_FIELDS}
        fields = {k: v if v is not None or k == "release_date" else "" for k, v in fields.items()}
    key = release_key_for(
        spotify_track_id=fields.get("spotify_track_id", ""),
        title=fields["title"],
        release_artists=fields["release_artists"],
    )
    held = _existing_roles(artist, [key]).get(key, set())
    duplicates = [r.slug for r in roles if r.slug in held]
    if duplicates:
        raise Conflict(
            "You already have this credit with the selected role(s).",
            code="duplicate_credit",
            extra={"duplicates": duplicates},
        )
    position = _next_position(artist)
    return _insert(
        [
            Credit(
                artist=artist,
                role=role,
                release_type=ReleaseType.TRACK,
                release_key=key,
                position=position + i,
                created_by=actor,
                **fields,
            )
            for i, role in enumerate(roles)
        ]
    )


@transaction.atomic
def credit_add_album(
    *,
    artist: Artist,
    actor,
    album: dict[str, Any],
    roles_all: Sequence[CreditRole],
    roles_by_track: dict[str, Sequence[CreditRole]],
) -> list[Credit]:
    """Per-track credits for a (normalized) Spotify album, all or nothing.

    A track's roles are ``roles_all`` plus its own entry in ``roles_by_track``; tracks left with
    no role are skipped. Track ids not on the album → 422; any role already held → 409.
    """
    tracks = {t["id"]: t for t in album["tracks"]}
    unknown = [track_id for track_id in roles_by_track if track_id not in tracks]
    if unknown:
        raise ValidationError({"tracks": [f"Track '{unknown[0][:64]}' is not on this album."]})
    planned: list[tuple[dict, list[CreditRole]]] = []
    for track in album["tracks"]:
        roles = list(roles_all)
        roles += [r for r in roles_by_track.get(track["id"], ()) if r not in roles]
        if roles:
            planned.append((track, roles))
    if not planned:
        raise ValidationError({"roles_all": ["Select at least one role for at least one track."]})

    artist = _lock_artist(artist)
    keys = {t["id"]: release_key_for(spotify_track_id=t["id"]) for t, _ in planned}
    held = _existing_roles(artist, keys.values())
    duplicates = [
        {"track_id": t["id"], "roles": [r.slug for r in roles if r.slug in held[keys[t["id"]]]]}
        for t, roles in planned
        if keys[t["id"]] in held and any(r.slug in held[keys[t["id"]]] for r in roles)
    ]
    if duplicates:
        raise Conflict(
            "Some of these tracks already carry the selected role(s).",
            code="duplicate_credit",
            extra={"duplicates": duplicates},
        )
    album_url = album.get("spotify_url") or ""
    release_date = parse_release_date(album.get("release_date"))
    cover = (album.get("image") or "")[:500]
    position = _next_position(artist)
    rows = []
    for track, roles in planned:
        for role in roles:
            rows.append(
                Credit(
                    artist=artist,
                    role=role,
                    release_type=ReleaseType.ALBUM,
                    release_key=keys[track["id"]],
                    title=track["name"][:255],
                    release_artists=", ".join(a["name"] for a in track["artists"])[:500],
                    album_name=album["name"][:255],
                    release_date=release_date,
                    cover_image_url=cover,
                    spotify_track_id=track["id"],
                    spotify_track_url=track.get("spotify_url") or "",
                    spotify_album_id=album["id"],
                    spotify_album_url=album_url,
                    album_group=album["id"],
                    position=position + len(rows),
                    created_by=actor,
                )
            )
    return _insert(rows)


@transaction.atomic
def credit_update(*, credit: Credit, actor, data: dict[str, Any]) -> Credit:
    """Change one row's role and/or the release's metadata.

    Metadata (title, artists, album, date, cover) describes the recording, so it is applied to
    every row of the same release (all its roles) to keep the group consistent. For manual
    credits a new title/artists means a new release key; clashes with existing rows → 409.
    """
    artist = _lock_artist(credit.artist)
    credit = Credit.objects.select_for_update().select_related("role").get(pk=credit.pk)
    siblings = Credit.objects.filter(artist=artist, release_key=credit.release_key)
    metadata = {k: v for k, v in data.items() if k in METADATA_FIELDS}
    for name in ("release_artists", "album_name", "cover_image_url"):
        if name in metadata and metadata[name] is None:
            metadata[name] = ""
    new_key = credit.release_key
    if not credit.spotify_track_id and {"title", "release_artists"} & metadata.keys():
        new_key = release_key_for(
            title=metadata.get("title", credit.title),
            release_artists=metadata.get("release_artists", credit.release_artists),
        )
    new_role = data.get("role") or credit.role

    clash = Credit.objects.filter(artist=artist, release_key=new_key).exclude(
        pk__in=siblings.values("pk")
    )
    moving_roles = set(siblings.exclude(pk=credit.pk).values_list("role_id", flat=True))
    moving_roles.add(new_role.pk)
    role_taken = siblings.exclude(pk=credit.pk).filter(role=new_role).exists()
    if role_taken or clash.filter(role_id__in=moving_roles).exists():
        raise Conflict(
            "You already have this credit with the selected role.", code="duplicate_credit"
        )
    try:
        with transaction.atomic():
            if metadata or new_key != credit.release_key:
                siblings.update(**metadata, release_key=new_key)
            if new_role.pk != credit.role_id:
                Credit.objects.filter(pk=credit.pk).update(role=new_role)
    except IntegrityError:
        raise Conflict(
            "You already have this credit with the selected role.", code="duplicate_credit"
        ) from None
    return Credit.objects.select_related("role").get(pk=credit.pk)


@transaction.atomic
def credit_delete(*, credit: Credit, whole_release: bool = False) -> int:
    """Delete one role row, or (``whole_release``) every role of its song / album group."""
    artist = _lock_artist(credit.artist)
    if not whole_release:
        deleted, _ = Credit.objects.filter(pk=credit.pk).delete()
    elif credit.release_type == ReleaseType.ALBUM:
        deleted, _ = Credit.objects.filter(
            artist=artist, release_type=ReleaseType.ALBUM, album_group=credit.album_group
        ).delete()
    else:
        deleted, _ = Credit.objects.filter(
            artist=artist, release_type=ReleaseType.TRACK, release_key=credit.release_key
        ).delete()
    return deleted


@transaction.atomic
def credits_reorder(*, artist: Artist, ids: Sequence[int]) -> int:
    """Positions 0..n-1 in the given order. ``ids`` must be a permutation of the artist's
    credit ids (each exactly once), else 422; checked under the artist lock."""
    artist = _lock_artist(artist)
    current = set(Credit.objects.filter(artist=artist).values_list("pk", flat=True))
    if len(ids) != len(set(ids)) or set(ids) != current:
        raise ValidationError(
            {"ids": ["The ids must list every credit of this artist exactly once."]}
        )
    rows = [Credit(pk=pk, position=index) for index, pk in enumerate(ids)]
    Credit.objects.bulk_update(rows, ["position"], batch_size=500)
    return len(rows)


# --- pinning --------------------------------------------------------------------------------------
# Pin one track to the top of an artist's profile.


@transaction.atomic
def track_pin(*, artist: Artist, track: Track, actor) -> ArtistPinnedTrack:
    """Pin ``track`` for ``artist``, replacing any previous pin in the same transaction.

    Locks the artist row so concurrent pins for one artist serialize; the OneToOne on
    ``ArtistPinnedTrack.artist`` guarantees at most one pin even without the lock.
    Only a public track credited to this artist qualifies (422 otherwise).
    """
    Artist.objects.select_for_update().get(pk=artist.pk)
    track = Track.objects.select_for_update().get(pk=track.pk)
    credited = TrackArtist.objects.filter(track=track, artist=artist).exists()
    if not credited:
        raise ValidationError({"track": ["Only a track credited to this artist can be pinned."]})
    if track.visibility != Visibility.PUBLIC:
        raise ValidationError({"track": ["Only a public track can be pinned."]})
    pin, _ = ArtistPinnedTrack.objects.update_or_create(
        artist=artist, defaults={"track": track, "pinned_by": actor}
    )
    return pin


@transaction.atomic
def track_unpin(*, artist: Artist, track: Track) -> bool:
    """Remove the pin if ``track`` is the artist's pinned track; returns whether it was."""
    Artist.objects.select_for_update().get(pk=artist.pk)
    deleted, _ = ArtistPinnedTrack.objects.filter(artist=artist, track=track).delete()
    return bool(deleted)
