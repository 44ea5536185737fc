"""``manage.py simulate_payout <artist_id> <amount> [--fail] [--payout-id ID] [--url URL]``:
pay a producer's Connect balance out offline, as Stripe would.

Delivers two signed Connect events for the artist's account: ``payout.created`` then
``payout.paid`` (``--fail``: ``payout.failed`` with a bank's reason), through the same webhook
view and signature check in-process, or over HTTP to ``URL`` with --url.
"""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal, InvalidOperation

from django.core.management.base import CommandError

from content.commerce.models import ConnectAccount, Payout
from content.commerce.pricing import to_minor_units
from content.management.commands.simulate_payment import Command as PaymentCommand

FAILURE = {
    "failure_code": "account_closed",
    "failure_message": "The bank account has been closed.",
}


MAX_AMOUNT = Decimal(10) ** 10  # Payout.amount: 12 digits, 2 of them decimals


def payout_event(type_: str, *, account_id: str, payout_id: str, amount: int, currency: str):
    status = {"payout.paid": "paid", "payout.failed": "failed"}.get(type_, "pending")
    payout = {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "currency": currency.lower(),
        "arrival_date": int(time.time()) + 2 * 86400,
        "status": status,
        **(FAILURE if status == "failed" else {}),
    }
    return {
        "id": f"evt_sim_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": type_,
        "account": account_id,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": payout},
    }


class Command(PaymentCommand):
    help = "Deliver signed payout.created and payout.paid (or --fail: payout.failed) events."

    def add_arguments(self, parser):
        parser.add_argument("artist_id", type=int)
        parser.add_argument("amount", help="e.g. 149.99, in the account's sales currency")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--fail", action="store_true", help="The bank refuses the payout.")
        parser.add_argument("--payout-id", help="Reuse a payout id (default: a new one).")
        parser.add_argument("--url", help="POST the events to this webhook URL over HTTP.")

    def handle(self, *args, artist_id, amount, currency, fail, payout_id, url, **options):
        account = ConnectAccount.objects.filter(artist_id=artist_id).first()
        if account is None:
            raise CommandError(f"Artist {artist_id} has no Connect account (onboard first).")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise CommandError(f"Not an amount: {amount}") from None
        if not value.is_finite():
            raise CommandError(f"Not an amount: {amount}")
        if value <= 0:
            raise CommandError("The amount must be positive.")
        if value >= MAX_AMOUNT:
            raise CommandError(f"The amount must be below {MAX_AMOUNT} (what a payout stores).")
        if value != value.quantize(Decimal("0.01")):
            raise CommandError("The amount has at most two decimals.")
        currency = currency.upper()
        payout_id = payout_id or f"po_sim_{uuid.uuid4().hex[:20]}"
        for type_ in ("payout.created", "payout.failed" if fail else "payout.paid"):
            body = json.dumps(
                payout_event(
                    type_,
                    account_id=account.account_id,
                    payout_id=payout_id,
                    amount=to_minor_units(value, currency),
                    currency=currency,
                )
            )
            status, text = self._deliver(body, url)
            if status != 200:
                raise CommandError(f"The webhook answered {status}: {text}")
            self.stdout.write(f"{type_}: webhook {status}: {text}")
        payout = Payout.objects.get(payout_id=payout_id)
        self.stdout.write(f"payout {payout.payout_id} is {payout.status}")
