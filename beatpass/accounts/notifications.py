"""The notification groups a user can tune: which event kinds each holds, its channels, and who
sees it. Pure data and lookups; ``services.notify`` consults it on every notification.

A notification ``kind`` is a dotted event name (``recon.match``, ``track.sold``); it belongs to
the group with the longest matching prefix. A kind no group names falls in ``account``, whose
in-app channel cannot be turned off, so a new event is never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

IN_APP = "in_app"
EMAIL = "email"
CHANNELS = (IN_APP, EMAIL)

EVERYONE = "everyone"
PRODUCERS = "producers"  # users who manage at least one artist
STAFF = "staff"


@dataclass(frozen=True)
class NotificationGroup:
    key: str
    name: str
    description: str
    prefixes: tuple[str, ...]
    audience: str = EVERYONE
    locked: tuple[str, ...] = ()  # channels that stay on whatever the user asks


GROUPS: tuple[NotificationGroup, ...] = (
    NotificationGroup(
        key="account",
        name="Account and purchases",
        description=(
            "Receipts, refunds, license revocations, payout account actions and decisions on "
            "your producer access requests. The in-app notice cannot be turned off."
        ),
        prefixes=("purchase.", "license.", "payouts.", "backstage.", "account."),
        locked=(IN_APP,),
    ),
    NotificationGroup(
        key="sales",
        name="Sales and downloads",
        description="A subscriber licensed one of your beats, or a buyer bought it exclusively.",
        prefixes=("track.sold", "track.downloaded"),
        audience=PRODUCERS,
    ),
    NotificationGroup(
        key="audio_recon",
        name="Audio Recon",
        description="A released song appears to contain one of your beats (one notice per match).",
        prefixes=("recon.",),
        audience=PRODUCERS,
    ),
    NotificationGroup(
        key="achievements",
        name="Achievements",
        description="You unlocked a producer achievement.",
        prefixes=("achievement.",),
        audience=PRODUCERS,
    ),
    NotificationGroup(
        key="playlists",
        name="Playlists",
        description="Someone invited you to edit a playlist.",
        prefixes=("playlist.",),
    ),
    NotificationGroup(
        key="moderation",
        name="Moderation queue",
        description="A producer access request is waiting for review.",
        prefixes=("backstage.submitted",),
        audience=STAFF,
    ),
)

BY_KEY = {group.key: group for group in GROUPS}
_DEFAULT = BY_KEY["account"]
_PREFIXES = sorted(
    ((prefix, group) for group in GROUPS for prefix in group.prefixes),
    key=lambda item: len(item[0]),
    reverse=True,
)


def group_for(kind: str) -> NotificationGroup:
    """The group of a notification kind: the longest prefix wins, ``account`` by default."""
    for prefix, group in _PREFIXES:
        if kind == prefix or (prefix.endswith(".") and kind.startswith(prefix)):
            return group
    return _DEFAULT


def visible_to(group: NotificationGroup, *, is_staff: bool, is_producer: bool) -> bool:
    if group.audience == STAFF:
        return is_staff
    if group.audience == PRODUCERS:
        return is_producer or is_staff
    return True
