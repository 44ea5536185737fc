"""Who may write a track or an album: managers of its main artist and staff. A featured
artist's manager reads the track, private ones included, and nothing more."""

import pytest

from conftest import bearer_client
from content.catalog.models import Visibility
from content.tests.factories import AlbumFactory, ArtistFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def featured_manager_setup(producer_artist):
    featured_manager = UserFactory()
    featured = ArtistFactory(managers=[featured_manager])
    track = TrackFactory(artists=[producer_artist, featured], visibility=Visibility.PRIVATE)
    return bearer_client(featured_manager), track


def test_featured_artist_manager_reads_the_private_track(featured_manager_setup):
    client, track = featured_manager_setup

    response = client.get(f"/api/v1/tracks/{track.pk}")

    assert response.status_code == 200


def test_featured_artist_manager_cannot_edit_or_delete_the_track(featured_manager_setup):
    client, track = featured_manager_setup

    edit = client.put(f"/api/v1/tracks/{track.pk}", {"name": "Taken over"}, format="json")
    delete = client.delete(f"/api/v1/tracks/{track.pk}")

    assert edit.status_code == 403
    assert delete.status_code == 403
    track.refresh_from_db()
    assert track.name != "Taken over"


def test_main_artist_manager_edits_the_track(producer_client, producer_artist):
    featured = ArtistFactory()
    track = TrackFactory(artists=[producer_artist, featured])

    response = producer_client.put(f"/api/v1/tracks/{track.pk}", {"name": "Mine"}, format="json")

    assert response.status_code == 200
    assert response.json()["track"]["name"] == "Mine"


def test_second_album_artist_manager_cannot_edit_or_delete_the_album(producer_artist):
    other_manager = UserFactory()
    second = ArtistFactory(managers=[other_manager])
    album = AlbumFactory(artists=[producer_artist, second])
    client = bearer_client(other_manager)

    edit = client.put(f"/api/v1/albums/{album.pk}", {"name": "Taken over"}, format="json")
    delete = client.delete(f"/api/v1/albums/{album.pk}")

    assert edit.status_code == 403
    assert delete.status_code == 403
