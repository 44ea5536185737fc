"""POST /coupons/validate and redemption, including a race for the last uses."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from beatpass.testing import run_concurrently
from content.commerce.models import Coupon, CouponRedemption, Plan
from content.commerce.services.coupons import coupon_redeem
from content.tests.factories import UserFactory


def validate(client, **body):
    return client.post("/api/v1/coupons/validate", body, format="json")


@pytest.mark.django_db
def test_valid_percentage_coupon_has_the_exact_response(user_client):
    coupon = Coupon.objects.create(code="save20", type="percentage", amount=Decimal("20"))
    response = validate(user_client, code="SAVE20", amount="29.99")
    assert response.status_code == 200
    assert response.json() == {
        "status": "success",
        "coupon": {"id": coupon.pk, "code": "SAVE20", "type": "percentage", "amount": 20},
        "discount_amount": 6.0,
        "final_amount": 23.99,
        "savings": 6.0,
        "valid": True,
    }


@pytest.mark.django_db
def test_fixed_coupon_on_a_plan_price_never_goes_below_zero(user_client):
    plan = Plan.objects.create(name="Pro", price=Decimal("9.99"))
    Coupon.objects.create(code="TENOFF", type="fixed", amount=Decimal("10"))
    body = validate(user_client, code="tenoff", product_id=plan.pk).json()
    assert body["discount_amount"] == 9.99
    assert body["final_amount"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "coupon_kwargs",
    [
        {"is_active": False},
        {"expires_at": timezone.now() - timedelta(minutes=1)},
        {"max_uses": 1, "times_used": 1},
    ],
)
def test_unknown_expired_inactive_or_used_up_is_422_invalid(user_client, coupon_kwargs):
    Coupon.objects.create(code="GONE", type="fixed", amount=Decimal("5"), **coupon_kwargs)
    for code in ("GONE", "NOPE"):
        response = validate(user_client, code=code)
        assert response.status_code == 422
        assert response.json()["message"] == "Invalid or expired coupon code"
        assert response.json()["errors"] == {"code": ["Invalid or expired coupon code"]}


@pytest.mark.django_db
def test_user_restricted_coupon_is_422_for_others(user, user_client, other_client):
    coupon = Coupon.objects.create(code="VIP", type="percentage", amount=Decimal("50"))
    coupon.allowed_users.add(user)
    assert validate(user_client, code="VIP").status_code == 200
    response = validate(other_client, code="VIP")
    assert response.status_code == 422
    assert response.json()["message"] == "You cannot use this coupon"


@pytest.mark.django_db
def test_a_coupon_used_once_cannot_be_used_again_by_the_same_user(user, user_client):
    Coupon.objects.create(code="ONCE", type="percentage", amount=Decimal("10"))
    coupon_redeem(code="ONCE", user=user)
    response = validate(user_client, code="ONCE")
    assert response.status_code == 422
    assert response.json()["message"] == "You cannot use this coupon"


@pytest.mark.django_db
def test_plan_restricted_coupon_is_422_for_other_plans(user_client):
    pro = Plan.objects.create(name="Pro", price=Decimal("19.99"))
    basic = Plan.objects.create(name="Basic", price=Decimal("4.99"))
    coupon = Coupon.objects.create(code="PROONLY", type="percentage", amount=Decimal("10"))
    coupon.applicable_plans.add(pro)
    assert validate(user_client, code="PROONLY", product_id=pro.pk).status_code == 200
    for body in ({"product_id": basic.pk}, {}):
        response = validate(user_client, code="PROONLY", **body)
        assert response.status_code == 422
        assert response.json()["message"] == "Cannot be applied to selected plan"


@pytest.mark.django_db
def test_validation_needs_auth_and_a_code(api_client, user_client):
    assert validate(api_client, code="X").status_code == 401
    response = validate(user_client)
    assert response.status_code == 422
    assert "code" in response.json()["errors"]


@pytest.mark.django_db
def test_used_up_coupons_cannot_be_pushed_past_max_uses_by_the_database():
    from django.db import IntegrityError

    coupon = Coupon.objects.create(code="TWO", type="fixed", amount=Decimal("1"), max_uses=2)
    with pytest.raises(IntegrityError):
        Coupon.objects.filter(pk=coupon.pk).update(times_used=3)


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_exceed_max_uses():
    coupon = Coupon.objects.create(code="FIVE", type="fixed", amount=Decimal("1"), max_uses=5)
    users = [UserFactory() for _ in range(20)]

    def redeem(i):
        try:
            return coupon_redeem(code="FIVE", user=users[i]).pk
        except ValidationError as exc:
            return str(exc.detail["code"][0])

    results = run_concurrently(redeem, 20)

    coupon.refresh_from_db()
    assert coupon.times_used == 5
    assert CouponRedemption.objects.count() == 5
    assert sum(isinstance(r, int) for r in results) == 5
    assert {r for r in results if not isinstance(r, int)} == {"Invalid or expired coupon code"}


@pytest.mark.django_db(transaction=True)
def test_one_user_racing_a_once_per_user_coupon_redeems_once():
    coupon = Coupon.objects.create(code="SOLO", type="fixed", amount=Decimal("1"), max_uses=50)
    user = UserFactory()

    def redeem(_):
        try:
            return coupon_redeem(code="SOLO", user=user).pk
        except ValidationError:
            return None

    results = run_concurrently(redeem, 10)

    assert sum(r is not None for r in results) == 1
    coupon.refresh_from_db()
    assert coupon.times_used == 1


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ＳＡＶＥ２０", " save20 ", "Ｓave２0"])
def test_a_code_typed_full_width_or_in_any_case_is_the_same_code(user_client, typed):
    coupon = Coupon.objects.create(code="save20", type="percentage", amount=Decimal("20"))
    response = validate(user_client, code=typed, amount="29.99")
    assert response.status_code == 200, response.json()
    assert response.json()["coupon"]["id"] == coupon.pk


@pytest.mark.django_db
def test_a_full_width_code_is_stored_normalised():
    assert Coupon.objects.create(code="ｗｉｎｔｅｒ５", type="fixed", amount=Decimal("5")).code == (
        "WINTER5"
    )
