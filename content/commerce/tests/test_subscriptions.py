"""Plans, subscriptions and money: the /users/me/subscription endpoint, granting (command,
service, admin), expiry, and Decimal rounding."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from content.commerce.models import Plan, Subscription
from content.commerce.money import Money, as_json_number, quantize
from content.commerce.services import plan_default, subscription_grant, subscriptions_expire
from content.licensing.tests.conftest import licensable_track, make_plan, subscribe

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/me/subscription"


def test_no_subscription_is_null(user_client, api_client):
    assert user_client.get(URL).json() == {"status": "success", "subscription": None}
    assert api_client.get(URL).status_code == 401


def test_current_subscription_with_quota_use(user, user_client, producer_artist):
    subscribe(user, make_plan(name="Pro", quota=5))
    track = licensable_track(producer_artist)
    user_client.get(f"/api/v1/tracks/{track.pk}/download")

    body = user_client.get(URL).json()["subscription"]

    assert body["status"] == "active"
    assert body["plan"] == {
        "id": body["plan"]["id"],
        "name": "Pro",
        "price": 9.99,
        "currency": "USD",
        "interval": "month",
        "downloads_per_period": 5,
    }
    assert (body["downloads_used"], body["downloads_remaining"]) == (1, 4)


def test_grant_command_creates_the_default_plan_and_a_period(user):
    out = StringIO()
    call_command("grant_subscription", user.email.upper(), "--days", "7", stdout=out)

    subscription = Subscription.objects.get(user=user)
    assert subscription.plan.name == "BeatPass Unlimited"
    assert subscription.plan.downloads_per_period is None
    assert subscription.status == "active"
    length = subscription.current_period_end - subscription.current_period_start
    assert length == timedelta(days=7)
    assert "active until" in out.getvalue()


def test_grant_again_switches_plan_without_a_second_row(user):
    basic, pro = make_plan(name="Basic", quota=3), make_plan(name="Pro")
    call_command("grant_subscription", user.email, "--plan", "basic", stdout=StringIO())
    call_command("grant_subscription", user.email, "--plan", "PRO", stdout=StringIO())
    subscription = Subscription.objects.get(user=user)
    assert subscription.plan == pro
    assert basic.subscriptions.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com"], "No user"),
        (["{email}", "--plan", "Gold"], "No plan named"),
        (["{email}", "--days", "0"], "at least 1"),
    ],
)
def test_grant_command_errors(user, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("grant_subscription", *[a.format(email=user.email) for a in args])


def test_one_live_subscription_per_user_is_a_database_rule(user):
    subscribe(user)
    with pytest.raises(IntegrityError):
        subscribe(user)


def test_expiry_sweep_marks_ended_granted_subscriptions(user, other_user, fake_clock):
    ended = subscription_grant(user=user, plan=plan_default(), days=1)
    live = subscription_grant(user=other_user, plan=plan_default(), days=30)
    Subscription.objects.filter(pk=live.pk).update(gateway="stripe")
    fake_clock.advance(days=2)

    assert subscriptions_expire() == 1
    ended.refresh_from_db()
    assert ended.status == "expired"
    assert Subscription.objects.get(pk=live.pk).status == "active"


def test_plan_default_prefers_the_cheapest_active_plan():
    Plan.objects.create(name="Gold", price=Decimal("19.99"))
    cheap = Plan.objects.create(name="Silver", price=Decimal("4.99"))
    Plan.objects.create(name="Retired", price=Decimal("0.99"), is_active=False)
    assert plan_default() == cheap


def test_money_rounds_half_up_once_and_refuses_floats():
    assert quantize(Decimal("2.345"), "USD") == Decimal("2.35")
    assert quantize("1.005", "usd") == Decimal("1.01")
    assert quantize(Decimal("100.5"), "JPY") == Decimal("101")
    assert Money(Decimal("1.10"), "eur") + Money(Decimal("2.205"), "EUR") == Money("3.31", "EUR")
    with pytest.raises(TypeError):
        quantize(0.1, "USD")
    with pytest.raises(ValueError, match="Cannot add"):
        Money(Decimal(1), "USD") + Money(Decimal(1), "EUR")
    assert as_json_number(Decimal("9.99")) == 9.99
    assert as_json_number(Decimal("10.00")) == 10


def test_admin_add_grants_through_the_service(admin_client, user):
    plan = make_plan(name="Admin plan")
    response = admin_client.post(
        "/admin/content/subscription/add/",
        {"user": user.pk, "plan": plan.pk, "days": 14, "notes": "support gesture"},
    )
    assert response.status_code == 302, response.content[:2000]
    subscription = Subscription.objects.get(user=user)
    assert subscription.plan == plan
    assert subscription.granted_by.is_superuser
    assert subscription.notes == "support gesture"
    assert (subscription.current_period_end - subscription.current_period_start).days == 14
