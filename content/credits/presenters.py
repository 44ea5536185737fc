"""Output of credits: role badges, credit rows, the grouped release cards, the pinned track."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from content.catalog import presenters
from content.catalog.models import Artist
from content.credits import selectors
from content.credits.models import Credit, CreditRole, ReleaseType


def present_role(role: CreditRole) -> dict[str, Any]:
    return {"id": role.pk, "slug": role.slug, "name": role.name, "category": role.category}


def present_credit(credit: Credit) -> dict[str, Any]:
    return {
        "id": credit.pk,
        "role": present_role(credit.role),
        "release_type": credit.release_type,
        "title": credit.title,
        "release_artists": credit.release_artists or None,
        "album_name": credit.album_name or None,
        "release_date": credit.release_date,
        "release_year": credit.release_date.year if credit.release_date else None,
        "cover_image_url": credit.cover_image_url or None,
        "spotify_track_id": credit.spotify_track_id or None,
        "spotify_track_url": credit.spotify_track_url or None,
        "spotify_album_id": credit.spotify_album_id or None,
        "spotify_album_url": credit.spotify_album_url or None,
        "album_group": credit.album_group or None,
        "popularity": credit.popularity,
        "position": credit.position,
        "created_at": credit.created_at,
        "model_type": "credit",
    }


def _group_key(credit: Credit) -> str:
    if credit.release_type == ReleaseType.ALBUM:
        return f"album:{credit.album_group}"
    return f"track:{credit.release_key}"


def group_credits(credits: list[Credit]) -> list[dict[str, Any]]:
    """One card per release (a song, or an album's credited tracks) with its role badges.

    ``credits`` must be ordered by position; a group takes the position of its first credit.
    """
    groups: OrderedDict[str, list[Credit]] = OrderedDict()
    for credit in credits:
        groups.setdefault(_group_key(credit), []).append(credit)
    out = []
    for key, rows in groups.items():
        first = rows[0]
        roles: list[CreditRole] = []
        for row in sorted(rows, key=lambda r: (r.role.position, r.role_id)):
            if row.role not in roles:
                roles.append(row.role)
        is_album = first.release_type == ReleaseType.ALBUM
        item: dict[str, Any] = {
            "key": key,
            "type": first.release_type,
            "title": first.album_name if is_album else first.title,
            "artists": first.release_artists or None,
            "album_name": first.album_name or None,
            "image": first.cover_image_url or None,
            "release_date": first.release_date,
            "release_year": first.release_date.year if first.release_date else None,
            "spotify_url": (first.spotify_album_url if is_album else first.spotify_track_url)
            or None,
            "popularity": first.popularity,
            "position": first.position,
            "roles": [present_role(r) for r in roles],
            "credits": [present_credit(r) for r in rows],
        }
        if is_album:
            tracks: OrderedDict[str, dict] = OrderedDict()
            for row in rows:
                track = tracks.setdefault(
                    row.release_key,
                    {
                        "title": row.title,
                        "artists": row.release_artists or None,
                        "spotify_track_id": row.spotify_track_id or None,
                        "spotify_url": row.spotify_track_url or None,
                        "roles": [],
                        "credit_ids": [],
                    },
                )
                track["roles"].append(row.role.slug)
                track["credit_ids"].append(row.pk)
            item["tracks"] = list(tracks.values())
            item["track_count"] = len(tracks)
        out.append(item)
    return out


def present_pinned_track(request, artist: Artist) -> dict[str, Any] | None:
    """The artist's pinned track in the catalog's track shape, or None.

    Constant cost: one query for the row, plus the presenter's per-page relation queries.
    """
    rows = list(
        presenters.track_rows(
            selectors.pinned_tracks(artist=artist), viewer=request.user, include={"album"}
        )[:1]
    )
    if not rows:
        return None
    return presenters.present_tracks(rows, viewer=request.user, include={"album"})[0]
