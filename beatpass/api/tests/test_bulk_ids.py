"""Bulk deletes take ``/{resource}/1,2,3``: an empty item is a 422 and deletes nothing."""

import pytest
from rest_framework.exceptions import ValidationError

from beatpass.api.params import parse_id_list
from content.catalog.models import Album, Track
from content.lyrics.models import Lyric
from content.playlists.models import Playlist
from content.playlists.tests.factories import PlaylistFactory
from content.tests.factories import AlbumFactory, TrackFactory


@pytest.mark.parametrize("raw", ["1,,2", "1,2,", ",1", " , ", "1, ,2"])
def test_an_empty_item_in_an_id_list_is_rejected(raw):
    with pytest.raises(ValidationError):
        parse_id_list(raw)


@pytest.mark.parametrize(("raw", "ids"), [("1,2,3", [1, 2, 3]), (" 4 , 4,5 ", [4, 5]), ("7", [7])])
def test_well_formed_id_lists_parse_in_order_without_duplicates(raw, ids):
    assert parse_id_list(raw) == ids


def _two_of_each(producer, producer_artist):
    tracks = [TrackFactory(artists=[producer_artist]) for _ in range(2)]
    albums = [AlbumFactory(artists=[producer_artist]) for _ in range(2)]
    lyrics = [Lyric.objects.create(track=t, text="la la") for t in tracks]
    playlists = [PlaylistFactory(owner=producer) for _ in range(2)]
    return {
        "tracks": (Track, tracks),
        "albums": (Album, albums),
        "lyrics": (Lyric, lyrics),
        "playlists": (Playlist, playlists),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["tracks", "albums", "lyrics", "playlists"])
def test_bulk_delete_with_an_empty_id_is_422_and_deletes_nothing(
    producer_client, producer, producer_artist, resource
):
    model, rows = _two_of_each(producer, producer_artist)[resource]
    before = model.objects.count()

    response = producer_client.delete(f"/api/v1/{resource}/{rows[0].pk},,{rows[1].pk}")

    assert response.status_code == 422, response.content
    assert response.json()["errors"]["ids"] == ["The list contains an empty id."]
    assert model.objects.count() == before
