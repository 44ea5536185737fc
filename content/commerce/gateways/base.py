"""The payment gateway interface commerce talks to (Stripe in production, a local gateway for
``make run`` and tests of everything above the adapter). Amounts are integers in the
currency's minor unit, as Stripe takes them."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    client_secret: str
    status: str
    amount: int | None = None
    currency: str | None = None


@dataclass(frozen=True)
class AccountState:
    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BalanceAmount:
    currency: str
    available: int
    pending: int


class PaymentGateway(abc.ABC):
    name: str

    @abc.abstractmethod
    def create_payment_intent(
        self,
        *,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: dict[str, str],
        destination_account: str | None,
        application_fee: int,
        description: str,
    ) -> PaymentIntent:
        """A PaymentIntent charging ``amount``; with a destination, the producer's Connect
        account receives ``amount - application_fee``. Same key, same intent."""

    @abc.abstractmethod
    def retrieve_payment_intent(self, *, intent_id: str) -> PaymentIntent: ...

    @abc.abstractmethod
    def cancel_payment_intent(self, *, intent_id: str, idempotency_key: str) -> str:
        """Cancel an unpaid PaymentIntent so the buyer can no longer pay it; its new status.
        An intent already paid cannot be cancelled (``GatewayError``): refund it instead."""

    @abc.abstractmethod
    def refund_payment(self, *, intent_id: str, idempotency_key: str) -> str:
        """Refund the whole payment (and the transfer to the producer); the refund id."""

    @abc.abstractmethod
    def create_connect_account(self, *, email: str, idempotency_key: str) -> AccountState: ...

    @abc.abstractmethod
    def retrieve_connect_account(self, *, account_id: str) -> AccountState: ...

    @abc.abstractmethod
    def create_onboarding_link(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        """The URL the producer opens to finish onboarding."""

    @abc.abstractmethod
    def retrieve_balance(self, *, account_id: str) -> list[BalanceAmount]: ...
