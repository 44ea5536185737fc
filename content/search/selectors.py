"""Reads for search, suggestions, audio similarity and radio.

``listed_tracks`` is the one rule for which tracks discovery may show: public, and not sold
exclusively. On PostgreSQL the search documents carry the same rule as their ``listed``
column (written by the triggers of the ``0006_search`` migration).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound

from content.audio.descriptor import VERSION
from content.catalog.models import (
    Artist,
    ExclusiveStatus,
    Genre,
    Tag,
    Track,
    TrackArtist,
    Visibility,
)
from content.catalog.selectors import track_get
from content.search import camelot, stations
from content.search.backends import get_backend
from content.search.backends.base import PreparedQuery, RadioProfile, SearchPage
from content.search.models import TrackDescriptor
from content.search.parsing import parse

SEED_TRACKS = 10


def listed_tracks(queryset: QuerySet[Track] | None = None) -> QuerySet[Track]:
    """Tracks search, suggestions and radio may show to anyone: public ones that are not sold
    exclusively."""
    queryset = Track.objects.all() if queryset is None else queryset
    return queryset.filter(visibility=Visibility.PUBLIC).exclude(
        exclusive_status=ExclusiveStatus.SOLD
    )


# --- text search ------------------------------------------------------------------------------


def search_prepare(*, query: str) -> PreparedQuery:
    """Parse ``query`` and check its words against the catalog (one query)."""
    return get_backend().prepare(parse(query))


def search_types(*, prepared: PreparedQuery, kinds: tuple[str, ...], limit: int) -> dict:
    """The best ``limit`` matches of each type: ``{kind: SearchPage}``."""
    backend = get_backend()
    return {kind: backend.search(prepared, kind=kind, offset=0, limit=limit) for kind in kinds}


def search_page(*, prepared: PreparedQuery, kind: str, page: int, per_page: int) -> SearchPage:
    return get_backend().search(prepared, kind=kind, offset=(page - 1) * per_page, limit=per_page)


# --- suggestions ----------------------------------------------------------------------------


def suggestion_ids(*, kind: str, query: str, limit: int, exclude_ids=()) -> list[int]:
    return get_backend().suggest(
        kind=kind, prefix=query, limit=limit, exclude_ids=tuple(exclude_ids)
    )


def managed_artist_ids(*, user) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    return list(Artist.objects.managed_by(user).values_list("pk", flat=True))


# --- audio similarity -------------------------------------------------------------------------


def descriptor_status(*, track: Track) -> str:
    """``completed``, ``failed`` or ``pending`` (not computed yet for the current audio)."""
    row = (
        TrackDescriptor.objects.filter(track=track)
        .values("status", "source_file_id", "version")
        .first()
    )
    if row is None or row["source_file_id"] != track.file_id or row["version"] != VERSION:
        return "pending"
    return row["status"]


def similar_track_ids(*, track: Track, limit: int) -> list[int]:
    return get_backend().similar_tracks(track_id=track.pk, limit=limit)


# --- radio ------------------------------------------------------------------------------------

RADIO_TYPES = ("artist", "track", "genre", "tag")


@dataclass(frozen=True)
class Station:
    name: str
    type: str
    seed: int
    track_ids: list[int]


def _by_id_or_name(raw: str, *, by_name: Q, model):
    if len(raw) > 255:
        raise NotFound()
    if raw.isascii() and raw.isdigit() and len(raw) <= 18:
        found = model.objects.filter(pk=int(raw)).first()
        if found is not None:
            return found
    found = model.objects.filter(by_name).order_by("pk").first()
    if found is None:
        raise NotFound()
    return found


def radio_seed(*, viewer, kind: str, identifier: str):
    """The station's seed object (an id, or a name), or 404. A track must be one the viewer
    may see."""
    if kind == "artist":
        return _by_id_or_name(identifier, by_name=Q(name__iexact=identifier), model=Artist)
    if kind == "genre":
        return _by_id_or_name(
            identifier,
            by_name=Q(name__iexact=identifier) | Q(display_name__iexact=identifier),
            model=Genre,
        )
    if kind == "tag":
        return _by_id_or_name(identifier, by_name=Q(name__iexact=identifier), model=Tag)
    if identifier.isascii() and identifier.isdigit() and len(identifier) <= 18:
        return track_get(viewer=viewer, track_id=int(identifier))
    track = listed_tracks().filter(name__iexact=identifier[:255]).order_by("-plays", "pk").first()
    if track is None:
        raise NotFound()
    return track


def _seed_tracks(*, kind: str, seed) -> QuerySet[Track]:
    if kind == "track":
        return Track.objects.filter(pk=seed.pk)
    if kind == "artist":
        on_artist = TrackArtist.objects.filter(artist=seed).values("track_id")
        queryset = listed_tracks().filter(pk__in=on_artist)
    elif kind == "genre":
        queryset = listed_tracks().filter(
            pk__in=Track.genres.through.objects.filter(genre=seed).values("track_id")
        )
    else:
        queryset = listed_tracks().filter(
            pk__in=Track.tags.through.objects.filter(tag=seed).values("track_id")
        )
    return queryset.order_by("-plays", "-likes_count", "-id")[:SEED_TRACKS]


def radio_profile(*, kind: str, seed) -> RadioProfile:
    """What the station sounds like: the seed tracks' keys, tempos, descriptors (averaged),
    genres and tags. Three queries."""
    rows = list(
        _seed_tracks(kind=kind, seed=seed).values(
            "id", "bpm", "key", "scale", "audio_descriptor__vector", "audio_descriptor__status"
        )
    )
    ids = [row["id"] for row in rows]
    genre_ids = sorted(
        set(
            Track.genres.through.objects.filter(track_id__in=ids).values_list("genre_id", flat=True)
        )
    )
    tag_ids = sorted(
        set(Track.tags.through.objects.filter(track_id__in=ids).values_list("tag_id", flat=True))
    )
    vectors = [
        row["audio_descriptor__vector"]
        for row in rows
        if row["audio_descriptor__status"] == TrackDescriptor.Status.COMPLETED
        and row["audio_descriptor__vector"]
    ]
    codes = {camelot.code_for(row["key"], row["scale"]) for row in rows}
    return RadioProfile(
        seed_track_ids=tuple(ids),
        camelot_codes=tuple(sorted(c for c in codes if c is not None)),
        tempos=tuple(sorted({row["bpm"] for row in rows if row["bpm"]})),
        vector=stations.centroid(vectors),
        genre_ids=tuple([seed.pk] if kind == "genre" else genre_ids),
        tag_ids=tuple([seed.pk] if kind == "tag" else tag_ids),
        required_genre_id=seed.pk if kind == "genre" else None,
        required_tag_id=seed.pk if kind == "tag" else None,
        exclude_track_ids=tuple(ids) if kind == "track" else (),
    )


def radio_station(*, viewer, kind: str, identifier: str, seed: int | None) -> Station:
    """Up to 50 tracks around the seed, reproducible for a given ``seed`` (random if None)."""
    target = radio_seed(viewer=viewer, kind=kind, identifier=identifier)
    profile = radio_profile(kind=kind, seed=target)
    candidates = get_backend().radio_candidates(profile)
    if seed is None:
        seed = secrets.randbelow(stations.MAX_SEED + 1)
    track_ids = stations.compose(candidates, profile=profile, seed=seed)
    return Station(name=station_name(kind, target), type=kind, seed=seed, track_ids=track_ids)


def station_name(kind: str, target) -> str:
    if kind == "genre":
        return f"{target.display_name or target.name} radio"
    return f"{target.name} radio"
