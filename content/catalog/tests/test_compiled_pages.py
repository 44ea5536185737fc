"""Page 1 of an artist's tracks is compiled once per viewer tier, plan and page size and
replayed with the real ids (``presenters.artist_track_page``): it must answer exactly the rows
the ORM page (``page_slice`` of the same ``track_rows``) answers, for both plans."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from beatpass.api.pagination import page_slice
from content.catalog import presenters, selectors
from content.catalog.models import TrackLike
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_compiled_first_page_answers_what_the_orm_page_answers(
    producer, django_assert_num_queries
):
    # given: the producer's artist with public, private and sold tracks, some featuring
    # another artist, one liked by a listener; another artist's private track
    mine = producer.managed_artists.get()
    other = ArtistFactory(name="Other")
    tracks = [TrackFactory(artists=[mine, other] if i % 2 else [mine]) for i in range(7)]
    TrackFactory(artists=[mine], visibility="private")
    TrackFactory(artists=[other, mine], visibility="private")
    TrackFactory(artists=[mine], exclusive_status="sold")
    listener, staff = UserFactory(), UserFactory(is_staff=True)
    TrackLike.objects.create(user=listener, track=tracks[3])
    viewers = [AnonymousUser(), listener, producer, staff]

    # when / then
    for viewer in viewers:
        for artist in (mine, other):
            for share in (0.0, 1.0):  # the linked-ids plan, the index walk
                tracks = selectors.tracks_by_artist(viewer=viewer, artist=artist, share=share)
                rows = presenters.track_rows(tracks, viewer=viewer)
                for limit in (1, 4, 50):
                    expected = page_slice(rows, 0, limit)
                    with django_assert_num_queries(1):
                        got = presenters.artist_track_page(
                            rows,
                            viewer=viewer,
                            artist_id=artist.pk,
                            share=share,
                            offset=0,
                            limit=limit,
                        )
                    assert got == expected, (viewer, artist, share, limit)
                    deeper = presenters.artist_track_page(
                        rows, viewer=viewer, artist_id=artist.pk, share=share, offset=2, limit=limit
                    )
                    assert deeper == page_slice(rows, 2, limit)
    rows = presenters.track_rows(
        selectors.tracks_by_artist(viewer=listener, artist=mine, share=0.0), viewer=listener
    )
    liked = presenters.artist_track_page(
        rows, viewer=listener, artist_id=mine.pk, share=0.0, offset=0, limit=50
    )
    assert [row["is_liked"] for row in liked].count(True) == 1
    assert len(liked) == 7  # public, not sold
