"""Compute missing (or all) waveforms, in track id order, resumable and idempotent.

    manage.py backfill_waveforms [--batch-size 100] [--only-missing | --all] [--dry-run]
                                 [--track-id ID ...] [--queue]

By default the work runs in this process (synchronously, batch by batch) so progress is
visible; ``--queue`` enqueues Celery tasks instead. Without ``--all`` a track whose waveform is
already completed for its current audio is skipped, so an interrupted run simply resumes when
started again; ``--all`` recomputes everything (``--after-id`` resumes such a run).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef, Q
from tqdm import tqdm

from content.catalog.models import Track
from content.media.models import ProcessingStatus, TrackWaveform
from content.media.services import waveforms


def _up_to_date():
    return TrackWaveform.objects.filter(
        track=OuterRef("pk"), status=ProcessingStatus.COMPLETED, source_file=OuterRef("file")
    )


class Command(BaseCommand):
    help = "Compute track waveforms that are missing (default) or all of them."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100)
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--only-missing", action="store_true", default=True)
        scope.add_argument("--all", action="store_true", help="Recompute completed ones too.")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would run.")
        parser.add_argument("--track-id", type=int, action="append", dest="track_ids")
        parser.add_argument("--after-id", type=int, default=0, help="Resume after this id.")
        parser.add_argument("--queue", action="store_true", help="Enqueue Celery tasks.")

    def handle(self, *args, **options):
        batch_size = max(1, options["batch_size"])
        recompute = options["all"]
        queryset = Track.objects.filter(file__isnull=False).order_by("pk")
        if options["track_ids"]:
            queryset = queryset.filter(pk__in=options["track_ids"])
        if not recompute:
            queryset = queryset.filter(~Q(Exists(_up_to_date())))
        if options["after_id"]:
            queryset = queryset.filter(pk__gt=options["after_id"])
        total = queryset.count()
        summary = {"completed": 0, "failed": 0, "queued": 0, "skipped": 0}
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {total} track(s) would be processed.")
            return

        last_id = options["after_id"] or 0
        progress = tqdm(total=total, unit="track", disable=options.get("verbosity", 1) == 0)
        try:
            while True:
                # Keyset pagination on id: stable while rows change, cheap to resume.
                batch = list(
                    queryset.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size]
                )
                if not batch:
                    break
                for track_id in batch:
                    self._process(
                        track_id, recompute=recompute, queue=options["queue"], summary=summary
                    )
                    last_id = track_id
                    progress.update(1)
        except KeyboardInterrupt:
            progress.close()
            self.stdout.write(
                self.style.WARNING(
                    f"Interrupted after track {last_id}; run the command again to resume."
                )
            )
            self._summary(summary)
            raise SystemExit(130) from None
        progress.close()
        self._summary(summary)

    def _process(self, track_id: int, *, recompute: bool, queue: bool, summary: dict) -> None:
        if queue:
            waveforms.waveform_schedule(track_id=track_id, force=recompute)
            summary["queued"] += 1
            return
        try:
            result = waveforms.waveform_compute(track_id=track_id, force=recompute, fresh=True)
        except waveforms.TransientWaveformError as exc:
            waveforms.waveform_mark_failed(track_id=track_id, error=str(exc))
            summary["failed"] += 1
            return
        if result is None:
            summary["skipped"] += 1
        elif result.status == ProcessingStatus.COMPLETED:
            summary["completed"] += 1
        else:
            summary["failed"] += 1

    def _summary(self, summary: dict) -> None:
        self.stdout.write(
            "Waveforms: "
            + ", ".join(
                f"{count} {name}" for name, count in summary.items() if count or name != "queued"
            )
        )
