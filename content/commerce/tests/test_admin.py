"""The commerce admin: purchases (filters, search, read-only money), webhook events (payload,
reprocess through the service), coupons, presets."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from content.commerce.models import Purchase, WebhookEvent
from content.commerce.tests.conftest import deliver, event, initiate, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(api_client, user_client, for_sale):
    purchase = Purchase.objects.get(
        pk=initiate(user_client, for_sale).json()["data"]["purchase_id"]
    )
    pay(api_client, purchase)
    purchase.refresh_from_db()
    return purchase


def test_purchases_filter_search_and_read_only_money(admin_client, sold, user):
    listing = admin_client.get("/admin/content/purchase/", {"status__exact": "succeeded"})
    assert listing.status_code == 200
    assert "Night Drive" in listing.content.decode()
    assert (
        "Night Drive"
        not in admin_client.get(
            "/admin/content/purchase/", {"status__exact": "failed"}
        ).content.decode()
    )
    found = admin_client.get("/admin/content/purchase/", {"q": user.email})
    assert f"/admin/content/purchase/{sold.pk}/change/" in found.content.decode()
    detail = admin_client.get(f"/admin/content/purchase/{sold.pk}/change/").content.decode()
    assert 'name="total_amount"' not in detail
    assert "36.59" in detail
    assert admin_client.get("/admin/content/purchase/add/").status_code == 403


def test_webhook_event_payload_and_reprocess_action(admin_client, api_client, producer_artist):
    from content.commerce.models import ConnectAccount

    deliver(api_client, event("account.updated", {"id": "acct_gone", "object": "account"}))
    row = WebhookEvent.objects.get()
    detail = admin_client.get(f"/admin/content/webhookevent/{row.pk}/change/").content.decode()
    assert "acct_gone" in detail
    # the account shows up later: reprocessing applies the stored event
    account = ConnectAccount.objects.create(
        artist=producer_artist, gateway="stripe", account_id="acct_gone"
    )
    row.payload["data"]["object"].update(charges_enabled=True, payouts_enabled=True)
    WebhookEvent.objects.filter(pk=row.pk).update(payload=row.payload)
    response = admin_client.post(
        "/admin/content/webhookevent/",
        {"action": "reprocess", ACTION_CHECKBOX_NAME: [row.pk]},
        follow=True,
    )
    assert "Reprocessed 1 event(s); 0 failed, 0 rejected." in response.content.decode()
    account.refresh_from_db()
    assert account.charges_enabled is True
    row.refresh_from_db()
    assert row.attempts == 2


def test_coupon_and_preset_admin_pages_load(admin_client):
    for url in (
        "/admin/content/coupon/",
        "/admin/content/coupon/add/",
        "/admin/content/exclusivelicensepreset/",
        "/admin/content/connectaccount/",
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("save10", "already exists"),  # SAVE10 exists: another case is the same code
        ("Straße", "already exists"),  # upper-cases to STRASSE
        ("ß" * 40, "at most 40 characters"),  # 80 once in capitals
    ],
)
def test_a_coupon_code_clashing_once_in_capitals_is_a_form_error_not_a_500(
    admin_client, code, message
):
    from content.commerce.models import Coupon

    Coupon.objects.create(code="SAVE10", type="percentage", amount=10)
    Coupon.objects.create(code="STRASSE", type="percentage", amount=10)
    response = admin_client.post(
        "/admin/content/coupon/add/",
        {
            "code": code,
            "type": "percentage",
            "amount": "10",
            "currency": "USD",
            "is_active": "on",
            "once_per_user": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert Coupon.objects.count() == 2
