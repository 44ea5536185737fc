"""Producer payouts: Stripe pays a Connect account's balance out to the producer's bank and
tells us with ``payout.created``, ``payout.paid`` and ``payout.failed`` events (webhooks.mdx:
initiated, deposited, failed — "the producer is informed of the reason").

Each payout is one ``Payout`` row (unique payout id), upserted under a row lock; its status
only moves forward (``Payout.RANK``), so duplicates and out-of-order deliveries are no-ops,
and the producer's managers are notified once when a payout is deposited or fails.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction

from beatpass.accounts.services import notify
from content import clock
from content.commerce.models import ConnectAccount, Payout
from content.commerce.pricing import from_minor_units

logger = logging.getLogger(__name__)

EVENT_STATUS = {
    "payout.paid": Payout.Status.PAID,
    "payout.failed": Payout.Status.FAILED,
    "payout.canceled": Payout.Status.CANCELED,
}


def _timestamp(value) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _status_of(event_type: str, payout: dict[str, Any]) -> str:
    if event_type in EVENT_STATUS:
        return EVENT_STATUS[event_type]
    status = payout.get("status")
    return status if status in Payout.RANK else Payout.Status.PENDING


def payout_event(
    *, event_type: str, payout: dict[str, Any], account_id: str | None
) -> Payout | None:
    """Record a ``payout.*`` event for the connected account ``account_id`` (the event's
    ``account``). Unknown accounts are ignored (None). Idempotent."""
    account = ConnectAccount.objects.filter(account_id=account_id).first() if account_id else None
    payout_id = payout.get("id")
    if account is None or not isinstance(payout_id, str) or not payout_id:
        logger.info("payout event %s for unknown account %s ignored", event_type, account_id)
        return None
    currency = str(payout.get("currency") or "usd").upper()
    amount = from_minor_units(int(payout.get("amount") or 0), currency)
    status = _status_of(event_type, payout)
    with transaction.atomic():
        row = Payout.objects.select_for_update().filter(payout_id=payout_id).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = Payout.objects.create(
                        account=account,
                        payout_id=payout_id,
                        amount=amount,
                        currency=currency,
                        status=Payout.Status.PENDING,
                    )
            except IntegrityError:  # a concurrent event created it first
                pass
            row = Payout.objects.select_for_update().get(payout_id=payout_id)
        row.amount = amount
        row.currency = currency
        row.arrival_date = _timestamp(payout.get("arrival_date")) or row.arrival_date
        previous = row.status
        moved = Payout.RANK[status] > Payout.RANK[previous]
        if moved:
            row.status = status
            now = clock.now()
            if status == Payout.Status.PAID:
                row.paid_at = now
            elif status in (Payout.Status.FAILED, Payout.Status.CANCELED):
                row.failed_at = now
                row.failure_code = str(payout.get("failure_code") or "")[:64]
                row.failure_message = str(payout.get("failure_message") or "")
        row.save()
        if moved and status in (Payout.Status.PAID, Payout.Status.FAILED):
            _notify(row)
    return row


def _notify(payout: Payout) -> None:
    managers = payout.account.artist.managers.all()
    amount = f"{payout.amount} {payout.currency}"
    data = {
        "payout_id": payout.payout_id,
        "amount": str(payout.amount),
        "currency": payout.currency,
        "status": payout.status,
    }
    for manager in managers:
        if payout.status == Payout.Status.PAID:
            notify(
                user=manager,
                kind="payout.paid",
                title=f"Payout of {amount} deposited",
                body="Your earnings were deposited to your bank account.",
                data=data,
            )
        else:
            reason = payout.failure_message or payout.failure_code or "No reason was given."
            notify(
                user=manager,
                kind="payout.failed",
                title=f"Payout of {amount} failed",
                body=f"Reason: {reason} Check your bank details in your Stripe dashboard.",
                data={**data, "failure_code": payout.failure_code, "reason": reason},
            )
