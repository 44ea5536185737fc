"""POST /tracks/{id}/purchase/initiate: every error row of commerce.mdx, the exclusive hold
and its expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from content.catalog.models import ExclusiveStatus, Track
from content.commerce.models import ConnectAccount, Purchase
from content.commerce.services.purchases import exclusive_holds_release
from content.commerce.tests.conftest import exclusive_for_sale, initiate, pay
from content.fingerprints.models import Fingerprint
from content.tests.factories import TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_initiate_holds_the_exclusive_and_returns_the_intent(user_client, user, for_sale):
    response = initiate(user_client, for_sale, expected_total="36.59")
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    purchase = Purchase.objects.get(pk=data["purchase_id"])
    assert data["client_secret"].startswith(f"{purchase.payment_intent_id}_secret_")
    assert data["pricing"] == {
        "base_price": 29.99,
        "platform_fee": 6.6,
        "total_amount": 36.59,
        "currency": "USD",
    }
    assert purchase.status == Purchase.Status.PENDING
    assert purchase.buyer == user
    assert purchase.gateway == "test"
    for_sale.refresh_from_db()
    assert for_sale.exclusive_status == ExclusiveStatus.PENDING
    hold = (for_sale.exclusive_hold_until - timezone.now()).total_seconds()
    assert 14 * 60 < hold <= 15 * 60


def test_the_same_buyer_initiating_again_gets_the_same_purchase(user_client, for_sale):
    first = initiate(user_client, for_sale).json()["data"]
    second = initiate(user_client, for_sale).json()["data"]
    assert first == second
    assert Purchase.objects.count() == 1


def test_the_same_buyer_double_clicking_is_told_to_retry_at_once_not_in_15_minutes(
    user_client, for_sale
):
    """A second click while the first is still creating its PaymentIntent (the purchase is
    committed, its intent id not yet): that is the buyer's own purchase, not "another buyer",
    and it will be ready in a moment, not when the 15-minute hold ends."""
    assert initiate(user_client, for_sale).status_code == 200
    Purchase.objects.update(payment_intent_id=None)  # the first request, mid-flight
    response = initiate(user_client, for_sale)
    assert response.status_code == 409
    body = response.json()
    assert body["error_code"] == "exclusive_pending"
    assert body["retry_after"] == 1
    assert "Another buyer" not in body["message"]
    assert Purchase.objects.count() == 1


def test_another_buyer_gets_409_exclusive_pending(user_client, other_client, for_sale):
    assert initiate(user_client, for_sale).status_code == 200
    response = initiate(other_client, for_sale)
    assert response.status_code == 409
    body = response.json()
    assert body["error_code"] == "exclusive_pending"
    assert 0 < body["retry_after"] <= 15 * 60
    assert Purchase.objects.count() == 1


def test_purchases_disabled_is_403(settings, user_client, for_sale):
    settings.COMMERCE_PURCHASES_ENABLED = False
    response = initiate(user_client, for_sale)
    assert response.status_code == 403
    assert response.json() == {
        "message": "Track purchases not enabled",
        "error_code": "purchases_disabled",
    }


def test_own_track_is_422(producer_client, for_sale):
    response = initiate(producer_client, for_sale)
    assert response.status_code == 422
    assert response.json()["message"] == "Cannot purchase own track"
    assert response.json()["error_code"] == "cannot_purchase_own_track"


def test_already_purchased_is_422(user_client, for_sale):
    purchase_id = initiate(user_client, for_sale).json()["data"]["purchase_id"]
    assert pay(user_client, Purchase.objects.get(pk=purchase_id)).status_code == 200
    response = initiate(user_client, for_sale)
    assert response.status_code == 422
    assert response.json()["message"] == "Already purchased"
    assert response.json()["error_code"] == "already_purchased"


def test_artist_without_active_connect_is_422(user_client, producer_artist):
    track = exclusive_for_sale(producer_artist)
    response = initiate(user_client, track)
    assert response.status_code == 422
    assert response.json()["message"] == "Artist not set up for payments"
    ConnectAccount.objects.create(
        artist=producer_artist, gateway="test", account_id="acct_x", charges_enabled=False
    )
    assert initiate(user_client, track).json()["error_code"] == "artist_payments_not_setup"
    assert not Purchase.objects.exists()


def test_sold_track_is_410(user_client, seller):
    track = exclusive_for_sale(
        seller, exclusive_status=ExclusiveStatus.SOLD, exclusive_buyer=UserFactory()
    )
    response = initiate(user_client, track)
    assert response.status_code == 410
    assert response.json()["error_code"] == "exclusive_sold"


def test_not_for_sale_is_400(user_client, seller):
    response = initiate(user_client, TrackFactory(artists=[seller]))
    assert response.status_code == 400
    assert response.json()["error_code"] == "track_not_for_sale"


def test_price_changed_since_calculate_is_409(user_client, producer_client, for_sale):
    quoted = user_client.post(f"/api/v1/tracks/{for_sale.pk}/purchase/calculate-price").json()
    producer_client.put(
        f"/api/v1/tracks/{for_sale.pk}", {"exclusive_price": "39.99"}, format="json"
    )
    response = initiate(user_client, for_sale, expected_total=str(quoted["data"]["total_amount"]))
    assert response.status_code == 409
    body = response.json()
    assert body["error_code"] == "price_changed"
    assert body["pricing"]["total_amount"] == 47.79  # 39.99 + 4.7988 + 3 → 7.80
    assert not Purchase.objects.exists()
    assert Track.objects.get(pk=for_sale.pk).exclusive_status == ExclusiveStatus.AVAILABLE


def test_unfingerprinted_track_is_409(user_client, for_sale):
    Fingerprint.objects.filter(track=for_sale).update(status=Fingerprint.Status.PROCESSING)
    response = initiate(user_client, for_sale)
    assert response.status_code == 409
    assert response.json()["error_code"] == "fingerprint_pending"


def test_anonymous_is_401_and_hidden_track_404(api_client, user_client, for_sale):
    assert initiate(api_client, for_sale).status_code == 401
    for_sale.visibility = "private"
    for_sale.save()
    assert initiate(user_client, for_sale).status_code == 404


def test_bad_expected_total_is_422(user_client, for_sale):
    response = initiate(user_client, for_sale, expected_total="abc")
    assert response.status_code == 422
    assert "expected_total" in response.json()["errors"]


# --- the hold -------------------------------------------------------------------------------


def test_expired_hold_is_released_by_the_periodic_task(user_client, for_sale, fake_clock):
    purchase_id = initiate(user_client, for_sale).json()["data"]["purchase_id"]
    assert exclusive_holds_release() == 0
    fake_clock.advance(minutes=16)
    assert exclusive_holds_release() == 1
    for_sale.refresh_from_db()
    assert for_sale.exclusive_status == ExclusiveStatus.AVAILABLE
    assert for_sale.exclusive_hold_until is None
    purchase = Purchase.objects.get(pk=purchase_id)
    assert purchase.status == Purchase.Status.FAILED
    assert purchase.failure_code == "hold_expired"


def test_expired_hold_gives_way_to_the_next_buyer_before_the_sweep(
    user_client, other_client, for_sale, fake_clock
):
    first = initiate(user_client, for_sale).json()["data"]["purchase_id"]
    fake_clock.advance(minutes=16)
    response = initiate(other_client, for_sale)
    assert response.status_code == 200
    assert Purchase.objects.get(pk=first).status == Purchase.Status.FAILED
    assert Purchase.objects.filter(status=Purchase.Status.PENDING).count() == 1


def test_hold_length_is_a_setting(settings, user_client, for_sale):
    settings.COMMERCE_EXCLUSIVE_HOLD_SECONDS = 60
    initiate(user_client, for_sale)
    for_sale.refresh_from_db()
    assert for_sale.exclusive_hold_until - timezone.now() <= timedelta(seconds=60)


def test_pending_exclusive_cannot_be_withdrawn(user_client, producer_client, for_sale):
    initiate(user_client, for_sale)
    response = producer_client.put(
        f"/api/v1/tracks/{for_sale.pk}", {"licensing_type": "non_exclusive"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error_code"] == "exclusive_pending"


def test_a_buyer_holds_at_most_the_cap_and_an_expired_hold_frees_a_slot(
    settings, user_client, seller, fake_clock
):
    settings.COMMERCE_MAX_HOLDS_PER_BUYER = 2
    tracks = [exclusive_for_sale(seller, name=f"Beat {i}") for i in range(3)]
    assert initiate(user_client, tracks[0]).status_code == 200
    fake_clock.advance(minutes=5)
    assert initiate(user_client, tracks[1]).status_code == 200
    # Reloading a checkout already held is not a new hold.
    assert initiate(user_client, tracks[0]).status_code == 200

    refused = initiate(user_client, tracks[2])
    assert refused.status_code == 409
    body = refused.json()
    assert body["error_code"] == "too_many_pending_purchases"
    assert body["retry_after"] == 10 * 60  # the first hold ends in 10 minutes
    assert Track.objects.get(pk=tracks[2].pk).exclusive_status == ExclusiveStatus.AVAILABLE

    fake_clock.advance(minutes=11)  # the first hold ran out: its slot is free
    assert initiate(user_client, tracks[2]).status_code == 200
