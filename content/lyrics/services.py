"""Lyric writes. Only the track's managers and staff write; synced text must be valid LRC."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from beatpass.api.errors import Conflict
from content.catalog.models import Track
from content.catalog.selectors import track_is_manageable
from content.lyrics.lrc import LrcError, parse_lrc
from content.lyrics.models import Lyric

LYRIC_EXISTS = "Lyrics already exist for this track"


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _validate(*, text: str, is_synced: bool) -> None:
    if not is_synced:
        return
    try:
        parse_lrc(text)
    except LrcError as exc:
        raise ValidationError({"text": [str(exc)]}) from None


def _require_manager(*, user, track: Track) -> None:
    if not track_is_manageable(user=user, track=track):
        raise PermissionDenied("Only the track's managers can edit its lyrics.")


def lyric_create(*, user, track: Track, text: str, is_synced: bool = False) -> Lyric:
    """One lyric per track: 409 if the track has one already (the OneToOne backs it up)."""
    _require_manager(user=user, track=track)
    text = _normalise(text)
    _validate(text=text, is_synced=is_synced)
    if Lyric.objects.filter(track=track).exists():
        raise Conflict(LYRIC_EXISTS, code="lyric_exists")
    try:
        with transaction.atomic():
            return Lyric.objects.create(
                track=track, text=text, is_synced=is_synced, created_by=user
            )
    except IntegrityError:  # a concurrent create won
        raise Conflict(LYRIC_EXISTS, code="lyric_exists") from None


def lyric_update(*, user, lyric: Lyric, data: dict[str, Any]) -> Lyric:
    """Partial update; the LRC check runs on the resulting (text, is_synced) pair."""
    _require_manager(user=user, track=lyric.track)
    text = _normalise(data["text"]) if "text" in data else lyric.text
    is_synced = data.get("is_synced", lyric.is_synced)
    _validate(text=text, is_synced=is_synced)
    lyric.text, lyric.is_synced = text, is_synced
    lyric.save(update_fields=["text", "is_synced", "updated_at"])
    return lyric


def lyrics_delete(*, user, ids: Sequence[int], visible_tracks) -> int:
    """Delete all or none: 404 if any lyric is missing or on a hidden track, 403 if any is on a
    track the user does not manage."""
    with transaction.atomic():
        rows = list(Lyric.objects.select_for_update().filter(pk__in=ids, track__in=visible_tracks))
        if len(rows) != len(ids):
            raise NotFound()
        managed = set(
            Track.objects.managed_by(user)
            .filter(pk__in=[lyric.track_id for lyric in rows])
            .values_list("pk", flat=True)
        )
        if any(lyric.track_id not in managed for lyric in rows):
            raise PermissionDenied("Only the track's managers can delete its lyrics.")
        Lyric.objects.filter(pk__in=[lyric.pk for lyric in rows]).delete()
    return len(rows)
