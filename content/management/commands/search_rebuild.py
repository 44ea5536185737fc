"""Rebuild every search document (PostgreSQL) from the catalog, in id batches with a progress
bar. The database's triggers keep documents current on every write; this is for bulk loads done
with triggers disabled, restores, and repairs. Idempotent; ``--after-id`` resumes.

    manage.py search_rebuild [--batch-size 5000] [--after-id ID]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection
from tqdm import tqdm

from content.catalog.models import Track
from content.search import services


class Command(BaseCommand):
    help = "Rebuild the search documents of every track and album (PostgreSQL only)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--after-id", type=int, default=0)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Nothing to do: search documents exist on PostgreSQL only.")
            return
        total = Track.objects.filter(pk__gt=options["after_id"]).count()
        with tqdm(total=total, unit="track", disable=options.get("verbosity", 1) == 0) as bar:
            done = services.search_documents_rebuild(
                after_id=options["after_id"],
                batch_size=max(1, options["batch_size"]),
                progress=bar.update,
            )
        self.stdout.write(f"Search documents rebuilt: {done} tracks, and every album.")
