"""Output of search results: each type through the same presenter as its lists (so a track in
search results has exactly the shape of a track in ``GET /tracks``), in the ranked order, built
in bulk (one query per relation for all hits of a type)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from content.catalog import presenters as catalog
from content.catalog.models import Album, Artist
from content.playlists.models import Playlist
from content.playlists.presenters import present_playlists, present_user
from content.playlists.selectors import playlist_rows
from content.search.backends.base import SearchPage
from content.search.selectors import listed_tracks

RESULT_KEYS = {
    "track": "tracks",
    "artist": "artists",
    "album": "albums",
    "playlist": "playlists",
    "user": "users",
    "tag": "tags",
    "genre": "genres",
}


def _in_order(ids: Sequence[int], rows) -> list[dict]:
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def present_tracks_by_id(ids: Sequence[int], *, viewer) -> list[dict[str, Any]]:
    """Listed tracks in the order of ``ids`` (a track hidden since it was found is dropped)."""
    if not ids:
        return []
    rows = catalog.track_rows(listed_tracks().filter(pk__in=ids), viewer=viewer)
    return catalog.present_tracks(_in_order(ids, rows), viewer=viewer)


def present_hits(kind: str, page: SearchPage, *, viewer) -> list[dict[str, Any]]:
    ids = page.ids
    if not ids:
        return []
    if kind == "track":
        return present_tracks_by_id(ids, viewer=viewer)
    if kind == "album":
        rows = catalog.album_rows(Album.objects.filter(pk__in=ids), viewer=viewer)
        return catalog.present_albums(_in_order(ids, rows), viewer=viewer)
    if kind == "artist":
        rows = catalog.artist_rows(Artist.objects.filter(pk__in=ids), viewer=viewer)
        return catalog.present_artists(_in_order(ids, rows), viewer=viewer)
    if kind == "playlist":
        rows = playlist_rows(Playlist.objects.filter(pk__in=ids, public=True), viewer=viewer)
        return present_playlists(_in_order(ids, rows), viewer=viewer)
    rows = [page.rows[i] for i in ids]
    if kind == "user":
        # Only users with a name are found, so the email fallback of the display name is unused.
        return [present_user(r["id"], r["name"], r["avatar"]) for r in rows]
    if kind == "tag":
        return [{"id": r["id"], "name": r["name"], "model_type": "tag"} for r in rows]
    return [
        {"id": r["id"], "name": r["name"], "display_name": r["display_name"], "model_type": "genre"}
        for r in rows
    ]


# --- suggestions ------------------------------------------------------------------------------


def present_suggestions(kind: str, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The picker's shape: ``{id, name, image, description, model_type}`` (an album's
    description is its artists' names)."""
    if not ids:
        return []
    if kind == "artist":
        rows = Artist.objects.filter(pk__in=ids).values("id", "name", "image", "bio")
        return [
            {
                "id": row["id"],
                "name": row["name"],
                "image": row["image"] or None,
                "description": row["bio"][:200] or None,
                "model_type": "artist",
            }
            for row in _in_order(ids, rows)
        ]
    rows = Album.objects.filter(pk__in=ids).values("id", "name", "image")
    artists = catalog.artists_for_albums(list(ids), rich=False)
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "image": row["image"] or None,
            "description": ", ".join(a["name"] for a in artists.get(row["id"], [])) or None,
            "model_type": "album",
        }
        for row in _in_order(ids, rows)
    ]
