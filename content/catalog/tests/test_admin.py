"""Every admin page staff use renders: changelists (with search) and add forms."""

import pytest
from django.contrib import admin

from content.tests.factories import (
    AlbumFactory,
    ArtistFactory,
    FileEntryFactory,
    GenreFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_registered_model_has_working_changelist_and_add_page(admin_client):
    artist = ArtistFactory()
    TrackFactory(artists=[artist], genres=[GenreFactory()], file=FileEntryFactory())
    AlbumFactory(artists=[artist])
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        changelist = admin_client.get(base)
        assert changelist.status_code == 200, base
        if model_admin.search_fields:
            assert admin_client.get(base, {"q": "x"}).status_code == 200, base
        if model_admin.has_add_permission(_request(admin_client)):
            assert admin_client.get(base + "add/").status_code == 200, base


def test_track_change_page_shows_counters_read_only(admin_client):
    track = TrackFactory(artists=[ArtistFactory()], plays=42)
    page = admin_client.get(f"/admin/content/track/{track.pk}/change/").content.decode()
    assert 'name="plays"' not in page
    assert "42" in page


def _request(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    return request
