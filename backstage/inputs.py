"""Input validation for the backstage endpoints (no business logic) and the output presenter."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backstage.models import BackstageRequest
from backstage.services import CURRENT_USER

MAX_DATA_BYTES = 32 * 1024


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["CURRENT_USER"]}]})
class ArtistReferenceField(serializers.Field):
    """An artist id (integer or digit string) or the literal ``CURRENT_USER``."""

    default_error_messages = {
        "invalid": "The artist id must be an integer or CURRENT_USER.",
    }

    def to_internal_value(self, data):
        if data is None or data == "":
            return None
        if data == CURRENT_USER:
            return CURRENT_USER
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int) and data >= 1:
            return data
        if isinstance(data, str) and data.isascii() and data.strip().isdigit() and int(data) >= 1:
            return int(data)
        self.fail("invalid")

    def to_representation(self, value):
        return value


class BackstageRequestInput(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=BackstageRequest.Type.choices,
        error_messages={"invalid_choice": "The selected type is invalid."},
    )
    artist_name = serializers.CharField(max_length=255)
    artist_id = ArtistReferenceField(required=False, allow_null=True)
    data = serializers.DictField(
        error_messages={"not_a_dict": "The data field must be an object."},
    )

    def validate_data(self, value: dict) -> dict:
        if len(json.dumps(value, default=str)) > MAX_DATA_BYTES:
            raise serializers.ValidationError(
                f"The data field must not be larger than {MAX_DATA_BYTES // 1024} KB."
            )
        return value


class DecisionInput(serializers.Serializer):
    notes = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=5000, default=""
    )

    def validate_notes(self, value):
        return value or ""
