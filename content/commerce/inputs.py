"""Request serializers of commerce (validation only)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from content.commerce import terms

CURRENCIES = ("USD", "CAD", "EUR", "GBP", "AUD", "JPY")
MAX_PRICE = Decimal("99999999.99")


def _limit_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=2_000_000_000, required=False, allow_null=True
    )


class ExclusiveTermsInput(serializers.Serializer):
    """An exclusive license configuration (help: license configuration). Keys left out keep
    their current (or default) value; usage limits are counts, null = unlimited."""

    publishing_producer_percent = serializers.IntegerField(
        min_value=0, max_value=100, required=False
    )
    publishing_licensee_percent = serializers.IntegerField(
        min_value=0, max_value=100, required=False
    )
    territory = serializers.ChoiceField(choices=terms.TERRITORIES, required=False)
    governing_law = serializers.ChoiceField(choices=terms.GOVERNING_LAWS, required=False)
    distribute_copies = _limit_field()
    audio_streams = _limit_field()
    monetized_music_videos = _limit_field()
    non_monetized_music_videos = _limit_field()
    monetized_video_streams = _limit_field()
    non_monetized_video_streams = _limit_field()
    radio_stations = _limit_field()
    non_profit_performances = _limit_field()
    broadcasting_rights = serializers.BooleanField(required=False)
    for_profit_performances = serializers.BooleanField(required=False)
    content_id_allowed = serializers.BooleanField(required=False)
    files_to_deliver = serializers.ListField(
        child=serializers.ChoiceField(choices=tuple(terms.DELIVERABLES)),
        allow_empty=False,
        max_length=len(terms.DELIVERABLES),
        required=False,
    )
    producer_royalty_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), required=False
    )

    def validate_files_to_deliver(self, value):
        return list(dict.fromkeys(value))

    def validate_producer_royalty_percent(self, value):
        # Stored in JSON: an int when whole, else a string-free float of two decimals.
        return int(value) if value == value.to_integral_value() else float(value)

    def validate(self, attrs):
        producer = attrs.get("publishing_producer_percent")
        licensee = attrs.get("publishing_licensee_percent")
        if producer is not None and licensee is None:
            attrs["publishing_licensee_percent"] = 100 - producer
        elif licensee is not None and producer is None:
            attrs["publishing_producer_percent"] = 100 - licensee
        elif producer is not None and producer + licensee != 100:
            raise serializers.ValidationError(
                {"publishing_licensee_percent": ["Publishing shares must total 100%."]}
            )
        return attrs


class TrackPricingInput(serializers.Serializer):
    """The pricing fields of PUT /tracks/{id} (mixed into the catalog's track input)."""

    licensing_type = serializers.ChoiceField(
        choices=("non_exclusive", "exclusive_available"), required=False
    )
    exclusive_price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_PRICE,
        required=False,
        allow_null=True,
    )
    currency = serializers.ChoiceField(choices=CURRENCIES, required=False)
    exclusive_terms = ExclusiveTermsInput(required=False, allow_null=True)
    exclusive_preset_id = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Copy this preset's terms into the track (later preset edits do not follow).",
    )


class InitiatePurchaseInput(serializers.Serializer):
    expected_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text="The total_amount the buyer saw (calculate-price); a different current total "
        "is 409 price_changed.",
    )
    coupon = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="A coupon code entered at checkout; its discount comes off the platform fee.",
    )


class CalculatePriceInput(serializers.Serializer):
    coupon = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="A coupon code: the quote shows its discount (nothing is reserved yet).",
    )


class CouponValidateInput(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    product_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    price_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )


class PresetInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    config = ExclusiveTermsInput()
    is_default = serializers.BooleanField(required=False)


class DefaultConfigInput(serializers.Serializer):
    preset_id = serializers.IntegerField(min_value=1, required=False)
    config = ExclusiveTermsInput(required=False)

    def validate(self, attrs):
        if "preset_id" not in attrs and "config" not in attrs:
            raise serializers.ValidationError({"config": ["Send a preset_id or a config."]})
        return attrs


class StemUploadInput(serializers.Serializer):
    """``POST /tracks/{id}/stems``: a new audio ``file`` (multipart), or the
    ``file_entry_id`` of an audio upload of yours; ``name`` labels the layer (default: the
    file name)."""

    file = serializers.FileField(required=False, allow_empty_file=True)
    file_entry_id = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class RefundRequestInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why you ask for the refund (shown to staff and the producer)."
    )
