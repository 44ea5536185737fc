"""Request bodies of the licensing endpoints."""

from __future__ import annotations

from rest_framework import serializers

from beatpass.api.params import MAX_BULK_IDS


class GenerateLicenseInput(serializers.Serializer):
    license_type = serializers.ChoiceField(
        choices=["non_exclusive"],
        required=False,
        default="non_exclusive",
        help_text="Only non-exclusive licenses are generated here; exclusive ones come with a "
        "purchase.",
    )


class CheckLicensesBatchInput(serializers.Serializer):
    track_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=MAX_BULK_IDS,
    )


class RevokeLicenseInput(serializers.Serializer):
    notes = serializers.CharField(
        max_length=5000, help_text="Why it is revoked; shown to the holder and on verification."
    )
