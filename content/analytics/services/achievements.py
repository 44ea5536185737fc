"""Achievement unlocks: evaluate the catalog's criteria, unlock once, notify the producer.

Evaluation is set-based: the platform-wide numbers a criterion needs (track counts, plays,
genres…) are read once per run with one grouped query each, then every achievement is checked
for every artist asked about. It runs periodically for everyone (``content.evaluate_achievements``
every 15 minutes, ``manage.py evaluate_achievements`` once) and on the events that can unlock
something (a track created or edited, a profile updated, plays folded) for the artists
concerned and the criteria that event can change.

Unlocking is ``INSERT … ON CONFLICT DO NOTHING RETURNING``: the unique (artist, achievement)
constraint makes a second unlock impossible, and only the evaluation whose insert won notifies,
so concurrent evaluations never double anything.

The criteria themselves (what each kind asks for) are read in ``selectors.criteria``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from beatpass.accounts.services import notify
from content import clock
from content.analytics.achievements import CATALOG, EVENT_KINDS
from content.analytics.models import Achievement, AchievementUnlock, Rarity
from content.analytics.selectors.criteria import PlatformStats, is_available, qualifying_artists
from content.catalog.models import Artist


def achievements_sync() -> int:
    """Create the catalog's achievements that are missing (idempotent; the migration seeds the
    same). Existing rows keep their admin edits."""
    existing = set(Achievement.objects.values_list("slug", flat=True))
    missing = [
        Achievement(position=position, **entry)
        for position, entry in enumerate(CATALOG)
        if entry["slug"] not in existing
    ]
    Achievement.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


# --- evaluation -----------------------------------------------------------------------------------


def achievements_evaluate(
    *, artist_ids: Iterable[int] | None = None, event: str | None = None
) -> list[AchievementUnlock]:
    """Unlock what ``artist_ids`` (everyone when None) have earned, limited to the criteria
    ``event`` can change (all when None). Returns the unlocks this call made."""
    wanted = None if artist_ids is None else set(artist_ids)
    kinds = EVENT_KINDS.get(event) if event else None
    stats = PlatformStats()
    pairs: list[tuple[int, Achievement]] = []
    for achievement in Achievement.objects.all():
        if not is_available(achievement):
            continue
        if kinds is not None and achievement.criteria.get("kind") not in kinds:
            continue
        earned = qualifying_artists(stats, achievement.criteria)
        if wanted is not None:
            earned &= wanted
        pairs.extend((artist_id, achievement) for artist_id in sorted(earned))
    if not pairs:
        return []
    return _unlock(pairs)


_UNLOCK_SQL = (
    "INSERT INTO content_achievementunlock (artist_id, achievement_id, unlocked_at, xp)"
    " VALUES {values} ON CONFLICT (artist_id, achievement_id) DO NOTHING"
    " RETURNING id, artist_id, achievement_id"
)


def _unlock(pairs: list[tuple[int, Achievement]]) -> list[AchievementUnlock]:
    now = clock.now()
    by_id = {achievement.pk: achievement for _artist, achievement in pairs}
    existing_artists = set(
        Artist.objects.filter(pk__in={a for a, _ in pairs}).values_list("pk", flat=True)
    )
    rows = [(a, ach.pk, ach.xp) for a, ach in pairs if a in existing_artists]
    created: list[AchievementUnlock] = []
    with transaction.atomic():
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params = [p for a, ach, xp in chunk for p in (a, ach, now, xp)]
            # Only placeholders are interpolated into the statement.
            sql = _UNLOCK_SQL.format(values=values)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                inserted = cursor.fetchall()
            created.extend(
                AchievementUnlock(
                    pk=pk, artist_id=a, achievement_id=ach, unlocked_at=now, xp=by_id[ach].xp
                )
                for pk, a, ach in inserted
            )
        _notify(created, by_id)
    return created


def _notify(unlocks: list[AchievementUnlock], achievements: dict[int, Achievement]) -> None:
    """One notification (in-app + email) per artist manager per evaluation: a single unlock
    says so, several are listed in one message rather than one email each."""
    by_artist: dict[int, list[Achievement]] = defaultdict(list)
    for unlock in unlocks:
        by_artist[unlock.artist_id].append(achievements[unlock.achievement_id])
    if not by_artist:
        return
    artists = Artist.objects.filter(pk__in=by_artist).prefetch_related("managers")
    for artist in artists:
        earned = sorted(by_artist[artist.pk], key=lambda a: a.position)
        if len(earned) == 1:
            title = f"Achievement unlocked: {earned[0].name}"
        else:
            title = f"{len(earned)} achievements unlocked"
        lines = [
            f"{a.name} ({Rarity(a.rarity).label}, +{a.xp} XP): {a.description}." for a in earned
        ]
        body = f"{artist.name} earned:\n" + "\n".join(f"- {line}" for line in lines)
        data = {
            "artist_id": artist.pk,
            "achievements": [{"id": a.pk, "slug": a.slug, "xp": a.xp} for a in earned],
        }
        for manager in artist.managers.all():
            notify(user=manager, kind="achievement.unlocked", title=title, body=body, data=data)
