"""Evaluate achievements once, in the foreground: what the periodic task does.

    manage.py evaluate_achievements [--artist-id ID ...]

Idempotent: an achievement is unlocked (and its producer notified) at most once per artist.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from content.analytics.services.achievements import achievements_evaluate, achievements_sync


class Command(BaseCommand):
    help = "Unlock the achievements artists have earned (all artists by default)."

    def add_arguments(self, parser):
        parser.add_argument("--artist-id", type=int, action="append", dest="artist_ids")

    def handle(self, *args, **options):
        achievements_sync()
        unlocks = achievements_evaluate(artist_ids=options["artist_ids"])
        self.stdout.write(f"{len(unlocks)} new unlock(s).")
        for unlock in unlocks:
            self.stdout.write(f"  artist {unlock.artist_id}: achievement {unlock.achievement_id}")
