"""Fixtures of the analytics tests: a small catalog, play events written directly, and the
seeded achievement catalog (re-seeded because transactional tests flush the table)."""

from __future__ import annotations

import datetime

import pytest

from content.analytics.models import Achievement, PlayEvent
from content.analytics.services.achievements import achievements_sync
from content.tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

# A fixed "now" for every test that reads periods: Wednesday 2025-06-18, 12:00 UTC.
NOW = datetime.datetime(2025, 6, 18, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture
def clock_at_now(fake_clock):
    fake_clock.current = NOW
    return fake_clock


@pytest.fixture
def achievements(db) -> dict[str, Achievement]:
    achievements_sync()
    return {a.slug: a for a in Achievement.objects.all()}


@pytest.fixture
def catalog(db, producer, producer_artist):
    """The producer's artist with an album of two tracks and a single; a featured credit on
    another artist's track; an unrelated track."""
    other_manager = UserFactory(name="Other Manager")
    other_artist = ArtistFactory(name="Other Artist", managers=[other_manager])
    album = AlbumFactory(artists=[producer_artist])
    first = TrackFactory(artists=[producer_artist], album=album, number=1, duration=200_000)
    second = TrackFactory(artists=[producer_artist], album=album, number=2, duration=100_000)
    single = TrackFactory(artists=[producer_artist], duration=150_000)
    featured = TrackFactory(artists=[other_artist, producer_artist], duration=120_000)
    unrelated = TrackFactory(artists=[other_artist], duration=90_000)
    return {
        "artist": producer_artist,
        "album": album,
        "first": first,
        "second": second,
        "single": single,
        "featured": featured,
        "unrelated": unrelated,
        "other_artist": other_artist,
        "other_manager": other_manager,
    }


def add_play(
    track,
    *,
    listener: int,
    day: datetime.date = TODAY,
    listened_ms: int = 0,
    hour: int = 10,
    minute: int = 0,
    user=None,
    folded: bool = False,
) -> PlayEvent:
    """A play event as the service would write it (unfolded unless ``folded``)."""
    duration = track.duration
    listened = min(listened_ms, duration)
    completed = duration > 0 and listened * 100 >= duration * 80
    return PlayEvent.objects.create(
        track=track,
        user=user,
        listener=listener,
        started_at=datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC),
        day=day,
        track_duration_ms=duration,
        listened_ms=listened,
        completed=completed,
        folded_ms=listened if folded else PlayEvent.UNFOLDED,
        folded_completed=completed if folded else False,
    )
