"""Output of plans and subscriptions."""

from __future__ import annotations

from typing import Any

from content.commerce.models import Plan, Subscription
from content.commerce.money import as_json_number


def present_plan(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "name": plan.name,
        "price": as_json_number(plan.money.amount),
        "currency": plan.currency,
        "interval": plan.interval,
        "downloads_per_period": plan.downloads_per_period,
    }


def present_subscription(subscription: Subscription, *, downloads_used: int | None) -> dict:
    plan = subscription.plan
    quota = plan.downloads_per_period
    return {
        "id": subscription.pk,
        "status": subscription.status,
        "plan": present_plan(plan),
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "canceled_at": subscription.canceled_at,
        "downloads_used": downloads_used,
        "downloads_remaining": None if quota is None else max(0, quota - (downloads_used or 0)),
    }


def present_purchase_pricing(purchase) -> dict[str, Any]:
    return {
        "base_price": as_json_number(purchase.base_price),
        "platform_fee": as_json_number(purchase.platform_fee),
        "total_amount": as_json_number(purchase.total_amount),
        "currency": purchase.currency,
    }
