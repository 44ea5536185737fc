"""OpenAPI-only declarations of the commerce output."""

from __future__ import annotations

from rest_framework import serializers


class PlanOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=False, help_text="In `currency`."
    )
    currency = serializers.CharField(help_text="ISO 4217 code.")
    interval = serializers.CharField(help_text="month | year")
    downloads_per_period = serializers.IntegerField(
        allow_null=True, help_text="New licenses per billing period; null = unlimited."
    )


class SubscriptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="active | past_due | canceled | expired")
    plan = PlanOut()
    current_period_start = serializers.DateTimeField()
    current_period_end = serializers.DateTimeField()
    canceled_at = serializers.DateTimeField(allow_null=True)
    downloads_used = serializers.IntegerField(
        help_text="Licenses obtained under this subscription in the current period."
    )
    downloads_remaining = serializers.IntegerField(allow_null=True, help_text="null = unlimited.")


class SubscriptionEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    subscription = SubscriptionOut(allow_null=True)


# --- purchases ------------------------------------------------------------------------------------


def _amount(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(
        help_text=help_text + " JSON number of an exact 2-decimal amount."
    )


class PricingOut(serializers.Serializer):
    base_price = _amount("The producer's listed price (the producer receives all of it).")
    platform_fee = _amount("Percentage + fixed platform fee, paid by the buyer, rounded once.")
    total_amount = _amount("What the buyer pays: base_price + platform_fee.")
    currency = serializers.CharField(help_text="ISO 4217 code.")


class PriceQuoteOut(PricingOut):
    is_exclusive = serializers.BooleanField()


class PriceQuoteEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    data = PriceQuoteOut()


class InitiateOut(serializers.Serializer):
    client_secret = serializers.CharField(help_text="Confirm the payment with Stripe.js.")
    purchase_id = serializers.IntegerField()
    pricing = PricingOut()


class InitiateEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    data = InitiateOut()


class WebhookAck(serializers.Serializer):
    status = serializers.CharField(default="success")
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField(help_text="The event id was already processed: no-op.")
    event_status = serializers.CharField(help_text="processed | ignored")
