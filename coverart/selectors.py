"""Cover art reads: templates for listings and matching, the cover of a track or album."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound

from content.catalog.models import Track, TrackArtist
from coverart.matching import Candidate, mood_for
from coverart.models import CoverArt, CoverTemplate

MASTER_FILE = "1000.jpg"


def _json_list_has(field: str, value: str) -> dict[str, Any]:
    """Filter rows whose JSON list ``field`` holds ``value``: ``@>`` on PostgreSQL; the
    SQLite dev database has no JSON containment, so there the quoted element is matched in
    the JSON text (genre and mood names are slugs: no quotes or escapes inside)."""
    if connection.vendor == "postgresql":
        return {f"{field}__contains": [value]}
    return {f"{field}__icontains": f'"{value}"'}


def template_list(*, genre: str | None = None, mood: str | None = None) -> QuerySet:
    queryset = CoverTemplate.objects.active().order_by("sort_order", "id")
    if genre:
        queryset = queryset.filter(**_json_list_has("genres", genre))
    if mood:
        queryset = queryset.filter(**_json_list_has("moods", mood))
    return queryset


def template_get(*, viewer, template_id: int) -> CoverTemplate:
    """An active template, or any template for staff; 404 otherwise."""
    queryset = CoverTemplate.objects.all()
    if not (viewer.is_authenticated and viewer.is_staff):
        queryset = queryset.active()
    template = queryset.filter(pk=template_id).first()
    if template is None:
        raise NotFound()
    return template


def template_candidates() -> list[tuple[CoverTemplate, Candidate]]:
    return [
        (t, Candidate(id=t.pk, slug=t.slug, genres=tuple(t.genres), moods=tuple(t.moods)))
        for t in CoverTemplate.objects.active().order_by("sort_order", "id")
    ]


def track_profile(track: Track) -> dict[str, Any]:
    """What matching needs to know about a track: its genre slugs and derived mood."""
    genres = list(track.genres.order_by("name").values_list("name", flat=True))
    return {
        "genres": genres,
        "mood": mood_for(genres=genres, scale=track.scale or None, bpm=track.bpm),
    }


def cover_of(*, track=None, album=None) -> CoverArt | None:
    if track is not None:
        return CoverArt.objects.filter(track=track).select_related("template").first()
    return CoverArt.objects.filter(album=album).select_related("template").first()


def main_artist_names(track: Track) -> list[str]:
    return list(
        TrackArtist.objects.filter(track=track, role=TrackArtist.Role.MAIN)
        .order_by("position", "id")
        .values_list("artist__name", flat=True)
    )
