"""OpenAPI-only descriptions of the accounts' output (the runtime path builds dicts)."""

from __future__ import annotations

from rest_framework import serializers


class UserOutput(serializers.Serializer):
    """Schema-only description of :func:`user_payload` (the runtime path builds dicts)."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True, help_text="Image URL, or null.")
    model_type = serializers.CharField(default="user")
    is_staff = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class MeOutput(serializers.Serializer):
    status = serializers.CharField(default="success")
    user = UserOutput()


class AuthOutput(serializers.Serializer):
    status = serializers.CharField(default="success")
    user = UserOutput()
    access = serializers.CharField()
    refresh = serializers.CharField()


class ProfileUpdateOutput(serializers.Serializer):
    status = serializers.CharField(default="success")
    user = UserOutput()
    access = serializers.CharField(
        required=False, help_text="Only when the password changed: a fresh access token."
    )
    refresh = serializers.CharField(
        required=False,
        help_text="Only when the password changed: a fresh refresh token (the change revoked "
        "every earlier one).",
    )


class NotificationGroupOutput(serializers.Serializer):
    key = serializers.CharField(help_text="account, sales, audio_recon, achievements, …")
    name = serializers.CharField()
    description = serializers.CharField()
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()
    locked = serializers.ListField(
        child=serializers.CharField(), help_text="Channels that cannot be turned off."
    )


class NotificationSettingsOutput(serializers.Serializer):
    status = serializers.CharField(default="success")
    groups = NotificationGroupOutput(many=True)
