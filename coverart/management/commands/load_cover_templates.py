"""``manage.py load_cover_templates [--update] [--previews]``: load the shipped templates
(``coverart/presets/*.json``). Missing ones are created; ``--update`` also overwrites the
others with the shipped data (admin edits of those templates are lost)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from coverart.models import CoverTemplate
from coverart.services import cover_templates_seed, template_previews_ensure


class Command(BaseCommand):
    help = "Create the shipped cover templates that are missing (and update the others)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true", help="Overwrite existing templates too."
        )
        parser.add_argument(
            "--previews", action="store_true", help="Render missing or stale previews now."
        )

    def handle(self, *args, update: bool = False, previews: bool = False, **options):
        with transaction.atomic():
            created, updated = cover_templates_seed(update=update)
        self.stdout.write(f"created {created}, updated {updated} template(s)")
        if previews:
            template_previews_ensure(templates=CoverTemplate.objects.all())
            self.stdout.write("previews up to date")
