"""Output of lyrics."""

from __future__ import annotations

from typing import Any

from content.lyrics.lrc import LrcError, parse_lrc
from content.lyrics.models import Lyric


def _lines(text: str, is_synced: bool) -> list[dict[str, Any]] | None:
    if not is_synced:
        return None
    try:
        return [{"time_ms": ln.time_ms, "text": ln.text} for ln in parse_lrc(text)]
    except LrcError:  # stored before validation existed (e.g. through the admin)
        return []


LYRIC_FIELDS = ("id", "track_id", "track__name", "text", "is_synced", "created_at", "updated_at")


def present_lyric_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "track_id": row["track_id"],
        "track": {"id": row["track_id"], "name": row["track__name"], "model_type": "track"},
        "text": row["text"],
        "is_synced": row["is_synced"],
        "lines": _lines(row["text"], row["is_synced"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def present_lyric(lyric: Lyric) -> dict[str, Any]:
    row = {field: getattr(lyric, field) for field in LYRIC_FIELDS if "__" not in field}
    row["track__name"] = lyric.track.name
    return present_lyric_row(row)
