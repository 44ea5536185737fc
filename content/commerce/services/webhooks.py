"""Gateway webhooks: verify the signature, store the event once, dispatch it.

Stripe's scheme (``Stripe-Signature: t=<unix>,v1=<hmac-sha256 of "t.body">``) checked by the
official library, with ``COMMERCE_WEBHOOK_TOLERANCE_SECONDS`` for the timestamp; the local test
gateway's events are signed the same way, so one path serves both. Each event id is stored
(unique): a replay of a processed event is a no-op; a failed one is processed again.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe as stripe_lib
from django.conf import settings
from django.db import IntegrityError, transaction

from beatpass.api.errors import ApplicationError
from content import clock
from content.commerce.models import WebhookEvent
from content.commerce.services import connect, payouts, purchases, subscriptions

logger = logging.getLogger(__name__)


class WebhookSignatureInvalid(ApplicationError):
    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid_signature") -> None:
        super().__init__(message, code=code)


def _handlers() -> dict[str, Any]:
    """Event type → handler(data object, whole event); Connect events (payouts) name the
    connected account in the event's ``account``."""

    def payout(obj, event):
        return payouts.payout_event(
            event_type=event["type"], payout=obj, account_id=event.get("account")
        )

    return {
        "payment_intent.succeeded": lambda obj, event: purchases.purchase_payment_succeeded(
            intent=obj
        ),
        "payment_intent.payment_failed": lambda obj, event: purchases.purchase_payment_failed(
            intent=obj
        ),
        "charge.refunded": lambda obj, event: purchases.purchase_charge_refunded(charge=obj),
        "account.updated": lambda obj, event: connect.connect_account_updated(account=obj),
        "customer.subscription.created": lambda obj, event: subscriptions.subscription_sync(
            data=obj
        ),
        "customer.subscription.updated": lambda obj, event: subscriptions.subscription_sync(
            data=obj
        ),
        "customer.subscription.deleted": lambda obj, event: subscriptions.subscription_sync(
            data=obj, deleted=True
        ),
        "payout.created": payout,
        "payout.updated": payout,
        "payout.paid": payout,
        "payout.failed": payout,
        "payout.canceled": payout,
    }


def sign_payload(payload: str, *, timestamp: int | None = None, secret: str | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload`` (simulate_payment and tests)."""
    return stripe_lib.WebhookSignature.generate_signature_header(
        payload, secret or settings.COMMERCE_WEBHOOK_SECRET, timestamp=timestamp
    )


def webhook_verify(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, if ``signature`` is valid and recent; else 400."""
    # The platform endpoint's secret, then the Connect endpoint's (payout.*, account.updated
    # come from an endpoint for connected accounts, which Stripe signs with its own secret).
    secrets = [settings.COMMERCE_WEBHOOK_SECRET]
    connect_secret = getattr(settings, "COMMERCE_CONNECT_WEBHOOK_SECRET", "")
    if connect_secret and connect_secret not in secrets:
        secrets.append(connect_secret)
    stale = False
    for secret in secrets:
        try:
            stripe_lib.WebhookSignature.verify_header(
                payload,
                signature,
                secret,
                tolerance=settings.COMMERCE_WEBHOOK_TOLERANCE_SECONDS,
            )
        except stripe_lib.SignatureVerificationError as exc:
            # The library checks the timestamp only once a signature matched.
            stale = stale or "tolerance" in str(exc)
            continue
        break
    else:
        if stale:
            raise WebhookSignatureInvalid(
                "The webhook signature's timestamp is outside the tolerance.",
                code="stale_signature",
            )
        raise WebhookSignatureInvalid("Invalid webhook signature.")
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise WebhookSignatureInvalid(
            "The webhook body is not JSON.", code="invalid_payload"
        ) from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or "type" not in event:
        raise WebhookSignatureInvalid("The webhook body is not an event.", code="invalid_payload")
    if not isinstance((event.get("data") or {}).get("object"), dict):
        raise WebhookSignatureInvalid("The event has no data object.", code="invalid_payload")
    return event


def webhook_receive(
    *, payload: bytes, signature: str | None, gateway: str
) -> tuple[WebhookEvent, bool]:
    """Verify, store once and process an event: (event row, duplicate?). A duplicate of a
    processed (or ignored) event changes nothing."""
    event = webhook_verify(payload=payload, signature=signature)
    try:
        with transaction.atomic():
            row, _ = WebhookEvent.objects.get_or_create(
                event_id=event["id"][:255],
                defaults={"type": str(event["type"])[:100], "gateway": gateway, "payload": event},
            )
    except IntegrityError:  # a concurrent delivery inserted it first
        row = WebhookEvent.objects.get(event_id=event["id"][:255])
    if row.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
        return row, True
    return webhook_process(event=row), False


def webhook_process(*, event: WebhookEvent) -> WebhookEvent:
    """Run the event's handler (also the admin's "reprocess" action). Locks the event row, so
    two deliveries of one event never process it twice; a failure is recorded, not raised."""
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        if row.status in (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED):
            return row
        row.attempts += 1
        handler = _handlers().get(row.type)
        if handler is None:
            row.status = WebhookEvent.Status.IGNORED
            row.processed_at = clock.now()
            row.save()
            return row
        try:
            with transaction.atomic():
                handler(row.payload["data"]["object"], row.payload)
        except Exception as exc:  # recorded for the admin; the gateway retries the delivery
            logger.exception("webhook %s (%s) failed", row.event_id, row.type)
            row.status = WebhookEvent.Status.FAILED
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            row.status = WebhookEvent.Status.PROCESSED
            row.processed_at = clock.now()
            row.error = ""
        row.save()
        return row


def webhook_reprocess(*, event: WebhookEvent) -> WebhookEvent:
    """Admin: process a stored event again, whatever its status (handlers are idempotent)."""
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        row.status = WebhookEvent.Status.RECEIVED
        row.save(update_fields=["status", "updated_at"])
        return webhook_process(event=row)


# --- simulated events (manage.py simulate_payment, tests) -----------------------------------------


def simulated_payment_event(*, purchase, succeeded: bool = True) -> dict[str, Any]:
    """A ``payment_intent.succeeded`` (or ``payment_failed``) event for ``purchase`` in
    Stripe's shape, with a fresh event id."""
    import uuid

    from content.commerce.pricing import to_minor_units

    intent: dict[str, Any] = {
        "id": purchase.payment_intent_id,
        "object": "payment_intent",
        "amount": to_minor_units(purchase.total_amount, purchase.currency),
        "currency": purchase.currency.lower(),
        "status": "succeeded" if succeeded else "requires_payment_method",
        "metadata": {"purchase_id": str(purchase.pk)},
    }
    if not succeeded:
        intent["last_payment_error"] = {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        }
    return {
        "id": f"evt_sim_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(clock.now().timestamp()),
        "type": "payment_intent.succeeded" if succeeded else "payment_intent.payment_failed",
        "livemode": False,
        "data": {"object": intent},
    }
