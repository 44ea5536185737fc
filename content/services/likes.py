"""Likes for tracks, albums and artists; the liked row's counter moves in the same transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from content.models import Album, AlbumLike, Artist, ArtistLike, Track, TrackLike

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
