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


# --- gateway-driven subscriptions (customer.subscription.* webhooks) ------------------------------

GATEWAY_STATUSES = {
    "active": Subscription.Status.ACTIVE,
    "trialing": Subscription.Status.ACTIVE,
    "past_due": Subscription.Status.PAST_DUE,
    "unpaid": Subscription.Status.PAST_DUE,
    "canceled": Subscription.Status.CANCELED,
    "incomplete_expired": Subscription.Status.EXPIRED,
}


def _period(data: dict) -> tuple:
    from datetime import UTC, datetime

    items = ((data.get("items") or {}).get("data")) or [{}]
    start = data.get("current_period_start") or items[0].get("current_period_start")
    end = data.get("current_period_end") or items[0].get("current_period_end")
    if not start or not end:
        raise ValueError("The subscription event has no current period.")
    return datetime.fromtimestamp(int(start), tz=UTC), datetime.fromtimestamp(int(end), tz=UTC)


def subscription_sync(*, data: dict, deleted: bool = False) -> Subscription | None:
    """Apply a gateway subscription object (``customer.subscription.created|updated|deleted``)
    to our ``Subscription``: status, plan (by ``gateway_price_id``) and period. A new one
    needs ``metadata.user_id``; it replaces the user's live granted subscription (one live
    per user). ``incomplete`` ones (first payment pending) are not recorded. Locks the row."""
    from django.contrib.auth import get_user_model

    gateway_id = data.get("id")
    status = Subscription.Status.CANCELED if deleted else GATEWAY_STATUSES.get(data.get("status"))
    items = ((data.get("items") or {}).get("data")) or [{}]
    price_id = (items[0].get("price") or {}).get("id")
    plan = Plan.objects.filter(gateway_price_id=price_id).first() if price_id else None
    with transaction.atomic():
        row = (
            Subscription.objects.select_for_update()
            .filter(gateway_subscription_id=gateway_id)
            .first()
        )
        if row is None:
            if status is None or status not in Subscription.LIVE_STATUSES:
                return None
            user_id = (data.get("metadata") or {}).get("user_id")
            user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
            if user is None or plan is None:
                raise ValueError("Cannot match the subscription to a user and a plan.")
            start, end = _period(data)
            for live in Subscription.objects.select_for_update().live().filter(user=user):
                live.status = Subscription.Status.CANCELED
                live.canceled_at = clock.now()
                live.save(update_fields=["status", "canceled_at", "updated_at"])
            return Subscription.objects.create(
                user=user,
                plan=plan,
                status=status,
                current_period_start=start,
                current_period_end=end,
                gateway="stripe",
                gateway_customer_id=data.get("customer"),
                gateway_subscription_id=gateway_id,
            )
        if status is not None:
            row.status = status
        if status == Subscription.Status.CANCELED and row.canceled_at is None:
            row.canceled_at = clock.now()
        if plan is not None:
            row.plan = plan
        if not deleted:
            row.current_period_start, row.current_period_end = _period(data)
        row.save()
        return row
