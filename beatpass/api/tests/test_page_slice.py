"""``page_slice`` (deferred join) returns exactly what plain LIMIT/OFFSET slicing returns."""

from __future__ import annotations

import pytest
from django.db.models import Count, Exists, OuterRef

from beatpass.api.pagination import _can_defer_join, page_slice
from content.catalog.models import Track, TrackLike
from content.tests.factories import ArtistFactory, GenreFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks():
    genres = [GenreFactory(name="house"), GenreFactory(name="techno")]
    artist = ArtistFactory()
    return [
        TrackFactory(artists=[artist], genres=genres[: 1 + i % 2], plays=i % 3) for i in range(11)
    ]


def slices(queryset, per_page=4):
    return [
        (page_slice(queryset, o, per_page), list(queryset[o : o + per_page])) for o in (0, 4, 8)
    ]


def test_values_page_with_a_per_row_subquery_matches_plain_slicing(tracks):
    # given: the shape of a signed-in track list
    viewer = UserFactory()
    TrackLike.objects.create(user=viewer, track=tracks[3])
    liked = TrackLike.objects.filter(user=viewer, track=OuterRef("pk"))
    queryset = (
        Track.objects.annotate(is_liked=Exists(liked))
        .order_by("-plays", "-id")
        .values("id", "name", "is_liked")
    )
    assert _can_defer_join(queryset)
    # when / then
    for deferred, plain in slices(queryset):
        assert deferred == plain
        assert deferred


def test_rows_repeated_by_a_many_valued_join_fall_back_to_plain_slicing(tracks):
    # given: one row per (track, genre), so primary keys repeat
    queryset = Track.objects.filter(genres__name__in=["house", "techno"]).order_by("id")
    assert not _can_defer_join(queryset)
    # then
    for deferred, plain in slices(queryset):
        assert deferred == plain


def test_grouped_and_distinct_querysets_fall_back_to_plain_slicing(tracks):
    grouped = Track.objects.annotate(n=Count("genres")).order_by("-n", "id")
    distinct = Track.objects.order_by("id").distinct()
    assert not _can_defer_join(grouped)
    assert not _can_defer_join(distinct)
    for deferred, plain in slices(grouped) + slices(distinct):
        assert deferred == plain
