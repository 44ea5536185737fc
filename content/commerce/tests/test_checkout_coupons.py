"""Coupons entered at an exclusive's checkout: the discount is computed on the buyer's total
and comes off the platform fee (the producer keeps 100% of the price); one use is reserved with
the hold and given back when the purchase fails or is refunded; uses never exceed max_uses
under concurrency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from beatpass.testing import run_concurrently
from conftest import bearer_client
from content.catalog.models import ExclusiveStatus, Track
from content.commerce.models import Coupon, CouponRedemption, Plan, Purchase
from content.commerce.pricing import price_exclusive
from content.commerce.services.coupons import coupon_check
from content.commerce.services.purchases import exclusive_holds_release
from content.commerce.tests.conftest import (
    deliver,
    exclusive_for_sale,
    initiate,
    make_payable,
    pay,
    refund_event,
)
from content.commerce.tests.stripe_fake import running_fake
from content.tests.factories import ArtistFactory, UserFactory

INVALID = "Invalid or expired coupon code"
NOT_YOURS = "You cannot use this coupon"
WRONG_PLAN = "Cannot be applied to selected plan"

pytestmark = pytest.mark.django_db


def coupon(code="SAVE10", type_="percentage", amount="10", **extra) -> Coupon:
    return Coupon.objects.create(code=code, type=type_, amount=Decimal(amount), **extra)


def quote(client, track, **body):
    return client.post(f"/api/v1/tracks/{track.pk}/purchase/calculate-price", body, format="json")


@pytest.mark.parametrize(
    ("price", "type_", "amount", "fee", "discount", "total"),
    [
        # 10 % of the buyer's total, rounded once, half up
        ("0.01", "percentage", "10", "3.00", "0.30", "2.71"),
        ("9.99", "percentage", "10", "4.20", "1.42", "12.77"),
        ("29.99", "percentage", "10", "6.60", "3.66", "32.93"),
        ("1000.00", "percentage", "10", "123.00", "112.30", "1010.70"),
        # capped at the platform fee: the producer's price is never reduced
        ("200.00", "percentage", "20", "27.00", "27.00", "200.00"),
        ("100.00", "percentage", "100", "15.00", "15.00", "100.00"),
        ("29.99", "fixed", "5", "6.60", "5.00", "31.59"),
        ("29.99", "fixed", "50", "6.60", "6.60", "29.99"),
    ],
)
def test_discount_table(price, type_, amount, fee, discount, total):
    pricing = price_exclusive(Decimal(price), "USD")
    found = coupon_check(
        code=coupon(type_=type_, amount=amount).code,
        user=UserFactory(),
        amount=pricing.total_amount,
        currency="USD",
    )
    applied = pricing.with_discount(found.discount_amount, "SAVE10")
    assert applied.platform_fee == Decimal(fee)
    assert applied.discount_amount == Decimal(discount)
    assert applied.total_amount == Decimal(total)
    assert applied.artist_amount == Decimal(price)
    assert applied.application_fee == Decimal(fee) - Decimal(discount)
    assert all(isinstance(v, Decimal) for v in (applied.discount_amount, applied.total_amount))


def test_the_quote_shows_the_discount(user_client, for_sale):
    coupon()
    body = quote(user_client, for_sale, coupon="save10").json()["data"]
    assert body == {
        "base_price": 29.99,
        "platform_fee": 6.6,
        "total_amount": 32.93,
        "currency": "USD",
        "discount_amount": 3.66,
        "coupon": "SAVE10",
        "is_exclusive": True,
        "total_price": 32.93,
    }
    # Nothing is reserved by a quote.
    assert Coupon.objects.get().times_used == 0


def test_initiate_with_a_coupon_reserves_one_use_and_charges_less(user, user_client, for_sale):
    coupon(max_uses=3)
    response = initiate(user_client, for_sale, coupon="SAVE10", expected_total="32.93")
    assert response.status_code == 200, response.json()
    pricing = response.json()["data"]["pricing"]
    assert pricing["total_amount"] == 32.93
    assert pricing["discount_amount"] == 3.66
    assert pricing["coupon"] == "SAVE10"
    purchase = Purchase.objects.get()
    assert (purchase.base_price, purchase.platform_fee, purchase.discount_amount) == (
        Decimal("29.99"),
        Decimal("6.60"),
        Decimal("3.66"),
    )
    assert purchase.total_amount == Decimal("32.93")
    assert purchase.artist_amount == Decimal("29.99")
    assert Coupon.objects.get().times_used == 1
    assert CouponRedemption.objects.get().purchase == purchase
    # The undiscounted total the buyer did not see is a changed price.
    other = initiate(
        bearer_client(UserFactory()), for_sale, coupon="SAVE10", expected_total="36.59"
    )
    assert other.status_code == 409


def test_the_gateway_charges_the_discounted_total_and_a_smaller_fee(
    settings, user_client, for_sale
):
    coupon()
    with running_fake(settings) as fake:
        assert initiate(user_client, for_sale, coupon="SAVE10").status_code == 200
        (call,) = fake.calls("POST", "/v1/payment_intents")
    assert call["form"]["amount"] == "3293"
    assert call["form"]["application_fee_amount"] == "294"  # 6.60 - 3.66: producer gets 29.99


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda u: None, INVALID),  # unknown code
        (lambda u: coupon(expires_at=timezone.now() - timedelta(minutes=1)), INVALID),
        (lambda u: Coupon.objects.filter(pk=coupon(max_uses=1).pk).update(times_used=1), INVALID),
        (lambda u: coupon(is_active=False), INVALID),
        (lambda u: coupon().allowed_users.add(UserFactory()), NOT_YOURS),
        (
            lambda u: coupon().applicable_plans.add(
                Plan.objects.create(name="Pro", price=Decimal("19.99"))
            ),
            WRONG_PLAN,
        ),
        (lambda u: coupon(type_="fixed", amount="5", currency="EUR"), WRONG_PLAN),
    ],
)
def test_a_coupon_that_does_not_apply_is_422_and_holds_nothing(
    user, user_client, for_sale, setup, message
):
    setup(user)
    for call in (quote, initiate):
        response = call(user_client, for_sale, coupon="SAVE10")
        assert response.status_code == 422
        assert response.json()["errors"] == {"coupon": [message]}
    assert not Purchase.objects.exists()
    assert Track.objects.get(pk=for_sale.pk).exclusive_status == ExclusiveStatus.AVAILABLE


def test_once_per_user(user, user_client, seller, for_sale, api_client):
    coupon(once_per_user=True)
    purchase_id = initiate(user_client, for_sale, coupon="SAVE10").json()["data"]["purchase_id"]
    pay(api_client, Purchase.objects.get(pk=purchase_id))
    again = initiate(user_client, exclusive_for_sale(seller, name="Two"), coupon="SAVE10")
    assert again.status_code == 422
    assert again.json()["errors"] == {"coupon": [NOT_YOURS]}


def test_a_failed_payment_gives_the_use_back(user_client, for_sale, api_client):
    coupon(max_uses=1)
    purchase_id = initiate(user_client, for_sale, coupon="SAVE10").json()["data"]["purchase_id"]
    assert Coupon.objects.get().times_used == 1
    pay(api_client, Purchase.objects.get(pk=purchase_id), succeeded=False)
    assert Coupon.objects.get().times_used == 0
    assert not CouponRedemption.objects.exists()
    # Usable again (by anyone: the single use is free).
    retry = initiate(bearer_client(UserFactory()), for_sale, coupon="SAVE10")
    assert retry.status_code == 200
    assert Coupon.objects.get().times_used == 1


def test_a_sale_keeps_the_use_a_refund_gives_it_back(
    producer_client, user_client, for_sale, api_client
):
    coupon()
    purchase_id = initiate(user_client, for_sale, coupon="SAVE10").json()["data"]["purchase_id"]
    purchase = Purchase.objects.get(pk=purchase_id)
    pay(api_client, purchase)
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED
    assert Coupon.objects.get().times_used == 1
    sales = producer_client.get("/api/v1/artist/sales").json()["data"]
    assert sales["earnings"]["total_revenue"] == 29.99  # the producer's 100 %
    assert sales["recent_purchases"][0]["total_amount"] == 32.93
    assert deliver(api_client, refund_event(purchase)).status_code == 200
    assert Coupon.objects.get().times_used == 0


def test_an_expired_hold_gives_the_use_back_and_a_late_success_takes_it_again(
    user_client, for_sale, api_client, fake_clock
):
    coupon(max_uses=5)
    purchase_id = initiate(user_client, for_sale, coupon="SAVE10").json()["data"]["purchase_id"]
    fake_clock.advance(seconds=3600)
    assert exclusive_holds_release() == 1
    assert Coupon.objects.get().times_used == 0
    purchase = Purchase.objects.get(pk=purchase_id)
    pay(api_client, purchase)
    purchase.refresh_from_db()
    assert purchase.status == Purchase.Status.SUCCEEDED
    assert Coupon.objects.get().times_used == 1
    assert CouponRedemption.objects.get().purchase_id == purchase.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_never_exceed_max_uses():
    """Twenty buyers, twenty exclusives, one coupon with five uses: exactly five purchases get
    it; the others are 422 and hold nothing."""
    artist = ArtistFactory(managers=[UserFactory()])
    make_payable(artist)
    tracks = [exclusive_for_sale(artist, name=f"Beat {i}") for i in range(20)]
    buyers = [UserFactory() for _ in range(20)]
    coupon(max_uses=5, once_per_user=False)

    responses = run_concurrently(
        lambda i: initiate(bearer_client(buyers[i]), tracks[i], coupon="SAVE10"), 20
    )

    codes = sorted(getattr(r, "status_code", r) for r in responses)
    assert codes == [200] * 5 + [422] * 15
    refused = [r.json() for r in responses if r.status_code == 422]
    assert all(body["errors"] == {"coupon": [INVALID]} for body in refused)
    assert Coupon.objects.get().times_used == 5
    assert CouponRedemption.objects.count() == 5
    assert Purchase.objects.count() == 5
    assert Track.objects.filter(exclusive_status=ExclusiveStatus.PENDING).count() == 5


def test_reloading_the_checkout_with_the_same_coupon_returns_the_pending_purchase(
    user_client, for_sale
):
    """A buyer whose purchase is pending initiates again (a reload of the checkout page sends
    the same body): they get their purchase back, not 422 "You cannot use this coupon" for the
    use their own pending purchase holds. Nothing is reserved twice."""
    coupon(once_per_user=True, max_uses=5)
    first = initiate(user_client, for_sale, coupon="SAVE10", expected_total="32.93")
    assert first.status_code == 200, first.json()
    again = initiate(user_client, for_sale, coupon="SAVE10", expected_total="32.93")
    assert again.status_code == 200, again.json()
    assert again.json()["data"]["purchase_id"] == first.json()["data"]["purchase_id"]
    assert again.json()["data"]["pricing"] == first.json()["data"]["pricing"]
    assert Purchase.objects.count() == 1
    assert Coupon.objects.get().times_used == 1
    assert CouponRedemption.objects.count() == 1
    # A total other than the one this purchase will charge is still a changed price.
    other = initiate(user_client, for_sale, expected_total="36.59")
    assert other.status_code == 409
    assert other.json()["pricing"]["total_amount"] == 32.93
    # The quote on the reloaded page shows the same discount too.
    requote = quote(user_client, for_sale, coupon="SAVE10")
    assert requote.status_code == 200, requote.json()
    assert requote.json()["data"]["total_amount"] == 32.93


def test_initiating_again_after_the_hold_expired_can_use_the_coupon_again(
    user_client, for_sale, fake_clock
):
    """The buyer's earlier attempt ran out of time (not swept yet): its use is given back when
    the new attempt takes the hold, so the same once-per-user coupon applies to the new one."""
    coupon(once_per_user=True, max_uses=5)
    first = initiate(user_client, for_sale, coupon="SAVE10")
    assert first.status_code == 200, first.json()
    fake_clock.advance(seconds=3600)
    again = initiate(user_client, for_sale, coupon="SAVE10")
    assert again.status_code == 200, again.json()
    assert again.json()["data"]["purchase_id"] != first.json()["data"]["purchase_id"]
    assert again.json()["data"]["pricing"]["discount_amount"] == 3.66
    assert Coupon.objects.get().times_used == 1
    (redemption,) = CouponRedemption.objects.all()
    assert redemption.purchase_id == again.json()["data"]["purchase_id"]


def test_a_deleted_coupon_still_shows_the_discount_in_the_history(user_client, for_sale):
    """Staff delete an old coupon in the admin: the purchases it discounted keep showing the
    discount (the history read base 29.99 + fee 6.60 = total 32.93 with nothing taken off)."""
    coupon()
    assert initiate(user_client, for_sale, coupon="SAVE10").status_code == 200
    Coupon.objects.all().delete()
    (row,) = user_client.get("/api/v1/purchases").json()["data"]
    assert row["discount_amount"] == 3.66
    assert row["coupon"] is None
    assert (
        round(row["base_price"] + row["platform_fee"] - row["discount_amount"], 2)
        == (row["total_amount"])
    )
