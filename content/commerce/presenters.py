"""Output of plans and subscriptions."""

from __future__ import annotations

from datetime import UTC
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
    out = {
        "base_price": as_json_number(purchase.base_price),
        "platform_fee": as_json_number(purchase.platform_fee),
        "total_amount": as_json_number(purchase.total_amount),
        "currency": purchase.currency,
    }
    if purchase.coupon_id is not None or purchase.discount_amount:
        # A coupon deleted since (staff, in the admin) leaves its discount: the code is null.
        out["discount_amount"] = as_json_number(purchase.discount_amount)
        out["coupon"] = purchase.coupon.code if purchase.coupon_id is not None else None
    return out


def _purchased_at(purchase) -> str | None:
    """commerce.mdx writes ``2025-01-15 14:30:00`` (UTC)."""
    moment = purchase.succeeded_at or purchase.created_at
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def present_purchases(purchases) -> list[dict[str, Any]]:
    """The buyer's history (``GET /purchases``); the license is select_related."""
    return [
        {
            "id": p.pk,
            "track_id": p.track_id,
            "track_name": p.track_name,
            "status": p.status,
            "license_type": "exclusive",
            **present_purchase_pricing(p),
            "license_uuid": str(p.license.uuid) if p.license_id else None,
            "failure_message": p.failure_message or None,
            "created_at": p.created_at,
            "purchased_at": _purchased_at(p) if p.succeeded_at else None,
        }
        for p in purchases
    ]


def present_sales(*, earnings: dict, recent) -> dict[str, Any]:
    """``GET /artist/sales`` exactly as commerce.mdx shows it."""
    return {
        "earnings": {
            **earnings,
            "total_revenue": as_json_number(earnings["total_revenue"]),
            "pending_payout": as_json_number(earnings["pending_payout"]),
            "paid_out": as_json_number(earnings["paid_out"]),
        },
        "recent_purchases": [
            {
                "id": p.pk,
                "track_id": p.track_id,
                "track_name": p.track_name,
                "artist_amount": as_json_number(p.artist_amount),
                "total_amount": as_json_number(p.total_amount),
                "platform_fee": as_json_number(p.platform_fee),
                "status": p.status,
                "purchased_at": _purchased_at(p),
            }
            for p in recent
        ],
    }


def present_connect(account) -> dict[str, Any]:
    if account is None:
        return {
            "connected": False,
            "status": "not_connected",
            "account_id": None,
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "requirements_due": [],
            "onboarded_at": None,
        }
    return {
        "connected": True,
        "status": account.status,
        "account_id": account.account_id,
        "charges_enabled": account.charges_enabled,
        "payouts_enabled": account.payouts_enabled,
        "details_submitted": account.details_submitted,
        "requirements_due": account.requirements_due,
        "onboarded_at": account.onboarded_at,
    }


def present_preset(preset, *, usage_count: int) -> dict[str, Any]:
    config = preset.config
    return {
        "id": preset.pk,
        "name": preset.name,
        "description": preset.description or None,
        "is_default": preset.is_default,
        "config": config,
        "summary": (
            f"Publishing: {config.get('publishing_producer_percent')}% / "
            f"{config.get('publishing_licensee_percent')}%  •  "
            f"Royalty: {config.get('producer_royalty_percent')}%  •  "
            f"Used by {usage_count} track{'s' if usage_count != 1 else ''}"
        ),
        "usage_count": usage_count,
        "created_at": preset.created_at,
        "updated_at": preset.updated_at,
    }


def present_coupon_check(discount) -> dict[str, Any]:
    """``POST /coupons/validate`` exactly as commerce.mdx shows it."""
    coupon = discount.coupon
    amount = discount.discount_amount
    return {
        "status": "success",
        "coupon": {
            "id": coupon.pk,
            "code": coupon.code,
            "type": coupon.type,
            "amount": as_json_number(coupon.amount),
        },
        "discount_amount": as_json_number(amount) if amount is not None else None,
        "final_amount": as_json_number(discount.final_amount)
        if discount.final_amount is not None
        else None,
        "savings": as_json_number(amount) if amount is not None else None,
        "valid": True,
    }


def present_stem(stem) -> dict[str, Any]:
    entry = stem.file
    return {
        "id": stem.pk,
        "track_id": stem.track_id,
        "name": stem.name,
        "position": stem.position,
        "file_name": entry.name,
        "extension": entry.extension,
        "mime": entry.mime,
        "size": entry.size,
        "duration": entry.duration_ms,
        "sample_rate": entry.sample_rate,
        "channels": entry.channels,
        "created_at": stem.created_at,
    }


def present_payout(payout) -> dict[str, Any]:
    return {
        "id": payout.payout_id,
        "amount": as_json_number(payout.amount),
        "currency": payout.currency,
        "status": payout.status,
        "arrival_date": payout.arrival_date,
        "paid_at": payout.paid_at,
        "failed_at": payout.failed_at,
        "failure_code": payout.failure_code or None,
        "failure_message": payout.failure_message or None,
        "created_at": payout.created_at,
    }


def present_refund_requests(requests) -> list[dict[str, Any]]:
    """The buyer's refund requests; their purchases are select_related."""
    return [
        {
            "id": r.pk,
            "purchase_id": r.purchase_id,
            "track_id": r.purchase.track_id,
            "track_name": r.purchase.track_name,
            "total_amount": as_json_number(r.purchase.total_amount),
            "currency": r.purchase.currency,
            "status": r.status,
            "reason": r.reason,
            "decision_note": r.decision_note or None,
            "created_at": r.created_at,
            "decided_at": r.decided_at,
            "refunded_at": r.refunded_at,
        }
        for r in requests
    ]
