"""Fixtures of the commerce tests: a payable seller, an exclusive for sale, signed webhook
deliveries."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from content.catalog.models import LicensingType
from content.commerce.models import ConnectAccount, Purchase
from content.commerce.services.webhooks import sign_payload, simulated_payment_event
from content.licensing.tests.conftest import licensable_track

WEBHOOK_URL = "/api/v1/webhooks/stripe"


def make_payable(artist, account_id: str | None = None) -> ConnectAccount:
    return ConnectAccount.objects.create(
        artist=artist,
        gateway="test",
        account_id=account_id or f"acct_test_{artist.pk}",
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )


def exclusive_for_sale(artist, *, price: str = "29.99", name: str = "Night Drive", **extra):
    track = licensable_track(artist, name=name)
    track.licensing_type = LicensingType.EXCLUSIVE_AVAILABLE
    track.exclusive_price = Decimal(price)
    for field, value in extra.items():
        setattr(track, field, value)
    track.save()
    return track


@pytest.fixture
def seller(producer_artist):
    make_payable(producer_artist)
    return producer_artist


@pytest.fixture
def for_sale(seller):
    return exclusive_for_sale(seller)


def deliver(client, event: dict, *, timestamp: int | None = None, secret: str | None = None):
    body = json.dumps(event)
    header = sign_payload(body, timestamp=timestamp or int(time.time()), secret=secret)
    return client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def event(type_: str, obj: dict, *, event_id: str | None = None) -> dict:
    import uuid

    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": type_,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def pay(client, purchase: Purchase, *, succeeded: bool = True):
    purchase.refresh_from_db()
    return deliver(client, simulated_payment_event(purchase=purchase, succeeded=succeeded))


def refund_event(purchase: Purchase, *, amount: int | None = None) -> dict:
    from content.commerce.pricing import to_minor_units

    total = to_minor_units(purchase.total_amount, purchase.currency)
    refunded = total if amount is None else amount
    return event(
        "charge.refunded",
        {
            "id": f"ch_{purchase.pk}",
            "object": "charge",
            "payment_intent": purchase.payment_intent_id,
            "amount": total,
            "amount_refunded": refunded,
            "currency": purchase.currency.lower(),
            "refunded": refunded >= total,
            "metadata": {},
        },
    )


def initiate(client, track, **body):
    return client.post(f"/api/v1/tracks/{track.pk}/purchase/initiate", body, format="json")


def notifications_of(user, kind: str) -> list:
    from beatpass.accounts.models import Notification

    return list(Notification.objects.filter(user=user, kind=kind).order_by("id"))
