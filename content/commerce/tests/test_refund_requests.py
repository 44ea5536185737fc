"""Refund requests (help: refund policy — within 24 hours, nothing downloaded; approved →
license revoked, beat re-listed, payout reversed): every refusal of the buyer's request, the
producers' notice, staff's approve and deny in the admin, the gateway confirming the refund,
and the buyer's list."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client
from content.catalog.models import ExclusiveStatus
from content.commerce.errors import GatewayError
from content.commerce.gateways.local import LocalGateway
from content.commerce.models import Purchase, RefundRequest
from content.commerce.tests.conftest import (
    deliver,
    exclusive_for_sale,
    initiate,
    notifications_of,
    pay,
    refund_event,
)
from content.licensing.models import License
from content.media.models import Download
from content.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LIST = "/admin/content/refundrequest/"


@pytest.fixture
def sold(api_client, user_client, for_sale):
    """``user`` bought ``for_sale``'s exclusive (the payment succeeded)."""
    purchase = Purchase.objects.get(
        pk=initiate(user_client, for_sale).json()["data"]["purchase_id"]
    )
    pay(api_client, purchase)
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED
    return purchase


def ask(client, purchase_id: int, reason: str = "I bought the wrong beat by mistake."):
    return client.post(
        f"/api/v1/purchases/{purchase_id}/refund-request", {"reason": reason}, format="json"
    )


def admin_action(admin_client, action: str, requests, **extra):
    return admin_client.post(
        ADMIN_LIST,
        {"action": action, ACTION_CHECKBOX_NAME: [r.pk for r in requests], **extra},
        follow=True,
    )


# --- the buyer asks ---------------------------------------------------------------------------


def test_the_buyer_asks_within_24_hours_and_the_producers_are_told(
    user_client, user, producer, sold, fake_clock
):
    fake_clock.advance(hours=23, minutes=59)

    response = ask(user_client, sold.pk)

    assert response.status_code == 201, response.json()
    body = response.json()["refund_request"]
    assert body["purchase_id"] == sold.pk
    assert body["status"] == "open"
    assert body["reason"] == "I bought the wrong beat by mistake."
    assert body["total_amount"] == 36.59
    assert body["decision_note"] is None
    request = RefundRequest.objects.get()
    assert request.requested_by == user
    (notice,) = notifications_of(producer, "sale.refund_requested")
    assert notice.data["refund_request_id"] == request.pk
    assert "wrong beat" in notice.body


def test_after_24_hours_the_request_is_422(user_client, sold, fake_clock):
    fake_clock.advance(hours=24, seconds=1)

    response = ask(user_client, sold.pk)

    assert response.status_code == 422
    assert response.json()["error_code"] == "refund_window_closed"
    until = datetime.fromisoformat(response.json()["refundable_until"])
    assert until == sold.succeeded_at + timedelta(hours=24)
    assert not RefundRequest.objects.exists()


def test_a_downloaded_wav_closes_the_refund(user_client, sold):
    assert user_client.get(f"/api/v1/tracks/{sold.track_id}/download").status_code == 200

    response = ask(user_client, sold.pk)

    assert response.status_code == 422
    assert response.json()["error_code"] == "refund_files_downloaded"
    assert not RefundRequest.objects.exists()


@pytest.mark.parametrize("fmt", [Download.STEM, Download.STEMS_ZIP, "mp3"])
def test_any_downloaded_file_closes_the_refund(user_client, user, sold, fmt):
    Download.objects.create(track_id=sold.track_id, user=user, format=fmt)

    response = ask(user_client, sold.pk)

    assert response.status_code == 422
    assert response.json()["error_code"] == "refund_files_downloaded"


def test_downloads_of_other_people_or_other_tracks_do_not_count(user_client, user, seller, sold):
    Download.objects.create(track_id=sold.track_id, user=UserFactory(), format="wav")
    Download.objects.create(track=exclusive_for_sale(seller, name="Other"), user=user)

    assert ask(user_client, sold.pk).status_code == 201


def test_a_download_before_the_purchase_does_not_close_the_refund(user_client, user, sold):
    """A subscriber who downloaded the beat (non-exclusive) and then bought it exclusively can
    still ask: the refund revokes only the exclusive license."""
    earlier = Download.objects.create(track_id=sold.track_id, user=user, format="wav")
    Download.objects.filter(pk=earlier.pk).update(
        created_at=sold.succeeded_at - timedelta(minutes=5)
    )

    assert ask(user_client, sold.pk).status_code == 201

    Download.objects.filter(pk=earlier.pk).update(created_at=sold.succeeded_at)
    RefundRequest.objects.all().delete()
    assert ask(user_client, sold.pk).json()["error_code"] == "refund_files_downloaded"


@pytest.mark.parametrize("status", ["pending", "failed", "refunded"])
def test_only_a_completed_purchase_can_be_refunded(user_client, for_sale, api_client, status):
    purchase = Purchase.objects.get(
        pk=initiate(user_client, for_sale).json()["data"]["purchase_id"]
    )
    if status == "failed":
        pay(api_client, purchase, succeeded=False)
    if status == "refunded":
        pay(api_client, purchase)
        purchase.refresh_from_db()
        deliver(api_client, refund_event(purchase))
    assert Purchase.objects.get(pk=purchase.pk).status == status

    response = ask(user_client, purchase.pk)

    assert response.status_code == 409
    assert response.json()["error_code"] == "purchase_not_refundable"
    assert response.json()["purchase_status"] == status


def test_someone_elses_or_an_unknown_purchase_is_404(other_client, user_client, sold):
    assert ask(other_client, sold.pk).status_code == 404
    assert ask(user_client, sold.pk + 1000).status_code == 404
    assert not RefundRequest.objects.exists()


def test_a_second_request_while_one_is_open_is_409(user_client, sold):
    first = ask(user_client, sold.pk).json()["refund_request"]

    again = ask(user_client, sold.pk)

    assert again.status_code == 409
    assert again.json()["error_code"] == "refund_request_open"
    assert again.json()["refund_request_id"] == first["id"]
    assert RefundRequest.objects.count() == 1


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": "x" * 2001}, {"reason": ["a"]}, {"reason": None}]
)
def test_the_reason_is_required_and_bounded(user_client, sold, body):
    response = user_client.post(f"/api/v1/purchases/{sold.pk}/refund-request", body, format="json")

    assert response.status_code == 422
    assert "reason" in response.json()["errors"]
    assert not RefundRequest.objects.exists()


def test_a_nul_byte_in_the_reason_is_400_as_everywhere(user_client, sold):
    assert ask(user_client, sold.pk, reason="a\x00b").status_code == 400
    assert not RefundRequest.objects.exists()


def test_anonymous_is_401(api_client, sold):
    assert ask(api_client, sold.pk).status_code == 401


def test_one_open_request_per_purchase_is_a_database_constraint(user, sold):
    RefundRequest.objects.create(purchase=sold, requested_by=user, reason="a")

    with pytest.raises(IntegrityError):
        RefundRequest.objects.create(purchase=sold, requested_by=user, reason="b")


def test_a_refund_taken_down_track_is_not_refundable_here(user_client, staff_client, sold):
    assert staff_client.delete(f"/api/v1/tracks/{sold.track_id}").status_code in (200, 204)

    response = ask(user_client, sold.pk)

    assert response.status_code == 409
    assert response.json()["error_code"] == "purchase_not_refundable"


# --- staff decide -------------------------------------------------------------------------------


def test_approval_refunds_and_the_gateway_confirmation_relists_the_beat(
    admin_client, api_client, user_client, user, producer, producer_client, sold
):
    """End to end with the local gateway: ask → approve in the admin (license revoked, refund
    asked of the gateway) → the gateway's charge.refunded → purchase refunded, track
    available to a new buyer, request closed, everyone told."""
    ask(user_client, sold.pk)
    request = RefundRequest.objects.get()
    license_uuid = str(sold.license.uuid)

    page = admin_action(admin_client, "approve", [request])

    assert page.status_code == 200
    request.refresh_from_db()
    assert request.status == RefundRequest.Status.APPROVED
    assert request.decided_by.is_superuser
    assert request.refund_id.startswith("re_test_")
    assert License.objects.get(uuid=license_uuid).status == License.Status.REVOKED
    # From the approval on, the files are out of reach while the money travels back.
    refused = user_client.get(f"/api/v1/tracks/{sold.track_id}/download")
    assert refused.status_code == 410
    assert refused.json()["error_code"] == "license_revoked"
    assert Purchase.objects.get(pk=sold.pk).refund_id == request.refund_id

    assert deliver(api_client, refund_event(sold)).status_code == 200

    purchase = Purchase.objects.select_related("track").get(pk=sold.pk)
    assert purchase.status == Purchase.Status.REFUNDED
    assert purchase.track.exclusive_status == ExclusiveStatus.AVAILABLE
    assert purchase.track.exclusive_buyer is None
    request.refresh_from_db()
    assert request.status == RefundRequest.Status.REFUNDED
    assert request.refunded_at is not None
    assert notifications_of(user, "purchase.refunded")
    assert notifications_of(producer, "sale.refunded")
    # The payout is reversed: the sale no longer counts in the producer's earnings.
    earnings = producer_client.get("/api/v1/artist/sales").json()["data"]["earnings"]
    assert earnings["total_sales"] == 0
    # The beat is back on the market.
    assert initiate(bearer_client(UserFactory()), purchase.track).status_code == 200
    listed = user_client.get("/api/v1/purchases/refund-requests").json()["data"]
    assert [r["status"] for r in listed] == ["refunded"]


def test_approval_is_refused_once_the_buyer_downloaded_since_asking(
    admin_client, user_client, sold
):
    ask(user_client, sold.pk)
    assert user_client.get(f"/api/v1/tracks/{sold.track_id}/download").status_code == 200
    request = RefundRequest.objects.get()

    page = admin_action(admin_client, "approve", [request])

    assert "downloaded files" in page.content.decode()
    request.refresh_from_db()
    assert request.status == RefundRequest.Status.OPEN
    assert License.objects.get(pk=sold.license_id).status == License.Status.ACTIVE


def test_a_gateway_failure_keeps_the_approval_and_a_second_approval_retries(
    admin_client, user_client, sold, monkeypatch
):
    ask(user_client, sold.pk)
    request = RefundRequest.objects.get()
    calls = []

    def refuse(self, *, intent_id, idempotency_key):
        calls.append(idempotency_key)
        raise GatewayError("card network down")

    monkeypatch.setattr(LocalGateway, "refund_payment", refuse)
    page = admin_action(admin_client, "approve", [request])
    assert "Approve it again to retry" in page.content.decode()
    request.refresh_from_db()
    assert request.status == RefundRequest.Status.APPROVED
    assert request.refund_id == ""
    assert request.refund_error == "card network down"

    monkeypatch.undo()
    admin_action(admin_client, "approve", [request])

    request.refresh_from_db()
    assert request.refund_id.startswith("re_test_")
    assert request.refund_error == ""
    assert calls == [f"beatpass-purchase-{sold.pk}-refund"]
    # Approving a third time changes nothing (the refund waits for the gateway).
    page = admin_action(admin_client, "approve", [request])
    assert "waiting for the payment provider" in page.content.decode()


def test_deny_records_who_and_why_and_tells_the_buyer(admin_client, user_client, user, sold):
    ask(user_client, sold.pk)
    request = RefundRequest.objects.get()

    form = admin_action(admin_client, "deny", [request])
    assert "Why (sent to the buyer)" in form.content.decode()
    admin_action(admin_client, "deny", [request], post="yes", decision_note="Files were sent.")

    request.refresh_from_db()
    assert request.status == RefundRequest.Status.DENIED
    assert request.decision_note == "Files were sent."
    assert request.decided_by.is_superuser
    (notice,) = notifications_of(user, "purchase.refund_denied")
    assert "Files were sent." in notice.body
    assert Purchase.objects.get(pk=sold.pk).status == Purchase.Status.SUCCEEDED
    again = ask(user_client, sold.pk)
    assert again.status_code == 409
    assert again.json()["error_code"] == "refund_request_denied"
    listed = user_client.get("/api/v1/purchases/refund-requests").json()["data"]
    assert listed[0]["status"] == "denied"
    assert listed[0]["decision_note"] == "Files were sent."


def test_deny_without_a_reason_changes_nothing(admin_client, user_client, sold):
    ask(user_client, sold.pk)
    request = RefundRequest.objects.get()

    admin_action(admin_client, "deny", [request], post="yes", decision_note="  ")

    request.refresh_from_db()
    assert request.status == RefundRequest.Status.OPEN


def test_a_refund_made_at_the_gateway_closes_an_open_request(api_client, user_client, sold):
    ask(user_client, sold.pk)

    deliver(api_client, refund_event(sold))

    request = RefundRequest.objects.get()
    assert request.status == RefundRequest.Status.REFUNDED
    assert request.decided_at is not None


def test_decided_requests_cannot_be_decided_again(admin_client, api_client, user_client, sold):
    ask(user_client, sold.pk)
    request = RefundRequest.objects.get()
    deliver(api_client, refund_event(sold))

    page = admin_action(admin_client, "deny", [request], post="yes", decision_note="no")

    assert "already refunded" in page.content.decode()
    request.refresh_from_db()
    assert request.status == RefundRequest.Status.REFUNDED


def test_the_admin_queue_loads_and_filters(admin_client, user_client, sold):
    ask(user_client, sold.pk)
    request = RefundRequest.objects.get()

    listing = admin_client.get(ADMIN_LIST, {"status__exact": "open"})
    detail = admin_client.get(f"{ADMIN_LIST}{request.pk}/change/")

    assert f"{ADMIN_LIST}{request.pk}/change/" in listing.content.decode()
    assert "wrong beat" in detail.content.decode()
    assert admin_client.get(f"{ADMIN_LIST}add/").status_code == 403


# --- the buyer's list ---------------------------------------------------------------------------


def test_the_list_shows_only_mine_with_the_same_queries_for_one_or_many(
    user, user_client, seller, api_client
):
    def buy_and_ask(client, buyer_name):
        track = exclusive_for_sale(seller, name=buyer_name)
        purchase = Purchase.objects.get(pk=initiate(client, track).json()["data"]["purchase_id"])
        pay(api_client, purchase)
        assert ask(client, purchase.pk).status_code == 201

    buy_and_ask(user_client, "First")
    buy_and_ask(bearer_client(UserFactory()), "Someone else's")

    def listed():
        with CaptureQueriesContext(connection) as queries:
            response = user_client.get("/api/v1/purchases/refund-requests")
        assert response.status_code == 200
        return response.json(), len(queries)

    one, queries_for_one = listed()
    buy_and_ask(user_client, "Second")
    buy_and_ask(user_client, "Third")
    many, queries_for_many = listed()

    assert [r["track_name"] for r in one["data"]] == ["First"]
    assert [r["track_name"] for r in many["data"]] == ["Third", "Second", "First"]
    assert many["total"] == 3
    assert queries_for_one == queries_for_many
