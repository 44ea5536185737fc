"""Playlist invariants under concurrent writers (real transactions, one connection per thread)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from beatpass.api.errors import LimitReached
from beatpass.testing import run_together
from content.playlists import services
from content.playlists.models import MAX_EDITORS, Playlist, PlaylistEditor, PlaylistTrack
from content.playlists.tests.factories import PlaylistFactory, pending_invitation, positions
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_15_concurrent_accepts_end_with_exactly_10_editors():
    owner = UserFactory()
    playlist = PlaylistFactory(owner=owner, collaborative=True)
    invitees = UserFactory.create_batch(15)
    for invitee in invitees:  # set up directly: the invite service would stop at 10
        pending_invitation(playlist, invitee)

    results = run_together(
        *[
            (lambda u=u: services.playlist_invitation_accept(playlist=playlist, user=u))
            for u in invitees
        ]
    )

    accepted = [r for r in results if isinstance(r, Playlist)]
    refused = [r for r in results if isinstance(r, LimitReached)]
    assert len(accepted) == MAX_EDITORS, results
    assert len(refused) == 15 - MAX_EDITORS, results
    assert all(r.message == "Max editors reached" for r in refused)
    assert PlaylistEditor.objects.filter(playlist=playlist).count() == MAX_EDITORS


@pytest.mark.django_db(transaction=True)
def test_10_concurrent_adds_get_contiguous_unique_positions_and_lose_nothing():
    owner = UserFactory()
    artist = ArtistFactory()
    first = TrackFactory(artists=[artist])
    playlist = PlaylistFactory(owner=owner, tracks=[first])
    batches = [[TrackFactory(artists=[artist]).pk for _ in range(3)] for _ in range(10)]

    results = run_together(
        *[
            (
                lambda ids=ids: services.playlist_add_tracks(
                    playlist=playlist, actor=owner, track_ids=ids
                )
            )
            for ids in batches
        ]
    )

    assert all(isinstance(r, list) for r in results), results
    rows = positions(playlist)
    assert [p for p, _ in rows] == list(range(1, 32))
    assert {t for _, t in rows} == {first.pk} | {t for batch in batches for t in batch}
    # each call's tracks stay together and in the given order
    order = [t for _, t in rows]
    for batch in batches:
        start = order.index(batch[0])
        assert order[start : start + 3] == batch


@pytest.mark.django_db(transaction=True)
def test_concurrent_removes_and_adds_keep_positions_contiguous():
    owner = UserFactory()
    artist = ArtistFactory()
    initial = [TrackFactory(artists=[artist]) for _ in range(10)]
    playlist = PlaylistFactory(owner=owner, tracks=initial)
    new = [TrackFactory(artists=[artist]).pk for _ in range(4)]

    results = run_together(
        lambda: services.playlist_remove_tracks(
            playlist=playlist, actor=owner, track_ids=[initial[1].pk, initial[4].pk]
        ),
        lambda: services.playlist_add_tracks(playlist=playlist, actor=owner, track_ids=new[:2]),
        lambda: services.playlist_remove_tracks(
            playlist=playlist, actor=owner, track_ids=[initial[7].pk]
        ),
        lambda: services.playlist_add_tracks(playlist=playlist, actor=owner, track_ids=new[2:]),
    )

    assert not any(isinstance(r, Exception) for r in results), results
    rows = positions(playlist)
    assert [p for p, _ in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == 10 - 3 + 4


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_two_tracks_at_one_position_at_commit():
    playlist = PlaylistFactory(tracks=[TrackFactory()])
    entry = PlaylistTrack.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        PlaylistTrack.objects.create(
            playlist=playlist,
            track=TrackFactory(),
            position=entry.position,
            added_at=entry.added_at,
        )  # deferred: passes here, fails when the transaction commits


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_cannot_pass_the_playlist_limit():
    owner = UserFactory()
    PlaylistFactory.create_batch(98, owner=owner)

    results = run_together(
        *[(lambda: services.playlist_create(owner=owner, data={"name": "x"})) for _ in range(5)]
    )

    assert sum(isinstance(r, Playlist) for r in results) == 2
    assert sum(isinstance(r, LimitReached) for r in results) == 3
    assert Playlist.objects.filter(owner=owner).count() == 100
