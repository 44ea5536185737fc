"""``manage.py expire_subscriptions``: run the periodic expiry of granted subscriptions once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from content.commerce.services import subscriptions_expire


class Command(BaseCommand):
    help = "Mark granted subscriptions whose period has ended as expired (the periodic job)."

    def handle(self, *args, **options):
        self.stdout.write(f"expired {subscriptions_expire()} subscription(s)")
