"""The Stripe adapter: the official ``stripe`` library (``StripeClient``), configured from
settings (``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE`` for a loopback fake in tests,
``STRIPE_TIMEOUT_SECONDS``). Exclusive sales are destination charges: the buyer pays the
platform, the producer's Connect account receives the price, BeatPass keeps the fee."""

from __future__ import annotations

import logging

import stripe as stripe_lib
from django.conf import settings

from content.commerce.errors import GatewayError, GatewayNotConfigured
from content.commerce.gateways.base import (
    AccountState,
    BalanceAmount,
    PaymentGateway,
    PaymentIntent,
)

logger = logging.getLogger(__name__)


def _plain(obj) -> dict:
    """StripeObjects are not dicts (since stripe 13); events arrive as plain dicts."""
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def _intent(obj) -> PaymentIntent:
    obj = _plain(obj)
    return PaymentIntent(
        id=obj["id"],
        client_secret=obj.get("client_secret") or "",
        status=obj.get("status") or "",
        amount=obj.get("amount"),
        currency=obj.get("currency"),
    )


def account_state(obj) -> AccountState:
    """An ``account`` object (API response or ``account.updated`` event) as our state."""
    obj = _plain(obj)
    requirements = obj.get("requirements") or {}
    return AccountState(
        account_id=obj["id"],
        charges_enabled=bool(obj.get("charges_enabled")),
        payouts_enabled=bool(obj.get("payouts_enabled")),
        details_submitted=bool(obj.get("details_submitted")),
        requirements_due=list(requirements.get("currently_due") or []),
    )


class StripeGateway(PaymentGateway):
    name = "stripe"

    def __init__(self) -> None:
        if not settings.STRIPE_SECRET_KEY:
            raise GatewayNotConfigured()
        bases = {}
        if settings.STRIPE_API_BASE:
            bases = {"api": settings.STRIPE_API_BASE, "connect": settings.STRIPE_API_BASE}
        self.client = stripe_lib.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses=bases,
            max_network_retries=2,
            http_client=stripe_lib.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        )

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe_lib.StripeError as exc:
            logger.warning("stripe %s failed: %s", what, exc)
            raise GatewayError(str(exc)) from exc

    def create_payment_intent(
        self,
        *,
        amount,
        currency,
        idempotency_key,
        metadata,
        destination_account,
        application_fee,
        description,
    ) -> PaymentIntent:
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "metadata": metadata,
            "description": description,
            "automatic_payment_methods": {"enabled": True},
        }
        if destination_account:
            params["transfer_data"] = {"destination": destination_account}
            params["application_fee_amount"] = application_fee
        intent = self._call(
            "create payment intent",
            self.client.v1.payment_intents.create,
            params,
            {"idempotency_key": idempotency_key},
        )
        return _intent(intent)

    def retrieve_payment_intent(self, *, intent_id: str) -> PaymentIntent:
        return _intent(
            self._call(
                "retrieve payment intent", self.client.v1.payment_intents.retrieve, intent_id
            )
        )

    def cancel_payment_intent(self, *, intent_id: str, idempotency_key: str) -> str:
        intent = self._call(
            "cancel payment intent",
            self.client.v1.payment_intents.cancel,
            intent_id,
            {"cancellation_reason": "abandoned"},
            {"idempotency_key": idempotency_key},
        )
        return _plain(intent)["status"]

    def refund_payment(self, *, intent_id: str, idempotency_key: str) -> str:
        refund = self._call(
            "refund",
            self.client.v1.refunds.create,
            {"payment_intent": intent_id, "reverse_transfer": True, "refund_application_fee": True},
            {"idempotency_key": idempotency_key},
        )
        return _plain(refund)["id"]

    def create_connect_account(self, *, email: str, idempotency_key: str) -> AccountState:
        account = self._call(
            "create account",
            self.client.v1.accounts.create,
            {
                "type": "express",
                "country": settings.STRIPE_CONNECT_COUNTRY,
                "email": email,
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
            },
            {"idempotency_key": idempotency_key},
        )
        return account_state(account)

    def retrieve_connect_account(self, *, account_id: str) -> AccountState:
        return account_state(
            self._call("retrieve account", self.client.v1.accounts.retrieve, account_id)
        )

    def create_onboarding_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        link = self._call(
            "create account link",
            self.client.v1.account_links.create,
            {
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return _plain(link)["url"]

    def retrieve_balance(self, *, account_id: str) -> list[BalanceAmount]:
        balance = self._call(
            "retrieve balance",
            self.client.v1.balance.retrieve,
            None,
            {"stripe_account": account_id},
        )
        balance = _plain(balance)
        totals: dict[str, list[int]] = {}
        for key, index in (("available", 0), ("pending", 1)):
            for entry in balance.get(key) or []:
                totals.setdefault(entry["currency"].upper(), [0, 0])[index] += entry["amount"]
        return [BalanceAmount(cur, avail, pend) for cur, (avail, pend) in sorted(totals.items())]
