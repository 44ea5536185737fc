from __future__ import annotations

from datetime import timedelta

import factory

from content import clock
from content.playlists.models import Playlist, PlaylistEditor, PlaylistInvitation, PlaylistTrack
from content.tests.factories import UserFactory


class PlaylistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Playlist
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Playlist {n}")
    public = True

    @factory.post_generation
    def tracks(obj, create, extracted, **kwargs):
        if create and extracted:
            PlaylistTrack.objects.bulk_create(
                PlaylistTrack(
                    playlist=obj, track=t, position=i, added_by=obj.owner, added_at=clock.now()
                )
                for i, t in enumerate(extracted, start=1)
            )

    @factory.post_generation
    def editors(obj, create, extracted, **kwargs):
        if create and extracted:
            PlaylistEditor.objects.bulk_create(
                PlaylistEditor(playlist=obj, user=u) for u in extracted
            )


def pending_invitation(playlist, invitee, *, sent_at=None) -> PlaylistInvitation:
    """A pending invitation created directly (bypassing the invite rules), for setups."""
    sent_at = sent_at or clock.now()
    return PlaylistInvitation.objects.create(
        playlist=playlist,
        invitee=invitee,
        invited_by=playlist.owner,
        sent_at=sent_at,
        expires_at=sent_at + timedelta(days=7),
    )


def positions(playlist) -> list[tuple[int, int]]:
    """[(position, track_id), ...] in order."""
    return list(
        PlaylistTrack.objects.filter(playlist=playlist)
        .order_by("position")
        .values_list("position", "track_id")
    )
