"""The track detail's row query is compiled once per viewer tier and replayed with the real ids
(``presenters.present_visible_track``): it must answer exactly what the ORM path
(``selectors.track_get`` + ``presenters.present_track``) answers, for every tier and include,
and hide what the ORM hides."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import NotFound

from content.catalog import presenters, selectors
from content.catalog.models import TrackLike
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

INCLUDES = [set(), {"album"}, {"genres"}, {"album", "genres", "tags", "artists"}]


def orm_detail(track_id, viewer, include):
    try:
        track = selectors.track_get(viewer=viewer, track_id=track_id)
    except NotFound:
        return None
    return presenters.present_track(track, viewer=viewer, include=include)


def test_the_compiled_detail_answers_what_the_orm_path_answers_for_every_tier(producer):
    # given: a public track on an album, a private one of the producer's artist, a private one
    # of someone else's, a track sold exclusively, liked by a listener
    mine = producer.managed_artists.get()
    other = ArtistFactory(name="Other")
    album = AlbumFactory(artists=[mine])
    public = TrackFactory(
        album=album, artists=[mine, other], genres=[GenreFactory()], tags=[TagFactory()]
    )
    own_private = TrackFactory(artists=[mine], visibility="private")
    foreign_private = TrackFactory(artists=[other], visibility="private")
    sold = TrackFactory(artists=[other], exclusive_status="sold")
    listener, staff = UserFactory(), UserFactory(is_staff=True)
    TrackLike.objects.create(user=listener, track=public)
    viewers = [AnonymousUser(), listener, producer, staff]
    tracks = [public, own_private, foreign_private, sold]

    # when / then
    for viewer in viewers:
        for track in tracks:
            for include in INCLUDES:
                expected = orm_detail(track.pk, viewer, include)
                got = presenters.present_visible_track(track.pk, viewer=viewer, include=include)
                assert got == expected, (viewer, track.visibility, include)
    # and the visibility rules did apply
    assert presenters.present_visible_track(foreign_private.pk, viewer=producer) is None
    assert presenters.present_visible_track(own_private.pk, viewer=producer) is not None
    assert presenters.present_visible_track(foreign_private.pk, viewer=staff) is not None
    assert presenters.present_visible_track(own_private.pk, viewer=AnonymousUser()) is None
    assert presenters.present_visible_track(public.pk, viewer=listener)["is_liked"] is True
    assert presenters.present_visible_track(public.pk, viewer=producer)["is_liked"] is False
    assert presenters.present_visible_track(10**17, viewer=staff) is None
