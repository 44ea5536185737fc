"""Pin one track to the top of an artist's profile."""

from __future__ import annotations

from django.db import transaction
from rest_framework.exceptions import ValidationError

from content.models import Artist, ArtistPinnedTrack, Track, TrackArtist, Visibility


@transaction.atomic
def track_pin(*, artist: Artist, track: Track, actor) -> ArtistPinnedTrack:
    """Pin ``track`` for ``artist``, replacing any previous pin in the same transaction.

    Locks the artist row so concurrent pins for one artist serialize; the OneToOne on
    ``ArtistPinnedTrack.artist`` guarantees at most one pin even without the lock.
    Only a public track credited to this artist qualifies (422 otherwise).
    """
    Artist.objects.select_for_update().get(pk=artist.pk)
    track = Track.objects.select_for_update().get(pk=track.pk)
    credited = TrackArtist.objects.filter(track=track, artist=artist).exists()
    if not credited:
        raise ValidationError({"track": ["Only a track credited to this artist can be pinned."]})
    if track.visibility != Visibility.PUBLIC:
        raise ValidationError({"track": ["Only a public track can be pinned."]})
    pin, _ = ArtistPinnedTrack.objects.update_or_create(
        artist=artist, defaults={"track": track, "pinned_by": actor}
    )
    return pin


@transaction.atomic
def track_unpin(*, artist: Artist, track: Track) -> bool:
    """Remove the pin if ``track`` is the artist's pinned track; returns whether it was."""
    Artist.objects.select_for_update().get(pk=artist.pk)
    deleted, _ = ArtistPinnedTrack.objects.filter(artist=artist, track=track).delete()
    return bool(deleted)
