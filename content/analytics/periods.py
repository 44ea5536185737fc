"""Periods, chart timeframes, growth and the engagement levels of the help pages. Pure Python.

Days are calendar days in ``ANALYTICS_TIMEZONE`` (the rollups' day). A period ends today and
includes it: ``7-days`` is today and the six days before; the previous period is the seven days
before that.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

PERIOD_DAYS = {"7-days": 7, "30-days": 30, "90-days": 90, "1-year": 365}
DEFAULT_PERIOD = "30-days"
TIMEFRAME_DAYS = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
DEFAULT_TIMEFRAME = "30d"
RETENTION_STEP = 5  # percent of the track between two points of the retention curve


@dataclass(frozen=True)
class DayRange:
    first: datetime.date
    last: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> DayRange:
        return DayRange(
            self.first - datetime.timedelta(days=self.days),
            self.first - datetime.timedelta(days=1),
        )

    def dates(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=i) for i in range(self.days)]

    def as_dict(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def ending_today(days: int, today: datetime.date) -> DayRange:
    return DayRange(today - datetime.timedelta(days=days - 1), today)


def growth(current: int, previous: int) -> float | None:
    """Percent change from the previous period, one decimal; None when there is nothing to
    compare with (a previous period of zero)."""
    if previous == 0:
        return None
    return round((current - previous) * 100 / previous, 1)


def half_trend(values: list[int | float]) -> float | None:
    """The charts' trend badge: the second half of the range against the first half."""
    half = len(values) // 2
    if half == 0:
        return None
    first, second = sum(values[:half]), sum(values[len(values) - half :])
    return growth(second, first)


# --- engagement levels (help: backstage-insights/engagement-metrics) ------------------------------


def retention_level(completion_rate: float) -> str:
    """The Avg Completion Rate badge."""
    if completion_rate >= 80:
        return "Excellent"
    if completion_rate >= 60:
        return "Good"
    if completion_rate >= 40:
        return "Fair"
    return "Poor"


def quality_badge(completion_rate: float, listened_share: float) -> str:
    """The header badge: completion rate and average listen duration relative to the track.

    ``completion_rate`` is the share of plays completed (≥ 80 %), ``listened_share`` the
    average listen duration as a share of the track, both in percent.
    """
    if completion_rate >= 80 and listened_share >= 80:
        return "High Engagement"
    if completion_rate >= 60 and listened_share >= 60:
        return "Good Engagement"
    if completion_rate >= 40 or listened_share >= 40:
        return "Moderate Engagement"
    return "Low Engagement"


# Completion breakdown: (name, lowest share of the track listened, weight in the quality score).
BREAKDOWN = (
    ("completed", 80, 100),
    ("mostly", 60, 70),
    ("half", 40, 50),
    ("partial", 20, 30),
    ("skipped", 0, 10),
)


def breakdown_category(percent_listened: float) -> str:
    """ "Completed" is more than 80 % (help table); a play at exactly 80 % counts as completed
    for the completed-listens count (glossary: "reaching 80 %+"), so both put 80 % on top."""
    for name, lowest, _weight in BREAKDOWN:
        if percent_listened >= lowest:
            return name
    return "skipped"


def quality_score(counts: dict[str, int]) -> int | None:
    total = sum(counts.values())
    if total == 0:
        return None
    weighted = sum(counts.get(name, 0) * weight for name, _lowest, weight in BREAKDOWN)
    return round(weighted / total)


def quality_rating(score: int) -> str:
    if score >= 80:
        return "Excellent"
    if score >= 60:
        return "Good"
    if score >= 40:
        return "Fair"
    if score >= 20:
        return "Needs Work"
    return "Poor"


def engagement_insight(completion_rate: float, skipped_share: float) -> str:
    """The footer message of the engagement overview (help: track insights)."""
    if completion_rate >= 80:
        return "Most listeners complete your track. Strong content quality."
    if completion_rate >= 60:
        return "Listeners stay engaged. Analyze drop-offs to improve."
    if completion_rate >= 40:
        return f"Only {completion_rate:.0f}% complete. Review intro and middle sections."
    if skipped_share > 40:
        return "Listeners drop off early. Consider a more engaging intro."
    return "Low completion rates. Review track structure."


def duration_text(ms: int) -> str:
    """``m:ss`` (``h:mm:ss`` past an hour), as the cards show a listen duration."""
    seconds = int(round(ms / 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def total_time_text(ms: int) -> str:
    """``4h 23m`` / ``12m`` / ``45s`` for a cumulative listen time."""
    seconds = int(ms // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"
