"""Writes of plans and subscriptions (granting, expiring). The payment gateway integration
(commerce) adds its own transitions on top; every transition locks the subscription row."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from content import clock
from content.commerce.models import Plan, Subscription

DEFAULT_PLAN_NAME = "BeatPass Unlimited"
DEFAULT_PLAN_PRICE = Decimal("9.99")
INTERVAL_DAYS = {Plan.Interval.MONTH: 30, Plan.Interval.YEAR: 365}


def plan_default() -> Plan:
    """The plan used when none is named: the cheapest active one, or a monthly unlimited plan
    created on first use (help: "with an active subscription you can download unlimited
    beats")."""
    plan = Plan.objects.filter(is_active=True).order_by("price", "pk").first()
    if plan is not None:
        return plan
    plan, _ = Plan.objects.get_or_create(
        name=DEFAULT_PLAN_NAME,
        defaults={
            "price": DEFAULT_PLAN_PRICE,
            "currency": "USD",
            "interval": Plan.Interval.MONTH,
            "downloads_per_period": None,
        },
    )
    return plan


def subscription_grant(
    *, user, plan: Plan, days: int | None = None, actor=None, notes: str = ""
) -> Subscription:
    """Give ``user`` an active subscription to ``plan`` for ``days`` (default: one interval)
    starting now, without payment. An existing live subscription is switched to the plan and
    gets the new period (a fresh quota); otherwise a new row is created.

    Locks the user's live subscription row; the partial unique constraint (one live
    subscription per user) settles two grants racing to create one.
    """
    if days is not None and days < 1:
        raise ValueError("days must be at least 1")
    now = clock.now()
    end = now + timedelta(days=days or INTERVAL_DAYS[plan.interval])
    with transaction.atomic():
        current = Subscription.objects.select_for_update().live().filter(user=user).first()
        if current is not None:
            current.plan = plan
            current.status = Subscription.Status.ACTIVE
            current.current_period_start = now
            current.current_period_end = end
            current.canceled_at = None
            current.granted_by = actor
            if notes:
                current.notes = notes
            current.save()
            return current
        return Subscription.objects.create(
            user=user,
            plan=plan,
            status=Subscription.Status.ACTIVE,
            current_period_start=now,
            current_period_end=end,
            granted_by=actor,
            notes=notes,
        )


def subscription_cancel(*, subscription: Subscription) -> Subscription:
    """End a subscription now (staff action). Licenses obtained under it stay valid."""
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.status in Subscription.LIVE_STATUSES:
            locked.status = Subscription.Status.CANCELED
            locked.canceled_at = clock.now()
            locked.save(update_fields=["status", "canceled_at", "updated_at"])
        return locked


def subscriptions_expire() -> int:
    """Mark staff-granted subscriptions whose period has ended as ``expired``. Gateway-driven
    ones are left to the gateway's events (a renewal may arrive after the period end).
    Downloads never depend on this sweep: the entitlement checks the period itself."""
    return Subscription.objects.filter(
        status=Subscription.Status.ACTIVE,
        gateway="",
        current_period_end__lte=clock.now(),
    ).update(status=Subscription.Status.EXPIRED, updated_at=clock.now())
