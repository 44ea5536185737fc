"""The real Stripe adapter (official ``stripe`` library) against a loopback Stripe API."""

from __future__ import annotations

import pytest

from content.catalog.models import ExclusiveStatus
from content.commerce.errors import GatewayNotConfigured
from content.commerce.gateways import get_gateway
from content.commerce.models import ConnectAccount, Purchase
from content.commerce.tests.conftest import deliver, event, initiate, pay
from content.commerce.tests.stripe_fake import running_fake

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_fake(settings):
    with running_fake(settings) as fake:
        yield fake


def test_initiate_creates_a_destination_payment_intent(stripe_fake, user_client, for_sale):
    response = initiate(user_client, for_sale)
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    purchase = Purchase.objects.get(pk=data["purchase_id"])
    (call,) = stripe_fake.calls("POST", "/v1/payment_intents")
    assert call["idempotency_key"] == f"beatpass-purchase-{purchase.pk}-intent"
    form = call["form"]
    assert form["amount"] == "3659"  # 29.99 + 6.60, in cents
    assert form["currency"] == "usd"
    assert form["application_fee_amount"] == "660"  # the producer receives 29.99
    assert form["transfer_data[destination]"] == purchase.destination_account_id
    assert form["metadata[purchase_id]"] == str(purchase.pk)
    assert purchase.gateway == "stripe"
    assert data["client_secret"] == stripe_fake.intents[purchase.payment_intent_id]["client_secret"]


def test_reinitiate_retrieves_the_same_intent(stripe_fake, user_client, for_sale):
    first = initiate(user_client, for_sale).json()["data"]
    second = initiate(user_client, for_sale).json()["data"]
    assert first == second
    assert len(stripe_fake.calls("POST", "/v1/payment_intents")) == 1
    assert len(stripe_fake.calls("GET", "/v1/payment_intents/")) == 1


def test_gateway_failure_is_502_and_releases_the_hold(stripe_fake, user_client, for_sale):
    stripe_fake.mode = "error"
    response = initiate(user_client, for_sale)
    assert response.status_code == 502
    assert response.json()["error_code"] == "payment_processing_error"
    purchase = Purchase.objects.get()
    assert purchase.status == Purchase.Status.FAILED
    assert purchase.failure_code == "gateway_error"
    for_sale.refresh_from_db()
    assert for_sale.exclusive_status == ExclusiveStatus.AVAILABLE
    stripe_fake.mode = None
    assert initiate(user_client, for_sale).status_code == 200


def test_a_late_payment_for_a_sold_track_is_refunded_through_stripe(
    stripe_fake, api_client, user_client, other_client, for_sale, fake_clock
):
    first = Purchase.objects.get(pk=initiate(user_client, for_sale).json()["data"]["purchase_id"])
    fake_clock.advance(minutes=20)
    second_id = initiate(other_client, for_sale).json()["data"]["purchase_id"]
    second = Purchase.objects.get(pk=second_id)
    pay(api_client, second)
    pay(api_client, first)  # too late: refunded
    first.refresh_from_db()
    assert first.status == Purchase.Status.REFUNDED
    (refund,) = stripe_fake.calls("POST", "/v1/refunds")
    assert refund["form"]["payment_intent"] == first.payment_intent_id
    assert refund["form"]["reverse_transfer"] == "true"
    assert refund["idempotency_key"] == f"beatpass-purchase-{first.pk}-refund"
    assert first.refund_id == next(iter(stripe_fake.refunds))


def test_wrong_api_key_is_a_502_not_a_crash(stripe_fake, settings, user_client, for_sale):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    assert initiate(user_client, for_sale).status_code == 502


def test_unconfigured_stripe_is_503(settings, user_client, for_sale):
    settings.COMMERCE_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(GatewayNotConfigured):
        get_gateway()
    response = initiate(user_client, for_sale)
    assert response.status_code == 503
    assert response.json()["error_code"] == "payments_not_configured"
    assert not Purchase.objects.exists()


# --- Connect ----------------------------------------------------------------------------------


def test_onboarding_creates_an_express_account_and_a_link(
    stripe_fake, api_client, producer_client, producer_artist
):
    response = producer_client.post("/api/v1/artist/stripe-connect/onboard")
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    account = ConnectAccount.objects.get(artist=producer_artist)
    assert data["url"] == f"https://connect.stripe.com/setup/e/{account.account_id}/fake"
    assert data["status"] == "pending"
    (create,) = stripe_fake.calls("POST", "/v1/accounts")
    assert create["form"]["type"] == "express"
    assert create["idempotency_key"] == f"beatpass-artist-{producer_artist.pk}-connect"
    # Stripe tells us when the producer finished
    stripe_fake.accounts[account.account_id].update(
        charges_enabled=True, payouts_enabled=True, details_submitted=True
    )
    deliver(api_client, event("account.updated", stripe_fake.accounts[account.account_id]))
    status = producer_client.get("/api/v1/artist/stripe-connect/status").json()["data"]
    assert status["status"] == "active"
    assert status["charges_enabled"] is True


def test_finances_read_the_connect_balance(stripe_fake, producer_client, producer_artist):
    producer_client.post("/api/v1/artist/stripe-connect/onboard")
    account = ConnectAccount.objects.get(artist=producer_artist)
    stripe_fake.balances[account.account_id] = {
        "object": "balance",
        "available": [{"amount": 12050, "currency": "usd"}],
        "pending": [{"amount": 2999, "currency": "usd"}],
    }
    data = producer_client.get("/api/v1/artist/stripe-connect/finances").json()["data"]
    assert data["balance"] == [{"currency": "USD", "available": 120.5, "pending": 29.99}]
    (call,) = stripe_fake.calls("GET", "/v1/balance")
    assert call["stripe_account"] == account.account_id


# --- a staff takedown of a track being paid for ---------------------------------------------------


def test_a_takedown_cancels_the_pending_payment_and_gives_the_coupon_back(
    stripe_fake, staff_client, for_sale, django_capture_on_commit_callbacks
):
    from conftest import bearer_client
    from content.catalog.models import Track
    from content.commerce.models import Coupon
    from content.commerce.tests.conftest import notifications_of
    from content.tests.factories import UserFactory

    Coupon.objects.create(code="SAVE10", type="percentage", amount="10", max_uses=1)
    buyer = UserFactory()
    response = initiate(bearer_client(buyer), for_sale, coupon="SAVE10", expected_total="32.93")
    assert response.status_code == 200, response.json()
    purchase = Purchase.objects.get()
    assert Coupon.objects.get().times_used == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.delete(f"/api/v1/tracks/{for_sale.pk}").status_code == 200

    assert not Track.objects.filter(pk=for_sale.pk).exists()
    (call,) = stripe_fake.calls("POST", f"/v1/payment_intents/{purchase.payment_intent_id}/cancel")
    assert call["idempotency_key"] == f"beatpass-purchase-{purchase.pk}-cancel"
    assert call["form"]["cancellation_reason"] == "abandoned"
    assert stripe_fake.intents[purchase.payment_intent_id]["status"] == "canceled"
    purchase.refresh_from_db()
    assert (purchase.status, purchase.failure_code) == (Purchase.Status.FAILED, "track_deleted")
    assert Coupon.objects.get().times_used == 0
    (notice,) = notifications_of(buyer, "purchase.canceled")
    assert "the payment is cancelled" in notice.body
    assert notice.data["purchase_id"] == purchase.pk


def test_a_takedown_after_the_buyer_paid_refunds_when_the_success_arrives(
    stripe_fake, staff_client, api_client, user_client, for_sale, django_capture_on_commit_callbacks
):
    initiate(user_client, for_sale)
    purchase = Purchase.objects.get()
    stripe_fake.intents[purchase.payment_intent_id]["status"] = "succeeded"  # webhook not yet in

    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.delete(f"/api/v1/tracks/{for_sale.pk}").status_code == 200

    # the gateway refused to cancel a paid intent; the delete went through all the same
    assert stripe_fake.intents[purchase.payment_intent_id]["status"] == "succeeded"
    assert pay(api_client, purchase).status_code == 200
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.REFUNDED
    (refund,) = stripe_fake.calls("POST", "/v1/refunds")
    assert refund["form"]["payment_intent"] == purchase.payment_intent_id


def test_a_takedown_of_a_sold_track_touches_no_payment(
    stripe_fake, staff_client, api_client, user_client, for_sale, django_capture_on_commit_callbacks
):
    initiate(user_client, for_sale)
    purchase = Purchase.objects.get()
    pay(api_client, purchase)
    calls_before = len(stripe_fake.requests)

    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.delete(f"/api/v1/tracks/{for_sale.pk}").status_code == 200

    assert len(stripe_fake.requests) == calls_before
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED
    certificate = user_client.get(f"/api/v1/tracks/{for_sale.pk}/license-certificate")
    assert certificate.status_code == 200
