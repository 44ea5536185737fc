"""Recount the reference index's common hashes now (what the daily celery-beat job does):
landmark hashes with more postings than ``RECON_COMMON_HASH_MIN_POSTINGS`` or
``RECON_COMMON_HASH_SHARE`` of the indexed recordings, which scans skip."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from recon import services


class Command(BaseCommand):
    help = "Recount the landmark hashes so common in the reference index that scans skip them."

    def handle(self, *args, **options):
        count = services.refresh_common_hashes()
        self.stdout.write(f"{count} common hash(es).")
