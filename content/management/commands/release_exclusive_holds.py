"""``manage.py release_exclusive_holds``: run the periodic release of expired holds once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from content.commerce.services.purchases import exclusive_holds_release


class Command(BaseCommand):
    help = "Make exclusives whose purchase hold expired available again (the periodic job)."

    def handle(self, *args, **options):
        self.stdout.write(f"released {exclusive_holds_release()} exclusive hold(s)")
