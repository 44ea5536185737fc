from __future__ import annotations

from rest_framework import serializers


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class LoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class UserUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    avatar = serializers.URLField(max_length=500, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False)
    password = serializers.CharField(max_length=128, required=False, trim_whitespace=False)
    current_password = serializers.CharField(max_length=128, required=False, trim_whitespace=False)


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only: "no", 0 or "false" are type errors, not booleans."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class NotificationGroupChange(serializers.Serializer):
    key = serializers.CharField(max_length=32)
    in_app = StrictBooleanField(required=False)
    email = StrictBooleanField(required=False)


class NotificationSettingsInput(serializers.Serializer):
    groups = NotificationGroupChange(many=True, allow_empty=False, max_length=20)
