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
    total_amount = _amount("What the buyer pays: base_price + platform_fee - discount_amount.")
    currency = serializers.CharField(help_text="ISO 4217 code.")
    discount_amount = serializers.FloatField(
        required=False,
        help_text="With a coupon only: taken off the platform fee (at most all of it).",
    )
    coupon = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="With a coupon only: its code (null in the history once staff deleted it).",
    )


class PriceQuoteOut(PricingOut):
    is_exclusive = serializers.BooleanField()
    total_price = _amount("Same as total_amount (openapi.json's name for it).")


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
    duplicate = serializers.BooleanField(
        help_text="The event id was already processed, ignored or rejected: no-op."
    )
    event_status = serializers.CharField(
        help_text="processed | ignored | rejected (a signed payload that cannot be used)"
    )


class PurchaseStatusOut(serializers.Serializer):
    has_purchased = serializers.BooleanField()
    can_purchase = serializers.BooleanField()
    reason = serializers.CharField(
        allow_null=True,
        help_text="already_purchased | staff_account | own_track | sold | not_for_sale | "
        "pending | artist_not_set_up | purchases_disabled; null when it can be bought.",
    )


class PurchaseStatusEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    data = PurchaseStatusOut()


class PurchaseOut(PricingOut):
    id = serializers.IntegerField()
    track_id = serializers.IntegerField(allow_null=True)
    track_name = serializers.CharField()
    status = serializers.CharField(help_text="pending | succeeded | failed | refunded")
    license_type = serializers.CharField()
    license_uuid = serializers.UUIDField(allow_null=True)
    failure_message = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    purchased_at = serializers.CharField(allow_null=True, help_text="`YYYY-MM-DD HH:MM:SS` UTC.")


class EarningsOut(serializers.Serializer):
    total_sales = serializers.IntegerField()
    total_revenue = _amount("100% of the listed prices of succeeded sales.")
    total_revenue_formatted = serializers.CharField(help_text="e.g. `$245.50 USD`.")
    pending_payout = _amount("Revenue of sales younger than the payout delay.")
    paid_out = _amount("Revenue of sales older than the payout delay.")
    currency = serializers.CharField()


class SaleOut(serializers.Serializer):
    id = serializers.IntegerField()
    track_id = serializers.IntegerField(allow_null=True)
    track_name = serializers.CharField()
    artist_amount = _amount("The producer's share.")
    total_amount = _amount("What the buyer paid.")
    platform_fee = _amount("The platform's fee.")
    status = serializers.CharField()
    purchased_at = serializers.CharField(help_text="`YYYY-MM-DD HH:MM:SS` UTC.")


class SalesOut(serializers.Serializer):
    earnings = EarningsOut()
    recent_purchases = SaleOut(many=True)


class SalesEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    data = SalesOut()


class ConnectOut(serializers.Serializer):
    connected = serializers.BooleanField()
    status = serializers.CharField(help_text="not_connected | pending | restricted | active")
    account_id = serializers.CharField(allow_null=True)
    charges_enabled = serializers.BooleanField()
    payouts_enabled = serializers.BooleanField()
    details_submitted = serializers.BooleanField()
    requirements_due = serializers.ListField(child=serializers.CharField())
    onboarded_at = serializers.DateTimeField(allow_null=True)


class ConnectEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    data = ConnectOut()


class OnboardOut(ConnectOut):
    url = serializers.CharField(help_text="Open it to finish onboarding with the gateway.")


class OnboardEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    data = OnboardOut()


class BalanceOut(serializers.Serializer):
    currency = serializers.CharField()
    available = serializers.FloatField()
    pending = serializers.FloatField()


class PayoutOut(serializers.Serializer):
    id = serializers.CharField(help_text="The gateway's payout id.")
    amount = serializers.FloatField()
    currency = serializers.CharField()
    status = serializers.CharField(help_text="pending | in_transit | paid | failed | canceled")
    arrival_date = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    failure_code = serializers.CharField(allow_null=True)
    failure_message = serializers.CharField(allow_null=True, help_text="Why it failed.")
    created_at = serializers.DateTimeField()


class FinancesOut(serializers.Serializer):
    earnings = EarningsOut()
    balance = BalanceOut(many=True, help_text="The Connect account's balance at the gateway.")
    connect = ConnectOut()
    payouts = PayoutOut(many=True, help_text="The newest payouts to the bank (10).")


class FinancesEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    data = FinancesOut()


class CouponOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    type = serializers.CharField(help_text="percentage | fixed")
    amount = serializers.FloatField(help_text="Percent off, or the amount off.")


class CouponCheckOut(serializers.Serializer):
    status = serializers.CharField(default="success")
    coupon = CouponOut()
    discount_amount = serializers.FloatField(allow_null=True)
    final_amount = serializers.FloatField(allow_null=True)
    savings = serializers.FloatField(allow_null=True)
    valid = serializers.BooleanField()


class ExclusiveConfigOut(serializers.Serializer):
    publishing_producer_percent = serializers.IntegerField()
    publishing_licensee_percent = serializers.IntegerField()
    territory = serializers.CharField()
    governing_law = serializers.CharField()
    files_to_deliver = serializers.ListField(child=serializers.CharField())
    producer_royalty_percent = serializers.FloatField()
    broadcasting_rights = serializers.BooleanField()
    for_profit_performances = serializers.BooleanField()
    content_id_allowed = serializers.BooleanField()
    distribute_copies = serializers.IntegerField(allow_null=True, help_text="null = unlimited")


class PresetOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    is_default = serializers.BooleanField()
    config = ExclusiveConfigOut()
    summary = serializers.CharField()
    usage_count = serializers.IntegerField(help_text="Tracks using this preset.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PresetEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    preset = PresetOut()


class PresetListEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    presets = PresetOut(many=True)


class DefaultConfigEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    config = ExclusiveConfigOut()
    options = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="territories, governing_laws, files_to_deliver: the accepted values.",
    )


class ArtistDefaultEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    preset = PresetOut(allow_null=True, help_text="The default preset, or null.")
    config = ExclusiveConfigOut(help_text="What new tracks start from.")


# --- stems ----------------------------------------------------------------------------------------


class StemOut(serializers.Serializer):
    id = serializers.IntegerField()
    track_id = serializers.IntegerField()
    name = serializers.CharField(help_text="The layer, e.g. Drums.")
    position = serializers.IntegerField()
    file_name = serializers.CharField(help_text="The uploaded file's (sanitised) name.")
    extension = serializers.CharField()
    mime = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    duration = serializers.IntegerField(allow_null=True, help_text="Milliseconds.")
    sample_rate = serializers.IntegerField(allow_null=True)
    channels = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class StemListEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    stems = StemOut(many=True)
    access = serializers.CharField(help_text="owner | exclusive_buyer")


class StemEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    stem = StemOut()


class RefundRequestOut(serializers.Serializer):
    id = serializers.IntegerField()
    purchase_id = serializers.IntegerField()
    track_id = serializers.IntegerField(allow_null=True)
    track_name = serializers.CharField()
    total_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, help_text="What you paid."
    )
    currency = serializers.CharField()
    status = serializers.CharField(
        help_text="open (waiting for review) | approved (the refund is on its way) | refunded "
        "(the payment provider confirmed it) | denied"
    )
    reason = serializers.CharField(help_text="Your words.")
    decision_note = serializers.CharField(allow_null=True, help_text="Why it was denied.")
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    refunded_at = serializers.DateTimeField(allow_null=True)


class RefundRequestEnvelope(serializers.Serializer):
    status = serializers.CharField(default="success")
    refund_request = RefundRequestOut()
