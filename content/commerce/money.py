"""Money: ``Decimal`` amounts with an explicit ISO 4217 currency, never floats.

Amounts are rounded once, half up, to the currency's minor unit. JSON renders them as numbers
computed from the rounded ``Decimal`` (``as_json_number``), so ``9.99`` is ``9.99`` on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Currencies whose minor unit is not the cent (ISO 4217); every other one has two decimals.
MINOR_UNIT_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3}
DEFAULT_CURRENCY = "USD"


def minor_exponent(currency: str) -> int:
    return MINOR_UNIT_EXPONENTS.get(currency.upper(), 2)


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """``amount`` rounded half up to ``currency``'s minor unit. Floats are refused: they have
    already lost the exact value."""
    if isinstance(amount, float):
        raise TypeError("Money amounts are Decimal, int or str, never float.")
    step = Decimal(1).scaleb(-minor_exponent(currency))
    return Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)


def as_json_number(amount: Decimal) -> int | float:
    """A JSON number for an already rounded amount (orjson writes the shortest repr, so a
    two-decimal Decimal comes out with exactly those digits)."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", self.currency.upper())
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"Cannot add {other.currency} to {self.currency}.")
        return Money(self.amount + other.amount, self.currency)

    def formatted(self) -> str:
        """``$9.99 USD``-style text for documents (the JSON carries amount and currency)."""
        symbol = {"USD": "$", "CAD": "$", "EUR": "€", "GBP": "£"}.get(self.currency, "")
        return f"{symbol}{self.amount:,} {self.currency}"

    def as_json(self) -> dict:
        return {"amount": as_json_number(self.amount), "currency": self.currency}
