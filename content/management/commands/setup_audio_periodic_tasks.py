from django.core.management.base import BaseCommand

from content.periodic import PERIODIC_TASKS, upsert_periodic_tasks


class Command(BaseCommand):
    help = "Register the audio pipeline's periodic tasks with django-celery-beat (idempotent)."

    def handle(self, *args, **options):
        for row in upsert_periodic_tasks(PERIODIC_TASKS):
            self.stdout.write(f"{row.name}: {row.task}")
