"""POST /webhooks/stripe: signatures, one processing per event id, every handled event type,
events out of order, refunds undoing a sale."""

from __future__ import annotations

import json
import time

import pytest

from content.catalog.models import ExclusiveStatus, Track
from content.commerce.models import ConnectAccount, Purchase, WebhookEvent
from content.commerce.services.purchases import exclusive_holds_release
from content.commerce.services.webhooks import simulated_payment_event
from content.commerce.tests.conftest import (
    WEBHOOK_URL,
    deliver,
    event,
    initiate,
    notifications_of,
    pay,
    refund_event,
)
from content.licensing.models import License
from content.licensing.services import license_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(user_client, for_sale):
    purchase_id = initiate(user_client, for_sale).json()["data"]["purchase_id"]
    return Purchase.objects.get(pk=purchase_id)


# --- signatures -----------------------------------------------------------------------------


def test_bad_signature_is_400_and_nothing_is_stored(api_client, pending):
    body = json.dumps(simulated_payment_event(purchase=pending))
    for header in ("t=1,v1=deadbeef", f"t={int(time.time())},v1={'0' * 64}", "garbage"):
        response = api_client.post(
            WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        assert response.status_code == 400
        assert response.json()["error_code"] in ("invalid_signature", "stale_signature")
    response = api_client.post(WEBHOOK_URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.PENDING


def test_signature_with_another_secret_is_400(api_client, pending):
    response = deliver(api_client, simulated_payment_event(purchase=pending), secret="whsec_other")
    assert response.status_code == 400
    assert response.json() == {
        "message": "Invalid webhook signature.",
        "error_code": "invalid_signature",
    }


def test_stale_timestamp_is_400(api_client, pending):
    old = int(time.time()) - 301
    response = deliver(api_client, simulated_payment_event(purchase=pending), timestamp=old)
    assert response.status_code == 400
    assert response.json()["error_code"] == "stale_signature"
    assert not WebhookEvent.objects.exists()


def test_a_tampered_body_is_400(api_client, pending):
    body = json.dumps(simulated_payment_event(purchase=pending))
    from content.commerce.services.webhooks import sign_payload

    header = sign_payload(body)
    response = api_client.post(
        WEBHOOK_URL,
        data=body.replace('"succeeded"', '"canceled"', 1),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400


def test_replayed_event_is_a_no_op(api_client, pending):
    payload = simulated_payment_event(purchase=pending)
    first = deliver(api_client, payload)
    assert first.status_code == 200
    assert first.json()["duplicate"] is False
    second = deliver(api_client, payload)
    assert second.status_code == 200
    assert second.json() == {
        "status": "success",
        "received": True,
        "duplicate": True,
        "event_status": "processed",
    }
    assert License.objects.filter(license_type=License.Type.EXCLUSIVE).count() == 1
    assert WebhookEvent.objects.get().attempts == 1


def test_unknown_event_types_are_stored_and_ignored(api_client):
    response = deliver(api_client, event("invoice.created", {"id": "in_1", "object": "invoice"}))
    assert response.status_code == 200
    assert response.json()["event_status"] == "ignored"
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED


# --- payment_intent.succeeded ---------------------------------------------------------------


def test_success_issues_the_exclusive_license_and_sells_the_track(
    api_client, user, user_client, producer, pending, for_sale
):
    response = pay(api_client, pending)
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.SUCCEEDED
    assert pending.succeeded_at is not None
    license = pending.license
    assert license.license_type == License.Type.EXCLUSIVE
    assert license.user == user
    assert license_check(license=license).valid
    assert license.snapshot["terms"]["publishing_split"] == {
        "producer_percent": 20,
        "licensee_percent": 80,
    }
    assert "Stems" in license.snapshot["terms"]["files_delivered"]
    for_sale.refresh_from_db()
    assert for_sale.exclusive_status == ExclusiveStatus.SOLD
    assert for_sale.exclusive_buyer == user
    assert for_sale.exclusive_hold_until is None
    # the producer hears who bought what for how much; the buyer is told too
    sale = notifications_of(producer, "track.sold")
    assert len(sale) == 1
    assert user.display_name in sale[0].title
    assert for_sale.name in sale[0].title
    assert sale[0].data["amount"] == "36.59"
    assert sale[0].data["artist_amount"] == "29.99"
    assert len(notifications_of(user, "purchase.succeeded")) == 1
    # gone from the browse list and search-facing lists
    ids = [t["id"] for t in user_client.get("/api/v1/tracks").json()["data"]]
    assert for_sale.pk not in ids


def test_existing_non_exclusive_licenses_stay_valid(api_client, pending, for_sale):
    from content.licensing.services import IssuanceContext, license_issue
    from content.tests.factories import UserFactory

    earlier, _ = license_issue(
        user=UserFactory(), track=for_sale, license_type="non_exclusive", context=IssuanceContext()
    )
    pay(api_client, pending)
    earlier.refresh_from_db()
    assert earlier.status == License.Status.ACTIVE
    assert license_check(license=earlier).valid


# --- payment_intent.payment_failed ----------------------------------------------------------


def test_failure_records_it_and_releases_the_hold(api_client, pending, for_sale):
    response = pay(api_client, pending, succeeded=False)
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.FAILED
    assert pending.failure_code == "generic_decline"
    assert pending.failure_message == "Your card was declined."
    for_sale.refresh_from_db()
    assert for_sale.exclusive_status == ExclusiveStatus.AVAILABLE


# --- charge.refunded ------------------------------------------------------------------------


def test_full_refund_undoes_the_sale(api_client, user_client, pending, for_sale):
    pay(api_client, pending)
    pending.refresh_from_db()
    response = deliver(api_client, refund_event(pending))
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.REFUNDED
    assert str(pending.amount_refunded) == "36.59"
    assert pending.license.status == License.Status.REVOKED
    for_sale.refresh_from_db()
    assert for_sale.exclusive_status == ExclusiveStatus.AVAILABLE
    assert for_sale.exclusive_buyer is None
    ids = [t["id"] for t in user_client.get("/api/v1/tracks").json()["data"]]
    assert for_sale.pk in ids


def test_partial_refund_is_recorded_only(api_client, pending, for_sale):
    pay(api_client, pending)
    pending.refresh_from_db()
    deliver(api_client, refund_event(pending, amount=500))
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.SUCCEEDED
    assert str(pending.amount_refunded) == "5.00"
    assert Track.objects.get(pk=for_sale.pk).exclusive_status == ExclusiveStatus.SOLD


# --- out of order ---------------------------------------------------------------------------


def test_success_after_the_hold_expired_still_wins(api_client, pending, for_sale, fake_clock):
    fake_clock.advance(minutes=20)
    assert exclusive_holds_release() == 1
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.FAILED
    pay(api_client, pending)
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.SUCCEEDED
    assert Track.objects.get(pk=for_sale.pk).exclusive_status == ExclusiveStatus.SOLD


def test_late_success_beats_a_newer_hold_whose_buyer_is_then_refunded(
    api_client, user, other_client, pending, for_sale, fake_clock
):
    fake_clock.advance(minutes=20)
    second_id = initiate(other_client, for_sale).json()["data"]["purchase_id"]
    pay(api_client, pending)  # the first buyer's payment completes late
    for_sale.refresh_from_db()
    assert for_sale.exclusive_buyer == user
    second = Purchase.objects.get(pk=second_id)
    assert second.status == Purchase.Status.FAILED
    pay(api_client, second)  # the second buyer's payment completes too: refunded
    second.refresh_from_db()
    assert second.status == Purchase.Status.REFUNDED
    assert second.refund_id.startswith("re_test_")
    assert second.failure_code == "sold_to_other"
    assert Track.objects.get(pk=for_sale.pk).exclusive_buyer == user
    assert License.objects.filter(license_type="exclusive", status="active").count() == 1


def test_failure_after_success_is_ignored(api_client, pending, for_sale):
    pay(api_client, pending)
    pay(api_client, pending, succeeded=False)
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.SUCCEEDED
    assert Track.objects.get(pk=for_sale.pk).exclusive_status == ExclusiveStatus.SOLD


def test_refund_before_success_keeps_the_purchase_refunded(api_client, pending, for_sale):
    deliver(api_client, refund_event(pending))
    pay(api_client, pending)
    pending.refresh_from_db()
    assert pending.status == Purchase.Status.REFUNDED
    assert not License.objects.filter(license_type="exclusive").exists()
    assert Track.objects.get(pk=for_sale.pk).exclusive_status == ExclusiveStatus.AVAILABLE


# --- account.updated ------------------------------------------------------------------------


def test_account_updated_syncs_the_connect_state(api_client, producer_artist):
    account = ConnectAccount.objects.create(
        artist=producer_artist, gateway="stripe", account_id="acct_123"
    )
    deliver(
        api_client,
        event(
            "account.updated",
            {
                "id": "acct_123",
                "object": "account",
                "charges_enabled": True,
                "payouts_enabled": True,
                "details_submitted": True,
                "requirements": {"currently_due": []},
            },
        ),
    )
    account.refresh_from_db()
    assert account.charges_enabled
    assert account.payouts_enabled
    assert account.status == "active"
    assert account.onboarded_at is not None


def test_account_updated_tells_the_producer_what_is_newly_required(
    api_client, producer, producer_artist
):
    ConnectAccount.objects.create(artist=producer_artist, gateway="stripe", account_id="acct_9")
    account = {
        "id": "acct_9",
        "object": "account",
        "charges_enabled": True,
        "payouts_enabled": False,
        "details_submitted": True,
        "requirements": {"currently_due": ["individual.verification.document"]},
    }
    first = deliver(api_client, event("account.updated", account))
    assert first.status_code == 200
    deliver(api_client, event("account.updated", account))  # nothing new: no second notice
    (notice,) = notifications_of(producer, "payouts.action_required")
    assert "individual.verification.document" in notice.body
    assert ConnectAccount.objects.get(account_id="acct_9").status == "restricted"
