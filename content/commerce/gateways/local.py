"""The local test gateway: no network, no state. Payments complete when a signed
``payment_intent.succeeded`` event arrives (``manage.py simulate_payment``); Connect onboarding
completes at once. Ids are derived from the idempotency keys, so retries return the same
intent, as Stripe's do."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from content.commerce.gateways.base import (
    AccountState,
    BalanceAmount,
    PaymentGateway,
    PaymentIntent,
)


def _token(*parts: str, length: int = 24) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), "|".join(parts).encode(), hashlib.sha256)
    return digest.hexdigest()[:length]


class LocalGateway(PaymentGateway):
    name = "test"

    def _secret(self, intent_id: str) -> str:
        return f"{intent_id}_secret_{_token('secret', intent_id)}"

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
        intent_id = f"pi_test_{_token('intent', idempotency_key)}"
        return PaymentIntent(
            id=intent_id,
            client_secret=self._secret(intent_id),
            status="requires_payment_method",
            amount=amount,
            currency=currency.lower(),
        )

    def retrieve_payment_intent(self, *, intent_id: str) -> PaymentIntent:
        return PaymentIntent(
            id=intent_id, client_secret=self._secret(intent_id), status="requires_payment_method"
        )

    def cancel_payment_intent(self, *, intent_id: str, idempotency_key: str) -> str:
        return "canceled"

    def refund_payment(self, *, intent_id: str, idempotency_key: str) -> str:
        return f"re_test_{_token('refund', idempotency_key)}"

    def create_connect_account(self, *, email: str, idempotency_key: str) -> AccountState:
        return self.retrieve_connect_account(
            account_id=f"acct_test_{_token('account', idempotency_key, length=16)}"
        )

    def retrieve_connect_account(self, *, account_id: str) -> AccountState:
        return AccountState(
            account_id=account_id,
            charges_enabled=True,
            payouts_enabled=True,
            details_submitted=True,
        )

    def create_onboarding_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        return return_url

    def retrieve_balance(self, *, account_id: str) -> list[BalanceAmount]:
        return []
