"""What achievements ask for, read from the platform: the numbers criteria compare with and
which artists meet a criterion now. Reads only; ``services.achievements`` unlocks.

Percentiles: an artist (or track) is in the "top p %" when the number of others strictly ahead
of it is below p % of the population (ties share the better rank) and its value is positive.
Producers are artists with at least one track as main artist; the tracks ranked by plays are
the public ones with at least one play. Percentiles need a population of at least
``ACHIEVEMENTS_MIN_POPULATION`` (10).
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum

from content import clock
from content.analytics.days import local_day
from content.analytics.models import Achievement, TrackDailyStats
from content.catalog.models import Artist, ArtistLink, Track, TrackArtist, Visibility
from content.media.models import Download

MAIN = TrackArtist.Role.MAIN


def is_available(achievement: Achievement) -> bool:
    kind = achievement.criteria.get("kind")
    if kind == "top_licensed_track":
        return bool(settings.ANALYTICS_LICENSE_MODEL)
    return "unavailable" not in achievement.criteria


def complete_metadata_q(prefix: str = "") -> Q:
    """A track with complete metadata (glossary: title, BPM, key and scale, genre,
    description, cover art). ``prefix`` reaches a track through a relation (``"track__"``);
    the queryset must be annotated with ``has_genre`` (``genre_exists``)."""
    p = prefix
    return (
        ~Q(**{f"{p}name": ""})
        & Q(**{f"{p}bpm__isnull": False})
        & ~Q(**{f"{p}key": ""})
        & ~Q(**{f"{p}scale": ""})
        & ~Q(**{f"{p}description": ""})
        & ~Q(**{f"{p}image": ""})
        & Q(has_genre=True)
    )


def genre_exists(ref: str = "pk"):
    return Exists(Track.genres.through.objects.filter(track_id=OuterRef(ref)))


def top_threshold(values: Iterable[int | float], top_percent: float) -> float | None:
    """The smallest value still in the top ``top_percent`` % of ``values`` (see the module
    docstring), or None while the population is smaller than
    ``ACHIEVEMENTS_MIN_POPULATION`` (on a young platform the first producer would otherwise
    be "top 5 %" of one)."""
    ordered = sorted(values, reverse=True)
    if not ordered or len(ordered) < settings.ACHIEVEMENTS_MIN_POPULATION:
        return None
    slots = max(1, math.ceil(top_percent * len(ordered) / 100))
    return ordered[slots - 1]


def in_top(value: float, threshold: float | None) -> bool:
    return threshold is not None and value > 0 and value >= threshold


def share_below(values: list[float]) -> dict[float, float]:
    """value → share of the population strictly below it (0..1), for composite scores."""
    ordered = sorted(values)
    out: dict[float, float] = {}
    for index, value in enumerate(ordered):
        out.setdefault(value, index / len(ordered))
    return out


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    days_in_month = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return datetime.date(year, month, min(day.day, days_in_month[month - 1]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class PlatformStats:
    """The numbers criteria compare with, each read once (lazily) per evaluation run."""

    @cached_property
    def uploads(self) -> dict[int, int]:
        """Producer → tracks as main artist."""
        rows = TrackArtist.objects.filter(role=MAIN).values("artist_id").annotate(n=Count("id"))
        return {row["artist_id"]: row["n"] for row in rows}

    @cached_property
    def metadata_share(self) -> dict[int, float]:
        """Producer → percent of its main tracks with complete metadata."""
        rows = (
            TrackArtist.objects.filter(role=MAIN)
            .annotate(has_genre=genre_exists("track_id"))
            .values("artist_id")
            .annotate(
                total=Count("id"), complete=Count("id", filter=complete_metadata_q("track__"))
            )
        )
        return {row["artist_id"]: row["complete"] * 100 / row["total"] for row in rows}

    @cached_property
    def track_plays(self) -> dict[int, int]:
        """Public track with plays → plays."""
        rows = Track.objects.filter(visibility=Visibility.PUBLIC, plays__gt=0).values_list(
            "pk", "plays"
        )
        return dict(rows)

    @cached_property
    def main_artists(self) -> dict[int, list[int]]:
        """Track → its main artists (one, normally)."""
        out: dict[int, list[int]] = defaultdict(list)
        for track_id, artist_id in TrackArtist.objects.filter(role=MAIN).values_list(
            "track_id", "artist_id"
        ):
            out[track_id].append(artist_id)
        return out

    @cached_property
    def genre_tracks(self) -> dict[int, list[int]]:
        """Genre → its public tracks with plays."""
        out: dict[int, list[int]] = defaultdict(list)
        links = Track.genres.through.objects.filter(track_id__in=list(self.track_plays))
        for track_id, genre_id in links.values_list("track_id", "genre_id"):
            out[genre_id].append(track_id)
        return out

    @cached_property
    def genres(self) -> dict[int, int]:
        """Producer → distinct genres over its main tracks."""
        rows = (
            TrackArtist.objects.filter(role=MAIN)
            .values("artist_id")
            .annotate(n=Count("track__genres", distinct=True))
        )
        return {row["artist_id"]: row["n"] for row in rows}

    @cached_property
    def collaborations(self) -> dict[int, int]:
        """Artist → credited tracks with at least one other credited artist."""
        others = TrackArtist.objects.filter(track_id=OuterRef("track_id")).exclude(
            artist_id=OuterRef("artist_id")
        )
        rows = (
            TrackArtist.objects.annotate(shared=Exists(others))
            .filter(shared=True)
            .values("artist_id")
            .annotate(n=Count("track_id", distinct=True))
        )
        return {row["artist_id"]: row["n"] for row in rows}

    @cached_property
    def catalog_plays(self) -> dict[int, int]:
        """Artist → plays of every track it is credited on."""
        rows = TrackArtist.objects.values("artist_id").annotate(n=Sum("track__plays"))
        return {row["artist_id"]: row["n"] or 0 for row in rows}

    @cached_property
    def producer_likes(self) -> dict[int, int]:
        rows = (
            TrackArtist.objects.filter(role=MAIN)
            .values("artist_id")
            .annotate(n=Sum("track__likes_count"))
        )
        return {row["artist_id"]: row["n"] or 0 for row in rows}

    @cached_property
    def overall_scores(self) -> dict[int, float]:
        """Producer → overall score, 0-100: the weighted share of producers it beats in plays
        (30 %), uploads (20 %), metadata completeness (20 %), collaborations (15 %) and likes
        (15 %); the leaderboard's categories that BeatPass records."""
        producers = list(self.uploads)
        weights = (
            ({a: self.catalog_plays.get(a, 0) for a in producers}, 30),
            (self.uploads, 20),
            ({a: self.metadata_share.get(a, 0) for a in producers}, 20),
            ({a: self.collaborations.get(a, 0) for a in producers}, 15),
            ({a: self.producer_likes.get(a, 0) for a in producers}, 15),
        )
        scores = dict.fromkeys(producers, 0.0)
        for values, weight in weights:
            below = share_below([values.get(a, 0) for a in producers])
            for artist_id in producers:
                scores[artist_id] += weight * below[values.get(artist_id, 0)]
        return scores

    @cached_property
    def track_scores(self) -> dict[int, float]:
        """Public track with plays → score, 0-100: the share of such tracks it beats in plays
        (50 %), likes (30 %) and downloads (20 %)."""
        ids = list(self.track_plays)
        likes = dict(Track.objects.filter(pk__in=ids).values_list("pk", "likes_count"))
        downloads = dict(
            Download.objects.filter(track_id__in=ids)
            .values("track_id")
            .annotate(n=Count("id"))
            .values_list("track_id", "n")
        )
        scores = dict.fromkeys(ids, 0.0)
        for values, weight in ((self.track_plays, 50), (likes, 30), (downloads, 20)):
            below = share_below([values.get(t, 0) for t in ids])
            for track_id in ids:
                scores[track_id] += weight * below[values.get(track_id, 0)]
        return scores

    @cached_property
    def artists(self) -> dict[int, dict]:
        """Artist → profile facts (image, bio, links, created_at)."""
        links = dict(
            ArtistLink.objects.values("artist_id")
            .annotate(n=Count("id"))
            .values_list("artist_id", "n")
        )
        return {
            row["id"]: {**row, "links": links.get(row["id"], 0)}
            for row in Artist.objects.values("id", "image", "bio", "created_at")
        }

    @cached_property
    def first_artists(self) -> list[int]:
        return list(Artist.objects.order_by("created_at", "id").values_list("id", flat=True)[:1000])

    @cached_property
    def upload_days(self) -> dict[int, list[datetime.date]]:
        """Producer → the local dates its main tracks were uploaded."""
        out: dict[int, list[datetime.date]] = defaultdict(list)
        rows = TrackArtist.objects.filter(role=MAIN).values_list("artist_id", "track__created_at")
        for artist_id, created_at in rows:
            out[artist_id].append(local_day(created_at))
        return out

    @cached_property
    def licenses_by_track(self) -> dict[int, int]:
        rows = (
            TrackDailyStats.objects.filter(licenses__gt=0)
            .values("track_id")
            .annotate(n=Sum("licenses"))
            .values_list("track_id", "n")
        )
        return dict(rows)


# --- criteria -------------------------------------------------------------------------------------


def _best_tracks(stats: PlatformStats, qualifying_tracks: Iterable[int]) -> set[int]:
    return {a for t in qualifying_tracks for a in stats.main_artists.get(t, ())}


def qualifying_artists(stats: PlatformStats, criteria: dict) -> set[int]:
    """Every artist meeting ``criteria`` now (before intersecting with the artists asked about)."""
    kind = criteria["kind"]
    now = clock.now()
    if kind == "uploads_percentile":
        threshold = top_threshold(stats.uploads.values(), criteria["top"])
        return {a for a, n in stats.uploads.items() if in_top(n, threshold)}
    if kind == "track_plays_percentile":
        threshold = top_threshold(stats.track_plays.values(), criteria["top"])
        return _best_tracks(
            stats, (t for t, n in stats.track_plays.items() if in_top(n, threshold))
        )
    if kind == "metadata_share":
        return {a for a, share in stats.metadata_share.items() if share > criteria["over"]}
    if kind == "profile_image":
        return {a for a, row in stats.artists.items() if row["image"]}
    if kind == "profile_bio":
        return {a for a, row in stats.artists.items() if row["bio"].strip()}
    if kind == "profile_links":
        return {a for a, row in stats.artists.items() if row["links"] > criteria["more_than"]}
    if kind == "genre_track_percentile":
        tracks: set[int] = set()
        for members in stats.genre_tracks.values():
            plays = {t: stats.track_plays[t] for t in members}
            threshold = top_threshold(plays.values(), criteria["top"])
            tracks.update(t for t, n in plays.items() if in_top(n, threshold))
        return _best_tracks(stats, tracks)
    if kind == "genre_diversity":
        threshold = top_threshold(stats.genres.values(), criteria["top"])
        return {
            a
            for a, n in stats.genres.items()
            if n >= criteria["min_genres"] and in_top(n, threshold)
        }
    if kind == "collaborations":
        return {a for a, n in stats.collaborations.items() if n >= criteria["at_least"]}
    if kind == "overall_percentile":
        eligible = {a: s for a, s in stats.overall_scores.items()}
        threshold = top_threshold(eligible.values(), criteria["top"])
        return {
            a
            for a, score in eligible.items()
            if stats.uploads.get(a, 0) >= criteria["min_tracks"] and in_top(score, threshold)
        }
    if kind == "track_score_percentile":
        threshold = top_threshold(stats.track_scores.values(), criteria["top"])
        return _best_tracks(
            stats, (t for t, s in stats.track_scores.items() if in_top(s, threshold))
        )
    if kind == "early_artist":
        return set(stats.first_artists[: criteria["first"]])
    if kind == "profile_age":
        today = local_day(now)
        return {
            a
            for a, row in stats.artists.items()
            if add_months(local_day(row["created_at"]), criteria["months"]) <= today
        }
    if kind == "catalog_plays":
        return {a for a, n in stats.catalog_plays.items() if n >= criteria["at_least"]}
    if kind == "seasonal_upload":
        start, end = criteria["start"], criteria["end"]
        return {
            a
            for a, days in stats.upload_days.items()
            if any(_in_window(day.strftime("%m-%d"), start, end) for day in days)
        }
    if kind == "top_licensed_track":
        if not stats.licenses_by_track:
            return set()
        best = max(stats.licenses_by_track.values())
        return _best_tracks(stats, (t for t, n in stats.licenses_by_track.items() if n == best))
    return set()  # profile_gallery and unknown kinds cannot be earned


def _in_window(month_day: str, start: str, end: str) -> bool:
    if start <= end:
        return start <= month_day <= end
    return month_day >= start or month_day <= end  # wraps the new year
