"""Drop spelling-vocabulary words that no search document, name or label uses any more (what
the daily periodic job ``content.prune_search_terms`` does). PostgreSQL only; safe any time."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from content.search import services


class Command(BaseCommand):
    help = "Delete unused words from the search spelling vocabulary."

    def handle(self, *args, **options):
        removed = services.search_terms_prune()
        self.stdout.write(f"Search vocabulary: {removed} unused word(s) removed.")
