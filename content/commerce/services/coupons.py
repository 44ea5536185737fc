"""Coupons: validation (``POST /coupons/validate``) and redemption.

Redemption counts grow only through one conditional UPDATE (``times_used < max_uses``), so
concurrent redemptions can never exceed ``max_uses``; the check constraint backs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError

from content import clock
from content.commerce.models import Coupon, CouponRedemption, Plan
from content.commerce.money import quantize

INVALID = "Invalid or expired coupon code"
NOT_YOURS = "You cannot use this coupon"
WRONG_PLAN = "Cannot be applied to selected plan"


@dataclass(frozen=True)
class Discount:
    coupon: Coupon
    base_amount: Decimal | None
    discount_amount: Decimal | None
    final_amount: Decimal | None


def _refuse(message: str, field: str = "code") -> ValidationError:
    return ValidationError({field: [message]})


def coupon_check(
    *, code: str, user, plan: Plan | None = None, amount: Decimal | None = None
) -> Discount:
    """The discount ``code`` gives ``user`` on ``amount`` (else the plan's price), or a 422
    with one of commerce.mdx's three messages."""
    now = clock.now()
    coupon = Coupon.objects.filter(code=code.strip().upper(), is_active=True).first()
    if (
        coupon is None
        or (coupon.expires_at is not None and coupon.expires_at <= now)
        or (coupon.max_uses is not None and coupon.times_used >= coupon.max_uses)
    ):
        raise _refuse(INVALID)
    if coupon.allowed_users.exists() and not coupon.allowed_users.filter(pk=user.pk).exists():
        raise _refuse(NOT_YOURS)
    if coupon.once_per_user and CouponRedemption.objects.filter(coupon=coupon, user=user).exists():
        raise _refuse(NOT_YOURS)
    plans = coupon.applicable_plans.all()
    if plans.exists() and (plan is None or not plans.filter(pk=plan.pk).exists()):
        raise _refuse(WRONG_PLAN, "product_id")
    base = amount if amount is not None else (plan.price if plan is not None else None)
    currency = plan.currency if plan is not None else coupon.currency
    if base is None:
        return Discount(coupon, None, None, None)
    base = quantize(base, currency)
    if coupon.type == Coupon.Type.PERCENTAGE:
        discount = quantize(base * coupon.amount / 100, currency)
    else:
        discount = min(quantize(coupon.amount, currency), base)
    return Discount(coupon, base, discount, base - discount)


def coupon_redeem(
    *, code: str, user, plan: Plan | None = None, amount: Decimal | None = None
) -> CouponRedemption:
    """Use the coupon once (checkout): checks as ``coupon_check``, then takes one use with a
    conditional UPDATE. A use lost to a concurrent redemption is 422 "Invalid or expired"."""
    discount = coupon_check(code=code, user=user, plan=plan, amount=amount)
    coupon = discount.coupon
    with transaction.atomic():
        taken = (
            Coupon.objects.filter(pk=coupon.pk, is_active=True)
            .filter(Q(max_uses__isnull=True) | Q(times_used__lt=F("max_uses")))
            .update(times_used=F("times_used") + 1, updated_at=clock.now())
        )
        if not taken:
            raise _refuse(INVALID)
        # The UPDATE above holds the coupon row, so one user's concurrent redemptions are
        # serialised here and the re-check sees the earlier one.
        if (
            coupon.once_per_user
            and CouponRedemption.objects.filter(coupon=coupon, user=user).exists()
        ):
            raise _refuse(NOT_YOURS)
        return CouponRedemption.objects.create(
            coupon=coupon, user=user, plan=plan, discount_amount=discount.discount_amount or 0
        )
