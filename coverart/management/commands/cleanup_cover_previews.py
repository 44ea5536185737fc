"""``manage.py cleanup_cover_previews``: delete expired cover previews now (the periodic job
``coverart.cleanup_previews`` does the same every hour)."""

from django.core.management.base import BaseCommand

from coverart.services import previews_cleanup


class Command(BaseCommand):
    help = "Delete expired POST /cover-art/preview results and their files."

    def handle(self, *args, **options):
        deleted = previews_cleanup()
        self.stdout.write(f"deleted {deleted} expired preview(s)")
