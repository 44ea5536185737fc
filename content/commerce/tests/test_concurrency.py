"""Races with real threads and real transactions: one exclusive hold among twenty buyers, one
sale among concurrent payment events, one processing of a webhook delivered twice at once."""

from __future__ import annotations

import json

import pytest

from beatpass.testing import run_concurrently
from conftest import bearer_client
from content.catalog.models import ExclusiveStatus, Track
from content.commerce.models import Purchase, WebhookEvent
from content.commerce.services.webhooks import sign_payload, simulated_payment_event
from content.commerce.tests.conftest import (
    WEBHOOK_URL,
    exclusive_for_sale,
    initiate,
    make_payable,
)
from content.licensing.models import License
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_buyers_one_pending_purchase():
    artist = ArtistFactory(managers=[UserFactory()])
    make_payable(artist)
    track = exclusive_for_sale(artist)
    buyers = [UserFactory() for _ in range(20)]

    responses = run_concurrently(lambda i: initiate(bearer_client(buyers[i]), track), 20)

    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [200] + [409] * 19
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {body["error_code"] for body in refused} == {"exclusive_pending"}
    assert Purchase.objects.filter(status=Purchase.Status.PENDING).count() == 1
    assert Purchase.objects.count() == 1
    assert Track.objects.get(pk=track.pk).exclusive_status == ExclusiveStatus.PENDING


def test_the_same_event_delivered_twice_at_once_is_processed_once():
    artist = ArtistFactory(managers=[UserFactory()])
    make_payable(artist)
    track = exclusive_for_sale(artist)
    buyer = UserFactory()
    purchase_id = initiate(bearer_client(buyer), track).json()["data"]["purchase_id"]
    body = json.dumps(simulated_payment_event(purchase=Purchase.objects.get(pk=purchase_id)))

    def deliver(_):
        return bearer_client(buyer).post(
            WEBHOOK_URL,
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign_payload(body),
        )

    responses = run_concurrently(deliver, 8)

    assert [getattr(r, "status_code", r) for r in responses] == [200] * 8
    assert sorted(r.json()["duplicate"] for r in responses).count(False) >= 1
    assert WebhookEvent.objects.get().attempts == 1
    assert License.objects.filter(license_type="exclusive").count() == 1
    assert Purchase.objects.get(pk=purchase_id).status == Purchase.Status.SUCCEEDED


def test_one_buyer_racing_for_eight_exclusives_holds_only_the_cap(settings):
    settings.COMMERCE_MAX_HOLDS_PER_BUYER = 3
    artist = ArtistFactory(managers=[UserFactory()])
    make_payable(artist)
    tracks = [exclusive_for_sale(artist, name=f"Beat {i}") for i in range(8)]
    buyer = UserFactory()

    responses = run_concurrently(lambda i: initiate(bearer_client(buyer), tracks[i]), 8)

    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [200] * 3 + [409] * 5
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {body["error_code"] for body in refused} == {"too_many_pending_purchases"}
    assert all(body["retry_after"] >= 1 for body in refused)
    assert Purchase.objects.filter(buyer=buyer, status=Purchase.Status.PENDING).count() == 3
    # The refused tracks were never held: other buyers can still have them.
    assert Track.objects.filter(exclusive_status=ExclusiveStatus.PENDING).count() == 3
