"""The Django admin deletes tracks through the same service as the API: a track sold
exclusively or being paid for is refused with a message (single delete and the bulk action),
and a deleted track's stems and audio file leave storage once the delete commits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from conftest import bearer_client
from content import clock
from content.catalog.models import Track
from content.commerce.models import Purchase, TrackStem
from content.commerce.tests.conftest import exclusive_for_sale, initiate
from content.commerce.tests.test_stems import add_stem, buy, stored_uploads
from content.tests.factories import UserFactory
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/content/track/"


def delete_page(track) -> str:
    return f"/admin/content/track/{track.pk}/delete/"


def bulk_delete(admin_client, tracks):
    return admin_client.post(
        CHANGELIST,
        {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [t.pk for t in tracks]},
        follow=True,
    )


@pytest.fixture
def track(seller):
    return exclusive_for_sale(seller)


@pytest.fixture
def sold(producer_client, track, api_client):
    add_stem(producer_client, track, "drums.wav")
    buy(UserFactory(), track, api_client)
    return track


def test_the_admin_refuses_to_delete_a_sold_track_and_says_why(admin_client, sold):
    for method in (admin_client.get, admin_client.post):
        response = method(delete_page(sold), {"post": "yes"}, follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        assert "sold exclusively" in page
        assert "was deleted successfully" not in page
    assert Track.objects.filter(pk=sold.pk).exists()
    assert TrackStem.objects.filter(track=sold).exists()


def test_the_bulk_action_refuses_a_batch_with_a_track_being_paid_for(admin_client, track, seller):
    other = exclusive_for_sale(seller, name="Unsold")
    assert initiate(bearer_client(UserFactory()), track).status_code == 200
    response = bulk_delete(admin_client, [track, other])
    page = response.content.decode()
    assert "Nothing was deleted" in page
    assert "A buyer is paying for this track" in page
    assert "Successfully deleted" not in page
    assert Track.objects.filter(pk__in=[track.pk, other.pk]).count() == 2
    assert Purchase.objects.get().status == Purchase.Status.PENDING


def test_an_expired_hold_gives_way_to_the_admin_delete(admin_client, track):
    initiate(bearer_client(UserFactory()), track)
    Track.objects.filter(pk=track.pk).update(exclusive_hold_until=clock.now() - timedelta(1))
    response = admin_client.post(delete_page(track), {"post": "yes"}, follow=True)
    assert "was deleted successfully" in response.content.decode()
    purchase = Purchase.objects.get()
    assert (purchase.status, purchase.failure_code) == (Purchase.Status.FAILED, "track_deleted")


@pytest.mark.parametrize("bulk", [False, True])
def test_an_admin_delete_removes_the_stem_and_audio_files(
    admin_client, producer_client, track, bulk, django_capture_on_commit_callbacks
):
    before = set(stored_uploads())
    stem = add_stem(producer_client, track, "bass.wav").json()["stem"]
    audio = FileEntry.objects.get(pk=track.file_id)
    audio_path = audio.file.path
    assert audio_path in {str(p) for p in before}
    assert len(set(stored_uploads()) - before) == 1
    with django_capture_on_commit_callbacks(execute=True):
        if bulk:
            response = bulk_delete(admin_client, [track])
            assert "Successfully deleted 1" in response.content.decode()
        else:
            response = admin_client.post(delete_page(track), {"post": "yes"}, follow=True)
            assert "was deleted successfully" in response.content.decode()
    assert not Track.objects.filter(pk=track.pk).exists()
    assert not FileEntry.objects.filter(pk__in=[stem["id"], audio.pk]).exists()
    assert audio_path not in {str(p) for p in stored_uploads()}


def test_a_producer_delete_removes_the_audio_file_too(
    producer_client, track, django_capture_on_commit_callbacks
):
    audio = FileEntry.objects.get(pk=track.file_id)
    audio_path = audio.file.path
    assert audio_path in {str(p) for p in stored_uploads()}
    with django_capture_on_commit_callbacks(execute=True):
        assert producer_client.delete(f"/api/v1/tracks/{track.pk}").status_code == 200
    assert not FileEntry.objects.filter(pk=audio.pk).exists()
    assert audio_path not in {str(p) for p in stored_uploads()}


# --- stems --------------------------------------------------------------------------------------


def test_the_admin_cannot_delete_a_delivered_stem(admin_client, sold):
    stem = TrackStem.objects.get(track=sold)
    page = admin_client.get(f"/admin/content/trackstem/{stem.pk}/delete/")
    assert page.status_code == 403
    assert (
        admin_client.post(
            f"/admin/content/trackstem/{stem.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    bulk = admin_client.post(
        "/admin/content/trackstem/",
        {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [stem.pk]},
        follow=True,
    )
    assert "Successfully deleted" not in bulk.content.decode()
    assert TrackStem.objects.filter(pk=stem.pk).exists()


@pytest.mark.parametrize("bulk", [False, True])
def test_an_admin_stem_delete_removes_its_file(
    admin_client, producer_client, track, bulk, django_capture_on_commit_callbacks
):
    before = set(stored_uploads())
    stem = add_stem(producer_client, track, "keys.wav").json()["stem"]
    assert len(set(stored_uploads()) - before) == 1
    with django_capture_on_commit_callbacks(execute=True):
        if bulk:
            admin_client.post(
                "/admin/content/trackstem/",
                {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [stem["id"]]},
            )
        else:
            url = f"/admin/content/trackstem/{stem['id']}/delete/"
            assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not TrackStem.objects.exists()
    assert not FileEntry.objects.filter(pk=stem["id"]).exists()
    assert set(stored_uploads()) == before
