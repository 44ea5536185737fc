"""Fold new play events into the daily rollups and the play counters, once, in the foreground.

    manage.py fold_plays [--batch-size N] [--max-batches N]

The same work as the periodic task ``content.fold_plays`` (every minute). Safe to run at any
time and any number of times: it never counts an event twice, an interrupted run is simply run
again, and a run that finds another one in progress (or a backfill) exits at once.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from content.analytics.services.fold import fold_plays


class Command(BaseCommand):
    help = "Fold pending play events into rollups and counters (what the periodic task does)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None, help="Events per batch.")
        parser.add_argument(
            "--max-batches", type=int, default=None, help="Stop after this many batches."
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = fold_plays(
            batch_size=options["batch_size"] and max(1, options["batch_size"]),
            max_batches=options["max_batches"],
        )
        if result.skipped:
            self.stdout.write(self.style.WARNING("Another fold or a backfill is running."))
            return
        self.stdout.write(
            f"Folded {result.events} event(s) ({result.plays} new play(s), "
            f"{len(result.tracks)} track(s)) in {result.batches} batch(es), "
            f"{time.perf_counter() - started:.2f} s."
        )
