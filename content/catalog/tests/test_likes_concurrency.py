"""Likes under real concurrency: separate connections, one transaction each."""

import pytest

from beatpass.testing import run_concurrently
from content.catalog.models import TrackLike
from content.catalog.services import like, unlike
from content.tests.factories import ArtistFactory, TrackFactory, UserFactory


@pytest.mark.django_db(transaction=True)
def test_same_user_liking_from_many_connections_counts_once():
    user = UserFactory()
    track = TrackFactory(artists=[ArtistFactory()])
    results = run_concurrently(lambda i: like(user=user, obj=track), 12)
    assert all(isinstance(r, bool) for r in results), results
    assert results.count(True) == 1
    track.refresh_from_db()
    assert track.likes_count == 1
    assert TrackLike.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_users_liking_and_unliking_keep_the_counter_exact():
    users = UserFactory.create_batch(10)
    track = TrackFactory(artists=[ArtistFactory()])
    run_concurrently(lambda i: like(user=users[i], obj=track), 10)
    run_concurrently(lambda i: unlike(user=users[i], obj=track) if i % 2 else None, 10)
    track.refresh_from_db()
    assert track.likes_count == 5 == TrackLike.objects.count()
