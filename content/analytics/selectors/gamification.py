"""XP, levels and achievement progress of a producer (an artist profile).

XP follows the help's sources and is computed from the catalog as it is now (one query), plus
the XP of the achievements unlocked: +100 per track uploaded as main artist, +50 per such
track with complete metadata, +25 per collaboration (a track credited to the artist and to
another artist), +1 per play of any track the artist is credited on (every credited artist
earns, as the FAQ says), and each achievement's XP. Nothing is awarded twice by construction;
deleting a track takes its XP with it, while achievements (and their XP) are permanent.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from content import clock
from content.analytics.achievements import MAX_LEVEL, level_for, title_for, xp_required
from content.analytics.days import day_bounds, local_day
from content.analytics.models import Achievement, AchievementUnlock, Rarity
from content.analytics.selectors import criteria as evaluation
from content.catalog.models import Artist, Track, TrackArtist

XP_SOURCES = (
    # (source, label, xp each)
    ("uploads", "Track uploads", 100),
    ("metadata", "Complete metadata", 50),
    ("collaborations", "Collaborations", 25),
    ("plays", "Track plays", 1),
)


def xp_sources(*, artist: Artist) -> list[dict]:
    others = TrackArtist.objects.filter(track_id=OuterRef("track_id")).exclude(
        artist_id=OuterRef("artist_id")
    )
    main = Q(role=TrackArtist.Role.MAIN)
    counts = (
        TrackArtist.objects.filter(artist=artist)
        .annotate(has_genre=evaluation.genre_exists("track_id"), shared=Exists(others))
        .aggregate(
            uploads=Count("id", filter=main),
            metadata=Count("id", filter=main & evaluation.complete_metadata_q("track__")),
            collaborations=Count("id", filter=Q(shared=True)),
            plays=Coalesce(Sum("track__plays"), 0),
        )
    )
    unlocked = AchievementUnlock.objects.filter(artist=artist).aggregate(
        n=Count("id"), xp=Coalesce(Sum("xp"), 0)
    )
    sources = [
        {"source": source, "label": label, "count": counts[source], "xp_each": each,
         "xp": counts[source] * each}
        for source, label, each in XP_SOURCES
    ]  # fmt: skip
    sources.append(
        {
            "source": "achievements",
            "label": "Achievements",
            "count": unlocked["n"],
            "xp_each": None,
            "xp": unlocked["xp"],
        }
    )
    return sources


def level_info(total_xp: int) -> dict:
    level = level_for(total_xp)
    floor = xp_required(level)
    ceiling = xp_required(level + 1) if level < MAX_LEVEL else None
    progress = 100.0 if ceiling is None else round((total_xp - floor) * 100 / (ceiling - floor), 1)
    return {
        "level": level,
        "title": title_for(level),
        "xp": total_xp,
        "current_level_xp": floor,
        "next_level_xp": ceiling,
        "xp_to_next_level": None if ceiling is None else ceiling - total_xp,
        "progress_percentage": progress,
        "max_level": MAX_LEVEL,
    }


def producer_level(*, artist: Artist) -> tuple[dict, list[dict]]:
    sources = xp_sources(artist=artist)
    return level_info(sum(s["xp"] for s in sources)), sources


# --- achievements ---------------------------------------------------------------------------------


def present_achievement(achievement: Achievement, unlock: AchievementUnlock | None, rate) -> dict:
    return {
        "id": achievement.pk,
        "slug": achievement.slug,
        "name": achievement.name,
        "description": achievement.description,
        "category": achievement.category,
        "rarity": Rarity(achievement.rarity).label.lower(),
        "rarity_level": achievement.rarity,
        "xp": achievement.xp,
        "unlocked": unlock is not None,
        "unlocked_at": unlock.unlocked_at.isoformat() if unlock else None,
        "xp_earned": unlock.xp if unlock else 0,
        "available": evaluation.is_available(achievement),
        "unlock_rate": rate,
    }


def achievements_status(*, artist: Artist) -> dict:
    """Every achievement with the artist's unlock and the share of producers holding it."""
    achievements = list(Achievement.objects.all())
    unlocks = {u.achievement_id: u for u in AchievementUnlock.objects.filter(artist=artist)}
    holders = dict(
        AchievementUnlock.objects.values("achievement_id")
        .annotate(n=Count("id"))
        .values_list("achievement_id", "n")
    )
    producers = (
        TrackArtist.objects.filter(role=TrackArtist.Role.MAIN)
        .values("artist_id")
        .distinct()
        .count()
    )
    items = [
        present_achievement(
            a,
            unlocks.get(a.pk),
            round(holders.get(a.pk, 0) * 100 / producers, 1) if producers else 0.0,
        )
        for a in achievements
    ]
    unlocked = sum(1 for item in items if item["unlocked"])
    return {
        "achievements": items,
        "stats": {
            "unlocked": unlocked,
            "locked": len(items) - unlocked,
            "total": len(items),
            "completion_percentage": round(unlocked * 100 / len(items), 1) if items else 0.0,
            "xp_earned": sum(item["xp_earned"] for item in items),
        },
    }


def achievement_get(*, key: str) -> Achievement | None:
    """By id or slug."""
    if key.isascii() and key.isdigit() and len(key) <= 18:
        return Achievement.objects.filter(pk=int(key)).first()
    return Achievement.objects.filter(slug=key[:64]).first()


def achievement_details(*, artist: Artist, achievement: Achievement) -> dict:
    unlock = AchievementUnlock.objects.filter(artist=artist, achievement=achievement).first()
    holders = AchievementUnlock.objects.filter(achievement=achievement).count()
    producers = (
        TrackArtist.objects.filter(role=TrackArtist.Role.MAIN).values("artist_id").distinct()
    ).count()
    body = present_achievement(
        achievement, unlock, round(holders * 100 / producers, 1) if producers else 0.0
    )
    body["criteria"] = {k: v for k, v in achievement.criteria.items() if k != "unavailable"}
    body["unavailable_reason"] = (
        None if body["available"] else achievement.criteria.get("unavailable", "Not available.")
    )
    body["holders"] = holders
    body["progress"] = None if unlock else progress(artist=artist, criteria=achievement.criteria)
    return body


def progress(*, artist: Artist, criteria: dict) -> dict | None:
    """How far the artist is from meeting ``criteria``: ``{current, target, unit}`` (plus a
    date for time-based ones); None where there is no meaningful measure."""
    stats = evaluation.PlatformStats()
    kind = criteria["kind"]
    a = artist.pk
    if kind == "uploads_percentile":
        target = evaluation.top_threshold(stats.uploads.values(), criteria["top"])
        return {"current": stats.uploads.get(a, 0), "target": max(target or 1, 1), "unit": "tracks"}
    if kind == "track_plays_percentile":
        best = max((stats.track_plays.get(t, 0) for t in _main_tracks(a)), default=0)
        target = evaluation.top_threshold(stats.track_plays.values(), criteria["top"])
        return {"current": best, "target": max(target or 1, 1), "unit": "plays"}
    if kind == "metadata_share":
        share = round(stats.metadata_share.get(a, 0.0), 1)
        return {"current": share, "target": criteria["over"], "unit": "percent"}
    if kind in ("profile_image", "profile_bio"):
        row = stats.artists.get(a, {})
        done = bool(row.get("image" if kind == "profile_image" else "bio", "").strip())
        return {"current": int(done), "target": 1, "unit": "step"}
    if kind == "profile_links":
        links = stats.artists.get(a, {}).get("links", 0)
        return {"current": links, "target": criteria["more_than"] + 1, "unit": "links"}
    if kind == "genre_diversity":
        target = evaluation.top_threshold(stats.genres.values(), criteria["top"])
        needed = max(criteria["min_genres"], int(target or 0))
        return {"current": stats.genres.get(a, 0), "target": needed, "unit": "genres"}
    if kind == "collaborations":
        current = stats.collaborations.get(a, 0)
        return {"current": current, "target": criteria["at_least"], "unit": "collaborations"}
    if kind == "overall_percentile":
        return {
            "current": stats.uploads.get(a, 0),
            "target": criteria["min_tracks"],
            "unit": "tracks",
            "score": round(stats.overall_scores.get(a, 0.0), 1),
        }
    if kind == "catalog_plays":
        current = stats.catalog_plays.get(a, 0)
        return {"current": current, "target": criteria["at_least"], "unit": "plays"}
    if kind == "profile_age":
        created = local_day(stats.artists[a]["created_at"])
        unlocks_on = evaluation.add_months(created, criteria["months"])
        return {
            "current": (local_day(clock.now()) - created).days,
            "target": (unlocks_on - created).days,
            "unit": "days",
            "unlocks_on": unlocks_on.isoformat(),
        }
    return None


def _main_tracks(artist_id: int) -> list[int]:
    return list(
        TrackArtist.objects.filter(artist_id=artist_id, role=TrackArtist.Role.MAIN).values_list(
            "track_id", flat=True
        )
    )


def recent_unlocks(*, artist: Artist, limit: int = 5) -> list[dict]:
    unlocks = (
        AchievementUnlock.objects.filter(artist=artist)
        .select_related("achievement")
        .order_by("-unlocked_at", "-id")[:limit]
    )
    return [present_achievement(u.achievement, u, None) for u in unlocks]


def catalog_stats(*, artist: Artist, today: datetime.date) -> dict:
    """The producer dashboard's headline numbers (help: getting started)."""
    month_start, _ = day_bounds(today.replace(day=1))
    tracks = Track.objects.filter(track_artists__artist=artist)
    row = tracks.aggregate(
        total_tracks=Count("id"),
        tracks_this_month=Count("id", filter=Q(created_at__gte=month_start)),
        total_plays=Coalesce(Sum("plays"), 0),
        total_likes=Coalesce(Sum("likes_count"), 0),
    )
    return {**row, "followers": artist.likes_count}
