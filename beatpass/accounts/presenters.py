"""Output of users and notifications."""

from __future__ import annotations

from rest_framework import serializers

from beatpass.accounts.models import Notification, User


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
