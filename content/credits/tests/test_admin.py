"""The admin covers credit roles and credits (with role and artist filters)."""

from __future__ import annotations

import pytest
from django.test import Client

from content.credits.models import Credit
from content.credits.services import release_key_for
from content.tests.factories import ArtistFactory, UserFactory


@pytest.fixture
def admin_client_(db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    client.user = admin
    return client


def test_credit_changelist_filters_by_role_and_artist(admin_client_, credit_roles):
    artist, other = ArtistFactory(name="Alpha"), ArtistFactory(name="Beta")
    for a, role in ((artist, "producer"), (other, "composer")):
        Credit.objects.create(
            artist=a,
            role=credit_roles[role],
            title=f"{a.name} song",
            release_key=release_key_for(title=f"{a.name} song"),
        )

    by_role = admin_client_.get(
        "/admin/content/credit/", {"role__id__exact": credit_roles["producer"].pk}
    )
    by_artist = admin_client_.get("/admin/content/credit/", {"artist__id__exact": other.pk})

    assert by_role.status_code == 200
    assert "Alpha song" in by_role.text
    assert "Beta song" not in by_role.text
    assert "Beta song" in by_artist.text
    assert "Alpha song" not in by_artist.text


def test_credit_role_changelist_lists_the_seeded_roles(admin_client_, credit_roles):
    response = admin_client_.get("/admin/content/creditrole/")

    assert response.status_code == 200
    assert "Mastering Engineer" in response.text


def test_admin_added_credit_gets_its_release_key(admin_client_, credit_roles):
    artist = ArtistFactory()

    response = admin_client_.post(
        "/admin/content/credit/add/",
        {
            "artist": artist.pk,
            "role": credit_roles["producer"].pk,
            "release_type": "track",
            "title": "Neon  Lights",
            "release_artists": "Luna Ray",
            "position": 0,
        },
    )

    assert response.status_code == 302, response.text[:2000]
    credit = Credit.objects.get()
    assert credit.release_key == release_key_for(title="neon lights", release_artists="luna ray")
    assert credit.created_by == admin_client_.user


def test_admin_duplicate_credit_is_a_form_error_not_a_crash(admin_client_, credit_roles):
    artist = ArtistFactory()
    Credit.objects.create(
        artist=artist,
        role=credit_roles["producer"],
        title="Neon Lights",
        release_key=release_key_for(title="Neon Lights"),
    )

    response = admin_client_.post(
        "/admin/content/credit/add/",
        {
            "artist": artist.pk,
            "role": credit_roles["producer"].pk,
            "release_type": "track",
            "title": "neon lights",
            "position": 0,
        },
    )

    assert response.status_code == 200
    assert "already has this role" in response.text
    assert Credit.objects.count() == 1
