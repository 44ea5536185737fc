"""Purchase status, the buyer's history, the artist's sales, Connect with the test gateway."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import bearer_client
from content.commerce.models import ConnectAccount, Purchase
from content.commerce.tests.conftest import exclusive_for_sale, initiate, pay
from content.tests.factories import ArtistFactory, UserFactory

pytestmark = pytest.mark.django_db


def status_of(client, track):
    return client.get(f"/api/v1/tracks/{track.pk}/purchase/status").json()["data"]


def test_purchase_status_reasons(user_client, other_client, producer_client, api_client, for_sale):
    assert status_of(user_client, for_sale) == {
        "has_purchased": False,
        "can_purchase": True,
        "reason": None,
    }
    assert status_of(producer_client, for_sale)["reason"] == "own_track"
    purchase_id = initiate(user_client, for_sale).json()["data"]["purchase_id"]
    assert status_of(other_client, for_sale)["reason"] == "pending"
    assert status_of(user_client, for_sale)["can_purchase"] is True  # their own hold
    pay(api_client, Purchase.objects.get(pk=purchase_id))
    assert status_of(user_client, for_sale) == {
        "has_purchased": True,
        "can_purchase": False,
        "reason": "already_purchased",
    }
    assert status_of(other_client, for_sale)["reason"] == "sold"
    assert api_client.get(f"/api/v1/tracks/{for_sale.pk}/purchase/status").status_code == 401


def test_purchase_status_not_for_sale_and_not_set_up(user_client, producer_artist):
    from content.tests.factories import TrackFactory

    assert status_of(user_client, TrackFactory(artists=[producer_artist]))["reason"] == (
        "not_for_sale"
    )
    assert status_of(user_client, exclusive_for_sale(producer_artist))["reason"] == (
        "artist_not_set_up"
    )


def _buy(api_client, buyer, track) -> Purchase:
    purchase_id = initiate(bearer_client(buyer), track).json()["data"]["purchase_id"]
    pay(api_client, Purchase.objects.get(pk=purchase_id))
    return Purchase.objects.get(pk=purchase_id)


def test_my_purchases_are_paginated_newest_first_with_pinned_queries(api_client, user, seller):
    client = bearer_client(user)
    first = _buy(api_client, user, exclusive_for_sale(seller, name="One"))
    with CaptureQueriesContext(connection) as one:
        body = client.get("/api/v1/purchases").json()
    assert body["total"] == 1
    row = body["data"][0]
    assert row["id"] == first.pk
    assert row["status"] == "succeeded"
    assert row["total_amount"] == 36.59
    assert row["license_uuid"] == str(first.license.uuid)
    for n in range(3):
        _buy(api_client, user, exclusive_for_sale(seller, name=f"T{n}", price="10.00"))
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/purchases?per_page=2").json()
    assert len(many) == len(one)
    assert body["total"] == 4
    assert body["per_page"] == 2
    assert body["last_page"] == 2
    assert body["data"][0]["track_name"] == "T2"
    assert bearer_client(UserFactory()).get("/api/v1/purchases").json()["total"] == 0


def test_artist_sales_has_the_exact_shape(api_client, user, producer_client, seller, fake_clock):
    old = _buy(api_client, user, exclusive_for_sale(seller, name="Old", price="200.00"))
    fake_clock.advance(days=8)
    _buy(api_client, user, exclusive_for_sale(seller, name="Summer Vibes", price="29.99"))
    body = producer_client.get("/api/v1/artist/sales").json()
    assert body["status"] == "success"
    assert body["data"]["earnings"] == {
        "total_sales": 2,
        "total_revenue": 229.99,
        "total_revenue_formatted": "$229.99 USD",
        "pending_payout": 29.99,
        "paid_out": 200,
        "currency": "USD",
    }
    recent = body["data"]["recent_purchases"]
    assert [r["track_name"] for r in recent] == ["Summer Vibes", "Old"]
    assert set(recent[0]) == {
        "id",
        "track_id",
        "track_name",
        "artist_amount",
        "total_amount",
        "platform_fee",
        "status",
        "purchased_at",
    }
    assert recent[0]["artist_amount"] == 29.99
    assert recent[0]["total_amount"] == 36.59
    assert recent[0]["platform_fee"] == 6.6
    assert recent[1]["purchased_at"] == old.succeeded_at.strftime("%Y-%m-%d %H:%M:%S")


def test_sales_need_an_artist_profile(user_client):
    response = user_client.get("/api/v1/artist/sales")
    assert response.status_code == 403
    assert response.json()["error_code"] == "no_artist_profile"


def test_sales_of_another_artist_are_refused(producer_client):
    stranger = ArtistFactory()
    response = producer_client.get(f"/api/v1/artist/sales?artist_id={stranger.pk}")
    assert response.status_code == 403
    assert response.json()["error_code"] == "not_artist_manager"
    finances = producer_client.get(
        f"/api/v1/artist/stripe-connect/finances?artist_id={stranger.pk}"
    )
    assert finances.status_code == 403
    assert finances.json()["error_code"] == "not_artist_manager"


def test_test_gateway_onboards_at_once(producer_client, producer_artist):
    status = producer_client.get("/api/v1/artist/stripe-connect/status").json()["data"]
    assert status["connected"] is False
    assert status["status"] == "not_connected"
    response = producer_client.post("/api/v1/artist/stripe-connect/onboard")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "active"
    assert data["url"]
    account = ConnectAccount.objects.get(artist=producer_artist)
    assert account.charges_enabled
    assert account.onboarded_at is not None
    # onboarding again reuses the account
    producer_client.post("/api/v1/artist/stripe-connect/onboard")
    assert ConnectAccount.objects.count() == 1
    finances = producer_client.get("/api/v1/artist/stripe-connect/finances").json()["data"]
    assert finances["connect"]["status"] == "active"
    assert finances["earnings"]["total_sales"] == 0
    assert finances["balance"] == []
