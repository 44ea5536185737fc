"""Reads for credits and pinned tracks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.exceptions import NotFound, ValidationError

from content.catalog.models import Artist, Track, TrackArtist, Visibility
from content.credits.models import ArtistPinnedTrack, Credit, CreditCategory, CreditRole


def credit_roles() -> list[CreditRole]:
    return list(CreditRole.objects.order_by("position", "id"))


def credit_roles_by_category() -> list[dict]:
    """Every category in its fixed order with its roles (empty categories included)."""
    roles = defaultdict(list)
    for role in credit_roles():
        roles[role.category].append(role)
    return [
        {"key": category.value, "label": category.label, "roles": roles.get(category.value, [])}
        for category in CreditCategory
    ]


def credit_role_lookup() -> dict[str, CreditRole]:
    """Every role by slug and by str(id), for resolving many role lists with one query."""
    roles = list(CreditRole.objects.all())
    return {**{r.slug: r for r in roles}, **{str(r.pk): r for r in roles}}


def credit_roles_resolve(
    values: Iterable[Any], *, field: str = "roles", lookup: dict[str, CreditRole] | None = None
) -> list[CreditRole]:
    """Roles by slug (or numeric id), de-duplicated in request order; unknown ones → 422."""
    lookup = credit_role_lookup() if lookup is None else lookup
    resolved: list[CreditRole] = []
    for value in values:
        key = str(value).strip()
        role = lookup.get(key.lower())
        if role is None:
            raise ValidationError({field: [f"The selected role '{key[:64]}' is invalid."]})
        if role not in resolved:
            resolved.append(role)
    return resolved


def credits_for_artist(*, artist: Artist) -> QuerySet[Credit]:
    return Credit.objects.filter(artist=artist).select_related("role").order_by("position", "id")


def credit_get(*, artist: Artist, credit_id: int) -> Credit:
    credit = Credit.objects.filter(artist=artist, pk=credit_id).select_related("role").first()
    if credit is None:
        raise NotFound()
    return credit


def already_credited_roles(
    *,
    artist: Artist | None,
    track_ids: Iterable[str] = (),
    album_ids: Iterable[str] = (),
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Role slugs the artist holds per Spotify track id and per Spotify album id (one query).

    A track counts whatever way it was added; an album collects the roles of its album-group
    credits.
    """
    track_ids, album_ids = list(track_ids), list(album_ids)
    by_track: dict[str, list[str]] = defaultdict(list)
    by_album: dict[str, list[str]] = defaultdict(list)
    if artist is None or not (track_ids or album_ids):
        return by_track, by_album
    rows = (
        Credit.objects.filter(artist=artist)
        .filter(Q(spotify_track_id__in=track_ids) | Q(album_group__in=album_ids))
        .order_by("role__position", "role_id")
        .values_list("spotify_track_id", "album_group", "role__slug")
    )
    wanted_tracks, wanted_albums = set(track_ids), set(album_ids)
    for track_id, album_group, slug in rows:
        if track_id in wanted_tracks and slug not in by_track[track_id]:
            by_track[track_id].append(slug)
        if album_group in wanted_albums and slug not in by_album[album_group]:
            by_album[album_group].append(slug)
    return by_track, by_album


def pinned_tracks(*, artist: Artist) -> QuerySet[Track]:
    """The artist's pinned track while it is still public and still credited to the artist
    (a track made private, deleted or un-credited silently stops being returned)."""
    return Track.objects.filter(
        Exists(ArtistPinnedTrack.objects.filter(artist=artist, track=OuterRef("pk"))),
        Exists(TrackArtist.objects.filter(artist=artist, track=OuterRef("pk"))),
        visibility=Visibility.PUBLIC,
    )
