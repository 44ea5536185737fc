"""What a buyer pays for an exclusive: the producer's price plus the platform fee.

Help (setting prices, when your beat sells): the buyer pays the listed price plus 12% + $3;
the producer receives 100% of the listed price. Both fee parts are settings. The fee is
computed exactly and rounded once (half up, to the currency's minor unit); the total is the
sum of two already rounded amounts, so it needs no rounding of its own. Pure: no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings

from content.commerce.money import as_json_number, minor_exponent, quantize


@dataclass(frozen=True)
class Pricing:
    base_price: Decimal
    platform_fee: Decimal
    total_amount: Decimal
    currency: str
    discount_amount: Decimal = Decimal(0)
    coupon_code: str | None = None

    @property
    def artist_amount(self) -> Decimal:
        """The producer's share: the whole listed price."""
        return self.base_price

    @property
    def application_fee(self) -> Decimal:
        """What the platform keeps: the fee less a coupon's discount."""
        return self.platform_fee - self.discount_amount

    def with_discount(self, discount: Decimal, coupon_code: str) -> Pricing:
        """A coupon's ``discount`` (already rounded) taken off the platform fee, never off the
        producer's price: it is capped at the fee, so the producer still receives 100%."""
        discount = min(max(discount, Decimal(0)), self.platform_fee)
        return replace(
            self,
            discount_amount=discount,
            total_amount=self.base_price + self.platform_fee - discount,
            coupon_code=coupon_code,
        )

    def as_json(self) -> dict:
        out = {
            "base_price": as_json_number(self.base_price),
            "platform_fee": as_json_number(self.platform_fee),
            "total_amount": as_json_number(self.total_amount),
            "currency": self.currency,
        }
        if self.coupon_code is not None:
            out["discount_amount"] = as_json_number(self.discount_amount)
            out["coupon"] = self.coupon_code
        return out


def fee_settings() -> tuple[Decimal, Decimal]:
    return (
        Decimal(str(settings.COMMERCE_PLATFORM_FEE_PERCENT)),
        Decimal(str(settings.COMMERCE_PLATFORM_FEE_FIXED)),
    )


def price_exclusive(
    base_price: Decimal,
    currency: str,
    *,
    fee_percent: Decimal | None = None,
    fee_fixed: Decimal | None = None,
) -> Pricing:
    if fee_percent is None or fee_fixed is None:
        default_percent, default_fixed = fee_settings()
        fee_percent = default_percent if fee_percent is None else fee_percent
        fee_fixed = default_fixed if fee_fixed is None else fee_fixed
    currency = currency.upper()
    base = quantize(base_price, currency)
    fee = quantize(base * fee_percent / 100 + fee_fixed, currency)
    return Pricing(base_price=base, platform_fee=fee, total_amount=base + fee, currency=currency)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """``29.99`` USD → ``2999``: what the gateway charges (Stripe amounts are integers)."""
    return int(quantize(amount, currency).scaleb(minor_exponent(currency)))


def from_minor_units(amount: int, currency: str) -> Decimal:
    return quantize(Decimal(amount).scaleb(-minor_exponent(currency)), currency)
