"""The whole exclusive sale over HTTP, as a client and Stripe would drive it: onboarding,
pricing, stems, calculate → initiate → signed webhook → succeeded → the buyer downloads the
WAV and the stems, their certificate verifies publicly → the track leaves the catalog and
other subscribers get 410, while an earlier non-exclusive license stays valid."""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import bearer_client
from content.commerce.services.webhooks import sign_payload
from content.commerce.tests.conftest import WEBHOOK_URL, notifications_of
from content.licensing.tests.conftest import body_of, licensable_track, subscribe
from content.tests.audio_helpers import tone_wav
from content.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_exclusive_sale_end_to_end(api_client, producer, producer_client, producer_artist):
    track = licensable_track(producer_artist, name="Summer Vibes")
    buyer = UserFactory(name="Ada Buyer", email="ada@example.com")
    buyer_client = bearer_client(buyer)
    early, late = UserFactory(), UserFactory()
    subscribe(early)
    subscribe(late)

    # The producer gets paid through Connect (test gateway: active at once) and prices the beat.
    assert (
        producer_client.post("/api/v1/artist/stripe-connect/onboard").json()["data"]["status"]
        == "active"
    )
    response = producer_client.put(
        f"/api/v1/tracks/{track.pk}",
        {
            "licensing_type": "exclusive_available",
            "exclusive_price": "200.00",
            "exclusive_terms": {"publishing_producer_percent": 30, "territory": "Worldwide"},
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["track"]["price"] == 200
    # ...and uploads the stems delivered with the exclusive (private until the sale).
    stem = producer_client.post(
        f"/api/v1/tracks/{track.pk}/stems",
        {"file": SimpleUploadedFile("drums.wav", tone_wav(2.0)), "name": "Drums"},
        format="multipart",
    )
    assert stem.status_code == 201
    stem_url = f"/api/v1/tracks/{track.pk}/stems/{stem.json()['stem']['id']}/download"
    assert buyer_client.get(f"/api/v1/tracks/{track.pk}").json()["track"]["has_stems"] is True
    assert buyer_client.get(stem_url).status_code == 403

    # A subscriber licenses it before the sale.
    early_download = bearer_client(early).get(f"/api/v1/tracks/{track.pk}/download")
    assert early_download.status_code == 200
    early_license = early_download["X-License-Id"]

    # calculate → initiate
    quote = buyer_client.post(f"/api/v1/tracks/{track.pk}/purchase/calculate-price").json()
    assert quote["data"] == {
        "base_price": 200,
        "platform_fee": 27,
        "total_amount": 227,
        "currency": "USD",
        "is_exclusive": True,
        "total_price": 227,
    }
    started = buyer_client.post(
        f"/api/v1/tracks/{track.pk}/purchase/initiate",
        {"expected_total": quote["data"]["total_amount"]},
        format="json",
    )
    assert started.status_code == 200
    purchase_id = started.json()["data"]["purchase_id"]
    client_secret = started.json()["data"]["client_secret"]
    intent_id = client_secret.split("_secret_")[0]

    # Stripe confirms the payment and calls the webhook, signed.
    event = {
        "id": "evt_full_flow_1",
        "object": "event",
        "type": "payment_intent.succeeded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": 22700,
                "currency": "usd",
                "status": "succeeded",
                "metadata": {"purchase_id": str(purchase_id)},
            }
        },
    }
    body = json.dumps(event)
    hook = api_client.post(
        WEBHOOK_URL,
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(body),
    )
    assert hook.status_code == 200
    assert hook.json()["event_status"] == "processed"

    status = buyer_client.get(f"/api/v1/tracks/{track.pk}/purchase/status").json()["data"]
    assert status == {"has_purchased": True, "can_purchase": False, "reason": "already_purchased"}
    history = buyer_client.get("/api/v1/purchases").json()["data"]
    assert [(p["id"], p["status"], p["total_amount"]) for p in history] == [
        (purchase_id, "succeeded", 227)
    ]

    # The buyer downloads the WAV under their exclusive license.
    wav = buyer_client.get(f"/api/v1/tracks/{track.pk}/download")
    assert wav.status_code == 200
    assert body_of(wav)[:4] == b"RIFF"
    license_uuid = wav["X-License-Id"]
    assert license_uuid == history[0]["license_uuid"]
    # ...and the stems.
    listed = buyer_client.get(f"/api/v1/tracks/{track.pk}/stems").json()
    assert [s["name"] for s in listed["stems"]] == ["Drums"]
    stems = buyer_client.get(stem_url)
    assert stems.status_code == 200
    assert body_of(stems) == tone_wav(2.0)
    assert stems["X-License-Id"] == license_uuid
    assert bearer_client(late).get(stem_url).status_code == 403

    # The certificate verifies publicly, as an exclusive one with the producer's terms.
    verified = api_client.get(f"/api/v1/verify-license/{license_uuid}").json()
    assert verified["valid"] is True
    assert verified["checks"] == {"database": True, "signature": True, "hash": True}
    certificate = buyer_client.get(f"/api/v1/tracks/{track.pk}/license-certificate").json()
    snapshot = certificate["certificate"]["certificate"]
    assert snapshot["license_type"] == "exclusive"
    assert snapshot["licensee"]["display_name"] == "Ada Buyer"
    assert snapshot["terms"]["publishing_split"] == {"producer_percent": 30, "licensee_percent": 70}

    # Sold: gone from the catalog list, 410 for other subscribers, the page says so.
    ids = [t["id"] for t in bearer_client(late).get("/api/v1/tracks").json()["data"]]
    assert track.pk not in ids
    refused = bearer_client(late).get(f"/api/v1/tracks/{track.pk}/download")
    assert refused.status_code == 410
    assert refused.json()["error_code"] == "exclusive_sold"
    page = bearer_client(late).get(f"/api/v1/tracks/{track.pk}").json()["track"]
    assert page["exclusive_status"] == "sold"
    assert page["price"] is None

    # The earlier non-exclusive license stays valid.
    assert api_client.get(f"/api/v1/verify-license/{early_license}").json()["valid"] is True

    # The producer was told, and sees the sale.
    (sale,) = notifications_of(producer, "track.sold")
    assert "Ada Buyer" in sale.title
    assert "Summer Vibes" in sale.title
    earnings = producer_client.get("/api/v1/artist/sales").json()["data"]["earnings"]
    assert earnings["total_sales"] == 1
    assert earnings["total_revenue"] == 200
