"""``manage.py grant_subscription EMAIL [--plan NAME] [--days N]``: an active subscription
without payment (support, demos, tests). Creates the default plan if no plan exists."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from content.commerce import services
from content.commerce.models import Plan


class Command(BaseCommand):
    help = (
        "Give a user an active subscription starting now (default plan: the cheapest active "
        "one, created if there is none; default length: one billing interval)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--plan", help="Plan name (case-insensitive).")
        parser.add_argument("--days", type=int, help="Length of the period in days.")
        parser.add_argument("--notes", default="", help="Kept on the subscription.")

    def handle(self, *args, email: str, plan: str | None, days: int | None, notes: str, **opts):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with email {email!r}.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        if plan:
            chosen = Plan.objects.filter(name__iexact=plan.strip()).first()
            if chosen is None:
                names = ", ".join(Plan.objects.values_list("name", flat=True)) or "none"
                raise CommandError(f"No plan named {plan!r} (plans: {names}).")
        else:
            chosen = services.plan_default()
        subscription = services.subscription_grant(
            user=user, plan=chosen, days=days, notes=notes or "granted by manage.py"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{user.email}: {chosen.name} subscription active until "
                f"{subscription.current_period_end:%Y-%m-%d %H:%M} UTC (id {subscription.pk})."
            )
        )
