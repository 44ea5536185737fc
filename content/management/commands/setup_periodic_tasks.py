"""Register every periodic Celery task with django-celery-beat, idempotently.

Run after ``migrate`` (any number of times). Each entry says when it runs and why; add yours to
``PERIODIC_TASKS``. Entries are upserted by name: a changed schedule or task is updated in place.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# name → (task, schedule). A schedule is {"every": n, "period": "minutes"|"hours"|...} for an
# interval, or {"crontab": {"minute": ..., "hour": ..., ...}}.
PERIODIC_TASKS: dict[str, tuple[str, dict]] = {
    # Hourly: pending playlist invitations past their 7-day deadline become "expired" so lists
    # and the admin show the truth. Correctness does not depend on it (accept checks expiry).
    "expire-playlist-invitations": (
        "content.expire_playlist_invitations",
        {"crontab": {"minute": "17"}},
    ),
    # Every 5 minutes: a worker killed mid-task (OOM, deploy) leaves waveform/fingerprint rows
    # in "processing"; the sweeper re-queues those older than PROCESSING_STUCK_AFTER_SECONDS.
    "sweep-stuck-processing": (
        "content.sweep_stuck_processing",
        {"every": 5, "period": "minutes"},
    ),
    # Every 5 minutes: a worker that died mid-task leaves its fingerprint in "processing" (or a
    # lost enqueue leaves it "pending"); re-queue those older than PROCESSING_STUCK_AFTER_SECONDS.
    "content: re-queue stuck fingerprints": (
        "content.requeue_stuck_fingerprints",
        {"every": 5, "period": "minutes"},
    ),
    # Hourly at :41: staff-granted subscriptions past their period end become "expired" so the
    # admin and /users/me/subscription show the truth. Downloads never wait for it (the
    # entitlement checks the period end itself); gateway subscriptions follow gateway events.
    "expire-subscriptions": (
        "content.expire_subscriptions",
        {"crontab": {"minute": "41"}},
    ),
    # Hourly: audio descriptors (search by sound, radio) lost to a broker or worker outage, or
    # outdated by a new descriptor version, are queued again, 500 at a time
    # (`manage.py backfill_descriptors --queue --limit 500` runs it once).
    "content: queue missing audio descriptors": (
        "content.queue_missing_descriptors",
        {"crontab": {"minute": "41"}},
    ),
    # Daily at 04:23 UTC: spelling-vocabulary words no name or label uses any more are removed,
    # so corrections only propose words that can match (`manage.py search_prune_terms`).
    "content: prune search vocabulary": (
        "content.prune_search_terms",
        {"crontab": {"minute": "23", "hour": "4"}},
    ),
    # Every minute: fold new play events into the daily rollups and Track/Album.plays (the
    # counters lag plays by at most a minute), recount recent likes/downloads/licenses, prune
    # expired dedupe gates. A run that finds another still running returns at once.
    "analytics: fold plays": ("content.fold_plays", {"every": 1, "period": "minutes"}),
    # Every 15 minutes: unlock achievements for everyone (percentiles move as the platform
    # grows; profile-age milestones need time alone). Events evaluate their artists sooner.
    "analytics: evaluate achievements": (
        "content.evaluate_achievements",
        {"every": 15, "period": "minutes"},
    ),
    # Hourly at :47: cover previews (POST /cover-art/preview) expire
    # COVERART_PREVIEW_TTL_SECONDS after their last request; delete their rows and files.
    # Run once: manage.py cleanup_cover_previews.
    "coverart: clean up expired previews": (
        "coverart.cleanup_previews",
        {"crontab": {"minute": "47"}},
    ),
    # Daily at 01:45: recount the landmark hashes so common in the reference index that scans
    # skip them (recon.matching.common), before the rolling scan.
    # Run once: manage.py recon_common_hashes.
    "recon: recount common hashes": (
        "recon.refresh_common_hashes",
        {"crontab": {"minute": "45", "hour": "1"}},
    ),
    # Daily at 02:15: Audio Recon's rolling scan: tracks never scanned or last scanned
    # RECON_RESCAN_DAYS ago, oldest first, capped so a full cycle spreads over ~30 days.
    # Run once: manage.py recon_scan --all-due.
    "recon: daily rolling scan": (
        "recon.scan_due",
        {"crontab": {"minute": "15", "hour": "2"}},
    ),
    # --- commerce ---
    # Every minute: exclusive holds (15 minutes by default) whose buyer never paid go back to
    # "available" and their purchases to "failed". A new buyer never waits for it (initiate
    # takes over an expired hold itself); it keeps track pages and status honest.
    # Run once: manage.py release_exclusive_holds.
    "commerce: release expired exclusive holds": (
        "content.release_exclusive_holds",
        {"every": 1, "period": "minutes"},
    ),
}


def _schedule(spec: dict) -> dict:
    if "crontab" in spec:
        fields = {
            "minute": "*",
            "hour": "*",
            "day_of_week": "*",
            "day_of_month": "*",
            "month_of_year": "*",
        }
        fields.update(spec["crontab"])
        crontab, _ = CrontabSchedule.objects.get_or_create(**fields, timezone="UTC")
        return {"crontab": crontab, "interval": None}
    period = getattr(IntervalSchedule, spec["period"].upper())
    interval, _ = IntervalSchedule.objects.get_or_create(every=spec["every"], period=period)
    return {"interval": interval, "crontab": None}


class Command(BaseCommand):
    help = "Create or update the django-celery-beat entries for every periodic task."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, (task, spec) in PERIODIC_TASKS.items():
            _, created = PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "enabled": True, **_schedule(spec)}
            )
            self.stdout.write(f"{'created' if created else 'updated'}: {name} → {task}")
