"""Catalog writes: tracks, albums, artists. Views call these; nothing else writes the catalog."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils.text import slugify
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from beatpass.celery import enqueue_on_commit
from content.catalog.models import (
    Album,
    AlbumArtist,
    AlbumLike,
    Artist,
    ArtistLike,
    ArtistLink,
    Genre,
    Tag,
    Track,
    TrackArtist,
    TrackLike,
)
from content.catalog.selectors import album_is_manageable
from content.commerce.services.pricing import track_pricing_apply
from content.commerce.services.purchases import tracks_delete_check
from content.commerce.services.stems import stems_delete_of_tracks, stored_files_release
from content.fingerprints.services import check_upload_for_duplicates, fingerprint_request
from content.media.services.waveforms import waveform_schedule
from content.uploads.models import FileEntry

TRACK_SCALAR_FIELDS = (
    "name",
    "number",
    "bpm",
    "key",
    "scale",
    "description",
    "image",
    "visibility",
    "release_date",
    "free_download",
)
ALBUM_SCALAR_FIELDS = ("name", "image", "release_date", "description")
ARTIST_SCALAR_FIELDS = ("name", "bio", "image")


# --- helpers ------------------------------------------------------------------------------------


def genres_from_names(names: Iterable[str]) -> list[Genre]:
    """Existing genres by name, creating custom ones (help: "Create a new custom genre")."""
    genres: list[Genre] = []
    for raw in names:
        display = " ".join(str(raw).split())[:100]
        slug = slugify(display)[:64]
        if not slug:
            raise ValidationError({"genres": [f"'{display[:40]}' is not a valid genre name."]})
        genre, _ = Genre.objects.get_or_create(name=slug, defaults={"display_name": display})
        if genre not in genres:
            genres.append(genre)
    return genres


def tags_from_names(names: Iterable[str]) -> list[Tag]:
    tags: list[Tag] = []
    for raw in names:
        name = " ".join(str(raw).split()).lower()[:64]
        if not name:
            continue
        tag, _ = Tag.objects.get_or_create(name=name)
        if tag not in tags:
            tags.append(tag)
    return tags


def _artists_for_write(
    *, user, artist_ids: Sequence[int] | None, field: str = "artists"
) -> list[Artist]:
    """Resolve credited artists. The first (main) artist must be one the user manages."""
    if not artist_ids:
        managed = list(Artist.objects.managed_by(user)[:2]) if not user.is_staff else []
        if len(managed) == 1:
            return managed
        raise ValidationError({field: ["Choose the artist this belongs to."]})
    artists = {a.pk: a for a in Artist.objects.filter(pk__in=artist_ids)}
    missing = [i for i in artist_ids if i not in artists]
    if missing:
        raise ValidationError({field: [f"Artist {missing[0]} does not exist."]})
    ordered = [artists[i] for i in artist_ids]
    if not user.is_staff and not ordered[0].managers.filter(pk=user.pk).exists():
        raise PermissionDenied("You can only publish under an artist profile you manage.")
    return ordered


def _audio_file_for(*, user, file_id: int, track: Track | None = None) -> FileEntry:
    entry = FileEntry.objects.select_for_update().filter(pk=file_id).first()
    if entry is None or (entry.owner_id != user.pk and not user.is_staff):
        raise ValidationError({"file_id": ["The selected file does not exist."]})
    if entry.kind != FileEntry.Kind.AUDIO:
        raise ValidationError({"file_id": ["The selected file is not an audio file."]})
    in_use = Track.objects.filter(file=entry)
    if track is not None:
        in_use = in_use.exclude(pk=track.pk)
    if in_use.exists():
        raise ValidationError({"file_id": ["The selected file is already used by another track."]})
    return entry


def _album_for(*, user, album_id: int | None) -> Album | None:
    """The album a track goes on: one whose main artist the user manages (a second artist's
    manager may not add tracks to it), or any for staff."""
    if album_id is None:
        return None
    album = Album.objects.filter(pk=album_id).first()
    if album is None:
        raise ValidationError({"album_id": ["The selected album does not exist."]})
    if not album_is_manageable(user=user, album=album):
        raise PermissionDenied("You can only add tracks to your own albums.")
    return album


def _set_track_artists(track: Track, artists: Sequence[Artist]) -> None:
    TrackArtist.objects.filter(track=track).delete()
    TrackArtist.objects.bulk_create(
        TrackArtist(
            track=track,
            artist=artist,
            position=i,
            role=TrackArtist.Role.MAIN if i == 0 else TrackArtist.Role.FEATURED,
        )
        for i, artist in enumerate(artists)
    )


# --- tracks -------------------------------------------------------------------------------------


@transaction.atomic
def track_create(*, user, data: dict[str, Any]) -> Track:
    """Create a track from validated input. Locks the file entry so it cannot be used twice."""
    artists = _artists_for_write(user=user, artist_ids=data.get("artists"))
    entry = _audio_file_for(user=user, file_id=data["file_id"])
    check_audio_before_publish(user=user, entry=entry, track=None)
    album = _album_for(user=user, album_id=data.get("album_id"))
    track = Track(
        file=entry,
        album=album,
        duration=entry.duration_ms or 0,
        created_by=user,
        **{f: data[f] for f in TRACK_SCALAR_FIELDS if f in data},
    )
    track_pricing_apply(track=track, data=data, user=user)
    track.save()
    _set_track_artists(track, artists)
    track.genres.set(genres_from_names(data.get("genres", [])))
    track.tags.set(tags_from_names(data.get("tags", [])))
    track_audio_changed(track_id=track.pk)
    achievements_event(artist_ids=[a.pk for a in artists], event="upload")
    return track


@transaction.atomic
def track_update(*, user, track: Track, data: dict[str, Any]) -> Track:
    """Partial update. Locks the track row for the duration of the change."""
    track = Track.objects.select_for_update().get(pk=track.pk)
    for field in TRACK_SCALAR_FIELDS:
        if field in data:
            setattr(track, field, data[field])
    if "album_id" in data:
        track.album = _album_for(user=user, album_id=data["album_id"])
    if data.get("file_id") is not None and data["file_id"] != track.file_id:
        entry = _audio_file_for(user=user, file_id=data["file_id"], track=track)
        check_audio_before_publish(user=user, entry=entry, track=track)
        track.file = entry
        track.duration = entry.duration_ms or 0
        track_audio_changed(track_id=track.pk)
    track_pricing_apply(track=track, data=data, user=user)
    track.save()
    if "artists" in data:
        _set_track_artists(track, _artists_for_write(user=user, artist_ids=data["artists"]))
    if "genres" in data:
        track.genres.set(genres_from_names(data["genres"]))
    if "tags" in data:
        track.tags.set(tags_from_names(data["tags"]))
    achievements_event(
        artist_ids=list(
            TrackArtist.objects.filter(track=track).values_list("artist_id", flat=True)
        ),
        event="upload",
    )
    return track


def _bulk_targets(model, ids: Sequence[int], *, manageable) -> list:
    """Lock all rows, 404 if any is missing, 403 if any is not the user's: all or nothing."""
    rows = list(model.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids):
        raise NotFound()
    if not all(manageable(row) for row in rows):
        raise PermissionDenied("You can only delete your own content.")
    return rows


@transaction.atomic
def tracks_delete(*, user, ids: Sequence[int], visible: Any, takedown: bool | None = None) -> int:
    """Delete the given tracks, or none of them. ``visible`` is the viewer's track queryset.
    A track sold exclusively, or being paid for, refuses the whole batch (409) unless this is
    a takedown (by default: staff; the admin's delete is not one): ``tracks_delete_check``.
    The rows stay locked from that check to the delete, so a buyer's hold (a conditional
    UPDATE of the row) lands either before it (409) or after (no row). The tracks' stems and
    audio files (with their renditions) go too, from storage once the delete commits."""
    if visible.filter(pk__in=ids).count() != len(ids):
        raise NotFound()
    managed = set(Track.objects.managed_by(user).filter(pk__in=ids).values_list("pk", flat=True))
    rows = _bulk_targets(Track, ids, manageable=lambda t: t.pk in managed)
    tracks_delete_check(user=user, tracks=rows, takedown=takedown)
    stems_delete_of_tracks(track_ids=[t.pk for t in rows])
    audio = list(FileEntry.objects.filter(pk__in=[t.file_id for t in rows if t.file_id]))
    Track.objects.filter(pk__in=[t.pk for t in rows]).delete()
    stored_files_release(entries=audio)
    return len(rows)


# --- albums -------------------------------------------------------------------------------------


def _set_album_artists(album: Album, artists: Sequence[Artist]) -> None:
    AlbumArtist.objects.filter(album=album).delete()
    AlbumArtist.objects.bulk_create(
        AlbumArtist(album=album, artist=artist, position=i) for i, artist in enumerate(artists)
    )


def _attach_album_tracks(*, user, album: Album, track_ids: Sequence[int]) -> None:
    """Order the album's tracks as given; every track must be the user's."""
    tracks = {t.pk: t for t in Track.objects.filter(pk__in=track_ids)}
    missing = [i for i in track_ids if i not in tracks]
    if missing:
        raise ValidationError({"tracks": [f"Track {missing[0]} does not exist."]})
    if not user.is_staff:
        managed = set(
            Track.objects.managed_by(user).filter(pk__in=track_ids).values_list("pk", flat=True)
        )
        if managed != set(track_ids):
            raise PermissionDenied("You can only add your own tracks to an album.")
    Track.objects.filter(album=album).exclude(pk__in=track_ids).update(album=None, number=None)
    for number, track_id in enumerate(track_ids, start=1):
        Track.objects.filter(pk=track_id).update(album=album, number=number)


@transaction.atomic
def album_create(*, user, data: dict[str, Any]) -> Album:
    ids = data.get("artists") or ([data["artist_id"]] if data.get("artist_id") else None)
    artists = _artists_for_write(user=user, artist_ids=ids)
    album = Album.objects.create(
        created_by=user, **{f: data[f] for f in ALBUM_SCALAR_FIELDS if f in data}
    )
    _set_album_artists(album, artists)
    album.genres.set(genres_from_names(data.get("genres", [])))
    album.tags.set(tags_from_names(data.get("tags", [])))
    if data.get("tracks"):
        _attach_album_tracks(user=user, album=album, track_ids=data["tracks"])
    return album


@transaction.atomic
def album_update(*, user, album: Album, data: dict[str, Any]) -> Album:
    album = Album.objects.select_for_update().get(pk=album.pk)
    for field in ALBUM_SCALAR_FIELDS:
        if field in data:
            setattr(album, field, data[field])
    album.save()
    if "artists" in data:
        _set_album_artists(album, _artists_for_write(user=user, artist_ids=data["artists"]))
    if "genres" in data:
        album.genres.set(genres_from_names(data["genres"]))
    if "tags" in data:
        album.tags.set(tags_from_names(data["tags"]))
    if "tracks" in data:
        _attach_album_tracks(user=user, album=album, track_ids=data["tracks"])
    return album


@transaction.atomic
def albums_delete(*, user, ids: Sequence[int]) -> int:
    if user.is_staff:
        managed = set(ids)
    else:
        managed = set(
            AlbumArtist.objects.filter(
                album_id__in=ids, position=0, artist__managers=user
            ).values_list("album_id", flat=True)
        )
    rows = _bulk_targets(Album, ids, manageable=lambda a: a.pk in managed)
    Album.objects.filter(pk__in=[a.pk for a in rows]).delete()
    return len(rows)


# --- artists ------------------------------------------------------------------------------------


def _set_links(artist: Artist, links: Sequence[dict]) -> None:
    ArtistLink.objects.filter(artist=artist).delete()
    ArtistLink.objects.bulk_create(
        ArtistLink(artist=artist, title=link["title"], url=link["url"], position=i)
        for i, link in enumerate(links)
    )


@transaction.atomic
def artist_create(*, user, data: dict[str, Any]) -> Artist:
    """Staff-only for now (the backstage program adds the producer path)."""
    if not user.is_staff:
        raise PermissionDenied("Only staff can create artist profiles.")
    artist = Artist.objects.create(**{f: data[f] for f in ARTIST_SCALAR_FIELDS if f in data})
    if data.get("links"):
        _set_links(artist, data["links"])
    if data.get("manager_ids"):
        from django.contrib.auth import get_user_model

        managers = list(get_user_model().objects.filter(pk__in=data["manager_ids"]))
        artist.managers.set(managers)
    return artist


@transaction.atomic
def artist_update(*, user, artist: Artist, data: dict[str, Any]) -> Artist:
    artist = Artist.objects.select_for_update().get(pk=artist.pk)
    for field in ARTIST_SCALAR_FIELDS:
        if field in data:
            setattr(artist, field, data[field])
    artist.save()
    if "links" in data:
        _set_links(artist, data["links"])
    achievements_event(artist_ids=[artist.pk], event="profile")
    return artist


# --- likes ----------------------------------------------------------------------------------------
# Likes for tracks, albums and artists; the liked row's counter moves in the same transaction.

_LIKES = {Track: (TrackLike, "track"), Album: (AlbumLike, "album"), Artist: (ArtistLike, "artist")}


def like(*, user, obj) -> bool:
    """Like ``obj``; returns False if it was already liked (idempotent, race-safe)."""
    like_model, field = _LIKES[type(obj)]
    try:
        with transaction.atomic():
            like_model.objects.create(user=user, **{field: obj})
            type(obj).objects.filter(pk=obj.pk).update(likes_count=F("likes_count") + 1)
    except IntegrityError:  # the unique constraint says it exists already
        return False
    return True


def unlike(*, user, obj) -> bool:
    like_model, field = _LIKES[type(obj)]
    with transaction.atomic():
        deleted, _ = like_model.objects.filter(user=user, **{field: obj}).delete()
        if deleted:
            type(obj).objects.filter(pk=obj.pk).update(
                likes_count=Greatest(F("likes_count") - 1, 0)
            )
    return bool(deleted)


# --- audio pipeline hooks -------------------------------------------------------------------------
# ``check_audio_before_publish`` runs inside the create/replace transaction and may refuse the
# audio (duplicate detection answers 409); ``track_audio_changed`` schedules, after commit, the
# heavy work (waveform, fingerprint) whenever a track gets new audio (create or replacement).


def check_audio_before_publish(*, user, entry, track=None) -> None:
    """Raise an ApplicationError to refuse ``entry`` as the audio of ``track`` (None = new)."""
    check_upload_for_duplicates(
        entry=entry, viewer=user, exclude_track_id=track.pk if track else None
    )


def on_track_audio_set(*, track_id: int) -> None:
    """Called after commit when a track's audio was set or replaced."""
    waveform_schedule(track_id=track_id)
    fingerprint_request(track_id=track_id)
    enqueue_on_commit("content.compute_audio_descriptor", track_id)  # search: audio similarity


def track_audio_changed(*, track_id: int) -> None:
    transaction.on_commit(lambda: on_track_audio_set(track_id=track_id))


# --- achievements hook ---------------------------------------------------------------------------
# Uploads, metadata and profile changes can unlock achievements: the artists concerned are
# evaluated after commit (content.analytics; by task name, so nothing here imports it).


def achievements_event(*, artist_ids: list[int], event: str) -> None:
    if artist_ids:
        enqueue_on_commit("content.evaluate_achievements", artist_ids=artist_ids, event=event)
