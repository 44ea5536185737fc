"""A track sold exclusively, or being paid for, stays as its buyer bought it: its producer cannot
delete it nor take its stems back (409; staff can, as a takedown), a batch with one such track
is refused whole, and a sold track the producer hides keeps its download, certificate and
purchase status for the buyer. Help: when your beat sells ("the buyer receives … WAV, MP3,
stems"), purchasing exclusive ("Immediate access … download ready")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import bearer_client
from content import clock
from content.catalog.models import Track
from content.commerce.models import Purchase, TrackStem
from content.commerce.tests.conftest import deliver, exclusive_for_sale, initiate, pay, refund_event
from content.commerce.tests.test_stems import add_stem, buy, stems_url, stored_uploads
from content.licensing.tests.conftest import body_of
from content.media.selectors import download_track_get
from content.tests.factories import UserFactory
from content.uploads.models import FileEntry

pytestmark = pytest.mark.django_db


def track_url(track) -> str:
    return f"/api/v1/tracks/{track.pk}"


@pytest.fixture
def track(seller):
    return exclusive_for_sale(seller)


@pytest.fixture
def sold(producer_client, track, api_client):
    """``track`` with one stem, sold to a buyer: (track, buyer, purchase, stem id)."""
    stem_id = add_stem(producer_client, track, "drums.wav").json()["stem"]["id"]
    buyer = UserFactory()
    purchase = buy(buyer, track, api_client)
    return track, buyer, purchase, stem_id


# --- deleting ---------------------------------------------------------------------------------


def test_the_producer_cannot_delete_a_sold_track(producer_client, sold):
    track, buyer, _, stem_id = sold
    response = producer_client.delete(track_url(track))
    assert response.status_code == 409
    body = response.json()
    assert (body["error_code"], body["track_ids"]) == ("exclusive_sold", [track.pk])
    assert Track.objects.filter(pk=track.pk).exists()
    assert TrackStem.objects.filter(pk=stem_id).exists()
    buyer_client = bearer_client(buyer)
    assert buyer_client.get(stems_url(track, stem_id, "download")).status_code == 200
    assert buyer_client.get(f"{track_url(track)}/download").status_code == 200


def test_a_batch_with_one_sold_track_is_refused_whole(producer_client, sold, seller):
    track = sold[0]
    other = exclusive_for_sale(seller, name="Unsold")
    response = producer_client.delete(f"/api/v1/tracks/{other.pk},{track.pk}")
    assert response.status_code == 409
    assert response.json()["track_ids"] == [track.pk]
    assert Track.objects.filter(pk__in=[track.pk, other.pk]).count() == 2


def test_a_track_being_paid_for_cannot_be_deleted_nor_its_stems_removed(
    producer_client, track, seller
):
    stem_id = add_stem(producer_client, track).json()["stem"]["id"]
    other = exclusive_for_sale(seller, name="Unsold")
    assert initiate(bearer_client(UserFactory()), track).status_code == 200

    for url in (track_url(track), f"/api/v1/tracks/{other.pk},{track.pk}"):
        response = producer_client.delete(url)
        assert response.status_code == 409
        assert response.json()["error_code"] == "exclusive_pending"
        assert response.json()["track_ids"] == [track.pk]
    removal = producer_client.delete(stems_url(track, stem_id))
    assert removal.status_code == 409
    assert removal.json()["error_code"] == "exclusive_pending"
    assert Track.objects.filter(pk__in=[track.pk, other.pk]).count() == 2
    assert TrackStem.objects.filter(pk=stem_id).exists()
    assert Purchase.objects.get().status == Purchase.Status.PENDING


def test_an_expired_hold_gives_way_and_a_late_payment_is_refunded(
    producer_client, track, api_client
):
    buyer = UserFactory()
    purchase_id = initiate(bearer_client(buyer), track).json()["data"]["purchase_id"]
    Track.objects.filter(pk=track.pk).update(exclusive_hold_until=clock.now() - timedelta(1))

    assert producer_client.delete(track_url(track)).status_code == 200
    purchase = Purchase.objects.get(pk=purchase_id)
    assert (purchase.status, purchase.failure_code) == (Purchase.Status.FAILED, "track_deleted")
    assert pay(api_client, purchase).status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.REFUNDED


def test_deleting_an_unsold_track_deletes_its_stem_files(
    producer_client, track, django_capture_on_commit_callbacks
):
    before = len(stored_uploads())
    stems = [add_stem(producer_client, track, f"s{i}.wav").json()["stem"] for i in range(2)]
    assert len(stored_uploads()) == before + 2
    with django_capture_on_commit_callbacks(execute=True):
        assert producer_client.delete(track_url(track)).status_code == 200
    assert not TrackStem.objects.exists()
    assert not FileEntry.objects.filter(pk__in=[s["id"] for s in stems]).exists()
    assert len(stored_uploads()) == before - 1  # the track's audio file went too


def test_staff_can_take_down_a_sold_track_and_the_certificate_stays(
    staff_client, sold, django_capture_on_commit_callbacks
):
    track, buyer, purchase, stem_id = sold
    stem_file = TrackStem.objects.get(pk=stem_id).file_id
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.delete(track_url(track))
    assert response.status_code == 200, response.json()
    assert not Track.objects.filter(pk=track.pk).exists()
    assert not FileEntry.objects.filter(pk=stem_file).exists()
    certificate = bearer_client(buyer).get(f"{track_url(track)}/license-certificate")
    assert certificate.status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED


def test_staff_can_delete_a_track_being_paid_for(staff_client, track):
    purchase_id = initiate(bearer_client(UserFactory()), track).json()["data"]["purchase_id"]
    assert staff_client.delete(track_url(track)).status_code == 200
    purchase = Purchase.objects.get(pk=purchase_id)
    assert (purchase.status, purchase.failure_code) == (Purchase.Status.FAILED, "track_deleted")


def test_staff_can_remove_a_delivered_stem(staff_client, producer_client, sold):
    track, _, _, stem_id = sold
    assert producer_client.delete(stems_url(track, stem_id)).status_code == 409
    assert staff_client.delete(stems_url(track, stem_id)).status_code == 204
    assert not TrackStem.objects.filter(pk=stem_id).exists()


# --- hiding -----------------------------------------------------------------------------------


def test_the_buyer_keeps_download_certificate_and_status_of_a_hidden_sold_track(
    producer_client, sold
):
    track, buyer, purchase, _ = sold
    hidden = producer_client.put(track_url(track), {"visibility": "private"})
    assert hidden.status_code == 200, hidden.json()

    buyer_client = bearer_client(buyer)
    wav = buyer_client.get(f"{track_url(track)}/download")
    assert wav.status_code == 200
    assert body_of(wav)[:4] == b"RIFF"
    purchase.refresh_from_db()
    assert wav["X-License-Id"] == str(purchase.license.uuid)
    status = buyer_client.get(f"{track_url(track)}/purchase/status")
    assert status.status_code == 200
    assert status.json()["data"]["has_purchased"] is True
    certificate = buyer_client.get(f"{track_url(track)}/license-certificate")
    assert certificate.status_code == 200
    detail = buyer_client.get(track_url(track))
    assert detail.status_code == 200
    assert (detail.json()["track"]["id"], detail.json()["track"]["visibility"]) == (
        track.pk,
        "private",
    )

    stranger = bearer_client(UserFactory())
    assert stranger.get(track_url(track)).status_code == 404
    assert stranger.get(f"{track_url(track)}/download").status_code == 404
    assert stranger.get(f"{track_url(track)}/purchase/status").status_code == 404
    assert api_client_get(f"{track_url(track)}/download") == 404


def api_client_get(url: str) -> int:
    from rest_framework.test import APIClient

    return APIClient().get(url).status_code


def test_a_refund_ends_the_buyers_access_to_the_hidden_track(producer_client, sold, api_client):
    track, buyer, purchase, _ = sold
    producer_client.put(track_url(track), {"visibility": "private"})
    assert deliver(api_client, refund_event(purchase)).status_code == 200
    buyer_client = bearer_client(buyer)
    assert buyer_client.get(f"{track_url(track)}/download").status_code == 404
    assert buyer_client.get(f"{track_url(track)}/purchase/status").status_code == 404
    assert buyer_client.get(track_url(track)).status_code == 404


def test_the_hidden_sold_track_is_still_read_in_one_query(
    producer_client, sold, django_assert_num_queries
):
    track, buyer, _, _ = sold
    producer_client.put(track_url(track), {"visibility": "private"})
    download_track_get(viewer=buyer, track_id=track.pk, fmt="wav")  # compiles the statement
    with django_assert_num_queries(1):
        found = download_track_get(viewer=buyer, track_id=track.pk, fmt="wav")
    assert (found.pk, found.visibility, found.exclusive_buyer_id) == (
        track.pk,
        "private",
        buyer.pk,
    )
