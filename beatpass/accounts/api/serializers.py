from __future__ import annotations

from rest_framework import serializers

from beatpass.accounts.models import Notification, User


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


class UserOutput(serializers.Serializer):
    """Schema-only description of :func:`user_payload` (the runtime path builds dicts)."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    avatar = serializers.CharField()
    is_staff = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class AuthOutput(serializers.Serializer):
    status = serializers.CharField(default="success")
    user = UserOutput()
    access = serializers.CharField()
    refresh = serializers.CharField()


class NotificationOutput(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "kind", "title", "body", "data", "read_at", "created_at")


def user_payload(user: User, *, private: bool = True) -> dict:
    data = {
        "id": user.pk,
        "display_name": user.display_name,
        "avatar": user.avatar or None,
        "model_type": "user",
    }
    if private:
        data.update(
            {
                "email": user.email,
                "name": user.name,
                "is_staff": user.is_staff,
                "created_at": user.created_at,
            }
        )
    return data
