"""Reads for accounts."""

from __future__ import annotations

from . import notifications as groups
from .models import NotificationPreference, User


def visible_groups(*, user: User) -> list[groups.NotificationGroup]:
    """The notification groups this user can receive and tune (producer groups need a managed
    artist, the moderation queue needs staff)."""
    is_producer = user.managed_artists.exists()
    return [
        group
        for group in groups.GROUPS
        if groups.visible_to(group, is_staff=user.is_staff, is_producer=is_producer)
    ]


def notification_settings(*, user: User) -> list[dict]:
    """Every visible group with the user's effective channels (defaults on, locked on)."""
    stored = {
        group: (in_app, email)
        for group, in_app, email in NotificationPreference.objects.filter(user=user).values_list(
            "group", "in_app", "email"
        )
    }
    out = []
    for group in visible_groups(user=user):
        in_app, email = stored.get(group.key, (True, True))
        out.append(
            {
                "key": group.key,
                "name": group.name,
                "description": group.description,
                "in_app": in_app or groups.IN_APP in group.locked,
                "email": email or groups.EMAIL in group.locked,
                "locked": list(group.locked),
            }
        )
    return out
