"""Analytics days: calendar days in ``ANALYTICS_TIMEZONE`` (UTC by default), read from the
services' clock so tests can move time."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from content import clock


def analytics_tz() -> ZoneInfo:
    return ZoneInfo(settings.ANALYTICS_TIMEZONE)


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(analytics_tz()).date()


def today() -> datetime.date:
    return local_day(clock.now())


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of ``day`` as aware datetimes."""
    tz = analytics_tz()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end
