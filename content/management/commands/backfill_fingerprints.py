"""Fingerprint tracks that have none (or all of them), in batches, with a progress bar.

Resumable and idempotent: ``--only-missing`` (the default) selects tracks without a completed
fingerprint for their current audio, so an interrupted run simply continues where it stopped
when started again. ``--all`` recomputes fingerprints made before the run started; an
interrupted ``--all`` run prints the ``--before`` value that resumes it.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from content.catalog.models import Track
from content.fingerprints.models import Fingerprint
from content.fingerprints.services import fingerprint_compute


def tracks_to_fingerprint(*, only_missing: bool, before: datetime, track_ids=None):
    tracks = Track.objects.filter(file__isnull=False)
    if track_ids:
        tracks = tracks.filter(pk__in=track_ids)
    done = Q(fingerprint__status=Fingerprint.Status.COMPLETED)
    if only_missing:
        done &= Q(fingerprint__source_sha256=F("file__sha256"))
    else:
        done &= Q(fingerprint__fingerprinted_at__gte=before)
    return tracks.exclude(done).order_by("pk")


class Command(BaseCommand):
    help = "Compute missing (or all) track fingerprints. Safe to interrupt and rerun."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--only-missing", action="store_true", default=True)
        mode.add_argument("--all", action="store_true", help="Recompute every fingerprint.")
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        parser.add_argument("--track-id", type=int, action="append", dest="track_ids")
        parser.add_argument("--before", help="With --all: resume a run started at this time.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        if opts["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        only_missing = not opts["all"]
        before = timezone.now()
        if opts["before"]:
            before = parse_datetime(opts["before"])
            if before is None or timezone.is_naive(before):
                raise CommandError("--before takes an ISO 8601 datetime with a timezone.")
        selection = tracks_to_fingerprint(
            only_missing=only_missing, before=before, track_ids=opts["track_ids"]
        )
        total = selection.count()
        mode = "missing" if only_missing else "all"
        if opts["dry_run"]:
            self.stdout.write(f"Dry run: {total} track(s) would be fingerprinted ({mode}).")
            return
        counts: Counter[str] = Counter()
        started = time.monotonic()
        last_pk = 0
        bar = tqdm(total=total, unit="track", disable=opts["no_progress"], file=self.stderr)
        try:
            while True:
                batch = list(
                    selection.filter(pk__gt=last_pk).values_list("pk", flat=True)[
                        : opts["batch_size"]
                    ]
                )
                if not batch:
                    break
                for track_id in batch:
                    result = fingerprint_compute(track_id=track_id, force=not only_missing)
                    counts[result.error_code or result.status if result else "skipped"] += 1
                    last_pk = track_id
                    bar.update(1)
        except KeyboardInterrupt:
            bar.close()
            resume = "" if only_missing else f" --all --before {before.isoformat()}"
            self.stdout.write(
                self.style.WARNING(
                    f"Interrupted after track {last_pk}; rerun the command{resume} to resume."
                )
            )
            self._summary(counts, started)
            raise SystemExit(130) from None
        bar.close()
        self._summary(counts, started)

    def _summary(self, counts: Counter, started: float) -> None:
        parts = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items())) or "nothing to do"
        self.stdout.write(
            f"Fingerprinted {sum(counts.values())} track(s) in "
            f"{time.monotonic() - started:.1f}s ({parts})."
        )
