"""Rebuild the daily rollups of a day range from the raw play events, resumable.

    manage.py backfill_analytics [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--restart]
                                 [--no-progress]

Days are rebuilt in order, each in its own transaction together with the run's checkpoint
(``RollupBackfill``): an interrupted run resumes after the last day that committed when the
same command is run again. ``--restart`` starts the range over. Without ``--from`` the range
starts at the first day with play events; ``--to`` defaults to today. Likes, downloads and
licenses of each day are recounted too, so a first backfill also fills the days before plays
were recorded.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from content.analytics.days import today
from content.analytics.models import PlayEvent
from content.analytics.services.backfill import backfill_day, backfill_days_left, backfill_start


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Rebuild daily analytics rollups from play events (resumes an interrupted run)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=_date, help="First day (inclusive).")
        parser.add_argument("--to", dest="last", type=_date, help="Last day (default today).")
        parser.add_argument("--restart", action="store_true", help="Start the range over.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        last = options["last"] or today()
        first = options["first"]
        if first is None:
            first = PlayEvent.objects.order_by("day").values_list("day", flat=True).first() or last
        if first > last:
            raise CommandError("--from is after --to.")
        run = backfill_start(first_day=first, last_day=last, restart=options["restart"])
        days = backfill_days_left(run)
        if not days:
            self.stdout.write(f"{first}..{last} is already rebuilt (use --restart to redo it).")
            return
        if run.last_day_done is not None:
            self.stdout.write(f"Resuming after {run.last_day_done}.")
        progress = tqdm(
            total=len(days),
            unit="day",
            disable=options["no_progress"] or options.get("verbosity", 1) == 0,
        )
        plays = 0
        try:
            for day in days:
                rebuilt = backfill_day(run=run, day=day)
                plays += rebuilt.plays
                progress.set_postfix_str(f"{day} {rebuilt.plays} plays")
                progress.update(1)
        except KeyboardInterrupt:
            progress.close()
            self.stdout.write(
                self.style.WARNING("Interrupted; run the same command again to resume.")
            )
            return
        progress.close()
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {len(days)} day(s), {plays} play(s): {first}..{last}.")
        )
