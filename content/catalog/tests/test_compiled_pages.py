"""Page 1 of the plain track list and of an artist's, genre's or tag's tracks is compiled once
per scope kind, viewer tier, plan and page size and replayed with the real ids
(``presenters.track_list_page``): it must answer exactly the rows the ORM page (``page_slice``
of the same ``track_rows``) answers, for both plans, and leave deeper pages to the ORM."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from beatpass.api.pagination import page_slice
from content.catalog import presenters, selectors
from content.catalog.models import TrackCount, TrackLike
from content.tests.factories import (
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Scope = TrackCount.Scope


def orm_rows(viewer, scope, ref_id, share):
    tracks = selectors.track_list(viewer=viewer)
    if scope != Scope.ALL:
        tracks = selectors.tracks_in(tracks, scope, [ref_id], share=share)
    return presenters.track_rows(tracks, viewer=viewer)


def test_the_compiled_first_page_answers_what_the_orm_page_answers(
    producer, django_assert_num_queries
):
    # given: the producer's artist with public, private and sold tracks, some featuring
    # another artist, in a genre and with a tag, one liked by a listener
    mine = producer.managed_artists.get()
    other = ArtistFactory(name="Other")
    genre, tag = GenreFactory(), TagFactory()
    tracks = [
        TrackFactory(artists=[mine, other] if i % 2 else [mine], genres=[genre], tags=[tag])
        for i in range(7)
    ]
    TrackFactory(artists=[mine], visibility="private", genres=[genre])
    TrackFactory(artists=[other, mine], visibility="private", tags=[tag])
    TrackFactory(artists=[mine], exclusive_status="sold", genres=[genre], tags=[tag])
    listener, staff = UserFactory(), UserFactory(is_staff=True)
    TrackLike.objects.create(user=listener, track=tracks[3])
    viewers = [AnonymousUser(), listener, producer, staff]
    scopes = [
        (Scope.ALL, 0),
        (Scope.ARTIST, mine.pk),
        (Scope.ARTIST, other.pk),
        (Scope.GENRE, genre.pk),
        (Scope.TAG, tag.pk),
    ]

    # when / then
    for viewer in viewers:
        for scope, ref_id in scopes:
            for share in (0.0, 1.0):  # the linked-ids plan, the index walk
                rows = orm_rows(viewer, scope, ref_id, share)
                for limit in (1, 4, 50):
                    page = {"scope": scope, "ref_id": ref_id, "share": share, "limit": limit}
                    with django_assert_num_queries(1):
                        got = presenters.track_list_page(rows, viewer=viewer, offset=0, **page)
                    assert got == page_slice(rows, 0, limit), (viewer, page)
                    deeper = presenters.track_list_page(rows, viewer=viewer, offset=2, **page)
                    assert deeper == page_slice(rows, 2, limit)
    rows = orm_rows(listener, Scope.ARTIST, mine.pk, 0.0)
    liked = presenters.track_list_page(
        rows, viewer=listener, scope=Scope.ARTIST, ref_id=mine.pk, share=0.0, offset=0, limit=50
    )
    assert [row["is_liked"] for row in liked].count(True) == 1
    assert len(liked) == 7  # public, not sold
