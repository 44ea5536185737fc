"""``manage.py simulate_payment <purchase_id> [--fail | --refund] [--url URL]``: complete (or
decline, or refund) a purchase offline, as Stripe would.

Builds a ``payment_intent.succeeded`` (``--fail``: ``payment_intent.payment_failed``;
``--refund``: ``charge.refunded`` in full, as after an approved refund request) event for
the purchase, signs it with the webhook secret (``Stripe-Signature``, current timestamp) and
delivers it to the webhook view: in-process through the same view and signature check by
default, over HTTP to ``URL`` (e.g. http://127.0.0.1:8000/api/v1/webhooks/stripe) with --url.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand, CommandError
from django.test import RequestFactory

from content.commerce.models import Purchase
from content.commerce.services.webhooks import (
    sign_payload,
    simulated_payment_event,
    simulated_refund_event,
)


class Command(BaseCommand):
    help = "Deliver a signed payment_intent.succeeded (or --fail: payment_failed) event."

    def add_arguments(self, parser):
        parser.add_argument("purchase_id", type=int)
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument("--fail", action="store_true", help="Decline the payment instead.")
        choice.add_argument(
            "--refund", action="store_true", help="Refund the (succeeded) payment in full."
        )
        parser.add_argument("--url", help="POST the event to this webhook URL over HTTP.")

    def handle(self, *args, purchase_id: int, fail: bool, refund: bool, url: str | None, **options):
        purchase = Purchase.objects.filter(pk=purchase_id).first()
        if purchase is None:
            raise CommandError(f"No purchase {purchase_id}.")
        if not purchase.payment_intent_id:
            raise CommandError(f"Purchase {purchase_id} has no payment intent.")
        if refund:
            event = simulated_refund_event(purchase=purchase)
        else:
            event = simulated_payment_event(purchase=purchase, succeeded=not fail)
        body = json.dumps(event)
        status, text = self._deliver(body, url)
        if status != 200:
            raise CommandError(f"The webhook answered {status}: {text}")
        purchase.refresh_from_db()
        self.stdout.write(f"webhook {status}: {text}")
        self.stdout.write(f"purchase {purchase.pk} is {purchase.status}")

    def _deliver(self, body: str, url: str | None) -> tuple[int, str]:
        """Sign ``body`` as the gateway would and hand it to the webhook: over HTTP to ``url``,
        or in-process to the view. Answers (status, body text)."""
        signature = sign_payload(body)
        if url:
            return self._post(url, body, signature)
        from content.commerce.api.webhooks import StripeWebhookView

        request = RequestFactory().post(
            "/api/v1/webhooks/stripe",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
        response = StripeWebhookView.as_view()(request)
        response.render()
        return response.status_code, response.content.decode()

    def _post(self, url: str, body: str, signature: str) -> tuple[int, str]:
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http(s) URL.")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=body.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except urllib.error.URLError as exc:
            raise CommandError(f"Cannot reach {url}: {exc.reason}") from None
