"""Compute missing (or all) audio descriptors, in track id order, resumable and idempotent.

    manage.py backfill_descriptors [--batch-size 100] [--only-missing | --all] [--dry-run]
                                   [--track-id ID ...] [--after-id ID] [--queue] [--limit N]

By default the work runs in this process, batch by batch, with a progress bar; ``--queue``
enqueues Celery tasks instead (``--queue --limit 500`` is what the hourly periodic job does).
Without ``--all`` a track whose descriptor is current (same audio, same descriptor version; a
failure counts as current) is skipped, so an interrupted run resumes when started again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from content.catalog.models import Track
from content.search import services
from content.search.models import TrackDescriptor


class Command(BaseCommand):
    help = "Compute track audio descriptors that are missing (default) or all of them."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100)
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--only-missing", action="store_true", default=True)
        scope.add_argument("--all", action="store_true", help="Recompute current ones too.")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would run.")
        parser.add_argument("--track-id", type=int, action="append", dest="track_ids")
        parser.add_argument("--after-id", type=int, default=0, help="Resume after this id.")
        parser.add_argument("--queue", action="store_true", help="Enqueue Celery tasks.")
        parser.add_argument("--limit", type=int, default=0, help="Stop after this many tracks.")

    def handle(self, *args, **options):
        recompute = options["all"]
        if recompute:
            queryset = Track.objects.filter(file__isnull=False).order_by("pk")
        else:
            queryset = services.tracks_needing_descriptors()
        if options["track_ids"]:
            queryset = queryset.filter(pk__in=options["track_ids"])
        if options["after_id"]:
            queryset = queryset.filter(pk__gt=options["after_id"])
        total = queryset.count()
        if options["limit"]:
            total = min(total, options["limit"])
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {total} track(s) would be processed.")
            return
        summary = {"completed": 0, "failed": 0, "queued": 0, "skipped": 0}
        last_id = options["after_id"] or 0
        handled = 0
        progress = tqdm(total=total, unit="track", disable=options.get("verbosity", 1) == 0)
        try:
            while handled < total:
                # Keyset pagination on id: stable while rows change, cheap to resume.
                size = min(max(1, options["batch_size"]), total - handled)
                batch = list(queryset.filter(pk__gt=last_id).values_list("pk", flat=True)[:size])
                if not batch:
                    break
                for track_id in batch:
                    self._process(track_id, options, summary)
                    last_id = track_id
                    handled += 1
                    progress.update(1)
        except KeyboardInterrupt:
            progress.close()
            self.stdout.write(
                self.style.WARNING(f"Interrupted after track {last_id}; run again to resume.")
            )
            self._summary(summary)
            raise SystemExit(130) from None
        progress.close()
        self._summary(summary)

    def _process(self, track_id: int, options: dict, summary: dict) -> None:
        if options["queue"]:
            services.descriptor_schedule(track_id=track_id, force=options["all"])
            summary["queued"] += 1
            return
        try:
            result = services.descriptor_compute(track_id=track_id, force=options["all"])
        except services.TransientDescriptorError as exc:
            services.descriptor_mark_failed(track_id=track_id, error=str(exc))
            summary["failed"] += 1
            return
        if result is None:
            summary["skipped"] += 1
        elif result.status == TrackDescriptor.Status.COMPLETED:
            summary["completed"] += 1
        else:
            summary["failed"] += 1

    def _summary(self, summary: dict) -> None:
        self.stdout.write(
            "Audio descriptors: "
            + ", ".join(
                f"{count} {name}" for name, count in summary.items() if count or name != "queued"
            )
        )
