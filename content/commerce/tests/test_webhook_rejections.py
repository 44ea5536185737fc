"""A correctly signed event that cannot be used is stored once as ``rejected`` (with the reason)
and answered 200, so the gateway stops retrying it; only transient errors (a lock timeout, the
database or the gateway unavailable) answer 503 and are processed again on redelivery."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, transaction

from content.catalog.models import Track
from content.commerce.models import Plan, Purchase, WebhookEvent
from content.commerce.services.webhooks import (
    sign_payload,
    simulated_payment_event,
    webhook_reprocess,
)
from content.commerce.tests.conftest import WEBHOOK_URL, deliver, event, initiate
from content.tests.factories import UserFactory


def deliver_raw(client, body: bytes):
    header = sign_payload(body.decode("utf-8", "replace"), timestamp=int(time.time()))
    return client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def assert_rejected_once(response, redelivery, reason: str) -> WebhookEvent:
    assert response.status_code == 200, response.content
    assert response.json()["event_status"] == "rejected"
    assert response.json()["duplicate"] is False
    assert redelivery.status_code == 200
    assert redelivery.json()["duplicate"] is True
    assert redelivery.json()["event_status"] == "rejected"
    row = WebhookEvent.objects.get()
    assert row.status == WebhookEvent.Status.REJECTED
    assert reason in row.error
    assert row.attempts == 1
    return row


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "not JSON"),
        (b'{"id": "evt_1", "type": "payment_intent.succeeded", "amount": NaN}', "not JSON"),
        (b"[" * 5000 + b"]" * 5000, "not JSON"),
        (b'{"hello": "world"}', "no string id"),
        (b'{"id": 12, "type": "payment_intent.succeeded"}', "no string id"),
        (b'{"id": "evt_2", "type": "payment_intent.succeeded"}', "no data object"),
        (b'{"id": "evt_3", "type": "payment_intent.succeeded", "data": {"object": 5}}', "data"),
        (b'{"id": "evt_4", "type": ["x"], "data": {"object": {}}}', "no string type"),
    ],
)
def test_a_signed_body_that_is_not_a_usable_event_is_rejected_once_with_200(
    api_client, body, reason
):
    assert_rejected_once(deliver_raw(api_client, body), deliver_raw(api_client, body), reason)


@pytest.mark.django_db
@pytest.mark.parametrize("signed", [True, False])
def test_a_body_that_is_not_utf8_is_400_and_stores_nothing(api_client, signed):
    body = b'{"id": "evt_x", "type": "payment_intent.succeeded", "x": "\xff\xfe"}'
    headers = {"HTTP_STRIPE_SIGNATURE": "t=1,v1=00"}
    if signed:  # signed over the bytes read as Latin-1: as close to valid as such a body gets
        headers["HTTP_STRIPE_SIGNATURE"] = sign_payload(body.decode("latin-1"))

    response = api_client.post(WEBHOOK_URL, data=body, content_type="application/json", **headers)

    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_an_event_with_nul_characters_is_stored_without_them_and_rejected(api_client):
    body = json.dumps(event("payment_intent.succeeded", {"id": "pi_\x00x"}, event_id="evt_\x00n"))
    row = assert_rejected_once(
        deliver_raw(api_client, body.encode()), deliver_raw(api_client, body.encode()), "NUL"
    )
    assert row.event_id == "evt_n"
    assert row.payload["data"]["object"]["id"] == "pi_x"


@pytest.mark.django_db
def test_a_payment_event_whose_object_has_the_wrong_shape_is_rejected_once(api_client):
    payload = event("payment_intent.succeeded", {"id": "pi_1", "metadata": "not an object"})
    assert_rejected_once(deliver(api_client, payload), deliver(api_client, payload), "Error")


@pytest.mark.django_db
def test_a_decline_whose_error_has_the_wrong_shape_is_rejected_and_the_hold_stays(
    api_client, user_client, for_sale
):
    purchase_id = initiate(user_client, for_sale).json()["data"]["purchase_id"]
    purchase = Purchase.objects.get(pk=purchase_id)
    intent = {"id": purchase.payment_intent_id, "last_payment_error": "declined"}
    payload = event("payment_intent.payment_failed", intent)
    assert_rejected_once(deliver(api_client, payload), deliver(api_client, payload), "Error")
    assert Purchase.objects.get(pk=purchase.pk).status == Purchase.Status.PENDING


@pytest.mark.django_db
def test_a_refund_with_a_non_numeric_amount_is_rejected_and_the_sale_stands(
    api_client, user_client, for_sale
):
    purchase_id = initiate(user_client, for_sale).json()["data"]["purchase_id"]
    purchase = Purchase.objects.get(pk=purchase_id)
    deliver(api_client, simulated_payment_event(purchase=purchase))
    purchase.refresh_from_db()
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": purchase.payment_intent_id,
        "amount_refunded": "lots",
        "currency": "usd",
    }
    payload = event("charge.refunded", charge)
    first, second = deliver(api_client, payload), deliver(api_client, payload)
    assert first.status_code == second.status_code == 200
    row = WebhookEvent.objects.get(type="charge.refunded")
    assert row.status == WebhookEvent.Status.REJECTED
    assert row.attempts == 1
    assert "ValueError" in row.error
    assert Purchase.objects.get(pk=purchase.pk).status == Purchase.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_subscription_for_an_unknown_plan_is_rejected_and_the_admin_reprocesses_it(api_client):
    user = UserFactory()
    subscription = {
        "id": "sub_1",
        "object": "subscription",
        "status": "active",
        "customer": "cus_1",
        "metadata": {"user_id": str(user.pk)},  # the plan's price is not known yet
        "items": {"data": [{"price": {"id": "price_1"}}]},
        "current_period_start": int(time.time()) - 60,
        "current_period_end": int(time.time()) + 30 * 86400,
    }
    payload = event("customer.subscription.created", subscription)
    row = assert_rejected_once(
        deliver(api_client, payload), deliver(api_client, payload), "Cannot match"
    )
    Plan.objects.create(name="Pro", price="9.99", gateway_price_id="price_1")
    row = webhook_reprocess(event=row)
    assert row.status == WebhookEvent.Status.PROCESSED
    assert row.error == ""
    assert user.subscriptions.get().gateway_subscription_id == "sub_1"


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_is_503_and_the_redelivery_processes_the_event(api_client):
    from conftest import bearer_client
    from content.commerce.tests.conftest import exclusive_for_sale, make_payable
    from content.tests.factories import ArtistFactory

    producer, buyer = UserFactory(), UserFactory()
    artist = ArtistFactory(managers=[producer])
    make_payable(artist)
    track = exclusive_for_sale(artist)
    purchase_id = initiate(bearer_client(buyer), track).json()["data"]["purchase_id"]
    payload = simulated_payment_event(purchase=Purchase.objects.get(pk=purchase_id))

    locked, release = threading.Event(), threading.Event()

    def hold_the_track_row():
        try:
            with transaction.atomic():
                Track.objects.select_for_update().get(pk=track.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_track_row)
    holder.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        response = deliver(api_client, payload)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        release.set()
        holder.join()
    assert response.status_code == 503
    assert response.json()["error_code"] == "webhook_processing_failed"
    row = WebhookEvent.objects.get()
    assert row.status == WebhookEvent.Status.FAILED
    assert "OperationalError" in row.error

    response = deliver(api_client, payload)  # the gateway delivers it again
    assert response.status_code == 200
    assert response.json()["event_status"] == "processed"
    assert WebhookEvent.objects.get().attempts == 2
    assert Purchase.objects.get(pk=purchase_id).status == Purchase.Status.SUCCEEDED
