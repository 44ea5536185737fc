"""The fallback backend of ``make run`` (SQLite), exercised directly: same interface, same basic
rules as the PostgreSQL backend (the suite itself runs on PostgreSQL)."""

from __future__ import annotations

import math

import pytest

from content.catalog.models import Track, Visibility
from content.search import camelot
from content.search.backends import get_backend
from content.search.backends.base import RadioProfile
from content.search.backends.postgres import PostgresSearchBackend
from content.search.backends.simple import SimpleSearchBackend
from content.search.models import TrackDescriptor
from content.search.parsing import parse
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
backend = SimpleSearchBackend()


def track_names(query: str, **kwargs) -> list[str]:
    page = backend.search(backend.prepare(parse(query)), kind="track", offset=0, limit=10)
    by_id = dict(Track.objects.filter(pk__in=page.ids).values_list("pk", "name"))
    return [by_id[i] for i in page.ids]


def test_the_backend_follows_the_database_vendor(settings):
    settings.SEARCH_BACKEND = "auto"
    assert isinstance(get_backend(), PostgresSearchBackend)
    settings.SEARCH_BACKEND = "simple"
    assert isinstance(get_backend(), SimpleSearchBackend)


def test_exact_names_first_then_popularity():
    TrackFactory(name="Midnight Run", plays=90_000)
    TrackFactory(name="Midnight", plays=1)
    TrackFactory(name="Midnight Drive", plays=10)

    assert track_names("midnight") == ["Midnight", "Midnight Run", "Midnight Drive"]


def test_typos_prefixes_and_private_tracks():
    TrackFactory(name="Southside Hymn")
    TrackFactory(name="Southside Secret", visibility=Visibility.PRIVATE)

    assert track_names("southsde hymn") == ["Southside Hymn"]
    assert track_names("hymn souths") == ["Southside Hymn"]


def test_genre_and_tag_words_boost_and_bpm_and_key_count():
    trap = GenreFactory(name="trap", display_name="Trap")
    dark = TagFactory(name="dark")
    TrackFactory(name="Wanted", genres=[trap], tags=[dark], bpm=141, key="A", scale="minor")
    TrackFactory(name="Too Slow", genres=[trap], tags=[dark], bpm=90)
    TrackFactory(name="No Tag", genres=[trap], bpm=100)
    TrackFactory(name="Unrelated", bpm=141)

    ranked = track_names("dark trap 140 Am")

    assert ranked[0] == "Wanted"
    assert set(ranked) == {"Wanted", "Too Slow", "No Tag"}


def test_other_types_are_found_by_name():
    ArtistFactory(name="Drillmatic")
    AlbumFactory(name="Concrete Psalms")
    UserFactory(name="Lena Listener")
    prepared = backend.prepare(parse("drilmatic"))

    assert backend.search(prepared, kind="artist", offset=0, limit=3).total == 1
    assert (
        backend.search(backend.prepare(parse("psalms")), kind="album", offset=0, limit=3).total == 1
    )
    users = backend.search(backend.prepare(parse("lena")), kind="user", offset=0, limit=3)
    assert [row["name"] for row in users.rows.values()] == ["Lena Listener"]


def test_suggestions_prefer_names_starting_with_the_prefix():
    ArtistFactory(name="Paper Nova", likes_count=900)
    nova = ArtistFactory(name="Nova Vance")

    ids = backend.suggest(kind="artist", prefix="nov", limit=10)

    assert ids[0] == nova.pk
    assert len(ids) == 2
    assert backend.suggest(kind="artist", prefix="", limit=1) != []


def test_similar_tracks_and_radio_candidates():
    seed = TrackFactory(name="Seed", key="A", scale="minor", bpm=140)
    near = TrackFactory(name="Near", key="C", scale="major", bpm=70)
    TrackFactory(name="Clash", key="F#", scale="major", bpm=99)
    for track, angle in ((seed, 0.0), (near, 0.2)):
        TrackDescriptor.objects.create(
            track=track,
            status="completed",
            vector=[math.cos(angle), math.sin(angle), 0.0],
            version=1,
            computed_at=track.created_at,
        )

    assert backend.similar_tracks(track_id=seed.pk, limit=5) == [near.pk]
    candidates = backend.radio_candidates(
        RadioProfile(
            seed_track_ids=(seed.pk,),
            camelot_codes=(camelot.code_for("A", "minor"),),
            tempos=(140,),
            vector=(1.0, 0.0, 0.0),
            genre_ids=(),
            tag_ids=(),
            exclude_track_ids=(seed.pk,),
        )
    )
    assert [c.track_id for c in candidates] == [near.pk]
    assert candidates[0].distance == pytest.approx(math.sqrt(2 - 2 * math.cos(0.2)))
