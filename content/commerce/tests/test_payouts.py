"""``payout.*`` webhook events: producer payouts recorded once, moving only forward, visible in
the finances and sales endpoints; the producer is told when one is deposited or fails."""

from __future__ import annotations

import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from content.commerce.models import Payout, Purchase, WebhookEvent
from content.commerce.tests.conftest import deliver, event, initiate, notifications_of, pay

pytestmark = pytest.mark.django_db


def payout_event(type_: str, account_id: str, *, payout_id="po_1", amount=2999, **extra) -> dict:
    obj = {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "currency": "usd",
        "arrival_date": 1767225600,
        "status": {"payout.paid": "paid", "payout.failed": "failed"}.get(type_, "pending"),
        **extra,
    }
    body = event(type_, obj)
    body["account"] = account_id
    return body


@pytest.fixture
def account(seller):
    return seller.connect_account


def finances(client) -> dict:
    return client.get("/api/v1/artist/stripe-connect/finances").json()["data"]


def test_a_payout_is_created_then_deposited(api_client, producer, producer_client, account):
    response = deliver(api_client, payout_event("payout.created", account.account_id))
    assert response.status_code == 200
    assert response.json()["event_status"] == "processed"
    payout = Payout.objects.get()
    assert (payout.status, str(payout.amount), payout.currency) == ("pending", "29.99", "USD")
    assert finances(producer_client)["payouts"][0]["status"] == "pending"
    assert notifications_of(producer, "payout.paid") == []

    paid = payout_event("payout.paid", account.account_id)
    assert deliver(api_client, paid).status_code == 200
    payout.refresh_from_db()
    assert payout.status == "paid"
    assert payout.paid_at is not None
    listed = finances(producer_client)["payouts"]
    assert [(p["id"], p["status"], p["amount"]) for p in listed] == [("po_1", "paid", 29.99)]
    (note,) = notifications_of(producer, "payout.paid")
    assert "29.99 USD" in note.title

    # The same delivery again is a no-op; another event about the same state tells no one.
    again = deliver(api_client, paid)
    assert again.json()["duplicate"] is True
    deliver(api_client, payout_event("payout.paid", account.account_id))
    assert len(notifications_of(producer, "payout.paid")) == 1
    assert Payout.objects.count() == 1


def test_out_of_order_events_never_move_a_payout_back(api_client, account):
    deliver(api_client, payout_event("payout.paid", account.account_id))
    deliver(api_client, payout_event("payout.created", account.account_id))
    assert Payout.objects.get().status == "paid"
    # Stripe: a paid payout can still fail; a failed one stays failed.
    deliver(
        api_client,
        payout_event(
            "payout.failed",
            account.account_id,
            failure_code="account_closed",
            failure_message="The bank account has been closed.",
        ),
    )
    deliver(api_client, payout_event("payout.paid", account.account_id))
    payout = Payout.objects.get()
    assert payout.status == "failed"
    assert payout.failure_code == "account_closed"


def test_a_failed_payout_tells_the_producer_why(api_client, producer, producer_client, account):
    deliver(
        api_client,
        payout_event(
            "payout.failed",
            account.account_id,
            failure_code="no_account",
            failure_message="The bank account details on file are probably incorrect.",
        ),
    )
    (note,) = notifications_of(producer, "payout.failed")
    assert "probably incorrect" in note.body
    assert note.data["failure_code"] == "no_account"
    (listed,) = finances(producer_client)["payouts"]
    assert listed["status"] == "failed"
    assert listed["failure_message"].startswith("The bank account details")


def test_payouts_of_unknown_accounts_are_ignored(api_client, account):
    response = deliver(api_client, payout_event("payout.paid", "acct_somebody_else"))
    assert response.status_code == 200
    missing = payout_event("payout.paid", account.account_id)
    del missing["account"]
    assert deliver(api_client, missing).status_code == 200
    assert not Payout.objects.exists()
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_deposited_payouts_are_what_is_paid_out(
    api_client, user_client, producer_client, for_sale, account
):
    purchase = Purchase.objects.get(
        pk=initiate(user_client, for_sale).json()["data"]["purchase_id"]
    )
    pay(api_client, purchase)
    # Before any payout event: the estimate (sales past the payout delay) — none yet.
    earnings = producer_client.get("/api/v1/artist/sales").json()["data"]["earnings"]
    assert (earnings["paid_out"], earnings["pending_payout"]) == (0, 29.99)
    deliver(api_client, payout_event("payout.created", account.account_id, amount=2000))
    earnings = producer_client.get("/api/v1/artist/sales").json()["data"]["earnings"]
    assert (earnings["paid_out"], earnings["pending_payout"]) == (0, 29.99)
    deliver(api_client, payout_event("payout.paid", account.account_id, amount=2000))
    earnings = producer_client.get("/api/v1/artist/sales").json()["data"]["earnings"]
    assert (earnings["paid_out"], earnings["pending_payout"]) == (20, 9.99)
    assert finances(producer_client)["earnings"]["paid_out"] == 20


def test_simulate_payout_command(producer, seller, account):
    out = StringIO()
    call_command("simulate_payout", str(seller.pk), "149.99", stdout=out)
    payout = Payout.objects.get()
    assert (payout.status, payout.amount) == ("paid", Decimal("149.99"))
    assert "is paid" in out.getvalue()
    call_command("simulate_payout", str(seller.pk), "10", "--fail", stdout=StringIO())
    failed = Payout.objects.exclude(pk=payout.pk).get()
    assert failed.status == "failed"
    assert failed.failure_code == "account_closed"
    assert len(notifications_of(producer, "payout.failed")) == 1
    with pytest.raises(CommandError):
        call_command("simulate_payout", "999999", "10", stdout=StringIO())


def test_the_connect_endpoint_may_sign_with_its_own_secret(api_client, settings, account):
    settings.COMMERCE_CONNECT_WEBHOOK_SECRET = "whsec_connect_endpoint"
    paid = payout_event("payout.paid", account.account_id)
    assert deliver(api_client, paid, secret="whsec_connect_endpoint").status_code == 200
    assert Payout.objects.get().status == "paid"
    # Any other secret is still refused; a stale timestamp under it is reported as stale.
    wrong = deliver(api_client, payout_event("payout.paid", account.account_id), secret="nope")
    assert wrong.status_code == 400
    assert wrong.json()["error_code"] == "invalid_signature"
    stale = deliver(
        api_client,
        payout_event("payout.paid", account.account_id),
        secret="whsec_connect_endpoint",
        timestamp=int(time.time()) - 3600,
    )
    assert stale.json()["error_code"] == "stale_signature"


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e30", "10000000000", "0.001"])
def test_simulate_payout_refuses_amounts_a_payout_cannot_hold(seller, account, amount):
    """Not a traceback (NaN, infinity) nor an event the webhook can only answer 503 to (more
    digits than a payout stores), nor a sub-cent amount silently rounded away."""
    with pytest.raises(CommandError):
        call_command("simulate_payout", str(seller.pk), amount, stdout=StringIO())
    assert not Payout.objects.exists()
