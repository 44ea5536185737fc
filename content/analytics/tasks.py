"""Celery tasks of analytics: the fold (every minute) and achievement evaluation (every 15
minutes, and after the events that can unlock achievements). Thin: call one service."""

from __future__ import annotations

from celery import shared_task

from content.analytics.services.achievements import achievements_evaluate
from content.analytics.services.fold import fold_plays as fold_plays_service


@shared_task(name="content.fold_plays", acks_late=True, reject_on_worker_lost=True)
def fold_plays() -> dict:
    """Fold new play events into the rollups and counters. Idempotent and crash-safe; a run
    that finds another one in progress returns at once (``skipped``)."""
    result = fold_plays_service()
    return {"events": result.events, "plays": result.plays, "skipped": result.skipped}


@shared_task(name="content.evaluate_achievements", acks_late=True, reject_on_worker_lost=True)
def evaluate_achievements(artist_ids: list[int] | None = None, event: str | None = None) -> int:
    """Unlock earned achievements (everyone when ``artist_ids`` is None). Idempotent: the
    unique (artist, achievement) constraint makes a second unlock impossible."""
    return len(achievements_evaluate(artist_ids=artist_ids, event=event))
