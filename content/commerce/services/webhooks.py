"""Gateway webhooks: verify the signature, store the event once, dispatch it.

Stripe's scheme (``Stripe-Signature: t=<unix>,v1=<hmac-sha256 of "t.body">``) checked by the
official library, with ``COMMERCE_WEBHOOK_TOLERANCE_SECONDS`` for the timestamp; the local test
gateway's events are signed the same way, so one path serves both. Each event id is stored
(unique): a replay of a processed (ignored, rejected) event is a no-op; a failed one (a
transient error) is processed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import stripe as stripe_lib
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from beatpass.api.errors import ApplicationError
from content import clock
from content.commerce.errors import GatewayError, GatewayNotConfigured
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


def webhook_verify(*, payload: bytes, signature: str | None) -> None:
    """Nothing if ``signature`` is valid and recent; else 400 (nothing is stored). A body that
    is not UTF-8 was never signed by Stripe (the library would fail decoding it)."""
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookSignatureInvalid("Invalid webhook signature.") from None
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
        return
    if stale:
        raise WebhookSignatureInvalid(
            "The webhook signature's timestamp is outside the tolerance.",
            code="stale_signature",
        )
    raise WebhookSignatureInvalid("Invalid webhook signature.")


def event_problem(event: Any) -> str | None:
    """Why ``event`` (a decoded body) is not a usable event, or None."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        return "The body is not an event (no string id)."
    if not isinstance(event.get("type"), str):
        return "The event has no string type."
    if not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("object"), dict):
        return "The event has no data object."
    return None


def _parse(payload: bytes) -> tuple[str, dict[str, Any], str | None]:
    """(event id, what to store, why it is unusable or None) for a signed body. A body with
    no usable id is keyed by its SHA-256, so its redeliveries are still recognised."""
    try:
        # NaN and Infinity are not JSON (and PostgreSQL refuses them).
        event = json.loads(payload, parse_constant=_not_json)
        stripped = _without_nul(event)
    except (ValueError, UnicodeDecodeError, RecursionError):
        event = stripped = None
        problem = "The body is not JSON (or is nested too deeply)."
    else:
        problem = event_problem(event)
        if stripped != event:  # PostgreSQL's jsonb cannot hold U+0000; Stripe never sends it
            problem = problem or "The event contains NUL characters."
    event_id = stripped.get("id") if isinstance(stripped, dict) else None
    if not isinstance(event_id, str) or not event_id:
        event_id = f"malformed_{hashlib.sha256(payload).hexdigest()}"
    if not isinstance(stripped, dict):
        stripped = {"body": payload.decode("utf-8", "replace").replace("\x00", "")[:10_000]}
    return event_id[:255], stripped, problem


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def webhook_receive(
    *, payload: bytes, signature: str | None, gateway: str
) -> tuple[WebhookEvent, bool]:
    """Verify, store once and process an event: (event row, duplicate?). A duplicate of a
    processed, ignored or rejected event changes nothing. A signed body that cannot be used
    (not JSON, no id, no data object, a handler's data it cannot work with) is stored as
    ``rejected`` with the reason: retrying it would never succeed."""
    webhook_verify(payload=payload, signature=signature)
    event_id, event, problem = _parse(payload)
    defaults = {"type": str(event.get("type") or "")[:100], "gateway": gateway, "payload": event}
    if problem is not None:
        defaults.update(status=WebhookEvent.Status.REJECTED, error=problem, attempts=1)
    try:
        with transaction.atomic():
            row, created = WebhookEvent.objects.get_or_create(event_id=event_id, defaults=defaults)
    except IntegrityError:  # a concurrent delivery inserted it first
        row, created = WebhookEvent.objects.get(event_id=event_id), False
    if row.status in FINAL_STATUSES:
        return row, not created
    return webhook_process(event=row), False


FINAL_STATUSES = (
    WebhookEvent.Status.PROCESSED,
    WebhookEvent.Status.IGNORED,
    WebhookEvent.Status.REJECTED,
)

# Errors a later delivery may not meet: the event stays ``failed`` and the endpoint answers
# 503 so the gateway delivers it again. Anything else a handler raises comes from the event's
# data (a missing field, a wrong type, an unknown plan): it is ``rejected`` once, answered 200.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # database unavailable, lock or statement timeout, deadlock
    InterfaceError,  # connection closed
    GatewayError,  # the gateway (a refund call) is unavailable
    GatewayNotConfigured,
)


def webhook_process(*, event: WebhookEvent) -> WebhookEvent:
    """Run the event's handler (also the admin's "reprocess" action). Locks the event row, so
    two deliveries of one event never process it twice; a failure is recorded, not raised:
    ``failed`` for a transient error, ``rejected`` for any other."""
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        if row.status in FINAL_STATUSES:
            return row
        row.attempts += 1
        problem = event_problem(row.payload)
        handler = _handlers().get(row.type)
        if problem is None and handler is None:
            row.status = WebhookEvent.Status.IGNORED
            row.processed_at = clock.now()
            row.save()
            return row
        try:
            if problem is not None:
                raise ValueError(problem)
            with transaction.atomic():
                handler(row.payload["data"]["object"], row.payload)
        except TRANSIENT_ERRORS as exc:  # the gateway delivers it again
            logger.warning("webhook %s (%s) failed: %s", row.event_id, row.type, exc)
            row.status = WebhookEvent.Status.FAILED
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
        except Exception as exc:  # the payload is unusable: recorded for the admin, not retried
            logger.exception("webhook %s (%s) rejected", row.event_id, row.type)
            row.status = WebhookEvent.Status.REJECTED
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


def simulated_refund_event(*, purchase) -> dict[str, Any]:
    """A ``charge.refunded`` event refunding ``purchase`` in full, in Stripe's shape, as the
    gateway sends once a refund (an approved refund request, say) went through."""
    import uuid

    from content.commerce.pricing import to_minor_units

    total = to_minor_units(purchase.total_amount, purchase.currency)
    return {
        "id": f"evt_sim_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(clock.now().timestamp()),
        "type": "charge.refunded",
        "livemode": False,
        "data": {
            "object": {
                "id": f"ch_sim_{purchase.pk}",
                "object": "charge",
                "payment_intent": purchase.payment_intent_id,
                "amount": total,
                "amount_refunded": total,
                "currency": purchase.currency.lower(),
                "refunded": True,
                "metadata": {"purchase_id": str(purchase.pk)},
            }
        },
    }
