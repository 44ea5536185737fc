"""Payment gateways: ``get_gateway()`` returns the one ``COMMERCE_GATEWAY`` names."""

from __future__ import annotations

from django.conf import settings

from content.commerce.gateways.base import PaymentGateway


def get_gateway(name: str | None = None) -> PaymentGateway:
    name = name or settings.COMMERCE_GATEWAY
    if name == "stripe":
        from content.commerce.gateways.stripe_gateway import StripeGateway

        return StripeGateway()
    if name == "test":
        from content.commerce.gateways.local import LocalGateway

        return LocalGateway()
    raise ValueError(f"Unknown COMMERCE_GATEWAY {name!r} (stripe | test).")
