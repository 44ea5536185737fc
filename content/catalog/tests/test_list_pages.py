"""Paging walks a list in order, without gaps or repeats, whatever the ordering.

Pages are read with a deferred join (``beatpass.api.pagination.page_slice``): the page's keys
first, then the rows for those keys, so these tests walk every page of orderings on a column,
on a counter with ties broken by id, and on an annotation (the time of a like).
"""

from __future__ import annotations

import pytest

from content.catalog.models import TrackLike
from content.tests.factories import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db


def walk(client, url: str, per_page: int) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        body = client.get(
            f"{url}{'&' if '?' in url else '?'}per_page={per_page}&page={page}"
        ).json()
        assert body["current_page"] == page
        if not body["data"]:
            return ids
        assert body["from"] == len(ids) + 1
        ids += [item["id"] for item in body["data"]]
        assert body["to"] == len(ids)
        page += 1


def test_pages_of_the_popular_order_cover_every_track_once_in_order(user, user_client):
    # given: 23 tracks, plays with ties (ties are broken by newest id)
    artist = ArtistFactory()
    tracks = [TrackFactory(artists=[artist], plays=i % 4) for i in range(23)]
    # when
    ids = walk(user_client, "/api/v1/tracks?order=popular", per_page=5)
    # then
    expected = sorted(tracks, key=lambda t: (-t.plays, -t.pk))
    assert ids == [t.pk for t in expected]


def test_pages_of_liked_tracks_follow_the_time_of_the_like(user, user_client):
    # given: liked in an order unrelated to creation
    tracks = [TrackFactory(artists=[ArtistFactory()]) for _ in range(12)]
    liked_order = tracks[5:] + tracks[:5]
    for track in liked_order:
        TrackLike.objects.create(user=user, track=track)
    # when
    ids = walk(user_client, "/api/v1/users/me/liked-tracks", per_page=5)
    # then: newest like first
    assert ids == [t.pk for t in reversed(liked_order)]


def test_page_past_the_end_is_empty_but_keeps_the_total(api_client):
    TrackFactory.create_batch(3)
    body = api_client.get("/api/v1/tracks?per_page=2&page=3").json()
    assert body["data"] == []
    assert body["total"] == 3
    assert body["from"] is None
