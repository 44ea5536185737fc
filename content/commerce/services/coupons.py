"""Coupons: validation (``POST /coupons/validate``) and redemption.

Redemption counts grow only through one conditional UPDATE (``times_used < max_uses``), so
concurrent redemptions can never exceed ``max_uses``; the check constraint backs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from rest_framework.exceptions import ValidationError

from content import clock
from content.commerce.models import Coupon, CouponRedemption, Plan, Purchase, coupon_code
from content.commerce.money import quantize
from content.commerce.pricing import Pricing

logger = logging.getLogger(__name__)

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
    *,
    code: str,
    user,
    plan: Plan | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    track=None,
) -> Discount:
    """The discount ``code`` gives ``user`` on ``amount`` (else the plan's price), or a 422
    with one of commerce.mdx's three messages. ``currency`` is the amount's (an exclusive's);
    a fixed coupon in another currency cannot be applied. ``track``: an exclusive's checkout;
    the use held by the buyer's own pending purchase of it does not count (a reload of the
    checkout gets that purchase back, an expired attempt gives its use back to the new one)."""
    now = clock.now()
    coupon = Coupon.objects.filter(code=coupon_code(code), is_active=True).first()
    if (
        coupon is None
        or (coupon.expires_at is not None and coupon.expires_at <= now)
        or (coupon.max_uses is not None and coupon.times_used >= coupon.max_uses)
    ):
        raise _refuse(INVALID)
    if coupon.allowed_users.exists() and not coupon.allowed_users.filter(pk=user.pk).exists():
        raise _refuse(NOT_YOURS)
    if coupon.once_per_user:
        used = CouponRedemption.objects.filter(coupon=coupon, user=user)
        if track is not None:
            used = used.exclude(purchase__track=track, purchase__status=Purchase.Status.PENDING)
        if used.exists():
            raise _refuse(NOT_YOURS)
    plans = coupon.applicable_plans.all()
    if plans.exists() and (plan is None or not plans.filter(pk=plan.pk).exists()):
        raise _refuse(WRONG_PLAN, "product_id")
    if (
        plan is None
        and currency is not None
        and coupon.type == Coupon.Type.FIXED
        and coupon.currency != currency
    ):
        raise _refuse(WRONG_PLAN, "product_id")
    base = amount if amount is not None else (plan.price if plan is not None else None)
    currency = plan.currency if plan is not None else (currency or coupon.currency)
    if base is None:
        return Discount(coupon, None, None, None)
    base = quantize(base, currency)
    if coupon.type == Coupon.Type.PERCENTAGE:
        discount = quantize(base * coupon.amount / 100, currency)
    else:
        discount = min(quantize(coupon.amount, currency), base)
    return Discount(coupon, base, discount, base - discount)


def _take_use(coupon: Coupon, user) -> None:
    """One use of ``coupon`` by ``user``, by conditional UPDATE (call inside a transaction);
    a use lost to a concurrent redemption is 422 "Invalid or expired"."""
    taken = (
        Coupon.objects.filter(pk=coupon.pk, is_active=True)
        .filter(Q(max_uses__isnull=True) | Q(times_used__lt=F("max_uses")))
        .update(times_used=F("times_used") + 1, updated_at=clock.now())
    )
    if not taken:
        raise _refuse(INVALID)
    # The UPDATE above holds the coupon row, so one user's concurrent redemptions are
    # serialised here and the re-check sees the earlier one.
    if coupon.once_per_user and CouponRedemption.objects.filter(coupon=coupon, user=user).exists():
        raise _refuse(NOT_YOURS)


def coupon_redeem(
    *, code: str, user, plan: Plan | None = None, amount: Decimal | None = None
) -> CouponRedemption:
    """Use the coupon once (checkout): checks as ``coupon_check``, then takes one use with a
    conditional UPDATE. A use lost to a concurrent redemption is 422 "Invalid or expired"."""
    discount = coupon_check(code=code, user=user, plan=plan, amount=amount)
    coupon = discount.coupon
    with transaction.atomic():
        _take_use(coupon, user)
        return CouponRedemption.objects.create(
            coupon=coupon, user=user, plan=plan, discount_amount=discount.discount_amount or 0
        )


# --- at an exclusive's checkout -------------------------------------------------------------------


def _as_checkout_error(exc: ValidationError) -> ValidationError:
    """The coupon's 422 under the checkout's ``coupon`` field, same messages."""
    detail = exc.detail if isinstance(exc.detail, dict) else {"code": exc.detail}
    messages = [
        str(m) for value in detail.values() for m in (value if isinstance(value, list) else [value])
    ]
    return ValidationError({"coupon": messages})


def coupon_price_exclusive(
    *, code: str, user, pricing: Pricing, track=None
) -> tuple[Coupon, Pricing]:
    """``pricing`` with the coupon ``code`` applied: the discount is computed on the total the
    buyer would pay and taken off the platform fee (capped at it: the producer's 100% is never
    touched). Coupons limited to plans do not apply to exclusives. 422 under ``coupon``."""
    try:
        discount = coupon_check(
            code=code,
            user=user,
            amount=pricing.total_amount,
            currency=pricing.currency,
            track=track,
        )
    except ValidationError as exc:
        raise _as_checkout_error(exc) from None
    return discount.coupon, pricing.with_discount(discount.discount_amount, discount.coupon.code)


def coupon_reserve(*, coupon: Coupon, user, purchase: Purchase) -> CouponRedemption:
    """Take one use of ``coupon`` for ``purchase`` (inside the initiating transaction, so a use
    lost to a concurrent buyer rolls the purchase and its hold back): 422 under ``coupon``."""
    try:
        with transaction.atomic():
            _take_use(coupon, user)
            return CouponRedemption.objects.create(
                coupon=coupon,
                user=user,
                purchase=purchase,
                discount_amount=purchase.discount_amount,
            )
    except ValidationError as exc:
        raise _as_checkout_error(exc) from None


def coupon_release(*, purchase_ids) -> int:
    """Give back the uses reserved by purchases that failed or were refunded (the buyer did not
    get what the coupon was entered for). Returns the uses released."""
    released = 0
    with transaction.atomic():
        redemptions = CouponRedemption.objects.select_for_update().filter(
            purchase_id__in=list(purchase_ids)
        )
        for redemption in redemptions:
            Coupon.objects.filter(pk=redemption.coupon_id, times_used__gt=0).update(
                times_used=F("times_used") - 1, updated_at=clock.now()
            )
            redemption.delete()
            released += 1
    return released


def coupon_retake(*, purchase: Purchase) -> bool:
    """A payment that succeeds after its purchase failed (and its use was released) takes the
    use again. The buyer paid the discounted price, so the sale stands either way; a coupon used
    up meanwhile is logged and not over-counted (the check constraint forbids it)."""
    if purchase.coupon_id is None or purchase.buyer_id is None:
        return False
    if CouponRedemption.objects.filter(purchase=purchase).exists():
        return True
    taken = (
        Coupon.objects.filter(pk=purchase.coupon_id)
        .filter(Q(max_uses__isnull=True) | Q(times_used__lt=F("max_uses")))
        .update(times_used=F("times_used") + 1, updated_at=clock.now())
    )
    if not taken:
        logger.warning(
            "Coupon %s was used up before purchase %s succeeded late; the use is not counted.",
            purchase.coupon_id,
            purchase.pk,
        )
        return False
    CouponRedemption.objects.create(
        coupon_id=purchase.coupon_id,
        user_id=purchase.buyer_id,
        purchase=purchase,
        discount_amount=purchase.discount_amount,
    )
    return True
