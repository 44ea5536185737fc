"""The database keeps the search documents: every catalog write updates them in the same
transaction, with no Python involved."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from beatpass.testing import run_together
from content.catalog import services as catalog
from content.catalog.models import ExclusiveStatus, Track, Visibility
from content.search import services
from content.search.models import AlbumDocument, SearchTerm, TrackDocument
from content.search.selectors import listed_tracks
from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    GenreFactory,
    TagFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db


def lexemes(document: str) -> dict[str, str]:
    """``"'dark':3C 'run':2A"`` → {"dark": "C", "run": "A"} (D has no letter)."""
    out = {}
    for part in document.split():
        word, _, positions = part.partition(":")
        out[word.strip("'")] = positions[-1] if positions[-1].isalpha() else "D"
    return out


def document_of(track) -> TrackDocument:
    return TrackDocument.objects.get(pk=track.pk)


def test_a_new_track_gets_a_weighted_document():
    artist = ArtistFactory(name="Nova Vance")
    track = TrackFactory(
        name="Midnight Rún",
        artists=[artist],
        genres=[GenreFactory(name="trap", display_name="Trap")],
        tags=[TagFactory(name="808")],
        description="Cold keys",
        bpm=140,
        key="A",
        scale="minor",
        plays=100,
        likes_count=2,
    )

    document = document_of(track)

    assert lexemes(document.document) == {
        "midnight": "A",
        "run": "A",
        "nova": "B",
        "vance": "B",
        "trap": "C",
        "808": "C",
        "cold": "D",
        "keys": "D",
    }
    assert document.name_norm == "midnight run"
    assert document.listed is True
    assert document.bpm == 140
    assert document.camelot == 8  # 8A
    assert document.main_artist_id == artist.pk
    assert document.popularity == pytest.approx(4.625)  # floor(8 * ln(1 + 100 + 5 * 2)) / 8


def test_renaming_an_artist_rewrites_the_documents_of_its_tracks():
    artist = ArtistFactory(name="Old Name")
    track = TrackFactory(artists=[artist])

    catalog.artist_update(user=None, artist=artist, data={"name": "Kofi Mensah"})

    words = lexemes(document_of(track).document)
    assert words["kofi"] == "B"
    assert "old" not in words


def test_tags_and_genres_added_later_reach_the_document():
    track = TrackFactory()

    track.tags.add(TagFactory(name="dark"))
    track.genres.add(GenreFactory(name="drill", display_name="Drill"))

    words = lexemes(document_of(track).document)
    assert words["dark"] == "C"
    assert words["drill"] == "C"

    track.tags.clear()
    assert "dark" not in lexemes(document_of(track).document)


def test_private_tracks_are_not_listed_and_deleted_tracks_lose_their_document():
    track = TrackFactory()

    Track.objects.filter(pk=track.pk).update(visibility=Visibility.PRIVATE)
    assert document_of(track).listed is False

    track.delete()
    assert not TrackDocument.objects.filter(pk=track.pk).exists()


def test_a_play_rewrites_the_document_only_when_the_coarse_prior_moves():
    track = TrackFactory(plays=1000)
    before = document_of(track).popularity

    Track.objects.filter(pk=track.pk).update(plays=1001)
    assert document_of(track).popularity == before

    Track.objects.filter(pk=track.pk).update(plays=3000)
    assert document_of(track).popularity > before


def test_an_exclusive_sale_unlists_the_track():
    track = TrackFactory()
    assert document_of(track).listed is True

    Track.objects.filter(pk=track.pk).update(exclusive_status=ExclusiveStatus.SOLD)

    assert document_of(track).listed is False


def test_listed_tracks_are_public_and_not_sold():
    public = TrackFactory()
    TrackFactory(visibility=Visibility.PRIVATE)
    TrackFactory(exclusive_status=ExclusiveStatus.SOLD)

    assert list(listed_tracks().values_list("pk", flat=True)) == [public.pk]


def test_albums_have_documents_with_their_artists_genres_and_tags():
    album = AlbumFactory(name="Night Shift", artists=[ArtistFactory(name="Nova Vance")])
    album.tags.add(TagFactory(name="cinematic"))
    album.genres.add(GenreFactory(name="trap", display_name="Trap"))

    words = lexemes(AlbumDocument.objects.get(pk=album.pk).document)

    assert words == {
        "night": "A",
        "shift": "A",
        "nova": "B",
        "vance": "B",
        "trap": "C",
        "cinematic": "C",
    }


def test_names_feed_the_spelling_vocabulary():
    TrackFactory(name="Sirens in Stereo", artists=[ArtistFactory(name="Drillmatic")])

    terms = set(SearchTerm.objects.values_list("term", flat=True))

    assert {"sirens", "stereo", "drillmatic"} <= terms
    assert "in" not in terms  # too short to correct towards


def test_pruning_removes_old_unused_words_only():
    TrackFactory(name="Glass City")
    SearchTerm.objects.create(term="forgotten")
    SearchTerm.objects.filter(term__in=["forgotten", "glass"]).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    SearchTerm.objects.create(term="brandnew")

    removed = services.search_terms_prune()

    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert removed == 1
    assert "forgotten" not in terms
    assert {"glass", "city", "brandnew"} <= terms


def test_rebuild_recreates_documents_written_with_triggers_off():
    track = TrackFactory(name="Before")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE content_track SET name = 'After Hours' WHERE id = %s", [track.pk])
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert document_of(track).name_norm == "before"

    rebuilt = services.search_documents_rebuild(batch_size=1)

    assert rebuilt == 1
    assert document_of(track).name_norm == "after hours"


@pytest.mark.django_db(transaction=True)
def test_concurrent_tag_changes_on_one_track_both_reach_its_document():
    """The second transaction's refresh waits for the first to commit, then reads both tags;
    without the row lock it would write the picture it took before waiting (one tag lost)."""
    track = TrackFactory(name="Shared")
    first, second = TagFactory(name="first"), TagFactory(name="second")
    first_added = threading.Event()

    def add_first():
        with transaction.atomic():
            track.tags.add(first)
            first_added.set()
            time.sleep(0.5)  # the other transaction runs into the lock meanwhile

    def add_second():
        first_added.wait(timeout=10)
        with transaction.atomic():
            track.tags.add(second)

    results = run_together(add_first, add_second)

    assert results == [None, None]
    words = lexemes(document_of(track).document)
    assert words["first"] == "C"
    assert words["second"] == "C"
