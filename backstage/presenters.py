"""Output of backstage requests, built in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backstage.models import BackstageRequest


def present_backstage_requests(requests: Iterable[BackstageRequest]) -> list[dict[str, Any]]:
    """Reads only what ``BackstageRequest.objects.for_listing()`` loaded (user, artist)."""
    out = []
    for item in requests:
        artist = item.artist
        out.append(
            {
                "id": item.pk,
                "type": item.type,
                "status": item.status,
                "artist_name": item.artist_name,
                "artist_id": item.artist_id,
                "artist": (
                    {"id": artist.pk, "name": artist.name, "verified": artist.verified}
                    if artist is not None
                    else None
                ),
                "data": item.data,
                "notes": item.notes or None,
                "user": {
                    "id": item.user.pk,
                    "name": item.user.display_name,
                    "email": item.user.email,
                },
                "handled_at": item.handled_at,
                "created_at": item.created_at,
                "updated_at": item.updated_at,
            }
        )
    return out


def present_backstage_request(item: BackstageRequest) -> dict[str, Any]:
    return present_backstage_requests([item])[0]
