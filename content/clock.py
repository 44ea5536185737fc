"""The one clock services read, so tests can move time (expiry, cooldowns) without sleeping."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
