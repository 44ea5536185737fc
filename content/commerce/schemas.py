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
