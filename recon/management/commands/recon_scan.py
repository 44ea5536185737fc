"""Run Audio Recon scans now, in the foreground (operators, scripts, the demo).

``--track ID`` scans one track (due or not; refused while another worker scans it);
``--all-due`` runs what the daily celery-beat job runs (``--limit`` overrides its per-run cap).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recon import services


class Command(BaseCommand):
    help = "Scan tracks for their beats in the reference catalog (Audio Recon)."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--track", type=int, help="Scan this track now.")
        mode.add_argument("--all-due", action="store_true", help="Scan every due track.")
        parser.add_argument("--limit", type=int, help="With --all-due: at most this many.")

    def handle(self, *args, track=None, all_due=False, limit=None, **options):
        if track is not None:
            scan = services.scan_track(track_id=track)
            if scan is None:
                raise CommandError(
                    f"Track {track} is not eligible (audio, completed fingerprint, a verified "
                    "producer) or is being scanned by another worker."
                )
            self._report(scan)
            return
        scans = services.scan_due(limit=limit)
        for scan in scans:
            self._report(scan)
        self.stdout.write(f"{len(scans)} track(s) scanned.")

    def _report(self, scan) -> None:
        matches = scan.track.placements.count()
        line = f"track {scan.track_id}: {scan.status} ({matches} match(es))"
        if scan.last_error:
            line += f" — {scan.last_error}"
        self.stdout.write(line)
